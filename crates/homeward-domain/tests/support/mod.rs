//! A small given/when/then harness for the pure core, in the style of the
//! `disintegrate` and `esrs` test helpers, plus fixtures shared by the test files.
//!
//! ```ignore
//! given::<Incident>(vec![opened_normal()])
//!     .when(IncidentCommand::Close { reason: "done".into() })
//!     .then(vec![IncidentEvent::Closed(WithReason { reason: "done".into() })]);
//! ```
//!
//! Every scenario checks, besides the expected outcome, the two promises of
//! [`Aggregate`]: `decide` leaves the state as it found it, and each accepted event
//! raises the version by exactly one.

#![allow(dead_code)]

use std::fmt::Debug;

use homeward_domain::call::{CallCommand, CallEvent, CallLogged, LogCall};
use homeward_domain::country::{CountryEvent, RiskLevelSet};
use homeward_domain::incident::{
    AffectedStatus, Classification, IncidentEvent, IncidentKind, IncidentOpened, OpenIncident,
    PersonAdded, ReportCategory, ReportFiled, TaskAdded, WithReason,
};
use homeward_domain::person::{
    PersonCommand, PersonDetails, PersonEvent, PersonMerged, PersonRegistered, Whereabouts,
};
use homeward_domain::{
    Actor, Aggregate, CallId, Context, CountryCode, IncidentId, PersonId, Rejection, ReportId,
    Role, TaskId, Timestamp,
};
use jiff::SignedDuration;
use uuid::Uuid;

// ---------------------------------------------------------------------------------
// Time and actor

/// The fixed moment every scenario's command arrives at.
pub const NOW: &str = "2026-03-01T12:00:00Z";

/// [`NOW`] as a timestamp.
pub fn now() -> Timestamp {
    NOW.parse().expect("NOW is a valid timestamp")
}

/// `now()` moved by `secs` seconds (negative: earlier).
pub fn now_plus_secs(secs: i64) -> Timestamp {
    now()
        .checked_add(SignedDuration::from_secs(secs))
        .expect("timestamp in range")
}

/// The officer sending the commands.
pub fn actor() -> Actor {
    Actor::new("duty.officer", Role::DutyOfficer)
}

/// The fixed context: the duty officer at [`NOW`].
pub fn ctx() -> Context {
    Context::new(actor(), now())
}

// ---------------------------------------------------------------------------------
// Harness

/// A state built from a history, waiting for a command.
#[must_use = "a scenario does nothing until `when` and `then`"]
pub struct Given<A: Aggregate> {
    history: Vec<A::Event>,
    state: A,
    ctx: Context,
}

/// Starts a scenario from the events already in the stream.
pub fn given<A: Aggregate>(history: Vec<A::Event>) -> Given<A> {
    let state = A::replay(history.iter());
    assert_eq!(
        state.version(),
        history.len() as u64,
        "replaying the history must give one version per event"
    );
    Given {
        history,
        state,
        ctx: ctx(),
    }
}

impl<A: Aggregate> Given<A> {
    /// Sends the command at another moment than [`NOW`].
    pub fn at(mut self, now: Timestamp) -> Self {
        self.ctx.now = now;
        self
    }

    /// Sends the command as another actor.
    pub fn by(mut self, actor: Actor) -> Self {
        self.ctx.actor = actor;
        self
    }

    /// The state the history folds into.
    pub fn state(&self) -> &A {
        &self.state
    }

    /// Decides the command against the state.
    pub fn when(self, command: A::Command) -> When<A>
    where
        A::Command: Debug,
    {
        let before = self.state.clone();
        let result = self.state.decide(&command, &self.ctx);
        When {
            history: self.history,
            before,
            state: self.state,
            command: format!("{command:?}"),
            result,
        }
    }
}

/// The outcome of one command, waiting for the expectation.
#[must_use = "a scenario checks nothing until `then` or `then_rejected`"]
pub struct When<A: Aggregate> {
    history: Vec<A::Event>,
    before: A,
    state: A,
    command: String,
    result: Result<Vec<A::Event>, Rejection>,
}

impl<A> When<A>
where
    A: Aggregate + PartialEq + Debug,
    A::Event: PartialEq + Debug,
{
    fn assert_pure(&self) {
        assert_eq!(
            self.state, self.before,
            "decide must not change the state ({})",
            self.command
        );
    }

    /// The command is accepted with exactly these events. Returns the state after
    /// folding them in, for further checks.
    pub fn then(self, expected: Vec<A::Event>) -> A {
        self.assert_pure();
        let events = match self.result {
            Ok(events) => events,
            Err(rejection) => panic!(
                "expected {expected:?}, but {} was rejected: {rejection:?}",
                self.command
            ),
        };
        assert_eq!(events, expected, "{} caused other events", self.command);
        let mut state = self.state;
        for event in &events {
            let before = state.version();
            state = state.evolve(event);
            assert_eq!(
                state.version(),
                before + 1,
                "each event must raise the version by one"
            );
        }
        let mut all = self.history;
        all.extend(events);
        assert_eq!(
            A::replay(all.iter()),
            state,
            "replaying history + new events must give the folded state"
        );
        state
    }

    /// The command is accepted; returns the events for custom checks.
    pub fn then_accepted(self) -> Vec<A::Event> {
        self.assert_pure();
        match self.result {
            Ok(events) => {
                assert!(!events.is_empty(), "an accepted command causes an event");
                events
            }
            Err(rejection) => panic!(
                "expected {} accepted, rejected: {rejection:?}",
                self.command
            ),
        }
    }

    /// The command is refused with exactly this rejection, and nothing changed.
    pub fn then_rejected(self, expected: Rejection) {
        self.assert_pure();
        match self.result {
            Ok(events) => panic!(
                "expected {} rejected with {expected:?}, but got {events:?}",
                self.command
            ),
            Err(rejection) => assert_eq!(
                rejection, expected,
                "{} rejected for another reason",
                self.command
            ),
        }
    }
}

