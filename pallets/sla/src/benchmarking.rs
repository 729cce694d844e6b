//! Benchmarks of pallet-sla, each at its call's worst case: a provider with every
//! subscription slot used in distinct classes, full unbonding chunks, a full
//! deadline block and a full slash history.

use super::*;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Get};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_core::H256;
use sp_runtime::{traits::Saturating, Perbill};
use utc_primitives::{ClassId, ComputeInspect, Evidence, ModuleId};

const FUNDS: u128 = 1 << 100;
const BOND: u128 = 1 << 80;

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	T::Currency::set_balance(&who, FUNDS);
	who
}

fn provider<T: Config>(index: u32) -> T::AccountId {
	let who = funded::<T>("provider", index);
	T::BenchmarkHelper::register_provider(&who);
	who
}

fn schedule() -> PenaltySchedule<u128> {
	PenaltySchedule {
		min_rate: Perbill::from_percent(10),
		max_rate: Perbill::from_percent(50),
		compensation_per_unit: 1_000,
	}
}

fn new_module<T: Config>() -> ModuleId {
	Pallet::<T>::do_define_module(
		ModuleKind::Uptime { min_per_mille: 990, window: 600 },
		1_000,
		schedule(),
	)
	.expect("valid module")
}

/// Subscribes `who` to `module` in `n` distinct classes (the first is returned)
/// and bonds far more than any requirement.
fn subscribed<T: Config>(who: &T::AccountId, module: ModuleId, n: u32) -> ClassId {
	let mut subscriptions = SubscriptionsOf::<T>::default();
	for index in 0..n {
		let class = T::BenchmarkHelper::class(index);
		let at = subscriptions.binary_search(&(class, module)).unwrap_or_else(|at| at);
		subscriptions.try_insert(at, (class, module)).expect("within MaxSubscriptions");
	}
	let first = subscriptions[0].0;
	Subscriptions::<T>::insert(who, subscriptions);
	Pallet::<T>::do_bond(who.clone(), BOND).expect("funded");
	first
}

fn later<T: Config>(blocks: u32) -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number().saturating_add(blocks.into())
}

