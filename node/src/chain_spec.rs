//! The chain specs this node knows by name: `dev`, `local` and
//! `production-template`. Any other `--chain` value is read as the path of a
//! chain spec file.

use sc_service::{ChainType, Properties};
use utc_runtime::{TOKEN_DECIMALS, TOKEN_SYMBOL, WASM_BINARY};

/// A chain spec of UTC chain; it carries no extensions.
pub type ChainSpec = sc_service::GenericChainSpec;

/// What polkadot.js and other wallets read to show balances: symbol, decimals and
/// the SS58 prefix.
fn properties() -> Properties {
	let mut properties = Properties::new();
	properties.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
	properties.insert("tokenDecimals".into(), TOKEN_DECIMALS.into());
	properties.insert("ss58Format".into(), 42.into());
	properties
}

fn wasm_binary() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| {
		"the runtime's wasm binary is not available: build without SKIP_WASM_BUILD".to_string()
	})
}

/// `--dev`: one validator (Alice), dev accounts funded, Alice is sudo.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, None)
		.with_name("UTC Development")
		.with_id("utc_dev")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// `--chain local`: two validators (Alice and Bob).
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, None)
		.with_name("UTC Local Testnet")
		.with_id("utc_local_testnet")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_preset_name(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// `--chain production-template`: the start of a real network's spec. It names no
/// validator, governance key or funded account: export it, fill those in, and
/// start every node with the edited file.
pub fn production_template_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, None)
		.with_name("UTC chain")
		.with_id("utc")
		.with_chain_type(ChainType::Live)
		.with_genesis_config_preset_name(
			utc_runtime::genesis_config_presets::PRODUCTION_TEMPLATE_PRESET,
		)
		.with_properties(properties())
		.build())
}
