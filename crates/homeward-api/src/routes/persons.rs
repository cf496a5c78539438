//! Person routes: register, the locator's search, whereabouts, vulnerabilities,
//! welfare checks, merges and corrections.

use axum::Json;
use axum::http::StatusCode;
use axum::response::Response;
use homeward_domain::person::{
    PersonCommand, PersonDetails, Vulnerability, WelfareStatus, Whereabouts, date_of_birth,
};
use homeward_domain::policy::Action;
use homeward_domain::{PersonId, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Reader;
use super::command::{
    ChangeHeaders, CommandNames, CommandRequest, CommandResponses, CommandTarget, CreateHeaders,
    Warning,
};
use crate::AppState;
use crate::error::Result;
use crate::error::problems::{BadRequest, NotFound};
use crate::error::{AppError, OrNotFound};
use crate::extract::{ApiPath, ApiQuery, query_params};
use crate::routes::incidents::ReasonBody;
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
    pub passport_number: Option<String>,
    /// Phone (personal data).
    pub phone: Option<String>,
    /// Where they are now (ISO 3166-1 alpha-2).
    pub current_country: Option<String>,
    /// Place name.
    pub place: Option<String>,
    /// Latitude, with `lon`.
    pub lat: Option<f64>,
    /// Longitude, with `lat`.
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
    pub country: Option<String>,
    /// Place name.
    pub place: Option<String>,
    /// Latitude, with `lon`.
    pub lat: Option<f64>,
    /// Longitude, with `lat`.
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
    pub note: Option<String>,
    /// When the check was made.
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
    pub full_name: Option<String>,
    /// Corrected date of birth.
    pub date_of_birth: Option<String>,
    /// Corrected nationality.
    pub nationality: Option<String>,
    /// Corrected passport number.
    pub passport_number: Option<String>,
    /// Corrected phone.
    pub phone: Option<String>,
}

impl From<WhereaboutsBody> for Whereabouts {
    fn from(b: WhereaboutsBody) -> Self {
        Self {
            country: b.country,
            place: b.place,
            lat: b.lat,
            lon: b.lon,
        }
    }
}

impl From<WelfareBody> for PersonCommand {
    fn from(b: WelfareBody) -> Self {
        Self::RecordWelfareCheck {
            status: b.status,
            note: b.note,
            occurred_at: b.occurred_at,
        }
    }
}

impl From<PersonCorrectionBody> for PersonCommand {
    fn from(b: PersonCorrectionBody) -> Self {
        Self::CorrectDetails {
            corrects_version: b.corrects_version,
            reason: b.reason,
            full_name: b.full_name,
            date_of_birth: b.date_of_birth,
            nationality: b.nationality,
            passport_number: b.passport_number,
            phone: b.phone,
        }
    }
}

query_params! {
    /// The locator's query.
    pub struct SearchQuery {
        /// A name (every word a prefix) or a passport number.
        pub q: Option<String>,
        /// At most this many (default 50, at most 500).
        pub limit: Option<usize>,
    }
}

/// The locator's answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PersonList {
    /// Matching persons.
    pub persons: Vec<PersonView>,
}

/// Register a person. A record that looks like the same person (same passport, or
/// same name and date of birth) is named in `warnings`; the registration goes ahead.
#[utoipa::path(post, path = "/v1/persons", operation_id = "register_person", params(CreateHeaders),
    request_body = PersonBody, responses(CommandResponses))]
pub async fn register(r: CommandRequest<(), PersonBody, ()>) -> Result<Response> {
    let state = &r.origin.state;
    let id = PersonId(r.origin.new_id());
    let command = r.body.command(state);
    let warnings = match &command {
        PersonCommand::Register {
            suspected_duplicates,
            ..
        } if !suspected_duplicates.is_empty() => vec![Warning {
            code: "suspected_duplicate".into(),
            detail: "records that look like the same person exist; merge them if they are".into(),
            person_ids: suspected_duplicates.clone(),
        }],
        _ => Vec::new(),
    };
    let names = CommandNames {
        warnings: Some(warnings),
        ..id.names()
    };
    // Someone registered in a country at risk is owed a welfare check: `submit` waits.
    r.origin
        .submit(
            Action::RegisterPerson,
            id.command(command),
            StatusCode::CREATED,
            names,
        )
        .await
}

/// Search persons by name or passport number (the locator).
#[utoipa::path(get, path = "/v1/persons", params(SearchQuery),
    responses((status = 200, body = PersonList), BadRequest))]
pub async fn search(
    reader: Reader,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<PersonList>> {
    reader.require(Action::ReadPersons)?;
    let query = q.q.unwrap_or_default();
    if query.trim().chars().count() < 2 {
        return Err(AppError::bad_request(
            "invalid_query",
            "`q` needs at least two characters of a name or a passport number",
        ));
    }
    let projections = reader.state.service.read();
    let persons = projections
        .locator
        .search(&query, q.limit.unwrap_or(50).clamp(1, 500))
        .into_iter()
        .map(|p| views::person_view(&reader.caller, p, &projections))
        .collect();
    Ok(Json(PersonList { persons }))
}

/// One person: status, last known place, incidents and calls.
#[utoipa::path(get, path = "/v1/persons/{id}", operation_id = "get_person",
    params(("id" = PersonId, Path)), responses((status = 200, body = PersonView), NotFound))]
