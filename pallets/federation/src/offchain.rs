//! The offchain workers of pallet-federation.
//!
//! - **Routing** (a validator whose keystore holds a routing key of the current
//!   set, on its turn: the keys take one block each in order): reads the pending
//!   jobs and the providers, assigns them with `utc-routing`, signs the batch and
//!   submits `assign_jobs` as an authorized transaction. One worker at a time
//!   per node (`StorageLock`); the jobs it submitted
//!   stay out of its next rounds for a few blocks, so a batch still in the pool is
//!   not computed twice.
//! - **Provider** (a node whose keystore holds a provider's operator key): hands
//!   each job assigned to that provider to its agent (`utc-agent`, Agent API v1),
//!   polls it, and reports `Started`, `Completed` (usage metered into the class's
//!   units) or `Failed`, signed by the operator key. It sends the provider's
//!   heartbeat while the agent is healthy. What it handed over is kept in the
//!   node's persistent offchain storage, so a restart neither loses nor repeats a
//!   job (the agent is idempotent on job id), and a job taken away (re-routed
//!   after a deadline) is cancelled on the agent.
//!
//! The agent's URL and bearer token are read from persistent offchain storage
//! under [`AGENT_URL_KEY`] and [`AGENT_TOKEN_KEY`] (set by `utc-node --agent-url`
//! and `--agent-token-file`, or the `offchain_localStorageSet` RPC).

use crate::*;
use alloc::{
	collections::{btree_map::BTreeMap, btree_set::BTreeSet},
	format,
	string::{String, ToString},
	vec::Vec,
};
use codec::{Decode, Encode};
use frame_support::{traits::Get, BoundedVec};
use frame_system::{
	offchain::{CreateSignedTransaction, SubmitTransaction},
	pallet_prelude::BlockNumberFor,
};
use sp_core::H256;
use sp_runtime::{
	offchain::{
		http,
		storage::StorageValueRef,
		storage_lock::{StorageLock, Time},
		Duration,
	},
	traits::{One, Saturating, Zero},
	RuntimeAppPublic, SaturatedConversion,
};
use utc_primitives::{ClassId, ComputeCapacity, JobId, SlaEnforcement, SlaTerm, Units};

/// Persistent offchain storage key of the agent's base URL (`http://127.0.0.1:8730`).
pub const AGENT_URL_KEY: &[u8] = b"utc::agent_url";
/// Persistent offchain storage key of the agent's bearer token.
pub const AGENT_TOKEN_KEY: &[u8] = b"utc::agent_token";

const ROUTING_LOCK: &[u8] = b"utc/federation/routing-lock";
const ROUTED_KEY: &[u8] = b"utc/federation/routed";
const SERVE_LOCK: &[u8] = b"utc/federation/serve-lock";
const HANDED_KEY: &[u8] = b"utc/federation/handed";
const HEARTBEAT_KEY: &[u8] = b"utc/federation/heartbeat";
/// Blocks before the worker sends a report or a batch again that has not landed.
const RESEND_AFTER: u32 = 4;
/// How long one HTTP exchange with the agent may take.
const HTTP_TIMEOUT_MS: u64 = 2_000;

/// Runs both workers for block `now`.
pub fn run<T: Config>(now: BlockNumberFor<T>) {
	route::<T>(now);
	serve::<T>(now);
}

fn blocks<T: Config>(n: u32) -> BlockNumberFor<T> {
	n.into()
}

// ---------------------------------------------------------------- routing

