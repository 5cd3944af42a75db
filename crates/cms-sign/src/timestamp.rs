//! RFC 3161 time-stamps: the request, the response, the token's checks, and CAdES
//! B-T (the signature-time-stamp attribute over a SignerInfo's signature value).

use cert_signer::DigestAlgorithm;
use jiff::Timestamp;
use serde::Serialize;

use hpki_cert::{Indication, SubIndication};

use crate::{
    Error, Limits, TimeStampError, attributes,
    cert::{self, CertRef},
    message::SignedDataRef,
    oid, path,
    pool::{CertPool, SignedBytes},
    report::SignerReport,
    tlv::{self, Reader, Tlv, tag},
    verify,
};

/// Where time-stamp requests go: an RFC 3161 TSA.
///
/// [`HttpTsa`] posts to a URL; tests and other transports implement this directly.
pub trait TimeStampSource {
    /// Sends a DER `TimeStampReq` and returns the DER `TimeStampResp`.
    fn time_stamp(&mut self, request_der: &[u8]) -> Result<Vec<u8>, TimeStampError>;
}

/// What a verified time-stamp token says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TimeStampInfo {
    /// genTime.
    pub time: Timestamp,
    /// The TSA policy, dotted.
    #[serde(serialize_with = "crate::report::json::string")]
    pub policy: String,
    /// serialNumber, hex.
    #[serde(serialize_with = "crate::report::json::string")]
    pub serial: String,
    /// The nonce, hex, when present.
    #[serde(serialize_with = "crate::report::json::opt_string")]
    pub nonce: Option<String>,
    /// The TSA certificate's commonName.
    #[serde(serialize_with = "crate::report::json::opt_string")]
    pub tsa: Option<String>,
}

/// How to ask for, and check, signature time-stamps.
#[derive(Clone, Debug)]
pub struct TimeStampOptions {
    digest: DigestAlgorithm,
    policy: Option<String>,
    pub(crate) trust: path::Trust,
}

impl Default for TimeStampOptions {
    fn default() -> Self {
        Self {
            digest: DigestAlgorithm::Sha256,
            policy: None,
            trust: path::Trust::Unconfigured,
        }
    }
}

impl TimeStampOptions {
    /// SHA-256 imprint, no policy requested, the TSA's path not checked against an
    /// anchor (the token's signature, EKU, imprint and nonce are always checked).
    pub fn new() -> Self {
        Self::default()
    }

    /// The imprint's hash algorithm.
    pub fn digest(mut self, digest: DigestAlgorithm) -> Self {
        self.digest = digest;
        self
    }

    /// Also validates the TSA certificate's path against these anchors before the
    /// token is accepted.
    pub fn trust(mut self, store: hpki_cert::TrustStore) -> Self {
        self.trust = path::Trust::Store(std::sync::Arc::new(store));
        self
    }

    /// Requests this TSA policy (dotted OID) and refuses tokens under another.
    pub fn policy(mut self, policy: impl Into<String>) -> Self {
        self.policy = Some(policy.into());
        self
    }
}

/// An RFC 3161 client over plain HTTP/1.1 (RFC 3161 §3.4):
/// `POST` with `Content-Type: application/timestamp-query`.
#[derive(Clone, Debug)]
pub struct HttpTsa {
    host: String,
    port: u16,
    path: String,
    timeout: std::time::Duration,
}

