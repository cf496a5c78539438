//! What `decide` knows of an incident, how it decides a command and how an event is
//! folded in.

#[allow(unused_imports)]
use super::*;

/// What `decide` needs to know about an incident. Its collections are persistent maps
/// (`imbl`): a command group decides against a scratch copy of the state, and a copy
/// costs the same for an incident of fifty thousand reports as for one of five.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Events folded so far.
    pub version: u64,
    /// Set once opened.
    pub kind: Option<IncidentKind>,
    /// Who may see it.
    pub classification: Classification,
    /// Where it stands.
    pub status: IncidentStatus,
    /// 1 to 5.
    pub severity: u8,
    /// The lead officer.
    pub lead: Option<String>,
    /// Team members (the lead is not repeated here).
    pub team: imbl::OrdSet<String>,
    /// Persons affected and their statuses.
    pub persons: imbl::OrdMap<PersonId, AffectedStatus>,
    /// Tasks and their statuses.
    pub tasks: imbl::OrdMap<TaskId, TaskStatus>,
    /// Reports and whether each was retracted.
    pub reports: imbl::OrdMap<ReportId, bool>,
}

impl Incident {
    /// Whether the incident has been opened.
    pub fn exists(&self) -> bool {
        self.kind.is_some()
    }

    /// Whether `subject` is the lead or on the team.
    pub fn is_member(&self, subject: &str) -> bool {
        self.lead.as_deref() == Some(subject) || self.team.contains(subject)
    }

    fn existing(&self) -> Result<IncidentKind, Rejection> {
        self.kind.ok_or(Rejection::NotFound { what: "incident" })
    }

    fn open_for_work(&self) -> Result<IncidentKind, Rejection> {
        let kind = self.existing()?;
        if self.status == IncidentStatus::Closed {
            return Err(Rejection::IncidentClosed);
        }
        Ok(kind)
    }

    fn kidnapping_case(&self) -> Result<(), Rejection> {
        if self.open_for_work()? != IncidentKind::Kidnapping {
            return Err(Rejection::NotAKidnapping);
        }
        Ok(())
    }

    fn affected(&self, person_id: PersonId) -> Result<AffectedStatus, Rejection> {
        self.persons
            .get(&person_id)
            .copied()
            .ok_or(Rejection::PersonNotAffected)
    }

    fn open_task(&self, task_id: TaskId) -> Result<(), Rejection> {
        match self.tasks.get(&task_id) {
            None => Err(Rejection::NotFound { what: "task" }),
            Some(TaskStatus::Open) => Ok(()),
            Some(_) => Err(Rejection::TaskAlreadyClosed),
        }
    }
}

fn severity(value: u8) -> Result<u8, Rejection> {
    if (1..=5).contains(&value) {
        Ok(value)
    } else {
        Err(Rejection::InvalidSeverity)
    }
}

impl Aggregate for Incident {
    type Command = IncidentCommand;
    type Event = IncidentEvent;

