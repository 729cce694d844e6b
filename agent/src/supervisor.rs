//! The agent's state and the loop that moves jobs through their backends.
//!
//! Every change of a job is committed to the store before anyone is told of it.
//! The loop launches queued jobs as backends have room, polls launched ones,
//! stops those past their deadline or cancelled, and records how they ended.

use crate::{
	backend::{Backend, End, Handle, JobDir, Outcome, Progress},
	config::Config,
	job::{now_ms, BackendKind, JobRequest, JobState, Usage},
	metrics::Metrics,
	store::{JobRecord, Launch, StopCause, Store, StoreError},
};
use std::{
	collections::{BTreeMap, BTreeSet},
	path::PathBuf,
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};
use tokio::sync::Notify;

/// Job folders removed per pruning pass at most.
const PRUNE_BATCH: usize = 1_000;

/// How often the engines' health is checked again.
const HEALTH_EVERY: Duration = Duration::from_secs(10);

pub struct Agent {
	pub config: Config,
	pub store: Store,
	pub backends: BTreeMap<BackendKind, Arc<dyn Backend>>,
	pub work_dir: PathBuf,
	pub metrics: Metrics,
	/// Each enabled backend's last health check.
	pub health: Mutex<BTreeMap<BackendKind, Result<(), String>>>,
	/// Jobs not yet in a final state, by (accepted at, id): the loop's work list.
	active: Mutex<BTreeSet<(u64, String)>>,
	/// Jobs being handed to their backend right now.
	launching: Mutex<BTreeSet<String>>,
	wake: Notify,
}

impl Agent {
	pub fn new(
		config: Config,
		store: Store,
		backends: BTreeMap<BackendKind, Arc<dyn Backend>>,
		work_dir: PathBuf,
	) -> Result<Agent, StoreError> {
		let active = store
			.list(None)?
			.into_iter()
			.filter(|r| !r.status.state.is_final())
			.map(|r| (r.status.accepted_at_ms, r.request.job_id))
			.collect();
		let agent = Agent {
			config,
			store,
			backends,
			work_dir,
			metrics: Metrics::default(),
			health: Mutex::new(BTreeMap::new()),
			active: Mutex::new(active),
			launching: Mutex::new(BTreeSet::new()),
			wake: Notify::new(),
		};
		agent.check_health();
		Ok(agent)
	}

	pub fn check_health(&self) {
		let results: BTreeMap<_, _> =
			self.backends.iter().map(|(kind, b)| (*kind, b.health())).collect();
		for (kind, result) in &results {
			if let Err(e) = result {
				tracing::warn!(backend = kind.as_str(), "backend unavailable: {e}");
			}
		}
		if let Ok(mut health) = self.health.lock() {
			*health = results;
		}
	}

	pub fn backend_health(&self, kind: BackendKind) -> Option<Result<(), String>> {
		self.health.lock().ok()?.get(&kind).cloned()
	}

	pub fn active_count(&self) -> usize {
		self.active.lock().map(|a| a.len()).unwrap_or(0)
	}

	/// Tells the loop there is work (a new job, a cancel).
	pub fn track(&self, record: &JobRecord) {
		if let Ok(mut active) = self.active.lock() {
			active.insert((record.status.accepted_at_ms, record.request.job_id.clone()));
		}
		self.wake.notify_one();
	}

	pub fn wake(&self) {
		self.wake.notify_one();
	}

	fn untrack(&self, record: &JobRecord) {
		if let Ok(mut active) = self.active.lock() {
			active.remove(&(record.status.accepted_at_ms, record.request.job_id.clone()));
		}
	}

	fn dir(&self, job_id: &str) -> JobDir {
		JobDir::new(&self.work_dir, job_id)
	}

