//! pallet-orderbook's behaviour, one module per call or rule, and a property test
//! against a plain reference matcher. Every test ends with `do_try_state()`.

use crate::{mock::*, pallet::*, types::*, Error, Event};
use frame_support::{assert_noop, assert_ok, traits::Currency};
use sp_runtime::{DispatchError, Permill};

fn place(
	who: AccountId,
	side: Side,
	price: Price,
	amount: u128,
	tif: TimeInForce,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	Orderbook::place_order(
		RuntimeOrigin::signed(who),
		MARKET,
		side,
		price,
		amount,
		tif,
		None,
		MAX_FILLS,
	)
}

/// What `who` owns of the native token: its wallet and its trading account.
fn free(who: AccountId) -> Balance {
	Balances::free_balance(who) + Orderbook::funds(&who, Asset::Native).total()
}

/// What `who` owns of market 0's tokens: its wallet and its trading account.
fn tokens(who: AccountId) -> u128 {
	Assets::balance(CLASS, who) + Orderbook::funds(&who, Asset::Class(CLASS)).total()
}

/// Native funds `who`'s resting bids lock, their deposits aside.
fn bid_locked(who: AccountId) -> Balance {
	let funds = Orderbook::funds(&who, Asset::Native);
	funds.locked - ORDER_DEPOSIT * funds.orders as u128
}

/// The resting order `id`, wherever it rests.
fn resting(id: OrderId) -> Option<RestingOf<Test>> {
	Levels::<Test>::iter_values().flat_map(|level| level.into_inner()).find(|o| o.id == id)
}

/// How many orders rest, in every market.
fn resting_count() -> usize {
	OpenOrders::<Test>::iter().count()
}

/// The fees the treasury received and those accrued for it.
fn treasury() -> Balance {
	Balances::free_balance(TREASURY) + Fees::<Test>::iter_values().sum::<u128>()
}

fn trades() -> Vec<(OrderId, OrderId, Price, u128, u128, u128)> {
	book_events()
		.into_iter()
		.filter_map(|e| match e {
			Event::Trade {
				maker_order, taker_order, price, amount, maker_fee, taker_fee, ..
			} => Some((maker_order, taker_order, price, amount, maker_fee, taker_fee)),
			_ => None,
		})
		.collect()
}

mod markets {
	use super::*;

	#[test]
	fn are_created_by_the_admin_with_valid_parameters() {
		build_and_execute(|| {
			let create = |origin, base, tick, lot, min| {
				Orderbook::create_market(origin, base, tick, lot, min, maker_fee(), taker_fee())
			};
			assert_noop!(
				create(RuntimeOrigin::signed(ALICE), CLASS, 1, 1, 1),
				DispatchError::BadOrigin
			);
			assert_noop!(
				create(RuntimeOrigin::root(), CLASS, 0, 1, 1),
				Error::<Test>::InvalidMarketParameters
			);
			assert_noop!(
				create(RuntimeOrigin::root(), CLASS, 1, 5, 7),
				Error::<Test>::InvalidMarketParameters
			);
			assert_noop!(
				create(RuntimeOrigin::root(), 42, 1, 1, 1),
				Error::<Test>::UnknownBaseAsset
			);
			assert_ok!(create(RuntimeOrigin::root(), CLASS, 1, 1, 1));
			assert_eq!(Markets::<Test>::get(1).unwrap().status, MarketStatus::Active);
		});
	}

	#[test]
	fn a_halted_market_takes_no_orders_but_lets_them_be_cancelled() {
		build_and_execute(|| {
			assert_ok!(place(ALICE, Side::Ask, 100, 10, TimeInForce::Gtc));
			assert_ok!(Orderbook::set_market_status(
				RuntimeOrigin::root(),
				MARKET,
				MarketStatus::Halted
			));
			assert_noop!(
				place(BOB, Side::Bid, 100, 10, TimeInForce::Gtc),
				Error::<Test>::MarketHalted
			);
			assert_ok!(Orderbook::cancel_order(RuntimeOrigin::signed(ALICE), 0));
			assert_noop!(
				Orderbook::set_market_status(RuntimeOrigin::root(), MARKET, MarketStatus::Halted),
				Error::<Test>::StatusUnchanged
			);
			assert_noop!(
				Orderbook::set_market_status(RuntimeOrigin::root(), 7, MarketStatus::Halted),
				Error::<Test>::UnknownMarket
			);
		});
	}
}

mod refusals {
	use super::*;

	#[test]
	fn bad_orders_are_refused_with_specific_errors_and_change_nothing() {
		build_and_execute(|| {
			let o = RuntimeOrigin::signed(ALICE);
			let gtc = TimeInForce::Gtc;
			assert_noop!(
				Orderbook::place_order(o.clone(), 9, Side::Bid, 100, 10, gtc, None, 1),
				Error::<Test>::UnknownMarket
			);
			assert_noop!(place(ALICE, Side::Bid, 100, 0, gtc), Error::<Test>::ZeroAmount);
			assert_noop!(place(ALICE, Side::Bid, 0, 10, gtc), Error::<Test>::ZeroAmount);
			assert_noop!(place(ALICE, Side::Bid, 105, 10, gtc), Error::<Test>::PriceOffTick);
			assert_noop!(place(ALICE, Side::Bid, 100, 12, gtc), Error::<Test>::AmountOffLot);
			assert_ok!(Orderbook::create_market(
				RuntimeOrigin::root(),
				CLASS,
				10,
				5,
				50,
				maker_fee(),
				taker_fee()
			));
			assert_noop!(
				Orderbook::place_order(o.clone(), 1, Side::Bid, 100, 45, gtc, None, 1),
				Error::<Test>::BelowMinimum
			);
			assert_noop!(place(POOR, Side::Bid, 100, 10, gtc), Error::<Test>::InsufficientBalance);
			assert_noop!(place(POOR, Side::Ask, 100, 10, gtc), Error::<Test>::InsufficientBalance);
			assert_noop!(
				place(ALICE, Side::Ask, 100, TOKENS + 5, gtc),
				Error::<Test>::InsufficientBalance
			);
			assert_noop!(
				Orderbook::place_order(o.clone(), MARKET, Side::Bid, 100, 10, gtc, Some(1), 1),
				Error::<Test>::Expired
			);
			assert_noop!(
				Orderbook::place_order(
					o.clone(),
					MARKET,
					Side::Bid,
					100,
					10,
					TimeInForce::Ioc,
					Some(5),
					1
				),
				Error::<Test>::ExpiryNotResting
			);
			assert_noop!(
				Orderbook::place_order(o, MARKET, Side::Bid, 100, 10, TimeInForce::Ioc, None, 0),
				Error::<Test>::ZeroMaxFills
			);
		});
	}

