//! The rules behind pallet-orderbook's calls: validation, matching on the
//! trading ledger, resting, removal and the expiry sweep.

use crate::{pallet::*, types::*, weights::WeightInfo};
use alloc::vec::Vec;
use frame_support::{
	defensive, ensure, pallet_prelude::*, storage::with_storage_layer, traits::fungibles,
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{Saturating, Zero},
	Permill,
};
use utc_primitives::{ClassId, Units};

/// Σ of the remaining amounts of a level's orders.
fn total_of<AccountId, BlockNumber>(level: &[Resting<AccountId, BlockNumber>]) -> Units {
	level.iter().fold(0, |sum, o| sum.saturating_add(o.remaining))
}

/// What a placement did that bounds its weight.
pub(crate) struct Placed {
	/// Resting orders met: fills, and stale makers taken off the book.
	pub met: u32,
	/// Orders its rest evicted.
	pub evicted: u32,
	/// Assets it drew from the wallet into the trading account.
	pub draws: u32,
	/// How its remainder rested, if it did.
	pub rested: Option<Rested>,
}

/// How an order came to rest: what, beyond joining a level, it wrote.
#[derive(Clone, Copy)]
pub(crate) struct Rested {
	/// It opened a price level (the price index written).
	pub new_level: bool,
	/// It joined its block's expiry queue.
	pub expiring: bool,
}

/// Why a resting order met by a taker leaves the book instead of trading.
enum Stale {
	/// Its expiry has come.
	Expired,
	/// The taker owns it: nobody trades with itself.
	SelfTrade,
}

/// The trading account of an order's caller, kept in memory through the call
/// and stored once at its end; other traders' accounts are read and written as
/// their orders are met.
struct Trader<T: Config> {
	who: T::AccountId,
	base: Asset,
	native: Funds,
	tokens: Funds,
	/// As loaded: only a change is stored.
	holdings: HoldingsOf<T>,
}

impl<T: Config> Trader<T> {
	/// Loads `who`'s account for a market of `base`.
	fn load(who: T::AccountId, base: Asset) -> Self {
		let holdings = Pallet::<T>::holdings(&who);
		let (native, tokens) = (holdings.native, holdings.get(base));
		Self { who, base, native, tokens, holdings }
	}

	/// Runs `f` on `owner`'s native and base funds: the caller's in memory, anyone
	/// else's from storage, written back if changed. `None` if `f` fails, or if
	/// the owner's account cannot hold the base (never for an owner of a resting
	/// order in its market: its entry stays while the order rests).
	fn with(
		&mut self,
		owner: &T::AccountId,
		f: impl FnOnce(&mut Funds, &mut Funds) -> Option<()>,
	) -> Option<()> {
		if *owner == self.who {
			return f(&mut self.native, &mut self.tokens);
		}
		let mut holdings = Pallet::<T>::holdings(owner);
		let before = (holdings.native, holdings.get(self.base));
		let (mut native, mut tokens) = before;
		f(&mut native, &mut tokens)?;
		if (native, tokens) != before {
			holdings.native = native;
			holdings.set(self.base, tokens)?;
			Pallet::<T>::put_holdings(owner, &holdings);
		}
		Some(())
	}

	fn store(mut self) {
		if (self.native, self.tokens) == (self.holdings.native, self.holdings.get(self.base)) {
			return;
		}
		self.holdings.native = self.native;
		// An order checks that the base fits; releasing an order never adds it.
		if self.holdings.set(self.base, self.tokens).is_none() {
			defensive!("a trading account lost room for its market's base");
			return;
		}
		Pallet::<T>::put_holdings(&self.who, &self.holdings);
	}
}

