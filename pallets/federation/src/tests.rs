//! Tests of pallet-federation, one module per call or behaviour. Every test ends
//! with the invariants of the federation, compute and SLA pallets checked.

use crate::{mock::*, types::*, Error, Event, JobState, Jobs, PendingJobs};
use frame_support::{assert_noop, assert_ok, traits::fungibles::Inspect};
use sp_core::{Pair, H256};
use sp_runtime::DispatchError;
use utc_primitives::{JobId, Units};

fn authorized() -> RuntimeOrigin {
	frame_system::RawOrigin::Authorized.into()
}

fn utc(who: AccountId) -> Units {
	<Assets as Inspect<AccountId>>::balance(H100, &who)
}

fn submit(units: Units, modules: Vec<u32>) -> JobId {
	let id = crate::NextJobId::<Test>::get();
	assert_ok!(Federation::submit_job(
		RuntimeOrigin::signed(holder()),
		H100,
		units,
		modules,
		command("echo hi"),
		3,
	));
	id
}

fn state(job: JobId) -> JobState<AccountId, u64> {
	Jobs::<Test>::get(job).unwrap().state
}

fn assign(job: JobId, provider: AccountId) {
	let (batch, signature) = signed_batch(System::block_number(), vec![(job, provider)]);
	assert_ok!(Federation::assign_jobs(authorized(), batch, signature));
}

fn report(operator: AccountId, job: JobId, report: JobReport) -> sp_runtime::DispatchResult {
	Federation::report_job(RuntimeOrigin::signed(operator), job, report)
		.map(|_| ())
		.map_err(|e| e.error)
}

/// A provider A of 10 hours, and a holder with 4 hours of its tokens.
fn setup() {
	make_provider(provider_a(), operator_a(), 10 * HOUR, b"EU");
	buy(provider_a(), 4 * HOUR);
}

mod submit_job {
	use super::*;

	#[test]
	fn redeems_the_units_and_records_a_pending_job() {
		ExtBuilder::build_and_execute(|| {
			setup();
			let job = submit(HOUR, vec![START, COMPLETION]);
			assert_eq!(utc(holder()), 3 * HOUR);
			assert_eq!(state(job), JobState::Pending);
			assert!(PendingJobs::<Test>::contains_key(job));
			assert_eq!(pallet_compute::Supply::<Test>::get(H100).redeemed, HOUR);
			assert!(events().contains(&Event::JobSubmitted {
				job,
				owner: holder(),
				class: H100,
				units: HOUR,
				modules: vec![START, COMPLETION],
				kind: WorkloadKind::Command,
				max_start_delay: 3,
			}));
		});
	}

	#[test]
	fn refuses_bad_input_and_changes_nothing() {
		ExtBuilder::build_and_execute(|| {
			setup();
			let origin = RuntimeOrigin::signed(holder());
			let go = |class, units, modules: Vec<u32>, workload, delay| {
				Federation::submit_job(origin.clone(), class, units, modules, workload, delay)
			};
			assert_noop!(go(7, HOUR, vec![START], command("x"), 3), Error::<Test>::UnknownClass);
			assert_noop!(go(H100, 0, vec![START], command("x"), 3), Error::<Test>::ZeroUnits);
			assert_noop!(go(H100, HOUR, vec![], command("x"), 3), Error::<Test>::NoModules);
			assert_noop!(go(H100, HOUR, vec![42], command("x"), 3), Error::<Test>::UnknownModule);
			assert_noop!(
				go(H100, HOUR, vec![START, START], command("x"), 3),
				Error::<Test>::TooManyModules
			);
			assert_noop!(
				go(H100, HOUR, vec![START], command("x"), 0),
				Error::<Test>::InvalidStartDelay
			);
			assert_noop!(
				go(H100, HOUR, vec![START], command("x"), 101),
				Error::<Test>::InvalidStartDelay
			);
			let batch = Workload {
				spec: WorkloadSpec::Batch { script: b"#!/bin/sh\n".to_vec().try_into().unwrap() },
				..command("x")
			};
			assert_noop!(go(H100, HOUR, vec![START], batch, 3), Error::<Test>::KindNotAccepted);
			let relative = Workload {
				spec: WorkloadSpec::Command {
					program: b"sh".to_vec().try_into().unwrap(),
					args: Default::default(),
					env: Default::default(),
				},
				..command("x")
			};
			assert_noop!(go(H100, HOUR, vec![START], relative, 3), Error::<Test>::InvalidWorkload);
			let long = "y".repeat(250);
			let mut big = command("x");
			if let WorkloadSpec::Command { args, .. } = &mut big.spec {
				for _ in 0..5 {
					args.try_push(long.as_bytes().to_vec().try_into().unwrap()).unwrap();
				}
			}
			assert_noop!(go(H100, HOUR, vec![START], big, 3), Error::<Test>::WorkloadTooLarge);
			assert_noop!(
				go(H100, 5 * HOUR, vec![START], command("x"), 3),
				pallet_compute::Error::<Test>::InsufficientTokens
			);
		});
	}
}

