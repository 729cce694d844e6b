//! The rules of pallet-federation: what each call checks and changes, the
//! eligibility of providers, the deadline and uptime sweeps, and the traits the
//! other pallets call.

use super::*;
use alloc::vec::Vec;
use frame_support::{
	defensive, dispatch::DispatchResultWithPostInfo, ensure, pallet_prelude::*,
	storage::with_storage_layer,
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_core::H256;
use sp_runtime::{
	traits::{One, Saturating, Zero},
	DispatchError, DispatchResult, RuntimeAppPublic,
};
use utc_primitives::{
	ClassId, ComputeCapacity, ComputeInspect, ComputeLedger, Evidence, JobId, JobInspect,
	JobRecord, ModuleId, SlaEnforcement, SlaTerm, TradingAccount, Units,
};

/// The most a workload may take, encoded.
pub const MAX_WORKLOAD_BYTES: usize = 1024;
/// A new provider's reputation, and where scores decay to: neither trusted nor not.
pub const NEUTRAL_REPUTATION: u16 = 500;

impl<T: Config> Pallet<T> {
	pub(crate) fn now() -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number()
	}

	fn record(job: JobId, event: JobEvent<T::AccountId>) {
		JobHistory::<T>::mutate(job, |history| {
			// A full history keeps its first steps; the job's state stays exact.
			let _ = history.try_push((Self::now(), event));
		});
	}

	pub(crate) fn do_submit_job(
		owner: T::AccountId,
		class: ClassId,
		units: Units,
		mut modules: Vec<ModuleId>,
		workload: Workload,
		max_start_delay: BlockNumberFor<T>,
	) -> Result<JobId, DispatchError> {
		ensure!(T::Compute::class_exists(class), Error::<T>::UnknownClass);
		ensure!(!units.is_zero(), Error::<T>::ZeroUnits);
		ensure!(!modules.is_empty(), Error::<T>::NoModules);
		modules.sort_unstable();
		let count = modules.len();
		modules.dedup();
		ensure!(modules.len() == count, Error::<T>::TooManyModules);
		let modules: BoundedVec<ModuleId, T::MaxModules> =
			modules.try_into().map_err(|_| Error::<T>::TooManyModules)?;
		ensure!(modules.iter().all(|m| T::Sla::term(*m).is_some()), Error::<T>::UnknownModule);
		ensure!(workload.encoded_size() <= MAX_WORKLOAD_BYTES, Error::<T>::WorkloadTooLarge);
		ensure!(Self::workload_is_valid(&workload), Error::<T>::InvalidWorkload);
		let kind = workload.spec.kind();
		ensure!(
			ClassKinds::<T>::get(class).is_some_and(|kinds| kinds.contains(kind)),
			Error::<T>::KindNotAccepted
		);
		ensure!(
			!max_start_delay.is_zero() && max_start_delay <= T::MaxStartDelay::get(),
			Error::<T>::InvalidStartDelay
		);

		let id = NextJobId::<T>::get();
		NextJobId::<T>::put(id.checked_add(1).ok_or(Error::<T>::Overflow)?);
		T::TradingAccount::fund_redemption(&owner, class, units)?;
		T::Compute::redeem(&owner, class, units)?;
		let now = Self::now();
		Jobs::<T>::insert(
			id,
			Job {
				owner: owner.clone(),
				class,
				units,
				modules: modules.clone(),
				kind,
				max_start_delay,
				submitted_at: now,
				state: JobState::Pending,
				tried: Default::default(),
				reroute_by: None,
			},
		);
		Workloads::<T>::insert(id, workload);
		PendingJobs::<T>::insert(id, ());
		Self::record(id, JobEvent::Submitted);
		Self::deposit_event(Event::JobSubmitted {
			job: id,
			owner,
			class,
			units,
			modules: modules.into_inner(),
			kind,
			max_start_delay,
		});
		Ok(id)
	}

	/// A workload names something to run: a program path, an image, a script.
	fn workload_is_valid(workload: &Workload) -> bool {
		match &workload.spec {
			WorkloadSpec::Command { program, .. } => program.first() == Some(&b'/'),
			WorkloadSpec::Container { image, .. } => {
				!image.is_empty() && image.first() != Some(&b'-')
			}
			WorkloadSpec::Batch { script } => !script.is_empty(),
		}
	}

	pub(crate) fn do_cancel_job(who: T::AccountId, id: JobId) -> DispatchResult {
		let mut job = Jobs::<T>::get(id).ok_or(Error::<T>::UnknownJob)?;
		ensure!(job.owner == who, Error::<T>::NotOwner);
		ensure!(job.state == JobState::Pending, Error::<T>::NotPending);
		T::Compute::refund(&job.owner, job.class, job.units)?;
		PendingJobs::<T>::remove(id);
		job.state = JobState::Cancelled;
		let units = job.units;
		Self::store_finished(id, job);
		Self::record(id, JobEvent::Cancelled);
		Self::deposit_event(Event::JobCancelled { job: id, owner: who, units });
		Ok(())
	}

	/// Stores a job that just reached its final state, and when.
	fn store_finished(id: JobId, job: JobOf<T>) {
		debug_assert!(job.state.is_final());
		Jobs::<T>::insert(id, job);
		FinishedAt::<T>::insert(id, Self::now());
	}

	pub(crate) fn do_prune_job(id: JobId) -> DispatchResult {
		let job = Jobs::<T>::get(id).ok_or(Error::<T>::UnknownJob)?;
		let finished = FinishedAt::<T>::get(id).ok_or(Error::<T>::NotFinished)?;
		ensure!(
			Self::now() >= finished.saturating_add(T::JobRetention::get()),
			Error::<T>::StillRetained
		);
		Jobs::<T>::remove(id);
		Workloads::<T>::remove(id);
		JobHistory::<T>::remove(id);
		FinishedAt::<T>::remove(id);
		T::Sla::forget_job(id, &job.modules);
		Self::deposit_event(Event::JobPruned { job: id });
		Ok(())
	}

	/// Whether `signature` is a routing key's signature of `batch`, fresh and not replayed.
	pub(crate) fn check_batch(
		batch: &RoutingBatchOf<T>,
		signature: &RoutingSignatureOf<T>,
	) -> Result<(), TransactionValidityError> {
		let now = Self::now();
		if batch.assignments.is_empty() {
			return Err(InvalidTransaction::Call.into());
		}
		if !Routers::<T>::get().contains(&batch.router) {
			return Err(InvalidTransaction::BadSigner.into());
		}
		if batch.at > now {
			return Err(InvalidTransaction::Future.into());
		}
		if batch.at.saturating_add(T::BatchLifetime::get()) < now
			|| LastBatch::<T>::get(&batch.router).is_some_and(|last| batch.at <= last)
		{
			return Err(InvalidTransaction::Stale.into());
		}
		if !batch.router.verify(&Self::batch_message(batch), signature) {
			return Err(InvalidTransaction::BadProof.into());
		}
		Ok(())
	}

	/// What a routing key signs: the tag, the chain's genesis hash and the batch.
	pub fn batch_message(batch: &RoutingBatchOf<T>) -> Vec<u8> {
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		(ROUTING_TAG, genesis, batch).encode()
	}

	pub(crate) fn do_assign_jobs(batch: RoutingBatchOf<T>) -> DispatchResult {
		let mut seen = alloc::collections::BTreeSet::new();
		ensure!(
			batch.assignments.iter().all(|(job, _)| seen.insert(*job)),
			Error::<T>::InvalidBatch
		);
		LastBatch::<T>::insert(&batch.router, batch.at);
		for (job, provider) in batch.assignments {
			if let Err(reason) = Self::assign(job, &provider) {
				Self::deposit_event(Event::AssignmentRefused { job, provider, reason });
			}
		}
		Ok(())
	}

	/// Assigns a pending job to `provider` if the provider is eligible for it now.
	fn assign(id: JobId, provider: &T::AccountId) -> Result<(), Refusal> {
		let mut job = Jobs::<T>::get(id).ok_or(Refusal::NotPending)?;
		ensure!(job.state == JobState::Pending, Refusal::NotPending);
		let mut service = Self::eligibility(&job, provider)?;
		let now = Self::now();
		// Late from the first block after the start delay.
		let start_by = now.saturating_add(job.max_start_delay).saturating_add(One::one());
		let start_by = Self::queue_deadline(id, start_by).map_err(|_| Refusal::NoSlot)?;
		service.in_flight = service.in_flight.saturating_add(1);
		Services::<T>::insert(provider, service);
		AssignedUnits::<T>::mutate(provider, job.class, |u| *u = u.saturating_add(job.units));
		ProviderJobs::<T>::insert(provider, id, ());
		PendingJobs::<T>::remove(id);
		job.reroute_by = None;
		job.state = JobState::Assigned { provider: provider.clone(), at: now, start_by };
		Jobs::<T>::insert(id, job);
		Self::record(id, JobEvent::Assigned(provider.clone()));
		Self::deposit_event(Event::JobAssigned { job: id, provider: provider.clone(), start_by });
		Ok(())
	}

	/// Whether `provider` may take `job` now, with its service if so: the rules the
	/// routing worker follows and the runtime checks again.
	pub fn eligibility(job: &JobOf<T>, provider: &T::AccountId) -> Result<ServiceOf<T>, Refusal> {
		let service = Services::<T>::get(provider).ok_or(Refusal::NotLive)?;
		Self::check_eligible(job, provider, &service, true)?;
		Ok(service)
	}

	/// The eligibility rules for `provider` with `service`, in the order their
	/// refusals are reported. With `with_room` they include a free slot and enough
	/// unassigned obligation; the routing worker leaves those two to the routing
	/// function, which weighs them across all the jobs it places at once.
	pub fn check_eligible(
		job: &JobOf<T>,
		provider: &T::AccountId,
		service: &ServiceOf<T>,
		with_room: bool,
	) -> Result<(), Refusal> {
		ensure!(Self::is_live(service), Refusal::NotLive);
		ensure!(!job.tried.contains(provider), Refusal::AlreadyTried);
		ensure!(service.kinds.contains(job.kind), Refusal::KindNotAccepted);
		ensure!(!with_room || service.in_flight < service.concurrency, Refusal::NoSlot);
		ensure!(!T::Compute::live_capacity(provider, job.class).is_zero(), Refusal::NotLive);
		ensure!(
			!with_room || Self::unassigned_obligation(provider, job.class) >= job.units,
			Refusal::InsufficientObligation
		);
		ensure!(T::Sla::can_serve(provider, job.class, &job.modules), Refusal::CannotServe);
		Ok(())
	}

	/// Whether a provider has an operator and a heartbeat within two periods.
	pub fn is_live(service: &ServiceOf<T>) -> bool {
		let grace = T::HeartbeatPeriod::get().saturating_mul(2u32.into());
		service.operator.is_some()
			&& service.last_heartbeat.is_some_and(|at| at.saturating_add(grace) >= Self::now())
	}

	/// What `provider` owes in `class` beyond the units of its jobs in flight.
	pub fn unassigned_obligation(provider: &T::AccountId, class: ClassId) -> Units {
		T::Compute::obligation(provider, class)
			.saturating_sub(AssignedUnits::<T>::get(provider, class))
	}

	/// Queues `job` for the sweep at `at`, or at the first later block with room.
	fn queue_deadline(job: JobId, at: BlockNumberFor<T>) -> Result<BlockNumberFor<T>, ()> {
		let mut at = at;
		for _ in 0..T::MaxDeadlinesPerBlock::get() {
			if Deadlines::<T>::try_append(at, job).is_ok() {
				return Ok(at);
			}
			at = at.saturating_add(1u32.into());
		}
		Err(())
	}

	pub(crate) fn do_report_job(
		operator: T::AccountId,
		id: JobId,
		report: JobReport,
	) -> DispatchResultWithPostInfo {
		let provider = Operators::<T>::get(&operator).ok_or(Error::<T>::NotOperator)?;
		let job = Jobs::<T>::get(id).ok_or(Error::<T>::UnknownJob)?;
		ensure!(job.state.provider() == Some(&provider), Error::<T>::NotAssignedToYou);
		match report {
			JobReport::Started => {
				Self::start(id, job, provider)?;
				Ok(Some(T::WeightInfo::report_job_started()).into())
			}
			JobReport::Completed { usage, result_hash } => {
				Self::complete(id, job, provider, usage, result_hash)?;
				Ok(Some(T::WeightInfo::report_job_completed()).into())
			}
			// A provider may fail a job it cannot run before it starts it.
			JobReport::Failed { reason } => {
				Self::deposit_event(Event::JobFailed {
					job: id,
					provider: provider.clone(),
					reason,
				});
				Self::breach(id, job, &provider, Breach::Failed);
				Ok(Some(T::WeightInfo::report_job_failed()).into())
			}
		}
	}

	fn start(id: JobId, mut job: JobOf<T>, provider: T::AccountId) -> DispatchResult {
		ensure!(matches!(job.state, JobState::Assigned { .. }), Error::<T>::ReportOutOfOrder);
		let now = Self::now();
		let complete_by = now.saturating_add(Self::run_blocks(&job)).saturating_add(One::one());
		let complete_by =
			Self::queue_deadline(id, complete_by).map_err(|_| Error::<T>::Overflow)?;
		job.state = JobState::Running { provider: provider.clone(), since: now, complete_by };
		Jobs::<T>::insert(id, job);
		Self::record(id, JobEvent::Started(provider.clone()));
		Self::deposit_event(Event::JobStarted { job: id, provider, complete_by });
		Ok(())
	}

	/// The whole units of the class a job redeemed, rounded up, at least one: what
	/// the per-unit completion bound is counted in.
	fn whole_units(job: &JobOf<T>) -> Units {
		T::Compute::class_terms(job.class)
			.map(|terms| terms.whole_units_ceil(job.units))
			.unwrap_or(1)
			.max(1)
	}

	/// Blocks a job may run: its CompletionTime module's bound per whole unit
	/// (the tightest if several), or `DefaultRunBlocks`.
	pub fn run_blocks(job: &JobOf<T>) -> BlockNumberFor<T> {
		let whole = Self::whole_units(job);
		job.modules
			.iter()
			.filter_map(|m| match T::Sla::term(*m)? {
				SlaTerm::CompletionTime { max_blocks_per_unit } => {
					let blocks = whole.saturating_mul(u128::from(max_blocks_per_unit));
					Some(u32::try_from(blocks).unwrap_or(u32::MAX))
				}
				_ => None,
			})
			.min()
			.map(Into::into)
			.unwrap_or_else(T::DefaultRunBlocks::get)
	}

	fn complete(
		id: JobId,
		mut job: JobOf<T>,
		provider: T::AccountId,
		usage: Units,
		result_hash: H256,
	) -> DispatchResult {
		ensure!(matches!(job.state, JobState::Running { .. }), Error::<T>::ReportOutOfOrder);
		ensure!(usage <= job.units, Error::<T>::UsageAboveUnits);
		let refunded = job.units.saturating_sub(usage);
		if !usage.is_zero() {
			T::Compute::settle(&provider, job.class, usage)?;
		}
		if !refunded.is_zero() {
			T::Compute::refund(&job.owner, job.class, refunded)?;
		}
		Self::release(&provider, &job, id);
		Self::reward(&provider);
		job.state = JobState::Completed { provider: provider.clone(), usage, result_hash };
		Self::store_finished(id, job);
		Self::record(id, JobEvent::Completed(provider.clone()));
		Self::deposit_event(Event::JobCompleted {
			job: id,
			provider,
			usage,
			refunded,
			result_hash,
		});
		Ok(())
	}

	/// Frees the provider's slot and units held by an in-flight job.
	fn release(provider: &T::AccountId, job: &JobOf<T>, id: JobId) {
		ProviderJobs::<T>::remove(provider, id);
		AssignedUnits::<T>::mutate_exists(provider, job.class, |units| {
			*units = units.map(|u| u.saturating_sub(job.units)).filter(|u| !u.is_zero());
		});
		Services::<T>::mutate(provider, |service| {
			if let Some(service) = service {
				service.in_flight = service.in_flight.saturating_sub(1);
			}
		});
	}

	/// The module a breach is measured against, with the chain's evidence: a missed
	/// start against a StartLatency module (blocks since assignment), a missed
	/// completion against a CompletionTime module (blocks per whole unit), a
	/// failure against the CompletionTime module failed whole; without such a
	/// module, the job's first module, failed whole.
	fn breach_evidence(job: &JobOf<T>, breach: Breach) -> (ModuleId, Evidence) {
		let now = Self::now();
		let elapsed = |from: BlockNumberFor<T>| -> u32 {
			now.saturating_sub(from).try_into().unwrap_or(u32::MAX)
		};
		let whole = Self::whole_units(job);
		let measured =
			job.modules.iter().find_map(|m| match (breach, T::Sla::term(*m)?, &job.state) {
				(
					Breach::MissedStart,
					SlaTerm::StartLatency { .. },
					JobState::Assigned { at, .. },
				) => Some((*m, Evidence::Measured(elapsed(*at)))),
				(
					Breach::MissedCompletion,
					SlaTerm::CompletionTime { .. },
					JobState::Running { since, .. },
				) => {
					let per_unit = u128::from(elapsed(*since)).div_ceil(whole);
					Some((*m, Evidence::Measured(u32::try_from(per_unit).unwrap_or(u32::MAX))))
				}
				_ => None,
			});
		// A failed job did not complete: its CompletionTime module, failed whole.
		let failed = || {
			job.modules
				.iter()
				.find(|m| matches!(T::Sla::term(**m), Some(SlaTerm::CompletionTime { .. })))
				.or(job.modules.first())
				.copied()
		};
		// A job always names a module: submit_job refuses one without.
		measured.unwrap_or((failed().unwrap_or_default(), Evidence::Failed))
	}

	/// A provider missed a deadline or failed the job: its breach is recorded, its
	/// reputation falls, and the job goes back to pending for another provider or,
	/// after `MaxAttempts` providers, is refunded.
	pub(crate) fn breach(id: JobId, mut job: JobOf<T>, provider: &T::AccountId, breach: Breach) {
		let (module, evidence) = Self::breach_evidence(&job, breach);
		// Recorded while the job still names the provider: the SLA pallet checks it.
		let violation =
			T::Sla::record_violation(provider, module, job.class, job.units, evidence, Some(id))
				.is_ok();
		Self::release(provider, &job, id);
		Self::penalise(provider);
		Self::record(id, JobEvent::Breached(provider.clone(), breach));
		Self::deposit_event(Event::JobBreached {
			job: id,
			provider: provider.clone(),
			breach,
			module,
			violation,
		});
		let retried = job.tried.try_push(provider.clone()).is_ok()
			&& job.tried.len() < T::MaxAttempts::get() as usize;
		// Another provider must take it within the job's start delay, or it is refunded.
		let reroute_by = Self::now().saturating_add(job.max_start_delay).saturating_add(One::one());
		if retried {
			if let Ok(at) = Self::queue_deadline(id, reroute_by) {
				job.reroute_by = Some(at);
			}
			job.state = JobState::Pending;
			PendingJobs::<T>::insert(id, ());
			let attempt = job.tried.len() as u32;
			Jobs::<T>::insert(id, job);
			Self::deposit_event(Event::JobRerouted { job: id, attempt });
		} else {
			Self::refund_job(id, job);
		}
	}

	fn refund_job(id: JobId, mut job: JobOf<T>) {
		// Cannot fail: the job's units are redeemed and unsettled, which the
		// ledger's redeemed count includes (checked by try_state).
		if let Err(error) =
			with_storage_layer(|| T::Compute::refund(&job.owner, job.class, job.units))
		{
			defensive!("a refund of a redeemed job failed", error);
		}
		PendingJobs::<T>::remove(id);
		job.state = JobState::Refunded;
		job.reroute_by = None;
		let (owner, units) = (job.owner.clone(), job.units);
		Self::store_finished(id, job);
		Self::record(id, JobEvent::Refunded);
		Self::deposit_event(Event::JobRefunded { job: id, owner, units });
	}

	/// Breaches the jobs whose start or completion deadline is `now`; returns how
	/// many queued ids it read.
	pub(crate) fn sweep_deadlines(now: BlockNumberFor<T>) -> u32 {
		let due = Deadlines::<T>::take(now);
		for id in due.iter() {
			let Some(job) = Jobs::<T>::get(id) else { continue };
			let (provider, breach) = match &job.state {
				JobState::Assigned { provider, start_by, .. } if *start_by == now => {
					(provider.clone(), Breach::MissedStart)
				}
				JobState::Running { provider, complete_by, .. } if *complete_by == now => {
					(provider.clone(), Breach::MissedCompletion)
				}
				JobState::Pending if job.reroute_by == Some(now) => {
					Self::refund_job(*id, job);
					continue;
				}
				// The job moved on before its deadline.
				_ => continue,
			};
			Self::breach(*id, job, &provider, breach);
		}
		due.len() as u32
	}

	pub(crate) fn do_heartbeat(operator: T::AccountId) -> Result<bool, DispatchError> {
		let provider = Operators::<T>::get(&operator).ok_or(Error::<T>::NotOperator)?;
		let mut service = Services::<T>::get(&provider).ok_or(Error::<T>::NotOperator)?;
		let now = Self::now();
		let period = T::HeartbeatPeriod::get();
		let half = period / 2u32.into();
		if let Some(last) = service.last_heartbeat {
			ensure!(now >= last.saturating_add(half), Error::<T>::HeartbeatTooEarly);
		}
		let on_time = service.last_heartbeat.is_none_or(|last| now <= last.saturating_add(period));
		service.last_heartbeat = Some(now);
		Services::<T>::insert(&provider, service);
		match Liveness::<T>::get(&provider) {
			Some(mut liveness) => {
				liveness.beats = liveness.beats.saturating_add(1);
				Liveness::<T>::insert(&provider, liveness);
			}
			None => Self::open_window(&provider, now, 1),
		}
		Self::deposit_event(Event::Heartbeat { provider, at: now });
		Ok(on_time)
	}

	/// Starts a provider's uptime window at `now`: the shortest window of its Uptime
	/// modules, or `DefaultUptimeWindow`.
	fn open_window(provider: &T::AccountId, now: BlockNumberFor<T>, beats: u32) {
		let window = T::Sla::uptime_terms(provider)
			.iter()
			.map(|(_, _, _, window)| *window)
			.min()
			.unwrap_or_else(T::DefaultUptimeWindow::get)
			.max(1);
		let end = now.saturating_add(window.into());
		let mut at = end;
		// A full block pushes the check to the next one with room; the window
		// measured is the one recorded.
		for _ in 0..T::MaxDeadlinesPerBlock::get() {
			if UptimeChecks::<T>::try_append(at, provider.clone()).is_ok() {
				break;
			}
			at = at.saturating_add(1u32.into());
		}
		Liveness::<T>::insert(provider, UptimeWindow { since: now, window: window.max(1), beats });
	}

	/// Measures the uptime windows that end at `now` against each provider's
	/// Uptime modules and records what falls short; returns how many it measured.
	pub(crate) fn sweep_uptime(now: BlockNumberFor<T>) -> u32 {
		let due = UptimeChecks::<T>::take(now);
		for provider in due.iter() {
			let Some(liveness) = Liveness::<T>::get(provider) else { continue };
			let per_mille = Self::uptime_per_mille(&liveness);
			Self::deposit_event(Event::UptimeMeasured {
				provider: provider.clone(),
				per_mille,
				window: liveness.window,
			});
			for (class, module, min, _) in T::Sla::uptime_terms(provider) {
				let owed = T::Compute::obligation(provider, class);
				if per_mille < u32::from(min) && !owed.is_zero() {
					// Recorded for what the provider owes in the class: that is what
					// its missing heartbeats put at risk.
					// Refused only when the module changed under the window (retired
					// or left); the log says so.
					let recorded = T::Sla::record_violation(
						provider,
						module,
						class,
						owed,
						Evidence::Measured(per_mille),
						None,
					);
					if let Err(error) = recorded {
						log::warn!(
							target: "runtime::federation",
							"uptime breach of module {module} by {provider:?} not recorded: {error:?}",
						);
					}
					Self::penalise(provider);
				}
			}
			// The next window starts now, if the provider still has an operator.
			if Services::<T>::get(provider).is_some_and(|s| s.operator.is_some()) {
				Self::open_window(provider, now, 0);
			} else {
				Liveness::<T>::remove(provider);
			}
		}
		due.len() as u32
	}

	/// Heartbeats over the window against those expected, per-mille (at most 1000).
	pub fn uptime_per_mille(liveness: &UptimeWindow<BlockNumberFor<T>>) -> u32 {
		let period: u32 = T::HeartbeatPeriod::get().try_into().unwrap_or(u32::MAX).max(1);
		let expected = (liveness.window / period).max(1);
		(liveness.beats.saturating_mul(1000) / expected).min(1000)
	}

	pub(crate) fn do_set_operator(
		provider: T::AccountId,
		operator: T::AccountId,
	) -> DispatchResult {
		ensure!(T::Compute::is_provider(&provider), Error::<T>::NotProvider);
		if let Some(current) = Operators::<T>::get(&operator) {
			ensure!(current == provider, Error::<T>::OperatorInUse);
		}
		let mut service = Services::<T>::get(&provider).unwrap_or(Service {
			operator: None,
			kinds: Default::default(),
			concurrency: 0,
			in_flight: 0,
			last_heartbeat: None,
		});
		if let Some(old) = service.operator.replace(operator.clone()) {
			Operators::<T>::remove(old);
		}
		Operators::<T>::insert(&operator, &provider);
		Services::<T>::insert(&provider, service);
		Self::deposit_event(Event::OperatorSet { provider, operator });
		Ok(())
	}

	pub(crate) fn do_declare_service(
		provider: T::AccountId,
		kinds: WorkloadKinds,
		concurrency: u32,
	) -> DispatchResult {
		ensure!(T::Compute::is_provider(&provider), Error::<T>::NotProvider);
		ensure!(!kinds.is_empty(), Error::<T>::NoKinds);
		ensure!(concurrency > 0, Error::<T>::ZeroConcurrency);
		Services::<T>::mutate(&provider, |service| {
			let service = service.get_or_insert(Service {
				operator: None,
				kinds,
				concurrency,
				in_flight: 0,
				last_heartbeat: None,
			});
			// Jobs already in flight above a lowered concurrency finish; no new ones come.
			service.kinds = kinds;
			service.concurrency = concurrency;
		});
		Self::deposit_event(Event::ServiceDeclared { provider, kinds, concurrency });
		Ok(())
	}

	pub(crate) fn do_set_class_kinds(class: ClassId, kinds: WorkloadKinds) -> DispatchResult {
		ensure!(T::Compute::class_exists(class), Error::<T>::UnknownClass);
		ClassKinds::<T>::insert(class, kinds);
		Self::deposit_event(Event::ClassKindsSet { class, kinds });
		Ok(())
	}

	pub(crate) fn do_set_routers(routers: Vec<T::RoutingId>) -> DispatchResult {
		let bounded: BoundedVec<_, T::MaxRouters> =
			routers.clone().try_into().map_err(|_| Error::<T>::TooManyRouters)?;
		Routers::<T>::put(bounded);
		Self::deposit_event(Event::RoutersSet { routers });
		Ok(())
	}

	/// Decays a reputation toward neutral: halfway for each half-life since it changed.
	fn decayed(reputation: Reputation<BlockNumberFor<T>>) -> Reputation<BlockNumberFor<T>> {
		let now = Self::now();
		let half_life = T::ReputationHalfLife::get();
		let mut score = i32::from(reputation.score);
		if !half_life.is_zero() {
			let halvings: u32 =
				(now.saturating_sub(reputation.updated) / half_life).try_into().unwrap_or(u32::MAX);
			let neutral = i32::from(NEUTRAL_REPUTATION);
			// Sixteen halvings bring any score within one of neutral.
			for _ in 0..halvings.min(16) {
				score = neutral + (score - neutral) / 2;
			}
		}
		Reputation { score: score.clamp(0, 1000) as u16, updated: now, ..reputation }
	}

	/// A provider's reputation now, decayed.
	pub fn reputation(provider: &T::AccountId) -> Reputation<BlockNumberFor<T>> {
		Self::decayed(Reputations::<T>::get(provider).unwrap_or(Reputation {
			score: NEUTRAL_REPUTATION,
			updated: Self::now(),
			completed: 0,
			violations: 0,
		}))
	}

	/// A job delivered on time moves the score an eighth of the way to 1000.
	fn reward(provider: &T::AccountId) {
		let mut reputation = Self::reputation(provider);
		reputation.score = reputation.score.saturating_add((1000 - reputation.score.min(1000)) / 8);
		reputation.completed = reputation.completed.saturating_add(1);
		Reputations::<T>::insert(provider, reputation);
	}

	/// A breach takes a quarter of the score.
	fn penalise(provider: &T::AccountId) {
		let mut reputation = Self::reputation(provider);
		reputation.score = reputation.score.saturating_sub(reputation.score / 4);
		reputation.violations = reputation.violations.saturating_add(1);
		Reputations::<T>::insert(provider, reputation);
	}

	/// The invariants of pallet-federation:
	/// - every job is in exactly one state and in exactly the index of that state:
	///   pending jobs in `PendingJobs`, assigned and running ones in their
	///   provider's `ProviderJobs`, final ones in neither; each has its workload;
	/// - the units of pending, assigned and running jobs of a class equal
	///   pallet-compute's redeemed-but-unsettled units of that class (checked in
	///   the runtime's tests, which see both pallets: [`Self::unsettled_units`]);
	/// - per provider, jobs in flight equal its service's count and never exceed
	///   its concurrency unless it lowered it since, and the units in flight per
	///   class equal `AssignedUnits` and never exceed what it owes;
	/// - no resting assignment to a provider that is not a provider any more, and
	///   every operator names a provider whose service names it back.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		let mut in_flight: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut units: BTreeMap<(T::AccountId, ClassId), Units> = BTreeMap::new();
		let next = NextJobId::<T>::get();
		for (id, job) in Jobs::<T>::iter() {
			ensure!(id < next, "a job id is not yet issued");
			ensure!(Workloads::<T>::contains_key(id), "a job has no workload");
			let pending = PendingJobs::<T>::contains_key(id);
			ensure!(pending == (job.state == JobState::Pending), "pending index differs");
			if let Some(provider) = job.state.provider() {
				ensure!(
					ProviderJobs::<T>::contains_key(provider, id),
					"an in-flight job is not in its provider's index"
				);
				ensure!(T::Compute::is_provider(provider), "a job rests on a non-provider");
				*in_flight.entry(provider.clone()).or_default() += 1;
				let sum = units.entry((provider.clone(), job.class)).or_default();
				*sum = sum.saturating_add(job.units);
			}
			ensure!(job.tried.len() <= T::MaxAttempts::get() as usize, "too many attempts");
			ensure!(
				FinishedAt::<T>::contains_key(id) == job.state.is_final(),
				"a job's finish is not recorded exactly when it is final"
			);
		}
		ensure!(
			FinishedAt::<T>::iter_keys().all(Jobs::<T>::contains_key),
			"a finish is recorded for no job"
		);
		ensure!(
			Workloads::<T>::iter_keys().all(Jobs::<T>::contains_key)
				&& JobHistory::<T>::iter_keys().all(Jobs::<T>::contains_key),
			"a pruned job left its workload or history"
		);
		for (provider, id, ()) in ProviderJobs::<T>::iter() {
			ensure!(
				Jobs::<T>::get(id).is_some_and(|job| job.state.provider() == Some(&provider)),
				"a provider lists a job it does not hold"
			);
		}
		ensure!(
			PendingJobs::<T>::iter_keys().all(Jobs::<T>::contains_key),
			"a pending id names no job"
		);
		for (provider, service) in Services::<T>::iter() {
			let count = in_flight.get(&provider).copied().unwrap_or_default();
			ensure!(service.in_flight == count, "a provider's count of jobs in flight is wrong");
			if let Some(operator) = &service.operator {
				ensure!(
					Operators::<T>::get(operator).as_ref() == Some(&provider),
					"a service's operator does not name it back"
				);
			}
		}
		ensure!(
			in_flight.keys().all(Services::<T>::contains_key),
			"jobs in flight on a provider without service"
		);
		for (operator, provider) in Operators::<T>::iter() {
			ensure!(
				Services::<T>::get(&provider).and_then(|s| s.operator) == Some(operator),
				"an operator names a provider that does not name it"
			);
		}
		for (provider, class, assigned) in AssignedUnits::<T>::iter() {
			ensure!(
				units.get(&(provider.clone(), class)).copied().unwrap_or_default() == assigned,
				"assigned units differ from the jobs in flight"
			);
			ensure!(
				assigned <= T::Compute::obligation(&provider, class),
				"a provider holds jobs for more units than it owes"
			);
		}
		ensure!(
			units.iter().all(|((p, c), u)| u.is_zero() || AssignedUnits::<T>::get(p, c) == *u),
			"jobs in flight without assigned units"
		);
		Ok(())
	}

	/// Units of unsettled jobs (pending, assigned, running) per class.
	pub fn unsettled_units() -> alloc::collections::BTreeMap<ClassId, Units> {
		let mut sums = alloc::collections::BTreeMap::new();
		for (_, job) in Jobs::<T>::iter() {
			if !job.state.is_final() {
				let sum: &mut Units = sums.entry(job.class).or_default();
				*sum = sum.saturating_add(job.units);
			}
		}
		sums
	}
}

