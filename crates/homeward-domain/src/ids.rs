//! Identifiers, country codes, actors and roles: the small value types every stream uses.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::country_codes::ISO_3166_ALPHA2;

macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema, utoipa::ToSchema))]
        #[cfg_attr(feature = "schema", schema(value_type = String, format = Uuid))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// The stream category this identifier names, when it names a stream.
            pub const PREFIX: &'static str = $prefix;
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(value: Uuid) -> Self {
                Self(value)
            }
        }

        impl From<$name> for Uuid {
            fn from(value: $name) -> Self {
                value.0
            }
        }
    };
}

uuid_id!(
    /// An incident: a kidnapping, an evacuation, an earthquake, a detained citizen.
    IncidentId,
    "incident"
);
uuid_id!(
    /// A citizen known to the consular service.
    PersonId,
    "person"
);
uuid_id!(
    /// A hotline call.
    CallId,
    "call"
);
uuid_id!(
    /// An evacuation operation.
    EvacuationId,
    "evacuation"
);
uuid_id!(
    /// A transport (flight, ship, bus, train) within an evacuation.
    TransportId,
    "transport"
);
uuid_id!(
    /// A task within an incident.
    TaskId,
    "task"
);
uuid_id!(
    /// A field report within an incident.
    ReportId,
    "report"
);
uuid_id!(
    /// A decision recorded on an incident.
    DecisionId,
    "decision"
);

/// An ISO 3166-1 alpha-2 country code, always upper case and officially assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "schema", schema(value_type = String, example = "ML", pattern = "^[A-Z]{2}$"))]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Parses an officially assigned code; lower case is accepted and normalised.
    pub fn parse(code: &str) -> Option<Self> {
        let upper = code.trim().to_ascii_uppercase();
        let bytes = upper.as_bytes();
        if bytes.len() != 2 || ISO_3166_ALPHA2.binary_search(&upper.as_str()).is_err() {
            return None;
        }
        Some(Self([bytes[0], bytes[1]]))
    }

    /// The code as text, e.g. `"ML"`.
    pub fn as_str(&self) -> &str {
        // Both bytes were checked to be ASCII letters when the code was made.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for CountryCode {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).ok_or_else(|| format!("`{value}` is not an ISO 3166-1 alpha-2 code"))
    }
}

impl From<CountryCode> for String {
    fn from(value: CountryCode) -> Self {
        value.as_str().to_owned()
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for CountryCode {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CountryCode".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[A-Z]{2}$",
            "description": "ISO 3166-1 alpha-2 country code"
        })
    }
}

/// The kinds of stream: each names its streams (`<prefix>-<id>`) and its events'
/// types (`<prefix>.<name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum StreamKind {
    Incident,
    Person,
    Call,
    Country,
    Evacuation,
    Welfare,
    Deadline,
    Access,
    Subscription,
}

impl StreamKind {
    /// Every kind, in the order of [`crate::event::EVENT_TYPES`].
    pub const ALL: [StreamKind; 9] = [
        Self::Incident,
        Self::Person,
        Self::Call,
        Self::Country,
        Self::Evacuation,
        Self::Welfare,
        Self::Deadline,
        Self::Access,
        Self::Subscription,
    ];

    /// The prefix of its stream ids and event types.
    pub const fn prefix(self) -> &'static str {
        match self {
            Self::Incident => IncidentId::PREFIX,
            Self::Person => PersonId::PREFIX,
            Self::Call => CallId::PREFIX,
            Self::Country => "country",
            Self::Evacuation => EvacuationId::PREFIX,
            Self::Welfare => "welfare",
            Self::Deadline => "deadline",
            Self::Access => "access",
            Self::Subscription => "subscription",
        }
    }

    /// The kind a prefix names.
    pub fn from_prefix(prefix: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.prefix() == prefix)
    }

    /// The kind of an event type (`incident.opened` is an incident's).
    pub fn of_event_type(event_type: &str) -> Option<Self> {
        Self::from_prefix(event_type.split_once('.').map_or(event_type, |(c, _)| c))
    }
}

/// The identifier of a stream: its category and the identifier within it,
/// written `category-id` (e.g. `incident-0190…`, `country-ML`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, utoipa::ToSchema))]
pub struct StreamId(String);

