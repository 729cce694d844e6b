//! The `utc-node` command line, run as a user runs it.

use std::process::Command;

fn utc_node() -> Command {
	Command::new(env!("CARGO_BIN_EXE_utc-node"))
}

#[test]
fn a_wrong_chain_path_is_a_clear_error_and_a_failure() {
	let output = utc_node()
		.args(["--chain", "/no/such/spec.json", "--tmp"])
		.output()
		.expect("utc-node runs");
	assert!(!output.status.success());
	let stderr = String::from_utf8_lossy(&output.stderr);
	assert!(
		stderr.contains("unknown chain `/no/such/spec.json`"),
		"unexpected error output: {stderr}"
	);
}

#[test]
fn a_malformed_chain_spec_file_is_a_clear_error() {
	let dir = std::env::temp_dir().join(format!("utc-node-cli-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	let spec = dir.join("broken.json");
	std::fs::write(&spec, b"{ this is not json").unwrap();
	let output = utc_node()
		.args(["--chain", spec.to_str().unwrap(), "--tmp"])
		.output()
		.expect("utc-node runs");
	std::fs::remove_dir_all(&dir).ok();
	assert!(!output.status.success());
	let stderr = String::from_utf8_lossy(&output.stderr);
	assert!(stderr.contains("broken.json"), "unexpected error output: {stderr}");
}

#[test]
fn export_chain_spec_carries_the_token_properties() {
	let output =
		utc_node().args(["export-chain-spec", "--chain", "dev"]).output().expect("utc-node runs");
	assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
	let spec: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON spec");
	assert_eq!(spec["id"], "utc_dev");
	assert_eq!(spec["properties"]["tokenSymbol"], "UNIT");
	assert_eq!(spec["properties"]["tokenDecimals"], 12);
	assert!(spec["genesis"]["runtimeGenesis"]["patch"]["sudo"]["key"].is_string());
}
