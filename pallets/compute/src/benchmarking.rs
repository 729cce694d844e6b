//! Benchmarks of pallet-compute, each at its call's worst case.

use super::*;

use alloc::vec;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Get, Hooks};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_core::{crypto::KeyTypeId, sr25519, H256};
use sp_runtime::{traits::Saturating, MultiSignature};
use utc_primitives::{AttestationId, BackingCheck, ClassId, Units};

/// The keystore type of the benchmarks' attestor key.
const ATTESTOR_KEY_TYPE: KeyTypeId = KeyTypeId(*b"utca");

fn max_string<T: Config>(byte: u8) -> StringOf<T> {
	vec![byte; T::StringLimit::get() as usize].try_into().expect("fits its own limit")
}

fn region<T: Config>() -> StringOf<T> {
	max_string::<T>(b'A')
}

fn max_floor<T: Config>() -> HardwareFloor<T::StringLimit> {
	HardwareFloor {
		model_family: max_string::<T>(b'm'),
		min_memory_mib: 80 * 1024,
		min_performance: 1_000,
	}
}

fn class<T: Config>() -> ClassId {
	Pallet::<T>::do_create_class(
		max_string::<T>(b'n'),
		max_string::<T>(b'S'),
		ResourceKind::Gpu,
		ComputeUnit::Hour,
		max_floor::<T>(),
		3,
	)
	.expect("benchmark class")
}

/// Enough native funds for a provider's deposit and then some.
fn endowment<T: Config>() -> BalanceOf<T> {
	T::ProviderDeposit::get().saturating_mul(1_000u32.into()).max(1_000_000_000u32.into())
}

fn provider<T: Config>(index: u32) -> T::AccountId {
	let who: T::AccountId = account("provider", index, 0);
	T::Currency::set_balance(&who, endowment::<T>());
	Pallet::<T>::do_register_provider(who.clone(), max_string::<T>(b'p'), region::<T>())
		.expect("benchmark provider");
	who
}

/// A new attestor key in the keystore, registered.
fn attestor<T: Config>() -> sr25519::Public {
	let public = sp_io::crypto::sr25519_generate(ATTESTOR_KEY_TYPE, None);
	Pallet::<T>::do_add_attestor(
		AttestorKey::Sr25519(public),
		AttestorKind::TeeVerifier,
		max_string::<T>(b'x'),
	)
	.expect("benchmark attestor");
	public
}

fn sign(public: &sr25519::Public, message: &[u8]) -> MultiSignature {
	MultiSignature::Sr25519(
		sp_io::crypto::sr25519_sign(ATTESTOR_KEY_TYPE, public, message)
			.expect("key is in the keystore"),
	)
}

fn payload<T: Config>(
	who: &T::AccountId,
	class: ClassId,
	units: Units,
	valid_until: BlockNumberFor<T>,
	nonce: u64,
) -> AttestationPayloadOf<T> {
	AttestationPayload {
		genesis_hash: Pallet::<T>::genesis_hash(),
		provider: who.clone(),
		class,
		units,
		valid_from: frame_system::Pallet::<T>::block_number(),
		valid_until,
		evidence_hash: H256::repeat_byte(9),
		nonce,
	}
}

/// Attests `units` for `who`, ending at `valid_until`.
fn attest<T: Config>(
	key: &sr25519::Public,
	who: &T::AccountId,
	class: ClassId,
	units: Units,
	valid_until: BlockNumberFor<T>,
	nonce: u64,
) -> AttestationId {
	let p = payload::<T>(who, class, units, valid_until, nonce);
	let signature = sign(key, &p.message());
	Pallet::<T>::do_submit_attestation(who.clone(), AttestorKey::Sr25519(*key), p, signature)
		.expect("benchmark attestation")
}

