//! RFC 5280 §6.3 CRL processing with crafted CRLs: scope (issuing distribution point
//! names, onlyContains* flags), reasons, indirect and delta CRLs, issuer checks,
//! critical extensions, entry extensions and freshness. Every refusal is named in the
//! `revocation` check and leaves the status unknown unless another CRL settles it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use core::str::FromStr as _;

use der::{
    Decode as _, Encode,
    asn1::{Any, BitString, GeneralizedTime, Ia5String, OctetString, UtcTime},
};
use hpki_cert::{
    CrlReason, CrlRefusal, PathCheck, PathOptions, PathReport, Reasons, SubIndication, Verdict,
    testpki::{self, CertSpec, TestCert, TestPki},
    validate_path,
};
use x509_cert::{
    certificate::Version,
    crl::{CertificateList, RevokedCert, TbsCertList},
    ext::{
        Extension,
        pkix::{
            AuthorityKeyIdentifier, BasicConstraints, CrlDistributionPoints, KeyUsage, KeyUsages,
            crl::IssuingDistributionPoint,
            crl::dp::{DistributionPoint, ReasonFlags},
            name::{DistributionPointName, GeneralName},
        },
    },
    name::{Name, RdnSequence, RelativeDistinguishedName},
    serial_number::SerialNumber,
    time::Time,
};

fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

fn pki() -> &'static TestPki {
    TestPki::shared().unwrap()
}

fn utc(s: &str) -> Time {
    let secs = u64::try_from(ts(s).as_second()).unwrap();
    Time::UtcTime(UtcTime::from_unix_duration(core::time::Duration::from_secs(secs)).unwrap())
}

fn ext(id: &str, critical: bool, value: &impl Encode) -> Extension {
    testpki::extension(id, critical, value).unwrap()
}

/// A CRL signed by `issuer` with `extensions` (nothing added), thisUpdate
/// 2024-12-01, nextUpdate `next`.
fn crl_at(
    issuer: &TestCert,
    this: &str,
    next: Option<&str>,
    entries: Vec<RevokedCert>,
    extensions: Vec<Extension>,
) -> Vec<u8> {
    use rsa::Pkcs1v15Sign;
    use sha2::Digest as _;
    let alg = spki::AlgorithmIdentifierOwned {
        oid: "1.2.840.113549.1.1.11".parse().unwrap(),
        parameters: Some(Any::null()),
    };
    let subject = issuer
        .certificate()
        .unwrap()
        .x509()
        .tbs_certificate()
        .subject()
        .clone();
    let tbs = TbsCertList {
        version: Version::V2,
        signature: alg.clone(),
        issuer: subject,
        this_update: utc(this),
        next_update: next.map(utc),
        revoked_certificates: (!entries.is_empty()).then_some(entries),
        crl_extensions: (!extensions.is_empty()).then_some(extensions),
    };
    let digest = sha2::Sha256::digest(tbs.to_der().unwrap());
    let signature = issuer
        .key()
        .sign(Pkcs1v15Sign::new::<sha2::Sha256>(), &digest)
        .unwrap();
    CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: alg,
        signature: BitString::from_bytes(&signature).unwrap(),
    }
    .to_der()
    .unwrap()
}

/// A fresh CRL at the test PKI's validation time (2025-01-01).
fn crl(issuer: &TestCert, entries: Vec<RevokedCert>, extensions: Vec<Extension>) -> Vec<u8> {
    crl_at(
        issuer,
        "2024-12-01T00:00:00Z",
        Some("2025-02-01T00:00:00Z"),
        entries,
        extensions,
    )
}

/// A positive INTEGER's content octets, without superfluous leading zeros.
fn minimal(n: u64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(7);
    let mut out = bytes[first..].to_vec();
    if out[0] & 0x80 != 0 {
        out.insert(0, 0);
    }
    out
}

fn entry(serial: u64, date: &str, extensions: Vec<Extension>) -> RevokedCert {
    RevokedCert {
        serial_number: SerialNumber::new(&minimal(serial)).unwrap(),
        revocation_date: utc(date),
        crl_entry_extensions: (!extensions.is_empty()).then_some(extensions),
    }
}