impl HttpTsa {
    /// A client for `http://host[:port]/path`.
    pub fn new(url: &str) -> Result<Self, TimeStampError> {
        let bad = || TimeStampError::Url(url.to_string());
        let rest = url.strip_prefix("http://").ok_or_else(bad)?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (
                rest.get(..i).ok_or_else(bad)?,
                rest.get(i..).ok_or_else(bad)?,
            ),
            None => (rest, "/"),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, p.parse().map_err(|_| bad())?),
            None => (authority, 80),
        };
        if host.is_empty() || path.contains(['\r', '\n', ' ']) || host.contains(['\r', '\n', ' ']) {
            return Err(bad());
        }
        Ok(Self {
            host: host.to_string(),
            port,
            path: path.to_string(),
            timeout: std::time::Duration::from_secs(20),
        })
    }

    /// The connect/read/write timeout (default 20 s).
    pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl TimeStampSource for HttpTsa {
    fn time_stamp(&mut self, request_der: &[u8]) -> Result<Vec<u8>, TimeStampError> {
        use std::io::{Read as _, Write as _};
        use std::net::ToSocketAddrs as _;
        let http = |e: std::io::Error| TimeStampError::Http(e.to_string());
        let addr = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(http)?
            .next()
            .ok_or_else(|| TimeStampError::Http(format!("cannot resolve {}", self.host)))?;
        let mut stream = std::net::TcpStream::connect_timeout(&addr, self.timeout).map_err(http)?;
        stream.set_read_timeout(Some(self.timeout)).map_err(http)?;
        stream.set_write_timeout(Some(self.timeout)).map_err(http)?;
        let head = format!(
            "POST {} HTTP/1.1\r\nHost: {}:{}\r\nContent-Type: application/timestamp-query\r\nAccept: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.path,
            self.host,
            self.port,
            request_der.len()
        );
        stream.write_all(head.as_bytes()).map_err(http)?;
        stream.write_all(request_der).map_err(http)?;
        let mut response = Vec::new();
        stream
            .take(1 << 20)
            .read_to_end(&mut response)
            .map_err(http)?;
        parse_http_response(&response)
    }
}

/// The body of an HTTP/1.1 200 answer with `application/timestamp-reply`.
fn parse_http_response(response: &[u8]) -> Result<Vec<u8>, TimeStampError> {
    let err = |m: &str| TimeStampError::Http(m.to_string());
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| err("no end of headers"))?;
    let head = std::str::from_utf8(response.get(..split).unwrap_or_default())
        .map_err(|_| err("headers are not text"))?;
    let body = response.get(split + 4..).unwrap_or_default();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or_default();
    let code = status.split(' ').nth(1).unwrap_or_default();
    if code != "200" {
        return Err(TimeStampError::Http(format!("status line {status:?}")));
    }
    let mut content_type = None;
    let mut content_length = None;
    let mut chunked = false;
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-type" => content_type = Some(value.to_ascii_lowercase()),
                "content-length" => content_length = value.parse::<usize>().ok(),
                "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                _ => {}
            }
        }
    }
    if !content_type
        .as_deref()
        .is_some_and(|c| c.starts_with("application/timestamp-reply"))
    {
        return Err(TimeStampError::Http(format!(
            "content type {content_type:?}, expected application/timestamp-reply"
        )));
    }
    if chunked {
        return dechunk(body).ok_or_else(|| err("bad chunked body"));
    }
    match content_length {
        Some(n) => body
            .get(..n)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| err("body shorter than Content-Length")),
        None => Ok(body.to_vec()),
    }
}

fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(body.get(..line_end)?).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        body = body.get(line_end + 2..)?;
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(body.get(..size)?);
        body = body.get(size + 2..)?;
    }
}

/// A DER TimeStampReq for `imprint` (RFC 3161 §2.4.1), certReq TRUE.
///
/// ```text
/// TimeStampReq ::= SEQUENCE {
///   version INTEGER { v1(1) },
///   messageImprint MessageImprint,
///   reqPolicy TSAPolicyId OPTIONAL,
///   nonce INTEGER OPTIONAL,
///   certReq BOOLEAN DEFAULT FALSE,
///   extensions [0] IMPLICIT Extensions OPTIONAL }
/// ```
pub(crate) fn request(
    digest: DigestAlgorithm,
    imprint: &[u8],
    policy: Option<&str>,
    nonce: &[u8],
) -> Result<Vec<u8>, Error> {
    let mi = tlv::encode_parts(
        tag::SEQUENCE,
        &[
            &oid::digest_algorithm_identifier(digest),
            &tlv::encode(tag::OCTET_STRING, imprint),
        ],
    );
    let policy = match policy {
        Some(p) => tlv::encode(tag::OID, &tlv::oid_body(p)?),
        None => Vec::new(),
    };
    Ok(tlv::encode_parts(
        tag::SEQUENCE,
        &[
            &[tag::INTEGER, 1, 1],
            &mi,
            &policy,
            &tlv::encode(tag::INTEGER, nonce),
            &[tag::BOOLEAN, 1, 0xff],
        ],
    ))
}

