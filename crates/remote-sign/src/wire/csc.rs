//! Signing, modelled on the Cloud Signature Consortium API v2 (`info`,
//! `credentials/list|info|authorize`, `signatures/signHash`); member names are CSC's.

use cert_signer::DigestAlgorithm;
use serde::{Deserialize, Serialize};

use super::codec::{Secret, b64_list, hash_oid};

/// `signAlgo` for RSASSA-PKCS1-v1_5 over a prehashed digest: rsaEncryption.
pub const RSA_ENCRYPTION_OID: &str = "1.2.840.113549.1.1.1";
/// sha256WithRSAEncryption, listed among the key's algorithms.
pub const SHA256_WITH_RSA_OID: &str = "1.2.840.113549.1.1.11";

/// `GET`/`POST /csc/v2/info` answer (CSC v2 §11.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CscInfo {
    /// The CSC API version modelled (`2.0.0.2`).
    pub specs: String,
    /// The service's name.
    pub name: String,
    /// ISO 3166-1 country code (`JP`).
    pub region: String,
    /// The language of texts (`ja-JP`).
    pub lang: String,
    /// What the service is.
    pub description: String,
    /// How users authorize: `["oauth2code"]`.
    #[serde(rename = "authType")]
    pub auth_type: Vec<String>,
    /// The OAuth 2.0 / OIDC issuer.
    pub oauth2: String,
    /// The API methods implemented.
    pub methods: Vec<String>,
}

/// `POST /csc/v2/credentials/list` body (CSC v2 §11.4). The session names the user;
/// CSC's optional filters are not supported.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialsListRequest {}

/// `POST /csc/v2/credentials/list` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialsList {
    /// The session owner's active credentials (second certificates), oldest first.
    #[serde(rename = "credentialIDs")]
    pub credential_ids: Vec<String>,
}

/// Which certificates `credentials/info` returns (CSC v2 `certificates`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CertificatesMode {
    /// None.
    None,
    /// The end-entity certificate only (CSC's default).
    #[default]
    Single,
    /// The end-entity certificate and the CAs above it, nearest first.
    Chain,
}

/// `POST /csc/v2/credentials/info` body (CSC v2 §11.5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialsInfoRequest {
    /// The credential.
    #[serde(rename = "credentialID")]
    pub credential_id: String,
    /// Which certificates to return; optional, [`CertificatesMode::Single`] when absent
    /// (as in CSC v2).
    #[serde(default)]
    pub certificates: CertificatesMode,
}

/// The key part of [`CredentialsInfo`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInfo {
    /// `enabled`.
    pub status: String,
    /// The signature algorithms the key supports (OIDs).
    pub algo: Vec<String>,
    /// The key length in bits.
    pub len: u32,
}

/// The certificate part of [`CredentialsInfo`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertInfo {
    /// `valid`.
    pub status: String,
    /// The certificates asked for (DER): the end entity first, then its CAs. Empty with
    /// [`CertificatesMode::None`].
    #[serde(with = "b64_list")]
    pub certificates: Vec<Vec<u8>>,
    /// The issuer's distinguished name, as text.
    #[serde(rename = "issuerDN")]
    pub issuer_dn: String,
    /// The subject's distinguished name, as text.
    #[serde(rename = "subjectDN")]
    pub subject_dn: String,
    /// The serial number, hex.
    #[serde(rename = "serialNumber")]
    pub serial_number: String,
    /// notBefore (RFC 3339; CSC uses GeneralizedTime).
    #[serde(rename = "validFrom")]
    pub valid_from: String,
    /// notAfter (RFC 3339).
    #[serde(rename = "validTo")]
    pub valid_to: String,
}

/// `POST /csc/v2/credentials/info` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialsInfo {
    /// The key.
    pub key: KeyInfo,
    /// The certificate(s).
    pub cert: CertInfo,
    /// `oauth2code`: the session authorizes, the SAD scopes.
    #[serde(rename = "authMode")]
    pub auth_mode: String,
    /// The Sole Control Assurance Level: `2` (the SAD is bound to the hashes).
    pub scal: String,
    /// The most hashes one authorization may cover (at least 1).
    pub multisign: u32,
}

/// `POST /csc/v2/credentials/authorize` body (CSC v2 §11.6): a SAD for exactly these
/// hashes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizeRequest {
    /// The credential.
    #[serde(rename = "credentialID")]
    pub credential_id: String,
    /// The number of hashes (SCAL2: must equal `hashes.len()`).
    #[serde(rename = "numSignatures")]
    pub num_signatures: u32,
    /// The hashes to be signed.
    #[serde(with = "b64_list")]
    pub hashes: Vec<Vec<u8>>,
    /// Their digest algorithm.
    #[serde(rename = "hashAlgorithmOID", with = "hash_oid")]
    pub hash_algorithm: DigestAlgorithm,
}

/// `POST /csc/v2/credentials/authorize` answer.
///
/// `expiresIn` is required here, although CSC v2 lets a service omit it (meaning
/// 3600 s): the platform always sends it and the client never assumes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizeResponse {
    /// The Signature Activation Data.
    #[serde(rename = "SAD")]
    pub sad: Secret,
    /// Seconds the SAD stays valid.
    #[serde(rename = "expiresIn")]
    pub expires_in: u64,
}

/// `POST /csc/v2/signatures/signHash` body (CSC v2 §11.9).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignHashRequest {
    /// The credential.
    #[serde(rename = "credentialID")]
    pub credential_id: String,
    /// From [`AuthorizeResponse`].
    #[serde(rename = "SAD")]
    pub sad: Secret,
    /// Hashes the SAD authorized, each signed once.
    #[serde(with = "b64_list")]
    pub hashes: Vec<Vec<u8>>,
    /// Their digest algorithm (the one authorized).
    #[serde(rename = "hashAlgorithmOID", with = "hash_oid")]
    pub hash_algorithm: DigestAlgorithm,
    /// [`RSA_ENCRYPTION_OID`]: RSASSA-PKCS1-v1_5 over the DigestInfo of each hash.
    #[serde(rename = "signAlgo")]
    pub sign_algo: String,
}

/// `POST /csc/v2/signatures/signHash` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignHashResponse {
    /// One signature per hash, in order.
    #[serde(with = "b64_list")]
    pub signatures: Vec<Vec<u8>>,
}
