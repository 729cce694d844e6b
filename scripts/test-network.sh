#!/usr/bin/env bash
# Sets up, builds utc-node and runs only the zombienet network tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
cargo build -p utc-node --quiet
scripts/zombienet.sh "$@"