/// A fresh positive 16-byte nonce.
fn new_nonce() -> Vec<u8> {
    let mut n = uuid::Uuid::new_v4().into_bytes().to_vec();
    if let Some(first) = n.first_mut() {
        // Positive and minimal: the top bit clear, the first byte never zero.
        *first = (*first & 0x7f) | 0x01;
    }
    n
}

/// The token out of a DER TimeStampResp, or the TSA's refusal.
///
/// ```text
/// TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken TimeStampToken OPTIONAL }
/// PKIStatusInfo ::= SEQUENCE { status PKIStatus, statusString PKIFreeText OPTIONAL,
///                              failInfo PKIFailureInfo OPTIONAL }
/// ```
pub(crate) fn token_from_response(resp: &[u8]) -> Result<&[u8], Error> {
    let mut r =
        Tlv::parse_one(resp, "TimeStampResp")?.expect_tag(tag::SEQUENCE, "TimeStampResp")?;
    let mut si = r.sequence("PKIStatusInfo")?;
    let status = si.small_uint("PKIStatus")?;
    let text = match si.optional(tag::SEQUENCE, "PKIFreeText")? {
        Some(t) => {
            let mut texts = Reader::new(t.value);
            let mut all = Vec::new();
            while let Ok(s) = texts.next(tag::UTF8_STRING, "PKIFreeText") {
                all.push(String::from_utf8_lossy(s.value).into_owned());
            }
            Some(all.join("; "))
        }
        None => None,
    };
    if status > 1 {
        return Err(TimeStampError::Rejected { status, text }.into());
    }
    let token = r.next(tag::SEQUENCE, "TimeStampToken")?;
    r.finish("TimeStampResp")?;
    Ok(token.raw)
}

/// TSTInfo's fields (RFC 3161 §2.4.2).
struct TstInfo<'a> {
    policy: &'a [u8],
    imprint_alg: DigestAlgorithm,
    imprint: &'a [u8],
    serial: &'a [u8],
    time: Timestamp,
    nonce: Option<&'a [u8]>,
}

/// ```text
/// TSTInfo ::= SEQUENCE {
///   version INTEGER { v1(1) }, policy TSAPolicyId, messageImprint MessageImprint,
///   serialNumber INTEGER, genTime GeneralizedTime, accuracy Accuracy OPTIONAL,
///   ordering BOOLEAN DEFAULT FALSE, nonce INTEGER OPTIONAL,
///   tsa [0] GeneralName OPTIONAL, extensions [1] IMPLICIT Extensions OPTIONAL }
/// ```
fn parse_tst_info(der: &[u8]) -> Result<TstInfo<'_>, Error> {
    let mut r = Tlv::parse_one(der, "TSTInfo")?.expect_tag(tag::SEQUENCE, "TSTInfo")?;
    if r.small_uint("TSTInfo version")? != 1 {
        return Err(Error::malformed("TSTInfo version"));
    }
    let policy = oid::read_oid(&mut r, "TSTInfo policy")?;
    let mut mi = r.sequence("TSTInfo messageImprint")?;
    let alg = mi.next(tag::SEQUENCE, "messageImprint hashAlgorithm")?;
    let imprint_alg = oid::parse_digest_algorithm(alg.raw)?;
    let imprint = mi
        .next(tag::OCTET_STRING, "messageImprint hashedMessage")?
        .value;
    mi.finish("messageImprint")?;
    let serial = r.next(tag::INTEGER, "TSTInfo serialNumber")?.value;
    let gen_time = r.next(tag::GENERALIZED_TIME, "TSTInfo genTime")?;
    let time = cert::read_time(&mut Reader::new(gen_time.raw), "TSTInfo genTime")?;
    r.optional(tag::SEQUENCE, "TSTInfo accuracy")?;
    r.optional(tag::BOOLEAN, "TSTInfo ordering")?;
    let nonce = r.optional(tag::INTEGER, "TSTInfo nonce")?.map(|n| n.value);
    r.optional(tag::CTX0, "TSTInfo tsa")?;
    r.optional(tag::CTX1, "TSTInfo extensions")?;
    r.finish("TSTInfo")?;
    Ok(TstInfo {
        policy,
        imprint_alg,
        imprint,
        serial,
        time,
        nonce,
    })
}