fn idp(dp: Option<DistributionPointName>) -> IssuingDistributionPoint {
    IssuingDistributionPoint {
        distribution_point: dp,
        only_contains_user_certs: false,
        only_contains_ca_certs: false,
        only_some_reasons: None,
        indirect_crl: false,
        only_contains_attribute_certs: false,
    }
}

fn idp_ext(idp: &IssuingDistributionPoint) -> Extension {
    ext("2.5.29.28", true, idp)
}

fn uri(u: &str) -> GeneralName {
    GeneralName::UniformResourceIdentifier(Ia5String::new(u).unwrap())
}

fn full(names: Vec<GeneralName>) -> Option<DistributionPointName> {
    Some(DistributionPointName::FullName(names))
}

fn rdn(text: &str) -> RelativeDistinguishedName {
    RdnSequence::from(Name::from_str(text).unwrap())
        .iter()
        .next()
        .unwrap()
        .clone()
}

fn sign_ca_name() -> Name {
    pki()
        .hpki_sign_ca()
        .certificate()
        .unwrap()
        .x509()
        .tbs_certificate()
        .subject()
        .clone()
}

/// The signing CA's name with `rdn` appended, as a directoryName.
fn composed(rdn: &RelativeDistinguishedName) -> GeneralName {
    let mut seq = RdnSequence::from(sign_ca_name());
    seq.push(rdn.clone());
    GeneralName::DirectoryName(Name::from_der(&seq.to_der().unwrap()).unwrap())
}

fn cdp(points: Vec<DistributionPoint>) -> Extension {
    ext("2.5.29.31", false, &CrlDistributionPoints(points))
}

fn point(name: Option<DistributionPointName>) -> DistributionPoint {
    DistributionPoint {
        distribution_point: name,
        reasons: None,
        crl_issuer: None,
    }
}

const LEAF_URL: &str = "http://crl.medsign.invalid/scope/leaf.crl";
const LEAF_SERIAL: u64 = 0x6001;

/// An end-entity certificate of the signing CA with `extensions` (a CDP, or none).
fn leaf(extensions: Vec<Extension>) -> TestCert {
    TestPki::issue(
        &CertSpec {
            serial: LEAF_SERIAL,
            subject: testpki::name(&[("2.5.4.6", "JP"), ("2.5.4.3", "Scope Holder")]).unwrap(),
            key: "physician-sign",
            not_before: testpki::not_before(),
            not_after: testpki::not_after(),
            extensions,
        },
        pki().hpki_sign_ca(),
    )
    .unwrap()
}

fn leaf_with_url() -> TestCert {
    leaf(vec![cdp(vec![point(full(vec![uri(LEAF_URL)]))])])
}

/// The root's plain CRL, so that the signing CA's own status is known.
fn root_crl() -> Vec<u8> {
    crl(pki().hpki_root(), vec![], vec![])
}

fn validate(cert: &TestCert, mut crls: Vec<Vec<u8>>) -> PathReport {
    crls.push(root_crl());
    let opts = PathOptions::at(testpki::valid_time()).with_crls(crls);
    validate_path(cert.cert_der(), &[], &pki().trust_store(), &opts)
}

fn dump(r: &PathReport) -> Vec<String> {
    r.checks
        .iter()
        .map(|c| format!("{} {} {}: {}", c.verdict, c.name, c.subject, c.detail))
        .collect()
}

/// The leaf's revocation check.
fn revocation(r: &PathReport) -> &PathCheck {
    r.check("revocation").next().unwrap()
}

fn assert_valid(r: &PathReport) {
    assert_eq!(r.verdict, Verdict::Valid, "{:#?}", dump(r));
    assert!(
        revocation(r).detail.contains("not revoked"),
        "{:#?}",
        dump(r)
    );
}

fn assert_unknown(r: &PathReport, needle: &str) {
    assert_check_unknown(r, needle);
    assert_eq!(r.verdict, Verdict::Indeterminate);
}

/// The first revocation check is unknown for the reason `needle` (the path may fail
/// otherwise as well).
fn assert_check_unknown(r: &PathReport, needle: &str) {
    let check = revocation(r);
    assert_eq!(check.verdict, Verdict::Indeterminate, "{:#?}", dump(r));
    assert_eq!(check.sub_indication, Some(SubIndication::TryLater));
    assert!(
        check.detail.contains(needle),
        "{needle:?} in {}",
        check.detail
    );
}

