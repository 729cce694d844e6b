//! `container` workloads with podman (rootful; the host's `containers.conf`, or the
//! one `CONTAINERS_CONF` names, picks the runtime and cgroup manager).
//!
//! Each job is a detached container named after the agent and the job, labelled
//! with the job id, in a cgroup parent of its own so its CPU time can be read
//! after it exits. One `podman ps` per poll finds every job's state; an exited
//! one is inspected once, its stdout read back (`podman logs`, stdout only),
//! hashed with its output folder, written to `result.json`, then removed.

use super::{
	job_name, run_tool, write_atomically, Backend, BackendError, End, Handle, JobDir, Outcome,
	Progress,
};
use crate::{
	config::Config,
	job::{now_ms, JobRequest, Usage, Workload},
	metering,
};
use serde::{Deserialize, Serialize};
use std::{collections::HashMap, path::Path};

const LABEL: &str = "utc.agent.job";

/// How long a container may stay created without starting before it is given up.
const CREATED_GRACE_S: u64 = 60;

pub struct ContainerBackend {
	instance: String,
	config: Config,
	started: std::sync::Mutex<HashMap<String, u64>>,
}

/// A finished container's record, kept in its job folder once it is removed.
#[derive(Serialize, Deserialize)]
struct ContainerResult {
	started_at_ms: Option<u64>,
	finished_at_ms: u64,
	exit_code: i32,
	oom_killed: bool,
	wall_ms: u64,
	cpu_ms: u64,
	result_hash: Option<String>,
	error: Option<String>,
}

impl ContainerBackend {
	pub fn new(config: &Config, instance: &str) -> ContainerBackend {
		ContainerBackend {
			instance: instance.to_string(),
			config: config.clone(),
			started: Default::default(),
		}
	}

	fn name(&self, job_id: &str) -> String {
		job_name(&self.instance, job_id)
	}

	fn cgroup_parent(&self, job_id: &str) -> String {
		format!("/utc-agent/{}-job-{job_id}", self.instance)
	}

	fn podman(&self, args: &[&str]) -> Result<String, BackendError> {
		run_tool(
			&self.config.container.podman,
			&args.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
		)
	}

	/// The CPU time of everything in the job's cgroup parent but podman's monitor.
	fn cpu_ms(&self, job_id: &str) -> u64 {
		let parent = self.cgroup_parent(job_id);
		let v1 = Path::new("/sys/fs/cgroup/cpuacct").join(parent.trim_start_matches('/'));
		if let Some(total) = metering::read_cpuacct_ms(&v1.join("cpuacct.usage")) {
			let monitor = metering::read_cpuacct_ms(&v1.join("conmon/cpuacct.usage")).unwrap_or(0);
			return total.saturating_sub(monitor);
		}
		let v2 = Path::new("/sys/fs/cgroup").join(parent.trim_start_matches('/')).join("cpu.stat");
		metering::read_cpu_stat_ms(&v2).unwrap_or(0)
	}