/// Why a time-stamp token was refused, and the ETSI result that stands for.
pub(crate) struct TokenFailure {
    pub error: TimeStampError,
    pub indication: Indication,
    pub sub_indication: SubIndication,
}

impl TokenFailure {
    fn invalid(sub_indication: SubIndication, why: impl Into<String>) -> Self {
        Self {
            error: TimeStampError::InvalidToken(why.into()),
            indication: Indication::Invalid,
            sub_indication,
        }
    }
}

/// A token whose own checks passed: what it says, and what its TSA's path needs.
pub(crate) struct CheckedToken<'a> {
    pub info: TimeStampInfo,
    /// The TSA certificate.
    pub tsa: CertRef<'a>,
    /// The token's certificates.
    pub pool: CertPool<'a>,
    /// The token's own SignedData `crls`.
    pub crls: Option<Tlv<'a>>,
}

/// Checks a time-stamp token (a ContentInfo) over `stamped` (for CAdES B-T, the
/// SignerInfo's signature value): the token's own CMS checks, a TSA certificate with
/// the critical timeStamping EKU valid at genTime, and the imprint. The TSA's path is
/// the caller's next step. A token over `limits` is INVALID/FORMAT_FAILURE.
pub(crate) fn check_token<'a>(
    token: &'a [u8],
    stamped: &[u8],
    limits: &Limits,
) -> Result<CheckedToken<'a>, TokenFailure> {
    let format = |m: String| TokenFailure::invalid(SubIndication::FormatFailure, m);
    let sd = SignedDataRef::parse_within(token, limits).map_err(|e| format(e.to_string()))?;
    if sd.econtent_type != oid::TST_INFO {
        return Err(format("the token's content is not TSTInfo".into()));
    }
    let content = sd
        .econtent
        .ok_or_else(|| format("the token carries no TSTInfo".into()))?;
    let [si] = sd.signer_infos.as_slice() else {
        return Err(format("a token has exactly one SignerInfo".into()));
    };
    let pool = CertPool::new("time-stamp token certificate", sd.certificate_ders());
    let mut report = SignerReport::unchecked(0);
    let signed = SignedBytes::new(content);
    let Some((_, tsa)) = verify::core_checks(&mut report, si, &pool, &signed, Some(oid::TST_INFO))
    else {
        let (why, indication, sub) = report
            .first_failure()
            .map(|c| {
                (
                    format!("{:?}: {}", c.check, c.detail),
                    c.indication.unwrap_or(Indication::Invalid),
                    c.sub_indication.unwrap_or(SubIndication::FormatFailure),
                )
            })
            .unwrap_or_else(|| {
                (
                    String::new(),
                    Indication::Invalid,
                    SubIndication::FormatFailure,
                )
            });
        return Err(TokenFailure {
            error: TimeStampError::InvalidToken(why),
            indication,
            sub_indication: sub,
        });
    };
    if !tsa
        .is_tsa_certificate()
        .map_err(|e| format(e.to_string()))?
    {
        return Err(TokenFailure::invalid(
            SubIndication::ChainConstraintsFailure,
            "the TSA certificate lacks a critical extendedKeyUsage of timeStamping only",
        ));
    }
    let info = parse_tst_info(content).map_err(|e| format(e.to_string()))?;
    let expected = info.imprint_alg.hash(stamped);
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        expected.as_slice(),
        info.imprint,
    )) {
        return Err(TokenFailure {
            error: TimeStampError::ImprintMismatch,
            indication: Indication::Invalid,
            sub_indication: SubIndication::HashFailure,
        });
    }
    if info.time < tsa.not_before || info.time > tsa.not_after {
        let sub = if info.time < tsa.not_before {
            SubIndication::NotYetValid
        } else {
            SubIndication::Expired
        };
        return Err(TokenFailure::invalid(
            sub,
            format!(
                "genTime {} is outside the TSA certificate's validity",
                info.time
            ),
        ));
    }
    Ok(CheckedToken {
        info: TimeStampInfo {
            time: info.time,
            policy: tlv::oid_string(info.policy).unwrap_or_default(),
            serial: hex::encode(info.serial),
            nonce: info.nonce.map(hex::encode),
            tsa: tsa_cn(tsa),
        },
        tsa: tsa.clone(),
        pool,
        crls: sd.crls,
    })
}

