//! The result vocabulary of ETSI EN 319 102-1 §5.1.3: a main indication and, when it is
//! not PASSED, a sub-indication that names why. Every verifier of medsign (paths here,
//! XAdES in `xades-sign`, CAdES in `cms-sign`) reports with these two types.

/// The main indication of a check or of a whole validation (EN 319 102-1 Table 5).
///
/// Shown, and written to JSON, as `VALID`, `INVALID` and `INDETERMINATE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Indication {
    /// TOTAL-PASSED: the check passed.
    #[serde(rename = "VALID")]
    Valid,
    /// INDETERMINATE: the check could not be decided with what was given (no path to an
    /// anchor, no revocation status, no proof of existence).
    #[serde(rename = "INDETERMINATE")]
    Indeterminate,
    /// TOTAL-FAILED: the check failed; more data would not change that.
    #[serde(rename = "INVALID")]
    Invalid,
}

/// The former name of [`Indication`].
pub type Verdict = Indication;

impl Indication {
    /// `VALID`, `INVALID` or `INDETERMINATE`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "VALID",
            Self::Invalid => "INVALID",
            Self::Indeterminate => "INDETERMINATE",
        }
    }

    /// The ETSI name: `TOTAL-PASSED`, `TOTAL-FAILED` or `INDETERMINATE`.
    pub const fn etsi_name(self) -> &'static str {
        match self {
            Self::Valid => "TOTAL-PASSED",
            Self::Invalid => "TOTAL-FAILED",
            Self::Indeterminate => "INDETERMINATE",
        }
    }

    /// The Japanese word: 有効, 無効, 判定不能.
    pub const fn ja(self) -> &'static str {
        match self {
            Self::Valid => "有効",
            Self::Invalid => "無効",
            Self::Indeterminate => "判定不能",
        }
    }

    /// The worse of two indications: INVALID over INDETERMINATE over VALID.
    #[must_use]
    pub fn worst(self, other: Self) -> Self {
        self.max(other)
    }
}

impl core::fmt::Display for Indication {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! sub_indications {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal, $main:ident, $en:literal, $ja:literal; )*) => {
        /// Why a check or validation is not PASSED (EN 319 102-1 Table 6), with English
        /// and Japanese text.
        ///
        /// Serialized as the ETSI name (`"HASH_FAILURE"`); [`indication`](Self::indication)
        /// says which main indication each one goes with.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
        #[non_exhaustive]
        pub enum SubIndication {
            $( $(#[$doc])* #[serde(rename = $name)] $variant, )*
        }

        impl SubIndication {
            /// Every sub-indication, in table order.
            pub const ALL: &'static [SubIndication] = &[$(Self::$variant),*];

            /// The ETSI name, e.g. `OUT_OF_BOUNDS_NO_POE`.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name,)* }
            }

            /// The main indication Table 6 lists this sub-indication under. A check may
            /// pair a constraint failure that no further data could cure (a wrong
            /// keyUsage, a profile rule) with INVALID instead: medsign fails closed.
            pub const fn indication(self) -> Indication {
                match self { $(Self::$variant => Indication::$main,)* }
            }

            /// What it means, in English.
            pub const fn en(self) -> &'static str {
                match self { $(Self::$variant => $en,)* }
            }

            /// What it means, in Japanese.
            pub const fn ja(self) -> &'static str {
                match self { $(Self::$variant => $ja,)* }
            }
        }
    };
}

