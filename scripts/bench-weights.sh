#!/usr/bin/env bash
# Regenerates the pallets' weights.rs from their benchmarks on an optimized
# build (`utc-node` built with --release --features runtime-benchmarks),
# recording in each the hash of the code measured (checked by
# scripts/check-weights.sh in the tests).
#   scripts/bench-weights.sh [pallet folder ...]     (default: every pallet)
#   STEPS=50 REPEAT=20 (the defaults) set the benchmark's resolution.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
steps="${STEPS:-50}"
repeat="${REPEAT:-20}"
pallets=("$@")
if [ ${#pallets[@]} -eq 0 ]; then
	for manifest in pallets/*/Cargo.toml; do pallets+=("$(basename "$(dirname "$manifest")")"); done
fi
for pallet in "${pallets[@]}"; do
	[ -f "pallets/$pallet/Cargo.toml" ] || { echo "no pallet at pallets/$pallet" >&2; exit 2; }
done
cargo build --release -p utc-node --features runtime-benchmarks
node="$CARGO_TARGET_DIR/release/utc-node"
for pallet in "${pallets[@]}"; do
	out="pallets/$pallet/src/weights.rs"
	"$node" benchmark pallet \
		--chain dev \
		--pallet "pallet_${pallet//-/_}" \
		--extrinsic '*' \
		--steps "$steps" \
		--repeat "$repeat" \
		--heap-pages 4096 \
		--template scripts/frame-weight-template.hbs \
		--output "$out"
	hash="$(scripts/weights-hash.sh "$pallet")"
	sed -i "0,/^\/\/! HOSTNAME/s##//! BENCHMARKED SOURCES: \`$hash\` (scripts/weights-hash.sh $pallet)\n&#" "$out"
done
