//! The process backend (bubblewrap) and the API, against the real binary.

mod common;
use common::*;
use serde_json::json;
use std::time::Duration;

const T: Duration = Duration::from_secs(20);

#[test]
fn a_command_that_succeeds_reports_its_output_hash_and_usage() {
	let agent = Agent::start(&["process"]);
	agent.require_backend("process");
	let accepted = agent.submit(&job("1", 10_000, sh("echo hello; printf 42 > \"$OUTPUT_DIR/answer\"; i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done")));
	assert_eq!(accepted["state"], "queued");
	assert_eq!(accepted["backend"], "process");
	let done = agent.wait_final("1", T);
	assert_completed_with(
		&agent,
		&done,
		"process",
		&expected_hash(b"hello\n", &[("answer", b"42")]),
	);
	let usage = &done["usage"];
	assert!(usage["cpu_ms"].as_u64().unwrap() <= usage["wall_ms"].as_u64().unwrap() + 50, "{done}");
	let (start, end) =
		(done["started_at_ms"].as_u64().unwrap(), done["finished_at_ms"].as_u64().unwrap());
	assert!(done["accepted_at_ms"].as_u64().unwrap() <= start && start <= end);
}

#[test]
fn a_failing_command_reports_its_exit_code() {
	let agent = Agent::start(&["process"]);
	agent.submit(&job("2", 10_000, sh("echo oops >&2; exit 3")));
	let done = agent.wait_final("2", T);
	assert_failed_with(&done, "exit", json!(3));
	assert_eq!(std::fs::read_to_string(agent.job_dir("2").join("stderr")).unwrap(), "oops\n");
}

#[test]
fn a_command_past_its_limit_is_killed_and_fails_with_timeout() {
	let agent = Agent::start(&["process"]);
	agent.submit(&job("3", 1_000, sh("echo started; while :; do :; done")));
	let done = agent.wait_final("3", T);
	assert_eq!(done["state"], "failed", "{done}");
	assert_eq!(done["reason"], "timeout");
	let wall = done["usage"]["wall_ms"].as_u64().unwrap();
	assert!((1_000..3_000).contains(&wall), "killed after {wall} ms");
	// The CPU time of a killed sandbox is still counted.
	assert!(done["usage"]["cpu_ms"].as_u64().unwrap() >= 200, "{done}");
}

#[test]
fn the_sandbox_has_no_network_unless_the_class_allows_it() {
	let agent = Agent::start(&["process"]);
	let (ip, port) = beacon();
	let fetch = format!("curl -sS -m 3 http://{ip}:{port}/");
	agent.submit(&job("4", 10_000, sh(&fetch)));
	let refused = agent.wait_final("4", T);
	assert_eq!(refused["state"], "failed", "the sandbox reached the network: {refused}");
	let stderr = std::fs::read_to_string(agent.job_dir("4").join("stderr")).unwrap();
	assert!(stderr.contains("Failed to connect"), "{stderr}");

	// Class 5 allows it, and the job asks.
	let mut allowed = job("5", 10_000, sh(&fetch));
	allowed["class"] = json!(5);
	allowed["network"] = json!(true);
	agent.submit(&allowed);
	let done = agent.wait_final("5", T);
	assert_eq!(done["state"], "completed", "{done}");
	assert_eq!(std::fs::read_to_string(agent.job_dir("5").join("stdout")).unwrap(), "beacon\n");

	// Even then, the host's loopback (the agent, the node's RPC) stays out of reach.
	let mut loopback = job("16", 10_000, sh(&format!("curl -sS -m 3 {}/health", agent.url)));
	loopback["class"] = json!(5);
	loopback["network"] = json!(true);
	agent.submit(&loopback);
	let refused = agent.wait_final("16", T);
	assert_eq!(refused["state"], "failed", "the sandbox reached the host's loopback: {refused}");
	assert_eq!(std::fs::read_to_string(agent.job_dir("16").join("stdout")).unwrap(), "");
}

