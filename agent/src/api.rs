//! The Agent API (v1) over HTTP.

use crate::{
	config::Config,
	job::{now_ms, BackendKind, JobRequest, JobState, JobStatus, Workload, WorkloadKind},
	store::{Inserted, JobRecord, Launch, StopCause},
	supervisor::Agent,
};
use axum::{
	body::Bytes,
	extract::{
		rejection::{BytesRejection, QueryRejection},
		Path, Query, Request, State,
	},
	http::{header, HeaderValue, StatusCode},
	middleware::{self, Next},
	response::{IntoResponse, Response},
	routing::get,
	Json, Router,
};
use serde::Deserialize;
use serde_json::json;
use std::{collections::BTreeMap, sync::Arc};

/// The largest job body accepted.
pub const MAX_BODY: usize = 64 * 1024;
const MAX_ARGS: usize = 1024;
const MAX_ENV: usize = 256;
const MAX_WORD: usize = 16 * 1024;
const MAX_SCRIPT: usize = 32 * 1024;

pub struct ApiState {
	pub agent: Arc<Agent>,
	pub token: String,
}

/// A refusal: its status and `{"error": ..., "reason": ...}`.
#[derive(Debug)]
pub struct ApiError {
	pub status: StatusCode,
	pub error: &'static str,
	pub reason: String,
}

impl ApiError {
	fn new(status: StatusCode, error: &'static str, reason: impl Into<String>) -> ApiError {
		ApiError { status, error, reason: reason.into() }
	}
	/// A well-formed job this agent will not take (422).
	fn refused(error: &'static str, reason: impl Into<String>) -> ApiError {
		ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error, reason)
	}
	fn invalid(reason: impl Into<String>) -> ApiError {
		ApiError::refused("invalid_job", reason)
	}
	fn internal(e: impl std::fmt::Display) -> ApiError {
		tracing::error!("{e}");
		ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
	}
}

impl IntoResponse for ApiError {
	fn into_response(self) -> Response {
		let mut response = (self.status, Json(json!({"error": self.error, "reason": self.reason})))
			.into_response();
		if self.status == StatusCode::UNAUTHORIZED {
			response
				.headers_mut()
				.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
		}
		response
	}
}

pub fn router(state: Arc<ApiState>) -> Router {
	Router::new()
		.route("/v1/jobs", get(list_jobs).post(create_job))
		.route("/v1/jobs/:job_id", get(get_job).delete(cancel_job))
		.route("/metrics", get(metrics))
		.layer(middleware::from_fn_with_state(state.clone(), authenticate))
		.route("/health", get(health))
		.fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route") })
		.layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
		.layer(middleware::map_response(json_refusals))
		.with_state(state)
}

/// Refusals the router makes itself (a wrong method, say) in the API's JSON shape.
async fn json_refusals(response: Response) -> Response {
	let status = response.status();
	let is_json = response
		.headers()
		.get(header::CONTENT_TYPE)
		.is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
	if status.is_success() || is_json {
		return response;
	}
	if status == StatusCode::METHOD_NOT_ALLOWED {
		return ApiError::new(status, "method_not_allowed", "this route does not take that method")
			.into_response();
	}
	if status == StatusCode::PAYLOAD_TOO_LARGE {
		return ApiError::new(
			status,
			"too_large",
			format!("a job body is at most {MAX_BODY} bytes"),
		)
		.into_response();
	}
	response
}

