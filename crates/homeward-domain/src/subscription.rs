//! The subscription stream: an outside endpoint (the SMS gateway, the duty phone, a
//! partner agency) that wants matching events delivered to it as they happen, with a
//! filter of event types, incidents and countries, and whether it is cleared to
//! receive personal data.

use serde::{Deserialize, Serialize};

use crate::aggregate::{Aggregate, Context};
use crate::event::EVENT_TYPES;
use crate::ids::{CountryCode, IncidentId};
use crate::rejection::Rejection;
use crate::validate;

/// Longest URL accepted.
pub const MAX_URL: usize = 2000;
/// Most entries in one filter list.
pub const MAX_FILTER: usize = 200;

/// Which events a subscription wants; an empty list does not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, utoipa::ToSchema))]
pub struct Filter {
    /// Event type names (`incident.report_filed`) or whole categories (`incident.*`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub event_types: Vec<String>,
    /// Only events of these incidents (and of what belongs to them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incident_ids: Vec<IncidentId>,
    /// Only events in these countries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<CountryCode>,
}

impl Filter {
    /// Whether the event type passes (the other parts need facts from the read models).
    pub fn wants_type(&self, event_type: &str) -> bool {
        self.event_types.is_empty()
            || self.event_types.iter().any(|t| {
                t == event_type
                    || t.strip_suffix(".*").is_some_and(|category| {
                        event_type
                            .strip_prefix(category)
                            .is_some_and(|rest| rest.starts_with('.'))
                    })
            })
    }
}

/// Everything that can be asked of a subscription.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum SubscriptionCommand {
    Create {
        url: String,
        filter: Filter,
        personal_data: bool,
    },
    Delete {
        reason: String,
    },
}

impl SubscriptionCommand {
    /// A stable name for the audit trail.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Create { .. } => "create_subscription",
            Self::Delete { .. } => "delete_subscription",
        }
    }
}

/// A subscription was created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct SubscriptionCreated {
    pub url: String,
    #[serde(default)]
    pub filter: Filter,
    /// Whether personal data and restricted cases may go to it.
    pub personal_data: bool,
}

/// A subscription was ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct SubscriptionDeleted {
    pub reason: String,
}

crate::event::events! {
    /// Everything that can happen to a subscription.
    pub enum SubscriptionEvent {
        Created(SubscriptionCreated) = ("subscription.created", 1),
        Deleted(SubscriptionDeleted) = ("subscription.deleted", 1),
    }
}

/// What `decide` needs to know about a subscription.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Subscription {
    /// Events folded so far.
    pub version: u64,
    /// Set once created.
    pub created: bool,
    /// Set once deleted.
    pub deleted: bool,
}

fn url(value: &str) -> Result<String, Rejection> {
    let v = value.trim();
    let scheme_ok = v.starts_with("http://") || v.starts_with("https://");
    let host = v.split_once("://").map_or("", |(_, rest)| rest);
    if !scheme_ok
        || host.is_empty()
        || host.starts_with('/')
        || v.len() > MAX_URL
        || v.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(Rejection::InvalidUrl);
    }
    Ok(v.to_owned())
}

fn filter(f: &Filter) -> Result<Filter, Rejection> {
    if f.event_types.len() > MAX_FILTER
        || f.incident_ids.len() > MAX_FILTER
        || f.countries.len() > MAX_FILTER
    {
        return Err(Rejection::TooLong {
            field: "filter",
            max: MAX_FILTER,
        });
    }
    for t in &f.event_types {
        let known = EVENT_TYPES.iter().any(|m| {
            m.name == t
                || t.strip_suffix(".*")
                    .is_some_and(|c| m.kind().is_some_and(|k| k.prefix() == c))
        });
        if !known {
            return Err(Rejection::UnknownEventType);
        }
    }
    let mut f = f.clone();
    f.event_types.sort();
    f.event_types.dedup();
    f.incident_ids.sort();
    f.incident_ids.dedup();
    f.countries.sort();
    f.countries.dedup();
    Ok(f)
}

impl Aggregate for Subscription {
    type Command = SubscriptionCommand;
    type Event = SubscriptionEvent;

    fn decide(
        &self,
        command: &SubscriptionCommand,
        _ctx: &Context,
    ) -> Result<Vec<SubscriptionEvent>, Rejection> {
        match command {
            SubscriptionCommand::Create {
                url: u,
                filter: f,
                personal_data,
            } => {
                if self.created {
                    return Err(Rejection::AlreadyExists {
                        what: "subscription",
                    });
                }
                Ok(vec![SubscriptionEvent::Created(SubscriptionCreated {
                    url: url(u)?,
                    filter: filter(f)?,
                    personal_data: *personal_data,
                })])
            }
            SubscriptionCommand::Delete { reason } => {
                if !self.created {
                    return Err(Rejection::NotFound {
                        what: "subscription",
                    });
                }
                if self.deleted {
                    return Ok(Vec::new());
                }
                Ok(vec![SubscriptionEvent::Deleted(SubscriptionDeleted {
                    reason: validate::reason(reason)?,
                })])
            }
        }
    }

    fn evolve(mut self, event: &SubscriptionEvent) -> Self {
        self.version += 1;
        match event {
            SubscriptionEvent::Created(_) => self.created = true,
            SubscriptionEvent::Deleted(_) => self.deleted = true,
        }
        self
    }

    fn version(&self) -> u64 {
        self.version
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{Actor, Role};

    fn ctx() -> Context {
        Context::new(
            Actor::new("dana", Role::DutyOfficer),
            jiff::Timestamp::UNIX_EPOCH,
        )
    }

    #[test]
    fn types_match_by_name_or_category() {
        let f = Filter {
            event_types: vec!["incident.*".into(), "deadline.missed".into()],
            ..Filter::default()
        };
        assert!(f.wants_type("incident.report_filed"));
        assert!(f.wants_type("deadline.missed"));
        assert!(!f.wants_type("incidentx.opened"));
        assert!(!f.wants_type("person.registered"));
        assert!(Filter::default().wants_type("person.registered"));
    }

    #[test]
    fn bad_urls_and_unknown_types_are_refused() {
        let s = Subscription::default();
        let create = |url: &str, types: Vec<String>| SubscriptionCommand::Create {
            url: url.into(),
            filter: Filter {
                event_types: types,
                ..Filter::default()
            },
            personal_data: false,
        };
        for bad in [
            "ftp://x",
            "http://",
            "https:///path",
            "http://a b",
            "sms:123",
        ] {
            assert_eq!(
                s.decide(&create(bad, vec![]), &ctx()),
                Err(Rejection::InvalidUrl),
                "{bad}"
            );
        }
        assert_eq!(
            s.decide(
                &create("https://sms.example/hook", vec!["nope.*".into()]),
                &ctx()
            ),
            Err(Rejection::UnknownEventType)
        );
        assert!(
            s.decide(
                &create("https://sms.example/hook", vec!["welfare.*".into()]),
                &ctx()
            )
            .is_ok()
        );
    }

    #[test]
    fn deleting_twice_changes_nothing_the_second_time() {
        let s = Subscription::replay(&[
            SubscriptionEvent::Created(SubscriptionCreated {
                url: "http://x.example".into(),
                filter: Filter::default(),
                personal_data: false,
            }),
            SubscriptionEvent::Deleted(SubscriptionDeleted {
                reason: "gone".into(),
            }),
        ]);
        assert_eq!(
            s.decide(
                &SubscriptionCommand::Delete {
                    reason: "again".into()
                },
                &ctx()
            ),
            Ok(vec![])
        );
    }
}