impl<T: Config> Pallet<T> {
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
		Self::open_token_custody(base);
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
				best_bid: None,
				best_ask: None,
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
		Markets::<T>::get(market).and_then(|info| info.best(side))
	}

	/// The best of one side's `prices` (ascending).
	fn best_of(side: Side, prices: &[Price]) -> Option<Price> {
		match side {
			Side::Bid => prices.last().copied(),
			Side::Ask => prices.first().copied(),
		}
	}

	/// Changes the prices of one side of a market with `f`, and the market's copy
	/// of its best price when that changed.
	fn mutate_prices<R>(
		market: MarketId,
		side: Side,
		f: impl FnOnce(&mut BoundedVec<Price, T::MaxPriceLevels>) -> R,
	) -> R {
		let (result, best) = Prices::<T>::mutate(market, side, |prices| {
			let result = f(prices);
			(result, Self::best_of(side, prices))
		});
		if let Some(mut info) = Markets::<T>::get(market) {
			if info.best(side) != best {
				*info.best_mut(side) = best;
				Markets::<T>::insert(market, info);
			}
		}
		result
	}

	/// The prices of one side of a market, from the best outwards.
	fn prices_from_best(market: MarketId, side: Side) -> Vec<Price> {
		let prices = Prices::<T>::get(market, side);
		match side {
			Side::Ask => prices.into_inner(),
			Side::Bid => prices.iter().rev().copied().collect(),
		}
	}

	/// Places an order; returns what bounds its weight.
	pub(crate) fn do_place_order(
		who: T::AccountId,
		market_id: MarketId,
		side: Side,
		price: Price,
		amount: Units,
		time_in_force: TimeInForce,
		expires_at: Option<BlockNumberFor<T>>,
		max_fills: u32,
	) -> Result<Placed, DispatchError> {
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
			ensure!(
				!market.best(opposite).is_some_and(|best| side.crosses(price, best)),
				Error::<T>::PostOnlyWouldCross
			);
		}
		if time_in_force == TimeInForce::Fok {
			let available = Self::fillable(&who, market_id, side, price, amount, max_fills, now);
			ensure!(available >= amount, Error::<T>::FillOrKillUnfilled);
		}

		// The trading account must cover the whole order at its limit, whatever
		// part trades now and whatever part rests; a shortfall comes from the wallet.
		let deposit = if rests { T::OrderDeposit::get() } else { 0 };
		let base = Asset::Class(market.base);
		let mut trader = Trader::<T>::load(who.clone(), base);
		// Whatever the order buys or rests can be stored.
		ensure!(trader.holdings.can_hold(base), Error::<T>::TooManyAssets);
		let mut draws = 0u32;
		let mut draw = |asset, funds: &mut Funds, needed| {
			draws.saturating_accrue(Self::top_up(&who, asset, funds, needed)? as u32);
			Ok::<_, DispatchError>(())
		};
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
				draw(Asset::Native, &mut trader.native, worst)?;
			}
			Side::Ask => {
				draw(base, &mut trader.tokens, amount)?;
				draw(Asset::Native, &mut trader.native, deposit)?;
			}
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
		let mut fees: u128 = 0;
		// Fills made, and stale makers (expired, or the caller's own) taken off.
		let (mut fills, mut stale) = (0u32, 0u32);
		// The other side's prices are read once, and only if its best crosses; the
		// levels that empty leave the index together at the end.
		let mut emptied = 0usize;
		let opposite_prices = if market.best(opposite).is_some_and(|best| side.crosses(price, best))
		{
			Self::prices_from_best(market_id, opposite)
		} else {
			Vec::new()
		};
		for &best in &opposite_prices {
			if remaining.is_zero() || fills >= max_fills || !side.crosses(price, best) {
				break;
			}
			let place = Place { market: market_id, side: opposite, price: best };
			let mut level = Self::level(&place)?;
			// The level is worked through in memory and stored once.
			let mut stop = false;
			while !remaining.is_zero() && fills < max_fills {
				let Some(first) = level.first() else { break };
				if let Some(why) = Self::stale(first, &who, now) {
					if stale >= max_fills {
						stop = true;
						break;
					}
					stale.saturating_inc();
					let maker = level.remove(0);
					Self::release(&mut trader, &place, &maker)?;
					let (order_id, remaining) = (maker.id, maker.remaining);
					Self::deposit_event(match why {
						Stale::Expired => {
							Event::OrderExpired { order_id, market: market_id, remaining }
						}
						Stale::SelfTrade => Event::OrderCancelled {
							order_id,
							market: market_id,
							remaining,
							reason: CancelReason::SelfTrade,
						},
					});
					continue;
				}
				let Some(maker) = level.get_mut(0) else { break };
				let fill = remaining.min(maker.remaining);
				fills.saturating_inc();
				let fee =
					Self::execute_fill(&market, &mut trader, &place, order_id, side, maker, fill)?;
				fees = fees.saturating_add(fee);
				remaining = remaining.saturating_sub(fill);
				if maker.remaining.is_zero() {
					let maker = level.remove(0);
					Self::release(&mut trader, &place, &maker)?;
					Self::deposit_event(Event::OrderFilled {
						order_id: maker.id,
						market: market_id,
					});
				}
			}
			let key = (market_id, opposite, best);
			if level.is_empty() {
				Levels::<T>::remove(key);
				emptied += 1;
			} else {
				Levels::<T>::insert(key, level);
				break;
			}
			if stop {
				break;
			}
		}
		if emptied > 0 {
			Self::mutate_prices(market_id, opposite, |prices| match opposite {
				Side::Ask => {
					prices.drain(..emptied.min(prices.len()));
				}
				Side::Bid => prices.truncate(prices.len().saturating_sub(emptied)),
			});
		}
		if !fees.is_zero() {
			Fees::<T>::mutate(market_id, |accrued| {
				*accrued = Some(accrued.unwrap_or_default().saturating_add(fees))
			});
		}

		let met = fills.saturating_add(stale);
		let (mut evicted, mut rested) = (0, None);
		if remaining.is_zero() {
			Self::deposit_event(Event::OrderFilled { order_id, market: market_id });
		} else if rests
			&& !opposite_prices.get(emptied).is_some_and(|&best| side.crosses(price, best))
		{
			let place = Place { market: market_id, side, price };
			let (out, how) =
				Self::rest_order(order_id, &mut trader, &market, &place, remaining, expires_at)?;
			(evicted, rested) = (out, Some(how));
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
		trader.store();
		Ok(Placed { met, evicted, draws, rested })
	}

	/// How much of `amount` `who` could trade now against the other side, with
	/// at most `max_fills` fills and `max_fills` stale makers (see [`Stale`])
	/// passed on the way, as the matching loop would.
	fn fillable(
		who: &T::AccountId,
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
			for order in level.iter() {
				if fills >= max_fills || available >= amount {
					return available;
				}
				if Self::stale(order, who, now).is_some() {
					if stale >= max_fills {
						return available;
					}
					stale.saturating_inc();
				} else {
					fills.saturating_inc();
					available = available.saturating_add(order.remaining);
				}
			}
		}
		available
	}

	/// Whether the resting `maker`, met by an order of `who`, leaves the book
	/// instead of trading, and why.
	fn stale(maker: &RestingOf<T>, who: &T::AccountId, now: BlockNumberFor<T>) -> Option<Stale> {
		if maker.expires_at.is_some_and(|at| at <= now) {
			return Some(Stale::Expired);
		}
		(maker.owner == *who).then_some(Stale::SelfTrade)
	}

	/// Trades `amount` between the arriving order and the resting `maker` at the
	/// maker's price, between ledger entries: the base tokens from seller to
	/// buyer, `value − seller fee` to the seller, `value + buyer fee` from the
	/// buyer (a resting bid's from what it locks). Returns the fees, which the
	/// caller accrues to the market.
	fn execute_fill(
		market: &Market,
		trader: &mut Trader<T>,
		place: &Place,
		taker_order: OrderId,
		taker_side: Side,
		maker: &mut RestingOf<T>,
		amount: Units,
	) -> Result<u128, DispatchError> {
		let price = place.price;
		let value = value_of(price, amount).ok_or(Error::<T>::Overflow)?;
		let taker_fee = taker_fee_on(market.taker_fee, value);
		let maker_fee = fee_on(market.maker_fee, value);
		let overflow = || DispatchError::from(Error::<T>::Overflow);
		match taker_side {
			Side::Bid => {
				// The taker buys from a resting ask: its tokens were locked.
				let pay = value.checked_add(taker_fee).ok_or_else(overflow)?;
				trader.native.free = trader.native.free.checked_sub(pay).ok_or_else(overflow)?;
				trader.tokens.free = trader.tokens.free.checked_add(amount).ok_or_else(overflow)?;
				maker.locked = maker.locked.checked_sub(amount).ok_or_else(overflow)?;
				trader.with(&maker.owner, |native, tokens| {
					tokens.locked = tokens.locked.checked_sub(amount)?;
					native.free = native.free.checked_add(value.saturating_sub(maker_fee))?;
					Some(())
				})
			}
			Side::Ask => {
				// The taker sells into a resting bid, which pays its own maker fee,
				// rounded down, from what it locks.
				let pay = value.checked_add(maker_fee).ok_or_else(overflow)?;
				trader.tokens.free = trader.tokens.free.checked_sub(amount).ok_or_else(overflow)?;
				trader.native.free = trader
					.native
					.free
					.checked_add(value.saturating_sub(taker_fee))
					.ok_or_else(overflow)?;
				maker.locked = maker.locked.checked_sub(pay).ok_or_else(overflow)?;
				trader.with(&maker.owner, |native, tokens| {
					native.locked = native.locked.checked_sub(pay)?;
					tokens.free = tokens.free.checked_add(amount)?;
					Some(())
				})
			}
		}
		.ok_or_else(overflow)?;
		maker.remaining = maker.remaining.saturating_sub(amount);
		Self::deposit_event(Event::Trade {
			market: place.market,
			maker_order: maker.id,
			taker_order,
			maker: maker.owner.clone(),
			taker: trader.who.clone(),
			taker_side,
			price,
			amount,
			maker_fee,
			taker_fee,
		});
		Ok(maker_fee.saturating_add(taker_fee))
	}

	/// Puts the rest of an order on the book: locks its funds and deposit in the
	/// trading account, joins the tail of its price level; on a side full of
	/// prices, a better price evicts the worst level. Returns how many orders it
	/// evicted.
	fn rest_order(
		order_id: OrderId,
		trader: &mut Trader<T>,
		market: &Market,
		place: &Place,
		remaining: Units,
		expires_at: Option<BlockNumberFor<T>>,
	) -> Result<(u32, Rested), DispatchError> {
		let who = trader.who.clone();
		ensure!(trader.native.orders < T::MaxOpenOrders::get(), Error::<T>::TooManyOpenOrders);
		let locked = match place.side {
			Side::Bid => bid_lock(place.price, remaining, market.maker_fee),
			Side::Ask => Some(remaining),
		}
		.ok_or(Error::<T>::Overflow)?;
		// A bid locks its funds and deposit from the native entry, an ask its
		// tokens from the base entry and its deposit from the native one.
		let (funds, to_lock) = match place.side {
			Side::Bid => (&mut trader.native, locked.checked_add(T::OrderDeposit::get())),
			Side::Ask => (&mut trader.tokens, Some(locked)),
		};
		funds.lock(to_lock.ok_or(Error::<T>::Overflow)?).ok_or(Error::<T>::InsufficientBalance)?;
		if place.side == Side::Ask {
			trader.native.lock(T::OrderDeposit::get()).ok_or(Error::<T>::InsufficientBalance)?;
		}
		trader.native.orders.saturating_inc();
		trader.tokens.orders.saturating_inc();
		if let Some(at) = expires_at {
			ExpiryQueue::<T>::try_mutate(at, |queue| {
				queue.try_push((order_id, who.clone(), *place))
			})
			.map_err(|_| Error::<T>::ExpiryQueueFull)?;
		}

		let key = (place.market, place.side, place.price);
		let resting = Resting { id: order_id, owner: who.clone(), remaining, locked, expires_at };
		let mut evicted = 0;
		let (level, new_level) = match Levels::<T>::get(key) {
			Some(mut level) => {
				level.try_push(resting).map_err(|_| Error::<T>::LevelFull)?;
				(level, false)
			}
			None => {
				let prices = Prices::<T>::get(place.market, place.side);
				let worst = match place.side {
					Side::Bid => prices.first(),
					Side::Ask => prices.last(),
				};
				if let Some(worst) = worst.copied().filter(|_| prices.is_full()) {
					// A better price always rests: the worst level leaves the book.
					ensure!(place.side.better(place.price, worst), Error::<T>::TooManyPriceLevels);
					evicted = Self::evict_level(trader, &Place { price: worst, ..*place })?;
				}
				Self::mutate_prices(place.market, place.side, |prices| {
					let at = prices.binary_search(&place.price).unwrap_or_else(|at| at);
					prices.try_insert(at, place.price)
				})
				.map_err(|_| Error::<T>::TooManyPriceLevels)?;
				let mut level = PriceLevelOf::<T>::default();
				level.try_push(resting).map_err(|_| Error::<T>::LevelFull)?;
				(level, true)
			}
		};
		Levels::<T>::insert(key, level);
		OpenOrders::<T>::insert(&who, order_id, *place);
		Self::deposit_event(Event::OrderRested {
			order_id,
			market: place.market,
			side: place.side,
			price: place.price,
			remaining,
		});
		Ok((evicted, Rested { new_level, expiring: expires_at.is_some() }))
	}

	/// Takes every order at `place` off the book, each returned in full to its
	/// owner; returns how many (at most `MaxOrdersPerLevel`).
	fn evict_level(trader: &mut Trader<T>, place: &Place) -> Result<u32, DispatchError> {
		let key = (place.market, place.side, place.price);
		let Some(level) = Levels::<T>::take(key) else { return Ok(0) };
		Self::unindex(place);
		for order in level.iter() {
			Self::release(trader, place, order)?;
			Self::deposit_event(Event::OrderCancelled {
				order_id: order.id,
				market: place.market,
				remaining: order.remaining,
				reason: CancelReason::Evicted,
			});
		}
		Ok(level.len() as u32)
	}

	/// The price level at `place`.
	fn level(place: &Place) -> Result<PriceLevelOf<T>, DispatchError> {
		Levels::<T>::get((place.market, place.side, place.price))
			.ok_or_else(|| Error::<T>::UnknownOrder.into())
	}

	/// Stores a level, or removes it and its price when it has no order left.
	fn store_level(place: &Place, level: PriceLevelOf<T>) {
		let key = (place.market, place.side, place.price);
		if level.is_empty() {
			Levels::<T>::remove(key);
			Self::unindex(place);
		} else {
			Levels::<T>::insert(key, level);
		}
	}

	/// Removes `place`'s price from its side's index.
	fn unindex(place: &Place) {
		Self::mutate_prices(place.market, place.side, |prices| {
			if let Ok(at) = prices.binary_search(&place.price) {
				prices.remove(at);
			}
		});
	}

	/// An order taken off its level leaves its owner's open orders and its
	/// expiry queue, and unlocks what it locked and its deposit.
	fn release(trader: &mut Trader<T>, place: &Place, order: &RestingOf<T>) -> DispatchResult {
		OpenOrders::<T>::remove(&order.owner, order.id);
		if let Some(at) = order.expires_at {
			ExpiryQueue::<T>::mutate_exists(at, |queue| {
				if let Some(entries) = queue {
					entries.retain(|(id, ..)| *id != order.id);
					if entries.is_empty() {
						*queue = None;
					}
				}
			});
		}
		let deposit = T::OrderDeposit::get();
		trader
			.with(&order.owner, |native, tokens| {
				let funds = match place.side {
					Side::Bid => &mut *native,
					Side::Ask => &mut *tokens,
				};
				funds.unlock(order.locked)?;
				native.unlock(deposit)?;
				native.orders = native.orders.checked_sub(1)?;
				tokens.orders = tokens.orders.checked_sub(1)?;
				Some(())
			})
			.ok_or_else(|| {
				defensive!("a resting order locks more than its owner's ledger entry");
				Error::<T>::Overflow.into()
			})
	}

	/// Takes the trader's order `order_id`, resting at `place`, off the book,
	/// returning what it locked; returns it as it rested.
	fn take_order(
		trader: &mut Trader<T>,
		order_id: OrderId,
		place: &Place,
	) -> Result<RestingOf<T>, DispatchError> {
		let mut level = Self::level(place)?;
		let at = level
			.iter()
			.position(|o| o.id == order_id && o.owner == trader.who)
			.ok_or(Error::<T>::UnknownOrder)?;
		let order = level.remove(at);
		Self::store_level(place, level);
		Self::release(trader, place, &order)?;
		Ok(order)
	}

	pub(crate) fn do_cancel_order(who: &T::AccountId, order_id: OrderId) -> DispatchResult {
		let place = OpenOrders::<T>::get(who, order_id).ok_or(Error::<T>::UnknownOrder)?;
		let market = Markets::<T>::get(place.market).ok_or(Error::<T>::UnknownMarket)?;
		let mut trader = Trader::<T>::load(who.clone(), Asset::Class(market.base));
		let order = Self::take_order(&mut trader, order_id, &place)?;
		trader.store();
		Self::deposit_event(Event::OrderCancelled {
			order_id,
			market: place.market,
			remaining: order.remaining,
			reason: CancelReason::ByOwner,
		});
		Ok(())
	}

	/// The most `place_order` may weigh: meeting twice `max_fills` orders (fills
	/// and stale makers), resting at a new level with an expiry or evicting a
	/// full level, and drawing both its assets from the wallet.
	pub fn place_order_weight(side: Side, max_fills: u32) -> Weight {
		let worst = Rested { new_level: true, expiring: true };
		Self::fill_weight(side, max_fills.saturating_mul(2))
			.saturating_add(
				Self::rest_weight(T::MaxOrdersPerLevel::get(), worst)
					.max(Self::rest_weight(0, worst)),
			)
			.saturating_add(T::WeightInfo::place_order_draw().saturating_mul(2))
	}

	/// The weight of a resting order, the book it met (if it met none) included:
	/// joining a level, opening one, joining an expiry queue; or, for an order
	/// whose new level evicted the worst, the eviction of `evicted` orders.
	pub(crate) fn rest_weight(evicted: u32, rested: Rested) -> Weight {
		let rest = |l: bool, e: bool| T::WeightInfo::place_order_rest(l.into(), e.into());
		match evicted {
			0 => rest(rested.new_level, rested.expiring),
			n if rested.expiring => T::WeightInfo::place_order_evict(n)
				.saturating_add(rest(false, true).saturating_sub(rest(false, false))),
			n => T::WeightInfo::place_order_evict(n),
		}
	}

	/// The weight of a taker on `side` meeting `n` makers: a bid takes asks, an
	/// ask sells into bids.
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
		let orders: Vec<(OrderId, Place)> = OpenOrders::<T>::iter_prefix(who).collect();
		let read = orders.len() as u32;
		let mut trader = Trader::<T>::load(who.clone(), Asset::Class(market.base));
		let mut cancelled = 0u32;
		for (order_id, place) in orders {
			if place.market != market_id {
				continue;
			}
			let order = Self::take_order(&mut trader, order_id, &place)?;
			Self::deposit_event(Event::OrderCancelled {
				order_id,
				market: market_id,
				remaining: order.remaining,
				reason: CancelReason::ByOwner,
			});
			cancelled.saturating_inc();
		}
		trader.store();
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
				let (id, owner, place) = queue.remove(0);
				removed.saturating_inc();
				let Some(market) = Markets::<T>::get(place.market) else { continue };
				let result = with_storage_layer(|| {
					let mut trader = Trader::<T>::load(owner.clone(), Asset::Class(market.base));
					let order = Self::take_order(&mut trader, id, &place)?;
					trader.store();
					Ok::<_, DispatchError>(order.remaining)
				});
				match result {
					Ok(remaining) => Self::deposit_event(Event::OrderExpired {
						order_id: id,
						market: place.market,
						remaining,
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
			.filter_map(|p| Levels::<T>::get((market, side, p)).map(|l| (p, total_of(&l))))
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

	/// An account's resting orders.
	pub fn open_orders(who: &T::AccountId) -> Vec<(OrderId, OrderOf<T>)> {
		OpenOrders::<T>::iter_prefix(who)
			.filter_map(|(id, place)| {
				let level = Levels::<T>::get((place.market, place.side, place.price))?;
				let order = level.into_iter().find(|o| o.id == id)?;
				Some((
					id,
					Order {
						market: place.market,
						owner: order.owner,
						side: place.side,
						price: place.price,
						remaining: order.remaining,
						expires_at: order.expires_at,
						locked: order.locked,
					},
				))
			})
			.collect()
	}

	/// The invariants of pallet-orderbook:
	/// - every resting order has a remaining amount, rests in a level of a live
	///   market, is listed by its owner where it rests, and locks what it needs (a
	///   bid at least its value and maker fee, the rounding of its fills' fees
	///   aside; an ask exactly its remaining tokens);
	/// - an order with an expiry is queued at it, at or after the sweep's cursor,
	///   and every queued entry is such an order;
	/// - the ledger's locked funds are exactly what resting orders lock, their
	///   deposits included, and its order counts theirs (all of an account's in
	///   its native entry, those of a class's markets in the class's entry); an
	///   account stores no empty class entry and no class twice;
	/// - custody holds the ledger: the native custody account its existential
	///   deposit, every trader's native funds and the accrued fees, each class's
	///   custody account every trader's tokens of it (at least: anyone may send
	///   funds to them, which then are nobody's);
	/// - every level's total is its orders'; the price index lists exactly the
	///   levels, ascending, and the market keeps its best of each side; the book
	///   is not crossed: best bid < best ask.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		use frame_support::traits::fungible::Inspect as _;

		// What resting orders lock, per (owner, asset), and how many each has.
		let mut locks: BTreeMap<(T::AccountId, Asset), u128> = BTreeMap::new();
		let mut counts: BTreeMap<(T::AccountId, Asset), u32> = BTreeMap::new();
		let mut lock = |who: &T::AccountId, asset: Asset, amount: u128| {
			let sum = locks.entry((who.clone(), asset)).or_default();
			*sum = sum.saturating_add(amount);
		};
		let mut levels = 0usize;
		for (market_id, market) in Markets::<T>::iter() {
			for side in [Side::Bid, Side::Ask] {
				let prices = Prices::<T>::get(market_id, side);
				ensure!(prices.windows(2).all(|w| w[0] < w[1]), "price index not ascending");
				ensure!(
					market.best(side) == Self::best_of(side, &prices),
					"the market's best price is not its index's"
				);
				for price in prices.iter().copied() {
					let place = Place { market: market_id, side, price };
					let level = Levels::<T>::get((market_id, side, price))
						.ok_or("indexed price without a level")?;
					ensure!(!level.is_empty(), "an empty level is stored");
					levels += 1;
					for order in level.iter() {
						ensure!(
							!order.remaining.is_zero(),
							"an order with nothing remaining rests"
						);
						ensure!(
							OpenOrders::<T>::get(&order.owner, order.id) == Some(place),
							"owner does not list the order where it rests"
						);
						match side {
							Side::Bid => {
								let needed = bid_lock(price, order.remaining, market.maker_fee)
									.ok_or("a bid's lock overflows")?;
								ensure!(order.locked >= needed, "bid locks less than it may pay");
								lock(&order.owner, Asset::Native, order.locked);
							}
							Side::Ask => {
								ensure!(
									order.locked == order.remaining,
									"ask locks other than its remaining"
								);
								lock(&order.owner, Asset::Class(market.base), order.locked);
							}
						}
						lock(&order.owner, Asset::Native, T::OrderDeposit::get());
						if let Some(at) = order.expires_at {
							ensure!(
								ExpiryQueue::<T>::get(at)
									.iter()
									.any(|(id, who, p)| *id == order.id
										&& *who == order.owner && *p == place),
								"an expiring order is not queued"
							);
							let cursor = ExpiryCursor::<T>::get();
							ensure!(
								cursor.is_zero() || at >= cursor,
								"an expiring order is behind the sweep"
							);
						}
						for asset in [Asset::Native, Asset::Class(market.base)] {
							let count = counts.entry((order.owner.clone(), asset)).or_default();
							*count = count.saturating_add(1);
						}
					}
				}
			}
			if let (Some(bid), Some(ask)) =
				(Self::best_price(market_id, Side::Bid), Self::best_price(market_id, Side::Ask))
			{
				ensure!(bid < ask, "the book is crossed at rest");
			}
		}
		ensure!(levels == Levels::<T>::iter_keys().count(), "levels not in the price index");
		for (at, entries) in ExpiryQueue::<T>::iter() {
			ensure!(!entries.is_empty(), "an empty expiry queue is stored");
			for (id, who, place) in entries.iter() {
				let level = Levels::<T>::get((place.market, place.side, place.price))
					.ok_or("an expiry queue names an order of no level")?;
				ensure!(
					level
						.iter()
						.any(|o| o.id == *id && o.owner == *who && o.expires_at == Some(at)),
					"an expiry queue names an order that does not expire there"
				);
			}
		}
		let open: usize = OpenOrders::<T>::iter_keys().count();
		ensure!(
			open == counts
				.iter()
				.filter(|((_, asset), _)| *asset == Asset::Native)
				.map(|(_, c)| *c as usize)
				.sum::<usize>(),
			"open orders listed that do not rest"
		);

		let mut native: u128 = 0;
		let mut tokens: BTreeMap<ClassId, u128> = BTreeMap::new();
		for (who, holdings) in Ledger::<T>::iter() {
			ensure!(!holdings.is_empty(), "an empty trading account is stored");
			ensure!(
				holdings.classes.iter().all(|(_, funds)| !funds.is_empty()),
				"an empty class entry is stored"
			);
			let classes: Vec<ClassId> = holdings.classes.iter().map(|(c, _)| *c).collect();
			ensure!(
				classes.iter().enumerate().all(|(i, c)| !classes[..i].contains(c)),
				"a class has two entries"
			);
			for (asset, funds) in holdings.entries() {
				let key = (who.clone(), asset);
				ensure!(
					funds.locked == locks.remove(&key).unwrap_or_default(),
					"ledger locks differ from what resting orders lock"
				);
				ensure!(
					funds.orders == counts.remove(&key).unwrap_or_default(),
					"ledger order count differs from the resting orders"
				);
				match asset {
					Asset::Native => native = native.saturating_add(funds.total()),
					Asset::Class(class) => {
						let sum = tokens.entry(class).or_default();
						*sum = sum.saturating_add(funds.total());
					}
				}
			}
		}
		ensure!(locks.values().all(|l| l.is_zero()), "resting orders lock funds of no entry");
		ensure!(counts.is_empty(), "resting orders of an account with no entry");
		let fees = Fees::<T>::iter_values().fold(0u128, |sum, f| sum.saturating_add(f));
		let owed = native.saturating_add(fees).saturating_add(T::Currency::minimum_balance());
		ensure!(
			T::Currency::balance(&Self::custody_account()) >= owed,
			"native custody holds less than the ledger and the fees"
		);
		for (class, owed) in tokens {
			let held = <T::Assets as fungibles::Inspect<_>>::balance(
				T::AssetId::from(class),
				&Self::token_custody(class),
			);
			ensure!(held >= owed, "token custody holds less than the ledger");
		}
		Ok(())
	}
}