	fn remove_cgroups(&self, job_id: &str) {
		let parent = self.cgroup_parent(job_id);
		let parent = parent.trim_start_matches('/');
		for root in std::fs::read_dir("/sys/fs/cgroup").into_iter().flatten().flatten() {
			let dir = root.path().join(parent);
			if dir.is_dir() {
				for child in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
					if child.path().is_dir() {
						let _ = std::fs::remove_dir(child.path());
					}
				}
				let _ = std::fs::remove_dir(&dir);
			}
		}
		let _ = std::fs::remove_dir(Path::new("/sys/fs/cgroup").join(parent));
	}

	/// Reads an exited container's outcome into `result.json`, then removes it.
	fn finish(&self, job: &JobRequest, id: &str, dir: &JobDir) -> Result<(), BackendError> {
		let state = self.podman(&[
			"container",
			"inspect",
			"--format",
			"{{.State.ExitCode}} {{.State.OOMKilled}} {{.State.StartedAt.UnixMilli}} {{.State.FinishedAt.UnixMilli}}",
			id,
		])?;
		let fields: Vec<&str> = state.split_whitespace().collect();
		let [exit_code, oom, started, finished] = fields[..] else {
			return Err(BackendError::Engine(format!("podman inspect printed `{}`", state.trim())));
		};
		let exit_code: i32 = exit_code.parse().unwrap_or(-1);
		let started = unix_ms(started);
		let finished = unix_ms(finished).unwrap_or_else(now_ms);
		// stdout only: podman logs passes the container's stderr to its own stderr.
		let logs = std::process::Command::new(&self.config.container.podman)
			.args(["logs", id])
			.stdin(std::process::Stdio::null())
			.stdout(std::fs::File::create(dir.stdout())?)
			.stderr(std::fs::File::create(dir.stderr())?)
			.status()?;
		let (result_hash, error) = if !logs.success() {
			(None, Some("podman logs failed".to_string()))
		} else {
			match metering::output_hash(&dir.stdout(), &dir.out()) {
				Ok(hash) => (Some(hash), None),
				Err(e) => (None, Some(format!("output not hashed: {e}"))),
			}
		};
		let result = ContainerResult {
			started_at_ms: started,
			finished_at_ms: finished,
			exit_code,
			oom_killed: oom == "true",
			wall_ms: started.map(|s| finished.saturating_sub(s)).unwrap_or(0),
			cpu_ms: self.cpu_ms(&job.job_id),
			result_hash,
			error,
		};
		write_atomically(
			&dir.file("result.json"),
			&serde_json::to_vec(&result).map_err(std::io::Error::from)?,
		)?;
		self.podman(&["rm", "--force", id])?;
		self.remove_cgroups(&job.job_id);
		if let Ok(mut started) = self.started.lock() {
			started.remove(id);
		}
		Ok(())
	}

	fn read_result(&self, job: &JobRequest, dir: &JobDir) -> Option<Outcome> {
		let result: ContainerResult =
			serde_json::from_slice(&std::fs::read(dir.file("result.json")).ok()?).ok()?;
		let limit = job.max_duration_ms;
		let end = if let Some(error) = result.error {
			End::Backend(error)
		} else if result.oom_killed {
			End::Killed("killed: memory limit".into())
		} else if result.exit_code < 0 {
			// podman's own --timeout (the backstop while the agent is down) ends it with -1.
			End::TimedOut
		} else {
			End::of_exit_status(result.exit_code, result.wall_ms, limit)
		};
		Some(Outcome {
			started_at_ms: result.started_at_ms,
			finished_at_ms: result.finished_at_ms,
			exit_code: Some(result.exit_code),
			end,
			usage: Usage { wall_ms: result.wall_ms, cpu_ms: result.cpu_ms, gpus: 0 },
			result_hash: result.result_hash,
		})
	}

	/// When a running container started: asked of podman once, then remembered.
	fn started_ms(&self, id: &str) -> Option<u64> {
		if let Some(started) = self.started.lock().ok()?.get(id) {
			return Some(*started);
		}
		let out = self
			.podman(&["container", "inspect", "--format", "{{.State.StartedAt.UnixMilli}}", id])
			.ok()?;
		let started = unix_ms(&out)?;
		self.started.lock().ok()?.insert(id.to_string(), started);
		Some(started)
	}
}

/// A time podman printed as Unix milliseconds; unset times print as zero or below.
fn unix_ms(text: &str) -> Option<u64> {
	text.trim().parse::<i64>().ok().filter(|t| *t > 0).map(|t| t as u64)
}

impl Backend for ContainerBackend {
	fn health(&self) -> Result<(), String> {
		// Each job's CPU time is read from a cgroup parent of its own, which podman
		// honours with its cgroupfs manager only.
		let manager = self
			.podman(&["info", "--format", "{{.Host.CgroupManager}}"])
			.map_err(|e| e.to_string())?;
		match manager.trim() {
			"cgroupfs" => Ok(()),
			other => Err(format!(
				"podman's cgroup manager is `{other}`; set `cgroup_manager = \"cgroupfs\"` in containers.conf"
			)),
		}
	}

	fn submit(&self, job: &JobRequest, dir: &JobDir) -> Result<Handle, BackendError> {
		let Workload::Container { image, args, env } = &job.workload else {
			return Err(BackendError::Engine(
				"the container backend runs `container` workloads only".into(),
			));
		};
		let memory_mb = self.config.memory_mb(job);
		let network = self.config.network_for(job);
		let mut argv: Vec<String> = vec![
			"run".into(),
			"--detach".into(),
			// Images are the operator's to pull.
			"--pull".into(),
			"never".into(),
			"--name".into(),
			self.name(&job.job_id),
			"--label".into(),
			format!("{LABEL}={}", job.job_id),
			"--init".into(),
			"--cap-drop".into(),
			"all".into(),
			"--security-opt".into(),
			"no-new-privileges".into(),
			"--memory".into(),
			format!("{memory_mb}m"),
			"--memory-swap".into(),
			format!("{memory_mb}m"),
			"--pids-limit".into(),
			self.config.container.pids_limit.to_string(),
			// A backstop while the agent is down; the agent stops it at the exact deadline.
			"--timeout".into(),
			// A second over, so it never cuts a job short of its limit (podman counts from
			// before the workload starts).
			(job.max_duration_ms.div_ceil(1000) + 1).to_string(),
			"--cgroup-parent".into(),
			self.cgroup_parent(&job.job_id),
			"--volume".into(),
			format!("{}:/out", dir.out().display()),
			"--env".into(),
			"OUTPUT_DIR=/out".into(),
		];
		if !network {
			argv.extend(["--network".into(), "none".into()]);
		}
		if job.input.is_some() {
			argv.extend([
				"--volume".into(),
				format!("{}:/in/input:ro", dir.input().display()),
				"--env".into(),
				"INPUT_FILE=/in/input".into(),
			]);
		}
		for (key, value) in env {
			argv.extend(["--env".into(), format!("{key}={value}")]);
		}
		argv.push(image.clone());
		argv.extend(args.iter().cloned());
		let id = match run_tool(&self.config.container.podman, &argv) {
			Ok(id) => id.trim().to_string(),
			Err(e) => {
				// `podman run` may have made the container before failing to start it.
				let _ = self.podman(&["rm", "--force", "--ignore", &self.name(&job.job_id)]);
				return Err(e);
			}
		};
		if id.is_empty() {
			return Err(BackendError::Engine("podman run printed no container id".into()));
		}
		Ok(Handle::Container { id })
	}

