//! A J-LIS-like test PKI for the virtual My Number Card, built from fixed test keys.
//!
//! The root and the two CAs are hpki-cert's JPKI test hierarchy; the holder's two
//! certificates are issued here by its builder, with the holder's own subject and basic
//! four items.

use hpki_cert::{
    profile::jpki_san,
    testpki::{self, CertSpec, TestPki, oid as x509},
};
use rsa::{PrivateKey, pkcs8::EncodePublicKey};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};

use crate::jpki::TestHolder;

/// Why the test PKI could not be built (never expected with the embedded keys; reported
/// instead of panicking).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestPkiError {
    /// A certificate field could not be encoded; the text says which.
    #[error("test PKI: {0}")]
    Build(String),
    /// hpki-cert's test PKI, which this one builds on, failed; the source says why.
    #[error("test PKI: {0}")]
    Pki(#[from] hpki_cert::Error),
}

fn err(what: &'static str) -> impl Fn(&dyn core::fmt::Display) -> TestPkiError {
    move |e| TestPkiError::Build(format!("{what}: {e}"))
}

/// The test hierarchy on a virtual My Number Card: hpki-cert's JPKI test root, its
/// signature CA and user-authentication CA, and the holder's two certificates.
///
/// ```text
/// medsign Test JPKI Root CA ─┬─ JPKI for digital signature ─── holder signature certificate (basic four items in SAN)
///                            └─ JPKI for user authentication ── holder user-authentication certificate
/// ```
///
/// Built from fixed RSA-2048 keys (hpki-cert's `jpki-*` test keys) with fixed serials
/// and validity, so every build yields the same bytes. Test material only.
#[derive(Clone)]
pub struct JpkiTestPki {
    root: Vec<u8>,
    sign_ca: Vec<u8>,
    auth_ca: Vec<u8>,
    sign_cert: Vec<u8>,
    auth_cert: Vec<u8>,
    sign_key: PrivateKey,
    auth_key: PrivateKey,
}

impl core::fmt::Debug for JpkiTestPki {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("JpkiTestPki")
            .field("sign_cert_len", &self.sign_cert.len())
            .field("auth_cert_len", &self.auth_cert.len())
            .field("keys", &"<redacted>")
            .finish()
    }
}

/// 2025-04-01T00:00:00Z.
const EE_NOT_BEFORE: i64 = 1_743_465_600;
/// 2030-03-31T14:59:59Z (five years, to the holder's birthday in real life).
const EE_NOT_AFTER: i64 = 1_901_199_599;

fn timestamp(secs: i64) -> Result<jiff::Timestamp, TestPkiError> {
    jiff::Timestamp::from_second(secs).map_err(|e| err("validity")(&e))
}

/// An end-entity spec: not a CA, critical `usage`, then `more` extensions.
fn holder_spec(
    serial: u64,
    subject: &[(&str, &str)],
    key: &'static str,
    usage: KeyUsage,
    more: Vec<x509_cert::ext::Extension>,
) -> Result<CertSpec, TestPkiError> {
    let mut extensions = vec![
        testpki::extension(
            x509::BASIC_CONSTRAINTS,
            true,
            &BasicConstraints {
                ca: false,
                path_len_constraint: None,
            },
        )?,
        testpki::extension(x509::KEY_USAGE, true, &usage)?,
    ];
    extensions.extend(more);
    Ok(CertSpec {
        serial,
        subject: testpki::name(subject)?,
        key,
        not_before: timestamp(EE_NOT_BEFORE)?,
        not_after: timestamp(EE_NOT_AFTER)?,
        extensions,
    })
}

impl JpkiTestPki {
    /// Builds the hierarchy for `holder` (the signature certificate carries the holder's
    /// basic four items).
    pub fn generate(holder: &TestHolder) -> Result<Self, TestPkiError> {
        let pki = TestPki::shared()?;
        let sex = holder.sex.to_string();
        let san = testpki::jpki_subject_alt_name(&[
            (jpki_san::NAME, &holder.name),
            (jpki_san::SEX, &sex),
            (jpki_san::DATE_OF_BIRTH, &holder.birth_date),
            (jpki_san::ADDRESS, &holder.address),
        ])?;
        let sign = TestPki::issue(
            &holder_spec(
                0x1001,
                &[
                    (x509::C, "JP"),
                    (x509::OU, "medsign test"),
                    (x509::CN, &holder.serial),
                ],
                "jpki-holder-sign",
                KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation),
                vec![
                    testpki::extension(x509::SUBJECT_ALT_NAME, false, &san)?,
                    testpki::crl_distribution_point(testpki::TEST_JPKI_SIGN_CRL_URL)?,
                ],
            )?,
            pki.jpki_sign_ca(),
        )?;
        let auth_cn = format!("{}A", holder.serial);
        let auth = TestPki::issue(
            &holder_spec(
                0x2001,
                &[(x509::C, "JP"), (x509::CN, &auth_cn)],
                "jpki-holder-auth",
                KeyUsage(KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment),
                vec![testpki::crl_distribution_point(
                    testpki::TEST_JPKI_AUTH_CRL_URL,
                )?],
            )?,
            pki.jpki_auth_ca(),
        )?;
        Ok(Self {
            root: pki.jpki_root().cert_der().to_vec(),
            sign_ca: pki.jpki_sign_ca().cert_der().to_vec(),
            auth_ca: pki.jpki_auth_ca().cert_der().to_vec(),
            sign_cert: sign.cert_der().to_vec(),
            auth_cert: auth.cert_der().to_vec(),
            sign_key: sign.key().clone(),
            auth_key: auth.key().clone(),
        })
    }

    /// The self-signed root (DER); not on the card, a verifier's trust anchor.
    pub fn root_der(&self) -> &[u8] {
        &self.root
    }
    /// The signature CA certificate (EF `0002`).
    pub fn sign_ca_der(&self) -> &[u8] {
        &self.sign_ca
    }
    /// The user-authentication CA certificate (EF `000B`).
    pub fn auth_ca_der(&self) -> &[u8] {
        &self.auth_ca
    }
    /// The holder's signature certificate (EF `0001`).
    pub fn sign_cert_der(&self) -> &[u8] {
        &self.sign_cert
    }
    /// The holder's user-authentication certificate (EF `000A`).
    pub fn auth_cert_der(&self) -> &[u8] {
        &self.auth_cert
    }
    /// The signature private key (EF `001A`), for tests that sign in software.
    pub fn sign_key(&self) -> &PrivateKey {
        &self.sign_key
    }
    /// The user-authentication private key (EF `0017`).
    pub fn auth_key(&self) -> &PrivateKey {
        &self.auth_key
    }
    /// The public key of the signature certificate as SubjectPublicKeyInfo DER.
    pub fn sign_public_key_der(&self) -> Result<Vec<u8>, TestPkiError> {
        self.sign_key
            .to_public_key()
            .to_public_key_der()
            .map(|d| d.as_bytes().to_vec())
            .map_err(|e| err("public key")(&e))
    }
}
