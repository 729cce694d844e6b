//! pallet-compute's behaviour, one module per call or rule. Every test ends with
//! `do_try_state()` (through `build_and_execute` or `run_to_block`).

use crate::{mock::*, pallet::*, types::*, Error, Event};
use codec::Encode;
use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::InspectHold, fungibles::Inspect},
};
use sp_core::{ed25519, sr25519, Pair, H256};
use sp_runtime::{DispatchError, MultiSignature, TokenError};
use utc_primitives::{ComputeInspect, ComputeLedger};

fn bounded(bytes: &[u8]) -> StringOf<Test> {
	bytes.to_vec().try_into().unwrap()
}

fn register(who: AccountId) {
	assert_ok!(Compute::register_provider(
		RuntimeOrigin::signed(who),
		bounded(b"Acme GPUs"),
		bounded(b"EU-WEST")
	));
}

/// Registers `who` and has the dev attestor attest `units` for it (nonce `nonce`).
fn attest(who: AccountId, units: u128, nonce: u64) -> u64 {
	if !Providers::<Test>::contains_key(who) {
		register(who);
	}
	let p = payload(who, units, nonce);
	let id = NextAttestationId::<Test>::get();
	assert_ok!(Compute::submit_attestation(
		RuntimeOrigin::signed(who),
		attestor(),
		p.clone(),
		sign(&attestor_pair(), &p)
	));
	id
}

fn tokens(who: AccountId) -> u128 {
	Assets::balance(H100, who)
}

mod create_class {
	use super::*;

	fn floor() -> HardwareFloor<<Test as Config>::StringLimit> {
		HardwareFloor {
			model_family: bounded(b"AMD MI300X"),
			min_memory_mib: 192 * 1024,
			min_performance: 900,
		}
	}

	#[test]
	fn creates_the_class_and_its_asset_owned_by_the_pallet() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(Compute::create_class(
				RuntimeOrigin::root(),
				bounded(b"MI300X hour"),
				bounded(b"UTC-MI300"),
				ResourceKind::Gpu,
				ComputeUnit::Hour,
				floor(),
				2
			));
			let class = Classes::<Test>::get(1).unwrap();
			assert_eq!(class.status, ClassStatus::Active);
			assert_eq!(class.decimals, 2);
			assert_eq!(NextClassId::<Test>::get(), 2);
			assert!(Assets::asset_exists(1));
			assert_eq!(pallet_assets::Asset::<Test>::get(1).unwrap().owner, Compute::account_id());
			assert_eq!(
				<Assets as frame_support::traits::fungibles::metadata::Inspect<_>>::symbol(1),
				b"UTC-MI300".to_vec()
			);
			assert_eq!(
				compute_events().last(),
				Some(&Event::ClassCreated {
					class: 1,
					name: bounded(b"MI300X hour"),
					symbol: bounded(b"UTC-MI300"),
					kind: ResourceKind::Gpu,
					unit: ComputeUnit::Hour,
					decimals: 2
				})
			);
		});
	}

	#[test]
	fn needs_the_admin_origin() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(
				Compute::create_class(
					RuntimeOrigin::signed(ALICE),
					bounded(b"x"),
					bounded(b"X"),
					ResourceKind::Cpu,
					ComputeUnit::Second,
					floor(),
					0
				),
				DispatchError::BadOrigin
			);
		});
	}

	#[test]
	fn refuses_empty_names_too_many_decimals_and_a_taken_asset_id() {
		ExtBuilder::default().build_and_execute(|| {
			let create = |name: &[u8], decimals: u8| {
				Compute::create_class(
					RuntimeOrigin::root(),
					bounded(name),
					bounded(b"SYM"),
					ResourceKind::Qpu,
					ComputeUnit::Shot,
					floor(),
					decimals,
				)
			};
			assert_noop!(create(b"", 0), Error::<Test>::EmptyName);
			assert_noop!(create(b"q", 19), Error::<Test>::TooManyDecimals);
			// Someone else took asset id 1.
			assert_ok!(Assets::force_create(RuntimeOrigin::root(), 1, ALICE, false, 1));
			assert_noop!(create(b"q", 0), Error::<Test>::AssetIdInUse);
		});
	}

	#[test]
	fn only_the_pallet_can_mint_its_tokens() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(
				Assets::mint(RuntimeOrigin::signed(ALICE), H100, ALICE, 10),
				pallet_assets::Error::<Test>::NoPermission
			);
		});
	}
}

mod class_status {
	use super::*;