#[test]
fn a_crl_without_idp_covers_every_certificate_of_its_issuer() {
    assert_valid(&validate(
        &leaf_with_url(),
        vec![crl(pki().hpki_sign_ca(), vec![], vec![])],
    ));
    assert_valid(&validate(
        &leaf(vec![]),
        vec![crl(pki().hpki_sign_ca(), vec![], vec![])],
    ));
}

#[test]
fn an_idp_full_name_must_be_one_of_the_certificates_distribution_points() {
    let matching = idp(full(vec![uri(LEAF_URL)]));
    let crl_ok = crl(pki().hpki_sign_ca(), vec![], vec![idp_ext(&matching)]);
    assert_valid(&validate(&leaf_with_url(), vec![crl_ok.clone()]));

    let other = idp(full(vec![uri(
        "http://crl.medsign.invalid/scope/other.crl",
    )]));
    let crl_other = crl(pki().hpki_sign_ca(), vec![], vec![idp_ext(&other)]);
    let r = validate(&leaf_with_url(), vec![crl_other.clone()]);
    assert_unknown(
        &r,
        "matches none of the certificate's CRL distribution points",
    );
    assert!(revocation(&r).detail.contains("other.crl"));
    // A certificate without a CDP has only the implicit point (its issuer's name).
    assert_unknown(&validate(&leaf(vec![]), vec![crl_ok]), "matches none");
    // The refused CRL does not spoil a matching one, and is named as not used.
    let both = validate(
        &leaf_with_url(),
        vec![
            crl_other,
            crl(pki().hpki_sign_ca(), vec![], vec![idp_ext(&matching)]),
        ],
    );
    assert_valid(&both);
    assert!(
        revocation(&both).detail.contains("not used"),
        "{:#?}",
        dump(&both)
    );
}

#[test]
fn an_idp_naming_the_issuer_covers_a_certificate_without_distribution_points() {
    let by_issuer = idp(full(vec![GeneralName::DirectoryName(sign_ca_name())]));
    let crl = crl(pki().hpki_sign_ca(), vec![], vec![idp_ext(&by_issuer)]);
    assert_valid(&validate(&leaf(vec![]), vec![crl.clone()]));
    // A distribution point with neither a name nor a cRLIssuer stands for the CRL
    // issuer (§6.3.3 (b)(2)(i)).
    let nameless = DistributionPoint {
        distribution_point: None,
        reasons: Some(ReasonFlags::full() - Reasons::Unused),
        crl_issuer: None,
    };
    assert_valid(&validate(&leaf(vec![cdp(vec![nameless])]), vec![crl]));
}

#[test]
fn a_name_relative_to_the_crl_issuer_is_composed_with_the_issuer_name() {
    let part = rdn("CN=Partition 1");
    let relative = Some(DistributionPointName::NameRelativeToCRLIssuer(part.clone()));
    let crl_rel = crl(
        pki().hpki_sign_ca(),
        vec![],
        vec![idp_ext(&idp(relative.clone()))],
    );
    // The certificate names the same partition relatively, or as a full DirName.
    assert_valid(&validate(
        &leaf(vec![cdp(vec![point(relative)])]),
        vec![crl_rel.clone()],
    ));
    assert_valid(&validate(
        &leaf(vec![cdp(vec![point(full(vec![composed(&part)]))])]),
        vec![crl_rel.clone()],
    ));
    // Another partition is another scope.
    let other = Some(DistributionPointName::NameRelativeToCRLIssuer(rdn(
        "CN=Partition 2",
    )));
    assert_unknown(
        &validate(&leaf(vec![cdp(vec![point(other)])]), vec![crl_rel]),
        "Partition 1",
    );
}

