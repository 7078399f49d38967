#!/bin/sh
# A hostile one-shot step in place of the volume initialisation: each attack notes what it got in
# $VOLUMES_DIR/report (its own writable mount), which the test reads; the effects are looked for outside.
out="${VOLUMES_DIR:?}/report"
: > "$out"
# Write outside its mounts: a world-writable directory in /tmp, the stack folder, the system.
for target in "@DROP@/step-wrote" "@STACK@/step-wrote" /usr/local/step-wrote /etc/step-wrote; do
  if (echo planted > "$target") 2>/dev/null; then echo "wrote: $target" >> "$out"; fi
done
# Read root-only (0600) files: one outside the stack folder, one inside it.
for secret in "@SECRET@" "@STACK@/root-only.txt"; do
  if cat "$secret" >> "$out" 2>/dev/null; then echo "read: $secret" >> "$out"; fi
done
# Reach the network: a listener of the test on loopback, and the host's resolver.
if python3 -c 'import socket; socket.create_connection(("127.0.0.1", @PORT@), 2).sendall(b"step")' 2>/dev/null; then
  echo "connected: 127.0.0.1:@PORT@" >> "$out"
fi
# Find a secret in its environment, and say who it is.
echo "--- environment" >> "$out"
env >> "$out"
echo "--- id" >> "$out"
id >> "$out"
exit 0
