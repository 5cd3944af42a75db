//! Which kind of healthcare or My Number Card certificate this is, and why.

use crate::{Certificate, profile};

/// The kinds of end-entity certificate medsign tells apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CertKind {
    /// An HPKI signing certificate (nonRepudiation; signs prescriptions).
    HpkiSigning,
    /// An HPKI authentication certificate (digitalSignature; logs in).
    HpkiAuthentication,
    /// A JPKI (My Number Card) signature certificate (carries the basic four items).
    JpkiSignature,
    /// A JPKI user-authentication certificate.
    JpkiUserAuthentication,
    /// Anything else: CA certificates, TSA certificates, other PKIs, unparsable input.
    Other,
}

/// The result of [`classify`]: the kind and the evidence for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classification {
    /// The kind.
    pub kind: CertKind,
    /// Each piece of evidence that decided (or contradicted) the kind, in the order
    /// looked at: policies, issuer, hcRole, key usage.
    pub reasons: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Hpki,
    Jpki,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Function {
    Signing,
    Authentication,
}

/// Classifies a DER certificate from its policies, key usage and issuer. Never fails:
/// unparsable input is [`CertKind::Other`] with the parse error as the reason.
///
/// ```
/// use hpki_cert::{CertKind, classify};
/// assert_eq!(classify(b"not a certificate").kind, CertKind::Other);
/// ```
pub fn classify(cert_der: &[u8]) -> Classification {
    match Certificate::from_der(cert_der) {
        Ok(cert) => classify_certificate(&cert),
        Err(e) => Classification {
            kind: CertKind::Other,
            reasons: vec![format!("not a certificate: {e}")],
        },
    }
}

/// [`classify`] for an already parsed certificate.
pub fn classify_certificate(cert: &Certificate) -> Classification {
    let mut reasons = Vec::new();
    if cert.is_ca() {
        reasons.push("CA certificate (basicConstraints cA=TRUE)".to_owned());
        return Classification {
            kind: CertKind::Other,
            reasons,
        };
    }
    let mut family = None;
    let mut function = None;

    for policy in cert.policies() {
        let hit = if policy.starts_with(profile::HPKI_SIGNING_POLICY_ARC) {
            Some((Family::Hpki, Function::Signing, "HPKI signing"))
        } else if policy.starts_with(profile::HPKI_AUTH_POLICY_ARC) {
            Some((
                Family::Hpki,
                Function::Authentication,
                "HPKI authentication",
            ))
        } else if policy.starts_with(profile::JPKI_SIGNATURE_POLICY_ARC) {
            Some((Family::Jpki, Function::Signing, "JPKI signature"))
        } else if policy.starts_with(profile::JPKI_AUTH_POLICY_ARC) {
            Some((
                Family::Jpki,
                Function::Authentication,
                "JPKI user-authentication",
            ))
        } else {
            None
        };
        if let Some((fam, fun, what)) = hit {
            reasons.push(format!("certificate policy {policy} is a {what} policy"));
            family.get_or_insert(fam);
            function.get_or_insert(fun);
        }
    }

    let issuer = cert.issuer();
    let issuer_hint = if issuer.contains("OU=JPKI for digital signature") {
        Some((Family::Jpki, Some(Function::Signing)))
    } else if issuer.contains("OU=JPKI for user authentication") {
        Some((Family::Jpki, Some(Function::Authentication)))
    } else if issuer.contains("O=JPKI") {
        Some((Family::Jpki, None))
    } else if issuer.contains("HPKI") && issuer.contains("forNonRepudiation") {
        Some((Family::Hpki, Some(Function::Signing)))
    } else if issuer.contains("HPKI") && issuer.contains("forAuthentication") {
        Some((Family::Hpki, Some(Function::Authentication)))
    } else if issuer.contains("HPKI") {
        Some((Family::Hpki, None))
    } else {
        None
    };
    if let Some((fam, fun)) = issuer_hint {
        reasons.push(format!(
            "issuer {issuer} is a {} CA",
            match fam {
                Family::Hpki => "HPKI",
                Family::Jpki => "JPKI",
            }
        ));
        family.get_or_insert(fam);
        if let Some(fun) = fun {
            function.get_or_insert(fun);
        }
    }

    if let Some(q) = cert.hc_role().and_then(crate::HcRole::qualification) {
        reasons.push(format!("hcRole names the qualification {q}"));
        family.get_or_insert(Family::Hpki);
    }

    let ku = cert.key_usage_names();
    let nr = ku.contains(&"nonRepudiation");
    let ds = ku.contains(&"digitalSignature");
    let ku_function = match (nr, ds) {
        (true, _) => Some(Function::Signing),
        (false, true) => Some(Function::Authentication),
        (false, false) => None,
    };
    match (function, ku_function) {
        (None, Some(f)) => {
            reasons.push(format!("keyUsage {} suggests {}", ku.join(","), name(f)));
            function = Some(f);
        }
        (Some(f), Some(k)) if f != k => reasons.push(format!(
            "keyUsage {} does not fit a {} certificate",
            ku.join(","),
            name(f)
        )),
        (Some(_), Some(_)) => reasons.push(format!("keyUsage {} agrees", ku.join(","))),
        (_, None) => reasons.push("no signing key usage".to_owned()),
    }

    if cert
        .ext_key_usage
        .as_ref()
        .is_some_and(|(_, e)| e.contains(&crate::cert::OID_KP_TIME_STAMPING))
    {
        reasons.push("extendedKeyUsage timeStamping: a TSA certificate".to_owned());
        return Classification {
            kind: CertKind::Other,
            reasons,
        };
    }

    let kind = match (family, function) {
        (Some(Family::Hpki), Some(Function::Signing)) => CertKind::HpkiSigning,
        (Some(Family::Hpki), Some(Function::Authentication)) => CertKind::HpkiAuthentication,
        (Some(Family::Jpki), Some(Function::Signing)) => CertKind::JpkiSignature,
        (Some(Family::Jpki), Some(Function::Authentication)) => CertKind::JpkiUserAuthentication,
        (None, _) => {
            reasons.push("no HPKI or JPKI policy, issuer or hcRole".to_owned());
            CertKind::Other
        }
        (Some(_), None) => CertKind::Other,
    };
    Classification { kind, reasons }
}

fn name(f: Function) -> &'static str {
    match f {
        Function::Signing => "signing",
        Function::Authentication => "authentication",
    }
}
