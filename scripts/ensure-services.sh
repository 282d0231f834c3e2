#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer; starts the local
# ones when they are installed but stopped, and says exactly what to do when they are not.
set -euo pipefail

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "starting PostgreSQL…"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  pg_isready -q -h 127.0.0.1 -p 5432 || {
    echo "PostgreSQL is not running on 127.0.0.1:5432. Start it, e.g.:" >&2
    echo "  pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start   (or: docker compose up -d postgres)" >&2
    exit 1
  }
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if command -v redis-server >/dev/null; then
    echo "starting Redis…"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
  fi
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || {
    echo "Redis is not running on 127.0.0.1:6379. Start it, e.g.:" >&2
    echo "  redis-server --daemonize yes --bind 127.0.0.1 --port 6379   (or: docker compose up -d redis)" >&2
    exit 1
  }
fi
