//! The writer thread: it owns the write connection, takes every write waiting in its
//! queue, applies them in one transaction (one fsync), each group and copy in its own
//! savepoint, then answers the callers.

use std::sync::Arc;

use homeward_domain::Timestamp;
use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot, watch};

use super::append::{append, group, mirror, reject};
use super::{MAX_BATCH, MirrorEntry, RecordClock};
use crate::StoreError;
use crate::envelope::{AppendOutcome, AppendRequest, GroupOutcome, GroupWrite, RejectionRequest};
use crate::keystore::Kek;
use crate::seal::Keyring;

/// A write waiting in the writer's queue, and where its answer goes.
pub(super) enum WriteJob {
    Mirror(Vec<MirrorEntry>, oneshot::Sender<Result<u64, StoreError>>),
    Group(
        Vec<GroupWrite>,
        oneshot::Sender<Result<GroupOutcome, StoreError>>,
    ),
    Append(
        Box<AppendRequest>,
        oneshot::Sender<Result<AppendOutcome, StoreError>>,
    ),
    Reject(
        Box<RejectionRequest>,
        oneshot::Sender<Result<u64, StoreError>>,
    ),
}

/// The end of the chain: the last position, its hash, the latest recorded time.
#[derive(Clone, Copy)]
pub(super) struct ChainState {
    pub(super) position: u64,
    pub(super) hash: [u8; 32],
    pub(super) recorded_at: Timestamp,
}

/// The writer thread: the one connection that writes, and the end of the chain.
pub(super) struct Writer {
    pub(super) clock: RecordClock,
    pub(super) keys: Arc<Keyring>,
    pub(super) kek: Arc<Kek>,
    pub(super) conn: Connection,
    pub(super) state: ChainState,
    pub(super) head: watch::Sender<u64>,
}

impl Writer {
    pub(super) fn run(mut self, mut rx: mpsc::Receiver<WriteJob>) {
        while let Some(first) = rx.blocking_recv() {
            let mut jobs = vec![first];
            while jobs.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            self.commit_batch(jobs);
        }
    }

    fn commit_batch(&mut self, jobs: Vec<WriteJob>) {
        let before = self.state;
        // recorded_at never goes backwards, whatever the wall clock does.
        let now = (self.clock)().max(self.state.recorded_at);
        // First without a savepoint per append (a savepoint journals every page it
        // touches); should an append fail after writing part of itself, the batch is
        // rolled back and written again with each job in its own savepoint.
        let committed = match self.write_batch(&jobs, now, false) {
            Err(Failure::Isolate) => {
                self.state = before;
                self.write_batch(&jobs, now, true)
            }
            other => other,
        };
        let (outcomes, erased) = match committed {
            Ok(done) => done,
            Err(e) => {
                let message = match e {
                    Failure::Sql(e) => e.to_string(),
                    Failure::Isolate => "an append failed after writing part of itself".into(),
                };
                tracing::error!(error = %message, "event log commit failed; the batch was rolled back");
                self.state = before;
                for job in jobs {
                    let failed = || StoreError::CommitFailed(message.clone());
                    match job {
                        WriteJob::Append(_, reply) => {
                            let _ = reply.send(Err(failed()));
                        }
                        WriteJob::Reject(_, reply) | WriteJob::Mirror(_, reply) => {
                            let _ = reply.send(Err(failed()));
                        }
                        WriteJob::Group(_, reply) => {
                            let _ = reply.send(Err(failed()));
                        }
                    }
                }
                return;
            }
        };
        if !erased.is_empty() {
            for stream in &erased {
                self.keys.destroy(stream);
            }
            // Leave no copy of a destroyed key in the write-ahead log: its frames go
            // into the database (where the key's bytes were overwritten) and the file
            // is cut to nothing. Should a reader hold it open, the next erasure retries.
            if let Err(e) = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            {
                tracing::warn!(error = %e, "checkpoint after an erasure failed");
            }
        }
        self.head.send_replace(self.state.position);
        for (job, outcome) in jobs.into_iter().zip(outcomes) {
            match (job, outcome) {
                (WriteJob::Append(_, reply), Outcome::Append(r)) => {
                    let _ = reply.send(r);
                }
                (WriteJob::Reject(_, reply), Outcome::Reject(r))
                | (WriteJob::Mirror(_, reply), Outcome::Mirror(r)) => {
                    let _ = reply.send(r);
                }
                (WriteJob::Group(_, reply), Outcome::Group(r)) => {
                    let _ = reply.send(r);
                }
                _ => unreachable!("outcomes are pushed in job order"),
            }
        }
    }
}