async fn authenticate(
	State(state): State<Arc<ApiState>>,
	request: Request,
	next: Next,
) -> Response {
	let presented = request
		.headers()
		.get(header::AUTHORIZATION)
		.and_then(|v| v.to_str().ok())
		.and_then(|v| v.strip_prefix("Bearer "))
		.map(str::trim);
	match presented {
		Some(token) if constant_time_eq(token.as_bytes(), state.token.as_bytes()) => {
			next.run(request).await
		}
		Some(_) => ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "wrong bearer token")
			.into_response(),
		None => ApiError::new(
			StatusCode::UNAUTHORIZED,
			"unauthorized",
			"missing `Authorization: Bearer <token>`",
		)
		.into_response(),
	}
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
	a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn health(State(state): State<Arc<ApiState>>) -> Response {
	let mut backends = BTreeMap::new();
	for kind in BackendKind::ALL {
		let value = if !state.agent.config.enabled(kind) {
			"disabled".to_string()
		} else {
			match state.agent.backend_health(kind) {
				Some(Ok(())) => "ready".to_string(),
				Some(Err(e)) => format!("unavailable: {e}"),
				None => "unavailable: not checked yet".to_string(),
			}
		};
		backends.insert(kind.as_str(), value);
	}
	Json(json!({"status": "ok", "backends": backends})).into_response()
}

async fn create_job(
	State(state): State<Arc<ApiState>>,
	body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
	let body = body.map_err(|e| ApiError::new(e.status(), "bad_request", e.body_text()))?;
	let request: JobRequest = serde_json::from_slice(&body).map_err(|e| match e.classify() {
		serde_json::error::Category::Data if e.to_string().starts_with("unknown variant") => {
			ApiError::refused("unknown_workload_kind", e.to_string())
		}
		serde_json::error::Category::Data => ApiError::invalid(e.to_string()),
		_ => ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", e.to_string()),
	})?;
	let agent = &state.agent;
	// An id already known answers with its job, before any check of the current limits.
	if let Some(existing) = agent.store.get(&request.job_id).map_err(ApiError::internal)? {
		return same_or_conflict(existing, &request);
	}
	let backend = validate(&request, &agent.config)?;
	match agent.backend_health(backend) {
		Some(Ok(())) => {}
		Some(Err(e)) => {
			return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "backend_unavailable", e))
		}
		None => {
			return Err(ApiError::new(
				StatusCode::SERVICE_UNAVAILABLE,
				"backend_unavailable",
				"not checked yet",
			))
		}
	}
	if agent.active_count() >= agent.config.limits.max_active_jobs {
		return Err(ApiError::new(
			StatusCode::SERVICE_UNAVAILABLE,
			"queue_full",
			format!("{} jobs are queued or running already", agent.config.limits.max_active_jobs),
		));
	}
	let record = JobRecord {
		status: JobStatus::accepted(&request.job_id, backend, now_ms()),
		request: request.clone(),
		launch: Launch::NotLaunched,
		stop: None,
		stop_sent: false,
	};
	match agent.store.insert(record).map_err(ApiError::internal)? {
		Inserted::New(record) => {
			tracing::info!(job = %record.request.job_id, backend = backend.as_str(), "job accepted");
			agent.track(&record);
			Ok((StatusCode::CREATED, Json(record.status)).into_response())
		}
		Inserted::Existing(existing) => same_or_conflict(existing, &request),
	}
}

fn same_or_conflict(existing: JobRecord, request: &JobRequest) -> Result<Response, ApiError> {
	if existing.request == *request {
		Ok((StatusCode::OK, Json(existing.status)).into_response())
	} else {
		Err(ApiError::new(
			StatusCode::CONFLICT,
			"conflict",
			format!("job {} is known with another body", request.job_id),
		))
	}
}

