#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Signed firmware update of meterd (issue 13): image transfer (IC 18, 0.0.44.0.0.255) driven with
# meterctl as a head-end does (firmware reference 3.3: block size, initiate, the blocks, verify,
# the status, activate) into meterd's file-backed slot pair (port/posix/image_slots.h), the
# images signed here with openssl (ECDSA P-256 over SHA-256, a key made for the test):
#  1. the factory image runs: the active firmware identifier (1.0.0.2.0.255) reads meterfw-0.1.0;
#  2. meterfw-0.2.0, signed: verify gives status 3 (verification successful) and the info of
#     attribute 7 names it; activate restarts the meter on the new image, which confirms itself:
#     status 6, the identifier reads meterfw-0.2.0, the standard event log's last code is 18
#     (firmware activated; 17 before it is checked in tests/test_image.c);
#  3. an image with one byte changed after signing, and one signed by another key: status 4
#     (verification failed), the fraud log's last code 51, activate refused, the identifier
#     unchanged;
#  4. meterfw-0.3.0 activated on a meterd whose new image fails its self-test
#     (--image-no-confirm): it runs on trial (the identifier reads meterfw-0.3.0) but does not
#     confirm; the next start rolls it back: meterfw-0.2.0 again.
# $1 = build tree, $2 = source tree.
set -u
. "$(dirname "$0")/lib/meterctl_env.bash"
command -v openssl >/dev/null || { echo "FAIL: openssl missing"; exit 1; }
openssl ecparam -name prime256v1 -genkey -noout -out "$TMP/key.pem" 2>/dev/null &&
    openssl ec -in "$TMP/key.pem" -pubout -out "$TMP/pub.pem" 2>/dev/null &&
    openssl ecparam -name prime256v1 -genkey -noout -out "$TMP/other.pem" 2>/dev/null ||
    { echo "FAIL: openssl could not make the test keys"; exit 1; }

# mkimage ID BODY_BYTES KEY OUT: "MFWI" | id_len | id | body_len LE | body | sig_len LE | sig
mkimage() {
    python3 - "$1" "$2" "$4.part" <<'P'
import struct, sys
ident, n = sys.argv[1].encode(), int(sys.argv[2])
body = bytes((k * 31 + 7) & 255 for k in range(n))
open(sys.argv[3], 'wb').write(b'MFWI' + bytes([len(ident)]) + ident + struct.pack('<I', n) + body)
P
    openssl dgst -sha256 -sign "$3" -out "$4.sig" "$4.part" || return 1
    python3 -c 'import struct, sys
p = open(sys.argv[1], "rb").read(); s = open(sys.argv[2], "rb").read()
open(sys.argv[3], "wb").write(p + struct.pack("<H", len(s)) + s)' "$4.part" "$4.sig" "$4"
}
hex() { python3 -c 'import sys; print(sys.argv[1].encode().hex())' "$1"; }

M() { timeout 60 "$METERCTL" -p "$PORT" -K "$CKEYS" "$@"; }
IT=0.0.44.0.0.255
# upload FILE ID: the head-end's sequence; the status after verify on stdout
upload() {
    local file=$1 id=$2 bs size n k
    bs=$(M get $IT 2) || return 1
    size=$(stat -c %s "$file")
    M action $IT 1 "{octets:$(hex "$id"), u32:$size}" >/dev/null || return 1
    n=$(( (size + bs - 1) / bs ))
    for ((k = 0; k < n; k++)); do
        M action $IT 2 "{u32:$k, octets:$(python3 -c 'import sys
d = open(sys.argv[1], "rb").read(); b = int(sys.argv[2]); k = int(sys.argv[3])
print(d[k * b:(k + 1) * b].hex())' "$file" "$bs" "$k")}" >/dev/null || return 1
    done
    M action $IT 3 i8:0 >/dev/null
    M get $IT 6
}
# the identifier as text (meterctl prints an octet-string in hex)
fwid() {
    timeout 60 "$METERCTL" -p "$PORT" get 1.0.0.2.0.255 2 |
        python3 -c 'import sys; print(bytes.fromhex(sys.stdin.read().strip()).decode(errors="replace"))'
}

