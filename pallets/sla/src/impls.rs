//! The rules of pallet-sla: what each call checks and changes, the sweeps of
//! timed-out disputes and due slashes, and the traits the other pallets call.

use super::*;
use alloc::vec::Vec;
use frame_support::{
	defensive, ensure,
	pallet_prelude::*,
	storage::with_storage_layer,
	traits::{
		fungible::{BalancedHold, Inspect, MutateHold},
		tokens::{Fortitude, Precision, Preservation, Restriction},
		Imbalance, OnUnbalanced,
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_core::H256;
use sp_runtime::{
	traits::{Saturating, Zero},
	DispatchError, DispatchResult, Perbill,
};
use utc_primitives::{
	region_code, BackingCheck, ClassId, ComputeInspect, Evidence, JobId, JobInspect, ModuleId,
	SlaEnforcement, SlaTerm, Units,
};

impl<T: Config> Pallet<T> {
	fn now() -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number()
	}

	fn hold_reason() -> T::RuntimeHoldReason {
		HoldReason::Bond.into()
	}

	pub(crate) fn do_set_parameters(parameters: SlaParametersOf<T>) -> DispatchResult {
		ensure!(parameters.is_valid(), Error::<T>::InvalidParameters);
		Parameters::<T>::put(parameters);
		Self::deposit_event(Event::ParametersSet { parameters });
		Ok(())
	}

	pub(crate) fn do_define_module(
		kind: ModuleKind,
		bond_per_unit: BalanceOf<T>,
		penalty: PenaltySchedule<BalanceOf<T>>,
	) -> Result<ModuleId, DispatchError> {
		ensure!(kind.is_valid(), Error::<T>::InvalidModuleTerm);
		ensure!(!bond_per_unit.is_zero(), Error::<T>::ZeroBondPerUnit);
		ensure!(penalty.is_valid(), Error::<T>::InvalidPenaltySchedule);
		let module = NextModuleId::<T>::get();
		let next = module.checked_add(1).ok_or(Error::<T>::Overflow)?;
		NextModuleId::<T>::put(next);
		Modules::<T>::insert(
			module,
			SlaModule { kind: kind.clone(), bond_per_unit, penalty, status: ModuleStatus::Active },
		);
		Self::deposit_event(Event::ModuleDefined { module, kind, bond_per_unit, penalty });
		Ok(module)
	}

	pub(crate) fn do_retire_module(module: ModuleId) -> DispatchResult {
		Modules::<T>::try_mutate(module, |entry| {
			let info = entry.as_mut().ok_or(Error::<T>::UnknownModule)?;
			ensure!(info.status == ModuleStatus::Active, Error::<T>::ModuleRetired);
			info.status = ModuleStatus::Retired;
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::ModuleRetired { module });
		Ok(())
	}

	pub(crate) fn do_subscribe(
		who: T::AccountId,
		class: ClassId,
		module: ModuleId,
	) -> DispatchResult {
		ensure!(T::Compute::is_provider(&who), Error::<T>::NotProvider);
		ensure!(T::Compute::class_exists(class), Error::<T>::UnknownClass);
		let info = Modules::<T>::get(module).ok_or(Error::<T>::UnknownModule)?;
		ensure!(info.status == ModuleStatus::Active, Error::<T>::ModuleRetired);
		let mut subscriptions = Subscriptions::<T>::get(&who);
		let at = match subscriptions.binary_search(&(class, module)) {
			Ok(_) => return Err(Error::<T>::AlreadySubscribed.into()),
			Err(at) => at,
		};
		subscriptions
			.try_insert(at, (class, module))
			.map_err(|_| Error::<T>::TooManySubscriptions)?;
		let required = Self::required_bond(&who, &subscriptions);
		ensure!(Self::active_bond(&who) >= required, Error::<T>::InsufficientBond);
		Subscriptions::<T>::insert(&who, subscriptions);
		Self::deposit_event(Event::Subscribed { provider: who, class, module, required });
		Ok(())
	}

	pub(crate) fn do_unsubscribe(
		who: T::AccountId,
		class: ClassId,
		module: ModuleId,
	) -> DispatchResult {
		let mut subscriptions = Subscriptions::<T>::get(&who);
		let at =
			subscriptions.binary_search(&(class, module)).map_err(|_| Error::<T>::NotSubscribed)?;
		// A retired module too: what was minted under it stays backed at its rate
		// until it is delivered or retired.
		ensure!(T::Compute::obligation(&who, class).is_zero(), Error::<T>::ObligationsRelyOnModule);
		// Any open report, whatever its module: one read, whatever their number.
		ensure!(!Self::has_open_dispute(&who), Error::<T>::DisputeOpen);
		subscriptions.remove(at);
		let required = Self::required_bond(&who, &subscriptions);
		if subscriptions.is_empty() {
			Subscriptions::<T>::remove(&who);
		} else {
			Subscriptions::<T>::insert(&who, subscriptions);
		}
		Self::deposit_event(Event::Unsubscribed { provider: who, class, module, required });
		Ok(())
	}

	pub(crate) fn do_bond(who: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let free = T::Currency::reducible_balance(&who, Preservation::Preserve, Fortitude::Polite);
		ensure!(free >= amount, Error::<T>::InsufficientFreeBalance);
		let mut ledger = Bonds::<T>::get(&who).unwrap_or_default();
		ledger.active = ledger.active.checked_add(amount).ok_or(Error::<T>::Overflow)?;
		T::Currency::hold(&Self::hold_reason(), &who, amount)?;
		let active = ledger.active;
		Bonds::<T>::insert(&who, ledger);
		Self::deposit_event(Event::Bonded { provider: who, amount, active });
		Ok(())
	}

	pub(crate) fn do_unbond(who: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let mut ledger = Bonds::<T>::get(&who).ok_or(Error::<T>::NoBond)?;
		ensure!(amount <= ledger.active, Error::<T>::UnbondExceedsBond);
		let active = ledger.active.saturating_sub(amount);
		let required = Self::required_bond(&who, &Subscriptions::<T>::get(&who));
		// Pending penalties will be taken: what stays must cover the requirement without them.
		ensure!(
			active.saturating_sub(Self::pending_penalty(&who)) >= required,
			Error::<T>::BondRequired
		);
		let unlock_at = Self::now().saturating_add(Parameters::<T>::get().unbonding_delay);
		// Chunks stay sorted by unlock block (the delay may have changed), one a block.
		match ledger.unbonding.binary_search_by_key(&unlock_at, |c| c.unlock_at) {
			Ok(at) => {
				let chunk = &mut ledger.unbonding[at];
				chunk.amount = chunk.amount.checked_add(amount).ok_or(Error::<T>::Overflow)?;
			}
			Err(at) => ledger
				.unbonding
				.try_insert(at, UnbondChunk { amount, unlock_at })
				.map_err(|_| Error::<T>::TooManyUnbondingChunks)?,
		}
		ledger.active = active;
		Bonds::<T>::insert(&who, ledger);
		Self::deposit_event(Event::Unbonding { provider: who, amount, active, unlock_at });
		Ok(())
	}

	pub(crate) fn do_withdraw_unbonded(who: T::AccountId) -> DispatchResult {
		let mut ledger = Bonds::<T>::get(&who).ok_or(Error::<T>::NoBond)?;
		ensure!(!ProviderPendingSlashes::<T>::contains_key(&who), Error::<T>::SlashPending);
		ensure!(!Self::has_open_dispute(&who), Error::<T>::DisputeOpen);
		let now = Self::now();
		let mut amount: BalanceOf<T> = Zero::zero();
		ledger.unbonding.retain(|chunk| {
			let unlocked = chunk.unlock_at <= now;
			if unlocked {
				amount = amount.saturating_add(chunk.amount);
			}
			!unlocked
		});
		ensure!(!amount.is_zero(), Error::<T>::NothingToWithdraw);
		// A bond short of its backing keeps even its unlocked chunks until it is made whole.
		let required = Self::required_bond(&who, &Subscriptions::<T>::get(&who));
		ensure!(ledger.active >= required, Error::<T>::UnderCollateralized);
		T::Currency::release(&Self::hold_reason(), &who, amount, Precision::Exact)?;
		Self::store_ledger(&who, ledger);
		Self::deposit_event(Event::Withdrawn { provider: who, amount });
		Ok(())
	}

	pub(crate) fn do_report_violation(
		reporter: T::AccountId,
		provider: T::AccountId,
		module: ModuleId,
		job: JobId,
		evidence_hash: H256,
	) -> Result<DisputeId, DispatchError> {
		let record = T::Jobs::job(job).ok_or(Error::<T>::UnknownJob)?;
		ensure!(record.owner == reporter, Error::<T>::NotJobOwner);
		ensure!(record.provider.as_ref() == Some(&provider), Error::<T>::NotJobProvider);
		ensure!(Modules::<T>::contains_key(module), Error::<T>::UnknownModule);
		// Judged against what the job was assigned under, not what the provider
		// subscribes to now: leaving a module does not escape a job served under it.
		ensure!(record.modules.contains(&module), Error::<T>::ModuleNotOnJob);
		ensure!(!JobViolations::<T>::contains_key(job, module), Error::<T>::DuplicateReport);

		let deadline = Self::now().saturating_add(Parameters::<T>::get().dispute_window);
		let dispute = NextDisputeId::<T>::get();
		let next = dispute.checked_add(1).ok_or(Error::<T>::Overflow)?;
		DisputeDeadlines::<T>::try_mutate(deadline, |due| due.try_push(dispute))
			.map_err(|_| Error::<T>::DisputeQueueFull)?;
		NextDisputeId::<T>::put(next);
		JobViolations::<T>::insert(job, module, ());
		ProviderDisputes::<T>::insert(&provider, dispute, ());
		Disputes::<T>::insert(
			dispute,
			Dispute {
				provider: provider.clone(),
				reporter: reporter.clone(),
				module,
				job,
				class: record.class,
				units: record.units,
				evidence_hash,
				response_hash: None,
				deadline,
			},
		);
		Self::deposit_event(Event::ViolationReported {
			dispute,
			provider,
			reporter,
			module,
			job,
			evidence_hash,
			deadline,
		});
		Ok(dispute)
	}

	/// An open dispute, or why there is none.
	fn open_dispute(dispute: DisputeId) -> Result<DisputeOf<T>, DispatchError> {
		Disputes::<T>::get(dispute).ok_or_else(|| {
			if dispute < NextDisputeId::<T>::get() {
				Error::<T>::DisputeClosed.into()
			} else {
				Error::<T>::UnknownDispute.into()
			}
		})
	}

	pub(crate) fn do_respond(
		who: T::AccountId,
		dispute: DisputeId,
		response_hash: H256,
	) -> DispatchResult {
		let mut info = Self::open_dispute(dispute)?;
		ensure!(info.provider == who, Error::<T>::NotDisputeProvider);
		ensure!(info.response_hash.is_none(), Error::<T>::AlreadyResponded);
		info.response_hash = Some(response_hash);
		Disputes::<T>::insert(dispute, info);
		Self::deposit_event(Event::DisputeResponded { dispute, provider: who, response_hash });
		Ok(())
	}

	pub(crate) fn do_resolve(dispute: DisputeId, verdict: Verdict) -> DispatchResult {
		let info = Self::open_dispute(dispute)?;
		match verdict {
			Verdict::Upheld(evidence) => {
				let module = Modules::<T>::get(info.module).ok_or(Error::<T>::UnknownModule)?;
				let shortfall = module.kind.shortfall(evidence).ok_or(Error::<T>::NoShortfall)?;
				Self::close_dispute(dispute, &info);
				Self::deposit_event(Event::DisputeUpheld {
					dispute,
					by: Resolution::Admin,
					evidence,
				});
				Self::schedule_upheld(info, &module, shortfall)?;
			}
			Verdict::Dismissed => {
				Self::close_dispute(dispute, &info);
				Self::deposit_event(Event::DisputeDismissed { dispute });
			}
		}
		Ok(())
	}

	/// Removes an open dispute from every index.
	fn close_dispute(dispute: DisputeId, info: &DisputeOf<T>) {
		Disputes::<T>::remove(dispute);
		ProviderDisputes::<T>::remove(&info.provider, dispute);
		DisputeDeadlines::<T>::mutate_exists(info.deadline, |due| {
			if let Some(ids) = due {
				ids.retain(|id| *id != dispute);
				if ids.is_empty() {
					*due = None;
				}
			}
		});
	}

	fn schedule_upheld(
		info: DisputeOf<T>,
		module: &SlaModuleOf<T>,
		shortfall: Perbill,
	) -> Result<SlashId, DispatchError> {
		Self::schedule_slash(
			info.provider,
			info.module,
			module,
			info.class,
			info.units,
			shortfall,
			Some(info.reporter.clone()),
			Some(info.reporter),
			Some(info.job),
		)
	}

	/// Lets every report whose deadline is `now` stand as a whole breach; returns
	/// how many it closed.
	pub(crate) fn close_timed_out(now: BlockNumberFor<T>) -> u32 {
		let due = DisputeDeadlines::<T>::take(now);
		let mut closed = 0u32;
		for dispute in due {
			let Some(info) = Disputes::<T>::take(dispute) else { continue };
			ProviderDisputes::<T>::remove(&info.provider, dispute);
			closed.saturating_inc();
			Self::deposit_event(Event::DisputeUpheld {
				dispute,
				by: Resolution::Timeout,
				evidence: Evidence::Failed,
			});
			// The module is never removed, so this only fails on id overflow; then
			// the dispute is closed without a slash, and said so.
			let scheduled = Modules::<T>::get(info.module)
				.ok_or(Error::<T>::UnknownModule.into())
				.and_then(|module| {
					with_storage_layer(|| Self::schedule_upheld(info, &module, Perbill::one()))
				});
			if let Err(error) = scheduled {
				defensive!("a timed-out dispute's slash was not scheduled", error);
			}
		}
		closed
	}

	/// A breach of `module` by `provider` over `units` of `class`, established by
	/// the chain or the admin origin (no reporter): checked, its slash scheduled,
	/// and marked as judged for `job`.
	pub(crate) fn do_record_violation(
		provider: T::AccountId,
		module_id: ModuleId,
		class: ClassId,
		units: Units,
		evidence: Evidence,
		job: Option<JobId>,
	) -> Result<SlashId, DispatchError> {
		ensure!(!units.is_zero(), Error::<T>::ZeroUnits);
		let module = Modules::<T>::get(module_id).ok_or(Error::<T>::UnknownModule)?;
		let beneficiary = match job {
			// A job's breach is judged against the modules it was assigned under.
			Some(job) => {
				ensure!(
					!JobViolations::<T>::contains_key(job, module_id),
					Error::<T>::DuplicateReport
				);
				let record = T::Jobs::job(job).ok_or(Error::<T>::UnknownJob)?;
				ensure!(record.provider.as_ref() == Some(&provider), Error::<T>::NotJobProvider);
				ensure!(record.modules.contains(&module_id), Error::<T>::ModuleNotOnJob);
				Some(record.owner)
			}
			// Any other breach, against what the provider subscribes to now.
			None => {
				ensure!(Self::subscribes(&provider, class, module_id), Error::<T>::NotSubscribed);
				None
			}
		};
		let shortfall = module.kind.shortfall(evidence).ok_or(Error::<T>::NoShortfall)?;
		let slash = Self::schedule_slash(
			provider,
			module_id,
			&module,
			class,
			units,
			shortfall,
			beneficiary,
			None,
			job,
		)?;
		// Marked last: this also runs outside a transaction, called by other pallets.
		if let Some(job) = job {
			JobViolations::<T>::insert(job, module_id, ());
		}
		Ok(slash)
	}

	#[allow(clippy::too_many_arguments)]
	fn schedule_slash(
		provider: T::AccountId,
		module_id: ModuleId,
		module: &SlaModuleOf<T>,
		class: ClassId,
		units: Units,
		shortfall: Perbill,
		beneficiary: Option<T::AccountId>,
		reporter: Option<T::AccountId>,
		job: Option<JobId>,
	) -> Result<SlashId, DispatchError> {
		// Saturating: a stake beyond u128 is more than any bond could pay anyway.
		let stake = units.saturating_mul(module.bond_per_unit);
		let penalty = module.penalty.penalty(shortfall, stake);
		let compensation = if beneficiary.is_some() {
			units.saturating_mul(module.penalty.compensation_per_unit)
		} else {
			Zero::zero()
		};
		let due = Self::now().saturating_add(Parameters::<T>::get().slash_defer);
		let slash = NextSlashId::<T>::get();
		NextSlashId::<T>::put(slash.checked_add(1).ok_or(Error::<T>::Overflow)?);
		ProviderPendingSlashes::<T>::mutate(&provider, |pending| {
			let pending = pending.get_or_insert_with(Default::default);
			pending.slashes = pending.slashes.saturating_add(1);
			pending.penalty = pending.penalty.saturating_add(penalty);
		});
		PendingSlashes::<T>::insert(
			slash,
			PendingSlash {
				provider: provider.clone(),
				module: module_id,
				class,
				units,
				shortfall,
				penalty,
				compensation,
				beneficiary,
				reporter,
				job,
				due,
			},
		);
		Self::deposit_event(Event::ViolationRecorded {
			provider: provider.clone(),
			module: module_id,
			class,
			units,
			job,
			shortfall,
			slash,
		});
		Self::deposit_event(Event::SlashScheduled { slash, provider, penalty, due });
		Ok(slash)
	}

	pub(crate) fn do_cancel_slash(slash: SlashId) -> DispatchResult {
		let pending = PendingSlashes::<T>::take(slash).ok_or(Error::<T>::UnknownSlash)?;
		Self::forget_pending_slash(&pending.provider, pending.penalty);
		Self::deposit_event(Event::SlashCancelled { slash });
		Ok(())
	}

	/// Applies due slashes in id order, at most `SlashPageSize` ids a block
	/// (cancelled ids count, as the sweep reads them); returns the ids it passed.
	pub(crate) fn apply_due_slashes(now: BlockNumberFor<T>) -> u32 {
		let end = NextSlashId::<T>::get();
		let mut cursor = SlashCursor::<T>::get();
		let mut passed = 0u32;
		while cursor < end && passed < T::SlashPageSize::get() {
			if let Some(slash) = PendingSlashes::<T>::get(cursor) {
				if slash.due > now {
					break;
				}
				PendingSlashes::<T>::remove(cursor);
				Self::apply_slash(cursor, slash, now);
			}
			cursor.saturating_inc();
			passed.saturating_inc();
		}
		SlashCursor::<T>::put(cursor);
		passed
	}

	/// Pays a slash out of the provider's bond: the job owner's compensation first,
	/// the reporter's bounty next, the treasury (`OnSlash`, as a credit) the rest,
	/// and takes what it paid from the chunks that unlock last first and from the
	/// active bond last. A payee that cannot receive (an amount below the
	/// existential deposit to an empty account) is skipped for the treasury.
	fn apply_slash(id: SlashId, slash: PendingSlashOf<T>, now: BlockNumberFor<T>) {
		let provider = slash.provider;
		let mut ledger = Bonds::<T>::get(&provider).unwrap_or_default();
		let available = slash.penalty.min(ledger.total());
		// A provider is never paid from its own slash.
		let payee = |who: &Option<T::AccountId>| who.clone().filter(|w| *w != provider);

		let mut left = available;
		let mut to_owner = Zero::zero();
		if let Some(owner) = payee(&slash.beneficiary) {
			to_owner = Self::pay_from_bond(&provider, &owner, slash.compensation.min(left));
			left = left.saturating_sub(to_owner);
		}
		let mut to_reporter = Zero::zero();
		if let Some(reporter) = payee(&slash.reporter) {
			let bounty = T::ReporterBounty::get() * available;
			to_reporter = Self::pay_from_bond(&provider, &reporter, bounty.min(left));
			left = left.saturating_sub(to_reporter);
		}
		let to_treasury = if left.is_zero() {
			left
		} else {
			let (credit, _) = T::Currency::slash(&Self::hold_reason(), &provider, left);
			let taken = credit.peek();
			T::OnSlash::on_unbalanced(credit);
			taken
		};
		// What nobody could receive stays where it was, active or unbonding.
		let taken = ledger.take(to_owner.saturating_add(to_reporter).saturating_add(to_treasury));
		Self::forget_pending_slash(&provider, slash.penalty);

		let active = ledger.active;
		Self::store_ledger(&provider, ledger);
		let record = SlashRecord {
			slash: id,
			module: slash.module,
			job: slash.job,
			penalty: slash.penalty,
			taken,
			to_owner,
			to_reporter,
			to_treasury,
			at: now,
		};
		SlashHistory::<T>::mutate(&provider, |history| {
			if history.is_full() {
				history.remove(0);
			}
			// Cannot fail: a slot was freed above.
			let _ = history.try_push(record);
		});
		Self::deposit_event(Event::Slashed {
			slash: id,
			provider: provider.clone(),
			taken,
			to_owner,
			to_reporter,
			to_treasury,
		});
		let required = Self::required_bond(&provider, &Subscriptions::<T>::get(&provider));
		if active < required {
			Self::deposit_event(Event::UnderCollateralized { provider, active, required });
		}
	}

	/// Moves `amount` of `provider`'s bond to `to`, free; returns what moved.
	fn pay_from_bond(
		provider: &T::AccountId,
		to: &T::AccountId,
		amount: BalanceOf<T>,
	) -> BalanceOf<T> {
		if amount.is_zero() {
			return amount;
		}
		T::Currency::transfer_on_hold(
			&Self::hold_reason(),
			provider,
			to,
			amount,
			Precision::Exact,
			Restriction::Free,
			Fortitude::Force,
		)
		.unwrap_or_default()
	}

	/// One fewer slash, of `penalty`, pending against `who`.
	fn forget_pending_slash(who: &T::AccountId, penalty: BalanceOf<T>) {
		ProviderPendingSlashes::<T>::mutate_exists(who, |pending| {
			*pending = pending
				.and_then(|p| {
					Some(PendingPenalties {
						slashes: p.slashes.checked_sub(1)?,
						penalty: p.penalty.saturating_sub(penalty),
					})
				})
				.filter(|p| p.slashes > 0);
		});
	}

	/// What the slashes pending against `who` may take.
	pub fn pending_penalty(who: &T::AccountId) -> BalanceOf<T> {
		ProviderPendingSlashes::<T>::get(who).map(|p| p.penalty).unwrap_or_default()
	}

	fn store_ledger(who: &T::AccountId, ledger: BondLedgerOf<T>) {
		if ledger.is_empty() {
			Bonds::<T>::remove(who);
		} else {
			Bonds::<T>::insert(who, ledger);
		}
	}

	fn subscribes(who: &T::AccountId, class: ClassId, module: ModuleId) -> bool {
		Subscriptions::<T>::get(who).binary_search(&(class, module)).is_ok()
	}

	/// The bond backing obligations now (unbonding chunks do not).
	pub fn active_bond(who: &T::AccountId) -> BalanceOf<T> {
		Bonds::<T>::get(who).map(|l| l.active).unwrap_or_default()
	}

	/// The bond per unit of obligation in `class`: the sum over the modules
	/// `subscriptions` holds there.
	fn class_rate(subscriptions: &SubscriptionsOf<T>, class: ClassId) -> BalanceOf<T> {
		subscriptions
			.iter()
			.filter(|(c, _)| *c == class)
			.filter_map(|(_, m)| Modules::<T>::get(m))
			.fold(Zero::zero(), |sum: BalanceOf<T>, m| sum.saturating_add(m.bond_per_unit))
	}

	/// What `who`'s obligations require under `subscriptions`: Σ over classes of
	/// the obligation there × the class's bond per unit. Saturating: a requirement
	/// beyond u128 cannot be met either way.
	pub fn required_bond(who: &T::AccountId, subscriptions: &SubscriptionsOf<T>) -> BalanceOf<T> {
		Self::required_for(subscriptions, |class| T::Compute::obligation(who, class))
	}

	/// What obligations of `obligation(class)` in each class require under
	/// `subscriptions`.
	fn required_for(
		subscriptions: &SubscriptionsOf<T>,
		obligation: impl Fn(ClassId) -> Units,
	) -> BalanceOf<T> {
		let mut required: BalanceOf<T> = Zero::zero();
		let mut previous = None;
		// Sorted by class: each class once.
		for (class, _) in subscriptions.iter() {
			if previous == Some(*class) {
				continue;
			}
			previous = Some(*class);
			let obligation = obligation(*class);
			if !obligation.is_zero() {
				let rate = Self::class_rate(subscriptions, *class);
				required = required.saturating_add(obligation.saturating_mul(rate));
			}
		}
		required
	}

	/// A provider's bond as clients read it.
	pub fn bond_view(who: &T::AccountId) -> BondViewOf<T> {
		let ledger = Bonds::<T>::get(who).unwrap_or_default();
		let required = Self::required_bond(who, &Subscriptions::<T>::get(who));
		BondView {
			active: ledger.active,
			required,
			unbonding: ledger.unbonding.iter().map(|c| (c.amount, c.unlock_at)).collect(),
			under_collateralized: ledger.active < required,
		}
	}

	/// Whether a report against `who` is open.
	fn has_open_dispute(who: &T::AccountId) -> bool {
		ProviderDisputes::<T>::iter_key_prefix(who).next().is_some()
	}

	/// A provider's open disputes.
	pub fn open_disputes(who: &T::AccountId) -> Vec<(DisputeId, DisputeOf<T>)> {
		ProviderDisputes::<T>::iter_key_prefix(who)
			.filter_map(|id| Disputes::<T>::get(id).map(|d| (id, d)))
			.collect()
	}

	/// A provider's slashes not yet applied.
	pub fn pending_slashes(who: &T::AccountId) -> Vec<(SlashId, PendingSlashOf<T>)> {
		PendingSlashes::<T>::iter().filter(|(_, s)| s.provider == *who).collect()
	}

	/// The pallet's invariants:
	/// - every bond ledger is non-empty and the funds held from its provider under
	///   `HoldReason::Bond` equal its active bond plus its unbonding chunks;
	/// - subscriptions are sorted, unique and name modules that exist;
	/// - every open dispute is indexed under its provider and its deadline, its
	///   (job, module) is marked judged, and no index names a closed dispute;
	/// - pending slashes lie between the sweep's cursor and the next id, and each
	///   provider's count and sum of their penalties are right;
	/// - unbonding chunks are sorted by unlock block, one a block;
	/// - every applied slash paid out exactly what it took, and took no more than
	///   its penalty;
	/// - modules are valid and their ids below the next id; the delays are valid.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::traits::fungible::InspectHold;
		for (who, ledger) in Bonds::<T>::iter() {
			ensure!(!ledger.is_empty(), "an empty bond ledger is stored");
			ensure!(
				ledger.unbonding.windows(2).all(|w| w[0].unlock_at < w[1].unlock_at),
				"unbonding chunks are not sorted by unlock block"
			);
			ensure!(
				T::Currency::balance_on_hold(&Self::hold_reason(), &who) == ledger.total(),
				"held bond differs from active plus unbonding"
			);
		}
		for (_, subscriptions) in Subscriptions::<T>::iter() {
			ensure!(!subscriptions.is_empty(), "an empty subscription list is stored");
			ensure!(
				subscriptions.windows(2).all(|w| w[0] < w[1]),
				"subscriptions are not sorted and unique"
			);
			ensure!(
				subscriptions.iter().all(|(_, m)| Modules::<T>::contains_key(m)),
				"a subscription names no module"
			);
		}
		let next_dispute = NextDisputeId::<T>::get();
		for (id, dispute) in Disputes::<T>::iter() {
			ensure!(id < next_dispute, "a dispute id is not yet issued");
			ensure!(
				ProviderDisputes::<T>::contains_key(&dispute.provider, id),
				"a dispute is missing from its provider's index"
			);
			ensure!(
				DisputeDeadlines::<T>::get(dispute.deadline).contains(&id),
				"a dispute is missing from its deadline"
			);
			// A pruned job can no longer be reported, so its marks go with it.
			ensure!(
				JobViolations::<T>::contains_key(dispute.job, dispute.module)
					|| T::Jobs::job(dispute.job).is_none(),
				"a dispute's breach is not marked judged"
			);
		}
		for (job, _) in JobViolations::<T>::iter_keys() {
			ensure!(T::Jobs::job(job).is_some(), "a judged breach names a pruned job");
		}
		for (_, id) in ProviderDisputes::<T>::iter_keys() {
			ensure!(Disputes::<T>::contains_key(id), "a provider's index names a closed dispute");
		}
		for (_, ids) in DisputeDeadlines::<T>::iter() {
			ensure!(!ids.is_empty(), "an empty deadline is stored");
			ensure!(
				ids.iter().all(Disputes::<T>::contains_key),
				"a deadline names a closed dispute"
			);
		}
		let (cursor, next_slash) = (SlashCursor::<T>::get(), NextSlashId::<T>::get());
		ensure!(cursor <= next_slash, "the slash cursor is past the next id");
		for (id, _) in PendingSlashes::<T>::iter() {
			ensure!(cursor <= id && id < next_slash, "a pending slash is outside the sweep");
		}
		let mut pending_by_provider =
			alloc::collections::BTreeMap::<T::AccountId, PendingPenalties<BalanceOf<T>>>::new();
		for (_, slash) in PendingSlashes::<T>::iter() {
			let pending = pending_by_provider.entry(slash.provider).or_default();
			pending.slashes += 1;
			pending.penalty = pending.penalty.saturating_add(slash.penalty);
		}
		ensure!(
			ProviderPendingSlashes::<T>::iter().collect::<alloc::collections::BTreeMap<_, _>>()
				== pending_by_provider,
			"a provider's count or sum of pending slashes is wrong"
		);
		for (_, history) in SlashHistory::<T>::iter() {
			ensure!(history.iter().all(|r| r.balances()), "a slash paid out other than it took");
		}
		let next_module = NextModuleId::<T>::get();
		for (id, module) in Modules::<T>::iter() {
			ensure!(id < next_module, "a module id is not yet issued");
			ensure!(
				module.kind.is_valid() && module.penalty.is_valid(),
				"a module's term or penalty is invalid"
			);
		}
		ensure!(Parameters::<T>::get().is_valid(), "the delays are invalid");
		Ok(())
	}
}

impl<T: Config> BackingCheck<T::AccountId> for Pallet<T> {
	/// Nothing without at least one active module in `class`; otherwise what
	/// the active bond, less the penalties pending against it, covers beyond the
	/// requirement with `owed(c)` units owed in each class `c`, at the class's
	/// rate (retired modules it still subscribes to count in the requirement and
	/// the rate). The obligations come from the asker: nothing is read back from
	/// pallet-compute.
	fn backable(provider: &T::AccountId, class: ClassId, owed: &dyn Fn(ClassId) -> Units) -> Units {
		let subscriptions = Subscriptions::<T>::get(provider);
		// One pass over the class's modules: their rate, and whether one is active.
		let (rate, active_module) = subscriptions
			.iter()
			.filter(|(c, _)| *c == class)
			.filter_map(|(_, m)| Modules::<T>::get(m))
			.fold((Zero::zero(), false), |(rate, active): (BalanceOf<T>, bool), m| {
				(rate.saturating_add(m.bond_per_unit), active || m.status == ModuleStatus::Active)
			});
		if !active_module || rate.is_zero() {
			return 0;
		}
		let required = Self::required_for(&subscriptions, owed);
		let backing = Self::active_bond(provider).saturating_sub(Self::pending_penalty(provider));
		backing.saturating_sub(required) / rate
	}

	fn can_back_weight() -> Weight {
		T::WeightInfo::can_back()
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn prepare_backing(provider: &T::AccountId, class: ClassId, units: Units) {
		if Self::class_rate(&Subscriptions::<T>::get(provider), class).is_zero() {
			let module = Self::do_define_module(
				ModuleKind::Uptime { min_per_mille: 990, window: 600 },
				1,
				PenaltySchedule {
					min_rate: Perbill::from_percent(10),
					max_rate: Perbill::one(),
					compensation_per_unit: 1,
				},
			)
			.expect("a valid module");
			Self::subscribe_for_benchmarks(provider, class, module);
		}
		Self::bond_for_benchmarks(provider, class, units);
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl<T: Config> Pallet<T> {
	/// Subscribes `provider` to `module` in `class` without the bond check.
	fn subscribe_for_benchmarks(provider: &T::AccountId, class: ClassId, module: ModuleId) {
		let mut subscriptions = Subscriptions::<T>::get(provider);
		let at = subscriptions.binary_search(&(class, module)).unwrap_or_else(|at| at);
		subscriptions.try_insert(at, (class, module)).expect("room for a subscription");
		Subscriptions::<T>::insert(provider, &subscriptions);
	}

	/// Funds and bonds what `provider` needs to owe `units` more in `class`.
	fn bond_for_benchmarks(provider: &T::AccountId, class: ClassId, units: Units) {
		use frame_support::traits::fungible::Mutate;
		let subscriptions = Subscriptions::<T>::get(provider);
		let required = Self::required_bond(provider, &subscriptions)
			.saturating_add(units.saturating_mul(Self::class_rate(&subscriptions, class)));
		let missing = required.saturating_sub(Self::active_bond(provider));
		if !missing.is_zero() {
			let free = T::Currency::balance(provider);
			T::Currency::set_balance(
				provider,
				free.saturating_add(missing).saturating_add(T::Currency::minimum_balance()),
			);
			Self::do_bond(provider.clone(), missing).expect("funded above");
		}
	}
}

impl<T: Config> SlaEnforcement<T::AccountId> for Pallet<T> {
	fn can_serve(provider: &T::AccountId, class: ClassId, modules: &[ModuleId]) -> bool {
		let subscriptions = Subscriptions::<T>::get(provider);
		modules.iter().all(|m| subscriptions.binary_search(&(class, *m)).is_ok())
			&& Self::active_bond(provider) >= Self::required_bond(provider, &subscriptions)
	}

	fn record_violation(
		provider: &T::AccountId,
		module: ModuleId,
		class: ClassId,
		units: Units,
		evidence: Evidence,
		job: Option<JobId>,
	) -> DispatchResult {
		// Called from the federation's hooks too: a refused record changes nothing.
		with_storage_layer(|| {
			Self::do_record_violation(provider.clone(), module, class, units, evidence, job)
				.map(|_| ())
		})
	}

	fn term(module: ModuleId) -> Option<SlaTerm> {
		let module = Modules::<T>::get(module).filter(|m| m.status == ModuleStatus::Active)?;
		Some(match module.kind {
			ModuleKind::Uptime { min_per_mille, window } => {
				SlaTerm::Uptime { min_per_mille, window }
			}
			ModuleKind::StartLatency { max_blocks } => SlaTerm::StartLatency { max_blocks },
			ModuleKind::CompletionTime { max_blocks_per_unit } => {
				SlaTerm::CompletionTime { max_blocks_per_unit }
			}
			ModuleKind::Throughput { min_score } => SlaTerm::Throughput { min_score },
			ModuleKind::Region { code } => SlaTerm::Region { code: region_code(&code)? },
		})
	}

	fn performance(provider: &T::AccountId, class: ClassId) -> u32 {
		Subscriptions::<T>::get(provider)
			.iter()
			.filter(|(c, _)| *c == class)
			.filter_map(|(_, m)| match Modules::<T>::get(m)?.kind {
				ModuleKind::Throughput { min_score } => Some(min_score),
				_ => None,
			})
			.max()
			.unwrap_or(0)
	}

	fn uptime_terms(provider: &T::AccountId) -> Vec<(ClassId, ModuleId, u16, u32)> {
		Subscriptions::<T>::get(provider)
			.iter()
			.filter_map(|(class, m)| match Modules::<T>::get(m)?.kind {
				ModuleKind::Uptime { min_per_mille, window } => {
					Some((*class, *m, min_per_mille, window))
				}
				_ => None,
			})
			.collect()
	}

	fn record_violation_weight() -> Weight {
		T::WeightInfo::record_violation()
	}

	fn forget_job(job: JobId, modules: &[ModuleId]) {
		for module in modules {
			JobViolations::<T>::remove(job, module);
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn prepare_service(
		provider: &T::AccountId,
		class: ClassId,
		units: Units,
	) -> (ModuleId, ModuleId, ModuleId) {
		let penalty = PenaltySchedule {
			min_rate: Perbill::from_percent(10),
			max_rate: Perbill::one(),
			compensation_per_unit: 1,
		};
		let mut modules = [0; 3];
		for (slot, kind) in [
			ModuleKind::StartLatency { max_blocks: 10 },
			ModuleKind::CompletionTime { max_blocks_per_unit: 10 },
			ModuleKind::Uptime { min_per_mille: 990, window: 600 },
		]
		.into_iter()
		.enumerate()
		{
			let module = Self::do_define_module(kind, 1, penalty).expect("a valid module");
			Self::subscribe_for_benchmarks(provider, class, module);
			modules[slot] = module;
		}
		Self::bond_for_benchmarks(provider, class, units);
		(modules[0], modules[1], modules[2])
	}
}
