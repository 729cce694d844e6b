//! `batch` workloads (and `command` ones of classes that send them here) on a
//! Slurm cluster, through its command line tools (`sbatch`, `squeue`, `scancel`).
//!
//! Each job runs as the configured unprivileged user in a folder it owns, through
//! a small wrapper script that records when the workload started and ended, its
//! exit status and its CPU time (`times`), and kills it at its exact wall-clock
//! limit (`timeout -s KILL`: Slurm's own limit is whole minutes). The Slurm job is
//! named after the agent and the job, so it is found again after a restart; its
//! state comes from `squeue`, its outcome from the wrapper's files.

use super::{run_tool, shell_quote, Backend, BackendError, End, Handle, JobDir, Outcome, Progress};
use crate::{
	config::{Config, SlurmConfig},
	job::{now_ms, BackendKind, JobRequest, Usage, Workload},
	metering,
};
use std::{collections::HashMap, path::Path};

pub struct SlurmBackend {
	slurm: SlurmConfig,
	default_memory_mb: u64,
	instance: String,
	work_dir: std::path::PathBuf,
	uid: nix::unistd::Uid,
	gid: nix::unistd::Gid,
}

impl SlurmBackend {
	pub fn new(config: &Config, instance: &str, work_dir: &Path) -> Result<SlurmBackend, String> {
		let user = nix::unistd::User::from_name(&config.slurm.user)
			.map_err(|e| e.to_string())?
			.ok_or_else(|| format!("slurm.user `{}` does not exist", config.slurm.user))?;
		let group = nix::unistd::Group::from_name(&config.slurm.group)
			.map_err(|e| e.to_string())?
			.ok_or_else(|| format!("slurm.group `{}` does not exist", config.slurm.group))?;
		Ok(SlurmBackend {
			slurm: config.slurm.clone(),
			default_memory_mb: config.limits.default_memory_mb,
			instance: instance.to_string(),
			work_dir: work_dir.to_path_buf(),
			uid: user.uid,
			gid: group.gid,
		})
	}

	fn name(&self, job_id: &str) -> String {
		format!("utc-{}-job-{job_id}", self.instance)
	}

	/// The wrapper Slurm runs: timestamps, the workload under its exact limit, the
	/// exit status and the children's CPU time, each in a file of the job folder.
	fn wrapper(&self, job: &JobRequest, dir: &JobDir) -> Result<String, BackendError> {
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
		let mut exports = vec![
			"export PATH=/usr/local/bin:/usr/bin:/bin".to_string(),
			"export HOME=\"$d/out\"".into(),
			"export OUTPUT_DIR=\"$d/out\"".into(),
		];
		if job.input.is_some() {
			exports.push("export INPUT_FILE=\"$d/input\"".into());
		}
		if let Workload::Command { env, .. } = &job.workload {
			for (key, value) in env {
				exports.push(format!("export {key}={}", shell_quote(value)));
			}
		}
		let limit_s = format!("{}.{:03}", job.max_duration_ms / 1000, job.max_duration_ms % 1000);
		Ok(format!(
			"#!/bin/sh\nd={dir}\n{exports}\ndate +%s%3N > \"$d/started\"\ntimeout -s KILL {limit_s} {run}\nrc=$?\ntimes > \"$d/times\"\ndate +%s%3N > \"$d/ended\"\necho \"$rc\" > \"$d/rc\"\nexit \"$rc\"\n",
			dir = shell_quote(&dir.root.to_string_lossy()),
			exports = exports.join("\n"),
		))
	}

	fn tool(&self, program: &Path, args: Vec<String>) -> Result<String, BackendError> {
		run_tool(program, &args)
	}

