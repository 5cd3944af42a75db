//! The test HPKI hierarchy the platform issues second certificates from, and its key pool.
//!
//! Everything comes from hpki-cert's test PKI: the root is the very certificate the
//! virtual HPKI cards chain to (one trust anchor for card and remote signatures), the
//! second-certificate signing CA and the certificates are made by its builder, and the
//! pool keys are its bundled `second-0` … `second-3`.

use der::{Decode, asn1::Any};
use hpki_cert::testpki::{self, CertSpec, TestCert, TestPki, oid};
use rsa::PrivateKey;
use x509_cert::ext::pkix::{
    CertificatePolicies, KeyUsage, KeyUsages, certpolicy::PolicyInformation,
};

use crate::Error;

/// The pool of second-certificate keys (hpki-cert's `testdata/keys/README.md`).
const POOL: [&str; 4] = ["second-0", "second-1", "second-2", "second-3"];

/// The CA key: the test HPKI signing CA's, under another name.
const SIGN_CA_KEY: &str = "hpki-sign-ca";
/// The CA's serial under the test root (the root issued 1 to 3 to hpki-cert's CAs).
const SIGN_CA_SERIAL: u64 = 4;

/// The signing CP asserted by second certificates (the MEDIS signing CP arc; the real
/// second-certificate CP is not public).
const SIGN_CP: &str = "1.2.392.100495.1.5.1.1.0.1";
/// The signing CA's policy (`HPKI-01-MedisSignCA2-forNonRepudiation`).
const SIGN_CA_CP: &str = "1.2.392.100495.1.5.1.1.3.1";
/// The CRL distribution point of second certificates (the signing CA's CRL, served by
/// [`CrlServer`](crate::CrlServer)); the CA itself names the test root's ARL.
pub(crate) const SECOND_SIGN_CRL_URL: &str = "http://crl.medsign.invalid/hpki/second-sign.crl";

fn pki_err(e: hpki_cert::Error) -> Error {
    Error::Pki(e.to_string())
}

/// What a second certificate names.
pub(crate) struct Subject<'a> {
    pub(crate) name_romaji: &'a str,
    pub(crate) organisation: &'a str,
    pub(crate) serial_number: &'a str,
    pub(crate) hc_role_der: Vec<u8>,
}

/// The issuing side of the test HPKI: root, signing CA and the key pool.
pub(crate) struct Pki {
    root: TestCert,
    sign_ca: TestCert,
    pool: Vec<PrivateKey>,
}

impl Pki {
    /// Builds the deterministic CA certificates from the fixed keys.
    pub(crate) fn new() -> Result<Self, Error> {
        let root = TestPki::shared().map_err(pki_err)?.hpki_root().clone();
        let sign_ca = TestPki::issue(
            &CertSpec {
                serial: SIGN_CA_SERIAL,
                subject: testpki::name(&[
                    (oid::C, "JP"),
                    (oid::O, "medsign test"),
                    (oid::OU, "medsign Test HPKI CA"),
                    (oid::CN, "HPKI-99-MedsignTestSecondSignCA-forNonRepudiation"),
                ])
                .map_err(pki_err)?,
                key: SIGN_CA_KEY,
                not_before: testpki::not_before(),
                not_after: testpki::not_after(),
                extensions: testpki::ca_extensions(
                    Some(SIGN_CA_CP),
                    Some(testpki::TEST_HPKI_ARL_URL),
                )
                .map_err(pki_err)?,
            },
            &root,
        )
        .map_err(pki_err)?;
        let pool = POOL
            .iter()
            .map(|name| testpki::test_key(name).map_err(pki_err))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            root,
            sign_ca,
            pool,
        })
    }

    pub(crate) fn root_der(&self) -> &[u8] {
        self.root.cert_der()
    }

    /// The second-certificate signing CA (it issues the CRL of second certificates).
    pub(crate) fn sign_ca(&self) -> &TestCert {
        &self.sign_ca
    }

    pub(crate) fn sign_ca_der(&self) -> &[u8] {
        self.sign_ca.cert_der()
    }

    pub(crate) fn pool_len(&self) -> usize {
        self.pool.len()
    }

    pub(crate) fn pool_key(&self, index: usize) -> Result<&PrivateKey, Error> {
        self.pool
            .get(index)
            .ok_or_else(|| Error::Pki(format!("no pool key {index}")))
    }

    /// Issues a five-year second certificate for `subject` with pool key `key_index`:
    /// critical keyUsage nonRepudiation, critical certificatePolicies, hcRole in
    /// subjectDirectoryAttributes (docs/spec/signatures.md §3).
    pub(crate) fn issue_second(
        &self,
        subject: &Subject<'_>,
        serial: u64,
        not_before: jiff::Timestamp,
        key_index: usize,
    ) -> Result<Vec<u8>, Error> {
        let key = POOL
            .get(key_index)
            .ok_or_else(|| Error::Pki(format!("no pool key {key_index}")))?;
        let not_after = not_before
            .to_zoned(jiff::tz::TimeZone::UTC)
            .checked_add(jiff::Span::new().years(5))
            .map_err(|e| Error::Pki(format!("validity: {e}")))?
            .timestamp();
        let policies = CertificatePolicies(vec![PolicyInformation {
            policy_identifier: SIGN_CP
                .parse()
                .map_err(|e| Error::Pki(format!("policy: {e}")))?,
            policy_qualifiers: None,
        }]);
        let hc_role =
            Any::from_der(&subject.hc_role_der).map_err(|e| Error::Pki(format!("hcRole: {e}")))?;
        let spec = CertSpec {
            serial,
            subject: testpki::name(&[
                (oid::C, "JP"),
                (oid::O, subject.organisation),
                (oid::CN, subject.name_romaji),
                (oid::SERIAL_NUMBER, subject.serial_number),
            ])
            .map_err(pki_err)?,
            key,
            not_before,
            not_after,
            extensions: vec![
                testpki::extension(
                    oid::KEY_USAGE,
                    true,
                    &KeyUsage(KeyUsages::NonRepudiation.into()),
                )
                .map_err(pki_err)?,
                testpki::extension(oid::CERTIFICATE_POLICIES, true, &policies).map_err(pki_err)?,
                testpki::extension(oid::SUBJECT_DIRECTORY_ATTRIBUTES, false, &hc_role)
                    .map_err(pki_err)?,
                testpki::crl_distribution_point(SECOND_SIGN_CRL_URL).map_err(pki_err)?,
            ],
        };
        let cert = TestPki::issue(&spec, &self.sign_ca).map_err(pki_err)?;
        Ok(cert.cert_der().to_vec())
    }
}
