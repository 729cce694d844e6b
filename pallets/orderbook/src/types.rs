//! The data of pallet-orderbook: markets, orders, price levels.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::{BoundedVec, Get},
	CloneNoBound, DebugNoBound, DefaultNoBound, EqNoBound, PartialEqNoBound,
};
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
	/// The best resting bid, kept with the market so that an order that does
	/// not cross reads no price index.
	pub best_bid: Option<Price>,
	/// The best resting ask.
	pub best_ask: Option<Price>,
}

impl Market {
	/// The best resting price of `side`.
	pub fn best(&self, side: Side) -> Option<Price> {
		match side {
			Side::Bid => self.best_bid,
			Side::Ask => self.best_ask,
		}
	}

	pub(crate) fn best_mut(&mut self, side: Side) -> &mut Option<Price> {
		match side {
			Side::Bid => &mut self.best_bid,
			Side::Ask => &mut self.best_ask,
		}
	}
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
	/// Resting orders: of every market for the native entry (each locks its
	/// deposit there), of the class's markets for a class (a bid's class entry
	/// stays while it rests, so that the bid can always receive its tokens).
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

/// A trading account: its native funds and those of up to `S` classes, one
/// storage entry, so that an order or a fill touches one item per trader.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DefaultNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
#[scale_info(skip_type_params(S))]
pub struct Holdings<S: Get<u32>> {
	pub native: Funds,
	/// Non-empty class entries, in the order they were opened.
	pub classes: BoundedVec<(ClassId, Funds), S>,
}

impl<S: Get<u32>> Holdings<S> {
	/// The funds of `asset`.
	pub fn get(&self, asset: Asset) -> Funds {
		match asset {
			Asset::Native => self.native,
			Asset::Class(class) => {
				self.classes.iter().find(|(c, _)| *c == class).map(|(_, f)| *f).unwrap_or_default()
			}
		}
	}

	/// Whether `asset` has an entry or room for one.
	pub fn can_hold(&self, asset: Asset) -> bool {
		match asset {
			Asset::Native => true,
			Asset::Class(class) => {
				!self.classes.is_full() || self.classes.iter().any(|(c, _)| *c == class)
			}
		}
	}

	/// Sets the funds of `asset`, dropping an empty class entry; `None` when a
	/// new class entry finds the account full.
	pub fn set(&mut self, asset: Asset, funds: Funds) -> Option<()> {
		let class = match asset {
			Asset::Native => {
				self.native = funds;
				return Some(());
			}
			Asset::Class(class) => class,
		};
		match self.classes.iter().position(|(c, _)| *c == class) {
			Some(at) if funds.is_empty() => {
				self.classes.remove(at);
			}
			Some(at) => self.classes[at].1 = funds,
			None if funds.is_empty() => {}
			None => self.classes.try_push((class, funds)).ok()?,
		}
		Some(())
	}

	pub fn is_empty(&self) -> bool {
		self.native.is_empty() && self.classes.is_empty()
	}

	/// Every non-empty entry, native first.
	pub fn entries(&self) -> impl Iterator<Item = (Asset, Funds)> + '_ {
		let native = (!self.native.is_empty()).then_some((Asset::Native, self.native));
		native.into_iter().chain(self.classes.iter().map(|(c, f)| (Asset::Class(*c), *f)))
	}
}
