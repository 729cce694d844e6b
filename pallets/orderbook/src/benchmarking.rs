//! Benchmarks of pallet-orderbook, each at its call's worst case.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate as _, fungibles, Get, Hooks};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_runtime::{traits::Saturating, Permill};
use utc_primitives::{ClassId, Units};

/// A class no genesis uses, so the benchmarks own its asset.
const CLASS: ClassId = 9_999;
/// Large enough that every benchmark order (10 units at 100 ticks or more) is
/// worth more than the UTC runtime's `MinOrderValue` (0.01 UNIT).
const TICK: Price = 1_000_000_000;

fn market<T: Config>() -> MarketId {
	let asset = T::AssetId::from(CLASS);
	if !<T::Assets as fungibles::Inspect<_>>::asset_exists(asset) {
		<T::Assets as fungibles::Create<_>>::create(
			asset,
			Pallet::<T>::token_custody(CLASS),
			false,
			1,
		)
		.expect("benchmark asset");
	}
	Pallet::<T>::do_create_market(
		CLASS,
		TICK,
		1,
		1,
		Permill::from_parts(1_000),
		Permill::from_parts(3_000),
	)
	.expect("benchmark market")
}

/// A wallet with native funds and tokens to spare.
fn wallet<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	T::Currency::set_balance(&who, 1u128 << 100);
	<T::Assets as fungibles::Mutate<_>>::mint_into(T::AssetId::from(CLASS), &who, 1u128 << 60)
		.expect("benchmark tokens");
	who
}

/// A trader whose trading account holds enough of both assets for any order:
/// its orders take the fast path, touching only the ledger. Its account is as
/// large as accounts get (see [`crowd`]).
fn trader<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who = wallet::<T>(name, index);
	Pallet::<T>::do_deposit(&who, Asset::Native, 1u128 << 99).expect("benchmark deposit");
	Pallet::<T>::do_deposit(&who, Asset::Class(CLASS), 1u128 << 59).expect("benchmark deposit");
	crowd::<T>(&who, 0);
	who
}

/// Fills `who`'s trading account with entries of other classes until `room`
/// entries are left: the largest account an order or a fill reads and writes.
/// (Ledger entries only, with no custody behind them: `try_state` would object.)
fn crowd<T: Config>(who: &T::AccountId, room: u32) {
	let mut holdings = Pallet::<T>::holdings(who);
	let full = T::MaxTradingAssets::get().saturating_sub(room) as usize;
	let mut class = CLASS;
	while holdings.classes.len() < full {
		class = class.saturating_add(1);
		let _ = holdings.classes.try_push((class, Funds { free: 1, locked: 0, orders: 0 }));
	}
	Ledger::<T>::insert(who, holdings);
}

fn place<T: Config>(
	who: &T::AccountId,
	market: MarketId,
	side: Side,
	price: Price,
	amount: Units,
	expires_at: Option<BlockNumberFor<T>>,
) {
	Pallet::<T>::do_place_order(
		who.clone(),
		market,
		side,
		price,
		amount,
		TimeInForce::Gtc,
		expires_at,
		T::MaxFills::get(),
	)
	.expect("benchmark order");
}

/// Rests `count` asks at distinct prices above `bottom`, from as many traders
/// as the open-order cap needs.
fn fill_ask_levels<T: Config>(market: MarketId, count: u32, bottom: Price) {
	let per_trader = T::MaxOpenOrders::get().max(1);
	for i in 0..count {
		let who = trader::<T>("asker", i / per_trader);
		place::<T>(
			&who,
			market,
			Side::Ask,
			bottom.saturating_add(TICK * (i as u128 + 1)),
			10,
			None,
		);
	}
}

/// Rests `count` bids at distinct prices below `top`, from as many traders as
/// the open-order cap needs.
fn fill_bid_levels<T: Config>(market: MarketId, count: u32, top: Price) {
	let per_trader = T::MaxOpenOrders::get().max(1);
	for i in 0..count {
		let who = trader::<T>("bidder", i / per_trader);
		place::<T>(&who, market, Side::Bid, top.saturating_sub(TICK * (i as u128 + 1)), 10, None);
	}
}

