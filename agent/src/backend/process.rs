//! `command` workloads in a bubblewrap sandbox.
//!
//! The agent does not run the sandbox as its own child: it starts a small
//! supervisor (`utc-agent sandbox <job dir>`, in a session of its own) that runs
//! `prlimit … bwrap … <program>`, enforces the wall-clock limit, measures wall and
//! CPU time, hashes the output and writes `result.json`. The sandbox dies with its
//! supervisor (`--die-with-parent`), and the supervisor outlives an agent restart,
//! so a restarted agent finds the job by pid and start time and reads its result.

use super::{
	job_name, proc_pids, proc_stat_fields, process_alive, process_start_ticks, stat_field,
	write_atomically, Backend, BackendError, End, Handle, JobDir, Outcome, Progress,
};
use crate::{
	cgroup::{CgroupSpec, JobCgroup, Saved},
	config::Config,
	job::{now_ms, JobRequest, Usage, Workload},
	metering,
};
use serde::{Deserialize, Serialize};
use std::{
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc, Mutex,
	},
	time::{Duration, Instant},
};

/// What the sandbox supervisor runs, written to the job folder before it starts.
#[derive(Serialize, Deserialize)]
struct SandboxSpec {
	argv: Vec<String>,
	timeout_ms: u64,
	/// For a job with network: slirp4netns, which gives the sandbox's own network
	/// namespace a user-mode route out, without the host's loopback. `argv` then holds
	/// `@INFO_FD@` and `@BLOCK_FD@`, replaced by the pipes bwrap reports and waits on.
	slirp4netns: Option<String>,
	/// The job's own cgroups, where the host has them: memory and process limits and
	/// exact CPU time. Without them, the address-space limit stands in for memory.
	cgroup: Option<CgroupSpec>,
}

const INFO_FD: &str = "@INFO_FD@";
const BLOCK_FD: &str = "@BLOCK_FD@";

#[derive(Serialize, Deserialize)]
struct Started {
	started_at_ms: u64,
}

/// What the sandbox supervisor leaves when the job ends.
#[derive(Serialize, Deserialize)]
struct SandboxResult {
	started_at_ms: u64,
	finished_at_ms: u64,
	wall_ms: u64,
	cpu_ms: u64,
	exit_code: Option<i32>,
	signal: Option<i32>,
	/// Whether the kernel killed a process of the job for exceeding its memory.
	#[serde(default)]
	memory_killed: bool,
	/// `exited`, `timeout` or `stopped`.
	end: String,
	result_hash: Option<String>,
	hash_error: Option<String>,
}

pub struct ProcessBackend {
	agent_exe: PathBuf,
	config: Config,
	/// The supervisors this agent started, reaped as they exit.
	children: Mutex<Vec<Child>>,
	/// The host's top-level system folders: symlinks (merged /usr) or folders.
	system: Vec<(String, SystemEntry)>,
	/// Whether jobs get cgroups of their own.
	cgroups: bool,
	instance: String,
}

enum SystemEntry {
	Link(String),
	Dir,
}

impl ProcessBackend {
	pub fn new(config: &Config, instance: &str) -> std::io::Result<ProcessBackend> {
		let mut system = Vec::new();
		for name in ["bin", "sbin", "lib", "lib32", "lib64", "libx32"] {
			let path = Path::new("/").join(name);
			match std::fs::symlink_metadata(&path) {
				Ok(meta) if meta.file_type().is_symlink() => {
					let target = std::fs::read_link(&path)?;
					system.push((
						name.to_string(),
						SystemEntry::Link(target.to_string_lossy().into()),
					));
				}
				Ok(meta) if meta.is_dir() => system.push((name.to_string(), SystemEntry::Dir)),
				_ => {}
			}
		}
		Ok(ProcessBackend {
			agent_exe: std::env::current_exe()?,
			config: config.clone(),
			children: Mutex::new(Vec::new()),
			system,
			cgroups: crate::cgroup::available(),
			instance: instance.to_string(),
		})
	}

