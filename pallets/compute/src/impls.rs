//! The rules behind pallet-compute's calls, its hooks and the traits it serves.

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	ensure,
	pallet_prelude::*,
	storage::with_storage_layer,
	traits::{
		fungible::MutateHold,
		fungibles::{self, Mutate as _},
		tokens::{Fortitude, Precision, Preservation},
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{AccountIdConversion, Saturating, Zero},
	MultiSignature,
};
use utc_primitives::{
	region_code, AttestationId, BackingCheck, ClassId, ClassTerms, ComputeCapacity, ComputeInspect,
	ComputeLedger, RegionCode, Units,
};

impl<T: Config> Pallet<T> {
	/// The account that owns every class asset.
	pub fn account_id() -> T::AccountId {
		T::PalletId::get().into_account_truncating()
	}

	/// The chain's genesis hash, which every attestation and revocation must name.
	pub fn genesis_hash() -> T::Hash {
		frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero())
	}

	fn now() -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number()
	}

	pub(crate) fn do_create_class(
		name: StringOf<T>,
		symbol: StringOf<T>,
		kind: ResourceKind,
		unit: ComputeUnit,
		floor: HardwareFloor<T::StringLimit>,
		decimals: u8,
	) -> Result<ClassId, DispatchError> {
		ensure!(
			!name.is_empty() && !symbol.is_empty() && !floor.model_family.is_empty(),
			Error::<T>::EmptyName
		);
		ensure!(decimals <= 18, Error::<T>::TooManyDecimals);
		let class = NextClassId::<T>::get();
		let next = class.checked_add(1).ok_or(Error::<T>::Overflow)?;
		let asset = T::AssetId::from(class);
		ensure!(
			!<T::Assets as fungibles::Inspect<_>>::asset_exists(asset),
			Error::<T>::AssetIdInUse
		);

		let owner = Self::account_id();
		<T::Assets as fungibles::Create<_>>::create(asset, owner.clone(), false, 1)?;
		<T::Assets as fungibles::metadata::Mutate<_>>::set(
			asset,
			&owner,
			name.to_vec(),
			symbol.to_vec(),
			decimals,
		)?;

		Classes::<T>::insert(
			class,
			ComputeClass {
				name: name.clone(),
				symbol: symbol.clone(),
				kind,
				unit,
				floor,
				decimals,
				status: ClassStatus::Active,
			},
		);
		NextClassId::<T>::put(next);
		Self::deposit_event(Event::ClassCreated { class, name, symbol, kind, unit, decimals });
		Ok(class)
	}

	pub(crate) fn do_set_class_status(class: ClassId, status: ClassStatus) -> DispatchResult {
		Classes::<T>::try_mutate(class, |maybe| {
			let info = maybe.as_mut().ok_or(Error::<T>::UnknownClass)?;
			ensure!(info.status != status, Error::<T>::StatusUnchanged);
			info.status = status;
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::ClassStatusChanged { class, status });
		Ok(())
	}

	pub(crate) fn do_add_attestor(
		attestor: AttestorKey,
		kind: AttestorKind,
		metadata: StringOf<T>,
	) -> DispatchResult {
		ensure!(!Attestors::<T>::contains_key(attestor), Error::<T>::AttestorExists);
		Attestors::<T>::insert(attestor, AttestorInfo { kind, metadata });
		Self::deposit_event(Event::AttestorAdded { attestor, kind });
		Ok(())
	}

	pub(crate) fn do_remove_attestor(attestor: AttestorKey) -> DispatchResult {
		// Its used nonces stay recorded, so re-adding the key replays nothing.
		Attestors::<T>::take(attestor).ok_or(Error::<T>::UnknownAttestor)?;
		Self::deposit_event(Event::AttestorRemoved { attestor });
		Ok(())
	}

	fn ensure_region(region: &StringOf<T>) -> DispatchResult {
		ensure!(
			!region.is_empty()
				&& region
					.iter()
					.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'-'),
			Error::<T>::InvalidRegion
		);
		Ok(())
	}

	pub(crate) fn do_register_provider(
		who: T::AccountId,
		name: StringOf<T>,
		region: StringOf<T>,
	) -> DispatchResult {
		ensure!(!Providers::<T>::contains_key(&who), Error::<T>::AlreadyProvider);
		ensure!(!name.is_empty(), Error::<T>::EmptyName);
		Self::ensure_region(&region)?;
		let deposit = T::ProviderDeposit::get();
		T::Currency::hold(&HoldReason::ProviderDeposit.into(), &who, deposit)?;
		Providers::<T>::insert(
			&who,
			ProviderInfo {
				name: name.clone(),
				region: region.clone(),
				deposit,
				attestations: Default::default(),
				total_obligation: 0,
			},
		);
		Self::deposit_event(Event::ProviderRegistered { provider: who, name, region, deposit });
		Ok(())
	}

	pub(crate) fn do_update_provider(
		who: T::AccountId,
		name: StringOf<T>,
		region: StringOf<T>,
	) -> DispatchResult {
		ensure!(!name.is_empty(), Error::<T>::EmptyName);
		Self::ensure_region(&region)?;
		Providers::<T>::try_mutate(&who, |maybe| {
			let info = maybe.as_mut().ok_or(Error::<T>::NotProvider)?;
			info.name = name.clone();
			info.region = region.clone();
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::ProviderUpdated { provider: who, name, region });
		Ok(())
	}

	pub(crate) fn do_deregister_provider(who: T::AccountId) -> DispatchResult {
		let info = Providers::<T>::get(&who).ok_or(Error::<T>::NotProvider)?;
		ensure!(info.total_obligation.is_zero(), Error::<T>::HasObligations);
		let now = Self::now();
		let attestations: Vec<_> = info
			.attestations
			.iter()
			.filter_map(|id| Attestations::<T>::get(id).map(|a| (*id, a)))
			.collect();
		ensure!(
			attestations.iter().all(|(_, a)| a.revoked || a.valid_until <= now),
			Error::<T>::HasLiveCapacity
		);
		// Only revoked or ended attestations remain: they leave with the provider.
		for (id, attestation) in attestations {
			Self::unqueue_expiry(attestation.valid_until, id);
			Attestations::<T>::remove(id);
		}
		T::Currency::release(
			&HoldReason::ProviderDeposit.into(),
			&who,
			info.deposit,
			Precision::BestEffort,
		)?;
		Providers::<T>::remove(&who);
		Self::deposit_event(Event::ProviderDeregistered { provider: who, deposit: info.deposit });
		Ok(())
	}

	pub(crate) fn do_submit_attestation(
		who: T::AccountId,
		attestor: AttestorKey,
		payload: AttestationPayloadOf<T>,
		signature: MultiSignature,
	) -> Result<AttestationId, DispatchError> {
		ensure!(payload.provider == who, Error::<T>::NotAttestationProvider);
		ensure!(payload.genesis_hash == Self::genesis_hash(), Error::<T>::WrongGenesisHash);
		ensure!(Attestors::<T>::contains_key(attestor), Error::<T>::UnknownAttestor);
		ensure!(attestor.verify(&payload.message(), &signature), Error::<T>::BadSignature);
		let mut nonces = AttestorNonces::<T>::get(attestor);
		nonces.check(payload.nonce).map_err(|refusal| match refusal {
			NonceRefusal::Reused => Error::<T>::NonceReused,
			NonceRefusal::TooOld => Error::<T>::NonceTooOld,
		})?;
		ensure!(!payload.units.is_zero(), Error::<T>::ZeroUnits);
		let class = Classes::<T>::get(payload.class).ok_or(Error::<T>::UnknownClass)?;
		ensure!(class.status == ClassStatus::Active, Error::<T>::ClassInactive);

		let now = Self::now();
		ensure!(payload.valid_until > now, Error::<T>::AttestationExpired);
		ensure!(payload.valid_until > payload.valid_from, Error::<T>::EmptyWindow);
		ensure!(
			payload.valid_until.saturating_sub(payload.valid_from)
				<= T::MaxAttestationWindow::get(),
			Error::<T>::WindowTooLong
		);
		ensure!(
			payload.valid_from <= now.saturating_add(T::MaxStartDelay::get()),
			Error::<T>::StartsTooLate
		);

		let mut provider = Providers::<T>::get(&who).ok_or(Error::<T>::NotProvider)?;
		let mut ledger = Ledgers::<T>::get(&who, payload.class);
		ledger.attested = ledger.attested.checked_add(payload.units).ok_or(Error::<T>::Overflow)?;
		let id = NextAttestationId::<T>::get();
		let next_id = id.checked_add(1).ok_or(Error::<T>::Overflow)?;
		provider.attestations.try_push(id).map_err(|_| Error::<T>::TooManyAttestations)?;
		ExpiryQueue::<T>::try_mutate(payload.valid_until, |queue| queue.try_push(id))
			.map_err(|_| Error::<T>::ExpiryQueueFull)?;

		nonces.record(payload.nonce);
		AttestorNonces::<T>::insert(attestor, nonces);
		NextAttestationId::<T>::put(next_id);
		Providers::<T>::insert(&who, provider);
		Ledgers::<T>::insert(&who, payload.class, ledger);
		Attestations::<T>::insert(
			id,
			Attestation {
				provider: who.clone(),
				class: payload.class,
				attestor,
				units: payload.units,
				minted: 0,
				valid_from: payload.valid_from,
				valid_until: payload.valid_until,
				evidence_hash: payload.evidence_hash,
				nonce: payload.nonce,
				revoked: false,
			},
		);
		Self::deposit_event(Event::AttestationAccepted {
			attestation: id,
			provider: who,
			class: payload.class,
			attestor,
			units: payload.units,
			valid_from: payload.valid_from,
			valid_until: payload.valid_until,
			evidence_hash: payload.evidence_hash,
			nonce: payload.nonce,
		});
		Ok(id)
	}

	pub(crate) fn do_revoke_attestation(id: AttestationId, by: Revoker) -> DispatchResult {
		let now = Self::now();
		let attestation = Attestations::<T>::try_mutate(id, |maybe| {
			let attestation = maybe.as_mut().ok_or(Error::<T>::UnknownAttestation)?;
			ensure!(!attestation.revoked, Error::<T>::AttestationRevoked);
			ensure!(attestation.valid_until > now, Error::<T>::AttestationExpired);
			attestation.revoked = true;
			Ok::<_, DispatchError>(attestation.clone())
		})?;
		let unminted = attestation.unminted();
		Self::deposit_event(Event::AttestationRevoked {
			attestation: id,
			provider: attestation.provider,
			class: attestation.class,
			unminted,
			by,
		});
		Ok(())
	}

	/// The bytes an attestor signs to revoke attestation `id`.
	pub fn revocation_message(id: AttestationId) -> Vec<u8> {
		RevocationPayload {
			tag: REVOCATION_TAG,
			genesis_hash: Self::genesis_hash(),
			attestation: id,
		}
		.encode()
	}

	pub(crate) fn do_revoke_attestation_signed(
		id: AttestationId,
		signature: MultiSignature,
	) -> DispatchResult {
		let attestation = Attestations::<T>::get(id).ok_or(Error::<T>::UnknownAttestation)?;
		ensure!(
			attestation.attestor.verify(&Self::revocation_message(id), &signature),
			Error::<T>::BadSignature
		);
		Self::do_revoke_attestation(id, Revoker::Attestor)
	}

	/// The provider's attestations in `class` that have not been swept, with their ids.
	fn attestations_in(
		info: &ProviderInfoOf<T>,
		class: ClassId,
	) -> Vec<(AttestationId, AttestationOf<T>)> {
		info.attestations
			.iter()
			.filter_map(|id| Attestations::<T>::get(id).map(|a| (*id, a)))
			.filter(|(_, a)| a.class == class)
			.collect()
	}

	pub(crate) fn do_mint(who: T::AccountId, class: ClassId, amount: Units) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroUnits);
		let info = Classes::<T>::get(class).ok_or(Error::<T>::UnknownClass)?;
		ensure!(info.status == ClassStatus::Active, Error::<T>::ClassInactive);
		let mut provider = Providers::<T>::get(&who).ok_or(Error::<T>::NotProvider)?;
		let now = Self::now();

		let (mut live, others): (Vec<_>, Vec<_>) =
			Self::attestations_in(&provider, class).into_iter().partition(|(_, a)| a.is_live(&now));
		let mintable = live.iter().fold(0u128, |sum, (_, a)| sum.saturating_add(a.unminted()));
		if mintable < amount {
			// Say why: capacity that starts later, or too little of it.
			let pending = others
				.iter()
				.filter(|(_, a)| a.is_pending(&now))
				.fold(0u128, |sum, (_, a)| sum.saturating_add(a.unminted()));
			ensure!(mintable.saturating_add(pending) < amount, Error::<T>::AttestationNotYetValid);
			return Err(Error::<T>::InsufficientAttestedCapacity.into());
		}

		let mut ledger = Ledgers::<T>::get(&who, class);
		let mut supply = Supply::<T>::get(class);
		ledger.obligation = ledger.obligation.checked_add(amount).ok_or(Error::<T>::Overflow)?;
		ledger.minted = ledger.minted.checked_add(amount).ok_or(Error::<T>::Overflow)?;
		provider.total_obligation =
			provider.total_obligation.checked_add(amount).ok_or(Error::<T>::Overflow)?;
		supply.obligations = supply.obligations.checked_add(amount).ok_or(Error::<T>::Overflow)?;
		let owed_before = ledger.obligation.saturating_sub(amount);
		ensure!(
			T::Backing::can_back(&who, class, &Self::owed_by(&who, class, owed_before), amount),
			Error::<T>::NotBacked
		);

		// Draw on the attestations that end first, so the least capacity is lost to expiry.
		live.sort_by_key(|(_, a)| a.valid_until);
		let mut left = amount;
		for (id, attestation) in live.iter_mut() {
			let take = attestation.unminted().min(left);
			if take.is_zero() {
				continue;
			}
			// Cannot overflow: `take` is at most `units - minted`.
			attestation.minted = attestation.minted.saturating_add(take);
			left = left.saturating_sub(take);
			Attestations::<T>::insert(*id, attestation.clone());
			if left.is_zero() {
				break;
			}
		}

		T::Assets::mint_into(T::AssetId::from(class), &who, amount)?;
		let obligation = ledger.obligation;
		Ledgers::<T>::insert(&who, class, ledger);
		Supply::<T>::insert(class, supply);
		Providers::<T>::insert(&who, provider);
		Self::deposit_event(Event::Minted { provider: who, class, amount, obligation });
		Ok(())
	}

	/// Burns exactly `amount` of `class` tokens from `who`, or fails with
	/// `InsufficientTokens` and burns nothing.
	fn burn_tokens(who: &T::AccountId, class: ClassId, amount: Units) -> DispatchResult {
		let asset = T::AssetId::from(class);
		let free = <T::Assets as fungibles::Inspect<_>>::reducible_balance(
			asset,
			who,
			Preservation::Expendable,
			Fortitude::Polite,
		);
		ensure!(free >= amount, Error::<T>::InsufficientTokens);
		T::Assets::burn_from(
			asset,
			who,
			amount,
			Preservation::Expendable,
			Precision::Exact,
			Fortitude::Polite,
		)?;
		Ok(())
	}

	/// What `who` owes in each class, for the backing check: `current` in `class`
	/// (the ledger being changed), its stored ledgers elsewhere.
	fn owed_by(
		who: &T::AccountId,
		class: ClassId,
		current: Units,
	) -> impl Fn(ClassId) -> Units + '_ {
		move |c| if c == class { current } else { Ledgers::<T>::get(who, c).obligation }
	}

	/// Lowers `who`'s obligation in `class` by `amount`, in its ledger, its provider
	/// record and the class's supply. Returns what it still owes there.
	fn reduce_obligation(
		who: &T::AccountId,
		class: ClassId,
		amount: Units,
	) -> Result<Units, DispatchError> {
		let mut ledger = Ledgers::<T>::get(who, class);
		ledger.obligation =
			ledger.obligation.checked_sub(amount).ok_or(Error::<T>::InsufficientObligation)?;
		let remaining = ledger.obligation;
		Providers::<T>::try_mutate(who, |maybe| {
			let provider = maybe.as_mut().ok_or(Error::<T>::NotProvider)?;
			provider.total_obligation = provider
				.total_obligation
				.checked_sub(amount)
				.ok_or(Error::<T>::InsufficientObligation)?;
			Ok::<_, DispatchError>(())
		})?;
		Supply::<T>::try_mutate(class, |supply| {
			supply.obligations =
				supply.obligations.checked_sub(amount).ok_or(Error::<T>::InsufficientObligation)?;
			Ok::<_, DispatchError>(())
		})?;
		Ledgers::<T>::insert(who, class, ledger);
		Ok(remaining)
	}

	pub(crate) fn do_retire(who: T::AccountId, class: ClassId, amount: Units) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroUnits);
		ensure!(Classes::<T>::contains_key(class), Error::<T>::UnknownClass);
		ensure!(Providers::<T>::contains_key(&who), Error::<T>::NotProvider);
		ensure!(
			Ledgers::<T>::get(&who, class).obligation >= amount,
			Error::<T>::InsufficientObligation
		);
		Self::burn_tokens(&who, class, amount)?;
		let obligation = Self::reduce_obligation(&who, class, amount)?;
		Self::deposit_event(Event::Retired { provider: who, class, amount, obligation });
		Ok(())
	}

	/// Takes `units` off the class's redeemed-but-unsettled count, when a
	/// redemption is refunded or settled.
	fn take_redeemed(class: ClassId, units: Units) -> DispatchResult {
		ensure!(!units.is_zero(), Error::<T>::ZeroUnits);
		Supply::<T>::try_mutate(class, |supply| {
			supply.redeemed =
				supply.redeemed.checked_sub(units).ok_or(Error::<T>::InsufficientRedeemed)?;
			Ok(())
		})
	}

	/// Removes `id` from the expiry queue of block `at`.
	fn unqueue_expiry(at: BlockNumberFor<T>, id: AttestationId) {
		ExpiryQueue::<T>::mutate_exists(at, |maybe| {
			if let Some(queue) = maybe {
				queue.retain(|queued| *queued != id);
				if queue.is_empty() {
					*maybe = None;
				}
			}
		});
	}

	/// Removes the attestations whose window ends at `now`; returns how many.
	pub(crate) fn sweep_expired(now: BlockNumberFor<T>) -> u32 {
		let queue = ExpiryQueue::<T>::take(now);
		for id in queue.iter() {
			let Some(attestation) = Attestations::<T>::take(id) else { continue };
			Providers::<T>::mutate(&attestation.provider, |maybe| {
				if let Some(provider) = maybe {
					provider.attestations.retain(|held| held != id);
				}
			});
			Self::deposit_event(Event::AttestationExpired {
				attestation: *id,
				provider: attestation.provider.clone(),
				class: attestation.class,
				unminted: if attestation.revoked { 0 } else { attestation.unminted() },
			});
		}
		queue.len() as u32
	}

	/// A provider's position in `class`: live and pending capacity, what it may
	/// still mint, and its ledger.
	pub fn provider_class_state(who: &T::AccountId, class: ClassId) -> ProviderClassState {
		let now = Self::now();
		let mut state =
			ProviderClassState { ledger: Ledgers::<T>::get(who, class), ..Default::default() };
		if let Some(provider) = Providers::<T>::get(who) {
			for (_, a) in Self::attestations_in(&provider, class) {
				if a.is_live(&now) {
					state.live_capacity = state.live_capacity.saturating_add(a.units);
					state.unminted_capacity = state.unminted_capacity.saturating_add(a.unminted());
				} else if a.is_pending(&now) {
					state.pending_capacity = state.pending_capacity.saturating_add(a.units);
				}
			}
		}
		let owed = Self::owed_by(who, class, state.ledger.obligation);
		state.backable = T::Backing::backable(who, class, &owed);
		state.mintable = state.unminted_capacity.min(state.backable);
		state
	}

	/// The invariants of pallet-compute:
	/// - for every class, token issuance = Σ obligations − redeemed units not yet
	///   settled, and its supply's obligations = Σ of the providers' ledgers;
	/// - no provider minted more than it was ever attested, nor owes more than it minted;
	/// - every attestation has minted at most its units, belongs to a registered
	///   provider who lists it, names an existing class, and waits in the expiry
	///   queue of its last block;
	/// - every provider's total obligation is the sum over its ledgers, and its
	///   deposit is held.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		use frame_support::traits::fungible::InspectHold;

		let mut obligations_by_class: BTreeMap<ClassId, Units> = BTreeMap::new();
		let mut obligations_by_provider: BTreeMap<T::AccountId, Units> = BTreeMap::new();
		for (who, class, ledger) in Ledgers::<T>::iter() {
			ensure!(Classes::<T>::contains_key(class), "ledger of an unknown class");
			ensure!(ledger.minted <= ledger.attested, "minted more than ever attested");
			ensure!(ledger.obligation <= ledger.minted, "owes more than it minted");
			let sum = obligations_by_class.entry(class).or_default();
			*sum = sum.saturating_add(ledger.obligation);
			let sum = obligations_by_provider.entry(who).or_default();
			*sum = sum.saturating_add(ledger.obligation);
		}

		for (class, _) in Classes::<T>::iter() {
			let supply = Supply::<T>::get(class);
			let owed = obligations_by_class.get(&class).copied().unwrap_or_default();
			ensure!(supply.obligations == owed, "class obligations differ from the ledgers");
			let issuance =
				<T::Assets as fungibles::Inspect<_>>::total_issuance(T::AssetId::from(class));
			ensure!(
				Some(issuance) == supply.obligations.checked_sub(supply.redeemed),
				"issuance differs from obligations less unsettled redemptions"
			);
		}
		ensure!(
			Supply::<T>::iter_keys().all(Classes::<T>::contains_key),
			"supply of an unknown class"
		);

		for (who, provider) in Providers::<T>::iter() {
			let owed = obligations_by_provider.get(&who).copied().unwrap_or_default();
			ensure!(provider.total_obligation == owed, "provider total differs from its ledgers");
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::ProviderDeposit.into(), &who)
					== provider.deposit,
				"provider deposit is not held"
			);
			for id in provider.attestations.iter() {
				ensure!(
					Attestations::<T>::contains_key(id),
					"provider lists a missing attestation"
				);
			}
		}
		ensure!(
			obligations_by_provider
				.iter()
				.all(|(who, owed)| owed.is_zero() || Providers::<T>::contains_key(who)),
			"obligation of an unregistered provider"
		);

		for (id, attestation) in Attestations::<T>::iter() {
			ensure!(attestation.minted <= attestation.units, "attestation minted beyond its units");
			ensure!(
				Classes::<T>::contains_key(attestation.class),
				"attestation of an unknown class"
			);
			let provider =
				Providers::<T>::get(&attestation.provider).ok_or("attestation of no provider")?;
			ensure!(provider.attestations.contains(&id), "provider does not list its attestation");
			ensure!(
				ExpiryQueue::<T>::get(attestation.valid_until).contains(&id),
				"attestation is not queued for expiry"
			);
			ensure!(
				AttestorNonces::<T>::get(attestation.attestor).is_used(attestation.nonce),
				"attestation nonce not recorded"
			);
		}
		Ok(())
	}
}

