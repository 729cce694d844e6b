//! Starts the real `utc-agent` binary and talks to it over HTTP, as the provider's
//! node does.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::{
	io::{BufRead, BufReader},
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

pub struct Agent {
	pub child: Option<Child>,
	pub url: String,
	pub token: String,
	pub state_dir: PathBuf,
	config: PathBuf,
	_dir: Option<tempfile::TempDir>,
}

/// The configuration every test agent gets, plus `extra` TOML.
fn write_config(dir: &Path, backends: &[&str], extra: &str) -> PathBuf {
	let path = dir.join("agent.toml");
	let text = format!(
		r#"state_dir = "{state}"
poll_interval_ms = 50
[backends]
process = {process}
container = {container}
slurm = {slurm}
[limits]
max_duration_ms = 600000
max_memory_mb = 2048
default_memory_mb = 512
allow_internal_inputs = true
keep_job_folders_s = 5
[process]
max_running = 16
pids_limit = 64
[container]
max_running = 4
[classes.default]
command = "process"
network = false
[classes.5]
network = true
[classes.9]
command = "slurm"
{extra}
"#,
		state = dir.join("state").display(),
		process = backends.contains(&"process"),
		container = backends.contains(&"container"),
		slurm = backends.contains(&"slurm"),
	);
	std::fs::write(&path, text).unwrap();
	path
}

impl Agent {
	pub fn start(backends: &[&str]) -> Agent {
		Agent::start_with(backends, "")
	}

	pub fn start_with(backends: &[&str], extra: &str) -> Agent {
		let dir = tempfile::tempdir().unwrap();
		let config = write_config(dir.path(), backends, extra);
		let mut agent = Agent {
			child: None,
			url: String::new(),
			token: String::new(),
			state_dir: dir.path().join("state"),
			config,
			_dir: Some(dir),
		};
		agent.spawn();
		agent
	}

	/// Starts the binary on a free port and waits until it serves.
	pub fn spawn(&mut self) {
		let mut child = Command::new(env!("CARGO_BIN_EXE_utc-agent"))
			.args(["run", "--config"])
			.arg(&self.config)
			.args(["--listen", "127.0.0.1:0"])
			.env("RUST_LOG", "utc_agent=debug,info")
			.stdout(Stdio::piped())
			.stderr(
				std::fs::File::create(self.state_dir.parent().unwrap().join("agent.log")).unwrap(),
			)
			.spawn()
			.unwrap();
		let stdout = child.stdout.take().unwrap();
		let mut line = String::new();
		BufReader::new(stdout).read_line(&mut line).unwrap();
		let url = line
			.trim()
			.strip_prefix("utc-agent listening on ")
			.unwrap_or_else(|| panic!("utc-agent did not start: {line:?}; log:\n{}", self.log()));
		self.url = url.to_string();
		self.child = Some(child);
		self.token =
			std::fs::read_to_string(self.state_dir.join("token")).unwrap().trim().to_string();
	}

	/// SIGKILL: no clean shutdown.
	pub fn kill(&mut self) {
		if let Some(mut child) = self.child.take() {
			child.kill().unwrap();
			child.wait().unwrap();
		}
	}

	pub fn restart(&mut self) {
		self.kill();
		self.spawn();
	}

	pub fn log(&self) -> String {
		std::fs::read_to_string(self.state_dir.parent().unwrap().join("agent.log"))
			.unwrap_or_default()
	}

	pub fn request(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
		self.request_as(method, path, body, Some(&self.token))
	}

