//! The data of pallet-federation: jobs and their workloads, providers' service
//! declarations, heartbeats, reputation and the routing worker's batches.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::{ConstU32, Get},
	BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;
use sp_core::H256;
use utc_primitives::{ClassId, JobId, Units};

/// A short byte string of a workload: a program, an argument, an image, a URL.
pub type WorkloadText = BoundedVec<u8, ConstU32<256>>;
/// The arguments of a command or container.
pub type WorkloadArgs = BoundedVec<WorkloadText, ConstU32<32>>;
/// A workload's environment: (name, value) pairs.
pub type WorkloadEnv = BoundedVec<(BoundedVec<u8, ConstU32<64>>, WorkloadText), ConstU32<16>>;
/// A Slurm batch script.
pub type BatchScript = BoundedVec<u8, ConstU32<1024>>;
/// Why a provider says a job failed.
pub type FailureReason = BoundedVec<u8, ConstU32<128>>;

/// The kinds of workload a provider runs.
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
pub enum WorkloadKind {
	/// A program run in the agent's sandbox.
	#[codec(index = 0)]
	Command,
	/// An OCI image run by podman.
	#[codec(index = 1)]
	Container,
	/// A Slurm batch script.
	#[codec(index = 2)]
	Batch,
}

/// A set of workload kinds.
#[derive(
	Clone,
	Copy,
	Default,
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
pub struct WorkloadKinds {
	pub command: bool,
	pub container: bool,
	pub batch: bool,
}

impl WorkloadKinds {
	/// Whether `kind` is in the set.
	pub fn contains(&self, kind: WorkloadKind) -> bool {
		match kind {
			WorkloadKind::Command => self.command,
			WorkloadKind::Container => self.container,
			WorkloadKind::Batch => self.batch,
		}
	}

	/// Whether every kind of `other` is in the set.
	pub fn covers(&self, other: &WorkloadKinds) -> bool {
		(!other.command || self.command)
			&& (!other.container || self.container)
			&& (!other.batch || self.batch)
	}

	/// Whether the set is empty.
	pub fn is_empty(&self) -> bool {
		!self.command && !self.container && !self.batch
	}
}

/// What the agent runs.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub enum WorkloadSpec {
	/// `program` (an absolute path) with `args`, in the agent's sandbox.
	#[codec(index = 0)]
	Command { program: WorkloadText, args: WorkloadArgs, env: WorkloadEnv },
	/// The OCI `image` with `args`, under podman.
	#[codec(index = 1)]
	Container { image: WorkloadText, args: WorkloadArgs, env: WorkloadEnv },
	/// A Slurm batch script.
	#[codec(index = 2)]
	Batch { script: BatchScript },
}

impl WorkloadSpec {
	pub fn kind(&self) -> WorkloadKind {
		match self {
			Self::Command { .. } => WorkloadKind::Command,
			Self::Container { .. } => WorkloadKind::Container,
			Self::Batch { .. } => WorkloadKind::Batch,
		}
	}
}

/// Data a job reads or writes: where it is and the blake2-256 hash of its content.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct DataRef {
	pub url: WorkloadText,
	pub hash: H256,
}

/// A job's workload: what runs, on what data, with what resources.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct Workload {
	pub spec: WorkloadSpec,
	/// Input the agent fetches before the job starts, checked against its hash.
	pub input: Option<DataRef>,
	/// Where the owner expects the output and the hash it expects, for its own
	/// checks against the reported result hash.
	pub output: Option<DataRef>,
	/// GPUs the job needs.
	pub gpus: u32,
	/// Memory the job needs, in MiB (0: the agent's default).
	pub memory_mb: u32,
}

/// A job's place in its life.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub enum JobState<AccountId, BlockNumber> {
	/// Waiting for the routing worker.
	#[codec(index = 0)]
	Pending,
	/// Assigned to `provider` at block `at`; at `start_by` it is late unless started.
	#[codec(index = 1)]
	Assigned { provider: AccountId, at: BlockNumber, start_by: BlockNumber },
	/// Started on `provider` at `since`; at `complete_by` it is late unless completed.
	#[codec(index = 2)]
	Running { provider: AccountId, since: BlockNumber, complete_by: BlockNumber },
	/// Delivered: `usage` units settled to `provider`, the rest refunded.
	#[codec(index = 3)]
	Completed { provider: AccountId, usage: Units, result_hash: H256 },
	/// Cancelled by its owner while pending: every unit minted back.
	#[codec(index = 4)]
	Cancelled,
	/// No provider delivered it within the retries: every unit minted back.
	#[codec(index = 5)]
	Refunded,
}

impl<AccountId, BlockNumber> JobState<AccountId, BlockNumber> {
	/// The provider holding the job now (assigned or running).
	pub fn provider(&self) -> Option<&AccountId> {
		match self {
			Self::Assigned { provider, .. } | Self::Running { provider, .. } => Some(provider),
			_ => None,
		}
	}

	/// Whether the job is finished for good.
	pub fn is_final(&self) -> bool {
		matches!(self, Self::Completed { .. } | Self::Cancelled | Self::Refunded)
	}
}

