//! A fictitious test PKI and a loopback RFC 3161 TSA (`openssl ts -reply`), for tests,
//! examples and the conformance suite. Feature `test-pki`. Never for production: the
//! private keys are public (see `testdata/README.md`).

use std::{
    io::{Read as _, Write as _},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::Command,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    thread::JoinHandle,
};

use cert_signer::{CertSigner as _, DigestAlgorithm, SoftwareSigner};
use jiff::Timestamp;

use crate::{
    Error, TimeStampError, TimeStampSource,
    cert::{self, CertRef},
    message, oid,
    tlv::{self, Reader, Tlv, tag},
};

pub mod hostile;

const ROOT: &[u8] = include_bytes!("../testdata/root.der");
const ROOT_KEY: &str = include_str!("../testdata/root-key.pem");
const PHYSICIAN: &[u8] = include_bytes!("../testdata/signer.der");
const PHYSICIAN_EXPIRED: &[u8] = include_bytes!("../testdata/signer-expired.der");
const PHARMACIST: &[u8] = include_bytes!("../testdata/other.der");
const PHARMACIST_KEY: &str = include_str!("../testdata/other-key.pem");
const TSA: &[u8] = include_bytes!("../testdata/tsa.der");
const TSA_KEY: &str = include_str!("../testdata/tsa-key.pem");

/// The test TSA's policy (an OID under the 2.999 example arc).
pub const TSA_POLICY: &str = "2.999.3161.1";
/// A second policy the test TSA also accepts.
pub const TSA_OTHER_POLICY: &str = "2.999.3161.2";

/// The test root CA certificate (DER), "medsign CMS Test Root".
pub fn root_der() -> Vec<u8> {
    ROOT.to_vec()
}

/// The test root CA as PEM.
pub fn root_pem() -> Result<String, Error> {
    certificate_pem(ROOT)
}

/// The test physician ("Test Physician", keyUsage nonRepudiation, 2025–2035) as a
/// software signer, and the root that issued it.
pub fn physician() -> (SoftwareSigner, Vec<u8>) {
    (
        SoftwareSigner::new(cert_signer::test_key(), PHYSICIAN.to_vec()),
        ROOT.to_vec(),
    )
}

/// The same key with a certificate that expired at the end of 2020.
pub fn expired_physician() -> SoftwareSigner {
    SoftwareSigner::new(cert_signer::test_key(), PHYSICIAN_EXPIRED.to_vec())
}

/// A second signer ("Test Pharmacist") under the same root.
pub fn pharmacist() -> Result<SoftwareSigner, Error> {
    Ok(SoftwareSigner::from_pkcs8_pem(
        PHARMACIST_KEY,
        PHARMACIST.to_vec(),
    )?)
}

/// The test TSA certificate (critical EKU timeStamping), DER.
pub fn tsa_der() -> Vec<u8> {
    TSA.to_vec()
}

/// A trust store whose only anchor is the test root.
pub fn trust_store() -> Result<hpki_cert::TrustStore, Error> {
    let mut store = hpki_cert::TrustStore::new();
    store
        .add_anchor_der(ROOT)
        .map_err(|e| Error::Io(std::io::Error::other(e)))?;
    Ok(store)
}

/// A v2 CRL of the test root, signed with its key (sha256WithRSAEncryption), with an
/// authority key identifier and a CRL number (thisUpdate in seconds), listing each
/// `(certificate DER, revocation date)` of `revoked` by its serial number.
///
/// ```text
/// CertificateList ::= SEQUENCE { tbsCertList TBSCertList, signatureAlgorithm, signatureValue BIT STRING }
/// TBSCertList ::= SEQUENCE { version v2, signature, issuer Name, thisUpdate Time,
///   nextUpdate Time, revokedCertificates SEQUENCE OF SEQUENCE {
///   userCertificate CertificateSerialNumber, revocationDate Time } OPTIONAL,
///   crlExtensions [0] EXPLICIT Extensions }
/// ```
pub fn root_crl(
    revoked: &[(&[u8], Timestamp)],
    this_update: Timestamp,
    next_update: Timestamp,
) -> Result<Vec<u8>, Error> {
    let mut entries = Vec::with_capacity(revoked.len());
    for (der, date) in revoked {
        let c = CertRef::parse(der)?;
        entries.push(tlv::encode_parts(
            tag::SEQUENCE,
            &[c.serial.raw, &cert::encode_time(*date)],
        ));
    }
    root_crl_of_entries(&entries, this_update, next_update)
}

