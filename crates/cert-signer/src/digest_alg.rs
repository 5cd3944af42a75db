//! Digest algorithms and their PKCS#1 DigestInfo encodings.

use sha2::Digest as _;

use crate::SignError;

/// A digest algorithm a signer can sign with.
///
/// The DigestInfo prefixes are the fixed DER encodings of RFC 8017 §9.2, note 1:
///
/// ```text
/// SHA-256: 30 31 30 0d 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20 || H
/// SHA-384: 30 41 30 0d 06 09 60 86 48 01 65 03 04 02 02 05 00 04 30 || H
/// SHA-512: 30 51 30 0d 06 09 60 86 48 01 65 03 04 02 03 05 00 04 40 || H
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// SHA-256 (what JPKI, HPKI and the e-prescription service use).
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

const SHA256_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];
const SHA384_PREFIX: [u8; 19] = [
    0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05,
    0x00, 0x04, 0x30,
];
const SHA512_PREFIX: [u8; 19] = [
    0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05,
    0x00, 0x04, 0x40,
];

impl DigestAlgorithm {
    /// Output length in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// The algorithm whose output is `len` bytes (a prehash's length tells SHA-256,
    /// SHA-384 and SHA-512 apart).
    pub const fn from_output_len(len: usize) -> Option<Self> {
        match len {
            32 => Some(Self::Sha256),
            48 => Some(Self::Sha384),
            64 => Some(Self::Sha512),
            _ => None,
        }
    }

    /// The DER DigestInfo prefix that precedes the digest.
    pub const fn digest_info_prefix(self) -> &'static [u8] {
        match self {
            Self::Sha256 => &SHA256_PREFIX,
            Self::Sha384 => &SHA384_PREFIX,
            Self::Sha512 => &SHA512_PREFIX,
        }
    }

    /// The algorithm's object identifier, dotted.
    pub const fn oid(self) -> &'static str {
        match self {
            Self::Sha256 => "2.16.840.1.101.3.4.2.1",
            Self::Sha384 => "2.16.840.1.101.3.4.2.2",
            Self::Sha512 => "2.16.840.1.101.3.4.2.3",
        }
    }

    /// Hashes `data`.
    pub fn hash(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Self::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Self::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }

    /// The DER DigestInfo of `digest`, as a card's sign command takes it.
    pub fn digest_info(self, digest: &[u8]) -> Result<Vec<u8>, SignError> {
        if digest.len() != self.output_len() {
            return Err(SignError::DigestLength {
                algorithm: self,
                expected: self.output_len(),
                actual: digest.len(),
            });
        }
        let mut out = Vec::with_capacity(19 + digest.len());
        out.extend_from_slice(self.digest_info_prefix());
        out.extend_from_slice(digest);
        Ok(out)
    }

    /// Recognises a DER DigestInfo and splits it into algorithm and digest.
    pub fn split_digest_info(digest_info: &[u8]) -> Option<(Self, &[u8])> {
        [Self::Sha256, Self::Sha384, Self::Sha512]
            .into_iter()
            .find_map(|alg| {
                let rest = digest_info.strip_prefix(alg.digest_info_prefix())?;
                (rest.len() == alg.output_len()).then_some((alg, rest))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_digest_info_matches_the_jpki_spec_prefix() {
        let info = DigestAlgorithm::Sha256.digest_info(&[0u8; 32]).unwrap();
        assert_eq!(
            hex(&info[..19]),
            "3031300d060960864801650304020105000420",
            "docs/spec/cards.md §4"
        );
        assert_eq!(info.len(), 51);
    }

    #[test]
    fn wrong_digest_length_is_refused() {
        let err = DigestAlgorithm::Sha384.digest_info(&[0u8; 32]).unwrap_err();
        assert!(matches!(
            err,
            SignError::DigestLength {
                expected: 48,
                actual: 32,
                ..
            }
        ));
    }

    #[test]
    fn digest_info_splits_back() {
        for alg in [
            DigestAlgorithm::Sha256,
            DigestAlgorithm::Sha384,
            DigestAlgorithm::Sha512,
        ] {
            let d = alg.hash(b"abc");
            let info = alg.digest_info(&d).unwrap();
            assert_eq!(
                DigestAlgorithm::split_digest_info(&info),
                Some((alg, &d[..]))
            );
        }
        assert_eq!(DigestAlgorithm::split_digest_info(&[0x30, 0x31]), None);
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}