	/// bwrap's arguments that give the sandbox the host's system folders, read-only.
	fn system_binds(&self) -> Vec<String> {
		let mut args = vec!["--ro-bind".to_string(), "/usr".into(), "/usr".into()];
		for (name, entry) in &self.system {
			match entry {
				SystemEntry::Link(target) => {
					args.extend(["--symlink".to_string(), target.clone(), format!("/{name}")])
				}
				SystemEntry::Dir => {
					args.extend(["--ro-bind".to_string(), format!("/{name}"), format!("/{name}")])
				}
			}
		}
		args
	}

	/// `setpriv … prlimit … bwrap … -- program args`: the whole command the supervisor
	/// runs.
	fn sandbox_argv(
		&self,
		job: &JobRequest,
		dir: &JobDir,
		network: bool,
	) -> Result<Vec<String>, BackendError> {
		let Workload::Command { program, args, env } = &job.workload else {
			return Err(BackendError::Engine(
				"the process backend runs `command` workloads only".into(),
			));
		};
		let memory_mb = self.config.memory_mb(job);
		let cores = std::thread::available_parallelism().map(|n| n.get() as u64).unwrap_or(1);
		let cpu_s = job.max_duration_ms.div_ceil(1000).max(1).saturating_mul(cores);
		let s = |x: &str| x.to_string();
		// The sandbox runs as the job's own unprivileged user: bwrap, not setuid, maps the
		// sandbox's user onto it (run as root, it would map it onto root).
		let mut argv = as_user(self.config.job_users.uid(&job.job_id));
		argv.push(self.config.process.prlimit.to_string_lossy().into_owned());
		if !self.cgroups {
			argv.push(format!("--as={}", memory_mb.saturating_mul(1024 * 1024)));
		}
		argv.extend([
			format!("--cpu={cpu_s}"),
			format!("--fsize={}", self.config.limits.max_output_mb.saturating_mul(1024 * 1024)),
			s("--core=0"),
			s("--"),
			self.config.process.bwrap.to_string_lossy().into_owned(),
			s("--unshare-all"),
		]);
		if network {
			// Its own network namespace still: slirp4netns connects it once it exists.
			argv.extend([s("--info-fd"), s(INFO_FD), s("--block-fd"), s(BLOCK_FD)]);
		}
		argv.extend(
			[
				"--die-with-parent",
				"--new-session",
				"--uid",
				"65534",
				"--gid",
				"65534",
				"--hostname",
				"utc-job",
			]
			.map(s),
		);
		argv.extend(self.system_binds());
		// Only what programs need of /etc: never the host's secrets.
		let mut etc =
			vec!["/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d"];
		if network {
			etc.extend([
				"/etc/hosts",
				"/etc/nsswitch.conf",
				"/etc/ssl/certs",
				"/etc/ca-certificates",
			]);
			// slirp4netns's resolver, which forwards to the host's.
			argv.extend([
				s("--ro-bind"),
				dir.file("resolv.conf").to_string_lossy().into_owned(),
				s("/etc/resolv.conf"),
			]);
		}
		for path in etc {
			argv.extend([s("--ro-bind-try"), s(path), s(path)]);
		}
		argv.extend(["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--bind"].map(s));
		argv.extend([dir.out().to_string_lossy().into_owned(), s("/out")]);
		if job.input.is_some() {
			argv.extend([
				s("--ro-bind"),
				dir.input().to_string_lossy().into_owned(),
				s("/in/input"),
			]);
		}
		argv.extend(
			[
				"--chdir",
				"/out",
				"--clearenv",
				"--setenv",
				"PATH",
				"/usr/local/bin:/usr/bin:/bin",
				"--setenv",
				"HOME",
				"/tmp",
				"--setenv",
				"OUTPUT_DIR",
				"/out",
			]
			.map(s),
		);
		if job.input.is_some() {
			argv.extend(["--setenv", "INPUT_FILE", "/in/input"].map(s));
		}
		for (key, value) in env {
			argv.extend([s("--setenv"), key.clone(), value.clone()]);
		}
		argv.push(s("--"));
		argv.push(program.clone());
		argv.extend(args.iter().cloned());
		Ok(argv)
	}

	fn reap(&self) {
		if let Ok(mut children) = self.children.lock() {
			children.retain_mut(|child| matches!(child.try_wait(), Ok(None)));
		}
	}

