//! Country risk routes: set a country's risk level, list the levels set.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use homeward_domain::country::CountryCommand;
use homeward_domain::policy::Action;
use homeward_domain::{CountryCode, StreamId};
use homeward_projections::board::RiskLevel;
use homeward_service::Command;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{authorize, execute, fields};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, Problem};
use crate::extract::{ApiPath, IdempotencyKey, IfMatch, JsonBody};
use crate::routes::incidents::CommandResult;

/// A risk level.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskBody {
    /// 1 (normal precautions) to 4 (do not travel; leave now).
    pub level: u8,
    /// Why.
    pub reason: String,
}

/// Risk levels set, highest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RiskList {
    /// The levels.
    pub countries: Vec<RiskLevel>,
}

/// Set a country's risk level.
#[utoipa::path(put, path = "/v1/countries/{code}/risk", tag = "countries",
    params(("code" = String, Path, description = "ISO 3166-1 alpha-2"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key have one effect")),
    request_body = RiskBody,
    responses((status = 200, body = CommandResult), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn set_risk(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(code): ApiPath<String>,
    idem: IdempotencyKey,
    if_match: IfMatch,
    body: JsonBody<RiskBody>,
) -> Result<Response, AppError> {
    let country = CountryCode::parse(&code)
        .ok_or_else(|| AppError::NotFound(format!("`{code}` is not an ISO 3166-1 alpha-2 code")))?;
    authorize(
        &state,
        &caller,
        Action::SetCountryRisk,
        "set_risk_level",
        Some(StreamId::country(country)),
    )
    .await?;
    let b = body.value;
    let response = execute(
        &state,
        &caller,
        Command::Country(
            country,
            CountryCommand::SetRiskLevel {
                level: b.level,
                reason: b.reason,
            },
        ),
        idem,
        body.request_hash,
        if_match,
        StatusCode::OK,
        fields([("country", json!(country))]),
    )
    .await?;
    // The welfare checks a raise opens (or a fall cancels) are listed when this answers.
    state.service.wait_for_reactions().await;
    Ok(response)
}

/// Every country's risk level, highest first.
#[utoipa::path(get, path = "/v1/countries", tag = "countries",
    responses((status = 200, body = RiskList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<RiskList>, AppError> {
    caller.require(Action::ReadBoard)?;
    Ok(Json(RiskList {
        countries: state.service.read().board.risk_levels(),
    }))
}
