//! The data of pallet-orderbook: markets, orders, price levels.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::Permill;
use utc_primitives::{ClassId, Units};

/// A market's id.
pub type MarketId = u32;
/// An order's id.
pub type OrderId = u64;
/// A price: native token (smallest part) per smallest part of the base token.
pub type Price = u128;

/// Which side of the book an order is on.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum Side {
	/// Buys the base token, pays the native token.
	#[codec(index = 0)]
	Bid,
	/// Sells the base token for the native token.
	#[codec(index = 1)]
	Ask,
}

impl Side {
	pub fn opposite(self) -> Side {
		match self {
			Side::Bid => Side::Ask,
			Side::Ask => Side::Bid,
		}
	}

	/// Whether, on this side, price `a` is strictly better than price `b` (higher
	/// for a bid, lower for an ask).
	pub fn better(self, a: Price, b: Price) -> bool {
		match self {
			Side::Bid => a > b,
			Side::Ask => a < b,
		}
	}

	/// Whether an order of this side at `limit` trades with a resting order at `price`.
	pub fn crosses(self, limit: Price, price: Price) -> bool {
		match self {
			Side::Bid => price <= limit,
			Side::Ask => price >= limit,
		}
	}
}

/// How long an order lives.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum TimeInForce {
	/// Good till cancelled: the unfilled rest rests on the book.
	Gtc,
	/// Immediate or cancel: fills what it can now, the rest is dropped.
	Ioc,
	/// Fill or kill: fills completely now, or nothing happens.
	Fok,
	/// Rests only: refused if it would trade on arrival.
	PostOnly,
}

/// Whether a market trades.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum MarketStatus {
	#[codec(index = 0)]
	Active,
	/// No new orders; resting orders may be cancelled.
	#[codec(index = 1)]
	Halted,
}

/// A market: one UTC class against the native token.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct Market {
	/// The compute class whose token is traded.
	pub base: ClassId,
	/// Prices are multiples of this.
	pub tick_size: Price,
	/// Amounts are multiples of this.
	pub lot_size: Units,
	/// The least amount of an order.
	pub min_order: Units,
	/// Fee of the resting side of a trade, on the trade's native value.
	pub maker_fee: Permill,
	/// Fee of the arriving side of a trade, on the trade's native value.
	pub taker_fee: Permill,
	pub status: MarketStatus,
}

/// What the trading ledger keeps: the native token or a class's UTC token.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum Asset {
	#[codec(index = 0)]
	Native,
	#[codec(index = 1)]
	Class(ClassId),
}

/// A trader's balance of one asset in the exchange's custody.
#[derive(
	Clone,
	Copy,
	Default,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Funds {
	/// What the trader may trade or withdraw.
	pub free: u128,
	/// What its resting orders lock: bids their value and maker fee, asks their
	/// tokens, every order its deposit (native).
	pub locked: u128,
	/// Resting orders whose deposit this locks (native only).
	pub orders: u32,
}

impl Funds {
	pub fn total(&self) -> u128 {
		self.free.saturating_add(self.locked)
	}

	pub fn is_empty(&self) -> bool {
		self.free == 0 && self.locked == 0 && self.orders == 0
	}

	/// Moves `amount` from free to locked.
	pub fn lock(&mut self, amount: u128) -> Option<()> {
		self.free = self.free.checked_sub(amount)?;
		self.locked = self.locked.checked_add(amount)?;
		Some(())
	}

	/// Moves `amount` from locked to free.
	pub fn unlock(&mut self, amount: u128) -> Option<()> {
		self.locked = self.locked.checked_sub(amount)?;
		self.free = self.free.checked_add(amount)?;
		Some(())
	}
}

/// An order resting on the book, in its price level.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct Resting<AccountId, BlockNumber> {
	pub id: OrderId,
	pub owner: AccountId,
	/// Base units still to trade; never zero while the order rests.
	pub remaining: Units,
	/// What the order locks in its owner's ledger beside its deposit: native funds
	/// for a bid (value and maker fee of `remaining`, and what its fills' fees
	/// rounded), base tokens for an ask (`remaining`).
	pub locked: u128,
	/// The order leaves the book at this block, if set.
	pub expires_at: Option<BlockNumber>,
}

/// Where a resting order is: its market, side and price.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Place {
	pub market: MarketId,
	pub side: Side,
	pub price: Price,
}

/// A resting order as wallets see it (the runtime API).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct Order<AccountId, BlockNumber> {
	pub market: MarketId,
	pub owner: AccountId,
	pub side: Side,
	pub price: Price,
	pub remaining: Units,
	pub expires_at: Option<BlockNumber>,
	/// What it locks in its owner's trading account, its deposit aside.
	pub locked: u128,
}

/// Why an order left the book without filling.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum CancelReason {
	/// Its owner cancelled it.
	ByOwner,
	/// The rest of an immediate-or-cancel order.
	ImmediateOrCancel,
	/// The call reached its `max_fills` while the order still crossed the book:
	/// the rest cannot rest without crossing it.
	MaxFillsReached,
	/// A resting order met by an order of its own owner: trading with oneself is
	/// never done; the older, resting order leaves the book instead.
	SelfTrade,
	/// Its side held `MaxPriceLevels` prices and a better price came to rest: the
	/// worst price level left the book, each of its orders returned in full.
	Evicted,
}

/// Native value of `amount` at `price`, if it fits.
pub fn value_of(price: Price, amount: Units) -> Option<u128> {
	price.checked_mul(amount)
}

/// What a resting bid of `amount` at `price` locks: its value and the maker fee on it.
pub fn bid_lock(price: Price, amount: Units, maker_fee: Permill) -> Option<u128> {
	let value = value_of(price, amount)?;
	value.checked_add(maker_fee.mul_floor(value))
}

/// A maker's fee on a trade's `value`, rounded down.
pub fn fee_on(rate: Permill, value: u128) -> u128 {
	rate.mul_floor(value)
}

/// A taker's fee on a trade's `value`, rounded up: never zero on a non-zero rate.
pub fn taker_fee_on(rate: Permill, value: u128) -> u128 {
	rate.mul_ceil(value)
}

/// The depth of one side: (price, total amount) from the best price outwards.
pub type Depth = alloc::vec::Vec<(Price, Units)>;

/// What filling `amount` against the book now would give.
#[derive(Clone, Default, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct Quote {
	/// Base units that would trade (at most the amount asked).
	pub filled: Units,
	/// Their native value, fees excluded.
	pub value: u128,
	/// The worst price reached.
	pub worst_price: Price,
}

impl Quote {
	pub(crate) fn add(&mut self, price: Price, amount: Units) {
		self.filled = self.filled.saturating_add(amount);
		self.value = self.value.saturating_add(price.saturating_mul(amount));
		self.worst_price = price;
	}
}