	#[test]
	fn a_paused_class_takes_no_attestations_or_mints() {
		ExtBuilder::default().build_and_execute(|| {
			attest(ALICE, 100, 1);
			assert_ok!(Compute::set_class_status(RuntimeOrigin::root(), H100, ClassStatus::Paused));
			assert_noop!(
				Compute::mint(RuntimeOrigin::signed(ALICE), H100, 1),
				Error::<Test>::ClassInactive
			);
			let p = payload(ALICE, 5, 2);
			assert_noop!(
				Compute::submit_attestation(
					RuntimeOrigin::signed(ALICE),
					attestor(),
					p.clone(),
					sign(&attestor_pair(), &p)
				),
				Error::<Test>::ClassInactive
			);
			assert_ok!(Compute::set_class_status(RuntimeOrigin::root(), H100, ClassStatus::Active));
			assert_ok!(Compute::mint(RuntimeOrigin::signed(ALICE), H100, 1));
		});
	}

	#[test]
	fn refuses_unknown_classes_unchanged_status_and_signed_origins() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(
				Compute::set_class_status(RuntimeOrigin::root(), 9, ClassStatus::Paused),
				Error::<Test>::UnknownClass
			);
			assert_noop!(
				Compute::set_class_status(RuntimeOrigin::root(), H100, ClassStatus::Active),
				Error::<Test>::StatusUnchanged
			);
			assert_noop!(
				Compute::set_class_status(RuntimeOrigin::signed(ALICE), H100, ClassStatus::Paused),
				DispatchError::BadOrigin
			);
		});
	}
}

mod attestors {
	use super::*;

	#[test]
	fn are_added_and_removed_by_the_admin() {
		ExtBuilder::default().build_and_execute(|| {
			let key = AttestorKey::Ed25519(
				ed25519::Pair::from_string("//Auditor", None).unwrap().public(),
			);
			assert_ok!(Compute::add_attestor(
				RuntimeOrigin::root(),
				key,
				AttestorKind::Auditor,
				bounded(b"audit co")
			));
			assert_noop!(
				Compute::add_attestor(
					RuntimeOrigin::root(),
					key,
					AttestorKind::Auditor,
					bounded(b"")
				),
				Error::<Test>::AttestorExists
			);
			assert_ok!(Compute::remove_attestor(RuntimeOrigin::root(), key));
			assert_noop!(
				Compute::remove_attestor(RuntimeOrigin::root(), key),
				Error::<Test>::UnknownAttestor
			);
			assert_noop!(
				Compute::add_attestor(
					RuntimeOrigin::signed(ALICE),
					key,
					AttestorKind::Vendor,
					bounded(b"")
				),
				DispatchError::BadOrigin
			);
		});
	}
}

mod providers {
	use super::*;

	#[test]
	fn registering_holds_the_deposit() {
		ExtBuilder::default().build_and_execute(|| {
			register(ALICE);
			assert_eq!(
				Balances::balance_on_hold(
					&RuntimeHoldReason::Compute(HoldReason::ProviderDeposit),
					&ALICE
				),
				PROVIDER_DEPOSIT
			);
			assert_noop!(
				Compute::register_provider(
					RuntimeOrigin::signed(ALICE),
					bounded(b"x"),
					bounded(b"US")
				),
				Error::<Test>::AlreadyProvider
			);
		});
	}

	#[test]
	fn refuses_bad_regions_empty_names_and_the_poor() {
		ExtBuilder::default().build_and_execute(|| {
			for region in [&b""[..], b"eu-west", b"EU WEST"] {
				assert_noop!(
					Compute::register_provider(
						RuntimeOrigin::signed(ALICE),
						bounded(b"x"),
						bounded(region)
					),
					Error::<Test>::InvalidRegion
				);
			}
			assert_noop!(
				Compute::register_provider(
					RuntimeOrigin::signed(ALICE),
					bounded(b""),
					bounded(b"US")
				),
				Error::<Test>::EmptyName
			);
			assert_noop!(
				Compute::register_provider(
					RuntimeOrigin::signed(POOR),
					bounded(b"x"),
					bounded(b"US")
				),
				TokenError::FundsUnavailable
			);
		});
	}