#[test]
fn only_contains_user_certs_covers_end_entities_and_not_cas() {
    let mut user = idp(None);
    user.only_contains_user_certs = true;
    let sign_crl = crl(pki().hpki_sign_ca(), vec![], vec![idp_ext(&user)]);
    assert_valid(&validate(&leaf_with_url(), vec![sign_crl]));
    // The root's CRL scoped to end entities does not give the signing CA's status.
    let root_user = crl(pki().hpki_root(), vec![], vec![idp_ext(&user)]);
    let opts = PathOptions::at(testpki::valid_time()).with_crls(vec![root_user]);
    let r = validate_path(
        pki().hpki_sign_ca().cert_der(),
        &[],
        &pki().trust_store(),
        &opts,
    );
    // (As a leaf the CA fails key_usage too: only its revocation check matters here.)
    assert_check_unknown(&r, "onlyContainsUserCerts");
}

#[test]
fn only_contains_ca_certs_and_attribute_certs_do_not_cover_an_end_entity() {
    let mut ca = idp(None);
    ca.only_contains_ca_certs = true;
    let r = validate(
        &leaf_with_url(),
        vec![crl(pki().hpki_sign_ca(), vec![], vec![idp_ext(&ca)])],
    );
    assert_unknown(&r, "onlyContainsCACerts");
    let mut attr = idp(None);
    attr.only_contains_attribute_certs = true;
    let r = validate(
        &leaf_with_url(),
        vec![crl(pki().hpki_sign_ca(), vec![], vec![idp_ext(&attr)])],
    );
    assert_unknown(&r, "onlyContainsAttributeCerts");
}

fn reasons_crl(reasons: ReasonFlags, entries: Vec<RevokedCert>) -> Vec<u8> {
    let mut some = idp(None);
    some.only_some_reasons = Some(reasons);
    crl(pki().hpki_sign_ca(), entries, vec![idp_ext(&some)])
}

#[test]
fn only_some_reasons_settle_not_revoked_only_when_every_reason_is_covered() {
    let first = Reasons::KeyCompromise | Reasons::CaCompromise;
    let rest = (ReasonFlags::full() - Reasons::Unused) - first;
    let r = validate(&leaf_with_url(), vec![reasons_crl(first, vec![])]);
    assert_unknown(&r, "no CRL covers affiliationChanged");
    assert!(
        revocation(&r)
            .detail
            .contains("cover only the reasons keyCompromise,cACompromise"),
        "{}",
        revocation(&r).detail
    );
    assert_valid(&validate(
        &leaf_with_url(),
        vec![reasons_crl(first, vec![]), reasons_crl(rest, vec![])],
    ));
    // A revocation on a partial CRL is a revocation.
    let revoked = entry(LEAF_SERIAL, "2024-11-01T00:00:00Z", vec![]);
    let r = validate(&leaf_with_url(), vec![reasons_crl(first, vec![revoked])]);
    assert_eq!(r.verdict, Verdict::Invalid, "{:#?}", dump(&r));
    assert_eq!(revocation(&r).sub_indication, Some(SubIndication::Revoked));
    // The certificate's own distribution point may narrow the reasons too.
    let narrow = DistributionPoint {
        distribution_point: full(vec![uri(LEAF_URL)]),
        reasons: Some(first),
        crl_issuer: None,
    };
    let with_idp = idp(full(vec![uri(LEAF_URL)]));
    let r = validate(
        &leaf(vec![cdp(vec![narrow])]),
        vec![crl(pki().hpki_sign_ca(), vec![], vec![idp_ext(&with_idp)])],
    );
    assert_unknown(&r, "no CRL covers");
}

#[test]
fn indirect_crls_are_refused_by_name() {
    let mut indirect = idp(None);
    indirect.indirect_crl = true;
    let r = validate(
        &leaf_with_url(),
        vec![crl(pki().hpki_sign_ca(), vec![], vec![idp_ext(&indirect)])],
    );
    assert_unknown(&r, "indirect CRLs are not supported");
    // An entry naming a certificateIssuer makes it indirect too, even unflagged.
    let issuer = ext(
        "2.5.29.29",
        true,
        &vec![GeneralName::DirectoryName(sign_ca_name())],
    );
    let listed = entry(0x9999, "2024-11-01T00:00:00Z", vec![issuer]);
    let r = validate(
        &leaf_with_url(),
        vec![crl(pki().hpki_sign_ca(), vec![listed], vec![])],
    );
    assert_unknown(&r, "indirect CRLs are not supported");
    assert!(revocation(&r).detail.contains("certificateIssuer"));
}

