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

/// Parsed certificates and CRLs by their DER.
#[derive(Debug, Default)]
pub(crate) struct ParseMemo {
    certs: Mutex<HashMap<Vec<u8>, Arc<Certificate>>>,
    crls: Mutex<HashMap<Vec<u8>, Arc<Crl>>>,
}

impl ParseMemo {
    pub(crate) fn certificate(&self, der: &[u8]) -> Result<Arc<Certificate>, Error> {
        if let Some(c) = self.certs.lock().ok().and_then(|m| m.get(der).cloned()) {
            return Ok(c);
        }
        let cert = Arc::new(Certificate::from_der(der)?);
        if let Ok(mut m) = self.certs.lock() {
            if m.len() >= MAX_CERTS {
                m.clear();
            }
            m.insert(der.to_vec(), cert.clone());
        }
        Ok(cert)
    }

    pub(crate) fn crl(&self, der: &[u8]) -> Result<Arc<Crl>, Error> {
        if let Some(c) = self.crls.lock().ok().and_then(|m| m.get(der).cloned()) {
            return Ok(c);
        }
        let crl = Arc::new(Crl::from_der(der)?);
        if der.len() <= MAX_CRL_BYTES
            && let Ok(mut m) = self.crls.lock()
        {
            if m.len() >= MAX_CRLS {
                m.clear();
            }
            m.insert(der.to_vec(), crl.clone());
        }
        Ok(crl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
