//! Benchmarks of pallet-federation: every call at its worst case, the routing
//! batch per assignment and its authorization, and the deadline and uptime sweeps.

use super::*;
use crate::Pallet as Federation;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{pallet_prelude::*, traits::Hooks};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_core::H256;
use sp_runtime::{traits::Saturating, RuntimeAppPublic};
use utc_primitives::{ClassId, JobId, ModuleId, SlaEnforcement, Units};

/// One whole unit of the benchmark class (three decimals).
const WHOLE: Units = 1_000;

fn at<T: Config>(n: u32) -> BlockNumberFor<T> {
	n.into()
}

/// The largest workload a job may carry: a command whose arguments fill 1 KiB.
fn largest_workload() -> Workload {
	let arg: WorkloadText = vec![b'a'; 200].try_into().expect("fits");
	let mut workload = Workload {
		spec: WorkloadSpec::Command {
			program: b"/bin/sh".to_vec().try_into().expect("fits"),
			args: Default::default(),
			env: Default::default(),
		},
		input: Some(DataRef { url: vec![b'u'; 64].try_into().expect("fits"), hash: H256::zero() }),
		output: None,
		gpus: 1,
		memory_mb: 1024,
	};
	// One more argument encodes to its bytes and a two-byte length at most.
	while workload.encoded_size() + arg.len() + 2 <= impls::MAX_WORKLOAD_BYTES {
		let WorkloadSpec::Command { args, .. } = &mut workload.spec else { break };
		if args.try_push(arg.clone()).is_err() {
			break;
		}
	}
	workload
}

/// A live provider with an operator, `units` owed in `class`, room for `slots`
/// jobs, subscribed to a start, a completion and an uptime module.
fn live_provider<T: Config>(
	index: u32,
	class: ClassId,
	units: Units,
	slots: u32,
) -> (T::AccountId, T::AccountId, [ModuleId; 3]) {
	let provider: T::AccountId = account("provider", index, 0);
	let operator: T::AccountId = account("operator", index, 0);
	T::BenchmarkHelper::provider(&provider, class, units);
	let (start, completion, uptime) = T::Sla::prepare_service(&provider, class, units);
	Federation::<T>::do_declare_service(
		provider.clone(),
		WorkloadKinds { command: true, container: true, batch: true },
		slots,
	)
	.expect("a provider declares");
	Federation::<T>::do_set_operator(provider.clone(), operator.clone()).expect("an operator");
	Federation::<T>::do_heartbeat(operator.clone()).expect("a heartbeat");
	(provider, operator, [start, completion, uptime])
}

/// `count` pending jobs of `units` each under `modules`, owned by a holder
/// funded by `provider`.
fn pending_jobs<T: Config>(
	provider: &T::AccountId,
	class: ClassId,
	units: Units,
	modules: &[ModuleId],
	count: u32,
) -> (T::AccountId, Vec<JobId>) {
	let holder: T::AccountId = account("holder", 0, 0);
	if count > 0 {
		T::BenchmarkHelper::transfer(provider, &holder, class, units * Units::from(count));
	}
	ClassKinds::<T>::insert(class, WorkloadKinds { command: true, container: true, batch: true });
	let jobs = (0..count)
		.map(|_| {
			Federation::<T>::do_submit_job(
				holder.clone(),
				class,
				units,
				modules.to_vec(),
				largest_workload(),
				at::<T>(10),
			)
			.expect("a job is submitted")
		})
		.collect();
	(holder, jobs)
}

/// `n` pending jobs, each of its own owner and meant for its own live provider
/// (capacity spread over the most attestations it may hold): the worst case of
/// every per-job step, which reads each provider's accounts afresh.
fn jobs_for_distinct_providers<T: Config>(class: ClassId, n: u32) -> Vec<(JobId, T::AccountId)> {
	ClassKinds::<T>::insert(class, WorkloadKinds { command: true, container: true, batch: true });
	(0..n)
		.map(|i| {
			let (provider, _, modules) = live_provider::<T>(i, class, WHOLE, 1);
			let holder: T::AccountId = account("holder", i, 0);
			T::BenchmarkHelper::transfer(&provider, &holder, class, WHOLE);
			let job = Federation::<T>::do_submit_job(
				holder,
				class,
				WHOLE,
				modules.to_vec(),
				largest_workload(),
				at::<T>(10),
			)
			.expect("a job is submitted");
			(job, provider)
		})
		.collect()
}

