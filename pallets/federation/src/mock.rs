//! A test runtime: frame-system, balances, assets, the compute and SLA pallets as
//! they are, and the federation pallet. Accounts are sr25519 keys, so operator and
//! routing keys sign for real.

use crate as pallet_federation;
use crate::types::*;
use frame_support::{
	derive_impl, parameter_types,
	traits::{AsEnsureOriginWithArg, ConstU128, ConstU32, ConstU64, Hooks},
	PalletId,
};
use frame_system::{EnsureRoot, EnsureSigned};
use pallet_compute::{AttestationPayload, AttestorKey, AttestorKind, ComputeUnit, ResourceKind};
use pallet_sla::{ModuleKind, PenaltySchedule, SlaParameters};
use sp_core::{sr25519, Pair, H256};
use sp_keystore::{testing::MemoryKeystore, Keystore, KeystoreExt};
use sp_runtime::{
	generic,
	traits::{BlakeTwo256, IdentityLookup},
	BuildStorage, MultiSignature, Perbill,
};
use utc_primitives::{ClassId, ModuleId, Units};

pub type AccountId = sr25519::Public;
pub type Balance = u128;
pub type Signature = sr25519::Signature;
pub type Extrinsic = generic::UncheckedExtrinsic<AccountId, RuntimeCall, Signature, ()>;
type Block = generic::Block<generic::Header<u64, BlakeTwo256>, Extrinsic>;

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
	#[runtime::pallet_index(4)]
	pub type Sla = pallet_sla;
	#[runtime::pallet_index(5)]
	pub type Federation = pallet_federation;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = ConstU128<1>;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

#[derive_impl(pallet_assets::config_preludes::TestDefaultConfig)]
impl pallet_assets::Config for Test {
	type Balance = u128;
	type Currency = Balances;
	type CreateOrigin = AsEnsureOriginWithArg<EnsureSigned<AccountId>>;
	type ForceOrigin = EnsureRoot<AccountId>;
	type MetadataDepositBase = ConstU128<0>;
	type MetadataDepositPerByte = ConstU128<0>;
	type AssetDeposit = ConstU128<0>;
	type AssetAccountDeposit = ConstU128<0>;
	type ApprovalDeposit = ConstU128<0>;
}

parameter_types! {
	pub const ComputePalletId: PalletId = PalletId(*b"utc/cmpt");
	pub const ReporterBounty: Perbill = Perbill::from_percent(10);
	pub Treasury: AccountId = account(99);
}

impl pallet_compute::Config for Test {
	type AdminOrigin = EnsureRoot<AccountId>;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type AssetId = u32;
	type Assets = Assets;
	type Backing = Sla;
	type PalletId = ComputePalletId;
	type ProviderDeposit = ConstU128<100>;
	type StringLimit = ConstU32<32>;
	type MaxAttestationsPerProvider = ConstU32<4>;
	type MaxExpiriesPerBlock = ConstU32<8>;
	type MaxStartDelay = ConstU64<100>;
	type MaxAttestationWindow = ConstU64<10_000>;
	type WeightInfo = ();
}

impl pallet_sla::Config for Test {
	type AdminOrigin = EnsureRoot<AccountId>;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Compute = Compute;
	type Jobs = Federation;
	type OnSlash = frame_support::traits::tokens::imbalance::ResolveTo<Treasury, Balances>;
	type ReporterBounty = ReporterBounty;
	type MaxSubscriptions = ConstU32<16>;
	type MaxUnbondingChunks = ConstU32<4>;
	type MaxDisputesPerBlock = ConstU32<8>;
	type SlashPageSize = ConstU32<8>;
	type MaxSlashHistory = ConstU32<8>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchHelper;
}

#[cfg(feature = "runtime-benchmarks")]
pub struct BenchHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_sla::BenchmarkHelper<AccountId> for BenchHelper {
	fn register_provider(who: &AccountId) {
		let _ = Compute::register_provider(
			RuntimeOrigin::signed(*who),
			b"bench".to_vec().try_into().unwrap(),
			b"EU".to_vec().try_into().unwrap(),
		);
	}
	fn class(index: u32) -> ClassId {
		index
	}
	fn job(
		_: &AccountId,
		_: &AccountId,
		_: ClassId,
		_: Units,
		_: &[ModuleId],
	) -> utc_primitives::JobId {
		0
	}
}