mod cancel_job {
	use super::*;

	#[test]
	fn owner_cancels_a_pending_job_and_gets_every_unit_back() {
		ExtBuilder::build_and_execute(|| {
			setup();
			let job = submit(HOUR, vec![START]);
			assert_ok!(Federation::cancel_job(RuntimeOrigin::signed(holder()), job));
			assert_eq!(utc(holder()), 4 * HOUR);
			assert_eq!(state(job), JobState::Cancelled);
			assert!(!PendingJobs::<Test>::contains_key(job));
		});
	}

	#[test]
	fn refuses_strangers_unknown_and_assigned_jobs() {
		ExtBuilder::build_and_execute(|| {
			setup();
			let job = submit(HOUR, vec![START]);
			assert_noop!(
				Federation::cancel_job(RuntimeOrigin::signed(provider_a()), job),
				Error::<Test>::NotOwner
			);
			assert_noop!(
				Federation::cancel_job(RuntimeOrigin::signed(holder()), 9),
				Error::<Test>::UnknownJob
			);
			assign(job, provider_a());
			assert_noop!(
				Federation::cancel_job(RuntimeOrigin::signed(holder()), job),
				Error::<Test>::NotPending
			);
		});
	}
}

mod assign_jobs {
	use super::*;
	use frame_support::pallet_prelude::{InvalidTransaction, TransactionSource};
	use frame_support::traits::Authorize;

	fn authorize(
		batch: crate::RoutingBatchOf<Test>,
		signature: crate::RoutingSignatureOf<Test>,
	) -> Result<(), InvalidTransaction> {
		let call = crate::Call::<Test>::assign_jobs { batch, signature };
		match call.authorize(TransactionSource::External) {
			Some(Ok(_)) => Ok(()),
			Some(Err(frame_support::pallet_prelude::TransactionValidityError::Invalid(e))) => {
				Err(e)
			}
			other => panic!("unexpected authorization {other:?}"),
		}
	}

	#[test]
	fn assigns_an_eligible_provider_and_holds_its_units_and_slot() {
		ExtBuilder::build_and_execute(|| {
			setup();
			let job = submit(HOUR, vec![START, COMPLETION]);
			assign(job, provider_a());
			assert_eq!(
				state(job),
				JobState::Assigned { provider: provider_a(), at: 1, start_by: 5 }
			);
			assert_eq!(crate::AssignedUnits::<Test>::get(provider_a(), H100), HOUR);
			assert_eq!(crate::Services::<Test>::get(provider_a()).unwrap().in_flight, 1);
			assert_eq!(crate::pallet::Pallet::<Test>::provider_jobs(&provider_a()), vec![job]);
		});
	}