#[test]
fn delta_crls_are_refused_by_name_and_the_complete_crl_settles() {
    let delta = ext("2.5.29.27", true, &der::asn1::Uint::new(&[5]).unwrap());
    let number = ext("2.5.29.20", false, &der::asn1::Uint::new(&[6]).unwrap());
    let delta_crl = crl(pki().hpki_sign_ca(), vec![], vec![number, delta]);
    let parsed = hpki_cert::Crl::from_der(&delta_crl).unwrap();
    assert_eq!(parsed.delta_base(), Some(&[5u8][..]));
    assert_eq!(parsed.crl_number(), Some(&[6u8][..]));
    let leaf = leaf_with_url();
    assert_eq!(
        parsed.scope_for(&leaf.certificate().unwrap()),
        Err(CrlRefusal::Delta { base: "05".into() })
    );
    let r = validate(&leaf, vec![delta_crl.clone()]);
    assert_unknown(&r, "delta CRLs are not processed");
    let r = validate(
        &leaf,
        vec![delta_crl, crl(pki().hpki_sign_ca(), vec![], vec![])],
    );
    assert_valid(&r);
    assert!(
        revocation(&r)
            .detail
            .contains("delta CRLs are not processed")
    );
}

#[test]
fn unknown_critical_and_malformed_extensions_make_the_crl_unusable_with_the_oid_named() {
    let unknown = ext("1.2.3.4.5", true, &der::asn1::Null);
    let r = validate(
        &leaf_with_url(),
        vec![crl(pki().hpki_sign_ca(), vec![], vec![unknown])],
    );
    assert_unknown(&r, "critical extensions not understood: 1.2.3.4.5");
    // Not critical: ignored.
    let ignored = ext("1.2.3.4.5", false, &der::asn1::Null);
    assert_valid(&validate(
        &leaf_with_url(),
        vec![crl(pki().hpki_sign_ca(), vec![], vec![ignored])],
    ));
    let unknown_entry = entry(
        0x9999,
        "2024-11-01T00:00:00Z",
        vec![ext("1.2.3.4.6", true, &der::asn1::Null)],
    );
    let r = validate(
        &leaf_with_url(),
        vec![crl(pki().hpki_sign_ca(), vec![unknown_entry], vec![])],
    );
    assert_unknown(&r, "entry extension 1.2.3.4.6");
    let malformed = Extension {
        extn_id: "2.5.29.28".parse().unwrap(),
        critical: true,
        extn_value: OctetString::new(vec![0x30, 0x03, 0x81, 0x01, 0x07]).unwrap(),
    };
    let r = validate(
        &leaf_with_url(),
        vec![crl(pki().hpki_sign_ca(), vec![], vec![malformed])],
    );
    assert_unknown(&r, "malformed extension: 2.5.29.28");
}

#[test]
fn the_crl_must_name_the_issuers_key_and_the_issuer_must_sign_crls() {
    let wrong_key = ext(
        "2.5.29.35",
        false,
        &AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(vec![7; 20]).unwrap()),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        },
    );
    let r = validate(
        &leaf_with_url(),
        vec![crl(pki().hpki_sign_ca(), vec![], vec![wrong_key])],
    );
    assert_unknown(&r, "authorityKeyIdentifier 0707");

    // A CA without cRLSign: its CRLs are refused.
    let ca = TestPki::issue(
        &CertSpec {
            serial: 0x6100,
            subject: testpki::name(&[("2.5.4.6", "JP"), ("2.5.4.3", "No CRL Sign CA")]).unwrap(),
            key: "second-0",
            not_before: testpki::not_before(),
            not_after: testpki::not_after(),
            extensions: vec![
                ext(
                    "2.5.29.19",
                    true,
                    &BasicConstraints {
                        ca: true,
                        path_len_constraint: None,
                    },
                ),
                ext("2.5.29.15", true, &KeyUsage(KeyUsages::KeyCertSign.into())),
            ],
        },
        pki().hpki_root(),
    )
    .unwrap();
    let holder = TestPki::issue(
        &CertSpec {
            serial: 0x6101,
            subject: testpki::name(&[("2.5.4.6", "JP"), ("2.5.4.3", "Its Holder")]).unwrap(),
            key: "second-1",
            not_before: testpki::not_before(),
            not_after: testpki::not_after(),
            extensions: vec![],
        },
        &ca,
    )
    .unwrap();
    let opts = PathOptions::at(testpki::valid_time())
        .with_crls(vec![crl(&ca, vec![], vec![]), root_crl()]);
    let r = validate_path(
        holder.cert_der(),
        &[ca.cert_der().to_vec()],
        &pki().trust_store(),
        &opts,
    );
    assert_unknown(&r, "may not sign CRLs (keyUsage lacks cRLSign)");
}

