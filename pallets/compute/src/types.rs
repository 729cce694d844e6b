//! The data of pallet-compute: compute classes, attestors, providers, attestations
//! and the ledger of what each provider minted and owes.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;
use sp_core::{ed25519, sr25519, H256};
use sp_runtime::{traits::Verify, MultiSignature};
use utc_primitives::{AttestationId, ClassId, Units};

/// The kind of hardware resource a class of compute runs on.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum ResourceKind {
	#[codec(index = 0)]
	Gpu,
	#[codec(index = 1)]
	Npu,
	#[codec(index = 2)]
	Qpu,
	#[codec(index = 3)]
	Cpu,
}

/// What one unit of a class measures.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum ComputeUnit {
	/// One hour of one device.
	#[codec(index = 0)]
	Hour,
	/// One second of one device.
	#[codec(index = 1)]
	Second,
	/// 10^12 cycles.
	#[codec(index = 2)]
	TeraCycle,
	/// One shot of a quantum circuit.
	#[codec(index = 3)]
	Shot,
}

/// The least hardware a provider must attest to serve a class.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
#[scale_info(skip_type_params(StringLimit))]
pub struct HardwareFloor<StringLimit: Get<u32>> {
	/// The model family, for example `NVIDIA H100`.
	pub model_family: BoundedVec<u8, StringLimit>,
	/// Minimum device memory, in MiB.
	pub min_memory_mib: u32,
	/// Minimum measured performance score (the class's benchmark, higher is faster).
	pub min_performance: u32,
}

/// Whether a class accepts new attestations and mints.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum ClassStatus {
	/// Attestations and mints are accepted.
	#[codec(index = 0)]
	Active,
	/// No new attestations or mints; existing tokens trade and redeem as before.
	#[codec(index = 1)]
	Paused,
}

/// A compute class: what one unit of its UTC token is.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
#[scale_info(skip_type_params(StringLimit))]
pub struct ComputeClass<StringLimit: Get<u32>> {
	/// Human-readable name, for example `H100 GPU hour`.
	pub name: BoundedVec<u8, StringLimit>,
	/// The token's symbol, for example `UTC-H100`.
	pub symbol: BoundedVec<u8, StringLimit>,
	pub kind: ResourceKind,
	pub unit: ComputeUnit,
	pub floor: HardwareFloor<StringLimit>,
	/// Decimals of the token: one unit of compute is `10^decimals` of its smallest part.
	pub decimals: u8,
	pub status: ClassStatus,
}

/// An attestor's public key: the key that signs attestations.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum AttestorKey {
	#[codec(index = 0)]
	Sr25519(sr25519::Public),
	#[codec(index = 1)]
	Ed25519(ed25519::Public),
}

impl AttestorKey {
	/// Whether `signature` is this key's signature of `message`. A signature of
	/// another scheme than the key's is never valid.
	pub fn verify(&self, message: &[u8], signature: &MultiSignature) -> bool {
		match (self, signature) {
			(AttestorKey::Sr25519(key), MultiSignature::Sr25519(sig)) => sig.verify(message, key),
			(AttestorKey::Ed25519(key), MultiSignature::Ed25519(sig)) => sig.verify(message, key),
			_ => false,
		}
	}
}

/// Who an attestor is.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum AttestorKind {
	/// Verifies TEE quotes (SGX, TDX, SEV-SNP, confidential GPUs).
	#[codec(index = 0)]
	TeeVerifier,
	/// An auditor who inspected the hardware.
	#[codec(index = 1)]
	Auditor,
	/// The hardware's vendor.
	#[codec(index = 2)]
	Vendor,
}

/// A registered attestor.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
#[scale_info(skip_type_params(StringLimit))]
pub struct AttestorInfo<StringLimit: Get<u32>> {
	pub kind: AttestorKind,
	/// Free-form metadata: who runs it, where its policy is published.
	pub metadata: BoundedVec<u8, StringLimit>,
}

/// The domain tag an attestor signs ahead of an [`AttestationPayload`]: an
/// attestation never reads as another message of the chain.
pub const ATTESTATION_TAG: [u8; 10] = *b"utc/attest";

/// What an attestor signs: [`ATTESTATION_TAG`] followed by the SCALE encoding of
/// this struct, in this field order (see [`AttestationPayload::message`]).
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct AttestationPayload<AccountId, BlockNumber, Hash> {
	/// The chain's genesis hash: a signature is good on one chain only.
	pub genesis_hash: Hash,
	/// The provider whose hardware is attested.
	pub provider: AccountId,
	pub class: ClassId,
	/// Units of the class's token (in its smallest part) the hardware can deliver in
	/// the window.
	pub units: Units,
	/// First block at which the capacity counts.
	pub valid_from: BlockNumber,
	/// First block at which it no longer counts.
	pub valid_until: BlockNumber,
	/// Hash of the evidence (TEE quote, audit report) the attestor checked.
	pub evidence_hash: H256,
	/// The attestor's nonce: each (attestor, nonce) is accepted once, in any order
	/// within the attestor's window (see [`NonceWindow`]).
	pub nonce: u64,
}

impl<AccountId: Encode, BlockNumber: Encode, Hash: Encode>
	AttestationPayload<AccountId, BlockNumber, Hash>
{
	/// The bytes an attestor signs.
	pub fn message(&self) -> alloc::vec::Vec<u8> {
		(ATTESTATION_TAG, self).encode()
	}
}

/// How many nonces below an attestor's highest one may still arrive late.
pub const NONCE_WINDOW: u128 = 128;

