//! Situation reports for leadership: what changed since the last report, each open
//! incident with its status, persons by status, decisions, open and overdue tasks and
//! missed deadlines, evacuations with their reconciliation, risk changes, and the
//! figures leadership asks for. Built from the read models as they stood at `as_of`
//! (and at `since`), so the same `as_of` always gives the same report; rendered as
//! JSON, Markdown and a printable HTML page, byte for byte the same each time.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use homeward_domain::deadline::DeadlineKind;
use homeward_domain::incident::{AffectedStatus, IncidentKind, IncidentStatus, TaskStatus};
use homeward_domain::{CountryCode, IncidentId, PersonId, Timestamp};
use serde::Serialize;

use crate::Projections;
use crate::board::Visibility;
use crate::deadlines::MissedView;
use crate::evacuations::EvacuationProgress;
use crate::incidents::IncidentFile;

/// What a report covers.
#[derive(Debug, Clone, PartialEq)]
pub struct SitrepQuery {
    /// The moment the report describes.
    pub as_of: Timestamp,
    /// The moment of the last report: changes are counted after it.
    pub since: Option<Timestamp>,
    /// Only this country.
    pub country: Option<CountryCode>,
    /// Only this incident.
    pub incident: Option<IncidentId>,
}

/// A report window that cannot be reported on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    /// Nothing was ever recorded.
    #[error("the log is empty: there is nothing to report on")]
    EmptyLog,
    /// `as_of` lies before the first entry.
    #[error("as_of {as_of} lies before the log began ({first})")]
    BeforeLog {
        /// The moment asked for.
        as_of: Timestamp,
        /// When the first entry was recorded.
        first: Timestamp,
    },
    /// `as_of` lies after the present.
    #[error("as_of {as_of} lies in the future (now is {now})")]
    InFuture {
        /// The moment asked for.
        as_of: Timestamp,
        /// The present.
        now: Timestamp,
    },
    /// `since` lies after `as_of`.
    #[error("since {since} lies after as_of {as_of}")]
    SinceAfterAsOf {
        /// The last report's moment.
        since: Timestamp,
        /// The moment asked for.
        as_of: Timestamp,
    },
}

impl WindowError {
    /// A stable code for problem documents.
    pub fn code(&self) -> &'static str {
        match self {
            Self::EmptyLog | Self::BeforeLog { .. } => "as_of_before_log",
            Self::InFuture { .. } => "as_of_in_future",
            Self::SinceAfterAsOf { .. } => "since_after_as_of",
        }
    }
}

/// Checks the window against the log, which began at `first` (if anything was ever
/// recorded), at the present `now`.
pub fn check_window(
    first: Option<Timestamp>,
    now: Timestamp,
    query: &SitrepQuery,
) -> Result<(), WindowError> {
    let first = first.ok_or(WindowError::EmptyLog)?;
    if query.as_of < first {
        return Err(WindowError::BeforeLog {
            as_of: query.as_of,
            first,
        });
    }
    if query.as_of > now {
        return Err(WindowError::InFuture {
            as_of: query.as_of,
            now,
        });
    }
    if let Some(since) = query.since.filter(|s| *s > query.as_of) {
        return Err(WindowError::SinceAfterAsOf {
            since,
            as_of: query.as_of,
        });
    }
    Ok(())
}

/// The figures leadership asks for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Figures {
    /// Incidents open at `as_of`.
    pub incidents_open: u32,
    /// Distinct citizens affected by the open incidents.
    pub citizens_affected: u32,
    /// Distinct citizens evacuated: so marked on an incident, or departed or arrived on
    /// an evacuation transport.
    pub evacuated: u32,
    /// Distinct citizens still unaccounted for: unaccounted or missing on an incident,
    /// or registered for an evacuation and never checked in, or no-show.
    pub unaccounted: u32,
    /// Open tasks past their due time.
    pub overdue_tasks: u32,
    /// Deadlines missed in the window.
    pub deadlines_missed: u32,
}

/// What changed since the last report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Changes {
    /// Incidents opened.
    pub incidents_opened: u32,
    /// Incidents closed.
    pub incidents_closed: u32,
    /// Field reports filed.
    pub reports_filed: u32,
    /// Decisions recorded.
    pub decisions_recorded: u32,
    /// Persons newly named as affected.
    pub persons_added: u32,
    /// Countries whose risk level changed.
    pub risk_changes: u32,
}

