//! The pallets whose benchmarks the runtime runs.

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_assets, Assets]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_compute, Compute]
	[pallet_orderbook, Orderbook]
	[pallet_sla, Sla]
	[pallet_federation, Federation]
	[pallet_validator_set, ValidatorSet]
);
