# Shared by the benchmark scripts, sourced from the checkout's root:
#   . scripts/bench-lib.sh; bench_init "$@"; bench_run <pallet> <extrinsics>
# bench_init installs what is missing, builds the benchmarking node (debug, or
# optimized with `BENCH_PROFILE=release`) and sets `steps`, `repeat` (the
# script's arguments, default 20 and 10) and `out`, a fresh folder; bench_run
# writes one line per benchmark of a pallet into `out`.
bench_init() {
	scripts/setup.sh
	. scripts/env.sh
	steps="${1:-20}"
	repeat="${2:-10}"
	profile="${BENCH_PROFILE:-debug}"
	local flags=()
	[ "$profile" = release ] && flags=(--release)
	cargo build "${flags[@]}" -p utc-node --features runtime-benchmarks --quiet
	out="$(mktemp -d /tmp/utc-bench.XXXXXX)"
}

bench_run() {
	"$CARGO_TARGET_DIR/$profile/utc-node" benchmark pallet --chain dev --pallet "$1" \
		--extrinsic "$2" --steps "$steps" --repeat "$repeat" --heap-pages 4096 \
		--template scripts/bench-summary.hbs --output "$out/$1.txt" >/dev/null
}
