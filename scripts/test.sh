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
# The at-rest run directory: the tests record the secrets and message texts they use and dump each
# control-plane database and Redis prefix before dropping it; the scan after Jest checks one against the other.
export ENCLAVE_AT_REST_DIR="$(mktemp -d -t enclave-at-rest-XXXXXX)"
trap 'rm -rf "$ENCLAVE_AT_REST_DIR"' EXIT
status=0
npx jest --maxWorkers=2 --json --outputFile="$results" "$@" || status=$?

# The scan counts as one more test in the closing line.
scan=passed
node -r @swc-node/register scripts/at-rest-scan.ts "$ENCLAVE_AT_REST_DIR" || scan=failed

node -e '
  const r = require(process.argv[1]);
  const scanPassed = process.argv[2] === "passed";
  const failed = r.numFailedTests + r.numRuntimeErrorTestSuites + (scanPassed ? 0 : 1);
  console.log(`tests: ${r.numPassedTests + (scanPassed ? 1 : 0)} passed, ${failed} failed`);
  process.exit(failed > 0 || !r.success ? 1 : 0);
' "$results" "$scan" || status=1
rm -f "$results"
exit "$status"
