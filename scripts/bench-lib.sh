# Shared by the benchmark scripts: builds the benchmarking node once and runs
# one pallet's benchmarks into a one-line-per-benchmark summary.
#   . scripts/bench-lib.sh; bench_build; bench_run <pallet> <extrinsics> <out dir>
bench_build() {
	cargo build -p utc-node --features runtime-benchmarks --quiet
}

bench_run() {
	"$CARGO_TARGET_DIR/debug/utc-node" benchmark pallet --chain dev --pallet "$1" \
		--extrinsic "$2" --steps "$steps" --repeat "$repeat" --heap-pages 4096 \
		--template scripts/bench-summary.hbs --output "$3/$1.txt" >/dev/null
}
