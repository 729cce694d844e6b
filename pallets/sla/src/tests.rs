//! Tests of pallet-sla, one module per call or behaviour.

use crate::{mock::*, *};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
};
use sp_core::H256;
use sp_runtime::{DispatchError, Perbill};
use utc_primitives::{BackingCheck, ClassId, ComputeInspect, Evidence, SlaEnforcement, Units};

type Error = crate::Error<Test>;

const UPTIME: u32 = 0;
const LATENCY: u32 = 1;

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::Bond.into(), &who)
}

fn free(who: AccountId) -> Balance {
	Balances::balance(&who)
}

fn bond(who: AccountId, amount: Balance) {
	assert_ok!(Sla::bond(RuntimeOrigin::signed(who), amount));
}

/// pallet-compute's question before a mint of `additional` in `class`, where
/// `who` owes `current` (and what the mock holds in other classes).
fn can_back(who: &AccountId, class: ClassId, current: Units, additional: Units) -> bool {
	let owed = |c| if c == class { current } else { MockCompute::obligation(who, c) };
	Sla::can_back(who, class, &owed, additional)
}

fn subscribe(who: AccountId, class: u32, module: u32) {
	assert_ok!(Sla::subscribe(RuntimeOrigin::signed(who), class, module));
}

/// ALICE bonds 1,000, subscribes to Uptime in CLASS and owes 50 units there
/// (required 500).
fn bonded_provider() {
	bond(ALICE, 1_000);
	subscribe(ALICE, CLASS, UPTIME);
	MockCompute::set_obligation(ALICE, CLASS, 50);
}

fn record(who: AccountId, units: u128, evidence: Evidence, job: Option<u64>) -> DispatchResult {
	Sla::record_violation(RuntimeOrigin::root(), who, UPTIME, CLASS, units, evidence, job)
}

use sp_runtime::DispatchResult;

mod modules {
	use super::*;

	#[test]
	fn define_module_stores_it_active_and_says_so() {
		ExtBuilder::default().build_and_execute(|| {
			let kind = ModuleKind::Throughput { min_score: 700 };
			assert_ok!(Sla::define_module(RuntimeOrigin::root(), kind.clone(), 3, penalty()));
			let module = Modules::<Test>::get(0).unwrap();
			assert_eq!(module.status, ModuleStatus::Active);
			assert_eq!(module.bond_per_unit, 3);
			assert_eq!(NextModuleId::<Test>::get(), 1);
			assert_eq!(
				sla_events().last(),
				Some(&Event::ModuleDefined {
					module: 0,
					kind,
					bond_per_unit: 3,
					penalty: penalty()
				})
			);
		});
	}

	#[test]
	fn define_module_refuses_bad_terms_and_economics() {
		ExtBuilder::default().build_and_execute(|| {
			let root = || RuntimeOrigin::root();
			for kind in [
				ModuleKind::Uptime { min_per_mille: 0, window: 10 },
				ModuleKind::Uptime { min_per_mille: 1001, window: 10 },
				ModuleKind::Uptime { min_per_mille: 990, window: 0 },
				ModuleKind::StartLatency { max_blocks: 0 },
				ModuleKind::CompletionTime { max_blocks_per_unit: 0 },
				ModuleKind::Throughput { min_score: 0 },
				ModuleKind::Region { code: Default::default() },
				ModuleKind::Region { code: b"eu-west".to_vec().try_into().unwrap() },
			] {
				assert_noop!(
					Sla::define_module(root(), kind, 1, penalty()),
					Error::InvalidModuleTerm
				);
			}
			let region = ModuleKind::Region { code: b"EU-WEST".to_vec().try_into().unwrap() };
			assert_noop!(
				Sla::define_module(root(), region.clone(), 0, penalty()),
				Error::ZeroBondPerUnit
			);
			let inverted = PenaltySchedule {
				min_rate: Perbill::from_percent(60),
				max_rate: Perbill::from_percent(50),
				compensation_per_unit: 0,
			};
			assert_noop!(
				Sla::define_module(root(), region.clone(), 1, inverted),
				Error::InvalidPenaltySchedule
			);
			assert_noop!(
				Sla::define_module(RuntimeOrigin::signed(ALICE), region, 1, penalty()),
				DispatchError::BadOrigin
			);
		});
	}

	#[test]
	fn retire_module_stops_new_subscriptions_once() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			assert_noop!(Sla::retire_module(RuntimeOrigin::root(), 7), Error::UnknownModule);
			assert_ok!(Sla::retire_module(RuntimeOrigin::root(), UPTIME));
			assert_noop!(Sla::retire_module(RuntimeOrigin::root(), UPTIME), Error::ModuleRetired);
			assert_noop!(
				Sla::subscribe(RuntimeOrigin::signed(ALICE), CLASS, UPTIME),
				Error::ModuleRetired
			);
		});
	}

	#[test]
	fn shortfall_scales_with_how_far_below_the_term() {
		let uptime = ModuleKind::Uptime { min_per_mille: 1000, window: 10 };
		assert_eq!(uptime.shortfall(Evidence::Measured(1000)), None);
		assert_eq!(uptime.shortfall(Evidence::Measured(900)), Some(Perbill::from_percent(10)));
		assert_eq!(uptime.shortfall(Evidence::Measured(0)), Some(Perbill::one()));
		let latency = ModuleKind::StartLatency { max_blocks: 10 };
		assert_eq!(latency.shortfall(Evidence::Measured(10)), None);
		assert_eq!(latency.shortfall(Evidence::Measured(13)), Some(Perbill::from_percent(30)));
		assert_eq!(latency.shortfall(Evidence::Measured(500)), Some(Perbill::one()));
		let throughput = ModuleKind::Throughput { min_score: 200 };
		assert_eq!(throughput.shortfall(Evidence::Measured(150)), Some(Perbill::from_percent(25)));
		let region = ModuleKind::Region { code: b"EU".to_vec().try_into().unwrap() };
		assert_eq!(region.shortfall(Evidence::Measured(0)), Some(Perbill::one()));
		assert_eq!(latency.shortfall(Evidence::Failed), Some(Perbill::one()));
	}

	#[test]
	fn penalty_rate_runs_from_min_to_max_with_the_shortfall() {
		let schedule = penalty(); // 10% .. 50%
		assert_eq!(schedule.penalty(Perbill::zero(), 1_000), 100);
		assert_eq!(schedule.penalty(Perbill::from_percent(50), 1_000), 300);
		assert_eq!(schedule.penalty(Perbill::one(), 1_000), 500);
	}
}

