//! `utc-node`: the UTC chain node.

// `sc_cli::Error` and `sc_service::Error`, which the subcommands must return, are large.
#![allow(clippy::result_large_err)]

mod attest;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod chain_spec;
mod cli;
mod command;
mod pool;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