pub async fn get(reader: Reader, ApiPath(id): ApiPath<PersonId>) -> Result<Json<PersonView>> {
    let projections = reader.read(Action::ReadPersons)?;
    let record = projections.locator.get(id).or_not_found("person", id)?;
    Ok(Json(views::person_view(
        &reader.caller,
        record,
        &projections,
    )))
}

/// Erase the person's personal data (admin only): the key their name, passport
/// number, phone and date of birth are sealed with is destroyed, so every stored copy reads
/// as erased from then on, in every projection, export and time travel. The erasure
/// is itself an audited event; the audit chain still verifies.
#[utoipa::path(post, path = "/v1/persons/{id}/erase",
    params(("id" = PersonId, Path), ChangeHeaders), request_body = ReasonBody,
    responses(CommandResponses))]
pub async fn erase(r: CommandRequest<ApiPath<PersonId>, ReasonBody>) -> Result<Response> {
    r.send(Action::ErasePerson, StatusCode::OK, |_, b| {
        PersonCommand::Erase { reason: b.reason }
    })
    .await
}

/// Record where the person is now.
#[utoipa::path(post, path = "/v1/persons/{id}/whereabouts",
    params(("id" = PersonId, Path), ChangeHeaders), request_body = WhereaboutsBody,
    responses(CommandResponses))]
pub async fn whereabouts(
    r: CommandRequest<ApiPath<PersonId>, WhereaboutsBody>,
) -> Result<Response> {
    r.send(Action::UpdatePerson, StatusCode::OK, |_, b| {
        PersonCommand::UpdateWhereabouts(b.into())
    })
    .await
}

/// Set the person's vulnerabilities.
#[utoipa::path(put, path = "/v1/persons/{id}/vulnerabilities",
    params(("id" = PersonId, Path), ChangeHeaders), request_body = VulnerabilitiesBody,
    responses(CommandResponses))]
pub async fn vulnerabilities(
    r: CommandRequest<ApiPath<PersonId>, VulnerabilitiesBody>,
) -> Result<Response> {
    r.send(Action::UpdatePerson, StatusCode::OK, |_, b| {
        PersonCommand::SetVulnerabilities(b.vulnerabilities)
    })
    .await
}

/// Record the answer to a welfare check.
#[utoipa::path(post, path = "/v1/persons/{id}/welfare",
    params(("id" = PersonId, Path), ChangeHeaders), request_body = WelfareBody,
    responses(CommandResponses))]
pub async fn welfare(r: CommandRequest<ApiPath<PersonId>, WelfareBody>) -> Result<Response> {
    r.send_body(Action::UpdatePerson, StatusCode::OK).await
}

/// Undo a merge: this record stands on its own again.
#[utoipa::path(post, path = "/v1/persons/{id}/unmerge",
    params(("id" = PersonId, Path), ChangeHeaders), request_body = ReasonBody,
    responses(CommandResponses))]
pub async fn unmerge(r: CommandRequest<ApiPath<PersonId>, ReasonBody>) -> Result<Response> {
    r.send(Action::MergePersons, StatusCode::OK, |_, b| {
        PersonCommand::Unmerge { reason: b.reason }
    })
    .await
}

/// Correct personal details: names the version it corrects and why.
#[utoipa::path(post, path = "/v1/persons/{id}/corrections", operation_id = "correct_person",
    params(("id" = PersonId, Path), ChangeHeaders), request_body = PersonCorrectionBody,
    responses(CommandResponses))]
pub async fn correct(
    r: CommandRequest<ApiPath<PersonId>, PersonCorrectionBody>,
) -> Result<Response> {
    r.send_body(Action::MergePersons, StatusCode::OK).await
}

/// Merge this record into another record of the same person (undone by unmerge).
#[utoipa::path(post, path = "/v1/persons/{id}/merge",
    params(("id" = PersonId, Path), ChangeHeaders), request_body = MergeBody,
    responses(CommandResponses))]
pub async fn merge(r: CommandRequest<ApiPath<PersonId>, MergeBody>) -> Result<Response> {
    let state = r.origin.state.clone();
    // What the surviving record is: itself merged into another, or unknown.
    let target = |into| {
        state
            .service
            .read()
            .locator
            .get(into)
            .map(|p| p.merged_into)
    };
    r.send(Action::MergePersons, StatusCode::OK, |this, b| {
        PersonCommand::MergeInto {
            this,
            into: b.into,
            reason: b.reason,
            target: target(b.into),
        }
    })
    .await
}

/// Adds this module's routes to the API.
pub(super) fn add_routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(register, search))
        .routes(routes!(get))
        .routes(routes!(whereabouts))
        .routes(routes!(vulnerabilities))
        .routes(routes!(welfare))
        .routes(routes!(merge))
        .routes(routes!(unmerge))
        .routes(routes!(correct))
        .routes(routes!(erase))
}
