//! The first placement: a regret greedy over job types.

use alloc::{collections::BinaryHeap, vec};
use core::cmp::Reverse;

use super::{Router, NONE};

/// A type waiting in the greedy's queue: the largest regret first, then the oldest job.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
	regret: u64,
	oldest: Reverse<usize>,
	ty: Reverse<usize>,
	/// Positions in the kind's arcs of the cheapest and second cheapest pools that can take it.
	first: usize,
	second: usize,
}

impl Router<'_> {
	/// Places types one batch at a time, first the type that would lose most by waiting: the
	/// gap between its cheapest and second cheapest offers that can still take it. A batch is
	/// as many of its jobs as its cheapest offer takes.
	pub(super) fn place_greedily(&mut self) {
		let mut cursors = vec![(0usize, 0usize); self.types.len()];
		let mut queue = BinaryHeap::new();
		for ty in 0..self.types.len() {
			if let Some(entry) = self.entry(ty, &mut cursors) {
				queue.push(entry);
			}
		}
		while let Some(entry) = queue.pop() {
			let Some(now) = self.entry(entry.ty.0, &mut cursors) else { continue };
			if now != entry {
				// Its offers filled up since it was queued.
				queue.push(now);
				continue;
			}
			let ty = entry.ty.0;
			let kind = self.types.get(ty).and_then(|ty| self.kinds.get(ty.kind));
			let Some(pool) = kind.and_then(|kind| kind.arcs.get(entry.first)).map(|arc| arc.pool)
			else {
				continue;
			};
			let offer = self.pools.get(pool).map_or(NONE, |pool| pool.offer);
			let limit = u32::try_from(self.unplaced(ty)).unwrap_or(u32::MAX);
			let n = self.room(pool, self.units(ty), limit.min(self.slots_left(offer)));
			if n > 0 {
				self.pool_add(pool, ty, n);
				self.add_placed(ty, n, true);
			}
			if let Some(next) = self.entry(ty, &mut cursors) {
				queue.push(next);
			}
		}
	}

	/// The type's regret and its cheapest two pools that can take it; `None` when it is all
	/// placed or no pool can take it.
	fn entry(&self, ty: usize, cursors: &mut [(usize, usize)]) -> Option<Entry> {
		let job_type = self.types.get(ty)?;
		let oldest = *job_type.jobs.get(job_type.placed)?;
		let arcs = &self.kinds.get(job_type.kind)?.arcs;
		let cursor = cursors.get_mut(ty)?;
		let takes = |pool: usize| {
			let offer = self.pools.get(pool).map_or(NONE, |pool| pool.offer);
			self.slots_left(offer) > 0 && self.room(pool, job_type.units, 1) == 1
		};
		let next_taker = |mut at: usize| {
			while arcs.get(at).is_some_and(|arc| !takes(arc.pool)) {
				at = at.saturating_add(1);
			}
			at
		};
		// A pool that cannot take a type now never can later: the greedy only adds jobs, and
		// adding jobs never makes room.
		cursor.0 = next_taker(cursor.0);
		let first_cost = arcs.get(cursor.0)?.cost;
		cursor.1 = next_taker(cursor.1.max(cursor.0.saturating_add(1)));
		let regret = arcs.get(cursor.1).map_or(u64::MAX, |arc| arc.cost.saturating_sub(first_cost));
		Some(Entry {
			regret,
			oldest: Reverse(oldest),
			ty: Reverse(ty),
			first: cursor.0,
			second: cursor.1,
		})
	}
}
