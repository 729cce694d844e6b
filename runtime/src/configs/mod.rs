//! Each pallet's `Config` for the UTC chain runtime.

use frame_support::{
	derive_impl, parameter_types,
	traits::{
		tokens::{imbalance::ResolveTo, pay::PayFromAccount, UnityAssetBalanceConversion},
		AsEnsureOriginWithArg, ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, VariantCountOf,
	},
	weights::{constants::WEIGHT_REF_TIME_PER_SECOND, IdentityFee, Weight},
	PalletId,
};
use frame_system::{
	limits::{BlockLength, BlockWeights},
	EnsureRoot, EnsureRootWithSuccess,
};
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::{
	traits::{AccountIdConversion, IdentityLookup, One},
	Perbill,
};
use sp_version::RuntimeVersion;

use super::{
	AccountId, AssetId, Assets, Aura, Balance, Balances, Block, BlockNumber, Compute, Hash,
	Historical, Nonce, Offences, Orderbook, PalletInfo, Runtime, RuntimeCall, RuntimeEvent,
	RuntimeFreezeReason, RuntimeHoldReason, RuntimeOrigin, RuntimeTask, Signature, Sla, System,
	TxExtension, UncheckedExtrinsic, ValidatorSet, DAYS, EXISTENTIAL_DEPOSIT, HOURS,
	MILLI_SECS_PER_BLOCK, MILLI_UNIT, MINUTES, SLOT_DURATION, UNIT, VERSION,
};

/// Transactions of the normal class may fill 75% of a block; the rest is kept for
/// operational ones.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

/// The governance origin of UTC chain's admin calls. Root (through sudo) for now;
/// a council or referenda can replace it here without touching any pallet.
pub type AdminOrigin = EnsureRoot<AccountId>;

/// The treasury (pallet-treasury): receives transaction and trading fees and
/// the treasury's share of slashes; governance spends from it.
pub const TREASURY_PALLET_ID: PalletId = PalletId(*b"utc/trsy");

/// Places a native credit (a fee, a slash) in the treasury's account.
pub type ToTreasury = ResolveTo<TreasuryAccount, Balances>;

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;

	/// Two seconds of compute per block, 75% of it for normal transactions, with
	/// the measured cost of an empty block and of an extrinsic beyond its call.
	pub RuntimeBlockWeights: BlockWeights = block_weights(
		Weight::from_parts(2u64 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
	);
	/// Five MiB per block, 75% of it for normal transactions.
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(5 * 1024 * 1024)
		.modify_max_length_for_class(frame_support::dispatch::DispatchClass::Normal, |max| {
			*max = NORMAL_DISPATCH_RATIO * *max
		})
		.build();
	pub const SS58Prefix: u8 = 42;

	pub TreasuryAccount: AccountId = TREASURY_PALLET_ID.into_account_truncating();
}

/// `max` per block: what `BlockWeights::with_sensible_defaults` sets (a tenth
/// for `on_initialize`, `NORMAL_DISPATCH_RATIO` for normal transactions, the rest
/// reserved for operational ones), with UTC chain's measured base weights.
fn block_weights(max: Weight) -> BlockWeights {
	use frame_support::dispatch::DispatchClass;
	let normal = NORMAL_DISPATCH_RATIO * max;
	BlockWeights::builder()
		.base_block(crate::weights::BlockExecutionWeight::get())
		.for_class(DispatchClass::all(), |class| {
			class.base_extrinsic = crate::weights::ExtrinsicBaseWeight::get();
		})
		.for_class(DispatchClass::Normal, |class| class.max_total = Some(normal))
		.for_class(DispatchClass::Operational, |class| {
			class.max_total = Some(max);
			class.reserved = Some(max - normal);
		})
		.avg_block_initialization(Perbill::from_percent(10))
		.build_or_panic()
}

/// frame-system: the solochain defaults, with this chain's types and limits.
#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	/// The node stores its state in ParityDB.
	type DbWeight = crate::weights::ParityDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
	type SingleBlockMigrations = super::Migrations;
}

/// Validators (and so Aura and GRANDPA authorities) at most.
pub const MAX_VALIDATORS: u32 = 32;

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<MAX_VALIDATORS>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