/// A CRL of the test root whose revokedCertificates are `entries` (whole DER
/// entries), signed by the root.
pub(crate) fn root_crl_of_entries(
    entries: &[Vec<u8>],
    this_update: Timestamp,
    next_update: Timestamp,
) -> Result<Vec<u8>, Error> {
    let root = CertRef::parse(ROOT)?;
    let oid_tlv = |dotted: &str| Ok::<_, Error>(tlv::encode(tag::OID, &tlv::oid_body(dotted)?));
    let alg = tlv::encode_parts(
        tag::SEQUENCE,
        &[&oid_tlv("1.2.840.113549.1.1.11")?, &[tag::NULL, 0]],
    );
    let entries: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
    let revoked_certificates = if entries.is_empty() {
        Vec::new()
    } else {
        tlv::encode_parts(tag::SEQUENCE, &entries)
    };
    let ski = root
        .subject_key_id()
        .ok_or(Error::malformed("the test root's subjectKeyIdentifier"))?;
    let aki = tlv::encode(tag::SEQUENCE, &tlv::encode(tag::CTX0_PRIM, ski));
    let number = positive_integer(u64::try_from(this_update.as_second()).unwrap_or(1));
    let extensions = tlv::encode(
        tag::CTX0,
        &tlv::encode_parts(
            tag::SEQUENCE,
            &[
                &tlv::encode_parts(
                    tag::SEQUENCE,
                    &[
                        &oid_tlv("2.5.29.35")?,
                        &tlv::encode(tag::OCTET_STRING, &aki),
                    ],
                ),
                &tlv::encode_parts(
                    tag::SEQUENCE,
                    &[
                        &oid_tlv("2.5.29.20")?,
                        &tlv::encode(tag::OCTET_STRING, &number),
                    ],
                ),
            ],
        ),
    );
    let tbs = tlv::encode_parts(
        tag::SEQUENCE,
        &[
            &[tag::INTEGER, 1, 1],
            &alg,
            root.subject.raw,
            &cert::encode_time(this_update),
            &cert::encode_time(next_update),
            &revoked_certificates,
            &extensions,
        ],
    );
    let mut key = SoftwareSigner::from_pkcs8_pem(ROOT_KEY, ROOT.to_vec())?;
    let signature =
        key.sign_digest(DigestAlgorithm::Sha256, &DigestAlgorithm::Sha256.hash(&tbs))?;
    let mut bits = vec![0u8];
    bits.extend_from_slice(&signature);
    Ok(tlv::encode_parts(
        tag::SEQUENCE,
        &[&tbs, &alg, &tlv::encode(BIT_STRING, &bits)],
    ))
}

/// The test root's CRL with nothing revoked, issued 2025-01-01 with nextUpdate
/// 2044-12-31: fresh over the test certificates' whole lives. What tests that are not
/// about revocation give the verifier.
pub fn fresh_root_crl() -> Result<Vec<u8>, Error> {
    root_crl(&[], crl_this_update(), crl_next_update())
}

/// thisUpdate of [`fresh_root_crl`].
pub fn crl_this_update() -> Timestamp {
    Timestamp::constant(1_735_689_600, 0) // 2025-01-01T00:00:00Z
}

/// nextUpdate of [`fresh_root_crl`].
pub fn crl_next_update() -> Timestamp {
    Timestamp::constant(2_366_841_599, 0) // 2044-12-31T23:59:59Z
}

const BIT_STRING: u8 = 0x03;

/// A DER INTEGER's content octets for a non-negative number (minimal, positive).
fn positive_integer(n: u64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let first = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len() - 1);
    let mut out = Vec::with_capacity(9);
    if bytes.get(first).is_some_and(|b| b & 0x80 != 0) {
        out.push(0);
    }
    out.extend_from_slice(bytes.get(first..).unwrap_or_default());
    tlv::encode(tag::INTEGER, &out)
}

/// Writes the test anchors as PEM into `dir` (`medsign-cms-test-root.pem`) so that
/// OpenSSL can check the same signatures, and the root's [`fresh_root_crl`] next to it
/// (`medsign-cms-test-root.crl`, DER) for verifiers that require revocation status;
/// returns the anchor file's path.
pub fn write_anchors(dir: &Path) -> Result<PathBuf, Error> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("medsign-cms-test-root.pem");
    std::fs::write(&path, root_pem()?)?;
    std::fs::write(dir.join("medsign-cms-test-root.crl"), fresh_root_crl()?)?;
    Ok(path)
}

fn certificate_pem(der: &[u8]) -> Result<String, Error> {
    hpki_cert::certificate_pem(der).map_err(|e| Error::Io(std::io::Error::other(e)))
}

