//! Token revocation: an admin revokes one token (by its id) or every token of a subject
//! issued until now. The revocation is an event of the access stream, so it is audited
//! and holds on every instance that reads the log.

use axum::http::StatusCode;
use axum::response::Response;
use homeward_domain::access::AccessCommand;
use homeward_domain::policy::Action;
use homeward_service::Command;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::command::{CommandNames, CommandRequest, CommandResponses, CreateHeaders};
use crate::AppState;
use crate::error::Result;

/// What to revoke: a token by its id (`jti`), every token of a subject issued until
/// now, or both.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevocationBody {
    /// The token's id (its `jti` claim).
    pub token_id: Option<String>,
    /// A subject: every token issued to them until now.
    pub subject: Option<String>,
    /// Why.
    pub reason: String,
}

/// Revoke tokens (admin only). From the answer on, requests with a revoked token get 401.
#[utoipa::path(post, path = "/v1/tokens/revocations", params(CreateHeaders),
    request_body = RevocationBody, responses(CommandResponses))]
pub async fn revoke(r: CommandRequest<(), RevocationBody, ()>) -> Result<Response> {
    let b = r.body;
    let command = Command::Access(AccessCommand::Revoke {
        token_id: b.token_id,
        subject: b.subject,
        reason: b.reason,
    });
    r.origin
        .submit(
            Action::RevokeTokens,
            command,
            StatusCode::CREATED,
            CommandNames::default(),
        )
        .await
}

/// Adds this module's routes to the API.
pub(super) fn add_routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(revoke))
}
