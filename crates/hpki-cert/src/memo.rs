//! Memos that let a long-lived [`TrustStore`](crate::TrustStore) skip work it has done
//! before: parsing the same certificate or CRL again, and verifying the same signature
//! with the same key again.
//!
//! Batches of e-prescriptions share most of their certificates (the CA and TSA
//! certificates, the signing physician's certificate) and the same CRLs, and every
//! document repeats them. Each check still runs for every document; only the results
//! of pure computations over identical bytes are reused: a parse of identical DER, and
//! a signature that already verified over identical signed bytes with an identical key.
//! Failures are never memoized, so a failed check is recomputed and reported each time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::{Certificate, Crl, Error};

/// How many issuer keys a parsed certificate or CRL remembers as verified.
const KEYS_PER_OBJECT: usize = 4;
/// Parsed certificates kept per store; the memo is emptied when it is full.
const MAX_CERTS: usize = 1024;
/// Parsed CRLs kept per store.
const MAX_CRLS: usize = 64;
/// CRLs bigger than this are parsed every time rather than kept.
const MAX_CRL_BYTES: usize = 4 << 20;

/// The issuer keys (SubjectPublicKeyInfo DER) a signature verified with.
#[derive(Debug, Default)]
pub(crate) struct VerifiedKeys(Mutex<Vec<Vec<u8>>>);

impl Clone for VerifiedKeys {
    fn clone(&self) -> Self {
        Self(Mutex::new(
            self.0.lock().map(|v| v.clone()).unwrap_or_default(),
        ))
    }
}

impl VerifiedKeys {
    /// `verify()` unless it already succeeded with `spki`; remembers a success.
    pub(crate) fn check(
        &self,
        spki: &[u8],
        verify: impl FnOnce() -> Result<(), Error>,
    ) -> Result<(), Error> {
        if self
            .0
            .lock()
            .is_ok_and(|keys| keys.iter().any(|k| k == spki))
        {
            return Ok(());
        }
        verify()?;
        if let Ok(mut keys) = self.0.lock() {
            if keys.len() >= KEYS_PER_OBJECT {
                keys.remove(0);
            }
            keys.push(spki.to_vec());
        }
        Ok(())
    }
}

/// How many recently used certificates and CRLs are found by comparing bytes before
/// the hash maps are asked.
const RECENT: usize = 16;

/// The entries used last, newest at the end: one document names its few certificates
/// and CRLs several times (signer path, time-stamp path, token), and comparing the
/// lengths and then the bytes of a dozen entries costs far less than SipHashing a
/// kilobyte-sized key for the map. An entry is returned only for equal bytes.
#[derive(Debug)]
struct Recent<T>(Vec<(Arc<[u8]>, Arc<T>)>);

impl<T> Default for Recent<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T> Recent<T> {
    fn get(&self, der: &[u8]) -> Option<Arc<T>> {
        self.0
            .iter()
            .rev()
            .find(|(key, _)| **key == *der)
            .map(|(_, v)| v.clone())
    }

    fn put(&mut self, key: Arc<[u8]>, value: Arc<T>) {
        self.0.retain(|(k, _)| *k != key);
        if self.0.len() >= RECENT {
            self.0.remove(0);
        }
        self.0.push((key, value));
    }
}

/// One memo: the recent entries in front of a bounded map, keys shared between both.
#[derive(Debug)]
struct Memo<T> {
    recent: Recent<T>,
    map: HashMap<Arc<[u8]>, Arc<T>>,
}

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Self {
            recent: Recent::default(),
            map: HashMap::new(),
        }
    }
}

impl<T> Memo<T> {
    fn get(&mut self, der: &[u8]) -> Option<Arc<T>> {
        if let Some(v) = self.recent.get(der) {
            return Some(v);
        }
        let (key, value) = self.map.get_key_value(der)?;
        let (key, value) = (key.clone(), value.clone());
        self.recent.put(key, value.clone());
        Some(value)
    }

    fn insert(&mut self, der: &[u8], value: Arc<T>, max: usize) {
        if self.map.len() >= max {
            self.map.clear();
            self.recent = Recent::default();
        }
        let key: Arc<[u8]> = Arc::from(der);
        self.map.insert(key.clone(), value.clone());
        self.recent.put(key, value);
    }
}

