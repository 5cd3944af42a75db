//! Issuing: the second certificate, its credential and the smartphone setup letter (what
//! the authority's approval sets off).

use jiff::Timestamp;
use rusqlite::params;

use super::{Platform, bindings::CardKind, random_token};
use crate::{Error, pki::Subject, store};

/// What the Mynaportal stand-in sends when an authority approves an application.
#[derive(Clone, Debug)]
pub struct IssueRequest {
    /// Stable id of the applicant (the portal's).
    pub person_id: String,
    /// Name in kanji.
    pub name_kanji: String,
    /// Name in romaji, as printed (`YAMADA Hanako`).
    pub name_romaji: String,
    /// The qualification written into hcRole.
    pub qualification: hpki_cert::Qualification,
    /// The issuing authority: `"JMA"`, `"JPA"` or `"MEDIS"`.
    pub authority: String,
    /// The applicant's My Number Card user-authentication certificate (DER), bound at
    /// once (the Mynaportal route does this).
    pub jpki_auth_certificate_der: Option<Vec<u8>>,
    /// Issuing time: the certificate's notBefore; the setup URL expires 3 months later.
    pub now: Timestamp,
}

/// A second certificate just issued, with the smartphone setup letter.
#[derive(Clone)]
pub struct Issued {
    /// The person it was issued to.
    pub person_id: String,
    /// The CSC credential id of the second certificate's key.
    pub credential_id: String,
    /// The second certificate (DER).
    pub certificate_der: Vec<u8>,
    /// The smartphone setup URL from the letter.
    pub setup_url: String,
    /// The password sent with the URL (5 wrong tries lock it).
    pub setup_password: String,
    /// When the setup URL stops working (3 months after issuing).
    pub setup_expires_at: Timestamp,
}

impl core::fmt::Debug for Issued {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Issued")
            .field("person_id", &self.person_id)
            .field("credential_id", &self.credential_id)
            .field("certificate_len", &self.certificate_der.len())
            .field("setup_url", &self.setup_url)
            .field("setup_password", &"<redacted>")
            .field("setup_expires_at", &self.setup_expires_at)
            .finish()
    }
}

impl Platform {
    /// Issues a second certificate (RSA-2048 from the platform's key pool, hcRole for
    /// the qualification), creates the smartphone setup letter, and binds the My Number
    /// Card when the request carries its user-authentication certificate.
    pub fn issue_second_certificate(&self, req: &IssueRequest) -> Result<Issued, Error> {
        let hc_role_der = hpki_cert::HcRole::new(req.qualification.clone()).to_der()?;
        let conn = self.db();
        let serial = store::meta(&conn, "next_serial")?
            .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
            .map_or(0x1000, u64::from_be_bytes);
        store::set_meta(&conn, "next_serial", &(serial + 1).to_be_bytes())?;
        let pool = self.inner.pki.pool_len().max(1) as u64;
        let key_index = usize::try_from(serial % pool).unwrap_or_default();
        let certificate_der = self.inner.pki.issue_second(
            &Subject {
                name_romaji: &req.name_romaji,
                organisation: &req.authority,
                serial_number: &req.person_id,
                hc_role_der,
            },
            serial,
            req.now,
            key_index,
        )?;
        let credential_id = format!("cred-{}", random_token(12)?);
        conn.execute(
            "INSERT INTO persons (person_id, name_kanji, name_romaji, qualification, authority)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (person_id) DO UPDATE SET name_kanji = excluded.name_kanji,
               name_romaji = excluded.name_romaji, qualification = excluded.qualification,
               authority = excluded.authority",
            params![
                req.person_id,
                req.name_kanji,
                req.name_romaji,
                req.qualification.text(),
                req.authority
            ],
        )?;
        conn.execute(
            "INSERT INTO credentials (credential_id, person_id, certificate, key_index, status)
             VALUES (?1, ?2, ?3, ?4, 'active')",
            params![
                credential_id,
                req.person_id,
                certificate_der,
                key_index as i64
            ],
        )?;
        let setup_expires_at = req
            .now
            .to_zoned(jiff::tz::TimeZone::UTC)
            .checked_add(self.inner.config.setup_lifetime)
            .map_err(|e| Error::Pki(format!("setup expiry: {e}")))?
            .timestamp();
        let (token, setup_password) =
            super::devices::create_letter(&conn, &req.person_id, setup_expires_at.as_second())?;
        if let Some(cert) = &req.jpki_auth_certificate_der {
            super::bindings::bind_card(&conn, &req.person_id, CardKind::Jpki, cert, self.now())?;
        }
        drop(conn);
        Ok(Issued {
            person_id: req.person_id.clone(),
            credential_id,
            certificate_der,
            setup_url: format!("{}/devices/setup/{token}", self.issuer()),
            setup_password,
            setup_expires_at,
        })
    }
}
