#!/usr/bin/env bash
# remote-sign: 100 prescriptions signed remotely with the HPKI second certificate (one
# login with the virtual My Number Card, one authorize + one signHash round trip) all
# verify with verify_prescription (qualification shown) and one of them with xmlsec1.
set -euo pipefail
: "${ROOT:?}" "${CARGO_TARGET_DIR:?}"
TMP=${CONFORMANCE_TMP:-$(mktemp -d)}/remote
rm -rf "$TMP"
mkdir -p "$TMP"
fail() { echo "60-remote: $*" >&2; exit 1; }

EX="$CARGO_TARGET_DIR/debug/examples"
if [ ! -x "$EX/remote_sign_batch" ]; then
  (cd "$ROOT" && cargo build --quiet --examples -p remote-sign 2>/dev/null) \
    || (cd "$ROOT" && cargo build --quiet --example remote_sign_batch)
fi
if [ ! -x "$EX/verify_prescription" ]; then
  (cd "$ROOT" && cargo build --quiet -p xades-sign --examples)
fi

"$EX/remote_sign_batch" --count 100 --out "$TMP/out" > "$TMP/batch.json" 2>"$TMP/batch.log" \
  || { cat "$TMP/batch.log" >&2; fail "remote_sign_batch failed"; }
python3 - "$TMP/batch.json" <<'PY' || fail "unexpected login or round-trip counts"
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
assert r["documents"] == 100, r
assert r["logins"] == 1, r
assert r["signing_round_trips"] == 2, r
PY

"$EX/verify_prescription" --trust "$TMP/out/trust" "$TMP"/out/*.xml > "$TMP/verify.jsonl" \
  || fail "verify_prescription refused a remotely signed prescription"
python3 - "$TMP/verify.jsonl" <<'PY' || fail "unexpected verification report"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 100, len(rows)
for r in rows:
    assert r["status"] == "VALID", r
    s = r["signatures"][0]
    assert s["signer"]["qualification"] == "MedicalDoctor", s
PY

# An independent verifier on one of them.
openssl x509 -inform DER -in "$TMP/out/trust/test-hpki-root.der" -out "$TMP/root.pem"
openssl x509 -inform DER -in "$TMP/out/trust/test-hpki-ca-0.der" -out "$TMP/ca.pem"
xmlsec1 --verify --id-attr:id PrescriptionDocument --id-attr:Id SignedProperties --id-attr:Id KeyInfo \
  --trusted-pem "$TMP/root.pem" --untrusted-pem "$TMP/ca.pem" \
  --enabled-reference-uris same-doc "$TMP/out/0042.xml" >"$TMP/xmlsec.log" 2>&1 \
  || { cat "$TMP/xmlsec.log" >&2; fail "xmlsec1 rejects a remotely signed prescription"; }
echo "60-remote: 100 remote signatures, 1 login, 2 signing round trips, all VALID"

# The tests `cargo test` ignores because they need the openssl command.
(cd "$ROOT" && cargo test --quiet -p remote-sign --test remote -- --ignored) \
  || fail "remote-sign's openssl tests"
echo "60-remote: remote-sign's openssl tests pass"
