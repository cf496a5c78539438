//! Person routes: register, the locator's search, whereabouts, vulnerabilities,
//! welfare checks, merges and corrections.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use homeward_domain::person::{
    PersonCommand, PersonDetails, Vulnerability, WelfareStatus, Whereabouts, date_of_birth,
};
use homeward_domain::policy::Action;
use homeward_domain::{PersonId, StreamId, Timestamp};
use homeward_service::Command;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::{authorize, execute, fields};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, Problem};
use crate::extract::{ApiPath, ApiQuery, IdempotencyKey, IfMatch, JsonBody};
use crate::routes::incidents::{CommandResult, ReasonBody};
use crate::views::{self, PersonView};

/// A person to register.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonBody {
    /// Full name as in the passport.
    pub full_name: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// ISO 3166-1 alpha-2.
    pub nationality: String,
    /// Passport number (personal data).
    #[serde(default)]
    pub passport_number: Option<String>,
    /// Phone (personal data).
    #[serde(default)]
    pub phone: Option<String>,
    /// Where they are now (ISO 3166-1 alpha-2).
    #[serde(default)]
    pub current_country: Option<String>,
    /// Place name.
    #[serde(default)]
    pub place: Option<String>,
    /// Latitude, with `lon`.
    #[serde(default)]
    pub lat: Option<f64>,
    /// Longitude, with `lat`.
    #[serde(default)]
    pub lon: Option<f64>,
    /// Reasons to look after them first.
    #[serde(default)]
    pub vulnerabilities: Vec<Vulnerability>,
}

impl PersonBody {
    /// The registration command, with the suspected duplicates looked up.
    pub fn command(self, state: &AppState) -> PersonCommand {
        let dob = date_of_birth(&self.date_of_birth, state.service.now()).ok();
        let suspected_duplicates = state.service.read().locator.suspected_duplicates(
            &self.full_name,
            dob,
            self.passport_number.as_deref(),
        );
        PersonCommand::Register {
            details: PersonDetails {
                full_name: self.full_name,
                date_of_birth: self.date_of_birth,
                nationality: self.nationality,
                passport_number: self.passport_number,
                phone: self.phone,
            },
            whereabouts: Whereabouts {
                country: self.current_country,
                place: self.place,
                lat: self.lat,
                lon: self.lon,
            },
            vulnerabilities: self.vulnerabilities,
            suspected_duplicates,
        }
    }
}

/// Where a person is now.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhereaboutsBody {
    /// ISO 3166-1 alpha-2.
    #[serde(default)]
    pub country: Option<String>,
    /// Place name.
    #[serde(default)]
    pub place: Option<String>,
    /// Latitude, with `lon`.
    #[serde(default)]
    pub lat: Option<f64>,
    /// Longitude, with `lat`.
    #[serde(default)]
    pub lon: Option<f64>,
}

/// The person's vulnerabilities (replacing the previous set).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VulnerabilitiesBody {
    /// Reasons to look after them first.
    pub vulnerabilities: Vec<Vulnerability>,
}

/// A welfare check's answer.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WelfareBody {
    /// `safe`, `needs_help` or `no_answer`.
    pub status: WelfareStatus,
    /// A note.
    #[serde(default)]
    pub note: Option<String>,
    /// When the check was made.
    #[serde(default)]
    pub occurred_at: Option<Timestamp>,
}

/// A merge of this record into the surviving record.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    /// The record that survives.
    pub into: PersonId,
    /// Why they are the same person.
    pub reason: String,
}

/// A correction of personal details.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonCorrectionBody {
    /// The version that was wrong.
    pub corrects_version: u64,
    /// Why.
    pub reason: String,
    /// Corrected name.
    #[serde(default)]
    pub full_name: Option<String>,
    /// Corrected date of birth.
    #[serde(default)]
    pub date_of_birth: Option<String>,
    /// Corrected nationality.
    #[serde(default)]
    pub nationality: Option<String>,
    /// Corrected passport number.
    #[serde(default)]
    pub passport_number: Option<String>,
    /// Corrected phone.
    #[serde(default)]
    pub phone: Option<String>,
}

