//! `route`: job types, a regret greedy, then shortest paths and negative cycles in the
//! residual graph (see `residual`).
//!
//! Jobs with the same class, group, region and units are interchangeable, so the router works
//! on job *types* and counts. A *pool* is what an offer owes in one class; it holds its jobs
//! as (type, count). Every change the router makes keeps every pool and offer valid.

mod greedy;
mod residual;
mod search;

use alloc::{collections::BTreeMap, vec, vec::Vec};
use core::cmp::Ordering;

use crate::{
	cost::{asked_region, offer_cost, region_cost},
	rules::{self, free_units, index, ClassTotals},
	ClassId, Problem, Region, Units,
};

/// How much [`route`](crate::route) may search after the greedy (shortest paths, exchanges and
/// negative cycles), in arcs examined and search-tree nodes walked: it bounds the running time
/// on any input (about 135 ms natively for 10,000 jobs × 1,000 providers).
pub const ROUTE_WORK_LIMIT: u64 = 25_000_000;

/// The most size bands of a class: jobs whose units fall in one band share search nodes.
const MAX_BANDS: usize = 8;

/// No node, type or job.
const NONE: usize = usize::MAX;

pub(crate) fn route(problem: &Problem) -> Vec<Option<u32>> {
	let mut router = Router::new(problem);
	router.place_greedily();
	let mut search = search::Search::new(router.nodes());
	router.place_more(&mut search);
	router.place_oldest(&mut search);
	router.cancel_negative_cycles(&mut search);
	let assignment = router.assignment();
	// Every change keeps the pools valid; this is the last guard.
	if rules::check(problem, &assignment).is_ok() {
		assignment
	} else {
		vec![None; problem.jobs.len()]
	}
}

/// What an offer owes in one class, and the jobs placed on it.
struct Pool {
	offer: usize,
	/// Dense class index.
	class: usize,
	free: Units,
	quota: Units,
	/// (type, count), counts above zero.
	jobs: Vec<(usize, u32)>,
	/// Its jobs summed up, kept with them.
	stats: PoolStats,
	/// Its first `In` node, one per size band of its class.
	first_in: usize,
}

/// Jobs of one class, group and region: they rank offers the same way.
struct Kind {
	region: Option<Region>,
	/// The pool of every eligible offer owing the class, cheapest first.
	arcs: Vec<Eligible>,
}

/// A pool jobs of a kind may enter.
#[derive(Clone, Copy)]
struct Eligible {
	pool: usize,
	/// The pool's first `In` node.
	first_in: usize,
	cost: u64,
}

/// Jobs of one kind whose units fall in one size band of the class.
struct Family {
	kind: usize,
	band: usize,
	types: Vec<usize>,
	/// Its kind's arcs without the banned ones, once one is banned.
	arcs: Option<Vec<Eligible>>,
}

/// Interchangeable jobs: one kind and the same units.
struct JobType {
	kind: usize,
	family: usize,
	units: Units,
	/// Job indices, oldest first; the first `placed` are the placed ones.
	jobs: Vec<usize>,
	placed: usize,
}

/// A pool's jobs summed up for the admission rule.
#[derive(Clone, Copy, Default)]
struct PoolStats {
	count: u32,
	sum: Option<Units>,
	largest: Units,
	at_largest: u32,
	second: Units,
}

struct Router<'a> {
	problem: &'a Problem,
	offer_costs: Vec<u64>,
	/// Jobs placed on each offer by this routing.
	taken: Vec<u32>,
	/// Per offer: (dense class, pool).
	offer_pools: Vec<Vec<(usize, usize)>>,
	pools: Vec<Pool>,
	/// Per dense class: the largest units of each size band, ascending.
	bands: Vec<Vec<Units>>,
	kinds: Vec<Kind>,
	families: Vec<Family>,
	types: Vec<JobType>,
	/// Per job: its type and its rank within the type (`NONE` when its group is unknown).
	job_types: Vec<(usize, usize)>,
	/// `In` nodes: (pool, band).
	in_nodes: Vec<(usize, usize)>,
	/// Arcs the improvement may still examine.
	work: u64,
	/// (family, pool) arcs left out of searches after a change through them failed.
	banned: Vec<(usize, usize)>,
}

