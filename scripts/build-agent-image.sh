#!/usr/bin/env bash
# Builds the agent image offline: no registry, no base image. It bundles the agent
# (scripts/build-agent.ts), then assembles a FROM-scratch context with this host's `node`
# binary, the shared libraries it links (from ldd, dynamic loader included), an /etc/passwd with
# the non-root user `agent` (uid 10001), a /tmp, and the bundle at /app/agent.mjs.
# Idempotent: the context is rebuilt from scratch each run and docker's cache reuses layers.
# Prints the image id on stdout (last line). Image name: ${AGENT_IMAGE:-artic-agent:latest};
# AGENT_IMAGE_CONTEXT and AGENT_BUNDLE move the build context and the bundle (tests use temp dirs).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
image="${AGENT_IMAGE:-artic-agent:latest}"
ctx="${AGENT_IMAGE_CONTEXT:-$root/dist/agent-image}"
bundle="${AGENT_BUNDLE:-$root/dist/agent/agent.mjs}"

node --import tsx "$root/scripts/build-agent.ts" --outfile "$bundle" >&2

node_bin="$(readlink -f "$(command -v node)")"
[ -x "$node_bin" ] || { echo "build-agent-image: node binary not found" >&2; exit 1; }

rm -rf "$ctx"
mkdir -p "$ctx/rootfs/usr/local/bin" "$ctx/rootfs/app" "$ctx/rootfs/etc" "$ctx/rootfs/tmp"
chmod 1777 "$ctx/rootfs/tmp"
cp "$node_bin" "$ctx/rootfs/usr/local/bin/node"
cp "$bundle" "$ctx/rootfs/app/agent.mjs"

# Every absolute path ldd prints: "libx.so => /lib/.../libx.so (0x…)" and "/lib64/ld-linux… (0x…)".
ldd "$node_bin" | grep -oE '/[^ ]+' | sort -u | while read -r lib; do
  [ -e "$lib" ] || continue
  mkdir -p "$ctx/rootfs$(dirname "$lib")"
  cp -L "$lib" "$ctx/rootfs$lib"
done

cat > "$ctx/rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
agent:x:10001:10001:artic agent:/tmp:/sbin/nologin
PASSWD
cat > "$ctx/rootfs/etc/group" <<'GROUP'
root:x:0:
agent:x:10001:
GROUP

cat > "$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin NODE_ENV=production HOME=/tmp
USER 10001:10001
WORKDIR /app
EXPOSE 8000
CMD ["/usr/local/bin/node", "/app/agent.mjs"]
DOCKERFILE

# Docker CLIs without the buildx plugin refuse BuildKit builds; the classic builder needs nothing.
if docker buildx version >/dev/null 2>&1; then export DOCKER_BUILDKIT="${DOCKER_BUILDKIT:-1}"; else export DOCKER_BUILDKIT=0; fi

docker build --quiet --label org.opencontainers.image.title=artic-agent -t "$image" "$ctx" >&2
docker image inspect --format '{{.Id}}' "$image"
