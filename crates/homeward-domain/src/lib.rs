//! The pure core of Homeward.
//!
//! Every crisis action is a command that [`decide`](Aggregate::decide) turns into
//! events or a typed [`Rejection`], and every read model is a fold of
//! [`evolve`](Aggregate::evolve) over those events. Nothing here does I/O, reads a
//! clock, spawns a task or knows about JSON: the current time, the acting officer and
//! any fact looked up elsewhere (does that person exist?) come in with the command.
//!
//! Streams and their aggregates:
//! - [`incident`]: an incident with persons affected, tasks, field reports and, for
//!   kidnappings, the restricted case facts;
//! - [`person`]: a citizen with personal data, whereabouts, welfare and merges;
//! - [`call`]: a hotline call;
//! - [`country`]: a country's risk level;
//! - [`evacuation`]: an evacuation with its transports and evacuees;
//! - [`welfare`]: a welfare check of a citizen in a country at risk;
//! - [`deadline`]: the promises kept by the clock, and each one missed;
//! - [`subscription`]: an outside endpoint that receives matching events;
//! - [`access`]: revocations of API tokens.

pub mod access;
pub mod aggregate;
pub mod call;
pub mod country;
mod country_codes;
pub mod deadline;
pub mod decision;
pub mod evacuation;
pub mod event;
pub mod ids;
pub mod incident;
pub mod person;
pub mod policy;
pub mod rejection;
pub mod subscription;
pub mod validate;
pub mod welfare;

pub use aggregate::{Aggregate, Context};
pub use event::{DomainEvent, EventMeta};
pub use ids::{
    Actor, CallId, CountryCode, DecisionId, EvacuationId, IncidentId, PersonId, ReportId, Role,
    StreamId, StreamKind, TaskId, TransportId,
};
pub use jiff::Timestamp;
pub use rejection::Rejection;
