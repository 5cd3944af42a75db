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

use cert_signer::SoftwareSigner;

use crate::{Error, TimeStampError};

const ROOT: &[u8] = include_bytes!("../testdata/root.der");
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

/// Writes the test anchors as PEM into `dir` (`medsign-cms-test-root.pem`) so that
/// OpenSSL can check the same signatures; returns the file's path.
pub fn write_anchors(dir: &Path) -> Result<PathBuf, Error> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("medsign-cms-test-root.pem");
    std::fs::write(&path, root_pem()?)?;
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