pub const MAX_ATTEMPTS: u32 = 2;
pub const HEARTBEAT_PERIOD: u64 = 10;
pub const RUN_BLOCKS: u64 = 50;
pub const MAX_DEADLINES: u32 = 4;
pub const JOB_RETENTION: u64 = 20;

impl pallet_federation::Config for Test {
	type AdminOrigin = EnsureRoot<AccountId>;
	type Compute = Compute;
	type Sla = Sla;
	type TradingAccount = ();
	type RoutingId = crate::routing_crypto::Public;
	type OperatorAuthId = crate::operator_crypto::OperatorAuthId;
	type MaxModules = ConstU32<4>;
	type MaxAttempts = ConstU32<MAX_ATTEMPTS>;
	type MaxStartDelay = ConstU64<100>;
	type DefaultRunBlocks = ConstU64<RUN_BLOCKS>;
	type HeartbeatPeriod = ConstU64<HEARTBEAT_PERIOD>;
	type DefaultUptimeWindow = ConstU32<100>;
	type ReputationHalfLife = ConstU64<1_000>;
	type MaxBatch = ConstU32<8>;
	type BatchLifetime = ConstU64<5>;
	type MaxRouters = ConstU32<4>;
	type MaxDeadlinesPerBlock = ConstU32<MAX_DEADLINES>;
	type MaxRoutingJobs = ConstU32<64>;
	type BlockTimeMs = ConstU64<6_000>;
	type JobRetention = ConstU64<{ JOB_RETENTION }>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = FederationBench;
}

#[cfg(feature = "runtime-benchmarks")]
pub struct FederationBench;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for FederationBench {
	fn class() -> ClassId {
		H100
	}
	fn provider(who: &AccountId, class: ClassId, units: Units) {
		use frame_support::traits::fungible::Mutate;
		let _ = Balances::mint_into(who, 10_000_000);
		make_provider_with(*who, None, class, units);
	}
	fn transfer(from: &AccountId, to: &AccountId, class: ClassId, units: Units) {
		use frame_support::traits::{
			fungible::Mutate as _, fungibles::Mutate, tokens::Preservation,
		};
		let _ = Balances::mint_into(to, 1_000);
		<Assets as Mutate<AccountId>>::transfer(class, from, to, units, Preservation::Expendable)
			.unwrap();
	}
}

