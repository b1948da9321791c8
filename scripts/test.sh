#!/usr/bin/env bash
# Second command of the README: set up and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
source scripts/services.sh
export PATH="$HOME/.cargo/bin:$PATH"

cargo test --workspace --locked
