//! The Web API on the wire, read leniently: one HTTP call, and the one question that
//! matters to the outbox — did Slack do it?
//!
//! slack-morphism decodes every answer into a typed response, and a typed response
//! fails to decode when Slack leaves out a field the type requires (`message.ts`,
//! `view.team_id`, `files`), or when the answer comes as `text/html`: the call is
//! then reported as an error although Slack acted, the outbox retries it, and a
//! person gets the same DM again and again. Here an answer is success when its JSON
//! says `ok: true`, whatever else it holds or lacks and whatever its content type;
//! callers pick the few fields they need out of the [`Value`] and treat a missing one
//! as the absence it is.
//!
//! Failures are sorted by what they say about Slack having acted:
//! a refusal (`ok: false`, a 4xx) or a connection that never opened did nothing, so a
//! retry cannot duplicate; a timeout, a connection dropped after the request went out,
//! or a 2xx whose body is unreadable may have acted, so a retry may repeat it once
//! ([`SendError::Ambiguous`], counted by the outbox).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{header, Method, Request, StatusCode};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use thiserror::Error;

use crate::report::metrics::Metrics;

/// What became of one call, when it was not a success: the dispatcher retries, waits or
/// gives up by its kind.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SendError {
    #[error("rate limited by Slack (retry after {retry_after:?})")]
    RateLimited { retry_after: Option<Duration> },
    #[error("transient failure: {0}")]
    Transient(String),
    #[error("Slack refused the call: {0}")]
    Permanent(String),
    /// The request went out and no readable answer came back (a timeout, a dropped
    /// connection, an unreadable 2xx): Slack may or may not have acted. Retried, and
    /// counted, because a retry may repeat it once.
    #[error("outcome unknown: {0}")]
    Ambiguous(String),
}

/// Slack error codes that say "try again later" rather than "this call is wrong".
pub const TRANSIENT_CODES: &[&str] =
    &["internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org"];

/// A plain HTTP(S) client for Web API calls, response URLs and upload URLs.
#[derive(Clone)]
pub struct Raw {
    http: HttpClient<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
    /// Where the 429s Slack answers are counted: every call passes here, whoever
    /// makes it (the dispatcher, a lookup, the directory, an import).
    metrics: Arc<Metrics>,
}

/// How to read a 2xx answer that is not Slack JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A Web API method: only `ok: true` is success; an unreadable 2xx may or may not
    /// have acted.
    Api,
    /// A response URL or an upload URL: Slack answers these in plain text (`ok`,
    /// `OK - 123`), so any 2xx is success unless its JSON says `ok: false`.
    Plain,
}

impl Raw {
    pub fn new(https: HttpsConnector<HttpConnector>, timeout: Duration) -> Raw {
        Raw { http: HttpClient::builder(TokioExecutor::new()).build(https), timeout, metrics: Arc::default() }
    }

    pub fn with_metrics(self, metrics: Arc<Metrics>) -> Raw {
        Raw { metrics, ..self }
    }

    pub fn with_timeout(self, timeout: Duration) -> Raw {
        Raw { timeout, ..self }
    }

    /// POSTs `body` (JSON, `bearer` as the token when given) to `url`.
    pub async fn post_json(&self, url: &str, bearer: Option<&str>, body: &Value, expect: Expect) -> Outcome {
        self.call(Method::POST, url, bearer, "application/json; charset=utf-8", body.to_string().into(), expect).await
    }

    /// GETs `url` with `bearer` as the token.
    pub async fn get(&self, url: &str, bearer: Option<&str>) -> Outcome {
        self.call(Method::GET, url, bearer, "application/x-www-form-urlencoded", Bytes::new(), Expect::Api).await
    }

    /// POSTs raw bytes (an upload URL).
    pub async fn post_bytes(&self, url: &str, bytes: Vec<u8>) -> Outcome {
        self.call(Method::POST, url, None, "application/octet-stream", bytes.into(), Expect::Plain).await
    }

    /// Downloads a file Slack hosts (`url_private_download`), with the bot token:
    /// its bytes, at most `max` of them. Slack answers a missing `files:read` scope
    /// or an unknown file with an HTML sign-in page, which is refused here, not parsed.
    pub async fn download(&self, url: &str, bearer: &str, max: u64) -> Result<Vec<u8>, SendError> {
        let request = Request::builder()
            .method(Method::GET)
            .uri(url)
            .header(header::AUTHORIZATION, format!("Bearer {bearer}"))
            .body(Full::new(Bytes::new()))
            .map_err(|e| SendError::Permanent(format!("bad download URL: {e}")))?;
        let exchange = async {
            let response = self
                .http
                .request(request)
                .await
                .map_err(|e| SendError::Transient(format!("download failed: {}", first_line(&e.to_string()))))?;
            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                return Err(SendError::Transient(format!("download: HTTP {}", status.as_u16())));
            }
            let html = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/html"));
            if !status.is_success() || html {
                return Err(SendError::Permanent(format!("download refused: HTTP {}", status.as_u16())));
            }
            let body = http_body_util::Limited::new(response.into_body(), max as usize)
                .collect()
                .await
                .map_err(|e| SendError::Permanent(format!("download cut off or too big: {e}")))?;
            Ok(body.to_bytes().to_vec())
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or_else(|_| Err(SendError::Transient(format!("no download within {:?}", self.timeout))))
    }

