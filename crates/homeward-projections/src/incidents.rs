//! The full file of every incident: what `GET /v1/incidents/{id}` shows, and what
//! time travel rebuilds from the incident's events up to a moment.

use std::collections::HashMap;

use homeward_domain::incident::{
    AffectedStatus, Classification, Correction, IncidentEvent, IncidentKind, IncidentStatus,
    KidnappingOutcome, ReportCategory, TaskStatus,
};
use homeward_domain::{
    CountryCode, DomainEvent, IncidentId, PersonId, ReportId, TaskId, Timestamp,
};
use homeward_store::RecordedEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A person affected by the incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AffectedPerson {
    /// The person.
    pub person_id: PersonId,
    /// Their status in this incident.
    pub status: AffectedStatus,
    /// The latest note on them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// When the status was last set (field time).
    pub since: Timestamp,
}

/// A task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Task {
    /// Its id.
    pub task_id: TaskId,
    /// What to do.
    pub title: String,
    /// When it must be done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_at: Option<Timestamp>,
    /// Who does it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// Where it stands.
    pub status: TaskStatus,
    /// The completion note or cancellation reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Task {
    /// Whether it is open and past its due time.
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        self.status == TaskStatus::Open && self.due_at.is_some_and(|due| due < now)
    }
}

/// A field report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Report {
    /// Its id.
    pub report_id: ReportId,
    /// The report.
    pub text: String,
    /// What it is about.
    pub category: ReportCategory,
    /// Where.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Latitude.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// When it happened in the field.
    pub occurred_at: Timestamp,
    /// When the system stored it.
    pub recorded_at: Timestamp,
    /// Who filed it.
    pub filed_by: String,
    /// Whether a correction retracted it.
    pub retracted: bool,
}

/// One entry of a kidnapping case file.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CaseEntry {
    /// `captor_contact`, `demand`, `proof_of_life`, `negotiation` or `outcome`.
    pub kind: &'static str,
    /// What happened.
    pub summary: String,
    /// Contact channel or proof-of-life method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Demanded amount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<u64>,
    /// ISO 4217 currency of the amount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The captors' deadline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Timestamp>,
    /// The person concerned (proof of life).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_id: Option<PersonId>,
    /// How it ended (outcome).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<KidnappingOutcome>,
    /// When it happened.
    pub occurred_at: Timestamp,
    /// Who recorded it.
    pub recorded_by: String,
}

/// The kinds of case entry, for reading a stored file back.
const CASE_KINDS: [&str; 5] = [
    "captor_contact",
    "demand",
    "proof_of_life",
    "negotiation",
    "outcome",
];

/// A case entry as a snapshot stores it (its kind as text).
#[derive(Deserialize)]
struct StoredCaseEntry {
    kind: String,
    summary: String,
    channel: Option<String>,
    amount: Option<u64>,
    currency: Option<String>,
    deadline: Option<Timestamp>,
    person_id: Option<PersonId>,
    outcome: Option<KidnappingOutcome>,
    occurred_at: Timestamp,
    recorded_by: String,
}

impl<'de> Deserialize<'de> for CaseEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::try_from(StoredCaseEntry::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl TryFrom<StoredCaseEntry> for CaseEntry {
    type Error = String;

    fn try_from(s: StoredCaseEntry) -> Result<Self, String> {
        let kind = CASE_KINDS
            .into_iter()
            .find(|k| *k == s.kind)
            .ok_or_else(|| format!("unknown case entry kind `{}`", s.kind))?;
        Ok(Self {
            kind,
            summary: s.summary,
            channel: s.channel,
            amount: s.amount,
            currency: s.currency,
            deadline: s.deadline,
            person_id: s.person_id,
            outcome: s.outcome,
            occurred_at: s.occurred_at,
            recorded_by: s.recorded_by,
        })
    }
}

/// A correction, as the file shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CorrectionNote {
    /// The version corrected.
    pub corrects_version: u64,
    /// Why.
    pub reason: String,
    /// What was set right.
    #[schema(value_type = Object)]
    pub correction: Correction,
    /// Who corrected it.
    pub corrected_by: String,
    /// When.
    pub recorded_at: Timestamp,
}

/// Everything known about one incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IncidentFile {
    /// Its id.
    pub id: IncidentId,
    /// The stream's version.
    pub version: u64,
    /// What kind of crisis.
    pub kind: IncidentKind,
    /// Title.
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
    /// Summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// 1 to 5.
    pub severity: u8,
    /// Who may see it.
    pub classification: Classification,
    /// Where it stands.
    pub status: IncidentStatus,
    /// Lead officer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead: Option<String>,
    /// Team members.
    pub team: Vec<String>,
    /// When it happened in the field.
    pub occurred_at: Timestamp,
    /// When it was opened in the system.
    pub opened_at: Timestamp,
    /// Who opened it.
    pub opened_by: String,
    /// When anything last happened to it.
    pub last_activity: Timestamp,
    /// Persons affected.
    pub persons: Vec<AffectedPerson>,
    /// Tasks.
    pub tasks: Vec<Task>,
    /// Field reports, oldest first.
    pub reports: Vec<Report>,
    /// The kidnapping case file (restricted).
    pub case_file: Vec<CaseEntry>,
    /// Corrections.
    pub corrections: Vec<CorrectionNote>,
    /// Decisions, oldest first, each with what its author knew.
    pub decisions: Vec<crate::decisions::DecisionNote>,
    /// The last close or reopen reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
}

