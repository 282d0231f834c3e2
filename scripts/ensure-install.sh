#!/usr/bin/env bash
# Runs `npm ci` when node_modules is missing or was installed from another package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
marker="node_modules/.enclave-lock-hash"
if [ ! -f "$marker" ] || [ "$(cat "$marker")" != "$lock_hash" ]; then
  echo "installing npm packages (npm ci)…"
  npm ci --no-audit --no-fund
  echo "$lock_hash" > "$marker"
fi
