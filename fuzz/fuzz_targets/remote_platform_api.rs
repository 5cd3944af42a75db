//! Arbitrary request bodies to every route of the signing-platform stand-in: it must
//! answer with a status and a JSON object, never panic.
#![no_main]

use std::sync::OnceLock;

use sign_platform_sim::Platform;

const ROUTES: [(&str, &str); 14] = [
    ("POST", "/oidc/auth/challenge"),
    ("POST", "/oidc/auth/complete"),
    ("POST", "/oidc/token"),
    ("GET", "/platform/me"),
    ("POST", "/platform/bindings/jpki/challenge"),
    ("POST", "/platform/bindings/jpki"),
    ("POST", "/platform/devices/qr"),
    ("POST", "/platform/devices/register"),
    ("POST", "/csc/v2/info"),
    ("POST", "/csc/v2/credentials/list"),
    ("POST", "/csc/v2/credentials/info"),
    ("POST", "/csc/v2/credentials/authorize"),
    ("POST", "/csc/v2/signatures/signHash"),
    ("GET", "/oidc/jwks"),
];

fn platform() -> Option<&'static Platform> {
    static P: OnceLock<Option<Platform>> = OnceLock::new();
    P.get_or_init(|| Platform::open(None).ok()).as_ref()
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some(platform) = platform() else { return };
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let (method, path) = ROUTES[usize::from(selector) % ROUTES.len()];
    let bearer = (selector & 0x80 != 0).then_some("not-a-token");
    let (status, answer) = platform.dispatch(method, path, bearer, body);
    assert!((200..600).contains(&status));
    assert!(answer.is_object());
});