mod bonds {
	use super::*;

	#[test]
	fn bond_holds_funds_and_adds_up() {
		ExtBuilder::default().build_and_execute(|| {
			bond(ALICE, 300);
			bond(ALICE, 200);
			assert_eq!(held(ALICE), 500);
			assert_eq!(free(ALICE), 100_000 - 500);
			assert_eq!(Sla::active_bond(&ALICE), 500);
			assert_eq!(
				sla_events().last(),
				Some(&Event::Bonded { provider: ALICE, amount: 200, active: 500 })
			);
		});
	}

	#[test]
	fn bond_refuses_zero_and_more_than_the_free_balance_less_the_deposit() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(Sla::bond(RuntimeOrigin::signed(ALICE), 0), Error::ZeroAmount);
			assert_noop!(
				Sla::bond(RuntimeOrigin::signed(ALICE), 100_000),
				Error::InsufficientFreeBalance
			);
			bond(ALICE, 100_000 - ED);
		});
	}

	#[test]
	fn unbond_refuses_without_bond_beyond_bond_and_below_requirement() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			assert_noop!(Sla::unbond(RuntimeOrigin::signed(ALICE), 1), Error::NoBond);
			bonded_provider();
			assert_noop!(Sla::unbond(RuntimeOrigin::signed(ALICE), 0), Error::ZeroAmount);
			assert_noop!(
				Sla::unbond(RuntimeOrigin::signed(ALICE), 1_001),
				Error::UnbondExceedsBond
			);
			// 50 units × 10 per unit = 500 must stay.
			assert_noop!(Sla::unbond(RuntimeOrigin::signed(ALICE), 501), Error::BondRequired);
			assert_ok!(Sla::unbond(RuntimeOrigin::signed(ALICE), 500));
			assert_eq!(Sla::active_bond(&ALICE), 500);
			assert_eq!(held(ALICE), 1_000);
		});
	}

	#[test]
	fn unbonding_frees_funds_only_after_the_delay() {
		ExtBuilder::default().build_and_execute(|| {
			bond(ALICE, 1_000);
			assert_ok!(Sla::unbond(RuntimeOrigin::signed(ALICE), 400));
			assert_eq!(
				sla_events().last(),
				Some(&Event::Unbonding {
					provider: ALICE,
					amount: 400,
					active: 600,
					unlock_at: 1 + UNBONDING_DELAY
				})
			);
			run_to_block(UNBONDING_DELAY);
			assert_noop!(
				Sla::withdraw_unbonded(RuntimeOrigin::signed(ALICE)),
				Error::NothingToWithdraw
			);
			run_to_block(1 + UNBONDING_DELAY);
			assert_ok!(Sla::withdraw_unbonded(RuntimeOrigin::signed(ALICE)));
			assert_eq!(held(ALICE), 600);
			assert_eq!(free(ALICE), 100_000 - 600);
			assert_eq!(Bonds::<Test>::get(ALICE).unwrap().unbonding.len(), 0);
		});
	}

	#[test]
	fn unbonding_in_one_block_makes_one_chunk_and_chunks_are_capped() {
		ExtBuilder::default().build_and_execute(|| {
			bond(ALICE, 1_000);
			assert_ok!(Sla::unbond(RuntimeOrigin::signed(ALICE), 10));
			assert_ok!(Sla::unbond(RuntimeOrigin::signed(ALICE), 10));
			assert_eq!(Bonds::<Test>::get(ALICE).unwrap().unbonding.len(), 1);
			for block in 2..=MAX_CHUNKS as u64 {
				run_to_block(block);
				assert_ok!(Sla::unbond(RuntimeOrigin::signed(ALICE), 10));
			}
			run_to_block(MAX_CHUNKS as u64 + 1);
			assert_noop!(
				Sla::unbond(RuntimeOrigin::signed(ALICE), 10),
				Error::TooManyUnbondingChunks
			);
		});
	}

	#[test]
	fn nothing_is_withdrawn_while_a_slash_or_a_report_is_pending() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bond(ALICE, 1_000);
			subscribe(ALICE, CLASS, UPTIME);
			assert_ok!(Sla::unbond(RuntimeOrigin::signed(ALICE), 500));
			assert_ok!(record(ALICE, 1, Evidence::Failed, None));
			MockJobs::insert(9, OWNER, Some(ALICE), CLASS, 1);
			assert_ok!(Sla::report_violation(
				RuntimeOrigin::signed(OWNER),
				ALICE,
				UPTIME,
				9,
				H256::zero()
			));
			// The slash is due at 4 and applied; the report stands at 5, its slash at 8.
			run_to_block(7);
			assert_eq!(ProviderPendingSlashes::<Test>::get(ALICE).map(|p| p.slashes), Some(1));
			run_to_block(1 + UNBONDING_DELAY - 3);
			assert_ok!(Sla::report_violation(
				RuntimeOrigin::signed(OWNER),
				ALICE,
				UPTIME,
				{
					MockJobs::insert(10, OWNER, Some(ALICE), CLASS, 1);
					10
				},
				H256::zero()
			));
			run_to_block(1 + UNBONDING_DELAY);
			assert_noop!(Sla::withdraw_unbonded(RuntimeOrigin::signed(ALICE)), Error::DisputeOpen);
			assert_ok!(Sla::resolve(RuntimeOrigin::root(), 1, Verdict::Upheld(Evidence::Failed)));
			assert_noop!(Sla::withdraw_unbonded(RuntimeOrigin::signed(ALICE)), Error::SlashPending);
			run_to_block(1 + UNBONDING_DELAY + SLASH_DEFER);
			assert_ok!(Sla::withdraw_unbonded(RuntimeOrigin::signed(ALICE)));
		});
	}

	#[test]
	fn chunks_stay_in_unlock_order_when_the_delay_shrinks() {
		ExtBuilder::default().build_and_execute(|| {
			bond(ALICE, 1_000);
			assert_ok!(Sla::unbond(RuntimeOrigin::signed(ALICE), 10)); // unlocks at 11
			assert_ok!(Sla::set_parameters(
				RuntimeOrigin::root(),
				SlaParameters { unbonding_delay: 7, dispute_window: 4, slash_defer: 3 }
			));
			run_to_block(2);
			assert_ok!(Sla::unbond(RuntimeOrigin::signed(ALICE), 20)); // unlocks at 9
			let unlocks: Vec<_> =
				Bonds::<Test>::get(ALICE).unwrap().unbonding.iter().map(|c| c.unlock_at).collect();
			assert_eq!(unlocks, vec![9, 11]);
			run_to_block(9);
			assert_ok!(Sla::withdraw_unbonded(RuntimeOrigin::signed(ALICE)));
			assert_eq!(held(ALICE), 980);
		});
	}

	#[test]
	fn withdrawing_everything_removes_the_ledger() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(Sla::withdraw_unbonded(RuntimeOrigin::signed(ALICE)), Error::NoBond);
			bond(ALICE, 100);
			assert_ok!(Sla::unbond(RuntimeOrigin::signed(ALICE), 100));
			run_to_block(1 + UNBONDING_DELAY);
			assert_ok!(Sla::withdraw_unbonded(RuntimeOrigin::signed(ALICE)));
			assert!(Bonds::<Test>::get(ALICE).is_none());
			assert_eq!(free(ALICE), 100_000);
		});
	}
}

