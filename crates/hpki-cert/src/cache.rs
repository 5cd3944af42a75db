//! The verification cache: parsed certificates and CRLs, verified signatures and
//! decoded base64, remembered by exact bytes, created and passed by the caller.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::{Certificate, Crl, Error};

/// What a batch verifier remembers between documents, kept apart from what it trusts.
///
/// A [`TrustStore`](crate::TrustStore) says what is trusted; this cache only saves
/// work. Create one, give it to path validation with
/// [`PathOptions::with_cache`](crate::PathOptions::with_cache) (and to the XAdES / CMS
/// verifiers), and the certificates, CRLs and signatures that the documents of a batch
/// share are parsed and verified once. Without a cache nothing is remembered.
///
/// ```
/// # #[cfg(feature = "test-pki")] {
/// use hpki_cert::{PathOptions, VerificationCache, validate_path, testpki::TestPki};
/// let pki = TestPki::new()?;
/// let cache = VerificationCache::new();
/// let options = PathOptions::hpki_signature(hpki_cert::testpki::valid_time())
///     .with_cache(cache.clone()); // clones share one cache
/// let first = validate_path(pki.physician().cert_der(), &[], &pki.trust_store(), &options);
/// let again = validate_path(pki.physician().cert_der(), &[], &pki.trust_store(), &options);
/// assert_eq!(first.checks, again.checks);
/// assert!(!cache.is_empty());
/// # }
/// # Ok::<(), hpki_cert::Error>(())
/// ```
///
/// # What it remembers
///
/// - a parsed [`Certificate`] by its DER, a parsed [`Crl`] by its DER;
/// - that a signature verified: a certificate's or CRL's DER (the signed object whole)
///   together with the issuer's SubjectPublicKeyInfo DER;
/// - the bytes a base64 text decodes to, by the exact text ([`base64`](Self::base64)).
///
/// # Why that is sound
///
/// Every entry is the result of a pure function of the exact bytes it is keyed by:
/// parsing DER, verifying a signature over the signed object with a given key,
/// decoding base64. Keys are compared byte for byte (a hash only finds the bucket), so
/// an entry never answers for other bytes, another key or another text. **Failures are
/// never cached**: a certificate that does not parse, a signature that does not verify
/// is computed and reported again each time. **Nothing that depends on the
/// configuration or the moment is cached**: trust anchors, the validation time, the
/// revocation policy, purposes and policies, CRL freshness and scope, path building and
/// every verdict are evaluated afresh by each validation, so the same cache serves
/// other anchors, other times and other policies with the answers they call for.
///
/// # Bounds
///
/// At most `max_entries` entries and about `max_bytes` bytes (defaults
/// [`DEFAULT_MAX_ENTRIES`](Self::DEFAULT_MAX_ENTRIES),
/// [`DEFAULT_MAX_BYTES`](Self::DEFAULT_MAX_BYTES)); an insertion that would pass either
/// bound empties the cache first, and an entry larger than `max_bytes` alone is not
/// kept. Clones share the cache; it is `Send + Sync`.
#[derive(Clone, Default)]
pub struct VerificationCache(Arc<Inner>);

struct Inner {
    max_entries: usize,
    max_bytes: usize,
    state: Mutex<State>,
}

impl Default for Inner {
    fn default() -> Self {
        Self {
            max_entries: VerificationCache::DEFAULT_MAX_ENTRIES,
            max_bytes: VerificationCache::DEFAULT_MAX_BYTES,
            state: Mutex::new(State::default()),
        }
    }
}

/// Values found by exact bytes: a bucket per content hash, compared byte for byte.
struct ByBytes<V>(HashMap<u64, Vec<(Key, V)>>);

impl<V> Default for ByBytes<V> {
    fn default() -> Self {
        Self(HashMap::new())
    }
}

/// One or two byte strings, compared whole.
#[derive(PartialEq, Eq)]
enum Key {
    One(Arc<[u8]>),
    Two(Arc<[u8]>, Arc<[u8]>),
}

impl Key {
    fn is(&self, a: &[u8], b: Option<&[u8]>) -> bool {
        match (self, b) {
            (Self::One(x), None) => **x == *a,
            (Self::Two(x, y), Some(b)) => **x == *a && **y == *b,
            _ => false,
        }
    }
}

