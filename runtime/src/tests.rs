//! Runtime tests: the genesis presets build, a block carrying a signed transfer
//! executes and re-executes to the same state, and asset creation is closed to
//! plain signed accounts.

use codec::Encode;
use frame_support::{assert_noop, assert_ok, traits::UnfilteredDispatchable};
use serde_json::Value;
use sp_consensus_aura::{Slot, AURA_ENGINE_ID};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{
	generic::{Digest, DigestItem, Era},
	traits::{Header as HeaderT, StaticLookup},
	DispatchError, MultiSignature, TokenError,
};

use crate::{
	genesis_config_presets::{self, ENDOWMENT},
	*,
};

/// Writes `patch` over `base`, the way a chain spec applies a preset to the
/// default genesis config.
fn merge(base: &mut Value, patch: Value) {
	match (base, patch) {
		(Value::Object(base), Value::Object(patch)) => {
			for (key, value) in patch {
				merge(base.entry(key).or_insert(Value::Null), value);
			}
		}
		(base, patch) => *base = patch,
	}
}

/// The storage of genesis built from the named preset.
fn genesis_of(preset: &str) -> sp_io::TestExternalities {
	let patch = genesis_config_presets::get_preset(&preset.into()).expect("preset exists");
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
	merge(&mut config, serde_json::from_slice(&patch).unwrap());
	let mut ext = sp_io::TestExternalities::default();
	ext.execute_with(|| {
		frame_support::genesis_builder_helper::build_state::<RuntimeGenesisConfig>(
			serde_json::to_vec(&config).unwrap(),
		)
		.expect("preset builds a genesis state")
	});
	ext
}

fn alice() -> AccountId {
	Sr25519Keyring::Alice.to_account_id()
}

fn bob() -> AccountId {
	Sr25519Keyring::Bob.to_account_id()
}

/// A transaction signed by `signer` with this runtime's full extension pipeline.
fn signed(signer: Sr25519Keyring, nonce: Nonce, call: RuntimeCall) -> UncheckedExtrinsic {
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

fn header_of_block_one() -> Header {
	let digest =
		Digest { logs: vec![DigestItem::PreRuntime(AURA_ENGINE_ID, Slot::from(1u64).encode())] };
	Header::new(1, Default::default(), Default::default(), System::block_hash(0), digest)
}

#[test]
fn every_preset_builds_a_genesis_state() {
	for preset in genesis_config_presets::preset_names() {
		let name = core::str::from_utf8(preset.as_ref()).unwrap().to_owned();
		genesis_of(&name).execute_with(|| {
			assert_eq!(Balances::free_balance(alice()), ENDOWMENT, "{name}");
			assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(alice()), "{name}");
			assert!(!pallet_aura::Authorities::<Runtime>::get().is_empty(), "{name}");
			assert!(!Grandpa::grandpa_authorities().is_empty(), "{name}");
		});
	}
	assert_eq!(genesis_config_presets::get_preset(&"no-such-preset".into()), None);
}

#[test]
fn local_testnet_has_two_authorities() {
	genesis_of(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 2);
		assert_eq!(Grandpa::grandpa_authorities().len(), 2);
	});
}

#[test]
fn block_with_a_transfer_executes_and_reexecutes_to_the_same_state() {
	let amount = 42 * UNIT;
	let mut ext = genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET);
	let block = ext.execute_with(|| {
		let header = header_of_block_one();
		Executive::initialize_block(&header);
		let timestamp =
			UncheckedExtrinsic::new_bare(RuntimeCall::Timestamp(pallet_timestamp::Call::set {
				now: SLOT_DURATION,
			}));
		let transfer = signed(
			Sr25519Keyring::Alice,
			0,
			RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
				dest: bob().into(),
				value: amount,
			}),
		);
		assert_ok!(Executive::apply_extrinsic(timestamp.clone()).unwrap());
		assert_ok!(Executive::apply_extrinsic(transfer.clone()).unwrap());
		let header = Executive::finalize_block();

		assert_eq!(Balances::free_balance(bob()), ENDOWMENT + amount);
		let fee = ENDOWMENT - amount - Balances::free_balance(alice());
		assert!(fee > 0, "the transfer paid a fee");
		assert_eq!(System::account_nonce(alice()), 1);
		Block { header, extrinsics: vec![timestamp, transfer] }
	});

	// A fresh node importing the block reaches the same state root.
	genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		Executive::execute_block(block.into());
		assert_eq!(Balances::free_balance(bob()), ENDOWMENT + amount);
	});
}

#[test]
fn a_transfer_beyond_the_balance_is_refused_with_a_specific_error() {
	genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: bob().into(),
			value: 2 * ENDOWMENT,
		});
		assert_noop!(
			call.dispatch_bypass_filter(RuntimeOrigin::signed(alice())),
			DispatchError::Token(TokenError::FundsUnavailable)
		);
	});
}

#[test]
fn a_signed_account_cannot_create_an_asset() {
	genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		let create = RuntimeCall::Assets(pallet_assets::Call::create {
			id: 7.into(),
			admin: alice().into(),
			min_balance: 1,
		});
		assert_noop!(
			create.clone().dispatch_bypass_filter(RuntimeOrigin::signed(alice())),
			DispatchError::BadOrigin
		);
		assert!(pallet_assets::Asset::<Runtime, ()>::get(7).is_none());

		// Governance (Root) can, and the asset is then the treasury's.
		assert_ok!(create.dispatch_bypass_filter(RuntimeOrigin::root()));
		let details = pallet_assets::Asset::<Runtime, ()>::get(7).expect("created by Root");
		assert_eq!(details.owner, configs::TreasuryAccount::get());
	});
}