/// What changed on one incident since the last report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IncidentChanges {
    /// Opened in the window.
    pub opened: bool,
    /// Its status at `since`, when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_from: Option<IncidentStatus>,
    /// Its severity at `since`, when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity_from: Option<u8>,
    /// Field reports filed in the window.
    pub reports_filed: u32,
    /// Decisions recorded in the window.
    pub decisions_recorded: u32,
    /// Persons newly named as affected in the window.
    pub persons_added: u32,
}

/// An open task.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TaskLine {
    /// What to do.
    pub title: String,
    /// Who does it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// When it is due.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_at: Option<Timestamp>,
    /// Past its due time at `as_of`.
    pub overdue: bool,
}

/// A decision in the report.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DecisionLine {
    /// What was decided.
    pub decision: String,
    /// Why.
    pub rationale: String,
    /// Who decided.
    pub decided_by: String,
    /// When.
    pub recorded_at: Timestamp,
    /// The log position of what its author was looking at.
    pub known_position: u64,
}

/// One incident in the report. A restricted case the reader may not see keeps only
/// its kind, country, severity, status and counts (no id, title, names or decisions).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SitrepIncident {
    /// Its id (absent when redacted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<IncidentId>,
    /// Whether details were withheld from this reader.
    pub redacted: bool,
    /// What kind of crisis.
    pub kind: IncidentKind,
    /// Title (`Restricted case` when redacted).
    pub title: String,
    /// Country.
    pub country: CountryCode,
    /// 1 to 5.
    pub severity: u8,
    /// Where it stands.
    pub status: IncidentStatus,
    /// Lead officer (absent when redacted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead: Option<String>,
    /// Persons affected by status.
    pub persons_by_status: BTreeMap<AffectedStatus, u32>,
    /// Open tasks (only counted when redacted).
    pub open_tasks: Vec<TaskLine>,
    /// How many tasks are open.
    pub open_tasks_total: u32,
    /// How many of them are overdue.
    pub overdue_tasks_total: u32,
    /// Decisions recorded in the window, oldest first (none when redacted).
    pub decisions: Vec<DecisionLine>,
    /// What changed since the last report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<IncidentChanges>,
}

/// A country's risk level that changed in the window (every level set, without one).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RiskChange {
    /// The country.
    pub country: CountryCode,
    /// Its level at `since`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<u8>,
    /// Its level at `as_of`.
    pub to: u8,
    /// Why.
    pub reason: String,
    /// When it was set.
    pub since: Timestamp,
}

/// A situation report.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Sitrep {
    /// The moment it describes.
    pub as_of: Timestamp,
    /// The last report's moment, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Timestamp>,
    /// Only this country, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<CountryCode>,
    /// Only this incident, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident: Option<IncidentId>,
    /// The last log position it covers.
    pub position: u64,
    /// The figures leadership asks for.
    pub figures: Figures,
    /// What changed since the last report (when `since` is given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Changes>,
    /// Persons affected by the open incidents, by status.
    pub persons_by_status: BTreeMap<AffectedStatus, u32>,
    /// Open incidents (and those closed in the window), most severe first.
    pub incidents: Vec<SitrepIncident>,
    /// Evacuations not closed, with their reconciliation.
    pub evacuations: Vec<EvacuationProgress>,
    /// Risk levels changed in the window (every level set, without `since`).
    pub risk_changes: Vec<RiskChange>,
    /// Deadlines missed in the window, newest first.
    pub deadlines_missed: Vec<MissedView>,
}

fn in_window(at: Timestamp, query: &SitrepQuery) -> bool {
    at <= query.as_of && query.since.is_none_or(|s| at > s)
}

