#!/usr/bin/env bash
# Installs (or re-installs) one version of the Enclave agent node on this host. Idempotent:
# running it twice with the same arguments changes nothing the second time.
#
#   install.sh --root /opt/enclave --version V --bundle /path/app.tar.gz --sha256 HEX \
#              [--config /path/staged-node.json] [--memory-max 1G] [--service enclave-node] [--activate-only]
#   install.sh --root /opt/enclave --print-unit [--memory-max 1G]    prints the systemd unit and exits
#
# The app archive (--bundle) must already be verified against --sha256 by the caller (the
# upload step renames it to <root>/bundles/<sha256>.tar.gz only after sha256sum matched), and
# the Node runtime it names in its RUNTIME file must already be in runtimes/ (the upload step
# puts it there, hashed): neither is hashed again here.
#
# Layout under <root>:
#   runtimes/<H>/node  Node runtimes by the SHA-256 H of the binary, shared by the versions using them
#   versions/<V>/      unpacked app (app/*.js, better_sqlite3.node, scripts/, node.env, RUNTIME) and
#                      bin/node -> ../../../runtimes/<H>/node
#   current ->         symlink to the active version, switched atomically (rename of a new symlink)
#   etc/node.json      node config (root:enclave 0640): node id, control-plane URL + public key, one-time token
#   etc/tls/           origin certificate + key for the node's HTTPS endpoint (written by the TLS step)
#   data/              the node's SQLite database, keys and exports (enclave:enclave 0700)
#   bin/               nodectl.sh, supervisor.sh, wipe.sh (copied from the active bundle)
#   log/, run/         supervisor logs and pid files (hosts without systemd)
set -euo pipefail
umask 022

ROOT="" VERSION="" BUNDLE="" SHA256="" CONFIG="" MEMORY_MAX="1G" SERVICE="enclave-node" ACTIVATE_ONLY=0 PRINT_UNIT=0
while [ $# -gt 0 ]; do
  case "$1" in
    --root) ROOT="$2"; shift 2 ;;
    --version) VERSION="$2"; shift 2 ;;
    --bundle) BUNDLE="$2"; shift 2 ;;
    --sha256) SHA256="$2"; shift 2 ;;
    --config) CONFIG="$2"; shift 2 ;;
    --memory-max) MEMORY_MAX="$2"; shift 2 ;;
    --service) SERVICE="$2"; shift 2 ;;
    --activate-only) ACTIVATE_ONLY=1; shift ;;
    --print-unit) PRINT_UNIT=1; shift ;;
    *) echo "install.sh: unknown argument $1" >&2; exit 64 ;;
  esac
done
# The systemd unit: unprivileged, read-only system, private /tmp and devices, memory-capped.
unit_text() {
  cat <<UNIT
[Unit]
Description=Enclave agent node ($ROOT)
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=enclave
Group=enclave
# V8 flags of the active version (NODE_FLAGS, written into the bundle by the bundle builder)
EnvironmentFile=$ROOT/current/node.env
ExecStart=$ROOT/current/bin/node \$NODE_FLAGS $ROOT/current/app/launcher.js --config $ROOT/etc/node.json
Restart=on-failure
RestartSec=2
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ReadWritePaths=$ROOT/data $ROOT/log
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
MemoryMax=$MEMORY_MAX
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
UNIT
}
if [ "$PRINT_UNIT" -eq 1 ]; then
  [ -n "$ROOT" ] || { echo "install.sh: --root is required" >&2; exit 64; }
  unit_text
  exit 0
