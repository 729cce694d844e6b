//! What the agent measures of a job: its output's hash and its CPU time.

use blake2::{digest::consts::U32, Blake2b, Digest};
use std::{
	fs,
	io::{self, Read},
	path::{Path, PathBuf},
};

type Blake2b256 = Blake2b<U32>;

/// The result hash of a job: blake2-256 over its stdout and every file it left in
/// its output folder, so a job owner holding the same bytes gets the same hash:
///
/// ```text
/// "utc/output/v1" ‖ le64(len stdout) ‖ stdout
///   ‖ for each entry under the output folder, by relative path (bytewise order):
///       tag ('f' file, 'l' symlink) ‖ le64(len path) ‖ path ‖ le64(len data) ‖ data
/// ```
/// where a symlink's data is its target (links are never followed).
pub fn output_hash(stdout: &Path, out_dir: &Path) -> io::Result<String> {
	let mut hasher = Blake2b256::new();
	hasher.update(b"utc/output/v1");
	match fs::File::open(stdout) {
		Ok(file) => hash_sized(&mut hasher, file)?,
		Err(e) if e.kind() == io::ErrorKind::NotFound => hasher.update(0u64.to_le_bytes()),
		Err(e) => return Err(e),
	}
	let mut entries = Vec::new();
	if out_dir.exists() {
		collect(out_dir, PathBuf::new(), &mut entries)?;
	}
	entries
		.sort_by(|a, b| a.0.as_os_str().as_encoded_bytes().cmp(b.0.as_os_str().as_encoded_bytes()));
	for (relative, is_link) in entries {
		let path = relative.as_os_str().as_encoded_bytes();
		let full = out_dir.join(&relative);
		if is_link {
			hasher.update(b"l");
			hasher.update((path.len() as u64).to_le_bytes());
			hasher.update(path);
			let target = fs::read_link(&full)?;
			let target = target.as_os_str().as_encoded_bytes();
			hasher.update((target.len() as u64).to_le_bytes());
			hasher.update(target);
		} else {
			hasher.update(b"f");
			hasher.update((path.len() as u64).to_le_bytes());
			hasher.update(path);
			hash_sized(&mut hasher, fs::File::open(&full)?)?;
		}
	}
	Ok(format!("0x{}", hex::encode(hasher.finalize())))
}

/// `0x` + blake2-256 of a file's bytes (inputs are checked with it).
pub fn file_hash(path: &Path) -> io::Result<String> {
	let mut hasher = Blake2b256::new();
	let mut file = fs::File::open(path)?;
	let mut buf = vec![0u8; 64 * 1024];
	loop {
		let n = file.read(&mut buf)?;
		if n == 0 {
			break;
		}
		hasher.update(&buf[..n]);
	}
	Ok(format!("0x{}", hex::encode(hasher.finalize())))
}

fn hash_sized(hasher: &mut Blake2b256, mut file: fs::File) -> io::Result<()> {
	let len = file.metadata()?.len();
	hasher.update(len.to_le_bytes());
	let mut buf = vec![0u8; 64 * 1024];
	let mut left = len;
	while left > 0 {
		let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
		let n = file.read(&mut buf[..want])?;
		if n == 0 {
			return Err(io::Error::new(
				io::ErrorKind::UnexpectedEof,
				"output changed while hashed",
			));
		}
		hasher.update(&buf[..n]);
		left -= n as u64;
	}
	Ok(())
}

/// Regular files and symlinks under `dir`, relative to it; other kinds are ignored.
fn collect(dir: &Path, relative: PathBuf, out: &mut Vec<(PathBuf, bool)>) -> io::Result<()> {
	for entry in fs::read_dir(dir.join(&relative))? {
		let entry = entry?;
		let kind = entry.file_type()?;
		let path = relative.join(entry.file_name());
		if kind.is_symlink() {
			out.push((path, true));
		} else if kind.is_dir() {
			collect(dir, path, out)?;
		} else if kind.is_file() {
			out.push((path, false));
		}
	}
	Ok(())
}

/// CPU time of a shell's children from the POSIX `times` builtin's output: its
/// second line is the children's user and system time, as `XmY.ZZZs XmY.ZZZs`.
pub fn parse_times(text: &str) -> Option<u64> {
	let children = text.lines().nth(1)?;
	let mut total = 0u64;
	for field in children.split_whitespace() {
		let (minutes, seconds) = field.strip_suffix('s')?.split_once('m')?;
		let minutes: u64 = minutes.parse().ok()?;
		let seconds: f64 = seconds.parse().ok()?;
		total += minutes * 60_000 + (seconds * 1000.0).round() as u64;
	}
	Some(total)
}

