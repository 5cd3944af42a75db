//! Trust anchors and known intermediate CA certificates.

use std::path::Path;

use crate::{Certificate, Error};

const MHLW_ROOT_V2: &[u8] = include_bytes!("../anchors/mhlw-hpki-root-ca-v2.der");
const MEDIS_SIGN_CA2: &[u8] = include_bytes!("../anchors/medis-sign-ca2.der");
const MEDIS_AUTH_CA2: &[u8] = include_bytes!("../anchors/medis-auth-ca2.der");

/// The certificates path validation may end at (anchors) or pass through
/// (intermediates).
///
/// Anchors come only from here, never from a signed document: a self-signed
/// certificate that arrives with a signature is not trusted for being self-signed.
///
/// ```
/// let store = hpki_cert::TrustStore::bundled();
/// assert_eq!(store.anchors().count(), 1);
/// assert_eq!(store.intermediates().count(), 2);
/// ```
///
/// A store also remembers the certificates and CRLs it has parsed and the signatures
/// it has verified (see [`certificate`](Self::certificate)): keep one store for a batch
/// of documents and the CA certificates, CRLs and signer certificates they share are
/// parsed and verified once. Clones share that memory.
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    memo: std::sync::Arc<crate::memo::ParseMemo>,
    anchors: Vec<Certificate>,
    intermediates: Vec<Certificate>,
}

impl TrustStore {
    /// An empty store: nothing validates until an anchor is added.
    pub fn new() -> Self {
        Self::default()
    }

    /// The MHLW HPKI Root CA V2 as the anchor, with the MEDIS signing and
    /// authentication CAs as known intermediates (see `anchors/README.md`).
    pub fn bundled() -> Self {
        let mut store = Self::new();
        // Compiled-in DER checked by the crate's tests; a failure cannot happen at run
        // time, and would leave the store without that certificate rather than panic.
        let _ = store.add_anchor_der(MHLW_ROOT_V2);
        let _ = store.add_intermediate_der(MEDIS_SIGN_CA2);
        let _ = store.add_intermediate_der(MEDIS_AUTH_CA2);
        store
    }

    /// Adds a trust anchor (DER). Adding the same certificate twice keeps one.
    pub fn add_anchor_der(&mut self, der: &[u8]) -> Result<(), Error> {
        let cert = Certificate::from_der(der)?;
        self.add_anchor(cert);
        Ok(())
    }

    /// Adds an already parsed trust anchor.
    pub fn add_anchor(&mut self, cert: Certificate) {
        if !self.anchors.iter().any(|a| a.der == cert.der) {
            self.anchors.push(cert);
        }
    }

    /// Adds every `CERTIFICATE` block of a PEM text as a trust anchor.
    pub fn add_anchor_pem(&mut self, pem: &str) -> Result<(), Error> {
        for der in pem_blocks(pem)? {
            self.add_anchor_der(&der)?;
        }
        Ok(())
    }

    /// Adds a known intermediate CA certificate (DER): used to build paths, never an
    /// anchor.
    pub fn add_intermediate_der(&mut self, der: &[u8]) -> Result<(), Error> {
        let cert = Certificate::from_der(der)?;
        if !self.intermediates.iter().any(|a| a.der == cert.der) {
            self.intermediates.push(cert);
        }
        Ok(())
    }

    /// Adds the anchors of one file's content: every `CERTIFICATE` block when it is PEM,
    /// else one DER certificate (judged by content, not by the file name).
    pub fn add_anchor_bytes(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
            let text = core::str::from_utf8(bytes).map_err(|e| Error::Pem(e.to_string()))?;
            self.add_anchor_pem(text)
        } else {
            self.add_anchor_der(bytes)
        }
    }

    /// Adds the anchors of `path`: a certificate file (DER or PEM), or a directory whose
    /// `*.der`, `*.cer`, `*.crt` and `*.pem` files are loaded in name order (other files
    /// are ignored).
    pub fn add_anchors_from(&mut self, path: &Path) -> Result<(), Error> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| Error::Io { path, source }
        };
        if !path.is_dir() {
            let bytes = std::fs::read(path).map_err(io(path))?;
            return self.add_anchor_bytes(&bytes);
        }
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .map_err(io(path))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(io(path))?
            .into_iter()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for file in entries {
            let ext = file
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase);
            if matches!(ext.as_deref(), Some("der" | "cer" | "crt" | "pem")) {
                let bytes = std::fs::read(&file).map_err(io(&file))?;
                self.add_anchor_bytes(&bytes)?;
            }
        }
        Ok(())
    }

    /// Loads every `*.der`, `*.cer`, `*.crt` and `*.pem` file of a directory as
    /// anchors (DER or PEM, judged by content). Other files are ignored.
    pub fn from_dir(path: &Path) -> Result<Self, Error> {
        let mut store = Self::new();
        store.add_anchors_from(path)?;
        Ok(store)
    }

    /// The certificate of `der`, parsed once per store: later calls with the same
    /// bytes return the same parsed certificate, which also remembers the issuer keys
    /// its signature verified with. Path validation through this store uses it for
    /// every certificate it is given.
    pub fn certificate(&self, der: &[u8]) -> Result<std::sync::Arc<Certificate>, Error> {
        self.memo.certificate(der)
    }

    /// The CRL of `der`, parsed once per store (CRLs over 4 MiB are parsed every time).
    pub fn crl(&self, der: &[u8]) -> Result<std::sync::Arc<crate::Crl>, Error> {
        self.memo.crl(der)
    }

    /// The anchors.
    pub fn anchors(&self) -> impl Iterator<Item = &Certificate> {
        self.anchors.iter()
    }

    /// The known intermediates.
    pub fn intermediates(&self) -> impl Iterator<Item = &Certificate> {
        self.intermediates.iter()
    }

    /// Removes the anchors whose subject (RFC 4514) contains `needle`; returns how
    /// many were removed.
    pub fn remove_anchors_matching(&mut self, needle: &str) -> usize {
        let before = self.anchors.len();
        self.anchors.retain(|a| !a.subject().contains(needle));
        before - self.anchors.len()
    }

    pub(crate) fn is_anchor(&self, cert: &Certificate) -> bool {
        self.anchors.iter().any(|a| a.der == cert.der)
    }
}

