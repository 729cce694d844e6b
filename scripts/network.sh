#!/usr/bin/env bash
# Runs every network scenario on the already built utc-node, each with its own
# pass line and time: the zombienet tests (zombienet/*.zndsl: peering, finality,
# a validator joining and one removed) and the resilience tests
# (zombienet/network/: validators killed and restarted, transactions in flight).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
for test in zombienet/*.zndsl; do
	start=$SECONDS
	scripts/zombienet.sh "$(basename "$test")"
	echo "network scenario $(basename "$test"): passed in $((SECONDS - start)) s"
done
start=$SECONDS
(cd zombienet && node --test --test-concurrency=1 network/)
echo "network resilience tests: passed in $((SECONDS - start)) s"
