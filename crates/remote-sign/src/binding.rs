//! Binding flows: the My Number Card (appendix 1) and a smartphone (appendix 2, step 14).

use base64::{Engine as _, engine::general_purpose::STANDARD};
use cert_signer::CertSigner;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::{
    DeviceKey, Error, Method, RegisteredDevice, RemoteClient, Session, client::str_of,
    login::card_sign,
};

/// The person behind a session (`/platform/me`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonInfo {
    /// The platform's person id (shown to the user in appendix 1 step 3).
    pub person_id: String,
    /// Name in kanji.
    pub name_kanji: String,
    /// Name in romaji.
    pub name_romaji: String,
    /// The hcRole text of the second certificate.
    pub qualification: String,
}

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
        /// The person id the QR code pre-fills.
        person_id: String,
        /// When the code expires (Unix seconds, platform time).
        expires_at: i64,
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
            .split_once("person_id=")
            .map(|(_, p)| p.split('&').next().unwrap_or_default().to_owned())
            .unwrap_or_default();
        Ok(Self::Qr {
            token: token_of(payload)?,
            person_id,
            expires_at: 0,
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
    pub fn me(&mut self, session: &Session) -> Result<PersonInfo, Error> {
        let token = session.access_token().to_owned();
        let v = self.call(Method::Get, "/platform/me", Some(&token), None)?;
        let s = |name| str_of(&v, name).map(str::to_owned);
        Ok(PersonInfo {
            person_id: s("person_id")?,
            name_kanji: s("name_kanji")?,
            name_romaji: s("name_romaji")?,
            qualification: s("qualification")?,
        })
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
        let started = self.post(
            "/platform/bindings/jpki/challenge",
            Some(hpki_session),
            &json!({}),
        )?;
        let person_id = str_of(&started, "person_id")?;
        let challenge = str_of(&started, "challenge")?;
        let message = format!("hpki-kagura-sim bind-jpki\n{person_id}\n{challenge}");
        let signature = card_sign(my_number_card, &message)?;
        self.post(
            "/platform/bindings/jpki",
            Some(hpki_session),
            &json!({
                "challenge": challenge,
                "certificate": STANDARD.encode(my_number_card.certificate_der()),
                "signature": STANDARD.encode(signature),
            }),
        )?;
        Ok(())
    }

    /// Appendix 2 step 1: a registration QR code, after an HPKI-card login.
    pub fn device_qr(&mut self, hpki_session: &Session) -> Result<(String, DeviceSetup), Error> {
        let v = self.post("/platform/devices/qr", Some(hpki_session), &json!({}))?;
        let payload = str_of(&v, "qr_payload")?.to_owned();
        let setup = match DeviceSetup::qr(&payload)? {
            DeviceSetup::Qr {
                token, person_id, ..
            } => DeviceSetup::Qr {
                token,
                person_id,
                expires_at: v.get("expires_at").and_then(Value::as_i64).unwrap_or(0),
            },
            letter => letter,
        };
        Ok((payload, setup))
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
        let message = format!("hpki-kagura-sim register-device\n{token}");
        let mut body = json!({
            "setup_token": token,
            "public_key": STANDARD.encode(key.public_key_sec1()),
            "signature": STANDARD.encode(key.sign(message.as_bytes())),
            "replace_existing": replace_existing,
            "label": label.unwrap_or_default(),
        });
        if let (DeviceSetup::Letter { password, .. }, Some(obj)) = (setup, body.as_object_mut()) {
            obj.insert("password".into(), Value::String(password.to_string()));
        }
        let v = self.post("/platform/devices/register", None, &body)?;
        Ok(RegisteredDevice {
            device_id: str_of(&v, "device_id")?.to_owned(),
            person_id: str_of(&v, "person_id")?.to_owned(),
            label: str_of(&v, "label")?.to_owned(),
            key,
        })
    }
}
