#!/usr/bin/env bash
# Load test of utc-agent alone: starts an agent with every backend enabled and
# submits short jobs over HTTP to each (UTC_LOAD_JOBS, default 1,000 per backend;
# UTC_LOAD_JOBS_<BACKEND> overrides one), then checks every job completed and
# prints submit→running latency (p50/p99) and throughput per backend.
#   scripts/load-agent.sh [process container slurm]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
backends=("$@")
[ ${#backends[@]} -gt 0 ] || backends=(process container slurm)

cargo build -q -p utc-agent --bins
eval "$(scripts/engines.sh up)"

dir=$(mktemp -d /tmp/utc-agent-load.XXXXXX)
chmod 711 "$dir" # Slurm jobs run as an unprivileged user inside it
agent_pid=""
cleanup() {
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
cat >"$dir/agent.toml" <<CONF
state_dir = "$dir/state"
poll_interval_ms = 100
[backends]
process = true
container = true
slurm = true
[process]
max_running = 16
[container]
max_running = 4
[slurm]
max_submitted = 256
[limits]
max_active_jobs = 100000
CONF
"$CARGO_TARGET_DIR/debug/utc-agent" run --config "$dir/agent.toml" --listen 127.0.0.1:0 \
	>"$dir/stdout" 2>"$dir/agent.log" &
agent_pid=$!
for _ in $(seq 1 100); do grep -q listening "$dir/stdout" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^utc-agent listening on //p' "$dir/stdout")
[ -n "$url" ] || { cat "$dir/agent.log" >&2; echo "load: utc-agent did not start" >&2; exit 1; }

first=1
status=0
for backend in "${backends[@]}"; do
	var="UTC_LOAD_JOBS_${backend^^}"
	n="${!var:-${UTC_LOAD_JOBS:-1000}}"
	"$CARGO_TARGET_DIR/debug/utc-agent-load" --url "$url" --token-file "$dir/state/token" \
		--backend "$backend" --jobs "$n" --first-id "$first" || status=1
	first=$((first + n))
done
[ "$status" = 0 ] || tail -n 30 "$dir/agent.log" >&2
exit "$status"
