#!/usr/bin/env bash
# The container image's build, in one place: the Dockerfile's build stage runs this, and so does
# test/container/image.test.ts, so what the test starts is what the image holds.
#
#   bash scripts/build-image.sh DEST
#
# produces exactly the runtime tree DEST/app/{dist,node_modules,package.json,config}: the compiled
# exporter, the production dependencies from package-lock.json (npm ci --omit=dev), and config/.
# It builds in a scratch copy of the sources, so the working tree's node_modules/ and dist/ are never
# touched, and uses npm's cache first (--prefer-offline), so a rebuild with warm caches is quick.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 DEST   (writes DEST/app)" >&2
  exit 2
fi
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
dest=$(cd "$1" && pwd)/app
if [ -e "$dest" ]; then
  echo "$0: $dest already exists; give an empty destination" >&2
  exit 2
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/dbs-exporter-build.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
npm_flags=(--prefer-offline --no-audit --no-fund --no-update-notifier --loglevel=warn)

# 1. Compile with the dev dependencies (--include=dev even if NODE_ENV=production is set). Install
#    scripts are skipped: only tsc runs here, and it needs none (esbuild's, for tsx, would).
mkdir "$scratch/build"
cp -R "$repo/package.json" "$repo/package-lock.json" "$repo/tsconfig.json" "$repo/src" "$scratch/build/"
(cd "$scratch/build" && npm ci --include=dev --ignore-scripts "${npm_flags[@]}" && node_modules/.bin/tsc -p tsconfig.json)

# 2. The runtime tree: production dependencies exactly as locked, then the lock file is dropped.
mkdir -p "$dest"
cp "$repo/package.json" "$repo/package-lock.json" "$dest/"
(cd "$dest" && npm ci --omit=dev "${npm_flags[@]}")
rm "$dest/package-lock.json"
cp -R "$scratch/build/dist" "$dest/dist"
cp -R "$repo/config" "$dest/config"

echo "runtime tree: $dest ($(du -sh "$dest" | cut -f1))"
