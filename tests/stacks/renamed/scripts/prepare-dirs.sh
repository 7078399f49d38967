#!/bin/sh
# TSE-0001.12.0: $STATE_ROOT/<instance>/data and /logs for every instance in $SERVICES, owned by
# $OWNER (uid:gid), each marked with the instance it was made for (.volume-init, which the
# simulators report). Existing directories keep their content.
set -eu
: "${STATE_ROOT:?STATE_ROOT names the directory mounted from ./volumes}"
: "${OWNER:?OWNER is uid:gid of the instances image user}"
: "${SERVICES:?SERVICES lists the instances}"
for name in $SERVICES; do
  for sub in data logs; do
    mkdir -p "$STATE_ROOT/$name/$sub"
    printf '%s\n' "$name" > "$STATE_ROOT/$name/$sub/.volume-init"
  done
  chown -R "$OWNER" "$STATE_ROOT/$name"
  echo "prepare-dirs: $STATE_ROOT/$name owned by $OWNER"
done
