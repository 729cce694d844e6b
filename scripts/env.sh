# Sourced by the other scripts: one shared build cache for every checkout, CI run
# and session on this machine.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/utc-chain/target}"
export OPENSSL_NO_VENDOR=1
export UTC_NODE_BIN="${UTC_NODE_BIN:-$CARGO_TARGET_DIR/debug/utc-node}"
