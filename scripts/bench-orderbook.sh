#!/usr/bin/env bash
# Benchmarks pallet_orderbook and pallet_assets::transfer_keep_alive in one run on
# this machine and prints the order book's cost as ratios against the transfer:
#   ratio place_order_rest/assets_transfer=<x>   (a resting order vs a transfer)
#   ratio per_fill/assets_transfer=<x>           (each fill vs a transfer)
#   orders_per_block=<n>                         (75% of 2 s over a resting order)
# Weights include database reads and writes at ParityDB's cost.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
steps="${1:-20}"
repeat="${2:-10}"
cargo build -p utc-node --features runtime-benchmarks --quiet
out="$(mktemp -d /tmp/utc-bench.XXXXXX)"
run() {
	"$CARGO_TARGET_DIR/debug/utc-node" benchmark pallet --chain dev --pallet "$1" \
		--extrinsic "$2" --steps "$steps" --repeat "$repeat" --heap-pages 4096 \
		--template scripts/bench-summary.hbs --output "$out/$1.txt" >/dev/null
}
run pallet_assets transfer_keep_alive
run pallet_orderbook '*'
cat "$out"/*.txt
python3 - "$out" <<'PY'
import re, sys, pathlib
READ, WRITE = 8_000_000, 50_000_000  # ParityDbWeight, picoseconds
BLOCK = 2_000_000_000_000           # 2 s of ref_time
rows = {}
for f in pathlib.Path(sys.argv[1]).glob("*.txt"):
    for line in f.read_text().splitlines():
        if not line.startswith("benchmark="):
            continue
        kv = dict(p.split("=", 1) for p in line.split())
        num = lambda k: int(kv.get(k, "0").replace("_", ""))
        rows[kv["benchmark"]] = {
            "base": num("base") + READ * num("reads") + WRITE * num("writes"),
            "slope": {k.split(".", 1)[1]: num(k) + READ * num("reads." + k.split(".", 1)[1])
                      + WRITE * num("writes." + k.split(".", 1)[1])
                      for k in kv if k.startswith("slope.")},
        }
transfer = rows["transfer_keep_alive"]["base"]
rest = rows["place_order_rest"]["base"]
fill = rows["place_order_fill"]
per_fill = fill["slope"].get("f", 0)
print(f"assets_transfer_ps={transfer} place_order_rest_ps={rest} per_fill_ps={per_fill}")
print(f"ratio place_order_rest/assets_transfer={rest / transfer:.2f}")
print(f"ratio per_fill/assets_transfer={per_fill / transfer:.2f}")
print(f"orders_per_block={int(BLOCK * 0.75 // rest)}")
PY
