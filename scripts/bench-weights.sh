#!/usr/bin/env bash
# Regenerates a pallet's weights.rs from its benchmarks: builds utc-node with the
# runtime-benchmarks feature (a separate, larger build) and runs
# `utc-node benchmark pallet` on the dev chain.
#   scripts/bench-weights.sh compute [steps] [repeat] [extra benchmark flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
pallet="${1:?usage: scripts/bench-weights.sh <pallet folder> [steps] [repeat]}"
steps="${2:-10}"
repeat="${3:-5}"
shift $(( $# < 3 ? $# : 3 ))
[ -f "pallets/$pallet/Cargo.toml" ] || { echo "no pallet at pallets/$pallet" >&2; exit 2; }
cargo build -p utc-node --features runtime-benchmarks
"$CARGO_TARGET_DIR/debug/utc-node" benchmark pallet \
	--chain dev \
	--pallet "pallet_$pallet" \
	--extrinsic '*' \
	--steps "$steps" \
	--repeat "$repeat" \
	--heap-pages 4096 \
	--template scripts/frame-weight-template.hbs \
	--output "pallets/$pallet/src/weights.rs" \
	"$@"