/// The bucket of a key. Only a sample is hashed (the lengths, the first and last 32
/// bytes of each part: DER certificates and CRLs differ in their serial or dates near
/// the start and in their signature at the end), because hashing kilobytes of DER on
/// every lookup cost more than the rest of a cached validation; equality is always
/// decided on the whole bytes, so a shared bucket costs a comparison, never a wrong
/// answer.
fn hash(a: &[u8], b: Option<&[u8]>) -> u64 {
    // FxHash's step over 8-byte words: a bucket index needs no SipHash (the map's keys
    // are our own u64s, compared exactly afterwards).
    fn mix(h: u64, word: u64) -> u64 {
        (h.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
    }
    fn sample(mut h: u64, bytes: &[u8]) -> u64 {
        h = mix(h, bytes.len() as u64);
        let head = bytes.get(..32).unwrap_or(bytes);
        let tail = bytes.get(bytes.len().saturating_sub(32)..).unwrap_or(bytes);
        for part in [head, tail] {
            for chunk in part.chunks(8) {
                let mut word = [0u8; 8];
                word.get_mut(..chunk.len())
                    .map(|w| w.copy_from_slice(chunk))
                    .unwrap_or_default();
                h = mix(h, u64::from_le_bytes(word));
            }
        }
        h
    }
    let h = sample(0, a);
    b.map_or(h, |b| sample(mix(h, 1), b))
}

impl<V: Clone> ByBytes<V> {
    fn get(&self, a: &[u8], b: Option<&[u8]>) -> Option<V> {
        self.0
            .get(&hash(a, b))?
            .iter()
            .find(|(k, _)| k.is(a, b))
            .map(|(_, v)| v.clone())
    }

    fn insert(&mut self, key: Key, value: V) {
        let h = match &key {
            Key::One(a) => hash(a, None),
            Key::Two(a, b) => hash(a, Some(b)),
        };
        let bucket = self.0.entry(h).or_default();
        if !bucket.iter().any(|(k, _)| *k == key) {
            bucket.push((key, value));
        }
    }
}

#[derive(Default)]
struct State {
    certificates: ByBytes<Arc<Certificate>>,
    crls: ByBytes<Arc<Crl>>,
    signatures: ByBytes<()>,
    base64: ByBytes<Arc<[u8]>>,
    entries: usize,
    bytes: usize,
}

impl State {
    /// Makes room for an entry of `size` bytes; false when it can never fit.
    fn room(&mut self, size: usize, max_entries: usize, max_bytes: usize) -> bool {
        if size > max_bytes || max_entries == 0 {
            return false;
        }
        if self.entries >= max_entries || self.bytes.saturating_add(size) > max_bytes {
            *self = Self::default();
        }
        self.entries += 1;
        self.bytes += size;
        true
    }
}

impl core::fmt::Debug for VerificationCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VerificationCache")
            .field("entries", &self.len())
            .field("bytes", &self.bytes())
            .field("max_entries", &self.0.max_entries)
            .field("max_bytes", &self.0.max_bytes)
            .finish()
    }
}

impl VerificationCache {
    /// Default bound on the number of entries (certificates, CRLs, verified signatures
    /// and decoded texts together).
    pub const DEFAULT_MAX_ENTRIES: usize = 4096;
    /// Default bound on the bytes accounted to the entries (see [`bytes`](Self::bytes)).
    pub const DEFAULT_MAX_BYTES: usize = 64 << 20;