/// Builds the report from the read models as they stood at `query.as_of` (`now`) and
/// at `query.since` (`before`), for a reader who sees each incident as `visibility`
/// says (hidden incidents are left out).
pub fn build(
    now: &Projections,
    before: Option<&Projections>,
    query: &SitrepQuery,
    visibility: &dyn Fn(&IncidentFile) -> Visibility,
) -> Sitrep {
    let as_of = query.as_of;
    let wanted = |f: &IncidentFile| {
        query.country.is_none_or(|c| f.country == c) && query.incident.is_none_or(|i| f.id == i)
    };
    let mut files: Vec<(&IncidentFile, bool)> = now
        .incidents
        .iter()
        .filter(|f| wanted(f))
        .filter(|f| {
            let was_open = before
                .and_then(|b| b.incidents.get(f.id))
                .is_none_or(|b| b.status.is_open());
            f.status.is_open() || (query.since.is_some() && was_open)
        })
        .filter_map(|f| match visibility(f) {
            Visibility::Full => Some((f, false)),
            Visibility::Redacted => Some((f, true)),
            Visibility::Hidden => None,
        })
        .collect();
    files.sort_by(|(a, _), (b, _)| {
        b.status
            .is_open()
            .cmp(&a.status.is_open())
            .then(b.severity.cmp(&a.severity))
            .then(a.opened_at.cmp(&b.opened_at))
            .then(a.id.cmp(&b.id))
    });

    let mut figures = Figures::default();
    let mut changes = query.since.map(|_| Changes::default());
    let mut persons_by_status = BTreeMap::new();
    let mut affected: BTreeSet<PersonId> = BTreeSet::new();
    let mut evacuated: BTreeSet<PersonId> = BTreeSet::new();
    let mut unaccounted: BTreeSet<PersonId> = BTreeSet::new();
    let mut incidents = Vec::with_capacity(files.len());
    for (file, redacted) in files {
        let then = before.and_then(|b| b.incidents.get(file.id));
        if file.status.is_open() {
            figures.incidents_open += 1;
            for p in &file.persons {
                *persons_by_status.entry(p.status).or_insert(0) += 1;
                affected.insert(p.person_id);
                match p.status {
                    AffectedStatus::Evacuated => {
                        evacuated.insert(p.person_id);
                    }
                    AffectedStatus::Unaccounted | AffectedStatus::Missing => {
                        unaccounted.insert(p.person_id);
                    }
                    _ => {}
                }
            }
        }
        let open: Vec<TaskLine> = file
            .tasks
            .iter()
            .filter(|t| t.status == TaskStatus::Open)
            .map(|t| TaskLine {
                title: t.title.clone(),
                assignee: t.assignee.clone(),
                due_at: t.due_at,
                overdue: t.is_overdue(as_of),
            })
            .collect();
        let overdue = open.iter().filter(|t| t.overdue).count() as u32;
        if file.status.is_open() {
            figures.overdue_tasks += overdue;
        }
        let incident_changes = query.since.map(|since| IncidentChanges {
            opened: then.is_none(),
            status_from: then.map(|t| t.status).filter(|s| *s != file.status),
            severity_from: then.map(|t| t.severity).filter(|s| *s != file.severity),
            reports_filed: file
                .reports
                .iter()
                .filter(|r| r.recorded_at > since)
                .count() as u32,
            decisions_recorded: file
                .decisions
                .iter()
                .filter(|d| d.recorded_at > since)
                .count() as u32,
            persons_added: file
                .persons
                .iter()
                .filter(|p| {
                    then.is_none_or(|t| !t.persons.iter().any(|q| q.person_id == p.person_id))
                })
                .count() as u32,
        });
        if let (Some(total), Some(c)) = (changes.as_mut(), incident_changes.as_ref()) {
            total.incidents_opened += u32::from(c.opened);
            total.incidents_closed += u32::from(!file.status.is_open());
            total.reports_filed += c.reports_filed;
            total.decisions_recorded += c.decisions_recorded;
            total.persons_added += c.persons_added;
        }
        incidents.push(SitrepIncident {
            id: (!redacted).then_some(file.id),
            redacted,
            kind: file.kind,
            title: if redacted {
                "Restricted case".to_owned()
            } else {
                file.title.clone()
            },
            country: file.country,
            severity: file.severity,
            status: file.status,
            lead: if redacted { None } else { file.lead.clone() },
            persons_by_status: file.persons_by_status(),
            open_tasks_total: open.len() as u32,
            overdue_tasks_total: overdue,
            open_tasks: if redacted { Vec::new() } else { open },
            decisions: if redacted {
                Vec::new()
            } else {
                file.decisions
                    .iter()
                    .filter(|d| in_window(d.recorded_at, query))
                    .map(|d| DecisionLine {
                        decision: d.decision.clone(),
                        rationale: d.rationale.clone(),
                        decided_by: d.decided_by.clone(),
                        recorded_at: d.recorded_at,
                        known_position: d.known_position,
                    })
                    .collect()
            },
            changes: incident_changes,
        });
    }

    let mut evacuations: Vec<_> = now
        .evacuations
        .newest_first()
        .into_iter()
        .filter(|e| !e.closed)
        .filter(|e| query.country.is_none_or(|c| e.country == c))
        .filter(|e| query.incident.is_none_or(|i| e.incident_id == Some(i)))
        .filter(|e| {
            e.incident_id.is_none_or(|i| {
                now.incidents
                    .get(i)
                    .is_some_and(|f| visibility(f) == Visibility::Full)
            })
        })
        .collect();
    evacuations.sort_by(|a, b| a.opened_at.cmp(&b.opened_at).then(a.id.cmp(&b.id)));
    for e in &evacuations {
        for evacuee in e.evacuees.values() {
            use homeward_domain::evacuation::EvacueeStatus as S;
            match evacuee.status {
                S::Departed | S::Arrived => {
                    evacuated.insert(evacuee.person_id);
                }
                S::Registered | S::NoShow => {
                    unaccounted.insert(evacuee.person_id);
                }
                _ => {}
            }
        }
    }
    let evacuations: Vec<EvacuationProgress> =
        evacuations.into_iter().map(|e| e.progress()).collect();

    let risk_country = query
        .incident
        .and_then(|i| now.incidents.get(i))
        .map(|f| f.country);
    let mut risk_changes: Vec<RiskChange> = now
        .board
        .risk_levels()
        .into_iter()
        .filter(|r| query.country.is_none_or(|c| r.country == c))
        .filter(|r| risk_country.is_none_or(|c| r.country == c))
        .filter_map(|r| {
            let from = before
                .and_then(|b| b.board.risk(r.country))
                .map(|b| b.level);
            if query.since.is_some() && from == Some(r.level) {
                return None;
            }
            Some(RiskChange {
                country: r.country,
                from,
                to: r.level,
                reason: r.reason,
                since: r.since,
            })
        })
        .collect();
    risk_changes.sort_by_key(|r| r.country);
    if let Some(c) = changes.as_mut() {
        c.risk_changes = risk_changes.len() as u32;
    }

    let deadlines_missed: Vec<MissedView> = now
        .missed_deadlines(visibility)
        .into_iter()
        .filter(|m| in_window(m.recorded_at, query))
        .filter(|m| query.country.is_none_or(|c| m.missed.country == Some(c)))
        .filter(|m| {
            query
                .incident
                .is_none_or(|i| m.missed.incident_id == Some(i))
        })
        .map(|mut m| {
            if m.redacted {
                m.missed.incident_id = None;
            }
            m
        })
        .collect();
    figures.deadlines_missed = deadlines_missed.len() as u32;
    figures.citizens_affected = affected.len() as u32;
    figures.evacuated = evacuated.len() as u32;
    figures.unaccounted = unaccounted.len() as u32;

    Sitrep {
        as_of,
        since: query.since,
        country: query.country,
        incident: query.incident,
        position: now.position,
        figures,
        changes,
        persons_by_status,
        incidents,
        evacuations,
        risk_changes,
        deadlines_missed,
    }
}

