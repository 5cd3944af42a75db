//! The few certificate fields CMS needs, read without copying.

use jiff::Timestamp;

use crate::{
    Error,
    tlv::{Reader, Tlv, tag},
};

/// id-kp-timeStamping.
const ID_KP_TIME_STAMPING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08];
/// id-ce-extKeyUsage (2.5.29.37).
const ID_CE_EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
/// id-ce-subjectKeyIdentifier (2.5.29.14).
const ID_CE_SUBJECT_KEY_ID: &[u8] = &[0x55, 0x1d, 0x0e];
/// id-at-commonName (2.5.4.3).
const ID_AT_CN: &[u8] = &[0x55, 0x04, 0x03];

/// A certificate's fields that CMS uses, borrowed from its DER.
#[derive(Clone, Debug)]
pub(crate) struct CertRef<'a> {
    /// The whole certificate.
    pub der: &'a [u8],
    /// The serialNumber INTEGER, whole TLV.
    pub serial: Tlv<'a>,
    /// The issuer Name, whole TLV.
    pub issuer: Tlv<'a>,
    /// The subject Name, whole TLV.
    pub subject: Tlv<'a>,
    /// subjectPublicKeyInfo, whole TLV.
    pub spki: &'a [u8],
    /// notBefore.
    pub not_before: Timestamp,
    /// notAfter.
    pub not_after: Timestamp,
    /// The extensions' SEQUENCE contents, if any.
    extensions: Option<&'a [u8]>,
}

impl<'a> CertRef<'a> {
    /// Reads a DER X.509 certificate.
    pub fn parse(der: &'a [u8]) -> Result<Self, Error> {
        const W: &str = "certificate";
        #[cfg(test)]
        crate::pool::bump(&crate::pool::CERT_PARSES);
        let cert = Tlv::parse_one(der, W)?;
        let mut c = cert.expect_tag(tag::SEQUENCE, W)?;
        let mut tbs = c.sequence("tbsCertificate")?;
        tbs.optional(tag::CTX0, "certificate version")?;
        let serial = tbs.next(tag::INTEGER, "certificate serialNumber")?;
        tbs.sequence("certificate signature algorithm")?;
        let issuer = tbs.next(tag::SEQUENCE, "certificate issuer")?;
        let mut validity = tbs.sequence("certificate validity")?;
        let not_before = read_time(&mut validity, "certificate notBefore")?;
        let not_after = read_time(&mut validity, "certificate notAfter")?;
        let subject = tbs.next(tag::SEQUENCE, "certificate subject")?;
        let spki = tbs
            .next(tag::SEQUENCE, "certificate subjectPublicKeyInfo")?
            .raw;
        tbs.optional(tag::CTX1_PRIM, "issuerUniqueID")?;
        tbs.optional(0xa1, "issuerUniqueID")?;
        tbs.optional(0x82, "subjectUniqueID")?;
        tbs.optional(0xa2, "subjectUniqueID")?;
        let extensions = match tbs.optional(tag::CTX3, "certificate extensions")? {
            Some(ext) => {
                let mut r = ext.expect_tag(tag::CTX3, "certificate extensions")?;
                let seq = r.next(tag::SEQUENCE, "certificate extensions")?;
                r.finish("certificate extensions")?;
                Some(seq.value)
            }
            None => None,
        };
        Ok(Self {
            der,
            serial,
            issuer,
            subject,
            spki,
            not_before,
            not_after,
            extensions,
        })
    }

    /// The extension with `oid` (body bytes): (critical, extnValue contents).
    fn extension(&self, oid: &[u8]) -> Result<Option<(bool, &'a [u8])>, Error> {
        const W: &str = "certificate extension";
        let Some(exts) = self.extensions else {
            return Ok(None);
        };
        let mut r = Reader::new(exts);
        while !r.is_empty() {
            let mut ext = r.sequence(W)?;
            let id = ext.next(tag::OID, W)?;
            let critical = match ext.optional(tag::BOOLEAN, W)? {
                Some(b) => b.value == [0xff],
                None => false,
            };
            let value = ext.next(tag::OCTET_STRING, W)?;
            if id.value == oid {
                return Ok(Some((critical, value.value)));
            }
        }
        Ok(None)
    }

    /// Whether the certificate is a TSA certificate as RFC 3161 §2.3 requires:
    /// extendedKeyUsage present, critical, with id-kp-timeStamping as its only purpose.
    pub fn is_tsa_certificate(&self) -> Result<bool, Error> {
        let Some((critical, value)) = self.extension(ID_CE_EXT_KEY_USAGE)? else {
            return Ok(false);
        };
        let mut seq =
            Tlv::parse_one(value, "extKeyUsage")?.expect_tag(tag::SEQUENCE, "extKeyUsage")?;
        let mut purposes = Vec::new();
        while !seq.is_empty() {
            purposes.push(seq.next(tag::OID, "extKeyUsage")?.value);
        }
        Ok(critical && purposes == [ID_KP_TIME_STAMPING])
    }