	#[test]
	fn refuses_ineligible_assignments_and_keeps_the_rest_of_the_batch() {
		ExtBuilder::build_and_execute(|| {
			setup();
			make_provider(provider_b(), operator_b(), HOUR / 2, b"EU");
			let fine = submit(HOUR, vec![START]);
			let asia = submit(HOUR, vec![REGION_ASIA]);
			let big = submit(HOUR, vec![START]);
			let (batch, signature) = signed_batch(
				1,
				vec![
					(fine, provider_a()),
					(asia, provider_a()),
					(big, provider_b()),
					(77, provider_a()),
					(fine + 10, holder()),
				],
			);
			assert_ok!(Federation::assign_jobs(authorized(), batch, signature));
			assert!(matches!(state(fine), JobState::Assigned { .. }));
			assert_eq!(state(asia), JobState::Pending);
			assert_eq!(state(big), JobState::Pending);
			let refused: Vec<_> = events()
				.into_iter()
				.filter_map(|e| match e {
					Event::AssignmentRefused { job, reason, .. } => Some((job, reason)),
					_ => None,
				})
				.collect();
			assert_eq!(
				refused,
				vec![
					(asia, Refusal::CannotServe),
					(big, Refusal::InsufficientObligation),
					(77, Refusal::NotPending),
					(fine + 10, Refusal::NotPending),
				]
			);
		});
	}

	#[test]
	fn never_exceeds_a_providers_concurrency() {
		ExtBuilder::build_and_execute(|| {
			setup();
			let jobs: Vec<_> = (0..3).map(|_| submit(HOUR, vec![START])).collect();
			let (batch, signature) =
				signed_batch(1, jobs.iter().map(|j| (*j, provider_a())).collect());
			assert_ok!(Federation::assign_jobs(authorized(), batch, signature));
			assert_eq!(crate::Services::<Test>::get(provider_a()).unwrap().in_flight, 2);
			assert!(events().contains(&Event::AssignmentRefused {
				job: jobs[2],
				provider: provider_a(),
				reason: Refusal::NoSlot
			}));
		});
	}

	#[test]
	fn a_provider_without_a_recent_heartbeat_is_not_eligible() {
		ExtBuilder::build_and_execute(|| {
			setup();
			run_to_block(1 + 2 * HEARTBEAT_PERIOD + 1);
			let job = submit(HOUR, vec![START]);
			assign(job, provider_a());
			assert_eq!(state(job), JobState::Pending);
			assert!(events().contains(&Event::AssignmentRefused {
				job,
				provider: provider_a(),
				reason: Refusal::NotLive
			}));
		});
	}

	#[test]
	fn the_pool_refuses_forged_stale_future_and_replayed_batches() {
		ExtBuilder::build_and_execute(|| {
			setup();
			let job = submit(HOUR, vec![START]);
			run_to_block(10);
			let (batch, signature) = signed_batch(10, vec![(job, provider_a())]);
			assert_eq!(authorize(batch.clone(), signature.clone()), Ok(()));

			// Signed by a key that is not a routing key.
			let mut forged = batch.clone();
			forged.router = key("Mallory").into();
			let bad = pair("Mallory").sign(&Federation::batch_message(&forged));
			assert_eq!(authorize(forged, bad.into()), Err(InvalidTransaction::BadSigner));
			// A routing key's signature over another batch.
			let mut altered = batch.clone();
			altered.assignments[0].1 = provider_b();
			assert_eq!(authorize(altered, signature.clone()), Err(InvalidTransaction::BadProof));
			// Too old, and from the future.
			let (old, old_sig) = signed_batch(4, vec![(job, provider_a())]);
			assert_eq!(authorize(old, old_sig), Err(InvalidTransaction::Stale));
			let (future, future_sig) = signed_batch(11, vec![(job, provider_a())]);
			assert_eq!(authorize(future, future_sig), Err(InvalidTransaction::Future));
			// Applied once, the same batch is stale.
			assert_ok!(Federation::assign_jobs(authorized(), batch.clone(), signature.clone()));
			assert_eq!(authorize(batch, signature), Err(InvalidTransaction::Stale));
		});
	}

	#[test]
	fn only_an_authorized_origin_may_assign() {
		ExtBuilder::build_and_execute(|| {
			setup();
			let job = submit(HOUR, vec![START]);
			let (batch, signature) = signed_batch(1, vec![(job, provider_a())]);
			assert_noop!(
				Federation::assign_jobs(RuntimeOrigin::signed(holder()), batch, signature),
				DispatchError::BadOrigin
			);
		});
	}
}

mod report_job {
	use super::*;