mod subscriptions {
	use super::*;

	#[test]
	fn subscribe_checks_provider_class_module_and_room() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			let signed = RuntimeOrigin::signed;
			assert_noop!(Sla::subscribe(signed(CHARLIE), CLASS, UPTIME), Error::NotProvider);
			assert_noop!(Sla::subscribe(signed(ALICE), 42, UPTIME), Error::UnknownClass);
			assert_noop!(Sla::subscribe(signed(ALICE), CLASS, 9), Error::UnknownModule);
			subscribe(ALICE, CLASS, UPTIME);
			assert_noop!(Sla::subscribe(signed(ALICE), CLASS, UPTIME), Error::AlreadySubscribed);
			subscribe(ALICE, CLASS, LATENCY);
			subscribe(ALICE, OTHER_CLASS, UPTIME);
			subscribe(ALICE, OTHER_CLASS, LATENCY);
			MockCompute::add_class(2);
			assert_noop!(Sla::subscribe(signed(ALICE), 2, UPTIME), Error::TooManySubscriptions);
			assert_eq!(
				Subscriptions::<Test>::get(ALICE).into_inner(),
				vec![
					(CLASS, UPTIME),
					(CLASS, LATENCY),
					(OTHER_CLASS, UPTIME),
					(OTHER_CLASS, LATENCY)
				]
			);
		});
	}

	#[test]
	fn subscribe_is_refused_when_the_bond_does_not_cover_the_new_requirement() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bonded_provider(); // requires 500 of 1,000
					  // Adding latency (5 per unit) requires 50 × 15 = 750: covered.
			subscribe(ALICE, CLASS, LATENCY);
			assert_eq!(
				sla_events().last(),
				Some(&Event::Subscribed {
					provider: ALICE,
					class: CLASS,
					module: LATENCY,
					required: 750
				})
			);
			assert_ok!(Sla::define_module(
				RuntimeOrigin::root(),
				ModuleKind::Throughput { min_score: 1 },
				6,
				penalty()
			));
			// 50 × 21 = 1,050 > 1,000.
			assert_noop!(
				Sla::subscribe(RuntimeOrigin::signed(ALICE), CLASS, 2),
				Error::InsufficientBond
			);
		});
	}

	#[test]
	fn unsubscribe_is_refused_while_obligations_rely_on_the_module() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			assert_noop!(
				Sla::unsubscribe(RuntimeOrigin::signed(ALICE), CLASS, UPTIME),
				Error::NotSubscribed
			);
			bonded_provider();
			assert_noop!(
				Sla::unsubscribe(RuntimeOrigin::signed(ALICE), CLASS, UPTIME),
				Error::ObligationsRelyOnModule
			);
			MockCompute::set_obligation(ALICE, CLASS, 0);
			assert_ok!(Sla::unsubscribe(RuntimeOrigin::signed(ALICE), CLASS, UPTIME));
			assert!(!Subscriptions::<Test>::contains_key(ALICE));
		});
	}

	#[test]
	fn no_module_is_left_while_a_report_is_open() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bond(ALICE, 1_000);
			subscribe(ALICE, CLASS, UPTIME);
			subscribe(ALICE, CLASS, LATENCY);
			MockJobs::insert(1, OWNER, Some(ALICE), CLASS, 1);
			assert_ok!(Sla::report_violation(
				RuntimeOrigin::signed(OWNER),
				ALICE,
				UPTIME,
				1,
				H256::zero()
			));
			for module in [UPTIME, LATENCY] {
				assert_noop!(
					Sla::unsubscribe(RuntimeOrigin::signed(ALICE), CLASS, module),
					Error::DisputeOpen
				);
			}
			assert_ok!(Sla::resolve(RuntimeOrigin::root(), 0, Verdict::Dismissed));
			assert_ok!(Sla::unsubscribe(RuntimeOrigin::signed(ALICE), CLASS, UPTIME));
		});
	}

	/// Governance retires a module while a provider owes under it: the provider
	/// stays subscribed, its bond backs the obligation at the retired rate, and a
	/// breach is still recorded against it.
	#[test]
	fn a_retired_module_keeps_backing_what_is_owed() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bonded_provider();
			assert_ok!(Sla::retire_module(RuntimeOrigin::root(), UPTIME));
			assert_noop!(
				Sla::unsubscribe(RuntimeOrigin::signed(ALICE), CLASS, UPTIME),
				Error::ObligationsRelyOnModule
			);
			assert_eq!(Sla::bond_view(&ALICE).required, 500);
			assert_noop!(Sla::unbond(RuntimeOrigin::signed(ALICE), 501), Error::BondRequired);
			assert_ok!(record(ALICE, 1, Evidence::Failed, None));
			// Delivered or retired, the obligation no longer holds the provider.
			MockCompute::set_obligation(ALICE, CLASS, 0);
			assert_ok!(Sla::unsubscribe(RuntimeOrigin::signed(ALICE), CLASS, UPTIME));
		});
	}
}

