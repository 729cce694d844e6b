//! A sandboxed job's own control groups: a memory limit that counts what it really
//! uses (its `/tmp` too), a limit on its processes, and its exact CPU time, dead
//! processes included. cgroup v1 (memory, pids and cpuacct hierarchies) or the
//! unified v2 hierarchy, whichever the host mounts writable.

use serde::{Deserialize, Serialize};
use std::{
	fs, io,
	path::{Path, PathBuf},
};

const ROOT: &str = "/sys/fs/cgroup";
const PARENT: &str = "utc-agent";

/// What a job's cgroups are named and limited to.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CgroupSpec {
	pub name: String,
	pub memory_bytes: u64,
	pub pids_max: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
	V1,
	V2,
}

fn layout() -> Option<Layout> {
	let root = Path::new(ROOT);
	if root.join("memory/cgroup.procs").exists() && root.join("pids/cgroup.procs").exists() {
		return Some(Layout::V1);
	}
	let controllers = fs::read_to_string(root.join("cgroup.controllers")).ok()?;
	(controllers.contains("memory") && controllers.contains("pids")).then_some(Layout::V2)
}

/// Whether this host lets the agent make cgroups for its jobs: one is made, limited
/// and removed again.
pub fn available() -> bool {
	let probe = CgroupSpec {
		name: format!("probe-{}", std::process::id()),
		memory_bytes: 64 << 20,
		pids_max: 64,
	};
	match JobCgroup::create(&probe) {
		Ok(cgroup) => {
			let usable = cgroup.cpu_ms().is_some();
			cgroup.remove();
			usable
		}
		Err(_) => false,
	}
}

/// Where a job's cgroups go: under the cgroups of the process asking (so the jobs
/// stay within whatever limits the agent's service has), in a folder of the agent's.
fn parents(layout: Layout) -> io::Result<Vec<PathBuf>> {
	Ok(match layout {
		Layout::V1 => {
			Saved::current()?.homes(layout).into_iter().map(|home| home.join(PARENT)).collect()
		}
		// v2 hands controllers down only through cgroups without processes of their own.
		Layout::V2 => vec![Path::new(ROOT).join(PARENT)],
	})
}

pub struct JobCgroup {
	layout: Layout,
	/// One folder per v1 hierarchy (memory, pids, cpuacct), or the one v2 folder.
	dirs: Vec<PathBuf>,
}

impl JobCgroup {
	/// Creates the job's cgroups with their limits.
	pub fn create(spec: &CgroupSpec) -> io::Result<JobCgroup> {
		let layout =
			layout().ok_or_else(|| io::Error::other("no writable cgroups on this host"))?;
		let root = Path::new(ROOT);
		let parents = parents(layout)?;
		if layout == Layout::V2 {
			// Controllers are handed down one by one: one the host withholds must not
			// keep the others from the job.
			fs::create_dir_all(root.join(PARENT))?;
			for controller in ["+memory", "+pids", "+cpu"] {
				let _ = fs::write(root.join("cgroup.subtree_control"), controller);
				let _ = fs::write(root.join(PARENT).join("cgroup.subtree_control"), controller);
			}
		}
		let cgroup = JobCgroup {
			layout,
			dirs: parents.iter().map(|parent| parent.join(&spec.name)).collect(),
		};
		for dir in &cgroup.dirs {
			fs::create_dir_all(dir)?;
		}
		match layout {
			Layout::V1 => {
				let memory = &cgroup.dirs[0];
				fs::write(memory.join("memory.limit_in_bytes"), spec.memory_bytes.to_string())?;
				// No swapping around the limit, where the kernel accounts swap.
				let _ = fs::write(
					memory.join("memory.memsw.limit_in_bytes"),
					spec.memory_bytes.to_string(),
				);
				fs::write(cgroup.dirs[1].join("pids.max"), spec.pids_max.to_string())?;
			}
			Layout::V2 => {
				let dir = &cgroup.dirs[0];
				fs::write(dir.join("memory.max"), spec.memory_bytes.to_string())?;
				let _ = fs::write(dir.join("memory.swap.max"), "0");
				fs::write(dir.join("pids.max"), spec.pids_max.to_string())?;
			}
		}
		Ok(cgroup)
	}

	/// Moves a process (and so everything it starts later) into the job's cgroups.
	pub fn enter(&self, pid: u32) -> io::Result<()> {
		for dir in &self.dirs {
			fs::write(dir.join("cgroup.procs"), pid.to_string())?;
		}
		Ok(())
	}

	/// Moves a process back to the cgroups it was in (`Saved::current` before `enter`).
	pub fn leave(&self, pid: u32, saved: &Saved) -> io::Result<()> {
		for home in saved.homes(self.layout) {
			fs::write(home.join("cgroup.procs"), pid.to_string())?;
		}
		Ok(())
	}

	/// The CPU time of everything that ran in the cgroup, in milliseconds.
	pub fn cpu_ms(&self) -> Option<u64> {
		match self.layout {
			Layout::V1 => crate::metering::read_cpuacct_ms(&self.dirs[2].join("cpuacct.usage")),
			Layout::V2 => crate::metering::read_cpu_stat_ms(&self.dirs[0].join("cpu.stat")),
		}
	}

	/// Whether the kernel killed something in the cgroup for exceeding its memory.
	pub fn memory_killed(&self) -> bool {
		let (file, key) = match self.layout {
			Layout::V1 => (self.dirs[0].join("memory.oom_control"), "oom_kill "),
			Layout::V2 => (self.dirs[0].join("memory.events"), "oom_kill "),
		};
		fs::read_to_string(file)
			.ok()
			.and_then(|text| {
				text.lines().find_map(|l| l.strip_prefix(key)?.trim().parse::<u64>().ok())
			})
			.is_some_and(|kills| kills > 0)
	}

	/// Removes the cgroups once their processes are gone (retrying briefly while the
	/// kernel finishes them off).
	pub fn remove(&self) {
		for dir in &self.dirs {
			for _ in 0..100 {
				if fs::remove_dir(dir).is_ok() || !dir.exists() {
					break;
				}
				std::thread::sleep(std::time::Duration::from_millis(10));
			}
		}
	}
}

/// The cgroups a process is in, to go back to.
pub struct Saved {
	lines: Vec<(String, PathBuf)>,
}

impl Saved {
	pub fn current() -> io::Result<Saved> {
		let text = fs::read_to_string("/proc/self/cgroup")?;
		let lines = text
			.lines()
			.filter_map(|line| {
				let mut parts = line.splitn(3, ':');
				let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
				Some((controllers.to_string(), PathBuf::from(path.trim_start_matches('/'))))
			})
			.collect();
		Ok(Saved { lines })
	}

	fn homes(&self, layout: Layout) -> Vec<PathBuf> {
		let root = Path::new(ROOT);
		let find = |controller: &str| {
			self.lines
				.iter()
				.find(|(controllers, _)| controllers.split(',').any(|c| c == controller))
				.map(|(_, path)| path.clone())
				.unwrap_or_default()
		};
		match layout {
			Layout::V1 => {
				["memory", "pids", "cpuacct"].iter().map(|c| root.join(c).join(find(c))).collect()
			}
			Layout::V2 => vec![root.join(find(""))],
		}
	}
}
