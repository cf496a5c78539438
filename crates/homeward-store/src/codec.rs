//! The stored form of log entries, and the reading of old schema versions.
//!
//! A record is one JSON document per entry. Its bytes are what the hash chain covers,
//! so they are never rewritten: an old schema version stays old on disk and is upcast
//! to the current version each time it is read.

use homeward_domain::access::AccessEvent;
use homeward_domain::call::CallEvent;
use homeward_domain::country::CountryEvent;
use homeward_domain::deadline::DeadlineEvent;
use homeward_domain::evacuation::EvacuationEvent;
use homeward_domain::event::schema_version;
use homeward_domain::incident::IncidentEvent;
use homeward_domain::person::PersonEvent;
use homeward_domain::subscription::SubscriptionEvent;
use homeward_domain::welfare::WelfareEvent;
use homeward_domain::{Actor, DomainEvent, StreamId, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::envelope::{LogEntry, RecordedEvent, RecordedRejection};
use crate::seal::{self, Keyring};

/// The stored record of one entry. Field order is fixed; new optional fields may be
/// added at the end.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum StoredRecord {
    Event {
        event_id: Uuid,
        stream_id: StreamId,
        version: u64,
        #[serde(rename = "type")]
        event_type: String,
        schema_version: u32,
        actor: Actor,
        occurred_at: Timestamp,
        recorded_at: Timestamp,
        correlation_id: Uuid,
        causation_id: Uuid,
        data: Value,
    },
    Rejection {
        entry_id: Uuid,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stream_id: Option<StreamId>,
        command: String,
        code: String,
        reason: String,
        actor: Actor,
        recorded_at: Timestamp,
        correlation_id: Uuid,
    },
}

/// Splits a domain event into its wire name, schema version and payload.
pub fn encode_event(event: &DomainEvent) -> Result<(&'static str, u32, Value), serde_json::Error> {
    let event_type = event.event_type();
    let mut tagged = serde_json::to_value(event)?;
    let data = tagged
        .as_object_mut()
        .and_then(|o| o.remove("data"))
        .unwrap_or(Value::Object(Map::new()));
    Ok((event_type, event.schema_version(), data))
}

/// Reads a payload of any known schema version as the current domain event.
pub fn decode_event(event_type: &str, version: u32, data: Value) -> Result<DomainEvent, String> {
    let current =
        schema_version(event_type).ok_or_else(|| format!("unknown event type `{event_type}`"))?;
    if version > current {
        return Err(format!(
            "`{event_type}` v{version} is newer than this build reads (v{current})"
        ));
    }
    let data = upcast(event_type, version, data)?;
    let tagged = Value::Object(Map::from_iter([
        ("type".to_owned(), Value::String(event_type.to_owned())),
        ("data".to_owned(), data),
    ]));
    let category = event_type.split_once('.').map_or(event_type, |(c, _)| c);
    let decoded = match category {
        "incident" => IncidentEvent::deserialize(tagged).map(DomainEvent::Incident),
        "person" => PersonEvent::deserialize(tagged).map(DomainEvent::Person),
        "call" => CallEvent::deserialize(tagged).map(DomainEvent::Call),
        "country" => CountryEvent::deserialize(tagged).map(DomainEvent::Country),
        "evacuation" => EvacuationEvent::deserialize(tagged).map(DomainEvent::Evacuation),
        "welfare" => WelfareEvent::deserialize(tagged).map(DomainEvent::Welfare),
        "deadline" => DeadlineEvent::deserialize(tagged).map(DomainEvent::Deadline),
        "access" => AccessEvent::deserialize(tagged).map(DomainEvent::Access),
        "subscription" => SubscriptionEvent::deserialize(tagged).map(DomainEvent::Subscription),
        _ => return Err(format!("unknown event category `{category}`")),
    };
    decoded.map_err(|e| format!("`{event_type}` v{version}: {e}"))
}