mod backing {
	use super::*;

	#[test]
	fn mint_is_backed_up_to_the_bond_and_not_one_unit_more() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			// No module in the class: nothing is backed.
			bond(ALICE, 1_000);
			assert!(!can_back(&ALICE, CLASS, 0, 1));
			subscribe(ALICE, CLASS, UPTIME);
			subscribe(ALICE, CLASS, LATENCY); // 15 per unit
			assert!(can_back(&ALICE, CLASS, 0, 66)); // 990
			assert!(!can_back(&ALICE, CLASS, 0, 67)); // 1,005
			MockCompute::set_obligation(ALICE, CLASS, 60); // requires 900
			assert!(can_back(&ALICE, CLASS, 60, 6));
			assert!(!can_back(&ALICE, CLASS, 60, 7));
			// Obligation in another class counts under its own modules.
			subscribe(ALICE, OTHER_CLASS, UPTIME);
			MockCompute::set_obligation(ALICE, OTHER_CLASS, 10); // +100
			assert_eq!(Sla::bond_view(&ALICE).required, 1_000);
			assert!(!can_back(&ALICE, CLASS, 60, 1));
		});
	}

	#[test]
	fn retired_modules_back_nothing_new() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bond(ALICE, 1_000);
			subscribe(ALICE, CLASS, UPTIME);
			assert!(can_back(&ALICE, CLASS, 0, 1));
			assert_ok!(Sla::retire_module(RuntimeOrigin::root(), UPTIME));
			assert!(!can_back(&ALICE, CLASS, 0, 1));
		});
	}

	#[test]
	fn routing_needs_every_module_and_a_covering_bond() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bonded_provider();
			assert!(Sla::can_serve(&ALICE, CLASS, &[UPTIME]));
			assert!(!Sla::can_serve(&ALICE, CLASS, &[UPTIME, LATENCY]));
			assert!(!Sla::can_serve(&ALICE, OTHER_CLASS, &[UPTIME]));
			MockCompute::set_obligation(ALICE, CLASS, 101); // requires 1,010
			assert!(!Sla::can_serve(&ALICE, CLASS, &[UPTIME]));
			assert!(Sla::bond_view(&ALICE).under_collateralized);
		});
	}
}

mod reports {
	use super::*;

	const JOB: u64 = 7;

	/// A job of OWNER under the Uptime module only, served by ALICE.
	fn job_served_by_alice() {
		MockJobs::insert_under(JOB, OWNER, Some(ALICE), CLASS, 10, vec![UPTIME]);
	}

	fn report() -> DispatchResult {
		Sla::report_violation(
			RuntimeOrigin::signed(OWNER),
			ALICE,
			UPTIME,
			JOB,
			H256::repeat_byte(1),
		)
	}