	#[test]
	fn post_only_that_would_cross_is_refused() {
		build_and_execute(|| {
			assert_ok!(place(ALICE, Side::Ask, 100, 10, TimeInForce::Gtc));
			assert_noop!(
				place(BOB, Side::Bid, 100, 10, TimeInForce::PostOnly),
				Error::<Test>::PostOnlyWouldCross
			);
			assert_ok!(place(BOB, Side::Bid, 90, 10, TimeInForce::PostOnly));
		});
	}

	#[test]
	fn fill_or_kill_that_cannot_fill_is_refused() {
		build_and_execute(|| {
			assert_ok!(place(ALICE, Side::Ask, 100, 10, TimeInForce::Gtc));
			assert_noop!(
				place(BOB, Side::Bid, 100, 15, TimeInForce::Fok),
				Error::<Test>::FillOrKillUnfilled
			);
			assert_ok!(place(BOB, Side::Bid, 100, 10, TimeInForce::Fok));
			assert_eq!(tokens(BOB), TOKENS + 10);
		});
	}

	#[test]
	fn open_orders_and_price_levels_are_bounded() {
		build_and_execute(|| {
			for i in 0..MAX_PRICE_LEVELS as u128 {
				assert_ok!(place(ALICE, Side::Ask, 1_000 + 10 * i, 5, TimeInForce::Gtc));
			}
			// A worse price than every resting one has no room.
			assert_noop!(
				place(BOB, Side::Ask, 2_000, 5, TimeInForce::Gtc),
				Error::<Test>::TooManyPriceLevels
			);
			// The same price joins its level.
			assert_ok!(place(ALICE, Side::Ask, 1_000, 5, TimeInForce::Gtc));
			assert_ok!(place(ALICE, Side::Ask, 1_000, 5, TimeInForce::Gtc));
			assert_noop!(
				place(ALICE, Side::Ask, 1_000, 5, TimeInForce::Gtc),
				Error::<Test>::TooManyOpenOrders
			);
			// A level takes MAX_ORDERS_PER_LEVEL orders.
			assert_ok!(place(BOB, Side::Ask, 1_000, 5, TimeInForce::Gtc));
			assert_noop!(
				place(CHARLIE, Side::Ask, 1_000, 5, TimeInForce::Gtc),
				Error::<Test>::LevelFull
			);
		});
	}

	#[test]
	fn only_the_owner_cancels() {
		build_and_execute(|| {
			assert_ok!(place(ALICE, Side::Bid, 100, 10, TimeInForce::Gtc));
			// Another account's order is not among the caller's.
			assert_noop!(
				Orderbook::cancel_order(RuntimeOrigin::signed(BOB), 0),
				Error::<Test>::UnknownOrder
			);
			assert_noop!(
				Orderbook::cancel_order(RuntimeOrigin::signed(ALICE), 5),
				Error::<Test>::UnknownOrder
			);
		});
	}
}

mod matching {
	use super::*;

	#[test]
	fn a_resting_bid_locks_its_value_fee_and_deposit() {
		build_and_execute(|| {
			assert_ok!(place(ALICE, Side::Bid, 1_000, 100, TimeInForce::Gtc));
			let value = 100_000;
			let held = value + maker_fee().mul_floor(value);
			assert_eq!(bid_locked(ALICE), held);
			let funds = Orderbook::funds(&ALICE, Asset::Native);
			assert_eq!((funds.locked, funds.orders), (held + ORDER_DEPOSIT, 1));
			assert_ok!(Orderbook::cancel_order(RuntimeOrigin::signed(ALICE), 0));
			assert_eq!(free(ALICE), NATIVE);
			assert_eq!(Orderbook::funds(&ALICE, Asset::Native).locked, 0);
			assert!(matches!(
				book_events().last(),
				Some(Event::OrderCancelled {
					order_id: 0,
					reason: CancelReason::ByOwner,
					remaining: 100,
					..
				})
			));
		});
	}

	#[test]
	fn bid_crossing_two_asks_fills_both_at_maker_prices() {
		build_and_execute(|| {
			assert_ok!(place(ALICE, Side::Ask, 1_000, 50, TimeInForce::Gtc));
			assert_ok!(place(BOB, Side::Ask, 1_010, 50, TimeInForce::Gtc));
			assert_eq!(
				Orderbook::funds(&ALICE, Asset::Class(CLASS)).locked,
				50,
				"asks lock their tokens"
			);
			let (alice0, bob0, charlie0) = (free(ALICE), free(BOB), free(CHARLIE));

			assert_ok!(place(CHARLIE, Side::Bid, 1_020, 80, TimeInForce::Gtc));
			let (v1, v2) = (1_000 * 50, 1_010 * 30);
			// The maker's fee rounds down, the taker's up.
			let fee = |rate: Permill, v: u128| rate.mul_floor(v);
			let taker = |v: u128| taker_fee().mul_ceil(v);
			assert_eq!(
				trades(),
				vec![
					(0, 2, 1_000, 50, fee(maker_fee(), v1), taker(v1)),
					(1, 2, 1_010, 30, fee(maker_fee(), v2), taker(v2)),
				]
			);
			assert_eq!(tokens(CHARLIE), TOKENS + 80);
			assert_eq!(free(CHARLIE), charlie0 - v1 - v2 - taker(v1) - taker(v2));
			// Alice's order is gone: her deposit is unlocked in her trading account.
			assert_eq!(free(ALICE), alice0 + v1 - fee(maker_fee(), v1));
			assert_eq!(Orderbook::funds(&ALICE, Asset::Native).locked, 0);
			assert_eq!(free(BOB), bob0 + v2 - fee(maker_fee(), v2));
			assert_eq!(
				treasury(),
				1 + fee(maker_fee(), v1) + taker(v1) + fee(maker_fee(), v2) + taker(v2)
			);
			assert_eq!(resting(1).unwrap().remaining, 20);
			assert!(book_events().contains(&Event::OrderFilled { order_id: 2, market: MARKET }));
		});
	}

	#[test]
	fn asks_at_one_price_fill_oldest_first() {
		build_and_execute(|| {
			assert_ok!(place(ALICE, Side::Ask, 1_000, 10, TimeInForce::Gtc));
			assert_ok!(place(BOB, Side::Ask, 1_000, 10, TimeInForce::Gtc));
			assert_ok!(place(CHARLIE, Side::Bid, 1_000, 15, TimeInForce::Ioc));
			let t = trades();
			assert_eq!((t[0].0, t[0].3), (0, 10));
			assert_eq!((t[1].0, t[1].3), (1, 5));
		});
	}

