#!/usr/bin/env bash
# Destroys everything the agent node left on this host: stops it, removes its service, its
# data directory (conversations, keys, secrets, exports), its config and certificates, and
# every installed version and Node runtime. Verifies the data directory is gone. Idempotent.
#
#   wipe.sh <root>
set -euo pipefail
ROOT="$1"
case "$ROOT" in /*) ;; *) echo "wipe.sh: root must be absolute" >&2; exit 64 ;; esac
[ "$ROOT" != "/" ] || { echo "wipe.sh: refusing to wipe /" >&2; exit 64; }
if [ -d "$ROOT" ]; then
  SERVICE="$(cat "$ROOT/run/service" 2>/dev/null || echo enclave-node)"
  if [ -x "$ROOT/bin/nodectl.sh" ]; then "$ROOT/bin/nodectl.sh" "$ROOT" stop || true; fi
  if [ -d /run/systemd/system ] && [ -f "/etc/systemd/system/$SERVICE.service" ]; then
    systemctl disable --now "$SERVICE" >/dev/null 2>&1 || true
    rm -f "/etc/systemd/system/$SERVICE.service"
    systemctl daemon-reload
  fi
  if [ -d "$ROOT/data" ]; then
    # Overwrite database and key files before unlinking them (best effort on SSD/CoW filesystems).
    find "$ROOT/data" -type f \( -name '*.sqlite*' -o -name '*.key' -o -name '*.pem' \) -exec shred -u -z -n 1 {} + 2>/dev/null || true
  fi
  rm -rf "$ROOT/data" "$ROOT/etc" "$ROOT/versions" "$ROOT/runtimes" "$ROOT/bundles" "$ROOT/current" "$ROOT/bin" "$ROOT/run" "$ROOT/log"
fi
if [ -e "$ROOT/data" ]; then echo '{"wiped":false}'; exit 1; fi
echo '{"wiped":true}'
