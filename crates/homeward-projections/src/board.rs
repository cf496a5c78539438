//! The crisis room's board: every open incident ranked by severity and recency, totals
//! by country, kind and severity, country risk levels, and the latest field reports.

use std::collections::{BTreeMap, HashMap, VecDeque};

use homeward_domain::country::CountryEvent;
use homeward_domain::incident::{
    AffectedStatus, Classification, IncidentEvent, IncidentKind, IncidentStatus, ReportCategory,
};
use homeward_domain::{CountryCode, DomainEvent, IncidentId, ReportId, Timestamp};
use homeward_store::RecordedEvent;
use serde::{Deserialize, Serialize};

use crate::incidents::{IncidentFile, IncidentFiles};

/// How many field reports the feed keeps.
pub const FEED_LENGTH: usize = 50;

/// A country's risk level as the board shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RiskLevel {
    /// The country.
    pub country: CountryCode,
    /// 1 to 4.
    pub level: u8,
    /// Why.
    pub reason: String,
    /// When it was set.
    pub since: Timestamp,
}

/// The board's own state; incident details come from the incident files.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Board {
    risks: HashMap<CountryCode, RiskLevel>,
    feed: VecDeque<(IncidentId, ReportId)>,
}

/// What a viewer may see of an incident on the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Everything.
    Full,
    /// That it exists, where (country) and how bad; no names, places or reports.
    Redacted,
    /// Nothing: as if it did not exist.
    Hidden,
}

/// One incident on the board.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct BoardIncident {
    /// Its id.
    pub id: IncidentId,
    /// What kind of crisis.
    pub kind: IncidentKind,
    /// Title (`Restricted case` when redacted).
    pub title: String,
    /// Country.
    pub country: CountryCode,
    /// Place name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Latitude.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// 1 to 5.
    pub severity: u8,
    /// Who may see it.
    pub classification: Classification,
    /// Whether details were withheld from this viewer.
    pub redacted: bool,
    /// Where it stands.
    pub status: IncidentStatus,
    /// Lead officer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead: Option<String>,
    /// Persons affected by status.
    pub persons_by_status: BTreeMap<AffectedStatus, u32>,
    /// Persons affected in all.
    pub persons_total: u32,
    /// Open tasks.
    pub open_tasks: u32,
    /// Open tasks past their due time.
    pub overdue_tasks: u32,
    /// Field reports filed.
    pub reports: u32,
    /// When it was opened.
    pub opened_at: Timestamp,
    /// When anything last happened to it.
    pub last_activity: Timestamp,
}

/// One field report in the feed.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FeedItem {
    /// The incident.
    pub incident_id: IncidentId,
    /// The incident's title.
    pub incident_title: String,
    /// The country.
    pub country: CountryCode,
    /// The report.
    pub report_id: ReportId,
    /// Its text.
    pub text: String,
    /// Its category.
    pub category: ReportCategory,
    /// Where.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// When it happened in the field.
    pub occurred_at: Timestamp,
    /// When it was stored.
    pub recorded_at: Timestamp,
    /// Who filed it.
    pub filed_by: String,
}

/// Totals over the open incidents a viewer may see.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Totals {
    /// Open incidents.
    pub open: u32,
    /// By country code.
    pub by_country: BTreeMap<String, u32>,
    /// By kind.
    pub by_kind: BTreeMap<String, u32>,
    /// By severity ("1" to "5").
    pub by_severity: BTreeMap<String, u32>,
    /// Persons affected, by status.
    pub persons_by_status: BTreeMap<AffectedStatus, u32>,
    /// Overdue tasks.
    pub overdue_tasks: u32,
}

/// The board as one viewer sees it at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct BoardView {
    /// The exercise this board belongs to, on an exercise copy (absent on the real
    /// crisis).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exercise: Option<String>,
    /// The moment the view is for (now, or the time-travel moment).
    pub as_of: Timestamp,
    /// The last log position folded in.
    pub position: u64,
    /// Open incidents, most severe and most recent first.
    pub incidents: Vec<BoardIncident>,
    /// Totals.
    pub totals: Totals,
    /// Country risk levels, highest first.
    pub risk_levels: Vec<RiskLevel>,
    /// Latest field reports, newest first.
    pub feed: Vec<FeedItem>,
    /// Progress of every evacuation still open, newest first.
    pub evacuations: Vec<crate::evacuations::EvacuationProgress>,
    /// Welfare checks per country, most open first.
    pub welfare_checks: Vec<crate::welfare::WelfareProgress>,
    /// The latest missed deadlines the viewer may see, newest first.
    pub deadlines_missed: Vec<crate::deadlines::MissedView>,
    /// Missed deadlines recorded in all.
    pub deadlines_missed_total: u64,
}

