//! The field capture page (`/field`): a phone-sized page for field officers that takes
//! reports with no network and sends them when it can. Its assets are compiled into the
//! binary like the wall display's (no build step, nothing from the internet); a service
//! worker keeps them for offline use. `GET /v1/me/incidents` is what it lists: the
//! incidents the caller is assigned to, and the report categories the API takes.

use axum::Json;
use axum::http::header;
use axum::response::IntoResponse;
use homeward_domain::incident::{IncidentKind, IncidentStatus, ReportCategory};
use homeward_domain::policy::Action;
use homeward_domain::{CountryCode, IncidentId};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Reader;
use crate::AppState;
use crate::error::Result;
use crate::views;

const INDEX: &str = include_str!("../../assets/field/index.html");
const APP_JS: &str = include_str!("../../assets/field/app.js");
const I18N_JS: &str = include_str!("../../assets/field/i18n.js");
const STYLE: &str = include_str!("../../assets/field/style.css");
const SW_JS: &str = include_str!("../../assets/field/sw.js");

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; worker-src 'self'; frame-ancestors 'none'";

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        body,
    )
}

/// The page.
pub async fn index() -> impl IntoResponse {
    asset("text/html; charset=utf-8", INDEX)
}

/// Its script.
pub async fn app_js() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", APP_JS)
}

/// Its words in Chinese and English.
pub async fn i18n_js() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", I18N_JS)
}

/// Its style sheet.
pub async fn style() -> impl IntoResponse {
    asset("text/css; charset=utf-8", STYLE)
}

/// Its service worker, allowed to control `/field` itself (not only `/field/`).
pub async fn service_worker() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (
                header::HeaderName::from_static("service-worker-allowed"),
                "/field",
            ),
        ],
        SW_JS,
    )
}

/// One incident the caller is assigned to.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AssignedIncident {
    /// Its id.
    pub id: IncidentId,
    /// Its title.
    pub title: String,
    /// Its kind.
    pub kind: IncidentKind,
    /// The country.
    pub country: CountryCode,
    /// 1 to 5.
    pub severity: u8,
    /// Where it stands.
    pub status: IncidentStatus,
    /// Whether the caller leads it.
    pub lead: bool,
}

/// What a field officer's device needs to take reports.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MyIncidents {
    /// The caller.
    pub subject: String,
    /// The open incidents the caller leads or is on the team of, most severe first.
    pub incidents: Vec<AssignedIncident>,
    /// The categories a field report may have.
    pub report_categories: Vec<ReportCategory>,
}

/// Every report category, in the order a form lists them.
pub const REPORT_CATEGORIES: [ReportCategory; 8] = [
    ReportCategory::Situation,
    ReportCategory::Security,
    ReportCategory::Medical,
    ReportCategory::Logistics,
    ReportCategory::Contact,
    ReportCategory::Welfare,
    ReportCategory::Media,
    ReportCategory::Other,
];

/// The open incidents the caller is assigned to (as lead or team member), and the
/// report categories: what the field page offers.
#[utoipa::path(get, path = "/v1/me/incidents", responses((status = 200, body = MyIncidents)))]
pub async fn my_incidents(reader: Reader) -> Result<Json<MyIncidents>> {
    let p = reader.read(Action::ReadIncidents)?;
    let subject = reader.caller.actor.subject.clone();
    let mut incidents: Vec<AssignedIncident> = p
        .incidents
        .iter()
        .filter(|f| {
            f.status.is_open() && f.is_member(&subject) && views::may_see(&reader.caller, f)
        })
        .map(|f| AssignedIncident {
            id: f.id,
            title: f.title.clone(),
            kind: f.kind,
            country: f.country,
            severity: f.severity,
            status: f.status,
            lead: f.lead.as_deref() == Some(subject.as_str()),
        })
        .collect();
    drop(p);
    incidents.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.id.cmp(&b.id)));
    Ok(Json(MyIncidents {
        subject,
        incidents,
        report_categories: REPORT_CATEGORIES.to_vec(),
    }))
}

/// Adds this module's routes to the API.
pub(super) fn add_routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(my_incidents))
}