/// Checks a job against the contract and this agent's configuration; the backend
/// that will run it.
pub fn validate(job: &JobRequest, config: &Config) -> Result<BackendKind, ApiError> {
	let limits = &config.limits;
	if !is_decimal::<u64>(&job.job_id) {
		return Err(ApiError::invalid(
			"job_id must be a decimal string of a 64-bit id, without leading zeros",
		));
	}
	if !is_decimal::<u128>(&job.units) {
		return Err(ApiError::invalid("units must be a decimal string"));
	}
	if job.max_duration_ms == 0 {
		return Err(ApiError::invalid("max_duration_ms must be above 0"));
	}
	if job.max_duration_ms > limits.max_duration_ms {
		return Err(ApiError::refused(
			"limit_exceeded",
			format!(
				"max_duration_ms {} is above this agent's {}",
				job.max_duration_ms, limits.max_duration_ms
			),
		));
	}
	if let Some(memory) = job.resources.memory_mb {
		if memory == 0 || memory > limits.max_memory_mb {
			return Err(ApiError::refused(
				"limit_exceeded",
				format!("memory_mb {memory} is outside 1..={}", limits.max_memory_mb),
			));
		}
	}
	if job.resources.gpus > limits.max_gpus {
		return Err(ApiError::refused(
			"limit_exceeded",
			format!("{} GPUs asked, this agent offers {}", job.resources.gpus, limits.max_gpus),
		));
	}
	let policy = config.class_policy(job.class);
	let kind = job.workload.kind();
	if !policy.kinds.contains(&kind) {
		return Err(ApiError::refused(
			"kind_not_accepted",
			format!("class {} does not take {kind:?} workloads", job.class),
		));
	}
	if job.network && !policy.network {
		return Err(ApiError::refused(
			"network_not_allowed",
			format!("class {} runs without network", job.class),
		));
	}
	match &job.workload {
		Workload::Command { program, args, env } => {
			check_word("program", program)?;
			if !program.starts_with('/') {
				return Err(ApiError::invalid("program must be an absolute path"));
			}
			check_args(args)?;
			check_env(env)?;
		}
		Workload::Container { image, args, env } => {
			check_word("image", image)?;
			if image.starts_with('-')
				|| !image.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-/:@".contains(&b))
			{
				return Err(ApiError::invalid(
					"image must be an image reference (name[:tag][@digest])",
				));
			}
			check_args(args)?;
			check_env(env)?;
		}
		Workload::Batch { script } => {
			if script.trim().is_empty() || script.len() > MAX_SCRIPT || script.contains('\0') {
				return Err(ApiError::invalid(format!(
					"script must be 1..={MAX_SCRIPT} bytes without NUL"
				)));
			}
		}
	}
	if let Some(input) = &job.input {
		if !(input.url.starts_with("http://") || input.url.starts_with("https://"))
			|| input.url.len() > 2048
		{
			return Err(ApiError::invalid("input.url must be an http(s) URL"));
		}
		let hex_ok = input
			.hash
			.strip_prefix("0x")
			.is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
		if !hex_ok {
			return Err(ApiError::invalid("input.hash must be 0x + 64 hex digits (blake2-256)"));
		}
	}
	let backend = match kind {
		WorkloadKind::Command => policy.command,
		WorkloadKind::Container => BackendKind::Container,
		WorkloadKind::Batch => BackendKind::Slurm,
	};
	if job.resources.gpus > 0 && backend != BackendKind::Slurm {
		return Err(ApiError::refused(
			"kind_not_accepted",
			"GPUs are handed out by the cluster: jobs that ask for GPUs run on the slurm backend",
		));
	}
	if !config.enabled(backend) {
		return Err(ApiError::refused(
			"backend_disabled",
			format!("the {} backend is not enabled on this agent", backend.as_str()),
		));
	}
	Ok(backend)
}

/// A number as the contract writes large integers: decimal digits, no sign, no
/// leading zero, within `T`.
fn is_decimal<T: std::str::FromStr>(text: &str) -> bool {
	!text.is_empty()
		&& text.bytes().all(|b| b.is_ascii_digit())
		&& (text == "0" || !text.starts_with('0'))
		&& text.parse::<T>().is_ok()
}

fn check_word(what: &str, word: &str) -> Result<(), ApiError> {
	if word.is_empty() || word.len() > MAX_WORD || word.contains('\0') {
		return Err(ApiError::invalid(format!("{what} must be 1..={MAX_WORD} bytes without NUL")));
	}
	Ok(())
}