	#[test]
	fn update_changes_name_and_region() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(
				Compute::update_provider(
					RuntimeOrigin::signed(ALICE),
					bounded(b"x"),
					bounded(b"US")
				),
				Error::<Test>::NotProvider
			);
			register(ALICE);
			assert_ok!(Compute::update_provider(
				RuntimeOrigin::signed(ALICE),
				bounded(b"New"),
				bounded(b"US-EAST-1")
			));
			let info = Providers::<Test>::get(ALICE).unwrap();
			assert_eq!((info.name, info.region), (bounded(b"New"), bounded(b"US-EAST-1")));
			assert_noop!(
				Compute::update_provider(
					RuntimeOrigin::signed(ALICE),
					bounded(b"New"),
					bounded(b"us")
				),
				Error::<Test>::InvalidRegion
			);
		});
	}

	#[test]
	fn deregistering_is_refused_while_owing_or_holding_live_capacity() {
		ExtBuilder::default().build_and_execute(|| {
			let id = attest(ALICE, 100, 1);
			assert_noop!(
				Compute::deregister_provider(RuntimeOrigin::signed(ALICE)),
				Error::<Test>::HasLiveCapacity
			);
			assert_ok!(Compute::mint(RuntimeOrigin::signed(ALICE), H100, 10));
			assert_ok!(Compute::revoke_attestation(RuntimeOrigin::root(), id));
			assert_noop!(
				Compute::deregister_provider(RuntimeOrigin::signed(ALICE)),
				Error::<Test>::HasObligations
			);
			assert_ok!(Compute::retire(RuntimeOrigin::signed(ALICE), H100, 10));
			assert_ok!(Compute::deregister_provider(RuntimeOrigin::signed(ALICE)));
			assert!(!Providers::<Test>::contains_key(ALICE));
			assert!(!Attestations::<Test>::contains_key(id));
			assert_eq!(
				Balances::balance_on_hold(
					&RuntimeHoldReason::Compute(HoldReason::ProviderDeposit),
					&ALICE
				),
				0
			);
			assert_noop!(
				Compute::deregister_provider(RuntimeOrigin::signed(ALICE)),
				Error::<Test>::NotProvider
			);
		});
	}
}

mod submit_attestation {
	use super::*;

	fn submit(
		who: AccountId,
		key: AttestorKey,
		p: &crate::AttestationPayloadOf<Test>,
		sig: MultiSignature,
	) -> frame_support::dispatch::DispatchResult {
		Compute::submit_attestation(RuntimeOrigin::signed(who), key, p.clone(), sig)
	}

	#[test]
	fn a_valid_attestation_grants_capacity_for_its_window() {
		ExtBuilder::default().build_and_execute(|| {
			let id = attest(ALICE, 250, 1);
			let a = Attestations::<Test>::get(id).unwrap();
			assert_eq!((a.units, a.minted, a.valid_until, a.revoked), (250, 0, 501, false));
			assert!(AttestorNonces::<Test>::get(attestor()).is_used(1));
			assert_eq!(ExpiryQueue::<Test>::get(501).into_inner(), vec![id]);
			assert_eq!(Compute::provider_class_state(&ALICE, H100).mintable, 250);
			assert_eq!(Ledgers::<Test>::get(ALICE, H100).attested, 250);
			assert!(matches!(
				compute_events().last(),
				Some(Event::AttestationAccepted { units: 250, nonce: 1, .. })
			));
		});
	}

	#[test]
	fn ed25519_attestors_work_too() {
		ExtBuilder::default().build_and_execute(|| {
			let pair = ed25519::Pair::from_string("//Vendor", None).unwrap();
			let key = AttestorKey::Ed25519(pair.public());
			assert_ok!(Compute::add_attestor(
				RuntimeOrigin::root(),
				key,
				AttestorKind::Vendor,
				bounded(b"v")
			));
			register(ALICE);
			let p = payload(ALICE, 10, 1);
			assert_ok!(submit(ALICE, key, &p, MultiSignature::Ed25519(pair.sign(&p.message()))));
		});
	}

	#[test]
	fn a_forged_signature_is_refused() {
		ExtBuilder::default().build_and_execute(|| {
			register(ALICE);
			let p = payload(ALICE, 10, 1);
			let forger = sr25519::Pair::from_string("//Mallory", None).unwrap();
			assert_noop!(
				submit(ALICE, attestor(), &p, sign(&forger, &p)),
				Error::<Test>::BadSignature
			);
			// A signature of other units does not carry over.
			let other = payload(ALICE, 10_000, 1);
			assert_noop!(
				submit(ALICE, attestor(), &p, sign(&attestor_pair(), &other)),
				Error::<Test>::BadSignature
			);
			// Nor does an ed25519 signature for an sr25519 key.
			let ed = ed25519::Pair::from_string("//Attestor", None).unwrap();
			assert_noop!(
				submit(ALICE, attestor(), &p, MultiSignature::Ed25519(ed.sign(&p.encode()))),
				Error::<Test>::BadSignature
			);
		});
	}

	#[test]
	fn an_unknown_attestor_is_refused() {
		ExtBuilder::default().build_and_execute(|| {
			register(ALICE);
			let stranger = sr25519::Pair::from_string("//Stranger", None).unwrap();
			let p = payload(ALICE, 10, 1);
			assert_noop!(
				submit(ALICE, AttestorKey::Sr25519(stranger.public()), &p, sign(&stranger, &p)),
				Error::<Test>::UnknownAttestor
			);
		});
	}