/// The routing round: assign what is pending, if this node holds a routing key.
fn route<T: Config>(now: BlockNumberFor<T>) {
	let routers = Routers::<T>::get();
	let Some((position, key)) = T::RoutingId::all()
		.into_iter()
		.find_map(|k| routers.iter().position(|r| *r == k).map(|p| (p, k)))
	else {
		return;
	};
	// The routing keys take turns, one a block, so their batches do not collide.
	let turn = now.saturated_into::<u64>() % (routers.len() as u64).max(1);
	if turn != position as u64 {
		return;
	}
	let mut lock = StorageLock::<Time>::with_deadline(ROUTING_LOCK, Duration::from_millis(30_000));
	let Ok(_guard) = lock.try_lock() else { return };

	// Jobs this worker put in a batch lately wait for that batch to land.
	let routed = StorageValueRef::persistent(ROUTED_KEY);
	let recent: BTreeSet<JobId> = match routed.get::<(BlockNumberFor<T>, Vec<JobId>)>() {
		Ok(Some((at, jobs))) if now < at.saturating_add(blocks::<T>(RESEND_AFTER)) => {
			jobs.into_iter().collect()
		}
		_ => BTreeSet::new(),
	};
	let jobs: Vec<(JobId, JobOf<T>)> = PendingJobs::<T>::iter_keys()
		.filter(|id| !recent.contains(id))
		.filter_map(|id| Jobs::<T>::get(id).map(|job| (id, job)))
		.take(T::MaxRoutingJobs::get() as usize)
		.collect();
	if jobs.is_empty() {
		return;
	}
	let assignments = plan::<T>(&jobs);
	if assignments.is_empty() {
		return;
	}
	let ids: Vec<JobId> = assignments.iter().map(|(id, _)| *id).collect();
	let Ok(assignments) = assignments.try_into() else { return };
	let batch = RoutingBatch { at: now, router: key.clone(), assignments };
	let Some(signature) = key.sign(&Pallet::<T>::batch_message(&batch)) else { return };
	let call = Call::<T>::assign_jobs { batch, signature };
	let xt = T::create_authorized_transaction(call.into());
	if SubmitTransaction::<T, Call<T>>::submit_transaction(xt).is_ok() {
		routed.set(&(now, ids));
	}
}

/// The assignments of one routing round, at most `MaxBatch`, oldest jobs first.
pub fn plan<T: Config>(jobs: &[(JobId, JobOf<T>)]) -> Vec<(JobId, T::AccountId)> {
	// Providers that are live and have room: the offers.
	let providers: Vec<(T::AccountId, ServiceOf<T>)> = Services::<T>::iter()
		.filter(|(_, s)| Pallet::<T>::is_live(s) && s.in_flight < s.concurrency)
		.collect();
	if providers.is_empty() {
		return Vec::new();
	}
	let classes: BTreeSet<ClassId> = jobs.iter().map(|(_, j)| j.class).collect();
	let offers: Vec<utc_routing::Offer> = providers
		.iter()
		.map(|(who, service)| {
			let mut free: Vec<(ClassId, Units)> = classes
				.iter()
				.map(|c| (*c, Pallet::<T>::unassigned_obligation(who, *c)))
				.filter(|(_, u)| !u.is_zero())
				.collect();
			free.sort_unstable();
			utc_routing::Offer {
				region: T::Compute::provider_region(who).unwrap_or_default(),
				score: classes.iter().map(|c| T::Sla::performance(who, *c)).max().unwrap_or(0),
				reputation: Pallet::<T>::reputation(who).score,
				load: service.in_flight,
				slots: service.concurrency.saturating_sub(service.in_flight),
				free,
			}
		})
		.collect();

	// Jobs that ask the same of a provider share one eligibility group.
	type GroupKey<A> = (ClassId, Vec<u32>, WorkloadKind, Vec<A>);
	let mut groups: BTreeMap<GroupKey<T::AccountId>, u32> = BTreeMap::new();
	let mut eligible: Vec<Vec<u32>> = Vec::new();
	let mut routing_jobs = Vec::with_capacity(jobs.len());
	for (_, job) in jobs {
		let key = (job.class, job.modules.to_vec(), job.kind, job.tried.to_vec());
		let group = *groups.entry(key).or_insert_with(|| {
			let members = providers
				.iter()
				.enumerate()
				.filter(|(_, (who, service))| {
					Pallet::<T>::check_eligible(job, who, service, false).is_ok()
				})
				.map(|(i, _)| i as u32)
				.collect();
			eligible.push(members);
			(eligible.len() - 1) as u32
		});
		let region = job.modules.iter().find_map(|m| match T::Sla::term(*m) {
			Some(SlaTerm::Region { code }) => Some(code),
			_ => None,
		});
		routing_jobs.push(utc_routing::Job { class: job.class, units: job.units, region, group });
	}
	let problem = utc_routing::Problem { jobs: routing_jobs, offers, groups: eligible };
	let assignment = utc_routing::route(&problem);
	jobs.iter()
		.zip(assignment)
		.filter_map(|((id, _), offer)| {
			let (who, _) = providers.get(offer? as usize)?;
			Some((*id, who.clone()))
		})
		.take(T::MaxBatch::get() as usize)
		.collect()
}

