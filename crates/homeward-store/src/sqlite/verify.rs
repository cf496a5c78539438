//! Verifying the whole chain of a log at rest, read-only: every link, and every
//! entry's indexed columns against its stored record (versions gapless per stream).

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::schema::indexed;
use super::{FILE_NAME, SqliteLog};
use crate::chain::{self, ChainBreak, ChainRow, Verified};
use crate::codec::StoredRecord;

impl SqliteLog {
    /// Verifies the whole chain of the log in `data_dir`, without opening it for writing.
    pub fn verify(data_dir: &Path) -> Result<Verified, VerifyError> {
        let path = data_dir.join(FILE_NAME);
        if !path.exists() {
            return Err(VerifyError::Missing(path));
        }
        let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let mut stmt = conn.prepare(
            "SELECT position, kind, stream_id, version, event_type, actor, recorded_at, record, prev_hash, hash
             FROM log ORDER BY position",
        )?;
        let mut columns = std::collections::HashMap::new();
        let rows = stmt.query_map([], |r| {
            let position: i64 = r.get(0)?;
            let cols = Columns {
                kind: r.get(1)?,
                stream_id: r.get(2)?,
                version: r.get(3)?,
                event_type: r.get(4)?,
                actor: r.get(5)?,
                recorded_at: r.get(6)?,
            };
            Ok((
                cols,
                ChainRow {
                    position: position as u64,
                    record: r.get(7)?,
                    prev_hash: r.get(8)?,
                    hash: r.get(9)?,
                },
            ))
        })?;
        let rows = rows.map(|row| match row {
            Ok((cols, row)) => {
                columns.insert(row.position, cols);
                Ok(row)
            }
            Err(e) => Err(ChainBreak {
                position: 0,
                what: format!("unreadable row: {e}"),
            }),
        });
        let mut seen = std::collections::HashMap::new();
        // Collected first: the row closure and the column check both need `columns`.
        let rows: Vec<_> = rows.collect();
        let verified = chain::verify(rows, |row| {
            let cols = columns.get(&row.position).ok_or("row columns missing")?;
            cols.matches(&row.record, &mut seen)
        })?;
        Ok(verified)
    }
}

/// Why `verify` could not say the chain is intact.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// There is no log in that directory.
    #[error("no event log at {0}")]
    Missing(PathBuf),
    /// The database could not be read.
    #[error("cannot read the event log: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The chain is broken.
    #[error(transparent)]
    Broken(#[from] ChainBreak),
}

/// The indexed copies of a record's fields, which must agree with the record.
struct Columns {
    kind: i64,
    stream_id: Option<String>,
    version: Option<i64>,
    event_type: Option<String>,
    actor: String,
    recorded_at: i64,
}

impl Columns {
    fn matches(
        &self,
        record: &[u8],
        versions: &mut std::collections::HashMap<String, i64>,
    ) -> Result<(), String> {
        let record: StoredRecord = serde_json::from_slice(record)
            .map_err(|e| format!("its record is not readable: {e}"))?;
        let c = indexed(&record);
        if c.kind != self.kind
            || c.stream != self.stream_id.as_deref()
            || c.version.map(|v| v as i64) != self.version
            || c.event_type != self.event_type.as_deref()
            || c.actor != self.actor
            || c.recorded_at.as_microsecond() != self.recorded_at
        {
            return Err("its indexed columns disagree with its stored record".into());
        }
        if let (Some(stream), Some(version)) = (c.stream, c.version) {
            let version = version as i64;
            let last = versions.entry(stream.to_owned()).or_insert(0);
            if version != *last + 1 {
                return Err(format!(
                    "stream version {version} follows {last} (versions must be gapless)"
                ));
            }
            *last = version;
        }
        Ok(())
    }
}
