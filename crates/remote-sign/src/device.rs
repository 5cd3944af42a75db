//! The smartphone's authenticator key (P-256), standing in for its biometric passkey.

use p256::ecdsa::{Signature, SigningKey, signature::Signer as _};

use crate::Error;

/// A device's P-256 key pair (the phone's biometric authenticator in real life).
///
/// The secret scalar zeroizes on drop and never shows in `Debug`.
#[derive(Clone)]
pub struct DeviceKey {
    key: SigningKey,
}

impl core::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DeviceKey")
            .field("public_key", &self.public_key_sec1())
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl DeviceKey {
    /// A fresh key from the operating system's random number generator.
    pub fn generate() -> Result<Self, Error> {
        // A random 32-byte string is a valid scalar with overwhelming probability.
        for _ in 0..8 {
            let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
            getrandom::fill(bytes.as_mut()).map_err(|e| Error::Random(e.to_string()))?;
            if let Ok(key) = SigningKey::from_slice(bytes.as_ref()) {
                return Ok(Self { key });
            }
        }
        Err(Error::Random("no valid P-256 scalar in 8 tries".into()))
    }

    /// A key from its 32-byte secret scalar (for tests and stored keys).
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<Self, Error> {
        SigningKey::from_slice(bytes)
            .map(|key| Self { key })
            .map_err(|_| Error::Protocol("not a P-256 secret scalar".into()))
    }

    /// The public key as an uncompressed SEC1 point (65 bytes).
    pub fn public_key_sec1(&self) -> Vec<u8> {
        self.key
            .verifying_key()
            .to_sec1_point(false)
            .as_bytes()
            .to_vec()
    }

    /// ECDSA P-256 with SHA-256 over `message`, as r‖s (64 bytes).
    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        let sig: Signature = self.key.sign(message);
        sig.to_bytes().to_vec()
    }
}

/// A device key the platform has registered: log in with it as
/// [`Authenticator::Device`](crate::Authenticator::Device).
#[derive(Clone, Debug)]
pub struct RegisteredDevice {
    /// The platform's id of the device.
    pub device_id: String,
    /// The person the device logs in as.
    pub person_id: String,
    /// The label shown on the platform.
    pub label: String,
    /// The key.
    pub key: DeviceKey,
}