parameter_types! {
	/// Sessions in which a GRANDPA equivocation can still be reported: a week of
	/// hour-long sessions.
	pub const ReportSessions: u64 = 7 * 24;
	/// How long an equivocation report stays valid in the transaction pool.
	pub const ReportLongevity: u64 = 7 * DAYS as u64;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<MAX_VALIDATORS>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ReportSessions;
	type KeyOwnerProof = sp_session::MembershipProof;
	type EquivocationReportSystem =
		pallet_grandpa::EquivocationReportSystem<Self, Offences, Historical, ReportLongevity>;
}

/// The block's author: Aura's slot author, as the session's validator account.
pub type BlockAuthor = pallet_session::FindAccountFromAuthorIndex<Runtime, Aura>;

impl pallet_authorship::Config for Runtime {
	type FindAuthor = BlockAuthor;
	type EventHandler = ();
}

/// Sessions follow `validatorSet.sessionLength` blocks.
type Sessions =
	pallet_session::PeriodicSessions<pallet_validator_set::SessionPeriod<Runtime>, ConstU32<0>>;

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = sp_runtime::traits::ConvertInto;
	type ShouldEndSession = Sessions;
	type NextSessionRotation = Sessions;
	type SessionManager = pallet_session::historical::NoteHistoricalRoot<Runtime, ValidatorSet>;
	type SessionHandler =
		<crate::SessionKeys as sp_runtime::traits::OpaqueKeys>::KeyTypeIdProviders;
	type Keys = crate::SessionKeys;
	type DisablingStrategy = ();
	type WeightInfo = ();
	type Currency = Balances;
	/// Held while an account has session keys registered.
	type KeyDeposit = ConstU128<UNIT>;
}

impl pallet_session::historical::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type FullIdentification = ();
	type FullIdentificationOf = pallet_validator_set::FullIdentificationOf<Runtime>;
}

impl pallet_offences::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type IdentificationTuple = pallet_session::historical::IdentificationTuple<Self>;
	type OnOffenceHandler = ValidatorSet;
}

impl pallet_validator_set::Config for Runtime {
	type AdminOrigin = AdminOrigin;
	type FindAuthor = BlockAuthor;
	type MaxValidators = ConstU32<MAX_VALIDATORS>;
	/// A single validator is never removed by the offline or offence rules.
	type MinValidators = ConstU32<1>;
	/// A minute: short sessions for test networks; real ones run for an hour.
	type MinSessionLength = ConstU32<{ MINUTES }>;
	type WeightInfo = pallet_validator_set::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = benchmark_author::AuraAuthor;
}

/// The federation pallet's routing keys follow the session: the validators'
/// `routing` session keys are the keys whose routing batches the chain accepts.
pub struct RoutingKeys;

impl sp_runtime::BoundToRuntimeAppPublic for RoutingKeys {
	type Public = pallet_federation::routing_crypto::Public;
}

impl RoutingKeys {
	fn set<'a>(
		keys: impl Iterator<Item = (&'a AccountId, pallet_federation::routing_crypto::Public)>,
	) {
		let keys = keys.map(|(_, key)| key).collect();
		// Root passes the admin check; the validators fit `MaxRouters`.
		if let Err(e) = crate::Federation::set_routers(RuntimeOrigin::root(), keys) {
			frame_support::defensive!("the session's routing keys are refused", e);
		}
	}
}

impl frame_support::traits::OneSessionHandler<AccountId> for RoutingKeys {
	type Key = pallet_federation::routing_crypto::Public;

	fn on_genesis_session<'a, I>(validators: I)
	where
		I: 'a + Iterator<Item = (&'a AccountId, Self::Key)>,
	{
		Self::set(validators)
	}

	fn on_new_session<'a, I>(changed: bool, validators: I, _queued: I)
	where
		I: 'a + Iterator<Item = (&'a AccountId, Self::Key)>,
	{
		if changed {
			Self::set(validators)
		}
	}

	fn on_disabled(_validator_index: u32) {}
}

/// The benchmarks' block author: slot 0 of Aura, the first genesis validator.
#[cfg(feature = "runtime-benchmarks")]
mod benchmark_author {
	use codec::Encode;
	pub struct AuraAuthor;
	impl pallet_validator_set::BenchmarkHelper for AuraAuthor {
		fn author_digest() -> sp_runtime::DigestItem {
			sp_runtime::DigestItem::PreRuntime(
				sp_consensus_aura::AURA_ENGINE_ID,
				sp_consensus_aura::Slot::from(0u64).encode(),
			)
		}
	}
}

