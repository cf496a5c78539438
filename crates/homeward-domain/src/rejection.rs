//! Why a command was refused. Every variant is a rule of the domain; nothing was
//! written when one is returned.

use crate::ids::PersonId;

/// A command that breaks a rule. Comparable, so tests can name the exact reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The stream or the thing within it does not exist.
    #[error("no such {what}")]
    NotFound {
        /// What was looked for.
        what: &'static str,
    },
    /// It exists already.
    #[error("the {what} already exists")]
    AlreadyExists {
        /// What exists.
        what: &'static str,
    },
    /// The person's personal data was erased; it cannot be given again.
    #[error("this person's personal data was erased; it cannot be recorded again")]
    PersonErased,
    /// Nothing would change.
    #[error("nothing to change: the record already says so")]
    NoChange,
    /// A required text is empty.
    #[error("`{field}` must not be empty")]
    Empty {
        /// The field.
        field: &'static str,
    },
    /// A text is over its limit.
    #[error("`{field}` is longer than {max} characters")]
    TooLong {
        /// The field.
        field: &'static str,
        /// Its limit in characters.
        max: usize,
    },
    /// A text holds control characters.
    #[error("`{field}` contains control characters")]
    ControlCharacters {
        /// The field.
        field: &'static str,
    },
    /// Not an officially assigned ISO 3166-1 alpha-2 code.
    #[error("`{code}` is not an ISO 3166-1 alpha-2 country code")]
    UnknownCountry {
        /// What the caller sent (cut to 8 characters).
        code: String,
    },
    /// Coordinates must be a pair on the globe.
    #[error("coordinates need both `lat` (-90 to 90) and `lon` (-180 to 180)")]
    InvalidCoordinates,
    /// A field time after now.
    #[error("`occurred_at` lies in the future")]
    OccurredInFuture,
    /// Severity outside 1 to 5.
    #[error("severity must be 1 (lowest) to 5 (highest)")]
    InvalidSeverity,
    /// Risk level outside 1 to 4.
    #[error("risk level must be 1 to 4")]
    InvalidRiskLevel,
    /// A subject with spaces or out of bounds.
    #[error("a subject is a login name without spaces")]
    InvalidSubject,
    /// Currency not an ISO 4217 code.
    #[error("currency must be an ISO 4217 code such as USD")]
    InvalidCurrency,
    /// A date of birth that cannot be right.
    #[error("date of birth must be a real date (YYYY-MM-DD) between 1900 and today")]
    InvalidDateOfBirth,
    /// A passport number that cannot be right.
    #[error("passport number must be 5 to 20 letters and digits")]
    InvalidPassportNumber,
    /// A phone number that cannot be right.
    #[error("phone must be digits with an optional leading +, spaces, dashes or brackets")]
    InvalidPhone,
    /// A correction or terminal change without a reason.
    #[error("a reason is required")]
    ReasonRequired,
    /// No report, task or change on a closed incident.
    #[error("the incident is closed; reopen it first")]
    IncidentClosed,
    /// Kidnapping case facts on another kind of incident.
    #[error("kidnapping case facts can only be recorded on a kidnapping incident")]
    NotAKidnapping,
    /// A kidnapping opened as normal.
    #[error("kidnapping incidents are always restricted")]
    KidnappingMustBeRestricted,
    /// The workflow does not allow this move.
    #[error("cannot go from `{from}` to `{to}`")]
    InvalidTransition {
        /// Where it stands.
        from: &'static str,
        /// Where it was asked to go.
        to: &'static str,
    },
    /// Leaving a terminal status needs an explicit correction.
    #[error("`{status}` is terminal: {hint}")]
    TerminalStatus {
        /// The terminal status.
        status: &'static str,
        /// What to do instead.
        hint: &'static str,
    },
    /// The person is not among the incident's affected persons.
    #[error("the person is not among the persons affected by this incident")]
    PersonNotAffected,
    /// The same person named twice.
    #[error("the same person is named twice")]
    DuplicatePerson,
    /// The task is done or cancelled already.
    #[error("the task is already completed or cancelled")]
    TaskAlreadyClosed,
    /// A correction names a version that does not exist.
    #[error("version {version} does not exist (latest is {latest})")]
    UnknownVersion {
        /// The version named.
        version: u64,
        /// The stream's latest version.
        latest: u64,
    },
    /// The record was merged into another: act on the survivor.
    #[error("this record was merged into person {into}; use that record")]
    PersonMerged {
        /// The surviving record.
        into: PersonId,
    },
    /// Unmerge of a record that is not merged.
    #[error("this record is not merged")]
    NotMerged,
    /// The evacuation is closed.
    #[error("the evacuation is closed")]
    EvacuationClosed,
    /// A transport needs 1 to 5000 seats.
    #[error("a transport's capacity must be 1 to 5000 seats")]
    InvalidCapacity,
    /// Not enough free seats (a family group is never split silently).
    #[error(
        "the transport has {free} free seats; {needed} are needed (a family group travels together unless split explicitly)"
    )]
    OverCapacity {
        /// Seats needed.
        needed: u32,
        /// Seats free.
        free: u32,
    },
    /// The person is aboard a transport already.
    #[error("the person is already aboard a transport; offload them first")]
    AlreadyOnTransport,
    /// The person has already left.
    #[error("the person has already left on a transport")]
    AlreadyEvacuated,
    /// The transport has departed.
    #[error("the transport has already departed")]
    TransportDeparted,
    /// The transport has not departed.
    #[error("the transport has not departed yet")]
    NotDeparted,
    /// Boarding before check-in.
    #[error("the person has not checked in")]
    NotCheckedIn,
    /// Boarding a transport one holds no seat on.
    #[error("the person holds no seat on this transport")]
    NotAssigned,
    /// Offloading someone not aboard.
    #[error("the person is not aboard a transport")]
    NotBoarded,
    /// A record merged into itself.
    #[error("a record cannot be merged into itself")]
    MergeIntoSelf,
    /// A deadline recorded as missed before it passed.
    #[error("the deadline has not passed yet")]
    NotYetDue,
    /// A subscription URL that is not an absolute http(s) URL.
    #[error("the URL must be an absolute http:// or https:// URL without spaces")]
    InvalidUrl,
    /// A subscription filter naming an event type that does not exist.
    #[error("the filter names an event type (or `category.*`) that does not exist")]
    UnknownEventType,
    /// The welfare check is no longer open: nobody needs to answer it.
    #[error("the welfare check is closed")]
    CheckClosed,
    /// An answer link already answered through.
    #[error("this answer link was used already")]
    AnswerLinkUsed,
    /// An answer link past its time (or made to expire before it was made).
    #[error("this answer link has expired")]
    AnswerLinkExpired,
    /// A token hash that is not 64 hex digits (a SHA-256).
    #[error("the token hash must be 64 hex digits")]
    InvalidTokenHash,
    /// A list over its limit.
    #[error("`{field}` holds more than {max} entries")]
    TooMany {
        /// The field.
        field: &'static str,
        /// Its limit in entries.
        max: usize,
    },
}

