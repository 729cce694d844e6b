use alloc::{vec, vec::Vec};

use crate::{
	check, cost, exact, load_term, performance_term, quota, reputation_term, route,
	rules::mul_div_ceil, total_cost, ClassId, Job, Offer, Problem, Region, Units, Violation,
	MAX_COST, REGION_MISMATCH_COST, TERM_SCALE, UNKNOWN_REGION,
};

const GPU: ClassId = 1;
const NPU: ClassId = 2;

fn region(code: &str) -> Region {
	let mut region = [0; 16];
	region[..code.len()].copy_from_slice(code.as_bytes());
	region
}

/// An offer in `code` with a known score, full reputation, no load and `slots` slots owing
/// `free`.
fn offer(code: &str, slots: u32, free: &[(ClassId, Units)]) -> Offer {
	Offer {
		region: region(code),
		score: 1_000,
		reputation: 1_000,
		load: 0,
		slots,
		free: free.to_vec(),
	}
}

fn job(class: ClassId, units: Units, asks: Option<&str>, group: u32) -> Job {
	Job { class, units, region: asks.map(region), group }
}

fn placed(assignment: &[Option<u32>]) -> usize {
	assignment.iter().flatten().count()
}

/// xorshift64*, for random instances.
struct Rng(u64);

impl Rng {
	fn below(&mut self, n: u64) -> u64 {
		self.0 ^= self.0 >> 12;
		self.0 ^= self.0 << 25;
		self.0 ^= self.0 >> 27;
		self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
	}

	fn range(&mut self, low: u64, high: u64) -> u64 {
		low + self.below(high - low + 1)
	}
}

/// A random problem of up to `max_jobs` jobs: two classes, a few groups (one of them empty),
/// four regions, few slots; `equal_units` gives every job of a class the same units. Some jobs
/// name a group that does not exist and some groups list offers that do not exist.
fn random_problem(seed: u64, max_jobs: u64, equal_units: bool) -> Problem {
	let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
	let codes = ["EU-WEST", "US-EAST", "AP-SOUTH", "SA-EAST"];
	let offer_count = rng.range(2, 12);
	let offers: Vec<Offer> = (0..offer_count)
		.map(|_| {
			let mut free = Vec::new();
			for class in [GPU, NPU] {
				if rng.below(3) > 0 {
					free.push((class, Units::from(rng.range(0, 40))));
				}
			}
			Offer {
				region: if rng.below(8) == 0 {
					UNKNOWN_REGION
				} else {
					region(codes[rng.below(4) as usize])
				},
				score: rng.range(0, 4_000) as u32,
				reputation: rng.range(500, 1_000) as u16,
				load: rng.range(0, 10) as u32,
				slots: rng.range(0, 6) as u32,
				free,
			}
		})
		.collect();
	let group_count = rng.range(1, 4);
	let mut groups: Vec<Vec<u32>> = (0..group_count)
		.map(|_| (0..offer_count as u32 + 2).filter(|_| rng.below(2) == 0).collect())
		.collect();
	groups.push(Vec::new());
	let jobs = (0..rng.range(1, max_jobs))
		.map(|_| {
			let class = if rng.below(2) == 0 { GPU } else { NPU };
			let units =
				if equal_units { Units::from(class) * 3 } else { Units::from(rng.range(1, 9)) };
			let asks = rng.below(3).checked_sub(1).map(|code| codes[code as usize]);
			let group = if rng.below(20) == 0 { 99 } else { rng.below(groups.len() as u64) as u32 };
			job(class, units, asks, group)
		})
		.collect();
	let mut problem = Problem { jobs, offers, groups };
	if equal_units {
		// The exact solver takes well-formed problems only.
		for group in &mut problem.groups {
			group.retain(|&offer| (offer as usize) < problem.offers.len());
		}
		let groups = problem.groups.len() as u32;
		for job in &mut problem.jobs {
			job.group %= groups;
		}
	}
	problem
}

// The rules.

#[test]
fn hard_rules_hold_on_random_instances() {
	for seed in 0..400 {
		let problem = random_problem(seed, 60, seed % 2 == 0);
		let assignment = route(&problem);
		assert_eq!(assignment.len(), problem.jobs.len());
		assert_eq!(check(&problem, &assignment), Ok(()), "seed {seed}");
	}
}

#[test]
fn never_assigns_an_offer_outside_the_jobs_group() {
	// The cheapest offer, in the asked region, is not eligible.
	let problem = Problem {
		jobs: vec![job(GPU, 1, Some("EU-WEST"), 0)],
		offers: vec![offer("EU-WEST", 5, &[(GPU, 10)]), offer("US-EAST", 5, &[(GPU, 10)])],
		groups: vec![vec![1]],
	};
	assert_eq!(route(&problem), vec![Some(1)]);
}