	#[test]
	fn a_sell_into_a_bid_pays_from_what_the_bid_locks() {
		build_and_execute(|| {
			assert_ok!(place(ALICE, Side::Bid, 1_000, 100, TimeInForce::Gtc));
			let bob0 = free(BOB);
			assert_ok!(place(BOB, Side::Ask, 900, 30, TimeInForce::Ioc));
			let v = 30_000;
			assert_eq!(
				trades(),
				vec![(0, 1, 1_000, 30, maker_fee().mul_floor(v), taker_fee().mul_ceil(v))]
			);
			assert_eq!(free(BOB), bob0 + v - taker_fee().mul_ceil(v));
			assert_eq!(tokens(ALICE), TOKENS + 30);
			let rest = 70_000;
			assert_eq!(bid_locked(ALICE), rest + maker_fee().mul_floor(rest));
		});
	}

	#[test]
	fn gtc_rest_rests_and_ioc_rest_is_dropped() {
		build_and_execute(|| {
			assert_ok!(place(ALICE, Side::Ask, 1_000, 10, TimeInForce::Gtc));
			assert_ok!(place(BOB, Side::Bid, 1_000, 25, TimeInForce::Gtc));
			assert_eq!(resting(1).unwrap().remaining, 15);
			assert_eq!(Orderbook::best_price(MARKET, Side::Bid), Some(1_000));
			assert_ok!(place(ALICE, Side::Ask, 1_100, 10, TimeInForce::Gtc));
			// A market buy: IOC with its limit as the slippage bound.
			assert_ok!(place(CHARLIE, Side::Bid, 1_050, 10, TimeInForce::Ioc));
			assert!(matches!(
				book_events().last(),
				Some(Event::OrderCancelled {
					order_id: 3,
					remaining: 10,
					reason: CancelReason::ImmediateOrCancel,
					..
				})
			));
		});
	}

	#[test]
	fn the_rest_of_an_order_that_hits_max_fills_does_not_rest_crossed() {
		build_and_execute(|| {
			for _ in 0..3 {
				assert_ok!(place(ALICE, Side::Ask, 1_000, 5, TimeInForce::Gtc));
			}
			assert_ok!(Orderbook::place_order(
				RuntimeOrigin::signed(BOB),
				MARKET,
				Side::Bid,
				1_000,
				15,
				TimeInForce::Gtc,
				None,
				2
			));
			assert_eq!(trades().len(), 2);
			assert!(matches!(
				book_events().last(),
				Some(Event::OrderCancelled {
					remaining: 5,
					reason: CancelReason::MaxFillsReached,
					..
				})
			));
		});
	}

	#[test]
	fn cancel_all_cancels_only_that_market() {
		build_and_execute(|| {
			assert_ok!(Orderbook::create_market(
				RuntimeOrigin::root(),
				CLASS,
				10,
				5,
				5,
				maker_fee(),
				taker_fee()
			));
			assert_ok!(place(ALICE, Side::Bid, 100, 10, TimeInForce::Gtc));
			assert_ok!(place(ALICE, Side::Ask, 200, 10, TimeInForce::Gtc));
			assert_ok!(Orderbook::place_order(
				RuntimeOrigin::signed(ALICE),
				1,
				Side::Bid,
				100,
				10,
				TimeInForce::Gtc,
				None,
				1
			));
			assert_ok!(Orderbook::cancel_all(RuntimeOrigin::signed(ALICE), MARKET));
			let left: Vec<OrderId> = OpenOrders::<Test>::iter_key_prefix(ALICE).collect();
			assert_eq!(left, vec![2]);
			assert_noop!(
				Orderbook::cancel_all(RuntimeOrigin::signed(ALICE), 9),
				Error::<Test>::UnknownMarket
			);
		});
	}

	#[test]
	fn depth_and_quote_read_the_book() {
		build_and_execute(|| {
			assert_ok!(place(ALICE, Side::Ask, 1_000, 10, TimeInForce::Gtc));
			assert_ok!(place(BOB, Side::Ask, 1_000, 5, TimeInForce::Gtc));
			assert_ok!(place(BOB, Side::Ask, 1_020, 20, TimeInForce::Gtc));
			assert_ok!(place(CHARLIE, Side::Bid, 990, 5, TimeInForce::Gtc));
			assert_eq!(Orderbook::depth(MARKET, Side::Ask, 5), vec![(1_000, 15), (1_020, 20)]);
			assert_eq!(Orderbook::depth(MARKET, Side::Bid, 5), vec![(990, 5)]);
			let q = Orderbook::quote(MARKET, Side::Bid, 25);
			assert_eq!(q, Quote { filled: 25, value: 15_000 + 10 * 1_020, worst_price: 1_020 });
		});
	}
}

mod expiry {
	use super::*;

	fn place_until(who: AccountId, side: Side, price: Price, at: u64) {
		assert_ok!(Orderbook::place_order(
			RuntimeOrigin::signed(who),
			MARKET,
			side,
			price,
			10,
			TimeInForce::Gtc,
			Some(at),
			1
		));
	}

	/// The sweep removes at least as many orders a block as may expire in one,
	/// so it never falls behind.
	#[test]
	fn due_orders_are_all_swept_at_their_block() {
		build_and_execute(|| {
			for i in 0..MAX_EXPIRIES as u128 {
				place_until(ALICE, Side::Bid, 100 + 10 * i, 3);
			}
			run_to_block(2);
			assert_eq!(resting_count(), MAX_EXPIRIES as usize);
			run_to_block(3);
			assert_eq!(resting_count(), 0);
			assert!(!ExpiryQueue::<Test>::contains_key(3));
			assert_eq!(free(ALICE), NATIVE);
			assert_eq!(
				book_events().iter().filter(|e| matches!(e, Event::OrderExpired { .. })).count(),
				MAX_EXPIRIES as usize
			);
		});
	}

	#[test]
	fn an_expiry_beyond_the_longest_lifetime_is_refused() {
		build_and_execute(|| {
			assert_noop!(
				Orderbook::place_order(
					RuntimeOrigin::signed(ALICE),
					MARKET,
					Side::Bid,
					100,
					10,
					TimeInForce::Gtc,
					Some(1 + MAX_LIFETIME + 1),
					1
				),
				Error::<Test>::ExpiryTooFar
			);
			place_until(ALICE, Side::Bid, 100, 1 + MAX_LIFETIME);
		});
	}