// ---------------------------------------------------------------- provider

/// What the worker did with a job it handed to the agent.
#[derive(Encode, Decode, Clone, Default, PartialEq, Debug)]
struct Handoff<BlockNumber> {
	/// The agent accepted the job.
	posted: bool,
	/// The last report sent: its kind (0 started, 1 completed, 2 failed) and block.
	sent: Option<(u8, BlockNumber)>,
}

fn handoff_key(job: JobId) -> Vec<u8> {
	(b"utc/federation/job/", job).encode()
}

/// The provider round: for each provider this node operates, serve its jobs and
/// send its heartbeat.
fn serve<T: Config>(now: BlockNumberFor<T>) {
	let accounts: Vec<(T::AccountId, T::Public)> =
		frame_system::offchain::Signer::<T, T::OperatorAuthId>::keystore_accounts()
			.filter(|account| Operators::<T>::contains_key(&account.id))
			.map(|account| (account.id, account.public))
			.collect();
	if accounts.is_empty() {
		return;
	}
	let Some(agent) = Agent::from_storage() else {
		log::warn!(target: "federation", "an operator key is in the keystore but no agent URL is set");
		return;
	};
	let mut lock = StorageLock::<Time>::with_deadline(SERVE_LOCK, Duration::from_millis(60_000));
	let Ok(_guard) = lock.try_lock() else { return };

	let healthy = agent.healthy();
	for (operator, public) in accounts {
		let Some(provider) = Operators::<T>::get(&operator) else { continue };
		let mut reporter = Reporter::<T>::new(operator, public);
		if healthy {
			heartbeat::<T>(now, &provider, &mut reporter);
		}
		serve_provider::<T>(now, &provider, &agent, &mut reporter);
	}
}

/// Signs the operator's transactions with consecutive nonces within one round.
struct Reporter<T: Config> {
	account: T::AccountId,
	public: T::Public,
	nonce: T::Nonce,
}

impl<T: Config> Reporter<T> {
	fn new(account: T::AccountId, public: T::Public) -> Self {
		let nonce = frame_system::Account::<T>::get(&account).nonce;
		Self { account, public, nonce }
	}

	fn send(&mut self, call: Call<T>) -> bool {
		let Some(xt) = <T as CreateSignedTransaction<Call<T>>>::create_signed_transaction::<
			T::OperatorAuthId,
		>(call.into(), self.public.clone(), self.account.clone(), self.nonce) else {
			return false;
		};
		let sent = SubmitTransaction::<T, Call<T>>::submit_transaction(xt).is_ok();
		if sent {
			self.nonce = self.nonce.saturating_add(One::one());
		}
		sent
	}
}

fn heartbeat<T: Config>(
	now: BlockNumberFor<T>,
	provider: &T::AccountId,
	reporter: &mut Reporter<T>,
) {
	let Some(service) = Services::<T>::get(provider) else { return };
	let period = T::HeartbeatPeriod::get();
	// Beat once per period, a little before it ends so it lands on time.
	let due = service.last_heartbeat.is_none_or(|last| {
		now.saturating_add(blocks::<T>(2)) >= last.saturating_add(period)
			&& now >= last.saturating_add(period / blocks::<T>(2))
	});
	let store = StorageValueRef::persistent(HEARTBEAT_KEY);
	let key_last = (provider, ()).encode();
	let sent_lately = store
		.get::<Vec<(Vec<u8>, BlockNumberFor<T>)>>()
		.ok()
		.flatten()
		.unwrap_or_default()
		.into_iter()
		.any(|(k, at)| k == key_last && now < at.saturating_add(blocks::<T>(RESEND_AFTER)));
	if due && !sent_lately && reporter.send(Call::heartbeat {}) {
		let mut sent: Vec<(Vec<u8>, BlockNumberFor<T>)> =
			store.get().ok().flatten().unwrap_or_default();
		sent.retain(|(k, _)| *k != key_last);
		sent.push((key_last, now));
		store.set(&sent);
	}
}

