#!/usr/bin/env bash
# hpki-cert: OpenSSL accepts the generated HPKI / JPKI / TSA test hierarchies, shows the
# hcRole extension, and agrees with our CRL; and the bundled MHLW root and MEDIS CA
# chain the real sample signer.
set -euo pipefail
: "${ROOT:?}" "${CARGO_TARGET_DIR:?}"
TMP=${CONFORMANCE_TMP:-$(mktemp -d)}/hpki-cert
mkdir -p "$TMP"

fail() { echo "30-hpki-cert: $*" >&2; exit 1; }

bin="$CARGO_TARGET_DIR/debug/examples/write-test-pki"
if [ ! -x "$bin" ]; then
  (cd "$ROOT" && cargo build --quiet -p hpki-cert --features test-pki --example write-test-pki)
fi
"$bin" "$TMP/pki" >/dev/null
P="$TMP/pki"
AT=1735689600   # 2025-01-01T00:00:00Z, inside every test certificate's validity

verify() { # root ca leaf [extra openssl args...]
  local root=$1 ca=$2 leaf=$3; shift 3
  openssl verify -attime "$AT" -policy_check "$@" -CAfile "$P/$root" -untrusted "$P/$ca" "$P/$leaf"
}

for chain in \
  "hpki-root.pem hpki-sign-ca.pem physician-sign.pem" \
  "hpki-root.pem hpki-sign-ca.pem dentist-sign.pem" \
  "hpki-root.pem hpki-sign-ca.pem pharmacist-sign.pem" \
  "hpki-root.pem hpki-auth-ca.pem physician-auth.pem" \
  "hpki-root.pem hpki-auth-ca.pem dentist-auth.pem" \
  "hpki-root.pem hpki-auth-ca.pem pharmacist-auth.pem" \
  "jpki-root.pem jpki-sign-ca.pem jpki-holder-sign.pem" \
  "jpki-root.pem jpki-auth-ca.pem jpki-holder-auth.pem" \
  "tsa-root.pem tsa-root.pem tsa.pem"; do
  # shellcheck disable=SC2086
  out=$(verify $chain 2>&1) || fail "openssl verify rejected: $chain: $out"
  echo "$out" | grep -q ': OK$' || fail "openssl verify: $out"
done
echo "30-hpki-cert: openssl verify accepts the 9 test chains"

# The TSA certificate is for time-stamping (critical EKU), the physician's is not.
openssl verify -attime "$AT" -purpose timestampsign -CAfile "$P/tsa-root.pem" "$P/tsa.pem" >/dev/null \
  || fail "openssl does not accept the TSA certificate for timestampsign"
openssl x509 -in "$P/tsa.pem" -noout -text | grep -A1 'Extended Key Usage: critical' | grep -q 'Time Stamping' \
  || fail "TSA certificate lacks critical EKU timeStamping"

# hcRole visible to openssl, byte-identical to the real MEDIS DER.
text=$(openssl x509 -in "$P/physician-sign.pem" -noout -text)
echo "$text" | grep -q 'X509v3 Subject Directory Attributes' || fail "no Subject Directory Attributes"
echo "$text" | grep -q 'Medical Doctor' || fail "hcRole text not shown"
echo "$text" | grep -q 'X509v3 Certificate Policies: critical' || fail "policy extension not critical"
echo "$text" | grep -A1 'X509v3 Key Usage: critical' | grep -q '^ *Non Repudiation$' || fail "keyUsage is not nonRepudiation only"
hc=$(openssl asn1parse -in "$P/physician-sign.pem" | grep -A1 'X509v3 Subject Directory Attributes' | tail -1 | sed 's/.*\[HEX DUMP\]://')
[ "$hc" = "303430320606288185420001312831263024A0223120A00C060A2A830886910F01060101A2100C0E4D65646963616C20446F63746F72" ] \
  || fail "hcRole DER differs from docs/spec/signatures.md §3: $hc"
echo "30-hpki-cert: openssl shows the hcRole (Medical Doctor), DER identical to the real one"

# The CRL: openssl finds the physician revoked and the dentist not.
if verify hpki-root.pem hpki-sign-ca.pem physician-sign.pem -crl_check -CRLfile "$P/hpki-sign-ca.crl.pem" >"$TMP/crl.out" 2>&1; then
  fail "openssl accepted the revoked physician: $(cat "$TMP/crl.out")"
fi
grep -q 'revoked' "$TMP/crl.out" || fail "openssl CRL check: $(cat "$TMP/crl.out")"
verify hpki-root.pem hpki-sign-ca.pem dentist-sign.pem -crl_check -CRLfile "$P/hpki-sign-ca.crl.pem" >/dev/null \
  || fail "openssl rejected the dentist with the CRL"
echo "30-hpki-cert: openssl agrees with the CRL (physician revoked, dentist good)"

# The real sample signer chains to the bundled anchors (copies of fixtures/trust).
python3 - "$ROOT/fixtures/eprescription/prescription-004_01.xml" "$TMP/sample-signer.der" <<'PY'
import base64, re, sys
xml = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"X509Certificate>([^<]+)</", xml)
open(sys.argv[2], "wb").write(base64.b64decode(re.sub(r"\s", "", m.group(1))))
PY
A="$ROOT/crates/hpki-cert/anchors"
openssl x509 -inform der -in "$A/mhlw-hpki-root-ca-v2.der" -out "$TMP/root.pem"
openssl x509 -inform der -in "$A/medis-sign-ca2.der" -out "$TMP/medis-sign.pem"
openssl x509 -inform der -in "$TMP/sample-signer.der" -out "$TMP/sample-signer.pem"
out=$(openssl verify -attime 1704067200 -CAfile "$TMP/root.pem" -untrusted "$TMP/medis-sign.pem" "$TMP/sample-signer.pem" 2>&1) \
  || fail "openssl rejected the real sample signer with the bundled anchors: $out"
echo "30-hpki-cert: openssl verifies the real sample signer to the bundled MHLW root"

# The tests `cargo test` ignores because they need the openssl command.
(cd "$ROOT" && cargo test --quiet -p hpki-cert --test testpki -- --ignored) \
  || fail "hpki-cert's openssl tests"
echo "30-hpki-cert: hpki-cert's openssl tests pass"
