//! Binding flows: the My Number Card (appendix 1) and a smartphone (appendix 2, step 14).

use cert_signer::CertSigner;
use zeroize::Zeroizing;

use crate::{
    DeviceKey, Error, RegisteredDevice, RemoteClient, Session,
    login::card_sign,
    wire::{self, Endpoint, Secret},
};

/// A smartphone registration code: the letter's URL and password (3 months), or a QR
/// code generated after an HPKI-card login (minutes).
#[derive(Clone)]
pub enum DeviceSetup {
    /// From the issuing letter (application step 13–14); 5 wrong passwords lock it.
    Letter {
        /// The setup token (the URL's last path segment).
        token: String,
        /// The password sent with the URL.
        password: Zeroizing<String>,
    },
    /// From [`RemoteClient::device_qr`] (appendix 2 step 1).
    Qr {
        /// The setup token.
        token: String,
        /// The person id the QR code pre-fills (`None` when a scanned payload names
        /// none).
        person_id: Option<String>,
        /// When the code expires (Unix seconds, platform time); known from
        /// [`RemoteClient::device_qr`], not from a scanned payload.
        expires_at: Option<i64>,
    },
}

impl core::fmt::Debug for DeviceSetup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Letter { .. } => f
                .debug_struct("DeviceSetup::Letter")
                .field("token", &"<redacted>")
                .field("password", &"<redacted>")
                .finish(),
            Self::Qr {
                person_id,
                expires_at,
                ..
            } => f
                .debug_struct("DeviceSetup::Qr")
                .field("person_id", person_id)
                .field("expires_at", expires_at)
                .finish_non_exhaustive(),
        }
    }
}

/// The token in `…/devices/setup/<token>[?…]`.
fn token_of(url: &str) -> Result<String, Error> {
    let rest = url
        .split_once("/devices/setup/")
        .map(|(_, r)| r)
        .ok_or_else(|| Error::Protocol("not a device setup URL".into()))?;
    let token = rest.split(['?', '#', '/']).next().unwrap_or_default();
    if token.is_empty() {
        return Err(Error::Protocol("the setup URL has no token".into()));
    }
    Ok(token.to_owned())
}

impl DeviceSetup {
    /// The letter's setup URL and password.
    pub fn letter(setup_url: &str, password: &str) -> Result<Self, Error> {
        Ok(Self::Letter {
            token: token_of(setup_url)?,
            password: Zeroizing::new(password.to_owned()),
        })
    }

    /// A scanned QR payload (`…/devices/setup/<token>?person_id=…`).
    pub fn qr(payload: &str) -> Result<Self, Error> {
        let person_id = payload
            .split_once('?')
            .and_then(|(_, query)| {
                query
                    .split(['&', '#'])
                    .find_map(|pair| pair.strip_prefix("person_id="))
            })
            .filter(|p| !p.is_empty())
            .map(str::to_owned);
        Ok(Self::Qr {
            token: token_of(payload)?,
            person_id,
            expires_at: None,
        })
    }

    fn token(&self) -> &str {
        match self {
            Self::Letter { token, .. } | Self::Qr { token, .. } => token,
        }
    }
}

impl RemoteClient {
    /// `/platform/me`: who the session belongs to.
    pub fn me(&mut self, session: &Session) -> Result<wire::Person, Error> {
        self.get(Endpoint::Me, Some(session))
    }

    /// Appendix 1: binds the My Number Card whose **user-authentication** key
    /// `my_number_card` signs (PIN verified by the caller) to the second certificate of
    /// the person logged in with the HPKI card (`hpki_session`). Run it again after
    /// the card's certificate is renewed: the new certificate replaces the old.
    pub fn bind_my_number_card(
        &mut self,
        hpki_session: &Session,
        my_number_card: &mut dyn CertSigner,
    ) -> Result<(), Error> {
        let started: wire::BindChallenge = self.post(
            Endpoint::BindChallenge,
            Some(hpki_session),
            &serde_json::Map::new(),
        )?;
        let message = wire::bind_message(&started.person_id, &started.challenge);
        let signature = card_sign(my_number_card, &message)?;
        let _: wire::BindResponse = self.post(
            Endpoint::BindJpki,
            Some(hpki_session),
            &wire::BindRequest {
                challenge: started.challenge,
                certificate: my_number_card.certificate_der().to_vec(),
                signature,
            },
        )?;
        Ok(())
    }

    /// Appendix 2 step 1: a registration QR code, after an HPKI-card login.
    pub fn device_qr(&mut self, hpki_session: &Session) -> Result<(String, DeviceSetup), Error> {
        let qr: wire::DeviceQr = self.post(
            Endpoint::DeviceQr,
            Some(hpki_session),
            &serde_json::Map::new(),
        )?;
        let setup = DeviceSetup::Qr {
            token: token_of(&qr.qr_payload)?,
            person_id: Some(qr.person_id),
            expires_at: Some(qr.expires_at),
        };
        Ok((qr.qr_payload, setup))
    }

    /// Registers `key` as the person's smartphone (application step 14, appendix 2
    /// steps 2–3). With a device already registered this fails with
    /// [`Error::DeviceAlreadyRegistered`] unless `replace_existing` (the user confirmed);
    /// the old device then stops logging in. `label` defaults to the platform's.
    pub fn register_device(
        &mut self,
        setup: &DeviceSetup,
        key: DeviceKey,
        label: Option<&str>,
        replace_existing: bool,
    ) -> Result<RegisteredDevice, Error> {
        let token = setup.token();
        let password = match setup {
            DeviceSetup::Letter { password, .. } => Some(Secret::new(password.as_str())),
            DeviceSetup::Qr { .. } => None,
        };
        let registered: wire::DeviceRegistered = self.post(
            Endpoint::DeviceRegister,
            None,
            &wire::DeviceRegistration {
                setup_token: token.to_owned(),
                password,
                public_key: key.public_key_sec1(),
                signature: key.sign(wire::device_message(token).as_bytes()),
                replace_existing,
                label: label.map(str::to_owned),
            },
        )?;
        Ok(RegisteredDevice {
            device_id: registered.device_id,
            person_id: registered.person_id,
            label: registered.label,
            key,
        })
    }
}
