//! The container backend against the host's real podman and a local busybox image
//! (`scripts/engines.sh up` imports it).

mod common;
use common::*;
use serde_json::{json, Value};
use std::time::Duration;

const T: Duration = Duration::from_secs(60);
const IMAGE: &str = "localhost/busybox:local";

fn container(script: &str) -> Value {
	json!({"kind": "container", "image": IMAGE, "args": ["sh", "-c", script], "env": {"GREETING": "hello"}})
}

fn agent() -> Agent {
	let agent = Agent::start(&["container"]);
	agent.require_backend("container");
	agent
}

#[test]
fn a_container_that_succeeds_reports_its_output_hash_and_usage() {
	let agent = agent();
	agent.submit(&job(
		"1",
		20_000,
		container(
			"echo $GREETING; echo 7 > /out/seven; i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done",
		),
	));
	let done = agent.wait_final("1", T);
	assert_completed_with(
		&agent,
		&done,
		"container",
		&expected_hash(b"hello\n", &[("seven", b"7\n")]),
	);
}

#[test]
fn a_failing_container_reports_its_exit_code() {
	let agent = agent();
	agent.submit(&job("2", 20_000, container("exit 5")));
	let done = agent.wait_final("2", T);
	assert_failed_with(&done, "exit", json!(5));
}

#[test]
fn a_container_past_its_limit_is_stopped_and_fails_with_timeout() {
	let agent = agent();
	agent.submit(&job("3", 2_000, container("sleep 60")));
	let done = agent.wait_final("3", T);
	assert_eq!(
		(done["state"].clone(), done["reason"].clone()),
		(json!("failed"), json!("timeout")),
		"{done}"
	);
	let wall = done["usage"]["wall_ms"].as_u64().unwrap();
	assert!((2_000..6_000).contains(&wall), "stopped after {wall} ms");
}

#[test]
fn a_container_has_no_network() {
	let agent = agent();
	let (ip, port) = beacon();
	agent.submit(&job("4", 20_000, container(&format!("nc -w 3 {ip} {port} </dev/null"))));
	let done = agent.wait_final("4", T);
	let stdout = std::fs::read_to_string(agent.job_dir("4").join("stdout")).unwrap();
	assert!(!stdout.contains("beacon"), "the container reached the network: {done}");
	let stderr = std::fs::read_to_string(agent.job_dir("4").join("stderr")).unwrap();
	assert!(stderr.contains("unreachable"), "{stderr}");
}

#[test]
fn a_running_container_is_cancelled() {
	let agent = agent();
	agent.submit(&job("5", 60_000, container("sleep 60")));
	agent.wait_for("5", &["running"], T);
	let (status, _) = agent.request("DELETE", "/v1/jobs/5", None);
	assert_eq!(status, 202);
	let done = agent.wait_final("5", T);
	assert_eq!(done["state"], "cancelled", "{done}");
	assert!(done["usage"]["wall_ms"].as_u64().unwrap() < 30_000);
}

#[test]
fn a_restarted_agent_reattaches_to_its_container() {
	let mut agent = agent();
	agent.submit(&job("6", 30_000, container("sleep 3; echo survived")));
	agent.wait_for("6", &["running"], T);
	agent.kill();
	std::thread::sleep(Duration::from_millis(500));
	agent.spawn();
	let done = agent.wait_final("6", T);
	assert_eq!(done["state"], "completed", "{done}\n{}", agent.log());
	assert_eq!(done["result_hash"], expected_hash(b"survived\n", &[]));
	// It ran its whole 3 s sleep across the restart. podman stamps `StartedAt` once the
	// process is already running, so on a loaded host the measured time can fall a few
	// milliseconds short of what the workload slept.
	let wall = done["usage"]["wall_ms"].as_u64().unwrap();
	assert!(wall >= 2_900, "{done}");
}

#[test]
fn an_image_that_is_not_present_fails_with_a_backend_reason() {
	let agent = agent();
	let mut body = job("7", 20_000, container("true"));
	body["workload"]["image"] = json!("localhost/not-imported:none");
	agent.submit(&body);
	let done = agent.wait_final("7", T);
	assert_eq!(done["state"], "failed");
	assert!(done["reason"].as_str().unwrap().starts_with("backend: "), "{done}");
}
