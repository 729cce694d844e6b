//! The jobs of the Agent API (v1): what the provider's node posts and what the
//! agent answers. Field names and encodings follow the contract in UTC chain's
//! architecture: large integers travel as decimal strings, hashes as `0x` hex.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A job as the provider's node posts it. Unknown fields are refused, so a
/// misspelt one is an error rather than a silent default.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobRequest {
	/// The on-chain job id, as a decimal string.
	pub job_id: String,
	/// The compute class the job redeemed.
	pub class: u32,
	/// The redeemed units, as a decimal string.
	pub units: String,
	/// The hard wall-clock limit: the redeemed units' duration.
	pub max_duration_ms: u64,
	pub workload: Workload,
	#[serde(default)]
	pub input: Option<InputRef>,
	#[serde(default)]
	pub resources: Resources,
	/// Whether the job asks for network access (granted only where its class allows it).
	#[serde(default)]
	pub network: bool,
}

/// What to run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Workload {
	/// A program run in a bubblewrap sandbox (or wrapped as a Slurm batch script).
	Command {
		program: String,
		#[serde(default)]
		args: Vec<String>,
		#[serde(default)]
		env: BTreeMap<String, String>,
	},
	/// An image already present in the provider's podman store.
	Container {
		image: String,
		#[serde(default)]
		args: Vec<String>,
		#[serde(default)]
		env: BTreeMap<String, String>,
	},
	/// A Slurm batch script.
	Batch { script: String },
}

impl Workload {
	pub fn kind(&self) -> WorkloadKind {
		match self {
			Workload::Command { .. } => WorkloadKind::Command,
			Workload::Container { .. } => WorkloadKind::Container,
			Workload::Batch { .. } => WorkloadKind::Batch,
		}
	}
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkloadKind {
	Command,
	Container,
	Batch,
}

/// An input the agent fetches before the job starts and checks against its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputRef {
	pub url: String,
	/// `0x` + the blake2-256 of the content.
	pub hash: String,
}

/// What the job asks of the machine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
	#[serde(default)]
	pub gpus: u32,
	#[serde(default)]
	pub memory_mb: Option<u64>,
}

/// The state a job is in, as the Agent API reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
	Queued,
	Running,
	Completed,
	Failed,
	Cancelled,
}

impl JobState {
	pub const ALL: [JobState; 5] = [
		JobState::Queued,
		JobState::Running,
		JobState::Completed,
		JobState::Failed,
		JobState::Cancelled,
	];

	pub fn is_final(self) -> bool {
		matches!(self, JobState::Completed | JobState::Failed | JobState::Cancelled)
	}

	pub fn as_str(self) -> &'static str {
		match self {
			JobState::Queued => "queued",
			JobState::Running => "running",
			JobState::Completed => "completed",
			JobState::Failed => "failed",
			JobState::Cancelled => "cancelled",
		}
	}

	pub fn parse(s: &str) -> Option<JobState> {
		JobState::ALL.into_iter().find(|state| state.as_str() == s)
	}
}

/// The engine a job runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
	Process,
	Container,
	Slurm,
}

impl BackendKind {
	pub const ALL: [BackendKind; 3] =
		[BackendKind::Process, BackendKind::Container, BackendKind::Slurm];

	pub fn as_str(self) -> &'static str {
		match self {
			BackendKind::Process => "process",
			BackendKind::Container => "container",
			BackendKind::Slurm => "slurm",
		}
	}
}

/// Measured usage, raw: the node converts it into units of the job's class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
	pub wall_ms: u64,
	pub cpu_ms: u64,
	pub gpus: u32,
}

/// A job's status, as the Agent API reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobStatus {
	pub job_id: String,
	pub state: JobState,
	pub backend: BackendKind,
	pub accepted_at_ms: u64,
	pub started_at_ms: Option<u64>,
	pub finished_at_ms: Option<u64>,
	pub exit_code: Option<i32>,
	/// Why a job failed or was cancelled: `exit`, `timeout`, `killed`, `backend: ...`,
	/// `rejected: ...`, `cancelled`.
	pub reason: Option<String>,
	pub usage: Usage,
	/// `0x` + blake2-256 of the output (see [`crate::metering::output_hash`]).
	pub result_hash: Option<String>,
}

impl JobStatus {
	/// A job just accepted: queued for `backend`, nothing measured yet.
	pub fn accepted(job_id: &str, backend: BackendKind, accepted_at_ms: u64) -> JobStatus {
		JobStatus {
			job_id: job_id.to_string(),
			state: JobState::Queued,
			backend,
			accepted_at_ms,
			started_at_ms: None,
			finished_at_ms: None,
			exit_code: None,
			reason: None,
			usage: Usage::default(),
			result_hash: None,
		}
	}
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|d| d.as_millis() as u64)
		.unwrap_or(0)
}
