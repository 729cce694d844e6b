#!/usr/bin/env bash
# Installs, idempotently, what a fresh Debian machine with only the Rust toolchain
# lacks to build and test UTC chain: Debian packages (the build's and the agent's
# job engines), the wasm target and the npm packages of the end-to-end tests.
# apt installs the daemons but starts none: scripts/engines.sh does, for the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

need_apt=()
command -v protoc >/dev/null 2>&1 || need_apt+=(protobuf-compiler)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
dpkg -s libssl-dev >/dev/null 2>&1 || need_apt+=(libssl-dev)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
# utc-agent's engines: bubblewrap sandboxes, rootful podman (runc, with a busybox
# image built locally) and a single-node Slurm cluster (munge, slurmctld, slurmd);
# chromium drives the web dashboard's test in a real (headless) browser.
for pkg in curl bubblewrap slirp4netns podman runc uidmap catatonit containernetworking-plugins iptables \
	busybox-static munge slurmctld slurmd slurm-client slurm-wlm-basic-plugins chromium; do
	dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
	echo "setup: installing ${need_apt[*]}"
	sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_apt[@]}"
fi

# substrate-wasm-builder compiles the runtime for wasm32v1-none on Rust >= 1.84.
rustup target list --installed | grep -qx wasm32v1-none || rustup target add wasm32v1-none

# npm packages, each folder reinstalled only when its lock changes: the end-to-end
# tests' clients (@polkadot/api, sidecar, txwrapper, polkadot-api), the web
# dashboard (and puppeteer-core for its browser test) and the metrics exporter.
for dir in zombienet dashboard ops/exporter; do
	if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
		[ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
	fi
done

mkdir -p "$CARGO_TARGET_DIR"