fn check_args(args: &[String]) -> Result<(), ApiError> {
	if args.len() > MAX_ARGS {
		return Err(ApiError::invalid(format!("at most {MAX_ARGS} args")));
	}
	if args.iter().any(|a| a.len() > MAX_WORD || a.contains('\0')) {
		return Err(ApiError::invalid(format!(
			"an arg must be at most {MAX_WORD} bytes without NUL"
		)));
	}
	Ok(())
}

fn check_env(env: &BTreeMap<String, String>) -> Result<(), ApiError> {
	if env.len() > MAX_ENV {
		return Err(ApiError::invalid(format!("at most {MAX_ENV} env entries")));
	}
	for (key, value) in env {
		let mut bytes = key.bytes();
		let valid_key = bytes.next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
			&& bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
			&& key.len() <= 128;
		if !valid_key {
			return Err(ApiError::invalid(format!(
				"env name `{key}` is not [A-Za-z_][A-Za-z0-9_]*"
			)));
		}
		if value.len() > MAX_WORD || value.contains('\0') {
			return Err(ApiError::invalid(format!(
				"env {key}: at most {MAX_WORD} bytes without NUL"
			)));
		}
	}
	Ok(())
}

async fn get_job(
	State(state): State<Arc<ApiState>>,
	Path(job_id): Path<String>,
) -> Result<Response, ApiError> {
	match state.agent.store.get(&job_id).map_err(ApiError::internal)? {
		Some(record) => Ok(Json(record.status).into_response()),
		None => {
			Err(ApiError::new(StatusCode::NOT_FOUND, "unknown_job", format!("no job {job_id}")))
		}
	}
}

#[derive(Deserialize)]
struct ListQuery {
	state: Option<String>,
}

async fn list_jobs(
	State(state): State<Arc<ApiState>>,
	query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
	let Query(query) =
		query.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_query", e.body_text()))?;
	let filter = match query.state.as_deref() {
		None => None,
		Some(s) => Some(JobState::parse(s).ok_or_else(|| {
			ApiError::new(
				StatusCode::BAD_REQUEST,
				"unknown_state",
				format!("state `{s}` is not one of queued, running, completed, failed, cancelled"),
			)
		})?),
	};
	let jobs = state.agent.store.list(filter).map_err(ApiError::internal)?;
	Ok(Json(jobs.into_iter().map(|r| r.status).collect::<Vec<_>>()).into_response())
}

async fn cancel_job(
	State(state): State<Arc<ApiState>>,
	Path(job_id): Path<String>,
) -> Result<Response, ApiError> {
	let agent = &state.agent;
	let mut finished = None;
	let record = agent
		.store
		.update(&job_id, |r| {
			if r.status.state.is_final() {
				finished = Some(r.status.state);
				return false;
			}
			if r.stop.is_some() {
				return false;
			}
			r.stop = Some(StopCause::Cancelled);
			if r.launch == Launch::NotLaunched {
				r.status.state = JobState::Cancelled;
				r.status.reason = Some("cancelled".into());
				r.status.finished_at_ms = Some(now_ms());
			}
			true
		})
		.map_err(ApiError::internal)?
		.ok_or_else(|| {
			ApiError::new(StatusCode::NOT_FOUND, "unknown_job", format!("no job {job_id}"))
		})?;
	if let Some(state) = finished {
		if state != JobState::Cancelled {
			return Err(ApiError::new(
				StatusCode::CONFLICT,
				"already_finished",
				format!("job {job_id} already ended {}", state.as_str()),
			));
		}
	}
	agent.wake();
	Ok((StatusCode::ACCEPTED, Json(record.status)).into_response())
}

