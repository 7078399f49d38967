#!/usr/bin/env bash
# pre-push hook: refuse a push from a repository without its TODO journal.
# Component repositories keep TODO.md, the project plan TODO-MASTER.md; whichever is present is
# validated (tracked by git and not empty). Install: cp pre-push-hook.sh .git/hooks/pre-push
set -euo pipefail

root="$(git rev-parse --show-toplevel)"
journal=""
for name in TODO.md TODO-MASTER.md; do
    if [ -f "$root/$name" ]; then
        journal="$name"
        break
    fi
done

if [ -z "$journal" ]; then
    echo "pre-push: no TODO journal in $root: add TODO.md (component) or TODO-MASTER.md (project plan)" >&2
    exit 1
fi
if ! git -C "$root" ls-files --error-unmatch -- "$journal" >/dev/null 2>&1; then
    echo "pre-push: $journal is not committed: git add $journal" >&2
    exit 1
fi
if [ ! -s "$root/$journal" ] || ! grep -q '[^[:space:]]' "$root/$journal"; then
    echo "pre-push: $journal is empty" >&2
    exit 1
fi
echo "pre-push: TODO journal $journal OK"
