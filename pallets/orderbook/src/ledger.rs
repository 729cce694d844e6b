//! The trading ledger: each trader's funds in the exchange's custody, all its assets in one entry.
//! Deposits and withdrawals are the only transfers through the token pallets;
//! orders lock from the ledger and fills move amounts between its entries.

use crate::{pallet::*, types::*, weights::WeightInfo};
use alloc::vec::Vec;
use frame_support::{
	defensive, ensure,
	pallet_prelude::*,
	traits::{
		fungible::{self, Balanced as _, Inspect as _, Mutate as _},
		fungibles::{self, Mutate as _},
		tokens::{Fortitude, Precision, Preservation},
		OnUnbalanced as _,
	},
};
use sp_runtime::traits::{BlakeTwo256, Hash as _, TrailingZeroInput, Zero};
use utc_primitives::{ClassId, Units};

impl<T: Config> Pallet<T> {
	/// An account of the exchange derived from a hash of the pallet's id and
	/// `what`, distinct whatever the account type's size.
	fn derived_account(what: impl Encode) -> T::AccountId {
		let seed = BlakeTwo256::hash_of(&(T::PalletId::get(), what));
		T::AccountId::decode(&mut TrailingZeroInput::new(seed.as_ref()))
			.expect("infinite input: decoding an account id cannot fail")
	}

	/// The custody account of traders' native funds and of the fees not yet paid.
	pub fn custody_account() -> T::AccountId {
		Self::derived_account(b"custody")
	}

	/// The custody account of traders' tokens of `class`: one a class, so that
	/// each holds a single asset and never runs out of consumer references.
	pub fn token_custody(class: ClassId) -> T::AccountId {
		Self::derived_account((b"escrow", class))
	}

	/// The custody account of `class`'s tokens, made to exist first: the tokens
	/// are not a sufficient asset, and the account is the pallet's own, so it
	/// lives without funds.
	pub(crate) fn open_token_custody(class: ClassId) -> T::AccountId {
		let custody = Self::token_custody(class);
		if !frame_system::Pallet::<T>::account_exists(&custody) {
			frame_system::Pallet::<T>::inc_providers(&custody);
		}
		custody
	}

	/// Gives the native custody account the existential deposit if it lacks it:
	/// it then exists whatever traders deposit and withdraw (genesis).
	pub(crate) fn endow_custody() {
		let custody = Self::custody_account();
		let (have, minimum) = (T::Currency::balance(&custody), T::Currency::minimum_balance());
		if have < minimum {
			if let Err(error) = T::Currency::mint_into(&custody, minimum - have) {
				defensive!(error, "the exchange's custody account cannot be endowed");
			}
		}
	}

	/// `who`'s trading account.
	pub fn holdings(who: &T::AccountId) -> HoldingsOf<T> {
		Ledger::<T>::get(who).unwrap_or_default()
	}

	/// Stores `who`'s trading account; an empty one is removed.
	pub(crate) fn put_holdings(who: &T::AccountId, holdings: &HoldingsOf<T>) {
		if holdings.is_empty() {
			Ledger::<T>::remove(who);
		} else {
			Ledger::<T>::insert(who, holdings);
		}
	}

	/// `who`'s funds of `asset` in its trading account.
	pub fn funds(who: &T::AccountId, asset: Asset) -> Funds {
		Self::holdings(who).get(asset)
	}

	/// Every asset in `who`'s trading account.
	pub fn trading_account(who: &T::AccountId) -> Vec<(Asset, Funds)> {
		Self::holdings(who).entries().collect()
	}

	fn ensure_asset(asset: Asset) -> DispatchResult {
		if let Asset::Class(class) = asset {
			ensure!(
				<T::Assets as fungibles::Inspect<_>>::asset_exists(T::AssetId::from(class)),
				Error::<T>::UnknownAsset
			);
		}
		Ok(())
	}

	/// Moves `amount` of `asset` from `who`'s wallet into custody; the caller
	/// credits the ledger. A native deposit keeps the wallet alive.
	fn pull(who: &T::AccountId, asset: Asset, amount: u128) -> DispatchResult {
		match asset {
			Asset::Native => <T::Currency as fungible::Mutate<_>>::transfer(
				who,
				&Self::custody_account(),
				amount,
				Preservation::Preserve,
			),
			Asset::Class(class) => T::Assets::transfer(
				T::AssetId::from(class),
				who,
				&Self::open_token_custody(class),
				amount,
				Preservation::Expendable,
			),
		}
		.map(|_| ())
		.map_err(|_| Error::<T>::InsufficientBalance.into())
	}

