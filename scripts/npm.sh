#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the in-home display's npm packages (tools/ihd/package.json and its lock: uPlot for the
# page, playwright-core for the browser test) into a folder of the build tree, default
# build/npm/node_modules: never into the source tree, nothing committed. Idempotent: `npm ci`
# runs again only when the lock changed. ihd serves uPlot from there (--uplot DIR otherwise).
#   scripts/npm.sh [DIR]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$src/build/npm}
if ! command -v npm >/dev/null; then
  echo "npm: not installed (scripts/setup.sh installs nodejs and npm)" >&2
  exit 2
fi
mkdir -p "$dir"
if [ -d "$dir/node_modules/uplot" ] && [ -d "$dir/node_modules/playwright-core" ] &&
   cmp -s "$src/tools/ihd/package-lock.json" "$dir/package-lock.json"; then
  exit 0
fi
cp "$src/tools/ihd/package.json" "$src/tools/ihd/package-lock.json" "$dir/"
echo "npm: installing the in-home display's packages into $dir"
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