	/// A filled or cancelled order leaves the expiry queue at once, so the queue
	/// holds only resting orders and a full block frees up as orders leave.
	#[test]
	fn an_order_leaves_the_expiry_queue_when_it_leaves_the_book() {
		build_and_execute(|| {
			for i in 0..MAX_EXPIRIES as u128 {
				place_until(ALICE, Side::Ask, 1_000 + 10 * i, 9);
			}
			assert_ok!(Orderbook::cancel_order(RuntimeOrigin::signed(ALICE), 3));
			assert_ok!(place(BOB, Side::Bid, 1_000, 10, TimeInForce::Ioc));
			let queued: Vec<OrderId> = ExpiryQueue::<Test>::get(9).iter().map(|e| e.0).collect();
			assert_eq!(queued, vec![1, 2]);
			place_until(BOB, Side::Bid, 100, 9);
			place_until(BOB, Side::Bid, 110, 9);
		});
	}

	/// Expired makers ahead of live ones leave the book without using up the
	/// taker's `max_fills`.
	#[test]
	fn expired_makers_do_not_use_up_the_takers_fills() {
		build_and_execute(|| {
			place_until(ALICE, Side::Ask, 1_000, 3);
			assert_ok!(place(DAVE, Side::Ask, 1_000, 10, TimeInForce::Gtc));
			System::set_block_number(3);
			assert_ok!(Orderbook::place_order(
				RuntimeOrigin::signed(BOB),
				MARKET,
				Side::Bid,
				1_000,
				10,
				TimeInForce::Ioc,
				None,
				1
			));
			assert_eq!(trades().len(), 1);
			assert_eq!(tokens(BOB), TOKENS + 10);
			assert_eq!(resting_count(), 0);
		});
	}

	#[test]
	fn a_due_order_is_refused_at_match_time() {
		build_and_execute(|| {
			place_until(ALICE, Side::Ask, 1_000, 3);
			// Not yet swept: block 3 begins without on_initialize.
			System::set_block_number(3);
			assert_ok!(place(BOB, Side::Bid, 1_000, 10, TimeInForce::Ioc));
			assert!(trades().is_empty());
			assert!(book_events()
				.iter()
				.any(|e| matches!(e, Event::OrderExpired { order_id: 0, .. })));
			assert_eq!(tokens(ALICE), TOKENS);
		});
	}

	#[test]
	fn an_expiry_block_takes_a_bounded_number_of_orders() {
		build_and_execute(|| {
			for i in 0..MAX_EXPIRIES as u128 {
				place_until(ALICE, Side::Bid, 100 + 10 * i, 9);
			}
			assert_noop!(
				Orderbook::place_order(
					RuntimeOrigin::signed(BOB),
					MARKET,
					Side::Bid,
					100,
					10,
					TimeInForce::Gtc,
					Some(9),
					1
				),
				Error::<Test>::ExpiryQueueFull
			);
		});
	}
}

mod fees_and_self_trade {
	use super::*;

	/// A trade worth 50 at a 0.3 % taker fee owes 0.15: the taker pays 1.
	#[test]
	fn a_taker_fee_rounds_up_never_to_zero() {
		build_and_execute(|| {
			assert_ok!(place(ALICE, Side::Ask, TICK, LOT, TimeInForce::Gtc));
			let before = treasury();
			assert_ok!(place(BOB, Side::Bid, TICK, LOT, TimeInForce::Ioc));
			// (maker, taker, price, amount, maker fee, taker fee)
			assert_eq!(trades(), vec![(0, 1, TICK, LOT, 0, 1)]);
			assert_eq!(treasury(), before + 1);
		});
	}

	/// A 0.25 % maker fee on a bid of 1,000 at price 1: its lock rounds the fee
	/// down once (2), each trade's own fee rounds down (0 on 250), and the bid's
	/// owner pays exactly the sum of its trades' fees; the rest of the lock is
	/// released with the bid's last fill.
	#[test]
	fn a_resting_bid_pays_each_trades_own_maker_fee() {
		build_and_execute(|| {
			let quarter = Permill::from_parts(2_500);
			assert_ok!(Orderbook::create_market(
				RuntimeOrigin::root(),
				CLASS,
				1,
				1,
				1,
				quarter,
				taker_fee()
			));
			let market = 1;
			let order = |who, side, amount, tif| {
				Orderbook::place_order(
					RuntimeOrigin::signed(who),
					market,
					side,
					1,
					amount,
					tif,
					None,
					MAX_FILLS,
				)
			};
			assert_ok!(order(ALICE, Side::Bid, 1_000, TimeInForce::Gtc));
			assert_eq!(bid_locked(ALICE), 1_000 + 2);
			for _ in 0..4 {
				assert_ok!(order(BOB, Side::Ask, 250, TimeInForce::Ioc));
			}
			assert!(trades().iter().all(|t| t.4 == 0), "each trade's maker fee: {:?}", trades());
			assert_eq!(Orderbook::funds(&ALICE, Asset::Native).locked, 0);
			assert_eq!(free(ALICE), NATIVE - 1_000);
		});
	}

	/// An order that meets its owner's own resting order does not trade with it:
	/// the resting order leaves the book and the new one goes on.
	#[test]
	fn a_self_trade_cancels_the_resting_order() {
		build_and_execute(|| {
			assert_ok!(place(ALICE, Side::Ask, 1_000, 10, TimeInForce::Gtc));
			assert_ok!(place(BOB, Side::Ask, 1_010, 10, TimeInForce::Gtc));
			assert_ok!(place(ALICE, Side::Bid, 1_010, 20, TimeInForce::Gtc));
			assert!(book_events().contains(&Event::OrderCancelled {
				order_id: 0,
				market: MARKET,
				remaining: 10,
				reason: CancelReason::SelfTrade,
			}));
			// The caller's own ask was passed, BOB's filled, the rest rests.
			// 0.1 % of 10,100 rounded down for the maker, 0.3 % rounded up for the taker.
			assert_eq!(trades(), vec![(1, 2, 1_010, 10, 10, 31)]);
			assert_eq!(tokens(ALICE), TOKENS + 10);
			assert_eq!(resting(2).map(|o| o.remaining), Some(10));
		});
	}
}

mod price_levels {
	use super::*;

	/// A side full of prices cannot be jammed: a better price rests, and the
	/// worst level leaves the book with everything its orders locked returned.
	#[test]
	fn a_better_price_always_rests_evicting_the_worst_level() {
		build_and_execute(|| {
			// Bids at 100, 110, ..., 150 fill the side; 100 holds two orders.
			for i in 0..MAX_PRICE_LEVELS as u128 {
				assert_ok!(place(ALICE, Side::Bid, 100 + 10 * i, 5, TimeInForce::Gtc));
			}
			assert_ok!(place(BOB, Side::Bid, 100, 5, TimeInForce::Gtc));
			assert_noop!(
				place(CHARLIE, Side::Bid, 90, 5, TimeInForce::Gtc),
				Error::<Test>::TooManyPriceLevels
			);
			let bob0 = free(BOB);
			assert_ok!(place(CHARLIE, Side::Bid, 160, 5, TimeInForce::Gtc));
			assert_eq!(Orderbook::best_price(MARKET, Side::Bid), Some(160));
			assert!(!Prices::<Test>::get(MARKET, Side::Bid).contains(&100));
			let evicted: Vec<_> = book_events()
				.into_iter()
				.filter_map(|e| match e {
					Event::OrderCancelled { order_id, reason: CancelReason::Evicted, .. } => {
						Some(order_id)
					}
					_ => None,
				})
				.collect();
			assert_eq!(evicted, vec![0, 6]);
			// BOB's bid unlocked its value, fee and deposit in his trading account.
			assert_eq!(free(BOB), bob0);
			assert_eq!(Orderbook::funds(&BOB, Asset::Native).locked, 0);
		});
	}

