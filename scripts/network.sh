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

. scripts/side-by-side.sh
node_test() { (cd zombienet && node --test --test-concurrency=1 "$@"); }

status=0
spawn "network scenario local-4.zndsl" scripts/zombienet.sh local-4.zndsl
spawn "network scenario provider.zndsl" scripts/zombienet.sh provider.zndsl
collect || status=1
spawn "network scenario resilience" node_test network/resilience.test.mjs
spawn "network scenario provider-faults" node_test network/provider-faults.test.mjs
collect || status=1
spawn "network scenario overload" node_test network/overload.test.mjs
collect || status=1
exit "$status"