impl<'a> Router<'a> {
	fn new(problem: &'a Problem) -> Self {
		let totals = ClassTotals::new(problem);
		let mut classes: Vec<ClassId> = problem.jobs.iter().map(|job| job.class).collect();
		classes.sort_unstable();
		classes.dedup();
		let bands = size_bands(problem, &classes);

		let mut pools = Vec::new();
		let mut offer_pools = Vec::with_capacity(problem.offers.len());
		let mut in_nodes = Vec::new();
		for (offer_index, offer) in problem.offers.iter().enumerate() {
			let mut own = Vec::new();
			for (class_index, &class) in classes.iter().enumerate() {
				let free = free_units(offer, class);
				let quota = totals.quota(class, free);
				if quota == 0 {
					continue;
				}
				let pool = pools.len();
				own.push((class_index, pool));
				let first_in = in_nodes.len();
				let band_count = bands.get(class_index).map_or(0, Vec::len);
				in_nodes.extend((0..band_count).map(|band| (pool, band)));
				pools.push(Pool {
					offer: offer_index,
					class: class_index,
					free,
					quota,
					jobs: Vec::new(),
					stats: PoolStats { sum: Some(0), ..PoolStats::default() },
					first_in,
				});
			}
			offer_pools.push(own);
		}

		let mut router = Self {
			problem,
			offer_costs: problem.offers.iter().map(offer_cost).collect(),
			taken: vec![0; problem.offers.len()],
			offer_pools,
			pools,
			bands,
			kinds: Vec::new(),
			families: Vec::new(),
			types: Vec::new(),
			job_types: Vec::with_capacity(problem.jobs.len()),
			in_nodes,
			work: ROUTE_WORK_LIMIT,
			banned: Vec::new(),
		};
		let mut kind_ids: BTreeMap<(usize, u32, Option<Region>), usize> = BTreeMap::new();
		let mut family_ids: BTreeMap<(usize, usize), usize> = BTreeMap::new();
		let mut type_ids: BTreeMap<(usize, Units), usize> = BTreeMap::new();
		for (job_index, job) in problem.jobs.iter().enumerate() {
			let class = classes.binary_search(&job.class).unwrap_or(NONE);
			let Some(group) = index(job.group).and_then(|group| problem.groups.get(group)) else {
				router.job_types.push((NONE, NONE));
				continue;
			};
			let region = asked_region(job.region.as_ref()).copied();
			let kind = *kind_ids.entry((class, job.group, region)).or_insert_with(|| {
				router.kinds.push(router.kind(class, group, region));
				router.kinds.len().saturating_sub(1)
			});
			let band = router.band(class, job.units);
			let family = *family_ids.entry((kind, band)).or_insert_with(|| {
				router.families.push(Family { kind, band, types: Vec::new(), arcs: None });
				router.families.len().saturating_sub(1)
			});
			let ty = *type_ids.entry((kind, job.units)).or_insert_with(|| {
				let units = job.units;
				router.types.push(JobType { kind, family, units, jobs: Vec::new(), placed: 0 });
				let ty = router.types.len().saturating_sub(1);
				if let Some(family) = router.families.get_mut(family) {
					family.types.push(ty);
				}
				ty
			});
			let Some(job_type) = router.types.get_mut(ty) else { continue };
			router.job_types.push((ty, job_type.jobs.len()));
			job_type.jobs.push(job_index);
		}
		router
	}

	/// The kind of jobs of `class` in `group` asking `region`: its eligible pools, cheapest first.
	fn kind(&self, class: usize, group: &[u32], region: Option<Region>) -> Kind {
		let mut arcs: Vec<Eligible> = group
			.iter()
			.filter_map(|&offer| index(offer))
			.filter_map(|offer| {
				let pool = self.pool_of(offer, class)?;
				let first_in = self.pools.get(pool)?.first_in;
				Some(Eligible { pool, first_in, cost: self.pair_cost(region.as_ref(), offer) })
			})
			.collect();
		arcs.sort_unstable_by_key(|arc| arc.pool);
		arcs.dedup_by_key(|arc| arc.pool);
		arcs.sort_unstable_by_key(|arc| (arc.cost, arc.pool));
		Kind { region, arcs }
	}

	/// The size band of `units` in dense class `class`.
	fn band(&self, class: usize, units: Units) -> usize {
		self.bands.get(class).map_or(0, |bands| bands.partition_point(|&largest| largest < units))
	}

