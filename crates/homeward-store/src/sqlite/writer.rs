//! The writer thread: it owns the write connection, takes every write waiting in its
//! queue, applies each in its own savepoint and commits them in one transaction (one
//! fsync), then answers the callers.

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
        let mut outcomes = Vec::with_capacity(jobs.len());
        let mut erased = Vec::new();
        let keys = Arc::clone(&self.keys);
        let kek = Arc::clone(&self.kek);
        let committed = (|| -> Result<(), rusqlite::Error> {
            let mut tx = self.conn.transaction()?;
            for job in &jobs {
                let saved = self.state;
                let sp = tx.savepoint()?;
                let mut erasing = Vec::new();
                let outcome = match job {
                    WriteJob::Append(req, _) => Outcome::Append(append(
                        &sp,
                        req,
                        &mut self.state,
                        now,
                        (&keys, &kek),
                        &mut erasing,
                    )),
                    WriteJob::Reject(req, _) => {
                        Outcome::Reject(reject(&sp, req, &mut self.state, now))
                    }
                    WriteJob::Mirror(entries, _) => {
                        Outcome::Mirror(mirror(&sp, entries, &mut self.state, &mut erasing))
                    }
                    WriteJob::Group(writes, _) => Outcome::Group(group(
                        &sp,
                        writes,
                        &mut self.state,
                        now,
                        (&keys, &kek),
                        &mut erasing,
                    )),
                };
                if outcome.is_ok() {
                    sp.commit()?;
                    erased.append(&mut erasing);
                } else {
                    drop(sp); // rolls this job back alone
                    self.state = saved;
                }
                outcomes.push(outcome);
            }
            tx.commit()
        })();
        if let Err(e) = committed {
            tracing::error!(error = %e, "event log commit failed; the batch was rolled back");
            self.state = before;
            let message = e.to_string();
            for job in jobs {
                match job {
                    WriteJob::Append(_, reply) => {
                        let _ = reply.send(Err(StoreError::CommitFailed(message.clone())));
                    }
                    WriteJob::Reject(_, reply) | WriteJob::Mirror(_, reply) => {
                        let _ = reply.send(Err(StoreError::CommitFailed(message.clone())));
                    }
                    WriteJob::Group(_, reply) => {
                        let _ = reply.send(Err(StoreError::CommitFailed(message.clone())));
                    }
                }
            }
            return;
        }
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

/// What one job did, before the batch is committed and it is answered.
enum Outcome {
    Group(Result<GroupOutcome, StoreError>),
    Append(Result<AppendOutcome, StoreError>),
    Reject(Result<u64, StoreError>),
    Mirror(Result<u64, StoreError>),
}

impl Outcome {
    fn is_ok(&self) -> bool {
        match self {
            Outcome::Append(r) => matches!(r, Ok(AppendOutcome::Appended { .. })),
            Outcome::Reject(r) | Outcome::Mirror(r) => r.is_ok(),
            Outcome::Group(r) => matches!(r, Ok(GroupOutcome::Written(_))),
        }
    }
}
