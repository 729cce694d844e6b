#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod impls;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use types::*;
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{fungible, fungibles},
		PalletId,
	};
	use frame_system::pallet_prelude::*;
	use sp_core::H256;
	use sp_runtime::MultiSignature;
	use utc_primitives::{AttestationId, BackingCheck, ClassId, Units};

	/// The native balance of an account.
	pub type BalanceOf<T> = <<T as Config>::Currency as fungible::Inspect<
		<T as frame_system::Config>::AccountId,
	>>::Balance;
	pub type ComputeClassOf<T> = ComputeClass<<T as Config>::StringLimit>;
	pub type AttestorInfoOf<T> = AttestorInfo<<T as Config>::StringLimit>;
	pub type ProviderInfoOf<T> = ProviderInfo<
		BalanceOf<T>,
		<T as Config>::StringLimit,
		<T as Config>::MaxAttestationsPerProvider,
	>;
	pub type AttestationOf<T> =
		Attestation<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;
	pub type AttestationPayloadOf<T> = AttestationPayload<
		<T as frame_system::Config>::AccountId,
		BlockNumberFor<T>,
		<T as frame_system::Config>::Hash,
	>;
	pub type StringOf<T> = BoundedVec<u8, <T as Config>::StringLimit>;

	/// The layout of this pallet's storage; a change to it comes with a migration.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Creates classes, pauses them, adds and removes attestors and revokes attestations.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The native currency: providers' registration deposits are held in it.
		type Currency: fungible::Mutate<Self::AccountId>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The asset id of a class's token; class `c` is asset `c`.
		type AssetId: Member + Parameter + Copy + MaxEncodedLen + From<ClassId>;

		/// The ledger of UTC tokens (pallet-assets).
		type Assets: fungibles::Create<Self::AccountId, AssetId = Self::AssetId, Balance = Units>
			+ fungibles::Mutate<Self::AccountId>
			+ fungibles::metadata::Mutate<Self::AccountId>;

		/// Whether a provider's bond backs more obligation (the SLA pallet).
		type Backing: BackingCheck<Self::AccountId>;

		/// The pallet's account owns every class asset: only this pallet mints and burns.
		#[pallet::constant]
		type PalletId: Get<PalletId>;

		/// Held from a provider while it is registered.
		#[pallet::constant]
		type ProviderDeposit: Get<BalanceOf<Self>>;

		/// Bound of names, symbols, model families, regions and metadata, in bytes.
		/// Class names and symbols become asset metadata, so this must not exceed
		/// the assets pallet's own `StringLimit`.
		#[pallet::constant]
		type StringLimit: Get<u32>;

		/// Attestations a provider may hold at once (live or not yet expired).
		#[pallet::constant]
		type MaxAttestationsPerProvider: Get<u32>;

		/// Attestations that may expire at one block: bounds the expiry sweep.
		#[pallet::constant]
		type MaxExpiriesPerBlock: Get<u32>;

		/// How far ahead of now an attestation's window may start.
		#[pallet::constant]
		type MaxStartDelay: Get<BlockNumberFor<Self>>;

		/// The longest window an attestation may cover.
		#[pallet::constant]
		type MaxAttestationWindow: Get<BlockNumberFor<Self>>;

		/// Weights from this pallet's benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds native funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A provider's registration deposit.
		#[codec(index = 0)]
		ProviderDeposit,
	}

	/// The id the next class gets.
	#[pallet::storage]
	pub type NextClassId<T> = StorageValue<_, ClassId, ValueQuery>;

	/// Compute classes.
	#[pallet::storage]
	pub type Classes<T: Config> = StorageMap<_, Twox64Concat, ClassId, ComputeClassOf<T>>;

	/// Each class's supply side: obligations and unsettled redemptions.
	#[pallet::storage]
	pub type Supply<T: Config> = StorageMap<_, Twox64Concat, ClassId, ClassSupply, ValueQuery>;

	/// Attestors that governance trusts.
	#[pallet::storage]
	pub type Attestors<T: Config> = StorageMap<_, Blake2_128Concat, AttestorKey, AttestorInfoOf<T>>;

	/// The nonces each attestor has used, in a window of constant size: an
	/// attestation is accepted once. Kept after an attestor is removed, so its old
	/// attestations cannot be replayed if it returns.
	#[pallet::storage]
	pub type AttestorNonces<T: Config> =
		StorageMap<_, Blake2_128Concat, AttestorKey, NonceWindow, ValueQuery>;

	/// Registered providers.
	#[pallet::storage]
	pub type Providers<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, ProviderInfoOf<T>>;

	/// The id the next attestation gets.
	#[pallet::storage]
	pub type NextAttestationId<T> = StorageValue<_, AttestationId, ValueQuery>;

	/// Attestations that have not expired yet.
	#[pallet::storage]
	pub type Attestations<T: Config> = StorageMap<_, Twox64Concat, AttestationId, AttestationOf<T>>;

	/// The attestations that expire at each block, swept when it begins.
	#[pallet::storage]
	pub type ExpiryQueue<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<AttestationId, T::MaxExpiriesPerBlock>,
		ValueQuery,
	>;

	/// What each provider attested, minted and owes, per class.
	#[pallet::storage]
	pub type Ledgers<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		ClassId,
		ProviderLedger,
		ValueQuery,
	>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A compute class and its token (asset `class`) were created.
		ClassCreated {
			class: ClassId,
			name: StringOf<T>,
			symbol: StringOf<T>,
			kind: ResourceKind,
			unit: ComputeUnit,
			decimals: u8,
		},
		/// A class was paused or reactivated.
		ClassStatusChanged { class: ClassId, status: ClassStatus },
		/// An attestor was added.
		AttestorAdded { attestor: AttestorKey, kind: AttestorKind },
		/// An attestor was removed; its accepted attestations stand until revoked or expired.
		AttestorRemoved { attestor: AttestorKey },
		/// A provider registered and its deposit was held.
		ProviderRegistered {
			provider: T::AccountId,
			name: StringOf<T>,
			region: StringOf<T>,
			deposit: BalanceOf<T>,
		},
		/// A provider changed its name or region.
		ProviderUpdated { provider: T::AccountId, name: StringOf<T>, region: StringOf<T> },
		/// A provider left and its deposit was released.
		ProviderDeregistered { provider: T::AccountId, deposit: BalanceOf<T> },
		/// An attestation was accepted: the provider has `units` of capacity in
		/// `class` from `valid_from` until `valid_until`.
		AttestationAccepted {
			attestation: AttestationId,
			provider: T::AccountId,
			class: ClassId,
			attestor: AttestorKey,
			units: Units,
			valid_from: BlockNumberFor<T>,
			valid_until: BlockNumberFor<T>,
			evidence_hash: H256,
			nonce: u64,
		},
		/// An attestation was revoked; its `unminted` units no longer count.
		AttestationRevoked {
			attestation: AttestationId,
			provider: T::AccountId,
			class: ClassId,
			unminted: Units,
			by: Revoker,
		},
		/// An attestation reached the end of its window and was removed.
		AttestationExpired {
			attestation: AttestationId,
			provider: T::AccountId,
			class: ClassId,
			unminted: Units,
		},
		/// A provider minted tokens; `obligation` is what it now owes in the class.
		Minted { provider: T::AccountId, class: ClassId, amount: Units, obligation: Units },
		/// A provider burned its own tokens to retire obligation.
		Retired { provider: T::AccountId, class: ClassId, amount: Units, obligation: Units },
		/// A holder's tokens were burned for a job.
		Redeemed { holder: T::AccountId, class: ClassId, units: Units },
		/// A redemption nobody served was returned to its holder.
		Refunded { holder: T::AccountId, class: ClassId, units: Units },
		/// A provider delivered redeemed compute; its obligation fell by `units`.
		Settled { provider: T::AccountId, class: ClassId, units: Units, obligation: Units },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No class has this id.
		UnknownClass,
		/// The class is paused: it takes no attestations or mints.
		ClassInactive,
		/// The class id's asset already exists in pallet-assets.
		AssetIdInUse,
		/// A name, symbol or model family is empty.
		EmptyName,
		/// Token decimals above 18 are not supported.
		TooManyDecimals,
		/// The class already has this status.
		StatusUnchanged,
		/// The attestor is already registered.
		AttestorExists,
		/// The key is not a registered attestor.
		UnknownAttestor,
		/// The account is already a registered provider.
		AlreadyProvider,
		/// The account is not a registered provider.
		NotProvider,
		/// A region code is 1 to `StringLimit` upper-case letters, digits or `-`.
		InvalidRegion,
		/// The provider still owes compute: retire or deliver it first.
		HasObligations,
		/// The provider has capacity that has not expired: wait or have it revoked.
		HasLiveCapacity,
		/// The signer is not the provider named in the attestation.
		NotAttestationProvider,
		/// The attestation was signed for another chain.
		WrongGenesisHash,
		/// The signature is not the attestor's signature of this payload.
		BadSignature,
		/// This attestor's nonce was used already.
		NonceReused,
		/// This nonce is more than 128 below the attestor's highest used nonce: it
		/// counts as used. The attestor signs again with a fresh nonce.
		NonceTooOld,
		/// An attestation grants zero units, or a mint or retire is of zero units.
		ZeroUnits,
		/// The window ends before it starts.
		EmptyWindow,
		/// The window is longer than `MaxAttestationWindow`.
		WindowTooLong,
		/// The window starts more than `MaxStartDelay` blocks from now.
		StartsTooLate,
		/// The attestation's window is over.
		AttestationExpired,
		/// The provider's capacity here starts later: its attestations are not yet valid.
		AttestationNotYetValid,
		/// The attestation was revoked already.
		AttestationRevoked,
		/// No attestation has this id (it may have expired and been swept).
		UnknownAttestation,
		/// The provider holds `MaxAttestationsPerProvider` attestations already.
		TooManyAttestations,
		/// `MaxExpiriesPerBlock` attestations expire at that block already: pick
		/// another `valid_until`.
		ExpiryQueueFull,
		/// The provider's live attested capacity, less what it minted, is too small.
		InsufficientAttestedCapacity,
		/// The provider's bond does not back that much more obligation.
		NotBacked,
		/// The provider owes less than it asked to retire or settle.
		InsufficientObligation,
		/// The account holds fewer tokens than it asked to burn.
		InsufficientTokens,
		/// More was settled or refunded than was redeemed.
		InsufficientRedeemed,
		/// An amount overflowed.
		Overflow,
	}

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Classes created at genesis, ids from 0: (name, symbol, kind, unit,
		/// model family, minimum memory MiB, minimum performance, decimals).
		pub classes: alloc::vec::Vec<(
			alloc::vec::Vec<u8>,
			alloc::vec::Vec<u8>,
			ResourceKind,
			ComputeUnit,
			alloc::vec::Vec<u8>,
			u32,
			u32,
			u8,
		)>,
		/// Attestors registered at genesis: (key, kind, metadata).
		pub attestors: alloc::vec::Vec<(AttestorKey, AttestorKind, alloc::vec::Vec<u8>)>,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (
				name,
				symbol,
				kind,
				unit,
				model_family,
				min_memory_mib,
				min_performance,
				decimals,
			) in &self.classes
			{
				let floor = HardwareFloor {
					model_family: model_family
						.clone()
						.try_into()
						.expect("genesis model family fits"),
					min_memory_mib: *min_memory_mib,
					min_performance: *min_performance,
				};
				Pallet::<T>::do_create_class(
					name.clone().try_into().expect("genesis class name fits"),
					symbol.clone().try_into().expect("genesis class symbol fits"),
					*kind,
					*unit,
					floor,
					*decimals,
				)
				.expect("genesis class is valid");
			}
			for (key, kind, metadata) in &self.attestors {
				Pallet::<T>::do_add_attestor(
					*key,
					*kind,
					metadata.clone().try_into().expect("genesis attestor metadata fits"),
				)
				.expect("genesis attestor is new");
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Sweeps the attestations whose window ends at this block.
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let expired = Self::sweep_expired(now);
			T::WeightInfo::on_initialize_expire(expired)
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Creates a compute class and its token, owned by this pallet.
		#[pallet::call_index(0)]
		pub fn create_class(
			origin: OriginFor<T>,
			name: StringOf<T>,
			symbol: StringOf<T>,
			kind: ResourceKind,
			unit: ComputeUnit,
			floor: HardwareFloor<T::StringLimit>,
			decimals: u8,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_create_class(name, symbol, kind, unit, floor, decimals).map(|_| ())
		}

		/// Pauses a class (no attestations or mints) or makes it active again.
		#[pallet::call_index(1)]
		pub fn set_class_status(
			origin: OriginFor<T>,
			class: ClassId,
			status: ClassStatus,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_set_class_status(class, status)
		}

		/// Registers an attestor key.
		#[pallet::call_index(2)]
		pub fn add_attestor(
			origin: OriginFor<T>,
			attestor: AttestorKey,
			kind: AttestorKind,
			metadata: StringOf<T>,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_add_attestor(attestor, kind, metadata)
		}

		/// Removes an attestor: it signs no new attestations.
		#[pallet::call_index(3)]
		pub fn remove_attestor(origin: OriginFor<T>, attestor: AttestorKey) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_remove_attestor(attestor)
		}

		/// Registers the caller as a provider, holding `ProviderDeposit`.
		#[pallet::call_index(4)]
		pub fn register_provider(
			origin: OriginFor<T>,
			name: StringOf<T>,
			region: StringOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register_provider(who, name, region)
		}

		/// Changes the caller's provider name and region.
		#[pallet::call_index(5)]
		pub fn update_provider(
			origin: OriginFor<T>,
			name: StringOf<T>,
			region: StringOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update_provider(who, name, region)
		}

		/// Deregisters the caller and releases its deposit; refused while it owes
		/// compute or has capacity that has not expired.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::deregister_provider(T::MaxAttestationsPerProvider::get()))]
		pub fn deregister_provider(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_deregister_provider(who)
		}

		/// Submits an attestor's signed attestation of the caller's capacity.
		#[pallet::call_index(7)]
		pub fn submit_attestation(
			origin: OriginFor<T>,
			attestor: AttestorKey,
			attestation: AttestationPayloadOf<T>,
			signature: MultiSignature,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_submit_attestation(who, attestor, attestation, signature).map(|_| ())
		}

		/// Revokes an attestation by governance.
		#[pallet::call_index(8)]
		pub fn revoke_attestation(
			origin: OriginFor<T>,
			attestation: AttestationId,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_revoke_attestation(attestation, Revoker::Admin)
		}

		/// Revokes an attestation with its attestor's signature of a
		/// [`RevocationPayload`]; anyone may submit it.
		#[pallet::call_index(9)]
		pub fn revoke_attestation_signed(
			origin: OriginFor<T>,
			attestation: AttestationId,
			signature: MultiSignature,
		) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_revoke_attestation_signed(attestation, signature)
		}

		/// Mints `amount` of `class` tokens to the calling provider against its live
		/// attested capacity, recording the obligation to deliver them; the weight
		/// adds the backing check's own.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::mint(T::MaxAttestationsPerProvider::get())
			.saturating_add(T::Backing::can_back_weight()))]
		pub fn mint(origin: OriginFor<T>, class: ClassId, amount: Units) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_mint(who, class, amount)
		}

		/// Burns `amount` of the calling provider's own `class` tokens, retiring that
		/// much of its obligation.
		#[pallet::call_index(11)]
		pub fn retire(origin: OriginFor<T>, class: ClassId, amount: Units) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_retire(who, class, amount)
		}
	}
}
