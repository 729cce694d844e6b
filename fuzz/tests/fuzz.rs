//! The fuzzer's fixed-seed run in CI: a hundred thousand calls, every one of
//! them checked, and every kind of call has to have succeeded somewhere, so the
//! run cannot pass by sending only calls that fail.

/// Calls that cannot succeed within a run of this length: a job can be pruned a
/// week (100,800 blocks) after it finished; its pallet's tests cover the prune.
const NOT_WITHIN_A_RUN: [&str; 1] = ["federation.prune_job"];

#[test]
fn a_hundred_thousand_random_calls_break_no_invariant() {
	let config = utc_fuzz::Config::default();
	let report = utc_fuzz::run(&config).unwrap_or_else(|failure| panic!("{failure}"));
	println!("{report}");
	assert!(report.calls >= 100_000);
	for (name, (ok, _, _)) in &report.outcomes {
		if !NOT_WITHIN_A_RUN.contains(name) {
			assert!(*ok > 0, "no {name} call ever succeeded:\n{report}");
		}
	}
	assert!(report.outcomes.len() >= 41, "too few kinds of call were sent:\n{report}");
}