/// The locator's query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// A name (every word a prefix) or a passport number.
    pub q: Option<String>,
    /// At most this many (default 50, at most 500).
    pub limit: Option<usize>,
}

/// The locator's answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PersonList {
    /// Matching persons.
    pub persons: Vec<PersonView>,
}

fn stream(id: PersonId) -> Option<StreamId> {
    Some(StreamId::person(id))
}

/// Register a person. A record that looks like the same person (same passport, or
/// same name and date of birth) is named in `warnings`; the registration goes ahead.
#[utoipa::path(post, path = "/v1/persons", tag = "persons", request_body = PersonBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key have one effect")),
    responses((status = 201, body = CommandResult), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn register(
    State(state): State<AppState>,
    caller: Caller,
    idem: IdempotencyKey,
    body: JsonBody<PersonBody>,
) -> Result<Response, AppError> {
    let id = PersonId(Uuid::now_v7());
    authorize(
        &state,
        &caller,
        Action::RegisterPerson,
        "register_person",
        stream(id),
    )
    .await?;
    let command = body.value.command(&state);
    let warnings = match &command {
        PersonCommand::Register {
            suspected_duplicates,
            ..
        } if !suspected_duplicates.is_empty() => json!([{
            "code": "suspected_duplicate",
            "detail": "records that look like the same person exist; merge them if they are",
            "person_ids": suspected_duplicates,
        }]),
        _ => json!([]),
    };
    let response = execute(
        &state,
        &caller,
        Command::Person(id, command),
        idem,
        body.request_hash,
        IfMatch(None),
        StatusCode::CREATED,
        fields([("id", json!(id)), ("warnings", warnings)]),
    )
    .await?;
    // Someone registered in a country at risk is owed a welfare check.
    state.service.wait_for_reactions().await;
    Ok(response)
}

/// Search persons by name or passport number (the locator).
#[utoipa::path(get, path = "/v1/persons", tag = "persons", params(SearchQuery),
    responses((status = 200, body = PersonList), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<PersonList>, AppError> {
    caller.require(Action::ReadPersons)?;
    let query = q.q.unwrap_or_default();
    if query.trim().chars().count() < 2 {
        return Err(AppError::bad_request(
            "invalid_query",
            "`q` needs at least two characters of a name or a passport number",
        ));
    }
    let projections = state.service.read();
    let persons = projections
        .locator
        .search(&query, q.limit.unwrap_or(50).clamp(1, 500))
        .into_iter()
        .map(|p| views::person_view(&caller, p, &projections))
        .collect();
    Ok(Json(PersonList { persons }))
}

/// One person: status, last known place, incidents and calls.
#[utoipa::path(get, path = "/v1/persons/{id}", tag = "persons", params(("id" = PersonId, Path)),
    responses((status = 200, body = PersonView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<PersonId>,
) -> Result<Json<PersonView>, AppError> {
    caller.require(Action::ReadPersons)?;
    let projections = state.service.read();
    let record = projections
        .locator
        .get(id)
        .ok_or_else(|| AppError::NotFound(format!("no person {id}")))?;
    Ok(Json(views::person_view(&caller, record, &projections)))
}

#[allow(clippy::too_many_arguments)]
async fn act(
    state: &AppState,
    caller: &Caller,
    id: PersonId,
    action: Action,
    command: PersonCommand,
    idem: IdempotencyKey,
    request_hash: [u8; 32],
    if_match: IfMatch,
) -> Result<Response, AppError> {
    authorize(state, caller, action, command.name(), stream(id)).await?;
    let response = execute(
        state,
        caller,
        Command::Person(id, command),
        idem,
        request_hash,
        if_match,
        StatusCode::OK,
        fields([("id", json!(id))]),
    )
    .await?;
    // A welfare answer or a move into a country at risk changes a welfare check.
    state.service.wait_for_reactions().await;
    Ok(response)
}

macro_rules! person_route {
    ($(#[$doc:meta])* $method:ident, $name:ident, $path:literal, $body:ty, $action:expr, |$b:ident, $id:ident| $command:expr) => {
        $(#[$doc])*
        #[utoipa::path($method, path = $path, tag = "persons",
            params(("id" = PersonId, Path),
                ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key have one effect"),
                ("If-Match" = Option<String>, Header, description = "The version you saw; another version answers 409")),
            request_body = $body,
            responses((status = 200, body = CommandResult), (status = 400, body = Problem), (status = 401, body = Problem),
                (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
            security(("bearer" = [])))]
        pub async fn $name(
            State(state): State<AppState>,
            caller: Caller,
            ApiPath($id): ApiPath<PersonId>,
            idem: IdempotencyKey,
            if_match: IfMatch,
            body: JsonBody<$body>,
        ) -> Result<Response, AppError> {
            let hash = body.request_hash;
            let $b = body.value;
            let command = $command;
            act(&state, &caller, $id, $action, command, idem, hash, if_match).await
        }
    };
}

person_route!(
    /// Erase the person's personal data (admin only): the key their name, passport
    /// number, phone and date of birth are sealed with is destroyed, so every stored copy reads
    /// as erased from then on, in every projection, export and time travel. The erasure
    /// is itself an audited event; the audit chain still verifies.
    post, erase, "/v1/persons/{id}/erase", ReasonBody, Action::ErasePerson,
    |b, id| PersonCommand::Erase { reason: b.reason }
);
person_route!(
    /// Record where the person is now.
    post, whereabouts, "/v1/persons/{id}/whereabouts", WhereaboutsBody, Action::UpdatePerson,
    |b, id| PersonCommand::UpdateWhereabouts(Whereabouts { country: b.country, place: b.place, lat: b.lat, lon: b.lon })
);
person_route!(
    /// Set the person's vulnerabilities.
    put, vulnerabilities, "/v1/persons/{id}/vulnerabilities", VulnerabilitiesBody, Action::UpdatePerson,
    |b, id| PersonCommand::SetVulnerabilities(b.vulnerabilities)
);
person_route!(
    /// Record the answer to a welfare check.
    post, welfare, "/v1/persons/{id}/welfare", WelfareBody, Action::UpdatePerson,
    |b, id| PersonCommand::RecordWelfareCheck { status: b.status, note: b.note, occurred_at: b.occurred_at }
);
person_route!(
    /// Undo a merge: this record stands on its own again.
    post, unmerge, "/v1/persons/{id}/unmerge", ReasonBody, Action::MergePersons,
    |b, id| PersonCommand::Unmerge { reason: b.reason }
);
person_route!(
    /// Correct personal details: names the version it corrects and why.
    post, correct, "/v1/persons/{id}/corrections", PersonCorrectionBody, Action::MergePersons,
    |b, id| PersonCommand::CorrectDetails {
        corrects_version: b.corrects_version, reason: b.reason, full_name: b.full_name,
        date_of_birth: b.date_of_birth, nationality: b.nationality,
        passport_number: b.passport_number, phone: b.phone,
    }
);

/// Merge this record into another record of the same person (undone by unmerge).
#[utoipa::path(post, path = "/v1/persons/{id}/merge", tag = "persons",
    params(("id" = PersonId, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key have one effect")),
    request_body = MergeBody,
    responses((status = 200, body = CommandResult), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn merge(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<PersonId>,
    idem: IdempotencyKey,
    if_match: IfMatch,
    body: JsonBody<MergeBody>,
) -> Result<Response, AppError> {
    let b = body.value;
    let target = state
        .service
        .read()
        .locator
        .get(b.into)
        .map(|p| p.merged_into);
    act(
        &state,
        &caller,
        id,
        Action::MergePersons,
        PersonCommand::MergeInto {
            this: id,
            into: b.into,
            reason: b.reason,
            target,
        },
        idem,
        body.request_hash,
        if_match,
    )
    .await
}
