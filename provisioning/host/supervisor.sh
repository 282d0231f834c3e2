#!/usr/bin/env bash
# Keeps the agent node running on hosts without systemd: restarts it when it exits, with
# exponential backoff (1 s doubling to 30 s, reset after a minute of uptime), as the
# unprivileged `enclave` user with no-new-privileges. Started detached by `nodectl.sh start`.
#
#   supervisor.sh <root>
set -euo pipefail
ROOT="$1"
PIDFILE="$ROOT/run/supervisor.pid"
CHILD_PIDFILE="$ROOT/run/node.pid"
LOG="$ROOT/log/node.log"
MEMORY_MAX="$(cat "$ROOT/run/memory-max" 2>/dev/null || echo 1G)"
echo $$ > "$PIDFILE"

CHILD=""
STOPPING=0
stop() {
  STOPPING=1
  if [ -n "$CHILD" ] && kill -0 "$CHILD" 2>/dev/null; then
    kill -TERM "$CHILD" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$CHILD" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$CHILD" 2>/dev/null || true
  fi
  rm -f "$CHILD_PIDFILE" "$PIDFILE"
  exit 0
}
trap stop TERM INT

# No cgroup without systemd: stand in for MemoryMax by capping the V8 heap at 3/4 of it.
limit_mb() {
  local value="$1" number unit
  number="${value%[KMGkmg]}"; unit="${value#"$number"}"
  case "$unit" in K|k) echo $((number / 1024)) ;; M|m) echo $((number)) ;; G|g) echo $((number * 1024)) ;; *) echo $((number / 1048576)) ;; esac
}
HEAP_MB=$(( $(limit_mb "$MEMORY_MAX") * 3 / 4 ))
[ "$HEAP_MB" -ge 64 ] || HEAP_MB=64

BACKOFF=1
while [ "$STOPPING" -eq 0 ]; do
  STARTED=$(date +%s)
  # V8 flags of the active version (see node.env in the bundle); word splitting intended.
  NODE_FLAGS="$(sed -n 's/^NODE_FLAGS=//p' "$ROOT/current/node.env" 2>/dev/null || true)"
  # shellcheck disable=SC2086
  setpriv --reuid enclave --regid enclave --init-groups --no-new-privs \
    --inh-caps +net_bind_service --ambient-caps +net_bind_service \
    "$ROOT/current/bin/node" $NODE_FLAGS --max-old-space-size="$HEAP_MB" "$ROOT/current/app/launcher.js" --config "$ROOT/etc/node.json" \
    >>"$LOG" 2>&1 </dev/null &
  CHILD=$!
  echo "$CHILD" > "$CHILD_PIDFILE"
  set +e
  wait "$CHILD"
  CODE=$?
  set -e
  rm -f "$CHILD_PIDFILE"
  [ "$STOPPING" -eq 1 ] && break
  RAN=$(( $(date +%s) - STARTED ))
  if [ "$RAN" -ge 60 ]; then BACKOFF=1; fi
  echo "supervisor: node exited with code $CODE after ${RAN}s; restarting in ${BACKOFF}s" >>"$LOG"
  sleep "$BACKOFF" &
  wait $! || true
  BACKOFF=$(( BACKOFF * 2 )); [ "$BACKOFF" -gt 30 ] && BACKOFF=30
done
