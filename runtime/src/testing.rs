//! What the runtime's own tests and UTC chain's fuzzer build blocks with: a
//! genesis state from a preset, signed and authorized transactions, and the
//! header and timestamp of a block at a slot.

use alloc::{vec, vec::Vec};
use codec::Encode;
use serde_json::Value;
use sp_consensus_aura::{Slot, AURA_ENGINE_ID};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{
	generic::{Digest, DigestItem, Era},
	traits::{Header as HeaderT, StaticLookup},
	MultiSignature,
};

use crate::{
	genesis_config_presets, BlockNumber, Hash, Header, Nonce, Runtime, RuntimeCall,
	RuntimeGenesisConfig, SignedPayload, TxExtension, UncheckedExtrinsic,
};

/// Writes `patch` over `base`, the way a chain spec applies a preset to the
/// default genesis config.
pub fn merge(base: &mut Value, patch: Value) {
	match (base, patch) {
		(Value::Object(base), Value::Object(patch)) => {
			for (key, value) in patch {
				merge(base.entry(key).or_insert(Value::Null), value);
			}
		}
		(base, patch) => *base = patch,
	}
}

/// The genesis config of the preset `name`, as JSON, with `patch` written over it.
pub fn genesis_config(name: &str, patch: Option<Value>) -> Value {
	let preset = genesis_config_presets::get_preset(&name.into()).expect("preset exists");
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).expect("serializes");
	merge(&mut config, serde_json::from_slice(&preset).expect("a preset is JSON"));
	if let Some(patch) = patch {
		merge(&mut config, patch);
	}
	config
}

/// The storage of genesis built from `config`.
pub fn genesis_state(config: &Value) -> sp_io::TestExternalities {
	let mut ext = sp_io::TestExternalities::default();
	ext.execute_with(|| {
		frame_support::genesis_builder_helper::build_state::<RuntimeGenesisConfig>(
			serde_json::to_vec(config).expect("serializes"),
		)
		.expect("the genesis config builds a state")
	});
	ext
}

/// The storage of genesis built from the named preset.
pub fn genesis_of(name: &str) -> sp_io::TestExternalities {
	genesis_state(&genesis_config(name, None))
}

/// A transaction signed by `signer` with this runtime's full extension pipeline,
/// immortal, without a tip.
pub fn signed(signer: Sr25519Keyring, nonce: Nonce, call: RuntimeCall) -> UncheckedExtrinsic {
	let extension: TxExtension = (
		frame_system::AuthorizeCall::new(),
		frame_system::CheckNonZeroSender::new(),
		frame_system::CheckSpecVersion::new(),
		frame_system::CheckTxVersion::new(),
		frame_system::CheckGenesis::new(),
		frame_system::CheckEra::from(Era::Immortal),
		frame_system::CheckNonce::from(nonce),
		frame_system::CheckWeight::new(),
		pallet_transaction_payment::ChargeTransactionPayment::from(0),
		frame_system::WeightReclaim::new(),
	);
	let payload = SignedPayload::new(call.clone(), extension.clone()).expect("implicit data");
	let signature = MultiSignature::Sr25519(payload.using_encoded(|bytes| signer.sign(bytes)));
	UncheckedExtrinsic::new_signed(
		call,
		<Runtime as frame_system::Config>::Lookup::unlookup(signer.to_account_id()),
		signature,
		extension,
	)
}

/// A transaction authorized by its call (`#[pallet::authorize]`), as a routing
/// worker submits its batch.
pub fn authorized(call: RuntimeCall) -> UncheckedExtrinsic {
	use frame_system::offchain::CreateAuthorizedTransaction;
	<Runtime as CreateAuthorizedTransaction<RuntimeCall>>::create_authorized_transaction(call)
}

/// The header of block `number` after `parent`, authored at Aura slot `slot`.
pub fn header(number: BlockNumber, parent: Hash, slot: u64) -> Header {
	let digest =
		Digest { logs: vec![DigestItem::PreRuntime(AURA_ENGINE_ID, Slot::from(slot).encode())] };
	Header::new(number, Default::default(), Default::default(), parent, digest)
}

/// The timestamp inherent of a block at Aura slot `slot`: the slot's start time.
pub fn timestamp(slot: u64) -> UncheckedExtrinsic {
	UncheckedExtrinsic::new_bare(RuntimeCall::Timestamp(pallet_timestamp::Call::set {
		now: slot * crate::SLOT_DURATION,
	}))
}

/// Every key of the well-known dev seeds, as a preset's JSON spells it (SS58 or
/// hex), and the dev attestor's.
pub fn well_known_keys() -> Vec<alloc::string::String> {
	use alloc::format;
	use sp_core::crypto::Ss58Codec;
	let hex =
		|bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<alloc::string::String>();
	let mut keys = Vec::new();
	for k in Sr25519Keyring::iter() {
		keys.push(k.to_account_id().to_ss58check());
		keys.push(k.public().to_ss58check());
		keys.push(hex(&k.public().0));
	}
	for k in sp_keyring::Ed25519Keyring::iter() {
		keys.push(k.public().to_ss58check());
		keys.push(hex(&k.public().0));
	}
	keys.push(hex(&genesis_config_presets::DEV_ATTESTOR));
	keys
}
