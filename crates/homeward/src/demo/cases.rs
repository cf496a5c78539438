//! Consular cases away from the evacuation: kidnappings worked by the case team under
//! need-to-know, detentions with consular visits and hearings, and disasters, unrest,
//! accidents, illnesses and missing persons handled by the posts.

use homeward_domain::call::{CallCategory, CallCommand, LogCall};
use homeward_domain::country::CountryCommand;
use homeward_domain::incident::{
    AffectedStatus, Classification, FileReport, IncidentCommand, IncidentKind, IncidentStatus,
    KidnappingOutcome, OpenIncident, ReportCategory,
};
use homeward_domain::person::{PersonCommand, WelfareStatus};
use homeward_domain::{Actor, CallId, CountryCode, IncidentId, ReportId, Role, TaskId};
use homeward_service::Command;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::data::{self, DetentionCase, KidnapCase, OtherCase, Place};
use super::evac::country_name;
use super::sim::{
    Agenda, Citizen, HOUR, MIN, Out, Secs, Sex, about, between, capitalise, citizen, fill_owned,
    hq, officers, pick, relative_of,
};

#[derive(Debug, Clone)]
enum Step {
    FirstCall,
    Open,
    Risk(u8, String),
    Status(IncidentStatus, String),
    Severity(u8, String),
    Report(String, ReportCategory),
    Person(usize, AffectedStatus, String),
    Task(usize, String),
    Contact(&'static str, &'static str),
    Demand,
    Proof(usize),
    Negotiation(&'static str),
    Outcome(KidnappingOutcome),
    FamilyCall(usize, &'static str),
    Welfare(usize, WelfareStatus, String),
    Close(String),
}

impl Step {
    fn is_case_fact(&self) -> bool {
        matches!(
            self,
            Step::Contact(..) | Step::Demand | Step::Proof(_) | Step::Negotiation(_)
        )
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Kidnap(&'static KidnapCase),
    Detention(&'static DetentionCase),
    Other(&'static OtherCase),
}

/// One case, with its script.
pub struct Case {
    rng: ChaCha8Rng,
    agenda: Agenda<Step>,
    kind: Kind,
    incident: IncidentId,
    lead: Actor,
    second: Actor,
    field: Actor,
    persons: Vec<Citizen>,
    statuses: Vec<AffectedStatus>,
    size: usize,
    tasks: Vec<(TaskId, bool)>,
    call: Option<CallId>,
    /// When the incident was opened (nothing in it happened in the field before).
    opened_at: Option<Secs>,
    closed: bool,
    company: &'static str,
    province: &'static str,
    amount: u64,
}

fn script(steps: &mut Vec<(Secs, Step)>, at: Secs, step: Step) {
    steps.push((at, step));
}

impl Case {
    fn base(seed: u64, kind: Kind, post: &str, out: &Out) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let field = officers(&mut rng, post, 1, Role::FieldOfficer).remove(0);
        let lead = match kind {
            Kind::Kidnap(_) => hq(&mut rng, data::HQ_CASE_TEAM, Role::CaseTeam),
            _ => field.clone(),
        };
        let mut second = hq(&mut rng, data::HQ_CASE_TEAM, Role::CaseTeam);
        if second == lead {
            second = Actor::new(
                data::HQ_CASE_TEAM
                    .iter()
                    .find(|s| **s != lead.subject)
                    .copied()
                    .unwrap_or("caseteam.duty"),
                Role::CaseTeam,
            );
        }
        Self {
            company: pick(&mut rng, &data::COMPANIES[..10]),
            province: pick(&mut rng, data::PROVINCES),
            agenda: Agenda::default(),
            kind,
            incident: IncidentId(out.id()),
            lead,
            second,
            field,
            persons: Vec::new(),
            statuses: Vec::new(),
            size: 1,
            tasks: Vec::new(),
            call: None,
            opened_at: None,
            closed: false,
            amount: 0,
            rng,
        }
    }

    fn plan(&mut self, mut steps: Vec<(Secs, Step)>) {
        steps.sort_by_key(|(t, _)| *t);
        for (t, step) in steps {
            self.agenda.at(t, step);
        }
    }

    /// A kidnapping reported at `t0`; `outcome` hours later it ends, if it does.
    pub fn kidnapping(
        seed: u64,
        k: &'static KidnapCase,
        t0: Secs,
        outcome: Option<(KidnappingOutcome, Secs)>,
        out: &Out,
    ) -> Self {
        let mut case = Self::base(seed, Kind::Kidnap(k), k.post, out);
        let rng = &mut case.rng;
        case.size = match rng.gen_range(0..100) {
            0..20 => 1,
            20..55 => 2,
            55..85 => 3,
            _ => 4,
        };
        let (lo, hi) = k.ransom;
        case.amount = round_to_two_digits(rng.gen_range(lo..=hi));
        let mut steps = Vec::new();
        let s = &mut steps;
        let open = t0 + between(rng, 20 * MIN, 45 * MIN);
        script(s, t0, Step::FirstCall);
        script(s, open, Step::Open);
        let level = if k.country == "ML" { 4 } else { 3 };
        let reason = format!(
            "Kidnappings of foreign workers in {}; avoid all travel there and follow company security rules strictly.",
            k.region
        );
        let at = open + between(rng, HOUR, 2 * HOUR);
        script(s, at, Step::Risk(level, reason));
        script(
            s,
            open + 5 * MIN,
            Step::Status(
                IncidentStatus::Active,
                "Case team activated; the company's crisis cell is on the line.".into(),
            ),
        );
        for (i, (lo, hi)) in [(4, 7), (18, 27), (40, 70)].into_iter().enumerate() {
            if i < 2 || rng.gen_bool(0.5) {
                let at = open + between(rng, lo * HOUR, hi * HOUR);
                script(s, at, Step::Task(i, "Done.".into()));
            }
        }
        let first_contact = open + between(rng, 6 * HOUR, 30 * HOUR);
        let template = pick(rng, &[data::CAPTOR_CONTACTS[0], data::CAPTOR_CONTACTS[2]]);
        script(
            s,
            first_contact,
            Step::Contact(pick(rng, data::CAPTOR_CHANNELS), template),
        );
        for template in super::sim::pick_n(rng, &data::CAPTOR_CONTACTS[3..], 2) {
            let at = first_contact + between(rng, 20 * HOUR, 90 * HOUR);
            script(
                s,
                at,
                Step::Contact(pick(rng, data::CAPTOR_CHANNELS), template),
            );
        }
        let demand = first_contact + between(rng, 4 * HOUR, 20 * HOUR);
        script(s, demand, Step::Demand);
        for i in 0..case.size {
            let at = demand + between(rng, 6 * HOUR, 40 * HOUR);
            script(s, at, Step::Proof(i));
        }
        let n = rng.gen_range(3..=5);
        for text in super::sim::pick_n(rng, data::NEGOTIATIONS, n) {
            let at = demand + between(rng, 10 * HOUR, 110 * HOUR);
            script(s, at, Step::Negotiation(text));
        }
        for text in super::sim::pick_n(rng, data::KIDNAP_REPORTS, 4) {
            let at = open + between(rng, 2 * HOUR, 100 * HOUR);
            script(s, at, Step::Report(text.into(), ReportCategory::Security));
        }
        for i in 0..case.size {
            let at = open + between(rng, 10 * HOUR, 100 * HOUR);
            script(
                s,
                at,
                Step::FamilyCall(i, pick(rng, data::KIDNAP_FAMILY_CALLS)),
            );
        }
        if let Some((outcome, after)) = outcome {
            let end = open + after;
            steps.retain(|(t, step)| *t < end || !step.is_case_fact());
            let s = &mut steps;
            script(s, end, Step::Outcome(outcome));
            let text = match outcome {
                KidnappingOutcome::Rescued => {
                    "Rescue of {hostages} by an operation of the {police} near {place}; taken to hospital for checks."
                }
                _ => {
                    "Release of {hostages} near {place} after negotiations led by the company; now with the {police}, unhurt."
                }
            };
            script(
                s,
                end + 30 * MIN,
                Step::Report(text.into(), ReportCategory::Contact),
            );
            script(
                s,
                end + 4 * HOUR,
                Step::Task(3, "Medical check of {hostages} done.".into()),
            );
            for i in 0..case.size {
                let note =
                    "Medical check done; with colleagues at the company base, flight home booked.";
                script(
                    s,
                    end + 6 * HOUR,
                    Step::Person(i, AffectedStatus::Safe, note.into()),
                );
            }
            script(
                s,
                end + 8 * HOUR,
                Step::Status(
                    IncidentStatus::Resolved,
                    "Resolved: {hostages} free.".into(),
                ),
            );
            let close = end + between(rng, 12 * HOUR, 24 * HOUR);
            let reason = "Case closed: {hostages} safe and back home; the case file goes to the security office.";
            script(s, close, Step::Close(reason.into()));
        }
        case.plan(steps);
        case
    }

    /// A citizen detained, first reported to the hotline at `t0`.
    pub fn detention(
        seed: u64,
        d: &'static DetentionCase,
        t0: Secs,
        released: bool,
        out: &Out,
    ) -> Self {
        let mut case = Self::base(seed, Kind::Detention(d), d.post, out);
        let rng = &mut case.rng;
        let mut steps = Vec::new();
        let s = &mut steps;
        let open = t0 + between(rng, 30 * MIN, 90 * MIN);
        script(s, t0, Step::FirstCall);
        script(s, open, Step::Open);
        script(
            s,
            open + 5 * MIN,
            Step::Status(IncidentStatus::Active, "Consular officer assigned.".into()),
        );
        let r = data::DETENTION_REPORTS;
        let at = open + between(rng, 2 * HOUR, 8 * HOUR);
        script(s, at, Step::Report(r[0].into(), ReportCategory::Contact));
        let at = open + between(rng, 6 * HOUR, 20 * HOUR);
        script(
            s,
            at,
            Step::Task(1, "List sent to the family by WeChat.".into()),
        );
        if rng.gen_bool(0.5) {
            let at = open + between(rng, 30 * HOUR, 50 * HOUR);
            script(
                s,
                at,
                Step::Task(2, "Written confirmation received.".into()),
            );
        }
        if released {
            let release = open + between(rng, 40 * HOUR, 80 * HOUR);
            let visit = open + between(rng, 16 * HOUR, 30 * HOUR);
            script(s, visit, Step::Report(r[1].into(), ReportCategory::Welfare));
            script(
                s,
                visit + 30 * MIN,
                Step::Task(0, "Visited; see the report.".into()),
            );
            let at = between(rng, visit, release - 4 * HOUR);
            script(s, at, Step::Report(r[2].into(), ReportCategory::Other));
            let at = between(rng, visit, release - 2 * HOUR);
            script(s, at, Step::Report(r[3].into(), ReportCategory::Other));
            let text = pick(rng, data::DETENTION_RELEASES);
            script(
                s,
                release,
                Step::Person(0, AffectedStatus::Released, text.into()),
            );
            script(
                s,
                release + 10 * MIN,
                Step::Report(text.into(), ReportCategory::Welfare),
            );
            script(
                s,
                release + HOUR,
                Step::Status(IncidentStatus::Resolved, "Released.".into()),
            );
            let close = release + between(rng, 12 * HOUR, 30 * HOUR);
            script(
                s,
                close,
                Step::Close("{Name} is free and back home; case closed.".into()),
            );
        } else {
            let at = open + between(rng, 10 * HOUR, 40 * HOUR);
            script(s, at, Step::Report(r[4].into(), ReportCategory::Other));
        }
        for _ in 0..rng.gen_range(1..=2) {
            let at = open + between(rng, 20 * HOUR, 100 * HOUR);
            script(
                s,
                at,
                Step::FamilyCall(0, pick(rng, data::DETENTION_FOLLOW_UP)),
            );
        }
        case.plan(steps);
        case
    }

    /// A disaster, unrest, an accident, an illness or a disappearance at `t0`.
    pub fn other(seed: u64, o: &'static OtherCase, t0: Secs, closes: bool, out: &Out) -> Self {
        let mut case = Self::base(seed, Kind::Other(o), o.post, out);
        let rng = &mut case.rng;
        case.size = rng.gen_range(o.persons.0..=o.persons.1);
        let mut steps = Vec::new();
        let s = &mut steps;
        script(s, t0, Step::Open);
        if let Some((level, reason)) = o.risk {
            let at = t0 + between(rng, HOUR, 3 * HOUR);
            script(s, at, Step::Risk(level, reason.into()));
        }
        script(
            s,
            t0 + 5 * MIN,
            Step::Status(
                IncidentStatus::Active,
                "The post's consular team is on it.".into(),
            ),
        );
        for i in 0..o.tasks.len() {
            if rng.gen_bool(0.8) {
                let at = t0 + between(rng, 6 * HOUR, 40 * HOUR);
                script(s, at, Step::Task(i, "Done.".into()));
            }
        }
        let categories: &[ReportCategory] = match o.kind {
            IncidentKind::NaturalDisaster => &[
                ReportCategory::Situation,
                ReportCategory::Contact,
                ReportCategory::Logistics,
            ],
            IncidentKind::CivilUnrest | IncidentKind::TerrorAttack => &[
                ReportCategory::Security,
                ReportCategory::Situation,
                ReportCategory::Contact,
            ],
            IncidentKind::Accident | IncidentKind::Medical => &[
                ReportCategory::Medical,
                ReportCategory::Situation,
                ReportCategory::Logistics,
            ],
            IncidentKind::MissingPerson => &[ReportCategory::Contact, ReportCategory::Situation],
            _ => &[ReportCategory::Welfare, ReportCategory::Logistics],
        };
        for (i, text) in o.reports.iter().enumerate() {
            let at = t0 + between(rng, 2 * HOUR, 60 * HOUR);
            let category = categories[i % categories.len()];
            script(s, at, Step::Report((*text).into(), category));
        }
        for i in 0..case.size {
            let (first, rest) = resolution(rng, o);
            let mut last = t0;
            for (status, after, note) in std::iter::once(first).chain(rest) {
                last = t0 + after;
                script(s, last, Step::Person(i, status, note.into()));
                if status == AffectedStatus::Safe && rng.gen_bool(0.5) {
                    let at = last + between(rng, HOUR, 6 * HOUR);
                    let note = "Reached by phone: safe, in touch with the family.";
                    script(s, at, Step::Welfare(i, WelfareStatus::Safe, note.into()));
                }
            }
            if rng.gen_bool(0.5) {
                let at = t0 + between(rng, HOUR, (last - t0).max(2 * HOUR));
                script(
                    s,
                    at,
                    Step::FamilyCall(i, pick(rng, data::OTHER_FAMILY_CALLS)),
                );
            }
        }
        let contained = t0 + between(rng, 24 * HOUR, 36 * HOUR);
        script(
            s,
            contained,
            Step::Status(
                IncidentStatus::Contained,
                "Most citizens accounted for.".into(),
            ),
        );
        if o.severity >= 3 {
            script(
                s,
                contained + 5 * MIN,
                Step::Severity(o.severity - 1, "Situation stabilising.".into()),
            );
        }
        if closes {
            let close = t0 + between(rng, 50 * HOUR, 80 * HOUR);
            script(
                s,
                close,
                Step::Status(
                    IncidentStatus::Resolved,
                    "Every citizen accounted for.".into(),
                ),
            );
            script(s, close + 2 * HOUR, Step::Close(o.close.into()));
        }
        case.plan(steps);
        case
    }

    fn country(&self) -> &'static str {
        match self.kind {
            Kind::Kidnap(k) => k.country,
            Kind::Detention(d) => d.country,
            Kind::Other(o) => o.country,
        }
    }

    fn place(&self) -> Place {
        match self.kind {
            Kind::Kidnap(k) => k.place,
            Kind::Detention(d) => d.place,
            Kind::Other(o) => o.place,
        }
    }

    fn values(&self) -> Vec<(&'static str, String)> {
        let place = self.place();
        let names: Vec<&str> = self.persons.iter().map(|p| p.full_name.as_str()).collect();
        let mut v = vec![
            ("place", place.name.to_owned()),
            ("company", self.company.to_owned()),
            ("province", self.province.to_owned()),
            ("country", country_name(self.country()).to_owned()),
            ("names", and_list(&names)),
            ("n", self.size.to_string()),
        ];
        match self.kind {
            Kind::Kidnap(k) => {
                v.push(("region", k.region.to_owned()));
                v.push(("site", k.site.to_owned()));
                v.push(("captors", k.captors.to_owned()));
                v.push(("Captors", capitalise(k.captors)));
                v.push(("hostages", hostages(self.size).to_owned()));
                v.push(("Hostages", capitalise(hostages(self.size))));
                v.push(("language", k.language.to_owned()));
                v.push(("police", k.police.to_owned()));
            }
            Kind::Detention(d) => {
                v.push(("authority", d.authority.to_owned()));
                v.push(("Authority", capitalise(d.authority)));
                v.push(("facility", d.facility.to_owned()));
                v.push(("charge", d.charge.to_owned()));
            }
            Kind::Other(o) => {
                v.push(("title", o.title.to_owned()));
            }
        }
        if let Some(first) = self.persons.first() {
            v.extend(about(first, None));
        }
        v
    }

    fn cmd(&self, c: IncidentCommand) -> Command {
        Command::Incident(self.incident, c)
    }

    /// Writes what is due by `out.now`.
    pub fn step(&mut self, out: &mut Out) {
        while let Some((at, step)) = self.agenda.due(out.now) {
            if self.closed {
                continue;
            }
            self.run(at, step, out);
        }
    }

    fn make_persons(&mut self, out: &mut Out) {
        for _ in 0..self.size {
            let (sex, age) = match self.kind {
                Kind::Kidnap(_) => (
                    if self.rng.gen_bool(0.9) {
                        Sex::Male
                    } else {
                        Sex::Female
                    },
                    self.rng.gen_range(24..56),
                ),
                Kind::Detention(_) => (
                    if self.rng.gen_bool(0.75) {
                        Sex::Male
                    } else {
                        Sex::Female
                    },
                    self.rng.gen_range(21..60),
                ),
                Kind::Other(_) => (
                    if self.rng.gen_bool(0.5) {
                        Sex::Male
                    } else {
                        Sex::Female
                    },
                    self.rng.gen_range(19..72),
                ),
            };
            let c = citizen(out, &mut self.rng, None, sex, age, None);
            self.persons.push(c);
        }
    }

    fn register_persons(&mut self, out: &mut Out, actor: &Actor) {
        let place = self.place();
        for i in 0..self.persons.len() {
            let command = self.persons[i].register(self.country(), &place, &mut self.rng);
            out.first(actor, Command::Person(self.persons[i].id, command));
        }
    }

    fn log_call(&mut self, out: &mut Out, call: LogCall) -> CallId {
        let id = CallId(out.id());
        let operator = out.operator(&mut self.rng);
        out.then(&operator, Command::Call(id, CallCommand::Log(call)));
        id
    }

    fn report(&mut self, out: &mut Out, at: Secs, text: String, category: ReportCategory) {
        let place = self.place();
        let occurred = if self.rng.gen_bool(0.2) {
            at - between(&mut self.rng, HOUR, 5 * HOUR)
        } else {
            at - between(&mut self.rng, 0, 20 * MIN)
        };
        let report = FileReport {
            report_id: ReportId(out.id()),
            text,
            category,
            place: Some(place.name.to_owned()),
            lat: Some(place.lat),
            lon: Some(place.lon),
            occurred_at: out.field(occurred.max(self.opened_at.unwrap_or(occurred))),
        };
        out.then(
            &self.field.clone(),
            self.cmd(IncidentCommand::FileReport(report)),
        );
    }

    fn run(&mut self, at: Secs, step: Step, out: &mut Out) {
        let values = self.values();
        let duty = out.duty();
        match step {
            Step::FirstCall => self.first_call(at, out),
            Step::Open => self.open(at, out),
            Step::Risk(level, reason) => {
                if let Some(country) = CountryCode::parse(self.country()) {
                    out.risk.insert(self.country(), (level, reason.clone()));
                    out.then(
                        &duty,
                        Command::Country(country, CountryCommand::SetRiskLevel { level, reason }),
                    );
                }
            }
            Step::Status(status, reason) => out.then(
                &duty,
                self.cmd(IncidentCommand::ChangeStatus {
                    status,
                    reason: Some(fill_owned(&reason, &values)),
                }),
            ),
            Step::Severity(severity, reason) => out.then(
                &duty,
                self.cmd(IncidentCommand::SetSeverity {
                    severity,
                    reason: Some(reason),
                }),
            ),
            Step::Report(template, category) => {
                let text = capitalise(&fill_owned(&template, &values));
                self.report(out, at, text, category);
            }
            Step::Person(i, status, note) => {
                if self
                    .statuses
                    .get(i)
                    .is_none_or(|s| *s == status || s.is_terminal())
                {
                    return;
                }
                self.statuses[i] = status;
                let actor = self.field.clone();
                out.then(
                    &actor,
                    self.cmd(IncidentCommand::ChangePersonStatus {
                        person_id: self.persons[i].id,
                        status,
                        note: Some(fill_owned(&note, &values)),
                    }),
                );
            }
            Step::Task(i, note) => {
                if let Some((task_id, open)) = self.tasks.get_mut(i)
                    && *open
                {
                    *open = false;
                    let task_id = *task_id;
                    let actor = self.lead.clone();
                    out.then(
                        &actor,
                        self.cmd(IncidentCommand::CompleteTask {
                            task_id,
                            note: Some(fill_owned(&note, &values)),
                        }),
                    );
                }
            }
            Step::Contact(channel, template) => {
                let occurred = at - between(&mut self.rng, 0, 90 * MIN);
                out.then(
                    &self.lead,
                    self.cmd(IncidentCommand::RecordCaptorContact {
                        channel: channel.to_owned(),
                        summary: fill_owned(template, &values),
                        occurred_at: out.field(occurred),
                    }),
                );
            }
            Step::Demand => {
                let Kind::Kidnap(k) = self.kind else { return };
                let deadline = at + 72 * HOUR;
                out.then(
                    &self.lead,
                    self.cmd(IncidentCommand::RecordDemand {
                        summary: format!(
                            "Captors demand {} {} for the release of {} by {} and threaten to move {} if the police keep searching.",
                            group_thousands(self.amount),
                            k.currency,
                            hostages(self.size),
                            out.epoch.day_time(deadline),
                            if self.size > 1 { "them" } else { "the hostage" },
                        ),
                        amount: Some(self.amount),
                        currency: Some(k.currency.to_owned()),
                        deadline: Some(out.epoch.ts(deadline)),
                    }),
                );
            }
            Step::Proof(i) => {
                let Some(person) = self.persons.get(i) else {
                    return;
                };
                let mut v = values.clone();
                v.retain(|(k, _)| *k != "name");
                v.push(("name", person.full_name.clone()));
                let summary = fill_owned(pick(&mut self.rng, data::POL_SUMMARIES), &v);
                let method = (pick(&mut self.rng, data::POL_METHODS)).to_owned();
                let occurred = at - between(&mut self.rng, 0, 3 * HOUR);
                out.then(
                    &self.lead,
                    self.cmd(IncidentCommand::RecordProofOfLife {
                        person_id: Some(person.id),
                        method,
                        summary,
                        occurred_at: out.field(occurred),
                    }),
                );
            }
            Step::Negotiation(template) => out.then(
                &self.lead,
                self.cmd(IncidentCommand::RecordNegotiation {
                    summary: fill_owned(template, &values),
                }),
            ),
            Step::Outcome(outcome) => {
                let ids = self.persons.iter().map(|p| p.id).collect();
                let summary = match outcome {
                    KidnappingOutcome::Rescued => {
                        "Rescue of {hostages} alive by the security forces."
                    }
                    _ => {
                        "Release of {hostages} after negotiations; no ransom paid by the ministry."
                    }
                };
                for s in &mut self.statuses {
                    *s = AffectedStatus::Released;
                }
                let occurred = at - between(&mut self.rng, HOUR, 3 * HOUR);
                out.then(
                    &self.lead,
                    self.cmd(IncidentCommand::RecordOutcome {
                        outcome,
                        person_ids: ids,
                        summary: fill_owned(summary, &values),
                        occurred_at: out.field(occurred),
                    }),
                );
            }
            Step::FamilyCall(i, template) => self.family_call(i, template, out),
            Step::Welfare(i, status, note) => {
                let Some(person) = self.persons.get(i) else {
                    return;
                };
                let occurred = at - between(&mut self.rng, 0, 30 * MIN);
                out.then(
                    &self.field,
                    Command::Person(
                        person.id,
                        PersonCommand::RecordWelfareCheck {
                            status,
                            note: Some(note),
                            occurred_at: out.field(occurred),
                        },
                    ),
                );
            }
            Step::Close(reason) => {
                for (task_id, open) in &mut self.tasks {
                    if *open {
                        *open = false;
                        out.then(
                            &duty,
                            Command::Incident(
                                self.incident,
                                IncidentCommand::CancelTask {
                                    task_id: *task_id,
                                    reason: "No longer needed; the case is closing.".into(),
                                },
                            ),
                        );
                    }
                }
                out.then(
                    &duty,
                    self.cmd(IncidentCommand::Close {
                        reason: fill_owned(&reason, &values),
                    }),
                );
                self.closed = true;
            }
        }
    }

    fn first_call(&mut self, at: Secs, out: &mut Out) {
        match self.kind {
            Kind::Kidnap(k) => {
                let surname = pick(&mut self.rng, data::SURNAMES);
                let given = pick(&mut self.rng, data::MALE_GIVEN);
                let mut values = self.values();
                values.push(("hh", out.epoch.clock_time(at - 2 * HOUR)));
                let summary = fill_owned(
                    "Site manager of {company} reports that {captors} seized {n} of our workers from a {site} in {region} at about {hh}; the police are on their way. Passed at once to the duty officer.",
                    &values,
                );
                let phone = super::sim::cn_phone(&mut self.rng);
                let id = self.log_call(
                    out,
                    LogCall {
                        caller_name: format!("{surname} {given}"),
                        caller_phone: Some(phone),
                        caller_relation: Some("employer".into()),
                        from_country: Some(k.country.into()),
                        category: Some(CallCategory::Kidnapping),
                        summary,
                        ..LogCall::default()
                    },
                );
                self.call = Some(id);
            }
            Kind::Detention(_) => {
                self.make_persons(out);
                let hotline = out.operator(&mut self.rng);
                self.register_persons(out, &hotline);
                let caller = relative_of(&mut self.rng, &self.persons[0]);
                let mut values = self.values();
                values.extend(about(&self.persons[0], Some(&caller)));
                let template = pick(&mut self.rng, data::DETENTION_CALLS);
                let employer = template.starts_with("Employer");
                let summary = fill_owned(template, &values);
                let person_id = self.persons[0].id;
                let id = self.log_call(
                    out,
                    LogCall {
                        caller_name: caller.name,
                        caller_phone: Some(caller.phone),
                        caller_relation: Some(
                            if employer {
                                "employer"
                            } else {
                                caller.relation
                            }
                            .into(),
                        ),
                        from_country: Some("CN".into()),
                        category: Some(CallCategory::ArrestDetention),
                        summary,
                        person_id: Some(person_id),
                        person_known: true,
                        ..LogCall::default()
                    },
                );
                self.call = Some(id);
            }
            Kind::Other(_) => {}
        }
    }

    fn open(&mut self, at: Secs, out: &mut Out) {
        let place = self.place();
        let duty = out.duty();
        let (kind, title, severity, classification, summary, occurred, status) = match self.kind {
            Kind::Kidnap(k) => {
                self.make_persons(out);
                let lead = self.lead.clone();
                self.register_persons(out, &lead);
                let who = ["Worker", "Two workers", "Three workers", "Four workers"]
                    [(self.size - 1).min(3)];
                (
                    IncidentKind::Kidnapping,
                    format!(
                        "{who} of {} kidnapped from a {} in {}",
                        self.company, k.site, k.region
                    ),
                    5,
                    Some(Classification::Restricted),
                    fill_owned(
                        "{Captors} seized {names}, working for {company}, from a {site} in {region}. The {police} is on the scene; no contact with the captors yet.",
                        &self.values(),
                    ),
                    at - between(&mut self.rng, HOUR, 3 * HOUR),
                    AffectedStatus::Held,
                )
            }
            Kind::Detention(d) => (
                IncidentKind::Detention,
                format!("Citizen detained in {}: {}", place.name, d.charge),
                if d.charge.contains("fatal") || d.charge.contains("brawl") {
                    3
                } else {
                    2
                },
                None,
                fill_owned(
                    "{Name} ({age}) was arrested by {authority} for {charge}; held at {facility}. The family asks for consular help.",
                    &[
                        self.values(),
                        vec![("age", self.persons[0].age.to_string())],
                    ]
                    .concat(),
                ),
                at - between(&mut self.rng, 4 * HOUR, 30 * HOUR),
                AffectedStatus::Detained,
            ),
            Kind::Other(o) => {
                self.make_persons(out);
                let field = self.field.clone();
                self.register_persons(out, &field);
                (
                    o.kind,
                    o.title.to_owned(),
                    o.severity,
                    None,
                    o.summary.to_owned(),
                    at - between(&mut self.rng, HOUR, 6 * HOUR),
                    o.first_status,
                )
            }
        };
        out.first(
            &duty,
            self.cmd(IncidentCommand::Open(OpenIncident {
                kind,
                title,
                country: self.country().to_owned(),
                severity,
                classification,
                place: Some(place.name.to_owned()),
                lat: Some(place.lat),
                lon: Some(place.lon),
                summary: Some(summary),
                occurred_at: out.field(occurred),
            })),
        );
        self.opened_at = Some(at);
        out.then(
            &duty,
            self.cmd(IncidentCommand::AssignLead {
                subject: self.lead.subject.clone(),
            }),
        );
        if let Kind::Kidnap(_) = self.kind {
            for member in [self.second.subject.clone(), self.field.subject.clone()] {
                out.then(
                    &duty,
                    self.cmd(IncidentCommand::AddTeamMember { subject: member }),
                );
            }
        }
        let adder = match self.kind {
            Kind::Kidnap(_) => self.lead.clone(),
            _ => self.field.clone(),
        };
        let note = match self.kind {
            Kind::Kidnap(_) if self.size > 1 => "Taken from the site with the others.".to_owned(),
            Kind::Kidnap(_) => "Taken from the site.".to_owned(),
            Kind::Detention(d) => format!("Held at {}.", d.facility),
            Kind::Other(_) => "On the post's list of citizens in the area.".to_owned(),
        };
        for i in 0..self.persons.len() {
            out.then(
                &adder,
                self.cmd(IncidentCommand::AddPerson {
                    person_id: self.persons[i].id,
                    status,
                    note: Some(note.clone()),
                    person_known: true,
                }),
            );
            self.statuses.push(status);
        }
        let values = self.values();
        let tasks: Vec<(String, i64)> = match self.kind {
            Kind::Kidnap(_) => data::KIDNAP_TASKS
                .iter()
                .map(|(t, h)| (fill_owned(t, &values), *h))
                .collect(),
            Kind::Detention(_) => data::DETENTION_TASKS
                .iter()
                .map(|(t, h)| (fill_owned(t, &values), *h))
                .collect(),
            Kind::Other(o) => o
                .tasks
                .iter()
                .map(|t| ((*t).to_owned(), self.rng.gen_range(12..48)))
                .collect(),
        };
        for (title, due) in tasks {
            let task_id = TaskId(out.id());
            self.tasks.push((task_id, true));
            out.then(
                &duty,
                self.cmd(IncidentCommand::AddTask {
                    task_id,
                    title,
                    due_at: Some(out.epoch.ts(at + due * HOUR)),
                    assignee: Some(self.lead.subject.clone()),
                }),
            );
        }
        if let Some(call) = self.call {
            out.then(
                &duty,
                Command::Call(
                    call,
                    CallCommand::Link {
                        incident_id: Some(self.incident),
                        person_id: self.persons.first().map(|p| p.id),
                        incident_known: true,
                        person_known: true,
                    },
                ),
            );
        }
    }

    fn family_call(&mut self, i: usize, template: &'static str, out: &mut Out) {
        let Some(person) = self.persons.get(i).cloned() else {
            return;
        };
        let caller = relative_of(&mut self.rng, &person);
        let mut values = self.values();
        values.retain(|(k, _)| !matches!(*k, "name" | "Name" | "him" | "his" | "he"));
        values.extend(about(&person, Some(&caller)));
        let status = self.statuses.get(i).copied();
        let (category, template) = match self.kind {
            Kind::Kidnap(_) => (CallCategory::Kidnapping, template),
            Kind::Detention(_) => (CallCategory::ArrestDetention, template),
            Kind::Other(o) => {
                let category = match o.kind {
                    IncidentKind::Medical | IncidentKind::Accident => CallCategory::Medical,
                    _ => CallCategory::WhereaboutsInquiry,
                };
                match status {
                    Some(
                        s @ (AffectedStatus::Safe
                        | AffectedStatus::Hospitalized
                        | AffectedStatus::Released),
                    ) => {
                        values.push(("status", s.as_str().to_owned()));
                        (category, pick(&mut self.rng, data::OTHER_FAMILY_GOOD_NEWS))
                    }
                    _ => (category, template),
                }
            }
        };
        // The hotline sees restricted cases only through the person.
        let incident = match self.kind {
            Kind::Kidnap(_) => None,
            _ => Some(self.incident),
        };
        self.log_call(
            out,
            LogCall {
                caller_name: caller.name,
                caller_phone: Some(caller.phone),
                caller_relation: Some(caller.relation.into()),
                from_country: Some("CN".into()),
                category: Some(category),
                summary: fill_owned(template, &values),
                incident_id: incident,
                person_id: Some(person.id),
                incident_known: incident.is_some(),
                person_known: true,
            },
        );
    }
}

/// A change of an affected person's status: to what, how long after the opening, why.
type Change = (AffectedStatus, Secs, &'static str);

/// How a person affected by another incident fares: the first change and any later ones.
fn resolution(rng: &mut ChaCha8Rng, o: &OtherCase) -> (Change, Vec<Change>) {
    use AffectedStatus as S;
    let h = |rng: &mut ChaCha8Rng, lo: i64, hi: i64| between(rng, lo * HOUR, hi * HOUR);
    match o.first_status {
        S::Unaccounted => {
            if rng.gen_bool(0.88) {
                (
                    (S::Safe, h(rng, 4, 48), "Reached by the post: safe."),
                    vec![],
                )
            } else {
                let t = h(rng, 4, 30);
                (
                    (S::Injured, t, "Found injured; taken to hospital."),
                    vec![(S::Safe, t + h(rng, 24, 60), "Discharged from hospital.")],
                )
            }
        }
        S::Missing => {
            let (p, lo, hi) = if o.kind == IncidentKind::MissingPerson {
                (0.6, 30, 90)
            } else {
                (0.7, 6, 40)
            };
            if rng.gen_bool(p) {
                ((S::Safe, h(rng, lo, hi), "Found safe."), vec![])
            } else {
                ((S::Missing, 0, ""), vec![])
            }
        }
        S::Injured => {
            let t = h(rng, 2, 10);
            if rng.gen_bool(0.5) {
                (
                    (S::Hospitalized, t, "Admitted to hospital."),
                    vec![(
                        S::Safe,
                        t + h(rng, 36, 80),
                        "Discharged; resting at the hotel.",
                    )],
                )
            } else {
                (
                    (S::Safe, t + h(rng, 4, 24), "Treated and discharged."),
                    vec![],
                )
            }
        }
        S::Hospitalized => (
            (S::Safe, h(rng, 48, 100), "Discharged; fit to fly home."),
            vec![],
        ),
        other => ((other, 0, ""), vec![]),
    }
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The hostages of a case of `n`, as the case team writes them.
fn hostages(n: usize) -> &'static str {
    [
        "the hostage",
        "both hostages",
        "all three hostages",
        "all four hostages",
    ][n.clamp(1, 4) - 1]
}

/// An amount as captors name it: two significant digits (`271,799,000` is `270,000,000`).
fn round_to_two_digits(n: u64) -> u64 {
    let mut unit = 1;
    while n / unit >= 100 {
        unit *= 10;
    }
    n / unit * unit
}

/// `1234567` as `1,234,567`.
fn group_thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