/// One line of free text, as Markdown shows it safely: no line breaks, no markup
/// characters taken as markup.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn kind_name(kind: IncidentKind) -> String {
    kind.as_str().replace('_', " ")
}

fn deadline_kind(kind: DeadlineKind) -> &'static str {
    match kind {
        DeadlineKind::WelfareCheck => "welfare check",
        DeadlineKind::Task => "task",
        DeadlineKind::CaseTeam => "case team",
        DeadlineKind::FieldReport => "field report",
    }
}

fn by_status(counts: &BTreeMap<AffectedStatus, u32>) -> String {
    if counts.is_empty() {
        return "none".to_owned();
    }
    counts
        .iter()
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The report as Markdown, for mail and print.
pub fn markdown(s: &Sitrep) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Situation report as of {}", s.as_of);
    o.push('\n');
    match s.since {
        Some(since) => {
            let _ = writeln!(o, "Changes since {since}. Log position {}.", s.position);
        }
        None => {
            let _ = writeln!(o, "Log position {}.", s.position);
        }
    }
    if let Some(c) = s.country {
        let _ = writeln!(o, "Country: {c}.");
    }
    if let Some(i) = s.incident {
        let _ = writeln!(o, "Incident: {i}.");
    }
    let f = &s.figures;
    let _ = write!(
        o,
        "\n## Figures\n\n- Incidents open: {}\n- Citizens affected: {}\n- Evacuated: {}\n- Still unaccounted for: {}\n- Overdue tasks: {}\n- Deadlines missed: {}\n- Persons by status: {}\n",
        f.incidents_open,
        f.citizens_affected,
        f.evacuated,
        f.unaccounted,
        f.overdue_tasks,
        f.deadlines_missed,
        by_status(&s.persons_by_status)
    );
    if let (Some(c), Some(since)) = (&s.changes, s.since) {
        let _ = write!(
            o,
            "\n## Since {since}\n\n- Incidents opened: {}\n- Incidents closed: {}\n- Field reports filed: {}\n- Decisions recorded: {}\n- Persons newly affected: {}\n- Risk level changes: {}\n",
            c.incidents_opened,
            c.incidents_closed,
            c.reports_filed,
            c.decisions_recorded,
            c.persons_added,
            c.risk_changes
        );
    }
    o.push_str("\n## Incidents\n");
    if s.incidents.is_empty() {
        o.push_str("\nNo open incidents.\n");
    }
    for i in &s.incidents {
        let _ = write!(
            o,
            "\n### {} ({}, {}, severity {})\n\n- Status: {}\n",
            md(&i.title),
            kind_name(i.kind),
            i.country,
            i.severity,
            i.status.as_str()
        );
        if let Some(id) = i.id {
            let _ = writeln!(o, "- Id: {id}");
        }
        if i.redacted {
            o.push_str("- Details withheld: restricted case\n");
        }
        if let Some(lead) = &i.lead {
            let _ = writeln!(o, "- Lead: {}", md(lead));
        }
        let _ = writeln!(o, "- Persons: {}", by_status(&i.persons_by_status));
        let _ = writeln!(
            o,
            "- Open tasks: {} ({} overdue)",
            i.open_tasks_total, i.overdue_tasks_total
        );
        for t in &i.open_tasks {
            let _ = write!(o, "  - {}", md(&t.title));
            if let Some(a) = &t.assignee {
                let _ = write!(o, " ({})", md(a));
            }
            if let Some(due) = t.due_at {
                let _ = write!(o, ", due {due}");
            }
            if t.overdue {
                o.push_str(", OVERDUE");
            }
            o.push('\n');
        }
        if let Some(c) = &i.changes {
            let mut parts = Vec::new();
            if c.opened {
                parts.push("opened".to_owned());
            }
            if let Some(from) = c.status_from {
                parts.push(format!("status {} to {}", from.as_str(), i.status.as_str()));
            }
            if let Some(from) = c.severity_from {
                parts.push(format!("severity {from} to {}", i.severity));
            }
            if c.reports_filed > 0 {
                parts.push(format!("{} reports", c.reports_filed));
            }
            if c.decisions_recorded > 0 {
                parts.push(format!("{} decisions", c.decisions_recorded));
            }
            if c.persons_added > 0 {
                parts.push(format!("{} persons added", c.persons_added));
            }
            if !parts.is_empty() {
                let _ = writeln!(o, "- Changed: {}", parts.join(", "));
            }
        }
        for d in &i.decisions {
            let _ = writeln!(
                o,
                "- Decision {} by {}: {}. Rationale: {} (known at position {})",
                d.recorded_at,
                md(&d.decided_by),
                md(&d.decision),
                md(&d.rationale),
                d.known_position
            );
        }
    }
    o.push_str("\n## Evacuations\n");
    if s.evacuations.is_empty() {
        o.push_str("\nNone under way.\n");
    }
    for e in &s.evacuations {
        let c = &e.counts;
        let _ = write!(
            o,
            "\n### {} ({})\n\n- Registered {}, checked in {}, seated {}, boarded {}, departed {}, arrived {}, no-show {}\n- Unaccounted for: {}; seats: {}\n",
            md(&e.reason),
            e.country,
            c.registered,
            c.checked_in,
            c.assigned,
            c.boarded,
            c.departed,
            c.arrived,
            c.no_show,
            e.unaccounted,
            e.capacity
        );
        for t in &e.transports {
            let _ = writeln!(
                o,
                "  - {} {} to {}, departs {}: {:?}, {} of {} seats held, {} boarded, {} arrived",
                md(&t.number),
                md(&t.from),
                md(&t.to),
                t.departs_at,
                t.status,
                t.assigned,
                t.capacity,
                t.boarded,
                t.arrived
            );
        }
    }
    o.push_str("\n## Risk levels\n");
    if s.risk_changes.is_empty() {
        o.push_str("\nNo changes.\n");
    } else {
        o.push('\n');
    }
    for r in &s.risk_changes {
        let _ = match r.from {
            Some(from) => writeln!(
                o,
                "- {}: level {from} to {}: {}",
                r.country,
                r.to,
                md(&r.reason)
            ),
            None => writeln!(o, "- {}: level {}: {}", r.country, r.to, md(&r.reason)),
        };
    }
    o.push_str("\n## Deadlines missed\n");
    if s.deadlines_missed.is_empty() {
        o.push_str("\nNone.\n");
    } else {
        o.push('\n');
    }
    for m in &s.deadlines_missed {
        let _ = writeln!(
            o,
            "- {} ({}), due {}, {} min late{}",
            md(&m.missed.what),
            deadline_kind(m.missed.kind),
            m.missed.due_at,
            m.missed.late_by_seconds / 60,
            if m.missed.owner.is_empty() {
                String::new()
            } else {
                format!(", owner {}", md(&m.missed.owner))
            }
        );
    }
    o
}

fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The report as a printable HTML page (no script, inline print style). Each line of
/// the Markdown becomes a line of the page.
pub fn html(s: &Sitrep) -> String {
    let mut o =
        String::from("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(
        o,
        "<title>Situation report as of {}</title>",
        html_escape(&s.as_of.to_string())
    );
    o.push_str(
        "<style>body{font:11pt/1.4 system-ui,sans-serif;max-width:48rem;margin:2rem auto;color:#111}\
         h1{font-size:18pt}h2{font-size:14pt;border-bottom:1px solid #999;margin-top:1.5rem}\
         h3{font-size:12pt;margin-bottom:.2rem}ul{margin-top:.2rem}\
         @media print{body{margin:0}h2{break-after:avoid}}</style>\n</head>\n<body>\n",
    );
    let mut in_list = 0usize;
    let close_lists = |o: &mut String, to: usize, in_list: &mut usize| {
        while *in_list > to {
            o.push_str("</ul>\n");
            *in_list -= 1;
        }
    };
    for line in markdown(s).lines() {
        let unescaped = unmd(line);
        if let Some(rest) = unescaped.strip_prefix("### ") {
            close_lists(&mut o, 0, &mut in_list);
            let _ = writeln!(o, "<h3>{}</h3>", html_escape(rest));
        } else if let Some(rest) = unescaped.strip_prefix("## ") {
            close_lists(&mut o, 0, &mut in_list);
            let _ = writeln!(o, "<h2>{}</h2>", html_escape(rest));
        } else if let Some(rest) = unescaped.strip_prefix("# ") {
            close_lists(&mut o, 0, &mut in_list);
            let _ = writeln!(o, "<h1>{}</h1>", html_escape(rest));
        } else if let Some(rest) = unescaped.strip_prefix("  - ") {
            if in_list < 2 {
                o.push_str("<ul>\n");
                in_list = 2;
            }
            let _ = writeln!(o, "<li>{}</li>", html_escape(rest));
        } else if let Some(rest) = unescaped.strip_prefix("- ") {
            close_lists(&mut o, 1, &mut in_list);
            if in_list < 1 {
                o.push_str("<ul>\n");
                in_list = 1;
            }
            let _ = writeln!(o, "<li>{}</li>", html_escape(rest));
        } else if unescaped.is_empty() {
            close_lists(&mut o, 0, &mut in_list);
        } else {
            close_lists(&mut o, 0, &mut in_list);
            let _ = writeln!(o, "<p>{}</p>", html_escape(&unescaped));
        }
    }
    close_lists(&mut o, 0, &mut in_list);
    o.push_str("</body>\n</html>\n");
    o
}

/// Undoes [`md`]'s escapes, for the HTML page (which escapes for HTML instead).
fn unmd(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}
