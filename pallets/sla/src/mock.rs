//! A test runtime: frame-system, balances and the SLA pallet, with the compute and
//! job sides played by small in-memory tables.

use crate as pallet_sla;
use core::cell::RefCell;
use frame_support::{derive_impl, parameter_types, traits::ConstU128};
use frame_system::EnsureRoot;
use sp_runtime::{BuildStorage, Perbill};
use std::collections::{BTreeMap, BTreeSet};
use utc_primitives::{ClassId, ComputeInspect, JobId, JobInspect, JobRecord, ModuleId, Units};

use crate::types::*;

pub type AccountId = u64;
pub type Balance = u128;
type Block = frame_system::mocking::MockBlock<Test>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(2)]
	pub type Sla = pallet_sla;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = ConstU128<{ ED }>;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

pub const ED: Balance = 10;
pub const TREASURY: AccountId = 99;
pub const MAX_SUBSCRIPTIONS: u32 = 4;
pub const MAX_CHUNKS: u32 = 3;
pub const MAX_DISPUTES: u32 = 2;
pub const SLASH_PAGE: u32 = 2;
pub const MAX_HISTORY: u32 = 3;
pub const UNBONDING_DELAY: u64 = 10;
pub const DISPUTE_WINDOW: u64 = 4;
pub const SLASH_DEFER: u64 = 3;

parameter_types! {
	pub const Treasury: AccountId = TREASURY;
	pub const ReporterBounty: Perbill = Perbill::from_percent(10);
}

thread_local! {
	static PROVIDERS: RefCell<BTreeSet<AccountId>> = const { RefCell::new(BTreeSet::new()) };
	static CLASSES: RefCell<BTreeSet<ClassId>> = const { RefCell::new(BTreeSet::new()) };
	static OBLIGATIONS: RefCell<BTreeMap<(AccountId, ClassId), Units>> =
		const { RefCell::new(BTreeMap::new()) };
	static JOBS: RefCell<BTreeMap<JobId, JobRecord<AccountId>>> =
		const { RefCell::new(BTreeMap::new()) };
}

/// The compute side: registered providers, classes and obligations.
pub struct MockCompute;
impl ComputeInspect<AccountId> for MockCompute {
	fn class_exists(class: ClassId) -> bool {
		CLASSES.with(|c| c.borrow().contains(&class))
	}
	fn is_provider(who: &AccountId) -> bool {
		PROVIDERS.with(|p| p.borrow().contains(who))
	}
	fn obligation(provider: &AccountId, class: ClassId) -> Units {
		OBLIGATIONS.with(|o| o.borrow().get(&(*provider, class)).copied().unwrap_or_default())
	}
}

impl MockCompute {
	pub fn register(who: AccountId) {
		PROVIDERS.with(|p| p.borrow_mut().insert(who));
	}
	pub fn add_class(class: ClassId) {
		CLASSES.with(|c| c.borrow_mut().insert(class));
	}
	pub fn set_obligation(who: AccountId, class: ClassId, units: Units) {
		OBLIGATIONS.with(|o| o.borrow_mut().insert((who, class), units));
	}
}

/// The job side: jobs by id.
pub struct MockJobs;
impl JobInspect<AccountId> for MockJobs {
	fn job(job: JobId) -> Option<JobRecord<AccountId>> {
		JOBS.with(|j| j.borrow().get(&job).cloned())
	}
}

impl MockJobs {
	/// A job under both modules `with_modules` defines.
	pub fn insert(
		job: JobId,
		owner: AccountId,
		provider: Option<AccountId>,
		class: ClassId,
		units: Units,
	) {
		Self::insert_under(job, owner, provider, class, units, vec![0, 1]);
	}

	pub fn insert_under(
		job: JobId,
		owner: AccountId,
		provider: Option<AccountId>,
		class: ClassId,
		units: Units,
		modules: Vec<ModuleId>,
	) {
		let record = JobRecord { owner, provider, class, units, modules };
		JOBS.with(|j| j.borrow_mut().insert(job, record));
	}
}

