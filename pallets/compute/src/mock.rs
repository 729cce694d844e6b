//! A test runtime: frame-system, balances, assets and this pallet.

use crate as pallet_compute;
use frame_support::{
	derive_impl, parameter_types,
	traits::{AsEnsureOriginWithArg, ConstU32, ConstU64},
	PalletId,
};
use frame_system::{EnsureRoot, EnsureSigned};
use sp_core::{sr25519, Pair, H256};
use sp_keystore::{testing::MemoryKeystore, KeystoreExt};
use sp_runtime::{BuildStorage, MultiSignature};
use std::cell::Cell;
use utc_primitives::{BackingCheck, ClassId, Units};

use crate::{types::*, AttestationPayloadOf};

pub type AccountId = u64;
pub type Balance = u64;
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
	pub type Assets = pallet_assets;
	#[runtime::pallet_index(3)]
	pub type Compute = pallet_compute;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

#[derive_impl(pallet_assets::config_preludes::TestDefaultConfig)]
impl pallet_assets::Config for Test {
	type Balance = u128;
	type Currency = Balances;
	type CreateOrigin = AsEnsureOriginWithArg<EnsureSigned<AccountId>>;
	type ForceOrigin = EnsureRoot<AccountId>;
	type MetadataDepositBase = ConstU64<0>;
	type MetadataDepositPerByte = ConstU64<0>;
}

thread_local! {
	/// Units of obligation the mock bond backs per provider and class.
	pub static BACKING_LIMIT: Cell<Units> = const { Cell::new(Units::MAX) };
}

/// Backs obligations up to [`BACKING_LIMIT`] per provider and class.
pub struct MockBacking;
impl BackingCheck<AccountId> for MockBacking {
	fn backable(_: &AccountId, class: ClassId, owed: &dyn Fn(ClassId) -> Units) -> Units {
		BACKING_LIMIT.get().saturating_sub(owed(class))
	}
}

parameter_types! {
	pub const ComputePalletId: PalletId = PalletId(*b"utc/cmpt");
}

pub const PROVIDER_DEPOSIT: Balance = 100;
pub const MAX_ATTESTATIONS: u32 = 4;
pub const MAX_EXPIRIES: u32 = 3;
pub const MAX_START_DELAY: u64 = 100;
pub const MAX_WINDOW: u64 = 1_000;

impl pallet_compute::Config for Test {
	type AdminOrigin = EnsureRoot<AccountId>;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type AssetId = u32;
	type Assets = Assets;
	type Backing = MockBacking;
	type PalletId = ComputePalletId;
	type ProviderDeposit = ConstU64<PROVIDER_DEPOSIT>;
	type StringLimit = ConstU32<32>;
	type MaxAttestationsPerProvider = ConstU32<MAX_ATTESTATIONS>;
	type MaxExpiriesPerBlock = ConstU32<MAX_EXPIRIES>;
	type MaxStartDelay = ConstU64<MAX_START_DELAY>;
	type MaxAttestationWindow = ConstU64<MAX_WINDOW>;
	type WeightInfo = ();
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
pub const POOR: AccountId = 9;
pub const H100: ClassId = 0;

/// The attestor registered at genesis, and its key.
pub fn attestor_pair() -> sr25519::Pair {
	sr25519::Pair::from_string("//Attestor", None).expect("valid dev seed")
}

pub fn attestor() -> AttestorKey {
	AttestorKey::Sr25519(attestor_pair().public())
}

/// An attestation of `units` of H100 hours for `provider`, valid in blocks 1..=500.
pub fn payload(provider: AccountId, units: Units, nonce: u64) -> AttestationPayloadOf<Test> {
	AttestationPayload {
		genesis_hash: Compute::genesis_hash(),
		provider,
		class: H100,
		units,
		valid_from: 1,
		valid_until: 501,
		evidence_hash: H256::repeat_byte(7),
		nonce,
	}
}

/// The attestor's signature of `payload`.
pub fn sign(pair: &sr25519::Pair, payload: &AttestationPayloadOf<Test>) -> MultiSignature {
	MultiSignature::Sr25519(pair.sign(&payload.message()))
}

pub struct ExtBuilder {
	backing_limit: Units,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { backing_limit: Units::MAX }
	}
}

impl ExtBuilder {
	pub fn backing_limit(mut self, limit: Units) -> Self {
		self.backing_limit = limit;
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		BACKING_LIMIT.set(self.backing_limit);
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: vec![(ALICE, 1_000), (BOB, 1_000), (CHARLIE, 1_000), (POOR, 50)],
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		pallet_compute::GenesisConfig::<Test> {
			classes: vec![(
				b"H100 GPU hour".to_vec(),
				b"UTC-H100".to_vec(),
				ResourceKind::Gpu,
				ComputeUnit::Hour,
				b"NVIDIA H100".to_vec(),
				80 * 1024,
				1_000,
				3,
			)],
			attestors: vec![(attestor(), AttestorKind::TeeVerifier, b"dev verifier".to_vec())],
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.register_extension(KeystoreExt::new(MemoryKeystore::new()));
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Builds, runs `test`, then checks the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Compute::do_try_state().expect("invariants hold");
		});
	}
}

/// Advances to block `n`, running each block's `on_initialize` and checking the
/// invariants after each.
pub fn run_to_block(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Compute::on_initialize(next);
		Compute::do_try_state().expect("invariants hold");
	}
}

/// The pallet events emitted so far, oldest first.
pub fn compute_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Compute(event) => Some(event),
			_ => None,
		})
		.collect()
}
