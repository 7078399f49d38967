#!/bin/sh
# Volume initialisation (TSE-0001.12.0): a data and a logs directory per service instance,
# <VOLUMES_DIR>/<instance>/{data,logs}, owned by the user the instances run as (VOLUME_UID,
# VOLUME_GID), each with a .volume-init marker naming the instance it was made for.
# Idempotent: directories that exist keep their content.
#   compose: the one-shot init-volumes service (./volumes mounted at /volumes); every instance
#            depends on it with condition: service_completed_successfully.
#   embedded: the harness runs this same script into the run's temporary directory.
set -eu
root="${VOLUMES_DIR:?VOLUMES_DIR must name the volumes directory}"
uid="${VOLUME_UID:?VOLUME_UID must name the instances user id}"
gid="${VOLUME_GID:-$uid}"
instances="${INSTANCES:?INSTANCES must list the instance names}"

for instance in $instances; do
  case "$instance" in
    ""|*[!a-z0-9-]*) echo "init-volumes: '$instance' is not an instance name (a-z, 0-9, -)" >&2; exit 2 ;;
  esac
  for kind in data logs; do
    dir="$root/$instance/$kind"
    mkdir -p "$dir"
    printf '%s\n' "$instance" > "$dir/.volume-init"
    chown "$uid:$gid" "$root/$instance" "$dir" "$dir/.volume-init"
    chmod 0750 "$dir"
  done
  echo "init-volumes: $root/$instance/{data,logs} for uid $uid"
done
