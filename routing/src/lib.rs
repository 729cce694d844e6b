#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
// Validators run `route` in their offchain workers every block: nothing in it may panic.
#![cfg_attr(
	not(test),
	deny(
		clippy::arithmetic_side_effects,
		clippy::expect_used,
		clippy::indexing_slicing,
		clippy::panic,
		clippy::unreachable,
		clippy::unwrap_used
	)
)]

extern crate alloc;

mod cost;
#[cfg(feature = "std")]
pub mod exact;
mod router;
mod rules;
#[cfg(test)]
mod tests;

use alloc::vec::Vec;

pub use cost::{
	cost, load_term, performance_term, reputation_term, LOAD_WEIGHT, MAX_COST, PERFORMANCE_WEIGHT,
	REGION_MISMATCH_COST, REPUTATION_WEIGHT, SCORE_REFERENCE, TERM_SCALE,
};
pub use router::ROUTE_WORK_LIMIT;
pub use rules::{check, quota, total_cost, Violation};

/// A compute class id.
pub type ClassId = u32;
/// Units of compute in the class token's smallest part.
pub type Units = u128;
/// A region code (upper-case letters, digits, '-') zero-padded to 16 bytes; all zeros = unknown.
pub type Region = [u8; 16];

/// The region code of a provider that has not declared one.
pub const UNKNOWN_REGION: Region = [0; 16];

/// One pending job to place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
	pub class: ClassId,
	pub units: Units,
	/// The region the job asks for, if any (a soft preference in the cost).
	pub region: Option<Region>,
	/// Index into `Problem::groups`: the providers eligible for this job (the caller has
	/// already applied class, workload kind, SLA modules, liveness, retries).
	pub group: u32,
}

/// One provider as routing sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
	pub region: Region,
	/// Measured performance score in the class (higher is faster); 0 = unknown.
	pub score: u32,
	/// Delivery reputation, per-mille (1000 = always on time).
	pub reputation: u16,
	/// Jobs in flight now.
	pub load: u32,
	/// Jobs it may still take (concurrency left). Hard limit.
	pub slots: u32,
	/// Per class, units it owes and that are not yet assigned to jobs in flight,
	/// sorted by class. Hard limit: assigned units of a class never exceed this.
	pub free: Vec<(ClassId, Units)>,
}

/// The jobs to place this block, the providers that may serve them and who may serve what.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Problem {
	pub jobs: Vec<Job>,
	pub offers: Vec<Offer>,
	/// Eligible offer indices per group (sorted, unique).
	pub groups: Vec<Vec<u32>>,
}

/// An assignment: for each job (same order as `problem.jobs`), the offer index serving it, or None.
///
/// It places as many jobs as the rules allow, the oldest first when not all fit, at the least
/// total [`cost`] it finds within [`ROUTE_WORK_LIMIT`] (optimal when every job of a class has
/// the same units). It never panics, it is deterministic and its result always passes [`check`].
pub fn route(problem: &Problem) -> Vec<Option<u32>> {
	router::route(problem)
}
