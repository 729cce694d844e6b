#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod impls;
mod ledger;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use types::*;
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{fungible, fungibles, OnUnbalanced},
		PalletId,
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::Permill;
	use utc_primitives::{ClassId, Units};

	pub type OrderOf<T> = Order<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;
	pub type RestingOf<T> = Resting<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;
	/// The orders resting at one price of one side, oldest first.
	pub type PriceLevelOf<T> = BoundedVec<RestingOf<T>, <T as Config>::MaxOrdersPerLevel>;
	pub type HoldingsOf<T> = Holdings<<T as Config>::MaxTradingAssets>;

	/// The layout of this pallet's storage; UTC chain's genesis is version 0.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Creates markets and halts them.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The native token, the quote of every market.
		type Currency: fungible::Mutate<Self::AccountId, Balance = u128>
			+ fungible::Balanced<Self::AccountId>;

		/// The asset id of a class's token; class `c` is asset `c`.
		type AssetId: Member + Parameter + Copy + MaxEncodedLen + From<ClassId>;

		/// The ledger of UTC tokens (pallet-assets); the exchange keeps traders'
		/// tokens in one custody account a class.
		type Assets: fungibles::Mutate<Self::AccountId, AssetId = Self::AssetId, Balance = Units>
			+ fungibles::Create<Self::AccountId>;

		/// The custody accounts of the exchange derive from it.
		#[pallet::constant]
		type PalletId: Get<PalletId>;

		/// Receives the trading fees (the treasury), paid from custody in batches.
		type OnFee: OnUnbalanced<fungible::Credit<Self::AccountId, Self::Currency>>;

		/// Native funds locked in the owner's trading account for each resting order.
		#[pallet::constant]
		type OrderDeposit: Get<u128>;

		/// Markets whose accrued fees are paid to `OnFee` in one block, at most.
		#[pallet::constant]
		type FeePayoutsPerBlock: Get<u32>;

		/// Orders one account may have resting, across markets.
		#[pallet::constant]
		type MaxOpenOrders: Get<u32>;

		/// Classes one trading account may hold at once (the native token aside).
		#[pallet::constant]
		type MaxTradingAssets: Get<u32>;

		/// Distinct prices per side of a market. When a side is full, a better
		/// price still rests: the worst level leaves the book.
		#[pallet::constant]
		type MaxPriceLevels: Get<u32>;

		/// Orders resting at one price of one side, at most: what an eviction of
		/// the worst level costs at most.
		#[pallet::constant]
		type MaxOrdersPerLevel: Get<u32>;

		/// The least native value (price × amount) an order may have: dust orders
		/// cost at least this much each.
		#[pallet::constant]
		type MinOrderValue: Get<u128>;

		/// The most fills one call may make; a call's `max_fills` is capped at it.
		#[pallet::constant]
		type MaxFills: Get<u32>;

		/// Resting orders that may expire at one block.
		#[pallet::constant]
		type MaxExpiriesPerBlock: Get<u32>;

		/// The furthest ahead of now an order may expire.
		#[pallet::constant]
		type MaxOrderLifetime: Get<BlockNumberFor<Self>>;

		/// Expired orders removed per block at most, oldest first; at least
		/// `MaxExpiriesPerBlock`, so the sweep keeps up with the queue.
		#[pallet::constant]
		type ExpirySweepPerBlock: Get<u32>;

		/// Weights from this pallet's benchmarks.
		type WeightInfo: WeightInfo;
	}

	#[pallet::storage]
	pub type NextMarketId<T> = StorageValue<_, MarketId, ValueQuery>;

	#[pallet::storage]
	pub type Markets<T> = StorageMap<_, Twox64Concat, MarketId, Market>;

	/// The next order's id. Every order of a block reads and writes it, but the
	/// database sees it once a block: `on_initialize` pays that read and write,
	/// and the benchmarks leave it out of each order's weight.
	#[pallet::storage]
	#[pallet::whitelist_storage]
	pub type NextOrderId<T> = StorageValue<_, OrderId, ValueQuery>;

	/// Each trader's funds in the exchange's custody, all its assets in one
	/// entry: what orders trade and fills move, without touching the token
	/// pallets.
	#[pallet::storage]
	pub type Ledger<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, HoldingsOf<T>>;

	/// Fees accrued per market in custody, not yet paid to `OnFee`.
	#[pallet::storage]
	pub type Fees<T> = StorageMap<_, Twox64Concat, MarketId, u128>;

	/// The orders resting at each price of each side of each market, oldest first.
	#[pallet::storage]
	pub type Levels<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Twox64Concat, MarketId>,
			NMapKey<Twox64Concat, Side>,
			NMapKey<Twox64Concat, Price>,
		),
		PriceLevelOf<T>,
	>;

	/// The prices with resting orders, ascending, per market and side: the best bid
	/// is the last, the best ask the first.
	#[pallet::storage]
	pub type Prices<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		MarketId,
		Twox64Concat,
		Side,
		BoundedVec<Price, T::MaxPriceLevels>,
		ValueQuery,
	>;

	/// Each account's resting orders and where they rest.
	#[pallet::storage]
	pub type OpenOrders<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, OrderId, Place>;

	/// The resting orders that expire at each block, with where they rest.
	#[pallet::storage]
	pub type ExpiryQueue<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<(OrderId, T::AccountId, Place), T::MaxExpiriesPerBlock>,
		ValueQuery,
	>;

	/// The first block whose expiring orders may not all be swept yet.
	#[pallet::storage]
	pub type ExpiryCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A market was created.
		MarketCreated {
			market: MarketId,
			base: ClassId,
			tick_size: Price,
			lot_size: Units,
			min_order: Units,
			maker_fee: Permill,
			taker_fee: Permill,
		},
		/// A market was halted or reopened.
		MarketStatusChanged { market: MarketId, status: MarketStatus },
		/// An order arrived. What it does next follows as `Trade`s and then
		/// `OrderRested` or `OrderCancelled`, or `OrderFilled`.
		OrderPlaced {
			order_id: OrderId,
			market: MarketId,
			who: T::AccountId,
			side: Side,
			price: Price,
			amount: Units,
			time_in_force: TimeInForce,
			expires_at: Option<BlockNumberFor<T>>,
		},
		/// Two orders traded `amount` at the maker's `price`.
		Trade {
			market: MarketId,
			maker_order: OrderId,
			taker_order: OrderId,
			maker: T::AccountId,
			taker: T::AccountId,
			/// The taker's side.
			taker_side: Side,
			price: Price,
			amount: Units,
			maker_fee: u128,
			taker_fee: u128,
		},
		/// The rest of an order joined the book.
		OrderRested {
			order_id: OrderId,
			market: MarketId,
			side: Side,
			price: Price,
			remaining: Units,
		},
		/// An order traded all its amount.
		OrderFilled { order_id: OrderId, market: MarketId },
		/// An order, or its rest, left without trading.
		OrderCancelled {
			order_id: OrderId,
			market: MarketId,
			remaining: Units,
			reason: CancelReason,
		},
		/// A resting order reached its expiry and left the book.
		OrderExpired { order_id: OrderId, market: MarketId, remaining: Units },
		/// Funds moved from a wallet into its trading account.
		Deposited { who: T::AccountId, asset: Asset, amount: u128 },
		/// Funds moved from a trading account back to its wallet.
		Withdrawn { who: T::AccountId, asset: Asset, amount: u128 },
		/// A market's accrued fees were paid out of custody to the treasury.
		FeesPaid { market: MarketId, amount: u128 },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No market has this id.
		UnknownMarket,
		/// The market is halted.
		MarketHalted,
		/// The market already has this status.
		StatusUnchanged,
		/// Tick size, lot size and minimum order must be above zero, and the minimum
		/// a multiple of the lot.
		InvalidMarketParameters,
		/// The base class has no token.
		UnknownBaseAsset,
		/// The class has no token (a deposit or withdrawal of an unknown asset).
		UnknownAsset,
		/// An order of zero amount or at price zero.
		ZeroAmount,
		/// The price is not a multiple of the market's tick size.
		PriceOffTick,
		/// The amount is not a multiple of the market's lot size.
		AmountOffLot,
		/// The amount is below the market's minimum order.
		BelowMinimum,
		/// The account cannot pay or deliver what the order needs, from its trading
		/// account and wallet together; or a withdrawal exceeds what it has.
		InsufficientBalance,
		/// A withdrawal of funds that resting orders lock: cancel them first.
		Locked,
		/// A wallet cannot receive the withdrawal (below the existential deposit of
		/// a new account, or no room for another asset).
		CannotReceive,
		/// A post-only order would trade on arrival.
		PostOnlyWouldCross,
		/// A fill-or-kill order cannot fill completely now (within `max_fills`).
		FillOrKillUnfilled,
		/// The order's expiry is further ahead than `MaxOrderLifetime`.
		ExpiryTooFar,
		/// The order's expiry is not in the future.
		Expired,
		/// Expiry on an order that does not rest (IOC or FOK).
		ExpiryNotResting,
		/// The account has `MaxOpenOrders` resting orders.
		TooManyOpenOrders,
		/// The trading account holds `MaxTradingAssets` classes already, none of
		/// them this one.
		TooManyAssets,
		/// The side of the book has `MaxPriceLevels` prices already, every one of
		/// them better than this one.
		TooManyPriceLevels,
		/// `MaxOrdersPerLevel` orders rest at this price already: rest one tick away.
		LevelFull,
		/// The order's value (price × amount) is below `MinOrderValue`.
		BelowMinimumValue,
		/// `MaxExpiriesPerBlock` orders expire at that block already.
		ExpiryQueueFull,
		/// `max_fills` is zero for an order that must trade.
		ZeroMaxFills,
		/// No resting order of the caller has this id.
		UnknownOrder,
		/// An amount overflowed.
		Overflow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Removes orders whose expiry has come, at most `ExpirySweepPerBlock`.
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let (blocks, orders) = Self::sweep_expired(now);
			// `blocks` expiry queues read, the cursor written, and `NextOrderId`
			// read and written by this block's orders.
			T::WeightInfo::on_initialize_expire(orders).saturating_add(
				T::DbWeight::get().reads_writes(u64::from(blocks).saturating_add(1), 2),
			)
		}

		/// Pays accrued fees to `OnFee`, up to `FeePayoutsPerBlock` markets, as the
		/// block's room allows.
		fn on_idle(_: BlockNumberFor<T>, remaining: Weight) -> Weight {
			let mut n = T::FeePayoutsPerBlock::get();
			while n > 0 && !remaining.all_gte(T::WeightInfo::on_idle_pay_fees(n)) {
				n -= 1;
			}
			if n == 0 {
				return Weight::zero();
			}
			T::WeightInfo::on_idle_pay_fees(Self::pay_fees(n))
		}

		fn integrity_test() {
			assert!(
				T::ExpirySweepPerBlock::get() >= T::MaxExpiriesPerBlock::get(),
				"the expiry sweep must remove at least as many orders a block as may expire in one"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	/// The exchange's native custody account starts with the existential deposit,
	/// so that it always exists whatever traders deposit and withdraw.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			Pallet::<T>::endow_custody();
		}
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Opens a market of class `base` against the native token.
		#[pallet::call_index(0)]
		pub fn create_market(
			origin: OriginFor<T>,
			base: ClassId,
			tick_size: Price,
			lot_size: Units,
			min_order: Units,
			maker_fee: Permill,
			taker_fee: Permill,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_create_market(base, tick_size, lot_size, min_order, maker_fee, taker_fee)
				.map(|_| ())
		}

		/// Halts a market (no new orders) or reopens it.
		#[pallet::call_index(1)]
		pub fn set_market_status(
			origin: OriginFor<T>,
			market: MarketId,
			status: MarketStatus,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_set_market_status(market, status)
		}

		/// Places a limit order. It trades with resting orders at their prices, best
		/// price first and oldest first at a price, at most `max_fills` of them; the
		/// rest of a GTC or post-only order rests. A market order is an IOC whose
		/// price bounds its slippage. Expired makers and the caller's own resting
		/// orders met on the way leave the book without counting as fills (at
		/// most `max_fills` of them too).
		#[pallet::call_index(2)]
		#[pallet::weight(Pallet::<T>::place_order_weight(*side, (*max_fills).min(T::MaxFills::get())))]
		pub fn place_order(
			origin: OriginFor<T>,
			market: MarketId,
			side: Side,
			price: Price,
			amount: Units,
			time_in_force: TimeInForce,
			expires_at: Option<BlockNumberFor<T>>,
			max_fills: u32,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let taker_side = side;
			let placed = Self::do_place_order(
				who,
				market,
				side,
				price,
				amount,
				time_in_force,
				expires_at,
				max_fills,
			)?;
			// Refund the orders the call did not meet or evict, the writes its rest
			// did not make and the draws from the wallet it did not make.
			let trade = match placed.rested {
				Some(_) if placed.met == 0 => Weight::zero(),
				_ => Self::fill_weight(taker_side, placed.met),
			};
			let rest = placed
				.rested
				.map_or(Weight::zero(), |rested| Self::rest_weight(placed.evicted, rested));
			let draws = T::WeightInfo::place_order_draw().saturating_mul(placed.draws.into());
			Ok(Some(trade.saturating_add(rest).saturating_add(draws)).into())
		}

		/// Cancels one of the caller's resting orders, releasing what it holds.
		#[pallet::call_index(3)]
		pub fn cancel_order(origin: OriginFor<T>, order_id: OrderId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_cancel_order(&who, order_id)
		}

		/// Cancels all the caller's resting orders in a market.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::cancel_all(T::MaxOpenOrders::get()))]
		pub fn cancel_all(origin: OriginFor<T>, market: MarketId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let (read, cancelled) = Self::do_cancel_all(&who, market)?;
			// The caller's orders in other markets were read too.
			let skipped = read.saturating_sub(cancelled);
			Ok(Some(
				T::WeightInfo::cancel_all(cancelled)
					.saturating_add(T::DbWeight::get().reads(skipped.into())),
			)
			.into())
		}

		/// Moves `amount` of `asset` from the caller's wallet into its trading
		/// account (one transfer into the exchange's custody).
		#[pallet::call_index(5)]
		pub fn deposit(origin: OriginFor<T>, asset: Asset, amount: u128) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			Self::do_deposit(&who, asset, amount)
		}

		/// Moves `amount` of `asset` from the caller's trading account back to its
		/// wallet. Only free funds leave: what resting orders lock is refused
		/// (`Locked`), never partly withdrawn.
		#[pallet::call_index(6)]
		pub fn withdraw(origin: OriginFor<T>, asset: Asset, amount: u128) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			Self::do_withdraw(&who, asset, amount)
		}
	}
}
