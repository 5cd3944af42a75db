//! Signing with the test PKI: round trips, byte stability, the signer contract and
//! xmlsec1 as an independent verifier.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use cert_signer::{CertSigner, DigestAlgorithm, SignError};
use hpki_cert::testpki::{TestPki, valid_time};

/// A verifier of the test PKI at its valid time, with every test CA's CRL issued then
/// (revocation is required).
fn verifier(pki: &TestPki) -> Verifier {
    let crls = pki.crls_at(valid_time(), &[]).unwrap();
    Verifier::new(pki.trust_store())
        .at(valid_time())
        .with_crls(crls.into_iter().map(|(_, der)| der).collect())
}
use xades_sign::{
    Dispensing, Indication, Level, Prescription, Qualification, Role, SignOptions, SignatureIds,
    Status, Verifier, prepare_prescription, sign_dispensing, sign_prepared, sign_prescription,
};

const CSV: &str = "SJ1\n1,1,8000010,99,テスト病院\n5,0000000000000001,ﾃｽﾄ,医者\u{3000}太郎\n";

fn opts(tag: &str) -> SignOptions {
    SignOptions {
        signing_time: valid_time(),
        ids: SignatureIds::from_tag(tag).unwrap(),
    }
}

fn prescription() -> Prescription {
    Prescription::new(CSV).with_id("1439e0c5-7c1d-4512-861d-263de48417bf".parse().unwrap())
}

/// Counts the signer calls.
struct Counting<S> {
    inner: S,
    single: usize,
    batch: usize,
}

impl<S: CertSigner> CertSigner for Counting<S> {
    fn certificate_der(&self) -> &[u8] {
        self.inner.certificate_der()
    }
    fn sign_digest(&mut self, a: DigestAlgorithm, d: &[u8]) -> Result<Vec<u8>, SignError> {
        self.single += 1;
        self.inner.sign_digest(a, d)
    }
    fn sign_digests(
        &mut self,
        a: DigestAlgorithm,
        ds: &[&[u8]],
    ) -> Result<Vec<Vec<u8>>, SignError> {
        self.batch += 1;
        ds.iter().map(|d| self.inner.sign_digest(a, d)).collect()
    }
}

#[test]
fn signed_prescription_verifies_with_one_card_operation() {
    let pki = TestPki::new().unwrap();
    let mut signer = Counting {
        inner: pki.physician().signer(),
        single: 0,
        batch: 0,
    };
    let signed = sign_prescription(&prescription(), &mut signer, &opts("idtest0001")).unwrap();
    assert_eq!((signer.single, signer.batch), (1, 0));
    let report = verifier(&pki).verify(&signed);
    assert_eq!(report.status, Indication::Valid, "{report:#?}");
    let sig = &report.signatures[0];
    assert_eq!((sig.role, sig.level), (Role::Prescription, Level::Bes));
    assert_eq!(
        sig.signer.qualification.as_ref().map(Qualification::name),
        Some("MedicalDoctor")
    );
    assert_eq!(
        sig.signing_time.as_deref(),
        Some("2025-01-01T00:00:00+00:00")
    );
    assert_eq!(report.prescription_csv().as_deref(), Some(CSV));
}

#[test]
fn output_is_byte_stable_for_fixed_time_and_ids() {
    let pki = TestPki::new().unwrap();
    let a = sign_prescription(
        &prescription(),
        &mut pki.physician().signer(),
        &opts("idfixed"),
    )
    .unwrap();
    let b = sign_prescription(
        &prescription(),
        &mut pki.physician().signer(),
        &opts("idfixed"),
    )
    .unwrap();
    assert_eq!(a, b);
    let c = sign_prescription(
        &prescription(),
        &mut pki.physician().signer(),
        &opts("idother"),
    )
    .unwrap();
    assert_ne!(a, c);
    let text = String::from_utf8(a).unwrap();
    for id in [
        "idfixed-SignedInfo",
        "idfixed-KeyInfo",
        "idfixed-SignedProperties",
        "Id=\"PrescriptionSign\"",
    ] {
        assert!(text.contains(id), "{id}");
    }
}

#[test]
fn batch_signing_uses_one_sign_digests_call() {
    let pki = TestPki::new().unwrap();
    let mut signer = Counting {
        inner: pki.physician().signer(),
        single: 0,
        batch: 0,
    };
    let cert = signer.certificate_der().to_vec();
    let prepared: Vec<_> = (0..3)
        .map(|i| {
            prepare_prescription(
                &Prescription::new(format!("{CSV}{i}\n")),
                &cert,
                &opts(&format!("idb{i}")),
            )
            .unwrap()
        })
        .collect();
    let docs = sign_prepared(&mut signer, prepared).unwrap();
    assert_eq!((signer.single, signer.batch), (0, 1));
    let v = verifier(&pki);
    for doc in docs {
        assert_eq!(v.verify(&doc).status, Indication::Valid);
    }
}

