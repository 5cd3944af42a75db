//! Smartphones: the setup codes (the issuing letter's URL and password, or a QR code
//! after an HPKI-card login) and the device keys they register (appendix 2).

use p256::ecdsa::{Signature, VerifyingKey, signature::Verifier as _};
use remote_sign::wire::{self, ErrorCode};
use rusqlite::{Connection, OptionalExtension as _, params};

use super::{Platform, Session, random_token, sha256_hex};
use crate::{ApiError, Error, store};

/// A letter's password: typed from paper, so no 0/O, 1/I.
fn random_password() -> Result<String, ApiError> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut buf = [0u8; 10];
    getrandom::fill(&mut buf).map_err(ApiError::internal)?;
    Ok(buf
        .iter()
        .filter_map(|b| ALPHABET.get(usize::from(*b) % ALPHABET.len()))
        .map(|&b| char::from(b))
        .collect())
}

/// Stores the setup code of an issuing letter; returns its token and password.
pub(crate) fn create_letter(
    conn: &Connection,
    person_id: &str,
    expires_at: i64,
) -> Result<(String, String), Error> {
    let token = random_token(18)?;
    let password = random_password()?;
    conn.execute(
        "INSERT INTO setups (token, person_id, kind, password_sha256, expires_at, failures, used)
         VALUES (?1, ?2, 'letter', ?3, ?4, 0, 0)",
        params![
            token,
            person_id,
            sha256_hex(password.as_bytes()),
            expires_at
        ],
    )?;
    Ok((token, password))
}

/// ECDSA P-256 (r‖s) over `message` by the SEC1 `public_key`.
fn verify_device_signature(
    public_key: &[u8],
    message: &str,
    signature: &[u8],
) -> Result<(), ApiError> {
    let key = VerifyingKey::from_sec1_bytes(public_key)
        .map_err(|_| ApiError::bad_request("device public key is not a P-256 point"))?;
    let sig = Signature::from_slice(signature)
        .map_err(|_| ApiError::bad_request("device signature is not r||s"))?;
    key.verify(message.as_bytes(), &sig)
        .map_err(|_| ApiError::denied("the device's signature does not verify"))
}

/// A device login: the device must be registered and active, and its key must have
/// signed `message`; returns the person it logs in as.
pub(crate) fn verify_device_login(
    conn: &Connection,
    device_id: &str,
    message: &str,
    signature: &[u8],
) -> Result<String, ApiError> {
    let (person_id, public_key, status) = conn
        .query_row(
            "SELECT person_id, public_key, status FROM devices WHERE device_id = ?1",
            [device_id],
            |r| <(String, Vec<u8>, String)>::try_from(r),
        )
        .optional()?
        .ok_or_else(|| ApiError::new(403, ErrorCode::UnboundCertificate, "unknown device"))?;
    if status != "active" {
        return Err(ApiError::new(
            403,
            ErrorCode::BindingRevoked,
            format!("device {status}"),
        ));
    }
    verify_device_signature(&public_key, message, signature)?;
    Ok(person_id)
}

fn setup_locked() -> ApiError {
    ApiError::new(
        403,
        ErrorCode::SetupLocked,
        "too many wrong passwords: ask for a new setup letter",
    )
}

/// A stored setup code.
struct Setup {
    person_id: String,
    kind: String,
    password_sha256: Option<String>,
    expires_at: i64,
    failures: i64,
    used: bool,
}

impl Platform {
    /// Revokes the person's registered smartphones; returns how many were revoked.
    pub fn revoke_devices(&self, person_id: &str) -> Result<usize, Error> {
        Ok(self.db().execute(
            "UPDATE devices SET status = 'revoked' WHERE person_id = ?1 AND status = 'active'",
            [person_id],
        )?)
    }

    /// The number of active smartphone registrations of the person (0 or 1).
    pub fn active_devices(&self, person_id: &str) -> Result<usize, Error> {
        let n: i64 = self.db().query_row(
            "SELECT COUNT(*) FROM devices WHERE person_id = ?1 AND status = 'active'",
            [person_id],
            |r| r.get(0),
        )?;
        Ok(usize::try_from(n).unwrap_or_default())
    }

