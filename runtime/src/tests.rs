//! Runtime tests: the genesis presets build, a block carrying a signed transfer
//! executes and re-executes to the same state, and asset creation is closed to
//! plain signed accounts.

use codec::Encode;
use frame_support::{assert_noop, assert_ok, traits::UnfilteredDispatchable};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{DispatchError, TokenError};

use crate::{
	genesis_config_presets::{self, ENDOWMENT},
	testing::{genesis_of, signed},
	*,
};

fn alice() -> AccountId {
	Sr25519Keyring::Alice.to_account_id()
}

fn bob() -> AccountId {
	Sr25519Keyring::Bob.to_account_id()
}

#[test]
fn every_dev_preset_builds_a_genesis_state() {
	for preset in genesis_config_presets::preset_names() {
		let name = core::str::from_utf8(preset.as_ref()).unwrap().to_owned();
		if name == genesis_config_presets::PRODUCTION_TEMPLATE_PRESET {
			continue;
		}
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
fn the_production_template_names_no_well_known_key_and_builds_once_filled_in() {
	let name = genesis_config_presets::PRODUCTION_TEMPLATE_PRESET;
	let patch = genesis_config_presets::get_preset(&name.into()).expect("the template exists");
	let json = String::from_utf8(patch).unwrap().to_lowercase();
	for key in testing::well_known_keys() {
		assert!(!json.contains(&key.to_lowercase()), "the template holds the dev key {key}");
	}
	// As exported, it has no validator, no sudo key, no funds and no attestor.
	genesis_of(name).execute_with(|| {
		assert!(pallet_aura::Authorities::<Runtime>::get().is_empty());
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), None);
		assert_eq!(Balances::total_issuance(), EXISTENTIAL_DEPOSIT);
		assert_eq!(pallet_compute::Attestors::<Runtime>::iter().count(), 0);
		assert!(pallet_compute::Classes::<Runtime>::contains_key(0));
		assert_eq!(pallet_sla::Modules::<Runtime>::iter().count(), 3);
		let delays = pallet_sla::Parameters::<Runtime>::get();
		assert_eq!((delays.unbonding_delay, delays.dispute_window), (7 * DAYS, DAYS));
	});
	// An operator's keys filled in: the chain starts with them.
	let operator = Sr25519Keyring::Ferdie;
	let config = testing::genesis_config(
		name,
		Some(serde_json::json!({
			"aura": { "authorities": [operator.public().to_string()] },
			"grandpa": { "authorities": [[sp_keyring::Ed25519Keyring::Ferdie.public().to_string(), 1]] },
			"sudo": { "key": operator.to_account_id().to_string() },
			"balances": { "balances": [[operator.to_account_id().to_string(), 10 * UNIT]] },
		})),
	);
	testing::genesis_state(&config).execute_with(|| {
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 1);
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(operator.to_account_id()));
		assert_eq!(Balances::free_balance(operator.to_account_id()), 10 * UNIT);
	});
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
		let header = testing::header(1, System::block_hash(0), 1);
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
fn transaction_fees_go_to_the_treasury_and_governance_spends_them() {
	genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		let header = testing::header(1, System::block_hash(0), 1);
		Executive::initialize_block(&header);
		let treasury = configs::TreasuryAccount::get();
		assert_eq!(treasury, Treasury::account_id());
		let (issuance, before) = (Balances::total_issuance(), Balances::free_balance(&treasury));
		let transfer = signed(
			Sr25519Keyring::Alice,
			0,
			RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
				dest: bob().into(),
				value: UNIT,
			}),
		);
		assert_ok!(Executive::apply_extrinsic(transfer).unwrap());
		let fee = ENDOWMENT - UNIT - Balances::free_balance(alice());
		assert!(fee > 0);
		assert_eq!(Balances::free_balance(&treasury), before + fee, "the fee is in the treasury");
		assert_eq!(Balances::total_issuance(), issuance, "nothing was burned or minted");

		// Governance spends from it; the beneficiary claims the payout.
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		assert_ok!(Treasury::spend(
			RuntimeOrigin::root(),
			Box::new(()),
			fee,
			Box::new(charlie.clone()),
			None
		));
		assert_ok!(Treasury::payout(RuntimeOrigin::signed(charlie.clone()), 0));
		assert_eq!(Balances::free_balance(&charlie), ENDOWMENT + fee);
		assert_eq!(Balances::free_balance(&treasury), before);
		assert_noop!(
			Treasury::spend(RuntimeOrigin::signed(alice()), Box::new(()), 1, Box::new(bob()), None),
			DispatchError::BadOrigin
		);
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
		let owes_nothing = |_| 0;
		assert!(Sla::can_back(&provider, 0, &owes_nothing, 1_000));
		assert!(!Sla::can_back(&provider, 0, &owes_nothing, 1_001));
		assert!(!Sla::can_back(&alice(), 0, &owes_nothing, 1));
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
		Executive::initialize_block(&testing::header(1, System::block_hash(0), 1));
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
