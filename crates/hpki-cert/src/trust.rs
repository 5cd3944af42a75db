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
/// Anchors and intermediates are different things: [`from_dir`](Self::from_dir) and
/// [`add_from`](Self::add_from) make the self-signed certificates of a folder anchors
/// and every other certificate an intermediate, which helps build a path but never
/// ends one.
///
/// ```
/// let store = hpki_cert::TrustStore::bundled();
/// assert_eq!(store.anchors().count(), 1);
/// assert_eq!(store.intermediates().count(), 2);
/// ```
///
/// A store is configuration only: it remembers nothing about the documents validated
/// with it. Work saved across a batch lives in a
/// [`VerificationCache`](crate::VerificationCache) that the caller creates and passes.
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
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
    /// anchor. Adding the same certificate twice keeps one.
    pub fn add_intermediate_der(&mut self, der: &[u8]) -> Result<(), Error> {
        self.add_intermediate(Certificate::from_der(der)?);
        Ok(())
    }

    /// Adds an already parsed intermediate CA certificate.
    pub fn add_intermediate(&mut self, cert: Certificate) {
        if !self.intermediates.iter().any(|a| a.der == cert.der) {
            self.intermediates.push(cert);
        }
    }

    /// Adds every `CERTIFICATE` block of a PEM text as an intermediate.
    pub fn add_intermediate_pem(&mut self, pem: &str) -> Result<(), Error> {
        for der in pem_blocks(pem)? {
            self.add_intermediate_der(&der)?;
        }
        Ok(())
    }

    /// Adds a certificate where it belongs: a self-signed certificate (subject equals
    /// issuer and the signature verifies with its own key) as an anchor, any other as
    /// an intermediate.
    pub fn add_certificate(&mut self, cert: Certificate) {
        if cert.is_self_signed() {
            self.add_anchor(cert);
        } else {
            self.add_intermediate(cert);
        }
    }

    /// Adds the certificates of one file's content as [`add_certificate`] does (anchors
    /// if self-signed, else intermediates): every `CERTIFICATE` block when it is PEM,
    /// else one DER certificate (judged by content, not by the file name).
    ///
    /// [`add_certificate`]: Self::add_certificate
    pub fn add_bytes(&mut self, bytes: &[u8]) -> Result<(), Error> {
        for der in file_certificates(bytes)? {
            self.add_certificate(Certificate::from_der(&der)?);
        }
        Ok(())
    }

    /// Adds the certificates of `path` as [`add_certificate`] does: self-signed ones
    /// become anchors, the others intermediates. `path` is a certificate file (DER or
    /// PEM) or a directory whose `*.der`, `*.cer`, `*.crt` and `*.pem` files are loaded
    /// in name order (other files and subdirectories are ignored).
    ///
    /// A folder holding a CA certificate that is not self-signed (an HPKI signing CA)
    /// therefore adds no anchor: that CA only helps build paths to a root that is
    /// configured as well.
    ///
    /// [`add_certificate`]: Self::add_certificate
    pub fn add_from(&mut self, path: &Path) -> Result<(), Error> {
        for bytes in read_certificate_files(path)? {
            self.add_bytes(&bytes)?;
        }
        Ok(())
    }

    /// Adds the anchors of one file's content: every `CERTIFICATE` block when it is PEM,
    /// else one DER certificate (judged by content, not by the file name). Every
    /// certificate becomes an anchor, self-signed or not: see [`add_anchors_from`].
    ///
    /// [`add_anchors_from`]: Self::add_anchors_from
    pub fn add_anchor_bytes(&mut self, bytes: &[u8]) -> Result<(), Error> {
        for der in file_certificates(bytes)? {
            self.add_anchor_der(&der)?;
        }
        Ok(())
    }

    /// Adds every certificate of `path` (a file, or a directory read as [`add_from`]
    /// reads it) as a trust anchor, **whether or not it is self-signed**.
    ///
    /// Use it only for files that were chosen to be anchors (a `--anchor FILE`
    /// option): a path validated through this store may end at any of them, so an
    /// intermediate CA given here is trusted as if it were a root, without its own
    /// issuer's checks. For a folder of mixed CA certificates use [`add_from`].
    ///
    /// [`add_from`]: Self::add_from
    pub fn add_anchors_from(&mut self, path: &Path) -> Result<(), Error> {
        for bytes in read_certificate_files(path)? {
            self.add_anchor_bytes(&bytes)?;
        }
        Ok(())
    }

    /// A store with the certificates of `path` (a directory or a file), loaded as
    /// [`add_from`](Self::add_from) loads them: the self-signed certificates are the
    /// anchors, every other certificate an intermediate.
    pub fn from_dir(path: &Path) -> Result<Self, Error> {
        let mut store = Self::new();
        store.add_from(path)?;
        Ok(store)
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

/// The DER certificates of one file's content: its `CERTIFICATE` blocks when it is
/// PEM, else the content itself.
fn file_certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
        let text = core::str::from_utf8(bytes).map_err(|e| Error::Pem(e.to_string()))?;
        pem_blocks(text)
    } else {
        Ok(vec![bytes.to_vec()])
    }
}