	/// An order worth less than `MinOrderValue` is refused: dust cannot fill the
	/// price index cheaply.
	#[test]
	fn an_order_below_the_minimum_value_is_refused() {
		build_and_execute(|| {
			assert_ok!(Orderbook::create_market(
				RuntimeOrigin::root(),
				CLASS,
				1,
				1,
				1,
				maker_fee(),
				taker_fee()
			));
			let order = |amount| {
				Orderbook::place_order(
					RuntimeOrigin::signed(ALICE),
					1,
					Side::Bid,
					1,
					amount,
					TimeInForce::Gtc,
					None,
					1,
				)
			};
			assert_noop!(order(MIN_ORDER_VALUE - 1), Error::<Test>::BelowMinimumValue);
			assert_ok!(order(MIN_ORDER_VALUE));
		});
	}
}

mod custody {
	use super::*;
	use frame_support::traits::fungibles::Mutate as _;

	/// Asks of more classes than an account has consumer references rest at
	/// once: each class's custody account holds its own asset only.
	#[test]
	fn asks_of_many_classes_rest_at_once() {
		build_and_execute(|| {
			for class in 1..=20u32 {
				assert_ok!(Assets::force_create(RuntimeOrigin::root(), class, TREASURY, false, 1));
				let seller = 1_000 + class as AccountId;
				Balances::make_free_balance_be(&seller, NATIVE);
				assert_ok!(Assets::mint_into(class, &seller, 100));
				let market = NextMarketId::<Test>::get();
				assert_ok!(Orderbook::create_market(
					RuntimeOrigin::root(),
					class,
					TICK,
					LOT,
					LOT,
					maker_fee(),
					taker_fee()
				));
				assert_ok!(Orderbook::place_order(
					RuntimeOrigin::signed(seller),
					market,
					Side::Ask,
					1_000,
					10,
					TimeInForce::Gtc,
					None,
					1
				));
			}
			assert_eq!(Assets::balance(7, Orderbook::token_custody(7)), 10);
			assert_eq!(Assets::balance(7, Orderbook::token_custody(8)), 0);
		});
	}

	/// A bidder whose wallet could not hold another asset still buys: the tokens
	/// arrive in its trading account, which has no such limit.
	#[test]
	fn a_bid_whose_wallet_cannot_receive_still_fills() {
		build_and_execute(|| {
			let eve: AccountId = 50;
			Balances::make_free_balance_be(&eve, NATIVE);
			assert_ok!(place(eve, Side::Bid, 1_000, 10, TimeInForce::Gtc));
			// Eve's account has no consumer reference left for a new asset.
			while frame_system::Pallet::<Test>::inc_consumers(&eve).is_ok() {}
			assert_ok!(place(ALICE, Side::Ask, 990, 10, TimeInForce::Ioc));
			assert_eq!(trades().iter().map(|t| t.0).collect::<Vec<_>>(), vec![0]);
			assert_eq!(Orderbook::funds(&eve, Asset::Class(CLASS)).free, 10);
			// Her wallet cannot take them out: the withdrawal is refused, nothing moves.
			assert_noop!(
				Orderbook::withdraw(RuntimeOrigin::signed(eve), Asset::Class(CLASS), 10),
				Error::<Test>::CannotReceive
			);
		});
	}
}

mod ledger {
	use super::*;

	fn deposit(who: AccountId, asset: Asset, amount: u128) -> sp_runtime::DispatchResult {
		Orderbook::deposit(RuntimeOrigin::signed(who), asset, amount)
	}

	fn withdraw(who: AccountId, asset: Asset, amount: u128) -> sp_runtime::DispatchResult {
		Orderbook::withdraw(RuntimeOrigin::signed(who), asset, amount)
	}

	const BASE: Asset = Asset::Class(CLASS);

	/// Custody holds exactly the ledger, the fees and (native) its existential
	/// deposit: nothing is created or lost between wallets and trading accounts.
	pub fn assert_custody_exact() {
		let native: u128 =
			Ledger::<Test>::iter_values().map(|holdings| holdings.native.total()).sum();
		let fees: u128 = Fees::<Test>::iter_values().sum();
		assert_eq!(Balances::free_balance(Orderbook::custody_account()), 1 + native + fees);
		let tokens: u128 =
			Ledger::<Test>::iter_values().map(|holdings| holdings.get(BASE).total()).sum();
		assert_eq!(Assets::balance(CLASS, Orderbook::token_custody(CLASS)), tokens);
	}

	#[test]
	fn deposits_and_withdrawals_move_exactly_between_wallet_and_trading_account() {
		build_and_execute(|| {
			assert_ok!(deposit(ALICE, Asset::Native, 1_000));
			assert_ok!(deposit(ALICE, BASE, 50));
			assert_eq!(Balances::free_balance(ALICE), NATIVE - 1_000);
			assert_eq!(Assets::balance(CLASS, ALICE), TOKENS - 50);
			assert_eq!(
				Orderbook::funds(&ALICE, Asset::Native),
				Funds { free: 1_000, locked: 0, orders: 0 }
			);
			assert_eq!(Orderbook::funds(&ALICE, BASE).free, 50);
			assert_custody_exact();
			assert_ok!(withdraw(ALICE, Asset::Native, 400));
			assert_ok!(withdraw(ALICE, BASE, 50));
			assert_eq!(Balances::free_balance(ALICE), NATIVE - 600);
			assert_eq!(Assets::balance(CLASS, ALICE), TOKENS);
			assert_eq!(Orderbook::funds(&ALICE, Asset::Native).free, 600);
			assert!(
				Ledger::<Test>::get(ALICE).is_some_and(|h| h.classes.is_empty()),
				"an empty entry is removed"
			);
			assert!(book_events().contains(&Event::Withdrawn {
				who: ALICE,
				asset: Asset::Native,
				amount: 400
			}));
			assert_custody_exact();
		});
	}