impl pallet_timestamp::Config for Runtime {
	/// A timestamp: milliseconds since the Unix epoch.
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

impl pallet_balances::Config for Runtime {
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ();
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type RuntimeEvent = RuntimeEvent;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

parameter_types! {
	pub FeeMultiplier: Multiplier = Multiplier::one();
	pub const TreasuryPalletId: PalletId = TREASURY_PALLET_ID;
	/// Governance may spend any amount the treasury holds.
	pub const MaxTreasurySpend: Balance = Balance::MAX;
}

/// pallet-treasury: governance (`AdminOrigin`, root for now) spends what fees and
/// slashes paid in; nothing is burned at the spend period.
impl pallet_treasury::Config for Runtime {
	type Currency = Balances;
	type RejectOrigin = AdminOrigin;
	type RuntimeEvent = RuntimeEvent;
	type SpendPeriod = ConstU32<{ DAYS }>;
	type Burn = ();
	type PalletId = TreasuryPalletId;
	type BurnDestination = ();
	type WeightInfo = pallet_treasury::weights::SubstrateWeight<Runtime>;
	type SpendFunds = ();
	type MaxApprovals = ConstU32<100>;
	type SpendOrigin = EnsureRootWithSuccess<AccountId, MaxTreasurySpend>;
	type AssetKind = ();
	type Beneficiary = AccountId;
	type BeneficiaryLookup = IdentityLookup<AccountId>;
	type Paymaster = PayFromAccount<Balances, TreasuryAccount>;
	type BalanceConverter = UnityAssetBalanceConversion;
	type PayoutPeriod = ConstU32<{ 30 * DAYS }>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TreasuryArguments;
	type BlockNumberProvider = System;
}

/// Spends of the native token (the only asset kind) to a seeded account.
#[cfg(feature = "runtime-benchmarks")]
pub struct TreasuryArguments;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_treasury::ArgumentsFactory<(), AccountId> for TreasuryArguments {
	fn create_asset_kind(_seed: u32) {}
	fn create_beneficiary(seed: [u8; 32]) -> AccountId {
		AccountId::new(seed)
	}
}

/// Fees are paid in the native token, to the treasury.
impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, ToTreasury>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightToFee = IdentityFee<Balance>;
	type LengthToFee = IdentityFee<Balance>;
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	pub const AssetsStringLimit: u32 = 50;
}

/// pallet-assets is the ledger of UTC tokens: one asset per compute class.
///
/// A signed account cannot create an asset (`create` needs Root, and the asset is
/// then owned by the treasury); runtime pallets create theirs through the
/// `fungibles::Create` trait, which takes no origin. Holding an asset needs a
/// live native account: UTC tokens are not sufficient assets.
impl pallet_assets::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Balance = Balance;
	type AssetId = AssetId;
	type AssetIdParameter = codec::Compact<AssetId>;
	type ReserveData = ();
	type Currency = Balances;
	type CreateOrigin = AsEnsureOriginWithArg<EnsureRootWithSuccess<AccountId, TreasuryAccount>>;
	type ForceOrigin = AdminOrigin;
	type AssetDeposit = ConstU128<{ 10 * UNIT }>;
	type AssetAccountDeposit = ConstU128<{ MILLI_UNIT }>;
	// Only asset owners set metadata, and only Root and UTC chain's pallets own
	// assets: there is no spam to price, and a pallet account holds no funds.
	type MetadataDepositBase = ConstU128<0>;
	type MetadataDepositPerByte = ConstU128<0>;
	type ApprovalDeposit = ConstU128<{ MILLI_UNIT }>;
	type StringLimit = AssetsStringLimit;
	type Freezer = ();
	type Holder = ();
	type Extra = ();
	type CallbackHandle = ();
	type AssetIdAllocator = ();
	type WeightInfo = pallet_assets::weights::SubstrateWeight<Runtime>;
	type RemoveItemsLimit = ConstU32<1000>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = AssetsBenchmarkHelper;
}

/// pallet-assets' benchmarks create assets from id 0 up, where the genesis
/// presets have compute classes: give them ids from the top instead.
#[cfg(feature = "runtime-benchmarks")]
pub struct AssetsBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_assets::BenchmarkHelper<codec::Compact<AssetId>, ()> for AssetsBenchmarkHelper {
	fn create_asset_id_parameter(id: u32) -> codec::Compact<AssetId> {
		codec::Compact(AssetId::MAX - id)
	}
	fn create_reserve_id_parameter(_: u32) {}
}

parameter_types! {
	pub const ComputePalletId: PalletId = PalletId(*b"utc/cmpt");
}

