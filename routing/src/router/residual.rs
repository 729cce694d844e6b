//! Paths and negative cycles in the residual graph of the current placement.
//!
//! Placing more jobs and exchanging young ones for old ones only needs paths, found breadth
//! first; the cost needs negative cycles, found by a label-correcting search. The nodes:
//!
//! - `Family(f)`: a job of family `f` (a kind and a size band) that needs a pool. Its label is
//!   the job's type.
//! - `In(q, b)`: a job of size band `b` enters pool `q`. Another job may leave `q` in exchange
//!   (to its `Family`), or `q` keeps both and its offer needs a slot (`Enter`). Both are checked
//!   with the band's largest units, so they hold for any job of the band.
//! - `Enter(p)`: offer `p` gained a job. A free slot ends the path (`Sink`), or a job of one of
//!   `p`'s pools leaves (`Out`).
//! - `Out(q)`: a job leaves pool `q` and becomes a `Family` that needs a pool.
//! - `Sink` then `Leave(p)`: a slot of `p` is given up, closing a cycle through the sink.
//!
//! Costs are those of the jobs' kinds on the pools' offers, negated when a job leaves. When
//! every job of a class has the same units, a pool holds a number of jobs and this is exactly
//! the residual graph of the transportation network, so what the searches find is exact. With several sizes in a class it is a model in job counts whose arcs are
//! checked with real units (the band's largest when a class has more than `MAX_BANDS` sizes).
//! Either way a change found moves jobs of given types, and the pools and offers it touches are
//! checked again before it is kept (one change may pass a pool twice).

use alloc::{vec, vec::Vec};

use super::{
	search::{set, Search},
	Eligible, Router, NONE,
};

/// A node of the residual graph.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Node {
	Family(usize),
	In(usize, usize),
	Out(usize),
	Enter(usize),
	Leave(usize),
	Sink,
}

/// Jobs of one type moving from a pool (or from unplaced) to a pool (or to unplaced).
#[derive(Clone, Copy)]
struct Move {
	ty: usize,
	from: Option<usize>,
	to: Option<usize>,
}

/// What became of a change a search found.
#[derive(PartialEq, Eq)]
enum Change {
	Applied,
	/// Refused by the pools; its first arc into a pool is left out of later searches.
	Banned,
	/// Refused, and nothing left to leave out.
	Stuck,
}

enum Outcome {
	/// The search settled: no negative cycle is left.
	Settled,
	/// The search closed a negative cycle, in path order.
	Cycle(Vec<usize>),
	/// The work limit is reached.
	OutOfWork,
}

/// The consecutive pairs of `nodes`, and the last to the first when `cyclic`.
fn steps(nodes: &[usize], cyclic: bool) -> impl Iterator<Item = (usize, usize)> + '_ {
	let wrap = if cyclic { nodes.first() } else { None };
	nodes.iter().copied().zip(nodes.iter().skip(1).chain(wrap).copied())
}