	/// Commits a job's final state, then drops it from the work list.
	fn finish(&self, job_id: &str, apply: impl FnOnce(&mut JobRecord)) -> Result<(), StoreError> {
		let record = self.store.update(job_id, |record| {
			if record.status.state.is_final() {
				return false;
			}
			apply(record);
			true
		})?;
		if let Some(record) = record {
			if record.status.state.is_final() {
				if record.status.started_at_ms.is_some() {
					self.metrics.observe_run(record.status.backend, record.status.usage.wall_ms);
				}
				tracing::info!(
					job = %record.request.job_id,
					backend = record.status.backend.as_str(),
					state = record.status.state.as_str(),
					reason = record.status.reason.as_deref().unwrap_or(""),
					exit_code = record.status.exit_code,
					wall_ms = record.status.usage.wall_ms,
					cpu_ms = record.status.usage.cpu_ms,
					"job finished"
				);
				self.untrack(&record);
			}
		}
		Ok(())
	}

	/// Ends a job that never reached its engine.
	pub fn finish_unlaunched(
		&self,
		job_id: &str,
		state: JobState,
		reason: String,
	) -> Result<(), StoreError> {
		self.finish(job_id, |record| {
			record.status.state = state;
			record.status.reason = Some(reason);
			record.status.finished_at_ms = Some(now_ms());
		})
	}

	/// A job left `Launching` (the agent stopped while handing it over, or the engine
	/// could not be asked last time) is looked up in its engine by name, so it is
	/// neither lost nor run twice. Retried every tick until the engine answers.
	fn recover_one(&self, record: &JobRecord) -> Result<(), StoreError> {
		let job_id = &record.request.job_id;
		// A job of a backend no longer enabled was ended before it got here.
		let Some(backend) = self.backends.get(&record.status.backend) else { return Ok(()) };
		let launch = match backend.recover(&record.request, &self.dir(job_id)) {
			Ok(Some(handle)) => Launch::Launched(handle),
			Ok(None) => Launch::NotLaunched,
			Err(e) => {
				self.metrics.backend_error(record.status.backend);
				tracing::warn!(job = %job_id, "cannot look the job up in its engine: {e}; retrying");
				return Ok(());
			}
		};
		tracing::info!(job = %job_id, ?launch, "recovered a job that was being handed over");
		self.store.update(job_id, |r| {
			if r.launch != Launch::Launching {
				return false;
			}
			r.launch = launch;
			true
		})?;
		Ok(())
	}

	fn set_launching(&self, job_id: &str, on: bool) {
		if let Ok(mut launching) = self.launching.lock() {
			if on {
				launching.insert(job_id.to_string());
			} else {
				launching.remove(job_id);
			}
		}
	}

	fn is_launching(&self, job_id: &str) -> bool {
		self.launching.lock().map(|l| l.contains(job_id)).unwrap_or(true)
	}

	/// Removes the folders of jobs that finished more than `keep` ago (at most
	/// `PRUNE_BATCH` a pass). Their statuses stay: a known id is never run again.
	pub fn prune_folders(&self, keep: Duration) -> Result<usize, StoreError> {
		let cutoff = now_ms().saturating_sub(keep.as_millis() as u64);
		let mut removed = 0;
		for record in self.store.list(None)? {
			if removed >= PRUNE_BATCH {
				break;
			}
			let old = record.status.state.is_final()
				&& record.status.finished_at_ms.is_some_and(|t| t < cutoff);
			let dir = self.dir(&record.request.job_id);
			if old && dir.root.exists() {
				match std::fs::remove_dir_all(&dir.root) {
					Ok(()) => removed += 1,
					Err(e) => {
						tracing::warn!(job = %record.request.job_id, "cannot remove the job folder: {e}")
					}
				}
			}
		}
		Ok(removed)
	}

	/// The jobs not in a final state, as stored now.
	fn load_active(&self) -> Result<Vec<JobRecord>, StoreError> {
		let ids: Vec<String> = match self.active.lock() {
			Ok(active) => active.iter().map(|(_, id)| id.clone()).collect(),
			Err(_) => return Ok(Vec::new()),
		};
		let mut records = Vec::with_capacity(ids.len());
		for id in ids {
			match self.store.get(&id)? {
				Some(record) if !record.status.state.is_final() => records.push(record),
				Some(record) => self.untrack(&record),
				None => {}
			}
		}
		Ok(records)
	}
}