impl<T: Config> JobInspect<T::AccountId> for Pallet<T> {
	fn job(job: JobId) -> Option<JobRecord<T::AccountId>> {
		let job = Jobs::<T>::get(job)?;
		let provider = match &job.state {
			JobState::Assigned { provider, .. }
			| JobState::Running { provider, .. }
			| JobState::Completed { provider, .. } => Some(provider.clone()),
			_ => None,
		};
		Some(JobRecord {
			owner: job.owner,
			provider,
			class: job.class,
			units: job.units,
			modules: job.modules.into_inner(),
		})
	}
}

/// What the runtime API reads.
impl<T: Config> Pallet<T> {
	pub fn job_view(id: JobId) -> Option<JobViewOf<T>> {
		let job = Jobs::<T>::get(id)?;
		Some(JobView {
			id,
			owner: job.owner,
			class: job.class,
			units: job.units,
			modules: job.modules.into_inner(),
			kind: job.kind,
			state: job.state,
			history: JobHistory::<T>::get(id).into_inner(),
		})
	}

	pub fn pending_jobs(limit: u32) -> Vec<JobId> {
		PendingJobs::<T>::iter_keys().take(limit as usize).collect()
	}

	pub fn provider_jobs(provider: &T::AccountId) -> Vec<JobId> {
		ProviderJobs::<T>::iter_key_prefix(provider).collect()
	}

	/// Providers that could take a job of `class` with `modules` and `kind` now.
	pub fn eligible_providers(
		class: ClassId,
		modules: Vec<ModuleId>,
		kind: WorkloadKind,
		units: Units,
	) -> Vec<T::AccountId> {
		let Ok(modules) = BoundedVec::<ModuleId, T::MaxModules>::try_from(modules) else {
			return Vec::new();
		};
		// The probe's owner is never read: eligibility looks at the provider.
		let Ok(owner) = T::AccountId::decode(&mut sp_runtime::traits::TrailingZeroInput::zeroes())
		else {
			return Vec::new();
		};
		let probe = Job {
			owner,
			class,
			units: units.max(1),
			modules,
			kind,
			max_start_delay: 1u32.into(),
			submitted_at: Self::now(),
			state: JobState::Pending,
			tried: Default::default(),
			reroute_by: None,
		};
		Services::<T>::iter_keys().filter(|p| Self::eligibility(&probe, p).is_ok()).collect()
	}
}
