//! Signing through the CSC API v2-style methods: `info`, `credentials/list|info`,
//! `credentials/authorize` (a SAD bound to the hashes, SCAL2) and
//! `signatures/signHash`.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use cert_signer::DigestAlgorithm;
use remote_sign::wire::{self, CertificatesMode, ErrorCode};
use rsa::Pkcs1v15Sign;
use rusqlite::{Connection, OptionalExtension as _, params};

use super::{Platform, Session, random_token};
use crate::{ApiError, store};

/// RSASSA-PKCS1-v1_5 over a prehashed `algorithm` digest.
fn pkcs1_scheme(algorithm: DigestAlgorithm) -> Pkcs1v15Sign {
    match algorithm {
        DigestAlgorithm::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
        DigestAlgorithm::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
        _ => Pkcs1v15Sign::new::<sha2::Sha256>(),
    }
}

/// The hashes a SAD still authorizes, stored as a JSON array of base64 strings.
fn encode_hashes(hashes: &[Vec<u8>]) -> Result<String, ApiError> {
    let list: Vec<String> = hashes.iter().map(|h| STANDARD.encode(h)).collect();
    serde_json::to_string(&list).map_err(ApiError::internal)
}

fn decode_hashes(stored: &str) -> Result<Vec<Vec<u8>>, ApiError> {
    let list: Vec<String> = serde_json::from_str(stored).map_err(ApiError::internal)?;
    list.iter()
        .map(|h| STANDARD.decode(h).map_err(ApiError::internal))
        .collect()
}

/// A stored SAD.
struct Sad {
    credential_id: String,
    person_id: String,
    hash_oid: String,
    hashes: String,
    remaining: i64,
    expires_at: i64,
}

fn invalid_sad(why: &str) -> ApiError {
    ApiError::new(400, ErrorCode::InvalidSad, why)
}

fn not_authorized(why: &str) -> ApiError {
    ApiError::new(400, ErrorCode::HashNotAuthorized, why)
}

impl Platform {
    pub(crate) fn csc_info(&self) -> wire::CscInfo {
        wire::CscInfo {
            specs: "2.0.0.2".into(),
            name: "hpki-kagura-sim".into(),
            region: "JP".into(),
            lang: "ja-JP".into(),
            description: "medsign's stand-in for the HPKI second-certificate platform".into(),
            auth_type: vec!["oauth2code".into()],
            oauth2: self.issuer(),
            methods: [
                "credentials/list",
                "credentials/info",
                "credentials/authorize",
                "signatures/signHash",
            ]
            .map(String::from)
            .to_vec(),
        }
    }

    pub(crate) fn credentials_list(&self, s: &Session) -> Result<wire::CredentialsList, ApiError> {
        let conn = self.db();
        let mut stmt = conn.prepare(
            "SELECT credential_id FROM credentials WHERE person_id = ?1 AND status = 'active'
             ORDER BY rowid",
        )?;
        let credential_ids = stmt
            .query_map([&s.person_id], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(wire::CredentialsList { credential_ids })
    }

    /// The session owner's active credential `id`: its certificate and pool key index.
    fn credential(
        &self,
        conn: &Connection,
        s: &Session,
        id: &str,
    ) -> Result<(Vec<u8>, usize), ApiError> {
        let (certificate, key_index) = conn
            .query_row(
                "SELECT certificate, key_index FROM credentials
                 WHERE credential_id = ?1 AND person_id = ?2 AND status = 'active'",
                params![id, s.person_id],
                |r| <(Vec<u8>, i64)>::try_from(r),
            )
            .optional()?
            .ok_or_else(|| {
                ApiError::new(
                    404,
                    ErrorCode::NotFound,
                    format!("no credential {id} for this session"),
                )
            })?;
        Ok((
            certificate,
            usize::try_from(key_index).unwrap_or(usize::MAX),
        ))
    }

    pub(crate) fn credentials_info(
        &self,
        s: &Session,
        req: wire::CredentialsInfoRequest,
    ) -> Result<wire::CredentialsInfo, ApiError> {
        let (cert, _) = self.credential(&self.db(), s, &req.credential_id)?;
        let parsed = hpki_cert::Certificate::from_der(&cert).map_err(ApiError::internal)?;
        let certificates = match req.certificates {
            CertificatesMode::None => Vec::new(),
            CertificatesMode::Single => vec![cert],
            CertificatesMode::Chain => vec![cert, self.inner.pki.sign_ca_der().to_vec()],
        };
        Ok(wire::CredentialsInfo {
            key: wire::KeyInfo {
                status: "enabled".into(),
                algo: vec![
                    wire::RSA_ENCRYPTION_OID.into(),
                    wire::SHA256_WITH_RSA_OID.into(),
                ],
                len: 2048,
            },
            cert: wire::CertInfo {
                status: "valid".into(),
                certificates,
                issuer_dn: parsed.issuer(),
                subject_dn: parsed.subject(),
                serial_number: parsed.serial_hex(),
                valid_from: parsed.not_before().to_string(),
                valid_to: parsed.not_after().to_string(),
            },
            auth_mode: "oauth2code".into(),
            scal: "2".into(),
            multisign: self.inner.config.max_signatures_per_sad,
        })
    }

    pub(crate) fn authorize(
        &self,
        s: &Session,
        req: wire::AuthorizeRequest,
    ) -> Result<wire::AuthorizeResponse, ApiError> {
        // SCAL2: the SAD is bound to exactly these hashes.
        if req.hashes.is_empty() || usize::try_from(req.num_signatures) != Ok(req.hashes.len()) {
            return Err(ApiError::bad_request(
                "numSignatures must equal the number of hashes",
            ));
        }
        let max = self.inner.config.max_signatures_per_sad;
        if req.num_signatures > max {
            return Err(ApiError::bad_request(format!(
                "at most {max} signatures per authorization"
            )));
        }
        if req
            .hashes
            .iter()
            .any(|h| h.len() != req.hash_algorithm.output_len())
        {
            return Err(ApiError::bad_request(
                "a hash has the wrong length for its algorithm",
            ));
        }
        let conn = self.db();
        self.credential(&conn, s, &req.credential_id)?;
        let sad = random_token(32)?;
        let lifetime = self.inner.config.sad_lifetime;
        store::purge(&conn, store::Expiring::Sads, self.now())?;
        conn.execute(
            "INSERT INTO sads (sad, credential_id, person_id, hash_oid, hashes, remaining, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                sad,
                req.credential_id,
                s.person_id,
                req.hash_algorithm.oid(),
                encode_hashes(&req.hashes)?,
                i64::from(req.num_signatures),
                self.later(lifetime)
            ],
        )?;
        Ok(wire::AuthorizeResponse {
            sad: wire::Secret::new(sad),
            expires_in: lifetime.as_secs().unsigned_abs(),
        })
    }

