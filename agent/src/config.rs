//! The agent's configuration: a TOML file (every key optional), then flags.

use crate::job::{BackendKind, JobRequest, WorkloadKind};
use serde::Deserialize;
use std::{collections::BTreeMap, net::SocketAddr, path::PathBuf};

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
	/// Where the Agent API listens; loopback unless the operator says otherwise.
	pub listen: SocketAddr,
	/// The job store, the token and the jobs' working folders live here.
	pub state_dir: PathBuf,
	/// The bearer token's file (mode 0600); `<state_dir>/token` when unset.
	pub token_file: Option<PathBuf>,
	/// How often running jobs are polled, in milliseconds.
	pub poll_interval_ms: u64,
	pub backends: Backends,
	pub limits: Limits,
	pub process: ProcessConfig,
	pub container: ContainerConfig,
	pub slurm: SlurmConfig,
	pub job_users: JobUsers,
	/// Per class (its id, or `default` for every other class): which backend runs
	/// `command` workloads and whether jobs may use the network.
	pub classes: BTreeMap<String, ClassPolicy>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Backends {
	pub process: bool,
	pub container: bool,
	pub slurm: bool,
}

/// The unprivileged users jobs run as: job `n` runs as uid and gid
/// `uid_base + n % uid_count`, so no two jobs share one (pick a range no account of
/// the hosts uses; the ids need no entry in /etc/passwd).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobUsers {
	pub uid_base: u32,
	pub uid_count: u32,
}

impl Default for JobUsers {
	fn default() -> Self {
		JobUsers { uid_base: 1_000_000_000, uid_count: 1_000_000_000 }
	}
}