fn serve_provider<T: Config>(
	now: BlockNumberFor<T>,
	provider: &T::AccountId,
	agent: &Agent,
	reporter: &mut Reporter<T>,
) {
	let handed_store = StorageValueRef::persistent(HANDED_KEY);
	let mut handed: Vec<JobId> = handed_store.get().ok().flatten().unwrap_or_default();
	let ours: Vec<JobId> = ProviderJobs::<T>::iter_key_prefix(provider).collect();

	for id in &ours {
		let Some(job) = Jobs::<T>::get(id) else { continue };
		let key = handoff_key(*id);
		let record = StorageValueRef::persistent(&key);
		let mut handoff: Handoff<BlockNumberFor<T>> =
			record.get().ok().flatten().unwrap_or_default();
		let before = handoff.clone();
		serve_job::<T>(now, *id, &job, agent, reporter, &mut handoff);
		if handoff != before {
			record.set(&handoff);
		}
		if handoff.posted && !handed.contains(id) {
			handed.push(*id);
		}
	}

	// Jobs handed over that are no longer this provider's: finished, or taken
	// away after a deadline and routed elsewhere, which must not run here too.
	handed.retain(|id| {
		if ours.contains(id) {
			return true;
		}
		let finished_here = Jobs::<T>::get(id).is_some_and(
			|job| matches!(&job.state, JobState::Completed { provider: p, .. } if p == provider),
		);
		if !finished_here && agent.cancel(*id).is_err() {
			// The agent is unreachable: try again next round.
			return true;
		}
		StorageValueRef::persistent(&handoff_key(*id)).clear();
		false
	});
	handed_store.set(&handed);
}

fn serve_job<T: Config>(
	now: BlockNumberFor<T>,
	id: JobId,
	job: &JobOf<T>,
	agent: &Agent,
	reporter: &mut Reporter<T>,
	handoff: &mut Handoff<BlockNumberFor<T>>,
) {
	let running = matches!(job.state, JobState::Running { .. });
	// A report sent lately is left to land before anything is sent again.
	let may_send = |kind: u8, handoff: &Handoff<BlockNumberFor<T>>| {
		handoff.sent.is_none_or(|(last, at)| {
			last != kind || now >= at.saturating_add(blocks::<T>(RESEND_AFTER))
		})
	};
	let mut report = |kind: u8, report: JobReport, handoff: &mut Handoff<BlockNumberFor<T>>| {
		if may_send(kind, handoff) && reporter.send(Call::report_job { job: id, report }) {
			handoff.sent = Some((kind, now));
		}
	};

	if !handoff.posted {
		let Some(workload) = Workloads::<T>::get(id) else { return };
		let body = agent_job::<T>(id, job, &workload);
		match agent.post(&body) {
			Ok((200 | 201, _)) => handoff.posted = true,
			// The agent refuses the job for good: the provider cannot run it.
			Ok((code @ (400 | 409 | 413 | 422), answer)) => {
				let reason = format!("rejected: {} {}", code, error_of(&answer));
				report(2, JobReport::Failed { reason: bounded_reason(&reason) }, handoff);
				return;
			}
			// Busy, unavailable or unreachable: try again next round.
			_ => return,
		}
	}

	let Ok((200, answer)) = agent.get(id) else { return };
	let Ok(status) = serde_json::from_slice::<AgentStatus>(&answer) else { return };
	match status.state.as_str() {
		"queued" => {}
		"running" if !running => report(0, JobReport::Started, handoff),
		"completed" if !running => report(0, JobReport::Started, handoff),
		"completed" => {
			let usage = status.usage.as_ref().map(|u| meter::<T>(job, u)).unwrap_or(job.units);
			let result_hash =
				status.result_hash.as_deref().and_then(parse_hash).unwrap_or_default();
			report(1, JobReport::Completed { usage, result_hash }, handoff);
		}
		"failed" | "cancelled" => {
			let reason = status.reason.unwrap_or_else(|| status.state.clone());
			report(2, JobReport::Failed { reason: bounded_reason(&reason) }, handoff);
		}
		_ => {}
	}
}

