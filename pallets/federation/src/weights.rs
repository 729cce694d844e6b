//! Weights of `pallet_federation`. NOT YET WRITTEN BY THE BENCHMARK COMMAND: the
//! times below are the larger of the median-slopes and min-squares models that
//! `scripts/bench-weights.sh federation 10 5` measured on this project's machine
//! (debug `utc-node`, compiled wasm), copied by hand, with 10 KB of proof each;
//! the command stops before writing this file, in its per-storage proof-size
//! analysis of `on_initialize_deadlines` ("Parameter `n` only has 1 unique value").
//! Replace the file with the command's output once it runs through.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::ParityDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_federation`.
pub trait WeightInfo {
	fn submit_job(m: u32, ) -> Weight;
	fn cancel_job() -> Weight;
	fn assign_jobs(n: u32, ) -> Weight;
	fn authorize_assign_jobs() -> Weight;
	fn report_job_started() -> Weight;
	fn report_job_completed() -> Weight;
	fn report_job_failed() -> Weight;
	fn heartbeat() -> Weight;
	fn set_operator() -> Weight;
	fn declare_service() -> Weight;
	fn set_class_kinds() -> Weight;
	fn set_routers(n: u32, ) -> Weight;
	fn on_initialize_deadlines(n: u32, ) -> Weight;
	fn on_initialize_uptime(n: u32, ) -> Weight;
}

pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn submit_job(m: u32, ) -> Weight {
		Weight::from_parts(1_868_000_000, 10_000)
			.saturating_add(Weight::from_parts(27_310_000, 0).saturating_mul(m.into()))
	}
	fn cancel_job() -> Weight {
		Weight::from_parts(1_082_000_000, 10_000)
	}
	fn assign_jobs(n: u32, ) -> Weight {
		Weight::from_parts(1_526_000_000, 10_000)
			.saturating_add(Weight::from_parts(1_013_000_000, 0).saturating_mul(n.into()))
	}
	fn authorize_assign_jobs() -> Weight {
		Weight::from_parts(8_858_000_000, 10_000)
	}
	fn report_job_started() -> Weight {
		Weight::from_parts(1_003_000_000, 10_000)
	}
	fn report_job_completed() -> Weight {
		Weight::from_parts(2_126_000_000, 10_000)
	}
	fn report_job_failed() -> Weight {
		Weight::from_parts(1_771_000_000, 10_000)
	}
	fn heartbeat() -> Weight {
		Weight::from_parts(844_500_000, 10_000)
	}
	fn set_operator() -> Weight {
		Weight::from_parts(651_500_000, 10_000)
	}
	fn declare_service() -> Weight {
		Weight::from_parts(416_500_000, 10_000)
	}
	fn set_class_kinds() -> Weight {
		Weight::from_parts(287_500_000, 10_000)
	}
	fn set_routers(n: u32, ) -> Weight {
		Weight::from_parts(191_000_000, 10_000)
			.saturating_add(Weight::from_parts(2_000_000, 0).saturating_mul(n.into()))
	}
	fn on_initialize_deadlines(n: u32, ) -> Weight {
		Weight::from_parts(2_187_000_000, 10_000)
			.saturating_add(Weight::from_parts(561_400_000, 0).saturating_mul(n.into()))
	}
	fn on_initialize_uptime(n: u32, ) -> Weight {
		Weight::from_parts(2_530_000_000, 10_000)
			.saturating_add(Weight::from_parts(977_000_000, 0).saturating_mul(n.into()))
	}
}

impl WeightInfo for () {
	fn submit_job(m: u32, ) -> Weight {
		Weight::from_parts(1_868_000_000, 10_000)
			.saturating_add(Weight::from_parts(27_310_000, 0).saturating_mul(m.into()))
	}
	fn cancel_job() -> Weight {
		Weight::from_parts(1_082_000_000, 10_000)
	}
	fn assign_jobs(n: u32, ) -> Weight {
		Weight::from_parts(1_526_000_000, 10_000)
			.saturating_add(Weight::from_parts(1_013_000_000, 0).saturating_mul(n.into()))
	}
	fn authorize_assign_jobs() -> Weight {
		Weight::from_parts(8_858_000_000, 10_000)
	}
	fn report_job_started() -> Weight {
		Weight::from_parts(1_003_000_000, 10_000)
	}
	fn report_job_completed() -> Weight {
		Weight::from_parts(2_126_000_000, 10_000)
	}
	fn report_job_failed() -> Weight {
		Weight::from_parts(1_771_000_000, 10_000)
	}
	fn heartbeat() -> Weight {
		Weight::from_parts(844_500_000, 10_000)
	}
	fn set_operator() -> Weight {
		Weight::from_parts(651_500_000, 10_000)
	}
	fn declare_service() -> Weight {
		Weight::from_parts(416_500_000, 10_000)
	}
	fn set_class_kinds() -> Weight {
		Weight::from_parts(287_500_000, 10_000)
	}
	fn set_routers(n: u32, ) -> Weight {
		Weight::from_parts(191_000_000, 10_000)
			.saturating_add(Weight::from_parts(2_000_000, 0).saturating_mul(n.into()))
	}
	fn on_initialize_deadlines(n: u32, ) -> Weight {
		Weight::from_parts(2_187_000_000, 10_000)
			.saturating_add(Weight::from_parts(561_400_000, 0).saturating_mul(n.into()))
	}
	fn on_initialize_uptime(n: u32, ) -> Weight {
		Weight::from_parts(2_530_000_000, 10_000)
			.saturating_add(Weight::from_parts(977_000_000, 0).saturating_mul(n.into()))
	}
}
