//! CRL parsing on arbitrary bytes: never panics; whatever parses answers every
//! accessor, and the RFC 5280 §6.3.3 scope and issuer checks against a fixed test
//! certificate and its CA, without panicking and within their contracts.
#![no_main]

use std::sync::OnceLock;

use hpki_cert::{Certificate, Crl, testpki::TestPki};

/// The test physician and its signing CA.
fn fixed() -> &'static (Certificate, Certificate) {
    static CERTS: OnceLock<(Certificate, Certificate)> = OnceLock::new();
    CERTS.get_or_init(|| {
        let pki = TestPki::shared().expect("the test PKI builds");
        (
            pki.physician()
                .certificate()
                .expect("a test certificate parses"),
            pki.hpki_sign_ca()
                .certificate()
                .expect("a test certificate parses"),
        )
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(crl) = Crl::from_der(data) else {
        return;
    };
    assert_eq!(crl.der(), data);
    let _ = (crl.issuer(), crl.this_update(), crl.next_update());
    let _ = (crl.crl_number(), crl.delta_base(), crl.authority_key_id());
    let _ = (crl.issuing_distribution_point(), crl.freshest_crl());
    let _ = crl.unknown_critical_extensions();
    for entry in crl.revoked() {
        assert!(entry.effective_date() <= entry.date);
    }
    let (leaf, ca) = fixed();
    for cert in [leaf, ca] {
        match crl.scope_for(cert) {
            // In scope: a complete, direct CRL of the certificate's issuer with nothing
            // critical left unprocessed.
            Ok(_) => {
                assert_eq!(crl.issuer(), cert.issuer());
                assert!(crl.delta_base().is_none());
                assert!(crl.unknown_critical_extensions().is_empty());
                let idp = crl.issuing_distribution_point();
                assert!(!idp.is_some_and(|i| i.indirect_crl || i.only_contains_attribute_certs));
            }
            Err(refusal) => assert!(!refusal.to_string().is_empty()),
        }
        if let Some(entry) = crl.entry_for(cert) {
            assert_eq!(entry.serial_hex, cert.serial_hex());
        }
    }
    let _ = crl.check_issuer(ca).map_err(|e| e.to_string());
    let _ = crl.verify_signed_by(ca);
});
