# The Artic hub (bot + HTTP + agent orchestration) as one image.
# Build:  docker build -t artic-hub .
# The agent image is separate: agent/Dockerfile (or `npm run build:agent-image` offline).

FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY scripts/postinstall.mjs scripts/postinstall.mjs
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=9000 DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/postinstall.mjs scripts/postinstall.mjs
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY --from=build /src/contracts/build ./contracts/build
RUN mkdir -p /data && chown node:node /data
# The hub talks to the Docker engine through the mounted socket; the compose file adds the
# socket's group so this non-root user may use it (see docker-compose.yml: group_add).
USER node
EXPOSE 9000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||9000)+'/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