#[test]
fn the_workload_sees_neither_the_token_nor_the_state_dir_nor_host_secrets() {
	let agent = Agent::start(&["process"]);
	let token = agent.state_dir.join("token");
	let probe = format!(
		"for f in {token} {db} /etc/shadow /root; do if [ -e \"$f\" ]; then echo \"seen $f\"; fi; done; id -u",
		token = token.display(),
		db = agent.state_dir.join("jobs.redb").display()
	);
	agent.submit(&job("6", 10_000, sh(&probe)));
	let done = agent.wait_final("6", T);
	assert_eq!(done["state"], "completed", "{done}");
	assert_eq!(std::fs::read_to_string(agent.job_dir("6").join("stdout")).unwrap(), "65534\n");
}

#[test]
fn a_running_command_is_cancelled() {
	let agent = Agent::start(&["process"]);
	agent.submit(&job("7", 60_000, sh("sleep 30")));
	agent.wait_for("7", &["running"], T);
	let (status, body) = agent.request("DELETE", "/v1/jobs/7", None);
	assert_eq!(status, 202, "{body}");
	let done = agent.wait_final("7", T);
	assert_eq!(done["state"], "cancelled");
	assert_eq!(done["reason"], "cancelled");
	assert!(done["usage"]["wall_ms"].as_u64().unwrap() < 10_000);
	// Cancelling again changes nothing.
	let (status, again) = agent.request("DELETE", "/v1/jobs/7", None);
	assert_eq!((status, again["state"].clone()), (202, json!("cancelled")));
}

#[test]
fn a_restarted_agent_reports_jobs_that_ran_and_finished_while_it_was_down() {
	let mut agent = Agent::start(&["process"]);
	agent.submit(&job("8", 30_000, sh("sleep 2; echo still-here")));
	agent.submit(&job("9", 30_000, sh("echo quick")));
	agent.wait_for("8", &["running"], T);
	agent.wait_for("9", &["running", "completed"], T);
	agent.kill();
	std::thread::sleep(Duration::from_millis(500));
	agent.spawn();
	let survived = agent.wait_final("8", T);
	assert_eq!(survived["state"], "completed", "{survived}\n{}", agent.log());
	assert_eq!(survived["result_hash"], expected_hash(b"still-here\n", &[]));
	assert!(survived["usage"]["wall_ms"].as_u64().unwrap() >= 2_000);
	assert_eq!(agent.wait_final("9", T)["state"], "completed");
	// Each ran once: one supervisor result each.
	let (_, all) = agent.request("GET", "/v1/jobs", None);
	assert_eq!(all.as_array().unwrap().len(), 2);
}

#[test]
fn a_cancelled_command_still_reports_what_it_used() {
	let agent = Agent::start(&["process"]);
	agent.submit(&job("10", 60_000, sh("while :; do :; done")));
	agent.wait_for("10", &["running"], T);
	std::thread::sleep(Duration::from_millis(800));
	agent.request("DELETE", "/v1/jobs/10", None);
	let done = agent.wait_final("10", T);
	assert_eq!(done["state"], "cancelled", "{done}");
	assert!(done["usage"]["wall_ms"].as_u64().unwrap() >= 800, "{done}");
	assert!(done["usage"]["cpu_ms"].as_u64().unwrap() >= 200, "{done}");
}

