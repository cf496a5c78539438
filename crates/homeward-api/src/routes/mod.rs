//! The routes, one module per resource, and the path every command takes through them.

pub mod access;
pub mod answer;
pub mod audit;
pub mod board;
pub mod calls;
pub mod command;
pub mod countries;
pub mod decisions;
pub mod evacuations;
pub mod field;
pub mod incidents;
pub mod persons;
pub mod sitrep;
pub mod subscriptions;
pub mod system;
pub mod tasks;
pub mod wall;

use std::sync::RwLockReadGuard;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::routing::get;
use homeward_domain::policy::{self, Action};
use homeward_domain::{CountryCode, EvacuationId, IncidentId, PersonId, StreamId};
use homeward_projections::Projections;
use homeward_projections::incidents::IncidentFile;
use homeward_store::RejectionRequest;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::openapi::Access;
use crate::views;

/// How a module adds its routes to the API: each handler's `#[utoipa::path]` gives
/// its method, its path and its OpenAPI operation, so the router and the document
/// cannot disagree.
type Register = fn(OpenApiRouter<AppState>) -> OpenApiRouter<AppState>;

/// A module of the API: the tag its operations are listed under, who may call them,
/// and its routes. What holds for every operation of a module is said here once, not
/// on each handler.
struct Module {
    tag: &'static str,
    access: Access,
    register: Register,
}

const fn module(tag: &'static str, access: Access, register: Register) -> Module {
    Module {
        tag,
        access,
        register,
    }
}

/// The modules of the API, in the order they register their routes.
const MODULES: [Module; 16] = [
    module("system", Access::Public, system::add_routes),
    module("board", Access::Bearer, wall::add_routes),
    module("subscriptions", Access::Bearer, subscriptions::add_routes),
    module("tasks", Access::Bearer, tasks::add_routes),
    module("tasks", Access::Bearer, answer::add_routes),
    module("incidents", Access::Bearer, field::add_routes),
    module("incidents", Access::Bearer, incidents::add_routes),
    module("incidents", Access::Bearer, decisions::add_routes),
    module("persons", Access::Bearer, persons::add_routes),
    module("system", Access::Bearer, access::add_routes),
    module("calls", Access::Bearer, calls::add_routes),
    module("evacuations", Access::Bearer, evacuations::add_routes),
    module("countries", Access::Bearer, countries::add_routes),
    module("board", Access::Bearer, board::add_routes),
    module("board", Access::Bearer, sitrep::add_routes),
    module("audit", Access::Bearer, audit::add_routes),
];

/// Every route of the API, each registered once, by the module that serves it, and
/// each operation described with its module's tag and access. (The wall display's own
/// files are in [`router`] only.)
pub fn api() -> OpenApiRouter<AppState> {
    let base = OpenApiRouter::with_openapi(crate::openapi::base());
    MODULES.iter().fold(base, |api, module| {
        let mut routes = (module.register)(OpenApiRouter::new());
        crate::openapi::describe(routes.get_openapi_mut(), module.tag, module.access);
        api.merge(routes)
    })
}

/// The field capture page's files and the citizens' answer page's, in the order
/// [`router`] registers them.
const PAGES: &[&str] = &[
    "/field",
    "/field/app.js",
    "/field/i18n.js",
    "/field/style.css",
    "/field/sw.js",
    "/answer-assets/style.css",
    "/answer-assets/answer.js",
];

const ASSET_COUNT: usize = wall::FILES.len() + PAGES.len();

const ASSET_PATHS: [&str; ASSET_COUNT] = {
    let mut paths = [""; ASSET_COUNT];
    let mut i = 0;
    while i < wall::FILES.len() {
        paths[i] = wall::FILES[i].path;
        i += 1;
    }
    let mut j = 0;
    while j < PAGES.len() {
        paths[i + j] = PAGES[j];
        j += 1;
    }
    paths
};

/// The pages' own files (the wall display's, from [`wall::FILES`], then the field
/// capture page's and the citizens' answer page's), served beside the API and not part
/// of its document.
pub const ASSETS: &[&str] = &ASSET_PATHS;

/// Every route: the API, the pages' files and the citizens' answer page.
pub fn router() -> Router<AppState> {
    let (mut router, _) = api().split_for_parts();
    for file in wall::FILES {
        router = router.route(file.path, get(move || async move { wall::serve(file) }));
    }
    router
        .route(PAGES[0], get(field::index))
        .route(PAGES[1], get(field::app_js))
        .route(PAGES[2], get(field::i18n_js))
        .route(PAGES[3], get(field::style))
        .route(PAGES[4], get(field::service_worker))
        .route(PAGES[5], get(answer::style))
        .route(PAGES[6], get(answer::script))
        // A citizen's answer page: a plain HTML form, not part of the API's document.
        .route(
            "/answer/{token}",
            get(answer::page_get).post(answer::page_post),
        )
}