fi
[ -n "$ROOT" ] && [ -n "$VERSION" ] || { echo "install.sh: --root and --version are required" >&2; exit 64; }
case "$VERSION" in *[!A-Za-z0-9._+-]*) echo "install.sh: bad version $VERSION" >&2; exit 64 ;; esac
case "$ROOT" in /*) ;; *) echo "install.sh: --root must be absolute" >&2; exit 64 ;; esac
[ "$(id -u)" -eq 0 ] || { echo "install.sh: must run as root" >&2; exit 77; }

# 1. The unprivileged system user the node runs as.
if ! id enclave >/dev/null 2>&1; then
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin enclave
fi

# 2. Directories (modes enforced on every run).
install -d -m 0755 -o root -g root "$ROOT" "$ROOT/versions" "$ROOT/runtimes" "$ROOT/bundles" "$ROOT/bin" "$ROOT/run"
install -d -m 0750 -o root -g enclave "$ROOT/etc" "$ROOT/etc/tls"
install -d -m 0700 -o enclave -g enclave "$ROOT/data"
install -d -m 0750 -o enclave -g enclave "$ROOT/log"

# 3. Unpack the app into versions/<V> unless that exact archive is already there, and link its runtime.
TARGET="$ROOT/versions/$VERSION"
if [ "$ACTIVATE_ONLY" -eq 1 ]; then
  [ -x "$TARGET/bin/node" ] || { echo "install.sh: version $VERSION is not installed" >&2; exit 66; }
elif [ -f "$TARGET/.bundle-sha256" ] && [ "$(cat "$TARGET/.bundle-sha256")" = "$SHA256" ]; then
  echo "version $VERSION already unpacked"
else
  [ -f "$BUNDLE" ] || { echo "install.sh: bundle $BUNDLE not found" >&2; exit 66; }
  STAGE="$ROOT/versions/.$VERSION.partial"
  rm -rf "$STAGE"
  mkdir -p "$STAGE"
  tar -xzf "$BUNDLE" -C "$STAGE" --no-same-owner
  [ "$(cat "$STAGE/VERSION")" = "$VERSION" ] || { echo "install.sh: bundle VERSION does not match $VERSION" >&2; exit 65; }
  RUNTIME="$(cat "$STAGE/RUNTIME")"
  case "$RUNTIME" in *[!0-9a-f]*|"") echo "install.sh: bad RUNTIME in the bundle" >&2; exit 65 ;; esac
  [ -x "$ROOT/runtimes/$RUNTIME/node" ] || { echo "install.sh: runtime $RUNTIME is not on this host" >&2; exit 66; }
  mkdir -p "$STAGE/bin"
  ln -s "../../../runtimes/$RUNTIME/node" "$STAGE/bin/node"
  echo "$SHA256" > "$STAGE/.bundle-sha256"
  chown -R root:root "$STAGE"
  chmod -R go-w "$STAGE"
  rm -rf "$TARGET"
  mv "$STAGE" "$TARGET"
  rm -f "$BUNDLE"
  echo "unpacked version $VERSION"
fi

# 4. Node config (carries the one-time enrolment token): readable by the node, never world-readable.
if [ -n "$CONFIG" ]; then
  install -m 0640 -o root -g enclave "$CONFIG" "$ROOT/etc/node.json"
  rm -f "$CONFIG"
fi
[ -f "$ROOT/etc/node.json" ] || { echo "install.sh: no node config at $ROOT/etc/node.json (pass --config)" >&2; exit 66; }

# 5. Host tools of this version, at a stable path.
for tool in nodectl.sh supervisor.sh wipe.sh; do
  install -m 0755 -o root -g root "$TARGET/scripts/$tool" "$ROOT/bin/$tool"
done

# 6. Switch `current` atomically (a new symlink renamed over the old one).
PREVIOUS=""
if [ -L "$ROOT/current" ]; then PREVIOUS="$(basename "$(readlink "$ROOT/current")")"; fi
if [ "$PREVIOUS" != "$VERSION" ]; then
  ln -sfn "versions/$VERSION" "$ROOT/.current.new"
  mv -T "$ROOT/.current.new" "$ROOT/current"
fi
[ -n "$PREVIOUS" ] && [ "$PREVIOUS" != "$VERSION" ] && echo "$PREVIOUS" > "$ROOT/run/previous-version"

# 7. Service definition: a systemd unit where systemd runs, the bundled supervisor otherwise.
if [ -d /run/systemd/system ]; then
  MODE=systemd
  UNIT="/etc/systemd/system/$SERVICE.service"
  NEW_UNIT="$(mktemp)"
  unit_text > "$NEW_UNIT"
  if ! cmp -s "$NEW_UNIT" "$UNIT" 2>/dev/null; then
    install -m 0644 "$NEW_UNIT" "$UNIT"
    systemctl daemon-reload
  fi
  rm -f "$NEW_UNIT"
  systemctl enable "$SERVICE" >/dev/null 2>&1 || true
else
  MODE=supervisor
fi
# 8. Keep the active and the previous version (what a rollback goes back to) and the runtimes
#    they link to; older versions and runtimes no node here uses any more are removed.
KEEP_PREVIOUS="$(cat "$ROOT/run/previous-version" 2>/dev/null || true)"
for dir in "$ROOT"/versions/*/; do
  NAME="$(basename "$dir")"
  if [ -d "$dir" ] && [ "$NAME" != "$VERSION" ] && [ "$NAME" != "$KEEP_PREVIOUS" ]; then rm -rf "$dir"; fi
done
for dir in "$ROOT"/runtimes/*/; do
  [ -d "$dir" ] || continue
  USED=0
  for link in "$ROOT"/versions/*/bin/node; do
    if [ "$(readlink "$link" 2>/dev/null)" = "../../../runtimes/$(basename "$dir")/node" ]; then USED=1; fi
  done
  if [ "$USED" -eq 0 ]; then rm -rf "$dir"; fi
done
echo "$MODE" > "$ROOT/run/mode"
echo "$SERVICE" > "$ROOT/run/service"
echo "$MEMORY_MAX" > "$ROOT/run/memory-max"
echo "{\"installed\":\"$VERSION\",\"previous\":\"$PREVIOUS\",\"mode\":\"$MODE\"}"