#[test]
fn slots_are_never_exceeded() {
	let problem = Problem {
		jobs: vec![job(GPU, 1, None, 0); 3],
		offers: vec![offer("EU-WEST", 1, &[(GPU, 10)]), offer("EU-WEST", 1, &[(GPU, 10)])],
		groups: vec![vec![0, 1]],
	};
	let assignment = route(&problem);
	assert_eq!(placed(&assignment), 2);
	assert_eq!(assignment[..2], [Some(0), Some(1)]);
	assert_eq!(check(&problem, &[Some(0), Some(0), None]), Err(Violation::NoSlots { offer: 0 }));
}

#[test]
fn free_units_are_never_exceeded() {
	// Each offer owes 5 units; jobs of 3 units: one job each, the quota aside.
	let problem = Problem {
		jobs: vec![job(GPU, 3, None, 0); 3],
		offers: vec![offer("EU-WEST", 9, &[(GPU, 5)]), offer("EU-WEST", 9, &[(GPU, 5)])],
		groups: vec![vec![0, 1]],
	};
	let assignment = route(&problem);
	assert_eq!(placed(&assignment), 2);
	assert_eq!(check(&problem, &assignment), Ok(()));
	assert_eq!(
		check(&problem, &[Some(0), Some(0), None]),
		Err(Violation::OverFree { offer: 0, class: GPU })
	);
}

#[test]
fn quota_splits_a_class_in_proportion_to_what_offers_owe() {
	// Offers owe 300 and 100 units (3:1) of 40 unit jobs: quotas of 30 and 10, although the
	// second offer is cheaper and could take them all.
	let mut cheap = offer("EU-WEST", 100, &[(GPU, 100)]);
	cheap.reputation = 1_000;
	let mut dear = offer("EU-WEST", 100, &[(GPU, 300)]);
	dear.reputation = 500;
	let problem = Problem {
		jobs: vec![job(GPU, 1, None, 0); 40],
		offers: vec![dear, cheap],
		groups: vec![vec![0, 1]],
	};
	assert_eq!((quota(&problem, 0, GPU), quota(&problem, 1, GPU)), (30, 10));
	let assignment = route(&problem);
	let on = |offer: u32| assignment.iter().filter(|&&placed| placed == Some(offer)).count();
	assert_eq!((on(0), on(1)), (30, 10));
}

#[test]
fn the_job_that_crosses_the_quota_is_allowed() {
	let problem = Problem {
		jobs: vec![job(GPU, 5, None, 0); 3],
		offers: vec![offer("EU-WEST", 9, &[(GPU, 15)]), offer("EU-WEST", 9, &[(GPU, 9)])],
		groups: vec![vec![0, 1]],
	};
	// D = 15, F = 24: quotas ceil(15 × 15 / 24) = 10 and ceil(15 × 9 / 24) = 6.
	assert_eq!((quota(&problem, 0, GPU), quota(&problem, 1, GPU)), (10, 6));
	assert_eq!(check(&problem, &[Some(0), Some(0), Some(1)]), Ok(()));
	assert_eq!(
		check(&problem, &[Some(1), Some(1), Some(0)]),
		Err(Violation::OverFree { offer: 1, class: GPU })
	);
	let problem = Problem {
		jobs: vec![job(GPU, 2, None, 0); 6],
		offers: vec![offer("EU-WEST", 9, &[(GPU, 24)]), offer("EU-WEST", 9, &[(GPU, 12)])],
		groups: vec![vec![0, 1]],
	};
	// D = 12, F = 36: quotas 8 and 4; offer 1 may hold 2 + 2 (crossing 4) but not 6.
	assert_eq!(check(&problem, &[Some(1), Some(1), Some(0), Some(0), Some(0), Some(0)]), Ok(()));
	assert_eq!(
		check(&problem, &[Some(1), Some(1), Some(1), Some(0), Some(0), Some(0)]),
		Err(Violation::OverQuota { offer: 1, class: GPU })
	);
	assert_eq!(placed(&route(&problem)), 6);
}

#[test]
fn quota_is_zero_when_nothing_is_owed_and_free_when_demand_exceeds_it() {
	let problem = Problem {
		jobs: vec![job(GPU, 50, None, 0), job(NPU, 1, None, 0)],
		offers: vec![offer("EU-WEST", 9, &[(GPU, 10)]), offer("EU-WEST", 9, &[(GPU, 30)])],
		groups: vec![vec![0, 1]],
	};
	assert_eq!(quota(&problem, 0, GPU), 10);
	assert_eq!(quota(&problem, 0, NPU), 0);
	assert_eq!(quota(&problem, 7, GPU), 0);
	assert_eq!(route(&problem)[1], None);
}

