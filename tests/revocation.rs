//! A prescription signed by the virtual HPKI card (BES: no time-stamp, no validation
//! data), verified now with revocation required: its status comes from the test PKI's
//! CRL endpoint or nowhere. Cross-crate, through the public APIs only.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use card_sim::{HpkiHolder, HpkiTestCertificates, InProcess, VirtualHpkiCard};
use medsign::hpki::{HpkiCard, LastTry, Pin};
use medsign::xades::{
    Indication, Prescription, SignOptions, SignatureIds, SubIndication, TrustStore, Verifier,
};
use sign_platform_sim::CrlServer;

fn signed_prescription() -> (Vec<u8>, TrustStore, Vec<u8>) {
    let reader = InProcess::new(VirtualHpkiCard::test_card(HpkiHolder::Physician).unwrap());
    let card = HpkiCard::open(reader).unwrap();
    let mut signer = card
        .into_signer(Pin::new("1234").unwrap(), LastTry::Refuse)
        .unwrap();
    let options = SignOptions {
        signing_time: jiff::Timestamp::now(),
        ids: SignatureIds::random(),
    };
    let doc = medsign::xades::sign_prescription(
        &Prescription::new("SJ1\n1,1,8000010,99,テスト病院\n"),
        &mut signer,
        &options,
    )
    .unwrap();
    let pki = HpkiTestCertificates::generate(HpkiHolder::Physician).unwrap();
    let mut trust = TrustStore::new();
    trust.add_anchor_der(&pki.root).unwrap();
    trust.add_intermediate_der(&pki.signing_ca).unwrap();
    (doc, trust, pki.signing)
}

#[test]
fn a_bes_prescription_without_a_reachable_crl_is_indeterminate() {
    let (doc, trust, _) = signed_prescription();
    // The certificates' distribution point (crl.medsign.invalid) resolves nowhere; a
    // source that is offline stands for any unreachable one.
    let offline = hpki_cert::online::HttpCrlSource::builder()
        .offline(true)
        .build()
        .unwrap();
    let report = Verifier::new(trust)
        .with_crl_source(Arc::new(offline))
        .verify(&doc);
    assert_eq!(report.status, Indication::Indeterminate, "{report:#?}");
    assert_eq!(report.sub_indication, Some(SubIndication::TryLater));
    let path = &report.signatures[0].checks.certificate_path;
    assert!(path.reason.contains("offline"), "{path:?}");
}

#[test]
fn served_by_the_local_crl_endpoint_it_is_valid_and_revoked_there_it_is_invalid() {
    let (doc, trust, signing_cert) = signed_prescription();
    let server = CrlServer::start("127.0.0.1:0").unwrap();
    let verifier = Verifier::new(trust).with_crl_source(Arc::new(server.crl_source().unwrap()));
    let report = verifier.verify(&doc);
    assert_eq!(report.status, Indication::Valid, "{report:#?}");
    assert!(report.signatures[0].waivers.is_empty());
    assert!(
        server.requests_served() >= 2,
        "signer's CA CRL and the root's ARL"
    );

    // Revoked an hour ago: a fresh verifier (fresh CRL cache) fetches the new CRL.
    let (doc2, trust2, _) = signed_prescription();
    // (CRL times have whole seconds.)
    let when = jiff::Timestamp::from_second(jiff::Timestamp::now().as_second() - 3600).unwrap();
    server.revoke(&signing_cert, when, None).unwrap();
    let report = Verifier::new(trust2)
        .with_crl_source(Arc::new(server.crl_source().unwrap()))
        .verify(&doc2);
    assert_eq!(report.status, Indication::Invalid, "{report:#?}");
    assert_eq!(report.sub_indication, Some(SubIndication::Revoked));
    let path = &report.signatures[0].checks.certificate_path;
    assert!(
        path.reason.contains(&format!("revoked on {when}")),
        "{path:?}"
    );
    server.stop();
}