/// The units of the job's class that the agent's measured usage is worth: for a
/// class whose unit is a time, wall-clock time × devices held (at least one) in
/// the class's smallest part, rounded down (in the owner's favour) and never more
/// than the job redeemed; for a class of cycles or shots, the units redeemed.
pub fn meter<T: Config>(job: &JobOf<T>, usage: &AgentUsage) -> Units {
	let Some(terms) = T::Compute::class_terms(job.class) else { return job.units };
	let Some(unit_ms) = terms.unit_ms else { return job.units };
	let device_ms = u128::from(usage.wall_ms).saturating_mul(u128::from(usage.gpus.max(1)));
	(device_ms.saturating_mul(terms.whole()) / u128::from(unit_ms.max(1))).min(job.units)
}

/// The longest the agent may run the job: the time its units buy (for a class of
/// time, per device), and never past its completion deadline.
pub fn max_duration_ms<T: Config>(job: &JobOf<T>, gpus: u32) -> u64 {
	let run_blocks: u64 = Pallet::<T>::run_blocks(job).try_into().unwrap_or(u64::MAX);
	let by_deadline = run_blocks.saturating_mul(T::BlockTimeMs::get());
	let bought = T::Compute::class_terms(job.class).and_then(|terms| {
		let unit_ms = u128::from(terms.unit_ms?);
		let ms = job.units.saturating_mul(unit_ms) / terms.whole().max(1) / u128::from(gpus.max(1));
		Some(u64::try_from(ms).unwrap_or(u64::MAX))
	});
	bought.map_or(by_deadline, |b| b.min(by_deadline)).max(1)
}

fn bounded_reason(reason: &str) -> FailureReason {
	let bytes = reason.as_bytes();
	let end = bytes.len().min(128);
	BoundedVec::truncate_from(bytes[..end].to_vec())
}

fn error_of(answer: &[u8]) -> String {
	serde_json::from_slice::<AgentError>(answer)
		.map(|e| match e.reason {
			Some(reason) => format!("{}: {}", e.error, reason),
			None => e.error,
		})
		.unwrap_or_default()
}

fn parse_hash(text: &str) -> Option<H256> {
	let hex = text.strip_prefix("0x")?;
	if hex.len() != 64 {
		return None;
	}
	let mut bytes = [0u8; 32];
	for (i, byte) in bytes.iter_mut().enumerate() {
		*byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
	}
	Some(H256(bytes))
}

fn text(bytes: &[u8]) -> String {
	String::from_utf8_lossy(bytes).into_owned()
}

/// The job as the Agent API v1 takes it.
pub fn agent_job<T: Config>(id: JobId, job: &JobOf<T>, workload: &Workload) -> Vec<u8> {
	use serde_json::{json, Map, Value};
	let args = |args: &WorkloadArgs| -> Vec<String> { args.iter().map(|a| text(a)).collect() };
	let env = |env: &WorkloadEnv| -> Map<String, Value> {
		env.iter().map(|(k, v)| (text(k), Value::String(text(v)))).collect()
	};
	let spec = match &workload.spec {
		WorkloadSpec::Command { program, args: a, env: e } => json!({
			"kind": "command", "program": text(program), "args": args(a), "env": env(e),
		}),
		WorkloadSpec::Container { image, args: a, env: e } => json!({
			"kind": "container", "image": text(image), "args": args(a), "env": env(e),
		}),
		WorkloadSpec::Batch { script } => json!({ "kind": "batch", "script": text(script) }),
	};
	let input = workload
		.input
		.as_ref()
		.map(|i| json!({ "url": text(&i.url), "hash": format!("0x{}", hex32(&i.hash.0)) }));
	let body = json!({
		"job_id": id.to_string(),
		"class": job.class,
		"units": job.units.to_string(),
		"max_duration_ms": max_duration_ms::<T>(job, workload.gpus),
		"workload": spec,
		"input": input,
		"resources": { "gpus": workload.gpus, "memory_mb": workload.memory_mb },
		"network": false,
	});
	serde_json::to_vec(&body).unwrap_or_default()
}