/// Brings a payload from `version` up to the current schema, one version at a time.
pub fn upcast(event_type: &str, mut version: u32, mut data: Value) -> Result<Value, String> {
    let current = schema_version(event_type).unwrap_or(version);
    while version < current {
        data = match (event_type, version) {
            // v1 -> v2: classification was added. Kidnappings were always handled as
            // restricted; everything else was visible to every reading role.
            ("incident.opened", 1) => {
                let mut obj = data
                    .as_object()
                    .cloned()
                    .ok_or("payload is not an object")?;
                let restricted = obj.get("kind").and_then(Value::as_str) == Some("kidnapping");
                obj.entry("classification").or_insert_with(|| {
                    Value::String(if restricted { "restricted" } else { "normal" }.into())
                });
                Value::Object(obj)
            }
            // v1 -> v2: the date of birth became optional (absent once erased); a v1
            // payload always has one, so it reads unchanged.
            ("person.registered", 1) => data,
            _ => return Err(format!("no upcaster for `{event_type}` v{version}")),
        };
        version += 1;
    }
    Ok(data)
}

/// The fields of a stored event, with the payload left unparsed.
#[derive(Deserialize)]
struct EventView<'a> {
    kind: std::borrow::Cow<'a, str>,
    event_id: Uuid,
    stream_id: StreamId,
    version: u64,
    #[serde(rename = "type")]
    event_type: String,
    schema_version: u32,
    actor: Actor,
    occurred_at: Timestamp,
    recorded_at: Timestamp,
    correlation_id: Uuid,
    causation_id: Uuid,
    #[serde(borrow)]
    data: &'a serde_json::value::RawValue,
}

/// Reads a payload of the current schema version straight into the domain event (one
/// parse); older versions go through [`decode_event`] and its upcasters.
fn decode_current(
    stream: &str,
    event_type: &str,
    version: u32,
    data: &serde_json::value::RawValue,
    keys: &Keyring,
) -> Result<DomainEvent, String> {
    if schema_version(event_type) != Some(version) || seal::applies(stream, event_type) {
        let mut value: Value = serde_json::from_str(data.get()).map_err(|e| e.to_string())?;
        seal::open(stream, keys.get(stream).as_ref(), &mut value).map_err(|e| e.to_string())?;
        return decode_event(event_type, version, value);
    }
    let tag = serde_json::to_string(event_type).map_err(|e| e.to_string())?;
    let text = format!("{{\"type\":{tag},\"data\":{}}}", data.get());
    let category = event_type.split_once('.').map_or(event_type, |(c, _)| c);
    let decoded = match category {
        "incident" => serde_json::from_str::<IncidentEvent>(&text).map(DomainEvent::Incident),
        "person" => serde_json::from_str::<PersonEvent>(&text).map(DomainEvent::Person),
        "call" => serde_json::from_str::<CallEvent>(&text).map(DomainEvent::Call),
        "country" => serde_json::from_str::<CountryEvent>(&text).map(DomainEvent::Country),
        "evacuation" => serde_json::from_str::<EvacuationEvent>(&text).map(DomainEvent::Evacuation),
        "welfare" => serde_json::from_str::<WelfareEvent>(&text).map(DomainEvent::Welfare),
        "deadline" => serde_json::from_str::<DeadlineEvent>(&text).map(DomainEvent::Deadline),
        "access" => serde_json::from_str::<AccessEvent>(&text).map(DomainEvent::Access),
        "subscription" => {
            serde_json::from_str::<SubscriptionEvent>(&text).map(DomainEvent::Subscription)
        }
        _ => return Err(format!("unknown event category `{category}`")),
    };
    decoded.map_err(|e| format!("`{event_type}` v{version}: {e}"))
}

