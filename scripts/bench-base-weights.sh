#!/usr/bin/env bash
# Measures the runtime's base weights on an optimized node and writes them into
# runtime/src/weights/: `benchmark overhead` (the cost of an empty block and of
# one extrinsic, a `system.remark`, beyond its call) and `benchmark storage`
# (ParityDB's cost of a read and of a write, on a dev chain's database).
#   scripts/bench-base-weights.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
cargo build --release -p utc-node --features runtime-benchmarks
node="$CARGO_TARGET_DIR/release/utc-node"
out=runtime/src/weights
base="$(mktemp -d /tmp/utc-base-weights.XXXXXX)"
trap 'rm -rf "$base"' EXIT

"$node" benchmark overhead --chain dev --base-path "$base/overhead" \
	--weight-path "$out" --header scripts/weights-header.txt --warmup 10 --repeat 100

# A dev chain's database after a minute of blocks, then its reads and writes:
# each write committed alone (its few keys would never fill a default batch),
# and the 95th percentile taken (the average of so few keys is the runtime
# code's own 5 MB read). A production chain re-runs this on a copy of its
# database.
"$node" --dev --base-path "$base/chain" --no-prometheus --no-telemetry --rpc-port 0 --port 0 \
	>"$base/node.log" 2>&1 &
pid=$!
sleep 60
kill "$pid"
wait "$pid" || true
"$node" benchmark storage --chain dev --base-path "$base/chain" --database paritydb \
	--state-version 1 --batch-size 1 --metric p95 \
	--weight-path "$out" --header scripts/weights-header.txt
