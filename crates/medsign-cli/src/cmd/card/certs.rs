//! `medsign card certs`: the card's certificates, described and written as DER and PEM.

use std::path::Path;

use card_detect::CardKind;
use hpki_card::{App, HpkiCard};
use jpki_card::{Certificate, JpkiCard, PinKind, SignPin};
use serde_json::{Value, json};

use super::{CertsArgs, open_checked, print_card_line, print_json, source_json, write_file};
use crate::cardsrc::{
    self, BoxTransport, hpki_error, jpki_error, jpki_pin_error, jpki_pin_name, kind_json_name,
    kind_label,
};
use crate::error::{CliError, CliResult, Exit, io_error};
use crate::output::pad;
use crate::pin::PinArgs;
use crate::{i18n::t, outln, tf};

struct CardCert {
    id: &'static str,
    label: &'static str,
    der: Vec<u8>,
}

fn jpki_certs(
    transport: BoxTransport,
    pins: &PinArgs,
    with_sign: bool,
) -> Result<Vec<CardCert>, CliError> {
    let mut card = JpkiCard::open(transport).map_err(jpki_error)?;
    let mut out = Vec::new();
    let mut read = |card: &mut JpkiCard<BoxTransport>, which, id, label| {
        let der = card.certificate(which).map_err(jpki_error)?.to_vec();
        out.push(CardCert { id, label, der });
        Ok::<(), CliError>(())
    };
    read(
        &mut card,
        Certificate::Auth,
        "jpki-auth",
        t("user-authentication certificate", "利用者証明用電子証明書"),
    )?;
    read(
        &mut card,
        Certificate::AuthCa,
        "jpki-auth-ca",
        t(
            "CA of the user-authentication certificate",
            "利用者証明用電子証明書の発行者証明書",
        ),
    )?;
    read(
        &mut card,
        Certificate::SignCa,
        "jpki-sign-ca",
        t(
            "CA of the signature certificate",
            "署名用電子証明書の発行者証明書",
        ),
    )?;
    if with_sign {
        let pin: SignPin = cardsrc::ask_jpki_pin(&mut card, pins)?;
        let der = card
            .signature_certificate(&pin, cardsrc::last_try(pins))
            .map_err(|e| jpki_pin_error(jpki_pin_name(PinKind::Sign), e))?
            .to_vec();
        out.push(CardCert {
            id: "jpki-sign",
            label: t("signature certificate", "署名用電子証明書"),
            der,
        });
    }
    Ok(out)
}

fn hpki_certs(mut transport: BoxTransport) -> Result<Vec<CardCert>, CliError> {
    let mut out = Vec::new();
    for (app, id, label) in [
        (
            App::Signing,
            "hpki-signing",
            t("HPKI signing certificate", "HPKI署名用証明書"),
        ),
        (
            App::Authentication,
            "hpki-authentication",
            t("HPKI authentication certificate", "HPKI認証用証明書"),
        ),
    ] {
        let mut card = HpkiCard::open_app(&mut transport, app).map_err(hpki_error)?;
        let der = card.read_certificate().map_err(hpki_error)?.to_vec();
        out.push(CardCert { id, label, der });
    }
    Ok(out)
}

fn cert_json(c: &CardCert, info: &hpki_cert::CertInfo, files: Option<(&Path, &Path)>) -> Value {
    json!({
        "id": c.id,
        "label": c.label,
        "subject": info.subject,
        "issuer": info.issuer,
        "serial": info.serial_hex,
        "not_before": info.not_before.to_string(),
        "not_after": info.not_after.to_string(),
        "qualification": info.qualification.as_ref().map(ToString::to_string),
        "key_usage": info.key_usage,
        "is_ca": info.is_ca,
        "policies": info.policies,
        "sha256": info.fingerprint_hex(),
        "der_file": files.map(|(d, _)| d.display().to_string()),
        "pem_file": files.map(|(_, p)| p.display().to_string()),
    })
}

pub(super) fn certs(args: &CertsArgs) -> CliResult {
    let (transport, reader, kind) = open_checked(&args.card)?;
    if args.with_signature_cert && !matches!(kind, CardKind::MyNumber(_)) {
        return Err(CliError::usage(t(
            "--with-signature-cert is for the My Number Card; an HPKI card's certificates need no PIN",
            "--with-signature-cert はマイナンバーカード用です。HPKIカードの証明書はPINなしで読めます",
        )));
    }
    let list = match kind {
        CardKind::MyNumber(_) => jpki_certs(transport, &args.pins, args.with_signature_cert)?,
        _ => hpki_certs(transport)?,
    };
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, &e))?;
    }
    let mut entries = Vec::new();
    for c in &list {
        let info = hpki_cert::CertInfo::parse(&c.der).map_err(|e| {
            CliError::card(tf!(
                "the card's {} does not parse: {e}",
                "カードの{}を解析できません: {e}",
                c.label
            ))
        })?;
        let files = match &args.out {
            Some(dir) => {
                let der_path = dir.join(format!("{}.der", c.id));
                let pem_path = dir.join(format!("{}.pem", c.id));
                write_file(&der_path, &c.der)?;
                let pem = hpki_cert::certificate_pem(&c.der)
                    .map_err(|e| CliError::input(e.to_string()))?;
                write_file(&pem_path, pem.as_bytes())?;
                Some((der_path, pem_path))
            }
            None => None,
        };
        let files_ref = files.as_ref().map(|(d, p)| (d.as_path(), p.as_path()));
        entries.push(cert_json(c, &info, files_ref));
    }
    if args.json {
        print_json(&json!({
            "kind": kind_json_name(Some(&kind)),
            "label": kind_label(Some(&kind)),
            "source": source_json(&args.card, reader.as_deref()),
            "certificates": entries,
        }))?;
        return Ok(Exit::Ok);
    }
    print_card_line(&kind, &args.card, reader.as_deref());
    let field = |en: &str, ja: &str| pad(t(en, ja), 15);
    for e in &entries {
        let s = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
        outln!();
        outln!("{} ({})", s("label"), s("id"));
        outln!("  {}{}", field("subject:", "主体者:"), s("subject"));
        outln!("  {}{}", field("issuer:", "発行者:"), s("issuer"));
        outln!("  {}{}", field("serial:", "シリアル番号:"), s("serial"));
        outln!(
            "  {}{} — {}",
            field("valid:", "有効期間:"),
            s("not_before"),
            s("not_after")
        );
        if let Some(q) = e["qualification"].as_str() {
            outln!("  {}{q}", field("qualification:", "資格:"));
        }
        let usage: Vec<&str> = e["key_usage"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        outln!("  {}{}", field("key usage:", "鍵用途:"), usage.join(", "));
        if e["is_ca"].as_bool() == Some(true) {
            outln!("  {}CA", field("type:", "種別:"));
        }
        outln!("  {}{}", field("SHA-256:", "SHA-256:"), s("sha256"));
        if let (Some(d), Some(p)) = (e["der_file"].as_str(), e["pem_file"].as_str()) {
            outln!("  {}{d}, {p}", field("written:", "出力:"));
        }
    }
    if matches!(kind, CardKind::MyNumber(_)) && !args.with_signature_cert {
        outln!();
        outln!(
            "{}",
            t(
                "The signature certificate needs the signature password: add --with-signature-cert to read it.",
                "署名用電子証明書の読み出しには署名用暗証番号が必要です。--with-signature-cert を付けてください。",
            )
        );
    }
    Ok(Exit::Ok)
}