	#[test]
	fn completion_settles_usage_and_refunds_the_rest() {
		ExtBuilder::build_and_execute(|| {
			setup();
			let job = submit(2 * HOUR, vec![START, COMPLETION]);
			assign(job, provider_a());
			assert_ok!(report(operator_a(), job, JobReport::Started));
			assert_eq!(
				state(job),
				JobState::Running { provider: provider_a(), since: 1, complete_by: 42 }
			);
			let hash = H256::repeat_byte(1);
			assert_ok!(report(
				operator_a(),
				job,
				JobReport::Completed { usage: HOUR + 250, result_hash: hash }
			));
			assert_eq!(utc(holder()), 2 * HOUR + 750);
			assert_eq!(
				pallet_compute::Ledgers::<Test>::get(provider_a(), H100).obligation,
				10 * HOUR - (HOUR + 250)
			);
			assert_eq!(
				state(job),
				JobState::Completed {
					provider: provider_a(),
					usage: HOUR + 250,
					result_hash: hash
				}
			);
			assert_eq!(crate::AssignedUnits::<Test>::get(provider_a(), H100), 0);
			assert_eq!(crate::Services::<Test>::get(provider_a()).unwrap().in_flight, 0);
			assert!(Federation::reputation(&provider_a()).score > 500);
		});
	}

	#[test]
	fn reports_come_in_order_once_each_from_the_assigned_operator() {
		ExtBuilder::build_and_execute(|| {
			setup();
			make_provider(provider_b(), operator_b(), 10 * HOUR, b"EU");
			let job = submit(HOUR, vec![START]);
			let done = JobReport::Completed { usage: HOUR, result_hash: H256::zero() };
			assert_noop!(
				report(operator_a(), job, JobReport::Started),
				Error::<Test>::NotAssignedToYou
			);
			assign(job, provider_a());
			assert_noop!(report(holder(), job, JobReport::Started), Error::<Test>::NotOperator);
			assert_noop!(
				report(operator_b(), job, JobReport::Started),
				Error::<Test>::NotAssignedToYou
			);
			assert_noop!(report(operator_a(), 99, JobReport::Started), Error::<Test>::UnknownJob);
			assert_noop!(report(operator_a(), job, done.clone()), Error::<Test>::ReportOutOfOrder);
			assert_ok!(report(operator_a(), job, JobReport::Started));
			assert_noop!(
				report(operator_a(), job, JobReport::Started),
				Error::<Test>::ReportOutOfOrder
			);
			assert_noop!(
				report(
					operator_a(),
					job,
					JobReport::Completed { usage: HOUR + 1, result_hash: H256::zero() }
				),
				Error::<Test>::UsageAboveUnits
			);
			assert_ok!(report(operator_a(), job, done.clone()));
			assert_noop!(report(operator_a(), job, done), Error::<Test>::NotAssignedToYou);
		});
	}

	#[test]
	fn a_failed_job_is_a_violation_and_goes_to_another_provider() {
		ExtBuilder::build_and_execute(|| {
			setup();
			make_provider(provider_b(), operator_b(), 10 * HOUR, b"EU");
			let job = submit(HOUR, vec![START, COMPLETION]);
			assign(job, provider_a());
			assert_ok!(report(operator_a(), job, JobReport::Started));
			let reason: FailureReason = b"exit".to_vec().try_into().unwrap();
			assert_ok!(report(operator_a(), job, JobReport::Failed { reason }));
			assert_eq!(state(job), JobState::Pending);
			assert!(events().contains(&Event::JobBreached {
				job,
				provider: provider_a(),
				breach: Breach::Failed,
				module: COMPLETION,
				violation: true
			}));
			assert_eq!(pallet_sla::PendingSlashes::<Test>::iter().count(), 1);
			// Provider A is never routed the job again; B is.
			assign(job, provider_a());
			assert!(events().contains(&Event::AssignmentRefused {
				job,
				provider: provider_a(),
				reason: Refusal::AlreadyTried
			}));
			assign(job, provider_b());
			assert!(
				matches!(state(job), JobState::Assigned { provider, .. } if provider == provider_b())
			);

			// The slash lands after its deferral: the holder is compensated from A's bond.
			let before = Balances::free_balance(holder());
			run_to_block(1 + SLASH_DEFER);
			// A failure is the whole term short: the top rate (50%) of the bond at stake,
			// all of it to the owner (whose compensation would be larger).
			assert_eq!(Balances::free_balance(holder()), before + HOUR * BOND_PER_UNIT / 2);
		});
	}
}

