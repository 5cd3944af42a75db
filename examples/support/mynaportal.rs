//! Shared by the Mynaportal examples: a fictitious physician's application data and
//! the operator calls that stand in for the authority and the mail box.
#![allow(dead_code)]

use mynaportal_client::{HttpTransport, Method, PortalTransport, wire::Mail};

/// The fictitious applicant's data lives in portal-sim, shared with its tests.
pub use portal_sim::sample::{authority_data, further_data};

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

pub fn operator(
    portal: &mut HttpTransport,
    token: &str,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> Result<serde_json::Value> {
    let (status, json) = portal.exchange(method, path, Some(token), body.as_ref())?;
    if status != 200 {
        return Err(format!("operator call {path} answered {status}: {json}").into());
    }
    Ok(json)
}

pub fn latest_code(portal: &mut HttpTransport, token: &str, to: &str) -> Result<String> {
    let mails: Vec<Mail> = serde_json::from_value(operator(
        portal,
        token,
        Method::Get,
        "/v1/operator/outbox",
        None,
    )?)?;
    let mail = mails
        .iter()
        .rev()
        .find(|m| m.to == to && m.subject.contains("確認コード"))
        .ok_or("no code mail")?;
    let code = mail
        .body
        .split("確認コード: ")
        .nth(1)
        .and_then(|s| s.get(..6))
        .ok_or("no code in the mail")?;
    Ok(code.to_owned())
}