    fn decide(
        &self,
        command: &IncidentCommand,
        ctx: &Context,
    ) -> Result<Vec<IncidentEvent>, Rejection> {
        use IncidentCommand as C;
        use IncidentEvent as E;
        let event = match command {
            C::Open(open) => {
                if self.exists() {
                    return Err(Rejection::AlreadyExists { what: "incident" });
                }
                let classification = match (open.kind, open.classification) {
                    (IncidentKind::Kidnapping, Some(Classification::Normal)) => {
                        return Err(Rejection::KidnappingMustBeRestricted);
                    }
                    (IncidentKind::Kidnapping, _) => Classification::Restricted,
                    (_, c) => c.unwrap_or_default(),
                };
                let coords = validate::coordinates(open.lat, open.lon)?;
                validate::field_time(open.occurred_at, ctx.now)?;
                E::Opened(IncidentOpened {
                    kind: open.kind,
                    title: validate::required("title", &open.title, MAX_TITLE)?,
                    country: validate::country(&open.country)?,
                    severity: severity(open.severity)?,
                    classification,
                    place: validate::optional("place", open.place.as_deref(), MAX_TITLE)?,
                    lat: coords.map(|c| c.0),
                    lon: coords.map(|c| c.1),
                    summary: validate::optional("summary", open.summary.as_deref(), MAX_NOTE)?,
                })
            }
            C::ChangeStatus { status, reason } => {
                self.existing()?;
                let reason = validate::optional("reason", reason.as_deref(), MAX_NOTE)?;
                match (self.status, *status) {
                    (IncidentStatus::Closed, to) => {
                        return Err(Rejection::TerminalStatus {
                            status: "closed",
                            hint: if to == IncidentStatus::Reopened {
                                "reopen the incident with a reason"
                            } else {
                                "reopen the incident or correct its status with a reason"
                            },
                        });
                    }
                    (_, IncidentStatus::Closed) => {
                        let reason = reason.ok_or(Rejection::ReasonRequired)?;
                        E::Closed(WithReason { reason })
                    }
                    (from, to) if from.may_become(to) => {
                        E::StatusChanged(StatusChanged { from, to, reason })
                    }
                    (from, to) => {
                        return Err(Rejection::InvalidTransition {
                            from: from.as_str(),
                            to: to.as_str(),
                        });
                    }
                }
            }
            C::Close { reason } => {
                self.open_for_work()?;
                E::Closed(WithReason {
                    reason: validate::reason(reason)?,
                })
            }
            C::Reopen { reason } => {
                self.existing()?;
                if self.status != IncidentStatus::Closed {
                    return Err(Rejection::InvalidTransition {
                        from: self.status.as_str(),
                        to: "reopened",
                    });
                }
                E::Reopened(WithReason {
                    reason: validate::reason(reason)?,
                })
            }
            C::SetSeverity {
                severity: to,
                reason,
            } => {
                self.open_for_work()?;
                let to = severity(*to)?;
                if to == self.severity {
                    return Err(Rejection::NoChange);
                }
                E::SeverityChanged(SeverityChanged {
                    from: self.severity,
                    to,
                    reason: validate::optional("reason", reason.as_deref(), MAX_NOTE)?,
                })
            }
            C::AssignLead { subject } => {
                self.open_for_work()?;
                let subject = validate::subject(subject)?;
                if self.lead.as_deref() == Some(subject.as_str()) {
                    return Err(Rejection::NoChange);
                }
                E::LeadAssigned(LeadAssigned {
                    subject,
                    previous: self.lead.clone(),
                })
            }
            C::AddTeamMember { subject } => {
                self.open_for_work()?;
                let subject = validate::subject(subject)?;
                if self.team.contains(&subject) || self.lead.as_deref() == Some(subject.as_str()) {
                    return Err(Rejection::AlreadyExists {
                        what: "team member",
                    });
                }
                E::TeamMemberAdded(TeamMember { subject })
            }
            C::RemoveTeamMember { subject } => {
                self.open_for_work()?;
                if !self.team.contains(subject.trim()) {
                    return Err(Rejection::NotFound {
                        what: "team member",
                    });
                }
                E::TeamMemberRemoved(TeamMember {
                    subject: subject.trim().to_owned(),
                })
            }
            C::AddPerson {
                person_id,
                status,
                note,
                person_known,
            } => {
                self.open_for_work()?;
                if !person_known {
                    return Err(Rejection::NotFound { what: "person" });
                }
                if self.persons.contains_key(person_id) {
                    return Err(Rejection::AlreadyExists {
                        what: "affected person",
                    });
                }
                E::PersonAdded(PersonAdded {
                    person_id: *person_id,
                    status: *status,
                    note: validate::optional("note", note.as_deref(), MAX_NOTE)?,
                })
            }
            C::ChangePersonStatus {
                person_id,
                status,
                note,
            } => {
                self.open_for_work()?;
                let from = self.affected(*person_id)?;
                if from.is_terminal() {
                    return Err(Rejection::TerminalStatus {
                        status: from.as_str(),
                        hint: "correct the person's status with a reason",
                    });
                }
                if from == *status {
                    return Err(Rejection::NoChange);
                }
                E::PersonStatusChanged(PersonStatusChanged {
                    person_id: *person_id,
                    from,
                    to: *status,
                    note: validate::optional("note", note.as_deref(), MAX_NOTE)?,
                })
            }
            C::AddTask {
                task_id,
                title,
                due_at,
                assignee,
            } => {
                self.open_for_work()?;
                if self.tasks.contains_key(task_id) {
                    return Err(Rejection::AlreadyExists { what: "task" });
                }
                let assignee = match assignee.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(s) => Some(validate::subject(s)?),
                };
                E::TaskAdded(TaskAdded {
                    task_id: *task_id,
                    title: validate::required("title", title, MAX_TITLE)?,
                    due_at: *due_at,
                    assignee,
                })
            }
            C::CompleteTask { task_id, note } => {
                self.open_for_work()?;
                self.open_task(*task_id)?;
                E::TaskCompleted(TaskClosed {
                    task_id: *task_id,
                    note: validate::optional("note", note.as_deref(), MAX_NOTE)?,
                })
            }
            C::CancelTask { task_id, reason } => {
                self.open_for_work()?;
                self.open_task(*task_id)?;
                E::TaskCancelled(TaskClosed {
                    task_id: *task_id,
                    note: Some(validate::reason(reason)?),
                })
            }
            C::FileReport(report) => {
                self.open_for_work()?;
                if self.reports.contains_key(&report.report_id) {
                    return Err(Rejection::AlreadyExists { what: "report" });
                }
                validate::field_time(report.occurred_at, ctx.now)?;
                let coords = validate::coordinates(report.lat, report.lon)?;
                E::ReportFiled(ReportFiled {
                    report_id: report.report_id,
                    text: validate::required("text", &report.text, MAX_REPORT)?,
                    category: report.category,
                    place: validate::optional("place", report.place.as_deref(), MAX_TITLE)?,
                    lat: coords.map(|c| c.0),
                    lon: coords.map(|c| c.1),
                })
            }
            C::RecordCaptorContact {
                channel,
                summary,
                occurred_at,
            } => {
                self.kidnapping_case()?;
                validate::field_time(*occurred_at, ctx.now)?;
                E::CaptorContactRecorded(CaptorContact {
                    channel: validate::required("channel", channel, MAX_TITLE)?,
                    summary: validate::required("summary", summary, MAX_REPORT)?,
                })
            }
            C::RecordDemand {
                summary,
                amount,
                currency,
                deadline,
            } => {
                self.kidnapping_case()?;
                let currency = validate::optional("currency", currency.as_deref(), 8)?;
                if currency
                    .as_ref()
                    .is_some_and(|c| c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_uppercase()))
                {
                    return Err(Rejection::InvalidCurrency);
                }
                E::DemandRecorded(Demand {
                    summary: validate::required("summary", summary, MAX_REPORT)?,
                    amount: *amount,
                    currency,
                    deadline: *deadline,
                })
            }
            C::RecordProofOfLife {
                person_id,
                method,
                summary,
                occurred_at,
            } => {
                self.kidnapping_case()?;
                if let Some(p) = person_id {
                    self.affected(*p)?;
                }
                validate::field_time(*occurred_at, ctx.now)?;
                E::ProofOfLifeRecorded(ProofOfLife {
                    person_id: *person_id,
                    method: validate::required("method", method, MAX_TITLE)?,
                    summary: validate::required("summary", summary, MAX_REPORT)?,
                })
            }
            C::RecordNegotiation { summary } => {
                self.kidnapping_case()?;
                E::NegotiationUpdated(Negotiation {
                    summary: validate::required("summary", summary, MAX_REPORT)?,
                })
            }
            C::RecordOutcome {
                outcome,
                person_ids,
                summary,
                occurred_at,
            } => {
                self.kidnapping_case()?;
                if person_ids.is_empty() {
                    return Err(Rejection::Empty {
                        field: "person_ids",
                    });
                }
                let mut seen = BTreeSet::new();
                for p in person_ids {
                    if !seen.insert(*p) {
                        return Err(Rejection::DuplicatePerson);
                    }
                    let status = self.affected(*p)?;
                    if status.is_terminal() {
                        return Err(Rejection::TerminalStatus {
                            status: status.as_str(),
                            hint: "correct the person's status with a reason",
                        });
                    }
                }
                validate::field_time(*occurred_at, ctx.now)?;
                E::OutcomeRecorded(Outcome {
                    outcome: *outcome,
                    person_ids: person_ids.clone(),
                    summary: validate::required("summary", summary, MAX_REPORT)?,
                })
            }
            C::Correct {
                corrects_version,
                reason,
                fix,
            } => {
                self.existing()?;
                if *corrects_version == 0 || *corrects_version > self.version {
                    return Err(Rejection::UnknownVersion {
                        version: *corrects_version,
                        latest: self.version,
                    });
                }
                let reason = validate::reason(reason)?;
                let correction = self.correction(fix)?;
                E::Corrected(Corrected {
                    corrects_version: *corrects_version,
                    reason,
                    correction,
                })
            }
            C::RecordDecision(decision) => {
                self.open_for_work()?;
                E::DecisionRecorded(crate::decision::decide(self, decision)?)
            }
        };
        Ok(vec![event])
    }

    fn evolve(mut self, event: &IncidentEvent) -> Self {
        use IncidentEvent as E;
        self.version += 1;
        match event {
            E::Opened(o) => {
                self.kind = Some(o.kind);
                self.classification = o.classification;
                self.severity = o.severity;
                self.status = IncidentStatus::Open;
            }
            E::StatusChanged(s) => self.status = s.to,
            E::Closed(_) => self.status = IncidentStatus::Closed,
            E::Reopened(_) => self.status = IncidentStatus::Reopened,
            E::SeverityChanged(s) => self.severity = s.to,
            E::LeadAssigned(l) => {
                // The lead is not repeated among the team members.
                self.team.remove(&l.subject);
                self.lead = Some(l.subject.clone());
            }
            E::TeamMemberAdded(t) => {
                self.team.insert(t.subject.clone());
            }
            E::TeamMemberRemoved(t) => {
                self.team.remove(&t.subject);
            }
            E::PersonAdded(p) => {
                self.persons.insert(p.person_id, p.status);
            }
            E::PersonStatusChanged(p) => {
                self.persons.insert(p.person_id, p.to);
            }
            E::TaskAdded(t) => {
                self.tasks.insert(t.task_id, TaskStatus::Open);
            }
            E::TaskCompleted(t) => {
                self.tasks.insert(t.task_id, TaskStatus::Done);
            }
            E::TaskCancelled(t) => {
                self.tasks.insert(t.task_id, TaskStatus::Cancelled);
            }
            E::ReportFiled(r) => {
                self.reports.insert(r.report_id, false);
            }
            E::OutcomeRecorded(o) => {
                for p in &o.person_ids {
                    self.persons.insert(*p, o.outcome.person_status());
                }
            }
            E::CaptorContactRecorded(_)
            | E::DemandRecorded(_)
            | E::ProofOfLifeRecorded(_)
            | E::NegotiationUpdated(_)
            | E::DecisionRecorded(_) => {}
            E::Corrected(c) => match &c.correction {
                Correction::Status { to, .. } => self.status = *to,
                Correction::PersonStatus { person_id, to, .. } => {
                    self.persons.insert(*person_id, *to);
                }
                Correction::ReportRetracted { report_id } => {
                    self.reports.insert(*report_id, true);
                }
                Correction::Details { .. } => {}
            },
        }
        self
    }

    fn version(&self) -> u64 {
        self.version
    }
}

