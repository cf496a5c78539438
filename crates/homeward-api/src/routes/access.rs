//! Token revocation: an admin revokes one token (by its id) or every token of a subject
//! issued until now. The revocation is an event of the access stream, so it is audited
//! and holds on every instance that reads the log.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use homeward_domain::StreamId;
use homeward_domain::access::AccessCommand;
use homeward_domain::policy::Action;
use homeward_service::Command;
use serde::Deserialize;
use serde_json::Map;

use super::{authorize, execute};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, Problem};
use crate::extract::{IdempotencyKey, IfMatch, JsonBody};
use crate::routes::incidents::CommandResult;

/// What to revoke: a token by its id (`jti`), every token of a subject issued until
/// now, or both.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevocationBody {
    /// The token's id (its `jti` claim).
    #[serde(default)]
    pub token_id: Option<String>,
    /// A subject: every token issued to them until now.
    #[serde(default)]
    pub subject: Option<String>,
    /// Why.
    pub reason: String,
}

/// Revoke tokens (admin only). From the answer on, requests with a revoked token get 401.
#[utoipa::path(post, path = "/v1/tokens/revocations", tag = "system", request_body = RevocationBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key have one effect")),
    responses((status = 201, body = CommandResult), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    idem: IdempotencyKey,
    body: JsonBody<RevocationBody>,
) -> Result<Response, AppError> {
    let command = AccessCommand::Revoke {
        token_id: body.value.token_id,
        subject: body.value.subject,
        reason: body.value.reason,
    };
    authorize(
        &state,
        &caller,
        Action::RevokeTokens,
        command.name(),
        Some(StreamId::access()),
    )
    .await?;
    execute(
        &state,
        &caller,
        Command::Access(command),
        idem,
        body.request_hash,
        IfMatch(None),
        StatusCode::CREATED,
        Map::new(),
    )
    .await
}
