#!/usr/bin/env bash
# Builds the hub image offline, as build-agent-image.sh builds the agent's: no registry, no base
# image. A FROM-scratch context with this host's `node` and the shared libraries it links
# (scripts/node-rootfs.sh) and, under /app:
#   hub/main.js, hub/render-worker.js, hub/worker.js   the hub bundled by esbuild (scripts/build-hub.ts)
#   dist/agent/agent.mjs                               the agent bundle (process runtime; AGENT_RUNTIME=process)
#   dist/app/                                          the dashboard served at /app
#   contracts/build/                                   the chain logger contracts' ABIs and bytecode
#   node_modules/@resvg/…, node_modules/dejavu-fonts-ttf/ttf/DejaVuSans*.ttf   chart rendering (native addon, fonts)
#   package.json                                       name and version (the hub reads them)
# No embedded PostgreSQL: the image needs DATABASE_URL. Migrations are inside the bundle and run at boot.
# User `artic` (uid 1000, like the Dockerfile's `node`); /data (DATA_DIR) is its. To use the Docker
# socket the container gets the socket's group: compose's `group_add: ["${DOCKER_GID}"]`.
# Prints the image id on stdout (last line). Image name: ${HUB_IMAGE:-artic-hub:latest};
# HUB_IMAGE_CONTEXT moves the build context (tests use a temp dir).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
image="${HUB_IMAGE:-artic-hub:latest}"
ctx="${HUB_IMAGE_CONTEXT:-$root/dist/hub-image}"
app="$ctx/rootfs/app"

rm -rf "$ctx"
mkdir -p "$app/contracts" "$app/node_modules" "$ctx/data"
# shellcheck source=scripts/node-rootfs.sh
. "$root/scripts/node-rootfs.sh"
node_rootfs "$ctx/rootfs" artic 1000

node --import tsx "$root/scripts/build-hub.ts" --outdir "$app/hub" >&2
node --import tsx "$root/scripts/build-agent.ts" --outfile "$app/dist/agent/agent.mjs" >&2
node --import tsx "$root/scripts/build-app.ts" --outdir "$app/dist/app" >&2
cp -r "$root/contracts/build" "$app/contracts/build"
node -e '
  const { name, version } = require(process.argv[1]);
  process.stdout.write(JSON.stringify({ name, version, private: true, type: "module" }, null, 2) + "\n");
' "$root/package.json" >"$app/package.json"

# The packages the bundle leaves to node's resolution, as installed here (npm ls names their folders).
modules="$root/node_modules"
resvg_native="$(node -e 'process.stdout.write(`@resvg/resvg-js-${process.platform}-${process.arch}-gnu`)')"
for pkg in @resvg/resvg-js "$resvg_native"; do
  [ -d "$modules/$pkg" ] || { echo "build-hub-image: $modules/$pkg is missing (npm ci first)" >&2; exit 1; }
  mkdir -p "$app/node_modules/$pkg"
  cp -rL "$modules/$pkg/." "$app/node_modules/$pkg/"
done
shared_libs "$ctx/rootfs" "$app/node_modules/$resvg_native"/*.node
mkdir -p "$app/node_modules/dejavu-fonts-ttf/ttf"
cp "$modules/dejavu-fonts-ttf/package.json" "$modules/dejavu-fonts-ttf/LICENSE" "$app/node_modules/dejavu-fonts-ttf/"
cp "$modules"/dejavu-fonts-ttf/ttf/DejaVuSans.ttf "$modules"/dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf "$app/node_modules/dejavu-fonts-ttf/ttf/"

cat > "$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
COPY --chown=1000:1000 data/ /data/
ENV PATH=/usr/local/bin NODE_ENV=production HOME=/tmp HOST=0.0.0.0 PORT=9000 DATA_DIR=/data
USER 1000:1000
WORKDIR /app
EXPOSE 9000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||9000)+'/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
CMD ["/usr/local/bin/node", "/app/hub/main.js"]
DOCKERFILE

docker_builder_env

docker build --quiet --label org.opencontainers.image.title=artic-hub -t "$image" "$ctx" >&2
docker image inspect --format '{{.Id}}' "$image"
