//! The wall display: a single page and its assets, compiled into the binary (no
//! separate front-end server, no build step, nothing fetched from the internet), and
//! the timeline its replay mode scrubs through.

use axum::Json;
use axum::http::header;
use axum::response::IntoResponse;
use homeward_domain::policy::Action;
use homeward_projections::board::Visibility;
use homeward_projections::decisions;
use homeward_projections::timeline::TimelineView;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Reader;
use crate::AppState;
use crate::error::Result;
use crate::error::problems::BadRequest;
use crate::extract::{ApiQuery, query_params};
use crate::views;

/// One file of the wall display: where it is served, as what, and its bytes.
#[derive(Debug)]
pub struct File {
    /// The path it is served at.
    pub path: &'static str,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its bytes, compiled in.
    pub body: &'static str,
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// Every file of the wall display. The router serves each at its path, and
/// [`super::ASSETS`] lists them. `/wall/app.js` is the entry module; the others are the
/// ES modules it imports (relative `import`s, so each is a path here), and the words in
/// Chinese.
pub const FILES: &[File] = &[
    File {
        path: "/",
        content_type: HTML,
        body: include_str!("../../assets/wall/index.html"),
    },
    File {
        path: "/wall/app.js",
        content_type: JS,
        body: include_str!("../../assets/wall/app.js"),
    },
    File {
        path: "/wall/common.js",
        content_type: JS,
        body: include_str!("../../assets/wall/common.js"),
    },
    File {
        path: "/wall/auth.js",
        content_type: JS,
        body: include_str!("../../assets/wall/auth.js"),
    },
    File {
        path: "/wall/board.js",
        content_type: JS,
        body: include_str!("../../assets/wall/board.js"),
    },
    File {
        path: "/wall/render.js",
        content_type: JS,
        body: include_str!("../../assets/wall/render.js"),
    },
    File {
        path: "/wall/map.js",
        content_type: JS,
        body: include_str!("../../assets/wall/map.js"),
    },
    File {
        path: "/wall/live.js",
        content_type: JS,
        body: include_str!("../../assets/wall/live.js"),
    },
    File {
        path: "/wall/replay.js",
        content_type: JS,
        body: include_str!("../../assets/wall/replay.js"),
    },
    File {
        path: "/wall/i18n.js",
        content_type: JS,
        body: include_str!("../../assets/wall/i18n.js"),
    },
    File {
        path: "/wall/style.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../assets/wall/style.css"),
    },
    // The world map: public-domain Natural Earth data, as GeoJSON.
    File {
        path: "/wall/world.json",
        content_type: "application/geo+json",
        body: include_str!("../../assets/wall/world.json"),
    },
];

/// Serves one of the wall display's files.
pub fn serve(file: &'static File) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, file.content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
            ),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        file.body,
    )
}

query_params! {
    /// How finely to cut the timeline.
    pub struct TimelineQuery {
        /// Number of equal spans (default 240, at most 1000).
        pub buckets: Option<usize>,
    }
}

/// The whole history at a glance: when it starts and ends, how many events fell in
/// each span, and the decisions recorded (restricted cases' decisions redacted or
/// left out, as on the board). The replay scrubber's scale.
#[utoipa::path(get, path = "/v1/timeline", params(TimelineQuery),
    responses((status = 200, body = TimelineView), BadRequest))]
pub async fn timeline(
    reader: Reader,
    ApiQuery(q): ApiQuery<TimelineQuery>,
) -> Result<Json<TimelineView>> {
    let projections = reader.read(Action::ReadBoard)?;
    let mut view = projections.timeline.view(q.buckets.unwrap_or(240));
    view.decisions =
        decisions::marks(projections.incidents.iter().filter_map(
            |f| match views::board_visibility(&reader.caller, f) {
                Visibility::Full => Some((f, false)),
                Visibility::Redacted => Some((f, true)),
                Visibility::Hidden => None,
            },
        ));
    Ok(Json(view))
}

/// Adds this module's routes to the API.
pub(super) fn add_routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(timeline))
}
