//! The token revocation list, folded from the access stream: revoked token ids, and per
//! subject the moment up to which every token issued to them is revoked.

use std::collections::{HashMap, HashSet};

use homeward_domain::access::AccessEvent;
use homeward_domain::{DomainEvent, Timestamp};
use homeward_store::RecordedEvent;

/// Revoked tokens.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Revocations {
    tokens: HashSet<String>,
    subjects: HashMap<String, Timestamp>,
}

impl Revocations {
    /// Folds one event in.
    pub fn apply(&mut self, event: &RecordedEvent) {
        let DomainEvent::Access(AccessEvent::TokensRevoked(r)) = &event.event else {
            return;
        };
        if let Some(token) = &r.token_id {
            self.tokens.insert(token.clone());
        }
        if let Some(subject) = &r.subject {
            let until = self
                .subjects
                .entry(subject.clone())
                .or_insert(r.issued_before);
            *until = (*until).max(r.issued_before);
        }
    }

    /// Whether a token with this id, subject and issue time (seconds since the epoch)
    /// is revoked. Token issue times have whole seconds, so a token issued in the same
    /// second as a subject's revocation counts as revoked.
    pub fn is_revoked(&self, token_id: &str, subject: &str, issued_at: i64) -> bool {
        self.tokens.contains(token_id)
            || self
                .subjects
                .get(subject)
                .is_some_and(|until| issued_at <= until.as_second())
    }
}
