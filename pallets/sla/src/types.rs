//! The data of pallet-sla: SLA modules, bonds, disputes and slashes.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::{ConstU32, Get},
	BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::{
	traits::{Saturating, Zero},
	Perbill,
};
use utc_primitives::{ClassId, Evidence, JobId, ModuleId, Units};

/// A dispute opened by a job owner's report.
pub type DisputeId = u64;
/// A slash scheduled against a provider's bond.
pub type SlashId = u64;
/// The longest region code a Region module names.
pub type MaxRegionCode = ConstU32<16>;
/// A region code: upper-case letters, digits and `-`.
pub type RegionCode = BoundedVec<u8, MaxRegionCode>;

/// The standard term an SLA module guarantees, with its measurement.
#[derive(
	Clone,
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
pub enum ModuleKind {
	/// Heartbeats answered at least `min_per_mille` of the time over `window` blocks;
	/// measured in per-mille.
	#[codec(index = 0)]
	Uptime { min_per_mille: u16, window: u32 },
	/// A job starts at most `max_blocks` after it is assigned; measured in blocks.
	#[codec(index = 1)]
	StartLatency { max_blocks: u32 },
	/// A job completes within `max_blocks_per_unit` blocks per unit (of the class's
	/// whole unit); measured in blocks per unit.
	#[codec(index = 2)]
	CompletionTime { max_blocks_per_unit: u32 },
	/// The hardware delivers at least `min_score` on the class's performance
	/// benchmark; measured as that score.
	#[codec(index = 3)]
	Throughput { min_score: u32 },
	/// Jobs run in region `code`; any evidence of running elsewhere breaks it whole.
	#[codec(index = 4)]
	Region { code: RegionCode },
}

impl ModuleKind {
	/// Whether the term's parameters make sense: a positive bound, uptime in
	/// per-mille, a well-formed region code.
	pub fn is_valid(&self) -> bool {
		match self {
			Self::Uptime { min_per_mille, window } => {
				(1..=1000).contains(min_per_mille) && *window > 0
			}
			Self::StartLatency { max_blocks } => *max_blocks > 0,
			Self::CompletionTime { max_blocks_per_unit } => *max_blocks_per_unit > 0,
			Self::Throughput { min_score } => *min_score > 0,
			Self::Region { code } => {
				!code.is_empty()
					&& code
						.iter()
						.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'-')
			}
		}
	}

	/// How far `evidence` falls short of the term, from nothing (`None`: the term
	/// was met) to all of it. A minimum is short by `(min - measured) / min`; a
	/// maximum by `(measured - max) / max`, whole at twice the maximum or more.
	pub fn shortfall(&self, evidence: Evidence) -> Option<Perbill> {
		let measured = match evidence {
			Evidence::Failed => return Some(Perbill::one()),
			Evidence::Measured(measured) => measured,
		};
		let below = |min: u32| {
			(measured < min).then(|| Perbill::from_rational(min.saturating_sub(measured), min))
		};
		let above = |max: u32| {
			(measured > max)
				.then(|| Perbill::from_rational(measured.saturating_sub(max).min(max), max))
		};
		match self {
			Self::Uptime { min_per_mille, .. } => below(u32::from(*min_per_mille)),
			Self::StartLatency { max_blocks } => above(*max_blocks),
			Self::CompletionTime { max_blocks_per_unit } => above(*max_blocks_per_unit),
			Self::Throughput { min_score } => below(*min_score),
			Self::Region { .. } => Some(Perbill::one()),
		}
	}
}

/// What a breach of a module costs: a rate of the bond at stake that grows with
/// the shortfall, and how much of it goes to the harmed job owner.
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
pub struct PenaltySchedule<Balance> {
	/// The rate slashed for the smallest shortfall.
	pub min_rate: Perbill,
	/// The rate slashed for a whole shortfall (a failed job).
	pub max_rate: Perbill,
	/// The job owner's compensation per affected unit, paid first from the slash.
	pub compensation_per_unit: Balance,
}