impl<T: Config> ComputeInspect<T::AccountId> for Pallet<T> {
	fn class_exists(class: ClassId) -> bool {
		Classes::<T>::contains_key(class)
	}

	fn is_provider(who: &T::AccountId) -> bool {
		Providers::<T>::contains_key(who)
	}

	fn obligation(provider: &T::AccountId, class: ClassId) -> Units {
		Ledgers::<T>::get(provider, class).obligation
	}
}

impl<T: Config> ComputeCapacity<T::AccountId> for Pallet<T> {
	fn class_terms(class: ClassId) -> Option<ClassTerms> {
		let class = Classes::<T>::get(class)?;
		let unit_ms = match class.unit {
			ComputeUnit::Hour => Some(3_600_000),
			ComputeUnit::Second => Some(1_000),
			ComputeUnit::TeraCycle | ComputeUnit::Shot => None,
		};
		Some(ClassTerms { unit_ms, decimals: class.decimals })
	}

	fn provider_region(who: &T::AccountId) -> Option<RegionCode> {
		region_code(&Providers::<T>::get(who)?.region)
	}

	fn live_capacity(provider: &T::AccountId, class: ClassId) -> Units {
		Self::provider_class_state(provider, class).live_capacity
	}
}

/// Each call is atomic: on error nothing it wrote stays.
impl<T: Config> ComputeLedger<T::AccountId> for Pallet<T> {
	fn redeem(holder: &T::AccountId, class: ClassId, units: Units) -> DispatchResult {
		with_storage_layer(|| {
			ensure!(!units.is_zero(), Error::<T>::ZeroUnits);
			ensure!(Classes::<T>::contains_key(class), Error::<T>::UnknownClass);
			Self::burn_tokens(holder, class, units)?;
			Supply::<T>::try_mutate(class, |supply| {
				supply.redeemed = supply.redeemed.checked_add(units).ok_or(Error::<T>::Overflow)?;
				Ok::<_, DispatchError>(())
			})?;
			Self::deposit_event(Event::Redeemed { holder: holder.clone(), class, units });
			Ok(())
		})
	}

