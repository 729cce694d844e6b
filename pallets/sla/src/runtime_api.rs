//! The runtime API through which providers, job owners and indexers read bonds,
//! subscriptions, disputes and slashes.

use crate::types::{DisputeId, SlashId};
use alloc::vec::Vec;
use codec::Codec;
use utc_primitives::{ClassId, ModuleId};

sp_api::decl_runtime_apis! {
	/// SLA modules, providers' bonds and what was slashed.
	pub trait SlaApi<AccountId, SlaModule, BondView, Dispute, PendingSlash, SlashRecord>
	where
		AccountId: Codec,
		SlaModule: Codec,
		BondView: Codec,
		Dispute: Codec,
		PendingSlash: Codec,
		SlashRecord: Codec,
	{
		/// Every module with its id, retired ones too.
		fn modules() -> Vec<(ModuleId, SlaModule)>;
		/// A provider's active bond, its requirement, its unbonding chunks and
		/// whether it is under-collateralized.
		fn bond(provider: AccountId) -> BondView;
		/// A provider's (class, module) subscriptions.
		fn subscriptions(provider: AccountId) -> Vec<(ClassId, ModuleId)>;
		/// A provider's open disputes.
		fn open_disputes(provider: AccountId) -> Vec<(DisputeId, Dispute)>;
		/// A provider's slashes waiting out their cancellation window.
		fn pending_slashes(provider: AccountId) -> Vec<(SlashId, PendingSlash)>;
		/// A provider's last applied slashes, oldest first.
		fn slash_history(provider: AccountId) -> Vec<SlashRecord>;
	}
}