mod deadlines {
	use super::*;

	#[test]
	fn a_missed_start_is_measured_and_the_job_refunded_after_the_last_attempt() {
		ExtBuilder::build_and_execute(|| {
			setup();
			make_provider(provider_b(), operator_b(), 10 * HOUR, b"EU");
			let job = submit(HOUR, vec![START]);
			assign(job, provider_a());
			run_to_block(4);
			assert!(matches!(state(job), JobState::Assigned { .. }));
			run_to_block(5);
			assert_eq!(state(job), JobState::Pending);
			assert!(events().contains(&Event::JobBreached {
				job,
				provider: provider_a(),
				breach: Breach::MissedStart,
				module: START,
				violation: true
			}));
			let slash = pallet_sla::PendingSlashes::<Test>::iter().next().unwrap().1;
			// Four blocks against a bound of two: the whole term short.
			assert_eq!((slash.units, slash.shortfall), (HOUR, sp_runtime::Perbill::one()));
			assign(job, provider_b());
			run_to_block(9);
			// Two providers tried: the job is refunded whole.
			assert_eq!(state(job), JobState::Refunded);
			assert_eq!(utc(holder()), 4 * HOUR);
		});
	}

	#[test]
	fn a_rerouted_job_nobody_takes_is_refunded_after_its_start_delay() {
		ExtBuilder::build_and_execute(|| {
			setup();
			let job = submit(HOUR, vec![START]);
			assign(job, provider_a());
			run_to_block(5);
			assert_eq!(state(job), JobState::Pending);
			run_to_block(8);
			assert_eq!(state(job), JobState::Pending);
			run_to_block(9);
			assert_eq!(state(job), JobState::Refunded);
			assert_eq!(utc(holder()), 4 * HOUR);
		});
	}

	#[test]
	fn a_missed_completion_is_measured_against_the_completion_module() {
		ExtBuilder::build_and_execute(|| {
			setup();
			let job = submit(HOUR, vec![START, COMPLETION]);
			assign(job, provider_a());
			assert_ok!(report(operator_a(), job, JobReport::Started));
			run_to_block(11);
			assert_ok!(Federation::heartbeat(RuntimeOrigin::signed(operator_a())));
			run_to_block(21);
			assert!(matches!(state(job), JobState::Running { .. }));
			run_to_block(22);
			assert!(events().contains(&Event::JobBreached {
				job,
				provider: provider_a(),
				breach: Breach::MissedCompletion,
				module: COMPLETION,
				violation: true
			}));
		});
	}

	#[test]
	fn a_job_that_started_in_time_has_no_start_breach() {
		ExtBuilder::build_and_execute(|| {
			setup();
			let job = submit(HOUR, vec![START]);
			assign(job, provider_a());
			assert_ok!(report(operator_a(), job, JobReport::Started));
			run_to_block(5);
			assert!(matches!(state(job), JobState::Running { .. }));
		});
	}
}

mod providers {
	use super::*;

	#[test]
	fn operators_and_services_are_set_by_providers_only() {
		ExtBuilder::build_and_execute(|| {
			setup();
			let kinds = WorkloadKinds { command: true, container: false, batch: false };
			assert_noop!(
				Federation::set_operator(RuntimeOrigin::signed(holder()), operator_b()),
				Error::<Test>::NotProvider
			);
			assert_noop!(
				Federation::declare_service(RuntimeOrigin::signed(holder()), kinds, 1),
				Error::<Test>::NotProvider
			);
			assert_noop!(
				Federation::declare_service(RuntimeOrigin::signed(provider_a()), kinds, 0),
				Error::<Test>::ZeroConcurrency
			);
			assert_noop!(
				Federation::declare_service(
					RuntimeOrigin::signed(provider_a()),
					WorkloadKinds::default(),
					1
				),
				Error::<Test>::NoKinds
			);
			make_provider(provider_b(), operator_b(), HOUR, b"EU");
			assert_noop!(
				Federation::set_operator(RuntimeOrigin::signed(provider_b()), operator_a()),
				Error::<Test>::OperatorInUse
			);
			// A new operator replaces the old one.
			assert_ok!(Federation::set_operator(RuntimeOrigin::signed(provider_a()), holder()));
			assert!(crate::Operators::<Test>::get(operator_a()).is_none());
			assert_eq!(crate::Operators::<Test>::get(holder()), Some(provider_a()));
		});
	}

