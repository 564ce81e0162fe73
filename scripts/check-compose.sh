#!/usr/bin/env bash
# Validates the compose files with `docker compose config` (the v2 plugin) or, where only v1
# exists, `docker-compose config` (Debian's docker-compose): docker-compose.yml (which extends
# docker-compose.hub.yml), docker-compose.host.yml and docker-stack.yml (Swarm).
# Exits non-zero on the first invalid file, or when no compose CLI runs. .ci/run calls it.
# Usage: scripts/check-compose.sh [dir]   (default: the repository)
set -euo pipefail

dir="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
else
  echo "check-compose: neither 'docker compose' nor 'docker-compose' is installed" >&2
  exit 1
fi

# Placeholders for the variables the files require (${VAR:?…}): `config` checks that each file
# parses, follows the compose schema and resolves; it starts nothing and needs no engine.
export INTERNAL_SECRET=check JWT_SECRET=check ENCRYPTION_KEY=check DATABASE_URL=postgres://check@127.0.0.1:5432/check
for file in docker-compose.yml docker-compose.host.yml docker-stack.yml; do
  if ! out="$("${compose[@]}" --project-directory "$dir" -f "$dir/$file" config -q 2>&1)"; then
    printf 'check-compose: %s is invalid (%s config):\n%s\n' "$file" "${compose[*]}" "$out" >&2
    exit 1
  fi
  echo "check-compose: $file is valid (${compose[*]} config)"
done
