# The Airbyte image of source-postgres-ts: `spec | check | discover | read` on stdout, as the
# Airbyte protocol's Docker contract asks. Build: docker build -t tap-postgres-ts/source-postgres-ts:0.1.0 .
FROM node:20-alpine AS build
WORKDIR /build
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY lib ./lib
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-alpine
LABEL io.airbyte.name=tap-postgres-ts/source-postgres-ts io.airbyte.version=0.1.0
WORKDIR /airbyte/integration_code
COPY --from=build /build/package.json ./
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/dist ./dist
COPY bin ./bin
COPY schemas ./schemas
ENV NODE_ENV=production
ENV AIRBYTE_ENTRYPOINT="node /airbyte/integration_code/bin/source-postgres-ts"
USER node
ENTRYPOINT ["node", "/airbyte/integration_code/bin/source-postgres-ts"]
