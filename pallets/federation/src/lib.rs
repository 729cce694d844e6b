#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod impls;
pub mod migrations;
#[cfg(test)]
mod mock;
pub mod offchain;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use types::*;
pub use weights::WeightInfo;

/// The key type of routing keys: validators sign routing batches with it.
pub const ROUTING_KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"utcr");
/// The key type of operator keys: a provider node reports jobs and heartbeats with it.
pub const OPERATOR_KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"utcp");

/// Routing keys: sr25519 keys of type `utcr`.
pub mod routing_crypto {
	use sp_application_crypto::{app_crypto, sr25519};
	app_crypto!(sr25519, crate::ROUTING_KEY_TYPE);
}

/// Operator keys: sr25519 keys of type `utcp` that sign the operator's transactions.
pub mod operator_crypto {
	use sp_application_crypto::{app_crypto, sr25519};
	use sp_runtime::{traits::Verify, MultiSignature, MultiSigner};
	app_crypto!(sr25519, crate::OPERATOR_KEY_TYPE);

	/// Signs an operator's transactions from the node keystore.
	pub struct OperatorAuthId;
	impl frame_system::offchain::AppCrypto<MultiSigner, MultiSignature> for OperatorAuthId {
		type RuntimeAppPublic = Public;
		type GenericSignature = sp_core::sr25519::Signature;
		type GenericPublic = sp_core::sr25519::Public;
	}

	// A test runtime signs with test keys.
	impl
		frame_system::offchain::AppCrypto<
			<sp_core::sr25519::Signature as Verify>::Signer,
			sp_core::sr25519::Signature,
		> for OperatorAuthId
	{
		type RuntimeAppPublic = Public;
		type GenericSignature = sp_core::sr25519::Signature;
		type GenericPublic = sp_core::sr25519::Public;
	}
}

