#!/usr/bin/env bash
# Builds the agent image offline: no registry, no base image. It bundles the agent
# (scripts/build-agent.ts), then assembles a FROM-scratch context with this host's `node`
# binary, the shared libraries it links (from ldd, dynamic loader included), an /etc/passwd with
# the non-root user `agent` (uid 10001), a /tmp (scripts/node-rootfs.sh), and the bundle at /app/agent.mjs.
# Idempotent: the context is rebuilt from scratch each run and docker's cache reuses layers.
# Prints the image id on stdout (last line). Image name: ${AGENT_IMAGE:-artic-agent:latest};
# AGENT_IMAGE_CONTEXT and AGENT_BUNDLE move the build context and the bundle (tests use temp dirs).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
image="${AGENT_IMAGE:-artic-agent:latest}"
ctx="${AGENT_IMAGE_CONTEXT:-$root/dist/agent-image}"
bundle="${AGENT_BUNDLE:-$root/dist/agent/agent.mjs}"

node --import tsx "$root/scripts/build-agent.ts" --outfile "$bundle" >&2

rm -rf "$ctx"
mkdir -p "$ctx/rootfs/app"
# shellcheck source=scripts/node-rootfs.sh
. "$root/scripts/node-rootfs.sh"
node_rootfs "$ctx/rootfs" agent 10001
cp "$bundle" "$ctx/rootfs/app/agent.mjs"

cat > "$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin NODE_ENV=production HOME=/tmp
USER 10001:10001
WORKDIR /app
EXPOSE 8000
CMD ["/usr/local/bin/node", "/app/agent.mjs"]
DOCKERFILE

docker_builder_env

docker build --quiet --label org.opencontainers.image.title=artic-agent -t "$image" "$ctx" >&2
docker image inspect --format '{{.Id}}' "$image"
