//! Request bodies: read within the size limit, the read timeout and the memory budget;
//! JSON bodies counted before they are parsed.

use std::{sync::Arc, time::Duration};

use bytes::Bytes;
use http_body_util::BodyExt as _;
use hyper::{body::Incoming, header::CONTENT_LENGTH};
use tokio::sync::OwnedSemaphorePermit;

use super::{Refusal, Shared};

/// Reads the body within the limits; the permit holds its share of the body memory
/// until the request is answered.
pub(super) async fn read_body(
    headers: &hyper::HeaderMap,
    body: &mut Incoming,
    shared: &Shared,
) -> Result<(Bytes, Option<OwnedSemaphorePermit>), Refusal> {
    let config = &shared.config;
    let limit = config.max_body_bytes;
    let too_large = Refusal::TooLarge { limit };
    let declared = match headers.get(CONTENT_LENGTH) {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .ok_or(Refusal::Unreadable)?,
        ),
    };
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large);
    }
    let mut memory: Option<OwnedSemaphorePermit> = None;
    let reserve = |memory: &mut Option<OwnedSemaphorePermit>, bytes: usize| {
        let semaphore = Arc::clone(&shared.body_memory);
        let wait = config.read_timeout;
        let held = memory.take();
        async move {
            let n = u32::try_from(bytes).map_err(|_| Refusal::Busy)?;
            let mut permit = tokio::time::timeout(wait, semaphore.acquire_many_owned(n))
                .await
                .map_err(|_| Refusal::Busy)?
                .map_err(|_| Refusal::Busy)?;
            if let Some(held) = held {
                permit.merge(held);
            }
            Ok::<_, Refusal>(Some(permit))
        }
    };
    if let Some(n) = declared
        .and_then(|n| usize::try_from(n).ok())
        .filter(|&n| n > 0)
    {
        memory = reserve(&mut memory, n).await?;
    }
    // The announced length was reserved above: allocated once, never doubled on the way.
    let mut buf: Vec<u8> =
        Vec::with_capacity(declared.and_then(|n| usize::try_from(n).ok()).unwrap_or(0));
    loop {
        let frame = match tokio::time::timeout(config.read_timeout, body.frame()).await {
            Err(_) => return Err(Refusal::TimedOut),
            Ok(None) => break,
            Ok(Some(Err(_))) => return Err(Refusal::Unreadable),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        let total = buf.len().saturating_add(data.len());
        if total > limit {
            return Err(too_large);
        }
        if declared.is_none() {
            memory = reserve(&mut memory, data.len()).await?;
        }
        buf.extend_from_slice(&data);
    }
    Ok((Bytes::from(buf), memory))
}

/// Reads and drops up to `budget` more bytes of a refused body, each piece within
/// `timeout`; then the connection closes.
pub(super) async fn discard(mut body: Incoming, budget: usize, timeout: Duration) {
    let mut left = budget;
    while let Ok(Some(Ok(frame))) = tokio::time::timeout(timeout, body.frame()).await {
        let n = frame.data_ref().map_or(0, Bytes::len);
        match left.checked_sub(n) {
            Some(rest) => left = rest,
            None => return,
        }
    }
}

/// Why a JSON body was refused by [`json_object`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonBodyError {
    /// The body holds more than the allowed number of JSON values (objects, arrays,
    /// strings, numbers…): refused before parsing, since each costs far more memory
    /// parsed than its bytes (`[{},{},…]`: 3 bytes each, 32 parsed).
    #[error("the body holds more than {limit} JSON values")]
    TooManyValues {
        /// The limit.
        limit: usize,
    },
    /// The body is not JSON; the text is the parser's.
    #[error("the body is not JSON: {0}")]
    Syntax(String),
    /// The body is JSON but not an object.
    #[error("the body is not a JSON object")]
    NotAnObject,
}

/// The most JSON values a request body may hold ([`json_object`]).
pub const MAX_JSON_VALUES: usize = 100_000;

/// Parses a request body that must be a JSON object (empty or blank: `{}`), after
/// counting its values in one pass without allocating: more than `max_values` is
/// refused, so that parsing costs memory in proportion to what the service will read.
///
/// ```
/// use sign_platform_sim::{JsonBodyError, json_object};
///
/// assert_eq!(json_object(br#"{"a": [1, 2]}"#, 10)?["a"][1], 2);
/// assert_eq!(json_object(b"  ", 10)?, serde_json::json!({}));
/// let bomb = format!("[{}{{}}]", "{},".repeat(1000));
/// assert_eq!(
///     json_object(bomb.as_bytes(), 10),
///     Err(JsonBodyError::TooManyValues { limit: 10 })
/// );
/// # Ok::<(), JsonBodyError>(())
/// ```
pub fn json_object(body: &[u8], max_values: usize) -> Result<serde_json::Value, JsonBodyError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Object(serde_json::Map::new()));
    }
    if json_values_over(body, max_values) {
        return Err(JsonBodyError::TooManyValues { limit: max_values });
    }
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| JsonBodyError::Syntax(e.to_string()))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(JsonBodyError::NotAnObject)
    }
}

/// Whether `body` holds more than `max` JSON values, counted as one for the whole
/// document plus one per `,`, `[` and `{` outside strings (an upper bound for valid
/// JSON; what is not JSON fails to parse anyway).
fn json_values_over(body: &[u8], max: usize) -> bool {
    let mut count = 1usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in body {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else {
            match b {
                b'"' => in_string = true,
                b',' | b'[' | b'{' => {
                    count += 1;
                    if count > max {
                        return true;
                    }
                }
                _ => {}
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::json_values_over;

    #[test]
    fn values_are_counted_outside_strings_only() {
        assert!(!json_values_over(br#"{"a": "[,{,[,{"}"#, 2));
        assert!(json_values_over(br#"{"a": [1, 2]}"#, 3));
        assert!(!json_values_over(br#"{"a": [1, 2]}"#, 4));
        assert!(!json_values_over(br#"{"a\"[,": 1}"#, 2));
    }
}
