#!/usr/bin/env bash
# Installs what Kansa needs to build on a fresh Debian machine. Idempotent:
# packages already present are not reinstalled.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# mecab-ipadic: Japanese name readings; unicode-data: Unihan Korean readings;
# chromium and chromium-driver: the web UI tested as a person uses it.
APT_PACKAGES=(build-essential pkg-config ca-certificates curl git python3 mecab-ipadic unicode-data chromium chromium-driver)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "setup: installing the Rust toolchain with rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain none
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi
# rust-toolchain.toml pins the version; rustup installs it on first use.
cargo --version