/// What the benchmarks need from the rest of the runtime: classes, providers with
/// live capacity and obligations, and holders of UTC tokens.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// A class whose units are hours with three decimals.
	fn class() -> utc_primitives::ClassId;
	/// Makes `who` a registered provider with `units` of live capacity in `class`,
	/// all of it minted and owed, its tokens kept by `who`; the capacity spread
	/// over as many attestations as a provider may hold, each read when routing.
	fn provider(who: &AccountId, class: utc_primitives::ClassId, units: utc_primitives::Units);
	/// Moves `units` of `class` tokens from `from` to `to`.
	fn transfer(
		from: &AccountId,
		to: &AccountId,
		class: utc_primitives::ClassId,
		units: utc_primitives::Units,
	);
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		dispatch::{DispatchResultWithPostInfo, Pays},
		pallet_prelude::*,
	};
	use frame_system::{
		offchain::{AppCrypto, CreateAuthorizedTransaction, CreateSignedTransaction},
		pallet_prelude::*,
	};
	use sp_core::H256;
	use sp_runtime::{traits::Member, RuntimeAppPublic};
	use utc_primitives::{
		ClassId, ComputeCapacity, ComputeLedger, JobId, ModuleId, SlaEnforcement, TradingAccount,
		Units,
	};

	pub type JobOf<T> = Job<
		<T as frame_system::Config>::AccountId,
		BlockNumberFor<T>,
		<T as Config>::MaxModules,
		<T as Config>::MaxAttempts,
	>;
	pub type JobStateOf<T> = JobState<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;
	pub type ServiceOf<T> = Service<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;
	pub type RoutingBatchOf<T> = RoutingBatch<
		<T as frame_system::Config>::AccountId,
		BlockNumberFor<T>,
		<T as Config>::RoutingId,
		<T as Config>::MaxBatch,
	>;
	pub type RoutingSignatureOf<T> = <<T as Config>::RoutingId as RuntimeAppPublic>::Signature;
	pub type HistoryOf<T> = BoundedVec<
		(BlockNumberFor<T>, JobEvent<<T as frame_system::Config>::AccountId>),
		ConstU32<MAX_HISTORY>,
	>;
	pub type JobViewOf<T> = JobView<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;

	/// Steps of a job's history kept: a submission, three per attempt, an end.
	pub const MAX_HISTORY: u32 = 32;

	/// The layout of this pallet's storage; a change to it comes with a migration.
	/// Version 1 added `FinishedAt` (`migrations::v1`).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config:
		CreateSignedTransaction<Call<Self>>
		+ CreateAuthorizedTransaction<Call<Self>>
		+ frame_system::Config<RuntimeEvent: From<Event<Self>>>
	{
		/// Sets which workload kinds a class's providers must run and the routing keys.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Classes, providers, capacity, and the ledger of redemptions (pallet-compute).
		type Compute: ComputeCapacity<Self::AccountId> + ComputeLedger<Self::AccountId>;

		/// Who may serve a job and where breaches are recorded (pallet-sla).
		type Sla: SlaEnforcement<Self::AccountId>;

		/// Trading accounts a holder may redeem from without a withdrawal first
		/// (pallet-orderbook's ledger): what its wallet lacks is drawn from there.
		type TradingAccount: TradingAccount<Self::AccountId>;

		/// A routing key: validators' workers sign batches with it.
		type RoutingId: Member
			+ Parameter
			+ RuntimeAppPublic
			+ Ord
			+ MaybeSerializeDeserialize
			+ MaxEncodedLen;

		/// The operator key's signer in the node keystore.
		type OperatorAuthId: AppCrypto<Self::Public, Self::Signature>;

		/// SLA modules a job may ask for.
		#[pallet::constant]
		type MaxModules: Get<u32>;

		/// Providers that may miss or fail one job before it is refunded.
		#[pallet::constant]
		type MaxAttempts: Get<u32>;

		/// The longest start delay a job may ask for, in blocks.
		#[pallet::constant]
		type MaxStartDelay: Get<BlockNumberFor<Self>>;

		/// Blocks a job may run when none of its modules bounds its completion.
		#[pallet::constant]
		type DefaultRunBlocks: Get<BlockNumberFor<Self>>;

		/// Blocks between a provider's heartbeats.
		#[pallet::constant]
		type HeartbeatPeriod: Get<BlockNumberFor<Self>>;

		/// The uptime window of a provider without an Uptime module.
		#[pallet::constant]
		type DefaultUptimeWindow: Get<u32>;

		/// Blocks for a reputation to come halfway back to neutral.
		#[pallet::constant]
		type ReputationHalfLife: Get<BlockNumberFor<Self>>;

		/// Assignments in one routing batch.
		#[pallet::constant]
		type MaxBatch: Get<u32>;

		/// Blocks a routing batch stays valid after the block it was computed at.
		#[pallet::constant]
		type BatchLifetime: Get<BlockNumberFor<Self>>;

		/// Routing keys at most.
		#[pallet::constant]
		type MaxRouters: Get<u32>;

		/// Deadlines (and uptime checks) that may fall in one block: bounds the sweep.
		#[pallet::constant]
		type MaxDeadlinesPerBlock: Get<u32>;

		/// Pending jobs a routing worker reads in one round.
		#[pallet::constant]
		type MaxRoutingJobs: Get<u32>;

		/// Milliseconds of one block: converts run deadlines into agent limits.
		#[pallet::constant]
		type BlockTimeMs: Get<u64>;

		/// Blocks a finished job stays on chain (readable, its breaches reportable)
		/// before anyone may prune it.
		#[pallet::constant]
		type JobRetention: Get<BlockNumberFor<Self>>;

		/// Weights from this pallet's benchmarks.
		type WeightInfo: WeightInfo;

		/// Classes, providers and tokens for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// The next job id.
	#[pallet::storage]
	pub type NextJobId<T> = StorageValue<_, JobId, ValueQuery>;

	/// Every job, by id.
	#[pallet::storage]
	pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, JobId, JobOf<T>>;

	/// A job's workload, kept apart so routing reads jobs without it.
	#[pallet::storage]
	pub type Workloads<T: Config> = StorageMap<_, Twox64Concat, JobId, Workload>;

	/// A job's history.
	#[pallet::storage]
	pub type JobHistory<T: Config> = StorageMap<_, Twox64Concat, JobId, HistoryOf<T>, ValueQuery>;

	/// The pending jobs, in id order: what routing reads.
	#[pallet::storage]
	pub type PendingJobs<T: Config> = StorageMap<_, Twox64Concat, JobId, ()>;

	/// The block each finished job finished at: prunable `JobRetention` later.
	#[pallet::storage]
	pub type FinishedAt<T: Config> = StorageMap<_, Twox64Concat, JobId, BlockNumberFor<T>>;

	/// Jobs in flight (assigned or running), by provider.
	#[pallet::storage]
	pub type ProviderJobs<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, JobId, ()>;

	/// Units of jobs in flight, by provider and class: never more than it owes.
	#[pallet::storage]
	pub type AssignedUnits<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		ClassId,
		Units,
		ValueQuery,
	>;

	/// The jobs whose start or completion deadline is a block.
	#[pallet::storage]
	pub type Deadlines<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<JobId, T::MaxDeadlinesPerBlock>,
		ValueQuery,
	>;

	/// The workload kinds each class's providers must run, and that its jobs may use.
	#[pallet::storage]
	pub type ClassKinds<T: Config> = StorageMap<_, Twox64Concat, ClassId, WorkloadKinds>;

	/// Providers' service declarations.
	#[pallet::storage]
	pub type Services<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, ServiceOf<T>>;

	/// The provider each operator key reports for.
	#[pallet::storage]
	pub type Operators<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, T::AccountId>;

	/// Heartbeats over each provider's current uptime window.
	#[pallet::storage]
	pub type Liveness<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, UptimeWindow<BlockNumberFor<T>>>;

	/// The providers whose uptime window ends at a block.
	#[pallet::storage]
	pub type UptimeChecks<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<T::AccountId, T::MaxDeadlinesPerBlock>,
		ValueQuery,
	>;

	/// Providers' delivery scores.
	#[pallet::storage]
	pub type Reputations<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, Reputation<BlockNumberFor<T>>>;

	/// The routing keys: the validators whose workers may assign jobs.
	#[pallet::storage]
	pub type Routers<T: Config> =
		StorageValue<_, BoundedVec<T::RoutingId, T::MaxRouters>, ValueQuery>;

	/// The block of the last batch applied from each routing key: older ones are stale.
	#[pallet::storage]
	pub type LastBatch<T: Config> =
		StorageMap<_, Blake2_128Concat, T::RoutingId, BlockNumberFor<T>>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		pub routers: alloc::vec::Vec<T::RoutingId>,
		pub class_kinds: alloc::vec::Vec<(ClassId, WorkloadKinds)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let routers: BoundedVec<_, T::MaxRouters> =
				self.routers.clone().try_into().expect("genesis routers fit MaxRouters");
			Routers::<T>::put(routers);
			for (class, kinds) in &self.class_kinds {
				ClassKinds::<T>::insert(class, kinds);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `owner` redeemed `units` of `class` for a job.
		JobSubmitted {
			job: JobId,
			owner: T::AccountId,
			class: ClassId,
			units: Units,
			modules: alloc::vec::Vec<ModuleId>,
			kind: WorkloadKind,
			max_start_delay: BlockNumberFor<T>,
		},
		/// The owner cancelled a pending job: its units were minted back.
		JobCancelled { job: JobId, owner: T::AccountId, units: Units },
		/// A routing batch assigned the job; it must start by `start_by`.
		JobAssigned { job: JobId, provider: T::AccountId, start_by: BlockNumberFor<T> },
		/// A routing batch's assignment was refused: the job stays as it was.
		AssignmentRefused { job: JobId, provider: T::AccountId, reason: Refusal },
		/// The provider started the job; it must complete by `complete_by`.
		JobStarted { job: JobId, provider: T::AccountId, complete_by: BlockNumberFor<T> },
		/// The job completed: `usage` settled to the provider, `refunded` minted back to the owner.
		JobCompleted {
			job: JobId,
			provider: T::AccountId,
			usage: Units,
			refunded: Units,
			result_hash: H256,
		},
		/// The provider missed a deadline or failed the job; `violation` says whether
		/// its SLA breach was recorded (it is not when the module was already judged
		/// for this job).
		JobBreached {
			job: JobId,
			provider: T::AccountId,
			breach: Breach,
			module: ModuleId,
			violation: bool,
		},
		/// A failed report's reason, as the provider gave it.
		JobFailed { job: JobId, provider: T::AccountId, reason: FailureReason },
		/// The job went back to pending for another provider.
		JobRerouted { job: JobId, attempt: u32 },
		/// No provider delivered the job: every unit was minted back to the owner.
		JobRefunded { job: JobId, owner: T::AccountId, units: Units },
		/// A class's workload kinds were set.
		ClassKindsSet { class: ClassId, kinds: WorkloadKinds },
		/// A provider declared what it runs and how many jobs at once.
		ServiceDeclared { provider: T::AccountId, kinds: WorkloadKinds, concurrency: u32 },
		/// A provider named its operator key.
		OperatorSet { provider: T::AccountId, operator: T::AccountId },
		/// A provider's operator sent a heartbeat.
		Heartbeat { provider: T::AccountId, at: BlockNumberFor<T> },
		/// A provider's uptime over a window, per-mille.
		UptimeMeasured { provider: T::AccountId, per_mille: u32, window: u32 },
		/// The routing keys were replaced.
		RoutersSet { routers: alloc::vec::Vec<T::RoutingId> },
		/// A finished job was removed from storage with its workload and history.
		JobPruned { job: JobId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No compute class has this id.
		UnknownClass,
		/// A job must redeem at least one unit.
		ZeroUnits,
		/// A job must ask for at least one SLA module: its bond is what backs it.
		NoModules,
		/// More modules than `MaxModules`, or one twice.
		TooManyModules,
		/// A module does not exist or is retired.
		UnknownModule,
		/// The workload encodes to more than 1 KiB.
		WorkloadTooLarge,
		/// The class does not accept this workload kind.
		KindNotAccepted,
		/// The workload is malformed: an empty program, image or script.
		InvalidWorkload,
		/// The start delay is zero or above `MaxStartDelay`.
		InvalidStartDelay,
		/// No job has this id.
		UnknownJob,
		/// Only the job's owner may do this.
		NotOwner,
		/// The job is not pending.
		NotPending,
		/// The sender is not the operator of a provider.
		NotOperator,
		/// The job is not assigned to or running on the sender's provider.
		NotAssignedToYou,
		/// Reports come in order, once each: Started, then Completed or Failed.
		ReportOutOfOrder,
		/// Usage above the units the job redeemed.
		UsageAboveUnits,
		/// The sender is not a registered provider.
		NotProvider,
		/// Concurrency must be at least one.
		ZeroConcurrency,
		/// A provider must run at least one workload kind.
		NoKinds,
		/// The key already operates another provider.
		OperatorInUse,
		/// A heartbeat came less than half a period after the last one.
		HeartbeatTooEarly,
		/// More routing keys than `MaxRouters`.
		TooManyRouters,
		/// A batch assigned no job, or one job twice.
		InvalidBatch,
		/// An id or count overflowed.
		Overflow,
		/// The job has not finished: only finished jobs are pruned.
		NotFinished,
		/// The job finished less than `JobRetention` blocks ago.
		StillRetained,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Sweeps the deadlines and uptime windows that end at this block.
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let deadlines = Self::sweep_deadlines(now);
			let checks = Self::sweep_uptime(now);
			T::WeightInfo::on_initialize_deadlines(deadlines)
				.saturating_add(T::WeightInfo::on_initialize_uptime(checks))
		}

		/// Routes pending jobs (with a routing key) and serves this node's
		/// providers' jobs (with an operator key).
		fn offchain_worker(now: BlockNumberFor<T>) {
			offchain::run::<T>(now);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Redeems `units` of `class` for a job running `workload` under `modules`:
		/// from the caller's wallet, and what the wallet lacks from its trading account.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::submit_job(modules.len() as u32)
			.saturating_add(T::TradingAccount::fund_redemption_weight()))]
		pub fn submit_job(
			origin: OriginFor<T>,
			class: ClassId,
			units: Units,
			modules: alloc::vec::Vec<ModuleId>,
			workload: Workload,
			max_start_delay: BlockNumberFor<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_submit_job(who, class, units, modules, workload, max_start_delay).map(|_| ())
		}

		/// Cancels the sender's pending job: every unit is minted back.
		#[pallet::call_index(1)]
		pub fn cancel_job(origin: OriginFor<T>, job: JobId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_cancel_job(who, job)
		}

		/// Applies a routing worker's batch. Each assignment is checked again; a
		/// refused one leaves its job as it was and the rest still land.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::assign_jobs(batch.assignments.len() as u32))]
		#[pallet::authorize(Pallet::<T>::authorize_batch)]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_assign_jobs())]
		pub fn assign_jobs(
			origin: OriginFor<T>,
			batch: RoutingBatchOf<T>,
			signature: RoutingSignatureOf<T>,
		) -> DispatchResult {
			ensure_authorized(origin)?;
			let _ = signature;
			Self::do_assign_jobs(batch)
		}

		/// The operator's report of a job assigned to its provider.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::report_job_completed()
			.max(T::WeightInfo::report_job_failed())
			.max(T::WeightInfo::report_job_started()))]
		pub fn report_job(
			origin: OriginFor<T>,
			job: JobId,
			report: JobReport,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_report_job(who, job, report)
		}

		/// The operator's heartbeat: free when on time.
		#[pallet::call_index(4)]
		pub fn heartbeat(origin: OriginFor<T>) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let on_time = Self::do_heartbeat(who)?;
			Ok(if on_time { Pays::No } else { Pays::Yes }.into())
		}

		/// A provider names the hot key that reports its jobs and heartbeats.
		#[pallet::call_index(5)]
		pub fn set_operator(origin: OriginFor<T>, operator: T::AccountId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_operator(who, operator)
		}

		/// A provider declares the workload kinds it runs and its jobs in flight at most.
		#[pallet::call_index(6)]
		pub fn declare_service(
			origin: OriginFor<T>,
			kinds: WorkloadKinds,
			concurrency: u32,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_declare_service(who, kinds, concurrency)
		}

		/// Sets the workload kinds a class's providers must run.
		#[pallet::call_index(7)]
		pub fn set_class_kinds(
			origin: OriginFor<T>,
			class: ClassId,
			kinds: WorkloadKinds,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_set_class_kinds(class, kinds)
		}

		/// Replaces the routing keys.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::set_routers(routers.len() as u32))]
		pub fn set_routers(
			origin: OriginFor<T>,
			routers: alloc::vec::Vec<T::RoutingId>,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_set_routers(routers)
		}

		/// Removes a job that finished at least `JobRetention` blocks ago, with its
		/// workload, history and the SLA's marks of its judged breaches. Anyone may;
		/// a prune that removes a job is free (its submission paid for the storage),
		/// one that fails pays.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::prune_job())]
		pub fn prune_job(origin: OriginFor<T>, job: JobId) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			Self::do_prune_job(job)?;
			Ok(Pays::No.into())
		}
	}

	impl<T: Config> Pallet<T> {
		/// A batch is valid in the pool when a routing key signed it, it was computed
		/// at a block no older than `BatchLifetime` and after that key's last applied
		/// batch, and it assigns at least one job. It provides (router, block): one
		/// batch per key per block.
		pub(crate) fn authorize_batch(
			_source: TransactionSource,
			batch: &RoutingBatchOf<T>,
			signature: &RoutingSignatureOf<T>,
		) -> TransactionValidityWithRefund {
			Self::check_batch(batch, signature)?;
			let lifetime: u64 = T::BatchLifetime::get().try_into().unwrap_or(u64::MAX);
			let validity = ValidTransaction::with_tag_prefix("utc/routing")
				.priority(TransactionPriority::MAX / 2)
				.and_provides((batch.router.clone(), batch.at))
				.longevity(lifetime.max(1))
				.propagate(true)
				.build()?;
			Ok((validity, Weight::zero()))
		}
	}
}

impl<T: Config> sp_runtime::BoundToRuntimeAppPublic for Pallet<T> {
	type Public = T::RoutingId;
}