/// The nanoseconds a cgroup v1 `cpuacct.usage` file holds, in milliseconds.
pub fn read_cpuacct_ms(path: &Path) -> Option<u64> {
	let text = fs::read_to_string(path).ok()?;
	text.trim().parse::<u64>().ok().map(|ns| ns / 1_000_000)
}

/// The `usage_usec` of a cgroup v2 `cpu.stat` file, in milliseconds.
pub fn read_cpu_stat_ms(path: &Path) -> Option<u64> {
	fs::read_to_string(path)
		.ok()?
		.lines()
		.find_map(|l| l.strip_prefix("usage_usec ")?.trim().parse::<u64>().ok())
		.map(|us| us / 1000)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn write(path: &Path, data: &[u8]) {
		fs::create_dir_all(path.parent().unwrap()).unwrap();
		fs::write(path, data).unwrap();
	}

	#[test]
	fn the_hash_covers_stdout_and_every_output_file() {
		let dir = tempfile::tempdir().unwrap();
		let (stdout, out) = (dir.path().join("stdout"), dir.path().join("out"));
		write(&stdout, b"hello\n");
		write(&out.join("b.txt"), b"2");
		write(&out.join("a/x.bin"), b"1");
		let first = output_hash(&stdout, &out).unwrap();
		assert_eq!(first.len(), 66);
		assert_eq!(first, output_hash(&stdout, &out).unwrap());

		write(&out.join("b.txt"), b"3");
		let changed_file = output_hash(&stdout, &out).unwrap();
		assert_ne!(first, changed_file);
		write(&out.join("b.txt"), b"2");
		assert_eq!(first, output_hash(&stdout, &out).unwrap());

		write(&stdout, b"hello!\n");
		assert_ne!(first, output_hash(&stdout, &out).unwrap());
		write(&stdout, b"hello\n");
		fs::rename(out.join("b.txt"), out.join("c.txt")).unwrap();
		assert_ne!(first, output_hash(&stdout, &out).unwrap(), "a renamed file changes the hash");
	}

	#[test]
	fn the_same_output_written_in_another_order_hashes_the_same() {
		let dir = tempfile::tempdir().unwrap();
		let (one, two) = (dir.path().join("one"), dir.path().join("two"));
		for name in ["z", "a", "m/n"] {
			write(&one.join("out").join(name), name.as_bytes());
		}
		for name in ["m/n", "z", "a"] {
			write(&two.join("out").join(name), name.as_bytes());
		}
		write(&one.join("stdout"), b"");
		assert_eq!(
			output_hash(&one.join("stdout"), &one.join("out")).unwrap(),
			output_hash(&two.join("stdout"), &two.join("out")).unwrap(),
			"an empty stdout and a missing one hash the same"
		);
	}

	#[test]
	fn symlinks_are_hashed_as_links_and_never_followed() {
		let dir = tempfile::tempdir().unwrap();
		let out = dir.path().join("out");
		fs::create_dir_all(&out).unwrap();
		write(&dir.path().join("secret"), b"s3cr3t");
		std::os::unix::fs::symlink(dir.path().join("secret"), out.join("link")).unwrap();
		let before = output_hash(&dir.path().join("stdout"), &out).unwrap();
		write(&dir.path().join("secret"), b"other");
		assert_eq!(before, output_hash(&dir.path().join("stdout"), &out).unwrap());
	}

	#[test]
	fn the_empty_output_has_a_known_hash() {
		let mut hasher = Blake2b256::new();
		hasher.update(b"utc/output/v1");
		hasher.update(0u64.to_le_bytes());
		let expected = format!("0x{}", hex::encode(hasher.finalize()));
		let dir = tempfile::tempdir().unwrap();
		assert_eq!(
			output_hash(&dir.path().join("none"), &dir.path().join("none")).unwrap(),
			expected
		);
	}

	#[test]
	fn file_hash_is_plain_blake2_256() {
		let dir = tempfile::tempdir().unwrap();
		write(&dir.path().join("f"), b"abc");
		// blake2b-256("abc"), as sp_core::hashing::blake2_256 computes it.
		assert_eq!(
			file_hash(&dir.path().join("f")).unwrap(),
			"0xbddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319"
		);
	}

	#[test]
	fn times_output_gives_the_childrens_cpu_time() {
		assert_eq!(parse_times("0m0.001s 0m0.002s\n0m1.250s 1m0.500s\n"), Some(61_750));
		assert_eq!(parse_times("0m0.001s 0m0.002s\n"), None);
		assert_eq!(parse_times("garbage\nnot times\n"), None);
	}
}