	#[test]
	fn report_checks_job_owner_provider_and_the_jobs_modules() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bonded_provider();
			assert_noop!(report(), Error::UnknownJob);
			MockJobs::insert(JOB, OWNER, Some(BOB), CLASS, 10);
			assert_noop!(report(), Error::NotJobProvider);
			MockJobs::insert(JOB, OWNER, None, CLASS, 10);
			assert_noop!(report(), Error::NotJobProvider);
			job_served_by_alice();
			assert_noop!(
				Sla::report_violation(RuntimeOrigin::signed(BOB), ALICE, UPTIME, JOB, H256::zero()),
				Error::NotJobOwner
			);
			assert_noop!(
				Sla::report_violation(RuntimeOrigin::signed(OWNER), ALICE, 9, JOB, H256::zero()),
				Error::UnknownModule
			);
			assert_noop!(
				Sla::report_violation(
					RuntimeOrigin::signed(OWNER),
					ALICE,
					LATENCY,
					JOB,
					H256::zero()
				),
				Error::ModuleNotOnJob
			);
			assert_ok!(report());
			assert_eq!(
				sla_events().last(),
				Some(&Event::ViolationReported {
					dispute: 0,
					provider: ALICE,
					reporter: OWNER,
					module: UPTIME,
					job: JOB,
					evidence_hash: H256::repeat_byte(1),
					deadline: 1 + DISPUTE_WINDOW,
				})
			);
			assert_noop!(report(), Error::DuplicateReport);
			assert_eq!(Sla::open_disputes(&ALICE).len(), 1);
		});
	}

	#[test]
	fn reports_falling_due_in_one_block_are_capped() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bonded_provider();
			for job in 0..=MAX_DISPUTES as u64 {
				MockJobs::insert(job, OWNER, Some(ALICE), CLASS, 1);
			}
			for job in 0..MAX_DISPUTES as u64 {
				assert_ok!(Sla::report_violation(
					RuntimeOrigin::signed(OWNER),
					ALICE,
					UPTIME,
					job,
					H256::zero()
				));
			}
			assert_noop!(
				Sla::report_violation(
					RuntimeOrigin::signed(OWNER),
					ALICE,
					UPTIME,
					MAX_DISPUTES as u64,
					H256::zero()
				),
				Error::DisputeQueueFull
			);
		});
	}

	#[test]
	fn only_the_provider_responds_and_only_once() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bonded_provider();
			job_served_by_alice();
			assert_noop!(
				Sla::respond(RuntimeOrigin::signed(ALICE), 0, H256::zero()),
				Error::UnknownDispute
			);
			assert_ok!(report());
			assert_noop!(
				Sla::respond(RuntimeOrigin::signed(OWNER), 0, H256::zero()),
				Error::NotDisputeProvider
			);
			assert_ok!(Sla::respond(RuntimeOrigin::signed(ALICE), 0, H256::repeat_byte(2)));
			assert_eq!(Disputes::<Test>::get(0).unwrap().response_hash, Some(H256::repeat_byte(2)));
			assert_noop!(
				Sla::respond(RuntimeOrigin::signed(ALICE), 0, H256::zero()),
				Error::AlreadyResponded
			);
		});
	}

	#[test]
	fn a_dismissed_report_slashes_nothing_and_stays_closed() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bonded_provider();
			job_served_by_alice();
			assert_ok!(report());
			assert_noop!(
				Sla::resolve(RuntimeOrigin::signed(OWNER), 0, Verdict::Dismissed),
				DispatchError::BadOrigin
			);
			assert_ok!(Sla::resolve(RuntimeOrigin::root(), 0, Verdict::Dismissed));
			assert_noop!(
				Sla::resolve(RuntimeOrigin::root(), 0, Verdict::Dismissed),
				Error::DisputeClosed
			);
			assert_noop!(
				Sla::respond(RuntimeOrigin::signed(ALICE), 0, H256::zero()),
				Error::DisputeClosed
			);
			run_to_block(20);
			assert_eq!(held(ALICE), 1_000);
			assert_eq!(PendingSlashes::<Test>::iter().count(), 0);
			assert!(Sla::open_disputes(&ALICE).is_empty());
		});
	}

	#[test]
	fn an_upheld_report_needs_a_shortfall_and_pays_owner_reporter_and_treasury() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bonded_provider();
			job_served_by_alice();
			assert_ok!(report());
			assert_noop!(
				Sla::resolve(RuntimeOrigin::root(), 0, Verdict::Upheld(Evidence::Measured(995))),
				Error::NoShortfall
			);
			// 900‰ of 990‰: short by 90/990; rate 10% + 40% × 9.09% = 13.64% of a stake
			// of 10 × 10, to the nearest unit.
			assert_ok!(Sla::resolve(
				RuntimeOrigin::root(),
				0,
				Verdict::Upheld(Evidence::Measured(900))
			));
			let slash = PendingSlashes::<Test>::get(0).unwrap();
			assert_eq!(slash.penalty, 14);
			assert_eq!(slash.compensation, 20);
			let (owner, treasury) = (free(OWNER), free(TREASURY));
			run_to_block(1 + SLASH_DEFER);
			// 14 taken: the owner's compensation (up to 20) takes it all.
			assert_eq!(free(OWNER), owner + 14);
			assert_eq!(free(TREASURY), treasury);
			assert_eq!(held(ALICE), 986);
		});
	}

	#[test]
	fn a_report_nobody_resolves_stands_at_its_deadline_as_a_whole_breach() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bonded_provider();
			MockJobs::insert(JOB, OWNER, Some(ALICE), CLASS, 40);
			assert_ok!(report());
			assert_ok!(Sla::respond(RuntimeOrigin::signed(ALICE), 0, H256::zero()));
			run_to_block(1 + DISPUTE_WINDOW);
			assert!(sla_events().contains(&Event::DisputeUpheld {
				dispute: 0,
				by: Resolution::Timeout,
				evidence: Evidence::Failed
			}));
			assert!(Disputes::<Test>::get(0).is_none());
			// Whole shortfall: 50% of 40 × 10 = 200; owner 80, bounty 20, treasury 100.
			let (owner, treasury) = (free(OWNER), free(TREASURY));
			run_to_block(1 + DISPUTE_WINDOW + SLASH_DEFER);
			assert_eq!(free(OWNER), owner + 80 + 20);
			assert_eq!(free(TREASURY), treasury + 100);
			assert_eq!(held(ALICE), 800);
			let history = SlashHistory::<Test>::get(ALICE);
			assert_eq!(history[0].taken, 200);
			assert_eq!(
				(history[0].to_owner, history[0].to_reporter, history[0].to_treasury),
				(80, 20, 100)
			);
		});
	}
}

mod slashes {
	use super::*;

