#!/usr/bin/env bash
# Validate a running acme stack from the host: every service answers on its published port.
set -euo pipefail

curl -fsS http://localhost:18080/health
redis-cli -h localhost -p 6379 --user probe --pass "${PROBE_PASSWORD:?}" --no-auth-warning ping | grep -q PONG
pg_isready -h localhost -p 15432 -U dbadmin -d trading
for port in 18081 18082 18083; do
    curl -fsS "http://localhost:${port}/api/v1/health"
done
echo "acme stack: all services healthy"