/// Decodes a stored record at `position` into a log entry, opening sealed personal data
/// with `keys` (what has no key reads as erased).
pub fn decode_record(position: u64, bytes: &[u8], keys: &Keyring) -> Result<LogEntry, String> {
    if let Ok(view) = serde_json::from_slice::<EventView<'_>>(bytes)
        && view.kind == "event"
    {
        let event = decode_current(
            view.stream_id.as_str(),
            &view.event_type,
            view.schema_version,
            view.data,
            keys,
        )?;
        return Ok(LogEntry::Event(Box::new(RecordedEvent {
            position,
            event_id: view.event_id,
            stream_id: view.stream_id,
            version: view.version,
            event_type: view.event_type,
            schema_version: view.schema_version,
            actor: view.actor,
            occurred_at: view.occurred_at,
            recorded_at: view.recorded_at,
            correlation_id: view.correlation_id,
            causation_id: view.causation_id,
            event,
        })));
    }
    let record: StoredRecord = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    Ok(match record {
        StoredRecord::Event {
            event_id,
            stream_id,
            version,
            event_type,
            schema_version,
            actor,
            occurred_at,
            recorded_at,
            correlation_id,
            causation_id,
            mut data,
        } => {
            seal::open(
                stream_id.as_str(),
                keys.get(stream_id.as_str()).as_ref(),
                &mut data,
            )
            .map_err(|e| e.to_string())?;
            let event = decode_event(&event_type, schema_version, data)?;
            LogEntry::Event(Box::new(RecordedEvent {
                position,
                event_id,
                stream_id,
                version,
                event_type,
                schema_version,
                actor,
                occurred_at,
                recorded_at,
                correlation_id,
                causation_id,
                event,
            }))
        }
        StoredRecord::Rejection {
            entry_id,
            stream_id,
            command,
            code,
            reason,
            actor,
            recorded_at,
            correlation_id,
        } => LogEntry::Rejection(Box::new(RecordedRejection {
            position,
            entry_id,
            stream_id,
            command,
            code,
            reason,
            actor,
            recorded_at,
            correlation_id,
        })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use homeward_domain::incident::{Classification, IncidentEvent, IncidentKind};

    #[test]
    fn incident_opened_v1_is_upcast_with_its_classification() {
        let v1 = serde_json::json!({
            "kind": "kidnapping", "title": "Engineers seized near Gao",
            "country": "ML", "severity": 5
        });
        let event = decode_event("incident.opened", 1, v1).expect("v1 decodes");
        let DomainEvent::Incident(IncidentEvent::Opened(opened)) = event else {
            panic!("wrong event: {event:?}");
        };
        assert_eq!(opened.kind, IncidentKind::Kidnapping);
        assert_eq!(opened.classification, Classification::Restricted);

        let v1_normal = serde_json::json!({
            "kind": "accident", "title": "Bus crash", "country": "PE", "severity": 3
        });
        let Ok(DomainEvent::Incident(IncidentEvent::Opened(opened))) =
            decode_event("incident.opened", 1, v1_normal)
        else {
            panic!("v1 accident does not decode");
        };
        assert_eq!(opened.classification, Classification::Normal);
    }

    #[test]
    fn a_stored_v1_record_is_read_as_v2() {
        let stored = serde_json::json!({
            "kind": "event", "event_id": "01a21a14-fc76-7412-a60a-59e7f2c7d7c9",
            "stream_id": "incident-01a21a14-fc76-7412-a60a-59e51e5e2600", "version": 1,
            "type": "incident.opened", "schema_version": 1,
            "actor": {"subject": "wei", "role": "duty_officer"},
            "occurred_at": "2026-04-01T00:00:00Z", "recorded_at": "2026-04-01T00:00:01Z",
            "correlation_id": "01a21a14-fc76-7412-a60a-59e6f72267c0",
            "causation_id": "01a21a14-fc76-7412-a60a-59e6f72267c0",
            "data": {"kind": "kidnapping", "title": "x", "country": "ML", "severity": 4}
        });
        let bytes = serde_json::to_vec(&stored).expect("json");
        let Ok(LogEntry::Event(e)) = decode_record(1, &bytes, &Keyring::default()) else {
            panic!("does not decode");
        };
        assert_eq!(e.schema_version, 1);
        let DomainEvent::Incident(IncidentEvent::Opened(o)) = e.event else {
            panic!("wrong event");
        };
        assert_eq!(o.classification, Classification::Restricted);
    }

    #[test]
    fn unknown_types_and_future_versions_are_refused() {
        assert!(decode_event("incident.teleported", 1, serde_json::json!({})).is_err());
        assert!(decode_event("incident.opened", 9, serde_json::json!({})).is_err());
    }
}
