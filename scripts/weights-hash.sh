#!/usr/bin/env bash
# Prints the hash of the code a pallet's weights were measured on: its sources
# other than weights.rs, tests.rs, mock.rs and migrations.rs, without comments
# and whitespace.
#   scripts/weights-hash.sh <pallet folder>
set -euo pipefail
cd "$(dirname "$0")/.."
dir="pallets/${1:?usage: scripts/weights-hash.sh <pallet folder>}/src"
[ -d "$dir" ] || { echo "no pallet at pallets/$1" >&2; exit 2; }
find "$dir" -name '*.rs' ! -name weights.rs ! -name tests.rs ! -name mock.rs ! -name migrations.rs -print0 |
	LC_ALL=C sort -z | xargs -0 cat |
	sed -E 's#^[[:space:]]*//.*$##' | tr -d ' \t\n' | sha256sum | cut -c1-16