#[test]
fn quota_keeps_full_precision_on_huge_units() {
	// D = 2^127, free = 2^126, F = 2^127 + 2^126: quota = ceil(2^127 / 3) = (2^127 + 1) / 3.
	let half = 1u128 << 126;
	let problem = Problem {
		jobs: vec![job(GPU, 1 << 127, None, 0)],
		offers: vec![offer("EU-WEST", 1, &[(GPU, half)]), offer("EU-WEST", 1, &[(GPU, 1 << 127)])],
		groups: vec![vec![0, 1]],
	};
	assert_eq!(quota(&problem, 0, GPU), ((1u128 << 127) + 1) / 3);
	assert_eq!(mul_div_ceil(u128::MAX, u128::MAX, u128::MAX), Some(u128::MAX));
	assert_eq!(mul_div_ceil(u128::MAX, 2, 1), None);
	assert_eq!(mul_div_ceil(1, 1, 0), None);
	let mut rng = Rng(7);
	for _ in 0..2_000 {
		let (a, b, c) =
			(rng.below(1 << 40) as u128, rng.below(1 << 40) as u128, rng.range(1, 1 << 40) as u128);
		assert_eq!(mul_div_ceil(a, b, c), Some((a * b).div_ceil(c)));
	}
}

#[test]
fn check_reports_the_first_broken_rule() {
	let problem = Problem {
		jobs: vec![job(GPU, 1, None, 0), job(GPU, 1, None, 5)],
		offers: vec![offer("EU-WEST", 1, &[(GPU, 10)]), offer("EU-WEST", 1, &[(GPU, 10)])],
		groups: vec![vec![0]],
	};
	assert_eq!(check(&problem, &[None]), Err(Violation::LengthMismatch));
	assert_eq!(check(&problem, &[None, Some(0)]), Err(Violation::UnknownGroup { job: 1 }));
	assert_eq!(check(&problem, &[Some(9), None]), Err(Violation::UnknownOffer { job: 0 }));
	assert_eq!(check(&problem, &[Some(1), None]), Err(Violation::NotEligible { job: 0 }));
	assert_eq!(check(&problem, &[Some(0), None]), Ok(()));
}

// The cost.

#[test]
fn cost_terms_stay_within_their_scale() {
	assert_eq!(performance_term(0), TERM_SCALE);
	assert_eq!(performance_term(1_000), TERM_SCALE / 2);
	assert!(performance_term(u32::MAX) < 1);
	assert_eq!(reputation_term(1_000), 0);
	assert_eq!(reputation_term(u16::MAX), 0);
	assert_eq!(reputation_term(0), TERM_SCALE);
	assert_eq!(load_term(0, 0), TERM_SCALE);
	assert_eq!(load_term(0, 5), 0);
	assert_eq!(load_term(5, 5), TERM_SCALE / 2);
	let worst =
		Offer { region: UNKNOWN_REGION, score: 0, reputation: 0, load: 1, slots: 0, free: vec![] };
	assert_eq!(cost(&job(GPU, 1, Some("EU-WEST"), 0), &worst), MAX_COST);
	// A block of a million jobs at the worst cost still fits.
	assert!(MAX_COST.checked_mul(1_000_000).is_some());
}

#[test]
fn cost_depends_on_a_job_only_through_its_region() {
	let offer = offer("EU-WEST", 3, &[(GPU, 1)]);
	let base = cost(&job(GPU, 1, None, 0), &offer);
	assert_eq!(cost(&job(NPU, 1 << 100, None, 7), &offer), base);
	assert_eq!(cost(&job(GPU, 1, Some("EU-WEST"), 0), &offer), base);
	assert_eq!(cost(&Job { region: Some(UNKNOWN_REGION), ..job(GPU, 1, None, 0) }, &offer), base);
	assert_eq!(cost(&job(GPU, 1, Some("US-EAST"), 0), &offer), base + REGION_MISMATCH_COST);
}

#[test]
fn region_preference_wins_when_otherwise_equal() {
	let problem = Problem {
		jobs: vec![job(GPU, 1, Some("US-EAST"), 0), job(GPU, 1, Some("EU-WEST"), 0)],
		offers: vec![offer("EU-WEST", 1, &[(GPU, 10)]), offer("US-EAST", 1, &[(GPU, 10)])],
		groups: vec![vec![0, 1]],
	};
	assert_eq!(route(&problem), vec![Some(1), Some(0)]);
}

#[test]
fn better_reputation_is_preferred() {
	let mut late = offer("EU-WEST", 5, &[(GPU, 10)]);
	late.reputation = 800;
	let problem = Problem {
		jobs: vec![job(GPU, 1, None, 0)],
		offers: vec![late, offer("EU-WEST", 5, &[(GPU, 10)])],
		groups: vec![vec![0, 1]],
	};
	assert_eq!(route(&problem), vec![Some(1)]);
}

// Placement.