/// Runs the loop until the process ends.
pub async fn run(agent: Arc<Agent>) {
	let interval = Duration::from_millis(agent.config.poll_interval_ms);
	let mut last_health = Instant::now();
	let keep = Duration::from_secs(agent.config.limits.keep_job_folders_s);
	let prune_every = (keep / 2).clamp(interval, Duration::from_secs(600));
	let mut last_prune = Instant::now();
	loop {
		if let Err(e) = tick(&agent).await {
			tracing::error!("supervisor: {e}");
		}
		if last_health.elapsed() >= HEALTH_EVERY {
			last_health = Instant::now();
			let agent = agent.clone();
			let _ = tokio::task::spawn_blocking(move || agent.check_health()).await;
		}
		if last_prune.elapsed() >= prune_every {
			last_prune = Instant::now();
			let agent = agent.clone();
			match tokio::task::spawn_blocking(move || agent.prune_folders(keep)).await {
				Ok(Ok(0)) | Err(_) => {}
				Ok(Ok(removed)) => {
					tracing::info!(removed, "removed the folders of old finished jobs")
				}
				Ok(Err(e)) => tracing::error!("pruning job folders: {e}"),
			}
		}
		tokio::select! {
			_ = tokio::time::sleep(interval) => {},
			_ = agent.wake.notified() => {},
		}
	}
}

/// Runs engine work off the async threads; a panic in it is logged, not spread.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
	match tokio::task::spawn_blocking(f).await {
		Ok(value) => Some(value),
		Err(e) => {
			tracing::error!("engine call panicked: {e}");
			None
		}
	}
}

/// The engine's own limit (the sandbox supervisor, Slurm's wrapper) kills a job at
/// its exact deadline; the agent stops it only this much later, as a backstop.
const ENGINE_DEADLINE_GRACE_MS: u64 = 2_000;

async fn tick(agent: &Arc<Agent>) -> Result<(), StoreError> {
	for record in agent.load_active()? {
		// Jobs of a backend no longer enabled (the configuration changed across a
		// restart) cannot be run, polled or stopped: they end here.
		if !agent.backends.contains_key(&record.status.backend) {
			let backend = record.status.backend.as_str();
			let reason = match record.launch {
				Launch::NotLaunched => format!("backend: the {backend} backend is not enabled"),
				_ => format!("backend: the {backend} backend was disabled while the job ran"),
			};
			agent.finish_unlaunched(&record.request.job_id, JobState::Failed, reason)?;
		} else if record.launch == Launch::Launching && !agent.is_launching(&record.request.job_id)
		{
			// Left half-launched: its engine is asked for it.
			let agent = agent.clone();
			if let Some(result) = blocking(move || agent.recover_one(&record)).await {
				result?;
			}
		}
	}

	// Poll what is launched, one batch per backend: outcomes first, so a job that
	// ended just before its deadline is reported as it ended.
	let records = agent.load_active()?;
	let mut by_backend: BTreeMap<BackendKind, Vec<(JobRequest, Handle)>> = BTreeMap::new();
	for record in &records {
		if let Launch::Launched(handle) = &record.launch {
			by_backend
				.entry(record.status.backend)
				.or_default()
				.push((record.request.clone(), handle.clone()));
		}
	}
	for (kind, jobs) in by_backend {
		let Some(backend) = agent.backends.get(&kind).cloned() else { continue };
		let work_dir = agent.work_dir.clone();
		let Some((jobs, results)) = blocking(move || {
			let dirs: Vec<JobDir> =
				jobs.iter().map(|(job, _)| JobDir::new(&work_dir, &job.job_id)).collect();
			let refs: Vec<_> =
				jobs.iter().zip(&dirs).map(|((job, handle), dir)| (job, handle, dir)).collect();
			let results = backend.poll(&refs);
			(jobs, results)
		})
		.await
		else {
			agent.metrics.backend_error(kind);
			continue;
		};
		for ((job, _), result) in jobs.iter().zip(results) {
			match result {
				Ok(progress) => apply_progress(agent, kind, job, progress)?,
				Err(e) => {
					agent.metrics.backend_error(kind);
					tracing::warn!(job = %job.job_id, backend = kind.as_str(), "poll failed: {e}");
				}
			}
		}
	}

	// Deadlines and cancels: decide, commit, then tell the engine.
	let mut records = agent.load_active()?;
	let now = now_ms();
	for record in records.iter_mut() {
		let grace = match agent.backends.get(&record.status.backend) {
			Some(backend) if backend.enforces_deadline() => ENGINE_DEADLINE_GRACE_MS,
			_ => 0,
		};
		let deadline =
			|s: u64| s.saturating_add(record.request.max_duration_ms).saturating_add(grace);
		let overdue = record.status.started_at_ms.is_some_and(|s| now >= deadline(s));
		if record.stop.is_none() && overdue {
			let updated = agent.store.update(&record.request.job_id, |r| {
				r.stop.get_or_insert(StopCause::Timeout);
				true
			})?;
			if let Some(updated) = updated {
				*record = updated;
			}
		}
	}
	for record in records.iter_mut().filter(|r| r.stop.is_some() && !r.stop_sent) {
		match (&record.launch, agent.backends.get(&record.status.backend)) {
			(Launch::NotLaunched, _) => {
				let (state, reason) = stop_state(record.stop);
				agent.finish_unlaunched(&record.request.job_id, state, reason)?;
				record.status.state = state;
			}
			(Launch::Launched(handle), Some(backend)) => {
				let (backend, handle) = (backend.clone(), handle.clone());
				match blocking(move || backend.cancel(&handle)).await {
					Some(Ok(())) => {
						agent.store.update(&record.request.job_id, |r| {
							r.stop_sent = true;
							true
						})?;
					}
					Some(Err(e)) => {
						agent.metrics.backend_error(record.status.backend);
						tracing::warn!(job = %record.request.job_id, "cannot stop the job: {e}; retrying");
					}
					None => agent.metrics.backend_error(record.status.backend),
				}
			}
			// Launching: stopped once it is launched (or found not to be).
			_ => {}
		}
	}

	launch_queued(agent, &records)
}