	/// The largest units of a band of the class of `pool`.
	fn band_units(&self, pool: usize, band: usize) -> Units {
		let class = self.pools.get(pool).map_or(NONE, |pool| pool.class);
		self.bands.get(class).and_then(|bands| bands.get(band)).copied().unwrap_or(Units::MAX)
	}

	fn pool_of(&self, offer: usize, class: usize) -> Option<usize> {
		let own = self.offer_pools.get(offer)?;
		own.iter().find(|(owned, _)| *owned == class).map(|(_, pool)| *pool)
	}

	fn pair_cost(&self, region: Option<&Region>, offer: usize) -> u64 {
		let base = self.offer_costs.get(offer).copied().unwrap_or(0);
		let offered = self.problem.offers.get(offer).map(|offer| &offer.region);
		base.saturating_add(offered.map_or(0, |offered| region_cost(region, offered)))
	}

	/// The cost of a job of type `ty` on the offer of `pool`.
	fn type_cost(&self, ty: usize, pool: usize) -> u64 {
		let kind = self.types.get(ty).and_then(|ty| self.kinds.get(ty.kind));
		let region = kind.and_then(|kind| kind.region.as_ref());
		self.pair_cost(region, self.pools.get(pool).map_or(NONE, |pool| pool.offer))
	}

	fn units(&self, ty: usize) -> Units {
		self.types.get(ty).map_or(0, |ty| ty.units)
	}

	fn unplaced(&self, ty: usize) -> usize {
		self.types.get(ty).map_or(0, |ty| ty.jobs.len().saturating_sub(ty.placed))
	}

	fn add_placed(&mut self, ty: usize, n: u32, placed: bool) {
		if let Some(ty) = self.types.get_mut(ty) {
			let n = usize::try_from(n).unwrap_or(usize::MAX);
			ty.placed =
				if placed { ty.placed.saturating_add(n) } else { ty.placed.saturating_sub(n) };
		}
	}

	fn slots_left(&self, offer: usize) -> u32 {
		let slots = self.problem.offers.get(offer).map_or(0, |offer| offer.slots);
		slots.saturating_sub(self.taken.get(offer).copied().unwrap_or(u32::MAX))
	}

	fn stats(&self, pool: usize) -> PoolStats {
		self.pools.get(pool).map_or_else(PoolStats::default, |pool| pool.stats)
	}

	/// Sums up the jobs of `pool` again after they changed.
	fn restat(&mut self, pool: usize) {
		let mut stats = PoolStats { sum: Some(0), ..PoolStats::default() };
		for &(ty, count) in self.pools.get(pool).map_or(&[][..], |pool| &pool.jobs) {
			let units = self.units(ty);
			stats.count = stats.count.saturating_add(count);
			stats.sum = stats.sum.and_then(|sum| sum.checked_add(units.checked_mul(count.into())?));
			match units.cmp(&stats.largest) {
				Ordering::Greater => {
					stats.second = stats.largest;
					stats.largest = units;
					stats.at_largest = count;
				}
				Ordering::Equal => stats.at_largest = stats.at_largest.saturating_add(count),
				Ordering::Less => stats.second = stats.second.max(units),
			}
		}
		if let Some(pool) = self.pools.get_mut(pool) {
			pool.stats = stats;
		}
	}

	/// Whether `pool` stays valid after `n` jobs of `add` units come and `m` jobs of `remove`
	/// units (which it holds) leave.
	///
	/// It only gets harder as `add` grows, so a check with the largest units of a band holds
	/// for every job of the band.
	fn fits(
		&self,
		pool: usize,
		stats: &PoolStats,
		add: (Units, u32),
		remove: (Units, u32),
	) -> bool {
		let Some(pool) = self.pools.get(pool) else { return false };
		let ((add, n), (remove, m)) = (add, remove);
		if stats.count.saturating_add(n).saturating_sub(m) == 0 {
			return true;
		}
		let sum = stats
			.sum
			.and_then(|sum| sum.checked_add(add.checked_mul(n.into())?))
			.and_then(|sum| sum.checked_sub(remove.checked_mul(m.into())?));
		let Some(sum) = sum else { return false };
		let kept = if m > 0 && remove == stats.largest && m >= stats.at_largest {
			stats.second
		} else {
			stats.largest
		};
		let largest = if n > 0 { kept.max(add) } else { kept };
		rules::admits(sum, largest, pool.free, pool.quota)
	}

