//! The platform client: every call, the CSC v2 signing methods, round-trip counting.

use cert_signer::DigestAlgorithm;
use jsonwebtoken::jwk::JwkSet;
use serde::{Serialize, de::DeserializeOwned};
use zeroize::Zeroizing;

use crate::{
    Error, HttpRequest, HttpTransport, Session, Transport,
    wire::{self, Endpoint, Secret},
};

/// A client of the remote-signing platform.
///
/// Holds the transport, the platform's OIDC issuer (its base URL), the cached ID-token
/// keys and a count of round trips. Log in with [`login`](Self::login) to get a
/// [`Session`]; most applications use a [`RemoteSigner`](crate::RemoteSigner) instead.
pub struct RemoteClient {
    transport: Box<dyn Transport + Send>,
    pub(crate) issuer: String,
    pub(crate) redirect_uri: String,
    pub(crate) jwks: Option<JwkSet>,
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
#[non_exhaustive]
pub struct CredentialInfo {
    /// The CSC credential id.
    pub credential_id: String,
    /// The second certificate (DER).
    pub certificate_der: Vec<u8>,
    /// The CA certificates above it (DER, nearest first).
    pub chain_der: Vec<Vec<u8>>,
    /// The most hashes one authorization may cover (`multisign`, at least 1).
    pub max_batch: usize,
}

/// A Signature Activation Data from `credentials/authorize`: good for exactly the
/// hashes it was asked for, once each, for a few minutes.
#[derive(Debug)]
pub struct Authorization {
    sad: Secret,
    /// Seconds the SAD stays valid, as the platform said.
    pub expires_in: u64,
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

    /// One call; a 2xx answer decodes as `A`, any other becomes the matching [`Error`].
    fn exchange<A: DeserializeOwned>(
        &mut self,
        endpoint: Endpoint,
        session: Option<&Session>,
        body: Option<&[u8]>,
    ) -> Result<A, Error> {
        let path = endpoint.path();
        let request = HttpRequest {
            method: endpoint.method(),
            path,
            bearer: session.map(Session::access_token),
            body,
        };
        self.round_trips += 1;
        let answer = self.transport.send(&request)?;
        if (200..300).contains(&answer.status) {
            serde_json::from_slice(&answer.body).map_err(|source| Error::Decode {
                endpoint: path,
                status: answer.status,
                source,
            })
        } else {
            Err(Error::from_answer(path, answer.status, &answer.body))
        }
    }

    /// A `GET` of `endpoint`.
    pub(crate) fn get<A: DeserializeOwned>(
        &mut self,
        endpoint: Endpoint,
        session: Option<&Session>,
    ) -> Result<A, Error> {
        self.exchange(endpoint, session, None)
    }

    /// A `POST` of `body` to `endpoint`.
    pub(crate) fn post<A: DeserializeOwned>(
        &mut self,
        endpoint: Endpoint,
        session: Option<&Session>,
        body: &impl Serialize,
    ) -> Result<A, Error> {
        // Bodies carry SADs, codes and passwords.
        let bytes = Zeroizing::new(serde_json::to_vec(body).map_err(|e| {
            Error::Protocol(format!(
                "{}: cannot encode the request: {e}",
                endpoint.path()
            ))
        })?);
        self.exchange(endpoint, session, Some(&bytes))
    }

    /// `credentials/list`: the session owner's second certificates.
    pub fn credentials_list(&mut self, session: &Session) -> Result<Vec<String>, Error> {
        let list: wire::CredentialsList = self.post(
            Endpoint::CredentialsList,
            Some(session),
            &wire::CredentialsListRequest::default(),
        )?;
        Ok(list.credential_ids)
    }

    /// `credentials/info` with the certificate chain.
    pub fn credential_info(
        &mut self,
        session: &Session,
        credential_id: &str,
    ) -> Result<CredentialInfo, Error> {
        let info: wire::CredentialsInfo = self.post(
            Endpoint::CredentialsInfo,
            Some(session),
            &wire::CredentialsInfoRequest {
                credential_id: credential_id.to_owned(),
                certificates: wire::CertificatesMode::Chain,
            },
        )?;
        let mut certs = info.cert.certificates.into_iter();
        let certificate_der = certs
            .next()
            .ok_or_else(|| Error::Protocol("`cert.certificates` is empty".into()))?;
        let max_batch = usize::try_from(info.multisign)
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| Error::Protocol("`multisign` is 0".into()))?;
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
        let num_signatures = u32::try_from(hashes.len())
            .map_err(|_| Error::Protocol(format!("{} hashes in one batch", hashes.len())))?;
        let answer: wire::AuthorizeResponse = self.post(
            Endpoint::CredentialsAuthorize,
            Some(session),
            &wire::AuthorizeRequest {
                credential_id: credential_id.to_owned(),
                num_signatures,
                hashes: hashes.iter().map(|h| h.to_vec()).collect(),
                hash_algorithm: algorithm,
            },
        )?;
        Ok(Authorization {
            sad: answer.sad,
            expires_in: answer.expires_in,
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
        let answer: wire::SignHashResponse = self.post(
            Endpoint::SignHash,
            Some(session),
            &wire::SignHashRequest {
                credential_id: credential_id.to_owned(),
                sad: authorization.sad.clone(),
                hashes: hashes.iter().map(|h| h.to_vec()).collect(),
                hash_algorithm: algorithm,
                sign_algo: wire::RSA_ENCRYPTION_OID.to_owned(),
            },
        )?;
        if answer.signatures.len() != hashes.len() {
            return Err(Error::Protocol(format!(
                "{} signatures for {} hashes",
                answer.signatures.len(),
                hashes.len()
            )));
        }
        Ok(answer.signatures)
    }
}
