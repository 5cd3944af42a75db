//! The wire as the client reads it: required members, error bodies, the transport's
//! errors and the ID token's signature checks (ES256 only, the key named by `kid`).

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)] // test helpers

mod common;

use std::error::Error as _;

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use cert_signer::{CertSigner as _, DigestAlgorithm};
use common::{hashes, login_through, my_number_card, refs, stranger_card, tampered_client, world};
use remote_sign::{
    Authenticator, DeviceKey, Error, IdTokenError, RegisteredDevice, RemoteClient, TransportError,
    wire::ErrorCode,
};

/// The source's text of a decode error of `endpoint`.
fn decode_error(err: Error, endpoint: &str) -> String {
    match err {
        Error::Decode {
            endpoint: e,
            source,
            ..
        } if e == endpoint => source.to_string(),
        other => panic!("expected a decode error of {endpoint}, got {other:?}"),
    }
}

#[test]
fn a_sad_without_its_lifetime_is_a_decode_error_naming_expires_in() {
    let w = world();
    let mut client = tampered_client(&w, "/csc/v2/credentials/authorize", |v| {
        v.as_object_mut().unwrap().remove("expiresIn");
    });
    let session = client
        .login(&mut Authenticator::MyNumberCard(Box::new(my_number_card(
            &w,
        ))))
        .unwrap();
    let id = client.credentials_list(&session).unwrap().remove(0);
    let h = hashes(1);
    let err = client
        .authorize(&session, &id, DigestAlgorithm::Sha256, &refs(&h))
        .unwrap_err();
    let why = decode_error(err, "/csc/v2/credentials/authorize");
    assert!(why.contains("missing field `expiresIn`"), "{why}");
}

#[test]
fn credential_info_without_multisign_is_a_decode_error_naming_it() {
    let w = world();
    let mut client = tampered_client(&w, "/csc/v2/credentials/info", |v| {
        v.as_object_mut().unwrap().remove("multisign");
    });
    let session = client
        .login(&mut Authenticator::MyNumberCard(Box::new(my_number_card(
            &w,
        ))))
        .unwrap();
    let id = client.credentials_list(&session).unwrap().remove(0);
    let err = client.credential_info(&session, &id).unwrap_err();
    let why = decode_error(err, "/csc/v2/credentials/info");
    assert!(why.contains("missing field `multisign`"), "{why}");
}

#[test]
fn a_token_answer_without_expires_in_does_not_log_in() {
    let w = world();
    let err = login_through(&w, "/oidc/token", |v| {
        v.as_object_mut().unwrap().remove("expires_in");
    });
    let why = decode_error(err, "/oidc/token");
    assert!(why.contains("missing field `expires_in`"), "{why}");
}

#[test]
fn a_refusal_without_an_error_code_is_a_decode_error_with_its_status() {
    let w = world();
    let err = tampered_client(&w, "/oidc/auth/complete", |v| {
        v.as_object_mut().unwrap().remove("error");
    })
    .login(&mut Authenticator::MyNumberCard(Box::new(stranger_card())))
    .unwrap_err();
    assert!(matches!(err, Error::Decode { status: 403, .. }), "{err:?}");
}

#[test]
fn a_refusal_carries_its_typed_code() {
    let w = world();
    let err = tampered_client(&w, "/oidc/auth/complete", |v| {
        v["error"] = "slow_down".into();
    })
    .login(&mut Authenticator::MyNumberCard(Box::new(stranger_card())))
    .unwrap_err();
    assert!(
        matches!(err, Error::Refused { status: 403, code: ErrorCode::Other(ref c), .. } if c == "slow_down"),
        "{err:?}"
    );
}

#[test]
fn an_unreachable_platform_is_a_connect_error_that_keeps_its_cause() {
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let device = RegisteredDevice {
        device_id: "dev-none".into(),
        person_id: "P-0".into(),
        label: "none".into(),
        key: DeviceKey::generate().unwrap(),
    };
    let mut client = RemoteClient::new(&url);
    let err = client
        .login(&mut Authenticator::Device(device))
        .unwrap_err();
    let Error::Transport(transport) = &err else {
        panic!("expected a transport error, got {err:?}");
    };
    assert!(
        matches!(transport, TransportError::Connect { url: u, .. } if u.starts_with(&url)),
        "{transport:?}"
    );
    // The chain goes from the crate's error to the transport's to ureq's.
    assert!(err.source().is_some());
    assert!(transport.source().is_some(), "{transport:?}");
    assert_eq!(client.round_trips(), 1);
}

/// Rewrites the header of the ID token in a token answer, keeping the signature.
fn with_header(v: &mut serde_json::Value, edit: fn(&mut serde_json::Value)) {
    let token = v["id_token"].as_str().unwrap().to_owned();
    let (header, rest) = token.split_once('.').unwrap();
    let mut header: serde_json::Value =
        serde_json::from_slice(&B64.decode(header).unwrap()).unwrap();
    edit(&mut header);
    v["id_token"] = format!("{}.{rest}", B64.encode(header.to_string())).into();
}

#[test]
fn an_id_token_is_accepted_only_with_es256() {
    let w = world();
    let err = login_through(&w, "/oidc/token", |v| {
        with_header(v, |h| h["alg"] = "HS256".into());
    });
    assert!(
        matches!(err, Error::IdToken(IdTokenError::Algorithm(ref a)) if a == "HS256"),
        "{err:?}"
    );
    let err = login_through(&w, "/oidc/token", |v| {
        with_header(v, |h| h["alg"] = "none".into());
    });
    assert!(
        matches!(err, Error::IdToken(IdTokenError::Malformed)),
        "{err:?}"
    );
}

#[test]
fn an_id_token_is_verified_only_with_the_jwks_key_its_kid_names() {
    let w = world();
    let err = login_through(&w, "/oidc/token", |v| {
        with_header(v, |h| h["kid"] = "another-key".into());
    });
    assert!(
        matches!(err, Error::IdToken(IdTokenError::UnknownKey(ref k)) if k == "another-key"),
        "{err:?}"
    );
    // A JWKS whose key under that kid is declared for another algorithm.
    let err = login_through(&w, "/oidc/jwks", |v| v["keys"][0]["alg"] = "ES384".into());
    assert!(
        matches!(err, Error::IdToken(IdTokenError::UnusableKey(_))),
        "{err:?}"
    );
    // A JWKS whose key under that kid is another P-256 point.
    let err = login_through(&w, "/oidc/jwks", |v| {
        let other = DeviceKey::generate().unwrap().public_key_sec1();
        v["keys"][0]["x"] = B64.encode(&other[1..33]).into();
        v["keys"][0]["y"] = B64.encode(&other[33..65]).into();
    });
    assert!(
        matches!(err, Error::IdToken(IdTokenError::Signature)),
        "{err:?}"
    );
}

#[test]
fn the_platform_answers_in_process_through_the_same_transport() {
    let w = world();
    let issuer = w.platform.issuer();
    let served = w.platform.requests_served();
    let client = RemoteClient::with_transport(&issuer, w.platform.clone());
    let mut signer = remote_sign::RemoteSigner::connect(
        client,
        Authenticator::MyNumberCard(Box::new(my_number_card(&w))),
    )
    .unwrap();
    let h = hashes(3);
    let sigs = signer
        .sign_digests(DigestAlgorithm::Sha256, &refs(&h))
        .unwrap();
    assert_eq!(sigs.len(), 3);
    // Login (4 with the JWKS), list, info, authorize, signHash: each one dispatch.
    assert_eq!(signer.client().round_trips(), 8);
    assert_eq!(w.platform.requests_served() - served, 8);
}
