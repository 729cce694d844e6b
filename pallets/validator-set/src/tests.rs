use crate::{mock::*, AuthoredBlocks, Error, Event, RemovalReason, SessionLength, Validators};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::{testing::UintAuthorityId, DispatchError, Perbill};
use sp_staking::offence::{OffenceDetails, OnOffenceHandler};

fn active() -> Vec<AccountId> {
	pallet_session::Validators::<Test>::get()
}

fn set_keys(who: AccountId) {
	assert_ok!(Session::set_keys(RuntimeOrigin::signed(who), UintAuthorityId(who), vec![]));
}

fn report_offence(offenders: &[AccountId], session: u32) {
	let details: Vec<_> = offenders
		.iter()
		.map(|who| OffenceDetails { offender: (*who, ()), reporters: vec![] })
		.collect();
	let fractions = vec![Perbill::zero(); details.len()];
	let _ = <ValidatorSet as OnOffenceHandler<_, _, _>>::on_offence(&details, &fractions, session);
}

mod genesis {
	use super::*;
	use sp_runtime::BuildStorage;

	#[test]
	fn the_genesis_validators_are_the_first_sessions_set() {
		build_and_execute(|| {
			assert_eq!(active(), GENESIS.to_vec());
			assert_eq!(Validators::<Test>::get().into_inner(), GENESIS.to_vec());
			assert_eq!(SessionLength::<Test>::get(), SESSION_LENGTH);
			run_to_session(3);
			assert_eq!(active(), GENESIS.to_vec());
			assert_eq!(System::block_number(), 3 * SESSION_LENGTH);
		});
	}

	#[test]
	#[should_panic(expected = "below the minimum session length")]
	fn a_session_shorter_than_the_minimum_is_refused() {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		crate::GenesisConfig::<Test> { validators: GENESIS.to_vec(), session_length: 1 }
			.assimilate_storage(&mut storage)
			.unwrap();
	}
}

mod add_validator {
	use super::*;

	#[test]
	fn joins_the_session_after_the_next_session_change() {
		build_and_execute(|| {
			set_keys(5);
			assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 5));
			assert_eq!(events(), vec![Event::ValidatorAdded { who: 5 }]);
			assert_eq!(Validators::<Test>::get().into_inner(), vec![1, 2, 3, 4, 5]);
			// Session 1 was queued at genesis; the change is queued for session 2.
			run_to_session(1);
			assert_eq!(active(), GENESIS.to_vec());
			run_to_session(2);
			assert_eq!(active(), vec![1, 2, 3, 4, 5]);
			// It authors in its turn and is counted.
			run_to_block(System::block_number() + 5, round_robin);
			assert!(AuthoredBlocks::<Test>::get(5) >= 1);
		});
	}

	#[test]
	fn needs_session_keys() {
		build_and_execute(|| {
			assert_noop!(
				ValidatorSet::add_validator(RuntimeOrigin::root(), 5),
				Error::<Test>::NoSessionKeys
			);
		});
	}

	#[test]
	fn needs_governance() {
		build_and_execute(|| {
			set_keys(5);
			assert_noop!(
				ValidatorSet::add_validator(RuntimeOrigin::signed(5), 5),
				DispatchError::BadOrigin
			);
		});
	}

	#[test]
	fn refuses_a_validator_twice() {
		build_and_execute(|| {
			assert_noop!(
				ValidatorSet::add_validator(RuntimeOrigin::root(), 2),
				Error::<Test>::AlreadyValidator
			);
		});
	}

	#[test]
	fn refuses_more_than_the_maximum() {
		build_and_execute(|| {
			for who in 5..5 + (MAX_VALIDATORS - GENESIS.len() as u32) as u64 {
				set_keys(who);
				assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), who));
			}
			set_keys(15);
			assert_noop!(
				ValidatorSet::add_validator(RuntimeOrigin::root(), 15),
				Error::<Test>::TooManyValidators
			);
		});
	}
}

mod remove_validator {
	use super::*;

	#[test]
	fn leaves_the_session_after_the_next_session_change() {
		build_and_execute(|| {
			assert_ok!(ValidatorSet::remove_validator(RuntimeOrigin::root(), 3));
			assert_eq!(
				events(),
				vec![Event::ValidatorRemoved { who: 3, reason: RemovalReason::Governance }]
			);
			run_to_session(1);
			assert_eq!(active(), GENESIS.to_vec());
			run_to_session(2);
			assert_eq!(active(), vec![1, 2, 4]);
			// It no longer authors: the session's blocks go round the other three.
			let before = System::block_number();
			run_to_block(before + 6, round_robin);
			assert_eq!(AuthoredBlocks::<Test>::get(3), 0);
		});
	}

	#[test]
	fn refuses_an_unknown_account() {
		build_and_execute(|| {
			assert_noop!(
				ValidatorSet::remove_validator(RuntimeOrigin::root(), 9),
				Error::<Test>::NotValidator
			);
		});
	}

