//! What the read models hold, and waiting for it: a caller is answered once they hold
//! its write (read your writes), and a command is decided again once they hold another
//! writer's.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use homeward_domain::StreamId;
use homeward_projections::Projections;
use tokio::sync::watch;

/// The read models and how far they got in the log.
#[derive(Clone)]
pub(crate) struct Folded {
    pub(crate) projections: Arc<RwLock<Projections>>,
    pub(crate) projected: watch::Receiver<u64>,
}

impl Folded {
    /// The version of `stream` the read models hold.
    pub(crate) fn version_of(&self, stream: &StreamId) -> u64 {
        self.projections
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .streams
            .version(stream)
    }

    /// Waits until the read models have folded in `position`.
    pub(crate) async fn position(&self, position: u64) {
        let mut rx = self.projected.clone();
        // An error means the projector stopped; there is nothing more to wait for.
        let _ = rx.wait_for(|p| *p >= position).await;
    }

    /// Waits (`patience` at most) until the read models hold `version` of `stream`.
    pub(crate) async fn version(&self, stream: &StreamId, version: u64, patience: Duration) {
        let mut rx = self.projected.clone();
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            let folded = self.version_of(stream);
            if folded >= version {
                return;
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => {}
                // The time is up, or the projector stopped.
                _ => {
                    tracing::debug!(%stream, version, folded, "gave up waiting for a version");
                    return;
                }
            }
        }
    }
}
