#!/usr/bin/env bash
# Regenerates the fictitious test PKI in this folder (see README.md). Needs openssl.
# The signer key is cert-signer's public test key, so SoftwareSigner::new(test_key(), ..)
# signs for signer.der.
set -euo pipefail
cd "$(dirname "$0")"
KEY=../../cert-signer/testdata/rsa-2048-test-key.pem
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/ext.cnf" <<'CNF'
[v3_test_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[signer]
basicConstraints = critical, CA:FALSE
keyUsage = critical, nonRepudiation
certificatePolicies = critical, 1.2.392.100495.1.5.1.1.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[tsa]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[tsa_noncritical]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

cat >"$tmp/ca.cnf" <<CNF
[ca]
default_ca = test_ca
[test_ca]
database = $tmp/index.txt
new_certs_dir = $tmp
serial = $tmp/serial
default_md = sha256
policy = any
unique_subject = no
email_in_dn = no
copy_extensions = none
[any]
countryName = optional
organizationName = optional
commonName = optional
serialNumber = optional
[req]
distinguished_name = dn
[dn]
CNF
cat "$tmp/ext.cnf" >>"$tmp/ca.cnf"
touch "$tmp/index.txt"

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out root-key.pem 2>/dev/null
openssl req -new -key root-key.pem -subj "/C=JP/O=medsign test/CN=medsign CMS Test Root" \
  -config "$tmp/ca.cnf" -out "$tmp/root.csr"
echo 01 >"$tmp/serial"
openssl ca -batch -selfsign -config "$tmp/ca.cnf" -keyfile root-key.pem -in "$tmp/root.csr" \
  -startdate 20250101000000Z -enddate 20450101000000Z -extensions v3_test_ca \
  -notext -out "$tmp/root.pem" 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
openssl x509 -in "$tmp/root.pem" -outform DER -out root.der

issue() { # name subject key extsection notbefore notafter serial(hex)
  openssl req -new -key "$3" -subj "$2" -config "$tmp/ca.cnf" -out "$tmp/$1.csr"
  echo "$7" >"$tmp/serial"
  openssl ca -batch -config "$tmp/ca.cnf" -cert "$tmp/root.pem" -keyfile root-key.pem \
    -in "$tmp/$1.csr" -startdate "$5" -enddate "$6" -extensions "$4" -notext \
    -out "$tmp/$1.pem" 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
  openssl x509 -in "$tmp/$1.pem" -outform DER -out "$1.der"
}
issue signer "/C=JP/O=Test Clinic/CN=Test Physician/serialNumber=MD0001" "$KEY" signer 20250101000000Z 20351231235959Z 10
issue signer-expired "/C=JP/O=Test Clinic/CN=Test Physician Expired/serialNumber=MD0002" "$KEY" signer 20200101000000Z 20201231235959Z 11
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out tsa-key.pem 2>/dev/null
issue tsa "/C=JP/O=medsign test/CN=medsign Test TSA" tsa-key.pem tsa 20250101000000Z 20441231235959Z 20
issue tsa-noncritical "/C=JP/O=medsign test/CN=medsign Test TSA non-critical EKU" tsa-key.pem tsa_noncritical 20250101000000Z 20351231235959Z 21
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out other-key.pem 2>/dev/null
issue other "/C=JP/O=Test Pharmacy/CN=Test Pharmacist/serialNumber=PH0001" other-key.pem signer 20250101000000Z 20351231235959Z 12
