#!/usr/bin/env bash
# Benchmarks pallet_sla and pallet_balances::transfer_keep_alive in one run on
# this machine and prints each SLA call's cost as a ratio against the transfer:
#   ratio <call>/balances_transfer=<x>        (a call, at its worst case)
#   ratio <call>.<n>/balances_transfer=<x>    (each more of component n)
#   slashes_per_block=<n>                     (due slashes 75% of 2 s can apply)
# Weights include database reads and writes at ParityDB's cost.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
bench_init "$@"
bench_run pallet_balances transfer_keep_alive
bench_run pallet_sla '*'
python3 - "$out" <<'PY'
import sys
sys.path.insert(0, "scripts")
from bench_rows import BLOCK, NORMAL, rows
found = rows(sys.argv[1])
transfer = found.pop("transfer_keep_alive")["base"]
print(f"balances_transfer_ps={transfer}")
for name, row in sorted(found.items()):
    print(f"ratio {name}/balances_transfer={row['base'] / transfer:.2f}")
    for component, slope in row["slope"].items():
        print(f"ratio {name}.{component}/balances_transfer={slope / transfer:.2f}")
slashes = found["on_initialize_slashes"]
per_slash = slashes["slope"].get("n", 0)
print(f"slashes_per_block={int((BLOCK * NORMAL - slashes['base']) // per_slash)}")
PY