fn tsa_cn(c: &CertRef<'_>) -> Option<String> {
    c.subject_cn()
}

/// Asks `tsa` for a token over `data` and checks it before returning it: status,
/// nonce, policy, imprint, the token's signature and the TSA certificate.
pub fn request_time_stamp(
    tsa: &mut dyn TimeStampSource,
    data: &[u8],
    options: &TimeStampOptions,
) -> Result<(Vec<u8>, TimeStampInfo), Error> {
    let imprint = options.digest.hash(data);
    let nonce = new_nonce();
    let req = request(options.digest, &imprint, options.policy.as_deref(), &nonce)?;
    let resp = tsa.time_stamp(&req)?;
    let token = token_from_response(&resp)?;
    let checked = check_token(token, data, &Limits::default()).map_err(|f| f.error)?;
    // The TSA's path at genTime, when anchors are configured: only a path that fails
    // refuses the token (revocation status may not be at hand while signing).
    let cache = hpki_cert::VerificationCache::new();
    let store_intermediates = path::store_intermediates(&options.trust);
    let inputs = path::PathInputs {
        trust: &options.trust,
        revocation: &path::Revocation::default(),
        crls: std::sync::Arc::from(Vec::new()),
        bad_crls: &[],
        cache: &cache,
        store_intermediates: &store_intermediates,
    };
    if let Some(p) = path::validate(
        &inputs,
        &checked.tsa,
        &[&checked.pool],
        checked.info.time,
        path::Purpose::TimeStamping,
    ) && p.indication == Indication::Invalid
    {
        return Err(
            TimeStampError::InvalidToken(format!("TSA certificate path: {}", p.detail)).into(),
        );
    }
    let info = checked.info;
    if info.nonce.as_deref() != Some(hex::encode(&nonce).as_str()) {
        return Err(TimeStampError::NonceMismatch.into());
    }
    if let Some(wanted) = &options.policy
        && &info.policy != wanted
    {
        return Err(TimeStampError::PolicyMismatch {
            wanted: wanted.clone(),
            got: info.policy,
        }
        .into());
    }
    Ok((token.to_vec(), info))
}

/// Upgrades every signer of `cms` to CAdES B-T: a signature-time-stamp over each
/// SignerInfo's signature value, checked, then added as an unsigned attribute.
pub fn add_signature_time_stamps(
    cms: &[u8],
    tsa: &mut dyn TimeStampSource,
    options: &TimeStampOptions,
) -> Result<Vec<u8>, Error> {
    let sd = SignedDataRef::parse(cms)?;
    let mut infos = Vec::with_capacity(sd.signer_infos.len());
    for si in &sd.signer_infos {
        let (token, _) = request_time_stamp(tsa, si.signature, options)?;
        let attr = attributes::attribute(oid::SIGNATURE_TIME_STAMP, &[&token]);
        infos.push(si.with_unsigned(&attr));
    }
    Ok(sd.reassemble(&infos, &[], &[]))
}