	fn refund(holder: &T::AccountId, class: ClassId, units: Units) -> DispatchResult {
		with_storage_layer(|| {
			Self::take_redeemed(class, units)?;
			T::Assets::mint_into(T::AssetId::from(class), holder, units)?;
			Self::deposit_event(Event::Refunded { holder: holder.clone(), class, units });
			Ok(())
		})
	}

	fn settle(provider: &T::AccountId, class: ClassId, units: Units) -> DispatchResult {
		with_storage_layer(|| {
			Self::take_redeemed(class, units)?;
			let obligation = Self::reduce_obligation(provider, class, units)?;
			Self::deposit_event(Event::Settled {
				provider: provider.clone(),
				class,
				units,
				obligation,
			});
			Ok(())
		})
	}
}

/// What the runtime API reads.
impl<T: Config> Pallet<T> {
	/// Every class with its id.
	pub fn classes() -> Vec<(ClassId, ComputeClassOf<T>)> {
		Classes::<T>::iter().collect()
	}

	/// Every registered attestor.
	pub fn attestors() -> Vec<(AttestorKey, AttestorInfoOf<T>)> {
		Attestors::<T>::iter().collect()
	}

	/// A provider's attestations that have not been swept.
	pub fn provider_attestations(who: &T::AccountId) -> Vec<(AttestationId, AttestationOf<T>)> {
		Providers::<T>::get(who)
			.map(|info| {
				info.attestations
					.iter()
					.filter_map(|id| Attestations::<T>::get(id).map(|a| (*id, a)))
					.collect()
			})
			.unwrap_or_default()
	}
}
