//! Situation reports: `GET /v1/sitrep` as JSON, or as Markdown with `Accept:
//! text/markdown`, and `GET /sitrep` as a printable HTML page. The same `as_of` always
//! gives the same bytes; restricted cases the reader may not see appear redacted.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use homeward_domain::incident::Classification;
use homeward_domain::policy::Action;
use homeward_domain::{IncidentId, Timestamp};
use homeward_projections::board::Visibility;
use homeward_projections::sitrep::{self, Sitrep, SitrepQuery};
use homeward_service::sitrep::SitrepError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Reader, country_filter, ensure_visible};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::error::Result;
use crate::error::problems::{BadRequest, NotFound};
use crate::extract::{ApiQuery, query_params};
use crate::views;

query_params! {
    /// What the report covers.
    pub struct SitrepParams {
        /// The moment the report describes (RFC 3339): not before the log began, not in
        /// the future.
        #[param(value_type = String, format = DateTime)]
        pub as_of: Timestamp,
        /// The moment of the last report: what changed is counted after it (RFC 3339).
        #[param(value_type = Option<String>, format = DateTime)]
        pub since: Option<Timestamp>,
        /// Only this country (ISO 3166-1 alpha-2).
        pub country: Option<String>,
        /// Only this incident.
        pub incident: Option<IncidentId>,
    }
}

async fn report(state: &AppState, caller: &Caller, q: SitrepParams) -> Result<Sitrep, AppError> {
    caller.require(Action::ReadIncidents)?;
    let country = country_filter(q.country.as_deref())?;
    if let Some(id) = q.incident {
        ensure_visible(state, caller, id)?;
    }
    let query = SitrepQuery {
        as_of: q.as_of,
        since: q.since,
        country,
        incident: q.incident,
    };
    // A restricted case the reader may not see is counted, never named.
    let visibility = |f: &homeward_projections::incidents::IncidentFile| {
        if views::may_see(caller, f) {
            Visibility::Full
        } else if f.classification == Classification::Restricted {
            Visibility::Redacted
        } else {
            Visibility::Hidden
        }
    };
    state
        .service
        .sitrep(&query, &visibility)
        .await
        .map_err(|e| match e {
            SitrepError::Window(w) => AppError::bad_request(w.code(), w.to_string()),
            SitrepError::Store(s) => s.into(),
        })
}

fn text(content_type: &'static str, body: String) -> Response {
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn wants_markdown(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|m| {
            m.split(';')
                .next()
                .is_some_and(|t| t.trim() == "text/markdown")
        })
}

/// The situation report as of a moment: what changed since the last one, each open
/// incident with its status, persons by status, decisions, tasks and missed deadlines,
/// evacuations with their reconciliation, risk changes, and the figures (citizens
/// affected, evacuated, still unaccounted). JSON, or Markdown with `Accept:
/// text/markdown`.
#[utoipa::path(get, path = "/v1/sitrep", params(SitrepParams),
    responses((status = 200, description = "The report", content((Sitrep = "application/json"), (String = "text/markdown"))), BadRequest, NotFound))]
pub async fn get(
    reader: Reader,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<SitrepParams>,
) -> Result<Response> {
    let report = report(&reader.state, &reader.caller, q).await?;
    if wants_markdown(&headers) {
        return Ok(text(
            "text/markdown; charset=utf-8",
            sitrep::markdown(&report),
        ));
    }
    Ok(axum::Json(report).into_response())
}

/// The situation report as a printable HTML page.
#[utoipa::path(get, path = "/sitrep", params(SitrepParams),
    responses((status = 200, description = "A printable HTML page", content_type = "text/html", body = String), BadRequest, NotFound))]
pub async fn page(reader: Reader, ApiQuery(q): ApiQuery<SitrepParams>) -> Result<Response> {
    let report = report(&reader.state, &reader.caller, q).await?;
    let mut response = text("text/html; charset=utf-8", sitrep::html(&report));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// Adds this module's routes to the API.
pub(super) fn add_routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(get)).routes(routes!(page))
}
