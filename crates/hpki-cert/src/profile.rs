//! Object identifiers of the Japanese healthcare (HPKI) and My Number Card (JPKI)
//! certificate profiles.

/// Arc of the HPKI certificate policies (MHLW): signing CAs and end entities sit under
/// `.1.1`, authentication under `.1.2` (MEDIS signing EE: `1.2.392.100495.1.5.1.1.0.1`,
/// signing CA: `1.2.392.100495.1.5.1.1.3.1`, authentication CA: `1.2.392.100495.1.5.1.2.3.1`).
pub const HPKI_POLICY_ARC: &str = "1.2.392.100495.1.5.";
/// HPKI signing (nonRepudiation) policies.
pub const HPKI_SIGNING_POLICY_ARC: &str = "1.2.392.100495.1.5.1.1.";
/// HPKI authentication policies.
pub const HPKI_AUTH_POLICY_ARC: &str = "1.2.392.100495.1.5.1.2.";
/// The MEDIS HPKI signing end-entity policy.
pub const MEDIS_SIGNING_EE_POLICY: &str = "1.2.392.100495.1.5.1.1.0.1";
/// Arc of the JPKI certificate policies (J-LIS).
pub const JPKI_POLICY_ARC: &str = "1.2.392.200149.8.5.1.";
/// JPKI signature (署名用) policies.
pub const JPKI_SIGNATURE_POLICY_ARC: &str = "1.2.392.200149.8.5.1.1.";
/// JPKI user-authentication (利用者証明用) policies.
pub const JPKI_AUTH_POLICY_ARC: &str = "1.2.392.200149.8.5.1.3.";
/// JPKI personal-data otherName types in the signature certificate's subjectAltName
/// (as OpenSC, jsrsasign's JPKI add-on and the myna tools read them).
pub mod jpki_san {
    /// 氏名 (name).
    pub const NAME: &str = "1.2.392.200149.8.5.5.1";
    /// Substitute characters of the name.
    pub const NAME_SUBSTITUTE: &str = "1.2.392.200149.8.5.5.2";
    /// 性別 (sex): `1` male, `2` female, `3` not known.
    pub const SEX: &str = "1.2.392.200149.8.5.5.3";
    /// 生年月日 (date of birth): an era digit followed by `YYYYMMDD`.
    pub const DATE_OF_BIRTH: &str = "1.2.392.200149.8.5.5.4";
    /// 住所 (address).
    pub const ADDRESS: &str = "1.2.392.200149.8.5.5.5";
    /// Substitute characters of the address.
    pub const ADDRESS_SUBSTITUTE: &str = "1.2.392.200149.8.5.5.6";
}