	fn poll(
		&self,
		jobs: &[(&JobRequest, &Handle, &JobDir)],
	) -> Vec<Result<Progress, BackendError>> {
		let listed = self.podman(&[
			"ps",
			"--all",
			"--no-trunc",
			"--filter",
			&format!("label={LABEL}"),
			"--format",
			"json",
		]);
		// Id → (state, created at in Unix seconds).
		let states: Result<HashMap<String, (String, u64)>, BackendError> =
			listed.and_then(|json| {
				let rows: Vec<serde_json::Value> = serde_json::from_str(&json)
					.map_err(|e| BackendError::Engine(format!("podman ps: {e}")))?;
				Ok(rows
					.iter()
					.filter_map(|row| {
						let created = row["Created"].as_u64().unwrap_or(0);
						Some((
							row["Id"].as_str()?.to_string(),
							(row["State"].as_str()?.to_string(), created),
						))
					})
					.collect())
			});
		jobs.iter()
			.map(|(job, handle, dir)| {
				let Handle::Container { id } = handle else {
					return Err(BackendError::Engine("not a container job".into()));
				};
				if let Some(outcome) = self.read_result(job, dir) {
					return Ok(Progress::Finished(outcome));
				}
				let states = states.as_ref().map_err(|e| BackendError::Engine(e.to_string()))?;
				match states.get(id).map(|(state, created)| (state.as_str(), *created)) {
					Some(("running" | "paused" | "stopping", _)) => Ok(self
						.started_ms(id)
						.map(|started_at_ms| Progress::Running { started_at_ms })
						.unwrap_or(Progress::Queued)),
					Some(("exited" | "stopped", _)) => {
						self.finish(job, id, dir)?;
						self.read_result(job, dir).map(Progress::Finished).ok_or_else(|| {
							BackendError::Engine("container result unreadable".into())
						})
					}
					// Made but never started (the agent stopped inside `podman run`): after a
					// minute it will not start by itself.
					Some(("created", created)) if now_ms() / 1000 > created + CREATED_GRACE_S => {
						let _ = self.podman(&["rm", "--force", id]);
						Ok(Progress::Finished(Outcome::without_result(
							None,
							End::Backend("the container was created but never started".into()),
						)))
					}
					Some(_) => Ok(Progress::Queued),
					None => Ok(Progress::Finished(Outcome::without_result(
						None,
						End::Backend(format!("container {} vanished", &id[..12.min(id.len())])),
					))),
				}
			})
			.collect()
	}

	fn cancel(&self, handle: &Handle) -> Result<(), BackendError> {
		let Handle::Container { id } = handle else {
			return Err(BackendError::Engine("not a container job".into()));
		};
		match self.podman(&["kill", id]) {
			Ok(_) => Ok(()),
			// Already exited (or gone): the next poll reads its outcome.
			Err(BackendError::Engine(e))
				if e.contains("not running") || e.contains("no such container") =>
			{
				Ok(())
			}
			Err(e) => Err(e),
		}
	}

	fn recover(&self, job: &JobRequest, _dir: &JobDir) -> Result<Option<Handle>, BackendError> {
		match self.podman(&["container", "inspect", "--format", "{{.Id}}", &self.name(&job.job_id)])
		{
			Ok(id) => Ok(Some(Handle::Container { id: id.trim().to_string() })),
			Err(BackendError::Engine(e)) if e.contains("no such") => Ok(None),
			Err(e) => Err(e),
		}
	}
}
