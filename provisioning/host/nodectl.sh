#!/usr/bin/env bash
# Starts, stops and inspects the agent node under systemd, or under the bundled supervisor
# where systemd is not running (detected: /run/systemd/system exists only under systemd).
#
#   nodectl.sh <root> start|stop|restart|status|health <port>|rollback <version>
set -euo pipefail
ROOT="$1"; ACTION="$2"
SERVICE="$(cat "$ROOT/run/service" 2>/dev/null || echo enclave-node)"
PIDFILE="$ROOT/run/supervisor.pid"

systemd_running() { [ -d /run/systemd/system ]; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start() {
  if systemd_running; then systemctl start "$SERVICE"; return; fi
  if alive "$PIDFILE"; then echo "already running (supervisor pid $(cat "$PIDFILE"))"; return; fi
  setsid nohup bash "$ROOT/bin/supervisor.sh" "$ROOT" >>"$ROOT/log/supervisor.log" 2>&1 </dev/null &
  for _ in $(seq 1 50); do alive "$PIDFILE" && break; sleep 0.1; done
  alive "$PIDFILE" || { echo "supervisor did not start" >&2; exit 1; }
  echo "started (supervisor pid $(cat "$PIDFILE"))"
}

stop() {
  if systemd_running; then systemctl stop "$SERVICE" 2>/dev/null || true; return; fi
  if alive "$PIDFILE"; then
    local pid; pid="$(cat "$PIDFILE")"
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  # A node left behind by a killed supervisor.
  if alive "$ROOT/run/node.pid"; then kill -KILL "$(cat "$ROOT/run/node.pid")" 2>/dev/null || true; fi
  rm -f "$PIDFILE" "$ROOT/run/node.pid"
  echo "stopped"
}

case "$ACTION" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status)
    if systemd_running; then systemctl is-active "$SERVICE"; exit $?; fi
    if alive "$ROOT/run/node.pid"; then echo "running"; else echo "stopped"; exit 3; fi ;;
  health)
    # Local liveness probe through the bundled runtime (no curl needed on the host).
    PORT="$3"
    "$ROOT/current/bin/node" -e "fetch('http://127.0.0.1:$PORT/healthz',{signal:AbortSignal.timeout(3000)}).then(async r=>{const b=await r.text();console.log(b);process.exit(r.ok?0:1)}).catch(e=>{console.error(String(e));process.exit(1)})" ;;
  version) basename "$(readlink "$ROOT/current")" ;;
  rollback)
    VERSION="$3"
    [ -x "$ROOT/versions/$VERSION/bin/node" ] || { echo "version $VERSION is not installed" >&2; exit 66; }
    ln -sfn "versions/$VERSION" "$ROOT/.current.new"
    mv -T "$ROOT/.current.new" "$ROOT/current"
    stop; start ;;
  *) echo "usage: nodectl.sh <root> start|stop|restart|status|health <port>|version|rollback <version>" >&2; exit 64 ;;
esac
