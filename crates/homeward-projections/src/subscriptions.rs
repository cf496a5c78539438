//! Subscriptions to events: who receives what, since when.

use std::collections::BTreeMap;

use homeward_domain::subscription::{Filter, SubscriptionEvent};
use homeward_domain::{DomainEvent, Timestamp};
use homeward_store::RecordedEvent;
use serde::Serialize;
use uuid::Uuid;

/// One subscription.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, serde::Deserialize)]
pub struct SubscriptionView {
    /// Its id.
    pub id: Uuid,
    /// Where events go.
    pub url: String,
    /// Which events.
    pub filter: Filter,
    /// Whether personal data and restricted cases may go to it.
    pub personal_data: bool,
    /// Who created it.
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
    /// The log position of its creation: events after it are delivered.
    pub since_position: u64,
    /// Whether it was ended.
    pub deleted: bool,
}

/// Every subscription, by id.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Subscriptions {
    all: BTreeMap<Uuid, SubscriptionView>,
}

impl Subscriptions {
    /// Folds one event in.
    pub fn apply(&mut self, event: &RecordedEvent) {
        let DomainEvent::Subscription(e) = &event.event else {
            return;
        };
        let Ok(id) = event.stream_id.local_id().parse::<Uuid>() else {
            return;
        };
        match e {
            SubscriptionEvent::Created(c) => {
                self.all.insert(
                    id,
                    SubscriptionView {
                        id,
                        url: c.url.clone(),
                        filter: c.filter.clone(),
                        personal_data: c.personal_data,
                        created_by: event.actor.subject.clone(),
                        created_at: event.recorded_at,
                        since_position: event.position,
                        deleted: false,
                    },
                );
            }
            SubscriptionEvent::Deleted(_) => {
                if let Some(s) = self.all.get_mut(&id) {
                    s.deleted = true;
                }
            }
        }
    }

    /// One subscription.
    pub fn get(&self, id: Uuid) -> Option<&SubscriptionView> {
        self.all.get(&id)
    }

    /// Every subscription, oldest id first.
    pub fn iter(&self) -> impl Iterator<Item = &SubscriptionView> {
        self.all.values()
    }
}
