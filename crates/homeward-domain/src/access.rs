//! The access stream: revocations of API tokens, one stream for the whole service.
//! A revocation names one token (its id) or a subject, whose every token issued up to
//! the moment of the revocation stops working. Kept as events so that every instance
//! folds the same list and an auditor sees who revoked what and why.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::aggregate::{Aggregate, Context};
use crate::rejection::Rejection;
use crate::validate;

/// The stream's local id (the stream is `access-tokens`).
pub const STREAM: &str = "access-tokens";

/// Longest token id or subject accepted.
pub const MAX_NAME: usize = 200;

/// Everything that can be asked of the access list.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum AccessCommand {
    /// Revoke one token, or every token of a subject issued until now (or both).
    Revoke {
        token_id: Option<String>,
        subject: Option<String>,
        reason: String,
    },
}

impl AccessCommand {
    /// A stable name for the command, for the audit trail of rejections.
    pub fn name(&self) -> &'static str {
        "revoke_tokens"
    }
}

/// Tokens were revoked: the one named by `token_id`, and every token of `subject`
/// issued at or before `issued_before`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct TokensRevoked {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub issued_before: Timestamp,
    pub reason: String,
}

crate::event::events! {
    /// Everything that can happen to the access list.
    pub enum AccessEvent {
        TokensRevoked(TokensRevoked) = ("access.tokens_revoked", 1),
    }
}

/// What `decide` needs of the access list: only its version.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AccessList {
    /// Events folded so far.
    pub version: u64,
}

impl Aggregate for AccessList {
    type Command = AccessCommand;
    type Event = AccessEvent;

    fn decide(
        &self,
        command: &AccessCommand,
        ctx: &Context,
    ) -> Result<Vec<AccessEvent>, Rejection> {
        let AccessCommand::Revoke {
            token_id,
            subject,
            reason,
        } = command;
        let token_id = validate::optional("token_id", token_id.as_deref(), MAX_NAME)?;
        let subject = validate::optional("subject", subject.as_deref(), MAX_NAME)?;
        if token_id.is_none() && subject.is_none() {
            return Err(Rejection::Empty {
                field: "token_id or subject",
            });
        }
        Ok(vec![AccessEvent::TokensRevoked(TokensRevoked {
            token_id,
            subject,
            issued_before: ctx.now,
            reason: validate::reason(reason)?,
        })])
    }

    fn evolve(mut self, _event: &AccessEvent) -> Self {
        self.version += 1;
        self
    }

    fn version(&self) -> u64 {
        self.version
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{Actor, Role};

    fn ctx() -> Context {
        Context {
            actor: Actor::new("root", Role::Admin),
            now: "2026-05-01T08:00:00Z".parse().expect("time"),
        }
    }

    #[test]
    fn a_revocation_names_a_token_or_a_subject_and_a_reason() {
        let list = AccessList::default();
        let none = AccessCommand::Revoke {
            token_id: None,
            subject: Some("  ".into()),
            reason: "lost phone".into(),
        };
        assert!(matches!(
            list.decide(&none, &ctx()),
            Err(Rejection::Empty { .. })
        ));
        let no_reason = AccessCommand::Revoke {
            token_id: Some("t1".into()),
            subject: None,
            reason: " ".into(),
        };
        assert_eq!(
            list.decide(&no_reason, &ctx()),
            Err(Rejection::ReasonRequired)
        );
        let ok = AccessCommand::Revoke {
            token_id: None,
            subject: Some("amira".into()),
            reason: "left the service".into(),
        };
        let events = list.decide(&ok, &ctx()).expect("revoked");
        let AccessEvent::TokensRevoked(e) = &events[0];
        assert_eq!(e.subject.as_deref(), Some("amira"));
        assert_eq!(e.issued_before, ctx().now);
    }
}
