//! `GET /metrics`: Prometheus text format (version 0.0.4).

use crate::job::{BackendKind, JobState};
use std::{collections::BTreeMap, fmt::Write, sync::Mutex};

/// Upper bounds, in seconds, of the histograms' buckets.
const BUCKETS: [f64; 13] =
	[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0, 300.0, 3600.0, 86400.0];

#[derive(Clone, Default)]
struct Histogram {
	counts: [u64; BUCKETS.len()],
	sum: f64,
	count: u64,
}

impl Histogram {
	fn observe(&mut self, seconds: f64) {
		for (bound, count) in BUCKETS.iter().zip(self.counts.iter_mut()) {
			if seconds <= *bound {
				*count += 1;
			}
		}
		self.sum += seconds;
		self.count += 1;
	}
}

#[derive(Default)]
struct Inner {
	run_seconds: BTreeMap<BackendKind, Histogram>,
	start_latency_seconds: BTreeMap<BackendKind, Histogram>,
	backend_errors: BTreeMap<BackendKind, u64>,
}

/// What the agent counts as it goes; job counts by state are read from the store
/// when scraped.
#[derive(Default)]
pub struct Metrics {
	inner: Mutex<Inner>,
}

impl Metrics {
	pub fn observe_run(&self, backend: BackendKind, wall_ms: u64) {
		if let Ok(mut inner) = self.inner.lock() {
			inner.run_seconds.entry(backend).or_default().observe(wall_ms as f64 / 1000.0);
		}
	}

	pub fn observe_start_latency(&self, backend: BackendKind, ms: u64) {
		if let Ok(mut inner) = self.inner.lock() {
			inner.start_latency_seconds.entry(backend).or_default().observe(ms as f64 / 1000.0);
		}
	}

	pub fn backend_error(&self, backend: BackendKind) {
		if let Ok(mut inner) = self.inner.lock() {
			*inner.backend_errors.entry(backend).or_default() += 1;
		}
	}

	/// The exposition: `jobs` by (backend, state), `up` by enabled backend.
	pub fn render(
		&self,
		jobs: &BTreeMap<(BackendKind, JobState), u64>,
		up: &BTreeMap<BackendKind, bool>,
	) -> String {
		let mut out = String::new();
		let _ = writeln!(out, "# HELP utc_agent_jobs Jobs in the store by backend and state.");
		let _ = writeln!(out, "# TYPE utc_agent_jobs gauge");
		for backend in BackendKind::ALL {
			for state in JobState::ALL {
				let n = jobs.get(&(backend, state)).copied().unwrap_or(0);
				let _ = writeln!(
					out,
					"utc_agent_jobs{{backend=\"{}\",state=\"{}\"}} {n}",
					backend.as_str(),
					state.as_str()
				);
			}
		}
		let _ = writeln!(
			out,
			"# HELP utc_agent_queue_depth Jobs accepted and not yet running, by backend."
		);
		let _ = writeln!(out, "# TYPE utc_agent_queue_depth gauge");
		for backend in BackendKind::ALL {
			let n = jobs.get(&(backend, JobState::Queued)).copied().unwrap_or(0);
			let _ = writeln!(out, "utc_agent_queue_depth{{backend=\"{}\"}} {n}", backend.as_str());
		}
		let _ = writeln!(out, "# HELP utc_agent_backend_up Whether an enabled backend's engine answers (1) or not (0).");
		let _ = writeln!(out, "# TYPE utc_agent_backend_up gauge");
		for (backend, is_up) in up {
			let _ = writeln!(
				out,
				"utc_agent_backend_up{{backend=\"{}\"}} {}",
				backend.as_str(),
				u8::from(*is_up)
			);
		}
		let Ok(inner) = self.inner.lock() else { return out };
		let _ = writeln!(
			out,
			"# HELP utc_agent_backend_errors_total Engine calls that failed, by backend."
		);
		let _ = writeln!(out, "# TYPE utc_agent_backend_errors_total counter");
		for backend in BackendKind::ALL {
			let n = inner.backend_errors.get(&backend).copied().unwrap_or(0);
			let _ = writeln!(
				out,
				"utc_agent_backend_errors_total{{backend=\"{}\"}} {n}",
				backend.as_str()
			);
		}
		histogram(
			&mut out,
			"utc_agent_job_run_seconds",
			"Wall-clock run time of finished jobs.",
			&inner.run_seconds,
		);
		histogram(
			&mut out,
			"utc_agent_job_start_latency_seconds",
			"From a job's acceptance to its start.",
			&inner.start_latency_seconds,
		);
		out
	}
}

fn histogram(
	out: &mut String,
	name: &str,
	help: &str,
	by_backend: &BTreeMap<BackendKind, Histogram>,
) {
	let _ = writeln!(out, "# HELP {name} {help}");
	let _ = writeln!(out, "# TYPE {name} histogram");
	for backend in BackendKind::ALL {
		let h = by_backend.get(&backend).cloned().unwrap_or_default();
		let b = backend.as_str();
		for (bound, count) in BUCKETS.iter().zip(h.counts.iter()) {
			let _ = writeln!(out, "{name}_bucket{{backend=\"{b}\",le=\"{bound}\"}} {count}");
		}
		let _ = writeln!(out, "{name}_bucket{{backend=\"{b}\",le=\"+Inf\"}} {}", h.count);
		let _ = writeln!(out, "{name}_sum{{backend=\"{b}\"}} {}", h.sum);
		let _ = writeln!(out, "{name}_count{{backend=\"{b}\"}} {}", h.count);
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn histograms_are_cumulative_and_counts_render_per_label() {
		let metrics = Metrics::default();
		metrics.observe_run(BackendKind::Process, 20);
		metrics.observe_run(BackendKind::Process, 2_000);
		metrics.backend_error(BackendKind::Slurm);
		let jobs = BTreeMap::from([((BackendKind::Process, JobState::Completed), 2)]);
		let up = BTreeMap::from([(BackendKind::Process, true)]);
		let text = metrics.render(&jobs, &up);
		assert!(text.contains("utc_agent_jobs{backend=\"process\",state=\"completed\"} 2\n"));
		assert!(text.contains("utc_agent_jobs{backend=\"slurm\",state=\"running\"} 0\n"));
		assert!(
			text.contains("utc_agent_job_run_seconds_bucket{backend=\"process\",le=\"0.025\"} 1\n")
		);
		assert!(text.contains("utc_agent_job_run_seconds_bucket{backend=\"process\",le=\"5\"} 2\n"));
		assert!(
			text.contains("utc_agent_job_run_seconds_bucket{backend=\"process\",le=\"+Inf\"} 2\n")
		);
		assert!(text.contains("utc_agent_job_run_seconds_sum{backend=\"process\"} 2.02\n"));
		assert!(text.contains("utc_agent_backend_errors_total{backend=\"slurm\"} 1\n"));
		assert!(text.contains("utc_agent_backend_up{backend=\"process\"} 1\n"));
	}
}
