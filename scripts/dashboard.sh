#!/usr/bin/env bash
# Builds the web dashboard and serves it on 127.0.0.1 (port UTC_DASHBOARD_PORT,
# 8090 by default). The page talks to the node at UTC_DASHBOARD_RPC
# (ws://127.0.0.1:9944 by default, as scripts/dev.sh runs it) from the browser;
# the server only hands out static files.
set -euo pipefail
cd "$(dirname "$0")/../dashboard"

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build

port="${UTC_DASHBOARD_PORT:-8090}"
rpc="${UTC_DASHBOARD_RPC:-ws://127.0.0.1:9944}"
url="http://127.0.0.1:$port/"
[ "$rpc" = "ws://127.0.0.1:9944" ] || url="$url?rpc=$rpc"
echo "UTC chain dashboard: $url (node at $rpc)"
exec python3 -m http.server "$port" --bind 127.0.0.1 --directory dist