sub_indications! {
    /// The signature or a piece of its validation data is not in the prescribed format
    /// (profile rule broken, undecodable value, level claimed without its properties).
    FormatFailure => "FORMAT_FAILURE", Invalid,
        "the signature is not in the prescribed format",
        "署名の形式が規定に合っていない";
    /// A digest of signed data does not match (a Reference, a message-digest, a
    /// time-stamp imprint).
    HashFailure => "HASH_FAILURE", Invalid,
        "a digest of the signed data does not match",
        "署名対象データのハッシュ値が一致しない";
    /// The signature value does not verify with the signer's public key.
    SigCryptoFailure => "SIG_CRYPTO_FAILURE", Invalid,
        "the signature value does not verify with the signer's key",
        "署名値が署名者の公開鍵で検証できない";
    /// The signer's certificate was revoked before the time that matters.
    Revoked => "REVOKED", Invalid,
        "the signing certificate is revoked",
        "署名者証明書が失効している";
    /// A signed attribute does not meet the validation constraints.
    SigConstraintsFailure => "SIG_CONSTRAINTS_FAILURE", Indeterminate,
        "the signature's attributes do not meet the validation constraints",
        "署名属性が検証の制約を満たしていない";
    /// The path does not meet the constraints (key usage, policy, basic constraints).
    ChainConstraintsFailure => "CHAIN_CONSTRAINTS_FAILURE", Indeterminate,
        "the certificate path does not meet the validation constraints",
        "証明書パスが検証の制約(鍵用途・ポリシー等)を満たしていない";
    /// The path failed for a reason not covered by another sub-indication (a CA
    /// certificate's signature, a critical extension not understood).
    CertificateChainGeneralFailure => "CERTIFICATE_CHAIN_GENERAL_FAILURE", Indeterminate,
        "the certificate path could not be validated",
        "証明書パスの検証に失敗した";
    /// An algorithm or key size is not acceptable.
    CryptoConstraintsFailure => "CRYPTO_CONSTRAINTS_FAILURE", Indeterminate,
        "an algorithm or key size is not acceptable",
        "暗号アルゴリズムまたは鍵長が許容されない";
    /// The signing certificate expired before the validation time, and its revocation
    /// status at expiry is not known.
    Expired => "EXPIRED", Invalid,
        "the signing certificate has expired",
        "署名者証明書の有効期限が切れている";
    /// The signing certificate is not yet valid at the time that matters.
    NotYetValid => "NOT_YET_VALID", Invalid,
        "the signing certificate is not yet valid",
        "署名者証明書がまだ有効期間に入っていない";
    /// The validation policy cannot be processed.
    PolicyProcessingError => "POLICY_PROCESSING_ERROR", Indeterminate,
        "the validation policy could not be processed",
        "検証ポリシーを処理できない";
    /// Time-stamps are not in the order their times must have.
    TimestampOrderFailure => "TIMESTAMP_ORDER_FAILURE", Indeterminate,
        "the time-stamps are not in the required order",
        "タイムスタンプの時刻順序が正しくない";
    /// The signing certificate cannot be identified.
    NoSigningCertificateFound => "NO_SIGNING_CERTIFICATE_FOUND", Indeterminate,
        "the signing certificate cannot be identified",
        "署名者証明書を特定できない";
    /// No path to a configured trust anchor.
    NoCertificateChainFound => "NO_CERTIFICATE_CHAIN_FOUND", Indeterminate,
        "no certificate path to a trusted anchor was found",
        "信頼するトラストアンカーまでの証明書パスが見つからない";
    /// The certificate is revoked and nothing proves the signature existed before.
    RevokedNoPoe => "REVOKED_NO_POE", Indeterminate,
        "the signing certificate is revoked and no proof of existence before the revocation was found",
        "署名者証明書が失効しており、失効前に署名が存在した証明がない";
    /// A CA certificate of the path is revoked and nothing proves the signature existed
    /// before.
    RevokedCaNoPoe => "REVOKED_CA_NO_POE", Indeterminate,
        "a CA certificate of the path is revoked and no proof of existence before the revocation was found",
        "パス上のCA証明書が失効しており、失効前に署名が存在した証明がない";
    /// The validation time is outside a certificate's validity and nothing proves the
    /// signature existed within it.
    OutOfBoundsNoPoe => "OUT_OF_BOUNDS_NO_POE", Indeterminate,
        "a certificate is outside its validity at the validation time and no proof of existence within it was found",
        "検証時刻が証明書の有効期間外で、有効期間内に署名が存在した証明がない";
    /// Outside the validity period, but not revoked.
    OutOfBoundsNotRevoked => "OUT_OF_BOUNDS_NOT_REVOKED", Indeterminate,
        "a certificate is outside its validity at the validation time, though not revoked",
        "証明書は失効していないが、検証時刻が有効期間外である";
    /// An algorithm became unacceptable and nothing proves the signature existed
    /// before.
    CryptoConstraintsFailureNoPoe => "CRYPTO_CONSTRAINTS_FAILURE_NO_POE", Indeterminate,
        "an algorithm is no longer acceptable and no proof of existence before that was found",
        "暗号アルゴリズムが許容されなくなる前に署名が存在した証明がない";
    /// A proof of existence needed for an object is missing.
    NoPoe => "NO_POE", Indeterminate,
        "no proof of existence of the signed object at the required time",
        "必要な時刻に署名が存在したことの証明がない";
    /// Revocation status is not available now (no CRL, unreachable, or stale): it may
    /// be available later.
    TryLater => "TRY_LATER", Indeterminate,
        "revocation status is not available (no usable, fresh CRL)",
        "失効情報が得られない(使用できる最新のCRLがない)";
    /// The signed data cannot be found.
    SignedDataNotFound => "SIGNED_DATA_NOT_FOUND", Indeterminate,
        "the signed data cannot be found",
        "署名対象データが見つからない";
    /// Any other reason; the report's detail says which.
    Generic => "GENERIC", Indeterminate,
        "the validation could not be completed",
        "検証を完了できなかった";
}

impl core::fmt::Display for SubIndication {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sub_indication_has_distinct_names_and_both_texts() {
        let mut names: Vec<&str> = SubIndication::ALL.iter().map(|s| s.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SubIndication::ALL.len());
        for s in SubIndication::ALL {
            assert!(!s.en().is_empty() && !s.ja().is_empty(), "{s}");
            assert_ne!(s.indication(), Indication::Valid, "{s}");
            assert_eq!(
                serde_json::to_string(s).ok().as_deref(),
                Some(format!("\"{}\"", s.as_str()).as_str())
            );
        }
    }

    #[test]
    fn indication_orders_invalid_over_indeterminate_over_valid() {
        use Indication::*;
        assert_eq!(Valid.worst(Indeterminate), Indeterminate);
        assert_eq!(Indeterminate.worst(Invalid), Invalid);
        assert_eq!(Valid.worst(Valid), Valid);
        assert_eq!(
            serde_json::to_string(&Invalid).ok().as_deref(),
            Some("\"INVALID\"")
        );
    }
}