	#[test]
	fn bad_deposits_and_withdrawals_are_refused_and_change_nothing() {
		build_and_execute(|| {
			assert_noop!(deposit(ALICE, Asset::Native, 0), Error::<Test>::ZeroAmount);
			assert_noop!(deposit(ALICE, Asset::Class(42), 5), Error::<Test>::UnknownAsset);
			assert_noop!(deposit(POOR, Asset::Native, 1_000), Error::<Test>::InsufficientBalance);
			assert_noop!(withdraw(ALICE, Asset::Native, 1), Error::<Test>::InsufficientBalance);
			assert_noop!(withdraw(ALICE, Asset::Class(42), 1), Error::<Test>::UnknownAsset);
			// What resting orders lock does not leave, not even in part.
			assert_ok!(place(ALICE, Side::Bid, 1_000, 10, TimeInForce::Gtc));
			let funds = Orderbook::funds(&ALICE, Asset::Native);
			assert!(funds.locked > 0);
			assert_noop!(withdraw(ALICE, Asset::Native, funds.free + 1), Error::<Test>::Locked);
			assert_ok!(withdraw(ALICE, Asset::Native, funds.free));
			assert_noop!(withdraw(ALICE, Asset::Native, 1), Error::<Test>::Locked);
			assert_noop!(
				withdraw(ALICE, Asset::Native, funds.locked + 1),
				Error::<Test>::InsufficientBalance
			);
			assert_ok!(Orderbook::cancel_order(RuntimeOrigin::signed(ALICE), 0));
			assert_ok!(withdraw(ALICE, Asset::Native, funds.locked));
			assert_eq!(Balances::free_balance(ALICE), NATIVE);
			assert_custody_exact();
		});
	}

	/// Two classes besides the market's, some of each in ALICE's and BOB's wallets.
	fn other_classes() -> [u32; 2] {
		use frame_support::traits::fungibles::Mutate as _;
		let classes = [CLASS + 1, CLASS + 2];
		for class in classes {
			assert_ok!(Assets::force_create(RuntimeOrigin::root(), class, TREASURY, false, 1));
			for who in [ALICE, BOB] {
				assert_ok!(Assets::mint_into(class, &who, 1_000));
			}
		}
		classes
	}

	/// A trading account holds `MaxTradingAssets` classes at most: a deposit of
	/// another, or an order in another's market, is refused and changes nothing.
	#[test]
	fn a_full_trading_account_takes_no_new_class() {
		build_and_execute(|| {
			let [one, two] = other_classes();
			assert_ok!(deposit(ALICE, Asset::Class(one), 100));
			assert_ok!(deposit(ALICE, Asset::Class(two), 100));
			assert_eq!(MAX_TRADING_ASSETS, 2);
			assert_noop!(deposit(ALICE, BASE, 10), Error::<Test>::TooManyAssets);
			assert_noop!(
				place(ALICE, Side::Bid, 1_000, 10, TimeInForce::Gtc),
				Error::<Test>::TooManyAssets
			);
			// What needs no new entry still works.
			assert_ok!(Orderbook::cancel_all(RuntimeOrigin::signed(ALICE), MARKET));
			// Emptying one entry makes room.
			assert_ok!(withdraw(ALICE, Asset::Class(two), 100));
			assert_ok!(deposit(ALICE, BASE, 10));
			assert_eq!(Orderbook::trading_account(&ALICE).len(), 2);
			assert_custody_exact();
		});
	}

	/// A resting bid keeps its class's entry, empty as it is, so the tokens it
	/// buys always have somewhere to go: a deposit of a new class cannot take it.
	#[test]
	fn a_resting_bid_keeps_room_for_its_tokens() {
		build_and_execute(|| {
			let [one, two] = other_classes();
			assert_ok!(deposit(ALICE, Asset::Class(one), 100));
			assert_ok!(place(ALICE, Side::Bid, 1_000, 10, TimeInForce::Gtc));
			assert_eq!(Orderbook::funds(&ALICE, BASE), Funds { free: 0, locked: 0, orders: 1 });
			assert_noop!(deposit(ALICE, Asset::Class(two), 100), Error::<Test>::TooManyAssets);
			assert_ok!(place(BOB, Side::Ask, 1_000, 10, TimeInForce::Ioc));
			assert_eq!(Orderbook::funds(&ALICE, BASE), Funds { free: 10, locked: 0, orders: 0 });
			assert_ok!(withdraw(ALICE, BASE, 10));
			assert_ok!(deposit(ALICE, Asset::Class(two), 100));
			assert_custody_exact();
		});
	}

	/// A funded trader's orders touch only the ledger: no wallet moves.
	#[test]
	fn a_funded_trader_trades_without_touching_its_wallet() {
		build_and_execute(|| {
			for who in [ALICE, BOB] {
				assert_ok!(deposit(who, Asset::Native, 1_000_000));
				assert_ok!(deposit(who, BASE, 1_000));
			}
			let wallets = || {
				[ALICE, BOB].map(|who| (Balances::free_balance(who), Assets::balance(CLASS, who)))
			};
			let before = wallets();
			let deposits =
				|| book_events().iter().filter(|e| matches!(e, Event::Deposited { .. })).count();
			let deposited = deposits();
			assert_ok!(place(ALICE, Side::Ask, 1_000, 50, TimeInForce::Gtc));
			assert_ok!(place(BOB, Side::Bid, 1_000, 30, TimeInForce::Ioc));
			assert_eq!(wallets(), before);
			assert_eq!(deposits(), deposited);
			assert_eq!(Orderbook::funds(&BOB, BASE).free, 1_030);
			assert_eq!(Orderbook::funds(&ALICE, BASE), Funds { free: 950, locked: 20, orders: 1 });
			assert_custody_exact();
		});
	}

	/// A casual trader's order draws what its trading account lacks from its
	/// wallet in the same call.
	#[test]
	fn an_order_draws_the_shortfall_from_the_wallet() {
		build_and_execute(|| {
			assert_ok!(deposit(BOB, Asset::Native, 5_000));
			assert_ok!(place(BOB, Side::Bid, 1_000, 10, TimeInForce::Gtc));
			let value = 10_000;
			// The value, the higher fee rounded up and a planck a fill, the deposit.
			let worst = value + taker_fee().mul_ceil(value) + MAX_FILLS as u128 + ORDER_DEPOSIT;
			assert!(book_events().contains(&Event::Deposited {
				who: BOB,
				asset: Asset::Native,
				amount: worst - 5_000
			}));
			assert_eq!(Orderbook::funds(&BOB, Asset::Native).total(), worst);
			assert_eq!(Balances::free_balance(BOB), NATIVE - worst);
			assert_custody_exact();
		});
	}

