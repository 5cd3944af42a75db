//! The platform client: every call, the CSC v2 signing methods, round-trip counting.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use cert_signer::DigestAlgorithm;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::{Error, HttpRequest, HttpTransport, Method, Session, Transport, id_token::Jwks};

/// A client of the remote-signing platform.
///
/// Holds the transport, the platform's OIDC issuer (its base URL), the cached ID-token
/// keys and a count of round trips. Log in with [`login`](Self::login) to get a
/// [`Session`]; most applications use a [`RemoteSigner`](crate::RemoteSigner) instead.
pub struct RemoteClient {
    transport: Box<dyn Transport + Send>,
    pub(crate) issuer: String,
    pub(crate) redirect_uri: String,
    pub(crate) jwks: Option<Jwks>,
    round_trips: u64,
    pub(crate) logins: u64,
}

impl core::fmt::Debug for RemoteClient {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RemoteClient")
            .field("issuer", &self.issuer)
            .field("round_trips", &self.round_trips)
            .field("logins", &self.logins)
            .finish_non_exhaustive()
    }
}

/// A second certificate on the platform (`credentials/info`).
#[derive(Clone, Debug)]
pub struct CredentialInfo {
    /// The CSC credential id.
    pub credential_id: String,
    /// The second certificate (DER).
    pub certificate_der: Vec<u8>,
    /// The CA certificates above it (DER, nearest first).
    pub chain_der: Vec<Vec<u8>>,
    /// The most hashes one authorization may cover (`multisign`).
    pub max_batch: usize,
}

/// A Signature Activation Data from `credentials/authorize`: good for exactly the
/// hashes it was asked for, once each, for a few minutes.
pub struct Authorization {
    sad: Zeroizing<String>,
    /// Seconds the SAD stays valid, as the platform said.
    pub expires_in: u64,
}

impl core::fmt::Debug for Authorization {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Authorization")
            .field("sad", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

fn b64_decode(v: &Value, what: &str) -> Result<Vec<u8>, Error> {
    v.as_str()
        .and_then(|s| STANDARD.decode(s).ok())
        .ok_or_else(|| Error::Protocol(format!("{what} is not base64")))
}

pub(crate) fn str_of<'a>(v: &'a Value, name: &str) -> Result<&'a str, Error> {
    v.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| Error::Protocol(format!("missing `{name}`")))
}

impl RemoteClient {
    /// A client of the platform at `base_url` over HTTP(S).
    pub fn new(base_url: &str) -> Self {
        let transport = HttpTransport::new(base_url);
        let issuer = transport.base_url().to_owned();
        Self::with_transport(&issuer, transport)
    }

    /// A client over another transport; `issuer` is the platform's OIDC issuer (its
    /// base URL).
    pub fn with_transport(issuer: &str, transport: impl Transport + Send + 'static) -> Self {
        Self {
            transport: Box::new(transport),
            issuer: issuer.trim_end_matches('/').to_owned(),
            redirect_uri: "http://127.0.0.1/medsign/callback".to_owned(),
            jwks: None,
            round_trips: 0,
            logins: 0,
        }
    }

    /// Round trips (HTTP requests) made so far.
    pub fn round_trips(&self) -> u64 {
        self.round_trips
    }

    /// Interactive logins (card or device signatures) made so far.
    pub fn logins(&self) -> u64 {
        self.logins
    }

