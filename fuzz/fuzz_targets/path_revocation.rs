//! Path validation of the real sample's chain (signer → MEDIS sign CA2 → MHLW root, at
//! 2022-09-07T12:00Z, the root's ARL given) with a fuzzed CRL in place of the MEDIS
//! CA's: never panics, and never VALID under the default policy unless that CRL
//! verified with the CA's key; a `VerificationCache` kept across all inputs never
//! changes a report.
//!
//! Input: first byte even → the rest is the CRL; odd → the rest is a list of
//! (offset: u16 big-endian, xor: u8) mutations of the real MEDIS CRL, so that most
//! inputs are CRLs that parse and reach the scope, signature and freshness checks.
#![no_main]

use std::sync::OnceLock;

use base64::Engine as _;
use hpki_cert::{
    Certificate, Crl, PathOptions, RevocationPolicy, TrustStore, Verdict, VerificationCache,
    validate_path,
};

const SAMPLE: &str = include_str!("../../fixtures/eprescription/prescription-004_01.xml");
const ROOT: &[u8] = include_bytes!("../../fixtures/trust/mhlw-hpki-root-ca-v2.der");
const MEDIS_SIGN_CA2: &[u8] = include_bytes!("../../fixtures/trust/medis-sign-ca2.der");

struct Fixed {
    signer: Vec<u8>,
    medis_crl: Vec<u8>,
    arl: Vec<u8>,
    ca: Certificate,
    store: TrustStore,
    at: jiff::Timestamp,
    /// Shared by every input: small, so that it is emptied and refilled often.
    cache: VerificationCache,
}

/// The base64 content of every element whose local name is `local`.
fn embedded(local: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (i, _) in SAMPLE.match_indices('<') {
        let tag = &SAMPLE[i + 1..];
        let name = tag
            .split(|c: char| c.is_whitespace() || c == '>')
            .next()
            .unwrap_or_default();
        if name.starts_with('/') || name.rsplit(':').next() != Some(local) {
            continue;
        }
        let content = tag.split_once('>').map(|(_, c)| c).unwrap_or_default();
        let text: String = content
            .split('<')
            .next()
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(text) {
            out.push(der);
        }
    }
    out
}

fn fixed() -> &'static Fixed {
    static FIXED: OnceLock<Fixed> = OnceLock::new();
    FIXED.get_or_init(|| {
        let crls = embedded("EncapsulatedCRLValue");
        let by_issuer = |needle: &str| {
            crls.iter()
                .find(|der| Crl::from_der(der).is_ok_and(|c| c.issuer().contains(needle)))
                .cloned()
                .expect("the sample embeds this CRL")
        };
        let mut store = TrustStore::new();
        store.add_anchor_der(ROOT).expect("the root parses");
        store
            .add_intermediate_der(MEDIS_SIGN_CA2)
            .expect("the CA parses");
        Fixed {
            signer: embedded("X509Certificate").remove(0),
            medis_crl: by_issuer("MedisSignCA2"),
            arl: by_issuer("MHLW HPKI Root CA V2"),
            ca: Certificate::from_der(MEDIS_SIGN_CA2).expect("the CA parses"),
            store,
            at: "2022-09-07T12:00:00Z".parse().expect("a time"),
            cache: VerificationCache::with_limits(64, 1 << 20),
        }
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let fixed = fixed();
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    let crl = if mode % 2 == 0 {
        rest.to_vec()
    } else {
        let mut crl = fixed.medis_crl.clone();
        for m in rest.chunks_exact(3) {
            let pos = usize::from(u16::from_be_bytes([m[0], m[1]])) % crl.len();
            crl[pos] ^= m[2];
        }
        crl
    };
    let verified = Crl::from_der(&crl).is_ok_and(|c| c.verify_signed_by(&fixed.ca).is_ok());
    let crls = vec![fixed.arl.clone(), crl];
    for policy in [RevocationPolicy::Required, RevocationPolicy::Waived] {
        let opts = PathOptions::hpki_signature(fixed.at)
            .with_crls(crls.clone())
            .with_revocation_policy(policy);
        let report = validate_path(&fixed.signer, &[], &fixed.store, &opts);
        let cached = validate_path(
            &fixed.signer,
            &[],
            &fixed.store,
            &opts.clone().with_cache(fixed.cache.clone()),
        );
        assert_eq!(cached.checks, report.checks);
        assert_eq!(cached.verdict, report.verdict);
        if policy == RevocationPolicy::Required && report.verdict == Verdict::Valid {
            assert!(
                verified,
                "VALID without a verified CRL: {:#?}",
                report.checks
            );
            assert!(report.waivers.is_empty());
            assert!(
                report
                    .check("revocation")
                    .all(|c| c.detail.starts_with("not revoked"))
            );
        }
        if report.verdict == Verdict::Valid && !verified {
            // Only a waiver can have let the signer through.
            assert!(!report.waivers.is_empty());
        }
    }
});