/// A certificate's DER as a PEM `CERTIFICATE` block (RFC 7468: base64 in lines of 64,
/// LF line ends), as the trust-anchor loaders read it back.
pub fn certificate_pem(der: &[u8]) -> Result<String, Error> {
    der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der)
        .map_err(|e| Error::Pem(e.to_string()))
}

/// The DER of every `CERTIFICATE` block of a PEM text.
pub(crate) fn pem_blocks(pem: &str) -> Result<Vec<Vec<u8>>, Error> {
    const END: &str = "-----END CERTIFICATE-----";
    let mut out = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
        let tail = rest.get(start..).unwrap_or_default();
        let end = tail
            .find(END)
            .ok_or_else(|| Error::Pem("BEGIN CERTIFICATE without END".into()))?;
        let block = tail.get(..end + END.len()).unwrap_or_default();
        let (_, der) =
            der::pem::decode_vec(block.as_bytes()).map_err(|e| Error::Pem(e.to_string()))?;
        out.push(der);
        rest = tail.get(end + END.len()..).unwrap_or_default();
    }
    if out.is_empty() {
        return Err(Error::Pem("no CERTIFICATE block".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_certificates_all_load() {
        let store = TrustStore::bundled();
        let anchors: Vec<_> = store.anchors().map(Certificate::subject).collect();
        assert_eq!(anchors.len(), 1);
        assert!(anchors[0].contains("MHLW HPKI Root CA V2"), "{anchors:?}");
        let subjects: Vec<_> = store.intermediates().map(Certificate::subject).collect();
        assert_eq!(subjects.len(), 2);
        assert!(subjects[0].contains("HPKI-01-MedisSignCA2-forNonRepudiation"));
        assert!(subjects[1].contains("HPKI-01-MedisAuthCA2-forAuthentication-forIndividual"));
    }

    #[test]
    fn bundled_bytes_are_the_shared_fixtures() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/fixtures/trust/"
        );
        let Ok(root) = std::fs::read(format!("{dir}mhlw-hpki-root-ca-v2.der")) else {
            return; // shared/ is not beside this checkout
        };
        assert_eq!(root, MHLW_ROOT_V2);
        assert_eq!(
            std::fs::read(format!("{dir}medis-sign-ca2.der")).unwrap(),
            MEDIS_SIGN_CA2
        );
        assert_eq!(
            std::fs::read(format!("{dir}medis-auth-ca2.der")).unwrap(),
            MEDIS_AUTH_CA2
        );
    }

    #[test]
    fn from_dir_reads_der_and_pem_and_skips_other_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("root.der"), MHLW_ROOT_V2).unwrap();
        let pem = der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, MEDIS_SIGN_CA2)
            .unwrap();
        std::fs::write(dir.path().join("ca.pem"), pem).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let store = TrustStore::from_dir(dir.path()).unwrap();
        assert_eq!(store.anchors().count(), 2);
    }

    #[test]
    fn certificate_pem_reads_back_from_a_file() -> Result<(), Box<dyn std::error::Error>> {
        let pem = certificate_pem(MEDIS_SIGN_CA2)?;
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"), "{pem}");
        assert!(pem.ends_with("\n-----END CERTIFICATE-----\n"), "{pem}");
        assert!(pem.lines().all(|l| l.len() <= 64), "{pem}");
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("ca.pem");
        std::fs::write(&file, &pem)?;
        let mut store = TrustStore::new();
        store.add_anchors_from(&file)?;
        store.add_anchor_bytes(MHLW_ROOT_V2)?;
        let ders: Vec<&[u8]> = store.anchors().map(|a| a.der.as_slice()).collect();
        assert_eq!(ders, [MEDIS_SIGN_CA2, MHLW_ROOT_V2]);
        Ok(())
    }

    #[test]
    fn garbage_is_an_error() {
        let mut store = TrustStore::new();
        assert!(matches!(
            store.add_anchor_der(b"junk"),
            Err(Error::Der { .. })
        ));
        assert!(matches!(store.add_anchor_pem("junk"), Err(Error::Pem(_))));
        assert!(TrustStore::from_dir(Path::new("/nonexistent/medsign")).is_err());
    }
}
