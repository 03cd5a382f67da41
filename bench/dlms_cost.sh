#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The DLMS/COSEM server's cost: instructions per single GET and per load-profile row, counted by
# callgrind inside mfw_dlms_server_apdu only (repeatable), plus server wall time and the loopback
# figures of bench_dlms (meterd over TCP, the whole client-server round trip); each plain (the
# LLS management association) and ciphered (HLS-GMAC, suite 0 authenticated encryption; the
# cryptography of the posix port, Mbed TLS, is inside mfw_dlms_server_apdu and counted).
#   bench/dlms_cost.sh RELEASE_BUILD_DIR
set -euo pipefail
rel=${1:-build/release}
bin=$rel/bench/bench_dlms_server
ir() {
  local out
  out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect=mfw_dlms_server_apdu \
    "$bin" "$@" >/dev/null 2>&1
  callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}'
  rm -f "$out"
}
get_ir=$(ir get 2000 plain)          # 1 AARQ + 1 + 5 x 2000 GETs
get_cir=$(ir get 2000 cipher)        # 1 AARQ + pass 3 + 1 + 5 x 2000 GETs
prof_ir=$(ir profile 0 plain)        # 1 AARQ + the year's load profile by range
prof_cir=$(ir profile 0 cipher)
echo "| measure | plain | ciphered |"
echo "|---|---|---|"
printf '| instructions per single GET of A+ (server) | %.0f | %.0f |\n' \
  "$(echo "$get_ir / 10001" | bc -l)" "$(echo "$get_cir / 10002" | bc -l)"
printf '| instructions per load-profile row (server, 35,040 rows by range) | %.0f | %.0f |\n' \
  "$(echo "$prof_ir / 35040" | bc -l)" "$(echo "$prof_cir / 35040" | bc -l)"
"$bin" both 20000 plain | sed 's/^/| server wall time: /; s/$/ | |/'
"$bin" both 20000 cipher | sed 's/^/| server wall time: /; s/$/ | |/'
echo
"$rel/bench/bench_dlms"