#[cfg(feature = "runtime-benchmarks")]
pub struct MockBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for MockBenchmarkHelper {
	fn register_provider(who: &AccountId) {
		MockCompute::register(*who);
	}
	fn class(index: u32) -> ClassId {
		MockCompute::add_class(index);
		index
	}
	fn job(
		owner: &AccountId,
		provider: &AccountId,
		class: ClassId,
		units: Units,
		modules: &[ModuleId],
	) -> JobId {
		let id = JOBS.with(|j| j.borrow().len() as JobId);
		MockJobs::insert_under(id, *owner, Some(*provider), class, units, modules.to_vec());
		id
	}
}

impl pallet_sla::Config for Test {
	type AdminOrigin = EnsureRoot<AccountId>;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Compute = MockCompute;
	type Jobs = MockJobs;
	type OnSlash = frame_support::traits::tokens::imbalance::ResolveTo<Treasury, Balances>;
	type ReporterBounty = ReporterBounty;
	type MaxSubscriptions = frame_support::traits::ConstU32<MAX_SUBSCRIPTIONS>;
	type MaxUnbondingChunks = frame_support::traits::ConstU32<MAX_CHUNKS>;
	type MaxDisputesPerBlock = frame_support::traits::ConstU32<MAX_DISPUTES>;
	type SlashPageSize = frame_support::traits::ConstU32<SLASH_PAGE>;
	type MaxSlashHistory = frame_support::traits::ConstU32<MAX_HISTORY>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockBenchmarkHelper;
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
pub const OWNER: AccountId = 4;
pub const CLASS: ClassId = 0;
pub const OTHER_CLASS: ClassId = 1;

/// The genesis of the tests: funded accounts, two classes, two providers.
#[derive(Default)]
pub struct ExtBuilder {
	pub modules: Vec<(ModuleKind, Balance, PenaltySchedule<Balance>)>,
}

pub fn penalty() -> PenaltySchedule<Balance> {
	PenaltySchedule {
		min_rate: Perbill::from_percent(10),
		max_rate: Perbill::from_percent(50),
		compensation_per_unit: 2,
	}
}

impl ExtBuilder {
	/// Two modules: 0 Uptime ≥ 990‰ at 10 per unit, 1 StartLatency ≤ 5 blocks at 5 per unit.
	pub fn with_modules(mut self) -> Self {
		self.modules = vec![
			(ModuleKind::Uptime { min_per_mille: 990, window: 100 }, 10, penalty()),
			(ModuleKind::StartLatency { max_blocks: 5 }, 5, penalty()),
		];
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: vec![
				(ALICE, 100_000),
				(BOB, 100_000),
				(CHARLIE, 100_000),
				(OWNER, 1_000),
				(TREASURY, 1_000),
			],
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		pallet_sla::GenesisConfig::<Test> {
			parameters: Some(SlaParameters {
				unbonding_delay: UNBONDING_DELAY,
				dispute_window: DISPUTE_WINDOW,
				slash_defer: SLASH_DEFER,
			}),
			modules: self.modules,
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(1);
			MockCompute::add_class(CLASS);
			MockCompute::add_class(OTHER_CLASS);
			MockCompute::register(ALICE);
			MockCompute::register(BOB);
		});
		ext
	}

	/// Runs `test`, then checks the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Sla::do_try_state().expect("invariants hold");
		});
	}
}

/// Moves to block `n`, running the pallet's hooks at each block on the way and
/// checking its invariants after each.
pub fn run_to_block(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Sla::on_initialize(next);
		Sla::do_try_state().expect("invariants hold");
	}
}

/// The events this pallet deposited, oldest first.
pub fn sla_events() -> Vec<pallet_sla::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Sla(e) => Some(e),
			_ => None,
		})
		.collect()
}
