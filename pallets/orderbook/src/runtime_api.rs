//! The runtime API through which wallets and market makers read the book.

use crate::types::{Asset, Depth, Funds, MarketId, OrderId, Price, Quote, Side};
use alloc::vec::Vec;
use codec::Codec;
use utc_primitives::Units;

sp_api::decl_runtime_apis! {
	/// The order book.
	pub trait OrderbookApi<AccountId, Order>
	where
		AccountId: Codec,
		Order: Codec,
	{
		/// The best bid and ask with the amounts resting there.
		fn best_bid_ask(market: MarketId) -> (Option<(Price, Units)>, Option<(Price, Units)>);
		/// Up to `levels` prices each side, best first, with their totals: (bids, asks).
		fn depth(market: MarketId, levels: u32) -> (Depth, Depth);
		/// An account's resting orders.
		fn open_orders(who: AccountId) -> Vec<(OrderId, Order)>;
		/// An account's trading account: its free and locked funds per asset.
		fn trading_account(who: AccountId) -> Vec<(Asset, Funds)>;
		/// What an order of `side` for `amount` would fill now: amount, value, worst price.
		fn quote(market: MarketId, side: Side, amount: Units) -> Quote;
	}
}