	/// Attestations signed in one order may arrive in another: each nonce within
	/// 128 of the attestor's highest is accepted once; older ones count as used.
	#[test]
	fn nonces_are_accepted_once_in_any_order_within_the_window() {
		ExtBuilder::default().build_and_execute(|| {
			register(ALICE);
			// Each ends at its own block: an expiry block holds few attestations.
			let signed = |nonce: u64| {
				let mut p = payload(ALICE, 10, nonce);
				p.valid_until = 100 + nonce % 400;
				let signature = sign(&attestor_pair(), &p);
				(p, signature)
			};
			for nonce in [200, 100, 73] {
				let (p, signature) = signed(nonce);
				assert_ok!(submit(ALICE, attestor(), &p, signature));
			}
			for (nonce, error) in [
				(100, Error::<Test>::NonceReused),
				(200, Error::<Test>::NonceReused),
				(72, Error::<Test>::NonceTooOld),
			] {
				let (p, signature) = signed(nonce);
				assert_noop!(submit(ALICE, attestor(), &p, signature), error);
			}
			// A jump past the window leaves every older nonce used.
			let (p, signature) = signed(1_000);
			assert_ok!(submit(ALICE, attestor(), &p, signature));
			let (p, signature) = signed(201);
			assert_noop!(submit(ALICE, attestor(), &p, signature), Error::<Test>::NonceTooOld);
		});
	}

	#[test]
	fn the_nonce_window_holds_the_last_nonce_too() {
		let mut window = NonceWindow::default();
		assert_eq!(window.check(u64::MAX), Ok(()));
		window.record(u64::MAX);
		assert_eq!(window.check(u64::MAX), Err(NonceRefusal::Reused));
		assert_eq!(window.check(u64::MAX - 127), Ok(()));
		assert_eq!(window.check(u64::MAX - 128), Err(NonceRefusal::TooOld));
		window.record(u64::MAX - 127);
		assert!(window.is_used(u64::MAX - 127));
	}

	/// An attestor's signature of the bare payload, without the domain tag, is
	/// not an attestation.
	#[test]
	fn an_attestation_signed_without_its_domain_tag_is_refused() {
		ExtBuilder::default().build_and_execute(|| {
			register(ALICE);
			let p = payload(ALICE, 10, 1);
			let untagged =
				MultiSignature::Sr25519(attestor_pair().sign(&codec::Encode::encode(&p)));
			assert_noop!(submit(ALICE, attestor(), &p, untagged), Error::<Test>::BadSignature);
			assert_ok!(submit(ALICE, attestor(), &p, sign(&attestor_pair(), &p)));
		});
	}

	#[test]
	fn a_replayed_nonce_is_refused_even_after_the_attestor_returns() {
		ExtBuilder::default().build_and_execute(|| {
			attest(ALICE, 10, 1);
			let p = payload(ALICE, 10, 1);
			assert_noop!(
				submit(ALICE, attestor(), &p, sign(&attestor_pair(), &p)),
				Error::<Test>::NonceReused
			);
			assert_ok!(Compute::remove_attestor(RuntimeOrigin::root(), attestor()));
			assert_ok!(Compute::add_attestor(
				RuntimeOrigin::root(),
				attestor(),
				AttestorKind::TeeVerifier,
				bounded(b"")
			));
			assert_noop!(
				submit(ALICE, attestor(), &p, sign(&attestor_pair(), &p)),
				Error::<Test>::NonceReused
			);
		});
	}

	#[test]
	fn a_signature_for_another_chain_is_refused() {
		ExtBuilder::default().build_and_execute(|| {
			register(ALICE);
			let mut p = payload(ALICE, 10, 1);
			p.genesis_hash = H256::repeat_byte(1);
			assert_noop!(
				submit(ALICE, attestor(), &p, sign(&attestor_pair(), &p)),
				Error::<Test>::WrongGenesisHash
			);
		});
	}

	#[test]
	fn someone_elses_attestation_cannot_be_submitted() {
		ExtBuilder::default().build_and_execute(|| {
			register(ALICE);
			register(BOB);
			let p = payload(ALICE, 10, 1);
			assert_noop!(
				submit(BOB, attestor(), &p, sign(&attestor_pair(), &p)),
				Error::<Test>::NotAttestationProvider
			);
		});
	}

