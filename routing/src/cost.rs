//! The published cost of serving a job with an offer.
//!
//! The cost depends on the job only through the region it asks for; everything else is a
//! property of the offer. Routing relies on this: jobs of one group and region rank the
//! group's offers the same way.

use crate::{Job, Offer, Region, UNKNOWN_REGION};

/// The scale of the performance, reputation and load terms: each lies in `0..=TERM_SCALE`.
pub const TERM_SCALE: u64 = 1_000;
/// Added when the job asks for a region and the offer is elsewhere (or its region is unknown).
pub const REGION_MISMATCH_COST: u64 = 2_000;
/// Weight of [`performance_term`].
pub const PERFORMANCE_WEIGHT: u64 = 1;
/// The score at which [`performance_term`] is half of [`TERM_SCALE`].
pub const SCORE_REFERENCE: u64 = 1_000;
/// Weight of [`reputation_term`].
pub const REPUTATION_WEIGHT: u64 = 2;
/// Weight of [`load_term`].
pub const LOAD_WEIGHT: u64 = 1;
/// The largest cost of one job: `Σ cost` over any number of jobs a block can hold fits `u64`.
#[allow(clippy::arithmetic_side_effects)] // Constants: an overflow would not compile.
pub const MAX_COST: u64 =
	REGION_MISMATCH_COST + (PERFORMANCE_WEIGHT + REPUTATION_WEIGHT + LOAD_WEIGHT) * TERM_SCALE;

/// The published cost of serving `job` with `offer` (lower is better).
///
/// `REGION_MISMATCH_COST × [job asks region R ≠ offer's region]
///  + PERFORMANCE_WEIGHT × performance_term(score)
///  + REPUTATION_WEIGHT × reputation_term(reputation)
///  + LOAD_WEIGHT × load_term(load, slots)`, at most [`MAX_COST`].
pub fn cost(job: &Job, offer: &Offer) -> u64 {
	offer_cost(offer).saturating_add(region_cost(job.region.as_ref(), &offer.region))
}

/// `TERM_SCALE × SCORE_REFERENCE / (SCORE_REFERENCE + score)`: 1000 for an unknown (0)
/// score, 500 at the reference score, falling towards 0 as the score grows.
pub fn performance_term(score: u32) -> u64 {
	let scaled = TERM_SCALE.saturating_mul(SCORE_REFERENCE);
	scaled.checked_div(SCORE_REFERENCE.saturating_add(u64::from(score))).unwrap_or(0)
}

/// `TERM_SCALE − reputation`: 0 for a provider always on time, 1000 for one never on time.
pub fn reputation_term(reputation: u16) -> u64 {
	TERM_SCALE.saturating_sub(u64::from(reputation).min(TERM_SCALE))
}

/// `TERM_SCALE × load / (load + slots)`: how busy the provider already is, 1000 when it has
/// no slot left.
pub fn load_term(load: u32, slots: u32) -> u64 {
	let capacity = u64::from(load).saturating_add(u64::from(slots));
	TERM_SCALE.saturating_mul(u64::from(load)).checked_div(capacity).unwrap_or(TERM_SCALE)
}

/// The part of the cost that does not depend on the job.
pub(crate) fn offer_cost(offer: &Offer) -> u64 {
	PERFORMANCE_WEIGHT
		.saturating_mul(performance_term(offer.score))
		.saturating_add(REPUTATION_WEIGHT.saturating_mul(reputation_term(offer.reputation)))
		.saturating_add(LOAD_WEIGHT.saturating_mul(load_term(offer.load, offer.slots)))
}

/// The region a job asks for: `None` and the unknown region both mean no preference.
pub(crate) fn asked_region(region: Option<&Region>) -> Option<&Region> {
	region.filter(|region| **region != UNKNOWN_REGION)
}

/// The part of the cost that depends on the job: its region preference.
pub(crate) fn region_cost(asked: Option<&Region>, offered: &Region) -> u64 {
	match asked_region(asked) {
		Some(asked) if asked != offered => REGION_MISMATCH_COST,
		_ => 0,
	}
}
