//! CMS build and verify throughput against the RustCrypto `cms` builder and OpenSSL's
//! in-process `CMS_verify` (with feature `bench-openssl`), on the same 4 KB content and
//! the same RSA-2048 key.
//!
//! The signers return a fixed signature, so the build benches measure the CMS work
//! (hashing, attributes, encoding), not the RSA private-key operation.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use cert_signer::{CertSigner, DigestAlgorithm, SignError};
use cms_sign::{Indication, SignOptions, SignedDataBuilder, VerifyOptions, test_pki};
use criterion::{Criterion, criterion_group, criterion_main};
use der::{Decode as _, Encode as _};

const CONTENT: [u8; 4096] = [0x5a; 4096];

struct FixedSigner {
    cert: Vec<u8>,
    signature: Vec<u8>,
}

impl CertSigner for FixedSigner {
    fn certificate_der(&self) -> &[u8] {
        &self.cert
    }
    fn sign_digest(&mut self, _: DigestAlgorithm, _: &[u8]) -> Result<Vec<u8>, SignError> {
        Ok(self.signature.clone())
    }
}

/// The RustCrypto side of the same fixed-signature signer.
struct FixedRustCrypto {
    vk: rsa::pkcs1v15::VerifyingKey<sha2::Sha256>,
    signature: rsa::pkcs1v15::Signature,
}

impl signature::Keypair for FixedRustCrypto {
    type VerifyingKey = rsa::pkcs1v15::VerifyingKey<sha2::Sha256>;
    fn verifying_key(&self) -> Self::VerifyingKey {
        self.vk.clone()
    }
}

impl spki::DynSignatureAlgorithmIdentifier for FixedRustCrypto {
    fn signature_algorithm_identifier(&self) -> spki::Result<spki::AlgorithmIdentifierOwned> {
        Ok(spki::AlgorithmIdentifierOwned {
            oid: const_oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
            parameters: Some(der::asn1::Null.into()),
        })
    }
}

impl signature::Signer<rsa::pkcs1v15::Signature> for FixedRustCrypto {
    fn try_sign(&self, _: &[u8]) -> Result<rsa::pkcs1v15::Signature, signature::Error> {
        Ok(self.signature.clone())
    }
}

fn benches(c: &mut Criterion) {
    let (mut real, _) = test_pki::physician();
    let cert = real.certificate_der().to_vec();
    let at: jiff::Timestamp = "2026-11-25T00:00:00Z".parse().unwrap();
    let options = SignOptions::new().signing_time(at);
    // A real, verifiable message for the verify benches.
    let message = cms_sign::sign(&mut real, &CONTENT, false, &options).unwrap();
    let fixed_sig = real
        .sign_digest(DigestAlgorithm::Sha256, &[0u8; 32])
        .unwrap();

    let mut g = c.benchmark_group("cms");

    let mut fixed = FixedSigner {
        cert: cert.clone(),
        signature: fixed_sig.clone(),
    };
    let fast = options.clone().check_signature(false);
    g.bench_function("build_bb_4k", |b| {
        b.iter(|| {
            let mut builder = SignedDataBuilder::new(black_box(&CONTENT), false);
            builder.add_signer(&mut fixed, &fast).unwrap();
            black_box(builder.build())
        })
    });

    let x509 = x509_cert::Certificate::from_der(&cert).unwrap();
    let rc_signer = FixedRustCrypto {
        vk: rsa::pkcs1v15::VerifyingKey::new(real.key().to_public_key()),
        signature: rsa::pkcs1v15::Signature::try_from(fixed_sig.as_slice()).unwrap(),
    };
    // signing-certificate-v2, prepared once (in the RustCrypto builder's favour).
    let scv2 = {
        let hash = DigestAlgorithm::Sha256.hash(&cert);
        let value = der::asn1::OctetString::new(hash).unwrap().to_der().unwrap();
        let ess = [vec![0x30, value.len() as u8], value].concat();
        let certs = [vec![0x30, ess.len() as u8], ess].concat();
        let sc = [vec![0x30, certs.len() as u8], certs].concat();
        let mut values = der::asn1::SetOfVec::new();
        values.insert(der::Any::from_der(&sc).unwrap()).unwrap();
        x509_cert::attr::Attribute {
            oid: "1.2.840.113549.1.9.16.2.47".parse().unwrap(),
            values,
        }
    };
    let sha256 = spki::AlgorithmIdentifierOwned {
        oid: const_oid::db::rfc5912::ID_SHA_256,
        parameters: None,
    };
    g.bench_function("build_bb_4k_rustcrypto", |b| {
        b.iter(|| {
            let eci = cms::signed_data::EncapsulatedContentInfo {
                econtent_type: const_oid::db::rfc5911::ID_DATA,
                econtent: Some(
                    der::Any::new(der::Tag::OctetString, black_box(&CONTENT[..])).unwrap(),
                ),
            };
            let sid = cms::signed_data::SignerIdentifier::IssuerAndSerialNumber(
                cms::cert::IssuerAndSerialNumber {
                    issuer: x509.tbs_certificate().issuer().clone(),
                    serial_number: x509.tbs_certificate().serial_number().clone(),
                },
            );
            let mut sib =
                cms::builder::SignerInfoBuilder::new(sid, sha256.clone(), &eci, None).unwrap();
            sib.add_signed_attribute(scv2.clone()).unwrap();
            let mut builder = cms::builder::SignedDataBuilder::new(&eci);
            builder
                .add_digest_algorithm(sha256.clone())
                .unwrap()
                .add_certificate(cms::cert::CertificateChoices::Certificate(x509.clone()))
                .unwrap()
                .add_signer_info::<_, rsa::pkcs1v15::Signature>(sib, &rc_signer)
                .unwrap();
            black_box(builder.build().unwrap().to_der().unwrap())
        })
    });

    let no_path = VerifyOptions::new().skip_path();
    assert_eq!(
        cms_sign::verify(&message, None, &no_path).indication,
        Indication::Valid
    );
    g.bench_function("verify_bb_4k", |b| {
        b.iter(|| {
            let r = cms_sign::verify(black_box(&message), None, &no_path);
            assert_eq!(r.indication, Indication::Valid);
        })
    });

    // The OpenSSL peer needs the OpenSSL headers to build: feature `bench-openssl`
    // (`cargo bench -p cms-sign --features bench-openssl`; scripts/conformance runs it).
    #[cfg(feature = "bench-openssl")]
    {
        use openssl::cms::{CMSOptions, CmsContentInfo};
        let flags = CMSOptions::NO_SIGNER_CERT_VERIFY | CMSOptions::BINARY;
        let mut probe = CmsContentInfo::from_der(&message).unwrap();
        probe.verify(None, None, None, None, flags).unwrap();
        g.bench_function("verify_bb_4k_openssl", |b| {
            b.iter(|| {
                let mut ci = CmsContentInfo::from_der(black_box(&message)).unwrap();
                let mut out = Vec::new();
                ci.verify(None, None, None, Some(&mut out), flags).unwrap();
                black_box(out)
            })
        });
    }
    g.finish();
}

criterion_group!(cms_benches, benches);
criterion_main!(cms_benches);