impl frame_system::offchain::SigningTypes for Test {
	type Public = AccountId;
	type Signature = Signature;
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Test
where
	RuntimeCall: From<C>,
{
	type RuntimeCall = RuntimeCall;
	type Extrinsic = Extrinsic;
}

impl<C> frame_system::offchain::CreateTransaction<C> for Test
where
	RuntimeCall: From<C>,
{
	type Extension = ();
	fn create_transaction(call: RuntimeCall, extension: ()) -> Extrinsic {
		generic::UncheckedExtrinsic::new_transaction(call, extension)
	}
}

impl<C> frame_system::offchain::CreateSignedTransaction<C> for Test
where
	RuntimeCall: From<C>,
{
	fn create_signed_transaction<
		A: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>,
	>(
		call: RuntimeCall,
		_public: AccountId,
		account: AccountId,
		nonce: u32,
	) -> Option<Extrinsic> {
		// The test pool only decodes what was sent: the signature is a placeholder
		// and the nonce rides in it so tests can read it.
		let mut raw = [0u8; 64];
		raw[..4].copy_from_slice(&nonce.to_le_bytes());
		Some(generic::UncheckedExtrinsic::new_signed(
			call,
			account,
			sr25519::Signature::from_raw(raw),
			(),
		))
	}
}

impl<C> frame_system::offchain::CreateAuthorizedTransaction<C> for Test
where
	RuntimeCall: From<C>,
{
	fn create_extension() {}
}

pub const DECIMALS: u8 = 3;
/// One whole H100 hour, in the token's smallest part.
pub const HOUR: Units = 1_000;
pub const H100: ClassId = 0;
/// Genesis modules: a start latency of 2 blocks, a completion time of 20 blocks
/// per hour, 90% uptime over 100 blocks, and a region the providers never subscribe to.
pub const START: ModuleId = 0;
pub const COMPLETION: ModuleId = 1;
pub const UPTIME: ModuleId = 2;
pub const REGION_ASIA: ModuleId = 3;
pub const BOND_PER_UNIT: Balance = 1;
pub const COMPENSATION_PER_UNIT: Balance = 1;
pub const SLASH_DEFER: u64 = 2;

pub fn pair(name: &str) -> sr25519::Pair {
	sr25519::Pair::from_string(&format!("//{name}"), None).expect("a dev seed")
}

pub fn key(name: &str) -> AccountId {
	pair(name).public()
}

/// A distinct account for an index.
pub fn account(index: u8) -> AccountId {
	sr25519::Public::from_raw([index; 32])
}

pub fn holder() -> AccountId {
	key("Holder")
}
pub fn provider_a() -> AccountId {
	key("ProviderA")
}
pub fn provider_b() -> AccountId {
	key("ProviderB")
}
pub fn operator_a() -> AccountId {
	key("OperatorA")
}
pub fn operator_b() -> AccountId {
	key("OperatorB")
}
pub fn router() -> crate::routing_crypto::Public {
	key("Router").into()
}

pub fn attestor_pair() -> sr25519::Pair {
	pair("Attestor")
}

pub struct ExtBuilder;

impl ExtBuilder {
	pub fn build() -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: [
				holder(),
				provider_a(),
				provider_b(),
				operator_a(),
				operator_b(),
				account(99),
			]
			.into_iter()
			.map(|who| (who, 1_000_000))
			.collect(),
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
				DECIMALS,
			)],
			attestors: vec![(
				AttestorKey::Sr25519(attestor_pair().public()),
				AttestorKind::TeeVerifier,
				b"dev verifier".to_vec(),
			)],
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let penalty = PenaltySchedule {
			min_rate: Perbill::from_percent(10),
			max_rate: Perbill::from_percent(50),
			compensation_per_unit: COMPENSATION_PER_UNIT,
		};
		pallet_sla::GenesisConfig::<Test> {
			parameters: Some(SlaParameters {
				unbonding_delay: 20,
				dispute_window: 5,
				slash_defer: SLASH_DEFER,
			}),
			modules: vec![
				(ModuleKind::StartLatency { max_blocks: 2 }, BOND_PER_UNIT, penalty),
				(ModuleKind::CompletionTime { max_blocks_per_unit: 20 }, BOND_PER_UNIT, penalty),
				(ModuleKind::Uptime { min_per_mille: 900, window: 100 }, BOND_PER_UNIT, penalty),
				(
					ModuleKind::Region { code: b"ASIA".to_vec().try_into().unwrap() },
					BOND_PER_UNIT,
					penalty,
				),
			],
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		pallet_federation::GenesisConfig::<Test> {
			routers: vec![router()],
			class_kinds: vec![(
				H100,
				WorkloadKinds { command: true, container: true, batch: false },
			)],
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		let keystore = MemoryKeystore::new();
		keystore
			.sr25519_generate_new(crate::ROUTING_KEY_TYPE, Some("//Router"))
			.expect("a routing key");
		ext.register_extension(KeystoreExt::new(keystore));
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Builds, runs `test`, then checks the invariants.
	pub fn build_and_execute(test: impl FnOnce()) {
		Self::build().execute_with(|| {
			test();
			check_invariants();
		});
	}
}

/// The federation pallet's invariants, with the compute and SLA pallets' and the
/// one that spans them: unsettled job units equal the classes' redeemed units.
pub fn check_invariants() {
	Federation::do_try_state().expect("federation invariants hold");
	Compute::do_try_state().expect("compute invariants hold");
	Sla::do_try_state().expect("sla invariants hold");
	let unsettled = Federation::unsettled_units();
	// Every class the pallet's jobs use (the mock has one).
	for (class, _) in pallet_compute::Classes::<Test>::iter() {
		assert_eq!(
			pallet_compute::Supply::<Test>::get(class).redeemed,
			unsettled.get(&class).copied().unwrap_or_default(),
			"unsettled job units differ from the redeemed units of class {class}"
		);
	}
}

/// Advances to block `n`, running each block's hooks and checking the invariants.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Compute::on_initialize(next);
		Sla::on_initialize(next);
		Federation::on_initialize(next);
		check_invariants();
	}
}

