#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod impls;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use types::*;
pub use weights::WeightInfo;

/// What the benchmarks need from the rest of the runtime: providers, classes and
/// jobs that the pallet itself does not create.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Makes `who` a registered provider.
	fn register_provider(who: &AccountId);
	/// The id of a distinct existing class for each `index`, created if needed.
	fn class(index: u32) -> utc_primitives::ClassId;
	/// A job of `owner` for `units` of `class` under `modules`, served by `provider`.
	fn job(
		owner: &AccountId,
		provider: &AccountId,
		class: utc_primitives::ClassId,
		units: utc_primitives::Units,
		modules: &[utc_primitives::ModuleId],
	) -> utc_primitives::JobId;
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{fungible, OnUnbalanced},
	};
	use frame_system::pallet_prelude::*;
	use sp_core::H256;
	use sp_runtime::Perbill;
	use utc_primitives::{ClassId, ComputeInspect, Evidence, JobId, JobInspect, ModuleId, Units};

	/// The native balance of an account.
	pub type BalanceOf<T> = <<T as Config>::Currency as fungible::Inspect<
		<T as frame_system::Config>::AccountId,
	>>::Balance;
	/// Native funds taken from a bond and not yet placed anywhere.
	pub type CreditOf<T> =
		fungible::Credit<<T as frame_system::Config>::AccountId, <T as Config>::Currency>;
	pub type SlaModuleOf<T> = SlaModule<BalanceOf<T>>;
	pub type BondLedgerOf<T> = BondLedger<BlockNumberFor<T>, <T as Config>::MaxUnbondingChunks>;
	pub type SubscriptionsOf<T> = BoundedVec<(ClassId, ModuleId), <T as Config>::MaxSubscriptions>;
	pub type DisputeOf<T> = Dispute<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;
	pub type PendingSlashOf<T> =
		PendingSlash<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
	pub type SlashRecordOf<T> = SlashRecord<BalanceOf<T>, BlockNumberFor<T>>;
	pub type SlaParametersOf<T> = SlaParameters<BlockNumberFor<T>>;
	pub type BondViewOf<T> = BondView<BalanceOf<T>, BlockNumberFor<T>>;

	/// The layout of this pallet's storage; a change to it comes with a migration.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Defines and retires modules, records violations seen off chain, resolves
		/// disputes, cancels wrong slashes and sets the delays.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The native currency: bonds are held in it and slashes paid from the hold.
		type Currency: fungible::Mutate<Self::AccountId, Balance = u128>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::BalancedHold<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// Classes, providers and obligations (pallet-compute).
		type Compute: ComputeInspect<Self::AccountId>;

		/// Jobs: who owns one and who served it (the federation pallet).
		type Jobs: JobInspect<Self::AccountId>;

		/// Receives what a slash leaves after compensation and bounty, as a
		/// credit taken from the bond (the treasury).
		type OnSlash: OnUnbalanced<CreditOf<Self>>;

		/// The reporter's share of an upheld report's slash, paid after the job
		/// owner's compensation.
		#[pallet::constant]
		type ReporterBounty: Get<Perbill>;

		/// (class, module) subscriptions a provider may hold.
		#[pallet::constant]
		type MaxSubscriptions: Get<u32>;

		/// Unbonding chunks a provider may have at once.
		#[pallet::constant]
		type MaxUnbondingChunks: Get<u32>;

		/// Disputes whose deadline may fall in one block: bounds the timeout sweep.
		#[pallet::constant]
		type MaxDisputesPerBlock: Get<u32>;

		/// Due slashes applied per block at most: one page.
		#[pallet::constant]
		type SlashPageSize: Get<u32>;

		/// Applied slashes kept per provider for clients to read.
		#[pallet::constant]
		type MaxSlashHistory: Get<u32>;

		/// Weights from this pallet's benchmarks.
		type WeightInfo: WeightInfo;

		/// Providers, classes and jobs for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// Why this pallet holds native funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A provider's bond, active or unbonding.
		#[codec(index = 0)]
		Bond,
	}

	/// Delays for a chain that has not set its own: a week to unbond, a day each to
	/// respond to a report and to cancel a slash (at six-second blocks).
	#[pallet::type_value]
	pub fn DefaultParameters<T: Config>() -> SlaParametersOf<T> {
		SlaParameters {
			unbonding_delay: 100_800u32.into(),
			dispute_window: 14_400u32.into(),
			slash_defer: 14_400u32.into(),
		}
	}

	/// The delays of bonds, disputes and slashes.
	#[pallet::storage]
	pub type Parameters<T: Config> =
		StorageValue<_, SlaParametersOf<T>, ValueQuery, DefaultParameters<T>>;

	/// The id the next module gets.
	#[pallet::storage]
	pub type NextModuleId<T> = StorageValue<_, ModuleId, ValueQuery>;

	/// SLA modules, retired ones too (their breaches may still be slashed).
	#[pallet::storage]
	pub type Modules<T: Config> = StorageMap<_, Twox64Concat, ModuleId, SlaModuleOf<T>>;

	/// Providers' bonds.
	#[pallet::storage]
	pub type Bonds<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, BondLedgerOf<T>>;

	/// Each provider's (class, module) subscriptions, sorted.
	#[pallet::storage]
	pub type Subscriptions<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, SubscriptionsOf<T>, ValueQuery>;

	/// The id the next dispute gets.
	#[pallet::storage]
	pub type NextDisputeId<T> = StorageValue<_, DisputeId, ValueQuery>;

	/// Open disputes.
	#[pallet::storage]
	pub type Disputes<T: Config> = StorageMap<_, Twox64Concat, DisputeId, DisputeOf<T>>;

	/// Each provider's open disputes.
	#[pallet::storage]
	pub type ProviderDisputes<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, DisputeId, ()>;

	/// The open disputes whose deadline is each block.
	#[pallet::storage]
	pub type DisputeDeadlines<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<DisputeId, T::MaxDisputesPerBlock>,
		ValueQuery,
	>;

	/// Every (job, module) breach reported or recorded: each is judged once.
	#[pallet::storage]
	pub type JobViolations<T: Config> =
		StorageDoubleMap<_, Twox64Concat, JobId, Twox64Concat, ModuleId, ()>;

	/// The id the next slash gets. The sweep applies slashes in id order, each
	/// no earlier than its own `due` block (ids fall due in order while
	/// `slash_defer` is unchanged).
	#[pallet::storage]
	pub type NextSlashId<T> = StorageValue<_, SlashId, ValueQuery>;

	/// The first slash id not yet applied or cancelled: where the sweep resumes.
	#[pallet::storage]
	pub type SlashCursor<T> = StorageValue<_, SlashId, ValueQuery>;

	/// Slashes scheduled and not yet applied.
	#[pallet::storage]
	pub type PendingSlashes<T: Config> = StorageMap<_, Twox64Concat, SlashId, PendingSlashOf<T>>;

	/// The slashes each provider has pending: it withdraws nothing meanwhile, and
	/// their penalties count against its bond when it mints or unbonds.
	#[pallet::storage]
	pub type ProviderPendingSlashes<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, PendingPenalties<BalanceOf<T>>>;

	/// The last `MaxSlashHistory` slashes applied to each provider, oldest first.
	#[pallet::storage]
	pub type SlashHistory<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<SlashRecordOf<T>, T::MaxSlashHistory>,
		ValueQuery,
	>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A module was defined.
		ModuleDefined {
			module: ModuleId,
			kind: ModuleKind,
			bond_per_unit: BalanceOf<T>,
			penalty: PenaltySchedule<BalanceOf<T>>,
		},
		/// A module takes no new subscriptions.
		ModuleRetired { module: ModuleId },
		/// A provider subscribed to a module for a class; `required` is its new bond requirement.
		Subscribed {
			provider: T::AccountId,
			class: ClassId,
			module: ModuleId,
			required: BalanceOf<T>,
		},
		/// A provider left a module for a class.
		Unsubscribed {
			provider: T::AccountId,
			class: ClassId,
			module: ModuleId,
			required: BalanceOf<T>,
		},
		/// A provider added to its bond.
		Bonded { provider: T::AccountId, amount: BalanceOf<T>, active: BalanceOf<T> },
		/// Part of a bond started unbonding; it may be withdrawn at `unlock_at`.
		Unbonding {
			provider: T::AccountId,
			amount: BalanceOf<T>,
			active: BalanceOf<T>,
			unlock_at: BlockNumberFor<T>,
		},
		/// Unbonded funds were released to the provider.
		Withdrawn { provider: T::AccountId, amount: BalanceOf<T> },
		/// A job owner reported a breach: a dispute is open until `deadline`.
		ViolationReported {
			dispute: DisputeId,
			provider: T::AccountId,
			reporter: T::AccountId,
			module: ModuleId,
			job: JobId,
			evidence_hash: H256,
			deadline: BlockNumberFor<T>,
		},
		/// The provider answered a report.
		DisputeResponded { dispute: DisputeId, provider: T::AccountId, response_hash: H256 },
		/// A report was upheld; its slash is scheduled.
		DisputeUpheld { dispute: DisputeId, by: Resolution, evidence: Evidence },
		/// A report was dismissed.
		DisputeDismissed { dispute: DisputeId },
		/// A breach was established (by the chain's evidence, the admin origin or an
		/// upheld report) and its slash scheduled.
		ViolationRecorded {
			provider: T::AccountId,
			module: ModuleId,
			class: ClassId,
			units: Units,
			job: Option<JobId>,
			shortfall: Perbill,
			slash: SlashId,
		},
		/// A slash was scheduled; it is applied from block `due` unless cancelled.
		SlashScheduled {
			slash: SlashId,
			provider: T::AccountId,
			penalty: BalanceOf<T>,
			due: BlockNumberFor<T>,
		},
		/// The admin origin cancelled a slash before it was applied.
		SlashCancelled { slash: SlashId },
		/// A slash was applied: `taken` left the bond and went to the job owner, the
		/// reporter and the treasury.
		Slashed {
			slash: SlashId,
			provider: T::AccountId,
			taken: BalanceOf<T>,
			to_owner: BalanceOf<T>,
			to_reporter: BalanceOf<T>,
			to_treasury: BalanceOf<T>,
		},
		/// A slash left a provider's bond below its requirement: it cannot mint and
		/// is not routed jobs until it bonds more.
		UnderCollateralized { provider: T::AccountId, active: BalanceOf<T>, required: BalanceOf<T> },
		/// The delays changed.
		ParametersSet { parameters: SlaParametersOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No module has this id.
		UnknownModule,
		/// The module is retired: it takes no new subscriptions.
		ModuleRetired,
		/// A term's bound is zero, an uptime is above 1000 per-mille or a region code
		/// is not upper-case letters, digits and `-`.
		InvalidModuleTerm,
		/// A module must ask some bond per unit.
		ZeroBondPerUnit,
		/// A penalty's minimum rate is above its maximum rate.
		InvalidPenaltySchedule,
		/// No compute class has this id.
		UnknownClass,
		/// The account is not a registered provider.
		NotProvider,
		/// The provider subscribes to this module for this class already.
		AlreadySubscribed,
		/// The provider does not subscribe to this module for this class.
		NotSubscribed,
		/// The provider holds `MaxSubscriptions` subscriptions already.
		TooManySubscriptions,
		/// The provider owes compute in this class, which this module backs (retired
		/// or not): deliver or retire it first.
		ObligationsRelyOnModule,
		/// The job was not assigned under this module: a breach of it is judged
		/// against the modules the job named.
		ModuleNotOnJob,
		/// The active bond, less pending penalties, is below what the provider's
		/// obligations require: bond more before withdrawing.
		UnderCollateralized,
		/// The active bond does not cover what the provider's obligations would
		/// require: bond more first.
		InsufficientBond,
		/// An amount of zero.
		ZeroAmount,
		/// The account's free balance cannot cover the bond (it must keep the
		/// existential deposit).
		InsufficientFreeBalance,
		/// The account has no bond.
		NoBond,
		/// More was asked to unbond than is actively bonded.
		UnbondExceedsBond,
		/// What would stay bonded is below the requirement of the provider's obligations.
		BondRequired,
		/// The provider has `MaxUnbondingChunks` chunks unbonding already: withdraw first.
		TooManyUnbondingChunks,
		/// No unbonding chunk has reached its unlock block yet.
		NothingToWithdraw,
		/// No job has this id.
		UnknownJob,
		/// Only the job's owner may report a breach on it.
		NotJobOwner,
		/// The provider named did not serve this job.
		NotJobProvider,
		/// This breach of this job was reported or recorded already.
		DuplicateReport,
		/// `MaxDisputesPerBlock` disputes fall due at that block already: report in
		/// the next block.
		DisputeQueueFull,
		/// No dispute has this id.
		UnknownDispute,
		/// The dispute was upheld or dismissed already.
		DisputeClosed,
		/// Only the reported provider may respond.
		NotDisputeProvider,
		/// The provider has responded already.
		AlreadyResponded,
		/// The evidence meets the module's term: there is no breach.
		NoShortfall,
		/// A breach must affect at least one unit.
		ZeroUnits,
		/// A slash against the provider is pending: withdraw after it is applied or
		/// cancelled.
		SlashPending,
		/// A report against the provider is open: withdraw, or leave its module,
		/// after it is resolved.
		DisputeOpen,
		/// No pending slash has this id (it was applied or cancelled, or never was).
		UnknownSlash,
		/// Delays must be positive, and unbonding must last at least the dispute
		/// window plus the slash deferral.
		InvalidParameters,
		/// An amount overflowed.
		Overflow,
	}

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The delays; the defaults when unset.
		pub parameters: Option<SlaParametersOf<T>>,
		/// Modules defined at genesis, ids from 0: (kind, bond per unit, penalty).
		pub modules: alloc::vec::Vec<(ModuleKind, BalanceOf<T>, PenaltySchedule<BalanceOf<T>>)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if let Some(parameters) = self.parameters {
				Pallet::<T>::do_set_parameters(parameters).expect("genesis SLA delays are valid");
			}
			for (kind, bond_per_unit, penalty) in &self.modules {
				Pallet::<T>::do_define_module(kind.clone(), *bond_per_unit, *penalty)
					.expect("genesis SLA module is valid");
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Lets the reports whose deadline is now stand, then applies a page of due slashes.
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let timed_out = Self::close_timed_out(now);
			let applied = Self::apply_due_slashes(now);
			T::WeightInfo::on_initialize_timeouts(timed_out)
				.saturating_add(T::WeightInfo::on_initialize_slashes(applied))
		}

		fn integrity_test() {
			assert!(T::MaxSubscriptions::get() > 0, "providers must be able to subscribe");
			assert!(T::MaxUnbondingChunks::get() > 0, "providers must be able to unbond");
			assert!(T::SlashPageSize::get() > 0, "slashes must be applied");
			assert!(T::MaxSlashHistory::get() > 0, "applied slashes must be kept");
			assert!(DefaultParameters::<T>::get().is_valid(), "default SLA delays are valid");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Defines a standard SLA module: its term, the bond it asks per unit of
		/// obligation and the penalty of a breach.
		#[pallet::call_index(0)]
		pub fn define_module(
			origin: OriginFor<T>,
			kind: ModuleKind,
			bond_per_unit: BalanceOf<T>,
			penalty: PenaltySchedule<BalanceOf<T>>,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_define_module(kind, bond_per_unit, penalty).map(|_| ())
		}

		/// Retires a module: it takes no new subscriptions.
		#[pallet::call_index(1)]
		pub fn retire_module(origin: OriginFor<T>, module: ModuleId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_retire_module(module)
		}

		/// Subscribes the calling provider to `module` for `class`; its active bond
		/// must cover what its obligations then require.
		#[pallet::call_index(2)]
		pub fn subscribe(origin: OriginFor<T>, class: ClassId, module: ModuleId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_subscribe(who, class, module)
		}

		/// Leaves `module` for `class`; refused while the provider owes compute in
		/// `class` (unless the module is retired) or a report against it is open.
		#[pallet::call_index(3)]
		pub fn unsubscribe(
			origin: OriginFor<T>,
			class: ClassId,
			module: ModuleId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_unsubscribe(who, class, module)
		}

		/// Holds `amount` more of the caller's funds as its bond.
		#[pallet::call_index(4)]
		pub fn bond(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_bond(who, amount)
		}

		/// Starts unbonding `amount`: it stays held (and slashable) until the
		/// unbonding delay has passed and it is withdrawn.
		#[pallet::call_index(5)]
		pub fn unbond(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_unbond(who, amount)
		}

		/// Releases every unbonding chunk whose delay has passed; refused while a
		/// slash or a report against the caller is pending.
		#[pallet::call_index(6)]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw_unbonded(who)
		}

		/// The owner of `job` reports that `provider` breached `module` on it; the
		/// evidence is kept off chain under `evidence_hash`. Opens a dispute.
		#[pallet::call_index(7)]
		pub fn report_violation(
			origin: OriginFor<T>,
			provider: T::AccountId,
			module: ModuleId,
			job: JobId,
			evidence_hash: H256,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_report_violation(who, provider, module, job, evidence_hash).map(|_| ())
		}

		/// The reported provider answers a dispute with the hash of its evidence.
		#[pallet::call_index(8)]
		pub fn respond(
			origin: OriginFor<T>,
			dispute: DisputeId,
			response_hash: H256,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_respond(who, dispute, response_hash)
		}

		/// Closes a dispute: upheld with the breach as measured, or dismissed.
		#[pallet::call_index(9)]
		pub fn resolve(
			origin: OriginFor<T>,
			dispute: DisputeId,
			verdict: Verdict,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_resolve(dispute, verdict)
		}

		/// Records a breach established off chain (an audit, a monitoring network)
		/// and schedules its slash; with a `job`, its owner is compensated first.
		#[pallet::call_index(10)]
		pub fn record_violation(
			origin: OriginFor<T>,
			provider: T::AccountId,
			module: ModuleId,
			class: ClassId,
			units: Units,
			evidence: Evidence,
			job: Option<JobId>,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_record_violation(provider, module, class, units, evidence, job).map(|_| ())
		}

		/// Cancels a slash that has not been applied.
		#[pallet::call_index(11)]
		pub fn cancel_slash(origin: OriginFor<T>, slash: SlashId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_cancel_slash(slash)
		}

		/// Sets the unbonding delay, the dispute window and the slash deferral.
		#[pallet::call_index(12)]
		pub fn set_parameters(
			origin: OriginFor<T>,
			parameters: SlaParametersOf<T>,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_set_parameters(parameters)
		}
	}
}