impl Rejection {
    /// A stable snake_case code for clients and the audit trail.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "not_found",
            Self::AlreadyExists { .. } => "already_exists",
            Self::PersonErased => "person_erased",
            Self::NoChange => "no_change",
            Self::Empty { .. } => "empty_field",
            Self::TooLong { .. } => "field_too_long",
            Self::ControlCharacters { .. } => "control_characters",
            Self::UnknownCountry { .. } => "unknown_country",
            Self::InvalidCoordinates => "invalid_coordinates",
            Self::OccurredInFuture => "occurred_in_future",
            Self::InvalidSeverity => "invalid_severity",
            Self::InvalidRiskLevel => "invalid_risk_level",
            Self::InvalidSubject => "invalid_subject",
            Self::InvalidCurrency => "invalid_currency",
            Self::InvalidDateOfBirth => "invalid_date_of_birth",
            Self::InvalidPassportNumber => "invalid_passport_number",
            Self::InvalidPhone => "invalid_phone",
            Self::ReasonRequired => "reason_required",
            Self::IncidentClosed => "incident_closed",
            Self::NotAKidnapping => "not_a_kidnapping",
            Self::KidnappingMustBeRestricted => "kidnapping_must_be_restricted",
            Self::InvalidTransition { .. } => "invalid_transition",
            Self::TerminalStatus { .. } => "terminal_status",
            Self::PersonNotAffected => "person_not_affected",
            Self::DuplicatePerson => "duplicate_person",
            Self::TaskAlreadyClosed => "task_already_closed",
            Self::UnknownVersion { .. } => "unknown_version",
            Self::PersonMerged { .. } => "person_merged",
            Self::NotMerged => "not_merged",
            Self::MergeIntoSelf => "merge_into_self",
            Self::NotYetDue => "not_yet_due",
            Self::InvalidUrl => "invalid_url",
            Self::UnknownEventType => "unknown_event_type",
            Self::EvacuationClosed => "evacuation_closed",
            Self::InvalidCapacity => "invalid_capacity",
            Self::OverCapacity { .. } => "over_capacity",
            Self::AlreadyOnTransport => "already_on_transport",
            Self::AlreadyEvacuated => "already_evacuated",
            Self::TransportDeparted => "transport_departed",
            Self::NotDeparted => "not_departed",
            Self::NotCheckedIn => "not_checked_in",
            Self::NotAssigned => "not_assigned",
            Self::NotBoarded => "not_boarded",
            Self::CheckClosed => "check_closed",
            Self::AnswerLinkUsed => "answer_link_used",
            Self::AnswerLinkExpired => "answer_link_expired",
            Self::InvalidTokenHash => "invalid_token_hash",
            Self::TooMany { .. } => "too_many",
        }
    }
}