	pub fn request_as(
		&self,
		method: &str,
		path: &str,
		body: Option<&Value>,
		token: Option<&str>,
	) -> (u16, Value) {
		let mut request = ureq::request(method, &format!("{}{path}", self.url));
		if let Some(token) = token {
			request = request.set("Authorization", &format!("Bearer {token}"));
		}
		let result = match body {
			Some(body) => {
				request.set("Content-Type", "application/json").send_string(&body.to_string())
			}
			None => request.call(),
		};
		let response = match result {
			Ok(response) => response,
			Err(ureq::Error::Status(_, response)) => response,
			Err(e) => panic!("{method} {path}: {e}"),
		};
		let status = response.status();
		let text = response.into_string().unwrap();
		(status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
	}

	pub fn raw_post(&self, path: &str, body: &str) -> (u16, Value) {
		let result = ureq::post(&format!("{}{path}", self.url))
			.set("Authorization", &format!("Bearer {}", self.token))
			.set("Content-Type", "application/json")
			.send_string(body);
		let response = match result {
			Ok(r) => r,
			Err(ureq::Error::Status(_, r)) => r,
			Err(e) => panic!("POST {path}: {e}"),
		};
		let status = response.status();
		(status, serde_json::from_str(&response.into_string().unwrap()).unwrap_or(Value::Null))
	}

	pub fn submit(&self, job: &Value) -> Value {
		let (status, body) = self.request("POST", "/v1/jobs", Some(job));
		assert_eq!(status, 201, "submit {job}: {body}");
		body
	}

	pub fn job(&self, id: &str) -> Value {
		let (status, body) = self.request("GET", &format!("/v1/jobs/{id}"), None);
		assert_eq!(status, 200, "GET job {id}: {body}");
		body
	}

	/// Polls until the job is in one of `states`; panics with the agent's log otherwise.
	pub fn wait_for(&self, id: &str, states: &[&str], within: Duration) -> Value {
		let deadline = Instant::now() + within;
		loop {
			let job = self.job(id);
			if states.contains(&job["state"].as_str().unwrap_or("")) {
				return job;
			}
			if Instant::now() > deadline {
				panic!(
					"job {id} is {job} after {within:?}, not {states:?}; agent log:\n{}",
					self.log()
				);
			}
			std::thread::sleep(Duration::from_millis(50));
		}
	}

	pub fn wait_final(&self, id: &str, within: Duration) -> Value {
		self.wait_for(id, &["completed", "failed", "cancelled"], within)
	}

	pub fn job_dir(&self, id: &str) -> PathBuf {
		self.state_dir.join("work").join(id)
	}

	/// Fails loudly when a backend's engine is not usable on this machine.
	pub fn require_backend(&self, backend: &str) {
		let (_, health) = self.request_as("GET", "/health", None, None);
		let state = health["backends"][backend].as_str().unwrap_or("missing").to_string();
		assert_eq!(
			state, "ready",
			"the {backend} backend's engine is not usable here ({state}); start the engines with `scripts/engines.sh up` and export what it prints"
		);
	}
}

impl Drop for Agent {
	fn drop(&mut self) {
		self.kill();
	}
}

/// A job body with the contract's defaults.
pub fn job(id: &str, max_duration_ms: u64, workload: Value) -> Value {
	json!({
		"job_id": id, "class": 0, "units": "1000", "max_duration_ms": max_duration_ms,
		"workload": workload, "input": null, "resources": {"gpus": 0, "memory_mb": 256}, "network": false
	})
}

pub fn sh(script: &str) -> Value {
	json!({"kind": "command", "program": "/bin/sh", "args": ["-c", script], "env": {}})
}

/// The hash `utc-agent` must report for this stdout and output files.
pub fn expected_hash(stdout: &[u8], files: &[(&str, &[u8])]) -> String {
	let dir = tempfile::tempdir().unwrap();
	std::fs::write(dir.path().join("stdout"), stdout).unwrap();
	let out = dir.path().join("out");
	std::fs::create_dir_all(&out).unwrap();
	for (name, data) in files {
		std::fs::write(out.join(name), data).unwrap();
	}
	utc_agent::metering::output_hash(&dir.path().join("stdout"), &out).unwrap()
}

/// A TCP server on all interfaces that answers one line to anyone who connects, and
/// the host's non-loopback address to reach it by.
pub fn beacon() -> (String, u16) {
	let listener = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
	let port = listener.local_addr().unwrap().port();
	std::thread::spawn(move || {
		for stream in listener.incoming().flatten() {
			use std::io::Write;
			let mut stream = stream;
			let _ = stream.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 7\r\n\r\nbeacon\n");
		}
	});
	let socket = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
	socket.connect("10.255.255.255:9").unwrap();
	let ip = socket.local_addr().unwrap().ip().to_string();
	(ip, port)
}

/// A job that completed on `backend`: exit status 0, the output hash expected, and
/// measured wall and CPU time (the workloads these tests check spin a little).
pub fn assert_completed_with(agent: &Agent, done: &Value, backend: &str, hash: &str) {
	assert_eq!(done["state"], "completed", "{done}\n{}", agent.log());
	assert_eq!(done["backend"], backend);
	assert_eq!(done["exit_code"], 0);
	assert_eq!(done["reason"], Value::Null);
	assert_eq!(done["result_hash"], hash);
	assert!(done["usage"]["wall_ms"].as_u64().unwrap() > 0, "{done}");
	assert!(done["usage"]["cpu_ms"].as_u64().unwrap() > 0, "a busy loop used no CPU time: {done}");
}

/// A job that failed with `reason` and exit status `exit_code`.
pub fn assert_failed_with(done: &Value, reason: &str, exit_code: Value) {
	assert_eq!(
		(done["state"].clone(), done["reason"].clone(), done["exit_code"].clone()),
		(json!("failed"), json!(reason), exit_code),
		"{done}"
	);
}
