//! Genesis presets: `development` (one validator, Alice) and `local_testnet`
//! (Alice, Bob, Charlie and Dave), which fund the well-known dev accounts and make Alice sudo;
//! and `production-template`, the start of a real network's chain spec, which
//! names no key at all: its operators fill in validators, governance and funds.

use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

use crate::{
	configs::TreasuryAccount, AccountId, Balance, BalancesConfig, BlockNumber, ComputeConfig,
	FederationConfig, RuntimeGenesisConfig, SessionConfig, SessionKeys, SlaConfig, SudoConfig,
	ValidatorSetConfig, HOURS, MILLI_UNIT, MINUTES, UNIT,
};
use pallet_compute::{AttestorKey, AttestorKind, ComputeUnit, ResourceKind};
use pallet_federation::{routing_crypto::Public as RoutingId, WorkloadKinds};
use pallet_sla::{ModuleKind, PenaltySchedule, SlaParameters};
use sp_runtime::Perbill;

/// What each dev account holds at genesis: a million UNIT.
pub const ENDOWMENT: Balance = 1_000_000 * UNIT;

/// Blocks per session on the dev and local chains: two minutes.
pub const DEV_SESSION_LENGTH: BlockNumber = 2 * MINUTES;
/// Blocks per session on a real network: an hour.
pub const PRODUCTION_SESSION_LENGTH: BlockNumber = HOURS;

/// A genesis validator: its account and its Aura and GRANDPA keys.
type Authority = (AccountId, AuraId, GrandpaId);

fn testnet_genesis(
	initial_authorities: Vec<Authority>,
	endowed_accounts: Vec<AccountId>,
	root: AccountId,
	sla_delays: Option<SlaParameters<crate::BlockNumber>>,
) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed_accounts.iter().cloned().map(|k| (k, ENDOWMENT)).collect::<Vec<_>>(),
		},
		validator_set: ValidatorSetConfig {
			validators: initial_authorities.iter().map(|x| x.0.clone()).collect::<Vec<_>>(),
			session_length: DEV_SESSION_LENGTH,
		},
		session: SessionConfig {
			keys: initial_authorities
				.iter()
				.map(|(account, aura, grandpa)| {
					(account.clone(), account.clone(), session_keys(aura, grandpa))
				})
				.collect::<Vec<_>>(),
		},
		sudo: SudoConfig { key: Some(root) },
		compute: ComputeConfig {
			classes: vec![example_class()],
			attestors: vec![(
				dev_attestor(),
				AttestorKind::TeeVerifier,
				b"UTC dev TEE verifier (//Attestor)".to_vec()
			)],
		},
		sla: SlaConfig { parameters: sla_delays, modules: example_modules() },
		federation: FederationConfig {
			class_kinds: vec![(0, WorkloadKinds { command: true, container: true, batch: true })],
		},
	})
}

/// A dev validator's session keys: its routing key is the sr25519 key of its Aura
/// key's seed, which `--alice` (and `author_rotateKeys` from a seed) puts in the
/// keystore as `utcr`.
fn session_keys(aura: &AuraId, grandpa: &GrandpaId) -> SessionKeys {
	let routing = RoutingId::from(sp_core::sr25519::Public::from(aura.clone()));
	SessionKeys { aura: aura.clone(), grandpa: grandpa.clone(), routing }
}

/// The SLA modules of the dev chains, priced per thousandth of an hour (the
/// smallest unit of class 0): module 0 guarantees 99% uptime over an hour of
/// blocks for a bond of 1 UNIT per hour of obligation; module 1 a start within 3
/// blocks of assignment for 0.5 UNIT per hour; module 2 completion within 600
/// blocks (an hour) per hour of compute for 0.5 UNIT per hour. A breach costs 10%
/// to 100% of the bond at stake, and the job owner gets up to 0.5 UNIT per hour of it.
fn example_modules() -> Vec<(ModuleKind, Balance, PenaltySchedule<Balance>)> {
	let penalty = PenaltySchedule {
		min_rate: Perbill::from_percent(10),
		max_rate: Perbill::one(),
		compensation_per_unit: MILLI_UNIT / 2,
	};
	vec![
		(ModuleKind::Uptime { min_per_mille: 990, window: 600 }, MILLI_UNIT, penalty),
		(ModuleKind::StartLatency { max_blocks: 3 }, MILLI_UNIT / 2, penalty),
		(ModuleKind::CompletionTime { max_blocks_per_unit: 600 }, MILLI_UNIT / 2, penalty),
	]
}

