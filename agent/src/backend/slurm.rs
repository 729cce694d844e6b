//! `batch` workloads (and `command` ones of classes that send them here) on a
//! Slurm cluster, through its command line tools (`sbatch`, `squeue`, `scancel`).
//!
//! Slurm runs a wrapper script as the agent's user (root), in a job folder the
//! workload cannot write to. The wrapper records when the workload started and
//! ended, its exit status and its CPU time (`times`) in `meta/`, and runs it
//! under `timeout -s KILL` (its exact limit: Slurm's own is whole minutes), in a
//! network namespace of its own unless the class allows the network, as the
//! job's own unprivileged uid (`setpriv`) with only the environment the job
//! names (`env -i`). The workload writes only to `out/`, which it owns. On
//! `scancel` the wrapper stops the workload and still records what it measured.
//! The Slurm job is named after the agent and the job, so it is found again after
//! a restart; its state comes from `squeue`, its outcome from the wrapper's files.

use super::{
	job_name, run_tool, set_mode, shell_quote, Backend, BackendError, End, Handle, JobDir, Outcome,
	Progress,
};
use crate::{
	config::Config,
	job::{now_ms, JobRequest, Usage, Workload},
	metering,
};
use std::{collections::HashMap, path::Path};

pub struct SlurmBackend {
	config: Config,
	instance: String,
	work_dir: std::path::PathBuf,
}

impl SlurmBackend {
	pub fn new(config: &Config, instance: &str, work_dir: &Path) -> Result<SlurmBackend, String> {
		Ok(SlurmBackend {
			config: config.clone(),
			instance: instance.to_string(),
			work_dir: work_dir.to_path_buf(),
		})
	}

	fn name(&self, job_id: &str) -> String {
		job_name(&self.instance, job_id)
	}

	/// The wrapper Slurm runs (see the module's docs).
	fn wrapper(
		&self,
		job: &JobRequest,
		dir: &JobDir,
		network: bool,
	) -> Result<String, BackendError> {
		let run = match &job.workload {
			Workload::Batch { script } => {
				let script = if script.starts_with("#!") {
					script.clone()
				} else {
					format!("#!/bin/sh\n{script}")
				};
				let path = dir.file("script");
				std::fs::write(&path, script)?;
				set_mode(&path, 0o755)?;
				shell_quote(&path.to_string_lossy())
			}
			Workload::Command { program, args, .. } => std::iter::once(program)
				.chain(args)
				.map(|w| shell_quote(w))
				.collect::<Vec<_>>()
				.join(" "),
			Workload::Container { .. } => {
				return Err(BackendError::Engine(
					"the slurm backend runs `batch` and `command` workloads".into(),
				))
			}
		};
		let out = dir.out().to_string_lossy().into_owned();
		let mut env = vec![
			"PATH=/usr/local/bin:/usr/bin:/bin".to_string(),
			format!("HOME={out}"),
			format!("OUTPUT_DIR={out}"),
		];
		if job.input.is_some() {
			env.push(format!("INPUT_FILE={}", dir.input().display()));
		}
		if let Workload::Command { env: job_env, .. } = &job.workload {
			env.extend(job_env.iter().map(|(key, value)| format!("{key}={value}")));
		}
		let env = env.iter().map(|kv| shell_quote(kv)).collect::<Vec<_>>().join(" ");
		let limit_s = format!("{}.{:03}", job.max_duration_ms / 1000, job.max_duration_ms % 1000);
		let isolate = if network { "" } else { "/usr/bin/unshare --net -- " };
		Ok(format!(
			r#"#!/bin/sh
m={meta}
record() {{ times > "$m/times"; date +%s%3N > "$m/ended"; echo "$1" > "$m/rc"; }}
stop() {{ kill -KILL -- -"$pid" 2>/dev/null; wait "$pid"; record 143; exit 143; }}
trap stop TERM INT
date +%s%3N > "$m/started"
/usr/bin/timeout -s KILL {limit_s} {isolate}/usr/bin/setpriv --reuid={uid} --regid={gid} --clear-groups --no-new-privs -- /usr/bin/env -i {env} {gpus} {run} &
pid=$!
wait "$pid"
rc=$?
record "$rc"
exit "$rc"
"#,
			meta = shell_quote(&dir.file("meta").to_string_lossy()),
			// The devices Slurm gave the job, and its id, pass through `env -i`.
			gpus = [
				"CUDA_VISIBLE_DEVICES",
				"ROCR_VISIBLE_DEVICES",
				"GPU_DEVICE_ORDINAL",
				"SLURM_JOB_ID",
				"SLURM_JOB_GPUS",
				"SLURM_STEP_GPUS"
			]
			.map(|v| format!("${{{v}+\"{v}=${v}\"}}"))
			.join(" "),
			uid = self.config.job_users.uid(&job.job_id),
			gid = self.config.job_users.uid(&job.job_id),
		))
	}

