//! Read models of Homeward, folded from the event log.
//!
//! Every model here is a pure fold: [`Projections::apply`] takes log entries in order
//! and skips any it has already seen, so folding the same entries twice changes
//! nothing and a rebuild from position 0 gives the same state. Nothing here does I/O
//! or reads a clock: views that depend on the time (overdue tasks) take `now`.
//!
//! - [`board`]: the crisis room's board: open incidents, totals, risk levels, feed;
//! - [`incidents`]: the full file of each incident, and time travel over it;
//! - [`locator`]: the person locator;
//! - [`calls`]: the hotline call log;
//! - [`evacuations`]: evacuations, manifests and reconciliation;
//! - [`streams`]: the domain state of every stream, for `decide`;
//! - [`timeline`]: events per minute, for replay;
//! - [`snapshot`]: every read model as bytes at one position, for fast restarts.

pub mod board;
pub mod calls;
pub mod evacuations;
pub mod incidents;
pub mod locator;
pub mod snapshot;
pub mod streams;
pub mod timeline;

use homeward_domain::Timestamp;
use homeward_store::LogEntry;
use serde::{Deserialize, Serialize};

/// Every read model, at one log position.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Projections {
    /// The last log position folded in.
    pub position: u64,
    /// When the last folded entry was recorded.
    pub recorded_at: Option<Timestamp>,
    /// The board.
    pub board: board::Board,
    /// Incident files.
    pub incidents: incidents::IncidentFiles,
    /// The person locator.
    pub locator: locator::Locator,
    /// The call log.
    pub calls: calls::CallLog,
    /// Evacuations and manifests.
    pub evacuations: evacuations::Evacuations,
    /// Domain state per stream.
    pub streams: streams::Streams,
    /// Events per minute.
    pub timeline: timeline::Timeline,
}

impl Projections {
    /// Folds one entry in. Entries at or before [`Projections::position`] are skipped.
    /// Returns whether the entry was new.
    pub fn apply(&mut self, entry: &LogEntry) -> bool {
        if entry.position() <= self.position {
            return false;
        }
        self.position = entry.position();
        self.recorded_at = Some(entry.recorded_at());
        if let LogEntry::Event(event) = entry {
            self.streams.apply(event);
            self.incidents.apply(event);
            self.board.apply(event, &self.incidents);
            self.locator.apply(event);
            self.calls.apply(event);
            self.evacuations.apply(event);
            self.timeline.record(event.recorded_at);
        }
        true
    }

    /// Folds many entries in order.
    pub fn apply_all<'a>(&mut self, entries: impl IntoIterator<Item = &'a LogEntry>) {
        for entry in entries {
            self.apply(entry);
        }
    }
}
