#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The in-home display in a browser (tests/browser/ihd_page.js): Debian's chromium, headless,
# driven by playwright-core from build/npm (scripts/npm.sh), against ihd fed by the test's own
# P1 source. Screenshots go to BUILD/ihd-browser/.
# $1 = build tree, $2 = source tree.
set -u
build=$1
src=$2
mods=${IHD_NODE_MODULES:-$src/build/npm/node_modules}
chromium=$(command -v chromium || true)
if [ ! -d "$mods/playwright-core" ] || [ ! -d "$mods/uplot" ]; then
    echo "FAIL: no playwright-core and uPlot in $mods (scripts/npm.sh installs them)"; exit 1
fi
[ -n "$chromium" ] || { echo "FAIL: no chromium (scripts/setup.sh installs it)"; exit 1; }
command -v node >/dev/null || { echo "FAIL: no node (scripts/setup.sh installs it)"; exit 1; }
IHD="$build/tools/ihd/ihd" SOURCE_TREE="$src" OUT="$build/ihd-browser" CHROMIUM="$chromium" \
    NODE_MODULES="$mods" timeout 120 node "$src/tests/browser/ihd_page.js"