    async fn call(
        &self,
        method: Method,
        url: &str,
        bearer: Option<&str>,
        content_type: &str,
        body: Bytes,
        expect: Expect,
    ) -> Outcome {
        let mut request = Request::builder().method(method).uri(url).header(header::CONTENT_TYPE, content_type);
        if let Some(token) = bearer {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = request.body(Full::new(body)).map_err(|e| SendError::Permanent(format!("bad request: {e}")))?;
        let exchange = async {
            let response = self.http.request(request).await.map_err(|e| {
                // A connection that never opened carried nothing; anything later may
                // have reached Slack.
                if e.is_connect() {
                    SendError::Transient(format!("cannot connect: {}", first_line(&e.to_string())))
                } else {
                    SendError::Ambiguous(format!("connection lost: {}", first_line(&e.to_string())))
                }
            })?;
            let status = response.status();
            let retry_after = response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| SendError::Ambiguous(format!("answer cut off: {}", first_line(&e.to_string()))))?
                .to_bytes();
            interpret(status, retry_after, &body, expect)
        };
        let outcome = match tokio::time::timeout(self.timeout, exchange).await {
            Err(_) => Err(SendError::Ambiguous(format!("no answer within {:?}", self.timeout))),
            Ok(outcome) => outcome,
        };
        if let Err(SendError::RateLimited { .. }) = outcome {
            self.metrics.rate_limited();
        }
        outcome
    }
}

/// What a call came to: Slack's JSON on success (`Value::Null` for a plain answer).
pub type Outcome = Result<Value, SendError>;

/// Reads one HTTP answer. `ok: true` is success whatever the status line, content type
/// or other fields say; `ok: false` is sorted by its error code; without readable JSON
/// the status decides.
pub fn interpret(status: StatusCode, retry_after: Option<Duration>, body: &[u8], expect: Expect) -> Outcome {
    let json = serde_json::from_slice::<Value>(body).ok().filter(Value::is_object);
    let ok = json.as_ref().and_then(|v| v.get("ok")).and_then(Value::as_bool);
    let code = json.as_ref().and_then(|v| v.get("error")).and_then(Value::as_str).map(str::to_owned);
    if status == StatusCode::TOO_MANY_REQUESTS || code.as_deref() == Some("ratelimited") {
        return Err(SendError::RateLimited { retry_after });
    }
    match (ok, json) {
        (Some(true), Some(json)) => return Ok(json),
        (Some(false), _) => {
            let code = code.unwrap_or_else(|| format!("HTTP {} without an error code", status.as_u16()));
            return Err(if status.is_server_error() || TRANSIENT_CODES.contains(&code.as_str()) {
                SendError::Transient(code)
            } else {
                SendError::Permanent(code)
            });
        }
        _ => {}
    }
    if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
        Err(SendError::Transient(format!("HTTP {}", status.as_u16())))
    } else if status.is_success() {
        match expect {
            Expect::Plain => Ok(Value::Null),
            // Slack answered, but not in words we can read: it may have acted.
            Expect::Api => Err(SendError::Ambiguous(format!("HTTP {} with an unreadable answer", status.as_u16()))),
        }
    } else {
        Err(SendError::Permanent(format!("HTTP {}", status.as_u16())))
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(status: u16, body: &str) -> Outcome {
        interpret(StatusCode::from_u16(status).unwrap(), None, body.as_bytes(), Expect::Api)
    }

    #[test]
    fn ok_true_is_success_with_any_fields_missing() {
        assert_eq!(read(200, r#"{"ok":true}"#), Ok(serde_json::json!({"ok": true})));
        assert!(read(200, r#"{"ok":true,"message":{}}"#).is_ok());
        // Even an odd status line does not undo what Slack says it did.
        assert!(read(500, r#"{"ok":true}"#).is_ok());
    }

    #[test]
    fn refusals_are_permanent_and_keep_their_code() {
        assert_eq!(
            read(200, r#"{"ok":false,"error":"channel_not_found"}"#),
            Err(SendError::Permanent("channel_not_found".into()))
        );
        assert_eq!(read(404, "not here"), Err(SendError::Permanent("HTTP 404".into())));
    }

    #[test]
    fn server_trouble_is_transient_and_429_is_a_rate_limit() {
        assert_eq!(
            read(200, r#"{"ok":false,"error":"internal_error"}"#),
            Err(SendError::Transient("internal_error".into()))
        );
        assert_eq!(read(503, "<html>down</html>"), Err(SendError::Transient("HTTP 503".into())));
        let wait = Some(Duration::from_secs(3));
        let limited = interpret(StatusCode::TOO_MANY_REQUESTS, wait, b"", Expect::Api);
        assert_eq!(limited, Err(SendError::RateLimited { retry_after: wait }));
        assert_eq!(
            read(200, r#"{"ok":false,"error":"ratelimited"}"#),
            Err(SendError::RateLimited { retry_after: None })
        );
    }

    #[test]
    fn an_unreadable_success_is_ambiguous_for_the_api_and_success_for_plain_urls() {
        assert!(matches!(read(200, "<html>ok</html>"), Err(SendError::Ambiguous(_))));
        assert_eq!(interpret(StatusCode::OK, None, b"OK - 12", Expect::Plain), Ok(Value::Null));
        let refused = interpret(StatusCode::OK, None, br#"{"ok":false,"error":"expired_url"}"#, Expect::Plain);
        assert_eq!(refused, Err(SendError::Permanent("expired_url".into())));
    }
}