    /// The SAD `sad` for this credential and session, checked against the request;
    /// returns the hashes still authorized and how many signatures are left.
    fn open_sad(
        &self,
        conn: &Connection,
        s: &Session,
        req: &wire::SignHashRequest,
    ) -> Result<(Vec<Vec<u8>>, i64), ApiError> {
        let sad = conn
            .query_row(
                "SELECT credential_id, person_id, hash_oid, hashes, remaining, expires_at
                 FROM sads WHERE sad = ?1",
                [req.sad.expose()],
                |r| {
                    Ok(Sad {
                        credential_id: r.get(0)?,
                        person_id: r.get(1)?,
                        hash_oid: r.get(2)?,
                        hashes: r.get(3)?,
                        remaining: r.get(4)?,
                        expires_at: r.get(5)?,
                    })
                },
            )
            .optional()?
            .ok_or_else(|| invalid_sad("unknown SAD"))?;
        if sad.credential_id != req.credential_id || sad.person_id != s.person_id {
            return Err(invalid_sad("the SAD belongs to another credential"));
        }
        if sad.expires_at <= self.now() {
            return Err(invalid_sad("the SAD expired"));
        }
        if sad.hash_oid != req.hash_algorithm.oid() {
            return Err(not_authorized("another hash algorithm was authorized"));
        }
        let asked = i64::try_from(req.hashes.len()).unwrap_or(i64::MAX);
        if sad.remaining <= 0 || asked > sad.remaining {
            return Err(ApiError::new(
                400,
                ErrorCode::SadExhausted,
                format!(
                    "the SAD has {} signature(s) left, {asked} asked",
                    sad.remaining
                ),
            ));
        }
        Ok((decode_hashes(&sad.hashes)?, sad.remaining - asked))
    }

    pub(crate) fn sign_hash(
        &self,
        s: &Session,
        req: wire::SignHashRequest,
    ) -> Result<wire::SignHashResponse, ApiError> {
        if req.sign_algo != wire::RSA_ENCRYPTION_OID {
            return Err(ApiError::bad_request(
                "signAlgo must be rsaEncryption (PKCS#1 v1.5)",
            ));
        }
        let conn = self.db();
        let (_, key_index) = self.credential(&conn, s, &req.credential_id)?;
        let (mut left, remaining) = self.open_sad(&conn, s, &req)?;
        for h in &req.hashes {
            let pos = left
                .iter()
                .position(|a| a == h)
                .ok_or_else(|| not_authorized("a hash was not authorized by this SAD"))?;
            left.swap_remove(pos);
        }
        let key = self
            .inner
            .pki
            .pool_key(key_index)
            .map_err(ApiError::internal)?;
        let signatures = req
            .hashes
            .iter()
            .map(|digest| {
                key.sign(pkcs1_scheme(req.hash_algorithm), digest)
                    .map_err(ApiError::internal)
            })
            .collect::<Result<Vec<_>, _>>()?;
        conn.execute(
            "UPDATE sads SET hashes = ?2, remaining = ?3 WHERE sad = ?1",
            params![req.sad.expose(), encode_hashes(&left)?, remaining],
        )?;
        Ok(wire::SignHashResponse { signatures })
    }
}