	fn read_result(dir: &JobDir) -> Option<Outcome> {
		let bytes = std::fs::read(dir.file("result.json")).ok()?;
		let result: SandboxResult = serde_json::from_slice(&bytes).ok()?;
		let end = match (result.end.as_str(), result.signal) {
			("timeout", _) => End::TimedOut,
			("stopped", _) => End::Stopped,
			_ if result.memory_killed => End::Killed("killed: memory limit".into()),
			(_, Some(signal)) => End::Killed(signal_reason(signal)),
			_ => End::Exited,
		};
		let end = match (&end, &result.hash_error) {
			(End::Exited, Some(e)) => End::Backend(format!("output not hashed: {e}")),
			_ => end,
		};
		Some(Outcome {
			started_at_ms: Some(result.started_at_ms),
			finished_at_ms: result.finished_at_ms,
			exit_code: result.exit_code,
			end,
			usage: Usage { wall_ms: result.wall_ms, cpu_ms: result.cpu_ms, gpus: 0 },
			result_hash: result.result_hash,
		})
	}
}

/// `setpriv …  --`: what follows runs as `uid` (and the group of the same number),
/// without supplementary groups or a way to gain privileges.
fn as_user(uid: u32) -> Vec<String> {
	vec![
		"/usr/bin/setpriv".to_string(),
		format!("--reuid={uid}"),
		format!("--regid={uid}"),
		"--clear-groups".into(),
		"--no-new-privs".into(),
		"--".into(),
	]
}

fn signal_reason(signal: i32) -> String {
	match signal {
		libc_signal::SIGKILL => {
			"killed: SIGKILL (memory or CPU limit, or killed by the host)".into()
		}
		libc_signal::SIGXCPU => "killed: CPU time limit".into(),
		libc_signal::SIGXFSZ => "killed: output size limit".into(),
		libc_signal::SIGSEGV => "killed: SIGSEGV".into(),
		other => format!("killed: signal {other}"),
	}
}

/// The few signal numbers the reasons name (Linux).
mod libc_signal {
	pub const SIGKILL: i32 = 9;
	pub const SIGSEGV: i32 = 11;
	pub const SIGXCPU: i32 = 24;
	pub const SIGXFSZ: i32 = 25;
}

impl Backend for ProcessBackend {
	fn health(&self) -> Result<(), String> {
		// As a job runs it: as an unprivileged user, in namespaces of its own.
		let setpriv = as_user(self.config.job_users.uid_base);
		let out = Command::new(&setpriv[0])
			.args(&setpriv[1..])
			.arg(&self.config.process.bwrap)
			.args(["--unshare-all", "--die-with-parent"])
			.args(self.system_binds())
			.args(["--", "/bin/true"])
			.stdin(Stdio::null())
			.output()
			.map_err(|e| format!("{}: {e}", self.config.process.bwrap.display()))?;
		if !out.status.success() {
			return Err(format!(
				"bwrap cannot start a sandbox: {}",
				String::from_utf8_lossy(&out.stderr).trim()
			));
		}
		if !self.config.process.prlimit.exists() {
			return Err(format!("{} is missing", self.config.process.prlimit.display()));
		}
		Ok(())
	}

	fn submit(&self, job: &JobRequest, dir: &JobDir) -> Result<Handle, BackendError> {
		dir.hand_to(self.config.job_users.uid(&job.job_id), job.input.is_some())?;
		let network = self.config.network_for(job);
		let slirp4netns = if network {
			let slirp4netns = &self.config.process.slirp4netns;
			if !slirp4netns.exists() {
				return Err(BackendError::Engine(format!(
					"{} is missing: jobs with network need it",
					slirp4netns.display()
				)));
			}
			std::fs::write(dir.file("resolv.conf"), "nameserver 10.0.2.3\n")?;
			Some(slirp4netns.to_string_lossy().into_owned())
		} else {
			None
		};
		let cgroup = self.cgroups.then(|| CgroupSpec {
			name: job_name(&self.instance, &job.job_id),
			memory_bytes: self.config.memory_mb(job).saturating_mul(1024 * 1024),
			pids_max: self.config.process.pids_limit,
		});
		let spec = SandboxSpec {
			argv: self.sandbox_argv(job, dir, network)?,
			timeout_ms: job.max_duration_ms,
			slirp4netns,
			cgroup,
		};
		write_atomically(
			&dir.file("sandbox.json"),
			&serde_json::to_vec(&spec).map_err(std::io::Error::from)?,
		)?;
		let log = std::fs::File::create(dir.file("sandbox.log"))?;
		let child = Command::new(&self.agent_exe)
			.arg("sandbox")
			.arg(&dir.root)
			.stdin(Stdio::null())
			.stdout(log.try_clone()?)
			.stderr(log)
			.spawn()?;
		let pid = child.id() as i32;
		// Not reaped yet, so its /proc entry is there even if it already exited.
		let start_ticks = process_start_ticks(pid).ok_or_else(|| {
			BackendError::Engine(format!("the sandbox supervisor {pid} vanished"))
		})?;
		if let Ok(mut children) = self.children.lock() {
			children.push(child);
		}
		Ok(Handle::Process { pid, start_ticks })
	}

