#!/usr/bin/env bash
# Runs utc-exporter, the Prometheus exporter of UTC chain: it reads the node at
# ws://127.0.0.1:9944 (as scripts/dev.sh runs it) and serves
# http://127.0.0.1:9616/metrics. Arguments go to the exporter (--rpc, --port,
# --host, --backfill-blocks, --max-entries; --help lists them).
set -euo pipefail
cd "$(dirname "$0")/../ops/exporter"

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	npm ci --no-audit --no-fund --loglevel=error
fi
exec node exporter.mjs "$@"