fn stop_state(stop: Option<StopCause>) -> (JobState, String) {
	match stop {
		Some(StopCause::Timeout) => (JobState::Failed, "timeout".into()),
		_ => (JobState::Cancelled, "cancelled".into()),
	}
}

fn apply_progress(
	agent: &Agent,
	kind: BackendKind,
	job: &JobRequest,
	progress: Progress,
) -> Result<(), StoreError> {
	match progress {
		Progress::Queued => Ok(()),
		Progress::Running { started_at_ms } => {
			let mut became_running = None;
			agent.store.update(&job.job_id, |r| {
				if r.status.state != JobState::Queued {
					return false;
				}
				r.status.state = JobState::Running;
				r.status.started_at_ms = Some(started_at_ms);
				became_running = Some(started_at_ms.saturating_sub(r.status.accepted_at_ms));
				true
			})?;
			if let Some(latency) = became_running {
				agent.metrics.observe_start_latency(kind, latency);
			}
			Ok(())
		}
		Progress::Finished(outcome) => {
			let mut latency = None;
			agent.finish(&job.job_id, |r| {
				if r.status.started_at_ms.is_none() {
					if let Some(started) = outcome.started_at_ms {
						latency = Some(started.saturating_sub(r.status.accepted_at_ms));
					}
				}
				settle(r, outcome);
			})?;
			if let Some(latency) = latency {
				agent.metrics.observe_start_latency(kind, latency);
			}
			Ok(())
		}
	}
}

