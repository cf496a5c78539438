//! Read models of Homeward, folded from the event log.
//!
//! Every model here is a pure fold: [`Projections::apply`] takes log entries in order
//! and skips any it has already seen, so folding the same entries twice changes
//! nothing and a rebuild from position 0 gives the same state. Nothing here does I/O
//! or reads a clock: views that depend on the time (overdue tasks) take `now`.
//!
//! - [`board`]: the crisis room's board: open incidents, totals, risk levels, feed;
//! - [`incidents`]: the full file of each incident, and time travel over it;
//! - [`decisions`]: each decision beside what was known when it was made;
//! - [`locator`]: the person locator;
//! - [`sitrep`]: situation reports for leadership, as JSON, Markdown and HTML;
//! - [`calls`]: the hotline call log;
//! - [`evacuations`]: evacuations, manifests and reconciliation;
//! - [`streams`]: the domain state of every stream, for `decide`;
//! - [`timeline`]: events per minute, for replay;
//! - [`welfare`]: welfare checks, and the reactions Homeward still owes;
//! - [`deadlines`]: missed deadlines, and what is due;
//! - [`subscriptions`]: who receives which events;
//! - [`access`]: the token revocation list;
//! - [`snapshot`]: every read model as bytes at one position, for fast restarts.

pub mod access;
pub mod board;
pub mod calls;
pub mod deadlines;
pub mod decisions;
pub mod evacuations;
pub mod incidents;
pub mod locator;
pub mod sitrep;
pub mod snapshot;
pub mod streams;
pub mod subscriptions;
pub mod timeline;
pub mod welfare;

use homeward_domain::Timestamp;
use homeward_store::LogEntry;

/// Every read model, at one log position. Stored by [`snapshot`], personal data sealed.
#[derive(Debug, Clone, Default, PartialEq)]
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
    /// Welfare checks and owed reactions.
    pub welfare: welfare::Welfare,
    /// Missed deadlines.
    pub deadlines: deadlines::Deadlines,
    /// Subscriptions to events.
    pub subscriptions: subscriptions::Subscriptions,
    /// Revoked tokens.
    pub revocations: access::Revocations,
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
            self.welfare.apply(event, &self.streams);
            self.deadlines.apply(event);
            self.subscriptions.apply(event);
            self.timeline.record(event.recorded_at);
            self.revocations.apply(event);
        }
        true
    }

    /// The board for one viewer at `now`, with welfare progress and missed deadlines.
    pub fn render_board(
        &self,
        now: Timestamp,
        visibility: &dyn Fn(&incidents::IncidentFile) -> board::Visibility,
    ) -> board::BoardView {
        let mut view = self.board.render(
            &self.incidents,
            &self.evacuations,
            self.position,
            now,
            visibility,
        );
        view.welfare_checks = self.welfare.progress(now);
        view.deadlines_missed_total = self.deadlines.total();
        view.deadlines_missed = self.missed_deadlines(visibility);
        view
    }

    /// The latest missed deadlines one viewer may see, newest first: one of an incident
    /// they may not see is left out; of one they see redacted, only its kind and times
    /// remain.
    pub fn missed_deadlines(
        &self,
        visibility: &dyn Fn(&incidents::IncidentFile) -> board::Visibility,
    ) -> Vec<deadlines::MissedView> {
        use board::Visibility;
        self.deadlines
            .recent()
            .filter_map(|m| {
                let vis = match m.missed.incident_id {
                    Some(id) => self
                        .incidents
                        .get(id)
                        .map_or(Visibility::Hidden, visibility),
                    None => Visibility::Full,
                };
                match vis {
                    Visibility::Hidden => None,
                    Visibility::Full => Some(m.clone()),
                    Visibility::Redacted => {
                        let mut m = m.clone();
                        m.redacted = true;
                        m.missed.what = "restricted case deadline".into();
                        m.missed.owner = String::new();
                        m.missed.task_id = None;
                        m.missed.person_id = None;
                        Some(m)
                    }
                }
            })
            .take(board::FEED_LENGTH)
            .collect()
    }

    /// Folds many entries in order.
    pub fn apply_all<'a>(&mut self, entries: impl IntoIterator<Item = &'a LogEntry>) {
        for entry in entries {
            self.apply(entry);
        }
    }
}