	/// The job's outcome from the wrapper's records, if it wrote them. `cancelled`:
	/// Slurm says the job was cancelled.
	fn wrapper_outcome(&self, job: &JobRequest, dir: &JobDir, cancelled: bool) -> Option<Outcome> {
		let meta = dir.file("meta");
		let read_num = |name: &str| -> Option<i64> {
			std::fs::read_to_string(meta.join(name)).ok()?.trim().parse().ok()
		};
		let rc = read_num("rc")? as i32;
		let started = read_num("started").map(|t| t as u64);
		let ended = read_num("ended").map(|t| t as u64).unwrap_or_else(now_ms);
		let wall_ms = started.map(|s| ended.saturating_sub(s)).unwrap_or(0);
		let cpu_ms = std::fs::read_to_string(meta.join("times"))
			.ok()
			.and_then(|t| metering::parse_times(&t))
			.unwrap_or(0);
		let (end, result_hash) = match metering::output_hash(&dir.stdout(), &dir.out()) {
			Ok(hash) => (
				if cancelled {
					End::Stopped
				} else {
					End::of_exit_status(rc, wall_ms, job.max_duration_ms)
				},
				Some(hash),
			),
			Err(e) => (End::Backend(format!("output not hashed: {e}")), None),
		};
		Some(Outcome {
			started_at_ms: started,
			finished_at_ms: ended,
			exit_code: Some(rc),
			end,
			usage: Usage { wall_ms, cpu_ms, gpus: job.resources.gpus },
			result_hash,
		})
	}
}

impl Backend for SlurmBackend {
	fn health(&self) -> Result<(), String> {
		// Slurm opens the job's output as the job's user: every folder above the job
		// folders must let it through.
		for dir in self.work_dir.ancestors() {
			use std::os::unix::fs::PermissionsExt;
			let meta = std::fs::metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
			let mode = meta.permissions().mode();
			let passes = mode & 0o001 != 0;
			if !passes {
				return Err(format!(
					"{} (mode {:o}) keeps the jobs' users out of their folders: `chmod o+x` it or move the state dir",
					dir.display(),
					mode & 0o777,
				));
			}
		}
		let out = run_tool(
			&self.config.slurm.squeue,
			&["-h".into(), "-o".into(), "%i".into(), "-j".into(), "0".into()],
		)
		.or_else(|e| match e {
			// Slurm answers an unknown job id with an error: it is up.
			BackendError::Engine(msg) if msg.contains("Invalid job id") => Ok(String::new()),
			other => Err(other),
		});
		out.map(|_| ()).map_err(|e| format!("slurm: {e}"))
	}

	fn submit(&self, job: &JobRequest, dir: &JobDir) -> Result<Handle, BackendError> {
		// The wrapper's records are root's, beside the output the workload owns.
		let meta = dir.file("meta");
		std::fs::create_dir_all(&meta)?;
		set_mode(&meta, 0o755)?;
		dir.hand_to(self.config.job_users.uid(&job.job_id), job.input.is_some())?;
		let network = self.config.network_for(job);
		let wrapper = dir.file("wrapper.sh");
		std::fs::write(&wrapper, self.wrapper(job, dir, network)?)?;
		set_mode(&wrapper, 0o755)?;
		let minutes = job.max_duration_ms.div_ceil(60_000) + 1;
		let mut args = vec![
			"--parsable".to_string(),
			format!("--job-name={}", self.name(&job.job_id)),
			format!("--time={minutes}"),
			format!("--chdir={}", dir.out().display()),
			format!("--output={}", dir.stdout().display()),
			format!("--error={}", dir.stderr().display()),
			"--no-requeue".into(),
			"--export=ALL".into(),
			format!("--mem={}", self.config.memory_mb(job)),
		];
		if let Some(partition) = &self.config.slurm.partition {
			args.push(format!("--partition={partition}"));
		}
		if job.resources.gpus > 0 {
			args.push(format!("--gres=gpu:{}", job.resources.gpus));
		}
		args.push(wrapper.to_string_lossy().into_owned());
		// `--export=ALL` of a cleared environment: the wrapper sees nothing of the agent's.
		let mut command = std::process::Command::new(&self.config.slurm.sbatch);
		command.env_clear().env("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin").args(&args);
		if let Ok(conf) = std::env::var("SLURM_CONF") {
			command.env("SLURM_CONF", conf);
		}
		let output = command.stdin(std::process::Stdio::null()).output()?;
		if !output.status.success() {
			return Err(BackendError::Engine(format!(
				"sbatch: {}",
				String::from_utf8_lossy(&output.stderr).trim()
			)));
		}
		let text = String::from_utf8_lossy(&output.stdout);
		let job_id = text
			.trim()
			.split(';')
			.next()
			.and_then(|id| id.parse::<u64>().ok())
			.ok_or_else(|| BackendError::Engine(format!("sbatch printed `{}`", text.trim())))?;
		Ok(Handle::Slurm { job_id })
	}

