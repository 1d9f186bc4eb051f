# codeindex: one image for the MCP server (stdio), the HTTP server/dashboard and the workers.
#
#   docker build -t codeindex .
#   docker run --rm -i -e REDIS_URL=redis://redis:6379 -v "$PWD:/src:ro" -e CODEINDEX_ROOTS=/src \
#     -v codeindex-data:/data codeindex serve --workers 0        # MCP over stdio (-i, no tty)
#   docker run ... codeindex worker --queues indexing,embeddings,maintenance
#   docker run ... -p 5555:5555 -e CODEINDEX_DASHBOARD_TOKEN=... codeindex dashboard --host 0.0.0.0 --workers 0
#
# See docker-compose.yml for Redis + workers + server together, and docs/operations.md.

# ---- build: native modules (better-sqlite3, tree-sitter grammars, our native extractor) need a compiler and python ----
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json binding.gyp ./
COPY native ./native
COPY scripts/build-native.mjs ./scripts/build-native.mjs
# The install script builds native/ into build/Release; CODEINDEX_NATIVE_REQUIRED makes a failed build fail the image.
RUN CODEINDEX_NATIVE_REQUIRED=1 npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: no compiler, non-root ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    CODEINDEX_HOME=/data \
    CODEINDEX_LOG_LEVEL=info
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/build/Release/codeindex_native.node ./build/Release/codeindex_native.node
COPY --from=build --chown=root:root /app/src/indexer/queries ./src/indexer/queries
# The image's own `node` user (uid 1000) owns only the data dir; the code stays read-only to it.
RUN mkdir -p /data && chown node:node /data \
 && ln -s /app/dist/src/cli.js /usr/local/bin/codeindex && chmod +x /app/dist/src/cli.js
USER node
VOLUME ["/data"]
EXPOSE 5555
# Every subcommand works: serve (stdio MCP), worker, dashboard, index, search, status, ...
ENTRYPOINT ["node", "/app/dist/src/cli.js"]
CMD ["serve"]
