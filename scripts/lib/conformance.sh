# Helpers the conformance parts share; sourced by scripts/conformance.d/*.sh (not a part
# itself). Each part sets `work` (its folder) before using them.

# The background simulator a part started (card-sim, portal-sim), stopped on exit.
sim=
stop_sim() {
  if [ -n "$sim" ]; then
    kill "$sim" 2>/dev/null || true
    wait "$sim" 2>/dev/null || true
    sim=
  fi
}
trap stop_sim EXIT

# verify_signature CERT.der SIG TAG [DOC]: openssl checks the RSA/SHA-256 signature SIG
# over DOC (default $work/doc.xml) with the certificate's key; prints "ok: TAG …" or the
# reason, and returns non-zero when it does not verify.
verify_signature() {
  local der=$1 sig=$2 tag=$3 doc=${4:-$work/doc.xml}
  openssl x509 -inform DER -in "$der" -pubkey -noout >"$work/$tag.pub.pem"
  if ! openssl dgst -sha256 -verify "$work/$tag.pub.pem" -signature "$sig" "$doc" \
    >"$work/$tag.verify" 2>&1; then
    cat "$work/$tag.verify" >&2
    return 1
  fi
  echo "ok: $tag signature: $(cat "$work/$tag.verify")"
}

# announced CERT.der LOG: the certificate's SHA-256 fingerprint is one card-sim printed
# in LOG (the certificate read over PC/SC is the card's).
announced() {
  local der=$1 log=$2 fp
  fp=$(openssl x509 -inform DER -in "$der" -noout -fingerprint -sha256 | cut -d= -f2)
  grep -q "$fp" "$log"
}
