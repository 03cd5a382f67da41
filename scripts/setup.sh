#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages meterfw needs, only those missing. Idempotent; as root or via sudo.
set -euo pipefail
pkgs=(build-essential cmake libcmocka-dev libmbedtls-dev nettle-dev libcjson-dev gcc-arm-none-eabi
      libnewlib-arm-none-eabi valgrind bc clang libclang-rt-14-dev clang-format python3 git
      qemu-system-arm)
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
