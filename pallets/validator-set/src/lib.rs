#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod impls;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

pub use impls::{FullIdentificationOf, SessionPeriod};
pub use weights::WeightInfo;

/// What the benchmarks need from the runtime: a digest naming a block author.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper {
	/// A pre-runtime digest item that the runtime's `FindAuthor` reads as one of the
	/// validators of the genesis session.
	fn author_digest() -> sp_runtime::DigestItem;
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{pallet_prelude::*, traits::FindAuthor};
	use frame_system::pallet_prelude::*;
	use sp_staking::SessionIndex;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config:
		frame_system::Config<RuntimeEvent: From<Event<Self>>>
		+ pallet_session::Config<ValidatorId = <Self as frame_system::Config>::AccountId>
	{
		/// Adds and removes validators (governance).
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// The author of the block being built, from its pre-runtime digests.
		type FindAuthor: FindAuthor<Self::AccountId>;
		/// Validators at most.
		#[pallet::constant]
		type MaxValidators: Get<u32>;
		/// Validators at least: neither governance nor the offline and offence rules
		/// remove a validator below this.
		#[pallet::constant]
		type MinValidators: Get<u32>;
		/// The shortest session, in blocks.
		#[pallet::constant]
		type MinSessionLength: Get<BlockNumberFor<Self>>;
		/// Weight information for this pallet's calls and hooks.
		type WeightInfo: WeightInfo;
		/// Builds the benchmarks' author digest.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: crate::BenchmarkHelper;
	}

	/// The validators the next planned session will have, sorted. Changes here are
	/// handed to the session pallet at the next session change, which queues them
	/// for the session after it.
	#[pallet::storage]
	pub type Validators<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxValidators>, ValueQuery>;

	/// Whether `Validators` changed since the session pallet last planned a session.
	#[pallet::storage]
	pub type SetChanged<T: Config> = StorageValue<_, bool, ValueQuery>;

	/// Blocks per session.
	#[pallet::storage]
	pub type SessionLength<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// Blocks each validator of the current session authored in it.
	#[pallet::storage]
	pub type AuthoredBlocks<T: Config> = StorageMap<_, Twox64Concat, T::AccountId, u32, ValueQuery>;

	#[pallet::genesis_config]
	pub struct GenesisConfig<T: Config> {
		/// The validators of the first sessions. Each needs its keys in the session
		/// pallet's genesis.
		pub validators: alloc::vec::Vec<T::AccountId>,
		/// Blocks per session; at least `MinSessionLength`.
		pub session_length: BlockNumberFor<T>,
	}

	impl<T: Config> Default for GenesisConfig<T> {
		fn default() -> Self {
			Self { validators: Default::default(), session_length: T::MinSessionLength::get() }
		}
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			assert!(
				self.session_length >= T::MinSessionLength::get(),
				"validatorSet.sessionLength is below the minimum session length",
			);
			let mut validators = self.validators.clone();
			validators.sort();
			validators.dedup();
			let validators: BoundedVec<_, T::MaxValidators> =
				validators.try_into().expect("more genesis validators than MaxValidators");
			Validators::<T>::put(validators);
			SessionLength::<T>::put(self.session_length);
		}
	}

	/// Why a validator left the set.
	#[derive(
		Encode,
		Decode,
		DecodeWithMemTracking,
		MaxEncodedLen,
		TypeInfo,
		Clone,
		Copy,
		PartialEq,
		Eq,
		Debug,
	)]
	pub enum RemovalReason {
		/// Governance removed it.
		Governance,
		/// It authored no block in a whole session.
		Offline { session: SessionIndex },
		/// An offence (a GRANDPA equivocation) committed in `session` was reported.
		Offence { session: SessionIndex },
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `who` joins the set at the next planned session.
		ValidatorAdded { who: T::AccountId },
		/// `who` leaves the set at the next planned session.
		ValidatorRemoved { who: T::AccountId, reason: RemovalReason },
		/// `who` should have left the set but stays: the set is at `MinValidators`.
		ValidatorKept { who: T::AccountId, reason: RemovalReason },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a validator.
		AlreadyValidator,
		/// The account is not a validator.
		NotValidator,
		/// The set holds `MaxValidators` already.
		TooManyValidators,
		/// Removing the validator would leave fewer than `MinValidators`.
		TooFewValidators,
		/// The account has not registered session keys (`session.setKeys`).
		NoSessionKeys,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Counts the block for its author.
		fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
			Self::note_author();
			<T as Config>::WeightInfo::on_initialize()
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Adds `who`, which has registered its session keys, to the validators of
		/// the next planned session.
		#[pallet::call_index(0)]
		pub fn add_validator(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_add_validator(who)
		}

		/// Removes `who` from the validators of the next planned session.
		#[pallet::call_index(1)]
		pub fn remove_validator(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_remove_validator(&who, RemovalReason::Governance)
		}
	}
}