	#[test]
	fn heartbeats_are_free_on_time_and_refused_when_early() {
		ExtBuilder::build_and_execute(|| {
			setup();
			assert_noop!(
				Federation::heartbeat(RuntimeOrigin::signed(operator_a())),
				Error::<Test>::HeartbeatTooEarly
			);
			run_to_block(1 + HEARTBEAT_PERIOD);
			let info = Federation::heartbeat(RuntimeOrigin::signed(operator_a())).unwrap();
			assert_eq!(info.pays_fee, frame_support::dispatch::Pays::No);
			run_to_block(1 + 3 * HEARTBEAT_PERIOD + 1);
			let info = Federation::heartbeat(RuntimeOrigin::signed(operator_a())).unwrap();
			assert_eq!(info.pays_fee, frame_support::dispatch::Pays::Yes);
			assert_noop!(
				Federation::heartbeat(RuntimeOrigin::signed(holder())),
				Error::<Test>::NotOperator
			);
		});
	}

	#[test]
	fn missed_heartbeats_over_an_uptime_window_are_a_violation() {
		ExtBuilder::build_and_execute(|| {
			setup();
			// One heartbeat (at genesis) of the ten a 100-block window expects.
			run_to_block(101);
			assert!(events().contains(&Event::UptimeMeasured {
				provider: provider_a(),
				per_mille: 100,
				window: 100
			}));
			let slash = pallet_sla::PendingSlashes::<Test>::iter().next().unwrap().1;
			assert_eq!((slash.module, slash.units), (UPTIME, 10 * HOUR));
			assert!(Federation::reputation(&provider_a()).score < 500);
		});
	}

	#[test]
	fn a_provider_beating_every_period_keeps_its_uptime() {
		ExtBuilder::build_and_execute(|| {
			setup();
			for block in (11..=101).step_by(10) {
				run_to_block(block);
				if block < 101 {
					assert_ok!(Federation::heartbeat(RuntimeOrigin::signed(operator_a())));
				}
			}
			assert!(events().contains(&Event::UptimeMeasured {
				provider: provider_a(),
				per_mille: 1000,
				window: 100
			}));
			assert_eq!(pallet_sla::PendingSlashes::<Test>::iter().count(), 0);
		});
	}
}

mod admin {
	use super::*;

	#[test]
	fn class_kinds_and_routers_are_set_by_the_admin_origin() {
		ExtBuilder::build_and_execute(|| {
			let kinds = WorkloadKinds { command: false, container: false, batch: true };
			assert_noop!(
				Federation::set_class_kinds(RuntimeOrigin::signed(holder()), H100, kinds),
				DispatchError::BadOrigin
			);
			assert_noop!(
				Federation::set_class_kinds(RuntimeOrigin::root(), 5, kinds),
				Error::<Test>::UnknownClass
			);
			assert_ok!(Federation::set_class_kinds(RuntimeOrigin::root(), H100, kinds));
			assert_eq!(crate::ClassKinds::<Test>::get(H100), Some(kinds));
			assert_noop!(
				Federation::set_routers(RuntimeOrigin::root(), vec![router(); 5]),
				Error::<Test>::TooManyRouters
			);
			assert_ok!(Federation::set_routers(RuntimeOrigin::root(), vec![]));
			assert!(crate::Routers::<Test>::get().is_empty());
		});
	}
}

mod job_inspect {
	use super::*;
	use utc_primitives::JobInspect;