fn hex32(bytes: &[u8; 32]) -> String {
	const DIGITS: &[u8; 16] = b"0123456789abcdef";
	let mut out = String::with_capacity(64);
	for b in bytes {
		out.push(DIGITS[usize::from(b >> 4)] as char);
		out.push(DIGITS[usize::from(b & 15)] as char);
	}
	out
}

/// A job's status as the agent answers it (fields this worker reads).
#[derive(serde::Deserialize)]
struct AgentStatus {
	state: String,
	reason: Option<String>,
	usage: Option<AgentUsage>,
	result_hash: Option<String>,
}

/// What the agent measured of a job.
#[derive(serde::Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct AgentUsage {
	pub wall_ms: u64,
	#[serde(default)]
	pub gpus: u32,
}

#[derive(serde::Deserialize)]
struct AgentError {
	error: String,
	reason: Option<String>,
}

/// The provider's agent, as the node's offchain storage names it.
struct Agent {
	url: String,
	token: String,
}

impl Agent {
	fn from_storage() -> Option<Self> {
		let read = |key: &[u8]| -> Option<String> {
			let raw = sp_io::offchain::local_storage_get(
				sp_core::offchain::StorageKind::PERSISTENT,
				key,
			)?;
			let text = String::from_utf8(raw).ok()?;
			let text = text.trim().trim_end_matches('/').to_string();
			(!text.is_empty()).then_some(text)
		};
		Some(Self { url: read(AGENT_URL_KEY)?, token: read(AGENT_TOKEN_KEY).unwrap_or_default() })
	}

	fn exchange(
		&self,
		method: &str,
		path: &str,
		body: Option<&[u8]>,
	) -> Result<(u16, Vec<u8>), ()> {
		let deadline = sp_io::offchain::timestamp().add(Duration::from_millis(HTTP_TIMEOUT_MS));
		let url = format!("{}{}", self.url, path);
		let auth = format!("Bearer {}", self.token);
		let chunks: Vec<&[u8]> = body.into_iter().collect();
		let mut request = http::Request::new(&url)
			.method(match method {
				"POST" => http::Method::Post,
				"DELETE" => http::Method::Delete,
				_ => http::Method::Get,
			})
			.body(chunks)
			.deadline(deadline)
			.add_header("Authorization", &auth);
		if body.is_some() {
			request = request.add_header("Content-Type", "application/json");
		}
		let pending = request.send().map_err(|_| ())?;
		let response = pending.try_wait(deadline).map_err(|_| ())?.map_err(|_| ())?;
		let code = response.code;
		Ok((code, response.body().collect()))
	}

	fn healthy(&self) -> bool {
		matches!(self.exchange("GET", "/health", None), Ok((200, _)))
	}

	fn post(&self, body: &[u8]) -> Result<(u16, Vec<u8>), ()> {
		self.exchange("POST", "/v1/jobs", Some(body))
	}

	fn get(&self, job: JobId) -> Result<(u16, Vec<u8>), ()> {
		self.exchange("GET", &format!("/v1/jobs/{job}"), None)
	}

	/// Cancels a job on the agent; an unknown or finished one is as good as cancelled.
	fn cancel(&self, job: JobId) -> Result<(), ()> {
		match self.exchange("DELETE", &format!("/v1/jobs/{job}"), None)? {
			(200..=299 | 404 | 409, _) => Ok(()),
			_ => Err(()),
		}
	}
}
