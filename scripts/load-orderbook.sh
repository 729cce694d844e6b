#!/usr/bin/env bash
# Load test of the order book against a real node: builds an optimized utc-node
# (the build the benchmarks use, so one build serves both),
# starts it as a dev chain on loopback (its own temporary database), and runs
# zombienet/load/orderbook.mjs against it: native transfers, resting orders and a
# crossing mix offered at one rate, each read back from the blocks. Prints
# included per second, the ratio of orders to transfers, latency and fullness.
#   scripts/load-orderbook.sh [--rate 800] [--seconds 20] [--senders 200]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
cargo build --release -p utc-node --features runtime-benchmarks --quiet
node_bin="$CARGO_TARGET_DIR/release/utc-node"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp /tmp/utc-load-node.XXXXXX)
"$node_bin" --dev --tmp --rpc-port "$port" --no-prometheus --no-telemetry --no-mdns \
	--pool-limit 20000 >"$log" 2>&1 &
node_pid=$!
trap 'kill $node_pid 2>/dev/null; wait $node_pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 1 600); do grep -q "Running JSON-RPC server" "$log" && break; sleep 0.1; done
grep -q "Running JSON-RPC server" "$log" || { tail -n 30 "$log" >&2; echo "load: utc-node did not start" >&2; exit 1; }
(cd zombienet && node load/orderbook.mjs --url "ws://127.0.0.1:$port" "$@")
