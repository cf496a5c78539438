//! How much happened when: events per minute of recorded time, for the replay
//! scrubber of the wall display.

use std::collections::BTreeMap;

use homeward_domain::Timestamp;
use serde::{Deserialize, Serialize};

/// Events per minute of recorded time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    per_minute: BTreeMap<i64, u32>,
}

/// A span of the timeline and how many events were recorded in it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Bucket {
    /// Start of the span (inclusive).
    pub start: Timestamp,
    /// End of the span (exclusive).
    pub end: Timestamp,
    /// Events recorded in it.
    pub events: u32,
}

/// The whole history at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TimelineView {
    /// When the first event was recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_recorded_at: Option<Timestamp>,
    /// When the last event was recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_recorded_at: Option<Timestamp>,
    /// Events in equal spans from first to last.
    pub buckets: Vec<Bucket>,
    /// The decisions recorded, oldest first (filled in by the edge, which knows who
    /// may see which incident).
    pub decisions: Vec<crate::decisions::DecisionMark>,
}

impl Timeline {
    /// Counts one event recorded at `at`.
    pub fn record(&mut self, at: Timestamp) {
        self.first = Some(self.first.map_or(at, |f| f.min(at)));
        self.last = Some(self.last.map_or(at, |l| l.max(at)));
        *self
            .per_minute
            .entry(at.as_second().div_euclid(60))
            .or_insert(0) += 1;
    }

    /// The timeline in `n` equal spans.
    pub fn view(&self, n: usize) -> TimelineView {
        let (Some(first), Some(last)) = (self.first, self.last) else {
            return TimelineView {
                first_recorded_at: None,
                last_recorded_at: None,
                buckets: Vec::new(),
                decisions: Vec::new(),
            };
        };
        let n = n.clamp(1, 1000) as i64;
        // Whole minutes, so that every counted minute falls in exactly one bucket.
        let first_minute = first.as_second().div_euclid(60);
        let last_minute = last.as_second().div_euclid(60);
        let minutes = last_minute - first_minute + 1;
        let width = ((minutes + n - 1) / n).max(1);
        let mut buckets = Vec::new();
        let mut m = first_minute;
        while m <= last_minute {
            let e = m + width;
            let events = self.per_minute.range(m..e).map(|(_, c)| *c).sum();
            if let (Ok(bs), Ok(be)) = (
                Timestamp::from_second(m * 60),
                Timestamp::from_second(e * 60),
            ) {
                buckets.push(Bucket {
                    start: bs,
                    end: be,
                    events,
                });
            }
            m = e;
        }
        TimelineView {
            first_recorded_at: Some(first),
            last_recorded_at: Some(last),
            buckets,
            decisions: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_the_whole_history_and_count_every_event() {
        let mut t = Timeline::default();
        let base: Timestamp = "2026-04-01T00:00:00Z".parse().expect("time");
        for minutes in [0i64, 1, 1, 59, 600] {
            t.record(
                base.saturating_add(jiff::SignedDuration::from_mins(minutes))
                    .expect("time"),
            );
        }
        let view = t.view(10);
        assert_eq!(view.buckets.iter().map(|b| b.events).sum::<u32>(), 5);
        assert!(view.buckets.first().is_some_and(|b| b.start <= base));
        assert!(
            view.buckets
                .last()
                .is_some_and(|b| Some(b.end) > view.last_recorded_at)
        );
    }
}