/// pallet-compute: compute classes, attestors, attested capacity and UTC minting.
impl pallet_compute::Config for Runtime {
	type AdminOrigin = AdminOrigin;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type AssetId = AssetId;
	type Assets = Assets;
	/// A mint must be covered by the provider's SLA bond.
	type Backing = Sla;
	type PalletId = ComputePalletId;
	type ProviderDeposit = ConstU128<{ 10 * UNIT }>;
	/// Class names and symbols become asset metadata: at most pallet-assets' limit.
	type StringLimit = AssetsStringLimit;
	type MaxAttestationsPerProvider = ConstU32<32>;
	type MaxExpiriesPerBlock = ConstU32<64>;
	type MaxStartDelay = ConstU32<{ 7 * DAYS }>;
	type MaxAttestationWindow = ConstU32<{ 90 * DAYS }>;
	type WeightInfo = pallet_compute::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	pub const OrderbookPalletId: PalletId = PalletId(*b"utc/book");
}

/// pallet-orderbook: UTC tokens against the native token; fees to the treasury.
impl pallet_orderbook::Config for Runtime {
	type AdminOrigin = AdminOrigin;
	type Currency = Balances;
	type AssetId = AssetId;
	type Assets = Assets;
	type PalletId = OrderbookPalletId;
	type OnFee = ToTreasury;
	type OrderDeposit = ConstU128<{ 100 * MILLI_UNIT }>;
	type MaxOpenOrders = ConstU32<64>;
	type MaxTradingAssets = ConstU32<16>;
	type MaxPriceLevels = ConstU32<256>;
	type MaxOrdersPerLevel = ConstU32<32>;
	type MinOrderValue = ConstU128<{ 10 * MILLI_UNIT }>;
	type MaxFills = ConstU32<32>;
	type MaxExpiriesPerBlock = ConstU32<64>;
	type MaxOrderLifetime = ConstU32<{ 90 * DAYS }>;
	type ExpirySweepPerBlock = ConstU32<64>;
	type FeePayoutsPerBlock = ConstU32<16>;
	type WeightInfo = pallet_orderbook::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// The reporter of an upheld breach gets a tenth of its slash, after the job
	/// owner's compensation.
	pub const ReporterBounty: Perbill = Perbill::from_percent(10);
}

/// pallet-sla: SLA modules, provider bonds, disputes and slashes to the treasury.
impl pallet_sla::Config for Runtime {
	type AdminOrigin = AdminOrigin;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Compute = Compute;
	/// Job owners report violations against the federation pallet's jobs.
	#[cfg(not(feature = "runtime-benchmarks"))]
	type Jobs = super::Federation;
	#[cfg(feature = "runtime-benchmarks")]
	type Jobs = benchmark_jobs::BenchmarkJobs;
	type OnSlash = ToTreasury;
	type ReporterBounty = ReporterBounty;
	type MaxSubscriptions = ConstU32<16>;
	type MaxUnbondingChunks = ConstU32<16>;
	type MaxDisputesPerBlock = ConstU32<64>;
	type SlashPageSize = ConstU32<32>;
	type MaxSlashHistory = ConstU32<32>;
	type WeightInfo = pallet_sla::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = benchmark_jobs::SlaBenchmarkHelper;
}

/// What pallet-sla's benchmarks need of providers, classes and jobs. Their jobs
/// are kept in a table of their own that only a benchmarking runtime has, so a
/// report's worst case is measured without building the federation's state; the
/// federation's own jobs (its benchmarks record breaches) are read from it first.
#[cfg(feature = "runtime-benchmarks")]
mod benchmark_jobs {
	use super::*;
	use codec::Encode;
	use frame_support::storage::unhashed;
	use utc_primitives::{ClassId, JobId, JobInspect, JobRecord, ModuleId, Units};

	/// One 32-byte prefix for every record, as a storage map has: the benchmark
	/// command groups the keys it sees by their first 32 bytes.
	const JOBS: &[u8; 32] = b"utc/benchmarks/sla/job-records/_";

	fn key(job: JobId) -> alloc::vec::Vec<u8> {
		(JOBS, job).encode()
	}

	pub struct BenchmarkJobs;
	impl JobInspect<AccountId> for BenchmarkJobs {
		fn job(job: JobId) -> Option<JobRecord<AccountId>> {
			if let Some(record) = <crate::Federation as JobInspect<AccountId>>::job(job) {
				return Some(record);
			}
			let (owner, provider, class, units, modules) =
				unhashed::get::<(AccountId, AccountId, ClassId, Units, alloc::vec::Vec<ModuleId>)>(
					&key(job),
				)?;
			Some(JobRecord { owner, provider: Some(provider), class, units, modules })
		}
	}