impl Router<'_> {
	// Nodes.

	pub(super) fn nodes(&self) -> usize {
		self.sink().saturating_add(1)
	}

	fn sink(&self) -> usize {
		let offers = self.problem.offers.len();
		self.families
			.len()
			.saturating_add(self.in_nodes.len())
			.saturating_add(self.pools.len())
			.saturating_add(offers.saturating_mul(2))
	}

	fn node_id(&self, node: Node) -> usize {
		let ins = self.families.len();
		let outs = ins.saturating_add(self.in_nodes.len());
		let enters = outs.saturating_add(self.pools.len());
		let leaves = enters.saturating_add(self.problem.offers.len());
		match node {
			Node::Family(family) => family,
			Node::In(pool, band) => {
				let first = self.pools.get(pool).map_or(NONE, |pool| pool.first_in);
				ins.saturating_add(first).saturating_add(band)
			}
			Node::Out(pool) => outs.saturating_add(pool),
			Node::Enter(offer) => enters.saturating_add(offer),
			Node::Leave(offer) => leaves.saturating_add(offer),
			Node::Sink => self.sink(),
		}
	}

	fn node(&self, id: usize) -> Option<Node> {
		let mut rest = id;
		if rest < self.families.len() {
			return Some(Node::Family(rest));
		}
		rest = rest.saturating_sub(self.families.len());
		if let Some(&(pool, band)) = self.in_nodes.get(rest) {
			return Some(Node::In(pool, band));
		}
		rest = rest.saturating_sub(self.in_nodes.len());
		if rest < self.pools.len() {
			return Some(Node::Out(rest));
		}
		rest = rest.saturating_sub(self.pools.len());
		let offers = self.problem.offers.len();
		if rest < offers {
			return Some(Node::Enter(rest));
		}
		rest = rest.saturating_sub(offers);
		if rest < offers {
			return Some(Node::Leave(rest));
		}
		(rest == offers).then_some(Node::Sink)
	}

	fn family_of(&self, ty: usize) -> usize {
		self.types.get(ty).map_or(NONE, |ty| ty.family)
	}

	/// The pools a family may enter, with their costs, cheapest first.
	fn family_arcs(&self, family: usize) -> &[Eligible] {
		let Some(family) = self.families.get(family) else { return &[] };
		if let Some(arcs) = &family.arcs {
			return arcs;
		}
		self.kinds.get(family.kind).map_or(&[], |kind| &kind.arcs)
	}

	/// The residual arcs out of node `id` with label `label`: (node, cost, label).
	fn arcs(
		&self,
		id: usize,
		label: usize,
		through_sink: bool,
		out: &mut Vec<(usize, i64, usize)>,
	) {
		out.clear();
		let signed = |cost: u64| i64::try_from(cost).unwrap_or(i64::MAX);
		let leaving = |pool: usize, held: usize| {
			let cost = signed(self.type_cost(held, pool)).saturating_neg();
			(self.node_id(Node::Family(self.family_of(held))), cost, held)
		};
		let held = |pool: usize| self.pools.get(pool).map_or(&[][..], |pool| &pool.jobs);
		match self.node(id) {
			Some(Node::Family(family)) => {
				let band = self.families.get(family).map_or(NONE, |family| family.band);
				let first = self.families.len().saturating_add(band);
				for arc in self.family_arcs(family) {
					out.push((first.saturating_add(arc.first_in), signed(arc.cost), label));
				}
			}
			Some(Node::In(pool, band)) => {
				let units = self.band_units(pool, band);
				let stats = self.stats(pool);
				for &(ty, _) in held(pool) {
					if self.fits(pool, &stats, (units, 1), (self.units(ty), 1)) {
						out.push(leaving(pool, ty));
					}
				}
				if self.fits(pool, &stats, (units, 1), (0, 0)) {
					let offer = self.pools.get(pool).map_or(NONE, |pool| pool.offer);
					out.push((self.node_id(Node::Enter(offer)), 0, NONE));
				}
			}
			Some(Node::Out(pool)) => {
				for &(ty, _) in held(pool) {
					out.push(leaving(pool, ty));
				}
			}
			Some(node @ (Node::Enter(offer) | Node::Leave(offer))) => {
				if node == Node::Enter(offer) && self.slots_left(offer) > 0 {
					out.push((self.sink(), 0, NONE));
				}
				for &(_, pool) in self.offer_pools.get(offer).map_or(&[][..], |own| own) {
					if !held(pool).is_empty() {
						out.push((self.node_id(Node::Out(pool)), 0, NONE));
					}
				}
			}
			Some(Node::Sink) if through_sink => {
				for (offer, taken) in self.taken.iter().enumerate() {
					if *taken > 0 {
						out.push((self.node_id(Node::Leave(offer)), 0, NONE));
					}
				}
			}
			Some(Node::Sink) | None => {}
		}
	}

	/// Whether the arc `from` → `to` is in the residual graph now.
	fn arc_holds(&self, from: usize, to: usize, search: &Search) -> bool {
		let held = search.label(to);
		match (self.node(from), self.node(to)) {
			// A family's arcs only go when banned.
			(Some(Node::Family(family)), Some(Node::In(pool, band))) => {
				self.families.get(family).is_some_and(|family| family.band == band)
					&& self.banned.binary_search(&(family, pool)).is_err()
			}
			(Some(Node::In(pool, band)), Some(Node::Family(family))) => {
				self.family_of(held) == family
					&& self.pool_count(pool, held) > 0
					&& self.fits(
						pool,
						&self.stats(pool),
						(self.band_units(pool, band), 1),
						(self.units(held), 1),
					)
			}
			(Some(Node::In(pool, band)), Some(Node::Enter(offer))) => {
				self.pools.get(pool).is_some_and(|pool| pool.offer == offer)
					&& self.room(pool, self.band_units(pool, band), 1) == 1
			}
			(Some(Node::Out(pool)), Some(Node::Family(family))) => {
				self.family_of(held) == family && self.pool_count(pool, held) > 0
			}
			(Some(Node::Enter(offer)), Some(Node::Sink)) => self.slots_left(offer) > 0,
			(Some(Node::Enter(offer) | Node::Leave(offer)), Some(Node::Out(pool))) => self
				.pools
				.get(pool)
				.is_some_and(|pool| pool.offer == offer && !pool.jobs.is_empty()),
			(Some(Node::Sink), Some(Node::Leave(offer))) => {
				self.taken.get(offer).is_some_and(|taken| *taken > 0)
			}
			_ => false,
		}
	}

	// Searching.

	/// Starts a search for negative cycles from every family with a placed job.
	fn begin(&mut self, search: &mut Search) {
		search.reset();
		self.work = self.work.saturating_sub(search.dist.len() as u64);
		for (family, family_ref) in self.families.iter().enumerate() {
			let placed = family_ref
				.types
				.iter()
				.find(|&&ty| self.types.get(ty).is_some_and(|ty| ty.placed > 0));
			if let Some(&ty) = placed {
				search.start(self.node_id(Node::Family(family)), ty);
			}
		}
	}

	/// Runs the search for negative cycles on from its queue (label-correcting, first in first
	/// out) until it settles, closes a cycle or runs out of work.
	fn run(&mut self, search: &mut Search) -> Outcome {
		let mut arcs = core::mem::take(&mut search.arcs);
		let outcome = 'search: loop {
			let Some(node) = search.queue.pop_front() else {
				// Nodes left out of the tree after a repair go on from where they are.
				if !self.readmit(search) {
					break Outcome::Settled;
				}
				continue;
			};
			set(&mut search.queued, node, false);
			if !search.in_tree(node) {
				continue;
			}
			self.arcs(node, search.label(node), true, &mut arcs);
			let examined = (arcs.len() as u64).saturating_add(core::mem::take(&mut search.walked));
			if self.work < examined {
				break Outcome::OutOfWork;
			}
			self.work = self.work.saturating_sub(examined);
			let dist = search.dist(node);
			for &(next, cost, label) in &arcs {
				let candidate = dist.saturating_add(cost);
				if candidate >= search.dist(next) {
					continue;
				}
				if let Some(cycle) = search.improve(next, node, candidate, label) {
					// The node is expanded again once the cycle is dealt with.
					search.enqueue(node);
					break 'search Outcome::Cycle(cycle);
				}
			}
		};
		search.arcs = arcs;
		outcome
	}

	/// Puts nodes with a distance but out of the tree (their subtree was cut by a repair and
	/// never reached again) back under the virtual root; whether there was any.
	fn readmit(&self, search: &mut Search) -> bool {
		let mut any = false;
		for node in 0..search.root() {
			if search.dist(node) != i64::MAX && !search.in_tree(node) {
				search.attach(search.root(), node);
				search.enqueue(node);
				any = true;
			}
		}
		any
	}

	/// After a cycle is cancelled (or refused), fits the search state to the new residual graph
	/// so the search can go on: nodes whose arc from their parent is gone move, with their
	/// subtrees, under the virtual root (keeping their distances, so distances only fall), and
	/// every node whose arcs may have changed is queued again.
	fn repair(&self, search: &mut Search, cycle: &[usize], touched: &[usize]) {
		let mut changed = core::mem::take(&mut search.mark);
		changed.fill(0);
		let mut flag = |node: usize| set(&mut changed, node, 1);
		for &pool in touched {
			let Some(pool_ref) = self.pools.get(pool) else { continue };
			let bands = self.bands.get(pool_ref.class).map_or(0, Vec::len);
			for band in 0..bands {
				flag(self.node_id(Node::In(pool, band)));
			}
			flag(self.node_id(Node::Out(pool)));
			flag(self.node_id(Node::Enter(pool_ref.offer)));
			flag(self.node_id(Node::Leave(pool_ref.offer)));
		}
		flag(self.sink());
		for &node in cycle {
			flag(node);
		}
		for node in 0..search.root() {
			let parent = search.parent(node);
			if changed.get(parent) == Some(&1) && !self.arc_holds(parent, node, search) {
				search.detach(node);
			}
			if changed.get(node) == Some(&1) {
				search.enqueue(node);
			}
		}
		changed.fill(0);
		search.mark = changed;
	}

	// Changing the placement.

	/// The moves along `nodes`: a path from an unplaced job to the sink or to a job it leaves
	/// unplaced, or (`cyclic`) a cycle. `None` when `nodes` is not such a walk.
	fn moves(&self, nodes: &[usize], search: &Search, cyclic: bool) -> Option<Vec<Move>> {
		let last = nodes.len().checked_sub(1)?;
		let mut moves = Vec::new();
		for (at, &id) in nodes.iter().enumerate() {
			let Some(Node::Family(_)) = self.node(id) else { continue };
			let before = match at.checked_sub(1) {
				Some(before) => nodes.get(before),
				None if cyclic => nodes.get(last),
				None => None,
			};
			let after = match at {
				at if at < last => nodes.get(at.saturating_add(1)),
				_ if cyclic => nodes.first(),
				_ => None,
			};
			let from = match before.map(|&id| self.node(id)) {
				None => None,
				Some(Some(Node::In(pool, _) | Node::Out(pool))) => Some(pool),
				Some(_) => return None,
			};
			let to = match after.map(|&id| self.node(id)) {
				None => None,
				Some(Some(Node::In(pool, _))) => Some(pool),
				Some(_) => return None,
			};
			let ty = search.label(id);
			if ty == NONE || (cyclic && (from.is_none() || to.is_none())) {
				return None;
			}
			moves.push(Move { ty, from, to });
		}
		Some(moves)
	}

	/// The most jobs that can go along `nodes` at once, at most `limit`.
	fn bottleneck(
		&self,
		nodes: &[usize],
		search: &Search,
		moves: &[Move],
		cyclic: bool,
		limit: u32,
	) -> u32 {
		let mut n = limit;
		for step in moves {
			if let Some(pool) = step.from {
				n = n.min(self.pool_count(pool, step.ty));
			}
		}
		let mut entering = NONE;
		if cyclic {
			// The family whose job enters the first pool of the cycle comes last.
			let last = nodes.iter().rev().find_map(|&id| match self.node(id) {
				Some(Node::Family(_)) => Some(search.label(id)),
				_ => None,
			});
			entering = last.unwrap_or(NONE);
		}
		for (from, to) in steps(nodes, cyclic) {
			match (self.node(from), self.node(to)) {
				(Some(Node::Family(_)), _) => entering = search.label(from),
				(Some(Node::In(pool, _)), Some(Node::Enter(_))) => {
					n = n.min(self.room(pool, self.units(entering), n))
				}
				(Some(Node::Enter(offer)), Some(Node::Sink)) => n = n.min(self.slots_left(offer)),
				_ => {}
			}
		}
		n
	}

	/// Applies `moves` for `n` jobs each and keeps them if every pool and offer they touch stays
	/// valid (and, with `gain`, the cost falls). Otherwise undoes them and names the pool that
	/// broke, if one did.
	fn apply(&mut self, moves: &[Move], n: u32, gain: bool) -> Result<(), Option<usize>> {
		let mut done = 0usize;
		let mut result = Ok(());
		for step in moves {
			if !self.shift(step, n) {
				result = Err(step.from);
				break;
			}
			done = done.saturating_add(1);
		}
		if result.is_ok() {
			let pools = moves.iter().flat_map(|step| [step.from, step.to]).flatten();
			if let Some(pool) = pools.into_iter().find(|&pool| !self.pool_is_valid(pool)) {
				result = Err(Some(pool));
			}
		}
		if result.is_ok() && gain {
			let delta = moves.iter().fold(0i128, |delta, step| {
				let cost = |pool: Option<usize>| {
					pool.map_or(0, |pool| i128::from(self.type_cost(step.ty, pool)))
				};
				delta.saturating_add(cost(step.to).saturating_sub(cost(step.from)))
			});
			if delta >= 0 {
				result = Err(None);
			}
		}
		if result.is_err() {
			for step in moves.iter().take(done).rev() {
				self.shift(&Move { ty: step.ty, from: step.to, to: step.from }, n);
			}
		}
		result
	}

	fn shift(&mut self, step: &Move, n: u32) -> bool {
		match step.from {
			Some(pool) => {
				if !self.pool_remove(pool, step.ty, n) {
					return false;
				}
			}
			None => self.add_placed(step.ty, n, true),
		}
		match step.to {
			Some(pool) => self.pool_add(pool, step.ty, n),
			None => self.add_placed(step.ty, n, false),
		}
		true
	}

	/// Applies the change along `nodes` for as many jobs as fit, else for one. When the pools
	/// refuse it, the arc into the pool that broke (or its first arc into a pool) is left out
	/// of later searches.
	fn change(&mut self, nodes: &[usize], search: &Search, cyclic: bool, limit: u32) -> Change {
		let mut broken = None;
		if let Some(moves) = self.moves(nodes, search, cyclic) {
			let n = self.bottleneck(nodes, search, &moves, cyclic, limit).max(1);
			match self.apply(&moves, n, cyclic) {
				Ok(()) => return Change::Applied,
				Err(pool) => broken = pool,
			}
			if n > 1 {
				match self.apply(&moves, 1, cyclic) {
					Ok(()) => return Change::Applied,
					Err(pool) => broken = pool.or(broken),
				}
			}
		}
		let entries: Vec<(usize, usize)> = steps(nodes, cyclic)
			.filter_map(|(from, to)| match (self.node(from), self.node(to)) {
				(Some(Node::Family(family)), Some(Node::In(pool, _))) => Some((family, pool)),
				_ => None,
			})
			.collect();
		let entry = entries.iter().find(|entry| Some(entry.1) == broken).or(entries.first());
		match entry {
			Some(&(family, pool)) if self.ban(family, pool) => Change::Banned,
			_ => Change::Stuck,
		}
	}

	/// Leaves the arc from `family` into `pool` out of later searches; false if it already was.
	fn ban(&mut self, family: usize, pool: usize) -> bool {
		let Err(at) = self.banned.binary_search(&(family, pool)) else { return false };
		self.banned.insert(at, (family, pool));
		let arcs = self.family_arcs(family).to_vec();
		if let Some(family) = self.families.get_mut(family) {
			family.arcs = Some(arcs.into_iter().filter(|arc| arc.pool != pool).collect());
		}
		true
	}

	// The improvement.

	/// Places as many more jobs as fit, in phases (after Dinic): a breadth-first search from
	/// every family with an unplaced job gives each node its level, then jobs, oldest first,
	/// go along paths whose every arc climbs one level to the nearest free slots, moving placed
	/// jobs along the way. Costs are ignored here: the cycles cancelled afterwards restore them.
	/// It ends when no free slot can be reached.
	pub(super) fn place_more(&mut self, search: &mut Search) {
		loop {
			let Some(sink_level) = self.levels(search) else { return };
			if sink_level == i64::MAX {
				return;
			}
			let mut placed_any = false;
			for job in 0..self.problem.jobs.len() {
				let Some(&(ty, rank)) = self.job_types.get(job) else { continue };
				while let Some(job_type) = self.types.get(ty) {
					if rank < job_type.placed {
						break;
					}
					let source = self.node_id(Node::Family(job_type.family));
					let Some(path) = self.climb(search, source, ty, sink_level) else { break };
					let limit = u32::try_from(self.unplaced(ty)).unwrap_or(u32::MAX);
					match self.change(&path, search, false, limit) {
						Change::Applied => placed_any = true,
						Change::Banned => {}
						Change::Stuck => break,
					}
				}
				if self.work == 0 {
					return;
				}
			}
			if !placed_any {
				return;
			}
		}
	}

	/// Levels every node reached by a breadth-first search from the families with an unplaced
	/// job (in `search.dist`, clearing the blocked marks); the sink's level (`i64::MAX` when
	/// unreached), or `None` when the work runs out.
	fn levels(&mut self, search: &mut Search) -> Option<i64> {
		search.reset();
		search.mark.fill(0);
		self.work = self.work.saturating_sub(search.dist.len() as u64);
		search.seen.clear();
		for (family, family_ref) in self.families.iter().enumerate() {
			if let Some(&ty) = family_ref.types.iter().find(|&&ty| self.unplaced(ty) > 0) {
				let node = self.node_id(Node::Family(family));
				set(&mut search.dist, node, 0);
				set(&mut search.label, node, ty);
				search.seen.push(node);
			}
		}
		let sink = self.sink();
		let mut arcs = core::mem::take(&mut search.arcs);
		let mut at = 0;
		while let Some(&node) = search.seen.get(at) {
			at = at.saturating_add(1);
			let level = search.dist(node);
			if level >= search.dist(sink) {
				break;
			}
			self.arcs(node, search.label(node), false, &mut arcs);
			let examined = arcs.len() as u64;
			if self.work < examined {
				search.arcs = arcs;
				return None;
			}
			self.work = self.work.saturating_sub(examined);
			for &(next, _, label) in &arcs {
				if search.dist(next) == i64::MAX {
					set(&mut search.dist, next, level.saturating_add(1));
					set(&mut search.label, next, label);
					search.seen.push(next);
				}
			}
		}
		search.arcs = arcs;
		Some(search.dist(sink))
	}

	/// A path from `source`, carrying type `ty`, to the sink along arcs that climb one level at
	/// a time (depth first); nodes it finds no way on from are blocked for the phase.
	fn climb(
		&mut self,
		search: &mut Search,
		source: usize,
		ty: usize,
		sink_level: i64,
	) -> Option<Vec<usize>> {
		let sink = self.sink();
		if search.dist(source) != 0 || search.mark.get(source) != Some(&0) {
			return None;
		}
		set(&mut search.label, source, ty);
		// (node, its arcs, the next arc to try)
		let mut frames: Vec<(usize, Vec<(usize, i64, usize)>, usize)> = Vec::new();
		let mut arcs = Vec::new();
		self.arcs(source, ty, false, &mut arcs);
		frames.push((source, arcs, 0));
		while let Some((node, arcs, next)) = frames.last_mut() {
			let (node, level) = (*node, search.dist(*node));
			let Some(&(to, _, label)) = arcs.get(*next) else {
				set(&mut search.mark, node, 1);
				frames.pop();
				continue;
			};
			*next = next.saturating_add(1);
			let climbs = search.dist(to) == level.saturating_add(1)
				&& search.mark.get(to) == Some(&0)
				&& (to == sink || search.dist(to) < sink_level);
			if !climbs {
				continue;
			}
			set(&mut search.label, to, label);
			if to == sink {
				let mut path: Vec<usize> = frames.iter().map(|frame| frame.0).collect();
				path.push(sink);
				return Some(path);
			}
			let mut arcs = Vec::new();
			self.arcs(to, label, false, &mut arcs);
			let examined = arcs.len() as u64;
			if self.work < examined {
				self.work = 0;
				return None;
			}
			self.work = self.work.saturating_sub(examined);
			frames.push((to, arcs, 0));
		}
		None
	}

	/// When not all jobs fit: places each unplaced job, oldest first, in exchange for a younger
	/// placed job it can displace. Once no unplaced job can displace a younger one, the placed
	/// jobs are the ones a pass oldest first would keep, when every job of a class has the same
	/// units. The nodes a failed search reached lead to no job younger than its own, hence to
	/// none younger than the later ones' either, and exchanges elsewhere do not change that:
	/// later searches leave them out. It leaves at least half of the remaining work to the cost.
	pub(super) fn place_oldest(&mut self, search: &mut Search) {
		let mut done = vec![false; self.types.len()];
		let mut failed = vec![false; search.dist.len()];
		let reserve = self.work / 2;
		self.work = self.work.saturating_sub(reserve);
		search.mark.fill(0);
		search.seen.clear();
		for job in 0..self.problem.jobs.len() {
			let Some(&(ty, rank)) = self.job_types.get(job) else { continue };
			while let Some(job_type) = self.types.get(ty) {
				if rank < job_type.placed || done.get(ty) != Some(&false) || self.work == 0 {
					break;
				}
				let source = self.node_id(Node::Family(job_type.family));
				let unplaced = u32::try_from(self.unplaced(ty)).unwrap_or(u32::MAX);
				let Some(end) = self.displaceable(search, source, ty, job, &failed) else {
					if self.work == 0 {
						break;
					}
					// Its type-mates are younger still: none of them can displace anyone either.
					set(&mut done, ty, true);
					for &node in &search.seen {
						set(&mut failed, node, true);
					}
					break;
				};
				// A free slot only shows up here with mixed units (placing more is a heuristic).
				let limit = if end == self.sink() { unplaced } else { 1 };
				let Some(path) = search.walk_to(source, end) else { break };
				if self.change(&path, search, false, limit) == Change::Stuck {
					set(&mut done, ty, true);
				}
			}
		}
		self.work = self.work.saturating_add(reserve);
	}

	/// Breadth-first search from `source`, carrying type `ty` of `job`, for the first family
	/// carrying a type whose youngest placed job is younger than `job`, or the sink, leaving out
	/// the `failed` nodes.
	fn displaceable(
		&mut self,
		search: &mut Search,
		source: usize,
		ty: usize,
		job: usize,
		failed: &[bool],
	) -> Option<usize> {
		search.clear_seen();
		search.see(source, NONE, ty);
		let sink = self.sink();
		let younger = |router: &Self, label: usize| {
			let Some(ty) = router.types.get(label) else { return false };
			ty.placed
				.checked_sub(1)
				.and_then(|at| ty.jobs.get(at))
				.is_some_and(|&young| young > job)
		};
		let mut arcs = core::mem::take(&mut search.arcs);
		let mut at = 0;
		let mut found = None;
		while let Some(&node) = search.seen.get(at) {
			at = at.saturating_add(1);
			self.arcs(node, search.label(node), false, &mut arcs);
			let examined = arcs.len() as u64;
			if self.work < examined {
				self.work = 0;
				break;
			}
			self.work = self.work.saturating_sub(examined);
			found = arcs.iter().find_map(|&(next, _, label)| {
				if failed.get(next) != Some(&false) {
					return None;
				}
				let family = matches!(self.node(next), Some(Node::Family(_)));
				let end = next == sink || (family && next != source && younger(self, label));
				(search.see(next, node, label) && end).then_some(next)
			});
			if found.is_some() {
				break;
			}
		}
		search.arcs = arcs;
		found
	}

	/// Cancels negative cycles of the residual graph until none is left or the work runs out.
	pub(super) fn cancel_negative_cycles(&mut self, search: &mut Search) {
		self.begin(search);
		loop {
			match self.run(search) {
				Outcome::Cycle(cycle) => {
					if self.cancel(&cycle, search) == Change::Stuck {
						return;
					}
				}
				Outcome::Settled | Outcome::OutOfWork => return,
			}
		}
	}

	/// Cancels `cycle` if the pools allow it (else leaves an arc of it out of later searches),
	/// then repairs the search state.
	fn cancel(&mut self, cycle: &[usize], search: &mut Search) -> Change {
		let moves = self.moves(cycle, search, true).unwrap_or_default();
		let change = self.change(cycle, search, true, u32::MAX);
		let touched: Vec<usize> = match change {
			Change::Applied => {
				moves.iter().flat_map(|step| [step.from, step.to]).flatten().collect()
			}
			Change::Banned | Change::Stuck => Vec::new(),
		};
		self.repair(search, cycle, &touched);
		change
	}
}