	/// Moves `amount` of `asset` from custody to `who`'s wallet; the caller
	/// debits the ledger. The native custody keeps its existential deposit.
	fn push(who: &T::AccountId, asset: Asset, amount: u128) -> DispatchResult {
		match asset {
			Asset::Native => <T::Currency as fungible::Mutate<_>>::transfer(
				&Self::custody_account(),
				who,
				amount,
				Preservation::Preserve,
			),
			Asset::Class(class) => T::Assets::transfer(
				T::AssetId::from(class),
				&Self::token_custody(class),
				who,
				amount,
				Preservation::Expendable,
			),
		}
		.map(|_| ())
		.map_err(|_| Error::<T>::CannotReceive.into())
	}

	pub(crate) fn do_deposit(who: &T::AccountId, asset: Asset, amount: u128) -> DispatchResult {
		Self::ensure_asset(asset)?;
		let mut holdings = Self::holdings(who);
		let mut funds = holdings.get(asset);
		funds.free = funds.free.checked_add(amount).ok_or(Error::<T>::Overflow)?;
		holdings.set(asset, funds).ok_or(Error::<T>::TooManyAssets)?;
		Self::pull(who, asset, amount)?;
		Self::put_holdings(who, &holdings);
		Self::deposit_event(Event::Deposited { who: who.clone(), asset, amount });
		Ok(())
	}

	pub(crate) fn do_withdraw(who: &T::AccountId, asset: Asset, amount: u128) -> DispatchResult {
		Self::ensure_asset(asset)?;
		let mut holdings = Self::holdings(who);
		let mut funds = holdings.get(asset);
		if funds.free < amount {
			let locked = funds.total() >= amount;
			return Err(
				if locked { Error::<T>::Locked } else { Error::<T>::InsufficientBalance }.into()
			);
		}
		funds.free -= amount;
		// Less of an asset it holds never needs a new entry.
		holdings.set(asset, funds).ok_or(Error::<T>::TooManyAssets)?;
		Self::push(who, asset, amount)?;
		Self::put_holdings(who, &holdings);
		Self::deposit_event(Event::Withdrawn { who: who.clone(), asset, amount });
		Ok(())
	}

	/// Makes `funds` (`who`'s of `asset`, in memory) hold at least `needed` free,
	/// drawing the shortfall from the wallet as a deposit: a casual trader places
	/// an order in one transaction, a funded one never touches its wallet.
	/// Returns whether it drew.
	pub(crate) fn top_up(
		who: &T::AccountId,
		asset: Asset,
		funds: &mut Funds,
		needed: u128,
	) -> Result<bool, DispatchError> {
		let Some(shortfall) = needed.checked_sub(funds.free).filter(|s| !s.is_zero()) else {
			return Ok(false);
		};
		Self::pull(who, asset, shortfall)?;
		funds.free = needed;
		Self::deposit_event(Event::Deposited { who: who.clone(), asset, amount: shortfall });
		Ok(true)
	}

	/// Pays the fees of up to `max` markets from custody to `OnFee`; returns how
	/// many markets it paid.
	pub(crate) fn pay_fees(max: u32) -> u32 {
		let due: Vec<(MarketId, u128)> = Fees::<T>::iter().take(max as usize).collect();
		let custody = Self::custody_account();
		for (market, amount) in due.iter().copied() {
			Fees::<T>::remove(market);
			match T::Currency::withdraw(
				&custody,
				amount,
				Precision::Exact,
				Preservation::Preserve,
				Fortitude::Polite,
			) {
				Ok(credit) => {
					T::OnFee::on_unbalanced(credit);
					Self::deposit_event(Event::FeesPaid { market, amount });
				}
				Err(error) => {
					// Custody holds every accrued fee (try_state): kept for later.
					defensive!(error, "accrued fees could not be paid from custody");
					Fees::<T>::insert(market, amount);
				}
			}
		}
		due.len() as u32
	}
}

impl<T: Config> utc_primitives::TradingAccount<T::AccountId> for Pallet<T> {
	fn fund_redemption(holder: &T::AccountId, class: ClassId, units: Units) -> DispatchResult {
		let in_wallet = <T::Assets as fungibles::Inspect<_>>::reducible_balance(
			T::AssetId::from(class),
			holder,
			Preservation::Expendable,
			Fortitude::Polite,
		);
		match units.checked_sub(in_wallet).filter(|s| !s.is_zero()) {
			Some(shortfall) => Self::do_withdraw(holder, Asset::Class(class), shortfall),
			None => Ok(()),
		}
	}

	fn fund_redemption_weight() -> Weight {
		T::WeightInfo::withdraw()
	}
}
