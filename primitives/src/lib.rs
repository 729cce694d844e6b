//! UTC chain's shared ids and the traits through which its pallets talk.
//!
//! A pallet never reads another pallet's storage: it asks through one of these
//! traits, and the runtime wires the pallet that answers.

#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "std")]
pub mod testing;

extern crate alloc;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::{DispatchResult, Weight};

/// A compute class: the standard unit a UTC token stands for.
pub type ClassId = u32;
/// A provider's attestation of capacity.
pub type AttestationId = u64;
/// A job: a redemption of UTC tokens for compute.
pub type JobId = u64;
/// Units of compute (and of the UTC token that stands for them), in the token's
/// smallest denomination.
pub type Units = u128;
/// A standard SLA term (uptime, start latency, ...) defined in the SLA pallet.
pub type ModuleId = u32;

/// Whether a provider's bond backs more obligation: pallet-compute asks this
/// before every mint; the SLA pallet answers from the provider's bond and modules.
///
/// The asker passes what `provider` owes in each class (`owed`), so answering
/// never calls back into the pallet that holds the obligations.
pub trait BackingCheck<AccountId> {
	/// How many more units of obligation `provider` may take in `class`, on top of
	/// the `owed(class)` units it already owes there.
	fn backable(provider: &AccountId, class: ClassId, owed: &dyn Fn(ClassId) -> Units) -> Units;

	/// May `provider` take `additional` more units of obligation in `class`, on top
	/// of the `owed(class)` units it already owes there?
	fn can_back(
		provider: &AccountId,
		class: ClassId,
		owed: &dyn Fn(ClassId) -> Units,
		additional: Units,
	) -> bool {
		additional <= Self::backable(provider, class, owed)
	}

	/// The worst-case weight of one `can_back`, which the asking call adds to its own.
	fn can_back_weight() -> Weight {
		Weight::zero()
	}

	/// Makes `provider` able to back `units` more in `class`, so a benchmark can mint.
	#[cfg(feature = "runtime-benchmarks")]
	fn prepare_backing(_provider: &AccountId, _class: ClassId, _units: Units) {}
}

/// Every mint is backed: the policy of a runtime without bonds (and of tests).
impl<AccountId> BackingCheck<AccountId> for () {
	fn backable(_: &AccountId, _: ClassId, _: &dyn Fn(ClassId) -> Units) -> Units {
		Units::MAX
	}
}

/// What the SLA pallet needs to know of classes, providers and their obligations,
/// answered by pallet-compute.
pub trait ComputeInspect<AccountId> {
	/// Whether `class` is a compute class.
	fn class_exists(class: ClassId) -> bool;
	/// Whether `who` is a registered provider.
	fn is_provider(who: &AccountId) -> bool;
	/// The units `provider` owes in `class`: minted and not yet retired or settled.
	fn obligation(provider: &AccountId, class: ClassId) -> Units;
}

/// A region code (upper-case letters, digits and `-`) padded with zeros to 16
/// bytes; all zeros when unknown.
pub type RegionCode = [u8; 16];

/// Pads a region code to a [`RegionCode`]; `None` if it is longer than 16 bytes.
pub fn region_code(code: &[u8]) -> Option<RegionCode> {
	let mut padded = [0u8; 16];
	padded.get_mut(..code.len())?.copy_from_slice(code);
	Some(padded)
}

/// What one unit of a class is, as a job's metering needs it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub struct ClassTerms {
	/// Milliseconds of one device in one whole unit, for a class whose unit is a
	/// time (an hour: 3,600,000); `None` for a class of cycles or shots.
	pub unit_ms: Option<u64>,
	/// Decimals of the token: one whole unit is `10^decimals` smallest parts.
	pub decimals: u8,
}

impl ClassTerms {
	/// One whole unit in the token's smallest parts.
	pub fn whole(&self) -> Units {
		10u128.saturating_pow(u32::from(self.decimals))
	}

	/// Whole units covering `units` smallest parts, rounded up.
	pub fn whole_units_ceil(&self, units: Units) -> Units {
		units.div_ceil(self.whole().max(1))
	}
}

/// What job routing needs to know of classes and providers beyond
/// [`ComputeInspect`], answered by pallet-compute.
pub trait ComputeCapacity<AccountId>: ComputeInspect<AccountId> {
	/// The metering terms of `class`, if it exists.
	fn class_terms(class: ClassId) -> Option<ClassTerms>;
	/// The region a provider registered, if it is a provider.
	fn provider_region(who: &AccountId) -> Option<RegionCode>;
	/// The units of `provider`'s attestations in `class` that are live now.
	fn live_capacity(provider: &AccountId, class: ClassId) -> Units;
}