    /// One call; a non-2xx answer becomes the matching [`Error`].
    pub(crate) fn call(
        &mut self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Value, Error> {
        self.round_trips += 1;
        let answer = self.transport.send(&HttpRequest {
            method,
            path,
            bearer,
            body,
        })?;
        if (200..300).contains(&answer.status) {
            if answer.body.is_object() {
                Ok(answer.body)
            } else {
                Err(Error::Protocol(format!(
                    "{path}: the answer is not a JSON object"
                )))
            }
        } else {
            Err(Error::from_answer(answer.status, &answer.body))
        }
    }

    pub(crate) fn post(
        &mut self,
        path: &str,
        session: Option<&Session>,
        body: &Value,
    ) -> Result<Value, Error> {
        let token = session.map(|s| s.access_token().to_owned());
        self.call(Method::Post, path, token.as_deref(), Some(body))
    }

    /// `credentials/list`: the session owner's second certificates.
    pub fn credentials_list(&mut self, session: &Session) -> Result<Vec<String>, Error> {
        let answer = self.post("/csc/v2/credentials/list", Some(session), &json!({}))?;
        answer
            .get("credentialIDs")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::Protocol("missing `credentialIDs`".into()))?
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| Error::Protocol("a credential id is not a string".into()))
            })
            .collect()
    }

    /// `credentials/info` with the certificate chain.
    pub fn credential_info(
        &mut self,
        session: &Session,
        credential_id: &str,
    ) -> Result<CredentialInfo, Error> {
        let answer = self.post(
            "/csc/v2/credentials/info",
            Some(session),
            &json!({ "credentialID": credential_id, "certificates": "chain" }),
        )?;
        let certs = answer
            .get("cert")
            .and_then(|c| c.get("certificates"))
            .and_then(Value::as_array)
            .ok_or_else(|| Error::Protocol("missing `cert.certificates`".into()))?
            .iter()
            .map(|c| b64_decode(c, "a certificate"))
            .collect::<Result<Vec<_>, _>>()?;
        let mut certs = certs.into_iter();
        let certificate_der = certs
            .next()
            .ok_or_else(|| Error::Protocol("`cert.certificates` is empty".into()))?;
        let max_batch = answer
            .get("multisign")
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n > 0)
            .unwrap_or(1);
        Ok(CredentialInfo {
            credential_id: credential_id.to_owned(),
            certificate_der,
            chain_der: certs.collect(),
            max_batch,
        })
    }

    /// `credentials/authorize` for exactly these hashes (`numSignatures` = their count).
    pub fn authorize(
        &mut self,
        session: &Session,
        credential_id: &str,
        algorithm: DigestAlgorithm,
        hashes: &[&[u8]],
    ) -> Result<Authorization, Error> {
        let encoded: Vec<String> = hashes.iter().map(|h| STANDARD.encode(h)).collect();
        let answer = self.post(
            "/csc/v2/credentials/authorize",
            Some(session),
            &json!({
                "credentialID": credential_id,
                "numSignatures": hashes.len(),
                "hashes": encoded,
                "hashAlgorithmOID": algorithm.oid(),
            }),
        )?;
        Ok(Authorization {
            sad: Zeroizing::new(str_of(&answer, "SAD")?.to_owned()),
            expires_in: answer.get("expiresIn").and_then(Value::as_u64).unwrap_or(0),
        })
    }

    /// `signatures/signHash`: RSA PKCS#1 v1.5 signatures of all `hashes` in one call,
    /// in order.
    pub fn sign_hash(
        &mut self,
        session: &Session,
        credential_id: &str,
        authorization: &Authorization,
        algorithm: DigestAlgorithm,
        hashes: &[&[u8]],
    ) -> Result<Vec<Vec<u8>>, Error> {
        let encoded: Vec<String> = hashes.iter().map(|h| STANDARD.encode(h)).collect();
        let answer = self.post(
            "/csc/v2/signatures/signHash",
            Some(session),
            &json!({
                "credentialID": credential_id,
                "SAD": authorization.sad.as_str(),
                "hashes": encoded,
                "hashAlgorithmOID": algorithm.oid(),
                "signAlgo": "1.2.840.113549.1.1.1",
            }),
        )?;
        let sigs = answer
            .get("signatures")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::Protocol("missing `signatures`".into()))?
            .iter()
            .map(|s| b64_decode(s, "a signature"))
            .collect::<Result<Vec<_>, _>>()?;
        if sigs.len() != hashes.len() {
            return Err(Error::Protocol(format!(
                "{} signatures for {} hashes",
                sigs.len(),
                hashes.len()
            )));
        }
        Ok(sigs)
    }
}
