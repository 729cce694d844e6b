//! A test runtime: frame-system, balances, the session pallet managed by this
//! pallet, and blocks whose author is named in a pre-runtime digest.

use crate as pallet_validator_set;
use codec::{Decode, Encode};
use frame_support::{
	derive_impl,
	traits::{ConstU128, ConstU32, ConstU64, FindAuthor, Hooks},
};
use frame_system::EnsureRoot;
use sp_runtime::{
	testing::UintAuthorityId,
	traits::{ConvertInto, OpaqueKeys},
	BuildStorage, ConsensusEngineId, DigestItem, KeyTypeId,
};

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
	pub type ValidatorSet = pallet_validator_set;
	#[runtime::pallet_index(3)]
	pub type Session = pallet_session;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = ConstU128<1>;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

pub const MAX_VALIDATORS: u32 = 6;
pub const MIN_VALIDATORS: u32 = 2;
pub const MIN_SESSION_LENGTH: u64 = 4;
pub const SESSION_LENGTH: u64 = 10;
/// The genesis validators.
pub const GENESIS: [AccountId; 4] = [1, 2, 3, 4];

/// The engine id of the test digest that names a block's author.
pub const AUTHOR_ENGINE: ConsensusEngineId = *b"test";

/// Reads the author from a `test` pre-runtime digest holding its account.
pub struct DigestAuthor;
impl FindAuthor<AccountId> for DigestAuthor {
	fn find_author<'a, I>(digests: I) -> Option<AccountId>
	where
		I: 'a + IntoIterator<Item = (ConsensusEngineId, &'a [u8])>,
	{
		digests
			.into_iter()
			.find(|(engine, _)| *engine == AUTHOR_ENGINE)
			.and_then(|(_, mut data)| AccountId::decode(&mut data).ok())
	}
}

/// The digest naming `who` as the block's author.
pub fn author_digest(who: AccountId) -> DigestItem {
	DigestItem::PreRuntime(AUTHOR_ENGINE, who.encode())
}

/// Session keys are a `UintAuthorityId`; nothing is told of sessions.
pub struct TestSessionHandler;
impl pallet_session::SessionHandler<AccountId> for TestSessionHandler {
	const KEY_TYPE_IDS: &'static [KeyTypeId] = &[sp_runtime::key_types::DUMMY];
	fn on_genesis_session<K: OpaqueKeys>(_validators: &[(AccountId, K)]) {}
	fn on_new_session<K: OpaqueKeys>(
		_changed: bool,
		_validators: &[(AccountId, K)],
		_queued: &[(AccountId, K)],
	) {
	}
	fn on_disabled(_index: u32) {}
}

type Sessions = pallet_session::PeriodicSessions<crate::SessionPeriod<Test>, ConstU64<0>>;

impl pallet_session::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = ConvertInto;
	type ShouldEndSession = Sessions;
	type NextSessionRotation = Sessions;
	type SessionManager = ValidatorSet;
	type SessionHandler = TestSessionHandler;
	type Keys = UintAuthorityId;
	type DisablingStrategy = ();
	type WeightInfo = ();
	type Currency = Balances;
	type KeyDeposit = ConstU128<0>;
}

impl pallet_validator_set::Config for Test {
	type AdminOrigin = EnsureRoot<AccountId>;
	type FindAuthor = DigestAuthor;
	type MaxValidators = ConstU32<MAX_VALIDATORS>;
	type MinValidators = ConstU32<MIN_VALIDATORS>;
	type MinSessionLength = ConstU64<MIN_SESSION_LENGTH>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchmarkAuthor;
}

/// The benchmarks' author: genesis validator 1.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchmarkAuthor;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper for BenchmarkAuthor {
	fn author_digest() -> DigestItem {
		author_digest(GENESIS[0])
	}
}

/// Accounts 1 to 20 are funded; the `GENESIS` validators have session keys
/// (`UintAuthorityId` of their account) and are the set.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: (1..=20).map(|who| (who, 1_000)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_validator_set::GenesisConfig::<Test> {
		validators: GENESIS.to_vec(),
		session_length: SESSION_LENGTH,
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_session::GenesisConfig::<Test> {
		keys: GENESIS.iter().map(|who| (*who, *who, UintAuthorityId(*who))).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs `test` on the genesis state, then checks the pallet's invariants.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		ValidatorSet::do_try_state().expect("invariants hold");
	});
}

/// Builds blocks up to `n`, each authored by `author(block)` (`None`: no author
/// digest), running the session pallet's and this pallet's hooks and checking
/// the invariants after each.
pub fn run_to_block(n: u64, author: impl Fn(u64) -> Option<AccountId>) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		let mut digest = sp_runtime::Digest::default();
		if let Some(who) = author(next) {
			digest.push(author_digest(who));
		}
		System::initialize(&next, &Default::default(), &digest);
		ValidatorSet::on_initialize(next);
		Session::on_initialize(next);
		ValidatorSet::do_try_state().expect("invariants hold");
	}
}

/// Round-robin authorship over the session's validators, as Aura assigns slots.
pub fn round_robin(block: u64) -> Option<AccountId> {
	let set = pallet_session::Validators::<Test>::get();
	(!set.is_empty()).then(|| set[(block as usize) % set.len()])
}

/// Builds blocks in round robin until session `index` has started.
pub fn run_to_session(index: u32) {
	while pallet_session::CurrentIndex::<Test>::get() < index {
		run_to_block(System::block_number() + 1, round_robin);
	}
}

/// This pallet's events so far.
pub fn events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::ValidatorSet(event) => Some(event),
			_ => None,
		})
		.collect()
}
