#!/usr/bin/env bash
# The whole test suite: unit, medium (real PostgreSQL/Redis/sshd) and end-to-end tests in one
# Jest run, then one closing line "tests: N passed, N failed" read from Jest's JSON results.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_NO_CLOUD=true NX_DAEMON=false

bash scripts/install-system-deps.sh >/dev/null
bash scripts/ensure-services.sh
bash scripts/ensure-install.sh

results="$(mktemp -t enclave-jest-XXXXXX.json)"
status=0
npx jest --maxWorkers=2 --json --outputFile="$results" "$@" || status=$?

node -e '
  const r = require(process.argv[1]);
  const failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
  console.log(`tests: ${r.numPassedTests} passed, ${failed} failed`);
  process.exit(failed > 0 || !r.success ? 1 : 0);
' "$results" || status=1
rm -f "$results"
exit "$status"
