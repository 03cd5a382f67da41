#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages meterfw needs, only those missing. Idempotent; as root or via sudo.
set -euo pipefail
pkgs=(build-essential cmake libcmocka-dev libmbedtls-dev nettle-dev libcjson-dev gcc-arm-none-eabi
      libnewlib-arm-none-eabi valgrind bc clang libclang-rt-14-dev clang-format python3 git
      qemu-system-arm pkg-config libsqlite3-dev libmicrohttpd-dev chromium fonts-dejavu-core)
# The in-home display's npm packages (scripts/npm.sh) need node and npm: Debian's, unless a
# node with its own npm is there already (the nodesource package bundles npm and conflicts with
# Debian's npm package).
command -v node >/dev/null || pkgs+=(nodejs)
command -v npm >/dev/null || pkgs+=(npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "setup: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