/// What the SLA pallet needs to know of one job.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct JobRecord<AccountId> {
	/// Who redeemed the tokens: the party a breach harms.
	pub owner: AccountId,
	/// The provider the job was assigned to, once it is.
	pub provider: Option<AccountId>,
	/// The class of compute the job asked for.
	pub class: ClassId,
	/// The units redeemed for it.
	pub units: Units,
	/// The SLA modules it was redeemed under: what a breach on it is judged against.
	pub modules: alloc::vec::Vec<ModuleId>,
}

/// The job side, answered by the federation pallet.
pub trait JobInspect<AccountId> {
	/// The job `job`, if there is one.
	fn job(job: JobId) -> Option<JobRecord<AccountId>>;
}

/// A runtime without jobs: no job exists.
impl<AccountId> JobInspect<AccountId> for () {
	fn job(_: JobId) -> Option<JobRecord<AccountId>> {
		None
	}
}

/// What was observed of a provider against an SLA module's term.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum Evidence {
	/// A measurement in the module's own unit: per-mille uptime, blocks to start,
	/// blocks per unit to complete, or performance score.
	Measured(u32),
	/// The job failed or the term was not met at all: the whole term is short.
	Failed,
}

/// An SLA module's term, as the federation pallet measures it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub enum SlaTerm {
	/// Heartbeats at least `min_per_mille` of the time over `window` blocks.
	Uptime { min_per_mille: u16, window: u32 },
	/// A job starts within `max_blocks` of its assignment.
	StartLatency { max_blocks: u32 },
	/// A job completes within `max_blocks_per_unit` blocks per whole unit.
	CompletionTime { max_blocks_per_unit: u32 },
	/// The hardware scores at least `min_score` on the class's benchmark.
	Throughput { min_score: u32 },
	/// Jobs run in this region.
	Region { code: RegionCode },
}

/// The SLA pallet as the federation pallet sees it: who may serve a job, and
/// where breaches measured by the chain itself are recorded.
pub trait SlaEnforcement<AccountId> {
	/// Whether `provider` subscribes to every one of `modules` in `class` and its
	/// bond covers what it owes: routing assigns jobs only to such providers.
	fn can_serve(provider: &AccountId, class: ClassId, modules: &[ModuleId]) -> bool;
	/// Records a breach of `module` by `provider` over `units` of `class`, seen by
	/// the chain (missed start or completion, failed job, missed heartbeats), and
	/// schedules its slash. With a `job`, its owner is compensated first.
	fn record_violation(
		provider: &AccountId,
		module: ModuleId,
		class: ClassId,
		units: Units,
		evidence: Evidence,
		job: Option<JobId>,
	) -> DispatchResult;
	/// The term of `module`, if the module exists and is not retired.
	fn term(module: ModuleId) -> Option<SlaTerm>;
	/// The highest performance score `provider` is bonded to deliver in `class`
	/// (its Throughput modules there); 0 if it promises none.
	fn performance(provider: &AccountId, class: ClassId) -> u32;
	/// The Uptime modules `provider` subscribes to: (class, module, min per-mille, window).
	fn uptime_terms(provider: &AccountId) -> alloc::vec::Vec<(ClassId, ModuleId, u16, u32)>;
	/// The worst-case weight of one `record_violation`.
	fn record_violation_weight() -> Weight;
	/// Forgets which of `job`'s `modules` were judged breached: the job left
	/// storage, so no report about it can arrive any more.
	fn forget_job(job: JobId, modules: &[ModuleId]);
	/// Makes `provider` able to serve `units` of `class` under one new module of
	/// each kind it returns, so a benchmark can route jobs: (start, completion, uptime).
	#[cfg(feature = "runtime-benchmarks")]
	fn prepare_service(
		_provider: &AccountId,
		_class: ClassId,
		_units: Units,
	) -> (ModuleId, ModuleId, ModuleId);
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

/// Tokens a holder keeps in its trading account (the order book's ledger), from
/// which the federation pallet lets it redeem without a withdrawal first.
pub trait TradingAccount<AccountId> {
	/// Makes `holder`'s wallet hold `units` of `class`, withdrawing what it lacks
	/// from its trading account (only free funds; nothing moves on an error).
	fn fund_redemption(holder: &AccountId, class: ClassId, units: Units) -> DispatchResult;
	/// The most [`Self::fund_redemption`] may weigh.
	fn fund_redemption_weight() -> Weight;
}

/// No trading accounts: the wallet alone pays.
impl<AccountId> TradingAccount<AccountId> for () {
	fn fund_redemption(_: &AccountId, _: ClassId, _: Units) -> DispatchResult {
		Ok(())
	}
	fn fund_redemption_weight() -> Weight {
		Weight::zero()
	}
}