/// Adds a time-stamp token to signer `index` WITHOUT checking it, to build the
/// negative cases a verifier must catch (a token moved from another signature).
pub fn attach_token_unchecked(cms: &[u8], index: usize, token: &[u8]) -> Result<Vec<u8>, Error> {
    crate::timestamp::attach_unchecked(cms, index, token)
}

/// An RFC 3161 TSA inside the process: answers each `TimeStampReq` with a token of
/// the test TSA ([`tsa_der`]) dated now or at a fixed genTime, without any external
/// command. [`LoopbackTsa`] is the independent one (`openssl ts -reply`).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use cms_sign::{SignOptions, TimeStampOptions, test_pki};
/// let (mut signer, _) = test_pki::physician();
/// let p7s = cms_sign::sign(&mut signer, b"record", true, &SignOptions::new())?;
/// let at = "2030-01-01T00:00:00Z".parse()?;
/// let bt = cms_sign::add_signature_time_stamps(&p7s, &mut test_pki::TestTsa::at(at), &TimeStampOptions::new())?;
/// let tokens = cms_sign::signature_time_stamp_tokens(&bt)?;
/// assert_eq!(tokens.len(), 1);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default)]
pub struct TestTsa {
    gen_time: Option<Timestamp>,
    serial: u64,
}

impl TestTsa {
    /// Tokens dated at the time of each request.
    pub fn new() -> Self {
        Self::default()
    }

    /// Tokens dated `gen_time` (a token from the past or the future, for tests of the
    /// time model).
    pub fn at(gen_time: Timestamp) -> Self {
        Self {
            gen_time: Some(gen_time),
            serial: 0,
        }
    }

    /// The TimeStampResp for a DER TimeStampReq (RFC 3161 §2.4.1, §2.4.2).
    fn respond(&mut self, request: &[u8]) -> Result<Vec<u8>, Error> {
        let mut req =
            Tlv::parse_one(request, "TimeStampReq")?.expect_tag(tag::SEQUENCE, "TimeStampReq")?;
        if req.small_uint("TimeStampReq version")? != 1 {
            return Err(Error::malformed("TimeStampReq version"));
        }
        let imprint = req.next(tag::SEQUENCE, "TimeStampReq messageImprint")?;
        let policy = req.optional(tag::OID, "TimeStampReq reqPolicy")?;
        let nonce = req.optional(tag::INTEGER, "TimeStampReq nonce")?;
        let policy = match policy {
            Some(p) => {
                let dotted = tlv::oid_string(p.value)?;
                if dotted != TSA_POLICY && dotted != TSA_OTHER_POLICY {
                    return Ok(rejection("unaccepted policy"));
                }
                p.raw.to_vec()
            }
            None => tlv::encode(tag::OID, &tlv::oid_body(TSA_POLICY)?),
        };
        // The imprint must be a known digest of the right length.
        let mut mi = Reader::new(imprint.value);
        let alg = oid::parse_digest_algorithm(mi.next(tag::SEQUENCE, "hashAlgorithm")?.raw)?;
        if mi.next(tag::OCTET_STRING, "hashedMessage")?.value.len() != alg.output_len() {
            return Ok(rejection("bad imprint length"));
        }
        self.serial += 1;
        let gen_time = self.gen_time.unwrap_or_else(Timestamp::now);
        let time = gen_time.strftime("%Y%m%d%H%M%SZ").to_string();
        let tst_info = tlv::encode_parts(
            tag::SEQUENCE,
            &[
                &[tag::INTEGER, 1, 1],
                &policy,
                imprint.raw,
                &positive_integer(self.serial),
                &tlv::encode(tag::GENERALIZED_TIME, time.as_bytes()),
                nonce.map(|n| n.raw).unwrap_or_default(),
            ],
        );
        let mut key = SoftwareSigner::from_pkcs8_pem(TSA_KEY, TSA.to_vec())?;
        let si = crate::sign::signer_info(
            &mut key,
            &crate::SignOptions::new().signing_time(gen_time),
            &DigestAlgorithm::Sha256.hash(&tst_info),
            Some(oid::TST_INFO),
        )?;
        let encap = tlv::encode_parts(
            tag::SEQUENCE,
            &[
                &tlv::encode(tag::OID, oid::TST_INFO),
                &tlv::encode(tag::CTX0, &tlv::encode(tag::OCTET_STRING, &tst_info)),
            ],
        );
        let token = message::assemble(
            &[tag::INTEGER, 1, 3],
            &[oid::digest_algorithm_identifier(DigestAlgorithm::Sha256)],
            &encap,
            &[TSA],
            None,
            &[si],
        );
        let granted = tlv::encode(tag::SEQUENCE, &[tag::INTEGER, 1, 0]);
        Ok(tlv::encode_parts(tag::SEQUENCE, &[&granted, &token]))
    }
}

