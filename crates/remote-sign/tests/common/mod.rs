//! A platform in process with one physician, and the cards that log in.

#![allow(dead_code, clippy::unwrap_used)] // test helpers

use cert_signer::{CertSigner, SoftwareSigner};
use remote_sign::{
    Authenticator, Error, HttpRequest, HttpResponse, HttpTransport, RemoteClient, Transport,
    TransportError,
};
use sign_platform_sim::{IssueRequest, Issued, Platform, ServerHandle};

pub const PERSON: &str = "P-0001";
const PHYSICIAN_AUTH_KEY: &str =
    include_str!("../../../hpki-cert/testdata/keys/physician-auth.pem");

pub struct World {
    pub platform: Platform,
    pub server: ServerHandle,
    pub issued: Issued,
    pub jpki: card_sim::JpkiTestPki,
}

/// The physician's My Number Card user-authentication key and certificate.
pub fn my_number_card(world: &World) -> SoftwareSigner {
    SoftwareSigner::new(
        world.jpki.auth_key().clone(),
        world.jpki.auth_cert_der().to_vec(),
    )
}

/// Another person's My Number Card (bound to nothing).
pub fn stranger_card() -> SoftwareSigner {
    let pki = card_sim::JpkiTestPki::generate(&card_sim::TestHolder::yamada_hanako()).unwrap();
    SoftwareSigner::new(pki.auth_key().clone(), pki.auth_cert_der().to_vec())
}

/// The physician's HPKI card authentication key and certificate.
pub fn hpki_card() -> SoftwareSigner {
    let certs = card_sim::HpkiTestCertificates::generate(card_sim::HpkiHolder::Physician).unwrap();
    SoftwareSigner::from_pkcs8_pem(PHYSICIAN_AUTH_KEY, certs.authentication).unwrap()
}

pub fn world() -> World {
    let platform = Platform::open(None).unwrap();
    let server = platform.serve("127.0.0.1:0").unwrap();
    let jpki = card_sim::JpkiTestPki::generate(&card_sim::TestHolder::iryo_taro()).unwrap();
    let issued = platform
        .issue_second_certificate(&IssueRequest {
            person_id: PERSON.into(),
            name_kanji: "医療 太郎".into(),
            name_romaji: "IRYO Taro".into(),
            qualification: hpki_cert::Qualification::MedicalDoctor,
            authority: "JMA".into(),
            jpki_auth_certificate_der: Some(jpki.auth_cert_der().to_vec()),
            now: jiff::Timestamp::now(),
        })
        .unwrap();
    platform
        .register_hpki_card(PERSON, hpki_card().certificate_der())
        .unwrap();
    World {
        platform,
        server,
        issued,
        jpki,
    }
}

pub fn hashes(n: u8) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| cert_signer::DigestAlgorithm::Sha256.hash(&[i, 0xA5]))
        .collect()
}

pub fn refs(v: &[Vec<u8>]) -> Vec<&[u8]> {
    v.iter().map(Vec::as_slice).collect()
}

/// Rewrites the JSON answers of one path, to see the client catch it.
pub struct Tamper {
    pub inner: HttpTransport,
    pub path: &'static str,
    pub edit: fn(&mut serde_json::Value),
}

impl Transport for Tamper {
    fn send(&mut self, request: &HttpRequest<'_>) -> Result<HttpResponse, TransportError> {
        let mut answer = self.inner.send(request)?;
        if request.path == self.path {
            let mut body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
            (self.edit)(&mut body);
            answer.body = serde_json::to_vec(&body).unwrap();
        }
        Ok(answer)
    }
}

/// A client whose answers on `path` are rewritten by `edit`.
pub fn tampered_client(
    w: &World,
    path: &'static str,
    edit: fn(&mut serde_json::Value),
) -> RemoteClient {
    let base = w.server.base_url();
    let transport = Tamper {
        inner: HttpTransport::new(&base),
        path,
        edit,
    };
    RemoteClient::with_transport(&base, transport)
}

/// A My Number Card login through [`Tamper`]; the error it ends with.
pub fn login_through(w: &World, path: &'static str, edit: fn(&mut serde_json::Value)) -> Error {
    tampered_client(w, path, edit)
        .login(&mut Authenticator::MyNumberCard(Box::new(my_number_card(
            w,
        ))))
        .unwrap_err()
}
