//! The shape every stream's aggregate takes: `decide` is pure and synchronous,
//! `evolve` folds one event into the state.

use jiff::Timestamp;

use crate::ids::Actor;
use crate::rejection::Rejection;

/// What `decide` knows about the moment a command arrives: who sent it and when.
/// Both come from the edge; the core never reads a clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The officer (or component) sending the command.
    pub actor: Actor,
    /// The time the system received the command.
    pub now: Timestamp,
}

impl Context {
    /// A context from its parts.
    pub fn new(actor: Actor, now: Timestamp) -> Self {
        Self { actor, now }
    }
}

/// A stream's consistency boundary.
///
/// `decide` never changes the state; `evolve` never fails. Replaying the same events
/// always gives the same state, and each event increments [`Aggregate::version`] by one.
pub trait Aggregate: Default + Clone {
    /// What callers ask for.
    type Command;
    /// What happened.
    type Event: Clone;

    /// Turns a command into the events it causes, or a rejection that changes nothing.
    fn decide(&self, command: &Self::Command, ctx: &Context)
    -> Result<Vec<Self::Event>, Rejection>;

    /// Folds one event into the state.
    fn evolve(self, event: &Self::Event) -> Self;

    /// How many events have been folded in: the stream's version.
    fn version(&self) -> u64;

    /// Folds a whole history from the empty state.
    fn replay<'a>(events: impl IntoIterator<Item = &'a Self::Event>) -> Self
    where
        Self::Event: 'a,
    {
        events.into_iter().fold(Self::default(), Self::evolve)
    }
}
