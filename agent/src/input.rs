//! A job's input: fetched over HTTP(S) before the job starts, checked against the
//! blake2-256 hash the job names, and given to the workload read-only.
//!
//! A job owner names the URL, so by default the agent refuses addresses inside the
//! provider's own networks (loopback, private, link-local: the node's RPC, a cloud
//! metadata service); the check is made on the addresses the connection uses.

use crate::{job::InputRef, metering};
use std::{
	io::Read,
	net::{IpAddr, SocketAddr, ToSocketAddrs},
	path::Path,
	time::Duration,
};

/// Whether an address is one of the host's own networks rather than the internet.
pub fn is_internal(ip: IpAddr) -> bool {
	match ip {
		IpAddr::V4(v4) => {
			let [a, b, ..] = v4.octets();
			v4.is_loopback()
				|| v4.is_private()
				|| v4.is_link_local()
				|| v4.is_unspecified()
				|| v4.is_broadcast()
				|| v4.is_multicast()
				|| (a == 100 && (64..128).contains(&b))
		}
		IpAddr::V6(v6) => {
			if let Some(v4) = v6.to_ipv4_mapped() {
				return is_internal(IpAddr::V4(v4));
			}
			let first = v6.segments()[0];
			v6.is_loopback()
				|| v6.is_unspecified()
				|| v6.is_multicast()
				|| (first & 0xfe00) == 0xfc00
				|| (first & 0xffc0) == 0xfe80
		}
	}
}

/// Downloads `input` to `dest` (at most `max_bytes`) and checks its hash.
pub fn fetch(
	input: &InputRef,
	dest: &Path,
	max_bytes: u64,
	allow_internal: bool,
) -> Result<(), String> {
	let agent = ureq::AgentBuilder::new()
		.timeout_connect(Duration::from_secs(10))
		.timeout(Duration::from_secs(600))
		.redirects(5)
		.resolver(move |netloc: &str| -> std::io::Result<Vec<SocketAddr>> {
			let addrs: Vec<SocketAddr> = netloc.to_socket_addrs()?.collect();
			let allowed: Vec<SocketAddr> =
				addrs.iter().copied().filter(|a| allow_internal || !is_internal(a.ip())).collect();
			if allowed.is_empty() && !addrs.is_empty() {
				return Err(std::io::Error::new(
					std::io::ErrorKind::PermissionDenied,
					format!("{netloc} is inside the provider's own network"),
				));
			}
			Ok(allowed)
		})
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

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_hosts_own_networks_are_internal() {
		for ip in [
			"127.0.0.1",
			"10.1.2.3",
			"172.16.0.1",
			"192.168.1.1",
			"169.254.169.254",
			"0.0.0.0",
			"100.64.0.1",
			"::1",
			"fd00::1",
			"fe80::1",
			"::ffff:127.0.0.1",
		] {
			assert!(is_internal(ip.parse().unwrap()), "{ip}");
		}
		for ip in ["8.8.8.8", "192.0.2.2", "2001:db8::1", "100.128.0.1"] {
			assert!(!is_internal(ip.parse().unwrap()), "{ip}");
		}
	}

	#[test]
	fn an_input_on_loopback_is_refused_unless_allowed() {
		let dir = tempfile::tempdir().unwrap();
		let input = InputRef {
			url: "http://127.0.0.1:9/data".into(),
			hash: format!("0x{}", "00".repeat(32)),
		};
		let e = fetch(&input, &dir.path().join("in"), 1024, false).unwrap_err();
		assert!(e.contains("inside the provider's own network"), "{e}");
		let e = fetch(&input, &dir.path().join("in"), 1024, true).unwrap_err();
		assert!(!e.contains("inside the provider's own network"), "{e}");
	}
}