	fn poll(
		&self,
		jobs: &[(&JobRequest, &Handle, &JobDir)],
	) -> Vec<Result<Progress, BackendError>> {
		if jobs.is_empty() {
			return Vec::new();
		}
		let names: Vec<String> = jobs.iter().map(|(job, _, _)| self.name(&job.job_id)).collect();
		let listed = run_tool(
			&self.config.slurm.squeue,
			&[
				"-h".into(),
				"-t".into(),
				"all".into(),
				format!("--name={}", names.join(",")),
				"-o".into(),
				"%i|%T".into(),
			],
		);
		let states: Result<HashMap<u64, String>, BackendError> = listed.map(|text| {
			text.lines()
				.filter_map(|line| {
					let (id, state) = line.trim().split_once('|')?;
					Some((id.parse().ok()?, state.to_string()))
				})
				.collect()
		});
		jobs.iter()
			.map(|(job, handle, dir)| {
				let Handle::Slurm { job_id } = handle else {
					return Err(BackendError::Engine("not a slurm job".into()));
				};
				let states = states.as_ref().map_err(|e| BackendError::Engine(e.to_string()))?;
				let state = states.get(job_id).map(String::as_str);
				let started = || {
					std::fs::read_to_string(dir.file("meta").join("started"))
						.ok()?
						.trim()
						.parse::<u64>()
						.ok()
				};
				let cancelled = state == Some("CANCELLED");
				// Slurm's final states; every other one (pending, running, completing,
				// held, signaling, ...) is still the cluster's.
				let finished = matches!(
					state,
					None | Some(
						"COMPLETED"
							| "FAILED" | "CANCELLED"
							| "TIMEOUT" | "OUT_OF_MEMORY"
							| "NODE_FAIL" | "PREEMPTED"
							| "BOOT_FAIL" | "DEADLINE"
							| "REVOKED" | "SPECIAL_EXIT"
					)
				);
				match state {
					_ if !finished => Ok(match self.wrapper_outcome(job, dir, false) {
						Some(outcome) if state == Some("COMPLETING") => Progress::Finished(outcome),
						_ => started()
							.map(|started_at_ms| Progress::Running { started_at_ms })
							.unwrap_or(Progress::Queued),
					}),
					_ => Ok(Progress::Finished(
						self.wrapper_outcome(job, dir, cancelled).unwrap_or_else(|| {
							let end = match state {
								Some("CANCELLED") => End::Stopped,
								Some("TIMEOUT") | Some("DEADLINE") => End::TimedOut,
								Some("OUT_OF_MEMORY") => End::Killed("killed: memory limit".into()),
								Some(other) => {
									End::Backend(format!("slurm job {job_id} ended {other}"))
								}
								None => End::Backend(format!("slurm job {job_id} vanished")),
							};
							// Killed before it could record itself: billed from its start to now.
							let mut outcome = Outcome::without_result(started(), end);
							if let Some(started) = outcome.started_at_ms {
								outcome.usage.wall_ms =
									outcome.finished_at_ms.saturating_sub(started);
							}
							outcome
						}),
					)),
				}
			})
			.collect()
	}

	fn cancel(&self, handle: &Handle) -> Result<(), BackendError> {
		let Handle::Slurm { job_id } = handle else {
			return Err(BackendError::Engine("not a slurm job".into()));
		};
		if *job_id == 0 {
			return Err(BackendError::Engine(
				"the slurm job's id is unknown (it ended long ago)".into(),
			));
		}
		run_tool(&self.config.slurm.scancel, &[job_id.to_string()]).map(|_| ())
	}

	fn enforces_deadline(&self) -> bool {
		true
	}

	fn recover(&self, job: &JobRequest, dir: &JobDir) -> Result<Option<Handle>, BackendError> {
		let text = run_tool(
			&self.config.slurm.squeue,
			&[
				"-h".into(),
				"-t".into(),
				"all".into(),
				format!("--name={}", self.name(&job.job_id)),
				"-o".into(),
				"%i".into(),
			],
		)?;
		if let Some(job_id) = text.lines().filter_map(|l| l.trim().parse().ok()).max() {
			return Ok(Some(Handle::Slurm { job_id }));
		}
		// Slurm forgets finished jobs after `MinJobAge`; the wrapper's records say it ran.
		// Without its id the outcome comes from those records alone.
		if dir.file("meta").join("started").exists() {
			return Ok(Some(Handle::Slurm { job_id: 0 }));
		}
		Ok(None)
	}
}
