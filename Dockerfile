# Multi-stage build of the dataset registry; the runtime image runs as the
# unprivileged `node` user with production dependencies only.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
USER node
EXPOSE 3000
# Liveness: the process answers. A dependency outage is readiness (/health/ready), which a restart never cures.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# package.json's config.serviceNodeFlags: a young generation of 8 MB semi-spaces and an old generation that grows by 25 %
# before its next full collection keep a 1M-point ingest or export under 250 MB on Node 24, at full speed (docs/operations.md#memory).
CMD ["node", "--max-semi-space-size=8", "--heap-growing-percent=25", "dist/main.js"]