    /// The subjectKeyIdentifier extension's key identifier.
    pub fn subject_key_id(&self) -> Option<&'a [u8]> {
        let (_, value) = self.extension(ID_CE_SUBJECT_KEY_ID).ok()??;
        Tlv::parse_one(value, "subjectKeyIdentifier")
            .ok()
            .filter(|t| t.tag == tag::OCTET_STRING)
            .map(|t| t.value)
    }

    /// The subject's first commonName, when it is a string.
    pub fn subject_cn(&self) -> Option<String> {
        let mut rdns = Reader::new(self.subject.value);
        while let Ok(rdn) = rdns.next(tag::SET, "rdn") {
            let mut atvs = Reader::new(rdn.value);
            while let Ok(mut atv) = atvs.sequence("atv") {
                let Ok(oid) = atv.next(tag::OID, "atv") else {
                    break;
                };
                if oid.value == ID_AT_CN {
                    let v = atv.any("atv").ok()?;
                    return String::from_utf8(v.value.to_vec()).ok();
                }
            }
        }
        None
    }
}

/// Reads a UTCTime or GeneralizedTime (whole seconds, `Z`, optional fraction).
pub(crate) fn read_time(r: &mut Reader<'_>, what: &'static str) -> Result<Timestamp, Error> {
    let t = r.any(what)?;
    parse_time(t.tag, t.value).ok_or(Error::malformed(what))
}

fn parse_time(tag_byte: u8, value: &[u8]) -> Option<Timestamp> {
    let s = std::str::from_utf8(value).ok()?;
    let s = s.strip_suffix('Z')?;
    let (year, rest) = match tag_byte {
        tag::UTC_TIME => {
            let yy: i16 = s.get(..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, s.get(2..)?)
        }
        tag::GENERALIZED_TIME => (s.get(..4)?.parse().ok()?, s.get(4..)?),
        _ => return None,
    };
    let (main, fraction) = match rest.split_once('.') {
        Some((m, f)) if tag_byte == tag::GENERALIZED_TIME => (m, Some(f)),
        Some(_) => return None,
        None => (rest, None),
    };
    if main.len() != 10 || !main.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i8> { main.get(range)?.parse().ok() };
    let mut nanos = 0i32;
    if let Some(f) = fraction {
        if f.is_empty() || f.len() > 9 || !f.bytes().all(|b| b.is_ascii_digit()) || f.ends_with('0')
        {
            return None;
        }
        let digits: i32 = f.parse().ok()?;
        nanos = digits * 10i32.pow(9 - f.len() as u32);
    }
    let dt = jiff::civil::DateTime::new(
        year,
        num(0..2)?,
        num(2..4)?,
        num(4..6)?,
        num(6..8)?,
        num(8..10)?,
        nanos,
    )
    .ok()?;
    dt.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

/// Encodes a time as CMS wants it (RFC 5652 §11.3): UTCTime for 1950–2049,
/// GeneralizedTime otherwise; whole seconds.
pub(crate) fn encode_time(t: Timestamp) -> Vec<u8> {
    let dt = t.to_zoned(jiff::tz::TimeZone::UTC).datetime();
    let year = dt.year();
    let rest = format!(
        "{:02}{:02}{:02}{:02}{:02}Z",
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    );
    if (1950..2050).contains(&year) {
        let s = format!("{:02}{rest}", year % 100);
        crate::tlv::encode(tag::UTC_TIME, s.as_bytes())
    } else {
        let s = format!("{year:04}{rest}");
        crate::tlv::encode(tag::GENERALIZED_TIME, s.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_and_generalized_times_parse() {
        let t = parse_time(tag::UTC_TIME, b"270207000000Z").unwrap();
        assert_eq!(t.to_string(), "2027-02-07T00:00:00Z");
        let t = parse_time(tag::UTC_TIME, b"991231235959Z").unwrap();
        assert_eq!(t.to_string(), "1999-12-31T23:59:59Z");
        let t = parse_time(tag::GENERALIZED_TIME, b"20261125163000.25Z").unwrap();
        assert_eq!(t.to_string(), "2026-11-25T16:30:00.25Z");
        assert!(parse_time(tag::GENERALIZED_TIME, b"20261125163000.250Z").is_none());
        assert!(parse_time(tag::UTC_TIME, b"2702070000Z").is_none());
        assert!(parse_time(tag::UTC_TIME, b"271302000000Z").is_none());
    }

    #[test]
    fn times_encode_as_rfc5652_says() {
        let t: Timestamp = "2026-11-25T16:30:00Z".parse().unwrap();
        assert_eq!(
            encode_time(t),
            crate::tlv::encode(tag::UTC_TIME, b"261125163000Z")
        );
        let t: Timestamp = "2050-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(
            encode_time(t),
            crate::tlv::encode(tag::GENERALIZED_TIME, b"20500101000000Z")
        );
    }
}