/// The nonces an attestor has used, in constant space: nonces arrive in any
/// order within [`NONCE_WINDOW`] of the highest used one and are each accepted
/// once; a nonce older than the window counts as used.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Default,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct NonceWindow {
	/// One more than the highest nonce used (so `u64::MAX` fits); zero before the first.
	pub top: u128,
	/// Bit `i` set: nonce `top - 1 - i` was used.
	pub seen: u128,
}

/// Why a nonce is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NonceRefusal {
	/// It was used.
	Reused,
	/// It lies below the window: it may have been used, and is not tracked.
	TooOld,
}

impl NonceWindow {
	/// Whether `nonce` may be used now.
	pub fn check(&self, nonce: u64) -> Result<(), NonceRefusal> {
		let nonce = u128::from(nonce);
		if nonce >= self.top {
			return Ok(());
		}
		let age = self.top - 1 - nonce;
		if age >= NONCE_WINDOW {
			return Err(NonceRefusal::TooOld);
		}
		if self.seen & (1u128 << age) != 0 {
			return Err(NonceRefusal::Reused);
		}
		Ok(())
	}

	/// Records `nonce` as used (after [`NonceWindow::check`] allowed it).
	pub fn record(&mut self, nonce: u64) {
		let nonce = u128::from(nonce);
		if nonce >= self.top {
			// The window slides up to the new highest nonce.
			let shift = nonce - self.top + 1;
			self.seen = if shift >= NONCE_WINDOW { 0 } else { self.seen << shift };
			self.seen |= 1;
			self.top = nonce + 1;
		} else {
			self.seen |= 1u128 << (self.top - 1 - nonce);
		}
	}

	/// Whether `nonce` counts as used: recorded, or below the window.
	pub fn is_used(&self, nonce: u64) -> bool {
		self.check(nonce).is_err()
	}
}

/// What an attestor signs to revoke one of its attestations.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct RevocationPayload<Hash> {
	/// Domain tag, `b"utc/revoke"`: a revocation never reads as an attestation.
	pub tag: [u8; 10],
	pub genesis_hash: Hash,
	pub attestation: AttestationId,
}

/// The domain tag of [`RevocationPayload`].
pub const REVOCATION_TAG: [u8; 10] = *b"utc/revoke";

/// An accepted attestation: capacity granted to a provider for a window.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct Attestation<AccountId, BlockNumber> {
	pub provider: AccountId,
	pub class: ClassId,
	pub attestor: AttestorKey,
	/// Units granted.
	pub units: Units,
	/// Units minted against this attestation so far (never more than `units`).
	pub minted: Units,
	pub valid_from: BlockNumber,
	pub valid_until: BlockNumber,
	pub evidence_hash: H256,
	pub nonce: u64,
	/// Revoked attestations grant nothing; the record stays until its expiry.
	pub revoked: bool,
}

impl<AccountId, BlockNumber: PartialOrd> Attestation<AccountId, BlockNumber> {
	/// Whether the attestation grants capacity at block `now`.
	pub fn is_live(&self, now: &BlockNumber) -> bool {
		!self.revoked && self.valid_from <= *now && *now < self.valid_until
	}

	/// Whether it will grant capacity later (it is not yet valid).
	pub fn is_pending(&self, now: &BlockNumber) -> bool {
		!self.revoked && *now < self.valid_from
	}

	/// Units not yet minted against it.
	pub fn unminted(&self) -> Units {
		self.units.saturating_sub(self.minted)
	}
}

/// A registered provider.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
#[scale_info(skip_type_params(StringLimit, MaxAttestations))]
// The derives repeat `Balance`'s bounds in their where clauses.
#[allow(clippy::multiple_bound_locations)]
pub struct ProviderInfo<
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	StringLimit: Get<u32>,
	MaxAttestations: Get<u32>,
> {
	pub name: BoundedVec<u8, StringLimit>,
	/// Region code, for example `EU-WEST` (upper-case letters, digits and `-`).
	pub region: BoundedVec<u8, StringLimit>,
	/// The storage deposit held while registered.
	pub deposit: Balance,
	/// The provider's attestations that have not expired yet.
	pub attestations: BoundedVec<AttestationId, MaxAttestations>,
	/// Units owed across all classes.
	pub total_obligation: Units,
}

/// What a provider has attested, minted and owes in one class.
#[derive(
	Clone,
	Default,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct ProviderLedger {
	/// Units of every attestation ever accepted (live or not).
	pub attested: Units,
	/// Units ever minted.
	pub minted: Units,
	/// Units owed: minted, less retired and settled.
	pub obligation: Units,
}

/// A class's supply side: what its providers owe and what holders redeemed.
#[derive(
	Clone,
	Default,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct ClassSupply {
	/// Σ of the providers' obligations in the class.
	pub obligations: Units,
	/// Units burned by redemption whose delivery is not yet settled.
	pub redeemed: Units,
}

/// Who revoked an attestation.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum Revoker {
	Admin,
	Attestor,
}

/// A provider's position in one class, as the runtime API reports it.
#[derive(Clone, Default, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct ProviderClassState {
	/// Units of live attestations.
	pub live_capacity: Units,
	/// Units of attestations not yet valid.
	pub pending_capacity: Units,
	/// Units the provider may mint now: its live attested capacity not yet
	/// minted, as far as its bond backs more (the smaller of the two below).
	pub mintable: Units,
	/// Live attested capacity not yet minted.
	pub unminted_capacity: Units,
	/// More units the provider's bond backs in the class (pallet-sla's figure).
	pub backable: Units,
	pub ledger: ProviderLedger,
}