// ---------------------------------------------------------------------------------
// Identifiers

/// A fixed person id.
pub fn pid(n: u128) -> PersonId {
    PersonId(Uuid::from_u128(0x1000 + n))
}

/// A fixed task id.
pub fn tid(n: u128) -> TaskId {
    TaskId(Uuid::from_u128(0x2000 + n))
}

/// A fixed report id.
pub fn rid(n: u128) -> ReportId {
    ReportId(Uuid::from_u128(0x3000 + n))
}

/// A fixed incident id.
pub fn iid(n: u128) -> IncidentId {
    IncidentId(Uuid::from_u128(0x4000 + n))
}

/// A fixed call id.
pub fn cid(n: u128) -> CallId {
    CallId(Uuid::from_u128(0x5000 + n))
}

/// A country code known to be valid.
pub fn country(code: &str) -> CountryCode {
    CountryCode::parse(code).expect("valid country code")
}

// ---------------------------------------------------------------------------------
// Incident fixtures

/// The command that opens an incident of `kind` in Mali, severity 3, nothing optional.
pub fn open_cmd(kind: IncidentKind) -> OpenIncident {
    OpenIncident {
        kind,
        title: "Two engineers taken near Gao".into(),
        country: "ML".into(),
        severity: 3,
        classification: None,
        place: None,
        lat: None,
        lon: None,
        summary: None,
        occurred_at: None,
    }
}

/// The event `open_cmd(kind)` causes.
pub fn opened(kind: IncidentKind) -> IncidentEvent {
    IncidentEvent::Opened(IncidentOpened {
        kind,
        title: "Two engineers taken near Gao".into(),
        country: country("ML"),
        severity: 3,
        classification: if kind == IncidentKind::Kidnapping {
            Classification::Restricted
        } else {
            Classification::Normal
        },
        place: None,
        lat: None,
        lon: None,
        summary: None,
    })
}

/// An opened kidnapping (restricted).
pub fn opened_kidnapping() -> IncidentEvent {
    opened(IncidentKind::Kidnapping)
}

/// An opened incident that is not a kidnapping (a natural disaster, normal).
pub fn opened_normal() -> IncidentEvent {
    opened(IncidentKind::NaturalDisaster)
}

/// An incident's closing event.
pub fn closed() -> IncidentEvent {
    IncidentEvent::Closed(WithReason {
        reason: "all citizens accounted for".into(),
    })
}

/// A history: a normal incident opened and closed.
pub fn closed_incident() -> Vec<IncidentEvent> {
    vec![opened_normal(), closed()]
}

/// A history: a kidnapping opened and closed.
pub fn closed_kidnapping() -> Vec<IncidentEvent> {
    vec![opened_kidnapping(), closed()]
}

/// A person named as affected.
pub fn person_added(person: PersonId, status: AffectedStatus) -> IncidentEvent {
    IncidentEvent::PersonAdded(PersonAdded {
        person_id: person,
        status,
        note: None,
    })
}

/// A task set, open.
pub fn task_added(task: TaskId) -> IncidentEvent {
    IncidentEvent::TaskAdded(TaskAdded {
        task_id: task,
        title: "Call the family".into(),
        due_at: None,
        assignee: None,
    })
}

/// A report filed.
pub fn report_filed(report: ReportId) -> IncidentEvent {
    IncidentEvent::ReportFiled(ReportFiled {
        report_id: report,
        text: "Roads to the north are closed.".into(),
        category: ReportCategory::Situation,
        place: None,
        lat: None,
        lon: None,
    })
}

// ---------------------------------------------------------------------------------
// Person fixtures

/// Valid personal details.
pub fn details() -> PersonDetails {
    PersonDetails {
        full_name: "Amina Diallo".into(),
        date_of_birth: "1990-05-17".into(),
        nationality: "FR".into(),
        passport_number: Some("19AB12345".into()),
        phone: Some("+33 6 12 34 56 78".into()),
    }
}

/// The registration command for [`details`], no whereabouts, no vulnerabilities.
pub fn register_cmd() -> PersonCommand {
    PersonCommand::Register {
        details: details(),
        whereabouts: Whereabouts::default(),
        vulnerabilities: vec![],
        suspected_duplicates: vec![],
    }
}