/// Makes `provider` a live provider of `units` of H100 operated by `operator`:
/// registered in `region`, bonded and subscribed to the start, completion and
/// uptime modules, attested, minted, serving commands and containers two at a time,
/// with a heartbeat now.
pub fn make_provider(provider: AccountId, operator: AccountId, units: Units, region: &[u8]) {
	let origin = RuntimeOrigin::signed(provider);
	Compute::register_provider(
		origin.clone(),
		b"provider".to_vec().try_into().unwrap(),
		region.to_vec().try_into().unwrap(),
	)
	.unwrap();
	make_provider_with(provider, Some(operator), H100, units);
}

/// A registered provider bonded, subscribed, attested and minted in `class`,
/// serving commands and containers two at a time, with `operator` beating now.
pub fn make_provider_with(
	provider: AccountId,
	operator: Option<AccountId>,
	class: ClassId,
	units: Units,
) {
	let origin = RuntimeOrigin::signed(provider);
	if !pallet_compute::Providers::<Test>::contains_key(provider) {
		Compute::register_provider(
			origin.clone(),
			b"provider".to_vec().try_into().unwrap(),
			b"EU".to_vec().try_into().unwrap(),
		)
		.unwrap();
	}
	Sla::bond(origin.clone(), 100_000 + 3 * units).unwrap();
	for module in [START, COMPLETION, UPTIME] {
		Sla::subscribe(origin.clone(), class, module).unwrap();
	}
	let nonce = pallet_compute::NextAttestationId::<Test>::get();
	let attestation = AttestationPayload {
		genesis_hash: Compute::genesis_hash(),
		provider,
		class,
		units,
		valid_from: 1,
		valid_until: 5_000,
		evidence_hash: H256::repeat_byte(7),
		nonce,
	};
	let signature = MultiSignature::Sr25519(attestor_pair().sign(&attestation.message()));
	Compute::submit_attestation(
		origin.clone(),
		AttestorKey::Sr25519(attestor_pair().public()),
		attestation,
		signature,
	)
	.unwrap();
	Compute::mint(origin.clone(), class, units).unwrap();
	Federation::declare_service(
		origin.clone(),
		WorkloadKinds { command: true, container: true, batch: false },
		2,
	)
	.unwrap();
	if let Some(operator) = operator {
		Federation::set_operator(origin, operator).unwrap();
		Federation::heartbeat(RuntimeOrigin::signed(operator)).unwrap();
	}
}

/// Gives the holder `units` of H100 from `provider`'s minted tokens.
pub fn buy(provider: AccountId, units: Units) {
	use frame_support::traits::fungibles::Mutate;
	use frame_support::traits::tokens::Preservation;
	<Assets as Mutate<AccountId>>::transfer(
		H100,
		&provider,
		&holder(),
		units,
		Preservation::Expendable,
	)
	.unwrap();
}

/// A command workload.
pub fn command(script: &str) -> Workload {
	Workload {
		spec: WorkloadSpec::Command {
			program: b"/bin/sh".to_vec().try_into().unwrap(),
			args: vec![
				b"-c".to_vec().try_into().unwrap(),
				script.as_bytes().to_vec().try_into().unwrap(),
			]
			.try_into()
			.unwrap(),
			env: Default::default(),
		},
		input: None,
		output: None,
		gpus: 0,
		memory_mb: 0,
	}
}

/// A routing batch signed by the genesis routing key.
pub fn signed_batch(
	at: u64,
	assignments: Vec<(utc_primitives::JobId, AccountId)>,
) -> (crate::RoutingBatchOf<Test>, crate::RoutingSignatureOf<Test>) {
	let batch = RoutingBatch { at, router: router(), assignments: assignments.try_into().unwrap() };
	let signature = pair("Router").sign(&Federation::batch_message(&batch));
	(batch, signature.into())
}

/// The federation events emitted so far, oldest first.
pub fn events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Federation(event) => Some(event),
			_ => None,
		})
		.collect()
}