	#[test]
	fn record_violation_checks_origin_module_subscription_units_and_shortfall() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bonded_provider();
			assert_noop!(
				Sla::record_violation(
					RuntimeOrigin::signed(OWNER),
					ALICE,
					UPTIME,
					CLASS,
					1,
					Evidence::Failed,
					None
				),
				DispatchError::BadOrigin
			);
			assert_noop!(record(ALICE, 0, Evidence::Failed, None), Error::ZeroUnits);
			assert_noop!(record(BOB, 1, Evidence::Failed, None), Error::NotSubscribed);
			assert_noop!(record(ALICE, 1, Evidence::Measured(991), None), Error::NoShortfall);
			assert_noop!(
				Sla::record_violation(
					RuntimeOrigin::root(),
					ALICE,
					9,
					CLASS,
					1,
					Evidence::Failed,
					None
				),
				Error::UnknownModule
			);
			assert_noop!(record(ALICE, 1, Evidence::Failed, Some(3)), Error::UnknownJob);
			MockJobs::insert(3, OWNER, Some(BOB), CLASS, 1);
			assert_noop!(record(ALICE, 1, Evidence::Failed, Some(3)), Error::NotJobProvider);
			MockJobs::insert_under(3, OWNER, Some(ALICE), CLASS, 1, vec![LATENCY]);
			assert_noop!(record(ALICE, 1, Evidence::Failed, Some(3)), Error::ModuleNotOnJob);
			MockJobs::insert(3, OWNER, Some(ALICE), CLASS, 1);
			assert_ok!(record(ALICE, 1, Evidence::Failed, Some(3)));
			assert_noop!(record(ALICE, 1, Evidence::Failed, Some(3)), Error::DuplicateReport);
		});
	}

	#[test]
	fn a_slash_waits_its_window_then_goes_to_the_treasury_without_a_job() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bonded_provider();
			assert_ok!(record(ALICE, 20, Evidence::Failed, None));
			assert_eq!(
				sla_events().last(),
				Some(&Event::SlashScheduled {
					slash: 0,
					provider: ALICE,
					penalty: 100,
					due: 1 + SLASH_DEFER
				})
			);
			let treasury = free(TREASURY);
			let issuance = Balances::total_issuance();
			run_to_block(SLASH_DEFER);
			assert_eq!(held(ALICE), 1_000);
			run_to_block(1 + SLASH_DEFER);
			assert_eq!(held(ALICE), 900);
			assert_eq!(free(TREASURY), treasury + 100);
			assert_eq!(Balances::total_issuance(), issuance);
			assert!(sla_events().contains(&Event::Slashed {
				slash: 0,
				provider: ALICE,
				taken: 100,
				to_owner: 0,
				to_reporter: 0,
				to_treasury: 100
			}));
		});
	}

	#[test]
	fn a_cancelled_slash_takes_nothing() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bonded_provider();
			assert_ok!(record(ALICE, 20, Evidence::Failed, None));
			assert_noop!(
				Sla::cancel_slash(RuntimeOrigin::signed(ALICE), 0),
				DispatchError::BadOrigin
			);
			assert_noop!(Sla::cancel_slash(RuntimeOrigin::root(), 1), Error::UnknownSlash);
			assert_ok!(Sla::cancel_slash(RuntimeOrigin::root(), 0));
			assert_noop!(Sla::cancel_slash(RuntimeOrigin::root(), 0), Error::UnknownSlash);
			run_to_block(10);
			assert_eq!(held(ALICE), 1_000);
			assert_eq!(SlashCursor::<Test>::get(), 1);
		});
	}

	#[test]
	fn due_slashes_are_applied_a_page_per_block() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bonded_provider();
			for _ in 0..5 {
				assert_ok!(record(ALICE, 1, Evidence::Failed, None)); // 5 each
			}
			run_to_block(1 + SLASH_DEFER);
			assert_eq!(held(ALICE), 1_000 - 2 * 5);
			run_to_block(2 + SLASH_DEFER);
			assert_eq!(held(ALICE), 1_000 - 4 * 5);
			run_to_block(3 + SLASH_DEFER);
			assert_eq!(held(ALICE), 1_000 - 5 * 5);
			assert_eq!(PendingSlashes::<Test>::iter().count(), 0);
			// The history keeps the last MAX_HISTORY.
			let history = SlashHistory::<Test>::get(ALICE);
			assert_eq!(history.iter().map(|r| r.slash).collect::<Vec<_>>(), vec![2, 3, 4]);
		});
	}

	#[test]
	fn unbonding_chunks_are_slashable_until_withdrawn() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bond(ALICE, 1_000);
			subscribe(ALICE, CLASS, UPTIME);
			assert_ok!(Sla::unbond(RuntimeOrigin::signed(ALICE), 900));
			// Failed over 100 units: 50% × 1,000 = 500, all of it from the chunk.
			assert_ok!(record(ALICE, 100, Evidence::Failed, None));
			run_to_block(1 + SLASH_DEFER);
			let ledger = Bonds::<Test>::get(ALICE).unwrap();
			assert_eq!(ledger.active, 100);
			assert_eq!(ledger.unbonding[0].amount, 400);
			// More than the chunk holds: the rest from the active bond.
			assert_ok!(record(ALICE, 100, Evidence::Failed, None));
			run_to_block(1 + 2 * SLASH_DEFER);
			assert!(Bonds::<Test>::get(ALICE).is_none());
			assert_eq!(free(ALICE), 100_000 - 1_000);
		});
	}

	#[test]
	fn a_slash_takes_no_more_than_the_bond_holds() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bond(ALICE, 100);
			subscribe(ALICE, CLASS, UPTIME);
			assert_ok!(record(ALICE, 1_000, Evidence::Failed, None)); // asks 5,000
			run_to_block(1 + SLASH_DEFER);
			assert_eq!(held(ALICE), 0);
			let record = &SlashHistory::<Test>::get(ALICE)[0];
			assert_eq!((record.penalty, record.taken, record.to_treasury), (5_000, 100, 100));
		});
	}

	#[test]
	fn a_payee_that_cannot_receive_is_paid_through_the_treasury() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bonded_provider();
			// An owner with no account: 2 units × 2 compensation = 4 < ED.
			let nobody: AccountId = 77;
			MockJobs::insert(5, nobody, Some(ALICE), CLASS, 2);
			let treasury = free(TREASURY);
			assert_ok!(record(ALICE, 2, Evidence::Failed, Some(5))); // 10
			run_to_block(1 + SLASH_DEFER);
			assert_eq!(free(nobody), 0);
			assert_eq!(free(TREASURY), treasury + 10);
			assert_eq!(held(ALICE), 990);
		});
	}

	#[test]
	fn a_slash_below_the_requirement_marks_the_provider_until_it_bonds_more() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bond(ALICE, 500);
			subscribe(ALICE, CLASS, UPTIME);
			MockCompute::set_obligation(ALICE, CLASS, 50); // requires 500
			assert!(Sla::can_serve(&ALICE, CLASS, &[UPTIME]));
			assert_ok!(record(ALICE, 10, Evidence::Failed, None)); // 50
			run_to_block(1 + SLASH_DEFER);
			assert!(sla_events().contains(&Event::UnderCollateralized {
				provider: ALICE,
				active: 450,
				required: 500
			}));
			assert!(Sla::bond_view(&ALICE).under_collateralized);
			assert!(!Sla::can_serve(&ALICE, CLASS, &[UPTIME]));
			assert!(!can_back(&ALICE, CLASS, 50, 1));
			bond(ALICE, 50);
			assert!(Sla::can_serve(&ALICE, CLASS, &[UPTIME]));
		});
	}

	#[test]
	fn a_provider_is_never_paid_from_its_own_slash() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bonded_provider();
			// ALICE redeemed her own tokens and reports her own breach.
			MockJobs::insert(2, ALICE, Some(ALICE), CLASS, 10);
			assert_ok!(Sla::report_violation(
				RuntimeOrigin::signed(ALICE),
				ALICE,
				UPTIME,
				2,
				H256::zero()
			));
			let (alice, treasury) = (free(ALICE), free(TREASURY));
			run_to_block(1 + DISPUTE_WINDOW + SLASH_DEFER);
			// Whole breach over 10 units: 50 of the stake of 100, all to the treasury.
			assert_eq!(free(ALICE), alice);
			assert_eq!(free(TREASURY), treasury + 50);
			assert_eq!(held(ALICE), 950);
		});
	}

	#[test]
	fn the_federation_records_chain_evidence_through_the_trait() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bonded_provider();
			subscribe(ALICE, CLASS, LATENCY);
			MockJobs::insert(1, OWNER, Some(ALICE), CLASS, 10);
			// Started 8 blocks after assignment against 5: short by 60%; rate 34%; stake 50.
			assert_ok!(<Sla as SlaEnforcement<_>>::record_violation(
				&ALICE,
				LATENCY,
				CLASS,
				10,
				Evidence::Measured(8),
				Some(1)
			));
			let slash = PendingSlashes::<Test>::get(0).unwrap();
			assert_eq!((slash.shortfall, slash.penalty), (Perbill::from_percent(60), 17));
			assert_eq!(slash.beneficiary, Some(OWNER));
			assert_eq!(slash.reporter, None);
		});
	}
}

