# regops image: build with the full dev toolchain, run with production dependencies only.
#   docker build -t regops:local .        (or docker-compose build)
# NODE_IMAGE lets an offline machine (no Docker Hub) use a base it has locally; the default is
# the official Node 24 LTS image. Supported: Node 20 (>= 20.19), 22 (>= 22.13) and 24 on Debian
# (package.json `engines`; CI runs the suite on 20 and 24). Works with the legacy builder
# (Debian's docker.io has no BuildKit/buildx).
ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: npm ci (with dev dependencies), tsc, then drop the dev dependencies -------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# the lock file first, so that a source change does not redo npm ci
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY workers ./workers
# the console (ui/, built into dist/ui); its types come from the SDL
COPY schema ./schema
COPY ui ./ui
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- runtime ------------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
# the notary CLI signs for the sign jobs (Docker Content Trust); Debian's package, no Hub image needed
RUN apt-get update && apt-get install -y --no-install-recommends notary ca-certificates \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080
WORKDIR /app
# files stay root-owned: the service (user node) reads them and cannot change them
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# the regops CLI (bin/regops.js runs dist/ here): `regops` on PATH, for CI jobs that use this image
COPY bin ./bin
RUN ln -s /app/bin/regops.js /usr/local/bin/regops
COPY schema ./schema
COPY openapi.yaml ./openapi.yaml
# the one writable place (e.g. notary trustDir ./data/trust, OSV files); mount a volume to keep it
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080
# /healthz answers 200 while the process lives (DESIGN.md); node's own fetch: no curl in the image
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
