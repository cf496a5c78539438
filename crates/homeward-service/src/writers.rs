//! The streams another instance is writing.
//!
//! On a backend shared by several instances, two instances taking commands for one
//! stream race for its versions: each decides against its own copy, and the log takes
//! one write and refuses the other. The log then keeps the stream's next write for the
//! loser (its turn) and tells the other instance where the loser serves its API. This
//! instance remembers that here, and its API sends the stream's next commands there,
//! so that one instance decides them all and the races stop. What is remembered is
//! only advice: the log still checks every write, so a stale entry costs a detour,
//! never a wrong version.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use homeward_domain::StreamId;

/// How long an entry is kept after it was learned or last used. A stream that goes
/// quiet is written here again after that; if the other instance still writes it, the
/// next race tells us again.
pub const KEEP: Duration = Duration::from_secs(10);

/// The streams another instance writes, each with where it serves its API.
#[derive(Debug, Default)]
pub struct Writers {
    streams: Mutex<HashMap<StreamId, (String, Instant)>>,
}

impl Writers {
    fn streams(&self) -> std::sync::MutexGuard<'_, HashMap<StreamId, (String, Instant)>> {
        self.streams.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The instance serving at `url` has the turn on `stream`.
    pub fn learned(&self, stream: &StreamId, url: &str) {
        self.streams()
            .insert(stream.clone(), (url.to_owned(), Instant::now()));
    }

    /// Where to send a command for `stream`, if another instance writes it.
    pub fn elsewhere(&self, stream: &StreamId) -> Option<String> {
        let mut streams = self.streams();
        match streams.get(stream) {
            Some((url, at)) if at.elapsed() < KEEP => Some(url.clone()),
            Some(_) => {
                streams.remove(stream);
                None
            }
            None => None,
        }
    }

    /// A command for `stream` was written by the instance it was sent to: keep sending.
    pub fn used(&self, stream: &StreamId) {
        if let Some((_, at)) = self.streams().get_mut(stream) {
            *at = Instant::now();
        }
    }

    /// `stream` is written here again: another instance sent us one of its commands
    /// (it counts on this one to write it), or the one we sent to could not be reached.
    pub fn here(&self, stream: &StreamId) {
        self.streams().remove(stream);
    }
}

#[cfg(test)]
mod tests {
    use homeward_domain::IncidentId;
    use uuid::Uuid;

    use super::*;

    fn stream() -> StreamId {
        StreamId::incident(IncidentId(Uuid::from_u128(7)))
    }

    #[test]
    fn a_stream_learned_is_sent_elsewhere_until_it_is_written_here_again() {
        let writers = Writers::default();
        assert_eq!(writers.elsewhere(&stream()), None);
        writers.learned(&stream(), "http://b:8080");
        assert_eq!(
            writers.elsewhere(&stream()).as_deref(),
            Some("http://b:8080")
        );
        writers.used(&stream());
        assert_eq!(
            writers.elsewhere(&stream()).as_deref(),
            Some("http://b:8080")
        );
        writers.here(&stream());
        assert_eq!(writers.elsewhere(&stream()), None);
    }

    #[test]
    fn an_entry_older_than_its_keep_is_forgotten() {
        let writers = Writers::default();
        let old = Instant::now().checked_sub(KEEP + Duration::from_millis(1));
        let Some(old) = old else { return };
        writers
            .streams()
            .insert(stream(), ("http://b:8080".into(), old));
        assert_eq!(writers.elsewhere(&stream()), None);
        assert!(writers.streams().is_empty());
    }
}
