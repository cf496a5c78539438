//! What a command did, as types: the [`Outcome`] of one command (its stream, the
//! version after the append, the events written), the caller's [`Reply`] built from it
//! (what the idempotency record keeps), and [`Accepted`], the two together.

use homeward_domain::StreamId;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// What one command did to its stream.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Outcome {
    /// The stream written to.
    pub stream: StreamId,
    /// The stream's version after the command.
    pub version: u64,
    /// The events written, in order (none: it had already been done).
    pub events: Vec<Uuid>,
}

impl Outcome {
    /// Whether the command wrote any event.
    pub fn wrote(&self) -> bool {
        !self.events.is_empty()
    }
}

/// The answer to a command, built from its [`Outcome`] before the append: the
/// idempotency record stores it, and a retry with the same key gets it back.
pub trait Reply: Serialize + DeserializeOwned + Send {
    /// The stream's version the answer names.
    fn version(&self) -> u64;
}

impl Reply for Outcome {
    fn version(&self) -> u64 {
        self.version
    }
}

/// A command that took effect (or had, the first time its idempotency key was used).
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted<R = Outcome> {
    /// The answer.
    pub reply: R,
    /// Whether this is the stored answer to an earlier identical request.
    pub replayed: bool,
    /// For an erasure: the copies of the log (other instances) that had not yet said
    /// they folded it when the answer was given (empty: every live copy had).
    pub unconfirmed: Vec<String>,
}

/// How a caller's answer is made from what its command did.
pub type Respond<'a, R> = &'a (dyn Fn(&Outcome) -> R + Send + Sync);

/// The answer stored for an earlier identical request.
pub(crate) fn replayed<R: Reply>(stored: &[u8]) -> Result<Accepted<R>, serde_json::Error> {
    Ok(Accepted {
        reply: serde_json::from_slice(stored)?,
        replayed: true,
        unconfirmed: Vec::new(),
    })
}