	fn poll(
		&self,
		jobs: &[(&JobRequest, &Handle, &JobDir)],
	) -> Vec<Result<Progress, BackendError>> {
		self.reap();
		jobs.iter()
			.map(|(_, handle, dir)| {
				let Handle::Process { pid, start_ticks } = handle else {
					return Err(BackendError::Engine("not a process job".into()));
				};
				if let Some(outcome) = Self::read_result(dir) {
					return Ok(Progress::Finished(outcome));
				}
				if process_alive(*pid, *start_ticks) {
					let started = std::fs::read(dir.file("started.json"))
						.ok()
						.and_then(|b| serde_json::from_slice::<Started>(&b).ok());
					return Ok(match started {
						Some(s) => Progress::Running { started_at_ms: s.started_at_ms },
						None => Progress::Queued,
					});
				}
				// It may have finished between the two reads.
				Ok(Progress::Finished(Self::read_result(dir).unwrap_or_else(|| {
					Outcome::without_result(
						None,
						End::Killed(
							"killed: the sandbox's supervisor ended without a result".into(),
						),
					)
				})))
			})
			.collect()
	}

	fn enforces_deadline(&self) -> bool {
		true
	}

	fn cancel(&self, handle: &Handle) -> Result<(), BackendError> {
		let Handle::Process { pid, start_ticks } = handle else {
			return Err(BackendError::Engine("not a process job".into()));
		};
		if process_alive(*pid, *start_ticks) {
			nix::sys::signal::kill(
				nix::unistd::Pid::from_raw(*pid),
				nix::sys::signal::Signal::SIGTERM,
			)
			.map_err(|e| {
				BackendError::Engine(format!("cannot signal the sandbox supervisor: {e}"))
			})?;
		}
		Ok(())
	}

	fn recover(&self, _job: &JobRequest, dir: &JobDir) -> Result<Option<Handle>, BackendError> {
		// `sandbox.json` is written before the supervisor starts: without it, nothing
		// started. The supervisor writes its pid first thing; until it has, it is found
		// by its command line.
		if !dir.file("sandbox.json").exists() {
			return Ok(None);
		}
		if let Ok(bytes) = std::fs::read(dir.file("supervisor.json")) {
			let handle: Handle = serde_json::from_slice(&bytes).map_err(std::io::Error::from)?;
			return Ok(Some(handle));
		}
		Ok(find_supervisor(&self.agent_exe, &dir.root))
	}
}

/// A running `utc-agent sandbox <dir>` for this job folder, by its command line.
fn find_supervisor(exe: &Path, dir: &Path) -> Option<Handle> {
	let wanted: Vec<u8> =
		[exe.as_os_str().as_encoded_bytes(), b"sandbox", dir.as_os_str().as_encoded_bytes()]
			.join(&0u8);
	for (pid, path) in proc_pids() {
		let Ok(cmdline) = std::fs::read(path.join("cmdline")) else { continue };
		if cmdline.strip_suffix(&[0u8]).unwrap_or(&cmdline) == wanted.as_slice() {
			let start_ticks = process_start_ticks(pid)?;
			return Some(Handle::Process { pid, start_ticks });
		}
	}
	None
}

