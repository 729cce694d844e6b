#!/usr/bin/env bash
# Runs zombienet network tests (default: zombienet/local-4.zndsl) on the already
# built utc-node, as local processes. Exits non-zero if any assertion fails.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
export PATH="$(dirname "$UTC_NODE_BIN"):$PATH"
dir="$(mktemp -d /tmp/utc-zombienet.XXXXXX)"
rmdir "$dir"
cd zombienet
for test in "${@:-local-4.zndsl}"; do
	npx zombienet --provider native --dir "$dir-$(basename "$test" .zndsl)" test "$test"
done
