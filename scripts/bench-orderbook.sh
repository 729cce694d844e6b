#!/usr/bin/env bash
# Benchmarks pallet_orderbook and pallet_assets::transfer_keep_alive in one run on
# this machine and prints the order book's cost as ratios against the transfer:
#   ratio place_order_rest/assets_transfer=<x>   (a resting order vs a transfer)
#   ratio per_fill/assets_transfer=<x>           (each fill vs a transfer)
#   orders_per_block=<n>                         (75% of 2 s over a resting order)
# Weights include database reads and writes at ParityDB's cost.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
bench_init "$@"
bench_run pallet_assets transfer_keep_alive
bench_run pallet_orderbook '*'
cat "$out"/*.txt
python3 - "$out" <<'PY'
import sys
sys.path.insert(0, "scripts")
from bench_rows import BLOCK, NORMAL, rows
found = rows(sys.argv[1])
transfer = found["transfer_keep_alive"]["base"]
rest = found["place_order_rest"]["base"]
per_fill = found["place_order_fill"]["slope"].get("f", 0)
print(f"assets_transfer_ps={transfer} place_order_rest_ps={rest} per_fill_ps={per_fill}")
print(f"ratio place_order_rest/assets_transfer={rest / transfer:.2f}")
print(f"ratio per_fill/assets_transfer={per_fill / transfer:.2f}")
print(f"orders_per_block={int(BLOCK * NORMAL // rest)}")
PY