impl JobUsers {
	/// The uid (and gid) of a job.
	pub fn uid(&self, job_id: &str) -> u32 {
		let n = job_id.parse::<u64>().unwrap_or(0) % u64::from(self.uid_count.max(1));
		self.uid_base.saturating_add(n as u32)
	}
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
	pub max_duration_ms: u64,
	pub max_memory_mb: u64,
	/// The memory a job gets when it names none.
	pub default_memory_mb: u64,
	pub max_gpus: u32,
	/// The most a job may write (stdout and output files each).
	pub max_output_mb: u64,
	pub max_input_mb: u64,
	/// Whether inputs may come from the host's own networks (loopback, private,
	/// link-local addresses); off, a job cannot make the agent fetch from them.
	pub allow_internal_inputs: bool,
	/// How many jobs the store keeps queued or running at once.
	pub max_active_jobs: usize,
	/// How long a finished job's folder (its output, streams and records) is kept, in
	/// seconds; its status is kept for good, so its id is never run again.
	pub keep_job_folders_s: u64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProcessConfig {
	pub bwrap: PathBuf,
	pub prlimit: PathBuf,
	/// Connects the sandboxes of jobs with network (never to the host's loopback).
	pub slirp4netns: PathBuf,
	/// Jobs run at once; more wait `queued`.
	pub max_running: usize,
	/// Processes a job may have at once (where the host has cgroups).
	pub pids_limit: u64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContainerConfig {
	pub podman: PathBuf,
	pub max_running: usize,
	pub pids_limit: u32,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlurmConfig {
	/// The partition jobs go to; the cluster's default when unset.
	pub partition: Option<String>,
	/// Jobs handed to Slurm at once (Slurm queues and schedules them).
	pub max_submitted: usize,
	pub sbatch: PathBuf,
	pub scancel: PathBuf,
	pub squeue: PathBuf,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct ClassPolicy {
	/// The backend that runs `command` workloads: `process` or `slurm`.
	pub command: BackendKind,
	/// Whether jobs of the class may ask for the network.
	pub network: bool,
	/// The workload kinds the class accepts.
	pub kinds: Vec<WorkloadKind>,
}

impl Default for Config {
	fn default() -> Self {
		Config {
			listen: SocketAddr::from(([127, 0, 0, 1], 8730)),
			state_dir: PathBuf::from("/var/lib/utc-agent"),
			token_file: None,
			poll_interval_ms: 100,
			backends: Backends::default(),
			limits: Limits::default(),
			process: ProcessConfig::default(),
			container: ContainerConfig::default(),
			slurm: SlurmConfig::default(),
			job_users: JobUsers::default(),
			classes: BTreeMap::new(),
		}
	}
}

impl Default for Backends {
	fn default() -> Self {
		Backends { process: true, container: false, slurm: false }
	}
}

impl Default for Limits {
	fn default() -> Self {
		Limits {
			max_duration_ms: 7 * 24 * 3600 * 1000,
			max_memory_mb: 16 * 1024,
			default_memory_mb: 1024,
			max_gpus: 0,
			max_output_mb: 1024,
			max_input_mb: 1024,
			allow_internal_inputs: false,
			max_active_jobs: 10_000,
			keep_job_folders_s: 7 * 24 * 3600,
		}
	}
}

impl Default for ProcessConfig {
	fn default() -> Self {
		ProcessConfig {
			bwrap: PathBuf::from("/usr/bin/bwrap"),
			prlimit: PathBuf::from("/usr/bin/prlimit"),
			slirp4netns: PathBuf::from("/usr/bin/slirp4netns"),
			max_running: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
			pids_limit: 1024,
		}
	}
}

impl Default for ContainerConfig {
	fn default() -> Self {
		ContainerConfig { podman: PathBuf::from("podman"), max_running: 4, pids_limit: 256 }
	}
}

impl Default for SlurmConfig {
	fn default() -> Self {
		SlurmConfig {
			partition: None,
			max_submitted: 256,
			sbatch: PathBuf::from("sbatch"),
			scancel: PathBuf::from("scancel"),
			squeue: PathBuf::from("squeue"),
		}
	}
}

impl Default for ClassPolicy {
	fn default() -> Self {
		ClassPolicy {
			command: BackendKind::Process,
			network: false,
			kinds: vec![WorkloadKind::Command, WorkloadKind::Container, WorkloadKind::Batch],
		}
	}
}

impl Config {
	/// Reads a TOML file; a missing key keeps its default.
	pub fn from_file(path: &std::path::Path) -> Result<Config, String> {
		let text = std::fs::read_to_string(path)
			.map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
		let config: Config =
			toml::from_str(&text).map_err(|e| format!("config {}: {e}", path.display()))?;
		config.check()?;
		Ok(config)
	}

	/// Refuses a configuration the agent could not honour.
	pub fn check(&self) -> Result<(), String> {
		for (key, policy) in &self.classes {
			if key != "default" && key.parse::<u32>().is_err() {
				return Err(format!("classes.{key}: a class is its id (a number) or `default`"));
			}
			if policy.command == BackendKind::Container {
				return Err(format!(
					"classes.{key}.command: `command` workloads run on `process` or `slurm`"
				));
			}
		}
		if self.limits.default_memory_mb > self.limits.max_memory_mb {
			return Err("limits.default_memory_mb is above limits.max_memory_mb".into());
		}
		let last = u64::from(self.job_users.uid_base) + u64::from(self.job_users.uid_count);
		if self.job_users.uid_base < 1000 || self.job_users.uid_count == 0 || last > i32::MAX as u64
		{
			return Err(
				"job_users: uids must lie in 1000..2^31 and the range must not be empty".into()
			);
		}
		if self.poll_interval_ms == 0 {
			return Err("poll_interval_ms must be at least 1".into());
		}
		Ok(())
	}

	pub fn token_path(&self) -> PathBuf {
		self.token_file.clone().unwrap_or_else(|| self.state_dir.join("token"))
	}

	pub fn enabled(&self, backend: BackendKind) -> bool {
		match backend {
			BackendKind::Process => self.backends.process,
			BackendKind::Container => self.backends.container,
			BackendKind::Slurm => self.backends.slurm,
		}
	}

	/// Whether a job runs with network: it asks, and its class allows it.
	pub fn network_for(&self, job: &JobRequest) -> bool {
		job.network && self.class_policy(job.class).network
	}

	/// The memory a job gets, in MiB: what it asks, else the default.
	pub fn memory_mb(&self, job: &JobRequest) -> u64 {
		job.resources.memory_mb.unwrap_or(self.limits.default_memory_mb)
	}

	/// The policy of a class: its own entry, else `default`, else the built-in one.
	pub fn class_policy(&self, class: u32) -> ClassPolicy {
		self.classes
			.get(&class.to_string())
			.or_else(|| self.classes.get("default"))
			.cloned()
			.unwrap_or_default()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_file_overrides_only_what_it_names() {
		let config: Config = toml::from_str(
			r#"
			listen = "127.0.0.1:9000"
			[backends]
			slurm = true
			[classes.3]
			command = "slurm"
			network = true
			"#,
		)
		.unwrap();
		config.check().unwrap();
		assert_eq!(config.listen.port(), 9000);
		assert!(config.backends.process && config.backends.slurm && !config.backends.container);
		assert_eq!(config.class_policy(3).command, BackendKind::Slurm);
		assert!(config.class_policy(3).network);
		assert_eq!(config.class_policy(0), ClassPolicy::default());
	}

	#[test]
	fn the_example_configuration_is_the_default_one() {
		let example: Config = toml::from_str(include_str!("../utc-agent.example.toml")).unwrap();
		example.check().unwrap();
		let default = Config::default();
		assert_eq!(example.listen, default.listen);
		assert_eq!(example.limits.max_duration_ms, default.limits.max_duration_ms);
		assert_eq!(example.class_policy(0), ClassPolicy::default());
		assert_eq!(example.job_users.uid("7"), default.job_users.uid("7"));
	}

	#[test]
	fn unknown_keys_and_bad_classes_are_refused() {
		assert!(toml::from_str::<Config>("listne = \"127.0.0.1:1\"").is_err());
		let config: Config = toml::from_str("[classes.gpu]\nnetwork = true").unwrap();
		assert!(config.check().unwrap_err().contains("classes.gpu"));
		let config: Config = toml::from_str("[classes.1]\ncommand = \"container\"").unwrap();
		assert!(config.check().is_err());
	}
}