	#[test]
	fn windows_must_be_current_bounded_and_not_empty() {
		ExtBuilder::default().build_and_execute(|| {
			register(ALICE);
			run_to_block(10);
			let cases: [(u64, u64, Error<Test>); 4] = [
				(1, 10, Error::<Test>::AttestationExpired),
				(20, 20, Error::<Test>::EmptyWindow),
				(10, 10 + MAX_WINDOW + 1, Error::<Test>::WindowTooLong),
				(10 + MAX_START_DELAY + 1, 10 + MAX_START_DELAY + 2, Error::<Test>::StartsTooLate),
			];
			for (nonce, (from, until, error)) in cases.into_iter().enumerate() {
				let mut p = payload(ALICE, 10, nonce as u64);
				p.valid_from = from;
				p.valid_until = until;
				assert_noop!(submit(ALICE, attestor(), &p, sign(&attestor_pair(), &p)), error);
			}
		});
	}

	#[test]
	fn zero_units_unknown_classes_and_unregistered_providers_are_refused() {
		ExtBuilder::default().build_and_execute(|| {
			let p = payload(ALICE, 10, 1);
			assert_noop!(
				submit(ALICE, attestor(), &p, sign(&attestor_pair(), &p)),
				Error::<Test>::NotProvider
			);
			register(ALICE);
			let p = payload(ALICE, 0, 1);
			assert_noop!(
				submit(ALICE, attestor(), &p, sign(&attestor_pair(), &p)),
				Error::<Test>::ZeroUnits
			);
			let mut p = payload(ALICE, 10, 1);
			p.class = 5;
			assert_noop!(
				submit(ALICE, attestor(), &p, sign(&attestor_pair(), &p)),
				Error::<Test>::UnknownClass
			);
		});
	}

	#[test]
	fn a_provider_holds_a_bounded_number_of_attestations() {
		ExtBuilder::default().build_and_execute(|| {
			for nonce in 0..MAX_ATTESTATIONS as u64 {
				let mut p = payload(ALICE, 10, nonce);
				p.valid_until = 100 + nonce % 400;
				if nonce == 0 {
					register(ALICE);
				}
				assert_ok!(submit(ALICE, attestor(), &p, sign(&attestor_pair(), &p)));
			}
			let mut p = payload(ALICE, 10, 99);
			p.valid_until = 200;
			assert_noop!(
				submit(ALICE, attestor(), &p, sign(&attestor_pair(), &p)),
				Error::<Test>::TooManyAttestations
			);
		});
	}

	#[test]
	fn a_block_takes_a_bounded_number_of_expiries() {
		ExtBuilder::default().build_and_execute(|| {
			for (nonce, who) in [ALICE, BOB, CHARLIE].into_iter().enumerate() {
				attest(who, 10, nonce as u64);
			}
			let p = payload(ALICE, 10, 50);
			assert_noop!(
				submit(ALICE, attestor(), &p, sign(&attestor_pair(), &p)),
				Error::<Test>::ExpiryQueueFull
			);
		});
	}
}

mod revocation {
	use super::*;

	#[test]
	fn the_admin_revokes_and_unminted_capacity_is_gone() {
		ExtBuilder::default().build_and_execute(|| {
			let id = attest(ALICE, 100, 1);
			assert_ok!(Compute::mint(RuntimeOrigin::signed(ALICE), H100, 30));
			assert_ok!(Compute::revoke_attestation(RuntimeOrigin::root(), id));
			assert_eq!(
				compute_events().last(),
				Some(&Event::AttestationRevoked {
					attestation: id,
					provider: ALICE,
					class: H100,
					unminted: 70,
					by: Revoker::Admin
				})
			);
			assert_noop!(
				Compute::mint(RuntimeOrigin::signed(ALICE), H100, 1),
				Error::<Test>::InsufficientAttestedCapacity
			);
			// Minted tokens stay, and so does the obligation.
			assert_eq!(tokens(ALICE), 30);
			assert_eq!(Compute::obligation(&ALICE, H100), 30);
			assert_noop!(
				Compute::revoke_attestation(RuntimeOrigin::root(), id),
				Error::<Test>::AttestationRevoked
			);
			assert_noop!(
				Compute::revoke_attestation(RuntimeOrigin::root(), 77),
				Error::<Test>::UnknownAttestation
			);
			assert_noop!(
				Compute::revoke_attestation(RuntimeOrigin::signed(ALICE), id),
				DispatchError::BadOrigin
			);
		});
	}

