//! An erasure is answered once every live instance shows it. Each instance's read
//! models fold `person.erased` from its own copy; it then says so on the results topic
//! (which every instance reads whole), and the instance that took the erasure waits
//! until every member of the sequencers' group, the instances that are up, has said
//! so. An instance that is away folds the erasure from its copy before it serves again.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio::sync::watch;

use crate::config::KafkaConfig;
use crate::wire::ErasureFolded;

/// What the answer names when the instances that are up could not be listed.
const UNKNOWN: &str = "instances-unknown";

/// How many erased streams are remembered (erasures are rare; the oldest go first).
const REMEMBERED: usize = 1024;

/// Which instances said they folded which erasure, since this instance started.
#[derive(Debug, Clone, Default)]
pub(crate) struct Folded {
    by: HashMap<String, HashSet<String>>,
    order: VecDeque<String>,
}

impl Folded {
    pub(crate) fn note(&mut self, told: ErasureFolded) {
        if !self.by.contains_key(&told.erasure_folded) {
            self.order.push_back(told.erasure_folded.clone());
            if self.order.len() > REMEMBERED
                && let Some(old) = self.order.pop_front()
            {
                self.by.remove(&old);
            }
        }
        self.by
            .entry(told.erasure_folded)
            .or_default()
            .insert(told.instance);
    }

    fn has(&self, stream: &str, instance: &str) -> bool {
        self.by.get(stream).is_some_and(|s| s.contains(instance))
    }
}

/// Tells every instance that this one folded the erasure of `stream`.
pub(crate) fn tell(cfg: &KafkaConfig, producer: &FutureProducer, stream: &str) {
    let told = ErasureFolded {
        erasure_folded: stream.to_owned(),
        instance: cfg.instance_id.clone(),
    };
    let Ok(bytes) = serde_json::to_vec(&told) else {
        return;
    };
    let (topic, key, producer) = (cfg.results_topic(), stream.to_owned(), producer.clone());
    tokio::spawn(async move {
        let record = FutureRecord::to(&topic).key(&key).payload(&bytes);
        if let Err((e, _)) = producer.send(record, Duration::from_secs(30)).await {
            tracing::warn!(error = %e, "cannot tell the other instances an erasure was folded");
        }
    });
}

/// The instances that are up: the members of the sequencers' group (each names its
/// instance in its client id), asked through `client`.
async fn live(cfg: &KafkaConfig, client: &Arc<BaseConsumer>) -> Result<Vec<String>, String> {
    let (group, client) = (cfg.sequencer_group(), Arc::clone(client));
    tokio::task::spawn_blocking(move || {
        let groups = client
            .fetch_group_list(Some(&group), Duration::from_secs(10))
            .map_err(|e| e.to_string())?;
        Ok(groups
            .groups()
            .iter()
            .flat_map(|g| g.members())
            .filter_map(|m| m.client_id().strip_prefix("homeward-"))
            .map(str::to_owned)
            .collect())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Waits, at most `limit`, until every live instance said it folded the erasure of
/// `stream`; returns those that had not.
pub(crate) async fn everywhere(
    cfg: &KafkaConfig,
    folded: &watch::Receiver<Folded>,
    stream: &str,
    limit: Duration,
) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + limit;
    let mut rx = folded.clone();
    let client = match cfg.client().create::<BaseConsumer>() {
        Ok(client) => Arc::new(client),
        Err(e) => {
            tracing::warn!(error = %e, "cannot ask which instances are up");
            return vec![UNKNOWN.to_owned()];
        }
    };
    loop {
        // Asked again each round: an instance that went away meanwhile leaves the
        // group and is no longer waited for.
        let members = match live(cfg, &client).await {
            Ok(members) => members,
            Err(e) => {
                // Not knowing who is up is never taken for everyone having folded it.
                tracing::warn!(error = %e, "cannot list the instances that are up");
                if tokio::time::Instant::now() >= deadline {
                    return vec![UNKNOWN.to_owned()];
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let up = members.len();
        let left: Vec<String> = {
            let f = rx.borrow_and_update();
            // This instance folded it before the answer was asked for: only the
            // others' word is waited for.
            let mut left: Vec<String> = members
                .into_iter()
                .filter(|m| *m != cfg.instance_id && !f.has(stream, m))
                .collect();
            left.sort();
            left.dedup();
            left
        };
        if left.is_empty() {
            tracing::info!(
                stream,
                instances_up = up,
                "every instance that is up has folded the erasure"
            );
            return left;
        }
        if tokio::time::Instant::now() >= deadline {
            return left;
        }
        let until = deadline.min(tokio::time::Instant::now() + Duration::from_secs(1));
        let _ = tokio::time::timeout_at(until, rx.changed()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn told(stream: &str, instance: &str) -> ErasureFolded {
        ErasureFolded {
            erasure_folded: stream.into(),
            instance: instance.into(),
        }
    }

    #[test]
    fn an_instance_counts_for_the_erasure_it_named_only() {
        let mut f = Folded::default();
        f.note(told("person-1", "a"));
        f.note(told("person-1", "a"));
        assert!(f.has("person-1", "a"));
        assert!(!f.has("person-1", "b"));
        assert!(!f.has("person-2", "a"));
    }

    #[test]
    fn the_oldest_erasures_are_forgotten_first() {
        let mut f = Folded::default();
        for i in 0..=REMEMBERED {
            f.note(told(&format!("person-{i}"), "a"));
        }
        assert!(!f.has("person-0", "a"));
        assert!(f.has("person-1", "a"));
        assert!(f.has(&format!("person-{REMEMBERED}"), "a"));
        assert_eq!(f.by.len(), REMEMBERED);
    }
}
