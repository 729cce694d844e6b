//! The storage migrations of pallet-federation, one module per storage version.

/// Version 1: finished jobs carry the block they finished at (`FinishedAt`), from
/// which they are prunable `JobRetention` blocks later.
pub mod v1 {
	use crate::{Config, FinishedAt, Jobs, Pallet};
	use core::marker::PhantomData;
	use frame_support::{
		migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
	};
	use sp_runtime::Saturating;

	/// Records the upgrade's block as the finish of every job already finished,
	/// so those are prunable a full retention after the upgrade.
	pub struct RecordFinishedAt<T>(PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for RecordFinishedAt<T> {
		fn on_runtime_upgrade() -> Weight {
			let now = frame_system::Pallet::<T>::block_number();
			let (mut reads, mut writes) = (0u64, 0u64);
			for (id, job) in Jobs::<T>::iter() {
				reads.saturating_inc();
				if job.state.is_final() && !FinishedAt::<T>::contains_key(id) {
					FinishedAt::<T>::insert(id, now);
					writes.saturating_inc();
				}
			}
			T::DbWeight::get().reads_writes(reads.saturating_mul(2), writes)
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(_: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			ensure!(
				Jobs::<T>::iter()
					.all(|(id, job)| FinishedAt::<T>::contains_key(id) == job.state.is_final()),
				"a finished job has no FinishedAt"
			);
			Ok(())
		}
	}

	/// [`RecordFinishedAt`] from storage version 0, raising it to 1.
	pub type MigrateV0ToV1<T> = VersionedMigration<
		0,
		1,
		RecordFinishedAt<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