	/// Providers attested and minted through pallet-compute, bonded through pallet-sla.
	pub struct FederationBenchmarkHelper;
	impl pallet_federation::BenchmarkHelper<AccountId> for FederationBenchmarkHelper {
		fn class() -> ClassId {
			<SlaBenchmarkHelper as pallet_sla::BenchmarkHelper<AccountId>>::class(0)
		}

		fn provider(who: &AccountId, class: ClassId, units: Units) {
			use frame_support::traits::fungible::Mutate;
			use pallet_sla::BenchmarkHelper;
			let _ = Balances::mint_into(who, 1_000 * UNIT);
			SlaBenchmarkHelper::register_provider(who);
			// A fresh attestor key in the benchmark's keystore attests the capacity.
			let key = sp_io::crypto::sr25519_generate(sp_core::crypto::KeyTypeId(*b"utca"), None);
			let attestor = pallet_compute::AttestorKey::Sr25519(key);
			Compute::add_attestor(
				RuntimeOrigin::root(),
				attestor,
				pallet_compute::AttestorKind::TeeVerifier,
				b"bench".to_vec().try_into().expect("fits"),
			)
			.expect("a new attestor");
			// The capacity spread over the most attestations a provider may hold: the
			// worst case of every read of its capacity (routing reads them all).
			let now = System::block_number();
			let most: u32 = <<Runtime as pallet_compute::Config>::MaxAttestationsPerProvider as frame_support::traits::Get<u32>>::get();
			let count = (most as Units).min(units).max(1);
			for nonce in 0..count {
				let share = units / count + if nonce + 1 == count { units % count } else { 0 };
				let payload = pallet_compute::AttestationPayload {
					genesis_hash: Compute::genesis_hash(),
					provider: who.clone(),
					class,
					units: share,
					valid_from: now,
					// Each ends at its own block: an expiry block's queue is bounded.
					valid_until: now
						+ 10 * DAYS + pallet_compute::NextAttestationId::<Runtime>::get()
						as BlockNumber,
					evidence_hash: Default::default(),
					nonce: nonce as u64,
				};
				let signature = sp_io::crypto::sr25519_sign(
					sp_core::crypto::KeyTypeId(*b"utca"),
					&key,
					&payload.message(),
				)
				.expect("the key is in the keystore");
				Compute::submit_attestation(
					RuntimeOrigin::signed(who.clone()),
					attestor.clone(),
					payload,
					sp_runtime::MultiSignature::Sr25519(signature),
				)
				.expect("a valid attestation");
			}
			<Sla as utc_primitives::BackingCheck<AccountId>>::prepare_backing(who, class, units);
			Compute::mint(RuntimeOrigin::signed(who.clone()), class, units)
				.expect("an attested, backed provider mints");
		}

		fn transfer(from: &AccountId, to: &AccountId, class: ClassId, units: Units) {
			use frame_support::traits::{
				fungible::Mutate as _, fungibles::Mutate, tokens::Preservation,
			};
			let _ = Balances::mint_into(to, UNIT);
			<Assets as Mutate<AccountId>>::transfer(
				class,
				from,
				to,
				units,
				Preservation::Expendable,
			)
			.expect("the provider holds its minted tokens");
		}
	}

	pub struct SlaBenchmarkHelper;
	impl pallet_sla::BenchmarkHelper<AccountId> for SlaBenchmarkHelper {
		/// `who` must hold the provider deposit already.
		fn register_provider(who: &AccountId) {
			if !pallet_compute::Providers::<Runtime>::contains_key(who) {
				Compute::register_provider(
					RuntimeOrigin::signed(who.clone()),
					b"bench".to_vec().try_into().expect("fits"),
					b"EU".to_vec().try_into().expect("fits"),
				)
				.expect("a funded account registers");
			}
		}

		fn class(index: u32) -> ClassId {
			while pallet_compute::NextClassId::<Runtime>::get() <= index {
				Compute::create_class(
					RuntimeOrigin::root(),
					b"bench class".to_vec().try_into().expect("fits"),
					b"UTC-B".to_vec().try_into().expect("fits"),
					pallet_compute::ResourceKind::Gpu,
					pallet_compute::ComputeUnit::Hour,
					pallet_compute::HardwareFloor {
						model_family: b"bench".to_vec().try_into().expect("fits"),
						min_memory_mib: 1,
						min_performance: 1,
					},
					3,
				)
				.expect("a class is created");
			}
			index
		}