	#[test]
	fn the_attestor_revokes_with_its_signature() {
		ExtBuilder::default().build_and_execute(|| {
			let id = attest(ALICE, 100, 1);
			let forged = MultiSignature::Sr25519(
				sr25519::Pair::from_string("//Mallory", None)
					.unwrap()
					.sign(&Compute::revocation_message(id)),
			);
			assert_noop!(
				Compute::revoke_attestation_signed(RuntimeOrigin::signed(BOB), id, forged),
				Error::<Test>::BadSignature
			);
			let signature =
				MultiSignature::Sr25519(attestor_pair().sign(&Compute::revocation_message(id)));
			assert_ok!(Compute::revoke_attestation_signed(
				RuntimeOrigin::signed(BOB),
				id,
				signature
			));
			assert!(Attestations::<Test>::get(id).unwrap().revoked);
			assert!(matches!(
				compute_events().last(),
				Some(Event::AttestationRevoked { by: Revoker::Attestor, .. })
			));
		});
	}

	#[test]
	fn an_ended_attestation_cannot_be_revoked() {
		ExtBuilder::default().build_and_execute(|| {
			let id = attest(ALICE, 100, 1);
			// Past its window but before the sweep of its last block.
			System::set_block_number(501);
			assert_noop!(
				Compute::revoke_attestation(RuntimeOrigin::root(), id),
				Error::<Test>::AttestationExpired
			);
		});
	}
}

mod expiry {
	use super::*;

	#[test]
	fn capacity_ends_with_the_window_and_the_record_is_swept() {
		ExtBuilder::default().build_and_execute(|| {
			let id = attest(ALICE, 100, 1);
			assert_ok!(Compute::mint(RuntimeOrigin::signed(ALICE), H100, 40));
			run_to_block(500);
			assert_eq!(Compute::provider_class_state(&ALICE, H100).mintable, 60);
			run_to_block(501);
			assert!(!Attestations::<Test>::contains_key(id));
			assert!(Providers::<Test>::get(ALICE).unwrap().attestations.is_empty());
			assert!(ExpiryQueue::<Test>::get(501).is_empty());
			assert!(compute_events().contains(&Event::AttestationExpired {
				attestation: id,
				provider: ALICE,
				class: H100,
				unminted: 60
			}));
			assert_noop!(
				Compute::mint(RuntimeOrigin::signed(ALICE), H100, 1),
				Error::<Test>::InsufficientAttestedCapacity
			);
			// History stays in the ledger.
			let ledger = Ledgers::<Test>::get(ALICE, H100);
			assert_eq!((ledger.attested, ledger.minted, ledger.obligation), (100, 40, 40));
		});
	}

	#[test]
	fn expiry_is_enforced_on_use_before_the_sweep() {
		ExtBuilder::default().build_and_execute(|| {
			attest(ALICE, 100, 1);
			System::set_block_number(501);
			assert_noop!(
				Compute::mint(RuntimeOrigin::signed(ALICE), H100, 1),
				Error::<Test>::InsufficientAttestedCapacity
			);
		});
	}
}

mod mint {
	use super::*;

	#[test]
	fn mints_up_to_live_capacity_and_records_the_obligation() {
		ExtBuilder::default().build_and_execute(|| {
			attest(ALICE, 100, 1);
			assert_ok!(Compute::mint(RuntimeOrigin::signed(ALICE), H100, 60));
			assert_ok!(Compute::mint(RuntimeOrigin::signed(ALICE), H100, 40));
			assert_eq!(tokens(ALICE), 100);
			assert_eq!(Assets::total_issuance(H100), 100);
			assert_eq!(Compute::obligation(&ALICE, H100), 100);
			assert_eq!(Supply::<Test>::get(H100).obligations, 100);
			assert_eq!(Providers::<Test>::get(ALICE).unwrap().total_obligation, 100);
			assert_eq!(
				compute_events().last(),
				Some(&Event::Minted { provider: ALICE, class: H100, amount: 40, obligation: 100 })
			);
			assert_noop!(
				Compute::mint(RuntimeOrigin::signed(ALICE), H100, 1),
				Error::<Test>::InsufficientAttestedCapacity
			);
		});
	}

	#[test]
	fn draws_on_the_attestation_that_ends_first() {
		ExtBuilder::default().build_and_execute(|| {
			register(ALICE);
			let mut late = payload(ALICE, 50, 1);
			late.valid_until = 900;
			let early = payload(ALICE, 50, 2);
			for p in [&late, &early] {
				assert_ok!(Compute::submit_attestation(
					RuntimeOrigin::signed(ALICE),
					attestor(),
					p.clone(),
					sign(&attestor_pair(), p)
				));
			}
			assert_ok!(Compute::mint(RuntimeOrigin::signed(ALICE), H100, 70));
			assert_eq!(
				Attestations::<Test>::get(1).unwrap().minted,
				50,
				"the early one is used up"
			);
			assert_eq!(Attestations::<Test>::get(0).unwrap().minted, 20);
		});
	}