#[test]
fn tampering_with_a_signed_prescription_is_detected() {
    let pki = TestPki::new().unwrap();
    let signed =
        sign_prescription(&prescription(), &mut pki.physician().signer(), &opts("idt")).unwrap();
    let text = String::from_utf8(signed).unwrap();
    let tampered = text.replacen("2025-01-01T00:00:00+00:00", "2025-01-02T00:00:00+00:00", 1);
    let report = verifier(&pki).verify(tampered.as_bytes());
    assert_eq!(
        report.signatures[0].checks.references.status,
        Status::Invalid
    );
}

#[test]
fn dispensing_record_keeps_the_prescribers_signature_verifiable() {
    let pki = TestPki::new().unwrap();
    let rx = sign_prescription(
        &prescription(),
        &mut pki.physician().signer(),
        &opts("idrx"),
    )
    .unwrap();
    let disp = Dispensing::new("CJ1\n1,1\n", rx)
        .with_id("024d68dd-074f-4442-8fee-7d8c6c952afd".parse().unwrap())
        .with_additional_information("<Note>ok</Note>");
    let mut signer = Counting {
        inner: pki.pharmacist().signer(),
        single: 0,
        batch: 0,
    };
    let signed = sign_dispensing(&disp, &mut signer, &opts("iddisp")).unwrap();
    assert_eq!(signer.single, 1);
    let report = verifier(&pki).verify(&signed);
    assert_eq!(report.status, Indication::Valid, "{report:#?}");
    let roles: Vec<_> = report
        .signatures
        .iter()
        .map(|s| (s.role, s.signer.qualification.clone()))
        .collect();
    assert_eq!(
        roles,
        [
            (
                Role::DispensingPrescription,
                Some(Qualification::MedicalDoctor)
            ),
            (Role::Dispensing, Some(Qualification::Pharmacist))
        ]
    );
}

#[test]
fn bad_builder_input_is_an_error() {
    let pki = TestPki::new().unwrap();
    let mut s = pki.physician().signer();
    assert!(sign_prescription(&Prescription::new(""), &mut s, &opts("ide")).is_err());
    let bad = Prescription::new(CSV).with_additional_information("<open>");
    assert!(sign_prescription(&bad, &mut s, &opts("ide")).is_err());
    assert!(SignatureIds::from_tag("1bad").is_err());
    assert!(SignatureIds::from_tag("bad\"tag").is_err());
}

/// xmlsec1 (libxmlsec1) verifies our output with the id attributes declared.
#[test]
#[ignore = "needs xmlsec1; run by scripts/conformance"]
fn xmlsec1_verifies_medsign_output() {
    assert!(
        std::process::Command::new("xmlsec1")
            .arg("--version")
            .output()
            .is_ok(),
        "xmlsec1 is needed (apt-get install xmlsec1)"
    );
    let pki = TestPki::new().unwrap();
    let signed =
        sign_prescription(&prescription(), &mut pki.physician().signer(), &opts("idx")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("rx.xml");
    let root = dir.path().join("root.pem");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&doc, &signed).unwrap();
    std::fs::write(&root, pki.hpki_root().cert_pem()).unwrap();
    std::fs::write(&ca, pki.hpki_sign_ca().cert_pem()).unwrap();
    let run = |file: &std::path::Path| {
        std::process::Command::new("xmlsec1")
            .args([
                "--verify",
                "--id-attr:id",
                "PrescriptionDocument",
                "--id-attr:Id",
                "SignedProperties",
                "--id-attr:Id",
                "KeyInfo",
            ])
            .arg("--trusted-pem")
            .arg(&root)
            .arg("--untrusted-pem")
            .arg(&ca)
            .args([
                "--enabled-reference-uris",
                "same-doc",
                "--verification-time",
                "2025-01-01+00:00:00",
            ])
            .arg(file)
            .output()
            .unwrap()
    };
    let out = run(&doc);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // And xmlsec1 rejects a tampered copy, so the check above can fail.
    let tampered = String::from_utf8(signed)
        .unwrap()
        .replacen("U0ox", "U0oy", 1);
    std::fs::write(&doc, tampered).unwrap();
    assert!(!run(&doc).status.success());
}
