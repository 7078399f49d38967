#!/bin/sh
# The teams' service registry on alpine: busybox httpd serving /health and /metrics from files this
# script keeps current. (A stand-in the harness cannot run locally: the embedded target runs the
# reference registry in its place.)
set -eu
www=/tmp/registry-www
mkdir -p "$www"
printf '{"status":"healthy","service":"%s"}\n' "${SERVICE_NAME:-service-registry}" > "$www/health"
printf '# TYPE registry_up gauge\nregistry_up 1\n' > "$www/metrics"
exec busybox httpd -f -p "0.0.0.0:${HTTP_PORT:-8080}" -h "$www"
