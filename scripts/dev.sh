#!/usr/bin/env bash
# Sets up, builds and starts a development validator (Alice) that keeps its chain
# under ~/.local/share/utc-chain/dev. Extra arguments go to utc-node.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
cargo build -p utc-node
base="${UTC_BASE_PATH:-$HOME/.local/share/utc-chain/dev}"
cat <<MSG
utc-node --dev, chain data in $base
  RPC endpoint:  ws://127.0.0.1:9944
  polkadot.js:   https://polkadot.js.org/apps/?rpc=ws%3A%2F%2F127.0.0.1%3A9944
MSG
exec "$UTC_NODE_BIN" --dev --base-path "$base" "$@"