impl Board {
    /// Folds one event in; `files` already holds the event's effect on its incident.
    pub fn apply(&mut self, event: &RecordedEvent, _files: &IncidentFiles) {
        match &event.event {
            DomainEvent::Country(CountryEvent::RiskLevelSet(set)) => {
                if let Some(country) = CountryCode::parse(event.stream_id.local_id()) {
                    self.risks.insert(
                        country,
                        RiskLevel {
                            country,
                            level: set.level,
                            reason: set.reason.clone(),
                            since: event.occurred_at,
                        },
                    );
                }
            }
            DomainEvent::Incident(IncidentEvent::ReportFiled(r)) => {
                if let Ok(id) = event.stream_id.local_id().parse() {
                    self.feed.push_front((id, r.report_id));
                    // Keep a margin so that hidden or retracted reports do not empty it.
                    self.feed.truncate(FEED_LENGTH * 4);
                }
            }
            _ => {}
        }
    }

    /// The risk level of a country, if set.
    pub fn risk(&self, country: CountryCode) -> Option<&RiskLevel> {
        self.risks.get(&country)
    }

    /// Every risk level set, highest first.
    pub fn risk_levels(&self) -> Vec<RiskLevel> {
        let mut levels: Vec<_> = self.risks.values().cloned().collect();
        levels.sort_by(|a, b| b.level.cmp(&a.level).then(a.country.cmp(&b.country)));
        levels
    }

    /// Renders the board for one viewer at `now`.
    pub fn render(
        &self,
        files: &IncidentFiles,
        evacuations: &crate::evacuations::Evacuations,
        position: u64,
        now: Timestamp,
        visibility: &dyn Fn(&IncidentFile) -> Visibility,
    ) -> BoardView {
        let mut incidents = Vec::new();
        let mut totals = Totals::default();
        for file in files.iter().filter(|f| f.status.is_open()) {
            let vis = visibility(file);
            if vis == Visibility::Hidden {
                continue;
            }
            let item = board_incident(file, now, vis == Visibility::Redacted);
            totals.open += 1;
            *totals
                .by_country
                .entry(item.country.to_string())
                .or_insert(0) += 1;
            *totals
                .by_kind
                .entry(item.kind.as_str().to_owned())
                .or_insert(0) += 1;
            *totals
                .by_severity
                .entry(item.severity.to_string())
                .or_insert(0) += 1;
            for (status, n) in &item.persons_by_status {
                *totals.persons_by_status.entry(*status).or_insert(0) += n;
            }
            totals.overdue_tasks += item.overdue_tasks;
            incidents.push(item);
        }
        incidents.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(b.last_activity.cmp(&a.last_activity))
                .then(a.id.cmp(&b.id))
        });
        let feed = self
            .feed
            .iter()
            .filter_map(|(incident_id, report_id)| {
                let file = files.get(*incident_id)?;
                if visibility(file) != Visibility::Full {
                    return None;
                }
                let report = file.reports.iter().find(|r| r.report_id == *report_id)?;
                (!report.retracted).then(|| FeedItem {
                    incident_id: *incident_id,
                    incident_title: file.title.clone(),
                    country: file.country,
                    report_id: *report_id,
                    text: report.text.clone(),
                    category: report.category,
                    place: report.place.clone(),
                    occurred_at: report.occurred_at,
                    recorded_at: report.recorded_at,
                    filed_by: report.filed_by.clone(),
                })
            })
            .take(FEED_LENGTH)
            .collect();
        BoardView {
            exercise: None,
            as_of: now,
            position,
            incidents,
            totals,
            risk_levels: self.risk_levels(),
            feed,
            evacuations: evacuations
                .newest_first()
                .into_iter()
                .filter(|e| !e.closed)
                .map(|e| e.progress())
                .collect(),
            welfare_checks: Vec::new(),
            deadlines_missed: Vec::new(),
            deadlines_missed_total: 0,
        }
    }
}

/// One incident as the board shows it.
pub fn board_incident(file: &IncidentFile, now: Timestamp, redacted: bool) -> BoardIncident {
    let persons_by_status = file.persons_by_status();
    BoardIncident {
        id: file.id,
        kind: file.kind,
        title: if redacted {
            "Restricted case".to_owned()
        } else {
            file.title.clone()
        },
        country: file.country,
        place: if redacted { None } else { file.place.clone() },
        lat: if redacted { None } else { file.lat },
        lon: if redacted { None } else { file.lon },
        severity: file.severity,
        classification: file.classification,
        redacted,
        status: file.status,
        lead: if redacted { None } else { file.lead.clone() },
        persons_total: persons_by_status.values().sum(),
        persons_by_status,
        open_tasks: file
            .tasks
            .iter()
            .filter(|t| t.status == homeward_domain::incident::TaskStatus::Open)
            .count() as u32,
        overdue_tasks: file.tasks.iter().filter(|t| t.is_overdue(now)).count() as u32,
        reports: file.reports.iter().filter(|r| !r.retracted).count() as u32,
        opened_at: file.opened_at,
        last_activity: file.last_activity,
    }
}