/// A redemption of UTC tokens for compute.
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
#[scale_info(skip_type_params(MaxModules, MaxAttempts))]
// The derives repeat the parameters' bounds in their where clauses.
#[allow(clippy::multiple_bound_locations)]
pub struct Job<
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxModules: Get<u32>,
	MaxAttempts: Get<u32>,
> {
	pub owner: AccountId,
	pub class: ClassId,
	/// Units redeemed, in the class token's smallest part.
	pub units: Units,
	/// The SLA modules the job asks for, sorted.
	pub modules: BoundedVec<utc_primitives::ModuleId, MaxModules>,
	pub kind: WorkloadKind,
	/// Blocks a provider has from assignment to start.
	pub max_start_delay: BlockNumber,
	pub submitted_at: BlockNumber,
	pub state: JobState<AccountId, BlockNumber>,
	/// Providers that missed a deadline or failed the job: never routed it again.
	pub tried: BoundedVec<AccountId, MaxAttempts>,
	/// A re-routed job not assigned again by this block is refunded.
	pub reroute_by: Option<BlockNumber>,
}

/// What a provider's operator reports of a job.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub enum JobReport {
	/// The agent started it.
	Started,
	/// It finished: `usage` units of the class were used, its output hashes to `result_hash`.
	Completed { usage: Units, result_hash: H256 },
	/// It failed, for `reason`.
	Failed { reason: FailureReason },
}

/// How a job's attempt ended badly: what the chain measured.
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
pub enum Breach {
	/// Not started within the start delay.
	#[codec(index = 0)]
	MissedStart,
	/// Not completed within the completion time.
	#[codec(index = 1)]
	MissedCompletion,
	/// The provider reported it failed.
	#[codec(index = 2)]
	Failed,
}

/// A provider's service: who operates it, what it runs, how many jobs at once.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct Service<AccountId, BlockNumber> {
	/// The hot key in the provider node's keystore that reports jobs and heartbeats.
	pub operator: Option<AccountId>,
	pub kinds: WorkloadKinds,
	/// Jobs in flight (assigned or running) at most.
	pub concurrency: u32,
	/// Jobs in flight now.
	pub in_flight: u32,
	/// The block of the last heartbeat.
	pub last_heartbeat: Option<BlockNumber>,
}

/// Heartbeats counted over a provider's current uptime window.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct UptimeWindow<BlockNumber> {
	/// First block of the window.
	pub since: BlockNumber,
	/// Blocks the window lasts.
	pub window: u32,
	/// Heartbeats in it so far.
	pub beats: u32,
}

/// A provider's delivery score: per-mille, 1000 when every job is on time.
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
pub struct Reputation<BlockNumber> {
	pub score: u16,
	/// When it last changed: it decays toward neutral from there.
	pub updated: BlockNumber,
	pub completed: u32,
	pub violations: u32,
}

/// A routing worker's batch: the assignments it computed at block `at`.
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
#[scale_info(skip_type_params(MaxBatch))]
// The derives repeat the parameters' bounds in their where clauses.
#[allow(clippy::multiple_bound_locations)]
pub struct RoutingBatch<
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug,
	RoutingId: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxBatch: Get<u32>,
> {
	/// The block whose state the worker read.
	pub at: BlockNumber,
	/// The routing key that signs the batch.
	pub router: RoutingId,
	pub assignments: BoundedVec<(JobId, AccountId), MaxBatch>,
}

/// The domain tag a routing key signs before a batch: a batch signature is never
/// valid as anything else.
pub const ROUTING_TAG: &[u8; 13] = b"utc/routing/1";

/// Why the runtime refused one assignment of a batch.
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
pub enum Refusal {
	/// The job is not pending.
	NotPending,
	/// The provider has no operator, no recent heartbeat or no live capacity.
	NotLive,
	/// The provider does not run the job's workload kind.
	KindNotAccepted,
	/// The provider is at its concurrency.
	NoSlot,
	/// The provider owes fewer unassigned units of the class than the job needs.
	InsufficientObligation,
	/// The provider does not subscribe to the job's modules or its bond is short.
	CannotServe,
	/// The provider already missed or failed this job.
	AlreadyTried,
}

/// What a client reads of a job.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct JobView<AccountId, BlockNumber> {
	pub id: JobId,
	pub owner: AccountId,
	pub class: ClassId,
	pub units: Units,
	pub modules: alloc::vec::Vec<utc_primitives::ModuleId>,
	pub kind: WorkloadKind,
	pub state: JobState<AccountId, BlockNumber>,
	pub history: alloc::vec::Vec<(BlockNumber, JobEvent<AccountId>)>,
}

/// One step of a job's history.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub enum JobEvent<AccountId> {
	#[codec(index = 0)]
	Submitted,
	#[codec(index = 1)]
	Assigned(AccountId),
	#[codec(index = 2)]
	Started(AccountId),
	#[codec(index = 3)]
	Completed(AccountId),
	/// The provider missed a deadline or failed the job.
	#[codec(index = 4)]
	Breached(AccountId, Breach),
	#[codec(index = 5)]
	Cancelled,
	#[codec(index = 6)]
	Refunded,
}