/// Parsed certificates and CRLs by their DER.
#[derive(Debug, Default)]
pub(crate) struct ParseMemo {
    certs: Mutex<Memo<Certificate>>,
    crls: Mutex<Memo<Crl>>,
}

impl ParseMemo {
    pub(crate) fn certificate(&self, der: &[u8]) -> Result<Arc<Certificate>, Error> {
        if let Some(c) = self.certs.lock().ok().and_then(|mut m| m.get(der)) {
            return Ok(c);
        }
        let cert = Arc::new(Certificate::from_der(der)?);
        if let Ok(mut m) = self.certs.lock() {
            m.insert(der, cert.clone(), MAX_CERTS);
        }
        Ok(cert)
    }

    pub(crate) fn crl(&self, der: &[u8]) -> Result<Arc<Crl>, Error> {
        if let Some(c) = self.crls.lock().ok().and_then(|mut m| m.get(der)) {
            return Ok(c);
        }
        let crl = Arc::new(Crl::from_der(der)?);
        if der.len() <= MAX_CRL_BYTES
            && let Ok(mut m) = self.crls.lock()
        {
            m.insert(der, crl.clone(), MAX_CRLS);
        }
        Ok(crl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_entries_answer_only_for_equal_bytes_and_stay_bounded() {
        let mut memo: Memo<u32> = Memo::default();
        memo.insert(b"der-a", Arc::new(1), 8);
        memo.insert(b"der-b", Arc::new(2), 8);
        assert_eq!(memo.get(b"der-a").as_deref(), Some(&1));
        assert_eq!(memo.get(b"der-b").as_deref(), Some(&2));
        // Same length, other bytes; a prefix; a longer key: none is an entry.
        assert_eq!(memo.get(b"der-c"), None);
        assert_eq!(memo.get(b"der-"), None);
        assert_eq!(memo.get(b"der-aa"), None);
        // More keys than the recent list holds: the oldest is found in the map, and
        // the recent list never grows past its bound.
        for k in 0..(2 * RECENT) {
            let key = [b'k', u8::try_from(k).unwrap_or(0)];
            memo.insert(&key, Arc::new(100), 1024);
        }
        assert!(memo.recent.0.len() <= RECENT);
        assert_eq!(memo.get(b"der-a").as_deref(), Some(&1));
        // The map is bounded too: full, it is emptied (and the recent list with it).
        let mut small: Memo<u32> = Memo::default();
        small.insert(b"one", Arc::new(1), 2);
        small.insert(b"two", Arc::new(2), 2);
        small.insert(b"three", Arc::new(3), 2);
        assert_eq!(small.get(b"one"), None);
        assert_eq!(small.get(b"three").as_deref(), Some(&3));
    }

    #[test]
    fn only_successes_with_the_same_key_are_remembered() {
        let memo = VerifiedKeys::default();
        let mut calls = 0;
        // A failure is not remembered: the next call verifies again.
        assert!(
            memo.check(b"key-a", || {
                calls += 1;
                Err(Error::BadSignature)
            })
            .is_err()
        );
        assert!(
            memo.check(b"key-a", || {
                calls += 1;
                Ok(())
            })
            .is_ok()
        );
        assert_eq!(calls, 2);
        // Now key-a is remembered: no verification.
        assert!(
            memo.check(b"key-a", || {
                calls += 1;
                Err(Error::BadSignature)
            })
            .is_ok()
        );
        assert_eq!(calls, 2);
        // Another key is verified.
        assert!(
            memo.check(b"key-b", || {
                calls += 1;
                Err(Error::BadSignature)
            })
            .is_err()
        );
        assert_eq!(calls, 3);
        // Bounded: after more keys than the memo holds, the oldest is verified again.
        for k in 0..KEYS_PER_OBJECT {
            let key = [b'k', u8::try_from(k).unwrap_or(0)];
            assert!(memo.check(&key, || Ok(())).is_ok());
        }
        assert!(
            memo.check(b"key-a", || {
                calls += 1;
                Ok(())
            })
            .is_ok()
        );
        assert_eq!(calls, 4);
    }
}
