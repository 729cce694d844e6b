#!/usr/bin/env bash
# Sets up, builds utc-node and runs only the network tests (scripts/network.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
cargo build -p utc-node --quiet
scripts/network.sh