#[test]
fn the_dev_presets_have_the_example_class_and_the_dev_attestor() {
	use sp_core::Pair;
	let attestor = sp_core::sr25519::Pair::from_string("//Attestor", None).unwrap();
	assert_eq!(attestor.public().0, genesis_config_presets::DEV_ATTESTOR);
	genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		let class = pallet_compute::Classes::<Runtime>::get(0).expect("class 0");
		assert_eq!(class.symbol.to_vec(), b"UTC-H100".to_vec());
		assert_eq!(class.decimals, 3);
		assert!(pallet_assets::Asset::<Runtime, ()>::get(0).is_some());
		assert!(pallet_compute::Attestors::<Runtime>::contains_key(
			pallet_compute::AttestorKey::Sr25519(attestor.public())
		));
	});
}

#[test]
fn the_dev_presets_have_sla_modules_and_only_the_dev_chain_short_delays() {
	genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_sla::Modules::<Runtime>::iter().count(), 3);
		let delays = pallet_sla::Parameters::<Runtime>::get();
		assert_eq!((delays.unbonding_delay, delays.dispute_window, delays.slash_defer), (10, 4, 3));
	});
	genesis_of(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_sla::Modules::<Runtime>::iter().count(), 3);
		assert_eq!(pallet_sla::Parameters::<Runtime>::get().unbonding_delay, 7 * DAYS);
	});
}

#[test]
fn a_mint_needs_a_bond_under_a_subscribed_module() {
	genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		let provider = bob();
		let origin = || RuntimeOrigin::signed(provider.clone());
		assert_ok!(Compute::register_provider(
			origin(),
			b"Bob GPUs".to_vec().try_into().unwrap(),
			b"EU".to_vec().try_into().unwrap()
		));
		assert_ok!(Sla::bond(origin(), UNIT));
		assert_ok!(Sla::subscribe(origin(), 0, 0));
		use utc_primitives::BackingCheck;
		// 1 UNIT backs 1,000 thousandths of an hour under module 0.
		assert!(Sla::can_back(&provider, 0, 0, 1_000));
		assert!(!Sla::can_back(&provider, 0, 0, 1_001));
		assert!(!Sla::can_back(&alice(), 0, 0, 1));
	});
}

/// The routing key the dev presets give a validator: its sr25519 dev key.
fn routing_key(who: Sr25519Keyring) -> pallet_federation::routing_crypto::Public {
	who.public().into()
}

#[test]
fn the_validators_route_and_class_0_takes_every_workload_kind() {
	genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(
			pallet_federation::Routers::<Runtime>::get().into_inner(),
			vec![routing_key(Sr25519Keyring::Alice)]
		);
		let kinds = pallet_federation::ClassKinds::<Runtime>::get(0).unwrap();
		assert!(kinds.command && kinds.container && kinds.batch);
	});
	genesis_of(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(
			pallet_federation::Routers::<Runtime>::get().into_inner(),
			vec![routing_key(Sr25519Keyring::Alice), routing_key(Sr25519Keyring::Bob)]
		);
	});
}

#[test]
fn session_keys_carry_the_routing_key() {
	let keys = SessionKeys {
		aura: Sr25519Keyring::Alice.public().into(),
		grandpa: sp_keyring::Ed25519Keyring::Alice.public().into(),
		routing: routing_key(Sr25519Keyring::Alice),
	};
	let decoded = SessionKeys::decode_into_raw_public_keys(&keys.encode()).unwrap();
	assert!(decoded
		.contains(&(Sr25519Keyring::Alice.public().to_vec(), pallet_federation::ROUTING_KEY_TYPE)));
}

/// A routing batch as the validator's worker submits it: an authorized
/// transaction through the runtime's whole extension pipeline.
#[test]
fn the_pool_takes_a_signed_routing_batch_and_refuses_a_forged_one() {
	use frame_system::offchain::CreateAuthorizedTransaction;
	use sp_runtime::transaction_validity::{InvalidTransaction, TransactionSource};
	genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		Executive::initialize_block(&header_of_block_one());
		let batch_of = |signer: Sr25519Keyring| {
			let batch = pallet_federation::RoutingBatch {
				at: 1,
				router: routing_key(signer),
				assignments: vec![(0, bob())].try_into().unwrap(),
			};
			let message = Federation::batch_message(&batch);
			let signature = signer.sign(&message).into();
			let call =
				RuntimeCall::Federation(pallet_federation::Call::assign_jobs { batch, signature });
			<Runtime as CreateAuthorizedTransaction<RuntimeCall>>::create_authorized_transaction(
				call,
			)
		};
		let parent = System::parent_hash();
		assert!(Executive::validate_transaction(
			TransactionSource::Local,
			batch_of(Sr25519Keyring::Alice),
			parent
		)
		.is_ok());
		assert_eq!(
			Executive::validate_transaction(
				TransactionSource::Local,
				batch_of(Sr25519Keyring::Bob),
				parent
			),
			Err(InvalidTransaction::BadSigner.into())
		);
	});
}
