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
			assert_eq!(
				pallet_session::Validators::<Runtime>::get(),
				pallet_validator_set::Validators::<Runtime>::get().into_inner(),
				"{name}"
			);
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
		assert!(pallet_validator_set::Validators::<Runtime>::get().is_empty());
		assert_eq!(pallet_validator_set::SessionLength::<Runtime>::get(), HOURS);
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), None);
		// The treasury's and the exchange's custody account's existential deposits.
		assert_eq!(Balances::total_issuance(), 2 * EXISTENTIAL_DEPOSIT);
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
			"validatorSet": { "validators": [operator.to_account_id().to_string()] },
			"session": { "keys": [[
				operator.to_account_id().to_string(),
				operator.to_account_id().to_string(),
				{
					"aura": operator.public().to_string(),
					"grandpa": sp_keyring::Ed25519Keyring::Ferdie.public().to_string(),
					"routing": operator.public().to_string(),
				},
			]] },
			"sudo": { "key": operator.to_account_id().to_string() },
			"balances": { "balances": [[operator.to_account_id().to_string(), 10 * UNIT]] },
		})),
	);
	testing::genesis_state(&config).execute_with(|| {
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 1);
		assert_eq!(Grandpa::grandpa_authorities().len(), 1);
		assert_eq!(
			pallet_federation::Routers::<Runtime>::get().into_inner(),
			vec![routing_key(operator)]
		);
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(operator.to_account_id()));
		assert_eq!(Balances::free_balance(operator.to_account_id()), 10 * UNIT);
	});
}

#[test]
fn local_testnet_has_four_authorities() {
	genesis_of(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 4);
		assert_eq!(Grandpa::grandpa_authorities().len(), 4);
		assert_eq!(pallet_session::Validators::<Runtime>::get().len(), 4);
	});
}

