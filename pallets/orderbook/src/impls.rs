//! The rules behind pallet-orderbook's calls: validation, matching, resting,
//! removal and the expiry sweep.

use crate::{pallet::*, types::*, weights::WeightInfo};
use alloc::vec::Vec;
use frame_support::{
	defensive, ensure,
	pallet_prelude::*,
	storage::with_storage_layer,
	traits::{
		fungible::{Balanced as _, BalancedHold as _, Inspect as _, Mutate as _, MutateHold as _},
		fungibles::{self, Mutate as _},
		tokens::{Fortitude, Precision, Preservation, Restriction},
		OnUnbalanced as _,
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{BlakeTwo256, Hash as _, Saturating, TrailingZeroInput, Zero},
	Permill,
};
use utc_primitives::{ClassId, Units};

/// Why a resting order met by a taker leaves the book instead of trading.
enum Stale {
	/// Its expiry has come.
	Expired,
	/// The taker owns it (nobody trades with itself), or it is a bid whose owner
	/// cannot receive the tokens (no consumer reference left for a new asset,
	/// say: it would revert every taker who reaches it).
	Cancelled(CancelReason),
}

impl<T: Config> Pallet<T> {
	/// The escrow account of resting asks of `class`: one a class, so that each
	/// holds a single asset and never runs out of consumer references. Derived
	/// from a hash of the pallet's id and the class, so it is distinct for every
	/// class whatever the account type's size.
	pub fn escrow_account(class: ClassId) -> T::AccountId {
		let seed = BlakeTwo256::hash_of(&(T::PalletId::get(), b"escrow", class));
		T::AccountId::decode(&mut TrailingZeroInput::new(seed.as_ref()))
			.expect("infinite input: decoding an account id cannot fail")
	}

	fn now() -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number()
	}

	pub(crate) fn do_create_market(
		base: ClassId,
		tick_size: Price,
		lot_size: Units,
		min_order: Units,
		maker_fee: Permill,
		taker_fee: Permill,
	) -> Result<MarketId, DispatchError> {
		ensure!(
			!tick_size.is_zero()
				&& !lot_size.is_zero()
				&& !min_order.is_zero()
				&& min_order.is_multiple_of(lot_size),
			Error::<T>::InvalidMarketParameters
		);
		ensure!(
			<T::Assets as fungibles::Inspect<_>>::asset_exists(T::AssetId::from(base)),
			Error::<T>::UnknownBaseAsset
		);
		let market = NextMarketId::<T>::get();
		NextMarketId::<T>::put(market.checked_add(1).ok_or(Error::<T>::Overflow)?);
		// The class's escrow account holds asks' tokens, which are not sufficient
		// assets: it must exist. It is the pallet's own, so it lives without funds.
		let escrow = Self::escrow_account(base);
		if !frame_system::Pallet::<T>::account_exists(&escrow) {
			frame_system::Pallet::<T>::inc_providers(&escrow);
		}
		Markets::<T>::insert(
			market,
			Market {
				base,
				tick_size,
				lot_size,
				min_order,
				maker_fee,
				taker_fee,
				status: MarketStatus::Active,
			},
		);
		Self::deposit_event(Event::MarketCreated {
			market,
			base,
			tick_size,
			lot_size,
			min_order,
			maker_fee,
			taker_fee,
		});
		Ok(market)
	}

	pub(crate) fn do_set_market_status(market: MarketId, status: MarketStatus) -> DispatchResult {
		Markets::<T>::try_mutate(market, |maybe| {
			let info = maybe.as_mut().ok_or(Error::<T>::UnknownMarket)?;
			ensure!(info.status != status, Error::<T>::StatusUnchanged);
			info.status = status;
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::MarketStatusChanged { market, status });
		Ok(())
	}

	/// The best price of one side of a market.
	pub fn best_price(market: MarketId, side: Side) -> Option<Price> {
		let prices = Prices::<T>::get(market, side);
		match side {
			Side::Bid => prices.last().copied(),
			Side::Ask => prices.first().copied(),
		}
	}

	/// Whether an order of `side` at `price` would trade with the book now.
	fn crosses_book(market: MarketId, side: Side, price: Price) -> bool {
		Self::best_price(market, side.opposite()).is_some_and(|best| side.crosses(price, best))
	}

	/// The prices of one side of a market, from the best outwards.
	fn prices_from_best(market: MarketId, side: Side) -> Vec<Price> {
		let prices = Prices::<T>::get(market, side);
		match side {
			Side::Ask => prices.into_inner(),
			Side::Bid => prices.iter().rev().copied().collect(),
		}
	}

	/// Native funds `who` may spend without dying.
	fn spendable(who: &T::AccountId) -> u128 {
		T::Currency::reducible_balance(who, Preservation::Preserve, Fortitude::Polite)
	}

	fn base_spendable(asset: T::AssetId, who: &T::AccountId) -> Units {
		<T::Assets as fungibles::Inspect<_>>::reducible_balance(
			asset,
			who,
			Preservation::Expendable,
			Fortitude::Polite,
		)
	}

	/// Places an order; returns how many resting orders it met (fills, and stale
	/// makers taken off the book) and how many its rest evicted, which bound its
	/// weight.
	pub(crate) fn do_place_order(
		who: T::AccountId,
		market_id: MarketId,
		side: Side,
		price: Price,
		amount: Units,
		time_in_force: TimeInForce,
		expires_at: Option<BlockNumberFor<T>>,
		max_fills: u32,
	) -> Result<(u32, u32), DispatchError> {
		let market = Markets::<T>::get(market_id).ok_or(Error::<T>::UnknownMarket)?;
		ensure!(market.status == MarketStatus::Active, Error::<T>::MarketHalted);
		ensure!(!amount.is_zero() && !price.is_zero(), Error::<T>::ZeroAmount);
		ensure!(price.is_multiple_of(market.tick_size), Error::<T>::PriceOffTick);
		ensure!(amount.is_multiple_of(market.lot_size), Error::<T>::AmountOffLot);
		ensure!(amount >= market.min_order, Error::<T>::BelowMinimum);
		ensure!(
			value_of(price, amount).is_none_or(|value| value >= T::MinOrderValue::get()),
			Error::<T>::BelowMinimumValue
		);
		let rests = matches!(time_in_force, TimeInForce::Gtc | TimeInForce::PostOnly);
		let now = Self::now();
		if let Some(at) = expires_at {
			ensure!(rests, Error::<T>::ExpiryNotResting);
			ensure!(at > now, Error::<T>::Expired);
			ensure!(at <= now.saturating_add(T::MaxOrderLifetime::get()), Error::<T>::ExpiryTooFar);
		}
		let max_fills = max_fills.min(T::MaxFills::get());
		ensure!(rests || max_fills > 0, Error::<T>::ZeroMaxFills);
		let opposite = side.opposite();
		if time_in_force == TimeInForce::PostOnly {
			ensure!(!Self::crosses_book(market_id, side, price), Error::<T>::PostOnlyWouldCross);
		}

		// Can the account pay (or deliver) the whole order at its limit, whatever
		// part trades now and whatever part rests?
		let deposit = if rests { T::OrderDeposit::get() } else { 0 };
		let asset = T::AssetId::from(market.base);
		match side {
			Side::Bid => {
				let value = value_of(price, amount).ok_or(Error::<T>::Overflow)?;
				// A taker fee rounds up on each fill: one planck more a fill at most.
				let fee = taker_fee_on(market.maker_fee.max(market.taker_fee), value)
					.saturating_add(max_fills.into());
				let worst = value
					.checked_add(fee)
					.and_then(|v| v.checked_add(deposit))
					.ok_or(Error::<T>::Overflow)?;
				ensure!(Self::spendable(&who) >= worst, Error::<T>::InsufficientBalance);
			}
			Side::Ask => {
				ensure!(
					Self::base_spendable(asset, &who) >= amount && Self::spendable(&who) >= deposit,
					Error::<T>::InsufficientBalance
				);
			}
		}
		if time_in_force == TimeInForce::Fok {
			let available =
				Self::fillable(&who, &market, market_id, side, price, amount, max_fills, now);
			ensure!(available >= amount, Error::<T>::FillOrKillUnfilled);
		}

		let order_id = NextOrderId::<T>::get();
		NextOrderId::<T>::put(order_id.checked_add(1).ok_or(Error::<T>::Overflow)?);
		Self::deposit_event(Event::OrderPlaced {
			order_id,
			market: market_id,
			who: who.clone(),
			side,
			price,
			amount,
			time_in_force,
			expires_at,
		});

		let mut remaining = amount;
		// Fills made, and stale makers (expired, the caller's own, or unable to
		// receive) taken off.
		let (mut fills, mut stale) = (0u32, 0u32);
		while !remaining.is_zero() && fills < max_fills {
			let Some(best) = Self::best_price(market_id, opposite) else { break };
			if !side.crosses(price, best) {
				break;
			}
			let level =
				Levels::<T>::get((market_id, opposite, best)).ok_or(Error::<T>::UnknownOrder)?;
			let maker_id = level.head;
			let mut maker = Orders::<T>::get(maker_id).ok_or(Error::<T>::UnknownOrder)?;
			let fill = remaining.min(maker.remaining);
			if let Some(stale_as) = Self::stale(&market, &maker, &who, fill, now) {
				if stale >= max_fills {
					break;
				}
				stale.saturating_inc();
				// The resting order leaves the book, holding nothing more.
				Self::remove_order(maker_id, &maker, &market)?;
				let (order_id, remaining) = (maker_id, maker.remaining);
				Self::deposit_event(match stale_as {
					Stale::Expired => {
						Event::OrderExpired { order_id, market: market_id, remaining }
					}
					Stale::Cancelled(reason) => {
						Event::OrderCancelled { order_id, market: market_id, remaining, reason }
					}
				});
				continue;
			}
			fills.saturating_inc();
			Self::execute_fill(
				&market, market_id, order_id, &who, side, maker_id, &mut maker, fill,
			)?;
			remaining = remaining.saturating_sub(fill);
		}

		let met = fills.saturating_add(stale);
		if remaining.is_zero() {
			Self::deposit_event(Event::OrderFilled { order_id, market: market_id });
			return Ok((met, 0));
		}
		let mut evicted = 0;
		if rests && !Self::crosses_book(market_id, side, price) {
			evicted = Self::rest_order(
				order_id, &who, market_id, &market, side, price, remaining, expires_at,
			)?;
		} else {
			let reason =
				if rests { CancelReason::MaxFillsReached } else { CancelReason::ImmediateOrCancel };
			Self::deposit_event(Event::OrderCancelled {
				order_id,
				market: market_id,
				remaining,
				reason,
			});
		}
		Ok((met, evicted))
	}

	/// How much of `amount` `who` could trade now against the other side, with
	/// at most `max_fills` fills and `max_fills` stale makers (see [`Stale`])
	/// passed on the way, as the matching loop would.
	#[allow(clippy::too_many_arguments)]
	fn fillable(
		who: &T::AccountId,
		market_info: &Market,
		market: MarketId,
		side: Side,
		limit: Price,
		amount: Units,
		max_fills: u32,
		now: BlockNumberFor<T>,
	) -> Units {
		let opposite = side.opposite();
		let mut available: Units = 0;
		let (mut fills, mut stale) = (0u32, 0u32);
		for price in Self::prices_from_best(market, opposite) {
			if !side.crosses(limit, price) {
				break;
			}
			let Some(level) = Levels::<T>::get((market, opposite, price)) else { break };
			let mut cursor = Some(level.head);
			while let Some(id) = cursor {
				if fills >= max_fills || available >= amount {
					return available;
				}
				let Some(order) = Orders::<T>::get(id) else { break };
				let fill = amount.saturating_sub(available).min(order.remaining);
				if Self::stale(market_info, &order, who, fill, now).is_some() {
					if stale >= max_fills {
						return available;
					}
					stale.saturating_inc();
				} else {
					fills.saturating_inc();
					available = available.saturating_add(order.remaining);
				}
				cursor = order.next;
			}
		}
		available
	}

	/// Whether the resting `maker`, met by an order of `who` that would trade
	/// `fill` with it, leaves the book instead, and why (see [`Stale`]). An
	/// ask's owner receives native funds into an account its deposit keeps alive.
	fn stale(
		market: &Market,
		maker: &OrderOf<T>,
		who: &T::AccountId,
		fill: Units,
		now: BlockNumberFor<T>,
	) -> Option<Stale> {
		use frame_support::traits::tokens::{DepositConsequence, Provenance};
		if maker.expires_at.is_some_and(|at| at <= now) {
			return Some(Stale::Expired);
		}
		if maker.owner == *who {
			return Some(Stale::Cancelled(CancelReason::SelfTrade));
		}
		let receives = maker.side == Side::Ask
			|| <T::Assets as fungibles::Inspect<_>>::can_deposit(
				T::AssetId::from(market.base),
				&maker.owner,
				fill,
				Provenance::Extant,
			) == DepositConsequence::Success;
		(!receives).then_some(Stale::Cancelled(CancelReason::MakerCannotReceive))
	}

	/// Trades `amount` between the arriving order and the resting `maker` at the
	/// maker's price, moving the base tokens, the value and the fees, nothing else.
	fn execute_fill(
		market: &Market,
		market_id: MarketId,
		taker_order: OrderId,
		taker: &T::AccountId,
		taker_side: Side,
		maker_id: OrderId,
		maker: &mut OrderOf<T>,
		amount: Units,
	) -> DispatchResult {
		let asset = T::AssetId::from(market.base);
		let escrow = Self::escrow_account(market.base);
		let price = maker.price;
		let value = value_of(price, amount).ok_or(Error::<T>::Overflow)?;
		let remaining = maker.remaining.saturating_sub(amount);
		let taker_fee = taker_fee_on(market.taker_fee, value);
		let maker_fee = match maker.side {
			Side::Ask => {
				// The taker buys: tokens from escrow, value and fees from its free funds.
				let maker_fee = fee_on(market.maker_fee, value);
				T::Assets::transfer(asset, &escrow, taker, amount, Preservation::Expendable)?;
				T::Currency::transfer(
					taker,
					&maker.owner,
					value.saturating_sub(maker_fee),
					Preservation::Preserve,
				)?;
				let fees = maker_fee.saturating_add(taker_fee);
				if !fees.is_zero() {
					T::OnFee::on_unbalanced(T::Currency::withdraw(
						taker,
						fees,
						Precision::Exact,
						Preservation::Preserve,
						Fortitude::Polite,
					)?);
				}
				maker.held = remaining;
				maker_fee
			}
			Side::Bid => {
				// The taker sells: tokens from its account, value and fees from the
				// bid's hold. The maker pays this trade's own fee, rounded down; what
				// the hold rounded up stays held and is released with the bid's end.
				let maker_fee = fee_on(market.maker_fee, value);
				let held = maker
					.held
					.checked_sub(value.saturating_add(maker_fee))
					.ok_or(Error::<T>::Overflow)?;
				T::Assets::transfer(asset, taker, &maker.owner, amount, Preservation::Expendable)?;
				let reason = HoldReason::BidFunds.into();
				T::Currency::transfer_on_hold(
					&reason,
					&maker.owner,
					taker,
					value.saturating_sub(taker_fee),
					Precision::Exact,
					Restriction::Free,
					Fortitude::Polite,
				)?;
				let fees = maker_fee.saturating_add(taker_fee);
				if !fees.is_zero() {
					// The hold covers them: `held` was checked above.
					let (credit, missing) = T::Currency::slash(&reason, &maker.owner, fees);
					ensure!(missing.is_zero(), Error::<T>::InsufficientBalance);
					T::OnFee::on_unbalanced(credit);
				}
				maker.held = held;
				maker_fee
			}
		};
		maker.remaining = remaining;

		Levels::<T>::try_mutate((market_id, maker.side, price), |maybe| {
			let level = maybe.as_mut().ok_or(Error::<T>::UnknownOrder)?;
			level.total = level.total.saturating_sub(amount);
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::Trade {
			market: market_id,
			maker_order: maker_id,
			taker_order,
			maker: maker.owner.clone(),
			taker: taker.clone(),
			taker_side,
			price,
			amount,
			maker_fee,
			taker_fee,
		});
		if remaining.is_zero() {
			Self::remove_order(maker_id, maker, market)?;
			Self::deposit_event(Event::OrderFilled { order_id: maker_id, market: market_id });
		} else {
			Orders::<T>::insert(maker_id, maker.clone());
		}
		Ok(())
	}

	/// Puts the rest of an order on the book: holds its funds and deposit, joins
	/// the tail of its price level; on a side full of prices, a better price
	/// evicts the worst level. Returns how many orders it evicted.
	#[allow(clippy::too_many_arguments)]
	fn rest_order(
		order_id: OrderId,
		who: &T::AccountId,
		market_id: MarketId,
		market: &Market,
		side: Side,
		price: Price,
		remaining: Units,
		expires_at: Option<BlockNumberFor<T>>,
	) -> Result<u32, DispatchError> {
		AccountOrders::<T>::try_mutate(who, |orders| orders.try_push(order_id))
			.map_err(|_| Error::<T>::TooManyOpenOrders)?;
		if let Some(at) = expires_at {
			ExpiryQueue::<T>::try_mutate(at, |queue| queue.try_push(order_id))
				.map_err(|_| Error::<T>::ExpiryQueueFull)?;
		}
		let held = match side {
			Side::Bid => {
				let held =
					bid_hold(price, remaining, market.maker_fee).ok_or(Error::<T>::Overflow)?;
				T::Currency::hold(&HoldReason::BidFunds.into(), who, held)
					.map_err(|_| Error::<T>::InsufficientBalance)?;
				held
			}
			Side::Ask => {
				T::Assets::transfer(
					T::AssetId::from(market.base),
					who,
					&Self::escrow_account(market.base),
					remaining,
					Preservation::Expendable,
				)?;
				remaining
			}
		};
		T::Currency::hold(&HoldReason::OrderDeposit.into(), who, T::OrderDeposit::get())
			.map_err(|_| Error::<T>::InsufficientBalance)?;

		let key = (market_id, side, price);
		let mut evicted = 0;
		let prev = match Levels::<T>::get(key) {
			Some(mut level) => {
				ensure!(level.orders < T::MaxOrdersPerLevel::get(), Error::<T>::LevelFull);
				let tail = level.tail;
				Orders::<T>::try_mutate(tail, |maybe| {
					let order = maybe.as_mut().ok_or(Error::<T>::UnknownOrder)?;
					order.next = Some(order_id);
					Ok::<_, DispatchError>(())
				})?;
				level.tail = order_id;
				level.total = level.total.checked_add(remaining).ok_or(Error::<T>::Overflow)?;
				level.orders.saturating_inc();
				Levels::<T>::insert(key, level);
				Some(tail)
			}
			None => {
				let prices = Prices::<T>::get(market_id, side);
				let worst = match side {
					Side::Bid => prices.first(),
					Side::Ask => prices.last(),
				};
				if let Some(worst) = worst.copied().filter(|_| prices.is_full()) {
					// A better price always rests: the worst level leaves the book.
					ensure!(side.better(price, worst), Error::<T>::TooManyPriceLevels);
					evicted = Self::evict_level(market_id, market, side, worst)?;
				}
				Prices::<T>::try_mutate(market_id, side, |prices| {
					let at = prices.binary_search(&price).unwrap_or_else(|at| at);
					prices.try_insert(at, price)
				})
				.map_err(|_| Error::<T>::TooManyPriceLevels)?;
				Levels::<T>::insert(
					key,
					PriceLevel { head: order_id, tail: order_id, total: remaining, orders: 1 },
				);
				None
			}
		};
		Orders::<T>::insert(
			order_id,
			Order {
				market: market_id,
				owner: who.clone(),
				side,
				price,
				remaining,
				expires_at,
				held,
				prev,
				next: None,
			},
		);
		Self::deposit_event(Event::OrderRested {
			order_id,
			market: market_id,
			side,
			price,
			remaining,
		});
		Ok(evicted)
	}

	/// Takes every order at `price` off one side of a market, each returned in
	/// full to its owner; returns how many (at most `MaxOrdersPerLevel`).
	fn evict_level(
		market_id: MarketId,
		market: &Market,
		side: Side,
		price: Price,
	) -> Result<u32, DispatchError> {
		let Some(level) = Levels::<T>::get((market_id, side, price)) else { return Ok(0) };
		let mut cursor = Some(level.head);
		let mut evicted = 0u32;
		while let Some(id) = cursor {
			let order = Orders::<T>::get(id).ok_or(Error::<T>::UnknownOrder)?;
			cursor = order.next;
			Self::remove_order(id, &order, market)?;
			Self::deposit_event(Event::OrderCancelled {
				order_id: id,
				market: market_id,
				remaining: order.remaining,
				reason: CancelReason::Evicted,
			});
			evicted.saturating_inc();
		}
		Ok(evicted)
	}

	/// Takes a resting order off the book and returns what it holds to its owner.
	fn remove_order(id: OrderId, order: &OrderOf<T>, market: &Market) -> DispatchResult {
		let key = (order.market, order.side, order.price);
		let mut level = Levels::<T>::get(key).ok_or(Error::<T>::UnknownOrder)?;
		match order.prev {
			Some(prev) => Orders::<T>::mutate(prev, |o| {
				if let Some(o) = o {
					o.next = order.next
				}
			}),
			None => level.head = order.next.unwrap_or_default(),
		}
		match order.next {
			Some(next) => Orders::<T>::mutate(next, |o| {
				if let Some(o) = o {
					o.prev = order.prev
				}
			}),
			None => level.tail = order.prev.unwrap_or_default(),
		}
		level.orders.saturating_dec();
		level.total = level.total.saturating_sub(order.remaining);
		if level.orders == 0 {
			Levels::<T>::remove(key);
			Prices::<T>::mutate(order.market, order.side, |prices| {
				if let Ok(at) = prices.binary_search(&order.price) {
					prices.remove(at);
				}
			});
		} else {
			Levels::<T>::insert(key, level);
		}
		AccountOrders::<T>::mutate(&order.owner, |orders| orders.retain(|o| *o != id));
		if let Some(at) = order.expires_at {
			ExpiryQueue::<T>::mutate_exists(at, |queue| {
				if let Some(ids) = queue {
					ids.retain(|o| *o != id);
					if ids.is_empty() {
						*queue = None;
					}
				}
			});
		}

		match order.side {
			Side::Bid if !order.held.is_zero() => {
				T::Currency::release(
					&HoldReason::BidFunds.into(),
					&order.owner,
					order.held,
					Precision::Exact,
				)?;
			}
			Side::Ask if !order.held.is_zero() => {
				T::Assets::transfer(
					T::AssetId::from(market.base),
					&Self::escrow_account(market.base),
					&order.owner,
					order.held,
					Preservation::Expendable,
				)?;
			}
			_ => {}
		}
		T::Currency::release(
			&HoldReason::OrderDeposit.into(),
			&order.owner,
			T::OrderDeposit::get(),
			Precision::Exact,
		)?;
		Orders::<T>::remove(id);
		Ok(())
	}

	pub(crate) fn do_cancel_order(who: &T::AccountId, order_id: OrderId) -> DispatchResult {
		let order = Orders::<T>::get(order_id).ok_or(Error::<T>::UnknownOrder)?;
		ensure!(order.owner == *who, Error::<T>::NotOrderOwner);
		let market = Markets::<T>::get(order.market).ok_or(Error::<T>::UnknownMarket)?;
		Self::remove_order(order_id, &order, &market)?;
		Self::deposit_event(Event::OrderCancelled {
			order_id,
			market: order.market,
			remaining: order.remaining,
			reason: CancelReason::ByOwner,
		});
		Ok(())
	}

	/// Cancels `who`'s resting orders in `market_id`; returns how many.
	/// The weight of a taker on `side` meeting `n` makers: a bid takes asks, an
	/// ask sells into bids (paid from their holds, each owner checked able to
	/// receive).
	pub fn fill_weight(side: Side, n: u32) -> Weight {
		match side {
			Side::Bid => T::WeightInfo::place_order_fill(n),
			Side::Ask => T::WeightInfo::place_order_fill_bids(n),
		}
	}

	/// Cancels `who`'s orders in a market; returns how many orders it read and
	/// how many of them it cancelled.
	pub(crate) fn do_cancel_all(
		who: &T::AccountId,
		market_id: MarketId,
	) -> Result<(u32, u32), DispatchError> {
		let market = Markets::<T>::get(market_id).ok_or(Error::<T>::UnknownMarket)?;
		let mut cancelled = 0u32;
		let orders = AccountOrders::<T>::get(who);
		let read = orders.len() as u32;
		for order_id in orders {
			let Some(order) = Orders::<T>::get(order_id) else { continue };
			if order.market != market_id {
				continue;
			}
			Self::remove_order(order_id, &order, &market)?;
			Self::deposit_event(Event::OrderCancelled {
				order_id,
				market: market_id,
				remaining: order.remaining,
				reason: CancelReason::ByOwner,
			});
			cancelled.saturating_inc();
		}
		Ok((read, cancelled))
	}

	/// Removes due orders, at most `ExpirySweepPerBlock`, from the oldest expiry
	/// block on; returns the blocks looked at and the orders removed. Each removal
	/// runs in its own storage layer: one that fails changes nothing and is
	/// reported, and the order stays cancellable by its owner.
	pub(crate) fn sweep_expired(now: BlockNumberFor<T>) -> (u32, u32) {
		let budget = T::ExpirySweepPerBlock::get();
		let mut cursor = ExpiryCursor::<T>::get();
		if cursor.is_zero() {
			cursor = now;
		}
		let (mut blocks, mut removed) = (0u32, 0u32);
		while cursor <= now && blocks <= budget {
			blocks.saturating_inc();
			let mut queue = ExpiryQueue::<T>::take(cursor);
			while removed < budget && !queue.is_empty() {
				let id = queue.remove(0);
				removed.saturating_inc();
				let Some(order) = Orders::<T>::get(id) else { continue };
				if order.expires_at != Some(cursor) {
					continue;
				}
				let Some(market) = Markets::<T>::get(order.market) else { continue };
				match with_storage_layer(|| Self::remove_order(id, &order, &market)) {
					Ok(()) => Self::deposit_event(Event::OrderExpired {
						order_id: id,
						market: order.market,
						remaining: order.remaining,
					}),
					Err(error) => {
						defensive!(error, ("an expired order could not be removed", id));
					}
				}
			}
			if !queue.is_empty() {
				ExpiryQueue::<T>::insert(cursor, queue);
				break;
			}
			cursor = cursor.saturating_add(1u32.into());
		}
		ExpiryCursor::<T>::put(cursor);
		(blocks, removed)
	}

	/// Up to `levels` prices of one side from the best, with their totals.
	pub fn depth(market: MarketId, side: Side, levels: u32) -> Depth {
		Self::prices_from_best(market, side)
			.into_iter()
			.take(levels as usize)
			.filter_map(|p| Levels::<T>::get((market, side, p)).map(|l| (p, l.total)))
			.collect()
	}

	/// What an order of `side` for `amount` would fill now, at any price.
	pub fn quote(market: MarketId, side: Side, amount: Units) -> Quote {
		let mut quote = Quote::default();
		for (price, total) in Self::depth(market, side.opposite(), T::MaxPriceLevels::get()) {
			let take = total.min(amount.saturating_sub(quote.filled));
			if take.is_zero() {
				break;
			}
			quote.add(price, take);
		}
		quote
	}

	/// A account's resting orders.
	pub fn open_orders(who: &T::AccountId) -> Vec<(OrderId, OrderOf<T>)> {
		AccountOrders::<T>::get(who)
			.into_iter()
			.filter_map(|id| Orders::<T>::get(id).map(|o| (id, o)))
			.collect()
	}

	/// The invariants of pallet-orderbook:
	/// - every resting order has a remaining amount, a live market and level, is
	///   listed by its owner, and holds what it needs (a bid at least its value and
	///   maker fee, the rounding of its fills' fees aside; an ask exactly its
	///   remaining tokens);
	/// - an order with an expiry is queued at it, at or after the sweep's cursor,
	///   and every queued id is such an order;
	/// - what is held equals what resting orders need: per account the bid hold
	///   and the deposit hold, per class the escrowed tokens;
	/// - every level's total and count are those of its FIFO list, whose links
	///   agree both ways; the price index lists exactly the levels, ascending;
	/// - the book is not crossed: best bid < best ask.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		use frame_support::traits::fungible::InspectHold;

		let mut bid_held: BTreeMap<T::AccountId, u128> = BTreeMap::new();
		let mut orders_of: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut escrowed: BTreeMap<ClassId, Units> = BTreeMap::new();
		for (id, order) in Orders::<T>::iter() {
			ensure!(!order.remaining.is_zero(), "an order with nothing remaining rests");
			let market = Markets::<T>::get(order.market).ok_or("order of an unknown market")?;
			ensure!(
				Levels::<T>::contains_key((order.market, order.side, order.price)),
				"order without a level"
			);
			ensure!(
				AccountOrders::<T>::get(&order.owner).contains(&id),
				"owner does not list order"
			);
			match order.side {
				Side::Bid => {
					let needed = bid_hold(order.price, order.remaining, market.maker_fee)
						.ok_or("a bid's hold overflows")?;
					ensure!(order.held >= needed, "bid holds less than its value and maker fee");
					let sum = bid_held.entry(order.owner.clone()).or_default();
					*sum = sum.saturating_add(order.held);
				}
				Side::Ask => {
					ensure!(order.held == order.remaining, "ask escrows other than its remaining");
					let sum = escrowed.entry(market.base).or_default();
					*sum = sum.saturating_add(order.held);
				}
			}
			if let Some(at) = order.expires_at {
				ensure!(ExpiryQueue::<T>::get(at).contains(&id), "an expiring order is not queued");
				let cursor = ExpiryCursor::<T>::get();
				ensure!(cursor.is_zero() || at >= cursor, "an expiring order is behind the sweep");
			}
			let count = orders_of.entry(order.owner).or_default();
			*count = count.saturating_add(1);
		}
		for (at, ids) in ExpiryQueue::<T>::iter() {
			ensure!(!ids.is_empty(), "an empty expiry queue is stored");
			ensure!(
				ids.iter().all(|id| Orders::<T>::get(id).is_some_and(|o| o.expires_at == Some(at))),
				"an expiry queue names an order that does not expire there"
			);
		}
		for (who, ids) in AccountOrders::<T>::iter() {
			ensure!(ids.iter().all(Orders::<T>::contains_key), "listed order missing");
			let count = orders_of.get(&who).copied().unwrap_or_default();
			ensure!(ids.len() as u32 == count, "account lists other orders than it has");
		}
		for (who, count) in orders_of.iter() {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::BidFunds.into(), who)
					== bid_held.get(who).copied().unwrap_or_default(),
				"bid hold differs from what resting bids need"
			);
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::OrderDeposit.into(), who)
					== T::OrderDeposit::get().saturating_mul((*count).into()),
				"deposit hold differs from the resting orders"
			);
		}
		for (market_id, market) in Markets::<T>::iter() {
			let held = <T::Assets as fungibles::Inspect<_>>::balance(
				T::AssetId::from(market.base),
				&Self::escrow_account(market.base),
			);
			ensure!(
				held == escrowed.get(&market.base).copied().unwrap_or_default(),
				"escrow differs from what resting asks need"
			);
			for side in [Side::Bid, Side::Ask] {
				let prices = Prices::<T>::get(market_id, side);
				ensure!(prices.windows(2).all(|w| w[0] < w[1]), "price index not ascending");
				for price in prices.iter() {
					let level = Levels::<T>::get((market_id, side, *price))
						.ok_or("indexed price without a level")?;
					let (mut total, mut count, mut prev) = (0u128, 0u32, None);
					let mut cursor = Some(level.head);
					while let Some(id) = cursor {
						let order = Orders::<T>::get(id).ok_or("level links a missing order")?;
						ensure!(order.prev == prev, "level links disagree");
						ensure!(
							order.price == *price && order.side == side,
							"order in wrong level"
						);
						total = total.saturating_add(order.remaining);
						count = count.saturating_add(1);
						prev = Some(id);
						cursor = order.next;
					}
					ensure!(prev == Some(level.tail), "level tail is not its last order");
					ensure!(total == level.total && count == level.orders, "level totals differ");
				}
			}
			if let (Some(bid), Some(ask)) =
				(Self::best_price(market_id, Side::Bid), Self::best_price(market_id, Side::Ask))
			{
				ensure!(bid < ask, "the book is crossed at rest");
			}
		}
		let levels = Levels::<T>::iter_keys().count();
		let indexed: usize = Prices::<T>::iter_values().map(|prices| prices.len()).sum();
		ensure!(levels == indexed, "levels not in the price index");
		Ok(())
	}
}
