#!/usr/bin/env bash
# xades-sign: medsign's e-prescription signatures interoperate with libxmlsec1 (xmlsec1)
# and Python signxml, its canonicalization agrees with lxml's, and verify_prescription
# gives the expected statuses on the real samples.
set -euo pipefail
: "${ROOT:?}" "${CARGO_TARGET_DIR:?}"
TMP=${CONFORMANCE_TMP:-$(mktemp -d)}/xades
mkdir -p "$TMP"
fail() { echo "40-xades: $*" >&2; exit 1; }

EX="$CARGO_TARGET_DIR/debug/examples"
if [ ! -x "$EX/verify_prescription" ] || [ ! -x "$EX/sign_prescription" ]; then
  (cd "$ROOT" && cargo build --quiet --examples)
fi
FIX="$ROOT/fixtures"

# 1. The real samples, at a fixed time.
out=$("$EX/verify_prescription" --trust "$FIX/trust" --at 2024-01-01T00:00:00Z \
  "$FIX/eprescription/prescription-004_01.xml" "$FIX/eprescription/dispensing-005_03.xml" "$FIX"/eprescription/invalid/*.xml) && \
  fail "verify_prescription exited 0 although invalid/ files were given"
echo "$out" > "$TMP/samples.jsonl"
python3 - "$TMP/samples.jsonl" <<'PY' || fail "unexpected statuses on the samples"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {r["file"].rsplit("/", 1)[-1]: r for r in rows}
p = by["prescription-004_01.xml"]
assert p["status"] == "VALID", p
s = p["signatures"][0]
assert p["version"] == 2, p
assert (s["level"], s["signer"]["qualification"], s["checks"]["signature_timestamp"]["status"]) == ("XL", "MedicalDoctor", "VALID"), s
d = by["dispensing-005_03.xml"]
assert [(x["role"], x["level"]) for x in d["signatures"]] == [("dispensing_prescription", "XL"), ("dispensing", "A")], d
for x in d["signatures"]:
    for c in ("structure", "signing_certificate", "references", "signature_value", "signature_timestamp"):
        assert x["checks"][c]["status"] == "VALID", (c, x)
assert d["status"] == d["signatures"][1]["checks"]["archive_timestamps"]["status"] == "VALID", d
for name, r in by.items():
    if name in ("prescription-004_01.xml", "dispensing-005_03.xml"):
        continue
    reasons = r["errors"] + [c["reason"] for sig in r["signatures"] for c in sig["checks"].values()
                             if c["status"] in ("INVALID", "INDETERMINATE") and c["reason"]]
    assert r["status"] == "INVALID" and reasons, r
print("40-xades: samples: prescription VALID (XL, MedicalDoctor), dispensing VALID (XL + A), %d invalid files INVALID" % (len(by) - 2))
PY

# 2. medsign signs; xmlsec1 verifies with the id attributes declared.
printf 'SJ1\n1,1,8000010,99,テスト病院\n5,0000000000000001,ﾃｽﾄ,医者　太郎\n' > "$TMP/rx.csv"
"$EX/sign_prescription" --card hpki-physician --csv "$TMP/rx.csv" --out "$TMP/rx.xml" \
  --trust-out "$TMP/trust" --at 2025-01-01T00:00:00Z
"$EX/verify_prescription" --trust "$TMP/trust" --at 2025-01-01T00:00:00Z "$TMP/rx.xml" >/dev/null \
  || fail "verify_prescription rejects its own signature"
xmlsec1 --verify --id-attr:id PrescriptionDocument --id-attr:Id SignedProperties --id-attr:Id KeyInfo \
  --trusted-pem "$TMP/trust/hpki-test-root.pem" --untrusted-pem "$TMP/trust/hpki-test-sign-ca.pem" \
  --enabled-reference-uris same-doc --verification-time 2025-01-01+00:00:00 "$TMP/rx.xml" >"$TMP/xmlsec.log" 2>&1 \
  || { cat "$TMP/xmlsec.log" >&2; fail "xmlsec1 rejects a medsign signature"; }
grep -q "SignedInfo References (ok/all): 3/3" "$TMP/xmlsec.log" || fail "xmlsec1 did not check 3 references"
sed 's/U0ox/U0oy/' "$TMP/rx.xml" > "$TMP/rx-tampered.xml"
if xmlsec1 --verify --id-attr:id PrescriptionDocument --id-attr:Id SignedProperties --id-attr:Id KeyInfo \
  --trusted-pem "$TMP/trust/hpki-test-root.pem" --untrusted-pem "$TMP/trust/hpki-test-sign-ca.pem" \
  --enabled-reference-uris same-doc --verification-time 2025-01-01+00:00:00 "$TMP/rx-tampered.xml" >/dev/null 2>&1; then
  fail "xmlsec1 accepts a tampered document (the check above proves nothing)"
fi
echo "40-xades: xmlsec1 verifies a medsign-signed prescription (3/3 references) and rejects a tampered copy"

# 3. Python peers in a private venv: signxml (XAdES) and lxml.
# XADES_VENV reuses an existing venv that has signxml and lxml.
VENV=${XADES_VENV:-$TMP/venv}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c "import signxml, lxml" 2>/dev/null || "$VENV/bin/pip" install --quiet --disable-pip-version-check signxml lxml >"$TMP/pip.log" 2>&1 \
  || { cat "$TMP/pip.log" >&2; fail "pip install signxml lxml failed (network?)"; }


cat > "$TMP/peer.py" <<'PY'
"""signxml/lxml side of the xades conformance part."""
import sys
from cryptography import x509
from cryptography.x509.verification import Criticality, ExtensionPolicy
from lxml import etree
from signxml import SignatureConfiguration, SignatureConstructionMethod
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.xades import XAdESSigner, XAdESVerifier

DS = "http://www.w3.org/2000/09/xmldsig#"
EXC = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0


def nonrepudiation(policy, cert, ku):
    if ku is None or not ku.content_commitment:
        raise ValueError("HPKI signing certificates must have keyUsage nonRepudiation")


# HPKI end entities: keyUsage nonRepudiation only and a critical HPKI certificate policy,
# which WebPKI defaults refuse.
EE = (
    ExtensionPolicy.permit_all()
    .require_present(x509.KeyUsage, Criticality.AGNOSTIC, nonrepudiation)
    .may_be_present(x509.CertificatePolicies, Criticality.AGNOSTIC, None)
)
CA = (
    ExtensionPolicy.permit_all()
    .require_present(x509.BasicConstraints, Criticality.AGNOSTIC, None)
    .may_be_present(x509.CertificatePolicies, Criticality.AGNOSTIC, None)
)
CONFIG = SignatureConfiguration(
    expect_references=3, default_reference_c14n_method=CanonicalizationMethod.CANONICAL_XML_1_0
)


def verify(path, ca_pem):
    data = open(path, "rb").read()
    results = XAdESVerifier().verify(data, ca_pem_file=ca_pem, expect_config=CONFIG, ee_policy=EE, ca_policy=CA)
    tags = sorted(etree.QName(r.signed_xml).localname for r in results)
    assert tags == ["KeyInfo", "PrescriptionDocument", "SignedProperties"], tags


class TransformDeclaringSigner(XAdESSigner):
    """signxml digests its KeyInfo/SignedProperties references with its c14n algorithm but
    writes no Transform, so a verifier applying XMLDSig's default (inclusive c14n) cannot
    reproduce them; declare the exclusive c14n it used."""

    def _add_reference_to_signed_info(self, sig_root, node_to_reference, **attrs):
        super()._add_reference_to_signed_info(sig_root, node_to_reference, **attrs)
        ref = sig_root.find(f"{{{DS}}}SignedInfo")[-1]
        transforms = etree.Element(f"{{{DS}}}Transforms")
        etree.SubElement(transforms, f"{{{DS}}}Transform", Algorithm=EXC.value)
        ref.insert(0, transforms)


def sign(csv_path, key_pem, cert_pem, out):
    import base64
    csv = open(csv_path, "rb").read()
    doc = etree.fromstring(
        (
            '<Document xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Document" '
            'xsi:noNamespaceSchemaLocation="EP.xsd"><Prescription><PrescriptionManagement id="PrescriptionManagement">'
            '<Version Value="EPS1.0"/><PrescriptionId Value="1439e0c5-7c1d-4512-861d-263de48417bf"/>'
            '</PrescriptionManagement><PrescriptionDocument id="PrescriptionDocument">%s</PrescriptionDocument>'
            "<PrescriptionSign/></Prescription></Document>" % base64.b64encode(csv).decode()
        ).encode()
    )
    signer = TransformDeclaringSigner(
        method=SignatureConstructionMethod.detached,
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=EXC,
    )
    sig = signer.sign(doc, key=open(key_pem, "rb").read(), cert=open(cert_pem).read(),
                      reference_uri=["#PrescriptionDocument"], always_add_key_value=False)
    doc.find("Prescription/PrescriptionSign").append(sig)
    open(out, "wb").write(etree.tostring(doc, xml_declaration=True, encoding="UTF-8"))


def c14n(path, ident, exclusive):
    doc = etree.parse(path)
    (node,) = doc.xpath("//*[@id=$i or @Id=$i]", i=ident)
    sys.stdout.buffer.write(etree.tostring(node, method="c14n", exclusive=exclusive, with_comments=False))


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    if cmd == "verify":
        verify(*args)
    elif cmd == "sign":
        sign(*args)
    elif cmd == "c14n":
        c14n(args[0], args[1], args[2] == "exc")
PY
PY="$VENV/bin/python $TMP/peer.py"

cat "$TMP/trust/hpki-test-root.pem" "$TMP/trust/hpki-test-sign-ca.pem" > "$TMP/test-cas.pem"
$PY verify "$TMP/rx.xml" "$TMP/test-cas.pem" || fail "signxml's XAdESVerifier rejects a medsign signature"
echo "40-xades: signxml XAdES-verifies a medsign-signed prescription"

# 4. signxml signs (XAdES, rsa-sha256, exc-c14n) with the test physician's key; medsign verifies.
KEY="$ROOT/crates/hpki-cert/testdata/keys/physician-sign.pem"   # public test key
[ -f "$KEY" ] || fail "test key $KEY not found"
python3 - "$TMP/rx.xml" "$TMP/physician.pem" <<'PY'
import base64, re, sys
der = base64.b64decode(re.search(rb"<ds:X509Certificate>([^<]+)<", open(sys.argv[1], "rb").read()).group(1))
pem = "-----BEGIN CERTIFICATE-----\n" + "\n".join(
    base64.b64encode(der).decode()[i:i + 64] for i in range(0, len(base64.b64encode(der)), 64)) + "\n-----END CERTIFICATE-----\n"
open(sys.argv[2], "w").write(pem)
PY
$PY sign "$TMP/rx.csv" "$KEY" "$TMP/physician.pem" "$TMP/rx-signxml.xml" || fail "signxml could not sign"
"$EX/verify_prescription" --trust "$TMP/trust" "$TMP/rx-signxml.xml" > "$TMP/signxml-report.json" \
  || { cat "$TMP/signxml-report.json" >&2; fail "medsign rejects a signxml XAdES signature"; }
echo "40-xades: medsign verifies a signxml-signed prescription (XAdES, rsa-sha256, exc-c14n)"

# 5. Canonicalization: lxml's canonical forms of the samples' referenced elements give the
# signed digests, the same that medsign's c14n reproduces (crates/xades-sign/tests/c14n.rs).
for spec in "prescription-004_01.xml PrescriptionDocument inc d2AViR1mbbTGkOUKs3/DNI66RLps3c8tE/UDoled78U=" \
            "prescription-004_01.xml id6a875f31-KeyInfo exc bI4jGyBqLZB28i/cH8njp05705/ji/sUPptLX/M2ycQ=" \
            "prescription-004_01.xml idc51bfd03-SignedProperties exc 8XgGgHpPS/3nAQTc6cVSGHI5ObMWjQ8l3oHpyQkF4jQ=" \
            "dispensing-005_03.xml Dispensing inc qjvcVHTSZQBaJROD4D0J54ak69eLmC2UyFpz2I6mxdU=" \
            "dispensing-005_03.xml id771d57b8-KeyInfo exc 9RQdeILUBLDBtA9WJcJX7stcqrfUaMAsTgmn69c0Wgg=" \
            "dispensing-005_03.xml id111a1e5c-SignedProperties exc sVET1/3caf+ZOcqJ1TPQiM4BxzdzDTUOrbPT526sndw="; do
  set -- $spec
  got=$($PY c14n "$FIX/eprescription/$1" "$2" "$3" | openssl dgst -sha256 -binary | base64)
  [ "$got" = "$4" ] || fail "lxml $3 c14n of $1#$2 digests to $got, the document says $4"
done
echo "40-xades: lxml's c14n of 6 sample subtrees matches the signed digests medsign reproduces"

# 6. The test `cargo test` ignores because it needs xmlsec1.
(cd "$ROOT" && cargo test --quiet -p xades-sign --test sign -- --ignored) \
  || fail "xades-sign's xmlsec1 test"
echo "40-xades: xades-sign's xmlsec1 test passes"
