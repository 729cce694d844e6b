//! The runtime API through which clients read compute classes and providers'
//! attestations, capacity, mints and obligations.

use crate::types::{AttestorKey, ProviderClassState};
use alloc::vec::Vec;
use codec::Codec;
use utc_primitives::{AttestationId, ClassId};

sp_api::decl_runtime_apis! {
	/// Compute classes, attestors and providers' positions.
	pub trait ComputeApi<AccountId, ComputeClass, Attestation, AttestorInfo>
	where
		AccountId: Codec,
		ComputeClass: Codec,
		Attestation: Codec,
		AttestorInfo: Codec,
	{
		/// Every class with its id.
		fn classes() -> Vec<(ClassId, ComputeClass)>;
		/// One class.
		fn class(class_id: ClassId) -> Option<ComputeClass>;
		/// Every registered attestor.
		fn attestors() -> Vec<(AttestorKey, AttestorInfo)>;
		/// A provider's attestations that have not expired.
		fn provider_attestations(provider: AccountId) -> Vec<(AttestationId, Attestation)>;
		/// A provider's capacity, mintable units, minted and obligation in a class.
		fn provider_class_state(provider: AccountId, class_id: ClassId) -> ProviderClassState;
		/// The bytes an attestor signs to revoke an attestation.
		fn revocation_message(attestation: AttestationId) -> Vec<u8>;
	}
}
