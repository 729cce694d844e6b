//! The exact optimum of a problem whose jobs of a class all have the same units, by min-cost
//! flow: the reference [`route`](crate::route) is measured against in the tests and the
//! benchmark. Too slow for a block; std only.
//!
//! With `u` units per job of a class, the quota rule lets an offer take `ceil(quota / u)` jobs
//! of the class and the free rule `floor(free / u)`, so the problem is a transportation
//! problem: source → job (one unit of flow, a reward for placing it) → the (offer, class) pool
//! of an eligible offer (the cost) → the offer (the pool's job limit) → sink (the slots).
//! Successive shortest paths (Bellman-Ford with a queue) find the flow of least cost.

use alloc::{
	collections::{BTreeMap, VecDeque},
	vec,
	vec::Vec,
};

use crate::{
	cost,
	rules::{free_units, index, ClassTotals},
	Problem, Units, MAX_COST,
};

/// An optimal assignment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Optimum {
	pub assignment: Vec<Option<u32>>,
	pub placed: usize,
	pub cost: u64,
}

/// The assignment that places the most jobs, then (with `oldest_first`) the oldest ones, then
/// costs least; `None` when two jobs of a class have different units.
///
/// Placing job `j` of `n` earns `(n − j) × M` with `oldest_first` (`M` without), where `M`
/// exceeds any total cost. The sets of jobs that can be placed together form a matroid, so
/// these rewards pick the most jobs and, among those, the set chosen oldest first.
pub fn solve(problem: &Problem, oldest_first: bool) -> Option<Optimum> {
	let jobs = &problem.jobs;
	let mut units_of = BTreeMap::new();
	for job in jobs {
		if *units_of.entry(job.class).or_insert(job.units) != job.units {
			return None;
		}
	}
	let totals = ClassTotals::new(problem);
	let count = jobs.len();
	let reward_step = i64::try_from(count).ok()?.checked_mul(i64::try_from(MAX_COST).ok()?)?;
	let reward_step = reward_step.checked_add(1)?;

	let mut net = Network::default();
	let (source, sink) = (net.node(), net.node());
	let job_nodes: Vec<usize> = jobs.iter().map(|_| net.node()).collect();
	let offer_nodes: Vec<usize> = problem.offers.iter().map(|_| net.node()).collect();
	for (offer, &node) in problem.offers.iter().zip(&offer_nodes) {
		net.edge(node, sink, i64::from(offer.slots), 0);
	}
	// (offer, class) → its pool node.
	let mut pools = BTreeMap::new();
	for (&class, &units) in &units_of {
		for (offer_index, (offer, &offer_node)) in
			problem.offers.iter().zip(&offer_nodes).enumerate()
		{
			let free = free_units(offer, class);
			let quota = totals.quota(class, free);
			let limit = match (free.checked_div(units), quota.div_ceil(units.max(1))) {
				(Some(by_free), by_quota) => by_free.min(by_quota),
				(None, _) if quota > 0 => Units::MAX,
				(None, _) => 0,
			};
			let limit = i64::try_from(limit).unwrap_or(i64::MAX).min(i64::from(offer.slots));
			if limit > 0 {
				let node = net.node();
				net.edge(node, offer_node, limit, 0);
				pools.insert((offer_index, class), node);
			}
		}
	}
	let mut job_edges = vec![Vec::new(); count];
	for (job_index, (job, &job_node)) in jobs.iter().zip(&job_nodes).enumerate() {
		let rank = i64::try_from(count.saturating_sub(job_index)).ok()?;
		let reward = if oldest_first { rank.checked_mul(reward_step)? } else { reward_step };
		net.edge(source, job_node, 1, reward.checked_neg()?);
		let Some(group) = index(job.group).and_then(|group| problem.groups.get(group)) else {
			continue;
		};
		let mut eligible: Vec<usize> = group.iter().filter_map(|&offer| index(offer)).collect();
		eligible.sort_unstable();
		eligible.dedup();
		for offer_index in eligible {
			let (Some(offer), Some(&pool)) =
				(problem.offers.get(offer_index), pools.get(&(offer_index, job.class)))
			else {
				continue;
			};
			let cost = i64::try_from(cost(job, offer)).ok()?;
			let edge = net.edge(job_node, pool, 1, cost);
			if let Some(edges) = job_edges.get_mut(job_index) {
				edges.push((edge, offer_index));
			}
		}
	}
	net.min_cost_flow(source, sink)?;

	let mut assignment = vec![None; count];
	for (slot, edges) in assignment.iter_mut().zip(&job_edges) {
		let used = edges.iter().find(|(edge, _)| net.cap.get(*edge) == Some(&0));
		*slot = used.and_then(|(_, offer)| u32::try_from(*offer).ok());
	}
	let placed = assignment.iter().filter(|slot| slot.is_some()).count();
	let cost = crate::total_cost(problem, &assignment);
	Some(Optimum { assignment, placed, cost })
}

/// A flow network; edge `e` and `e ^ 1` are each other's reverse.
#[derive(Default)]
struct Network {
	out: Vec<Vec<usize>>,
	to: Vec<usize>,
	cap: Vec<i64>,
	cost: Vec<i64>,
}

impl Network {
	fn node(&mut self) -> usize {
		self.out.push(Vec::new());
		self.out.len().saturating_sub(1)
	}

	fn edge(&mut self, from: usize, to: usize, cap: i64, cost: i64) -> usize {
		let edge = self.to.len();
		for (tail, head, cap, cost) in [(from, to, cap, cost), (to, from, 0, cost.saturating_neg())]
		{
			if let Some(out) = self.out.get_mut(tail) {
				out.push(self.to.len());
			}
			self.to.push(head);
			self.cap.push(cap);
			self.cost.push(cost);
		}
		edge
	}

	/// Pushes flow along shortest paths while they have negative cost; `None` if a search
	/// does not settle (a negative cycle, which successive shortest paths never create).
	fn min_cost_flow(&mut self, source: usize, sink: usize) -> Option<()> {
		let nodes = self.out.len();
		loop {
			let mut dist = vec![i64::MAX; nodes];
			let mut via = vec![usize::MAX; nodes];
			let mut queued = vec![false; nodes];
			let mut queue = VecDeque::from([source]);
			*dist.get_mut(source)? = 0;
			let mut budget = nodes.saturating_mul(self.to.len()).saturating_add(1);
			while let Some(node) = queue.pop_front() {
				*queued.get_mut(node)? = false;
				let here = *dist.get(node)?;
				for &edge in self.out.get(node)? {
					budget = budget.checked_sub(1)?;
					let (Some(&head), Some(&cap), Some(&cost)) =
						(self.to.get(edge), self.cap.get(edge), self.cost.get(edge))
					else {
						continue;
					};
					let candidate = here.saturating_add(cost);
					if cap > 0 && candidate < *dist.get(head)? {
						*dist.get_mut(head)? = candidate;
						*via.get_mut(head)? = edge;
						if !*queued.get(head)? {
							*queued.get_mut(head)? = true;
							queue.push_back(head);
						}
					}
				}
			}
			if *dist.get(sink)? >= 0 {
				return Some(());
			}
			// Every path starts with a source edge of capacity 1: push one unit.
			let mut node = sink;
			while node != source {
				let edge = *via.get(node)?;
				*self.cap.get_mut(edge)? = self.cap.get(edge)?.checked_sub(1)?;
				*self.cap.get_mut(edge ^ 1)? = self.cap.get(edge ^ 1)?.checked_add(1)?;
				node = *self.to.get(edge ^ 1)?;
			}
		}
	}
}
