//! Errors at the HTTP edge, answered as RFC 9457 problem details.

use std::fmt::Display;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use homeward_domain::Rejection;
use homeward_service::ServiceError;
use homeward_store::StoreError;
use serde::Serialize;

/// The media type of problem details.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The problems a route may answer besides its own result, one type a status, for the
/// OpenAPI document: `responses((status = 200, body = …), Unauthorized, Forbidden)`.
/// They are never built; they describe.
#[allow(dead_code)]
pub mod problems {
    use super::Problem;

    /// The request is malformed.
    #[derive(utoipa::IntoResponses)]
    #[response(status = 400)]
    pub struct BadRequest(Problem);

    /// No valid token.
    #[derive(utoipa::IntoResponses)]
    #[response(status = 401)]
    pub struct Unauthorized(Problem);

    /// The caller's role may not do this.
    #[derive(utoipa::IntoResponses)]
    #[response(status = 403)]
    pub struct Forbidden(Problem);

    /// No such record (or one the caller may not see).
    #[derive(utoipa::IntoResponses)]
    #[response(status = 404)]
    pub struct NotFound(Problem);

    /// The command breaks a rule.
    #[derive(utoipa::IntoResponses)]
    #[response(status = 422)]
    pub struct Rejected(Problem);
}

/// What a handler returns: its answer, or the problem it answers instead.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (`urn:homeward:problem:<code>`).
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// A stable machine-readable code, the last part of `type`.
    pub code: String,
}

/// Everything a handler can answer instead of success.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request is malformed.
    #[error("{detail}")]
    BadRequest {
        /// Stable code.
        code: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// 401: no token, or a token that does not verify.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the caller's role may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// 409: version conflict, or an idempotency key reused.
    #[error("{detail}")]
    Conflict {
        /// Stable code.
        code: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// 413.
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// 415.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: a domain rule refused the command.
    #[error(transparent)]
    Rejected(Rejection),
    /// 429, with the seconds after which a retry may succeed.
    #[error("{detail}")]
    TooManyRequests {
        /// What is wrong.
        detail: String,
        /// Seconds to wait (the `Retry-After` header).
        retry_after: u64,
    },
    /// 503: overloaded or shutting down.
    #[error("{0}")]
    Unavailable(String),
    /// 503: the log holds an entry this instance cannot read (written by a newer
    /// version); it changes nothing until upgraded.
    #[error("{0}")]
    UpgradeRequired(String),
    /// 500: something failed that the caller cannot fix.
    #[error("internal error")]
    Internal(String),
}

/// An optional record that answers 404 when it is absent.
pub trait OrNotFound<T> {
    /// The record, or a 404 saying there is no `what` named `id`.
    fn or_not_found(self, what: &str, id: impl Display) -> Result<T, AppError>;
}

impl<T> OrNotFound<T> for Option<T> {
    fn or_not_found(self, what: &str, id: impl Display) -> Result<T, AppError> {
        self.ok_or_else(|| AppError::not_found(what, id))
    }
}

impl AppError {
    /// A 404 saying there is no `what` named `id`.
    pub fn not_found(what: &str, id: impl Display) -> Self {
        Self::NotFound(format!("no {what} {id}"))
    }

    /// A 400 with a code.
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            detail: detail.into(),
        }
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) | Self::Rejected(Rejection::NotFound { .. }) => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Rejected(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::UpgradeRequired(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code of this error, and the title of its kind.
    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            Self::BadRequest { code, .. } => (code, "Malformed request"),
            Self::Unauthorized(_) => ("unauthorized", "Not authenticated"),
            Self::Forbidden(_) => ("forbidden", "Not allowed for this role"),
            Self::NotFound(_) => ("not_found", "Not found"),
            Self::Conflict { code, .. } => (code, "Conflict"),
            Self::PayloadTooLarge(_) => ("payload_too_large", "Request body too large"),
            Self::UnsupportedMediaType(_) => ("unsupported_media_type", "Unsupported media type"),
            Self::Rejected(r) => (r.code(), "Command rejected"),
            Self::TooManyRequests { .. } => ("too_many_requests", "Too many requests"),
            Self::Unavailable(_) => ("unavailable", "Service unavailable"),
            Self::UpgradeRequired(_) => ("upgrade_required", "This instance must be upgraded"),
            Self::Internal(_) => ("internal", "Internal error"),
        }
    }

    /// The problem document of this error.
    pub fn problem(&self) -> Problem {
        let ((code, title), status) = (self.kind(), self.status());
        Problem {
            problem_type: format!("urn:homeward:problem:{code}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: match self {
                Self::Internal(_) => "the server failed; the request may be retried".to_owned(),
                other => other.to_string(),
            },
            code: code.to_owned(),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Self::Internal(cause) = &self {
            tracing::error!(%cause, "request failed");
        }
        let (problem, status) = (self.problem(), self.status());
        let mut response = (status, Json(problem)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Self::TooManyRequests { retry_after, .. } = &self
            && let Ok(value) = HeaderValue::from_str(&retry_after.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"homeward\""),
            );
        }
        response
    }
}

impl From<std::convert::Infallible> for AppError {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Rejected(r) => Self::Rejected(r),
            ServiceError::Conflict { .. } => Self::Conflict {
                code: "version_conflict",
                detail: e.to_string(),
            },
            ServiceError::IdempotencyKeyReused => Self::Conflict {
                code: "idempotency_key_reused",
                detail: e.to_string(),
            },
            ServiceError::Contended => Self::Unavailable(e.to_string()),
            ServiceError::Unreadable(_) => Self::UpgradeRequired(e.to_string()),
            ServiceError::Store(s) => s.into(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Closed => Self::Unavailable("the server is shutting down".into()),
            StoreError::Unavailable(why) => Self::Unavailable(why),
            other => Self::Internal(other.to_string()),
        }
    }
}
