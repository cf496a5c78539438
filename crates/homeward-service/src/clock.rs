//! Where `now` comes from: the system clock in production, a hand-moved clock in tests.

use homeward_domain::Timestamp;
use tokio::sync::watch;

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> Timestamp;

    /// Told each time the clock is moved by hand; `None` for a clock that moves by itself
    /// (whoever waits for a moment then checks it every so often).
    fn moved(&self) -> Option<watch::Receiver<Timestamp>> {
        None
    }
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that moves only when told to.
#[derive(Debug)]
pub struct ManualClock(watch::Sender<Timestamp>);

impl ManualClock {
    /// A clock stopped at `at`.
    pub fn new(at: Timestamp) -> Self {
        Self(watch::Sender::new(at))
    }

    /// Sets the time.
    pub fn set(&self, at: Timestamp) {
        self.0.send_replace(at);
    }

    /// Moves the time forward.
    pub fn advance(&self, by: jiff::SignedDuration) {
        self.0
            .send_modify(|t| *t = t.saturating_add(by).unwrap_or(*t));
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.borrow()
    }

    fn moved(&self) -> Option<watch::Receiver<Timestamp>> {
        Some(self.0.subscribe())
    }
}
