//! The remote signer: a [`CertSigner`] whose key is the second certificate's, in the cloud.

use std::time::Duration;

use cert_signer::{CertSigner, DigestAlgorithm, SignError};

use crate::{Authenticator, CredentialInfo, Error, RemoteClient, Session};

/// A session is renewed this long before the platform would end it, so a batch never
/// starts on a session about to expire.
const RENEW_MARGIN: Duration = Duration::from_secs(60);

/// Signs with the HPKI second certificate through the platform.
///
/// Logs in once with its [`Authenticator`] and reuses the session for its lifetime
/// (18 h by default); when the session ends (by the local clock, or because the
/// platform says so) it logs in again and retries once. [`sign_digests`] signs a whole
/// batch with one `credentials/authorize` and one `signatures/signHash` round trip, so
/// `xades-sign` and `cms-sign` sign remotely without knowing it.
///
/// [`sign_digests`]: CertSigner::sign_digests
pub struct RemoteSigner<'a> {
    client: RemoteClient,
    authenticator: Authenticator<'a>,
    session: Option<Session>,
    credential: CredentialInfo,
}

impl core::fmt::Debug for RemoteSigner<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RemoteSigner")
            .field("client", &self.client)
            .field("authenticator", &self.authenticator)
            .field("session", &self.session)
            .field("credential_id", &self.credential.credential_id)
            .finish()
    }
}

impl<'a> RemoteSigner<'a> {
    /// Logs in and picks the person's first second certificate.
    pub fn connect(client: RemoteClient, authenticator: Authenticator<'a>) -> Result<Self, Error> {
        Self::connect_to(client, authenticator, None)
    }

    /// Logs in and uses the credential `credential_id` (or the first one when `None`).
    pub fn connect_to(
        mut client: RemoteClient,
        mut authenticator: Authenticator<'a>,
        credential_id: Option<&str>,
    ) -> Result<Self, Error> {
        let session = client.login(&mut authenticator)?;
        let id = match credential_id {
            Some(id) => id.to_owned(),
            None => client
                .credentials_list(&session)?
                .into_iter()
                .next()
                .ok_or(Error::NoCredential)?,
        };
        let credential = client.credential_info(&session, &id)?;
        Ok(Self {
            client,
            authenticator,
            session: Some(session),
            credential,
        })
    }

    /// The client (round trips and logins so far).
    pub fn client(&self) -> &RemoteClient {
        &self.client
    }

    /// The current session, if logged in.
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// The second certificate in use.
    pub fn credential(&self) -> &CredentialInfo {
        &self.credential
    }

    fn ensure_session(&mut self) -> Result<(), Error> {
        if !self
            .session
            .as_ref()
            .is_some_and(|s| s.is_fresh(RENEW_MARGIN))
        {
            self.session = None;
            self.session = Some(self.client.login(&mut self.authenticator)?);
        }
        Ok(())
    }

    fn authorize_and_sign(
        &mut self,
        algorithm: DigestAlgorithm,
        hashes: &[&[u8]],
    ) -> Result<Vec<Vec<u8>>, Error> {
        self.ensure_session()?;
        let session = self.session.as_ref().ok_or(Error::SessionExpired)?;
        let id = &self.credential.credential_id;
        let sad = self.client.authorize(session, id, algorithm, hashes)?;
        self.client.sign_hash(session, id, &sad, algorithm, hashes)
    }

    /// Signs `hashes` with one authorization and one `signHash` per
    /// [`max_batch`](CredentialInfo::max_batch) hashes; logs in again once if the
    /// platform ended the session.
    pub fn sign_hashes(
        &mut self,
        algorithm: DigestAlgorithm,
        hashes: &[&[u8]],
    ) -> Result<Vec<Vec<u8>>, Error> {
        let mut out = Vec::with_capacity(hashes.len());
        for chunk in hashes.chunks(self.credential.max_batch.max(1)) {
            let signed = match self.authorize_and_sign(algorithm, chunk) {
                Err(Error::SessionExpired) => {
                    self.session = None;
                    self.authorize_and_sign(algorithm, chunk)?
                }
                other => other?,
            };
            out.extend(signed);
        }
        Ok(out)
    }
}

impl CertSigner for RemoteSigner<'_> {
    fn certificate_der(&self) -> &[u8] {
        &self.credential.certificate_der
    }

    fn chain_der(&self) -> Vec<Vec<u8>> {
        self.credential.chain_der.clone()
    }

    fn sign_digest(
        &mut self,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<Vec<u8>, SignError> {
        let mut sigs = self.sign_digests(algorithm, &[digest])?;
        sigs.pop()
            .ok_or_else(|| Error::Protocol("no signature returned".into()).into())
    }

    fn sign_digests(
        &mut self,
        algorithm: DigestAlgorithm,
        digests: &[&[u8]],
    ) -> Result<Vec<Vec<u8>>, SignError> {
        for d in digests {
            // Refuse a wrong length here, before it costs a round trip.
            algorithm.digest_info(d)?;
        }
        if digests.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self.sign_hashes(algorithm, digests)?)
    }
}