mod parameters {
	use super::*;

	#[test]
	fn unbonding_must_outlast_the_dispute_and_the_deferral() {
		ExtBuilder::default().build_and_execute(|| {
			let set = |u, d, s| {
				Sla::set_parameters(
					RuntimeOrigin::root(),
					SlaParameters { unbonding_delay: u, dispute_window: d, slash_defer: s },
				)
			};
			assert_noop!(set(10, 0, 3), Error::InvalidParameters);
			assert_noop!(set(10, 4, 0), Error::InvalidParameters);
			assert_noop!(set(6, 4, 3), Error::InvalidParameters);
			assert_ok!(set(7, 4, 3));
			assert_eq!(Parameters::<Test>::get().unbonding_delay, 7);
		});
	}
}

mod random_walk {
	use super::*;

	use utc_primitives::testing::Lcg;

	/// Random bonds, subscriptions, reports, verdicts, violations and cancellations
	/// across blocks: the invariants hold after every call and block, and no native
	/// token is created or destroyed.
	#[test]
	fn random_calls_keep_every_invariant() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			let mut rng = Lcg(7);
			let providers = [ALICE, BOB];
			let issuance = Balances::total_issuance();
			let mut job = 0u64;
			let mut applied = 0;
			for _ in 0..800 {
				let who = providers[rng.next(2) as usize];
				let origin = RuntimeOrigin::signed(who);
				let class = rng.next(2) as u32;
				let module = rng.next(2) as u32;
				let result = match rng.next(11) {
					0 | 1 => Sla::bond(origin, 1 + rng.next(400) as u128),
					2 => Sla::unbond(origin, 1 + rng.next(300) as u128),
					3 => Sla::withdraw_unbonded(origin),
					4 => Sla::subscribe(origin, class, module),
					5 => Sla::unsubscribe(origin, class, module),
					6 => {
						MockCompute::set_obligation(who, class, rng.next(30) as u128);
						Ok(())
					}
					7 => {
						job += 1;
						MockJobs::insert(job, OWNER, Some(who), class, 1 + rng.next(20) as u128);
						Sla::report_violation(
							RuntimeOrigin::signed(OWNER),
							who,
							module,
							job,
							H256::zero(),
						)
					}
					8 => {
						let dispute = rng.next(NextDisputeId::<Test>::get() + 1);
						let verdict = if rng.next(2) == 0 {
							Verdict::Dismissed
						} else {
							Verdict::Upheld(Evidence::Measured(rng.next(1000) as u32))
						};
						Sla::resolve(RuntimeOrigin::root(), dispute, verdict)
					}
					9 => Sla::record_violation(
						RuntimeOrigin::root(),
						who,
						module,
						class,
						1 + rng.next(20) as u128,
						Evidence::Failed,
						None,
					),
					_ => Sla::cancel_slash(
						RuntimeOrigin::root(),
						rng.next(NextSlashId::<Test>::get() + 1),
					),
				};
				let _ = result;
				Sla::do_try_state().expect("invariants hold after every call");
				if rng.next(3) == 0 {
					run_to_block(System::block_number() + 1);
				}
				applied = SlashHistory::<Test>::iter_values().map(|h| h.len()).sum::<usize>();
				assert_eq!(Balances::total_issuance(), issuance);
			}
			run_to_block(System::block_number() + 20);
			assert_eq!(Balances::total_issuance(), issuance);
			assert!(applied > 0, "the walk applied slashes");
			assert!(NextDisputeId::<Test>::get() > 0, "the walk opened disputes");
		});
	}
}