/// The final status of a job from its engine's outcome and why it was stopped. A
/// job that exited by itself before the stop reached it is reported as it ended.
fn settle(record: &mut JobRecord, outcome: Outcome) {
	let Outcome { started_at_ms, finished_at_ms, exit_code, end, usage, result_hash } = outcome;
	let finished_first = matches!(end, End::Exited)
		&& exit_code == Some(0)
		&& usage.wall_ms < record.request.max_duration_ms;
	let stop = if finished_first { None } else { record.stop };
	let (state, reason) = match (stop, end) {
		(Some(StopCause::Cancelled), _) => (JobState::Cancelled, Some("cancelled".to_string())),
		(Some(StopCause::Timeout), _) | (None, End::TimedOut) => {
			(JobState::Failed, Some("timeout".to_string()))
		}
		(None, End::Exited) if exit_code == Some(0) => (JobState::Completed, None),
		(None, End::Exited) => (JobState::Failed, Some("exit".to_string())),
		(None, End::Stopped) => {
			(JobState::Failed, Some("killed: stopped by the engine".to_string()))
		}
		(None, End::Killed(reason)) => (JobState::Failed, Some(reason)),
		(None, End::Backend(reason)) => (JobState::Failed, Some(format!("backend: {reason}"))),
	};
	let status = &mut record.status;
	status.state = state;
	status.reason = reason;
	status.started_at_ms = status.started_at_ms.or(started_at_ms);
	status.finished_at_ms = Some(finished_at_ms);
	status.exit_code = exit_code;
	status.usage = Usage { gpus: record.request.resources.gpus, ..usage };
	status.result_hash = result_hash;
}

/// Hands queued jobs to their backends as they have room. Each launch runs on its
/// own (an input download or a slow engine holds up nothing else); a job being
/// launched is `Launching` in the store and in `launching` here.
fn launch_queued(agent: &Arc<Agent>, records: &[JobRecord]) -> Result<(), StoreError> {
	let mut room: BTreeMap<BackendKind, usize> = BTreeMap::new();
	for kind in agent.backends.keys() {
		let cap = match kind {
			BackendKind::Process => agent.config.process.max_running,
			BackendKind::Container => agent.config.container.max_running,
			BackendKind::Slurm => agent.config.slurm.max_submitted,
		};
		let busy = records
			.iter()
			.filter(|r| {
				r.status.backend == *kind
					&& !r.status.state.is_final()
					&& r.launch != Launch::NotLaunched
			})
			.count();
		room.insert(*kind, cap.saturating_sub(busy));
	}
	for record in records {
		if record.launch != Launch::NotLaunched
			|| record.stop.is_some()
			|| record.status.state.is_final()
		{
			continue;
		}
		let Some(slots) = room.get_mut(&record.status.backend) else { continue };
		if *slots == 0 {
			continue;
		}
		*slots -= 1;
		agent.set_launching(&record.request.job_id, true);
		let committed = agent.store.update(&record.request.job_id, |r| {
			if r.launch != Launch::NotLaunched || r.stop.is_some() || r.status.state.is_final() {
				return false;
			}
			r.launch = Launch::Launching;
			true
		});
		match committed {
			Ok(Some(r)) if r.launch == Launch::Launching => {
				let agent = agent.clone();
				let job = record.request.clone();
				let kind = record.status.backend;
				tokio::task::spawn_blocking(move || {
					let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
						launch(&agent, kind, &job)
					}));
					match result {
						Ok(Ok(())) => {}
						Ok(Err(e)) => tracing::error!(job = %job.job_id, "launch: {e}"),
						Err(_) => {
							tracing::error!(job = %job.job_id, "launch panicked; the job is looked up again")
						}
					}
					agent.set_launching(&job.job_id, false);
					agent.wake();
				});
			}
			other => {
				agent.set_launching(&record.request.job_id, false);
				other?;
			}
		}
	}
	Ok(())
}

/// Prepares the job's folder and input, hands it to its backend and commits the handle.
fn launch(agent: &Agent, kind: BackendKind, job: &JobRequest) -> Result<(), StoreError> {
	let Some(backend) = agent.backends.get(&kind) else { return Ok(()) };
	let dir = agent.dir(&job.job_id);
	if let Err(reason) = prepare(agent, job, &dir) {
		return agent.finish_unlaunched(&job.job_id, JobState::Failed, reason);
	}
	match backend.submit(job, &dir) {
		Ok(handle) => {
			tracing::info!(job = %job.job_id, backend = kind.as_str(), ?handle, "job launched");
			agent.store.update(&job.job_id, |r| {
				r.launch = Launch::Launched(handle);
				true
			})?;
			Ok(())
		}
		Err(e) => {
			agent.metrics.backend_error(kind);
			tracing::warn!(job = %job.job_id, backend = kind.as_str(), "launch failed: {e}");
			// `sbatch` may fail after Slurm queued the job (a timed-out answer): asked by
			// name, Slurm says whether it has it.
			if kind == BackendKind::Slurm {
				if let Ok(Some(handle)) = backend.recover(job, &dir) {
					agent.store.update(&job.job_id, |r| {
						r.launch = Launch::Launched(handle);
						true
					})?;
					return Ok(());
				}
			}
			agent.finish_unlaunched(&job.job_id, JobState::Failed, format!("backend: {e}"))
		}
	}
}

