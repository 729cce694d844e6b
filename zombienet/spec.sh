#!/usr/bin/env bash
# Prints the raw chain spec of UTC chain's test networks: the `local` chain
# (Alice, Bob, Charlie and Dave validate) with one-minute sessions (or the
# number of blocks given) and the dev chain's short SLA delays, so that joining,
# leaving, the offline rule and slashes show within minutes. Zombienet runs it
# as `chain_spec_command` from this folder, the network tests from theirs; both
# with `utc-node` on PATH.
#   ./spec.sh [session length in blocks]
set -euo pipefail
export SESSION_LENGTH="${1:-10}"
plain="$(mktemp --suffix .json)"
trap 'rm -f "$plain"' EXIT
utc-node export-chain-spec --chain local | node -e '
	let text = "";
	process.stdin.on("data", (chunk) => (text += chunk));
	process.stdin.on("end", () => {
		const spec = JSON.parse(text);
		const patch = spec.genesis.runtimeGenesis.patch;
		patch.validatorSet.sessionLength = Number(process.env.SESSION_LENGTH);
		// SLA delays short enough to watch, as on the dev chain.
		patch.sla.parameters = { unbonding_delay: 10, dispute_window: 4, slash_defer: 3 };
		process.stdout.write(JSON.stringify(spec));
	});
' > "$plain"
utc-node build-spec --chain "$plain" --raw --disable-default-bootnode