/// The ways a provider could walk away from its bond while owing, each closed.
mod leaving_the_bond {
	use super::*;

	const JOB: u64 = 3;

	/// Obligation delivered to zero, the provider leaves its module in the same
	/// block: a report on a job it served under that module still stands.
	#[test]
	fn a_report_after_leaving_is_judged_against_the_job() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bonded_provider();
			MockJobs::insert_under(JOB, OWNER, Some(ALICE), CLASS, 10, vec![UPTIME]);
			MockCompute::set_obligation(ALICE, CLASS, 0);
			assert_ok!(Sla::unsubscribe(RuntimeOrigin::signed(ALICE), CLASS, UPTIME));
			assert_ok!(Sla::report_violation(
				RuntimeOrigin::signed(OWNER),
				ALICE,
				UPTIME,
				JOB,
				H256::zero()
			));
			// The chain's own record of a breach on a job, likewise.
			MockJobs::insert_under(JOB + 1, OWNER, Some(ALICE), CLASS, 10, vec![UPTIME]);
			assert_ok!(record(ALICE, 10, Evidence::Failed, Some(JOB + 1)));
			// The bond stays to pay: nothing is withdrawn while a breach is pending,
			// and both are paid from it before it unlocks.
			assert_ok!(Sla::unbond(RuntimeOrigin::signed(ALICE), 1_000));
			assert_noop!(Sla::withdraw_unbonded(RuntimeOrigin::signed(ALICE)), Error::SlashPending);
			run_to_block(1 + UNBONDING_DELAY);
			assert_eq!(SlashHistory::<Test>::get(ALICE).len(), 2);
			assert_eq!(held(ALICE), 1_000 - 50 - 50);
			assert_ok!(Sla::withdraw_unbonded(RuntimeOrigin::signed(ALICE)));
		});
	}

	/// A breach is scheduled but not yet applied: its penalty counts against the
	/// bond, so the provider can neither unbond nor mint on the part it will lose.
	#[test]
	fn pending_penalties_count_against_the_bond() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bond(ALICE, 1_000);
			subscribe(ALICE, CLASS, UPTIME);
			MockCompute::set_obligation(ALICE, CLASS, 50); // requires 500
												  // Failed over 60 units: 50% × 600 = 300 pending.
			assert_ok!(record(ALICE, 60, Evidence::Failed, None));
			assert_eq!(Sla::pending_penalty(&ALICE), 300);
			// 1,000 − 300 covers 500 + 20 × 10 but not one unit more.
			assert!(can_back(&ALICE, CLASS, 50, 20));
			assert!(!can_back(&ALICE, CLASS, 50, 21));
			assert_noop!(Sla::unbond(RuntimeOrigin::signed(ALICE), 201), Error::BondRequired);
			assert_ok!(Sla::unbond(RuntimeOrigin::signed(ALICE), 200));
			run_to_block(1 + SLASH_DEFER);
			assert_eq!(Sla::pending_penalty(&ALICE), 0);
			// The slash took the unbonding chunk first, then 100 of the active bond.
			assert_eq!(Sla::bond_view(&ALICE).active, 700);
			assert!(ProviderPendingSlashes::<Test>::get(ALICE).is_none());
		});
	}

	/// The provider unbonds its surplus, then a breach is slashed: the surplus
	/// pays, and the bond that backs what it owes stays whole.
	#[test]
	fn a_slash_lands_on_the_surplus_before_the_backing() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bonded_provider(); // 1,000 bonded, 500 required
			assert_ok!(Sla::unbond(RuntimeOrigin::signed(ALICE), 500));
			assert_ok!(record(ALICE, 100, Evidence::Failed, None)); // 500
			run_to_block(1 + SLASH_DEFER);
			let view = Sla::bond_view(&ALICE);
			assert_eq!((view.active, view.unbonding.len()), (500, 0));
			assert!(!view.under_collateralized);
			run_to_block(1 + UNBONDING_DELAY);
			assert_noop!(
				Sla::withdraw_unbonded(RuntimeOrigin::signed(ALICE)),
				Error::NothingToWithdraw
			);
		});
	}

	/// Whatever made the bond fall short of the requirement, unlocked chunks stay
	/// bonded until the provider makes it whole.
	#[test]
	fn nothing_is_withdrawn_while_the_backing_is_short() {
		ExtBuilder::default().with_modules().build_and_execute(|| {
			bonded_provider();
			assert_ok!(Sla::unbond(RuntimeOrigin::signed(ALICE), 400));
			MockCompute::set_obligation(ALICE, CLASS, 70); // requires 700 > 600 active
			run_to_block(1 + UNBONDING_DELAY);
			assert_noop!(
				Sla::withdraw_unbonded(RuntimeOrigin::signed(ALICE)),
				Error::UnderCollateralized
			);
			bond(ALICE, 100);
			assert_ok!(Sla::withdraw_unbonded(RuntimeOrigin::signed(ALICE)));
		});
	}
}