    /// Appendix 2 step 1: a short-lived registration QR code, after an HPKI-card login.
    pub(crate) fn device_qr(&self, s: &Session) -> Result<wire::DeviceQr, ApiError> {
        s.require_hpki()?;
        let token = random_token(18)?;
        let expires_at = self.later(self.inner.config.qr_lifetime);
        let conn = self.db();
        store::purge(&conn, store::Expiring::Setups, self.now())?;
        conn.execute(
            "INSERT INTO setups (token, person_id, kind, password_sha256, expires_at, failures, used)
             VALUES (?1, ?2, 'qr', NULL, ?3, 0, 0)",
            params![token, s.person_id, expires_at],
        )?;
        Ok(wire::DeviceQr {
            qr_payload: format!(
                "{}/devices/setup/{token}?person_id={}",
                self.issuer(),
                s.person_id
            ),
            person_id: s.person_id.clone(),
            expires_at,
        })
    }

    /// Checks the setup code's state and password; a wrong password counts a failure.
    fn check_setup(
        &self,
        conn: &Connection,
        token: &str,
        password: Option<&wire::Secret>,
    ) -> Result<String, ApiError> {
        let setup = conn
            .query_row(
                "SELECT person_id, kind, password_sha256, expires_at, failures, used FROM setups
                 WHERE token = ?1",
                [token],
                |r| {
                    Ok(Setup {
                        person_id: r.get(0)?,
                        kind: r.get(1)?,
                        password_sha256: r.get(2)?,
                        expires_at: r.get(3)?,
                        failures: r.get(4)?,
                        used: r.get::<_, i64>(5)? != 0,
                    })
                },
            )
            .optional()?
            .ok_or_else(|| ApiError::new(403, ErrorCode::SetupExpired, "unknown setup code"))?;
        let tries = i64::from(self.inner.config.setup_password_tries);
        if setup.failures >= tries {
            return Err(setup_locked());
        }
        if setup.used || setup.expires_at <= self.now() {
            return Err(ApiError::new(
                403,
                ErrorCode::SetupExpired,
                format!("the {} setup code expired or was used", setup.kind),
            ));
        }
        if let Some(expected) = setup.password_sha256 {
            let given = password.map(wire::Secret::expose).unwrap_or_default();
            if sha256_hex(given.as_bytes()) != expected {
                let failures = setup.failures + 1;
                conn.execute(
                    "UPDATE setups SET failures = ?2 WHERE token = ?1",
                    params![token, failures],
                )?;
                if failures >= tries {
                    return Err(setup_locked());
                }
                let left = tries - failures;
                let mut e =
                    ApiError::new(403, ErrorCode::WrongPassword, format!("{left} tries left"));
                e.tries_left = u32::try_from(left).ok();
                return Err(e);
            }
        }
        Ok(setup.person_id)
    }

    /// Appendix 2 steps 2–3 and application step 14: registers a device key.
    pub(crate) fn register_device(
        &self,
        req: wire::DeviceRegistration,
    ) -> Result<wire::DeviceRegistered, ApiError> {
        let conn = self.db();
        let person_id = self.check_setup(&conn, &req.setup_token, req.password.as_ref())?;
        verify_device_signature(
            &req.public_key,
            &wire::device_message(&req.setup_token),
            &req.signature,
        )?;
        let existing: i64 = conn.query_row(
            "SELECT COUNT(*) FROM devices WHERE person_id = ?1 AND status = 'active'",
            [&person_id],
            |r| r.get(0),
        )?;
        if existing > 0 && !req.replace_existing {
            return Err(ApiError::new(
                409,
                ErrorCode::DeviceExists,
                "a device is registered; confirm replacing it",
            ));
        }
        conn.execute(
            "UPDATE devices SET status = 'replaced' WHERE person_id = ?1 AND status = 'active'",
            [&person_id],
        )?;
        let device_id = format!("dev-{}", random_token(12)?);
        let label = match req.label {
            Some(l) if !l.is_empty() => l,
            _ => format!("{person_id} smartphone"),
        };
        conn.execute(
            "INSERT INTO devices (device_id, person_id, public_key, label, status, created_at)
             VALUES (?1, ?2, ?3, ?4, 'active', ?5)",
            params![device_id, person_id, req.public_key, label, self.now()],
        )?;
        conn.execute(
            "UPDATE setups SET used = 1 WHERE token = ?1",
            [&req.setup_token],
        )?;
        Ok(wire::DeviceRegistered {
            device_id,
            person_id,
            label,
        })
    }
}