impl Writer {
    /// Writes the jobs in one transaction and commits it: what each did, and the streams
    /// whose keys were destroyed. `isolated` puts every job in its own savepoint, so
    /// that a job failing halfway is rolled back alone; otherwise only groups and copies
    /// get one, and an append failing after it wrote asks for the isolated run.
    fn write_batch(
        &mut self,
        jobs: &[WriteJob],
        now: Timestamp,
        isolated: bool,
    ) -> Result<(Vec<Outcome>, Vec<String>), Failure> {
        let mut outcomes = Vec::with_capacity(jobs.len());
        let mut erased = Vec::new();
        let keys = Arc::clone(&self.keys);
        let kek = Arc::clone(&self.kek);
        // The write lock at the start, waited for under the busy timeout: a deferred
        // transaction that reads first and then writes can be refused at once, without
        // the busy timeout, when the lock cannot be had at that moment.
        let mut tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for job in jobs {
            let saved = self.state;
            let mut erasing = Vec::new();
            let direct = !isolated && matches!(job, WriteJob::Append(..) | WriteJob::Reject(..));
            let outcome = if direct {
                let outcome = write(&tx, job, &mut self.state, now, (&keys, &kek), &mut erasing);
                if !outcome.is_ok() && !outcome.wrote_nothing() {
                    return Err(Failure::Isolate);
                }
                outcome
            } else {
                let sp = tx.savepoint()?;
                let outcome = write(&sp, job, &mut self.state, now, (&keys, &kek), &mut erasing);
                if outcome.is_ok() {
                    sp.commit()?;
                }
                // Otherwise the savepoint, dropped here, rolls this job back alone.
                outcome
            };
            if outcome.is_ok() {
                erased.append(&mut erasing);
            } else {
                self.state = saved;
            }
            outcomes.push(outcome);
        }
        tx.commit()?;
        Ok((outcomes, erased))
    }
}

/// What one job does, on the transaction or in its savepoint.
fn write(
    conn: &Connection,
    job: &WriteJob,
    state: &mut ChainState,
    now: Timestamp,
    keys: (&Keyring, &Kek),
    erasing: &mut Vec<String>,
) -> Outcome {
    match job {
        WriteJob::Append(req, _) => Outcome::Append(append(conn, req, state, now, keys, erasing)),
        WriteJob::Reject(req, _) => Outcome::Reject(reject(conn, req, state, now)),
        WriteJob::Mirror(entries, _) => Outcome::Mirror(mirror(conn, entries, state, erasing)),
        WriteJob::Group(writes, _) => {
            Outcome::Group(group(conn, writes, state, now, keys, erasing))
        }
    }
}

/// Why a batch was not committed.
enum Failure {
    /// SQLite refused a statement or the commit: the batch is rolled back.
    Sql(rusqlite::Error),
    /// A job failed after writing part of itself outside a savepoint.
    Isolate,
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        Failure::Sql(e)
    }
}

/// What one job did, before the batch is committed and it is answered.
enum Outcome {
    Group(Result<GroupOutcome, StoreError>),
    Append(Result<AppendOutcome, StoreError>),
    Reject(Result<u64, StoreError>),
    Mirror(Result<u64, StoreError>),
}

impl Outcome {
    /// Whether a job that did not succeed stopped before writing anything: a repeated
    /// or reused idempotency key, or a version that moved on, are found first.
    fn wrote_nothing(&self) -> bool {
        match self {
            Outcome::Append(r) => matches!(
                r,
                Ok(AppendOutcome::Duplicate { .. })
                    | Err(StoreError::Conflict { .. } | StoreError::IdempotencyKeyReused)
            ),
            _ => false,
        }
    }

    fn is_ok(&self) -> bool {
        match self {
            Outcome::Append(r) => matches!(r, Ok(AppendOutcome::Appended { .. })),
            Outcome::Reject(r) | Outcome::Mirror(r) => r.is_ok(),
            Outcome::Group(r) => matches!(r, Ok(GroupOutcome::Written(_))),
        }
    }
}
