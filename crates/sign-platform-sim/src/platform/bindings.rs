//! The cards bound to a person: the HPKI card registered by the authority, the My
//! Number Card bound at issuing or through appendix 1 (`/platform/bindings/jpki`).

use remote_sign::wire::{self, ErrorCode};
use rusqlite::{Connection, OptionalExtension as _, params};

use super::{Platform, Session, random_token, sha256_hex};
use crate::{ApiError, Error, store};

/// Which card's authentication certificate a binding holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CardKind {
    /// The My Number Card's user-authentication certificate (client `JPKI`).
    Jpki,
    /// The HPKI card's authentication certificate (client `HPKI`).
    Hpki,
}

impl CardKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Jpki => "jpki",
            Self::Hpki => "hpki",
        }
    }
}

/// Makes `cert` the person's active binding of `kind`, replacing the previous one (a
/// renewed card).
pub(crate) fn bind_card(
    conn: &Connection,
    person_id: &str,
    kind: CardKind,
    cert: &[u8],
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE card_bindings SET status = 'replaced'
         WHERE person_id = ?1 AND kind = ?2 AND status = 'active'",
        params![person_id, kind.as_str()],
    )?;
    conn.execute(
        "INSERT INTO card_bindings (person_id, kind, cert_sha256, certificate, status, created_at)
         VALUES (?1, ?2, ?3, ?4, 'active', ?5)",
        params![person_id, kind.as_str(), sha256_hex(cert), cert, now],
    )?;
    Ok(())
}

/// The newest binding of this certificate: its id and person; refuses unbound and
/// no-longer-active ones.
pub(crate) fn active_card_binding(
    conn: &Connection,
    kind: CardKind,
    cert: &[u8],
) -> Result<(i64, String), ApiError> {
    let row = conn
        .query_row(
            "SELECT id, person_id, status FROM card_bindings WHERE cert_sha256 = ?1 AND kind = ?2
             ORDER BY id DESC LIMIT 1",
            params![sha256_hex(cert), kind.as_str()],
            |r| <(i64, String, String)>::try_from(r),
        )
        .optional()?;
    match row {
        None => Err(ApiError::new(
            403,
            ErrorCode::UnboundCertificate,
            "this card is bound to no second certificate",
        )),
        Some((id, person, status)) if status == "active" => Ok((id, person)),
        Some((_, _, status)) => Err(ApiError::new(
            403,
            ErrorCode::BindingRevoked,
            format!("this card's binding is {status}"),
        )),
    }
}

impl Platform {
    /// Registers the authentication certificate (DER) of the person's HPKI card, so the
    /// card can log in (the authority that issued the card knows it).
    pub fn register_hpki_card(
        &self,
        person_id: &str,
        auth_certificate_der: &[u8],
    ) -> Result<(), Error> {
        self.bind_known_card(person_id, CardKind::Hpki, auth_certificate_der)
    }

    /// Binds a My Number Card user-authentication certificate (DER) to the person's
    /// second certificate directly (the Mynaportal route; appendix 1 goes through HTTP).
    pub fn bind_my_number_card(
        &self,
        person_id: &str,
        auth_certificate_der: &[u8],
    ) -> Result<(), Error> {
        self.bind_known_card(person_id, CardKind::Jpki, auth_certificate_der)
    }

    fn bind_known_card(&self, person_id: &str, kind: CardKind, der: &[u8]) -> Result<(), Error> {
        hpki_cert::Certificate::from_der(der)?;
        let conn = self.db();
        let known: i64 = conn.query_row(
            "SELECT COUNT(*) FROM persons WHERE person_id = ?1",
            [person_id],
            |r| r.get(0),
        )?;
        if known == 0 {
            return Err(Error::UnknownPerson(person_id.to_owned()));
        }
        Ok(bind_card(&conn, person_id, kind, der, self.now())?)
    }

    /// Revokes the person's My Number Card binding; returns how many were revoked.
    /// Sessions logged in with it stop working at once.
    pub fn revoke_my_number_card(&self, person_id: &str) -> Result<usize, Error> {
        Ok(self.db().execute(
            "UPDATE card_bindings SET status = 'revoked'
             WHERE person_id = ?1 AND kind = 'jpki' AND status = 'active'",
            [person_id],
        )?)
    }

    /// Appendix 1 step 3: a challenge for the My Number Card, after an HPKI-card login.
    pub(crate) fn bind_challenge(&self, s: &Session) -> Result<wire::BindChallenge, ApiError> {
        s.require_hpki()?;
        let challenge = random_token(32)?;
        let conn = self.db();
        store::purge(&conn, store::Expiring::BindChallenges, self.now())?;
        conn.execute(
            "INSERT INTO bind_challenges (challenge, person_id, expires_at, used) VALUES (?1, ?2, ?3, 0)",
            params![challenge, s.person_id, self.later(jiff::SignedDuration::from_mins(5))],
        )?;
        Ok(wire::BindChallenge {
            person_id: s.person_id.clone(),
            challenge,
        })
    }

    /// Appendix 1 step 4: binds the My Number Card that signed the challenge.
    pub(crate) fn bind_jpki(
        &self,
        s: &Session,
        req: wire::BindRequest,
    ) -> Result<wire::BindResponse, ApiError> {
        s.require_hpki()?;
        let conn = self.db();
        let (person, expires_at, used) = conn
            .query_row(
                "SELECT person_id, expires_at, used FROM bind_challenges WHERE challenge = ?1",
                [&req.challenge],
                |r| <(String, i64, i64)>::try_from(r),
            )
            .optional()?
            .ok_or_else(|| ApiError::bad_request("unknown challenge"))?;
        conn.execute(
            "UPDATE bind_challenges SET used = 1 WHERE challenge = ?1",
            [&req.challenge],
        )?;
        if person != s.person_id || used != 0 || expires_at <= self.now() {
            return Err(ApiError::bad_request(
                "the challenge expired, was used or is another person's",
            ));
        }
        self.verify_card_proof(
            &req.certificate,
            &wire::bind_message(&s.person_id, &req.challenge),
            &req.signature,
        )?;
        let other: Option<String> = conn
            .query_row(
                "SELECT person_id FROM card_bindings WHERE cert_sha256 = ?1 AND status = 'active'
                   AND person_id != ?2",
                params![sha256_hex(&req.certificate), s.person_id],
                |r| r.get(0),
            )
            .optional()?;
        if other.is_some() {
            return Err(ApiError::new(
                409,
                ErrorCode::AlreadyBound,
                "this card is bound to another person",
            ));
        }
        bind_card(
            &conn,
            &s.person_id,
            CardKind::Jpki,
            &req.certificate,
            self.now(),
        )?;
        Ok(wire::BindResponse {
            person_id: s.person_id.clone(),
            status: "registered".into(),
        })
    }
}
