#!/usr/bin/env bash
# Runs every network scenario on the already built utc-node, each with its own
# pass line and time: the zombienet tests (zombienet/*.zndsl: peering, finality,
# a validator joining and one removed, the life of a compute unit), the
# resilience tests (zombienet/network/: validators killed and restarted,
# transactions in flight), the provider faults (an agent and a provider node
# killed mid-job) and the overload test.
#
# Networks that only produce a block every six seconds leave the CPU mostly
# idle, so two run side by side; each has a genesis of its own (a different
# session length), so their nodes never sync with each other. The overload test
# saturates its node and runs alone.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

pids=()
logs=()
# Starts a scenario in the background; its output is printed when it ends.
spawn() {
	local name=$1 log
	shift
	log=$(mktemp /tmp/utc-network-log.XXXXXX)
	(
		start=$SECONDS
		if "$@" >"$log" 2>&1; then
			echo "network scenario $name: passed in $((SECONDS - start)) s" >>"$log"
		else
			echo "network scenario $name: FAILED after $((SECONDS - start)) s" >>"$log"
			exit 1
		fi
	) &
	pids+=("$!")
	logs+=("${log}")
}
# Waits for the scenarios started; fails if any did.
collect() {
	local status=0 i
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || status=1
		cat "${logs[$i]}"
		rm -f "${logs[$i]}"
	done
	pids=()
	logs=()
	return "$status"
}
node_test() { (cd zombienet && node --test --test-concurrency=1 "$@"); }

status=0
spawn local-4.zndsl scripts/zombienet.sh local-4.zndsl
spawn provider.zndsl scripts/zombienet.sh provider.zndsl
collect || status=1
spawn resilience node_test network/resilience.test.mjs
spawn provider-faults node_test network/provider-faults.test.mjs
collect || status=1
spawn overload node_test network/overload.test.mjs
collect || status=1
exit "$status"