	/// Fees accrue per market in custody and are paid to the treasury in batches
	/// of `FeePayoutsPerBlock` markets.
	#[test]
	fn fees_are_paid_to_the_treasury_in_batches() {
		build_and_execute(|| {
			for _ in 0..2 {
				assert_ok!(Orderbook::create_market(
					RuntimeOrigin::root(),
					CLASS,
					TICK,
					LOT,
					LOT,
					maker_fee(),
					taker_fee()
				));
			}
			for market in 0..3 {
				for (who, side, tif) in
					[(ALICE, Side::Ask, TimeInForce::Gtc), (BOB, Side::Bid, TimeInForce::Ioc)]
				{
					assert_ok!(Orderbook::place_order(
						RuntimeOrigin::signed(who),
						market,
						side,
						1_000,
						10,
						tif,
						None,
						1
					));
				}
			}
			let accrued: u128 = Fees::<Test>::iter_values().sum();
			assert_eq!(Fees::<Test>::iter().count(), 3);
			assert_custody_exact();
			run_to_block(2);
			assert_eq!(Fees::<Test>::iter().count(), 3 - FEE_PAYOUTS as usize);
			run_to_block(3);
			assert_eq!(Fees::<Test>::iter().count(), 0);
			assert_eq!(Balances::free_balance(TREASURY), 1 + accrued);
			let paid = book_events().iter().filter(|e| matches!(e, Event::FeesPaid { .. })).count();
			assert_eq!(paid, 3);
			assert_custody_exact();
		});
	}
}

/// A plain matcher: resting orders in a list, scanned in full for the best price
/// and then the oldest; balances as totals (wallet and trading account).
mod reference {
	use super::*;
	use std::collections::BTreeMap;

	#[derive(Clone)]
	pub struct RefOrder {
		pub id: OrderId,
		pub owner: AccountId,
		pub side: Side,
		pub price: Price,
		pub remaining: u128,
		pub expires_at: Option<u64>,
	}

	#[derive(Clone, Default)]
	pub struct Book {
		pub orders: Vec<RefOrder>,
		pub next_id: OrderId,
		/// The current block: orders whose expiry has come do not trade.
		pub now: u64,
		pub native: BTreeMap<AccountId, i128>,
		pub tokens: BTreeMap<AccountId, i128>,
		pub trades: Vec<(OrderId, OrderId, Price, u128, u128, u128)>,
	}

	/// Best price first, then oldest (ids grow with time).
	fn priority(o: &RefOrder) -> (u128, OrderId) {
		(if o.side == Side::Ask { o.price } else { u128::MAX - o.price }, o.id)
	}

	impl Book {
		fn makers(&self, taker: Side, limit: Price) -> Vec<&RefOrder> {
			let mut makers: Vec<&RefOrder> = self
				.orders
				.iter()
				.filter(|o| o.side == taker.opposite() && taker.crosses(limit, o.price))
				.collect();
			makers.sort_by_key(|o| priority(o));
			makers
		}

		fn credit(map: &mut BTreeMap<AccountId, i128>, who: AccountId, delta: i128) {
			*map.entry(who).or_default() += delta;
		}

		/// Whether a resting order leaves the book when a taker of `who` meets it.
		fn stale(&self, maker: &RefOrder, who: AccountId) -> bool {
			maker.owner == who || maker.expires_at.is_some_and(|at| at <= self.now)
		}

		/// A new block: the orders expiring at it leave the book.
		pub fn advance(&mut self, now: u64) {
			self.now = now;
			self.orders.retain(|o| o.expires_at.is_none_or(|at| at > now));
		}

		/// Places an order; returns false, changing nothing, where it is refused.
		#[allow(clippy::too_many_arguments)]
		pub fn place(
			&mut self,
			who: AccountId,
			side: Side,
			price: Price,
			amount: u128,
			tif: TimeInForce,
			expires_at: Option<u64>,
			max_fills: u32,
		) -> bool {
			let max_fills = max_fills.min(MAX_FILLS);
			let rests = matches!(tif, TimeInForce::Gtc | TimeInForce::PostOnly);
			if expires_at.is_some() && !rests {
				return false;
			}
			if tif == TimeInForce::PostOnly && !self.makers(side, price).is_empty() {
				return false;
			}
			// Fills up to `max_fills`; the caller's own orders are passed, up to
			// `max_fills` of them too.
			let (mut available, mut fills, mut own) = (0, 0, 0);
			for maker in self.makers(side, price) {
				if fills >= max_fills || available >= amount {
					break;
				}
				if self.stale(maker, who) {
					if own >= max_fills {
						break;
					}
					own += 1;
				} else {
					fills += 1;
					available += maker.remaining;
				}
			}
			if tif == TimeInForce::Fok && available < amount {
				return false;
			}
			let mut next = self.clone();
			let id = next.next_id;
			next.next_id += 1;
			let (mut remaining, mut fills, mut own) = (amount, 0, 0);
			while remaining > 0 && fills < max_fills {
				let Some(best) = next.makers(side, price).first().map(|o| o.id) else { break };
				let i = next.orders.iter().position(|o| o.id == best).unwrap();
				let maker = next.orders[i].clone();
				if next.stale(&maker, who) {
					// Never a trade with oneself, nor with an expired order: it leaves.
					if own >= max_fills {
						break;
					}
					own += 1;
					next.orders.remove(i);
					continue;
				}
				fills += 1;
				let fill = remaining.min(maker.remaining);
				let value = maker.price * fill;
				// The taker's fee rounds up, the maker's down, each on its own trade.
				let taker_fee = taker_fee().mul_ceil(value);
				let maker_fee = maker_fee().mul_floor(value);
				let (buyer, seller, buyer_fee, seller_fee) = match side {
					Side::Bid => (who, maker.owner, taker_fee, maker_fee),
					Side::Ask => (maker.owner, who, maker_fee, taker_fee),
				};
				Self::credit(&mut next.native, buyer, -((value + buyer_fee) as i128));
				Self::credit(&mut next.native, seller, (value - seller_fee) as i128);
				Self::credit(&mut next.native, TREASURY, (buyer_fee + seller_fee) as i128);
				Self::credit(&mut next.tokens, buyer, fill as i128);
				Self::credit(&mut next.tokens, seller, -(fill as i128));
				next.trades.push((maker.id, id, maker.price, fill, maker_fee, taker_fee));
				next.orders[i].remaining -= fill;
				if next.orders[i].remaining == 0 {
					next.orders.remove(i);
				}
				remaining -= fill;
			}
			if remaining > 0 && rests && next.makers(side, price).is_empty() {
				// The pallet's storage bounds: open orders per account, prices per side.
				let open = next.orders.iter().filter(|o| o.owner == who).count() as u32;
				let mut prices: Vec<Price> =
					next.orders.iter().filter(|o| o.side == side).map(|o| o.price).collect();
				prices.sort();
				prices.dedup();
				let at_price =
					next.orders.iter().filter(|o| o.side == side && o.price == price).count();
				if open >= MAX_OPEN_ORDERS || at_price as u32 >= MAX_ORDERS_PER_LEVEL {
					return false;
				}
				if let Some(at) = expires_at {
					let expiring = next.orders.iter().filter(|o| o.expires_at == Some(at)).count();
					if expiring as u32 >= MAX_EXPIRIES {
						return false;
					}
				}
				if !prices.contains(&price) && prices.len() as u32 >= MAX_PRICE_LEVELS {
					// A better price evicts the worst level; a worse one is refused.
					let worst = if side == Side::Bid { prices[0] } else { *prices.last().unwrap() };
					if !side.better(price, worst) {
						return false;
					}
					next.orders.retain(|o| !(o.side == side && o.price == worst));
				}
				next.orders.push(RefOrder { id, owner: who, side, price, remaining, expires_at });
			}
			*self = next;
			true
		}

