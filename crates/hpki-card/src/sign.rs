//! The two signing commands of HPKI cards and the PKCS#1 v1.5 block the JAHIS one needs.

/// A signing command of HPKI cards (`docs/spec/cards.md` §7; which issuers' cards accept which is
/// unsettled, so [`crate::HpkiCard`] tries its profile's preference and falls back on
/// `6D00`/`6E00`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignVariant {
    /// The JAHIS guideline's sequence: MSE SET `00 22 41 B6 04 84|81 02 <key>`, VERIFY,
    /// then PSO COMPUTE DIGITAL SIGNATURE `00 2A 9E 9A` over the **host-padded** block
    /// `00 01 FF…FF 00 ‖ DigestInfo`, sent with extended length or command chaining.
    JahisPso,
    /// The JPKI-style `80 2A 00 80 Lc DigestInfo 00` with the key IEF selected; the card
    /// pads.
    JpkiStyle,
}

impl SignVariant {
    pub(crate) const fn other(self) -> Self {
        match self {
            Self::JahisPso => Self::JpkiStyle,
            Self::JpkiStyle => Self::JahisPso,
        }
    }
}

/// The EMSA-PKCS1-v1_5 block of RFC 8017 §9.2 for a `k`-byte modulus:
///
/// ```text
/// EM = 0x00 || 0x01 || PS || 0x00 || T      PS: k − tLen − 3 bytes of 0xFF, at least 8
/// ```
///
/// `None` when `T` (the DER DigestInfo) is too long for `k`.
///
/// ```
/// let t = [0xAB; 51];
/// let em = hpki_card::pkcs1_v15_block(&t, 256).unwrap();
/// assert_eq!(em.len(), 256);
/// assert_eq!(&em[..3], &[0x00, 0x01, 0xFF]);
/// assert_eq!(em[256 - 52], 0x00);
/// assert!(hpki_card::pkcs1_v15_block(&[0; 250], 256).is_none());
/// ```
pub fn pkcs1_v15_block(t: &[u8], k: usize) -> Option<Vec<u8>> {
    let ps_len = k.checked_sub(t.len())?.checked_sub(3)?;
    if ps_len < 8 {
        return None;
    }
    let mut em = Vec::with_capacity(k);
    em.extend_from_slice(&[0x00, 0x01]);
    em.resize(2 + ps_len, 0xFF);
    em.push(0x00);
    em.extend_from_slice(t);
    Some(em)
}