    /// An empty cache with the default bounds.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty cache holding at most `max_entries` entries and about `max_bytes`
    /// bytes.
    pub fn with_limits(max_entries: usize, max_bytes: usize) -> Self {
        Self(Arc::new(Inner {
            max_entries,
            max_bytes,
            state: Mutex::new(State::default()),
        }))
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.0.state.lock().map(|s| s.entries).unwrap_or_default()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes accounted to its entries: each key's length, plus for a parsed
    /// certificate or CRL its DER length again (standing for the parsed value), plus
    /// for a base64 text its decoded length.
    pub fn bytes(&self) -> usize {
        self.0.state.lock().map(|s| s.bytes).unwrap_or_default()
    }

    /// Forgets everything.
    pub fn clear(&self) {
        if let Ok(mut state) = self.0.state.lock() {
            *state = State::default();
        }
    }

    /// Runs `f` on the state when the lock can be had (a poisoned lock means no cache).
    fn with<T>(&self, f: impl FnOnce(&mut State) -> Option<T>) -> Option<T> {
        self.0.state.lock().ok().and_then(|mut s| f(&mut s))
    }

    fn room(&self, state: &mut State, size: usize) -> bool {
        state.room(size, self.0.max_entries, self.0.max_bytes)
    }

    /// The certificate of `der`, parsed once: later calls with the same bytes return
    /// the same parsed certificate. A DER that does not parse is an error each time.
    pub fn certificate(&self, der: &[u8]) -> Result<Arc<Certificate>, Error> {
        if let Some(c) = self.with(|s| s.certificates.get(der, None)) {
            return Ok(c);
        }
        let cert = Arc::new(Certificate::from_der(der)?);
        let key = cert.der.clone();
        self.with(|s| {
            if self.room(s, key.len().saturating_mul(2)) {
                s.certificates.insert(Key::One(key), cert.clone());
            }
            Some(())
        });
        Ok(cert)
    }

    /// The CRL of `der`, parsed once (as [`certificate`](Self::certificate)).
    pub fn crl(&self, der: &[u8]) -> Result<Arc<Crl>, Error> {
        if let Some(c) = self.with(|s| s.crls.get(der, None)) {
            return Ok(c);
        }
        let crl = Arc::new(Crl::from_der(der)?);
        let key = crl.shared_der().clone();
        self.with(|s| {
            if self.room(s, key.len().saturating_mul(2)) {
                s.crls.insert(Key::One(key), crl.clone());
            }
            Some(())
        });
        Ok(crl)
    }

    /// The bytes of an XML `base64Binary` text (XML whitespace — space, tab, CR, LF —
    /// anywhere is ignored; standard alphabet, padding required), decoded once per
    /// exact text. A text that does not decode is an error each time.
    ///
    /// ```
    /// let cache = hpki_cert::VerificationCache::new();
    /// assert_eq!(&*cache.base64("AAEC\n Aw==")?, &[0, 1, 2, 3]);
    /// assert!(cache.base64("A!==").is_err());
    /// # Ok::<(), hpki_cert::Error>(())
    /// ```
    pub fn base64(&self, text: &str) -> Result<Arc<[u8]>, Error> {
        if let Some(b) = self.with(|s| s.base64.get(text.as_bytes(), None)) {
            return Ok(b);
        }
        let decoded: Arc<[u8]> = decode_base64(text)?.into();
        self.with(|s| {
            if self.room(s, text.len().saturating_add(decoded.len())) {
                s.base64
                    .insert(Key::One(Arc::from(text.as_bytes())), decoded.clone());
            }
            Some(())
        });
        Ok(decoded)
    }

    /// `verify()` unless the signature of `signed` (a certificate's or CRL's DER)
    /// already verified with `issuer_spki`; a success is remembered, a failure never.
    pub(crate) fn verify(
        &self,
        signed: &Arc<[u8]>,
        issuer_spki: &[u8],
        verify: impl FnOnce() -> Result<(), Error>,
    ) -> Result<(), Error> {
        if self
            .with(|s| s.signatures.get(signed, Some(issuer_spki)))
            .is_some()
        {
            return Ok(());
        }
        verify()?;
        self.with(|s| {
            if self.room(s, signed.len().saturating_add(issuer_spki.len())) {
                s.signatures
                    .insert(Key::Two(signed.clone(), Arc::from(issuer_spki)), ());
            }
            Some(())
        });
        Ok(())
    }
}

/// Decodes XML base64Binary: whitespace removed, then standard base64 with padding.
fn decode_base64(text: &str) -> Result<Vec<u8>, Error> {
    use base64::Engine as _;
    let compact: Vec<u8> = text
        .bytes()
        .filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .map_err(|e| Error::Base64(e.to_string()))
}

/// Parses with `cache` when there is one, else afresh.
pub(crate) fn certificate(
    cache: Option<&VerificationCache>,
    der: &[u8],
) -> Result<Arc<Certificate>, Error> {
    match cache {
        Some(c) => c.certificate(der),
        None => Certificate::from_der(der).map(Arc::new),
    }
}

/// Parses with `cache` when there is one, else afresh.
pub(crate) fn crl(cache: Option<&VerificationCache>, der: &[u8]) -> Result<Arc<Crl>, Error> {
    match cache {
        Some(c) => c.crl(der),
        None => Crl::from_der(der).map(Arc::new),
    }
}

impl VerificationCache {
    /// Verifies that `issuer`'s key signed `cert` (a success is remembered, a failure
    /// never). For integrity checks of validation data outside path building.
    pub fn verify_certificate_signature(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
    ) -> Result<(), Error> {
        verify_certificate(Some(self), cert, issuer.spki_der())
    }