/// The job's folder (fresh: what a crashed launch left is cleared) and its input.
fn prepare(agent: &Agent, job: &JobRequest, dir: &JobDir) -> Result<(), String> {
	let io = |e: std::io::Error| format!("backend: job folder: {e}");
	if dir.root.exists() {
		std::fs::remove_dir_all(&dir.root).map_err(io)?;
	}
	std::fs::create_dir_all(dir.out()).map_err(io)?;
	crate::backend::set_mode(&dir.root, 0o700).map_err(io)?;
	if let Some(input) = &job.input {
		crate::input::fetch(
			input,
			&dir.input(),
			agent.config.limits.max_input_mb.saturating_mul(1024 * 1024),
			agent.config.limits.allow_internal_inputs,
		)
		.map_err(|e| format!("rejected: input: {e}"))?;
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::store::tests::record;

	fn outcome(end: End, exit_code: Option<i32>, wall_ms: u64) -> Outcome {
		Outcome {
			started_at_ms: Some(10),
			finished_at_ms: 10 + wall_ms,
			exit_code,
			end,
			usage: Usage { wall_ms, cpu_ms: 1, gpus: 0 },
			result_hash: Some("0x00".into()),
		}
	}

	fn settled(stop: Option<StopCause>, outcome: Outcome) -> (JobState, Option<String>) {
		let mut r = record("1");
		r.request.max_duration_ms = 1_000;
		r.stop = stop;
		settle(&mut r, outcome);
		(r.status.state, r.status.reason)
	}

	#[test]
	fn a_job_that_exited_before_its_stop_landed_is_reported_as_it_ended() {
		let done = outcome(End::Exited, Some(0), 990);
		assert_eq!(settled(Some(StopCause::Timeout), done.clone()), (JobState::Completed, None));
		assert_eq!(settled(Some(StopCause::Cancelled), done), (JobState::Completed, None));
	}

	#[test]
	fn stops_decide_the_state_of_what_they_ended() {
		assert_eq!(
			settled(Some(StopCause::Cancelled), outcome(End::Stopped, Some(143), 300)),
			(JobState::Cancelled, Some("cancelled".into()))
		);
		assert_eq!(
			settled(
				Some(StopCause::Timeout),
				outcome(End::Killed("killed: signal 9".into()), None, 1_002)
			),
			(JobState::Failed, Some("timeout".into()))
		);
		assert_eq!(
			settled(Some(StopCause::Timeout), outcome(End::Exited, Some(0), 1_000)),
			(JobState::Failed, Some("timeout".into())),
			"a clean exit at the limit is still past it"
		);
	}

	#[test]
	fn engine_outcomes_map_to_states_and_reasons() {
		assert_eq!(
			settled(None, outcome(End::Exited, Some(3), 5)),
			(JobState::Failed, Some("exit".into()))
		);
		assert_eq!(
			settled(None, outcome(End::TimedOut, Some(137), 1_000)),
			(JobState::Failed, Some("timeout".into()))
		);
		assert_eq!(
			settled(None, outcome(End::Backend("gone".into()), None, 0)),
			(JobState::Failed, Some("backend: gone".into()))
		);
		let mut r = record("1");
		r.request.resources.gpus = 2;
		settle(&mut r, outcome(End::Exited, Some(0), 5));
		assert_eq!(
			(r.status.state, r.status.usage.gpus, r.status.exit_code),
			(JobState::Completed, 2, Some(0))
		);
	}
}