/// `utc-agent sandbox <job dir>`: the sandbox's supervisor. Runs the command of the
/// job folder's `sandbox.json`, kills it at its deadline or on SIGTERM, and writes
/// `result.json`. Returns the process's exit status.
pub fn run_sandbox(job_dir: &Path) -> i32 {
	match supervise(job_dir) {
		Ok(()) => 0,
		Err(e) => {
			eprintln!("utc-agent sandbox: {e}");
			let failed = SandboxResult {
				started_at_ms: now_ms(),
				finished_at_ms: now_ms(),
				wall_ms: 0,
				cpu_ms: 0,
				exit_code: None,
				signal: None,
				memory_killed: false,
				end: "exited".into(),
				result_hash: None,
				hash_error: Some(e.to_string()),
			};
			if let Ok(bytes) = serde_json::to_vec(&failed) {
				let _ = write_atomically(&job_dir.join("result.json"), &bytes);
			}
			1
		}
	}
}

fn supervise(job_dir: &Path) -> std::io::Result<()> {
	use std::os::unix::process::ExitStatusExt;
	// Away from the agent's session: a signal to the agent's terminal is not for the job.
	let _ = nix::unistd::setsid();
	let pid = std::process::id() as i32;
	let start_ticks = process_start_ticks(pid).unwrap_or(0);
	write_atomically(
		&job_dir.join("supervisor.json"),
		&serde_json::to_vec(&Handle::Process { pid, start_ticks })?,
	)?;
	let spec: SandboxSpec = serde_json::from_slice(&std::fs::read(job_dir.join("sandbox.json"))?)?;
	let stop = Arc::new(AtomicBool::new(false));
	signal_hook::flag::register(signal_hook::consts::SIGTERM, stop.clone())?;
	signal_hook::flag::register(signal_hook::consts::SIGINT, stop.clone())?;

	let dir = JobDir { root: job_dir.to_path_buf() };
	let (program, args) = spec
		.argv
		.split_first()
		.ok_or_else(|| std::io::Error::other("sandbox.json has an empty command"))?;
	let started_at_ms = now_ms();
	let started = Instant::now();
	let mut command = Command::new(program);
	command
		.stdin(Stdio::null())
		.stdout(std::fs::File::create(dir.stdout())?)
		.stderr(std::fs::File::create(dir.stderr())?);
	// The supervisor steps into the job's cgroups just to start it, so everything the
	// job ever starts is inside from its first instruction.
	let cgroup = spec.cgroup.as_ref().map(JobCgroup::create).transpose()?;
	let saved = Saved::current()?;
	if let Some(cgroup) = &cgroup {
		cgroup.enter(std::process::id())?;
	}
	// ... and steps out once the sandbox is started.
	let leave = || match &cgroup {
		Some(cgroup) => cgroup.leave(std::process::id(), &saved),
		None => Ok(()),
	};
	let spawned = match &spec.slirp4netns {
		None => command.args(args).spawn().map(|child| KillOnDrop(Some(child))).and_then(|child| {
			leave()?;
			Ok((child.disarm(), None))
		}),
		Some(slirp4netns) => spawn_with_network(command, args, slirp4netns, job_dir, &leave),
	};
	let (mut child, mut slirp) = match spawned {
		Ok((Some(child), slirp)) => (child, slirp),
		Ok((None, _)) => return Err(std::io::Error::other("the sandbox vanished")),
		Err(e) => {
			if let Some(cgroup) = &cgroup {
				cgroup.remove();
			}
			return Err(e);
		}
	};
	write_atomically(
		&job_dir.join("started.json"),
		&serde_json::to_vec(&Started { started_at_ms })?,
	)?;

	let deadline = Duration::from_millis(spec.timeout_ms);
	let mut end = "exited";
	let mut cpu_at_kill = 0;
	let status = loop {
		if let Some(status) = child.try_wait()? {
			break status;
		}
		if end == "exited" {
			let cause = if stop.load(Ordering::Relaxed) {
				Some("stopped")
			} else if started.elapsed() >= deadline {
				Some("timeout")
			} else {
				None
			};
			if let Some(cause) = cause {
				// A killed sandbox's processes are reaped inside its pid namespace, out of
				// this process's sight: read the tree's CPU time just before the kill.
				cpu_at_kill = tree_cpu_ms(child.id() as i32);
				end = cause;
				let _ = child.kill();
			}
		}
		std::thread::sleep(Duration::from_millis(5));
	};
	let wall_ms = started.elapsed().as_millis() as u64;
	if let Some(slirp) = slirp.as_mut() {
		let _ = slirp.kill();
		let _ = slirp.wait();
	}
	let cpu_ms = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
		.map(|usage| {
			let tv =
				|t: nix::sys::time::TimeVal| t.tv_sec() as u64 * 1000 + t.tv_usec() as u64 / 1000;
			tv(usage.user_time()) + tv(usage.system_time())
		})
		.unwrap_or(0)
		.max(cpu_at_kill);
	let (cpu_ms, memory_killed) = match &cgroup {
		Some(cgroup) => {
			let measured = (cgroup.cpu_ms().unwrap_or(cpu_ms), cgroup.memory_killed());
			cgroup.remove();
			measured
		}
		None => (cpu_ms, false),
	};
	let (result_hash, hash_error) = match metering::output_hash(&dir.stdout(), &dir.out()) {
		Ok(hash) => (Some(hash), None),
		Err(e) => (None, Some(e.to_string())),
	};
	let result = SandboxResult {
		started_at_ms,
		finished_at_ms: started_at_ms + wall_ms,
		wall_ms,
		cpu_ms,
		exit_code: status.code(),
		signal: status.signal(),
		memory_killed,
		end: end.into(),
		result_hash,
		hash_error,
	};
	write_atomically(&job_dir.join("result.json"), &serde_json::to_vec(&result)?)
}