mkimage meterfw-0.2.0 3000 "$TMP/key.pem" "$TMP/v2.img" &&
    mkimage meterfw-0.3.0 1500 "$TMP/key.pem" "$TMP/v3.img" &&
    mkimage meterfw-evil 1000 "$TMP/other.pem" "$TMP/other.img" || { echo "FAIL: mkimage"; exit 1; }
python3 -c 'import sys
d = bytearray(open(sys.argv[1], "rb").read()); d[100] ^= 1; open(sys.argv[2], "wb").write(d)' \
    "$TMP/v2.img" "$TMP/bad.img"

start_meterd --state-dir "$TMP/st" --keys "$KEYS" --image-key "$TMP/pub.pem"
id=$(fwid)
[ "$id" = "meterfw-0.1.0" ] && ok "factory image: $id" || bad "the factory image's identifier: $id"
bs=$(M get $IT 2)
[ "$bs" = "960" ] && ok "block size 960 (the 1024-byte PDU less 64)" || bad "block size $bs"

st=$(upload "$TMP/v2.img" MFW-0.2.0)
info=$(M get $IT 7)
if [ "$st" = "3" ] && echo "$info" | grep -q "$(stat -c %s "$TMP/v2.img")"; then
    ok "meterfw-0.2.0 verified (status 3), to activate: $info"
else bad "verify of meterfw-0.2.0: status $st, info $info"; fi
M action $IT 4 i8:0 >/dev/null || bad "activate refused"
for _ in $(seq 1 100); do grep -q 'firmware image activated' "$TMP/meterd.out" && break; sleep 0.05; done
id=$(fwid) st=$(M get $IT 6) code=$(M get 0.0.96.11.0.255 2)
if [ "$id" = "meterfw-0.2.0" ] && [ "$st" = "6" ] && [ "$code" = "18" ]; then
    ok "activated: the identifier reads $id, status $st, last standard event $code (firmware activated)"
else bad "after activate: identifier $id, status $st, last event $code"; fi

for img in bad other; do
    st=$(upload "$TMP/$img.img" MFW-X)
    code=$(M get 0.0.96.11.1.255 2)
    if [ "$st" = "4" ] && [ "$code" = "51" ] && ! M action $IT 4 i8:0 >/dev/null 2>&1 &&
        [ "$(fwid)" = "meterfw-0.2.0" ]; then
        ok "$img image refused: status 4, fraud event $code, no activation"
    else bad "$img image: status $st, fraud event $code, identifier $(fwid)"; fi
done

kill "$PID"; wait "$PID" 2>/dev/null; PID=""
start_meterd --state-dir "$TMP/st" --image-key "$TMP/pub.pem" --image-no-confirm
st=$(upload "$TMP/v3.img" MFW-0.3.0)
M action $IT 4 i8:0 >/dev/null || bad "activate of meterfw-0.3.0 refused"
for _ in $(seq 1 100); do grep -q 'firmware image activated' "$TMP/meterd.out" && break; sleep 0.05; done
id=$(fwid)
[ "$st" = "3" ] && [ "$id" = "meterfw-0.3.0" ] && ok "meterfw-0.3.0 runs on trial without confirming" ||
    bad "meterfw-0.3.0 on trial: status $st, identifier $id"
kill "$PID"; wait "$PID" 2>/dev/null; PID=""
start_meterd --state-dir "$TMP/st" --image-key "$TMP/pub.pem"
id=$(fwid)
if [ "$id" = "meterfw-0.2.0" ] && grep -q 'rolled back' "$TMP/meterd.out"; then
    ok "the unconfirmed image was rolled back: $id"
else bad "after the restart: identifier $id; $(cat "$TMP/meterd.out")"; fi

if [ "$fails" -ne 0 ]; then
    echo "meterd said:"; cat "$TMP/meterd.out"; echo "FAIL: $fails check(s)"; exit 1
fi
echo "PASS"
