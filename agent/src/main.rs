use clap::{Parser, Subcommand};
use std::{path::PathBuf, process::ExitCode};
use utc_agent::{config::Config, job::JobStatus};

/// The provider's agent of UTC chain: runs redeemed jobs in a bubblewrap sandbox, a
/// podman container or a Slurm cluster, and reports them over the Agent API.
#[derive(Parser)]
#[command(name = "utc-agent", version)]
struct Cli {
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Serve the Agent API and run jobs.
	Run(RunArgs),
	/// Print the agent's jobs as a table.
	Status(StatusArgs),
	/// The sandbox supervisor of one job (started by the agent itself).
	#[command(hide = true)]
	Sandbox { job_dir: PathBuf },
}

#[derive(clap::Args)]
struct RunArgs {
	/// A TOML configuration file; flags override it.
	#[arg(long)]
	config: Option<PathBuf>,
	/// Address to serve on (default 127.0.0.1:8730).
	#[arg(long)]
	listen: Option<std::net::SocketAddr>,
	/// Folder of the job store, token and job folders (default /var/lib/utc-agent).
	#[arg(long)]
	state_dir: Option<PathBuf>,
	/// The bearer token's file (default <state-dir>/token).
	#[arg(long)]
	token_file: Option<PathBuf>,
	/// The backends to enable, comma separated: process, container, slurm.
	#[arg(long, value_delimiter = ',')]
	backends: Option<Vec<String>>,
	/// Log as JSON lines instead of text.
	#[arg(long)]
	json_logs: bool,
}

#[derive(clap::Args)]
struct StatusArgs {
	/// The agent's configuration (for its address and token file).
	#[arg(long)]
	config: Option<PathBuf>,
	/// The agent's address, e.g. http://127.0.0.1:8730.
	#[arg(long)]
	url: Option<String>,
	#[arg(long)]
	token_file: Option<PathBuf>,
	/// Only jobs in this state.
	#[arg(long)]
	state: Option<String>,
}

fn main() -> ExitCode {
	let cli = Cli::parse();
	let result = match cli.command {
		Command::Sandbox { job_dir } => {
			return ExitCode::from(utc_agent::backend::process::run_sandbox(&job_dir) as u8)
		}
		Command::Run(args) => run(args),
		Command::Status(args) => status(args),
	};
	match result {
		Ok(()) => ExitCode::SUCCESS,
		Err(e) => {
			eprintln!("utc-agent: {e}");
			ExitCode::FAILURE
		}
	}
}

fn load_config(path: Option<&PathBuf>) -> Result<Config, String> {
	match path {
		Some(path) => Config::from_file(path),
		None => Ok(Config::default()),
	}
}

fn run(args: RunArgs) -> Result<(), String> {
	let filter = tracing_subscriber::EnvFilter::try_from_default_env()
		.unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
	let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
	if args.json_logs {
		logs.json().init();
	} else {
		logs.init();
	}
	let mut config = load_config(args.config.as_ref())?;
	if let Some(listen) = args.listen {
		config.listen = listen;
	}
	if let Some(dir) = args.state_dir {
		config.state_dir = dir;
	}
	if let Some(file) = args.token_file {
		config.token_file = Some(file);
	}
	if let Some(backends) = args.backends {
		config.backends.process = false;
		config.backends.container = false;
		config.backends.slurm = false;
		for backend in backends {
			match backend.trim() {
				"process" => config.backends.process = true,
				"container" => config.backends.container = true,
				"slurm" => config.backends.slurm = true,
				"" => {}
				other => {
					return Err(format!(
						"--backends: unknown backend `{other}` (process, container, slurm)"
					))
				}
			}
		}
	}
	let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
	runtime.block_on(async {
		let (agent, token) = utc_agent::service::build(config)?;
		utc_agent::service::serve(agent, token).await
	})
}

fn status(args: StatusArgs) -> Result<(), String> {
	let config = load_config(args.config.as_ref())?;
	let url = args.url.unwrap_or_else(|| format!("http://{}", config.listen));
	let token_file = args.token_file.unwrap_or_else(|| config.token_path());
	let token = std::fs::read_to_string(&token_file)
		.map_err(|e| format!("cannot read the token {}: {e}", token_file.display()))?;
	let mut request = ureq::get(&format!("{}/v1/jobs", url.trim_end_matches('/')))
		.set("Authorization", &format!("Bearer {}", token.trim()));
	if let Some(state) = &args.state {
		request = request.query("state", state);
	}
	let jobs: Vec<JobStatus> = match request.call() {
		Ok(response) => {
			serde_json::from_reader(response.into_reader()).map_err(|e| e.to_string())?
		}
		Err(ureq::Error::Status(code, response)) => {
			return Err(format!(
				"the agent answered {code}: {}",
				response.into_string().unwrap_or_default()
			))
		}
		Err(e) => return Err(format!("cannot reach the agent at {url}: {e}")),
	};
	println!(
		"{:<20} {:<10} {:<10} {:>6} {:>10} {:>10}  REASON",
		"JOB", "STATE", "BACKEND", "EXIT", "WALL_MS", "CPU_MS"
	);
	for job in &jobs {
		println!(
			"{:<20} {:<10} {:<10} {:>6} {:>10} {:>10}  {}",
			job.job_id,
			job.state.as_str(),
			job.backend.as_str(),
			job.exit_code.map(|c| c.to_string()).unwrap_or_else(|| "-".into()),
			job.usage.wall_ms,
			job.usage.cpu_ms,
			job.reason.as_deref().unwrap_or("")
		);
	}
	println!("{} jobs", jobs.len());
	Ok(())
}