impl StreamId {
    /// The stream of an incident.
    pub fn incident(id: IncidentId) -> Self {
        Self(format!("{}-{id}", IncidentId::PREFIX))
    }
    /// The stream of a person.
    pub fn person(id: PersonId) -> Self {
        Self(format!("{}-{id}", PersonId::PREFIX))
    }
    /// The stream of a hotline call.
    pub fn call(id: CallId) -> Self {
        Self(format!("{}-{id}", CallId::PREFIX))
    }
    /// The stream of an evacuation.
    pub fn evacuation(id: EvacuationId) -> Self {
        Self(format!("{}-{id}", EvacuationId::PREFIX))
    }
    /// The stream of a country's risk level.
    pub fn country(code: CountryCode) -> Self {
        Self(format!("{}-{code}", StreamKind::Country.prefix()))
    }
    /// The stream of a welfare check.
    pub fn welfare(id: TaskId) -> Self {
        Self(format!("{}-{id}", StreamKind::Welfare.prefix()))
    }
    /// The stream of a subscription to events.
    pub fn subscription(id: Uuid) -> Self {
        Self(format!("{}-{id}", StreamKind::Subscription.prefix()))
    }
    /// The stream of a deadline (named by [`crate::deadline::deadline_id`]).
    pub fn deadline(id: Uuid) -> Self {
        Self(format!("{}-{id}", StreamKind::Deadline.prefix()))
    }
    /// The stream of token revocations.
    pub fn access() -> Self {
        Self(crate::access::STREAM.to_owned())
    }
    /// Wraps a stored stream id as it is.
    pub fn from_raw(raw: impl Into<String>) -> Self {
        Self(raw.into())
    }
    /// The kind of stream, when the category names one.
    pub fn kind(&self) -> Option<StreamKind> {
        StreamKind::from_prefix(self.category())
    }
    /// The category: the part before the first `-`.
    pub fn category(&self) -> &str {
        self.0.split_once('-').map_or(self.0.as_str(), |(c, _)| c)
    }
    /// The identifier within the category: the part after the first `-`.
    pub fn local_id(&self) -> &str {
        self.0.split_once('-').map_or("", |(_, id)| id)
    }
    /// The whole id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a caller is allowed to be. Each role opens a fixed set of actions (see [`crate::policy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, utoipa::ToSchema))]
pub enum Role {
    /// Opens incidents, sets severity, assigns leads and tasks, closes.
    DutyOfficer,
    /// Embassy, consulate or rescue team staff filing reports from the field.
    FieldOfficer,
    /// Answers the 24-hour hotline.
    HotlineOperator,
    /// Works kidnapping cases: need-to-know only.
    CaseTeam,
    /// Plans and runs evacuations.
    EvacuationCoordinator,
    /// Reads everything as it was, writes nothing.
    Auditor,
    /// The crisis-room wall screen: reads the board only.
    WallDisplay,
    /// Runs the system: tokens and erasure.
    Admin,
    /// A citizen answering a welfare check through a one-time answer link (the
    /// subject is the link's id). Never holds a bearer token: not in [`Role::ALL`],
    /// so no token can be issued for it, and it may take no action of the API.
    Citizen,
}

impl Role {
    /// Every role a token can be issued for, in a stable order.
    pub const ALL: [Role; 8] = [
        Role::DutyOfficer,
        Role::FieldOfficer,
        Role::HotlineOperator,
        Role::CaseTeam,
        Role::EvacuationCoordinator,
        Role::Auditor,
        Role::WallDisplay,
        Role::Admin,
    ];

    /// The role's wire name, e.g. `duty_officer`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::DutyOfficer => "duty_officer",
            Role::FieldOfficer => "field_officer",
            Role::HotlineOperator => "hotline_operator",
            Role::CaseTeam => "case_team",
            Role::EvacuationCoordinator => "evacuation_coordinator",
            Role::Auditor => "auditor",
            Role::WallDisplay => "wall_display",
            Role::Admin => "admin",
            Role::Citizen => "citizen",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role `{s}`"))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who caused an event or a rejected command: a subject (an officer's name or a
/// system component such as `homeward-demo`) acting in a role.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Actor {
    /// The subject named by the caller's token.
    pub subject: String,
    /// The role named by the caller's token.
    pub role: Role,
}

impl Actor {
    /// An actor from its parts.
    pub fn new(subject: impl Into<String>, role: Role) -> Self {
        Self {
            subject: subject.into(),
            role,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_codes_are_checked_against_iso_3166() {
        assert_eq!(
            CountryCode::parse("ml").map(|c| c.to_string()),
            Some("ML".into())
        );
        assert!(CountryCode::parse("XX").is_none());
        assert!(CountryCode::parse("MLI").is_none());
        assert!(CountryCode::parse("").is_none());
        assert!(CountryCode::parse("é").is_none());
    }

    #[test]
    fn stream_ids_split_into_category_and_local_id() {
        let code = CountryCode::parse("SD").expect("valid code");
        let s = StreamId::country(code);
        assert_eq!(s.category(), "country");
        assert_eq!(s.local_id(), "SD");
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