/// The event [`register_cmd`] causes.
pub fn registered() -> PersonEvent {
    PersonEvent::Registered(PersonRegistered {
        full_name: "Amina Diallo".into(),
        date_of_birth: Some(jiff::civil::date(1990, 5, 17)),
        nationality: country("FR"),
        passport_number: Some("19AB12345".into()),
        phone: Some("+33 6 12 34 56 78".into()),
        current_country: None,
        place: None,
        lat: None,
        lon: None,
        vulnerabilities: vec![],
        suspected_duplicates: vec![],
    })
}

/// A record merged into `into`.
pub fn merged_into(into: PersonId) -> PersonEvent {
    PersonEvent::Merged(PersonMerged {
        into,
        reason: "same passport".into(),
    })
}

// ---------------------------------------------------------------------------------
// Call and country fixtures

/// A minimal valid call.
pub fn log_call() -> LogCall {
    LogCall {
        caller_name: "Fatou Diallo".into(),
        summary: "Asks whether her sister is safe.".into(),
        ..LogCall::default()
    }
}

/// The event [`log_call`] causes.
pub fn call_logged() -> CallEvent {
    CallEvent::Logged(CallLogged {
        caller_name: "Fatou Diallo".into(),
        caller_phone: None,
        caller_relation: None,
        from_country: None,
        category: homeward_domain::call::CallCategory::Other,
        summary: "Asks whether her sister is safe.".into(),
        incident_id: None,
        person_id: None,
    })
}

/// Logs [`log_call`].
pub fn log_call_cmd() -> CallCommand {
    CallCommand::Log(log_call())
}

/// A risk level set.
pub fn risk_set(level: u8, previous: Option<u8>) -> CountryEvent {
    CountryEvent::RiskLevelSet(RiskLevelSet {
        level,
        previous,
        reason: "armed clashes".into(),
    })
}

// ---------------------------------------------------------------------------------
// Evacuation fixtures

/// A fixed transport id.
pub fn trid(n: u128) -> homeward_domain::TransportId {
    homeward_domain::TransportId(Uuid::from_u128(0x6000 + n))
}

/// The command that opens an evacuation from Sudan with two assembly points, tied to
/// incident [`iid`]`(1)`.
pub fn open_evacuation_cmd() -> homeward_domain::evacuation::EvacuationCommand {
    homeward_domain::evacuation::EvacuationCommand::Open {
        country: "SD".into(),
        reason: "Fighting in Khartoum".into(),
        assembly_points: vec!["Embassy".into(), "Airport".into()],
        incident_id: Some(iid(1)),
        incident_known: true,
    }
}

/// The event [`open_evacuation_cmd`] causes.
pub fn evacuation_opened() -> homeward_domain::evacuation::EvacuationEvent {
    homeward_domain::evacuation::EvacuationEvent::Opened(
        homeward_domain::evacuation::EvacuationOpened {
            country: country("SD"),
            reason: "Fighting in Khartoum".into(),
            assembly_points: vec!["Embassy".into(), "Airport".into()],
            incident_id: Some(iid(1)),
        },
    )
}

/// The body of a flight [`trid`]`(n)` with `capacity` seats, leaving in two hours.
pub fn schedule_transport(
    n: u128,
    capacity: u32,
) -> homeward_domain::evacuation::ScheduleTransport {
    homeward_domain::evacuation::ScheduleTransport {
        transport_id: trid(n),
        mode: homeward_domain::evacuation::TransportMode::Flight,
        carrier: Some("Air Charter".into()),
        number: format!("AC{n}"),
        from: "KRT".into(),
        to: "CDG".into(),
        departs_at: now_plus_secs(7_200),
        capacity,
    }
}

/// Schedules [`schedule_transport`]`(n, capacity)`.
pub fn schedule_transport_cmd(
    n: u128,
    capacity: u32,
) -> homeward_domain::evacuation::EvacuationCommand {
    homeward_domain::evacuation::EvacuationCommand::ScheduleTransport(schedule_transport(
        n, capacity,
    ))
}

/// The event [`schedule_transport_cmd`]`(n, capacity)` causes.
pub fn transport_scheduled(n: u128, capacity: u32) -> homeward_domain::evacuation::EvacuationEvent {
    homeward_domain::evacuation::EvacuationEvent::TransportScheduled(
        homeward_domain::evacuation::TransportScheduled {
            transport_id: trid(n),
            mode: homeward_domain::evacuation::TransportMode::Flight,
            carrier: Some("Air Charter".into()),
            number: format!("AC{n}"),
            from: "KRT".into(),
            to: "CDG".into(),
            departs_at: now_plus_secs(7_200),
            capacity,
        },
    )
}

/// A person registered for evacuation, standard priority, in `group` if any.
pub fn evacuee_registered(
    person: PersonId,
    group: Option<&str>,
) -> homeward_domain::evacuation::EvacuationEvent {
    homeward_domain::evacuation::EvacuationEvent::EvacueeRegistered(
        homeward_domain::evacuation::EvacueeRegistered {
            person_id: person,
            priority: homeward_domain::evacuation::Priority::Standard,
            group: group.map(str::to_owned),
        },
    )
}
