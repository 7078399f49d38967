#!/bin/bash
# The official postgres image's entrypoint, reduced: on an empty PGDATA run initdb, create POSTGRES_DB and
# apply /docker-entrypoint-initdb.d/*.sql (*.sh sourced) in order on a private socket, then exec the server.
set -euo pipefail
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
  user="${POSTGRES_USER:-postgres}" db="${POSTGRES_DB:-${POSTGRES_USER:-postgres}}"
  pwfile="$(mktemp)"; printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb -D "$PGDATA" --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  # The init server listens on a private socket only, so the healthcheck (pg_isready) stays red until it is done.
  sock="$(mktemp -d)"
  shift
  pg_ctl -D "$PGDATA" -w -t 120 -o "$* -c listen_addresses='' -c unix_socket_directories=$sock" start >/dev/null
  psql=(psql -v ON_ERROR_STOP=1 -q -h "$sock" --username "$user" --no-password)
  [ "$db" = postgres ] || "${psql[@]}" --dbname postgres -c "CREATE DATABASE \"$db\""
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sql) echo "entrypoint: running $f"; "${psql[@]}" --dbname "$db" -f "$f" ;;
      *.sh) echo "entrypoint: sourcing $f"; . "$f" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  rmdir "$sock"
  echo "entrypoint: PostgreSQL init process complete; ready for start up."
  set -- postgres "$@"
fi
exec "$@"
