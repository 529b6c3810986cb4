# syntax=docker/dockerfile:1
# dbs-exporter: a multi-stage build. The build stage runs scripts/build-image.sh, the same script
# test/container/image.test.ts runs and starts the result of; the runtime stage only copies its output.
#
#   docker build -t dbs-exporter --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD) .
#   docker run --rm -p 9871:9871 --read-only dbs-exporter --demo --web.listen-address=:9871
#
# Debian slim rather than Alpine: glibc, the libc Node.js builds and the tests run on (Node's musl
# builds are experimental), at a modest size cost. Pin it by digest with --build-arg NODE_IMAGE=...@sha256:...
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json ./
COPY scripts/build-image.sh scripts/
COPY src src/
COPY config config/
RUN --mount=type=cache,target=/root/.npm bash scripts/build-image.sh /out

FROM ${NODE_IMAGE}
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="dbs-exporter" \
      org.opencontainers.image.description="Prometheus exporter for Alibaba Cloud Database Backup Service (DBS)" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
ENV NODE_ENV=production
# Memory of a long-running exporter (measured by `npm run bench`, which runs measured processes
# with these same ENV lines): glibc malloc with a fixed mmap threshold and two arenas, so native
# buffers freed after each cycle go back to the OS instead of fragmenting the malloc heap
# (5,000 plans: ~50 MiB less RSS after 20 cycles); V8's young generation capped at 2 × 8 MiB
# instead of 2 × 16 MiB (5,000 plans after 10 cycles, in-process probe: new space 16 MiB and old
# space ~29 MiB less committed, RSS 264 -> 223 MiB; cycle time unchanged); and the old generation
# capped at 256 MiB. Without a cap, and without a container memory limit, node sizes the heap from the
# host's memory and V8 lets each steady cycle's garbage (~100-150 MiB at 5,000 plans, mostly parsed
# responses promoted out of the young generation, by a heap sampling profile) pile up to ~4x the live
# heap before a full GC: RSS in service 300-330 MiB.
# With the cap V8 grows the heap by ~1.3x and collects each cycle's garbage: 180-199 MiB, cycle times
# unchanged. The live heap at 5,000 plans is ~35 MiB after a full GC; 15,000 plans ran their first cycle
# under the cap. Under a memory limit node would cap the old space itself (half the limit, at least
# 256 MiB): the Helm chart replaces NODE_OPTIONS to let it.
# Why both this line and src/runtime.ts: started without these flags (`node dist/cli.js`), the program
# applies equivalent settings itself (old generation grown by 1.3x, the growth V8 picks under this cap,
# but uncapped; semi-space steered to 8 MiB). Flags given here or in NODE_OPTIONS win over runtime.ts,
# so the image keeps its measured fixed cap; the Helm chart's NODE_OPTIONS (no old-space cap) gets the
# 1.3x growth from runtime.ts.
ENV MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    NODE_OPTIONS="--max-semi-space-size=8 --max-old-space-size=256"
WORKDIR /app
# Owned by root and not writable by the runtime user; the exporter writes nothing to disk, so the
# container runs with a read-only root filesystem.
COPY --from=build /out/app /app
COPY --from=build /out/app/config/dbs-exporter.yaml /etc/dbs-exporter/dbs-exporter.yaml
# nobody:nogroup, numeric so Kubernetes' runAsNonRoot can verify it.
USER 65534:65534
EXPOSE 9871
# Set DBS_EXPORTER_HEALTHCHECK_URL when the exporter listens elsewhere than 127.0.0.1:9871.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["node", "dist/healthcheck.js"]
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["--config=/etc/dbs-exporter/dbs-exporter.yaml"]
