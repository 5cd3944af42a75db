#!/usr/bin/env bash
# authority-forms: the romaji converter against the golden table and against pykakasi's
# passport mode (an independent implementation), and validate_application's verdicts and
# exit codes on the sample application and on broken copies of it.
set -euo pipefail
: "${ROOT:?}" "${CONFORMANCE_TMP:?}"

CRATE="$ROOT/crates/authority-forms"
GOLDEN="$CRATE/data/romaji_golden.tsv"
KNOWN="$CRATE/data/romaji_pykakasi_disagreements.tsv"
SAMPLE="$CRATE/examples/sample-application.json"
WORK="$CONFORMANCE_TMP/authority-forms"
mkdir -p "$WORK"
# Nothing runs in the background; the venv and files live in CONFORMANCE_TMP, which the
# runner removes. Remove them here too when run standalone.
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT"

# The runner has built every example; run the binary. Standalone, build it first (the
# examples live in crates/authority-forms now and may move to the root package).
EXAMPLES="${CARGO_TARGET_DIR:-$ROOT/target}/debug/examples"
example() {
  local name=$1
  shift
  if [ ! -x "$EXAMPLES/$name" ]; then
    cargo build --quiet --example "$name" -p authority-forms 2>/dev/null \
      || cargo build --quiet --example "$name"
  fi
  "$EXAMPLES/$name" "$@"
}

echo "-- romaji: golden table"
grep -v '^#' "$GOLDEN" > "$WORK/golden.tsv"
cut -f1 "$WORK/golden.tsv" | example romaji > "$WORK/ours.tsv"
diff -u "$WORK/golden.tsv" "$WORK/ours.tsv"
rows=$(wc -l < "$WORK/golden.tsv")
[ "$rows" -ge 150 ] || { echo "golden table has only $rows names" >&2; exit 1; }

echo "-- romaji: pykakasi passport mode"
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check "pykakasi==2.3.0"
"$WORK/venv/bin/python" "$ROOT/scripts/romaji_reference.py" "$WORK/ours.tsv" "$KNOWN"

echo "-- validate_application: the sample is valid"
example validate_application "$SAMPLE" > "$WORK/valid.json"
python3 - "$WORK/valid.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert list(r) == ["valid", "errors", "price_yen"], list(r)
assert r["valid"] is True and r["errors"] == [] and r["price_yen"] == 0, r
PY

echo "-- validate_application: a broken copy is refused with every problem"
python3 - "$SAMPLE" "$WORK/broken.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
a["status"]["hpki_cards"] = ["revoked"]
a["name_romaji"]["given_name"] = "HANAKO"
a["address"]["postal_code"] = "12-345"
a["attachments"]["photo"]["taken_on"] = "2023-01-01"
a["attachments"]["id_document"]["kind"] = {"type": "notification_card"}
a["attachments"]["licence"]["back_has_notes"] = True
a["consents"]["agree_all"] = False
json.dump(a, open(sys.argv[2], "w"), ensure_ascii=False)
PY
set +e
example validate_application "$WORK/broken.json" > "$WORK/broken-report.json"
status=$?
set -e
[ "$status" -eq 1 ] || { echo "expected exit status 1, got $status" >&2; exit 1; }
python3 - "$WORK/broken-report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
got = {(e["field"], e["code"]) for e in r["errors"]}
want = {
    ("status.hpki_cards", "holds_hpki_card"),
    ("name_romaji.given_name", "romaji_given_name_format"),
    ("address.postal_code", "postal_code_format"),
    ("attachments.photo.taken_on", "photo_too_old"),
    ("attachments.id_document.kind", "notification_card"),
    ("attachments.licence.back", "licence_back_missing"),
    ("consents.agree_all", "consent_missing"),
}
assert r["valid"] is False
assert want <= got, sorted(want - got)
assert all(e["message_ja"] and e["message_en"] for e in r["errors"])
print(f"refused with {len(r['errors'])} problems")
PY
echo "authority-forms: ok"
