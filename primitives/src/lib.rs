//! UTC chain's shared ids and the traits through which its pallets talk.
//!
//! A pallet never reads another pallet's storage: it asks through one of these
//! traits, and the runtime wires the pallet that answers.

#![cfg_attr(not(feature = "std"), no_std)]

use sp_runtime::DispatchResult;

/// A compute class: the standard unit a UTC token stands for.
pub type ClassId = u32;
/// A provider's attestation of capacity.
pub type AttestationId = u64;
/// A job: a redemption of UTC tokens for compute.
pub type JobId = u64;
/// Units of compute (and of the UTC token that stands for them), in the token's
/// smallest denomination.
pub type Units = u128;

/// Whether a provider's bond backs more obligation: pallet-compute asks this
/// before every mint; the SLA pallet answers from the provider's bond and modules.
pub trait BackingCheck<AccountId> {
	/// May `provider` take `additional` more units of obligation in `class`, on top
	/// of the `current` units it already owes there?
	fn can_back(provider: &AccountId, class: ClassId, current: Units, additional: Units) -> bool;
}

/// Every mint is backed: the policy of a runtime without bonds (and of tests).
impl<AccountId> BackingCheck<AccountId> for () {
	fn can_back(_: &AccountId, _: ClassId, _: Units, _: Units) -> bool {
		true
	}
}

/// What the SLA pallet needs to know of obligations, answered by pallet-compute.
pub trait ObligationInspect<AccountId> {
	/// The units `provider` owes in `class`: minted and not yet retired or settled.
	fn obligation(provider: &AccountId, class: ClassId) -> Units;
}

/// The redemption side of UTC tokens, called by the federation pallet: a holder
/// redeems tokens for a job, and a provider's delivery settles its obligation.
pub trait ComputeLedger<AccountId> {
	/// Burns `units` of `class` tokens from `holder` for a job; the units stay owed
	/// by providers until settled.
	fn redeem(holder: &AccountId, class: ClassId, units: Units) -> DispatchResult;
	/// Cancels a redemption that no provider served: mints the units back to `holder`.
	fn refund(holder: &AccountId, class: ClassId, units: Units) -> DispatchResult;
	/// Records that `provider` delivered `units` of redeemed compute in `class`,
	/// retiring that much of its obligation.
	fn settle(provider: &AccountId, class: ClassId, units: Units) -> DispatchResult;
}