#[test]
fn the_api_authenticates_every_route_but_health() {
	let agent = Agent::start(&["process"]);
	let (status, health) = agent.request_as("GET", "/health", None, None);
	assert_eq!(status, 200);
	assert_eq!(health["status"], "ok");
	assert_eq!(health["backends"]["process"], "ready");
	assert_eq!(health["backends"]["container"], "disabled");
	for (method, path) in
		[("GET", "/v1/jobs"), ("GET", "/v1/jobs/1"), ("DELETE", "/v1/jobs/1"), ("GET", "/metrics")]
	{
		let (status, body) = agent.request_as(method, path, None, None);
		assert_eq!(status, 401, "{method} {path} without a token: {body}");
		assert_eq!(body["error"], "unauthorized");
		let (status, _) = agent.request_as(method, path, None, Some("not-the-token"));
		assert_eq!(status, 401, "{method} {path} with a wrong token");
	}
	let (status, _) =
		agent.request_as("POST", "/v1/jobs", Some(&job("1", 1000, sh("true"))), Some("x"));
	assert_eq!(status, 401);
	let (_, all) = agent.request("GET", "/v1/jobs", None);
	assert_eq!(all, json!([]), "a refused request created a job");
	let mode = std::os::unix::fs::PermissionsExt::mode(
		&std::fs::metadata(agent.state_dir.join("token")).unwrap().permissions(),
	);
	assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn bad_requests_get_a_reason_and_change_nothing() {
	let agent = Agent::start(&["process"]);
	let cases = [
		(r#"{"job_id": "1", "class": 0,"#, 400, "malformed_json"),
		(r#"[1, 2]"#, 422, "invalid_job"),
		(
			r#"{"job_id":"1","class":0,"units":"1","max_duration_ms":1000,"workload":{"kind":"vm","image":"x"}}"#,
			422,
			"unknown_workload_kind",
		),
		(
			r#"{"job_id":"1","class":0,"units":"1","max_duration_ms":1000,"workload":{"kind":"batch","script":"true"}}"#,
			422,
			"backend_disabled",
		),
		(
			r#"{"job_id":"1","class":0,"units":"1","max_duration_ms":1000,"workload":{"kind":"container","image":"localhost/busybox:local"}}"#,
			422,
			"backend_disabled",
		),
		(
			r#"{"job_id":"1","class":0,"units":"1","max_duration_ms":600001,"workload":{"kind":"command","program":"/bin/true"}}"#,
			422,
			"limit_exceeded",
		),
		(
			r#"{"job_id":"1","class":0,"units":"1","max_duration_ms":1000,"resources":{"gpus":0,"memory_mb":4096},"workload":{"kind":"command","program":"/bin/true"}}"#,
			422,
			"limit_exceeded",
		),
		(
			r#"{"job_id":"1","class":0,"units":"1","max_duration_ms":1000,"resources":{"gpus":1},"workload":{"kind":"command","program":"/bin/true"}}"#,
			422,
			"limit_exceeded",
		),
		(
			r#"{"job_id":"1","class":0,"units":"1","max_duration_ms":1000,"network":true,"workload":{"kind":"command","program":"/bin/true"}}"#,
			422,
			"network_not_allowed",
		),
		(
			r#"{"job_id":"x1","class":0,"units":"1","max_duration_ms":1000,"workload":{"kind":"command","program":"/bin/true"}}"#,
			422,
			"invalid_job",
		),
		(
			r#"{"job_id":"1","class":0,"units":"1","max_duration_ms":1000,"workload":{"kind":"command","program":"/bin/true"},"input":{"url":"file:///etc/shadow","hash":"0x00"}}"#,
			422,
			"invalid_job",
		),
		(
			r#"{"job_id":"042","class":0,"units":"1","max_duration_ms":1000,"workload":{"kind":"command","program":"/bin/true"}}"#,
			422,
			"invalid_job",
		),
		(
			r#"{"job_id":"1","class":0,"units":"1","max_duration_ms":1000,"resources":{"memroy_mb":64},"workload":{"kind":"command","program":"/bin/true"}}"#,
			422,
			"invalid_job",
		),
		(
			r#"{"job_id":"1","class":0,"units":"1","max_duration_ms":1000,"workload":{"kind":"command","program":"/bin/true","image":"x"}}"#,
			422,
			"invalid_job",
		),
	];
	for (body, status, error) in cases {
		let (got, reply) = agent.raw_post("/v1/jobs", body);
		assert_eq!((got, reply["error"].as_str()), (status, Some(error)), "{body} -> {reply}");
		assert!(reply["reason"].as_str().is_some_and(|r| !r.is_empty()), "{reply}");
	}
	let (status, reply) = agent.raw_post("/v1/jobs", &"x".repeat(100 * 1024));
	assert_eq!(status, 413, "{reply}");
	let (status, reply) = agent.request("GET", "/v1/jobs/404", None);
	assert_eq!((status, reply["error"].clone()), (404, json!("unknown_job")));
	let (status, _) = agent.request("DELETE", "/v1/jobs/404", None);
	assert_eq!(status, 404);
	let (status, reply) = agent.request("GET", "/v1/jobs?state=sleeping", None);
	assert_eq!((status, reply["error"].clone()), (400, json!("unknown_state")));
	let (status, reply) = agent.request("PUT", "/v1/jobs/1", Some(&json!({})));
	assert_eq!((status, reply["error"].clone()), (405, json!("method_not_allowed")));
	let (_, all) = agent.request("GET", "/v1/jobs", None);
	assert_eq!(all, json!([]), "a refused request created a job");
}

#[test]
fn posting_a_known_job_is_idempotent_and_another_body_conflicts() {
	let agent = Agent::start(&["process"]);
	let body = job("11", 10_000, sh("echo once >> /out/runs"));
	let first = agent.submit(&body);
	let (status, again) = agent.request("POST", "/v1/jobs", Some(&body));
	assert_eq!(status, 200);
	assert_eq!(again["accepted_at_ms"], first["accepted_at_ms"]);
	let mut other = body.clone();
	other["units"] = json!("2000");
	let (status, reply) = agent.request("POST", "/v1/jobs", Some(&other));
	assert_eq!((status, reply["error"].clone()), (409, json!("conflict")));
	let done = agent.wait_final("11", T);
	assert_eq!(done["state"], "completed");
	assert_eq!(
		std::fs::read_to_string(agent.job_dir("11").join("out/runs")).unwrap(),
		"once\n",
		"ran twice"
	);
	let (status, reply) = agent.request("DELETE", "/v1/jobs/11", None);
	assert_eq!((status, reply["error"].clone()), (409, json!("already_finished")));
	let (_, running) = agent.request("GET", "/v1/jobs?state=running", None);
	assert_eq!(running, json!([]));
	let (_, completed) = agent.request("GET", "/v1/jobs?state=completed", None);
	assert_eq!(completed.as_array().unwrap().len(), 1);
}

#[test]
fn metrics_count_jobs_by_state_and_backend() {
	let agent = Agent::start(&["process"]);
	agent.submit(&job("12", 10_000, sh("true")));
	agent.submit(&job("13", 10_000, sh("exit 1")));
	agent.wait_final("12", T);
	agent.wait_final("13", T);
	let (status, text) = agent.request("GET", "/metrics", None);
	assert_eq!(status, 200);
	let text = text.as_str().unwrap().to_string();
	assert!(text.contains("utc_agent_jobs{backend=\"process\",state=\"completed\"} 1\n"), "{text}");
	assert!(text.contains("utc_agent_jobs{backend=\"process\",state=\"failed\"} 1\n"), "{text}");
	assert!(text.contains("utc_agent_job_run_seconds_count{backend=\"process\"} 2\n"), "{text}");
	assert!(
		text.contains("utc_agent_job_start_latency_seconds_count{backend=\"process\"} 2\n"),
		"{text}"
	);
	assert!(text.contains("utc_agent_backend_up{backend=\"process\"} 1\n"), "{text}");

	let status = std::process::Command::new(env!("CARGO_BIN_EXE_utc-agent"))
		.args(["status", "--url", &agent.url, "--token-file"])
		.arg(agent.state_dir.join("token"))
		.output()
		.unwrap();
	let table = String::from_utf8_lossy(&status.stdout);
	assert!(status.status.success(), "{table}");
	assert!(table.lines().any(|l| l.starts_with("12 ") && l.contains("completed")), "{table}");
	assert!(
		table.lines().any(|l| l.starts_with("13 ") && l.contains("failed") && l.contains("exit")),
		"{table}"
	);
}

#[test]
fn an_input_is_fetched_checked_and_given_read_only() {
	let agent = Agent::start(&["process"]);
	let (ip, port) = beacon();
	let url = format!("http://{ip}:{port}/data");
	let right = expected_file_hash(b"beacon\n");
	let mut good = job("14", 10_000, sh("cat \"$INPUT_FILE\"; if (echo x >> \"$INPUT_FILE\") 2>/dev/null; then echo writable; fi"));
	good["input"] = json!({"url": url, "hash": right});
	agent.submit(&good);
	let done = agent.wait_final("14", T);
	assert_eq!(done["state"], "completed", "{done}");
	assert_eq!(std::fs::read_to_string(agent.job_dir("14").join("stdout")).unwrap(), "beacon\n");

	let mut bad = job("15", 10_000, sh("true"));
	bad["input"] = json!({"url": url, "hash": format!("0x{}", "00".repeat(32))});
	agent.submit(&bad);
	let refused = agent.wait_final("15", T);
	assert_eq!(refused["state"], "failed");
	assert!(
		refused["reason"].as_str().unwrap().starts_with("rejected: input: hash mismatch"),
		"{refused}"
	);
	assert_eq!(refused["started_at_ms"], serde_json::Value::Null);
}

fn expected_file_hash(data: &[u8]) -> String {
	let dir = tempfile::tempdir().unwrap();
	std::fs::write(dir.path().join("f"), data).unwrap();
	utc_agent::metering::file_hash(&dir.path().join("f")).unwrap()
}

#[test]
fn a_job_is_held_to_its_memory_and_process_limits() {
	let agent = Agent::start(&["process"]);
	// /tmp is memory too: 200 MiB of it in a 64 MiB job.
	let mut hog = job("17", 20_000, sh("head -c 200000000 /dev/zero > /tmp/big; echo survived"));
	hog["resources"]["memory_mb"] = json!(64);
	agent.submit(&hog);
	let done = agent.wait_final("17", T);
	assert_eq!(done["state"], "failed", "{done}");
	assert_eq!(done["reason"], "killed: memory limit", "{done}");

	// At most 64 processes (the test agent's limit): the 100th fork fails.
	agent.submit(&job(
		"18",
		20_000,
		sh("n=0; while [ $n -lt 100 ]; do sleep 2 & n=$((n+1)); done; wait"),
	));
	let done = agent.wait_final("18", T);
	let stderr = std::fs::read_to_string(agent.job_dir("18").join("stderr")).unwrap();
	assert!(stderr.contains("fork"), "{done}\n{stderr}");
}

#[test]
fn what_a_job_writes_belongs_to_its_own_user_on_the_host() {
	use std::os::unix::fs::MetadataExt;
	let agent = Agent::start(&["process"]);
	agent.submit(&job("19", 10_000, sh("echo x > /out/f; chmod 4755 /out/f")));
	let done = agent.wait_final("19", T);
	assert_eq!(done["state"], "completed", "{done}");
	let meta = std::fs::metadata(agent.job_dir("19").join("out/f")).unwrap();
	// Job n runs as uid 1,000,000,000 + n (the default range): never as root.
	assert_eq!((meta.uid(), meta.gid()), (1_000_000_019, 1_000_000_019));
}

#[test]
fn old_job_folders_are_removed_and_their_statuses_kept() {
	let agent = Agent::start(&["process"]);
	agent.submit(&job("20", 10_000, sh("echo kept")));
	let done = agent.wait_final("20", T);
	assert_eq!(done["state"], "completed");
	assert!(agent.job_dir("20").exists());
	// The test agent keeps folders 5 s.
	let deadline = std::time::Instant::now() + T;
	while agent.job_dir("20").exists() {
		assert!(std::time::Instant::now() < deadline, "the folder outlived its retention");
		std::thread::sleep(Duration::from_millis(100));
	}
	assert_eq!(agent.job("20"), done, "the status changed when its folder went");
	let (status, _) = agent.request("POST", "/v1/jobs", Some(&job("20", 10_000, sh("echo kept"))));
	assert_eq!(status, 200, "a pruned job was accepted again");
}
