#!/usr/bin/env bash
# HPKI cards through the real PC/SC stack: each virtual HPKI card (physician, dentist,
# pharmacist) is served to pcscd through vpcd; hpki-card's `hpki_sign` example reads its
# certificate and signs with it over PcscTransport; openssl verifies the signature with
# the certificate read from the card. The cards vary the layout and the signing command
# so that detection, the JAHIS PSO (chained by default, since PcscTransport declares no
# extended length; one run declares it and sends the PSO as one extended APDU) and the
# JPKI-style command all cross pcscd.
set -euo pipefail
bin=$CARGO_TARGET_DIR/debug
work=$CONFORMANCE_TMP/hpki-card
mkdir -p "$work"
printf '<Prescription>medsign conformance</Prescription>\n' >"$work/doc.xml"

# shellcheck source=../lib/conformance.sh
. "$ROOT/scripts/lib/conformance.sh"

run_card() {
  local card=$1 profile=$2 variants=$3 app=$4
  shift 4
  # Further arguments go to hpki_sign (e.g. --extended).
  local tag=$card-$profile-$variants-$app${1:+-ext}
  "$bin/card-sim" vpcd --card "$card" --profile "$profile" --sign-variants "$variants" \
    --pin 4321 >"$work/$tag.sim.log" 2>&1 &
  sim=$!
  # pcscd notices the card once vpcd has the connection.
  local ok=
  for _ in $(seq 1 50); do
    if "$bin/examples/hpki_sign" --reader "Virtual PCD 00 00" --pin 4321 --app "$app" \
      --in "$work/doc.xml" --cert-out "$work/$tag.der" --sig-out "$work/$tag.sig" "$@" \
      >"$work/$tag.out" 2>&1; then
      ok=1
      break
    fi
    # Only retry while the reader has no card yet; any other failure is final.
    grep -qiE 'no card|no reader|reset|removed|unavailable' "$work/$tag.out" || break
    sleep 0.2
  done
  if [ -z "$ok" ]; then
    echo "hpki_sign failed on $tag:" >&2
    cat "$work/$tag.out" "$work/$tag.sim.log" >&2
    return 1
  fi
  grep -q "PIN: 4321" "$work/$tag.sim.log"
  verify_signature "$work/$tag.der" "$work/$tag.sig" "$tag" || return 1
  # The certificate read over PC/SC is the one whose fingerprint card-sim announced.
  announced "$work/$tag.der" "$work/$tag.sim.log" \
    || { echo "$tag: certificate fingerprint not announced" >&2; return 1; }
  echo "ok: $tag ($(grep -o 'Some([A-Za-z]*)' "$work/$tag.out" || true))"
  stop_sim
  # Let pcscd see the card go before the next one comes.
  sleep 0.5
}

run_card hpki-physician jma both signing
run_card hpki-dentist jma jahis signing
run_card hpki-pharmacist jahis jpki signing
run_card hpki-physician jahis both authentication
run_card hpki-pharmacist jma jahis signing --extended

# The tests `cargo test` ignores because they need the openssl command.
(cd "$ROOT" && cargo test --quiet -p hpki-card --test card -- --ignored) \
  || { echo "35-hpki-card: hpki-card's openssl tests failed" >&2; exit 1; }
echo "ok: hpki-card's openssl tests"
