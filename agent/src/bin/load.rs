//! utc-agent-load: submits many short jobs to a running agent over HTTP, waits for
//! all of them, checks every one is accounted for, and prints the submit→running
//! latency (the agent's `started_at_ms − accepted_at_ms`) and the throughput.

use clap::Parser;
use serde_json::{json, Value};
use std::{
	collections::{HashMap, HashSet},
	path::PathBuf,
	process::ExitCode,
	sync::{
		atomic::{AtomicUsize, Ordering},
		Arc, Mutex,
	},
	time::{Duration, Instant},
};

#[derive(Parser)]
#[command(name = "utc-agent-load")]
struct Args {
	/// The agent, e.g. http://127.0.0.1:8730.
	#[arg(long)]
	url: String,
	#[arg(long)]
	token_file: PathBuf,
	/// process, container or slurm.
	#[arg(long)]
	backend: String,
	#[arg(long, default_value_t = 1000)]
	jobs: usize,
	/// Submitting clients at once.
	#[arg(long, default_value_t = 8)]
	clients: usize,
	/// The first job id (ids must be new to the agent).
	#[arg(long, default_value_t = 1_000_000)]
	first_id: u64,
	/// Give up after this many seconds.
	#[arg(long, default_value_t = 1800)]
	timeout_s: u64,
	/// The image of container jobs.
	#[arg(long, default_value = "localhost/busybox:local")]
	image: String,
}

fn workload(args: &Args) -> Result<Value, String> {
	Ok(match args.backend.as_str() {
		"process" => json!({"kind": "command", "program": "/bin/true", "args": [], "env": {}}),
		"container" => {
			json!({"kind": "container", "image": args.image, "args": ["true"], "env": {}})
		}
		"slurm" => json!({"kind": "batch", "script": "#!/bin/sh\ntrue\n"}),
		other => return Err(format!("--backend: unknown backend `{other}`")),
	})
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
	if sorted.is_empty() {
		return 0;
	}
	let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
	sorted[rank.clamp(1, sorted.len()) - 1]
}

fn main() -> ExitCode {
	match run(Args::parse()) {
		Ok(true) => ExitCode::SUCCESS,
		Ok(false) => ExitCode::FAILURE,
		Err(e) => {
			eprintln!("utc-agent-load: {e}");
			ExitCode::FAILURE
		}
	}
}

fn run(args: Args) -> Result<bool, String> {
	let token = std::fs::read_to_string(&args.token_file)
		.map_err(|e| format!("{}: {e}", args.token_file.display()))?
		.trim()
		.to_string();
	let auth = format!("Bearer {token}");
	let workload = workload(&args)?;
	let url = args.url.trim_end_matches('/').to_string();
	let ids: Vec<String> = (0..args.jobs as u64).map(|i| (args.first_id + i).to_string()).collect();

	// Submit from several clients at once.
	let next = Arc::new(AtomicUsize::new(0));
	let submit_ms = Arc::new(Mutex::new(Vec::with_capacity(args.jobs)));
	let errors = Arc::new(Mutex::new(Vec::new()));
	let started = Instant::now();
	std::thread::scope(|scope| {
		for _ in 0..args.clients.max(1) {
			let (next, submit_ms, errors, ids, auth, url, workload) =
				(next.clone(), submit_ms.clone(), errors.clone(), &ids, &auth, &url, &workload);
			scope.spawn(move || loop {
				let i = next.fetch_add(1, Ordering::Relaxed);
				let Some(id) = ids.get(i) else { break };
				let body = json!({
					"job_id": id, "class": 0, "units": "1", "max_duration_ms": 60_000,
					"workload": workload, "input": null, "resources": {"gpus": 0, "memory_mb": 64}, "network": false
				});
				let t = Instant::now();
				match ureq::post(&format!("{url}/v1/jobs")).set("Authorization", auth).set("Content-Type", "application/json").send_string(&body.to_string()) {
					Ok(r) if r.status() == 201 => {
						if let Ok(mut v) = submit_ms.lock() {
							v.push(t.elapsed().as_micros() as u64);
						}
					},
					Ok(r) => errors.lock().unwrap_or_else(|e| e.into_inner()).push(format!("job {id}: HTTP {}", r.status())),
					Err(e) => errors.lock().unwrap_or_else(|e| e.into_inner()).push(format!("job {id}: {e}")),
				}
			});
		}
	});
	let submitted_in = started.elapsed();
	let errors = errors.lock().map(|e| e.clone()).unwrap_or_default();
	if !errors.is_empty() {
		return Err(format!("{} submissions refused, first: {}", errors.len(), errors[0]));
	}

	// Wait until every job is final.
	let wanted: HashSet<&str> = ids.iter().map(String::as_str).collect();
	let deadline = started + Duration::from_secs(args.timeout_s);
	let mut jobs: HashMap<String, Value>;
	loop {
		let response = ureq::get(&format!("{url}/v1/jobs"))
			.set("Authorization", &auth)
			.call()
			.map_err(|e| e.to_string())?;
		let all: Vec<Value> =
			serde_json::from_reader(response.into_reader()).map_err(|e| e.to_string())?;
		jobs = all
			.into_iter()
			.filter_map(|j| Some((j["job_id"].as_str()?.to_string(), j)))
			.filter(|(id, _)| wanted.contains(id.as_str()))
			.collect();
		let open = jobs
			.values()
			.filter(|j| matches!(j["state"].as_str(), Some("queued") | Some("running")))
			.count();
		if open == 0 && jobs.len() == ids.len() {
			break;
		}
		if Instant::now() > deadline {
			return Err(format!(
				"{open} of {} jobs still open after {} s",
				ids.len(),
				args.timeout_s
			));
		}
		std::thread::sleep(Duration::from_millis(250));
	}
	let total = started.elapsed();

	let mut by_state: HashMap<String, usize> = HashMap::new();
	let mut latency: Vec<u64> = Vec::with_capacity(ids.len());
	for job in jobs.values() {
		*by_state.entry(job["state"].as_str().unwrap_or("?").to_string()).or_default() += 1;
		if let (Some(a), Some(s)) = (job["accepted_at_ms"].as_u64(), job["started_at_ms"].as_u64())
		{
			latency.push(s.saturating_sub(a));
		}
	}
	latency.sort_unstable();
	let mut submit_us = submit_ms.lock().map(|v| v.clone()).unwrap_or_default();
	submit_us.sort_unstable();
	let missing = ids.iter().filter(|id| !jobs.contains_key(*id)).count();
	let completed = by_state.get("completed").copied().unwrap_or(0);
	println!(
		"load backend={} jobs={} completed={} failed={} cancelled={} missing={} submit_s={:.1} total_s={:.1} jobs_per_s={:.1} http_submit_p50_ms={:.1} submit_to_running_p50_ms={} submit_to_running_p99_ms={}",
		args.backend,
		ids.len(),
		completed,
		by_state.get("failed").copied().unwrap_or(0),
		by_state.get("cancelled").copied().unwrap_or(0),
		missing,
		submitted_in.as_secs_f64(),
		total.as_secs_f64(),
		ids.len() as f64 / total.as_secs_f64(),
		percentile(&submit_us, 50.0) as f64 / 1000.0,
		percentile(&latency, 50.0),
		percentile(&latency, 99.0),
	);
	let all_done = completed == ids.len() && missing == 0;
	if !all_done {
		for job in jobs.values().filter(|j| j["state"] != "completed").take(5) {
			eprintln!("not completed: {job}");
		}
	}
	Ok(all_done)
}
