#!/usr/bin/env bash
# Runs the zombienet network tests: two validators on the real utc-node binary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
cargo build -p utc-node --quiet
export PATH="$(dirname "$UTC_NODE_BIN"):$PATH"
cd zombienet
npx zombienet --provider native --dir "$(mktemp -d -u /tmp/utc-zombienet.XXXXXX)" test smoke.zndsl
