//! Benchmarks of the validator set's calls and its per-block hook, each at its
//! worst case: a set one short of (or at) `MaxValidators`.

use super::*;
use crate::pallet::Pallet as ValidatorSet;
use alloc::vec::Vec;
use codec::Decode;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{EnsureOrigin, Get, Hooks},
	BoundedVec,
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::TrailingZeroInput;

/// Fills the set with `n` benchmark accounts besides the genesis validators.
fn fill<T: Config>(n: u32) {
	let mut set = Validators::<T>::get().into_inner();
	set.extend((0..n).map(|i| account::<T::AccountId>("validator", i, 0)));
	set.sort();
	set.dedup();
	let set: BoundedVec<_, T::MaxValidators> =
		set.try_into().expect("genesis validators and n fit MaxValidators");
	Validators::<T>::put(set);
}

fn room<T: Config>() -> u32 {
	T::MaxValidators::get().saturating_sub(Validators::<T>::get().len() as u32)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn add_validator() -> Result<(), BenchmarkError> {
		fill::<T>(room::<T>().saturating_sub(1));
		let who: T::AccountId = account("candidate", 0, 0);
		let keys = T::Keys::decode(&mut TrailingZeroInput::zeroes())
			.map_err(|_| BenchmarkError::Stop("session keys do not decode from zeroes"))?;
		pallet_session::NextKeys::<T>::insert(&who, keys);
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());

		assert!(Validators::<T>::get().contains(&who));
		Ok(())
	}

	#[benchmark]
	fn remove_validator() -> Result<(), BenchmarkError> {
		fill::<T>(room::<T>());
		let set = Validators::<T>::get();
		let who = set.first().cloned().ok_or(BenchmarkError::Stop("no validator"))?;
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());

		assert!(!Validators::<T>::get().contains(&who));
		Ok(())
	}

	/// A block with an author: the digest read, the author found, its count raised.
	#[benchmark]
	fn on_initialize() {
		frame_system::Pallet::<T>::deposit_log(T::BenchmarkHelper::author_digest());
		let block: BlockNumberFor<T> = 1u32.into();

		#[block]
		{
			ValidatorSet::<T>::on_initialize(block);
		}

		let counted: Vec<u32> = AuthoredBlocks::<T>::iter_values().collect();
		assert_eq!(counted, [1]);
	}

	impl_benchmark_test_suite!(ValidatorSet, crate::mock::new_test_ext(), crate::mock::Test);
}
