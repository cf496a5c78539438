//! Decisions pinned to what was known: a decision recorded on an incident names the
//! version of the incident and the log position its author was looking at, so that
//! later anyone can see it beside what was known when it was made.

use serde::{Deserialize, Serialize};

use crate::ids::DecisionId;
use crate::incident::Incident;
use crate::rejection::Rejection;
use crate::validate::{self, MAX_NOTE, MAX_TITLE};

/// The most options a decision may list as considered.
pub const MAX_OPTIONS: usize = 20;

/// A decision as its author records it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordDecision {
    /// The identifier the edge gave the decision.
    pub decision_id: DecisionId,
    /// What was decided.
    pub decision: String,
    /// Why.
    pub rationale: String,
    /// The options weighed against it, if the author lists them.
    pub options_considered: Vec<String>,
    /// The version of the incident the author was looking at (looked up by the edge:
    /// the client's `If-Match`, or else the incident's version at the server's head).
    pub known_version: u64,
    /// The log position of what the author was looking at (looked up by the edge).
    pub known_position: u64,
}

/// A decision was recorded. `known_version` and `known_position` say what its author
/// was looking at; anything later was not known to them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DecisionRecorded {
    /// The decision's id.
    pub decision_id: DecisionId,
    /// What was decided.
    pub decision: String,
    /// Why.
    pub rationale: String,
    /// The options weighed against it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options_considered: Vec<String>,
    /// The version of the incident its author was looking at.
    pub known_version: u64,
    /// The log position of what its author was looking at.
    pub known_position: u64,
}

/// The rule of recording a decision on `incident` (which the caller found open for
/// work): a decision and a rationale, at most [`MAX_OPTIONS`] distinct options, and a known
/// version the incident has reached.
pub fn decide(incident: &Incident, cmd: &RecordDecision) -> Result<DecisionRecorded, Rejection> {
    if cmd.known_version == 0 || cmd.known_version > incident.version {
        return Err(Rejection::UnknownVersion {
            version: cmd.known_version,
            latest: incident.version,
        });
    }
    if cmd.known_position == 0 {
        return Err(Rejection::UnknownVersion {
            version: cmd.known_position,
            latest: incident.version,
        });
    }
    if cmd.options_considered.len() > MAX_OPTIONS {
        return Err(Rejection::TooMany {
            field: "options_considered",
            max: MAX_OPTIONS,
        });
    }
    let mut options: Vec<String> = Vec::with_capacity(cmd.options_considered.len());
    for option in &cmd.options_considered {
        let option = validate::required("options_considered", option, MAX_TITLE)?;
        if options.contains(&option) {
            return Err(Rejection::AlreadyExists {
                what: "option considered",
            });
        }
        options.push(option);
    }
    Ok(DecisionRecorded {
        decision_id: cmd.decision_id,
        decision: validate::required("decision", &cmd.decision, MAX_NOTE)?,
        rationale: validate::required("rationale", &cmd.rationale, MAX_NOTE)?,
        options_considered: options,
        known_version: cmd.known_version,
        known_position: cmd.known_position,
    })
}
