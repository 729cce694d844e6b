//! The engines a job runs on, behind one trait: a bubblewrap-sandboxed process,
//! a podman container, or a Slurm cluster.
//!
//! A backend never keeps a job only in memory: everything `poll` needs after an
//! agent restart is in the [`Handle`] (committed to the store) and in the job's
//! folder, and every job is named after its id, so `recover` finds one that was
//! handed over just before a crash instead of running it twice.

pub mod container;
pub mod process;
pub mod slurm;

use crate::job::{JobRequest, Usage};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How the agent finds a launched job again, after a restart too.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Handle {
	/// The sandbox's supervisor process, by pid and start time (clock ticks since
	/// boot, so a reused pid is not mistaken for it).
	Process { pid: i32, start_ticks: u64 },
	/// A podman container.
	Container { id: String },
	/// A Slurm job.
	Slurm { job_id: u64 },
}

/// Where a job is, as its backend sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
	Queued,
	Running { started_at_ms: u64 },
	Finished(Outcome),
}

/// How a job ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
	pub started_at_ms: Option<u64>,
	pub finished_at_ms: u64,
	pub exit_code: Option<i32>,
	pub end: End,
	pub usage: Usage,
	pub result_hash: Option<String>,
}

impl End {
	/// How a job ended from its exit status as a shell reports it: 128 + n for
	/// signal n, and 137 (SIGKILL) at or past its limit is the limit's kill.
	pub fn of_exit_status(rc: i32, wall_ms: u64, limit_ms: u64) -> End {
		if rc == 137 && wall_ms >= limit_ms {
			End::TimedOut
		} else if rc > 128 && rc < 160 {
			End::Killed(format!("killed: signal {}", rc - 128))
		} else {
			End::Exited
		}
	}
}

impl Outcome {
	/// A job that ended now without leaving a result (no exit status, no usage).
	pub fn without_result(started_at_ms: Option<u64>, end: End) -> Outcome {
		Outcome {
			started_at_ms,
			finished_at_ms: crate::job::now_ms(),
			exit_code: None,
			end,
			usage: Usage::default(),
			result_hash: None,
		}
	}
}

/// Why a job ended, as the backend saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
	/// It exited; status 0 completes it.
	Exited,
	/// The backend's own time limit stopped it.
	TimedOut,
	/// It was stopped on request (a cancel, or the agent's deadline).
	Stopped,
	/// Killed by a signal or a limit, or gone without a trace.
	Killed(String),
	/// The engine failed it.
	Backend(String),
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
	#[error("{0}")]
	Engine(String),
	#[error("{0}")]
	Io(#[from] std::io::Error),
}

/// The folder of one job: its output folder, captured streams and the files the
/// backend leaves for a restarted agent.
#[derive(Clone, Debug)]
pub struct JobDir {
	pub root: PathBuf,
}

impl JobDir {
	pub fn new(work_dir: &Path, job_id: &str) -> JobDir {
		JobDir { root: work_dir.join(job_id) }
	}
	pub fn out(&self) -> PathBuf {
		self.root.join("out")
	}
	pub fn stdout(&self) -> PathBuf {
		self.root.join("stdout")
	}
	pub fn stderr(&self) -> PathBuf {
		self.root.join("stderr")
	}
	pub fn input(&self) -> PathBuf {
		self.root.join("input")
	}
	pub fn file(&self, name: &str) -> PathBuf {
		self.root.join(name)
	}
	/// Gives the job's user (`uid`, and the group of the same number) its output
	/// folder and a way to it, and its input to read; the rest of the folder stays the
	/// agent's.
	pub fn hand_to(&self, uid: u32, has_input: bool) -> Result<(), BackendError> {
		let id = (Some(nix::unistd::Uid::from_raw(uid)), Some(nix::unistd::Gid::from_raw(uid)));
		nix::unistd::chown(&self.out(), id.0, id.1)
			.map_err(|e| BackendError::Engine(format!("chown {}: {e}", self.out().display())))?;
		set_mode(&self.root, 0o711)?;
		set_mode(&self.out(), 0o700)?;
		if has_input {
			set_mode(&self.input(), 0o644)?;
		}
		Ok(())
	}
}

/// A job's deterministic name in every engine (container, Slurm job, cgroup): the
/// agent's instance and the job id, so two agents never take each other's jobs.
pub fn job_name(instance: &str, job_id: &str) -> String {
	format!("utc-{instance}-job-{job_id}")
}

/// Sets a file's permission bits.
pub(crate) fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
	use std::os::unix::fs::PermissionsExt;
	std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

