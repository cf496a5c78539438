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
    match by_category(event_type, tagged) {
        Some(decoded) => decoded.map_err(|e| format!("`{event_type}` v{version}: {e}")),
        None => Err(format!("unknown event category of `{event_type}`")),
    }
}

/// Reads `{"type": event_type, "data": ..}` from `tagged` as the event enum of the
/// type's kind (the part before the first `.`); `None` for an unknown kind.
fn by_category<'de, D: serde::Deserializer<'de>>(
    event_type: &str,
    tagged: D,
) -> Option<Result<DomainEvent, D::Error>> {
    use homeward_domain::StreamKind as K;
    Some(match K::of_event_type(event_type)? {
        K::Incident => IncidentEvent::deserialize(tagged).map(DomainEvent::Incident),
        K::Person => PersonEvent::deserialize(tagged).map(DomainEvent::Person),
        K::Call => CallEvent::deserialize(tagged).map(DomainEvent::Call),
        K::Country => CountryEvent::deserialize(tagged).map(DomainEvent::Country),
        K::Evacuation => EvacuationEvent::deserialize(tagged).map(DomainEvent::Evacuation),
        K::Welfare => WelfareEvent::deserialize(tagged).map(DomainEvent::Welfare),
        K::Deadline => DeadlineEvent::deserialize(tagged).map(DomainEvent::Deadline),
        K::Access => AccessEvent::deserialize(tagged).map(DomainEvent::Access),
        K::Subscription => SubscriptionEvent::deserialize(tagged).map(DomainEvent::Subscription),
    })
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
            // v2 -> v3, person.corrected v1 -> v2, call.logged v1 -> v2: the full name
            // (the caller's name and phone) became sealed and may be absent (erased).
            // Older payloads hold them in clear, so they read unchanged.
            ("person.registered", 2) | ("person.corrected", 1) | ("call.logged", 1) => data,
            _ => return Err(format!("no upcaster for `{event_type}` v{version}")),
        };
        version += 1;
    }
    Ok(data)
}

/// The fields of a stored record, as the one-pass reader meets them.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Field {
    Kind,
    EventId,
    StreamId,
    Version,
    #[serde(rename = "type")]
    Type,
    SchemaVersion,
    Actor,
    OccurredAt,
    RecordedAt,
    CorrelationId,
    CausationId,
    Data,
    #[serde(other)]
    Other,
}

/// The kinds of stored record.
#[derive(Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Event,
    Rejection,
}

/// Reads a stored event in one pass: the payload is parsed straight into the domain
/// event once its type and (current) schema version have been read, which they are,
/// as records are written with them before the payload. Anything else (a rejection,
/// an old version, a payload before its type) is left to the general path.
struct OnePass {
    position: u64,
}

/// Why the one-pass reader left a record to the general path.
const NOT_ONE_PASS: &str = "not a current-version event";

impl<'de> serde::de::DeserializeSeed<'de> for OnePass {
    type Value = RecordedEvent;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<RecordedEvent, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for OnePass {
    type Value = RecordedEvent;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a stored event")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> Result<RecordedEvent, A::Error> {
        use serde::de::Error;
        let missing = || A::Error::custom(NOT_ONE_PASS);
        let (mut event_id, mut stream_id, mut version, mut event_type) = (None, None, None, None);
        let (mut schema, mut actor, mut occurred_at, mut recorded_at) = (None, None, None, None);
        let (mut correlation_id, mut causation_id, mut event) = (None, None, None);
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Kind => {
                    if map.next_value::<Kind>()? != Kind::Event {
                        return Err(missing());
                    }
                }
                Field::EventId => event_id = Some(map.next_value::<Uuid>()?),
                Field::StreamId => stream_id = Some(map.next_value::<StreamId>()?),
                Field::Version => version = Some(map.next_value::<u64>()?),
                Field::Type => event_type = Some(map.next_value::<String>()?),
                Field::SchemaVersion => schema = Some(map.next_value::<u32>()?),
                Field::Actor => actor = Some(map.next_value::<Actor>()?),
                Field::OccurredAt => occurred_at = Some(map.next_value::<Timestamp>()?),
                Field::RecordedAt => recorded_at = Some(map.next_value::<Timestamp>()?),
                Field::CorrelationId => correlation_id = Some(map.next_value::<Uuid>()?),
                Field::CausationId => causation_id = Some(map.next_value::<Uuid>()?),
                Field::Data => {
                    let event_type = event_type.as_deref().ok_or_else(missing)?;
                    if schema.is_none() || schema_version(event_type) != schema {
                        return Err(missing());
                    }
                    // Sealed personal data is opened on the general path, with the keys.
                    let stream: &StreamId = stream_id.as_ref().ok_or_else(missing)?;
                    if seal::applies(stream.as_str(), event_type) {
                        return Err(missing());
                    }
                    event = Some(map.next_value_seed(EventSeed { event_type })?);
                }
                Field::Other => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(RecordedEvent {
            position: self.position,
            event_id: event_id.ok_or_else(missing)?,
            stream_id: stream_id.ok_or_else(missing)?,
            version: version.ok_or_else(missing)?,
            event_type: event_type.ok_or_else(missing)?,
            schema_version: schema.ok_or_else(missing)?,
            actor: actor.ok_or_else(missing)?,
            occurred_at: occurred_at.ok_or_else(missing)?,
            recorded_at: recorded_at.ok_or_else(missing)?,
            correlation_id: correlation_id.ok_or_else(missing)?,
            causation_id: causation_id.ok_or_else(missing)?,
            event: event.ok_or_else(missing)?,
        })
    }
}