/// The delays of the single-node dev chain, short enough to watch: a minute to
/// unbond, four blocks to answer a report, three to cancel a slash.
fn dev_sla_delays() -> SlaParameters<crate::BlockNumber> {
	SlaParameters { unbonding_delay: 10, dispute_window: 4, slash_defer: 3 }
}

/// The dev attestor: the sr25519 key of the URI `//Attestor`. Test keys only:
/// anyone can sign as it.
pub const DEV_ATTESTOR: [u8; 32] = [
	0x00, 0x93, 0x54, 0x88, 0x9b, 0xa1, 0x57, 0x62, 0x71, 0xda, 0x06, 0xc9, 0x76, 0x53, 0x1a, 0x41,
	0xdb, 0x43, 0x76, 0x33, 0xdd, 0x12, 0x3b, 0xaa, 0x9a, 0xa6, 0xe8, 0xda, 0xda, 0xcd, 0x8e, 0x43,
];

fn dev_attestor() -> AttestorKey {
	AttestorKey::Sr25519(sp_core::sr25519::Public::from_raw(DEV_ATTESTOR))
}

/// Class 0 of the dev chains: one hour of an NVIDIA H100 (80 GiB), 3 decimals.
#[allow(clippy::type_complexity)]
fn example_class() -> (Vec<u8>, Vec<u8>, ResourceKind, ComputeUnit, Vec<u8>, u32, u32, u8) {
	(
		b"H100 GPU hour".to_vec(),
		b"UTC-H100".to_vec(),
		ResourceKind::Gpu,
		ComputeUnit::Hour,
		b"NVIDIA H100".to_vec(),
		80 * 1024,
		1_000,
		3,
	)
}

fn authority(sr: Sr25519Keyring, ed: Ed25519Keyring) -> Authority {
	(sr.to_account_id(), sr.public().into(), ed.public().into())
}

/// The well-known dev accounts and the treasury (which pays the deposits of
/// assets that governance creates).
fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::well_known()
		.map(|k| k.to_account_id())
		.chain(core::iter::once(TreasuryAccount::get()))
		.collect()
}

/// The `development` preset: Alice alone authors and finalizes.
pub fn development_config_genesis() -> Value {
	testnet_genesis(
		vec![authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		dev_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
		Some(dev_sla_delays()),
	)
}

/// The `local_testnet` preset: Alice, Bob, Charlie and Dave validate.
pub fn local_config_genesis() -> Value {
	testnet_genesis(
		vec![
			authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			authority(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
			authority(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
			authority(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
		],
		dev_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
		None,
	)
}

/// The name of the preset a real network's chain spec starts from.
pub const PRODUCTION_TEMPLATE_PRESET: &str = "production-template";

/// `production-template`: UTC chain's standard class and SLA modules with the
/// production delays, and nothing anyone holds a key to: no validator, no sudo
/// key, no funded account, no attestor, no session key. The network's operators
/// set `validatorSet.validators`, `session.keys` (each validator's account with
/// its `aura`, `grandpa` and `routing` keys), `sudo.key` and `balances.balances`
/// in the exported spec.
pub fn production_template_genesis() -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		validator_set: ValidatorSetConfig { session_length: PRODUCTION_SESSION_LENGTH },
		compute: ComputeConfig { classes: vec![example_class()] },
		sla: SlaConfig { modules: example_modules() },
		federation: FederationConfig {
			class_kinds: vec![(0, WorkloadKinds { command: true, container: true, batch: true })],
		},
	})
}

/// The JSON patch of the preset `id`, if there is one.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		PRODUCTION_TEMPLATE_PRESET => production_template_genesis(),
		_ => return None,
	};
	serde_json::to_string(&patch).ok().map(|json| json.into_bytes())
}

/// The names of the presets this runtime provides.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
		PresetId::from(PRODUCTION_TEMPLATE_PRESET),
	]
}
