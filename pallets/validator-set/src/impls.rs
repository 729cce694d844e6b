//! The validator set's rules: changes by governance, the offline rule at the end
//! of each session, offences, and what the session pallet asks of its manager.

use crate::{pallet::*, WeightInfo};
use alloc::vec::Vec;
use core::marker::PhantomData;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{FindAuthor, Get},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{traits::Convert, Perbill};
use sp_staking::{
	offence::{OffenceDetails, OnOffenceHandler},
	SessionIndex,
};

const LOG_TARGET: &str = "runtime::validator-set";

impl<T: Config> Pallet<T> {
	pub(crate) fn do_add_validator(who: T::AccountId) -> DispatchResult {
		ensure!(pallet_session::NextKeys::<T>::contains_key(&who), Error::<T>::NoSessionKeys);
		Validators::<T>::try_mutate(|set| {
			let at = set.binary_search(&who).err().ok_or(Error::<T>::AlreadyValidator)?;
			set.try_insert(at, who.clone()).map_err(|_| Error::<T>::TooManyValidators)
		})?;
		SetChanged::<T>::put(true);
		Self::deposit_event(Event::ValidatorAdded { who });
		Ok(())
	}

	/// Removes `who` from the set the next session is planned from; never below
	/// `MinValidators`.
	pub(crate) fn do_remove_validator(who: &T::AccountId, reason: RemovalReason) -> DispatchResult {
		Validators::<T>::try_mutate(|set| {
			let at = set.binary_search(who).map_err(|_| Error::<T>::NotValidator)?;
			ensure!(set.len() > T::MinValidators::get() as usize, Error::<T>::TooFewValidators);
			set.remove(at);
			Ok::<_, DispatchError>(())
		})?;
		SetChanged::<T>::put(true);
		Self::deposit_event(Event::ValidatorRemoved { who: who.clone(), reason });
		Ok(())
	}

	/// The offline and offence rules' removal: a validator already gone is left
	/// alone, one the minimum protects is kept, with an event saying so.
	fn remove_for(who: &T::AccountId, reason: RemovalReason) {
		match Self::do_remove_validator(who, reason) {
			Err(e) if e == Error::<T>::TooFewValidators.into() => {
				Self::deposit_event(Event::ValidatorKept { who: who.clone(), reason })
			}
			_ => {}
		}
	}

	/// Counts the block being built for its author (from the pre-runtime digests).
	pub(crate) fn note_author() {
		let digest = frame_system::Pallet::<T>::digest();
		let pre_runtime = digest.logs.iter().filter_map(|item| item.as_pre_runtime());
		if let Some(author) = T::FindAuthor::find_author(pre_runtime) {
			AuthoredBlocks::<T>::mutate(&author, |n| *n = n.saturating_add(1));
		}
	}

	/// The offline rule, at the end of `session`: a validator of the session that
	/// authored none of its blocks is removed. The session must have lasted at
	/// least two blocks per validator, so that with Aura's round-robin slots each
	/// had at least two turns; a shorter one (only right after genesis, or with
	/// more validators than a session has blocks) judges nobody.
	pub(crate) fn end_session(session: SessionIndex) {
		let active = pallet_session::Validators::<T>::get();
		let authored: Vec<u32> = active.iter().map(AuthoredBlocks::<T>::get).collect();
		let _ = AuthoredBlocks::<T>::clear(u32::MAX, None);
		let blocks = authored.iter().fold(0u32, |sum, n| sum.saturating_add(*n));
		if (blocks as usize) < active.len().saturating_mul(2) {
			log::debug!(
				target: LOG_TARGET,
				"session {session}: {blocks} blocks for {} validators, too few to judge",
				active.len(),
			);
			return;
		}
		for (who, _) in active.iter().zip(authored).filter(|(_, n)| *n == 0) {
			log::info!(target: LOG_TARGET, "session {session}: {who:?} authored no block");
			Self::remove_for(who, RemovalReason::Offline { session });
		}
	}

	/// The validators of the next planned session, if they changed.
	pub(crate) fn planned_validators() -> Option<Vec<T::AccountId>> {
		SetChanged::<T>::take().then(|| Validators::<T>::get().into_inner())
	}

	/// The invariants:
	/// - the set is sorted without duplicates and within `MaxValidators`;
	/// - sessions last at least `MinSessionLength` blocks;
	/// - only validators of the current session have authored blocks in it.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let set = Validators::<T>::get();
		ensure!(set.windows(2).all(|w| w[0] < w[1]), "validators not sorted or duplicated");
		ensure!(
			SessionLength::<T>::get() >= T::MinSessionLength::get(),
			"session length below the minimum"
		);
		let active = pallet_session::Validators::<T>::get();
		ensure!(
			AuthoredBlocks::<T>::iter_keys().all(|who| active.contains(&who)),
			"blocks counted for an account that is not a validator of this session"
		);
		Ok(())
	}
}

/// Blocks per session, as stored: the period of the session pallet's
/// `PeriodicSessions`.
pub struct SessionPeriod<T>(PhantomData<T>);

impl<T: Config> Get<BlockNumberFor<T>> for SessionPeriod<T> {
	fn get() -> BlockNumberFor<T> {
		SessionLength::<T>::get().max(T::MinSessionLength::get())
	}
}

/// A validator's full identification in historical sessions: the account alone
/// (validators hold no stake to expose).
pub struct FullIdentificationOf<T>(PhantomData<T>);

impl<T: Config> Convert<T::AccountId, Option<()>> for FullIdentificationOf<T> {
	fn convert(_: T::AccountId) -> Option<()> {
		Some(())
	}
}

impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
	fn new_session(_new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
		Self::planned_validators()
	}

	fn new_session_genesis(_new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
		Some(Validators::<T>::get().into_inner())
	}

	fn end_session(end_index: SessionIndex) {
		Self::end_session(end_index)
	}

	fn start_session(_start_index: SessionIndex) {}
}

impl<T: Config> pallet_session::historical::SessionManager<T::AccountId, ()> for Pallet<T> {
	fn new_session(new_index: SessionIndex) -> Option<Vec<(T::AccountId, ())>> {
		<Self as pallet_session::SessionManager<_>>::new_session(new_index)
			.map(|set| set.into_iter().map(|who| (who, ())).collect())
	}

	fn new_session_genesis(new_index: SessionIndex) -> Option<Vec<(T::AccountId, ())>> {
		<Self as pallet_session::SessionManager<_>>::new_session_genesis(new_index)
			.map(|set| set.into_iter().map(|who| (who, ())).collect())
	}

	fn start_session(start_index: SessionIndex) {
		<Self as pallet_session::SessionManager<_>>::start_session(start_index)
	}

	fn end_session(end_index: SessionIndex) {
		<Self as pallet_session::SessionManager<_>>::end_session(end_index)
	}
}

/// A reported offence (a GRANDPA equivocation) removes its offender at the next
/// planned session. Validators hold no stake, so nothing is slashed.
impl<T: Config> OnOffenceHandler<T::AccountId, (T::AccountId, ()), Weight> for Pallet<T> {
	fn on_offence(
		offenders: &[OffenceDetails<T::AccountId, (T::AccountId, ())>],
		_slash_fraction: &[Perbill],
		session: SessionIndex,
	) -> Weight {
		for details in offenders {
			Self::remove_for(&details.offender.0, RemovalReason::Offence { session });
		}
		<T as Config>::WeightInfo::remove_validator().saturating_mul(offenders.len() as u64)
	}
}
