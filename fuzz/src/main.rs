//! `utc-fuzz [--seed N] [--calls N] [--calls-per-block N] [--trace]`: runs the
//! runtime fuzzer and prints what it did, or the first broken invariant with
//! the seed and calls that reproduce it (exit status 1).

use std::process::ExitCode;

fn number(value: Option<String>, flag: &str) -> Result<u64, String> {
	let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
	let parsed = match value.strip_prefix("0x") {
		Some(hex) => u64::from_str_radix(hex, 16),
		None => value.parse(),
	};
	parsed.map_err(|e| format!("{flag} {value}: {e}"))
}

fn config() -> Result<utc_fuzz::Config, String> {
	let mut config = utc_fuzz::Config::default();
	let mut args = std::env::args().skip(1);
	while let Some(arg) = args.next() {
		match arg.as_str() {
			"--seed" => config.seed = number(args.next(), "--seed")?,
			"--calls" => config.calls = number(args.next(), "--calls")?,
			"--calls-per-block" => {
				config.calls_per_block = u32::try_from(number(args.next(), "--calls-per-block")?)
					.ok()
					.filter(|n| *n > 0)
					.ok_or("--calls-per-block must be between 1 and 2^32")?
			}
			"--trace" => config.trace = true,
			other => return Err(format!("unknown argument {other}")),
		}
	}
	Ok(config)
}

fn main() -> ExitCode {
	let config = match config() {
		Ok(config) => config,
		Err(e) => {
			eprintln!("utc-fuzz: {e}\nusage: utc-fuzz [--seed N] [--calls N] [--calls-per-block N] [--trace]");
			return ExitCode::from(2);
		}
	};
	let started = std::time::Instant::now();
	match utc_fuzz::run(&config) {
		Ok(report) => {
			print!("{report}");
			println!(
				"seed {:#x}: no invariant broken ({:.1} s)",
				config.seed,
				started.elapsed().as_secs_f64()
			);
			ExitCode::SUCCESS
		}
		Err(failure) => {
			eprint!("{failure}");
			ExitCode::FAILURE
		}
	}
}