/// The CPU time, in milliseconds, of a process and all its descendants: each live
/// process's own time plus what its already-reaped children used (`/proc/<pid>/stat`
/// fields 14 to 17), so every process that ever ran in the tree counts once.
fn tree_cpu_ms(root: i32) -> u64 {
	let mut stats: Vec<(i32, i32, u64)> = Vec::new();
	for (pid, _) in proc_pids() {
		let Some(fields) = proc_stat_fields(pid) else { continue };
		// ppid(4) ... utime(14) stime(15) cutime(16) cstime(17).
		let ticks = (14..=17).map(|n| stat_field::<u64>(&fields, n).unwrap_or(0)).sum();
		stats.push((pid, stat_field(&fields, 4).unwrap_or(0), ticks));
	}
	let mut tree = vec![root];
	let mut ticks = 0u64;
	let mut i = 0;
	while i < tree.len() {
		let parent = tree[i];
		for (pid, ppid, t) in &stats {
			if *pid == parent {
				ticks += t;
			}
			if *ppid == parent && !tree.contains(pid) {
				tree.push(*pid);
			}
		}
		i += 1;
	}
	let hz =
		nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK).ok().flatten().unwrap_or(100).max(1)
			as u64;
	ticks * 1000 / hz
}

/// How long bwrap and slirp4netns get to set up a sandbox's network.
const NETWORK_SETUP: Duration = Duration::from_secs(10);

/// Kills and reaps a child unless disarmed: every way out of a failed setup stops
/// what it started.
struct KillOnDrop(Option<Child>);

impl KillOnDrop {
	fn disarm(mut self) -> Option<Child> {
		self.0.take()
	}
}

impl Drop for KillOnDrop {
	fn drop(&mut self) {
		if let Some(child) = self.0.as_mut() {
			let _ = child.kill();
			let _ = child.wait();
		}
	}
}

/// Reads what `fd` offers until its writer closes it, `done` says enough, or the
/// deadline passes.
fn read_until(
	fd: std::os::fd::OwnedFd,
	deadline: Instant,
	done: impl Fn(&[u8]) -> bool,
) -> std::io::Result<Vec<u8>> {
	use std::{io::Read, os::fd::AsFd};
	let mut file = std::fs::File::from(fd);
	let mut buf = Vec::new();
	let mut chunk = [0u8; 4096];
	while !done(&buf) {
		let left = deadline.saturating_duration_since(Instant::now());
		let timeout = nix::poll::PollTimeout::try_from(left.as_millis().min(60_000) as i32)
			.unwrap_or(nix::poll::PollTimeout::ZERO);
		let mut fds = [nix::poll::PollFd::new(file.as_fd(), nix::poll::PollFlags::POLLIN)];
		match nix::poll::poll(&mut fds, timeout) {
			Ok(0) => return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "timed out")),
			Ok(_) => {}
			Err(nix::errno::Errno::EINTR) => continue,
			Err(e) => return Err(e.into()),
		}
		let n = file.read(&mut chunk)?;
		if n == 0 {
			break;
		}
		buf.extend_from_slice(&chunk[..n]);
	}
	Ok(buf)
}

