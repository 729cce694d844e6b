//! The node's command line: `utc-node [run options]` or `utc-node <subcommand>`.

/// The UTC chain node.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	#[clap(flatten)]
	pub run: sc_cli::RunCmd,

	#[clap(flatten)]
	pub agent: AgentParams,
}

/// Where a provider node's offchain worker finds the provider's agent.
#[derive(Debug, Clone, clap::Args)]
pub struct AgentParams {
	/// The agent's base URL (for example `http://127.0.0.1:8730`). Stored in the
	/// node's persistent offchain storage, where the provider's offchain worker
	/// reads it; without the flag, what is stored stays.
	#[arg(long, value_name = "URL")]
	pub agent_url: Option<String>,

	/// A file holding the agent's bearer token (the agent's `token` file); stored
	/// next to the URL.
	#[arg(long, value_name = "PATH", requires = "agent_url")]
	pub agent_token_file: Option<std::path::PathBuf>,
}

impl AgentParams {
	/// The URL and token to store, checked: an `http(s)://` URL and a readable,
	/// non-empty token file.
	pub fn load(&self) -> Result<Option<(String, Vec<u8>)>, String> {
		let Some(url) = &self.agent_url else { return Ok(None) };
		if !(url.starts_with("http://") || url.starts_with("https://")) {
			return Err(format!("--agent-url {url}: expected an http:// or https:// URL"));
		}
		let token = match &self.agent_token_file {
			Some(path) => {
				let token = std::fs::read(path)
					.map_err(|e| format!("--agent-token-file {}: {e}", path.display()))?;
				let token = String::from_utf8_lossy(&token).trim().as_bytes().to_vec();
				if token.is_empty() {
					return Err(format!(
						"--agent-token-file {}: the file is empty",
						path.display()
					));
				}
				token
			}
			None => Vec::new(),
		};
		Ok(Some((url.trim_end_matches('/').to_string(), token)))
	}
}

#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management: generate, inspect and insert keys.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (deprecated: use `export-chain-spec`).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export a chain specification to stdout or a file.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Benchmark the runtime's pallets, blocks or this machine.
	#[cfg(feature = "runtime-benchmarks")]
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),

	/// Database metadata.
	ChainInfo(sc_cli::ChainInfoCmd),

	/// Build and sign an attestation of a provider's capacity (for attestors).
	Attest(crate::attest::AttestCmd),
}
