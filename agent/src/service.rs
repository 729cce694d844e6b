//! Starting the agent: its folders, token, store and backends.

use crate::{
	api::{self, ApiState},
	backend::{container::ContainerBackend, process::ProcessBackend, slurm::SlurmBackend, Backend},
	config::Config,
	job::BackendKind,
	store::Store,
	supervisor::{self, Agent},
};
use std::{
	collections::BTreeMap,
	io::Write,
	os::unix::fs::{OpenOptionsExt, PermissionsExt},
	path::Path,
	sync::Arc,
};

fn set_mode(path: &Path, mode: u32) -> Result<(), String> {
	crate::backend::set_mode(path, mode).map_err(|e| format!("chmod {}: {e}", path.display()))
}

fn random_hex(bytes: usize) -> Result<String, String> {
	let mut buf = vec![0u8; bytes];
	getrandom::getrandom(&mut buf).map_err(|e| format!("no randomness: {e}"))?;
	Ok(hex::encode(buf))
}

/// Reads the bearer token, or creates it (32 random bytes, hex, mode 0600) on first start.
/// A token file others may read is refused.
pub fn load_or_create_token(path: &Path) -> Result<String, String> {
	match std::fs::metadata(path) {
		Ok(meta) => {
			if meta.permissions().mode() & 0o077 != 0 {
				return Err(format!(
					"token file {} is readable by others (mode {:o}): `chmod 600` it",
					path.display(),
					meta.permissions().mode() & 0o777
				));
			}
			let token =
				std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
			let token = token.trim().to_string();
			if token.len() < 16 {
				return Err(format!(
					"token file {} holds fewer than 16 characters",
					path.display()
				));
			}
			Ok(token)
		}
		Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
			if let Some(parent) = path.parent() {
				std::fs::create_dir_all(parent)
					.map_err(|e| format!("{}: {e}", parent.display()))?;
			}
			let token = random_hex(32)?;
			let mut file = std::fs::OpenOptions::new()
				.write(true)
				.create_new(true)
				.mode(0o600)
				.open(path)
				.map_err(|e| format!("cannot create token file {}: {e}", path.display()))?;
			writeln!(file, "{token}").map_err(|e| e.to_string())?;
			file.sync_all().map_err(|e| e.to_string())?;
			tracing::info!(path = %path.display(), "generated a new bearer token");
			Ok(token)
		}
		Err(e) => Err(format!("{}: {e}", path.display())),
	}
}

/// The agent's instance name: random once, kept in the state dir; engines' job names
/// carry it so two agents (or two state dirs) never take each other's jobs.
fn instance(state_dir: &Path) -> Result<String, String> {
	let path = state_dir.join("instance");
	match std::fs::read_to_string(&path) {
		Ok(id) => Ok(id.trim().to_string()),
		Err(_) => {
			let id = random_hex(4)?;
			std::fs::write(&path, &id).map_err(|e| format!("{}: {e}", path.display()))?;
			Ok(id)
		}
	}
}

/// Everything the agent needs before it serves: built from a checked configuration.
pub fn build(config: Config) -> Result<(Arc<Agent>, String), String> {
	config.check()?;
	let state_dir = &config.state_dir;
	std::fs::create_dir_all(state_dir)
		.map_err(|e| format!("state dir {}: {e}", state_dir.display()))?;
	// Others may pass through (a Slurm job's user reaches its own folder) but not list.
	set_mode(state_dir, 0o711)?;
	let work_dir = state_dir.join("work");
	std::fs::create_dir_all(&work_dir).map_err(|e| format!("{}: {e}", work_dir.display()))?;
	set_mode(&work_dir, 0o711)?;
	let token = load_or_create_token(&config.token_path())?;
	let instance = instance(state_dir)?;
	let db = state_dir.join("jobs.redb");
	let store = Store::open(&db).map_err(|e| e.to_string())?;
	set_mode(&db, 0o600)?;

	let mut backends: BTreeMap<BackendKind, Arc<dyn Backend>> = BTreeMap::new();
	if config.backends.process {
		let backend =
			ProcessBackend::new(&config, &instance).map_err(|e| format!("process backend: {e}"))?;
		backends.insert(BackendKind::Process, Arc::new(backend));
	}
	if config.backends.container {
		backends
			.insert(BackendKind::Container, Arc::new(ContainerBackend::new(&config, &instance)));
	}
	if config.backends.slurm {
		let backend = SlurmBackend::new(&config, &instance, &work_dir)
			.map_err(|e| format!("slurm backend: {e}"))?;
		backends.insert(BackendKind::Slurm, Arc::new(backend));
	}
	let agent = Agent::new(config, store, backends, work_dir).map_err(|e| e.to_string())?;
	Ok((Arc::new(agent), token))
}

/// Serves the Agent API and runs the supervisor until SIGINT or SIGTERM. Jobs keep
/// running meanwhile; a restarted agent picks them up.
pub async fn serve(agent: Arc<Agent>, token: String) -> Result<(), String> {
	let listen = agent.config.listen;
	let listener = tokio::net::TcpListener::bind(listen)
		.await
		.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
	let local = listener.local_addr().map_err(|e| e.to_string())?;
	tokio::spawn(supervisor::run(agent.clone()));
	let app = api::router(Arc::new(ApiState { agent, token }));
	tracing::info!(address = %local, "serving the Agent API");
	println!("utc-agent listening on http://{local}");
	axum::serve(listener, app)
		.with_graceful_shutdown(async {
			let mut term =
				match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
					Ok(term) => term,
					Err(_) => return std::future::pending().await,
				};
			tokio::select! {
				_ = term.recv() => {},
				_ = tokio::signal::ctrl_c() => {},
			}
			tracing::info!("stopping; running jobs go on and are picked up at the next start");
		})
		.await
		.map_err(|e| e.to_string())
}
