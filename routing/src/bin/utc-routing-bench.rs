//! Benchmark of `utc_routing::route`: the time to route a block-sized instance, and the cost
//! against the exact optimum on small transportation instances.
//!
//! `utc-routing-bench` runs 10,000 jobs × 1,000 providers and 20 small instances;
//! `utc-routing-bench --quick` runs 2,000 × 200 and 5 small instances; `--small N` sets the
//! number of small instances. The optimum places the most jobs, the oldest first, at the least
//! cost, as `route` does; `optimal_ignoring_age` (the least cost of any largest placement) is
//! printed for comparison. It exits non-zero when an assignment breaks a rule, places fewer
//! jobs than the optimum, or costs more than 1% above it.

use std::{process::ExitCode, time::Instant};

use utc_routing::{check, exact, route, total_cost, Job, Offer, Problem, Region, Units};

/// The largest accepted `route cost / optimal cost` on the small instances.
const MAX_RATIO: f64 = 1.01;
/// Region codes providers and jobs draw from.
const REGIONS: [&str; 8] =
	["EU-WEST", "EU-CENTRAL", "US-EAST", "US-WEST", "AP-SOUTH", "AP-EAST", "SA-EAST", "AF-SOUTH"];
/// A unit of compute in its class token's smallest part.
const UNIT: Units = 1_000_000;

fn main() -> ExitCode {
	let args: Vec<String> = std::env::args().collect();
	let quick = args.iter().any(|arg| arg == "--quick");
	let (jobs, providers, repetitions, mut small) =
		if quick { (2_000, 200, 3, 5) } else { (10_000, 1_000, 5, 20) };
	if let Some(count) =
		args.iter().position(|arg| arg == "--small").and_then(|at| args.get(at + 1))
	{
		small = count.parse().unwrap_or(small);
	}
	let mut ok = true;

	let problem = large(7, jobs, providers);
	for _ in 0..repetitions {
		let started = Instant::now();
		let assignment = route(&problem);
		let time_ms = started.elapsed().as_secs_f64() * 1e3;
		let placed = assignment.iter().flatten().count();
		println!(
			"route jobs={} providers={} groups={} placed={placed} cost={} time_ms={time_ms:.1}",
			problem.jobs.len(),
			problem.offers.len(),
			problem.groups.len(),
			total_cost(&problem, &assignment),
		);
		if let Err(violation) = check(&problem, &assignment) {
			println!("FAIL route broke a rule: {violation:?}");
			ok = false;
		}
	}

	let mut worst: f64 = 1.0;
	let (mut placed_sum, mut optimal_placed_sum) = (0, 0);
	for instance in 0..small {
		let seed = 1_000 + instance;
		let problem = transportation(seed);
		let started = Instant::now();
		let assignment = route(&problem);
		let time_ms = started.elapsed().as_secs_f64() * 1e3;
		let Some(optimum) = exact::solve(&problem, true) else {
			println!("FAIL instance {instance}: not a transportation problem");
			return ExitCode::FAILURE;
		};
		let any_age = exact::solve(&problem, false).map_or(0, |optimum| optimum.cost);
		let placed = assignment.iter().flatten().count();
		let cost = total_cost(&problem, &assignment);
		let ratio = match (cost, optimum.cost) {
			(0, 0) => 1.0,
			(_, 0) => f64::INFINITY,
			(cost, optimal) => cost as f64 / optimal as f64,
		};
		let same_jobs = assignment
			.iter()
			.zip(&optimum.assignment)
			.all(|(routed, optimal)| routed.is_some() == optimal.is_some());
		worst = worst.max(ratio);
		placed_sum += placed;
		optimal_placed_sum += optimum.placed;
		println!(
			"small #{instance} jobs={} providers={} placed={placed} optimal_placed={} \
			 cost={cost} optimal={} ratio={ratio:.4} same_jobs={same_jobs} \
			 optimal_ignoring_age={any_age} time_ms={time_ms:.2}",
			problem.jobs.len(),
			problem.offers.len(),
			optimum.placed,
			optimum.cost,
		);
		if let Err(violation) = check(&problem, &assignment) {
			println!("FAIL instance {instance}: route broke a rule: {violation:?}");
			ok = false;
		}
		if placed < optimum.placed {
			println!("FAIL instance {instance}: placed {placed} of {} possible", optimum.placed);
			ok = false;
		}
	}
	println!("placed routing={placed_sum} optimal={optimal_placed_sum} (over {small} instances)");
	println!("ratio routing_cost/optimal={worst:.4} (worst over {small} instances)");
	if worst > MAX_RATIO {
		println!("FAIL worst ratio above {MAX_RATIO}");
		ok = false;
	}
	if ok {
		ExitCode::SUCCESS
	} else {
		ExitCode::FAILURE
	}
}