	#[test]
	fn capacity_not_yet_valid_is_reported_as_such() {
		ExtBuilder::default().build_and_execute(|| {
			register(ALICE);
			let mut p = payload(ALICE, 50, 1);
			p.valid_from = 50;
			assert_ok!(Compute::submit_attestation(
				RuntimeOrigin::signed(ALICE),
				attestor(),
				p.clone(),
				sign(&attestor_pair(), &p)
			));
			assert_noop!(
				Compute::mint(RuntimeOrigin::signed(ALICE), H100, 10),
				Error::<Test>::AttestationNotYetValid
			);
			assert_eq!(Compute::provider_class_state(&ALICE, H100).pending_capacity, 50);
			run_to_block(50);
			assert_ok!(Compute::mint(RuntimeOrigin::signed(ALICE), H100, 10));
		});
	}

	/// What the runtime API calls mintable is what a mint accepts: the bond's
	/// limit as well as the attested capacity, both reported.
	#[test]
	fn the_reported_mintable_is_what_the_bond_and_capacity_allow() {
		ExtBuilder::default().backing_limit(30).build_and_execute(|| {
			attest(ALICE, 100, 1);
			let state = Compute::provider_class_state(&ALICE, H100);
			assert_eq!((state.mintable, state.unminted_capacity, state.backable), (30, 100, 30));
			assert_noop!(
				Compute::mint(RuntimeOrigin::signed(ALICE), H100, state.mintable + 1),
				Error::<Test>::NotBacked
			);
			assert_ok!(Compute::mint(RuntimeOrigin::signed(ALICE), H100, state.mintable));
			let state = Compute::provider_class_state(&ALICE, H100);
			assert_eq!((state.mintable, state.unminted_capacity, state.backable), (0, 70, 0));
		});
	}

	#[test]
	fn is_refused_beyond_the_bond() {
		ExtBuilder::default().backing_limit(30).build_and_execute(|| {
			attest(ALICE, 100, 1);
			assert_ok!(Compute::mint(RuntimeOrigin::signed(ALICE), H100, 30));
			assert_noop!(
				Compute::mint(RuntimeOrigin::signed(ALICE), H100, 1),
				Error::<Test>::NotBacked
			);
		});
	}

	#[test]
	fn refuses_zero_unknown_classes_and_non_providers() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(
				Compute::mint(RuntimeOrigin::signed(ALICE), H100, 1),
				Error::<Test>::NotProvider
			);
			attest(ALICE, 100, 1);
			assert_noop!(
				Compute::mint(RuntimeOrigin::signed(ALICE), H100, 0),
				Error::<Test>::ZeroUnits
			);
			assert_noop!(
				Compute::mint(RuntimeOrigin::signed(ALICE), 4, 1),
				Error::<Test>::UnknownClass
			);
		});
	}

	#[test]
	fn overflow_is_refused() {
		ExtBuilder::default().build_and_execute(|| {
			attest(ALICE, u128::MAX, 1);
			assert_ok!(Compute::mint(RuntimeOrigin::signed(ALICE), H100, u128::MAX));
			let mut p = payload(ALICE, 1, 2);
			p.valid_until = 400;
			assert_noop!(
				Compute::submit_attestation(
					RuntimeOrigin::signed(ALICE),
					attestor(),
					p.clone(),
					sign(&attestor_pair(), &p)
				),
				Error::<Test>::Overflow
			);
		});
	}
}

mod retire {
	use super::*;

	#[test]
	fn burns_own_tokens_and_retires_the_obligation() {
		ExtBuilder::default().build_and_execute(|| {
			attest(ALICE, 100, 1);
			assert_ok!(Compute::mint(RuntimeOrigin::signed(ALICE), H100, 100));
			assert_ok!(Compute::retire(RuntimeOrigin::signed(ALICE), H100, 25));
			assert_eq!(tokens(ALICE), 75);
			assert_eq!(Compute::obligation(&ALICE, H100), 75);
			assert_eq!(
				compute_events().last(),
				Some(&Event::Retired { provider: ALICE, class: H100, amount: 25, obligation: 75 })
			);
		});
	}

	#[test]
	fn refuses_more_than_owed_or_held() {
		ExtBuilder::default().build_and_execute(|| {
			attest(ALICE, 100, 1);
			assert_ok!(Compute::mint(RuntimeOrigin::signed(ALICE), H100, 50));
			assert_noop!(
				Compute::retire(RuntimeOrigin::signed(ALICE), H100, 51),
				Error::<Test>::InsufficientObligation
			);
			assert_ok!(Assets::transfer(RuntimeOrigin::signed(ALICE), H100, BOB, 20));
			assert_noop!(
				Compute::retire(RuntimeOrigin::signed(ALICE), H100, 40),
				Error::<Test>::InsufficientTokens
			);
			assert_noop!(
				Compute::retire(RuntimeOrigin::signed(ALICE), H100, 0),
				Error::<Test>::ZeroUnits
			);
			assert_noop!(
				Compute::retire(RuntimeOrigin::signed(BOB), H100, 1),
				Error::<Test>::NotProvider
			);
		});
	}
}