/// `n` open disputes against `who`, all due at the same block.
fn disputes<T: Config>(who: &T::AccountId, module: ModuleId, class: ClassId, n: u32) {
	let owner = funded::<T>("owner", 0);
	for _ in 0..n {
		let job = T::BenchmarkHelper::job(&owner, who, class, 100, &[module]);
		Pallet::<T>::do_report_violation(owner.clone(), who.clone(), module, job, H256::zero())
			.expect("reportable");
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// The longest region code.
	#[benchmark]
	fn define_module() {
		let code =
			vec![b'A'; <MaxRegionCode as Get<u32>>::get() as usize].try_into().expect("fits");
		let kind = ModuleKind::Region { code };
		let module = NextModuleId::<T>::get();
		#[extrinsic_call]
		_(RawOrigin::Root, kind.clone(), 1_000, schedule());
		assert_eq!(Modules::<T>::get(module).map(|m| m.kind), Some(kind));
	}

	#[benchmark]
	fn retire_module() {
		let module = new_module::<T>();
		#[extrinsic_call]
		_(RawOrigin::Root, module);
		assert_eq!(Modules::<T>::get(module).map(|m| m.status), Some(ModuleStatus::Retired));
	}

	/// The last free slot, sorted first, with a requirement over every class.
	#[benchmark]
	fn subscribe() {
		let module = new_module::<T>();
		let other = new_module::<T>();
		let who = provider::<T>(0);
		let max = T::MaxSubscriptions::get();
		let class = subscribed::<T>(&who, other, max - 1);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), class, module);
		assert_eq!(Subscriptions::<T>::get(&who).len() as u32, max);
	}

	#[benchmark]
	fn unsubscribe() {
		let module = new_module::<T>();
		let who = provider::<T>(0);
		let class = subscribed::<T>(&who, module, T::MaxSubscriptions::get());
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), class, module);
		assert_eq!(Subscriptions::<T>::get(&who).len() as u32, T::MaxSubscriptions::get() - 1);
	}

	#[benchmark]
	fn bond() {
		let who = provider::<T>(0);
		Pallet::<T>::do_bond(who.clone(), BOND).expect("funded");
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), BOND);
		assert_eq!(Pallet::<T>::active_bond(&who), 2 * BOND);
	}

	/// Every subscription counted for the requirement, a new chunk in the last slot.
	#[benchmark]
	fn unbond() {
		let module = new_module::<T>();
		let who = provider::<T>(0);
		subscribed::<T>(&who, module, T::MaxSubscriptions::get());
		for _ in 1..T::MaxUnbondingChunks::get() {
			Pallet::<T>::do_unbond(who.clone(), 1).expect("unbondable");
			frame_system::Pallet::<T>::set_block_number(later::<T>(1));
		}
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), 1);
		let ledger = Bonds::<T>::get(&who).expect("bonded");
		assert_eq!(ledger.unbonding.len() as u32, T::MaxUnbondingChunks::get());
	}

	/// Every chunk unlocked and released at once.
	#[benchmark]
	fn withdraw_unbonded() {
		let who = provider::<T>(0);
		Pallet::<T>::do_bond(who.clone(), BOND).expect("funded");
		for _ in 0..T::MaxUnbondingChunks::get() {
			Pallet::<T>::do_unbond(who.clone(), 1).expect("unbondable");
			frame_system::Pallet::<T>::set_block_number(later::<T>(1));
		}
		let delay = Parameters::<T>::get().unbonding_delay;
		frame_system::Pallet::<T>::set_block_number(later::<T>(0).saturating_add(delay));
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(Bonds::<T>::get(&who).expect("bonded").unbonding.is_empty());
	}

	/// A provider with every subscription, and the last free place at the deadline.
	#[benchmark]
	fn report_violation() {
		let module = new_module::<T>();
		let who = provider::<T>(0);
		let class = subscribed::<T>(&who, module, T::MaxSubscriptions::get());
		disputes::<T>(&who, module, class, T::MaxDisputesPerBlock::get() - 1);
		let owner = funded::<T>("owner", 0);
		let job = T::BenchmarkHelper::job(&owner, &who, class, 100, &[module]);
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), who, module, job, H256::repeat_byte(1));
		assert_eq!(Disputes::<T>::iter().count() as u32, T::MaxDisputesPerBlock::get());
	}

	#[benchmark]
	fn respond() {
		let module = new_module::<T>();
		let who = provider::<T>(0);
		let class = subscribed::<T>(&who, module, 1);
		disputes::<T>(&who, module, class, 1);
		#[extrinsic_call]
		_(RawOrigin::Signed(who), 0, H256::repeat_byte(2));
		assert!(Disputes::<T>::get(0).and_then(|d| d.response_hash).is_some());
	}

	/// Upheld, taken out of a full deadline block, its slash scheduled.
	#[benchmark]
	fn resolve() {
		let module = new_module::<T>();
		let who = provider::<T>(0);
		let class = subscribed::<T>(&who, module, 1);
		disputes::<T>(&who, module, class, T::MaxDisputesPerBlock::get());
		#[extrinsic_call]
		_(RawOrigin::Root, 0, Verdict::Upheld(Evidence::Measured(500)));
		assert!(PendingSlashes::<T>::contains_key(0));
	}

	/// On a job, so the owner is looked up and the breach marked judged.
	#[benchmark]
	fn record_violation() {
		let module = new_module::<T>();
		let who = provider::<T>(0);
		let class = subscribed::<T>(&who, module, T::MaxSubscriptions::get());
		let owner = funded::<T>("owner", 0);
		let job = T::BenchmarkHelper::job(&owner, &who, class, 100, &[module]);
		#[extrinsic_call]
		_(RawOrigin::Root, who, module, class, 100, Evidence::Measured(500), Some(job));
		assert!(PendingSlashes::<T>::contains_key(0));
	}

	#[benchmark]
	fn cancel_slash() {
		let module = new_module::<T>();
		let who = provider::<T>(0);
		let class = subscribed::<T>(&who, module, 1);
		Pallet::<T>::do_record_violation(who, module, class, 100, Evidence::Failed, None)
			.expect("recordable");
		#[extrinsic_call]
		_(RawOrigin::Root, 0);
		assert!(!PendingSlashes::<T>::contains_key(0));
	}

	#[benchmark]
	fn set_parameters() {
		let parameters = SlaParameters {
			unbonding_delay: 30u32.into(),
			dispute_window: 10u32.into(),
			slash_defer: 10u32.into(),
		};
		#[extrinsic_call]
		_(RawOrigin::Root, parameters);
		assert_eq!(Parameters::<T>::get(), parameters);
	}

	/// pallet-compute's question before a mint, over every subscription, each
	/// class with an obligation (read where pallet-compute keeps it).
	#[benchmark]
	fn can_back() {
		let module = new_module::<T>();
		let who = provider::<T>(0);
		let class = subscribed::<T>(&who, module, T::MaxSubscriptions::get());
		let owed = |c| if c == class { 0 } else { T::Compute::obligation(&who, c).max(1) };
		let backed;
		#[block]
		{
			backed =
				<Pallet<T> as utc_primitives::BackingCheck<_>>::can_back(&who, class, &owed, 1);
		}
		assert!(backed);
	}

	/// `n` reports stand at their deadline, each scheduling a slash.
	#[benchmark]
	fn on_initialize_timeouts(n: Linear<0, { T::MaxDisputesPerBlock::get() }>) {
		let module = new_module::<T>();
		// Each report against its own provider.
		for i in 0..n {
			let who = provider::<T>(i);
			let class = subscribed::<T>(&who, module, 1);
			disputes::<T>(&who, module, class, 1);
		}
		let deadline = later::<T>(0).saturating_add(Parameters::<T>::get().dispute_window);
		#[block]
		{
			Pallet::<T>::close_timed_out(deadline);
		}
		assert_eq!(Disputes::<T>::iter().count(), 0);
		assert_eq!(PendingSlashes::<T>::iter().count() as u32, n);
	}

	/// `n` due slashes, each paying its own owner, reporter and the treasury from
	/// its own provider with every subscription, every chunk and a full history.
	#[benchmark]
	fn on_initialize_slashes(n: Linear<0, { T::SlashPageSize::get() }>) {
		let module = new_module::<T>();
		let mut slashed = Vec::new();
		for i in 0..n {
			let who = provider::<T>(i);
			let class = subscribed::<T>(&who, module, T::MaxSubscriptions::get());
			for _ in 0..T::MaxUnbondingChunks::get() {
				Pallet::<T>::do_unbond(who.clone(), 1_000).expect("unbondable");
				frame_system::Pallet::<T>::set_block_number(later::<T>(1));
			}
			let record = SlashRecord {
				slash: 0,
				module,
				job: Some(0),
				penalty: 1,
				taken: 1,
				to_owner: 1,
				to_reporter: 0,
				to_treasury: 0,
				at: later::<T>(0),
			};
			let history = vec![record; T::MaxSlashHistory::get() as usize];
			SlashHistory::<T>::insert(
				&who,
				frame_support::BoundedVec::try_from(history).expect("fits"),
			);
			slashed.push((who, class));
		}
		let now = later::<T>(0);
		for (id, (who, class)) in slashed.into_iter().enumerate() {
			let id = id as u32;
			PendingSlashes::<T>::insert(
				SlashId::from(id),
				PendingSlash {
					provider: who.clone(),
					module,
					class,
					units: 100,
					shortfall: Perbill::one(),
					penalty: 1_000_000,
					compensation: 500_000,
					beneficiary: Some(funded::<T>("owner", id)),
					reporter: Some(funded::<T>("reporter", id)),
					job: Some(id.into()),
					due: now,
				},
			);
			ProviderPendingSlashes::<T>::insert(
				&who,
				PendingPenalties { slashes: 1, penalty: 1_000_000 },
			);
		}
		NextSlashId::<T>::put(SlashId::from(n));
		#[block]
		{
			Pallet::<T>::apply_due_slashes(now);
		}
		assert_eq!(PendingSlashes::<T>::iter().count(), 0);
		assert_eq!(SlashCursor::<T>::get(), SlashId::from(n));
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}