impl PenaltySchedule<u128> {
	/// Whether the rates are ordered.
	pub fn is_valid(&self) -> bool {
		self.min_rate <= self.max_rate
	}

	/// The penalty for `shortfall` over a bond at stake of `stake`:
	/// `(min_rate + (max_rate - min_rate) × shortfall) × stake`.
	pub fn penalty(&self, shortfall: Perbill, stake: u128) -> u128 {
		let rate =
			self.min_rate.saturating_add(shortfall * (self.max_rate.saturating_sub(self.min_rate)));
		rate * stake
	}
}

/// Whether a module takes new subscriptions.
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
pub enum ModuleStatus {
	/// Providers may subscribe.
	#[codec(index = 0)]
	Active,
	/// No new subscriptions; subscribers may leave even while they owe compute.
	#[codec(index = 1)]
	Retired,
}

/// A standard SLA term and its economics.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct SlaModule<Balance> {
	/// The term and its measurement.
	pub kind: ModuleKind,
	/// Native tokens of bond per unit of open obligation, per subscribing provider.
	pub bond_per_unit: Balance,
	/// What a breach costs.
	pub penalty: PenaltySchedule<Balance>,
	/// Whether it takes new subscriptions.
	pub status: ModuleStatus,
}

/// Bonded funds on their way out, free at `unlock_at` and slashable until withdrawn.
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
pub struct UnbondChunk<Balance, BlockNumber> {
	pub amount: Balance,
	pub unlock_at: BlockNumber,
}

/// A provider's bond: all of it is held under `HoldReason::Bond`.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
)]
#[scale_info(skip_type_params(MaxChunks))]
pub struct BondLedger<BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug, MaxChunks: Get<u32>> {
	/// What backs obligations now.
	pub active: u128,
	/// What is leaving, oldest first.
	pub unbonding: BoundedVec<UnbondChunk<u128, BlockNumber>, MaxChunks>,
}

impl<BlockNumber, MaxChunks> Default for BondLedger<BlockNumber, MaxChunks>
where
	BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxChunks: Get<u32>,
{
	fn default() -> Self {
		Self { active: 0, unbonding: Default::default() }
	}
}

impl<BlockNumber, MaxChunks> BondLedger<BlockNumber, MaxChunks>
where
	BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxChunks: Get<u32>,
{
	/// Everything held: active plus unbonding.
	pub fn total(&self) -> u128 {
		self.unbonding.iter().fold(self.active, |sum, c| sum.saturating_add(c.amount))
	}

	/// Whether nothing is bonded or unbonding.
	pub fn is_empty(&self) -> bool {
		self.active.is_zero() && self.unbonding.is_empty()
	}

	/// Takes up to `amount` from the bond, the chunks that unlock last first (the
	/// surplus the provider is taking out) and the active part, which backs its
	/// obligations, last; returns what it took.
	pub fn take(&mut self, amount: u128) -> u128 {
		let mut left = amount;
		for chunk in self.unbonding.iter_mut().rev() {
			let take = chunk.amount.min(left);
			chunk.amount = chunk.amount.saturating_sub(take);
			left = left.saturating_sub(take);
		}
		self.unbonding.retain(|c| !c.amount.is_zero());
		let from_active = self.active.min(left);
		self.active = self.active.saturating_sub(from_active);
		amount.saturating_sub(left.saturating_sub(from_active))
	}
}

/// The slashes scheduled against a provider and not yet applied: while any is,
/// it withdraws nothing, and their penalties count against its bond.
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
pub struct PendingPenalties<Balance> {
	/// How many.
	pub slashes: u32,
	/// The sum of their penalties: the most they can take.
	pub penalty: Balance,
}

