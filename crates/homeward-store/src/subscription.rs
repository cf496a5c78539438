//! Following the log from a position: what projections use to stay current.

use std::sync::Arc;

use tokio::sync::watch;

use crate::envelope::LogEntry;
use crate::{EventLog, StoreError};

/// A reader that hands out the log's entries in order, waiting for new ones.
pub struct Subscription {
    log: Arc<dyn EventLog>,
    position: u64,
    head: watch::Receiver<u64>,
    batch: usize,
}

impl Subscription {
    /// Follows `log` from just after `after` (0: from the beginning).
    pub fn new(log: Arc<dyn EventLog>, after: u64) -> Self {
        let head = log.head();
        Self {
            log,
            position: after,
            head,
            batch: 2048,
        }
    }

    /// The position of the last entry handed out.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// The next entries, waiting until there is at least one. An entry this build
    /// cannot read (a newer schema version, say) is never skipped: the entries before
    /// it are handed out first, then every call fails with [`StoreError::Corrupt`]
    /// naming it, until it can be read.
    pub async fn next_batch(&mut self) -> Result<Vec<LogEntry>, StoreError> {
        loop {
            let head = *self.head.borrow_and_update();
            if head > self.position {
                let entries = match self.log.read_after(self.position, self.batch).await {
                    Err(StoreError::Corrupt { position, .. }) if position > self.position + 1 => {
                        let readable = usize::try_from(position - self.position - 1)
                            .unwrap_or(self.batch)
                            .min(self.batch);
                        self.log.read_after(self.position, readable).await?
                    }
                    other => other?,
                };
                if let Some(last) = entries.last() {
                    self.position = last.position();
                    return Ok(entries);
                }
            }
            if self.head.changed().await.is_err() {
                return Err(StoreError::Closed);
            }
        }
    }
}