		fn job(
			owner: &AccountId,
			provider: &AccountId,
			class: ClassId,
			units: Units,
			modules: &[ModuleId],
		) -> JobId {
			let count_key = (JOBS, b"count").encode();
			let job: JobId = unhashed::get(&count_key).unwrap_or_default();
			unhashed::put(&count_key, &(job + 1));
			unhashed::put(&key(job), &(owner.clone(), provider.clone(), class, units, modules));
			job
		}
	}
}

/// pallet-federation: jobs, routing by validators' workers, providers' operators.
impl pallet_federation::Config for Runtime {
	type AdminOrigin = AdminOrigin;
	type Compute = Compute;
	type Sla = Sla;
	type TradingAccount = Orderbook;
	type RoutingId = pallet_federation::routing_crypto::Public;
	type OperatorAuthId = pallet_federation::operator_crypto::OperatorAuthId;
	type MaxModules = ConstU32<8>;
	/// Three providers may miss or fail a job before it is refunded.
	type MaxAttempts = ConstU32<3>;
	type MaxStartDelay = ConstU32<{ HOURS }>;
	/// A job without a CompletionTime module runs for up to a day.
	type DefaultRunBlocks = ConstU32<{ DAYS }>;
	/// A heartbeat a minute.
	type HeartbeatPeriod = ConstU32<{ MINUTES }>;
	type DefaultUptimeWindow = ConstU32<{ HOURS }>;
	type ReputationHalfLife = ConstU32<{ 7 * DAYS }>;
	type MaxBatch = ConstU32<64>;
	type BatchLifetime = ConstU32<5>;
	type MaxRouters = ConstU32<MAX_VALIDATORS>;
	type MaxDeadlinesPerBlock = ConstU32<64>;
	type MaxRoutingJobs = ConstU32<10_000>;
	type BlockTimeMs = ConstU64<MILLI_SECS_PER_BLOCK>;
	/// A week for the owner to report a finished job's breach.
	type JobRetention = ConstU32<{ 7 * DAYS }>;
	type WeightInfo = pallet_federation::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = benchmark_jobs::FederationBenchmarkHelper;
}

/// Offchain workers sign with the runtime's own transaction format.
impl frame_system::offchain::SigningTypes for Runtime {
	type Public = <Signature as sp_runtime::traits::Verify>::Signer;
	type Signature = Signature;
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type Extrinsic = UncheckedExtrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateTransaction<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type Extension = TxExtension;

	fn create_transaction(call: RuntimeCall, extension: TxExtension) -> UncheckedExtrinsic {
		UncheckedExtrinsic::new_transaction(call, extension)
	}
}

impl<C> frame_system::offchain::CreateBare<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_bare(call: RuntimeCall) -> UncheckedExtrinsic {
		UncheckedExtrinsic::new_bare(call)
	}
}

/// The extensions every transaction carries, for `nonce`; immortal, no tip.
fn tx_extension(nonce: Nonce) -> TxExtension {
	(
		frame_system::AuthorizeCall::<Runtime>::new(),
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(sp_runtime::generic::Era::Immortal),
		frame_system::CheckNonce::<Runtime>::from(nonce),
		frame_system::CheckWeight::<Runtime>::new(),
		pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
		frame_system::WeightReclaim::<Runtime>::new(),
	)
}

impl<C> frame_system::offchain::CreateSignedTransaction<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_signed_transaction<
		A: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>,
	>(
		call: RuntimeCall,
		public: Self::Public,
		account: AccountId,
		nonce: Nonce,
	) -> Option<UncheckedExtrinsic> {
		use codec::Encode;
		let extension = tx_extension(nonce);
		let payload = crate::SignedPayload::new(call, extension).ok()?;
		let signature = payload.using_encoded(|bytes| A::sign(bytes, public))?;
		let (call, extension, _) = payload.deconstruct();
		Some(UncheckedExtrinsic::new_signed(
			call,
			sp_runtime::MultiAddress::Id(account),
			signature,
			extension,
		))
	}
}

/// An authorized call (a routing batch) carries the same extensions; those that
/// need a signer let it through, and `AuthorizeCall` validates it.
impl<C> frame_system::offchain::CreateAuthorizedTransaction<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_extension() -> TxExtension {
		tx_extension(0)
	}
}
