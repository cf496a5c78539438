//! The wall display: a single page and its assets, compiled into the binary (no
//! separate front-end server, no build step, nothing fetched from the internet), and
//! the timeline its replay mode scrubs through.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use homeward_domain::policy::Action;
use homeward_projections::board::Visibility;
use homeward_projections::decisions;
use homeward_projections::timeline::TimelineView;
use serde::Deserialize;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, Problem};
use crate::extract::ApiQuery;
use crate::views;

const INDEX: &str = include_str!("../../assets/wall/index.html");
const APP_JS: &str = include_str!("../../assets/wall/app.js");
const STYLE: &str = include_str!("../../assets/wall/style.css");
const WORLD: &str = include_str!("../../assets/wall/world.json");

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
            ),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        body,
    )
}

/// The wall display page.
pub async fn index() -> impl IntoResponse {
    asset("text/html; charset=utf-8", INDEX)
}

/// Its script.
pub async fn app_js() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", APP_JS)
}

/// Its style sheet.
pub async fn style() -> impl IntoResponse {
    asset("text/css; charset=utf-8", STYLE)
}

/// Its world map (public-domain Natural Earth data, as GeoJSON).
pub async fn world() -> impl IntoResponse {
    asset("application/geo+json", WORLD)
}

/// How finely to cut the timeline.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TimelineQuery {
    /// Number of equal spans (default 240, at most 1000).
    pub buckets: Option<usize>,
}

/// The whole history at a glance: when it starts and ends, how many events fell in
/// each span, and the decisions recorded (restricted cases' decisions redacted or
/// left out, as on the board). The replay scrubber's scale.
#[utoipa::path(get, path = "/v1/timeline", tag = "board", params(TimelineQuery),
    responses((status = 200, body = TimelineView), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn timeline(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<TimelineQuery>,
) -> Result<Json<TimelineView>, AppError> {
    caller.require(Action::ReadBoard)?;
    let projections = state.service.read();
    let mut view = projections.timeline.view(q.buckets.unwrap_or(240));
    view.decisions =
        decisions::marks(projections.incidents.iter().filter_map(
            |f| match views::board_visibility(&caller, f) {
                Visibility::Full => Some((f, false)),
                Visibility::Redacted => Some((f, true)),
                Visibility::Hidden => None,
            },
        ));
    Ok(Json(view))
}
