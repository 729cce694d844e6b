#!/usr/bin/env bash
# Sets up and runs every test of UTC chain: the runtime's and node's Rust tests,
# the routing function's tests and benchmark, each pallet's unit and benchmark tests, utc-agent's tests and load test against
# real engines, and the end-to-end tests against a real utc-node.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh

step() { printf '\n== %s (%s)\n' "$1" "$(date +%T)"; }

step "weights measured on the pallets' current code"
scripts/check-weights.sh

# Builds utc-node too (its integration tests run the binary); the end-to-end
# tests below use that binary.
step "cargo test: runtime, node, primitives, routing"
cargo test -p utc-runtime -p utc-node -p utc-primitives -p utc-routing

# The routing function against an exact min-cost-flow optimum, and its speed on
# a large instance (the full run: `cargo run --release -p utc-routing --bin utc-routing-bench`).
step "routing benchmark (quick)"
cargo run --release -q -p utc-routing --bin utc-routing-bench -- --quick

pallets=()
for manifest in pallets/*/Cargo.toml; do
	[ -e "$manifest" ] && pallets+=("$(basename "$(dirname "$manifest")")")
done
if [ ${#pallets[@]} -gt 0 ]; then
	step "cargo test: pallets with their benchmarks (${pallets[*]})"
	args=(); features=()
	for p in "${pallets[@]}"; do
		args+=(-p "pallet-$p"); features+=("pallet-$p/runtime-benchmarks")
	done
	SKIP_WASM_BUILD=1 cargo test "${args[@]}" --features "$(IFS=,; echo "${features[*]}")"
fi

# The runtime fuzzer: a fixed seed, 100,000 calls through frame_executive with
# every pallet's try_state after each block (the runtime built with try-runtime).
# A long run: `cargo run --release -p utc-fuzz -- --seed <n> --calls <n>`.
step "runtime fuzzer (fixed seed, 100,000 calls, runtime built with try-runtime)"
SKIP_WASM_BUILD=1 cargo test --release -p utc-fuzz -- --nocapture

# The agent's tests run against the real engines, which this script starts and stops.
step "job engines up (podman image, Slurm cluster)"
trap 'scripts/engines.sh down' EXIT
eval "$(scripts/engines.sh up)"

step "cargo test: utc-agent (store, API, and the process, container and Slurm backends)"
cargo test -p utc-agent

step "load test of utc-agent (short jobs per backend over HTTP)"
scripts/load-agent.sh

step "end-to-end tests (node --test)"
(cd zombienet && node --test --test-concurrency=1 e2e/)

# Both follow a dev node's six-second blocks, which leaves the CPU mostly idle:
# they run side by side.
step "web dashboard (headless Chromium) and metrics exporter, each against utc-node --dev"
. scripts/side-by-side.sh
spawn "web dashboard (type check, build, the page in headless Chromium)" sh -c 'cd dashboard && npm test'
spawn "metrics exporter (against the chain; the Grafana dashboard's queries)" sh -c 'cd ops/exporter && npm test'
collect

step "network tests (zombienet: validators finalize, join and leave; a compute unit's life; resilience; provider faults; overload)"
scripts/network.sh
