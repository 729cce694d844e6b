//! A job's input: fetched over HTTP(S) before the job starts, checked against the
//! blake2-256 hash the job names, and given to the workload read-only.

use crate::{job::InputRef, metering};
use std::{io::Read, path::Path, time::Duration};

/// Downloads `input` to `dest` (at most `max_bytes`) and checks its hash.
pub fn fetch(input: &InputRef, dest: &Path, max_bytes: u64) -> Result<(), String> {
	let agent = ureq::AgentBuilder::new()
		.timeout_connect(Duration::from_secs(10))
		.timeout(Duration::from_secs(600))
		.redirects(5)
		.build();
	let response =
		agent.get(&input.url).call().map_err(|e| format!("fetching {}: {e}", input.url))?;
	let mut file = std::fs::File::create(dest).map_err(|e| e.to_string())?;
	let copied = std::io::copy(&mut response.into_reader().take(max_bytes + 1), &mut file)
		.map_err(|e| format!("fetching {}: {e}", input.url))?;
	if copied > max_bytes {
		return Err(format!("larger than the {max_bytes} bytes allowed"));
	}
	file.sync_all().map_err(|e| e.to_string())?;
	let hash = metering::file_hash(dest).map_err(|e| e.to_string())?;
	if !hash.eq_ignore_ascii_case(&input.hash) {
		return Err(format!(
			"hash mismatch: the content hashes to {hash}, the job names {}",
			input.hash
		));
	}
	Ok(())
}
