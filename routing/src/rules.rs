//! The rules an assignment must respect: eligibility, slots, free units and the delivery
//! allocation quota.

use alloc::{collections::BTreeMap, vec, vec::Vec};

use crate::{cost, ClassId, Offer, Problem, Units};

/// The first rule an assignment breaks, as reported by [`check`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Violation {
	/// The assignment does not have one entry per job.
	LengthMismatch,
	/// The job is placed but its group index is not a group of the problem.
	UnknownGroup { job: u32 },
	/// The job is placed on an offer index that is not an offer of the problem.
	UnknownOffer { job: u32 },
	/// The job is placed on an offer its group does not list.
	NotEligible { job: u32 },
	/// The offer is given more jobs than it has slots.
	NoSlots { offer: u32 },
	/// The units of the class placed on the offer exceed the units it owes in that class.
	OverFree { offer: u32, class: ClassId },
	/// The offer is given a job of the class after its placed units reached its quota.
	OverQuota { offer: u32, class: ClassId },
}

/// The quota of `offer` in `class` for this problem (see Delivery allocation).
///
/// `min(free, ceil(D × free / F))`, where `D` is the units of the problem's jobs of the class
/// and `F` the units all offers owe in it; 0 when `F` is 0 or `offer` is not an offer.
pub fn quota(problem: &Problem, offer: u32, class: ClassId) -> Units {
	let Some(offer) = index(offer).and_then(|offer| problem.offers.get(offer)) else {
		return 0;
	};
	let mut totals = ClassTotals::default();
	totals.demand.insert(class, 0);
	totals.add(problem);
	totals.quota(class, free_units(offer, class))
}

/// Σ cost over assigned jobs (entries naming no offer of the problem count nothing).
pub fn total_cost(problem: &Problem, assignment: &[Option<u32>]) -> u64 {
	problem.jobs.iter().zip(assignment).fold(0, |total, (job, placed)| {
		match placed.and_then(index).and_then(|offer| problem.offers.get(offer)) {
			Some(offer) => total.saturating_add(cost::cost(job, offer)),
			None => total,
		}
	})
}

/// Whether `assignment` respects every hard rule and the delivery allocation quota; the first
/// broken rule otherwise.
///
/// Rules are checked job by job (group, offer, eligibility), then offer by offer (slots), then
/// per offer and class (free units, then quota).
pub fn check(problem: &Problem, assignment: &[Option<u32>]) -> Result<(), Violation> {
	if assignment.len() != problem.jobs.len() {
		return Err(Violation::LengthMismatch);
	}
	let sorted: Vec<bool> =
		problem.groups.iter().map(|group| group.windows(2).all(|w| w.first() < w.last())).collect();
	let mut taken = vec![0u32; problem.offers.len()];
	// (offer, class, units) of every placed job.
	let mut placed: Vec<(u32, ClassId, Units)> = Vec::new();
	for (job_index, (job, assigned)) in problem.jobs.iter().zip(assignment).enumerate() {
		let Some(offer) = *assigned else { continue };
		let job_id = u32::try_from(job_index).unwrap_or(u32::MAX);
		let group = index(job.group).and_then(|group| problem.groups.get(group));
		let Some(group) = group else { return Err(Violation::UnknownGroup { job: job_id }) };
		let Some(slot) = index(offer).and_then(|offer| taken.get_mut(offer)) else {
			return Err(Violation::UnknownOffer { job: job_id });
		};
		let listed = match index(job.group).and_then(|group| sorted.get(group)) {
			Some(true) => group.binary_search(&offer).is_ok(),
			_ => group.contains(&offer),
		};
		if !listed {
			return Err(Violation::NotEligible { job: job_id });
		}
		*slot = slot.saturating_add(1);
		placed.push((offer, job.class, job.units));
	}
	for (offer_index, (offer, count)) in problem.offers.iter().zip(&taken).enumerate() {
		if *count > offer.slots {
			let offer = u32::try_from(offer_index).unwrap_or(u32::MAX);
			return Err(Violation::NoSlots { offer });
		}
	}
	placed.sort_unstable();
	let mut totals = ClassTotals::default();
	for (_, class, _) in &placed {
		totals.demand.insert(*class, 0);
	}
	totals.add(problem);
	for run in placed.chunk_by(|a, b| a.0 == b.0 && a.1 == b.1) {
		let Some(&(offer, class, _)) = run.first() else { continue };
		let sum = run.iter().try_fold(0 as Units, |sum, (_, _, units)| sum.checked_add(*units));
		let largest = run.iter().map(|(_, _, units)| *units).max().unwrap_or(0);
		let free =
			index(offer).and_then(|o| problem.offers.get(o)).map_or(0, |o| free_units(o, class));
		let Some(sum) = sum.filter(|sum| *sum <= free) else {
			return Err(Violation::OverFree { offer, class });
		};
		if !admits(sum, largest, free, totals.quota(class, free)) {
			return Err(Violation::OverQuota { offer, class });
		}
	}
	Ok(())
}