/// A routing key in the keystore, made the only router.
fn router<T: Config>() -> T::RoutingId {
	let key = T::RoutingId::generate_pair(None);
	Routers::<T>::put(BoundedVec::truncate_from(vec![key.clone()]));
	key
}

fn signed_batch<T: Config>(
	key: &T::RoutingId,
	assignments: Vec<(JobId, T::AccountId)>,
) -> (RoutingBatchOf<T>, RoutingSignatureOf<T>) {
	let batch = RoutingBatch {
		at: frame_system::Pallet::<T>::block_number(),
		router: key.clone(),
		assignments: BoundedVec::truncate_from(assignments),
	};
	let signature = key.sign(&Federation::<T>::batch_message(&batch)).expect("the key signs");
	(batch, signature)
}

/// A job assigned to a fresh live provider, and that provider's operator.
fn assigned_job<T: Config>() -> (JobId, T::AccountId, T::AccountId) {
	frame_system::Pallet::<T>::set_block_number(at::<T>(1));
	let class = T::BenchmarkHelper::class();
	let (provider, operator, modules) = live_provider::<T>(0, class, 100 * WHOLE, 4);
	let (_, jobs) = pending_jobs::<T>(&provider, class, WHOLE, &modules, 1);
	let key = router::<T>();
	let (batch, _) = signed_batch::<T>(&key, vec![(jobs[0], provider.clone())]);
	Federation::<T>::do_assign_jobs(batch).expect("assigned");
	(jobs[0], provider, operator)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn submit_job(m: Linear<1, { T::MaxModules::get() }>) {
		frame_system::Pallet::<T>::set_block_number(at::<T>(1));
		let class = T::BenchmarkHelper::class();
		let (provider, _, first) = live_provider::<T>(0, class, 10 * WHOLE, 1);
		let (a, b, c) = T::Sla::prepare_service(&provider, class, 10 * WHOLE);
		let modules: Vec<ModuleId> = first.into_iter().chain([a, b, c]).take(m as usize).collect();
		let holder: T::AccountId = account("holder", 0, 0);
		T::BenchmarkHelper::transfer(&provider, &holder, class, WHOLE);
		ClassKinds::<T>::insert(
			class,
			WorkloadKinds { command: true, container: true, batch: true },
		);
		let workload = largest_workload();

		#[extrinsic_call]
		_(RawOrigin::Signed(holder), class, WHOLE, modules, workload, at::<T>(10));

		assert!(PendingJobs::<T>::contains_key(0));
	}

	#[benchmark]
	fn cancel_job() {
		frame_system::Pallet::<T>::set_block_number(at::<T>(1));
		let class = T::BenchmarkHelper::class();
		let (provider, _, modules) = live_provider::<T>(0, class, 10 * WHOLE, 1);
		let (holder, jobs) = pending_jobs::<T>(&provider, class, WHOLE, &modules, 1);

		#[extrinsic_call]
		_(RawOrigin::Signed(holder), jobs[0]);

		assert_eq!(Jobs::<T>::get(jobs[0]).map(|j| j.state), Some(JobState::Cancelled));
	}

	/// A finished job under every module it may carry, with the largest workload
	/// and a full history: each of its storage items and the SLA's marks go.
	#[benchmark]
	fn prune_job() {
		frame_system::Pallet::<T>::set_block_number(at::<T>(1));
		let class = T::BenchmarkHelper::class();
		let (provider, _, first) = live_provider::<T>(0, class, 10 * WHOLE, 1);
		let (a, b, c) = T::Sla::prepare_service(&provider, class, 10 * WHOLE);
		let modules: Vec<ModuleId> =
			first.into_iter().chain([a, b, c]).take(T::MaxModules::get() as usize).collect();
		let (holder, jobs) = pending_jobs::<T>(&provider, class, WHOLE, &modules, 1);
		Federation::<T>::do_cancel_job(holder.clone(), jobs[0]).expect("cancelled");
		JobHistory::<T>::mutate(jobs[0], |history| {
			while history.try_push((at::<T>(1), JobEvent::Cancelled)).is_ok() {}
		});
		frame_system::Pallet::<T>::set_block_number(
			at::<T>(1).saturating_add(T::JobRetention::get()),
		);

		#[extrinsic_call]
		_(RawOrigin::Signed(holder), jobs[0]);

		assert!(!Jobs::<T>::contains_key(jobs[0]) && !JobHistory::<T>::contains_key(jobs[0]));
	}

	/// `n` assignments, each to its own provider: each checks that provider's
	/// service, capacity (all its attestations), obligation and SLA afresh, and
	/// queues a deadline.
	#[benchmark]
	fn assign_jobs(n: Linear<1, { T::MaxBatch::get() }>) {
		frame_system::Pallet::<T>::set_block_number(at::<T>(1));
		let class = T::BenchmarkHelper::class();
		let assignments = jobs_for_distinct_providers::<T>(class, n);
		let key = router::<T>();
		let (batch, signature) = signed_batch::<T>(&key, assignments);

		#[extrinsic_call]
		_(RawOrigin::Authorized, batch, signature);

		assert_eq!(PendingJobs::<T>::iter().count(), 0);
	}

	/// The pool's check of a full batch: the router set, freshness and signature.
	#[benchmark]
	fn authorize_assign_jobs() -> Result<(), BenchmarkError> {
		frame_system::Pallet::<T>::set_block_number(at::<T>(1));
		let key = router::<T>();
		let provider: T::AccountId = account("provider", 0, 0);
		let (batch, signature) = signed_batch::<T>(
			&key,
			(0..T::MaxBatch::get()).map(|j| (JobId::from(j), provider.clone())).collect(),
		);
		let call = Call::<T>::assign_jobs { batch, signature };

		#[block]
		{
			use frame_support::traits::Authorize;
			call.authorize(TransactionSource::External)
				.ok_or("the call authorizes")?
				.map_err(|_| "the batch is valid")?;
		}
		Ok(())
	}

	#[benchmark]
	fn report_job_started() {
		let (job, _, operator) = assigned_job::<T>();

		#[extrinsic_call]
		report_job(RawOrigin::Signed(operator), job, JobReport::Started);

		assert!(matches!(Jobs::<T>::get(job).map(|j| j.state), Some(JobState::Running { .. })));
	}

	/// Usage below the units: a settlement and a refund.
	#[benchmark]
	fn report_job_completed() {
		let (job, _, operator) = assigned_job::<T>();
		Federation::<T>::do_report_job(operator.clone(), job, JobReport::Started).expect("started");
		let report = JobReport::Completed { usage: WHOLE / 2, result_hash: H256::repeat_byte(1) };

		#[extrinsic_call]
		report_job(RawOrigin::Signed(operator), job, report);

		assert!(matches!(Jobs::<T>::get(job).map(|j| j.state), Some(JobState::Completed { .. })));
	}

	/// A failure: a violation recorded and the job re-routed.
	#[benchmark]
	fn report_job_failed() {
		let (job, _, operator) = assigned_job::<T>();
		Federation::<T>::do_report_job(operator.clone(), job, JobReport::Started).expect("started");
		let reason: FailureReason = vec![b'r'; 128].try_into().expect("fits");

		#[extrinsic_call]
		report_job(RawOrigin::Signed(operator), job, JobReport::Failed { reason });

		assert_eq!(Jobs::<T>::get(job).map(|j| j.state), Some(JobState::Pending));
	}

	/// The first heartbeat of a window: the window is opened and queued.
	#[benchmark]
	fn heartbeat() {
		frame_system::Pallet::<T>::set_block_number(at::<T>(1));
		let class = T::BenchmarkHelper::class();
		let (provider, operator, _) = live_provider::<T>(0, class, WHOLE, 1);
		Liveness::<T>::remove(&provider);
		let later = at::<T>(1).saturating_add(T::HeartbeatPeriod::get());
		frame_system::Pallet::<T>::set_block_number(later);

		#[extrinsic_call]
		_(RawOrigin::Signed(operator));

		assert!(Liveness::<T>::contains_key(&provider));
	}

	/// Replacing an operator.
	#[benchmark]
	fn set_operator() {
		frame_system::Pallet::<T>::set_block_number(at::<T>(1));
		let class = T::BenchmarkHelper::class();
		let (provider, _, _) = live_provider::<T>(0, class, WHOLE, 1);
		let operator: T::AccountId = account("new operator", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(provider.clone()), operator.clone());

		assert_eq!(Operators::<T>::get(&operator), Some(provider));
	}

	#[benchmark]
	fn declare_service() {
		frame_system::Pallet::<T>::set_block_number(at::<T>(1));
		let class = T::BenchmarkHelper::class();
		let provider: T::AccountId = account("provider", 0, 0);
		T::BenchmarkHelper::provider(&provider, class, WHOLE);
		let kinds = WorkloadKinds { command: true, container: true, batch: true };

		#[extrinsic_call]
		_(RawOrigin::Signed(provider.clone()), kinds, 8);

		assert!(Services::<T>::contains_key(&provider));
	}

	#[benchmark]
	fn set_class_kinds() -> Result<(), BenchmarkError> {
		let class = T::BenchmarkHelper::class();
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let kinds = WorkloadKinds { command: true, container: false, batch: true };

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, class, kinds);

		assert_eq!(ClassKinds::<T>::get(class), Some(kinds));
		Ok(())
	}

	#[benchmark]
	fn set_routers(n: Linear<0, { T::MaxRouters::get() }>) -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let routers: Vec<T::RoutingId> =
			(0..n).map(|_| T::RoutingId::generate_pair(None)).collect();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, routers);

		assert_eq!(Routers::<T>::get().len() as u32, n);
		Ok(())
	}

	/// `n` jobs miss their start at one block: each records a violation and is
	/// re-routed.
	#[benchmark]
	fn on_initialize_deadlines(n: Linear<1, { T::MaxDeadlinesPerBlock::get() }>) {
		frame_system::Pallet::<T>::set_block_number(at::<T>(1));
		let class = T::BenchmarkHelper::class();
		// Each job of its own owner on its own provider: every breach touches
		// its own accounts, bonds and ledgers.
		let assignments = jobs_for_distinct_providers::<T>(class, n);
		let key = router::<T>();
		for chunk in assignments.chunks(T::MaxBatch::get().max(1) as usize) {
			let (batch, _) = signed_batch::<T>(&key, chunk.to_vec());
			Federation::<T>::do_assign_jobs(batch).expect("assigned");
		}
		// Assigned at block 1 with a start delay of 10: late from block 12.
		let deadline = at::<T>(12);
		frame_system::Pallet::<T>::set_block_number(deadline);

		#[block]
		{
			Federation::<T>::on_initialize(deadline);
		}

		assert_eq!(PendingJobs::<T>::iter().count() as u32, n);
	}

	/// `n` providers' uptime windows end at one block, each short of its Uptime
	/// module: each records a violation and opens the next window.
	#[benchmark]
	fn on_initialize_uptime(n: Linear<0, { T::MaxDeadlinesPerBlock::get() }>) {
		frame_system::Pallet::<T>::set_block_number(at::<T>(1));
		let class = T::BenchmarkHelper::class();
		let mut ends = None;
		for i in 0..n {
			let (provider, _, _) = live_provider::<T>(i, class, WHOLE, 1);
			let liveness = Liveness::<T>::get(&provider).expect("a window is open");
			ends = Some(at::<T>(1).saturating_add(liveness.window.into()));
		}
		let end = ends.unwrap_or_else(|| at::<T>(2));
		frame_system::Pallet::<T>::set_block_number(end);

		#[block]
		{
			Federation::<T>::on_initialize(end);
		}
	}

	impl_benchmark_test_suite!(Federation, crate::mock::ExtBuilder::build(), crate::mock::Test);
}
