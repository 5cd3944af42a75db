//! Work a message shares between its signers: its certificates parsed once and
//! indexed, and the digests of the signed bytes computed once per algorithm.

use std::{
    cell::{OnceCell, RefCell},
    collections::HashMap,
    sync::Arc,
};

use cert_signer::DigestAlgorithm;
use hpki_cert::{Qualification, VerificationCache};

use crate::{cert::CertRef, message::SignerId};

#[cfg(test)]
thread_local! {
    /// How many times this thread parsed a certificate with `CertRef::parse`.
    pub(crate) static CERT_PARSES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    /// How many times this thread asked `hpki-cert` for a parsed certificate.
    pub(crate) static HPKI_PARSES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    /// How many digests of signed bytes (content or counter-signed value) this thread
    /// computed for the message-digest check.
    pub(crate) static SIGNED_DIGESTS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

#[cfg(test)]
pub(crate) fn bump(counter: &'static std::thread::LocalKey<std::cell::Cell<usize>>) {
    counter.with(|c| c.set(c.get() + 1));
}

/// One certificate of a pool.
struct Entry<'a> {
    der: &'a [u8],
    /// `None` when the certificate does not parse here; it can then never be a
    /// signer's, but `hpki-cert` still sees it (and fails the paths if it cannot
    /// parse it either).
    cert: Option<CertRef<'a>>,
    qualification: OnceCell<Option<Qualification>>,
}

/// The certificates of a message or of a time-stamp token, in their order, each parsed
/// once, indexed by issuer and serial number, subject key identifier and subject.
pub(crate) struct CertPool<'a> {
    /// Whose certificates: "certificate" (the message's) or "time-stamp token
    /// certificate", for messages.
    what: &'static str,
    entries: Vec<Entry<'a>>,
    by_issuer_serial: HashMap<(&'a [u8], &'a [u8]), usize>,
    by_ski: HashMap<&'a [u8], usize>,
    by_subject: HashMap<&'a [u8], Vec<usize>>,
    /// The certificates that do not parse here, in order.
    unindexed: Vec<usize>,
    /// `hpki-cert`'s parse of each certificate, made on the first path validation.
    hpki: OnceCell<Vec<Result<Arc<hpki_cert::Certificate>, String>>>,
}

impl<'a> CertPool<'a> {
    /// Parses each certificate once and indexes it; the first of equal keys wins, as
    /// a search in message order would find it.
    pub fn new(what: &'static str, ders: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut pool = Self {
            what,
            entries: Vec::new(),
            by_issuer_serial: HashMap::new(),
            by_ski: HashMap::new(),
            by_subject: HashMap::new(),
            unindexed: Vec::new(),
            hpki: OnceCell::new(),
        };
        for (i, der) in ders.into_iter().enumerate() {
            let cert = CertRef::parse(der).ok();
            match &cert {
                Some(c) => {
                    pool.by_issuer_serial
                        .entry((c.issuer.raw, c.serial.raw))
                        .or_insert(i);
                    if let Some(ski) = c.subject_key_id() {
                        pool.by_ski.entry(ski).or_insert(i);
                    }
                    pool.by_subject.entry(c.subject.raw).or_default().push(i);
                }
                None => pool.unindexed.push(i),
            }
            pool.entries.push(Entry {
                der,
                cert,
                qualification: OnceCell::new(),
            });
        }
        pool
    }

    /// Every certificate's DER, in order.
    pub fn ders(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        self.entries.iter().map(|e| e.der)
    }

    /// Whose certificates, in words.
    pub fn what(&self) -> &'static str {
        self.what
    }

    /// The DER of certificate `i`.
    pub fn der(&self, i: usize) -> Option<&'a [u8]> {
        self.entries.get(i).map(|e| e.der)
    }

    /// The certificate a SignerIdentifier names: its index and fields.
    pub fn find(&self, sid: &SignerId<'_>) -> Option<(usize, &CertRef<'a>)> {
        let i = match sid {
            SignerId::IssuerSerial { issuer, serial } => {
                *self.by_issuer_serial.get(&(issuer.raw, serial.raw))?
            }
            SignerId::SubjectKeyId(ski) => *self.by_ski.get(ski)?,
        };
        let cert = self.entries.get(i)?.cert.as_ref()?;
        Some((i, cert))
    }

    /// The qualification named by certificate `i`'s hcRole, read once.
    pub fn qualification(&self, i: usize) -> Option<Qualification> {
        let e = self.entries.get(i)?;
        e.qualification
            .get_or_init(|| {
                hpki_cert::HcRole::from_certificate(e.der).and_then(|r| r.qualification())
            })
            .clone()
    }

    /// The indices of the certificates whose subject is `name` (a Name TLV), in order.
    pub fn issued_to(&self, name: &[u8]) -> &[usize] {
        self.by_subject.get(name).map_or(&[], Vec::as_slice)
    }

    /// The issuer Name TLV of certificate `i`, when it parses here.
    pub fn issuer_of(&self, i: usize) -> Option<&'a [u8]> {
        self.entries.get(i)?.cert.as_ref().map(|c| c.issuer.raw)
    }

    /// The certificates that do not parse here.
    pub fn unindexed(&self) -> &[usize] {
        &self.unindexed
    }

    /// `hpki-cert`'s parse of every certificate (through `cache`), made once.
    pub fn hpki(
        &self,
        cache: &VerificationCache,
    ) -> &[Result<Arc<hpki_cert::Certificate>, String>] {
        self.hpki.get_or_init(|| {
            self.entries
                .iter()
                .map(|e| {
                    #[cfg(test)]
                    bump(&HPKI_PARSES);
                    cache.certificate(e.der).map_err(|err| err.to_string())
                })
                .collect()
        })
    }
}

/// What a signer's message-digest covers (the content, or the counter-signed
/// signature value), with its digests computed once per algorithm: two thousand
/// signers over one content hash it once.
pub(crate) struct SignedBytes<'a> {
    bytes: &'a [u8],
    digests: RefCell<Vec<(DigestAlgorithm, Vec<u8>)>>,
}

impl<'a> SignedBytes<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            digests: RefCell::new(Vec::new()),
        }
    }

    /// Their digest with `alg`.
    pub fn digest(&self, alg: DigestAlgorithm) -> Vec<u8> {
        if let Some((_, d)) = self.digests.borrow().iter().find(|(a, _)| *a == alg) {
            return d.clone();
        }
        #[cfg(test)]
        bump(&SIGNED_DIGESTS);
        let d = alg.hash(self.bytes);
        self.digests.borrow_mut().push((alg, d.clone()));
        d
    }
}