/// A TimeStampResp with status rejection (2) and `text`.
fn rejection(text: &str) -> Vec<u8> {
    let text = tlv::encode(
        tag::SEQUENCE,
        &tlv::encode(tag::UTF8_STRING, text.as_bytes()),
    );
    let status = tlv::encode_parts(tag::SEQUENCE, &[&[tag::INTEGER, 1, 2], &text]);
    tlv::encode(tag::SEQUENCE, &status)
}

impl TimeStampSource for TestTsa {
    fn time_stamp(&mut self, request_der: &[u8]) -> Result<Vec<u8>, TimeStampError> {
        self.respond(request_der)
            .map_err(|e| TimeStampError::Http(format!("the test TSA cannot answer: {e}")))
    }
}

/// An RFC 3161 TSA on `127.0.0.1:<ephemeral>` that answers each HTTP POST by running
/// `openssl ts -reply` with the test TSA key. Stopped (and its thread joined) on drop.
#[derive(Debug)]
pub struct LoopbackTsa {
    url: String,
    stop: Arc<AtomicBool>,
    addr: std::net::SocketAddr,
    thread: Option<JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl LoopbackTsa {
    /// Starts the TSA with the test TSA certificate ([`tsa_der`]). Fails with a
    /// message naming the package when `openssl` is missing.
    pub fn start() -> Result<Self, Error> {
        let probe = Command::new("openssl").arg("version").output();
        if !probe.is_ok_and(|o| o.status.success()) {
            return Err(TimeStampError::Http(
                "the loopback TSA needs the openssl command (apt-get install openssl)".into(),
            )
            .into());
        }
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("tsa.pem"), certificate_pem(TSA)?)?;
        std::fs::write(dir.path().join("tsa-key.pem"), TSA_KEY)?;
        std::fs::write(dir.path().join("serial"), "01\n")?;
        let d = dir.path().display();
        let config = format!(
            "[tsa]\ndefault_tsa = tsa1\n[tsa1]\nserial = {d}/serial\ncrypto_device = builtin\n\
             signer_cert = {d}/tsa.pem\nsigner_key = {d}/tsa-key.pem\nsigner_digest = sha256\n\
             default_policy = {TSA_POLICY}\nother_policies = {TSA_OTHER_POLICY}\n\
             digests = sha256, sha384, sha512\naccuracy = secs:1\nordering = no\ntsa_name = no\n\
             ess_cert_id_chain = no\ness_cert_id_alg = sha256\n"
        );
        std::fs::write(dir.path().join("tsa.cnf"), config)?;
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let work = dir.path().to_path_buf();
        let stop2 = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut n = 0u64;
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = conn {
                    n += 1;
                    // A failed exchange only fails that client's request.
                    let _ = serve(stream, &work, n);
                }
            }
        });
        Ok(Self {
            url: format!("http://{addr}/tsa"),
            stop,
            addr,
            thread: Some(thread),
            _dir: dir,
        })
    }

    /// The URL to post requests to.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for LoopbackTsa {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(mut stream: TcpStream, dir: &Path, n: u64) -> std::io::Result<()> {
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (head_end, content_length) = loop {
        let got = stream.read(&mut chunk)?;
        if got == 0 {
            return Ok(());
        }
        buf.extend_from_slice(chunk.get(..got).unwrap_or_default());
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(buf.get(..i).unwrap_or_default()).to_string();
            let len = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.trim()
                        .eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            break (i + 4, len);
        }
        if buf.len() > 65536 {
            return Ok(());
        }
    };
    while buf.len() < head_end + content_length {
        let got = stream.read(&mut chunk)?;
        if got == 0 {
            break;
        }
        buf.extend_from_slice(chunk.get(..got).unwrap_or_default());
    }
    let body = buf.get(head_end..).unwrap_or_default();
    let query = dir.join(format!("q{n}.der"));
    let reply = dir.join(format!("r{n}.der"));
    std::fs::write(&query, body)?;
    let out = Command::new("openssl")
        .args(["ts", "-reply", "-config"])
        .arg(dir.join("tsa.cnf"))
        .arg("-queryfile")
        .arg(&query)
        .arg("-out")
        .arg(&reply)
        .output()?;
    let response = if out.status.success() {
        let der = std::fs::read(&reply)?;
        let mut r = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            der.len()
        )
        .into_bytes();
        r.extend_from_slice(&der);
        r
    } else {
        let msg = String::from_utf8_lossy(&out.stderr).to_string();
        format!(
            "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{msg}",
            msg.len()
        )
        .into_bytes()
    };
    stream.write_all(&response)
}