#[test]
fn block_with_a_transfer_executes_and_reexecutes_to_the_same_state() {
	let amount = 42 * UNIT;
	let mut ext = genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET);
	let block = ext.execute_with(|| {
		let header = testing::header(1, System::block_hash(0), 1);
		Executive::initialize_block(&header);
		let timestamp = testing::timestamp(1);
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

/// A holder pays for a job with UTC in its trading account: what its wallet
/// lacks is withdrawn in the same call; more than the account holds free is
/// refused and nothing moves.
#[test]
fn a_job_is_paid_from_the_trading_account_without_a_withdrawal_first() {
	genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		use frame_support::traits::fungibles::{Inspect, Mutate};
		use pallet_orderbook::Asset;
		let holder = bob();
		let origin = || RuntimeOrigin::signed(holder.clone());
		assert_ok!(<Assets as Mutate<_>>::mint_into(0, &holder, 1_000));
		assert_ok!(Orderbook::deposit(origin(), Asset::Class(0), 900));
		let workload = pallet_federation::Workload {
			spec: pallet_federation::WorkloadSpec::Command {
				program: b"/bin/true".to_vec().try_into().unwrap(),
				args: Default::default(),
				env: Default::default(),
			},
			input: None,
			output: None,
			gpus: 0,
			memory_mb: 0,
		};
		// 100 from the wallet, 500 from the trading account.
		assert_ok!(Federation::submit_job(origin(), 0, 600, vec![1], workload.clone(), 10));
		assert_eq!(<Assets as Inspect<_>>::balance(0, &holder), 0);
		assert_eq!(Orderbook::funds(&holder, Asset::Class(0)).free, 400);
		assert_noop!(
			Federation::submit_job(origin(), 0, 500, vec![1], workload, 10),
			pallet_orderbook::Error::<Runtime>::InsufficientBalance
		);
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
			pallet_session::Validators::<Runtime>::get()
				.iter()
				.map(|who| Sr25519Keyring::from_account_id(who).map(routing_key).unwrap())
				.collect::<Vec<_>>()
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

mod validators {
	use super::*;
	use frame_support::traits::{KeyOwnerProofSystem, OneSessionHandler};
	use sp_keystore::{testing::MemoryKeystore, KeystoreExt};
	use sp_runtime::transaction_validity::TransactionSource;

	/// Builds blocks up to `n`, block `k` at Aura slot `k` (so its author is the
	/// authority `k mod count`), each with its timestamp.
	fn run_to_block(n: BlockNumber) {
		// The runtime records the parent hash it is given without checking it.
		let mut parent = System::block_hash(0);
		while System::block_number() < n {
			let number = System::block_number() + 1;
			Executive::initialize_block(&testing::header(number, parent, number.into()));
			assert_ok!(Executive::apply_extrinsic(testing::timestamp(number.into())).unwrap());
			parent = Executive::finalize_block().hash();
		}
	}

	fn run_to_session(index: u32) {
		while pallet_session::CurrentIndex::<Runtime>::get() < index {
			run_to_block(System::block_number() + 1);
		}
	}

	/// What `author_rotateKeysWithOwner` returns to a validator: fresh session
	/// keys from `seed` in the node's keystore, and their ownership proof for `who`.
	fn rotate_keys(who: &AccountId, seed: &str) -> (SessionKeys, Vec<u8>) {
		let generated = SessionKeys::generate(&who.encode(), Some(seed.as_bytes().to_vec()));
		(generated.keys, generated.proof.encode())
	}

	fn with_keystore(preset: &str) -> sp_io::TestExternalities {
		let mut ext = genesis_of(preset);
		ext.register_extension(KeystoreExt::new(MemoryKeystore::new()));
		ext
	}

	#[test]
	fn a_validator_joins_with_its_session_keys_and_authors() {
		with_keystore(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
			run_to_block(1);
			let (keys, proof) = rotate_keys(&bob(), "//Bob");
			assert_noop!(
				ValidatorSet::add_validator(RuntimeOrigin::root(), bob()),
				pallet_validator_set::Error::<Runtime>::NoSessionKeys
			);
			assert_noop!(
				Session::set_keys(RuntimeOrigin::signed(bob()), keys.clone(), vec![0; 64]),
				pallet_session::Error::<Runtime>::InvalidProof
			);
			assert_ok!(Session::set_keys(RuntimeOrigin::signed(bob()), keys.clone(), proof));
			assert_eq!(Balances::free_balance(bob()), ENDOWMENT - UNIT, "the key deposit is held");
			assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), bob()));

			run_to_session(1);
			assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 1);
			run_to_session(2);
			let aura = pallet_aura::Authorities::<Runtime>::get();
			assert_eq!(aura.len(), 2);
			assert!(aura.contains(&keys.aura));
			assert!(Grandpa::grandpa_authorities().iter().any(|(id, _)| *id == keys.grandpa));
			assert!(pallet_federation::Routers::<Runtime>::get().contains(&keys.routing));
			assert!(pallet_federation::Routers::<Runtime>::get()
				.contains(&routing_key(Sr25519Keyring::Alice)));

			run_to_block(System::block_number() + 4);
			assert_eq!(pallet_validator_set::AuthoredBlocks::<Runtime>::get(bob()), 2);
			assert_eq!(pallet_validator_set::AuthoredBlocks::<Runtime>::get(alice()), 2);
		});
	}

	#[test]
	fn a_removed_validator_stops_authoring_after_the_next_session_change() {
		genesis_of(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
			run_to_block(1);
			let charlie = Sr25519Keyring::Charlie;
			assert_ok!(ValidatorSet::remove_validator(
				RuntimeOrigin::root(),
				charlie.to_account_id()
			));
			run_to_session(2);
			let aura = pallet_aura::Authorities::<Runtime>::get();
			assert_eq!(aura.len(), 3);
			assert!(!aura.contains(&charlie.public().into()));
			assert_eq!(Grandpa::grandpa_authorities().len(), 3);
			assert!(!pallet_federation::Routers::<Runtime>::get().contains(&routing_key(charlie)));
			run_to_block(System::block_number() + 6);
			assert_eq!(
				pallet_validator_set::AuthoredBlocks::<Runtime>::get(charlie.to_account_id()),
				0
			);
		});
	}

	/// Two prevotes of `voter` in one round: for different blocks unless `second`
	/// is the first's (`Hash::repeat_byte(1)`).
	fn equivocation(
		voter: sp_keyring::Ed25519Keyring,
		set_id: u64,
		second: Hash,
	) -> sp_consensus_grandpa::EquivocationProof<Hash, BlockNumber> {
		let vote = |hash: Hash| {
			let prevote = finality_grandpa::Prevote { target_hash: hash, target_number: 1 };
			let message = finality_grandpa::Message::Prevote(prevote.clone());
			let payload = sp_consensus_grandpa::localized_payload(1, set_id, &message);
			(prevote, voter.sign(&payload).into())
		};
		sp_consensus_grandpa::EquivocationProof::new(
			set_id,
			sp_consensus_grandpa::Equivocation::Prevote(finality_grandpa::Equivocation {
				round_number: 1,
				identity: voter.public().into(),
				first: vote(Hash::repeat_byte(1)),
				second: vote(second),
			}),
		)
	}

	fn report(
		proof: sp_consensus_grandpa::EquivocationProof<Hash, BlockNumber>,
		key_owner_proof: sp_session::MembershipProof,
	) -> UncheckedExtrinsic {
		UncheckedExtrinsic::new_bare(RuntimeCall::Grandpa(
			pallet_grandpa::Call::report_equivocation_unsigned {
				equivocation_proof: Box::new(proof),
				key_owner_proof,
			},
		))
	}

	#[test]
	fn a_grandpa_equivocation_is_reported_and_its_validator_removed() {
		genesis_of(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
			run_to_block(1);
			// Block 2 carries the reports.
			Executive::initialize_block(&testing::header(2, System::block_hash(1), 2));
			assert_ok!(Executive::apply_extrinsic(testing::timestamp(2)).unwrap());
			let bob_grandpa: sp_consensus_grandpa::AuthorityId =
				sp_keyring::Ed25519Keyring::Bob.public().into();
			let key_owner_proof =
				Historical::prove((sp_consensus_grandpa::KEY_TYPE, bob_grandpa.clone())).unwrap();
			let set_id = Grandpa::current_set_id();
			let parent = System::parent_hash();

			// Not an equivocation: the same vote twice is refused.
			let same = equivocation(sp_keyring::Ed25519Keyring::Bob, set_id, Hash::repeat_byte(1));
			assert_eq!(
				Executive::apply_extrinsic(report(same, key_owner_proof.clone())).unwrap(),
				Err(pallet_grandpa::Error::<Runtime>::InvalidEquivocationProof.into())
			);
			assert_eq!(pallet_offences::Reports::<Runtime>::iter().count(), 0);

			let xt = report(
				equivocation(sp_keyring::Ed25519Keyring::Bob, set_id, Hash::repeat_byte(2)),
				key_owner_proof.clone(),
			);
			assert!(Executive::validate_transaction(TransactionSource::Local, xt.clone(), parent)
				.is_ok());
			assert_ok!(Executive::apply_extrinsic(xt.clone()).unwrap());
			assert_eq!(pallet_offences::Reports::<Runtime>::iter().count(), 1);
			let bob = Sr25519Keyring::Bob.to_account_id();
			assert!(!pallet_validator_set::Validators::<Runtime>::get().contains(&bob));
			System::assert_has_event(RuntimeEvent::ValidatorSet(
				pallet_validator_set::Event::ValidatorRemoved {
					who: bob.clone(),
					reason: pallet_validator_set::RemovalReason::Offence { session: 0 },
				},
			));
			// Reported once: a second report of the same offence is refused.
			assert!(!matches!(Executive::apply_extrinsic(xt), Ok(Ok(()))));
			Executive::finalize_block();

			run_to_session(2);
			assert!(!pallet_session::Validators::<Runtime>::get().contains(&bob));
			assert!(!Grandpa::grandpa_authorities().iter().any(|(id, _)| *id == bob_grandpa));
			assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 3);
		});
	}

	#[test]
	fn the_routing_keys_follow_changed_sessions_only() {
		genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
			let keys: Vec<(AccountId, pallet_federation::routing_crypto::Public)> = vec![
				(alice(), routing_key(Sr25519Keyring::Alice)),
				(bob(), routing_key(Sr25519Keyring::Bob)),
			];
			let session = || keys.iter().map(|(who, key)| (who, key.clone()));
			configs::RoutingKeys::on_new_session(false, session(), session());
			assert_eq!(pallet_federation::Routers::<Runtime>::get().len(), 1);
			configs::RoutingKeys::on_new_session(true, session(), session());
			assert_eq!(pallet_federation::Routers::<Runtime>::get().len(), 2);
		});
	}
}

/// The block builder's inherents are in the version-4 bare format, which every
/// client decodes (block explorers and exchange tools that predate version 5
/// refuse a block over one version-5 inherent), and the runtime executes them.
#[test]
fn inherents_are_built_in_the_version_4_bare_format() {
	use frame_support::inherent::ProvideInherent;
	use sp_block_builder::runtime_decl_for_block_builder::BlockBuilderV6;
	genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		let mut data = sp_inherents::InherentData::new();
		data.put_data(Timestamp::INHERENT_IDENTIFIER, &(3 * SLOT_DURATION)).unwrap();
		let inherents = <Runtime as BlockBuilderV6<Block>>::inherent_extrinsics(data);
		assert_eq!(inherents.len(), 1);
		let xt = &inherents[0];
		assert_eq!(xt.preamble, sp_runtime::generic::Preamble::Bare(4));
		// A compact length, then the version byte: bare (no signature bit), 4.
		assert_eq!(xt.encode()[1], 4);
		assert!(matches!(xt.function, RuntimeCall::Timestamp(_)));
		Executive::initialize_block(&testing::header(1, System::parent_hash(), 3));
		assert_ok!(Executive::apply_extrinsic(xt.clone()).unwrap());
	});
}
