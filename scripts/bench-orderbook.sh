#!/usr/bin/env bash
# Benchmarks pallet_orderbook and pallet_assets::transfer_keep_alive in one run on
# this machine, for the debug and the optimized runtime, and prints the order
# book's cost as ratios against the transfer (each line prefixed [debug] or
# [release]):
#   ratio place_order_rest/assets_transfer=<x>   (a resting order vs a transfer)
#   ratio per_fill/assets_transfer=<x>           (each fill of a bid vs a transfer)
#   ratio per_fill_bids/assets_transfer=<x>      (each fill of an ask)
#   orders_per_block=<n>                         (75% of 2 s over a resting order)
#   *_per_block_with_base=<n>                    (each also paying the extrinsic base)
# A resting order here joins an existing level and does not expire; opening a
# level and joining an expiry queue are printed as extras.
# Weights include database reads and writes at the runtime's ParityDB costs.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
# Both builds: the optimized one is what the runtime's weights come from; the
# debug one is what a developer's machine runs by default.
for BENCH_PROFILE in debug release; do
	bench_init "$@"
	bench_run pallet_assets transfer_keep_alive
	bench_run pallet_orderbook '*'
	echo "== $BENCH_PROFILE runtime"
	cat "$out"/*.txt
	python3 - "$out" "$BENCH_PROFILE" <<'PY'
import sys
sys.path.insert(0, "scripts")
from bench_rows import BLOCK, EXTRINSIC_BASE, NORMAL, rows
found = rows(sys.argv[1])
profile = sys.argv[2]
transfer = found["transfer_keep_alive"]["base"]
rest = found["place_order_rest"]["base"]
per_fill = found["place_order_fill"]["slope"].get("f", 0)
per_fill_bids = found["place_order_fill_bids"]["slope"].get("f", 0)
print(f"[{profile}] assets_transfer_ps={transfer} place_order_rest_ps={rest} per_fill_ps={per_fill}")
print(f"[{profile}] ratio place_order_rest/assets_transfer={rest / transfer:.2f}")
print(f"[{profile}] ratio per_fill/assets_transfer={per_fill / transfer:.2f}")
print(f"[{profile}] ratio per_fill_bids/assets_transfer={per_fill_bids / transfer:.2f}")
extras = found["place_order_rest"]["slope"]
print(f"[{profile}] rest_new_level_extra_ps={extras.get('l', 0)} rest_expiry_extra_ps={extras.get('e', 0)}")
print(f"[{profile}] orders_per_block={int(BLOCK * NORMAL // rest)}")
for name, w in (("orders", rest), ("transfers", transfer)):
    print(f"[{profile}] {name}_per_block_with_base={int(BLOCK * NORMAL // (w + EXTRINSIC_BASE))}")
PY
done
