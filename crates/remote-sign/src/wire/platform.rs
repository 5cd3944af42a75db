//! The platform's own endpoints: who is logged in, binding the My Number Card
//! (appendix 1 of the guide), registering a smartphone (appendix 2).

use serde::{Deserialize, Serialize};

use super::{
    ClientId,
    codec::{Secret, b64},
};

/// `GET /platform/me` answer: the person behind the session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// The platform's person id (shown to the user in appendix 1 step 3).
    pub person_id: String,
    /// How the session logged in.
    pub client_id: ClientId,
    /// Name in kanji.
    pub name_kanji: String,
    /// Name in romaji.
    pub name_romaji: String,
    /// The hcRole text of the second certificate.
    pub qualification: String,
}

/// `POST /platform/bindings/jpki/challenge` answer (appendix 1 step 3): what the My
/// Number Card signs ([`bind_message`](super::bind_message)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindChallenge {
    /// The person the card will be bound to.
    pub person_id: String,
    /// Random text, single use, valid 5 minutes.
    pub challenge: String,
}

/// `POST /platform/bindings/jpki` body (appendix 1 step 4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindRequest {
    /// From [`BindChallenge`].
    pub challenge: String,
    /// The My Number Card's user-authentication certificate (DER).
    #[serde(with = "b64")]
    pub certificate: Vec<u8>,
    /// Its RSA PKCS#1 v1.5 SHA-256 signature over [`bind_message`](super::bind_message).
    #[serde(with = "b64")]
    pub signature: Vec<u8>,
}

/// `POST /platform/bindings/jpki` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindResponse {
    /// The person the card is now bound to.
    pub person_id: String,
    /// `registered`.
    pub status: String,
}

/// `POST /platform/devices/qr` answer (appendix 2 step 1): a registration code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceQr {
    /// What the QR code shows: `{base}/devices/setup/{token}?person_id={person_id}`.
    pub qr_payload: String,
    /// The person the device will log in as.
    pub person_id: String,
    /// When the code expires (Unix seconds, platform time; 10 minutes by default).
    pub expires_at: i64,
}

/// `POST /platform/devices/register` body (application step 14, appendix 2 steps 2–3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRegistration {
    /// The setup code: the last path segment of the letter's URL or of the QR payload.
    pub setup_token: String,
    /// The letter's password; required with a letter's code, absent with a QR code's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    /// The device's P-256 public key, uncompressed SEC1 (65 bytes).
    #[serde(with = "b64")]
    pub public_key: Vec<u8>,
    /// ECDSA P-256 SHA-256 signature (r‖s) over
    /// [`device_message`](super::device_message): proof of the key.
    #[serde(with = "b64")]
    pub signature: Vec<u8>,
    /// Replace the device registered before (the user confirmed); optional, `false`
    /// when absent.
    #[serde(default)]
    pub replace_existing: bool,
    /// The label shown on the platform; optional (`{person_id} smartphone` when absent
    /// or empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// `POST /platform/devices/register` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRegistered {
    /// The platform's id of the device (sent with a device login).
    pub device_id: String,
    /// The person the device logs in as.
    pub person_id: String,
    /// The label shown on the platform.
    pub label: String,
}
