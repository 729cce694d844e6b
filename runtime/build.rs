fn main() {
	#[cfg(feature = "std")]
	{
		// The build cache lives outside the checkout, so the wasm builder cannot
		// find this workspace's Cargo.lock by walking up from it: point it there,
		// so the runtime blob uses the locked versions.
		let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
		std::env::set_var("WASM_BUILD_WORKSPACE_HINT", workspace);
		substrate_wasm_builder::WasmBuilder::build_using_defaults();
	}
}