/// A read request: the caller (extracted first, so that a request without a valid
/// token answers 401 before anything else is looked at) and the application it reads.
pub struct Reader {
    /// The application.
    pub state: AppState,
    /// The caller.
    pub caller: Caller,
}

impl FromRequestParts<AppState> for Reader {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        Ok(Self {
            state: state.clone(),
            caller,
        })
    }
}

impl Reader {
    /// 403 unless the caller's role may `action`.
    pub fn require(&self, action: Action) -> Result<(), AppError> {
        self.caller.require(action)
    }

    /// The read models, once the caller's role may `action` (403 otherwise).
    pub fn read(&self, action: Action) -> Result<RwLockReadGuard<'_, Projections>, AppError> {
        self.require(action)?;
        Ok(self.state.service.read())
    }
}

/// Fails with 403 (recorded in the audit trail) unless the caller's role may `action`.
pub(crate) async fn authorize(
    state: &AppState,
    caller: &Caller,
    action: Action,
    command: &str,
    stream: Option<StreamId>,
) -> Result<(), AppError> {
    match caller.require(action) {
        Ok(()) => Ok(()),
        Err(denied) => Err(refused(state, caller, stream, command, denied).await),
    }
}

/// Records in the audit trail that `command` was refused with 403, and answers the
/// refusal (or the failure to record it).
async fn refused(
    state: &AppState,
    caller: &Caller,
    stream: Option<StreamId>,
    command: &str,
    denied: AppError,
) -> AppError {
    let recorded = state
        .service
        .record_refusal(RejectionRequest {
            stream_id: stream,
            command: command.to_owned(),
            code: "forbidden".into(),
            reason: denied.to_string(),
            actor: caller.actor.clone(),
            correlation_id: state.service.new_id(),
        })
        .await;
    match recorded {
        Ok(_) => denied,
        Err(e) => e.into(),
    }
}

/// Whether the caller may see the incident (an unknown incident is not visible).
pub(crate) fn incident_visible(state: &AppState, caller: &Caller, id: IncidentId) -> bool {
    state
        .service
        .read()
        .incidents
        .get(id)
        .is_some_and(|file| views::may_see(caller, file))
}

/// 404 unless the caller may see the incident (without copying its file).
pub(crate) fn ensure_visible(
    state: &AppState,
    caller: &Caller,
    id: IncidentId,
) -> Result<(), AppError> {
    if incident_visible(state, caller, id) {
        Ok(())
    } else {
        Err(AppError::not_found("incident", id))
    }
}

/// 404 unless the evacuation exists.
pub(crate) fn ensure_evacuation(state: &AppState, id: EvacuationId) -> Result<(), AppError> {
    match state.service.read().evacuations.get(id) {
        Some(_) => Ok(()),
        None => Err(AppError::not_found("evacuation", id)),
    }
}

/// A query's `country` filter: none when not given, 400 when it is not a country code.
pub(crate) fn country_filter(code: Option<&str>) -> Result<Option<CountryCode>, AppError> {
    code.map(|c| {
        CountryCode::parse(c).ok_or_else(|| {
            AppError::bad_request("invalid_query", format!("`{c}` is not a country code"))
        })
    })
    .transpose()
}

/// Whether the person is in the registry.
pub(crate) fn person_known(state: &AppState, id: PersonId) -> bool {
    state.service.read().locator.get(id).is_some()
}

/// 404 unless the caller may see the incident; then 403 (recorded in the audit trail)
/// unless the caller may act on it: field officers act only where they are assigned.
pub(crate) async fn ensure_assigned(
    state: &AppState,
    caller: &Caller,
    id: IncidentId,
    command: &str,
) -> Result<(), AppError> {
    let is_member = {
        let projections = state.service.read();
        match projections.incidents.get(id) {
            Some(file) if views::may_see(caller, file) => file.is_member(&caller.actor.subject),
            _ => return Err(AppError::not_found("incident", id)),
        }
    };
    if policy::may_act_on_incident(&caller.actor, is_member) {
        return Ok(());
    }
    let denied =
        AppError::Forbidden("field officers act only on incidents they are assigned to".to_owned());
    let stream = Some(StreamId::incident(id));
    Err(refused(state, caller, stream, command, denied).await)
}

/// The incident's file if the caller may see it; 404 otherwise, as if it did not exist.
pub(crate) fn visible_incident(
    state: &AppState,
    caller: &Caller,
    id: IncidentId,
) -> Result<IncidentFile, AppError> {
    let projections = state.service.read();
    match projections.incidents.get(id) {
        Some(file) if views::may_see(caller, file) => Ok(file.clone()),
        _ => Err(AppError::not_found("incident", id)),
    }
}
