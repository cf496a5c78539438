//! A command addressed to one stream, and how it reaches that stream's `decide`.

use homeward_domain::call::CallCommand;
use homeward_domain::country::CountryCommand;
use homeward_domain::deadline::DeadlineCommand;
use homeward_domain::evacuation::EvacuationCommand;
use homeward_domain::incident::IncidentCommand;
use homeward_domain::person::PersonCommand;
use homeward_domain::welfare::WelfareCommand;
use homeward_domain::{
    Aggregate, CallId, Context, CountryCode, DomainEvent, EvacuationId, IncidentId, PersonId,
    Rejection, StreamId, TaskId, Timestamp,
};
use homeward_projections::streams::Streams;
use uuid::Uuid;

/// A command for one stream.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum Command {
    Incident(IncidentId, IncidentCommand),
    Person(PersonId, PersonCommand),
    Call(CallId, CallCommand),
    Country(CountryCode, CountryCommand),
    Evacuation(EvacuationId, EvacuationCommand),
    Welfare(TaskId, WelfareCommand),
    Deadline(Uuid, DeadlineCommand),
    Access(homeward_domain::access::AccessCommand),
    Subscription(Uuid, homeward_domain::subscription::SubscriptionCommand),
}

/// Who sends a command, and how it must be applied.
#[derive(Debug, Clone)]
pub struct CommandMeta {
    /// The sender.
    pub actor: homeward_domain::Actor,
    /// The request's correlation id.
    pub correlation_id: Uuid,
    /// The caller's idempotency key, scoped to the caller, and the request's hash.
    pub idempotency: Option<(String, [u8; 32])>,
    /// The version the caller saw (`If-Match`): a different version is a conflict.
    pub expected_version: Option<u64>,
    /// The event this command reacts to, if Homeward sends it itself; otherwise the
    /// events' causation is the request.
    pub causation_id: Option<Uuid>,
}

impl Command {
    /// The stream the command is for.
    pub fn stream_id(&self) -> StreamId {
        match self {
            Self::Incident(id, _) => StreamId::incident(*id),
            Self::Person(id, _) => StreamId::person(*id),
            Self::Call(id, _) => StreamId::call(*id),
            Self::Country(code, _) => StreamId::country(*code),
            Self::Evacuation(id, _) => StreamId::evacuation(*id),
            Self::Welfare(id, _) => StreamId::welfare(*id),
            Self::Deadline(id, _) => StreamId::deadline(*id),
            Self::Access(_) => StreamId::access(),
            Self::Subscription(id, _) => StreamId::subscription(*id),
        }
    }

    /// A stable name for the audit trail.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Incident(_, c) => c.name(),
            Self::Person(_, c) => c.name(),
            Self::Call(_, c) => c.name(),
            Self::Country(_, c) => c.name(),
            Self::Evacuation(_, c) => c.name(),
            Self::Welfare(_, c) => c.name(),
            Self::Deadline(_, c) => c.name(),
            Self::Access(c) => c.name(),
            Self::Subscription(_, c) => c.name(),
        }
    }

    /// When the command says it happened in the field.
    pub fn field_time(&self) -> Option<Timestamp> {
        match self {
            Self::Incident(_, c) => c.field_time(),
            Self::Person(_, c) => c.field_time(),
            Self::Evacuation(_, c) => c.field_time(),
            Self::Call(..)
            | Self::Country(..)
            | Self::Welfare(..)
            | Self::Deadline(..)
            | Self::Access(..)
            | Self::Subscription(..) => None,
        }
    }

    /// Runs the stream's `decide` against its current state: the state's version, and
    /// the events or the rejection.
    pub fn decide(
        &self,
        streams: &Streams,
        ctx: &Context,
    ) -> (u64, Result<Vec<DomainEvent>, Rejection>) {
        fn run<A: Aggregate>(
            state: Option<&A>,
            command: &A::Command,
            ctx: &Context,
            wrap: fn(A::Event) -> DomainEvent,
        ) -> (u64, Result<Vec<DomainEvent>, Rejection>) {
            let empty = A::default();
            let state = state.unwrap_or(&empty);
            let decided = state
                .decide(command, ctx)
                .map(|events| events.into_iter().map(wrap).collect());
            (state.version(), decided)
        }
        match self {
            Self::Incident(id, c) => run(streams.incidents.get(id), c, ctx, DomainEvent::Incident),
            Self::Person(id, c) => run(streams.persons.get(id), c, ctx, DomainEvent::Person),
            Self::Call(id, c) => run(streams.calls.get(id), c, ctx, DomainEvent::Call),
            Self::Country(code, c) => {
                run(streams.countries.get(code), c, ctx, DomainEvent::Country)
            }
            Self::Evacuation(id, c) => {
                run(streams.evacuations.get(id), c, ctx, DomainEvent::Evacuation)
            }
            Self::Welfare(id, c) => run(streams.welfare.get(id), c, ctx, DomainEvent::Welfare),
            Self::Deadline(id, c) => run(streams.deadlines.get(id), c, ctx, DomainEvent::Deadline),
            Self::Access(c) => run(Some(&streams.access), c, ctx, DomainEvent::Access),
            Self::Subscription(id, c) => run(
                streams.subscriptions.get(id),
                c,
                ctx,
                DomainEvent::Subscription,
            ),
        }
    }
}