/// A signature time-stamp token with what it stamps, for checking it elsewhere
/// (`openssl ts -verify -data <signature> -in <token> -token_in`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StampedSignature {
    /// The SignerInfo's position in the message.
    pub signer_index: usize,
    /// The SignerInfo's signature value: the data whose hash is the token's imprint.
    pub signature: Vec<u8>,
    /// The token (a DER ContentInfo).
    pub token: Vec<u8>,
}

/// The signature-time-stamp tokens of every signer of `cms`, in signer order.
pub fn signature_time_stamp_tokens(cms: &[u8]) -> Result<Vec<StampedSignature>, Error> {
    let sd = SignedDataRef::parse(cms)?;
    let mut out = Vec::new();
    for (signer_index, si) in sd.signer_infos.iter().enumerate() {
        for a in si
            .unsigned
            .iter()
            .filter(|a| a.oid == oid::SIGNATURE_TIME_STAMP)
        {
            for v in &a.values {
                out.push(StampedSignature {
                    signer_index,
                    signature: si.signature.to_vec(),
                    token: v.raw.to_vec(),
                });
            }
        }
    }
    Ok(out)
}

/// Adds `token` to signer `index` without any check (test material only).
#[cfg(feature = "test-pki")]
pub(crate) fn attach_unchecked(cms: &[u8], index: usize, token: &[u8]) -> Result<Vec<u8>, Error> {
    let sd = SignedDataRef::parse(cms)?;
    let count = sd.signer_infos.len();
    if index >= count {
        return Err(Error::NoSuchSigner { index, count });
    }
    let attr = attributes::attribute(oid::SIGNATURE_TIME_STAMP, &[token]);
    let infos = sd.signer_infos_with_unsigned(index, &attr);
    Ok(sd.reassemble(&infos, &[], &[]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_urls_parse() {
        let t = HttpTsa::new("http://127.0.0.1:3180/tsa").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("127.0.0.1", 3180, "/tsa")
        );
        let t = HttpTsa::new("http://tsa.example").unwrap();
        assert_eq!((t.port, t.path.as_str()), (80, "/"));
        assert!(HttpTsa::new("https://tsa.example/").is_err());
        assert!(HttpTsa::new("http://:80/").is_err());
        assert!(HttpTsa::new("http://h/a b").is_err());
    }

    #[test]
    fn http_responses_are_checked() {
        let ok = b"HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nContent-Length: 3\r\n\r\nabcdef";
        assert_eq!(parse_http_response(ok).unwrap(), b"abc");
        let chunked = b"HTTP/1.1 200 OK\r\ncontent-type: application/timestamp-reply\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n";
        assert_eq!(parse_http_response(chunked).unwrap(), b"abc");
        let html = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>";
        assert!(parse_http_response(html).is_err());
        let e500 = b"HTTP/1.1 500 Oops\r\nContent-Type: application/timestamp-reply\r\n\r\n";
        assert!(parse_http_response(e500).is_err());
    }

    #[test]
    fn rejection_status_is_reported_with_its_text() {
        // status rejection(2), statusString "bad alg".
        let text = tlv::encode(tag::SEQUENCE, &tlv::encode(tag::UTF8_STRING, b"bad alg"));
        let si = tlv::encode_parts(tag::SEQUENCE, &[&[2, 1, 2], &text]);
        let resp = tlv::encode(tag::SEQUENCE, &si);
        match token_from_response(&resp) {
            Err(Error::TimeStamp(TimeStampError::Rejected { status: 2, text })) => {
                assert_eq!(text.as_deref(), Some("bad alg"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn nonces_are_positive_minimal_integers() {
        for _ in 0..64 {
            let n = new_nonce();
            assert_eq!(n.len(), 16);
            assert!(n[0] & 0x80 == 0 && n[0] != 0);
        }
    }
}
