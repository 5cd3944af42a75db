#!/usr/bin/env bash
# The virtual My Number Card under the real pcscd: jpki-card through PcscTransport reads
# every certificate and the basic four items and signs with both keys (checked with
# openssl), then OpenSC's own JPKI driver lists and reads the certificates
# (pkcs15-tool) and signs with the authentication key through its PKCS#11 module
# (pkcs11-tool; checked with openssl). APDU counts of medsign and OpenSC per operation
# are written to $CONFORMANCE_TMP/jpki/apdu-counts.txt and printed.
set -euo pipefail
bin=$CARGO_TARGET_DIR/debug
out=$CONFORMANCE_TMP/jpki
mkdir -p "$out"
trace=$out/card-sim.trace
p11=${OPENSC_PKCS11:-/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so}
[ -e "$p11" ] || p11=$(ls /usr/lib/*/opensc-pkcs11.so 2>/dev/null | head -n1)

# shellcheck source=../lib/conformance.sh
. "$ROOT/scripts/lib/conformance.sh"
"$bin/card-sim" vpcd --card mynumber --trace "$trace" >"$out/card-sim.log" 2>&1 &
sim=$!

fail() {
  echo "20-jpki: $*" >&2
  echo "--- card-sim log" >&2
  cat "$out/card-sim.log" >&2 || true
  exit 1
}

# pcscd notices the card once vpcd has the connection.
ready=0
for _ in $(seq 1 50); do
  if "$bin/examples/pcsc_select" "Virtual PCD 00 00" >"$out/wait.out" 2>&1; then
    ready=1
    break
  fi
  sleep 0.2
done
[ $ready = 1 ] || { cat "$out/wait.out" >&2; fail "the virtual card never appeared in pcscd"; }

apdus() { grep -c '^>' "$trace" || true; }

# Only the commands from OpenSC's JPKI AP selection on: before it, OpenSC's other card
# drivers probe the card with their own AIDs.
apdus_from_jpki_select() {
  tail -n +"$1" "$trace" | awk '/^> 00A4040C0AD392F000260100000001/ { on = 1 } on && /^>/ { n++ } END { print n + 0 }'
}

# --- jpki-card through PcscTransport -------------------------------------------------
printf 'medsign conformance: 処方箋 %s\n' "$(date -u +%FT%TZ)" >"$out/message.txt"
"$bin/examples/jpki_pcsc" "$out" "$out/message.txt" >"$out/jpki_pcsc.out" 2>&1 \
  || { cat "$out/jpki_pcsc.out" >&2; fail "jpki_pcsc failed"; }
cat "$out/jpki_pcsc.out"
grep -q 'basic four items: 山田　花子 / born 1980-04-01 / Female' "$out/jpki_pcsc.out" \
  || fail "basic four items not as on the virtual card"
if grep -q '123456789018' "$out/jpki_pcsc.out"; then fail "the My Number was printed"; fi

# The certificates read are the ones card-sim announced (SHA-256 fingerprints).
for pair in "auth.der:000A" "auth-ca.der:000B" "sign.der:0001" "sign-ca.der:0002"; do
  file=${pair%%:*}
  fid=${pair##*:}
  want=$(grep "^  $fid " "$out/card-sim.log" | sed 's/.*SHA-256 //' | tr -d ':' || true)
  got=$(openssl dgst -sha256 -r "$out/$file" | cut -d' ' -f1 | tr 'a-f' 'A-F')
  [ -n "$want" ] && [ "$want" = "$got" ] || fail "$file: fingerprint $got, card-sim announced $want"
done

for key in auth sign; do
  openssl x509 -inform der -in "$out/$key.der" -noout -pubkey >"$out/$key.pub.pem"
done
openssl dgst -sha256 -verify "$out/auth.pub.pem" -signature "$out/auth.sig" "$out/message.txt" \
  || fail "auth signature does not verify"
openssl dgst -sha256 -verify "$out/sign.pub.pem" -signature "$out/sign.sig" "$out/message.txt" \
  || fail "signature-key signature does not verify"
openssl dgst -sha256 -binary "$out/message.txt" >"$out/message.sha256"
openssl pkeyutl -verify -pubin -inkey "$out/sign.pub.pem" -pkeyopt digest:sha256 \
  -in "$out/message.sha256" -sigfile "$out/sign.sig" \
  || fail "signature-key signature does not verify with pkeyutl"
# The signature certificate carries the basic four items in subjectAltName.
san=$(openssl x509 -inform der -in "$out/sign.der" -noout -ext subjectAltName)
case $san in
  *'1.2.392.200149.8.5.5.1::山田　花子'*) ;;
  *) fail "signature certificate without the name in subjectAltName: $san" ;;
esac

# --- OpenSC: pkcs15-tool --------------------------------------------------------------
opensc_counts=$out/opensc-counts.txt
: >"$opensc_counts"
run_counted() {
  local label=$1
  shift
  local before start
  before=$(apdus)
  start=$(($(wc -l <"$trace") + 1))
  "$@"
  echo "$label $(($(apdus) - before)) $(apdus_from_jpki_select "$start")" >>"$opensc_counts"
}

run_counted list-certificates pkcs15-tool --list-certificates >"$out/pkcs15-list.txt" 2>&1 \
  || { cat "$out/pkcs15-list.txt" >&2; fail "pkcs15-tool --list-certificates failed"; }
cat "$out/pkcs15-list.txt"
for label in "User Authentication Certificate" "Digital Signature Certificate" \
  "User Authentication Certificate CA" "Digital Signature Certificate CA"; do
  grep -q "\[$label\]" "$out/pkcs15-list.txt" || fail "pkcs15-tool did not list $label"
done

for pair in "01:auth.der" "03:auth-ca.der" "04:sign-ca.der"; do
  id=${pair%%:*}
  file=${pair##*:}
  run_counted "read-certificate-$id" pkcs15-tool --read-certificate "$id" -o "$out/opensc-$id.pem" \
    >"$out/pkcs15-read-$id.txt" 2>&1 || { cat "$out/pkcs15-read-$id.txt" >&2; fail "pkcs15-tool --read-certificate $id failed"; }
  openssl x509 -in "$out/opensc-$id.pem" -outform der -out "$out/opensc-$id.der"
  cmp -s "$out/opensc-$id.der" "$out/$file" || fail "OpenSC read a different certificate $id than jpki-card"
done

# --- OpenSC: pkcs11-tool with the authentication key ----------------------------------
run_counted pkcs11-login-sign pkcs11-tool --module "$p11" --login --pin 1234 --sign \
  --mechanism SHA256-RSA-PKCS --id 01 -i "$out/message.txt" -o "$out/opensc-auth.sig" \
  >"$out/pkcs11-sign.txt" 2>&1 || { cat "$out/pkcs11-sign.txt" >&2; fail "pkcs11-tool sign failed"; }
openssl dgst -sha256 -verify "$out/auth.pub.pem" -signature "$out/opensc-auth.sig" "$out/message.txt" \
  || fail "OpenSC's signature does not verify"
# PKCS#1 v1.5 is deterministic: OpenSC and jpki-card made the same signature.
cmp -s "$out/opensc-auth.sig" "$out/auth.sig" || fail "OpenSC and jpki-card signatures differ"

# --- APDU counts ------------------------------------------------------------------------
{
  echo "# medsign jpki-card (TraceTransport through PC/SC): operation APDUs"
  cat "$out/counts.txt"
  echo "# OpenSC 0.2x (card-sim --trace): operation total-APDUs APDUs-from-JPKI-AP-SELECT"
  cat "$opensc_counts"
} | tee "$out/apdu-counts.txt"

# The tests `cargo test` ignores because they need the openssl command.
(cd "$ROOT" && cargo test --quiet -p jpki-card --test in_process -- --ignored) \
  || { echo "20-jpki: jpki-card's openssl tests failed" >&2; exit 1; }
(cd "$ROOT" && cargo test --quiet -p card-sim --lib -- --ignored) \
  || { echo "20-jpki: card-sim's openssl tests failed" >&2; exit 1; }
echo "20-jpki: ok"