	#[test]
	fn owners_report_violations_against_real_jobs() {
		ExtBuilder::build_and_execute(|| {
			setup();
			let job = submit(HOUR, vec![START]);
			assert_eq!(Federation::job(job).unwrap().provider, None);
			assign(job, provider_a());
			let record = <Federation as JobInspect<AccountId>>::job(job).unwrap();
			assert_eq!(
				(record.owner, record.provider, record.class, record.units),
				(holder(), Some(provider_a()), H100, HOUR)
			);
		});
	}
}

mod prune_job {
	use super::*;
	use crate::{FinishedAt, JobHistory, Workloads};
	use frame_support::dispatch::Pays;

	fn prune(job: JobId) -> sp_runtime::DispatchResult {
		Federation::prune_job(RuntimeOrigin::signed(provider_b()), job)
			.map(|_| ())
			.map_err(|e| e.error)
	}

	#[test]
	fn a_finished_job_leaves_storage_after_its_retention_with_its_judged_breaches() {
		ExtBuilder::build_and_execute(|| {
			setup();
			let job = submit(2 * HOUR, vec![START, COMPLETION]);
			assert_noop!(prune(job), Error::<Test>::NotFinished);
			assign(job, provider_a());
			assert_ok!(report(operator_a(), job, JobReport::Started));
			assert_ok!(report(
				operator_a(),
				job,
				JobReport::Completed { usage: HOUR, result_hash: H256::repeat_byte(1) }
			));
			let finished = System::block_number();
			assert_eq!(FinishedAt::<Test>::get(job), Some(finished));
			// The owner reports a breach of the finished job: judged once.
			assert_ok!(Sla::report_violation(
				RuntimeOrigin::signed(holder()),
				provider_a(),
				COMPLETION,
				job,
				H256::zero()
			));
			assert!(pallet_sla::JobViolations::<Test>::contains_key(job, COMPLETION));

			run_to_block(finished + JOB_RETENTION - 1);
			assert_noop!(prune(job), Error::<Test>::StillRetained);
			run_to_block(finished + JOB_RETENTION);
			let pays = Federation::prune_job(RuntimeOrigin::signed(provider_b()), job)
				.expect("a finished job is pruned")
				.pays_fee;
			assert_eq!(pays, Pays::No);
			System::assert_last_event(Event::JobPruned { job }.into());
			assert!(!Jobs::<Test>::contains_key(job));
			assert!(!Workloads::<Test>::contains_key(job));
			assert!(!JobHistory::<Test>::contains_key(job));
			assert!(!FinishedAt::<Test>::contains_key(job));
			assert!(!pallet_sla::JobViolations::<Test>::contains_key(job, COMPLETION));
			// Nothing can be said about it any more; the dispute runs its course.
			assert_noop!(
				Sla::report_violation(
					RuntimeOrigin::signed(holder()),
					provider_a(),
					START,
					job,
					H256::zero()
				),
				pallet_sla::Error::<Test>::UnknownJob
			);
			assert_noop!(prune(job), Error::<Test>::UnknownJob);
		});
	}

	#[test]
	fn cancelled_jobs_are_prunable_in_flight_ones_are_not() {
		ExtBuilder::build_and_execute(|| {
			setup();
			let cancelled = submit(HOUR, vec![START]);
			assert_ok!(Federation::cancel_job(RuntimeOrigin::signed(holder()), cancelled));
			let running = submit(HOUR, vec![START]);
			assign(running, provider_a());
			assert_ok!(report(operator_a(), running, JobReport::Started));
			run_to_block(System::block_number() + JOB_RETENTION);
			assert_noop!(prune(running), Error::<Test>::NotFinished);
			assert_ok!(prune(cancelled));
			assert!(matches!(state(running), JobState::Running { .. }));
		});
	}
}

mod migrations {
	use super::*;
	use crate::FinishedAt;
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};

	#[test]
	fn v1_records_the_finish_of_jobs_finished_before_it() {
		ExtBuilder::build_and_execute(|| {
			setup();
			let cancelled = submit(HOUR, vec![START]);
			assert_ok!(Federation::cancel_job(RuntimeOrigin::signed(holder()), cancelled));
			let pending = submit(HOUR, vec![START]);
			// The state a version-0 chain has: no finish recorded.
			run_to_block(7);
			FinishedAt::<Test>::remove(cancelled);
			StorageVersion::new(0).put::<Federation>();

			crate::migrations::v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
			assert_eq!(FinishedAt::<Test>::get(cancelled), Some(7));
			assert_eq!(FinishedAt::<Test>::get(pending), None);
			assert_eq!(Federation::on_chain_storage_version(), StorageVersion::new(1));
			// Once at version 1, it does nothing.
			FinishedAt::<Test>::insert(cancelled, 3);
			crate::migrations::v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
			assert_eq!(FinishedAt::<Test>::get(cancelled), Some(3));
		});
	}
}

