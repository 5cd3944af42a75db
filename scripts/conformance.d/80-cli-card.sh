#!/usr/bin/env bash
# `medsign card …` through the real PC/SC stack: medsign (built with --features pcsc)
# lists the vpcd reader and recognises the card in it, reads the PIN counters by
# --reader, reads the certificates (checked with openssl against the fingerprints
# card-sim announced) and signs (checked with openssl), first with the virtual My Number
# Card, then with a virtual HPKI physician card. Also: an unknown or ambiguous --reader
# is exit 4, and without --reader the only reader holding a card is used.
set -euo pipefail
work=$CONFORMANCE_TMP/cli-card
mkdir -p "$work"
# The same build as the runner's (a no-op after it), so that the part also runs on its
# own; a narrower feature set would rebuild medsign and its dependencies once more.
cargo build --quiet --workspace --all-features --examples --bins
bin=$CARGO_TARGET_DIR/debug
medsign=$bin/medsign
export MEDSIGN_LANG=en
reader="Virtual PCD 00 00"
printf '<Prescription>medsign card conformance</Prescription>\n' >"$work/doc.xml"

# shellcheck source=../lib/conformance.sh
. "$ROOT/scripts/lib/conformance.sh"

fail() {
  echo "80-cli-card: $*" >&2
  for f in "$work"/*.log; do
    [ -e "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }
  done
  exit 1
}

# Starts card-sim with CARD and waits until `medsign card list` sees it in the reader.
start_card() {
  local card=$1 kind=$2
  "$bin/card-sim" vpcd --card "$card" >"$work/$card.sim.log" 2>&1 &
  sim=$!
  for _ in $(seq 1 50); do
    if "$medsign" card list --json >"$work/$card.list.json" 2>"$work/$card.list.err" \
      && grep -q "\"kind\": \"$kind\"" "$work/$card.list.json"; then
      return 0
    fi
    sleep 0.2
  done
  cat "$work/$card.list.json" "$work/$card.list.err" >&2 || true
  fail "$card never appeared in pcscd as $kind"
}

# The certificate written by `card certs --out` is the one card-sim announced.
check_announced() {
  announced "$1" "$2" || fail "$1: fingerprint not announced by card-sim"
}

verify_sig() {
  verify_signature "$1" "$2" "$3" || fail "$3: signature does not verify"
}

start_card mynumber mynumber
"$medsign" card list >"$work/list.out" 2>&1 || fail "card list failed"
cat "$work/list.out"
grep -q "$reader" "$work/list.out" || fail "card list does not show the reader"
grep -q "My Number Card" "$work/list.out" || fail "card list does not name the My Number Card"

"$medsign" card status --reader "pcd 00 00" >"$work/mn.status" 2>&1 || fail "card status failed: $(cat "$work/mn.status")"
cat "$work/mn.status"
grep -q "reader $reader" "$work/mn.status" || fail "status does not name the reader"
grep -q "user-authentication PIN .*: 3 tries left (of 3)" "$work/mn.status" || fail "auth PIN tries"
grep -q "signature password .*: 5 tries left (of 5)" "$work/mn.status" || fail "signature PIN tries"
grep -q "input-support PIN .*: 3 tries left (of 3)" "$work/mn.status" || fail "input-support PIN tries"

echo ABC123 | "$medsign" card certs --reader "$reader" --with-signature-cert --pin-stdin \
  --out "$work/mn-certs" --json >"$work/mn.certs.json" 2>"$work/mn.certs.err" \
  || fail "card certs failed: $(cat "$work/mn.certs.err")"
python3 - "$work/mn.certs.json" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1]))
ids = [c["id"] for c in v["certificates"]]
assert v["kind"] == "mynumber", v["kind"]
assert ids == ["jpki-auth", "jpki-auth-ca", "jpki-sign-ca", "jpki-sign"], ids
print("ok: My Number Card certificates", ids)
EOF
for f in jpki-auth jpki-auth-ca jpki-sign-ca jpki-sign; do
  check_announced "$work/mn-certs/$f.der" "$work/mynumber.sim.log"
  openssl x509 -in "$work/mn-certs/$f.pem" -noout >/dev/null || fail "$f.pem is not PEM"
done

# The basic four items; the My Number stays hidden.
echo 1234 | "$medsign" card info --reader "$reader" --pin-stdin >"$work/mn.info" 2>&1 \
  || fail "card info failed: $(cat "$work/mn.info")"
grep -q "山田　花子" "$work/mn.info" || fail "card info: name"
if grep -q 123456789018 "$work/mn.info"; then fail "card info printed the My Number"; fi

echo ABC123 | "$medsign" card sign --reader "$reader" --pin-stdin --in "$work/doc.xml" \
  --out "$work/mn.sig" >"$work/mn.sign.out" 2>&1 || fail "card sign failed: $(cat "$work/mn.sign.out")"
verify_sig "$work/mn-certs/jpki-sign.der" "$work/mn.sig" jpki-sign

# A wrong PIN: exit 5 with the tries left (over PC/SC the counter persists: 2 left).
set +e
echo 9999 | "$medsign" card info --reader "$reader" --pin-stdin >"$work/mn.wrong" 2>&1
code=$?
set -e
[ $code = 5 ] || fail "wrong PIN exited $code, not 5: $(cat "$work/mn.wrong")"
grep -q "2 tries left" "$work/mn.wrong" || fail "wrong PIN: no tries left shown"
"$medsign" card status --reader "$reader" | grep -q "input-support PIN .*: 2 tries left" \
  || fail "the counter read over PC/SC does not show the wrong PIN"
stop_sim
sleep 0.5

# --- an HPKI physician card ---------------------------------------------------------
start_card hpki-physician hpki
"$medsign" card list >"$work/list2.out" 2>&1 || fail "card list failed"
grep -q "HPKI card" "$work/list2.out" || fail "card list does not name the HPKI card"

"$medsign" card status --reader "$reader" --json >"$work/hp.status.json" 2>&1 || fail "status failed"
python3 - "$work/hp.status.json" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1]))
assert v["kind"] == "hpki" and v["source"]["reader"] == "Virtual PCD 00 00", v
assert [p["pin"] for p in v["pins"]] == ["signing", "authentication"], v["pins"]
assert all(p["tries_left"] == 15 for p in v["pins"]), v["pins"]
print("ok: HPKI status", [(p["pin"], p["tries_left"]) for p in v["pins"]])
EOF

"$medsign" card certs --reader "$reader" --out "$work/hp-certs" --json >"$work/hp.certs.json" \
  || fail "card certs failed"
python3 - "$work/hp.certs.json" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1]))
c = {c["id"]: c for c in v["certificates"]}
assert c["hpki-signing"]["qualification"] == "Medical Doctor", c["hpki-signing"]
assert "nonRepudiation" in c["hpki-signing"]["key_usage"], c["hpki-signing"]
print("ok: HPKI certificates", sorted(c))
EOF
check_announced "$work/hp-certs/hpki-signing.der" "$work/hpki-physician.sim.log"

echo 1234 | "$medsign" card sign --reader "$reader" --pin-stdin --in "$work/doc.xml" \
  --out "$work/hp.sig" >"$work/hp.sign.out" 2>&1 || fail "card sign failed: $(cat "$work/hp.sign.out")"
grep -q "Medical Doctor" "$work/hp.sign.out" || fail "card sign does not name the qualification"
verify_sig "$work/hp-certs/hpki-signing.der" "$work/hp.sig" hpki-signing

# --- reader selection errors ---------------------------------------------------------
set +e
"$medsign" card status --reader "no such reader" >"$work/noreader.out" 2>&1
code=$?
set -e
[ $code = 4 ] || fail "unknown --reader exited $code, not 4"
grep -q "no reader matches" "$work/noreader.out" || fail "unknown --reader: $(cat "$work/noreader.out")"
# vpcd gives two readers ("Virtual PCD 00 00" and "... 00 01"): a part of both is refused.
set +e
"$medsign" card status --reader "Virtual PCD" >"$work/ambiguous.out" 2>&1
code=$?
set -e
[ $code = 4 ] || fail "an ambiguous --reader exited $code, not 4"
grep -q "matches several readers" "$work/ambiguous.out" || fail "ambiguous --reader: $(cat "$work/ambiguous.out")"
# Without --reader, the one reader that holds a card is used.
"$medsign" card status --json | grep -q '"reader": "Virtual PCD 00 00"' \
  || fail "without --reader the reader with the card is not picked"
stop_sim
echo "ok: medsign card over PC/SC"

# The CLI tests `cargo test` ignores because they need openssl or xmlsec1.
(cd "$ROOT" && cargo test --quiet -p medsign-cli --test card --test rx -- --ignored) \
  || fail "medsign-cli's openssl and xmlsec1 tests"
echo "ok: medsign-cli's openssl and xmlsec1 tests"