	/// How many more jobs of `units` the pool admits, at most `limit`.
	fn room(&self, pool: usize, units: Units, limit: u32) -> u32 {
		let stats = self.stats(pool);
		let (mut low, mut high) = (0u32, limit);
		while low < high {
			let mid = low.saturating_add(high.saturating_sub(low).div_ceil(2));
			if self.fits(pool, &stats, (units, mid), (0, 0)) {
				low = mid;
			} else {
				high = mid.saturating_sub(1);
			}
		}
		low
	}

	fn pool_is_valid(&self, pool: usize) -> bool {
		let offer = self.pools.get(pool).map_or(NONE, |pool| pool.offer);
		let slots = self.problem.offers.get(offer).map_or(0, |offer| offer.slots);
		let taken = self.taken.get(offer).copied().unwrap_or(u32::MAX);
		taken <= slots && self.fits(pool, &self.stats(pool), (0, 0), (0, 0))
	}

	fn pool_count(&self, pool: usize, ty: usize) -> u32 {
		let jobs = self.pools.get(pool).map_or(&[][..], |pool| &pool.jobs);
		jobs.iter().find(|(held, _)| *held == ty).map_or(0, |(_, count)| *count)
	}

	fn pool_add(&mut self, pool: usize, ty: usize, n: u32) {
		let Some(pool_ref) = self.pools.get_mut(pool) else { return };
		match pool_ref.jobs.iter_mut().find(|(held, _)| *held == ty) {
			Some((_, count)) => *count = count.saturating_add(n),
			None => pool_ref.jobs.push((ty, n)),
		}
		if let Some(taken) = self.taken.get_mut(pool_ref.offer) {
			*taken = taken.saturating_add(n);
		}
		self.restat(pool);
	}

	fn pool_remove(&mut self, pool: usize, ty: usize, n: u32) -> bool {
		let Some(pool_ref) = self.pools.get_mut(pool) else { return false };
		let jobs = &mut pool_ref.jobs;
		let Some(at) = jobs.iter().position(|(held, count)| *held == ty && *count >= n) else {
			return false;
		};
		if let Some((_, count)) = jobs.get_mut(at) {
			*count = count.saturating_sub(n);
			if *count == 0 {
				jobs.swap_remove(at);
			}
		}
		if let Some(taken) = self.taken.get_mut(pool_ref.offer) {
			*taken = taken.saturating_sub(n);
		}
		self.restat(pool);
		true
	}

	/// The assignment: each type's placed jobs (its oldest) spread over the pools holding it.
	fn assignment(&self) -> Vec<Option<u32>> {
		let mut assignment = vec![None; self.problem.jobs.len()];
		let mut next = vec![0usize; self.types.len()];
		for pool in &self.pools {
			let offer = u32::try_from(pool.offer).ok();
			for &(ty, count) in &pool.jobs {
				let (Some(job_type), Some(cursor)) = (self.types.get(ty), next.get_mut(ty)) else {
					continue;
				};
				for _ in 0..count {
					let job = job_type.jobs.get(*cursor);
					if let Some(slot) = job.and_then(|&job| assignment.get_mut(job)) {
						*slot = offer;
					}
					*cursor = cursor.saturating_add(1);
				}
			}
		}
		assignment
	}
}

/// Per class (dense, in `classes` order): the largest units of each size band, ascending.
/// A class with at most `MAX_BANDS` distinct job sizes has one band per size; otherwise the
/// sizes are split into `MAX_BANDS` runs of about as many sizes each.
fn size_bands(problem: &Problem, classes: &[ClassId]) -> Vec<Vec<Units>> {
	let mut sizes: Vec<(ClassId, Units)> =
		problem.jobs.iter().map(|job| (job.class, job.units)).collect();
	sizes.sort_unstable();
	sizes.dedup();
	classes
		.iter()
		.map(|&class| {
			let start = sizes.partition_point(|&(owner, _)| owner < class);
			let end = sizes.partition_point(|&(owner, _)| owner <= class);
			let units: Vec<Units> =
				sizes.get(start..end).unwrap_or(&[]).iter().map(|&(_, units)| units).collect();
			let per_band = units.len().div_ceil(MAX_BANDS).max(1);
			units.chunks(per_band).filter_map(|run| run.last().copied()).collect()
		})
		.collect()
}
