#!/usr/bin/env bash
# CMS / CAdES interop (issue 6): medsign B-B verified by `openssl cms -verify -cades
# -binary` (attached and detached) against the test anchors; `openssl cms -sign -cades`
# output verified by medsign; a B-T token verified by `openssl ts -verify`; the tests that
# need the openssl command (ignored by `cargo test`) and the bench's OpenSSL peer.
set -euo pipefail
: "${ROOT:?}" "${CARGO_TARGET_DIR:?}" "${CONFORMANCE_TMP:?}"
T="$CONFORMANCE_TMP/cms"
mkdir -p "$T"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

CMS_BIN="$CARGO_TARGET_DIR/debug/examples/cms"
[ -x "$CMS_BIN" ] || (cd "$ROOT" && cargo build --quiet --example cms)
cms() { "$CMS_BIN" "$@"; }
fail() { echo "45-cms: FAIL: $*" >&2; exit 1; }

head -c 4096 /dev/urandom >"$T/data.bin"

# 1. medsign B-B, attached and detached, verified by OpenSSL against the written anchors.
cms sign --card hpki-physician --in "$T/data.bin" --out "$T/att.p7s" --trust-out "$T/trust"
cms sign --card hpki-physician --in "$T/data.bin" --out "$T/det.p7s" --detached
ROOT_PEM="$T/trust/medsign-cms-test-root.pem"
openssl cms -verify -cades -binary -inform DER -in "$T/att.p7s" -CAfile "$ROOT_PEM" -purpose any -out "$T/att.out" \
  || fail "openssl refused medsign attached B-B"
cmp -s "$T/att.out" "$T/data.bin" || fail "attached content differs"
openssl cms -verify -cades -binary -inform DER -in "$T/det.p7s" -content "$T/data.bin" -CAfile "$ROOT_PEM" -purpose any -out /dev/null \
  || fail "openssl refused medsign detached B-B"
printf 'X' | dd of="$T/data.bin" bs=1 seek=100 conv=notrunc 2>/dev/null
if openssl cms -verify -cades -binary -inform DER -in "$T/det.p7s" -content "$T/data.bin" -CAfile "$ROOT_PEM" -purpose any -out /dev/null 2>/dev/null; then
  fail "openssl accepted altered detached content"
fi
head -c 4096 /dev/urandom >"$T/data.bin"
echo "45-cms: medsign B-B (attached, detached) verified by openssl cms -verify -cades"

# 2. OpenSSL CAdES signatures verified by medsign with the same anchors.
KEY="$ROOT/crates/cert-signer/testdata/rsa-2048-test-key.pem"
openssl x509 -inform DER -in "$ROOT/crates/cms-sign/testdata/signer.der" -out "$T/signer.pem"
openssl cms -sign -cades -binary -nodetach -in "$T/data.bin" -signer "$T/signer.pem" -inkey "$KEY" -outform DER -out "$T/ossl-att.p7s"
openssl cms -sign -cades -binary -in "$T/data.bin" -signer "$T/signer.pem" -inkey "$KEY" -outform DER -out "$T/ossl-det.p7s"
cms verify --trust "$T/trust" --crl "$T/trust/medsign-cms-test-root.crl" "$T/ossl-att.p7s" >"$T/r1.json" || { cat "$T/r1.json"; fail "medsign refused openssl attached"; }
cms verify --trust "$T/trust" --crl "$T/trust/medsign-cms-test-root.crl" --content "$T/data.bin" "$T/ossl-det.p7s" >"$T/r2.json" || { cat "$T/r2.json"; fail "medsign refused openssl detached"; }
if cms verify --trust "$T/trust" --crl "$T/trust/medsign-cms-test-root.crl" --content "$T/att.out" "$T/ossl-det.p7s" >/dev/null; then
  fail "medsign accepted other content"
fi
echo "45-cms: openssl cms -sign -cades (attached, detached) verified by medsign"

# 3. B-T against the loopback TSA; the token checked by openssl ts -verify.
"$CMS_BIN" tsa >"$T/tsa.url" &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$T/tsa.url" ] && break; sleep 0.1; done
URL=$(head -n1 "$T/tsa.url")
[ -n "$URL" ] || fail "the loopback TSA did not start"
cms sign --card hpki-physician --in "$T/data.bin" --out "$T/bt.p7s" --tsa "$URL"
cms verify --trust "$T/trust" --crl "$T/trust/medsign-cms-test-root.crl" "$T/bt.p7s" >"$T/r3.json" || { cat "$T/r3.json"; fail "medsign refused its B-T"; }
grep -q '"level": "B-T"' "$T/r3.json" || fail "B-T level not reached"
[ "$(cms tokens "$T/bt.p7s" --out "$T/tokens")" = 1 ] || fail "expected one token"
openssl x509 -inform DER -in "$ROOT/crates/cms-sign/testdata/tsa.der" -out "$T/tsa.pem"
openssl ts -verify -token_in -in "$T/tokens/token-0.der" -data "$T/tokens/signature-0.bin" \
  -CAfile "$ROOT_PEM" -untrusted "$T/tsa.pem" | grep -q "Verification: OK" || fail "openssl ts -verify refused the token"
echo "45-cms: B-T token verified by openssl ts -verify"

# 4. The tests `cargo test` ignores because they need the openssl command, and the
# bench's in-process OpenSSL peer once (criterion's test mode; feature bench-openssl).
(cd "$ROOT" && cargo test --quiet -p cms-sign --test interop -- --ignored) \
  || fail "cms-sign interop tests (openssl)"
(cd "$ROOT" && cargo test --quiet -p cms-sign --features bench-openssl --bench cms) \
  || fail "the cms bench with its OpenSSL peer"
echo "45-cms: the ignored openssl tests and the OpenSSL bench peer pass"
echo "45-cms: OK"