/// A job owner's report that a provider breached a module on a job, open until
/// the admin origin resolves it or its deadline passes and it stands.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct Dispute<AccountId, BlockNumber> {
	pub provider: AccountId,
	/// The job owner who reported.
	pub reporter: AccountId,
	pub module: ModuleId,
	pub job: JobId,
	pub class: ClassId,
	/// The units of the job.
	pub units: Units,
	/// The hash of the reporter's evidence, kept off chain.
	pub evidence_hash: H256,
	/// The hash of the provider's answer, if it answered.
	pub response_hash: Option<H256>,
	/// At this block the report stands unless resolved.
	pub deadline: BlockNumber,
}

/// How the admin origin closes a dispute.
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
pub enum Verdict {
	/// The breach happened as `evidence` measures it: its slash is scheduled.
	Upheld(Evidence),
	/// The report was wrong: nothing is slashed.
	Dismissed,
}

/// Who closed an upheld dispute.
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
pub enum Resolution {
	/// The admin origin upheld it.
	Admin,
	/// Nobody dismissed it before its deadline.
	Timeout,
}

/// A slash waiting out its cancellation window.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct PendingSlash<AccountId, Balance, BlockNumber> {
	pub provider: AccountId,
	pub module: ModuleId,
	pub class: ClassId,
	/// The units the breach affected.
	pub units: Units,
	/// How far short of the term.
	pub shortfall: Perbill,
	/// What the penalty schedule asks; less is taken if the bond holds less.
	pub penalty: Balance,
	/// The most the job owner is paid from it.
	pub compensation: Balance,
	/// The harmed job owner, if the breach was on a job.
	pub beneficiary: Option<AccountId>,
	/// Who reported it, for a bounty.
	pub reporter: Option<AccountId>,
	pub job: Option<JobId>,
	/// From this block it is applied (in pages, earliest first).
	pub due: BlockNumber,
}

/// An applied slash and where its funds went.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct SlashRecord<Balance, BlockNumber> {
	pub slash: SlashId,
	pub module: ModuleId,
	pub job: Option<JobId>,
	/// What the penalty schedule asked.
	pub penalty: Balance,
	/// What was taken from the bond.
	pub taken: Balance,
	pub to_owner: Balance,
	pub to_reporter: Balance,
	pub to_treasury: Balance,
	pub at: BlockNumber,
}

impl<BlockNumber> SlashRecord<u128, BlockNumber> {
	/// Whether the slash paid out exactly what it took, and took no more than asked.
	pub fn balances(&self) -> bool {
		let paid = self.to_owner.saturating_add(self.to_reporter).saturating_add(self.to_treasury);
		paid == self.taken && self.taken <= self.penalty
	}
}

/// The delays of bonds, disputes and slashes, set by the admin origin.
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
pub struct SlaParameters<BlockNumber> {
	/// Blocks from `unbond` until the chunk may be withdrawn.
	pub unbonding_delay: BlockNumber,
	/// Blocks a provider has to respond before a report stands.
	pub dispute_window: BlockNumber,
	/// Blocks a slash waits, cancellable, before it is applied.
	pub slash_defer: BlockNumber,
}

impl<BlockNumber: Copy + Ord + Saturating + Zero> SlaParameters<BlockNumber> {
	/// Every delay is positive, and funds being unbonded stay slashable for as long
	/// as a report on their last job can take to be decided and applied.
	pub fn is_valid(&self) -> bool {
		!self.dispute_window.is_zero()
			&& !self.slash_defer.is_zero()
			&& self.unbonding_delay >= self.dispute_window.saturating_add(self.slash_defer)
	}
}

/// A provider's bond as clients read it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, Default)]
pub struct BondView<Balance, BlockNumber> {
	/// The bond backing obligations now.
	pub active: Balance,
	/// What its obligations under its modules require.
	pub required: Balance,
	/// Chunks on their way out: (amount, unlock block).
	pub unbonding: alloc::vec::Vec<(Balance, BlockNumber)>,
	/// The bond is below the requirement: no mints, no new jobs until topped up.
	pub under_collateralized: bool,
}
