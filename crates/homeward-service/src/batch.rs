//! Many commands at once: bulk registration of evacuees from a list, generated
//! scenarios. Each command is decided in order against the state its predecessors in
//! the batch left, exactly as one by one; the events of each stream are then appended
//! conditionally in as few appends as the actors allow, all committed together by the
//! log's group commit. A batch is atomic per append, not across streams: it expects
//! no other writer on its streams meanwhile and stops at the first conflict.

use std::collections::BTreeMap;

use homeward_domain::{Actor, Context, Rejection, StreamId, Timestamp};
use homeward_store::{AppendOutcome, AppendRequest, ProposedEvent, RejectionRequest};

use crate::{Command, Homeward, ServiceError};

/// One command of a batch.
#[derive(Debug, Clone)]
pub struct BatchItem {
    /// The command.
    pub command: Command,
    /// Who sends it.
    pub actor: Actor,
    /// When it is sent (the `now` its `decide` sees).
    pub at: Timestamp,
}

/// What a batch did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct BatchOutcome {
    /// Commands that took effect.
    pub accepted: usize,
    /// Events written.
    pub events: usize,
    /// Commands refused, by their index in the batch.
    pub rejected: Vec<(usize, Rejection)>,
}

struct Run {
    actor: Actor,
    expected: u64,
    events: Vec<ProposedEvent>,
}

impl Homeward {
    /// Decides every command in order and appends the events.
    pub async fn execute_batch(&self, items: Vec<BatchItem>) -> Result<BatchOutcome, ServiceError> {
        if let Some(u) = self.unreadable() {
            return Err(ServiceError::Unreadable(u));
        }
        let ids: Vec<StreamId> = items.iter().map(|i| i.command.stream_id()).collect();
        let distinct: std::collections::BTreeSet<&StreamId> = ids.iter().collect();
        let mut scratch = self.read().streams.subset(distinct);
        let mut runs: BTreeMap<StreamId, Vec<Run>> = BTreeMap::new();
        let mut outcome = BatchOutcome::default();
        let mut refusals = Vec::new();
        for (index, (item, stream)) in items.into_iter().zip(ids).enumerate() {
            let ctx = Context::new(item.actor.clone(), item.at);
            let (version, decided) = item.command.decide(&scratch, &ctx);
            match decided {
                Ok(events) => {
                    outcome.accepted += 1;
                    let occurred_at = item.command.field_time().unwrap_or(item.at);
                    let stream_runs = runs.entry(stream.clone()).or_default();
                    let same_actor = stream_runs.last().is_some_and(|r| r.actor == item.actor);
                    if !same_actor {
                        stream_runs.push(Run {
                            actor: item.actor.clone(),
                            expected: version,
                            events: Vec::new(),
                        });
                    }
                    let run = stream_runs.last_mut().ok_or(ServiceError::Contended)?;
                    for event in events {
                        scratch.apply_event(&stream, &event);
                        outcome.events += 1;
                        run.events.push(ProposedEvent {
                            event_id: self.ids.next_id(),
                            event,
                            occurred_at,
                        });
                    }
                }
                Err(rejection) => {
                    refusals.push(RejectionRequest {
                        stream_id: Some(stream),
                        command: item.command.name().to_owned(),
                        code: rejection.code().to_owned(),
                        reason: rejection.to_string(),
                        actor: item.actor,
                        correlation_id: self.ids.next_id(),
                    });
                    outcome.rejected.push((index, rejection));
                }
            }
        }
        // Wave k holds the k-th run of every stream, so each stream's appends stay in order.
        let mut waves: Vec<Vec<AppendRequest>> = Vec::new();
        for (stream, stream_runs) in runs {
            for (k, run) in stream_runs.into_iter().enumerate() {
                if waves.len() <= k {
                    waves.push(Vec::new());
                }
                let correlation = self.ids.next_id();
                waves[k].push(AppendRequest {
                    stream_id: stream.clone(),
                    expected_version: run.expected,
                    events: run.events,
                    actor: run.actor,
                    correlation_id: correlation,
                    causation_id: correlation,
                    idempotency: None,
                });
            }
        }
        let mut last = 0;
        for wave in waves {
            let results =
                futures::future::join_all(wave.into_iter().map(|r| self.log.append(r))).await;
            for result in results {
                match result? {
                    AppendOutcome::Appended { last_position, .. } => last = last.max(last_position),
                    AppendOutcome::Duplicate { .. } => {}
                }
            }
        }
        for refusal in refusals {
            last = last.max(self.log.record_rejection(refusal).await?);
        }
        self.wait_for(last).await;
        Ok(outcome)
    }
}
