#!/usr/bin/env bash
# `npm run demo`: installs what is missing (Debian packages, npm packages), makes sure
# PostgreSQL and Redis run, builds the web app, then runs the whole product until Ctrl-C.
# `npm run demo -- --journey` also plays the whole user journey and exits.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_NO_CLOUD=true NX_DAEMON=false
bash scripts/install-system-deps.sh >/dev/null
bash scripts/ensure-services.sh
bash scripts/ensure-install.sh
if [ -f apps/web/package.json ] && grep -q '"build"' apps/web/package.json; then
  echo "building the web app…"
  npm run build --workspace @enclave/web --silent >/dev/null
fi
exec node -r @swc-node/register scripts/demo.ts "$@"
