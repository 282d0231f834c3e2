#!/usr/bin/env bash
# Starts, stops and inspects the agent node under systemd, or under the bundled supervisor
# where systemd is not running (detected: /run/systemd/system exists only under systemd).
#
#   nodectl.sh <root> start|stop|restart|status|health <port>|wait-healthy <port> <seconds>|rollback <version>
set -euo pipefail
ROOT="$1"; ACTION="$2"
SERVICE="$(cat "$ROOT/run/service" 2>/dev/null || echo enclave-node)"
PIDFILE="$ROOT/run/supervisor.pid"

systemd_running() { [ -d /run/systemd/system ]; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Local liveness probe: one HTTP/1.0 GET /healthz on the loopback port through bash's own
# /dev/tcp — no process is started for it (starting a Node runtime per probe cost ~1 s on a
# loaded host), and a port nobody listens on is refused at once.
probe() {
  local status
  { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  if ! read -r -t 3 _ status _ <&3; then exec 3<&-; return 1; fi
  exec 3<&-
  [ "$status" = 200 ]
}

start() {
  if systemd_running; then systemctl start "$SERVICE"; return; fi
  if alive "$PIDFILE"; then echo "already running (supervisor pid $(cat "$PIDFILE"))"; return; fi
  setsid nohup bash "$ROOT/bin/supervisor.sh" "$ROOT" >>"$ROOT/log/supervisor.log" 2>&1 </dev/null &
  for _ in $(seq 1 250); do alive "$PIDFILE" && break; sleep 0.02; done
  alive "$PIDFILE" || { echo "supervisor did not start" >&2; exit 1; }
  echo "started (supervisor pid $(cat "$PIDFILE"))"
}

stop() {
  if systemd_running; then systemctl stop "$SERVICE" 2>/dev/null || true; return; fi
  if alive "$PIDFILE"; then
    local pid; pid="$(cat "$PIDFILE")"
    kill -TERM "$pid"
    for _ in $(seq 1 500); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
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
    if probe "$3"; then echo "healthy"; else echo "not answering on 127.0.0.1:$3" >&2; exit 1; fi ;;
  wait-healthy)
    # Waits on the host itself (50 ms between probes) instead of one SSH round trip per probe.
    DEADLINE=$(( $(date +%s) + $4 ))
    until probe "$3"; do
      [ "$(date +%s)" -lt "$DEADLINE" ] || { echo "not answering on 127.0.0.1:$3 after $4 s" >&2; exit 1; }
      sleep 0.05
    done
    echo "healthy" ;;
  version) basename "$(readlink "$ROOT/current")" ;;
  rollback)
    VERSION="$3"
    [ -x "$ROOT/versions/$VERSION/bin/node" ] || { echo "version $VERSION is not installed" >&2; exit 66; }
    ln -sfn "versions/$VERSION" "$ROOT/.current.new"
    mv -T "$ROOT/.current.new" "$ROOT/current"
    stop; start ;;
  *) echo "usage: nodectl.sh <root> start|stop|restart|status|health <port>|wait-healthy <port> <seconds>|version|rollback <version>" >&2; exit 64 ;;
esac