	#[test]
	fn never_below_the_minimum() {
		build_and_execute(|| {
			assert_ok!(ValidatorSet::remove_validator(RuntimeOrigin::root(), 1));
			assert_ok!(ValidatorSet::remove_validator(RuntimeOrigin::root(), 2));
			assert_noop!(
				ValidatorSet::remove_validator(RuntimeOrigin::root(), 3),
				Error::<Test>::TooFewValidators
			);
		});
	}

	#[test]
	fn needs_governance() {
		build_and_execute(|| {
			assert_noop!(
				ValidatorSet::remove_validator(RuntimeOrigin::signed(1), 1),
				DispatchError::BadOrigin
			);
		});
	}
}

mod offline {
	use super::*;

	/// Round robin, with `silent`'s turns producing no block (the next validator
	/// authors in the following slot, so the block goes to it).
	fn all_but(silent: AccountId) -> impl Fn(u64) -> Option<AccountId> {
		move |block| {
			let set = active();
			let who = set[(block as usize) % set.len()];
			Some(if who == silent { set[(block as usize + 1) % set.len()] } else { who })
		}
	}

	#[test]
	fn a_validator_that_authors_nothing_in_a_session_is_removed() {
		build_and_execute(|| {
			run_to_block(SESSION_LENGTH, all_but(3));
			assert_eq!(
				events(),
				vec![Event::ValidatorRemoved {
					who: 3,
					reason: RemovalReason::Offline { session: 0 }
				}]
			);
			assert_eq!(Validators::<Test>::get().into_inner(), vec![1, 2, 4]);
			run_to_session(2);
			assert_eq!(active(), vec![1, 2, 4]);
		});
	}

	#[test]
	fn one_block_in_the_session_is_enough() {
		build_and_execute(|| {
			run_to_block(SESSION_LENGTH - 1, all_but(3));
			run_to_block(SESSION_LENGTH, |_| Some(3));
			assert_eq!(events(), vec![]);
			assert_eq!(Validators::<Test>::get().into_inner(), GENESIS.to_vec());
		});
	}

	#[test]
	fn the_counts_start_again_each_session() {
		build_and_execute(|| {
			run_to_session(1);
			assert!(AuthoredBlocks::<Test>::iter().all(|(_, n)| n <= 1));
			run_to_block(2 * SESSION_LENGTH, all_but(4));
			assert_eq!(
				events(),
				vec![Event::ValidatorRemoved {
					who: 4,
					reason: RemovalReason::Offline { session: 1 }
				}]
			);
		});
	}

	#[test]
	fn a_session_too_short_to_judge_removes_nobody() {
		build_and_execute(|| {
			// Four blocks for four validators: each had one turn at most.
			SessionLength::<Test>::put(MIN_SESSION_LENGTH);
			run_to_block(MIN_SESSION_LENGTH, all_but(3));
			assert_eq!(pallet_session::CurrentIndex::<Test>::get(), 1);
			assert_eq!(events(), vec![]);
		});
	}

	#[test]
	fn the_minimum_is_kept() {
		build_and_execute(|| {
			// Only validator 1 authors: 2, 3 and 4 are offline; two may go.
			run_to_block(SESSION_LENGTH, |_| Some(1));
			assert_eq!(
				events(),
				vec![
					Event::ValidatorRemoved {
						who: 2,
						reason: RemovalReason::Offline { session: 0 }
					},
					Event::ValidatorRemoved {
						who: 3,
						reason: RemovalReason::Offline { session: 0 }
					},
					Event::ValidatorKept { who: 4, reason: RemovalReason::Offline { session: 0 } },
				]
			);
			assert_eq!(Validators::<Test>::get().into_inner(), vec![1, 4]);
		});
	}

	#[test]
	fn blocks_without_an_author_count_for_nobody() {
		build_and_execute(|| {
			run_to_block(3, |_| None);
			assert_eq!(AuthoredBlocks::<Test>::iter().count(), 0);
		});
	}
}

mod offences {
	use super::*;

	#[test]
	fn a_reported_validator_leaves_at_the_next_planned_session() {
		build_and_execute(|| {
			report_offence(&[2], 0);
			assert_eq!(
				events(),
				vec![Event::ValidatorRemoved {
					who: 2,
					reason: RemovalReason::Offence { session: 0 }
				}]
			);
			run_to_session(2);
			assert_eq!(active(), vec![1, 3, 4]);
		});
	}

	#[test]
	fn a_second_report_of_a_removed_validator_changes_nothing() {
		build_and_execute(|| {
			report_offence(&[2], 0);
			report_offence(&[2], 0);
			assert_eq!(events().len(), 1);
		});
	}

	#[test]
	fn the_minimum_is_kept() {
		build_and_execute(|| {
			report_offence(&[1, 2, 3], 0);
			assert_eq!(
				events().last(),
				Some(&Event::ValidatorKept {
					who: 3,
					reason: RemovalReason::Offence { session: 0 }
				})
			);
			assert_eq!(Validators::<Test>::get().into_inner(), vec![3, 4]);
		});
	}
}
