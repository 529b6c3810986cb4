# Placeholder until the container issue: a multi-stage build of the exporter.
# Build: compile TypeScript with dev dependencies; run: production dependencies only.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
USER 65534:65534
EXPOSE 9871
ENTRYPOINT ["node", "dist/cli.js"]