/// Reads a payload as the domain event of a known type, from wherever the parser
/// stands: the event enums are tagged `{"type": .., "data": ..}`, so the payload is
/// shown to them as the `data` of a two-entry map whose `type` is the stored type.
struct EventSeed<'a> {
    event_type: &'a str,
}

impl<'de> serde::de::DeserializeSeed<'de> for EventSeed<'_> {
    type Value = DomainEvent;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<DomainEvent, D::Error> {
        use serde::de::Error;
        let tagged = Tagged {
            tag: self.event_type,
            data: Some(d),
            next: 0,
        };
        by_category(self.event_type, tagged).unwrap_or_else(|| Err(D::Error::custom(NOT_ONE_PASS)))
    }
}

/// `{"type": tag, "data": <what D reads>}`, without copying the payload.
struct Tagged<'a, D> {
    tag: &'a str,
    data: Option<D>,
    next: u8,
}

impl<'de, D: serde::Deserializer<'de>> serde::Deserializer<'de> for Tagged<'_, D> {
    type Error = D::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        visitor.visit_map(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de, D: serde::Deserializer<'de>> serde::de::MapAccess<'de> for Tagged<'_, D> {
    type Error = D::Error;

    fn next_key_seed<K: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, D::Error> {
        use serde::de::IntoDeserializer;
        let key = match self.next {
            0 => "type",
            1 => "data",
            _ => return Ok(None),
        };
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, D::Error> {
        use serde::de::{Error, IntoDeserializer};
        self.next += 1;
        if self.next == 1 {
            return seed.deserialize(self.tag.into_deserializer());
        }
        match self.data.take() {
            Some(data) => seed.deserialize(data),
            None => Err(D::Error::custom("the payload was read already")),
        }
    }
}

/// Decodes a stored record at `position` into a log entry, opening sealed personal data
/// with `keys` (what has no key reads as erased).
pub fn decode_record(position: u64, bytes: &[u8], keys: &Keyring) -> Result<LogEntry, String> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    if let Ok(event) = serde::de::DeserializeSeed::deserialize(OnePass { position }, &mut de)
        && de.end().is_ok()
    {
        return Ok(LogEntry::Event(Box::new(event)));
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
    fn a_current_record_reads_the_same_in_one_pass_and_in_any_field_order() {
        use homeward_domain::incident::{ReportCategory, ReportFiled};
        use homeward_domain::{IncidentId, ReportId, Role};
        let event = DomainEvent::Incident(IncidentEvent::ReportFiled(ReportFiled {
            report_id: ReportId(Uuid::from_u128(7)),
            text: "Convoy left at 06:40 \"on time\"".into(),
            category: ReportCategory::Logistics,
            place: Some("Khartoum".into()),
            lat: Some(15.5),
            lon: None,
        }));
        let (event_type, schema_version, data) = encode_event(&event).expect("encodes");
        let record = StoredRecord::Event {
            event_id: Uuid::from_u128(1),
            stream_id: StreamId::incident(IncidentId(Uuid::from_u128(2))),
            version: 3,
            event_type: event_type.to_owned(),
            schema_version,
            actor: Actor::new("wei", Role::FieldOfficer),
            occurred_at: "2026-04-14T05:00:00Z".parse().expect("time"),
            recorded_at: "2026-04-14T05:00:01Z".parse().expect("time"),
            correlation_id: Uuid::from_u128(4),
            causation_id: Uuid::from_u128(5),
            data,
        };
        let bytes = serde_json::to_vec(&record).expect("json");
        let Ok(LogEntry::Event(one_pass)) = decode_record(9, &bytes, &Keyring::default()) else {
            panic!("does not decode");
        };
        assert_eq!(one_pass.event, event);
        assert_eq!(one_pass.position, 9);
        assert_eq!(one_pass.version, 3);
        assert_eq!(one_pass.actor.subject, "wei");
        // The payload before its type: read by the general path, to the same entry.
        let mut value = serde_json::to_value(&record).expect("value");
        let object = value.as_object_mut().expect("object");
        let data = object.remove("data").expect("data");
        let mut reordered = Map::new();
        reordered.insert("data".into(), data);
        reordered.extend(object.clone());
        let bytes = serde_json::to_vec(&reordered).expect("json");
        let Ok(LogEntry::Event(general)) = decode_record(9, &bytes, &Keyring::default()) else {
            panic!("does not decode");
        };
        assert_eq!(general, one_pass);
    }

    #[test]
    fn a_v2_person_with_the_name_in_clear_still_reads_and_v3_seals_it() {
        use homeward_domain::PersonId;
        use homeward_domain::person::PersonEvent;
        let stream = StreamId::person(PersonId(Uuid::from_u128(3)));
        let keys = Keyring::default();
        let key = keys.get_or_create(stream.as_str());
        // As an older build wrote it: the name in clear, the rest sealed.
        let mut personal = Map::new();
        personal.insert("passport_number".into(), "E1234567".into());
        personal.insert("date_of_birth".into(), "1980-01-02".into());
        let sealed =
            seal::seal_fields(stream.as_str(), &key, keys.nonce(), personal).expect("seals");
        let record = |schema_version: u32, data: Value| StoredRecord::Event {
            event_id: Uuid::from_u128(1),
            stream_id: stream.clone(),
            version: 1,
            event_type: "person.registered".into(),
            schema_version,
            actor: Actor::new("wei", homeward_domain::Role::DutyOfficer),
            occurred_at: "2026-04-14T05:00:00Z".parse().expect("time"),
            recorded_at: "2026-04-14T05:00:01Z".parse().expect("time"),
            correlation_id: Uuid::from_u128(4),
            causation_id: Uuid::from_u128(5),
            data,
        };
        let v2 = serde_json::json!({"full_name": "Li Na", "nationality": "CN", "sealed": sealed});
        let bytes = serde_json::to_vec(&record(2, v2)).expect("json");
        let Ok(LogEntry::Event(e)) = decode_record(1, &bytes, &keys) else {
            panic!("v2 does not decode");
        };
        let DomainEvent::Person(PersonEvent::Registered(r)) = &e.event else {
            panic!("wrong event");
        };
        assert_eq!(r.full_name, "Li Na");
        assert_eq!(r.passport_number.as_deref(), Some("E1234567"));

        // Written today, the name is sealed too, and reads as empty once erased.
        let (event_type, version, mut data) = encode_event(&e.event).expect("encodes");
        assert_eq!((event_type, version), ("person.registered", 3));
        assert!(seal::seal(stream.as_str(), &key, keys.nonce(), &mut data));
        let bytes = serde_json::to_vec(&record(3, data)).expect("json");
        assert!(!String::from_utf8_lossy(&bytes).contains("Li Na"));
        let Ok(LogEntry::Event(opened)) = decode_record(1, &bytes, &keys) else {
            panic!("v3 does not decode");
        };
        assert_eq!(opened.event, e.event);
        keys.destroy(stream.as_str());
        let Ok(LogEntry::Event(erased)) = decode_record(1, &bytes, &keys) else {
            panic!("erased v3 does not decode");
        };
        let DomainEvent::Person(PersonEvent::Registered(r)) = &erased.event else {
            panic!("wrong event");
        };
        assert_eq!(
            (r.full_name.as_str(), r.passport_number.as_deref()),
            ("", None)
        );
    }

    #[test]
    fn unknown_types_and_future_versions_are_refused() {
        assert!(decode_event("incident.teleported", 1, serde_json::json!({})).is_err());
        assert!(decode_event("incident.opened", 9, serde_json::json!({})).is_err());
    }
}
