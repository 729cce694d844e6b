//! The runtime API through which job owners, providers and indexers read jobs,
//! eligible providers and reputation.

use crate::types::WorkloadKind;
use alloc::vec::Vec;
use codec::Codec;
use utc_primitives::{ClassId, JobId, ModuleId, Units};

sp_api::decl_runtime_apis! {
	/// Jobs, routing and providers' delivery record.
	pub trait FederationApi<AccountId, JobView, Reputation>
	where
		AccountId: Codec,
		JobView: Codec,
		Reputation: Codec,
	{
		/// Pending jobs, oldest first, at most `limit`.
		fn pending_jobs(limit: u32) -> Vec<JobId>;
		/// A job's state and history.
		fn job(job: JobId) -> Option<JobView>;
		/// The jobs assigned to or running on a provider.
		fn provider_jobs(provider: AccountId) -> Vec<JobId>;
		/// Providers that could take a job of `units` of `class_id` under `modules`
		/// running a `kind` workload now.
		fn eligible_providers(
			class_id: ClassId,
			modules: Vec<ModuleId>,
			kind: WorkloadKind,
			units: Units,
		) -> Vec<AccountId>;
		/// A provider's delivery score (decayed to now) and counts.
		fn reputation(provider: AccountId) -> Reputation;
	}
}