/// A block `offset` blocks from now.
fn later<T: Config>(offset: u32) -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number().saturating_add(offset.into())
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create_class() {
		let class = NextClassId::<T>::get();
		#[extrinsic_call]
		_(
			RawOrigin::Root,
			max_string::<T>(b'n'),
			max_string::<T>(b'S'),
			ResourceKind::Npu,
			ComputeUnit::TeraCycle,
			max_floor::<T>(),
			18,
		);
		assert!(Classes::<T>::contains_key(class));
	}

	#[benchmark]
	fn set_class_status() {
		let class = class::<T>();
		#[extrinsic_call]
		_(RawOrigin::Root, class, ClassStatus::Paused);
		assert_eq!(Classes::<T>::get(class).map(|c| c.status), Some(ClassStatus::Paused));
	}

	#[benchmark]
	fn add_attestor() {
		let key = AttestorKey::Sr25519(sr25519::Public::from_raw([7; 32]));
		#[extrinsic_call]
		_(RawOrigin::Root, key, AttestorKind::Vendor, max_string::<T>(b'x'));
		assert!(Attestors::<T>::contains_key(key));
	}

	#[benchmark]
	fn remove_attestor() {
		let key = AttestorKey::Sr25519(attestor::<T>());
		#[extrinsic_call]
		_(RawOrigin::Root, key);
		assert!(!Attestors::<T>::contains_key(key));
	}

	#[benchmark]
	fn register_provider() {
		let who: T::AccountId = whitelisted_caller();
		T::Currency::set_balance(&who, endowment::<T>());
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), max_string::<T>(b'p'), region::<T>());
		assert!(Providers::<T>::contains_key(&who));
	}

	#[benchmark]
	fn update_provider() {
		let who = provider::<T>(0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), max_string::<T>(b'q'), region::<T>());
		assert_eq!(Providers::<T>::get(&who).map(|p| p.name), Some(max_string::<T>(b'q')));
	}

	/// Deregistering removes the provider's `a` revoked attestations.
	#[benchmark]
	fn deregister_provider(a: Linear<0, { T::MaxAttestationsPerProvider::get() }>) {
		let class = class::<T>();
		let key = attestor::<T>();
		let who = provider::<T>(0);
		for nonce in 0..a {
			let id = attest::<T>(&key, &who, class, 10, later::<T>(10 + nonce), nonce.into());
			Pallet::<T>::do_revoke_attestation(id, Revoker::Admin).expect("revocable");
		}
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(!Providers::<T>::contains_key(&who));
	}

	/// The provider holds all but one of its attestations and the expiry block's
	/// queue is all but full.
	#[benchmark]
	fn submit_attestation() {
		let class = class::<T>();
		let key = attestor::<T>();
		let who = provider::<T>(0);
		let until = later::<T>(100);
		for nonce in 1..T::MaxAttestationsPerProvider::get() {
			attest::<T>(&key, &who, class, 10, later::<T>(200 + nonce), nonce.into());
		}
		ExpiryQueue::<T>::mutate(until, |queue| {
			for id in 0..T::MaxExpiriesPerBlock::get().saturating_sub(1) {
				let _ = queue.try_push(u64::MAX - id as u64);
			}
		});
		let p = payload::<T>(&who, class, 1_000, until, 0);
		let signature = sign(&key, &p.message());
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), AttestorKey::Sr25519(key), p, signature);
		assert!(AttestorNonces::<T>::get(AttestorKey::Sr25519(key)).is_used(0));
	}

	#[benchmark]
	fn revoke_attestation() {
		let class = class::<T>();
		let key = attestor::<T>();
		let who = provider::<T>(0);
		let id = attest::<T>(&key, &who, class, 10, later::<T>(10), 0);
		#[extrinsic_call]
		_(RawOrigin::Root, id);
		assert_eq!(Attestations::<T>::get(id).map(|a| a.revoked), Some(true));
	}

	#[benchmark]
	fn revoke_attestation_signed() {
		let class = class::<T>();
		let key = attestor::<T>();
		let who = provider::<T>(0);
		let id = attest::<T>(&key, &who, class, 10, later::<T>(10), 0);
		let signature = sign(&key, &Pallet::<T>::revocation_message(id));
		#[extrinsic_call]
		_(RawOrigin::Signed(who), id, signature);
		assert_eq!(Attestations::<T>::get(id).map(|a| a.revoked), Some(true));
	}

	/// The mint draws on `a` live attestations, every one of them.
	#[benchmark]
	fn mint(a: Linear<1, { T::MaxAttestationsPerProvider::get() }>) {
		let class = class::<T>();
		let key = attestor::<T>();
		let who = provider::<T>(0);
		for nonce in 0..a {
			attest::<T>(&key, &who, class, 10, later::<T>(10 + nonce), nonce.into());
		}
		frame_system::Pallet::<T>::set_block_number(later::<T>(1));
		let amount = 10 * a as Units;
		T::Backing::prepare_backing(&who, class, amount);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), class, amount);
		assert_eq!(Ledgers::<T>::get(&who, class).obligation, amount);
	}

	#[benchmark]
	fn retire() {
		let class = class::<T>();
		let key = attestor::<T>();
		let who = provider::<T>(0);
		attest::<T>(&key, &who, class, 10, later::<T>(10), 0);
		frame_system::Pallet::<T>::set_block_number(later::<T>(1));
		T::Backing::prepare_backing(&who, class, 10);
		Pallet::<T>::do_mint(who.clone(), class, 10).expect("mintable");
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), class, 4);
		assert_eq!(Ledgers::<T>::get(&who, class).obligation, 6);
	}

	/// `n` attestations expire at the block that begins.
	#[benchmark]
	fn on_initialize_expire(n: Linear<0, { T::MaxExpiriesPerBlock::get() }>) {
		let class = class::<T>();
		let key = attestor::<T>();
		let until = later::<T>(10);
		let per_provider = T::MaxAttestationsPerProvider::get();
		let mut who = provider::<T>(0);
		for nonce in 0..n {
			if nonce > 0 && nonce % per_provider == 0 {
				who = provider::<T>(nonce / per_provider);
			}
			attest::<T>(&key, &who, class, 10, until, nonce.into());
		}
		#[block]
		{
			Pallet::<T>::on_initialize(until);
		}
		assert!(ExpiryQueue::<T>::get(until).is_empty());
		assert_eq!(Attestations::<T>::iter().count(), 0);
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}