pub trait Backend: Send + Sync {
	/// `Ok` when the engine can take jobs, else why not.
	fn health(&self) -> Result<(), String>;

	/// Starts the job (its folder exists, with the input when the job has one).
	fn submit(&self, job: &JobRequest, dir: &JobDir) -> Result<Handle, BackendError>;

	/// Where each launched job is; one engine query for all of them where the
	/// engine allows it.
	fn poll(&self, jobs: &[(&JobRequest, &Handle, &JobDir)])
		-> Vec<Result<Progress, BackendError>>;

	/// Whether the engine itself kills a job at its exact deadline, so the agent's
	/// own stop is only a backstop.
	fn enforces_deadline(&self) -> bool {
		false
	}

	/// Stops a job; its outcome is read by the next `poll`.
	fn cancel(&self, handle: &Handle) -> Result<(), BackendError>;

	/// Finds a job that was being handed over when the agent stopped.
	fn recover(&self, job: &JobRequest, dir: &JobDir) -> Result<Option<Handle>, BackendError>;
}

/// Runs an engine's command line tool; its stdout on success, else an engine error
/// naming the tool and what it printed.
pub(crate) fn run_tool(program: &Path, args: &[String]) -> Result<String, BackendError> {
	let output = std::process::Command::new(program)
		.args(args)
		.stdin(std::process::Stdio::null())
		.output()
		.map_err(|e| BackendError::Engine(format!("{}: {e}", program.display())))?;
	if output.status.success() {
		Ok(String::from_utf8_lossy(&output.stdout).into_owned())
	} else {
		let stderr = String::from_utf8_lossy(&output.stderr);
		Err(BackendError::Engine(format!(
			"{} {}: {}",
			program.display(),
			args.first().map(String::as_str).unwrap_or(""),
			stderr.trim()
		)))
	}
}

/// Writes a file so that a reader sees the old content or the whole new one.
pub(crate) fn write_atomically(path: &Path, data: &[u8]) -> std::io::Result<()> {
	use std::io::Write;
	let tmp = path.with_extension("tmp");
	let mut file = std::fs::File::create(&tmp)?;
	file.write_all(data)?;
	file.sync_all()?;
	std::fs::rename(&tmp, path)
}

/// The fields of a `/proc/<pid>/stat` line after the command name (which is in
/// parentheses and may hold spaces): `fields[0]` is field 3 (the state), so field
/// `n` of proc(5) is `fields[n - 3]`.
pub(crate) fn proc_stat_fields(pid: i32) -> Option<Vec<String>> {
	let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
	let after = stat.get(stat.rfind(')')? + 2..)?;
	Some(after.split_whitespace().map(str::to_string).collect())
}

/// Field `n` (numbered as in proc(5), from 3) of a process's stat fields, as a number.
pub(crate) fn stat_field<T: std::str::FromStr>(fields: &[String], n: usize) -> Option<T> {
	fields.get(n.checked_sub(3)?)?.parse().ok()
}

/// The processes on this host, by pid, with their `/proc` folders.
pub(crate) fn proc_pids() -> impl Iterator<Item = (i32, PathBuf)> {
	std::fs::read_dir("/proc").into_iter().flatten().flatten().filter_map(|entry| {
		let pid = entry.file_name().to_str()?.parse::<i32>().ok()?;
		Some((pid, entry.path()))
	})
}

/// The clock ticks since boot at which a process started (field 22), or `None` if
/// there is no such process.
pub(crate) fn process_start_ticks(pid: i32) -> Option<u64> {
	stat_field(&proc_stat_fields(pid)?, 22)
}

/// Whether a process with this pid and start time exists and has not exited.
pub(crate) fn process_alive(pid: i32, start_ticks: u64) -> bool {
	let Some(fields) = proc_stat_fields(pid) else { return false };
	let state = fields.first().map(String::as_str);
	stat_field::<u64>(&fields, 22) == Some(start_ticks) && !matches!(state, Some("Z") | Some("X"))
}

/// A shell word: `'…'` with every `'` escaped.
pub(crate) fn shell_quote(word: &str) -> String {
	format!("'{}'", word.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn this_process_is_alive_and_a_changed_start_time_is_not() {
		let pid = std::process::id() as i32;
		let start = process_start_ticks(pid).unwrap();
		assert!(process_alive(pid, start));
		assert!(!process_alive(pid, start + 1));
		assert!(!process_alive(i32::MAX, start));
	}

	#[test]
	fn shell_quoting_survives_quotes() {
		assert_eq!(shell_quote("it's"), r"'it'\''s'");
	}
}