impl Incident {
    fn correction(&self, fix: &IncidentFix) -> Result<Correction, Rejection> {
        Ok(match fix {
            IncidentFix::Status { status } => {
                if *status == self.status {
                    return Err(Rejection::NoChange);
                }
                Correction::Status {
                    from: self.status,
                    to: *status,
                }
            }
            IncidentFix::PersonStatus { person_id, status } => {
                let from = self.affected(*person_id)?;
                if from == *status {
                    return Err(Rejection::NoChange);
                }
                Correction::PersonStatus {
                    person_id: *person_id,
                    from,
                    to: *status,
                }
            }
            IncidentFix::RetractReport { report_id } => match self.reports.get(report_id) {
                None => return Err(Rejection::NotFound { what: "report" }),
                Some(true) => return Err(Rejection::NoChange),
                Some(false) => Correction::ReportRetracted {
                    report_id: *report_id,
                },
            },
            IncidentFix::Details {
                title,
                summary,
                country,
                place,
                lat,
                lon,
            } => {
                let coords = validate::coordinates(*lat, *lon)?;
                let correction = Correction::Details {
                    title: validate::optional("title", title.as_deref(), MAX_TITLE)?,
                    summary: validate::optional("summary", summary.as_deref(), MAX_NOTE)?,
                    country: country.as_deref().map(validate::country).transpose()?,
                    place: validate::optional("place", place.as_deref(), MAX_TITLE)?,
                    lat: coords.map(|c| c.0),
                    lon: coords.map(|c| c.1),
                };
                if correction
                    == (Correction::Details {
                        title: None,
                        summary: None,
                        country: None,
                        place: None,
                        lat: None,
                        lon: None,
                    })
                {
                    return Err(Rejection::NoChange);
                }
                correction
            }
        })
    }
}