#[test]
fn a_compromised_key_is_revoked_from_its_invalidity_date() {
    let invalid_since = ext(
        "2.5.29.24",
        false,
        &GeneralizedTime::from_unix_duration(core::time::Duration::from_secs(
            u64::try_from(ts("2024-12-15T00:00:00Z").as_second()).unwrap(),
        ))
        .unwrap(),
    );
    let reason = ext("2.5.29.21", false, &CrlReason::KeyCompromise);
    // Revoked 2025-01-10, key invalid since 2024-12-15: at 2025-01-01 it is revoked.
    let listed = entry(
        LEAF_SERIAL,
        "2025-01-10T00:00:00Z",
        vec![reason, invalid_since],
    );
    let crl = crl_at(
        pki().hpki_sign_ca(),
        "2025-01-10T00:00:00Z",
        Some("2025-02-10T00:00:00Z"),
        vec![listed],
        vec![],
    );
    let parsed = hpki_cert::Crl::from_der(&crl).unwrap();
    assert_eq!(
        parsed.revoked()[0].invalidity_date,
        Some(ts("2024-12-15T00:00:00Z"))
    );
    let r = validate(&leaf_with_url(), vec![crl.clone()]);
    assert_eq!(r.verdict, Verdict::Invalid, "{:#?}", dump(&r));
    assert!(revocation(&r).detail.contains("KeyCompromise"));
    assert!(
        revocation(&r)
            .detail
            .contains("key invalid since 2024-12-15")
    );
    // Before the invalidity date it was not revoked (and the report says it was later).
    let opts = PathOptions::at(ts("2024-12-01T00:00:00Z")).with_crls(vec![crl, root_crl()]);
    let r = validate_path(leaf_with_url().cert_der(), &[], &pki().trust_store(), &opts);
    assert_valid(&r);
    assert!(
        revocation(&r)
            .detail
            .contains("revoked later, on 2024-12-15")
    );
}

#[test]
fn a_certificate_on_hold_is_indeterminate_try_later() {
    let hold = ext("2.5.29.21", false, &CrlReason::CertificateHold);
    let listed = entry(LEAF_SERIAL, "2024-11-01T00:00:00Z", vec![hold]);
    let r = validate(
        &leaf_with_url(),
        vec![crl(pki().hpki_sign_ca(), vec![listed], vec![])],
    );
    assert_unknown(&r, "on hold since 2024-11-01");
}

#[test]
fn without_next_update_a_crl_gives_the_status_only_from_its_issue_on() {
    let before = crl_at(
        pki().hpki_sign_ca(),
        "2024-12-01T00:00:00Z",
        None,
        vec![],
        vec![],
    );
    assert_unknown(
        &validate(&leaf_with_url(), vec![before]),
        "stale at 2025-01-01T00:00:00Z (nextUpdate absent)",
    );
    let after = crl_at(
        pki().hpki_sign_ca(),
        "2025-01-02T00:00:00Z",
        None,
        vec![],
        vec![],
    );
    assert_valid(&validate(&leaf_with_url(), vec![after]));
}

#[test]
fn a_crl_signed_by_another_key_is_refused() {
    // The authentication CA's key signing in the signing CA's name.
    let forged = TestPki::issue(
        &CertSpec {
            serial: 0x6200,
            subject: sign_ca_name(),
            key: "hpki-auth-ca",
            not_before: testpki::not_before(),
            not_after: testpki::not_after(),
            extensions: testpki::ca_extensions(None, None).unwrap(),
        },
        pki().hpki_root(),
    )
    .unwrap();
    let r = validate(&leaf_with_url(), vec![crl(&forged, vec![], vec![])]);
    assert_unknown(&r, "signature does not verify");
}
