//! Situation reports from the log: checks the window, folds the read models as they
//! stood at `as_of` (and at `since`), and builds the report with
//! [`homeward_projections::sitrep::build`]. The API and the command line both come here.

use homeward_projections::board::Visibility;
use homeward_projections::incidents::IncidentFile;
use homeward_projections::sitrep::{self, Sitrep, SitrepQuery, WindowError};
use homeward_store::StoreError;

use crate::Homeward;

/// Why no report was made.
#[derive(Debug, thiserror::Error)]
pub enum SitrepError {
    /// The window cannot be reported on.
    #[error(transparent)]
    Window(#[from] WindowError),
    /// The log failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Homeward {
    /// The situation report `query` asks for, for a reader who sees each incident as
    /// `visibility` says. The same `as_of` gives the same report whenever it is asked.
    pub async fn sitrep(
        &self,
        query: &SitrepQuery,
        visibility: &(dyn Fn(&IncidentFile) -> Visibility + Sync),
    ) -> Result<Sitrep, SitrepError> {
        let first = self.read().timeline.view(1).first_recorded_at;
        sitrep::check_window(first, self.now(), query)?;
        let now = self.projections_as_of(query.as_of).await?;
        let before = match query.since {
            Some(since) => Some(self.projections_as_of(since).await?),
            None => None,
        };
        Ok(sitrep::build(&now, before.as_ref(), query, visibility))
    }
}
