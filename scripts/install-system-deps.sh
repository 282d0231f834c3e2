#!/usr/bin/env bash
# System packages the test suite needs beyond Node, PostgreSQL and Redis. Idempotent: CI calls it on every run.
set -euo pipefail
# Provisioning tests run the real scripts over SSH against real OpenSSH servers on loopback.
command -v sshd || [ -x /usr/sbin/sshd ] || (apt-get update && apt-get install -y openssh-server)
command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