impl IncidentFile {
    /// Whether `subject` is the lead or on the team.
    pub fn is_member(&self, subject: &str) -> bool {
        self.lead.as_deref() == Some(subject) || self.team.iter().any(|t| t == subject)
    }

    /// Counts of affected persons by status.
    pub fn persons_by_status(&self) -> std::collections::BTreeMap<AffectedStatus, u32> {
        let mut counts = std::collections::BTreeMap::new();
        for p in &self.persons {
            *counts.entry(p.status).or_insert(0) += 1;
        }
        counts
    }

    /// Opens a file from its first event.
    fn opened(id: IncidentId, event: &RecordedEvent) -> Option<Self> {
        let DomainEvent::Incident(IncidentEvent::Opened(o)) = &event.event else {
            return None;
        };
        Some(Self {
            id,
            version: 0,
            kind: o.kind,
            title: o.title.clone(),
            country: o.country,
            place: o.place.clone(),
            lat: o.lat,
            lon: o.lon,
            summary: o.summary.clone(),
            severity: o.severity,
            classification: o.classification,
            status: IncidentStatus::Open,
            lead: None,
            team: Vec::new(),
            occurred_at: event.occurred_at,
            opened_at: event.recorded_at,
            opened_by: event.actor.subject.clone(),
            last_activity: event.recorded_at,
            persons: Vec::new(),
            tasks: Vec::new(),
            reports: Vec::new(),
            case_file: Vec::new(),
            corrections: Vec::new(),
            decisions: Vec::new(),
            status_reason: None,
        })
    }

    fn person(&mut self, id: PersonId) -> Option<&mut AffectedPerson> {
        self.persons.iter_mut().find(|p| p.person_id == id)
    }

    fn task(&mut self, id: TaskId) -> Option<&mut Task> {
        self.tasks.iter_mut().find(|t| t.task_id == id)
    }

    fn case(&mut self, event: &RecordedEvent, kind: &'static str, summary: &str) -> &mut CaseEntry {
        self.case_file.push(CaseEntry {
            kind,
            summary: summary.to_owned(),
            channel: None,
            amount: None,
            currency: None,
            deadline: None,
            person_id: None,
            outcome: None,
            occurred_at: event.occurred_at,
            recorded_by: event.actor.subject.clone(),
        });
        let last = self.case_file.len() - 1;
        &mut self.case_file[last]
    }