    /// Verifies that `issuer`'s key signed `crl` (a success is remembered, a failure
    /// never).
    pub fn verify_crl_signature(&self, crl: &Crl, issuer: &Certificate) -> Result<(), Error> {
        verify_crl(Some(self), crl, issuer.spki_der())
    }
}

/// Verifies `cert`'s signature with `issuer_spki`, remembered by `cache` when there is
/// one.
pub(crate) fn verify_certificate(
    cache: Option<&VerificationCache>,
    cert: &Certificate,
    issuer_spki: &[u8],
) -> Result<(), Error> {
    match cache {
        Some(c) => c.verify(&cert.der, issuer_spki, || {
            cert.verify_signature(issuer_spki)
        }),
        None => cert.verify_signature(issuer_spki),
    }
}

/// Verifies `crl`'s signature with `issuer_spki`, remembered by `cache` when there is
/// one.
pub(crate) fn verify_crl(
    cache: Option<&VerificationCache>,
    crl: &Crl,
    issuer_spki: &[u8],
) -> Result<(), Error> {
    match cache {
        Some(c) => c.verify(crl.shared_der(), issuer_spki, || {
            crl.verify_signature(issuer_spki)
        }),
        None => crl.verify_signature(issuer_spki),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_is_send_sync_and_clones_share() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<VerificationCache>();
        let cache = VerificationCache::new();
        let clone = cache.clone();
        clone.base64("AAEC").unwrap();
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn signatures_are_remembered_for_the_same_bytes_and_key_only_and_never_failures() {
        let cache = VerificationCache::new();
        let signed: Arc<[u8]> = Arc::from(&b"signed object"[..]);
        let mut calls = 0;
        let mut check = |signed: &Arc<[u8]>, key: &[u8], ok: bool| {
            cache.verify(signed, key, || {
                calls += 1;
                if ok { Ok(()) } else { Err(Error::BadSignature) }
            })
        };
        assert!(check(&signed, b"key-a", false).is_err());
        assert!(check(&signed, b"key-a", false).is_err());
        assert!(check(&signed, b"key-a", true).is_ok());
        // Remembered: not verified again, whatever the closure would say.
        assert!(check(&signed, b"key-a", false).is_ok());
        // Another key, other bytes, a prefix, a longer key: verified afresh.
        assert!(check(&signed, b"key-b", false).is_err());
        assert!(check(&Arc::from(&b"signed objecT"[..]), b"key-a", false).is_err());
        assert!(check(&Arc::from(&b"signed"[..]), b"key-a", false).is_err());
        assert!(check(&signed, b"key-aa", false).is_err());
        // The split between object and key is part of the key.
        assert!(check(&Arc::from(&b"signed objectkey-"[..]), b"a", false).is_err());
        assert_eq!(calls, 8);
    }

    #[test]
    fn keys_that_share_their_hashed_sample_still_answer_only_for_themselves() {
        let cache = VerificationCache::new();
        // Same length, same first and last 32 bytes: the same bucket.
        let a: Arc<[u8]> = Arc::from([[1u8; 40], [2u8; 40], [1u8; 40]].concat());
        let b: Arc<[u8]> = Arc::from([[1u8; 40], [3u8; 40], [1u8; 40]].concat());
        assert_eq!(hash(&a, Some(b"k")), hash(&b, Some(b"k")));
        assert!(cache.verify(&a, b"k", || Ok(())).is_ok());
        assert!(cache.verify(&b, b"k", || Err(Error::BadSignature)).is_err());
        assert!(cache.verify(&a, b"k", || Err(Error::BadSignature)).is_ok());
    }

    #[test]
    fn base64_accepts_xml_whitespace_and_answers_only_for_the_same_text() {
        let cache = VerificationCache::new();
        assert_eq!(&*cache.base64("AAEC\r\n\tAw==").unwrap(), &[0, 1, 2, 3]);
        assert_eq!(&*cache.base64(" AAECAw== ").unwrap(), &[0, 1, 2, 3]);
        assert_eq!(&*cache.base64("AAECBA==").unwrap(), &[0, 1, 2, 4]);
        assert!(matches!(
            cache.base64("AAEC\u{a0}Aw=="),
            Err(Error::Base64(_))
        ));
        assert!(cache.base64("AAECAw").is_err(), "padding required");
        assert!(cache.base64("A!==").is_err());
        assert_eq!(cache.len(), 3, "failures are not kept");
    }

    #[test]
    fn the_bounds_hold() {
        let cache = VerificationCache::with_limits(3, 1 << 20);
        for i in 0u32..10 {
            let text = format!("{:08}", i);
            cache.base64(&text).unwrap();
            assert!(cache.len() <= 3);
        }
        let small = VerificationCache::with_limits(100, 40);
        small.base64("AAECAw==").unwrap(); // 8 + 4 bytes
        small.base64("AAECBA==").unwrap();
        small.base64("AAECBQ==").unwrap();
        assert!(small.bytes() <= 40, "{}", small.bytes());
        // Larger than the whole budget: decoded, not kept.
        let big = "QUFB".repeat(20);
        assert_eq!(small.base64(&big).unwrap().len(), 60);
        assert!(small.bytes() <= 40);
        let none = VerificationCache::with_limits(0, 0);
        none.base64("AAEC").unwrap();
        assert!(none.is_empty());
    }
}