#[test]
fn a_malformed_problem_does_not_panic_and_its_bad_jobs_stay_unplaced() {
	let problem = Problem {
		jobs: vec![job(GPU, 1, None, 3), job(GPU, 1, None, u32::MAX), job(GPU, 1, None, 0)],
		offers: vec![offer("EU-WEST", 5, &[(GPU, 10), (GPU, 1)])],
		// Unsorted, repeated and out of range offers.
		groups: vec![vec![7, 0, u32::MAX, 0]],
	};
	assert_eq!(route(&problem), vec![None, None, Some(0)]);
	assert_eq!(route(&Problem::default()), Vec::<Option<u32>>::new());
	let no_offers = Problem { offers: vec![], ..problem };
	assert_eq!(route(&no_offers), vec![None; 3]);
}

#[test]
fn the_oldest_jobs_are_placed_when_not_all_fit() {
	// One slot; the younger job would cost less (its region matches).
	let problem = Problem {
		jobs: vec![job(GPU, 1, Some("US-EAST"), 0), job(GPU, 1, Some("EU-WEST"), 0)],
		offers: vec![offer("EU-WEST", 1, &[(GPU, 10)])],
		groups: vec![vec![0]],
	};
	assert_eq!(route(&problem), vec![Some(0), None]);
}

#[test]
fn placing_more_jobs_beats_a_lower_cost() {
	// The first job prefers offer 0, the only one the second may use.
	let problem = Problem {
		jobs: vec![job(GPU, 1, Some("EU-WEST"), 0), job(GPU, 1, None, 1)],
		offers: vec![offer("EU-WEST", 1, &[(GPU, 10)]), offer("US-EAST", 1, &[(GPU, 10)])],
		groups: vec![vec![0, 1], vec![0]],
	};
	assert_eq!(route(&problem), vec![Some(1), Some(0)]);
}

#[test]
fn routing_is_deterministic() {
	for seed in 0..20 {
		let problem = random_problem(seed, 80, false);
		assert_eq!(route(&problem), route(&problem));
	}
}

// Against the exact optimum.

#[test]
fn matches_the_exact_optimum_on_hand_made_instances() {
	let mut slow = offer("US-EAST", 2, &[(GPU, 10), (NPU, 10)]);
	slow.score = 0;
	let instances = [
		// A chain of displacements: each job's cheapest offer is the next job's only one.
		Problem {
			jobs: vec![
				job(GPU, 1, Some("EU-WEST"), 0),
				job(GPU, 1, Some("US-EAST"), 1),
				job(GPU, 1, None, 2),
			],
			offers: vec![
				offer("EU-WEST", 1, &[(GPU, 10)]),
				offer("US-EAST", 1, &[(GPU, 10)]),
				offer("AP-SOUTH", 1, &[(GPU, 10)]),
			],
			groups: vec![vec![0, 1, 2], vec![0, 1], vec![1]],
		},
		// Two classes sharing slots, the quota binding the cheap offer.
		Problem {
			jobs: vec![
				job(GPU, 2, Some("EU-WEST"), 0),
				job(GPU, 2, Some("EU-WEST"), 0),
				job(NPU, 1, None, 1),
				job(NPU, 1, Some("US-EAST"), 1),
				job(GPU, 2, None, 0),
			],
			offers: vec![
				offer("EU-WEST", 2, &[(GPU, 4), (NPU, 2)]),
				slow,
				offer("AP-SOUTH", 3, &[(GPU, 8)]),
			],
			groups: vec![vec![0, 1, 2], vec![0, 1]],
		},
	];
	for problem in instances {
		let optimum = exact::solve(&problem, true).unwrap();
		let assignment = route(&problem);
		assert_eq!(check(&problem, &optimum.assignment), Ok(()));
		assert_eq!(placed(&assignment), optimum.placed);
		assert_eq!(total_cost(&problem, &assignment), optimum.cost);
	}
}

#[test]
fn matches_the_exact_optimum_on_random_transportation_instances() {
	for seed in 0..300 {
		let problem = random_problem(seed, 40, true);
		let optimum = exact::solve(&problem, true).unwrap();
		let assignment = route(&problem);
		assert_eq!(check(&problem, &optimum.assignment), Ok(()), "seed {seed}");
		let same_jobs =
			assignment.iter().zip(&optimum.assignment).all(|(a, b)| a.is_some() == b.is_some());
		assert!(same_jobs, "seed {seed}: placed other jobs than the optimum");
		assert_eq!(total_cost(&problem, &assignment), optimum.cost, "seed {seed}");
	}
}

#[test]
fn the_exact_solver_refuses_mixed_units() {
	let problem = Problem {
		jobs: vec![job(GPU, 1, None, 0), job(GPU, 2, None, 0)],
		offers: vec![offer("EU-WEST", 2, &[(GPU, 10)])],
		groups: vec![vec![0]],
	};
	assert_eq!(exact::solve(&problem, true), None);
}