/// Whether a non-empty set of jobs of one class, `sum` units with the largest job of `largest`
/// units, may sit on an offer owing `free` units of the class with quota `quota`.
///
/// Jobs are added while the units already placed are below the quota, so the set is valid when
/// added largest last: everything but its largest job stays below the quota. Any subset of a
/// valid set is valid.
pub(crate) fn admits(sum: Units, largest: Units, free: Units, quota: Units) -> bool {
	sum <= free && sum.saturating_sub(largest) < quota
}

/// The units `offer` owes in `class` (the first entry for the class, 0 when none).
pub(crate) fn free_units(offer: &Offer, class: ClassId) -> Units {
	offer.free.iter().find(|(owed, _)| *owed == class).map_or(0, |(_, units)| *units)
}

/// A `u32` index as a `usize`.
pub(crate) fn index(value: u32) -> Option<usize> {
	usize::try_from(value).ok()
}

/// Per class: the units demanded by the problem's jobs (`D`) and owed by its offers (`F`).
#[derive(Default)]
pub(crate) struct ClassTotals {
	demand: BTreeMap<ClassId, Units>,
	owed: BTreeMap<ClassId, Units>,
}

impl ClassTotals {
	/// The totals of every class with a job in the problem.
	pub(crate) fn new(problem: &Problem) -> Self {
		let mut totals = Self::default();
		for job in &problem.jobs {
			totals.demand.insert(job.class, 0);
		}
		totals.add(problem);
		totals
	}

	/// Sums the demand and the owed units of the classes already keyed in `demand`.
	fn add(&mut self, problem: &Problem) {
		for job in &problem.jobs {
			if let Some(demand) = self.demand.get_mut(&job.class) {
				*demand = demand.saturating_add(job.units);
			}
		}
		for &class in self.demand.keys() {
			let owed = problem
				.offers
				.iter()
				.fold(0 as Units, |owed, offer| owed.saturating_add(free_units(offer, class)));
			self.owed.insert(class, owed);
		}
	}

	/// `min(free, ceil(D × free / F))` for an offer owing `free` units of `class`.
	pub(crate) fn quota(&self, class: ClassId, free: Units) -> Units {
		let demand = self.demand.get(&class).copied().unwrap_or(0);
		let owed = self.owed.get(&class).copied().unwrap_or(0);
		if owed == 0 || free == 0 {
			return 0;
		}
		if demand >= owed {
			// ceil(D × free / F) ≥ free.
			return free;
		}
		// D < F, so D × free / F < free fits; the division is on the full 256-bit product.
		mul_div_ceil(demand, free, owed).map_or(free, |quota| quota.min(free))
	}
}

/// `ceil(a × b / c)` on the exact 256-bit product; `None` when `c` is 0 or the result does
/// not fit 128 bits.
pub(crate) fn mul_div_ceil(a: Units, b: Units, c: Units) -> Option<Units> {
	if c == 0 {
		return None;
	}
	let (high, low) = mul_wide(a, b);
	if high >= c {
		return None;
	}
	// Long division of (high, low) by c, one bit at a time; the remainder stays below c.
	let mut remainder = high;
	let mut quotient: Units = 0;
	for bit in (0..128u32).rev() {
		let carry = remainder >> 127;
		let next = low.checked_shr(bit).unwrap_or(0) & 1;
		remainder = remainder.wrapping_shl(1) | next;
		quotient = quotient.wrapping_shl(1);
		if carry == 1 || remainder >= c {
			remainder = remainder.wrapping_sub(c);
			quotient |= 1;
		}
	}
	if remainder == 0 {
		Some(quotient)
	} else {
		quotient.checked_add(1)
	}
}

/// The 256-bit product `a × b` as (high, low) halves.
fn mul_wide(a: Units, b: Units) -> (Units, Units) {
	const LOW: Units = u64::MAX as Units;
	let (a_high, a_low) = (a >> 64, a & LOW);
	let (b_high, b_low) = (b >> 64, b & LOW);
	// Each partial product of two 64-bit halves fits 128 bits, and so do the sums below.
	let low_low = a_low.wrapping_mul(b_low);
	let low_high = a_low.wrapping_mul(b_high);
	let high_low = a_high.wrapping_mul(b_low);
	let high_high = a_high.wrapping_mul(b_high);
	let middle = (low_low >> 64).wrapping_add(low_high & LOW).wrapping_add(high_low & LOW);
	let low = (low_low & LOW) | (middle << 64);
	let high = high_high
		.wrapping_add(low_high >> 64)
		.wrapping_add(high_low >> 64)
		.wrapping_add(middle >> 64);
	(high, low)
}
