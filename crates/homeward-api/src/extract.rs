//! Extractors that turn malformed requests into problem details: JSON bodies (exact
//! media type, size limit, unknown fields refused), path and query parameters,
//! `Idempotency-Key` and `If-Match`; and `query_params!`, which declares a route's
//! query parameters.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{Method, header};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// The largest request body accepted, in bytes.
pub const MAX_BODY: usize = 64 * 1024;

/// A JSON request body, with the hash of the request it came in (method, path, body)
/// for idempotency.
#[derive(Debug)]
pub struct JsonBody<T> {
    /// The parsed body.
    pub value: T,
    /// SHA-256 over method, path and body bytes.
    pub request_hash: [u8; 32],
}

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let media = content_type.split(';').next().unwrap_or("").trim();
        if !media.eq_ignore_ascii_case("application/json") {
            return Err(AppError::UnsupportedMediaType(
                "send the body as `Content-Type: application/json`".into(),
            ));
        }
        let method: Method = req.method().clone();
        let path = req.uri().path().to_owned();
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge(MAX_BODY)
            } else {
                AppError::bad_request("unreadable_body", rejection.body_text())
            }
        })?;
        let value = parse_body(&bytes)?;
        let mut h = Sha256::new();
        h.update(method.as_str().as_bytes());
        h.update([0]);
        h.update(path.as_bytes());
        h.update([0]);
        h.update(&bytes);
        Ok(Self {
            value,
            request_hash: h.finalize().into(),
        })
    }
}

/// Parses a JSON request body into `T` (unknown fields refused where `T` says so);
/// malformed or invalid JSON is a 400 problem. Nesting is bounded by the parser.
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let code = if e.is_syntax() || e.is_eof() {
            "malformed_json"
        } else {
            "invalid_body"
        };
        AppError::bad_request(code, format!("the JSON body is not valid here: {e}"))
    })
}

/// Path parameters; a path that does not parse names no resource (404).
#[derive(Debug, FromRequestParts)]
#[from_request(via(Path), rejection(AppError))]
pub struct ApiPath<T>(pub T);

impl From<PathRejection> for AppError {
    fn from(e: PathRejection) -> Self {
        AppError::NotFound(format!("no such resource: {}", e.body_text()))
    }
}

/// Query parameters, with a problem document when they do not parse.
#[derive(Debug, FromRequestParts)]
#[from_request(via(Query), rejection(AppError))]
pub struct ApiQuery<T>(pub T);

impl From<QueryRejection> for AppError {
    fn from(e: QueryRejection) -> Self {
        AppError::bad_request("invalid_query", e.body_text())
    }
}

/// Declares a route's query parameters, read with [`ApiQuery`]: the struct, written
/// with its docs and fields as usual, is given its derives, documented as query
/// parameters, and refuses a parameter it does not name (the problem lists the ones
/// it takes).
macro_rules! query_params {
    ($(#[$attr:meta])* $vis:vis struct $name:ident { $($fields:tt)* }) => {
        $(#[$attr])*
        #[derive(Debug, ::serde::Deserialize, ::utoipa::IntoParams)]
        #[into_params(parameter_in = Query)]
        #[serde(deny_unknown_fields)]
        $vis struct $name { $($fields)* }
    };
}
pub(crate) use query_params;

/// The `Idempotency-Key` header, if sent.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let Some(value) = parts.headers.get("idempotency-key") else {
            return Ok(Self(None));
        };
        let key = value
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|k| !k.is_empty() && k.len() <= 200 && k.chars().all(|c| c.is_ascii_graphic()))
            .ok_or_else(|| {
                AppError::bad_request(
                    "invalid_idempotency_key",
                    "Idempotency-Key must be 1 to 200 visible ASCII characters",
                )
            })?;
        Ok(Self(Some(key.to_owned())))
    }
}

/// The `If-Match` header: the stream version the caller saw, as `"7"` or `7`.
#[derive(Debug, Clone, Copy)]
pub struct IfMatch(pub Option<u64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let Some(value) = parts.headers.get(header::IF_MATCH) else {
            return Ok(Self(None));
        };
        value
            .to_str()
            .ok()
            .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
            .and_then(|v| v.parse().ok())
            .map(|v| Self(Some(v)))
            .ok_or_else(|| {
                AppError::bad_request(
                    "invalid_if_match",
                    "If-Match must be a version such as \"7\"",
                )
            })
    }
}