/// The content of `path` when it is a file, else of its `*.der`, `*.cer`, `*.crt` and
/// `*.pem` files in name order.
fn read_certificate_files(path: &Path) -> Result<Vec<Vec<u8>>, Error> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    if !path.is_dir() {
        return Ok(vec![std::fs::read(path).map_err(io(path))?]);
    }
    let mut entries: Vec<_> = std::fs::read_dir(path)
        .map_err(io(path))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(io(path))?
        .into_iter()
        .map(|e| e.path())
        .collect();
    entries.sort();
    let mut out = Vec::new();
    for file in entries {
        let ext = file
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if file.is_file() && matches!(ext.as_deref(), Some("der" | "cer" | "crt" | "pem")) {
            out.push(std::fs::read(&file).map_err(io(&file))?);
        }
    }
    Ok(out)
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

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/trust/");

    #[test]
    fn bundled_bytes_are_the_repository_fixtures() {
        let read = |name: &str| std::fs::read(format!("{FIXTURES}{name}")).unwrap();
        assert_eq!(read("mhlw-hpki-root-ca-v2.der"), MHLW_ROOT_V2);
        assert_eq!(read("medis-sign-ca2.der"), MEDIS_SIGN_CA2);
        assert_eq!(read("medis-auth-ca2.der"), MEDIS_AUTH_CA2);
    }

    #[test]
    fn a_folder_yields_its_self_signed_certificates_as_anchors_and_the_rest_as_intermediates() {
        let store = TrustStore::from_dir(Path::new(FIXTURES)).unwrap();
        let mut anchors: Vec<_> = store.anchors().map(Certificate::subject).collect();
        anchors.sort();
        assert_eq!(anchors.len(), 2, "{anchors:?}");
        assert!(
            anchors[0].contains("Test CA for TimeStampServer"),
            "{anchors:?}"
        );
        assert!(anchors[1].contains("MHLW HPKI Root CA V2"), "{anchors:?}");
        let mut intermediates: Vec<_> = store.intermediates().map(Certificate::subject).collect();
        intermediates.sort();
        assert_eq!(intermediates.len(), 2, "{intermediates:?}");
        assert!(
            intermediates[0].contains("MedisAuthCA2"),
            "{intermediates:?}"
        );
        assert!(
            intermediates[1].contains("MedisSignCA2"),
            "{intermediates:?}"
        );
    }

    #[test]
    fn a_folder_with_only_a_signing_ca_has_no_anchor() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("medis-sign-ca2.der"), MEDIS_SIGN_CA2).unwrap();
        let store = TrustStore::from_dir(dir.path()).unwrap();
        assert_eq!(store.anchors().count(), 0);
        assert_eq!(store.intermediates().count(), 1);
        // The explicit loader says "these are anchors", and means it.
        let mut explicit = TrustStore::new();
        explicit.add_anchors_from(dir.path()).unwrap();
        assert_eq!(explicit.anchors().count(), 1);
    }

    #[test]
    fn from_dir_reads_der_and_pem_and_skips_other_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("root.der"), MHLW_ROOT_V2).unwrap();
        let pem = der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, MEDIS_SIGN_CA2)
            .unwrap();
        std::fs::write(dir.path().join("ca.pem"), pem).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        std::fs::create_dir(dir.path().join("sub.der")).unwrap();
        let store = TrustStore::from_dir(dir.path()).unwrap();
        assert_eq!(store.anchors().count(), 1);
        assert_eq!(store.intermediates().count(), 1);
    }

    #[test]
    fn intermediates_are_added_parsed_and_from_pem() {
        let mut store = TrustStore::new();
        store.add_intermediate(Certificate::from_der(MEDIS_SIGN_CA2).unwrap());
        store
            .add_intermediate_pem(&certificate_pem(MEDIS_AUTH_CA2).unwrap())
            .unwrap();
        store.add_intermediate_der(MEDIS_SIGN_CA2).unwrap();
        assert_eq!(store.intermediates().count(), 2);
        assert_eq!(store.anchors().count(), 0);
        store.add_bytes(MHLW_ROOT_V2).unwrap();
        assert_eq!(store.anchors().count(), 1);
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
        let ders: Vec<&[u8]> = store.anchors().map(Certificate::der).collect();
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