async fn metrics(State(state): State<Arc<ApiState>>) -> Result<Response, ApiError> {
	let agent = &state.agent;
	let mut counts = BTreeMap::new();
	for record in agent.store.list(None).map_err(ApiError::internal)? {
		*counts.entry((record.status.backend, record.status.state)).or_insert(0u64) += 1;
	}
	let up: BTreeMap<_, _> = agent
		.backends
		.keys()
		.map(|kind| (*kind, matches!(agent.backend_health(*kind), Some(Ok(())))))
		.collect();
	let text = agent.metrics.render(&counts, &up);
	Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::store::tests::record;

	fn config() -> Config {
		let mut config = Config::default();
		config.limits.max_duration_ms = 60_000;
		config.limits.max_memory_mb = 512;
		config.classes.insert(
			"7".into(),
			crate::config::ClassPolicy {
				network: true,
				kinds: vec![WorkloadKind::Command],
				..Default::default()
			},
		);
		config
	}

	fn refused(job: &JobRequest) -> (StatusCode, &'static str) {
		let e = validate(job, &config()).unwrap_err();
		(e.status, e.error)
	}

	#[test]
	fn a_plain_command_goes_to_the_process_backend() {
		assert_eq!(validate(&record("1").request, &config()).unwrap(), BackendKind::Process);
	}

	#[test]
	fn limits_above_the_configured_maximum_are_refused() {
		let mut job = record("1").request;
		job.max_duration_ms = 60_001;
		assert_eq!(refused(&job), (StatusCode::UNPROCESSABLE_ENTITY, "limit_exceeded"));
		let mut job = record("1").request;
		job.resources.memory_mb = Some(513);
		assert_eq!(refused(&job).1, "limit_exceeded");
		let mut job = record("1").request;
		job.resources.gpus = 1;
		assert_eq!(refused(&job).1, "limit_exceeded");
	}

	#[test]
	fn gpus_are_only_offered_through_slurm() {
		let mut config = config();
		config.limits.max_gpus = 2;
		config.backends.slurm = true;
		let mut job = record("1").request;
		job.resources.gpus = 1;
		assert_eq!(validate(&job, &config).unwrap_err().error, "kind_not_accepted");
		job.workload = Workload::Batch { script: "nvidia-smi".into() };
		assert_eq!(validate(&job, &config).unwrap(), BackendKind::Slurm);
	}

	#[test]
	fn ids_units_and_words_are_checked() {
		for id in ["", "abc", "-1", "99999999999999999999999"] {
			let mut job = record("1").request;
			job.job_id = id.into();
			assert_eq!(refused(&job).1, "invalid_job", "job_id {id:?}");
		}
		let mut job = record("1").request;
		job.units = "1e3".into();
		assert_eq!(refused(&job).1, "invalid_job");
		let mut job = record("1").request;
		job.workload =
			Workload::Command { program: "sh".into(), args: vec![], env: Default::default() };
		assert_eq!(refused(&job).1, "invalid_job", "a relative program");
		let mut job = record("1").request;
		job.workload = Workload::Command {
			program: "/bin/sh".into(),
			args: vec![],
			env: [("A=B".to_string(), "x".to_string())].into(),
		};
		assert_eq!(refused(&job).1, "invalid_job", "an env name with =");
	}

	#[test]
	fn disabled_backends_kinds_and_network_are_refused_by_class() {
		let mut job = record("1").request;
		job.workload = Workload::Batch { script: "echo hi".into() };
		assert_eq!(refused(&job).1, "backend_disabled");
		job.class = 7;
		assert_eq!(refused(&job).1, "kind_not_accepted");
		let mut job = record("1").request;
		job.network = true;
		assert_eq!(refused(&job).1, "network_not_allowed");
		job.class = 7;
		assert!(validate(&job, &config()).is_ok());
		let mut job = record("1").request;
		job.workload = Workload::Container {
			image: "--privileged".into(),
			args: vec![],
			env: Default::default(),
		};
		let mut config = config();
		config.backends.container = true;
		assert_eq!(validate(&job, &config).unwrap_err().error, "invalid_job");
	}

	#[test]
	fn token_comparison_needs_the_whole_token() {
		assert!(constant_time_eq(b"abc", b"abc"));
		assert!(!constant_time_eq(b"abc", b"abd"));
		assert!(!constant_time_eq(b"ab", b"abc"));
	}
}