/// Ends the setup as a block would: a block's events are only its own, so the
/// call measured does not append to the setup's thousands.
fn new_block<T: Config>() {
	frame_system::Pallet::<T>::reset_events();
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create_market() {
		let asset = T::AssetId::from(CLASS);
		<T::Assets as fungibles::Create<_>>::create(
			asset,
			Pallet::<T>::token_custody(CLASS),
			false,
			1,
		)
		.expect("benchmark asset");
		let market = NextMarketId::<T>::get();
		new_block::<T>();
		#[extrinsic_call]
		_(
			RawOrigin::Root,
			CLASS,
			TICK,
			1,
			1,
			Permill::from_parts(1_000),
			Permill::from_parts(3_000),
		);
		assert!(Markets::<T>::contains_key(market));
	}

	#[benchmark]
	fn set_market_status() {
		let market = market::<T>();
		new_block::<T>();
		#[extrinsic_call]
		_(RawOrigin::Root, market, MarketStatus::Halted);
		assert_eq!(Markets::<T>::get(market).map(|m| m.status), Some(MarketStatus::Halted));
	}

	/// An ask from the trading account that trades nothing and rests: it locks
	/// tokens and a deposit from two ledger entries and reads the other side's
	/// full price index. With `l = 0` it joins the best level, which holds all
	/// but one of its orders; with `l = 1` it opens a new best level in an index
	/// all but full. With `e = 1` it joins an expiry block all but full.
	#[benchmark]
	fn place_order_rest(l: Linear<0, 1>, e: Linear<0, 1>) {
		let market = market::<T>();
		let bottom = TICK * 1_000;
		fill_bid_levels::<T>(market, T::MaxPriceLevels::get(), bottom);
		fill_ask_levels::<T>(market, T::MaxPriceLevels::get().saturating_sub(1), bottom);
		let best = bottom.saturating_add(TICK);
		for i in 0..T::MaxOrdersPerLevel::get().saturating_sub(2) {
			place::<T>(&trader::<T>("queued", i), market, Side::Ask, best, 10, None);
		}
		let price = if l == 1 { bottom } else { best };
		let who = trader::<T>("maker", 0);
		let expires_at = (e == 1)
			.then(|| frame_system::Pallet::<T>::block_number().saturating_add(100u32.into()));
		if let Some(at) = expires_at {
			let place = Place { market, side: Side::Ask, price: best };
			let other: T::AccountId = account("other", 0, 0);
			ExpiryQueue::<T>::mutate(at, |queue| {
				for id in 0..T::MaxExpiriesPerBlock::get().saturating_sub(1) {
					let _ = queue.try_push((u64::MAX - id as u64, other.clone(), place));
				}
			});
		}
		new_block::<T>();
		#[extrinsic_call]
		place_order(
			RawOrigin::Signed(who.clone()),
			market,
			Side::Ask,
			price,
			10,
			TimeInForce::Gtc,
			expires_at,
			T::MaxFills::get(),
		);
		assert_eq!(Pallet::<T>::best_price(market, Side::Ask), Some(price));
		assert_eq!(OpenOrders::<T>::iter_prefix(&who).count(), 1);
	}

	/// A bid that draws what it needs from the wallet, its trading account
	/// empty: the deposit a casual trader's order makes before it trades. Paid on
	/// top of the order's own weight, per asset drawn.
	#[benchmark]
	fn place_order_draw() {
		let market = market::<T>();
		let who = wallet::<T>("casual", 0);
		new_block::<T>();
		#[extrinsic_call]
		place_order(
			RawOrigin::Signed(who.clone()),
			market,
			Side::Bid,
			TICK * 100,
			10,
			TimeInForce::Ioc,
			None,
			1,
		);
		assert!(!Pallet::<T>::funds(&who, Asset::Native).is_empty());
	}

	/// A fill-or-kill bid that takes `f` asks of distinct traders, each alone at
	/// its price: the pre-scan reads them all, then every fill also removes an
	/// order, a level and a price.
	#[benchmark]
	fn place_order_fill(f: Linear<1, { T::MaxFills::get() }>) {
		let market = market::<T>();
		for i in 0..f {
			let who = trader::<T>("asker", i);
			place::<T>(&who, market, Side::Ask, TICK * (100 + i as u128), 10, None);
		}
		let taker = trader::<T>("taker", 0);
		let amount = 10 * f as Units;
		new_block::<T>();
		#[extrinsic_call]
		place_order(
			RawOrigin::Signed(taker),
			market,
			Side::Bid,
			TICK * 1_000,
			amount,
			TimeInForce::Fok,
			None,
			f,
		);
		assert!(Pallet::<T>::best_price(market, Side::Ask).is_none());
	}

	/// A fill-or-kill ask that sells into `f` bids of distinct traders, each alone
	/// at its price: each bid pays from what it locks, its owner receives the
	/// tokens in its trading account.
	#[benchmark]
	fn place_order_fill_bids(f: Linear<1, { T::MaxFills::get() }>) {
		let market = market::<T>();
		for i in 0..f {
			let who = trader::<T>("bidder", i);
			place::<T>(&who, market, Side::Bid, TICK * (1_000 - i as u128), 10, None);
		}
		let taker = trader::<T>("taker", 0);
		let amount = 10 * f as Units;
		new_block::<T>();
		#[extrinsic_call]
		place_order(
			RawOrigin::Signed(taker),
			market,
			Side::Ask,
			TICK * 100,
			amount,
			TimeInForce::Fok,
			None,
			f,
		);
		assert!(Pallet::<T>::best_price(market, Side::Bid).is_none());
	}

	/// Rests a new best bid on a side full of prices: the worst level, `n` orders
	/// of distinct traders, leaves the book. A placement that evicts pays this
	/// instead of `place_order_rest`.
	#[benchmark]
	fn place_order_evict(n: Linear<1, { T::MaxOrdersPerLevel::get() }>) {
		let market = market::<T>();
		let top = TICK * 1_000_000;
		let levels = T::MaxPriceLevels::get();
		fill_bid_levels::<T>(market, levels.saturating_sub(1), top);
		let worst = top.saturating_sub(TICK * levels as u128);
		for i in 0..n {
			place::<T>(&trader::<T>("evicted", i), market, Side::Bid, worst, 10, None);
		}
		let who = trader::<T>("maker", 0);
		new_block::<T>();
		#[extrinsic_call]
		place_order(
			RawOrigin::Signed(who),
			market,
			Side::Bid,
			top,
			10,
			TimeInForce::Gtc,
			None,
			T::MaxFills::get(),
		);
		assert!(!Levels::<T>::contains_key((market, Side::Bid, worst)));
		assert_eq!(Pallet::<T>::best_price(market, Side::Bid), Some(top));
	}

	/// Cancels the only order at a price, in a full price index.
	#[benchmark]
	fn cancel_order() {
		let market = market::<T>();
		let top = TICK * 1_000_000;
		fill_bid_levels::<T>(market, T::MaxPriceLevels::get().saturating_sub(1), top);
		let who = trader::<T>("maker", 0);
		let order = NextOrderId::<T>::get();
		place::<T>(&who, market, Side::Bid, top, 10, None);
		new_block::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), order);
		assert!(!OpenOrders::<T>::contains_key(&who, order));
	}

	/// Cancels `n` orders, each alone at its price while the index has room.
	#[benchmark]
	fn cancel_all(n: Linear<0, { T::MaxOpenOrders::get() }>) {
		let market = market::<T>();
		let who = trader::<T>("maker", 0);
		let levels = T::MaxPriceLevels::get().max(1);
		for i in 0..n {
			place::<T>(&who, market, Side::Bid, TICK * (100 + (i % levels) as u128), 10, None);
		}
		new_block::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), market);
		assert_eq!(OpenOrders::<T>::iter_prefix(&who).count(), 0);
	}

	/// `n` orders of distinct traders expire at the block that begins, each alone
	/// at its price.
	#[benchmark]
	fn on_initialize_expire(
		n: Linear<0, { T::ExpirySweepPerBlock::get().min(T::MaxExpiriesPerBlock::get()) }>,
	) {
		let market = market::<T>();
		let now = frame_system::Pallet::<T>::block_number();
		let at = now.saturating_add(10u32.into());
		// Each of a distinct trader: every removal touches its own accounts.
		for i in 0..n {
			let who = trader::<T>("maker", i);
			place::<T>(&who, market, Side::Bid, TICK * (100 + i as u128), 10, Some(at));
		}
		ExpiryCursor::<T>::put(at);
		new_block::<T>();
		#[block]
		{
			Pallet::<T>::on_initialize(at);
		}
		assert_eq!(OpenOrders::<T>::iter().count(), 0);
	}

	/// A deposit of tokens into a trading account that has none yet, and room
	/// for one class more.
	#[benchmark]
	fn deposit() {
		market::<T>();
		let who = wallet::<T>("depositor", 0);
		crowd::<T>(&who, 1);
		new_block::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), Asset::Class(CLASS), 1_000);
		assert_eq!(Pallet::<T>::funds(&who, Asset::Class(CLASS)).free, 1_000);
	}

	/// A withdrawal of all of a trading account's tokens, to a wallet that holds
	/// none: the entry is removed, the wallet's asset account created.
	#[benchmark]
	fn withdraw() {
		market::<T>();
		let who: T::AccountId = account("withdrawer", 0, 0);
		T::Currency::set_balance(&who, 1u128 << 100);
		let other = wallet::<T>("depositor", 0);
		Pallet::<T>::do_deposit(&other, Asset::Class(CLASS), 1_000).expect("benchmark deposit");
		// The tokens are credited to `who` in the ledger, as a trade would.
		Ledger::<T>::remove(&other);
		let mut holdings = HoldingsOf::<T>::default();
		let _ = holdings.set(Asset::Class(CLASS), Funds { free: 1_000, locked: 0, orders: 0 });
		Ledger::<T>::insert(&who, holdings);
		crowd::<T>(&who, 0);
		new_block::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), Asset::Class(CLASS), 1_000);
		assert!(Pallet::<T>::funds(&who, Asset::Class(CLASS)).is_empty());
	}

	/// Pays the accrued fees of `n` markets to the fee receiver.
	#[benchmark]
	fn on_idle_pay_fees(n: Linear<1, { T::FeePayoutsPerBlock::get() }>) {
		market::<T>();
		let payer = wallet::<T>("payer", 0);
		for market in 0..n {
			Pallet::<T>::do_deposit(&payer, Asset::Native, 1_000_000).expect("benchmark deposit");
			Ledger::<T>::remove(&payer);
			Fees::<T>::insert(market, 1_000_000);
		}
		new_block::<T>();
		#[block]
		{
			Pallet::<T>::pay_fees(n);
		}
		assert_eq!(Fees::<T>::iter().count(), 0);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