    /// Folds one event of this incident's stream in.
    pub fn evolve(&mut self, event: &RecordedEvent) {
        let DomainEvent::Incident(e) = &event.event else {
            return;
        };
        self.version = event.version;
        self.last_activity = event.recorded_at;
        use IncidentEvent as E;
        match e {
            E::Opened(_) => {}
            E::StatusChanged(s) => {
                self.status = s.to;
                self.status_reason = s.reason.clone();
            }
            E::Closed(r) => {
                self.status = IncidentStatus::Closed;
                self.status_reason = Some(r.reason.clone());
            }
            E::Reopened(r) => {
                self.status = IncidentStatus::Reopened;
                self.status_reason = Some(r.reason.clone());
            }
            E::SeverityChanged(s) => self.severity = s.to,
            E::LeadAssigned(l) => {
                self.team.retain(|s| s != &l.subject);
                self.lead = Some(l.subject.clone());
            }
            E::TeamMemberAdded(t) => {
                if !self.team.contains(&t.subject) {
                    self.team.push(t.subject.clone());
                }
            }
            E::TeamMemberRemoved(t) => self.team.retain(|s| s != &t.subject),
            E::PersonAdded(p) => self.persons.push(AffectedPerson {
                person_id: p.person_id,
                status: p.status,
                note: p.note.clone(),
                since: event.occurred_at,
            }),
            E::PersonStatusChanged(p) => {
                let at = event.occurred_at;
                if let Some(person) = self.person(p.person_id) {
                    person.status = p.to;
                    person.note = p.note.clone().or(person.note.take());
                    person.since = at;
                }
            }
            E::TaskAdded(t) => self.tasks.push(Task {
                task_id: t.task_id,
                title: t.title.clone(),
                due_at: t.due_at,
                assignee: t.assignee.clone(),
                status: TaskStatus::Open,
                note: None,
            }),
            E::TaskCompleted(t) | E::TaskCancelled(t) => {
                let status = if matches!(e, E::TaskCompleted(_)) {
                    TaskStatus::Done
                } else {
                    TaskStatus::Cancelled
                };
                if let Some(task) = self.task(t.task_id) {
                    task.status = status;
                    task.note = t.note.clone();
                }
            }
            E::ReportFiled(r) => self.reports.push(Report {
                report_id: r.report_id,
                text: r.text.clone(),
                category: r.category,
                place: r.place.clone(),
                lat: r.lat,
                lon: r.lon,
                occurred_at: event.occurred_at,
                recorded_at: event.recorded_at,
                filed_by: event.actor.subject.clone(),
                retracted: false,
            }),
            E::CaptorContactRecorded(c) => {
                self.case(event, "captor_contact", &c.summary).channel = Some(c.channel.clone());
            }
            E::DemandRecorded(d) => {
                let entry = self.case(event, "demand", &d.summary);
                entry.amount = d.amount;
                entry.currency = d.currency.clone();
                entry.deadline = d.deadline;
            }
            E::ProofOfLifeRecorded(p) => {
                let entry = self.case(event, "proof_of_life", &p.summary);
                entry.channel = Some(p.method.clone());
                entry.person_id = p.person_id;
            }
            E::NegotiationUpdated(n) => {
                self.case(event, "negotiation", &n.summary);
            }
            E::DecisionRecorded(d) => {
                self.decisions
                    .push(crate::decisions::DecisionNote::new(d, event));
            }
            E::OutcomeRecorded(o) => {
                self.case(event, "outcome", &o.summary).outcome = Some(o.outcome);
                let status = match o.outcome {
                    KidnappingOutcome::Deceased => AffectedStatus::Deceased,
                    _ => AffectedStatus::Released,
                };
                let at = event.occurred_at;
                for id in &o.person_ids {
                    if let Some(person) = self.person(*id) {
                        person.status = status;
                        person.since = at;
                    }
                }
            }
            E::Corrected(c) => {
                match &c.correction {
                    Correction::Status { to, .. } => {
                        self.status = *to;
                        self.status_reason = Some(c.reason.clone());
                    }
                    Correction::PersonStatus { person_id, to, .. } => {
                        let at = event.occurred_at;
                        if let Some(person) = self.person(*person_id) {
                            person.status = *to;
                            person.since = at;
                        }
                    }
                    Correction::ReportRetracted { report_id } => {
                        if let Some(r) = self.reports.iter_mut().find(|r| r.report_id == *report_id)
                        {
                            r.retracted = true;
                        }
                    }
                    Correction::Details {
                        title,
                        summary,
                        country,
                        place,
                        lat,
                        lon,
                    } => {
                        if let Some(t) = title {
                            self.title = t.clone();
                        }
                        if let Some(s) = summary {
                            self.summary = Some(s.clone());
                        }
                        if let Some(c) = country {
                            self.country = *c;
                        }
                        if let Some(p) = place {
                            self.place = Some(p.clone());
                        }
                        if lat.is_some() {
                            self.lat = *lat;
                            self.lon = *lon;
                        }
                    }
                }
                self.corrections.push(CorrectionNote {
                    corrects_version: c.corrects_version,
                    reason: c.reason.clone(),
                    correction: c.correction.clone(),
                    corrected_by: event.actor.subject.clone(),
                    recorded_at: event.recorded_at,
                });
            }
        }
    }
}

/// Every incident's file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IncidentFiles {
    files: HashMap<IncidentId, IncidentFile>,
}

impl IncidentFiles {
    /// Folds one event in (events of other streams are ignored).
    pub fn apply(&mut self, event: &RecordedEvent) {
        if event.stream_id.kind() != Some(homeward_domain::StreamKind::Incident) {
            return;
        }
        let Ok(id) = event.stream_id.local_id().parse::<IncidentId>() else {
            return;
        };
        match self.files.get_mut(&id) {
            Some(file) => file.evolve(event),
            None => {
                if let Some(mut file) = IncidentFile::opened(id, event) {
                    file.evolve(event);
                    self.files.insert(id, file);
                }
            }
        }
    }

    /// One incident's file.
    pub fn get(&self, id: IncidentId) -> Option<&IncidentFile> {
        self.files.get(&id)
    }

    /// Every file, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &IncidentFile> {
        self.files.values()
    }

    /// How many incidents there are.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Time travel: the file of an incident as it stood at `as_of`, from its events (all
/// of one stream, in version order). `None` if it did not exist yet.
pub fn as_of(id: IncidentId, events: &[RecordedEvent], as_of: Timestamp) -> Option<IncidentFile> {
    let mut files = IncidentFiles::default();
    for event in events.iter().take_while(|e| e.recorded_at <= as_of) {
        files.apply(event);
    }
    files.files.remove(&id)
}

/// The file of an incident as it stood at a log position: its events at or before
/// `position` (all of one stream, in version order). `None` if it did not exist yet.
pub fn at_position(
    id: IncidentId,
    events: &[RecordedEvent],
    position: u64,
) -> Option<IncidentFile> {
    let mut files = IncidentFiles::default();
    for event in events.iter().take_while(|e| e.position <= position) {
        files.apply(event);
    }
    files.files.remove(&id)
}

/// A reference to an event, for feeds and changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct EventRef {
    /// Its id.
    pub event_id: Uuid,
    /// Its log position.
    pub position: u64,
}