/// Starts the sandbox in its own network namespace and connects that namespace with
/// slirp4netns before the workload runs: bwrap reports the sandbox's pid on one
/// pipe and waits on another until the route is up.
fn spawn_with_network(
	mut command: Command,
	args: &[String],
	slirp4netns: &str,
	job_dir: &Path,
	leave_cgroup: &dyn Fn() -> std::io::Result<()>,
) -> std::io::Result<(Option<Child>, Option<Child>)> {
	use std::{io::Write, os::fd::AsRawFd};
	let set_cloexec = |fd: &std::os::fd::OwnedFd, on: bool| {
		let flags = if on { nix::fcntl::FdFlag::FD_CLOEXEC } else { nix::fcntl::FdFlag::empty() };
		nix::fcntl::fcntl(fd.as_raw_fd(), nix::fcntl::FcntlArg::F_SETFD(flags))
			.map(|_| ())
			.map_err(std::io::Error::from)
	};
	let (info_read, info_write) = nix::unistd::pipe().map_err(std::io::Error::from)?;
	let (block_read, block_write) = nix::unistd::pipe().map_err(std::io::Error::from)?;
	let (ready_read, ready_write) = nix::unistd::pipe().map_err(std::io::Error::from)?;
	// Each child inherits only the ends it uses.
	for fd in [&info_read, &block_write, &ready_read, &ready_write] {
		set_cloexec(fd, true)?;
	}
	let args: Vec<String> = args
		.iter()
		.map(|a| match a.as_str() {
			INFO_FD => info_write.as_raw_fd().to_string(),
			BLOCK_FD => block_read.as_raw_fd().to_string(),
			_ => a.clone(),
		})
		.collect();
	let sandbox = KillOnDrop(Some(command.args(&args).spawn()?));
	// slirp4netns is the agent's, not the job's: started from outside its cgroups.
	leave_cgroup()?;
	drop(info_write);
	drop(block_read);
	let deadline = Instant::now() + NETWORK_SETUP;
	// One JSON object, `{"child-pid": N, ...}`, as soon as the namespaces exist.
	let info =
		read_until(info_read, deadline, |b| serde_json::from_slice::<serde_json::Value>(b).is_ok())
			.map_err(|e| std::io::Error::other(format!("bwrap reported no sandbox: {e}")))?;
	let pid = serde_json::from_slice::<serde_json::Value>(&info)
		.ok()
		.and_then(|info| info["child-pid"].as_u64())
		.ok_or_else(|| std::io::Error::other("bwrap reported no sandbox pid"))?;
	set_cloexec(&ready_write, false)?;
	let slirp = Command::new(slirp4netns)
		.args(["--configure", "--mtu=65520", "--disable-host-loopback"])
		.arg(format!("--ready-fd={}", ready_write.as_raw_fd()))
		// By path: joining the sandbox's user namespace first would cost root its rights.
		.args(["--netns-type=path".to_string(), format!("/proc/{pid}/ns/net"), "tap0".to_string()])
		.stdin(Stdio::null())
		.stdout(Stdio::null())
		.stderr(std::fs::File::create(job_dir.join("slirp4netns.log"))?)
		.spawn();
	drop(ready_write);
	let slirp =
		KillOnDrop(Some(slirp.map_err(|e| std::io::Error::other(format!("slirp4netns: {e}")))?));
	let ready = read_until(ready_read, deadline, |b| !b.is_empty()).map_err(|e| {
		std::io::Error::other(format!("slirp4netns did not connect the sandbox: {e}"))
	})?;
	if ready.is_empty() {
		return Err(std::io::Error::other("slirp4netns did not connect the sandbox"));
	}
	std::fs::File::from(block_write).write_all(b"1")?;
	Ok((sandbox.disarm(), slirp.disarm()))
}
