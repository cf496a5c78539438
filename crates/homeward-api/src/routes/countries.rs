//! Country risk routes: set a country's risk level, list the levels set.

use axum::Json;
use axum::http::StatusCode;
use axum::response::Response;
use homeward_domain::CountryCode;
use homeward_domain::country::CountryCommand;
use homeward_domain::policy::Action;
use homeward_projections::board::RiskLevel;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Reader;
use super::command::{ChangeHeaders, CommandRequest, CommandResponses};
use crate::AppState;
use crate::error::AppError;
use crate::error::Result;
use crate::extract::ApiPath;

/// A risk level.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskBody {
    /// 1 (normal precautions) to 4 (do not travel; leave now).
    pub level: u8,
    /// Why.
    pub reason: String,
}

impl From<RiskBody> for CountryCommand {
    fn from(b: RiskBody) -> Self {
        Self::SetRiskLevel {
            level: b.level,
            reason: b.reason,
        }
    }
}

/// Risk levels set, highest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RiskList {
    /// The levels.
    pub countries: Vec<RiskLevel>,
}

/// Set a country's risk level.
#[utoipa::path(put, path = "/v1/countries/{code}/risk",
    params(("code" = String, Path, description = "ISO 3166-1 alpha-2"), ChangeHeaders),
    request_body = RiskBody, responses(CommandResponses))]
pub async fn set_risk(r: CommandRequest<ApiPath<String>, RiskBody>) -> Result<Response> {
    let ApiPath(code) = &r.path;
    let country = CountryCode::parse(code)
        .ok_or_else(|| AppError::NotFound(format!("`{code}` is not an ISO 3166-1 alpha-2 code")))?;
    let command = r.body.into();
    // The welfare checks a raise opens (or a fall cancels) are listed when this answers.
    r.origin
        .submit_on(Action::SetCountryRisk, country, command, StatusCode::OK)
        .await
}

/// Every country's risk level, highest first.
#[utoipa::path(get, path = "/v1/countries", operation_id = "list_countries",
    responses((status = 200, body = RiskList)))]
pub async fn list(reader: Reader) -> Result<Json<RiskList>> {
    Ok(Json(RiskList {
        countries: reader.read(Action::ReadBoard)?.board.risk_levels(),
    }))
}

/// Adds this module's routes to the API.
pub(super) fn add_routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(list)).routes(routes!(set_risk))
}
