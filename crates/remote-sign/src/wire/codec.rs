//! How values are written on the wire: base64 bytes, digest-algorithm OIDs, secrets.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use cert_signer::DigestAlgorithm;
use serde::{Deserialize, Deserializer, Serializer, de::Error as _};
use zeroize::Zeroizing;

/// A bearer secret on the wire: an access token, a SAD, an authorization code, a PKCE
/// verifier, a setup password.
///
/// Zeroized on drop and redacted in `Debug`; [`expose`](Self::expose) reads it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The secret's text.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl core::fmt::Debug for Secret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl serde::Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| Self(Zeroizing::new(s)))
    }
}

fn decode<E: serde::de::Error>(text: &str) -> Result<Vec<u8>, E> {
    STANDARD
        .decode(text)
        .map_err(|e| E::custom(format_args!("not base64: {e}")))
}

/// `Vec<u8>` as one base64 string.
pub(crate) mod b64 {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        decode(&String::deserialize(d)?)
    }
}

/// `Option<Vec<u8>>` as an optional base64 string.
pub(crate) mod b64_option {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        bytes: &Option<Vec<u8>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(b) => serializer.serialize_some(&STANDARD.encode(b)),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| decode(&s))
            .transpose()
    }
}

/// `Vec<Vec<u8>>` as an array of base64 strings.
pub(crate) mod b64_list {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        list: &[Vec<u8>],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(list.iter().map(|b| STANDARD.encode(b)))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|s| decode(s))
            .collect()
    }
}

/// A [`DigestAlgorithm`] as its dotted OID (`hashAlgorithmOID`).
pub(crate) mod hash_oid {
    use super::*;

    const KNOWN: [DigestAlgorithm; 3] = [
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha384,
        DigestAlgorithm::Sha512,
    ];

    pub(crate) fn serialize<S: Serializer>(
        algorithm: &DigestAlgorithm,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(algorithm.oid())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<DigestAlgorithm, D::Error> {
        let oid = String::deserialize(d)?;
        KNOWN
            .into_iter()
            .find(|a| a.oid() == oid)
            .ok_or_else(|| D::Error::custom(format_args!("unsupported hashAlgorithmOID {oid}")))
    }
}
