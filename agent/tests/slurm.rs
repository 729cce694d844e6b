//! The Slurm backend against a real single-node cluster on localhost
//! (`scripts/engines.sh up` starts munge, slurmctld and slurmd).

mod common;
use common::*;
use serde_json::{json, Value};
use std::time::Duration;

const T: Duration = Duration::from_secs(90);

fn batch(script: &str) -> Value {
	json!({"kind": "batch", "script": script})
}

fn agent() -> Agent {
	let agent = Agent::start(&["slurm"]);
	agent.require_backend("slurm");
	agent
}

#[test]
fn a_batch_job_that_succeeds_reports_its_output_hash_and_usage() {
	let agent = agent();
	agent.submit(&job("1", 30_000, batch("#!/bin/sh\necho from-slurm\necho 9 > \"$OUTPUT_DIR/nine\"\ni=0; while [ $i -lt 30000 ]; do i=$((i+1)); done\n")));
	let done = agent.wait_final("1", T);
	assert_completed_with(
		&agent,
		&done,
		"slurm",
		&expected_hash(b"from-slurm\n", &[("nine", b"9\n")]),
	);
}

#[test]
fn a_failing_batch_job_reports_its_exit_code() {
	let agent = agent();
	agent.submit(&job("2", 30_000, batch("echo no >&2\nexit 3")));
	let done = agent.wait_final("2", T);
	assert_failed_with(&done, "exit", json!(3));
	assert_eq!(std::fs::read_to_string(agent.job_dir("2").join("stderr")).unwrap(), "no\n");
}

#[test]
fn a_batch_job_past_its_limit_is_killed_to_the_second() {
	let agent = agent();
	agent.submit(&job("3", 2_000, batch("sleep 60")));
	let done = agent.wait_final("3", T);
	assert_eq!(
		(done["state"].clone(), done["reason"].clone()),
		(json!("failed"), json!("timeout")),
		"{done}"
	);
	let wall = done["usage"]["wall_ms"].as_u64().unwrap();
	assert!(
		(2_000..6_000).contains(&wall),
		"killed after {wall} ms (Slurm's own limit is whole minutes)"
	);
}

#[test]
fn a_running_batch_job_is_cancelled() {
	let agent = agent();
	agent.submit(&job("4", 60_000, batch("sleep 60")));
	agent.wait_for("4", &["running"], T);
	let (status, _) = agent.request("DELETE", "/v1/jobs/4", None);
	assert_eq!(status, 202);
	let done = agent.wait_final("4", T);
	assert_eq!(done["state"], "cancelled", "{done}");
}

#[test]
fn a_restarted_agent_finds_its_slurm_job_by_id() {
	let mut agent = agent();
	agent.submit(&job("5", 30_000, batch("sleep 3\necho after-restart")));
	agent.wait_for("5", &["running"], T);
	agent.kill();
	std::thread::sleep(Duration::from_millis(500));
	agent.spawn();
	let done = agent.wait_final("5", T);
	assert_eq!(done["state"], "completed", "{done}\n{}", agent.log());
	assert_eq!(done["result_hash"], expected_hash(b"after-restart\n", &[]));
}

#[test]
fn a_command_of_a_slurm_class_runs_as_a_batch_job_as_its_own_unprivileged_user() {
	let agent = agent();
	let mut body = job(
		"6",
		30_000,
		json!({"kind": "command", "program": "/bin/sh", "args": ["-c", "id -u; echo \"$X\"; cat \"$0\" 2>/dev/null || echo no-token", agent.state_dir.join("token").to_string_lossy()], "env": {"X": "it's"}}),
	);
	body["class"] = json!(9);
	agent.submit(&body);
	let done = agent.wait_final("6", T);
	assert_eq!(done["state"], "completed", "{done}\n{}", agent.log());
	assert_eq!(done["backend"], "slurm");
	assert_eq!(
		std::fs::read_to_string(agent.job_dir("6").join("stdout")).unwrap(),
		"1000000006\nit's\nno-token\n"
	);
}

#[test]
fn a_batch_job_cannot_rewrite_its_own_records_nor_reach_the_network() {
	let agent = agent();
	let (ip, port) = beacon();
	let script = format!(
		"echo 0 > \"$OUTPUT_DIR/../meta/started\" 2>/dev/null && echo tampered\ncurl -sS -m 3 http://{ip}:{port}/ 2>/dev/null && echo reached\nsleep 1\necho done"
	);
	agent.submit(&job("7", 30_000, batch(&script)));
	let done = agent.wait_final("7", T);
	assert_eq!(done["state"], "completed", "{done}\n{}", agent.log());
	assert_eq!(std::fs::read_to_string(agent.job_dir("7").join("stdout")).unwrap(), "done\n");
	assert!(done["usage"]["wall_ms"].as_u64().unwrap() >= 1_000, "{done}");

	// Class 5 allows the network, and the job asks: the same script reaches it.
	let mut allowed = job("9", 30_000, batch(&script));
	allowed["class"] = json!(5);
	allowed["network"] = json!(true);
	agent.submit(&allowed);
	let done = agent.wait_final("9", T);
	assert_eq!(done["state"], "completed", "{done}");
	assert_eq!(
		std::fs::read_to_string(agent.job_dir("9").join("stdout")).unwrap(),
		"beacon\nreached\ndone\n"
	);
}

#[test]
fn a_cancelled_batch_job_still_reports_what_it_used() {
	let agent = agent();
	agent.submit(&job("8", 60_000, batch("sleep 60")));
	agent.wait_for("8", &["running"], T);
	std::thread::sleep(Duration::from_millis(1_000));
	agent.request("DELETE", "/v1/jobs/8", None);
	let done = agent.wait_final("8", T);
	assert_eq!(done["state"], "cancelled", "{done}");
	let wall = done["usage"]["wall_ms"].as_u64().unwrap();
	assert!((1_000..30_000).contains(&wall), "{done}");
	assert!(done["result_hash"].is_string(), "{done}");
}