	/// The job's outcome from the wrapper's files, if it wrote them.
	fn wrapper_outcome(&self, job: &JobRequest, dir: &JobDir) -> Option<Outcome> {
		let read_num = |name: &str| -> Option<i64> {
			std::fs::read_to_string(dir.file(name)).ok()?.trim().parse().ok()
		};
		let rc = read_num("rc")? as i32;
		let started = read_num("started").map(|t| t as u64);
		let ended = read_num("ended").map(|t| t as u64).unwrap_or_else(now_ms);
		let wall_ms = started.map(|s| ended.saturating_sub(s)).unwrap_or(0);
		let cpu_ms = std::fs::read_to_string(dir.file("times"))
			.ok()
			.and_then(|t| metering::parse_times(&t))
			.unwrap_or(0);
		let (end, result_hash) = match metering::output_hash(&dir.stdout(), &dir.out()) {
			Ok(hash) => (
				if rc == 137 && wall_ms >= job.max_duration_ms {
					End::TimedOut
				} else if rc > 128 && rc < 160 {
					End::Killed(format!("killed: signal {}", rc - 128))
				} else {
					End::Exited
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

fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
	use std::os::unix::fs::PermissionsExt;
	std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

impl Backend for SlurmBackend {
	fn kind(&self) -> BackendKind {
		BackendKind::Slurm
	}

	fn health(&self) -> Result<(), String> {
		// Slurm opens the job's output as the job's user: every folder above the job
		// folders must let it through.
		for dir in self.work_dir.ancestors() {
			use std::os::unix::fs::{MetadataExt, PermissionsExt};
			let meta = std::fs::metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
			let mode = meta.permissions().mode();
			let passes = mode & 0o001 != 0
				|| (meta.uid() == self.uid.as_raw() && mode & 0o100 != 0)
				|| (meta.gid() == self.gid.as_raw() && mode & 0o010 != 0);
			if !passes {
				return Err(format!(
					"{} (mode {:o}) keeps the job user `{}` out of the job folders: `chmod o+x` it or move the state dir",
					dir.display(),
					mode & 0o777,
					self.slurm.user
				));
			}
		}
		let out = self
			.tool(
				&self.slurm.squeue.clone(),
				vec!["-h".into(), "-o".into(), "%i".into(), "-j".into(), "0".into()],
			)
			.or_else(|e| match e {
				// Slurm answers an unknown job id with an error: it is up.
				BackendError::Engine(msg) if msg.contains("Invalid job id") => Ok(String::new()),
				other => Err(other),
			});
		out.map(|_| ()).map_err(|e| format!("slurm: {e}"))
	}

	fn submit(&self, job: &JobRequest, dir: &JobDir) -> Result<Handle, BackendError> {
		let wrapper = dir.file("wrapper.sh");
		std::fs::write(&wrapper, self.wrapper(job, dir)?)?;
		set_mode(&wrapper, 0o755)?;
		// The job's user owns its folder (the agent's own files stay out of reach).
		for path in [dir.root.clone(), dir.out(), wrapper.clone()]
			.into_iter()
			.chain(job.input.as_ref().map(|_| dir.input()))
			.chain(matches!(job.workload, Workload::Batch { .. }).then(|| dir.file("script")))
		{
			nix::unistd::chown(&path, Some(self.uid), Some(self.gid))
				.map_err(|e| BackendError::Engine(format!("chown {}: {e}", path.display())))?;
		}
		let minutes = job.max_duration_ms.div_ceil(60_000) + 1;
		let mut args = vec![
			"--parsable".to_string(),
			format!("--job-name={}", self.name(&job.job_id)),
			format!("--uid={}", self.slurm.user),
			format!("--gid={}", self.slurm.group),
			format!("--time={minutes}"),
			format!("--chdir={}", dir.out().display()),
			format!("--output={}", dir.stdout().display()),
			format!("--error={}", dir.stderr().display()),
			"--no-requeue".into(),
			"--export=ALL".into(),
			format!("--mem={}", job.resources.memory_mb.unwrap_or(self.default_memory_mb)),
		];
		if let Some(partition) = &self.slurm.partition {
			args.push(format!("--partition={partition}"));
		}
		if job.resources.gpus > 0 {
			args.push(format!("--gres=gpu:{}", job.resources.gpus));
		}
		args.push(wrapper.to_string_lossy().into_owned());
		// `--export=ALL` of a cleared environment: the job sees only what the wrapper sets.
		let mut command = std::process::Command::new(&self.slurm.sbatch);
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
		let listed = self.tool(
			&self.slurm.squeue.clone(),
			vec![
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
					std::fs::read_to_string(dir.file("started")).ok()?.trim().parse::<u64>().ok()
				};
				match state {
					Some("PENDING") | Some("REQUEUED") | Some("CONFIGURING") | Some("RESIZING") => {
						Ok(Progress::Queued)
					}
					Some("RUNNING") | Some("SUSPENDED") | Some("COMPLETING")
					| Some("STAGE_OUT") => Ok(match self.wrapper_outcome(job, dir) {
						Some(outcome) if state == Some("COMPLETING") => Progress::Finished(outcome),
						_ => started()
							.map(|started_at_ms| Progress::Running { started_at_ms })
							.unwrap_or(Progress::Queued),
					}),
					_ => Ok(Progress::Finished(self.wrapper_outcome(job, dir).unwrap_or_else(
						|| {
							let end = match state {
								Some("CANCELLED") => End::Stopped,
								Some("TIMEOUT") | Some("DEADLINE") => End::TimedOut,
								Some("OUT_OF_MEMORY") => End::Killed("killed: memory limit".into()),
								Some(other) => {
									End::Backend(format!("slurm job {job_id} ended {other}"))
								}
								None => End::Backend(format!("slurm job {job_id} vanished")),
							};
							Outcome::without_result(started(), end)
						},
					))),
				}
			})
			.collect()
	}

	fn cancel(&self, handle: &Handle) -> Result<(), BackendError> {
		let Handle::Slurm { job_id } = handle else {
			return Err(BackendError::Engine("not a slurm job".into()));
		};
		self.tool(&self.slurm.scancel.clone(), vec![job_id.to_string()]).map(|_| ())
	}

	fn recover(&self, job: &JobRequest, _dir: &JobDir) -> Result<Option<Handle>, BackendError> {
		let text = self.tool(
			&self.slurm.squeue.clone(),
			vec![
				"-h".into(),
				"-t".into(),
				"all".into(),
				format!("--name={}", self.name(&job.job_id)),
				"-o".into(),
				"%i".into(),
			],
		)?;
		Ok(text
			.lines()
			.filter_map(|l| l.trim().parse().ok())
			.max()
			.map(|job_id| Handle::Slurm { job_id }))
	}
}