		pub fn cancel(&mut self, who: AccountId, id: OrderId) -> bool {
			match self.orders.iter().position(|o| o.id == id && o.owner == who) {
				Some(i) => {
					self.orders.remove(i);
					true
				}
				None => false,
			}
		}
	}
}

mod property {
	use super::*;

	use utc_primitives::testing::Lcg;

	/// An account's native total and token total, wallet and trading account
	/// together; the treasury's includes the fees accrued for it.
	fn totals(who: AccountId) -> (i128, i128) {
		let mut native =
			Balances::total_balance(&who) + Orderbook::funds(&who, Asset::Native).total();
		if who == TREASURY {
			native += Fees::<Test>::iter_values().sum::<u128>();
		}
		(native as i128, tokens(who) as i128)
	}

	#[test]
	fn random_order_flow_matches_the_reference_matcher() {
		new_test_ext().execute_with(|| {
			let mut rng = Lcg(7);
			let mut model = reference::Book::default();
			let accounts: Vec<AccountId> =
				TRADERS.iter().chain([TREASURY].iter()).copied().collect();
			let start: Vec<(i128, i128)> = accounts.iter().map(|a| totals(*a)).collect();
			let (mut accepted, mut refused) = (0, 0);
			let (mut moved, mut blocks) = (0, 0);
			for step in 0..3_000 {
				let who = TRADERS[rng.next(4) as usize];
				let action = rng.next(40);
				if action < 2 {
					// A new block: due orders expire, fees are paid.
					let next = System::block_number() + 1;
					run_to_block(next);
					model.advance(next);
					blocks += 1;
				} else if action < 5 {
					// A deposit: wallet to trading account, whole or refused.
					let asset = if rng.next(2) == 0 { Asset::Native } else { Asset::Class(CLASS) };
					let amount = 1 + rng.next(50_000) as u128;
					let before = Orderbook::funds(&who, asset);
					match Orderbook::deposit(RuntimeOrigin::signed(who), asset, amount) {
						Ok(()) => {
							moved += 1;
							assert_eq!(Orderbook::funds(&who, asset).free, before.free + amount);
						}
						Err(_) => assert_eq!(Orderbook::funds(&who, asset), before),
					}
				} else if action < 8 {
					// A withdrawal: free funds only, whole or refused with why.
					let asset = if rng.next(2) == 0 { Asset::Native } else { Asset::Class(CLASS) };
					let before = Orderbook::funds(&who, asset);
					let amount = 1 + rng.next((before.total() as u64).max(1) + 10) as u128;
					let result = Orderbook::withdraw(RuntimeOrigin::signed(who), asset, amount);
					let expected = if amount <= before.free {
						Ok(())
					} else if amount <= before.total() {
						Err(Error::<Test>::Locked.into())
					} else {
						Err(Error::<Test>::InsufficientBalance.into())
					};
					assert_eq!(result, expected, "withdraw {amount} of {before:?} at step {step}");
					if result.is_ok() {
						moved += 1;
					}
				} else if action < 14 {
					let id = rng.next(model.next_id.max(1));
					let expected = model.cancel(who, id);
					let result = Orderbook::cancel_order(RuntimeOrigin::signed(who), id);
					assert_eq!(result.is_ok(), expected, "cancel at step {step}");
				} else {
					let side = if rng.next(2) == 0 { Side::Bid } else { Side::Ask };
					// Ten prices around 1_000, so that orders cross often.
					let price = TICK * (95 + rng.next(10) as u128);
					let amount = LOT * (1 + rng.next(8) as u128);
					let tif = [
						TimeInForce::Gtc,
						TimeInForce::Gtc,
						TimeInForce::Ioc,
						TimeInForce::Fok,
						TimeInForce::PostOnly,
					][rng.next(5) as usize];
					let rests = matches!(tif, TimeInForce::Gtc | TimeInForce::PostOnly);
					let now = System::block_number();
					let expires_at = (rests && rng.next(3) == 0).then(|| now + 1 + rng.next(6));
					let max_fills = 1 + rng.next(MAX_FILLS as u64) as u32;
					let expected =
						model.place(who, side, price, amount, tif, expires_at, max_fills);
					let result = Orderbook::place_order(
						RuntimeOrigin::signed(who),
						MARKET,
						side,
						price,
						amount,
						tif,
						expires_at,
						max_fills,
					);
					assert_eq!(result.is_ok(), expected, "step {step}: {result:?}");
					if expected {
						accepted += 1
					} else {
						refused += 1
					}
				}
				Orderbook::do_try_state().expect("invariants hold after every call");
				super::ledger::assert_custody_exact();
				assert_eq!(trades(), model.trades, "trades differ at step {step}");
				for (who, (native0, tokens0)) in accounts.iter().zip(start.iter()) {
					let (native, toks) = totals(*who);
					assert_eq!(
						native - native0,
						model.native.get(who).copied().unwrap_or_default(),
						"native of {who} at step {step}"
					);
					assert_eq!(
						toks - tokens0,
						model.tokens.get(who).copied().unwrap_or_default(),
						"tokens of {who} at step {step}"
					);
				}
			}
			assert!(accepted > 1_000 && refused > 10, "accepted {accepted}, refused {refused}");
			assert!(model.trades.len() > 300, "the flow traded: {}", model.trades.len());
			assert!(
				moved > 100 && blocks > 50,
				"deposits and withdrawals {moved}, blocks {blocks}"
			);
			let expired =
				book_events().iter().filter(|e| matches!(e, Event::OrderExpired { .. })).count();
			assert!(expired > 10, "orders expired: {expired}");
		});
	}
}
