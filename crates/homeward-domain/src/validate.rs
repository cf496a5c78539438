//! Checks on free text, coordinates and field times shared by every aggregate.

use jiff::{SignedDuration, Timestamp};

use crate::ids::CountryCode;
use crate::rejection::Rejection;

/// Longest title or name.
pub const MAX_TITLE: usize = 200;
/// Longest reason, note or summary.
pub const MAX_NOTE: usize = 4_000;
/// Longest field report text.
pub const MAX_REPORT: usize = 20_000;
/// How far a field time may lie ahead of the server's clock (clock skew of field devices).
pub const FIELD_CLOCK_SKEW: SignedDuration = SignedDuration::from_mins(5);

/// A required, trimmed, bounded text.
pub fn required(field: &'static str, value: &str, max: usize) -> Result<String, Rejection> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Rejection::Empty { field });
    }
    bounded(field, trimmed, max)
}

/// An optional text: empty counts as absent.
pub fn optional(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, Rejection> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => bounded(field, v, max).map(Some),
    }
}

fn bounded(field: &'static str, value: &str, max: usize) -> Result<String, Rejection> {
    if value.chars().count() > max {
        return Err(Rejection::TooLong { field, max });
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(Rejection::ControlCharacters { field });
    }
    Ok(value.to_owned())
}

/// A reason is required wherever history is corrected or a terminal state is left.
pub fn reason(value: &str) -> Result<String, Rejection> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Rejection::ReasonRequired);
    }
    bounded("reason", trimmed, MAX_NOTE)
}

/// A country code named by a caller.
pub fn country(value: &str) -> Result<CountryCode, Rejection> {
    CountryCode::parse(value).ok_or_else(|| Rejection::UnknownCountry {
        code: value.chars().take(8).collect(),
    })
}

/// Coordinates come as a pair within the globe, or not at all.
pub fn coordinates(lat: Option<f64>, lon: Option<f64>) -> Result<Option<(f64, f64)>, Rejection> {
    match (lat, lon) {
        (None, None) => Ok(None),
        (Some(lat), Some(lon))
            if lat.is_finite()
                && lon.is_finite()
                && (-90.0..=90.0).contains(&lat)
                && (-180.0..=180.0).contains(&lon) =>
        {
            Ok(Some((lat, lon)))
        }
        _ => Err(Rejection::InvalidCoordinates),
    }
}

/// A time in the field may be earlier than now, never (beyond clock skew) later.
pub fn field_time(occurred_at: Option<Timestamp>, now: Timestamp) -> Result<Timestamp, Rejection> {
    match occurred_at {
        None => Ok(now),
        Some(t) if t <= now.saturating_add(FIELD_CLOCK_SKEW).unwrap_or(now) => Ok(t),
        Some(_) => Err(Rejection::OccurredInFuture),
    }
}

/// A subject (an officer's login name): short, printable, no spaces at the ends.
pub fn subject(value: &str) -> Result<String, Rejection> {
    let v = required("subject", value, 128)?;
    if v.chars().any(char::is_whitespace) {
        return Err(Rejection::InvalidSubject);
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(required("title", "  Hostage ", 10), Ok("Hostage".into()));
        assert_eq!(
            required("title", "   ", 10),
            Err(Rejection::Empty { field: "title" })
        );
        assert_eq!(
            required("title", "abcdefghijk", 10),
            Err(Rejection::TooLong {
                field: "title",
                max: 10
            })
        );
        assert_eq!(
            required("title", "a\u{0}b", 10),
            Err(Rejection::ControlCharacters { field: "title" })
        );
        assert_eq!(optional("place", Some(" "), 10), Ok(None));
    }

    #[test]
    fn coordinates_come_in_pairs_on_the_globe() {
        assert_eq!(coordinates(Some(12.6), Some(-8.0)), Ok(Some((12.6, -8.0))));
        assert_eq!(coordinates(None, None), Ok(None));
        assert_eq!(
            coordinates(Some(1.0), None),
            Err(Rejection::InvalidCoordinates)
        );
        assert_eq!(
            coordinates(Some(91.0), Some(0.0)),
            Err(Rejection::InvalidCoordinates)
        );
        assert_eq!(
            coordinates(Some(f64::NAN), Some(0.0)),
            Err(Rejection::InvalidCoordinates)
        );
    }

    #[test]
    fn field_times_may_be_earlier_never_later() {
        let now: Timestamp = "2026-03-01T12:00:00Z".parse().expect("time");
        let earlier: Timestamp = "2026-02-28T08:00:00Z".parse().expect("time");
        let later: Timestamp = "2026-03-01T13:00:00Z".parse().expect("time");
        assert_eq!(field_time(Some(earlier), now), Ok(earlier));
        assert_eq!(field_time(None, now), Ok(now));
        assert_eq!(
            field_time(Some(later), now),
            Err(Rejection::OccurredInFuture)
        );
    }
}