mod routing_worker {
	use super::*;

	#[test]
	fn plans_pending_jobs_onto_eligible_providers_in_proportion() {
		ExtBuilder::build_and_execute(|| {
			make_provider(provider_a(), operator_a(), 30 * HOUR, b"EU");
			make_provider(provider_b(), operator_b(), 10 * HOUR, b"EU");
			for who in [provider_a(), provider_b()] {
				assert_ok!(Federation::declare_service(
					RuntimeOrigin::signed(who),
					WorkloadKinds { command: true, container: false, batch: false },
					8
				));
			}
			buy(provider_a(), 8 * HOUR);
			let jobs: Vec<_> = (0..8).map(|_| submit(HOUR, vec![START])).collect();
			let pending: Vec<_> =
				jobs.iter().map(|id| (*id, Jobs::<Test>::get(id).unwrap())).collect();
			let plan = crate::offchain::plan::<Test>(&pending);
			assert_eq!(plan.len(), 8);
			let to_a = plan.iter().filter(|(_, p)| *p == provider_a()).count();
			assert_eq!((to_a, 8 - to_a), (6, 2));
			// The runtime accepts the plan whole.
			let (batch, signature) = signed_batch(1, plan);
			assert_ok!(Federation::assign_jobs(authorized(), batch, signature));
			assert!(!events().iter().any(|e| matches!(e, Event::AssignmentRefused { .. })));
		});
	}
}

mod metering {
	use super::*;
	use crate::offchain::{max_duration_ms, meter, AgentUsage};

	#[test]
	fn wall_time_times_devices_rounds_down_and_never_exceeds_the_job() {
		ExtBuilder::build_and_execute(|| {
			setup();
			let job = Jobs::<Test>::get(submit(2 * HOUR, vec![START])).unwrap();
			// 1.8 s of one device is half a thousandth of an hour: rounds to 0.
			assert_eq!(meter::<Test>(&job, &AgentUsage { wall_ms: 1_800, gpus: 0 }), 0);
			// 36 s of two devices: 20 thousandths of an hour.
			assert_eq!(meter::<Test>(&job, &AgentUsage { wall_ms: 36_000, gpus: 2 }), 20);
			// Three hours of one device against two redeemed: two.
			assert_eq!(meter::<Test>(&job, &AgentUsage { wall_ms: 10_800_000, gpus: 1 }), 2 * HOUR);
			// Two hours bought, but only 50 blocks of 6 s to run without a completion module.
			assert_eq!(max_duration_ms::<Test>(&job, 0), RUN_BLOCKS * 6_000);
		});
	}
}

mod agent_job {
	use super::*;
	use crate::offchain::agent_job;

	#[test]
	fn a_job_is_posted_as_the_agent_api_v1_takes_it() {
		ExtBuilder::build_and_execute(|| {
			setup();
			let id = submit(HOUR, vec![START, COMPLETION]);
			let job = Jobs::<Test>::get(id).unwrap();
			let workload = crate::Workloads::<Test>::get(id).unwrap();
			let body: serde_json::Value =
				serde_json::from_slice(&agent_job::<Test>(id, &job, &workload)).unwrap();
			assert_eq!(
				body,
				serde_json::json!({
					"job_id": "0",
					"class": 0,
					"units": "1000",
					// One hour bought, and 20 blocks of 6 s to complete it.
					"max_duration_ms": 20 * 6_000,
					"workload": {
						"kind": "command",
						"program": "/bin/sh",
						"args": ["-c", "echo hi"],
						"env": {},
					},
					"input": null,
					"resources": { "gpus": 0, "memory_mb": 0 },
					"network": false,
				})
			);
		});
	}
}