mod ledger {
	use super::*;

	#[test]
	fn redeem_then_settle_keeps_supply_backed() {
		ExtBuilder::default().build_and_execute(|| {
			attest(ALICE, 100, 1);
			assert_ok!(Compute::mint(RuntimeOrigin::signed(ALICE), H100, 100));
			assert_ok!(Assets::transfer(RuntimeOrigin::signed(ALICE), H100, BOB, 30));
			assert_ok!(<Compute as ComputeLedger<_>>::redeem(&BOB, H100, 30));
			assert_eq!(Assets::total_issuance(H100), 70);
			assert_eq!(Supply::<Test>::get(H100), ClassSupply { obligations: 100, redeemed: 30 });
			Compute::do_try_state().unwrap();

			assert_ok!(<Compute as ComputeLedger<_>>::settle(&ALICE, H100, 20));
			assert_eq!(Supply::<Test>::get(H100), ClassSupply { obligations: 80, redeemed: 10 });
			assert_eq!(Compute::obligation(&ALICE, H100), 80);
			Compute::do_try_state().unwrap();

			assert_ok!(<Compute as ComputeLedger<_>>::refund(&BOB, H100, 10));
			assert_eq!(tokens(BOB), 10);
			assert_eq!(Supply::<Test>::get(H100), ClassSupply { obligations: 80, redeemed: 0 });
		});
	}

	#[test]
	fn failures_change_nothing() {
		ExtBuilder::default().build_and_execute(|| {
			attest(ALICE, 100, 1);
			assert_ok!(Compute::mint(RuntimeOrigin::signed(ALICE), H100, 10));
			assert_noop!(
				<Compute as ComputeLedger<_>>::redeem(&BOB, H100, 1),
				Error::<Test>::InsufficientTokens
			);
			assert_noop!(
				<Compute as ComputeLedger<_>>::settle(&ALICE, H100, 1),
				Error::<Test>::InsufficientRedeemed
			);
			assert_ok!(<Compute as ComputeLedger<_>>::redeem(&ALICE, H100, 5));
			// More than BOB owes: the redeemed count must not move either.
			assert_noop!(
				<Compute as ComputeLedger<_>>::settle(&BOB, H100, 5),
				Error::<Test>::InsufficientObligation
			);
			assert_noop!(
				<Compute as ComputeLedger<_>>::refund(&BOB, H100, 6),
				Error::<Test>::InsufficientRedeemed
			);
		});
	}
}

mod invariants {
	use super::*;

	use utc_primitives::testing::Lcg;

	#[test]
	fn random_calls_keep_every_invariant() {
		ExtBuilder::default().build_and_execute(|| {
			let mut rng = Lcg(42);
			let providers = [ALICE, BOB, CHARLIE];
			for who in providers {
				register(who);
			}
			let mut nonce = 0;
			for _ in 0..600 {
				let who = providers[rng.next(3) as usize];
				let origin = RuntimeOrigin::signed(who);
				let _ = match rng.next(7) {
					0 => {
						nonce += 1;
						let now = System::block_number();
						let mut p = payload(who, 1 + rng.next(50) as u128, nonce);
						p.valid_from = now + rng.next(5);
						p.valid_until = p.valid_from + 1 + rng.next(40);
						Compute::submit_attestation(
							origin,
							attestor(),
							p.clone(),
							sign(&attestor_pair(), &p),
						)
					}
					1 | 2 => Compute::mint(origin, H100, 1 + rng.next(30) as u128),
					3 => Compute::retire(origin, H100, 1 + rng.next(20) as u128),
					4 => {
						let to = providers[rng.next(3) as usize];
						Assets::transfer(origin, H100, to, 1 + rng.next(10) as u128)
					}
					5 => <Compute as ComputeLedger<_>>::redeem(&who, H100, 1 + rng.next(5) as u128)
						.and_then(|_| {
							<Compute as ComputeLedger<_>>::settle(
								&providers[rng.next(3) as usize],
								H100,
								1,
							)
						}),
					_ => Compute::revoke_attestation(RuntimeOrigin::root(), rng.next(nonce + 1)),
				};
				Compute::do_try_state().expect("invariants hold after every call");
				run_to_block(System::block_number() + rng.next(3));
			}
			assert!(Supply::<Test>::get(H100).obligations > 0, "the walk minted something");
		});
	}
}
