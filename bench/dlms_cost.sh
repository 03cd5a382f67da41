#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The DLMS/COSEM server's cost: instructions per single GET and per load-profile row, counted by
# callgrind inside mfw_dlms_server_apdu only (repeatable), plus server wall time and the loopback
# figures of bench_dlms (meterd over TCP, the whole client-server round trip).
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
get_ir=$(ir get 2000)      # 1 AARQ + 1 + 5 x 2000 GETs
prof_ir=$(ir profile)      # 1 AARQ + the year's load profile by range
echo "| measure | value |"
echo "|---|---|"
printf '| instructions per single GET of A+ (server) | %.0f |\n' "$(echo "$get_ir / 10001" | bc -l)"
printf '| instructions per load-profile row (server, 35,040 rows by range) | %.0f |\n' \
  "$(echo "$prof_ir / 35040" | bc -l)"
"$bin" both 20000 | sed 's/^/| server wall time: /; s/$/ |/'
echo
"$rel/bench/bench_dlms"