/// A block's worth of routing: three classes, ten groups per class each listing about 60% of
/// the providers owing the class, eight regions, job sizes of 1 to 8 units, providers owing
/// about 25% more than the jobs ask, in proportion to their slots.
fn large(seed: u64, jobs: usize, providers: usize) -> Problem {
	let mut rng = Rng::new(seed);
	let classes = [1, 2, 3];
	let mut owes: Vec<Vec<u32>> = Vec::with_capacity(providers);
	let mut offers = Vec::with_capacity(providers);
	for _ in 0..providers {
		let first = *rng.pick(&classes);
		let mut owed = vec![first];
		if rng.chance(40) {
			let second = *rng.pick(&classes);
			if second != first {
				owed.push(second);
			}
		}
		owed.sort_unstable();
		owes.push(owed);
		offers.push(Offer {
			region: if rng.chance(5) { [0; 16] } else { rng.region(&REGIONS) },
			score: if rng.chance(10) { 0 } else { rng.range(200, 5_000) as u32 },
			reputation: rng.range(600, 1_000) as u16,
			load: rng.range(0, 20) as u32,
			slots: rng.range(1, 30) as u32,
			free: Vec::new(),
		});
	}
	let (group_classes, groups) = random_groups(&mut rng, &classes, &owes, 30);
	let sizes = [1, 1, 1, 2, 2, 4, 8];
	let jobs = (0..jobs)
		.map(|_| {
			let group = rng.below(groups.len() as u64) as u32;
			Job {
				class: group_classes[group as usize],
				units: *rng.pick(&sizes) * UNIT,
				region: rng.chance(75).then(|| rng.region(&REGIONS)),
				group,
			}
		})
		.collect();
	let mut problem = Problem { jobs, offers, groups };
	owe(&mut rng, &mut problem, &owes, (125, 125));
	problem
}

/// `count` eligibility groups, classes in turn: each lists about 60% of the providers
/// that owe its class. Returns each group's class and members.
fn random_groups(
	rng: &mut Rng,
	classes: &[u32],
	owes: &[Vec<u32>],
	count: usize,
) -> (Vec<u32>, Vec<Vec<u32>>) {
	(0..count)
		.map(|group| {
			let class = classes[group % classes.len()];
			let members = (0..owes.len())
				.filter(|&p| owes[p].contains(&class) && rng.chance(60))
				.map(|p| p as u32)
				.collect();
			(class, members)
		})
		.unzip()
}

/// A small problem in which every job has the same units, so the exact optimum is a
/// transportation problem; providers owe 80% to 200% of what the jobs ask, so some instances
/// do not fit.
fn transportation(seed: u64) -> Problem {
	let mut rng = Rng::new(seed);
	let job_count = rng.range(50, 300) as usize;
	let providers = rng.range(10, 40) as usize;
	let classes: Vec<u32> = (1..=rng.range(1, 2) as u32).collect();
	let units = rng.range(1, 5) as Units * UNIT;
	let regions = &REGIONS[..4];
	let mut owes = Vec::with_capacity(providers);
	let mut offers = Vec::with_capacity(providers);
	for _ in 0..providers {
		let mut owed = vec![*rng.pick(&classes)];
		if classes.len() > 1 && rng.chance(30) {
			owed = classes.clone();
		}
		owes.push(owed);
		offers.push(Offer {
			region: rng.region(regions),
			score: if rng.chance(10) { 0 } else { rng.range(200, 5_000) as u32 },
			reputation: rng.range(600, 1_000) as u16,
			load: rng.range(0, 20) as u32,
			slots: rng.range(1, 20) as u32,
			free: Vec::new(),
		});
	}
	let group_count = rng.range(2, 5) as usize;
	let (group_classes, groups) = random_groups(&mut rng, &classes, &owes, group_count);
	let jobs = (0..job_count)
		.map(|_| {
			let group = rng.below(group_count as u64) as u32;
			Job {
				class: group_classes[group as usize],
				units,
				region: rng.chance(70).then(|| rng.region(regions)),
				group,
			}
		})
		.collect();
	let mut problem = Problem { jobs, offers, groups };
	let percent = rng.range(80, 200);
	owe(&mut rng, &mut problem, &owes, (percent, percent));
	problem
}

/// Sets what each provider owes: per class, `percent` of the units the jobs ask, shared in
/// proportion to slots times a random factor of 0.5 to 1.5.
fn owe(rng: &mut Rng, problem: &mut Problem, owes: &[Vec<u32>], percent: (u64, u64)) {
	let mut classes: Vec<u32> = owes.iter().flatten().copied().collect();
	classes.sort_unstable();
	classes.dedup();
	for class in classes {
		let demand: Units =
			problem.jobs.iter().filter(|job| job.class == class).map(|job| job.units).sum();
		let owed = demand * Units::from(rng.range(percent.0, percent.1)) / 100;
		let weights: Vec<(usize, Units)> = owes
			.iter()
			.enumerate()
			.filter(|(_, owed)| owed.contains(&class))
			.map(|(p, _)| {
				(p, Units::from(problem.offers[p].slots) * Units::from(rng.range(50, 150)))
			})
			.collect();
		let total: Units = weights.iter().map(|(_, weight)| weight).sum();
		for (p, weight) in weights {
			problem.offers[p].free.push((class, owed * weight / total.max(1)));
		}
	}
	for offer in &mut problem.offers {
		offer.free.sort_unstable();
	}
}

fn region(code: &str) -> Region {
	let mut region = [0; 16];
	region[..code.len()].copy_from_slice(code.as_bytes());
	region
}

/// xorshift64*: deterministic instances from a seed.
struct Rng(u64);

impl Rng {
	fn new(seed: u64) -> Self {
		Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
	}

	fn next(&mut self) -> u64 {
		self.0 ^= self.0 >> 12;
		self.0 ^= self.0 << 25;
		self.0 ^= self.0 >> 27;
		self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
	}

	fn below(&mut self, n: u64) -> u64 {
		self.next() % n.max(1)
	}

	/// A value in `low..=high`.
	fn range(&mut self, low: u64, high: u64) -> u64 {
		low + self.below(high - low + 1)
	}

	fn chance(&mut self, percent: u64) -> bool {
		self.below(100) < percent
	}

	fn region(&mut self, codes: &[&str]) -> Region {
		region(codes[self.below(codes.len() as u64) as usize])
	}

	fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
		&items[self.below(items.len() as u64) as usize]
	}
}
