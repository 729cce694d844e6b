#!/usr/bin/env bash
# Fails when a pallet's weights.rs was generated from other code than the
# pallet's now (the hash `scripts/weights-hash.sh` prints, recorded in the
# weights file's header by `scripts/bench-weights.sh`).
set -euo pipefail
cd "$(dirname "$0")/.."
stale=0
for weights in pallets/*/src/weights.rs; do
	pallet="$(basename "$(dirname "$(dirname "$weights")")")"
	want="$(scripts/weights-hash.sh "$pallet")"
	have="$(sed -nE 's#^//! BENCHMARKED SOURCES: `([0-9a-f]+)`.*#\1#p' "$weights")"
	if [ "$have" != "$want" ]; then
		echo "pallets/$pallet: weights.rs was measured on other code (${have:-no hash}, now $want): run scripts/bench-weights.sh $pallet" >&2
		stale=1
	fi
done
[ "$stale" = 0 ] && echo "every pallet's weights were measured on its current code"
exit "$stale"
