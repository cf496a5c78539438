//! Stand-ins for the personal data of an exercise copy: a generated name, number or
//! date of the same shape for each person and caller, the same on every run and every
//! machine, never the real one. The real values are also replaced wherever they appear
//! in the copy's free text (a report that names the hostage, a call summary that gives
//! a phone number), matched whole-word and, for Latin letters, whatever their case.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};
use homeward_domain::DomainEvent;
use homeward_domain::call::CallEvent;
use homeward_domain::person::PersonEvent;
use homeward_store::RecordedEvent;
use homeward_store::codec::{decode_event, encode_event};

/// A stable 64-bit hash (FNV-1a) of `seed` and `salt`: the same stand-in for the same
/// person on every run and every machine.
fn hash(seed: &[u8], salt: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.iter().chain(salt.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

const GIVEN: [&str; 16] = [
    "Alex", "Sam", "Robin", "Kim", "Noor", "Jun", "Mika", "Ari", "Lee", "Dana", "Yan", "Rae",
    "Toni", "Eli", "Sasha", "Jo",
];
const FAMILY: [&str; 16] = [
    "Exercise",
    "Drill",
    "Sample",
    "Standin",
    "Mock",
    "Trial",
    "Practice",
    "Example",
    "Proxy",
    "Dummy",
    "Placeholder",
    "Figure",
    "Model",
    "Rehearsal",
    "Pattern",
    "Token",
];

/// A generated name: a given name and a family name.
pub(crate) fn name(seed: &[u8]) -> String {
    let h = hash(seed, "name");
    format!(
        "{} {}",
        GIVEN[(h % 16) as usize],
        FAMILY[((h >> 8) % 16) as usize]
    )
}

/// The same shape as `value` (letters stay letters, digits stay digits, the rest is
/// kept), every letter and digit generated.
pub(crate) fn shaped(seed: &[u8], salt: &str, value: &str) -> String {
    let mut h = hash(seed, salt);
    value
        .chars()
        .map(|c| {
            h = h.rotate_left(7) ^ 0x9e37_79b9_7f4a_7c15;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
            if c.is_ascii_digit() {
                char::from(b'0' + (h % 10) as u8)
            } else if c.is_alphabetic() {
                char::from(b'A' + (h % 26) as u8)
            } else {
                c
            }
        })
        .collect()
}

/// A generated date of birth in the same decade.
fn birth(seed: &[u8], real: jiff::civil::Date) -> jiff::civil::Date {
    let h = hash(seed, "dob");
    let year = real.year() - real.year() % 10 + (h % 10) as i16;
    jiff::civil::Date::new(year, 1 + ((h >> 8) % 12) as i8, 1 + ((h >> 16) % 28) as i8)
        .unwrap_or(real)
}

/// The fields of an event that hold free text, where a real name or number may appear.
const FREE_TEXT: [&str; 10] = [
    "title",
    "summary",
    "text",
    "note",
    "reason",
    "place",
    "decision",
    "rationale",
    "options_considered",
    "what",
];

/// The stand-ins of one crisis: every real personal value it holds, with its
/// replacement.
pub struct StandIns {
    replacement: Vec<String>,
    matcher: Option<AhoCorasick>,
}

impl StandIns {
    /// Learns every real value of `events` (names, passport numbers, phones, dates of
    /// birth of persons and callers), each with the stand-in its stream is given.
    pub fn of<'a>(events: impl IntoIterator<Item = &'a RecordedEvent>) -> anyhow::Result<Self> {
        let mut pairs: HashMap<String, String> = HashMap::new();
        let mut add = |real: &str, with: String| {
            let real = real.trim();
            if real.chars().count() >= 2 {
                pairs.entry(real.to_owned()).or_insert(with);
            }
        };
        for e in events {
            let seed = e.stream_id.to_string();
            let seed = seed.as_bytes();
            let (full_name, passport, phone, dob) = match &e.event {
                DomainEvent::Person(PersonEvent::Registered(p)) => (
                    Some(p.full_name.as_str()),
                    p.passport_number.as_deref(),
                    p.phone.as_deref(),
                    p.date_of_birth,
                ),
                DomainEvent::Person(PersonEvent::Corrected(p)) => (
                    p.full_name.as_deref(),
                    p.passport_number.as_deref(),
                    p.phone.as_deref(),
                    p.date_of_birth,
                ),
                DomainEvent::Call(CallEvent::Logged(c)) => (
                    Some(c.caller_name.as_str()),
                    None,
                    c.caller_phone.as_deref(),
                    None,
                ),
                _ => continue,
            };
            if let Some(full) = full_name {
                let stand_in = name(seed);
                let (given, family) = stand_in.split_once(' ').unwrap_or((&stand_in, ""));
                add(full, stand_in.clone());
                for (i, part) in full.split_whitespace().enumerate() {
                    add(part, if i == 0 { given } else { family }.to_owned());
                }
            }
            if let Some(v) = passport {
                add(v, shaped(seed, "passport", v));
            }
            if let Some(v) = phone {
                let with = shaped(seed, "phone", v);
                add(v, with.clone());
                let digits = |s: &str| -> String {
                    s.chars()
                        .filter(|c| c.is_ascii_digit() || *c == '+')
                        .collect()
                };
                add(&digits(v), digits(&with));
            }
            if let Some(d) = dob {
                add(&d.to_string(), birth(seed, d).to_string());
            }
        }
        let mut pairs: Vec<(String, String)> = pairs.into_iter().collect();
        pairs.sort();
        let (real, replacement): (Vec<String>, Vec<String>) = pairs.into_iter().unzip();
        let matcher = if real.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&real)?,
            )
        };
        Ok(Self {
            replacement,
            matcher,
        })
    }

    /// The event with its personal data replaced by the stand-ins of its stream, and
    /// every real value of the crisis replaced in its free text.
    pub fn apply(&self, event: &RecordedEvent) -> anyhow::Result<DomainEvent> {
        let seed = event.stream_id.to_string();
        let seed = seed.as_bytes();
        let mut e = event.event.clone();
        // A person's number and date of birth, registered or corrected.
        let numbers = |dob: &mut Option<jiff::civil::Date>,
                       passport: &mut Option<String>,
                       phone: &mut Option<String>| {
            *dob = dob.map(|d| birth(seed, d));
            *passport = passport.as_deref().map(|v| shaped(seed, "passport", v));
            *phone = phone.as_deref().map(|v| shaped(seed, "phone", v));
        };
        match &mut e {
            DomainEvent::Person(PersonEvent::Registered(p)) => {
                p.full_name = name(seed);
                numbers(&mut p.date_of_birth, &mut p.passport_number, &mut p.phone);
            }
            DomainEvent::Person(PersonEvent::Corrected(p)) => {
                p.full_name = p.full_name.as_ref().map(|_| name(seed));
                numbers(&mut p.date_of_birth, &mut p.passport_number, &mut p.phone);
            }
            DomainEvent::Call(CallEvent::Logged(c)) => {
                c.caller_name = name(seed);
                c.caller_phone = c.caller_phone.as_deref().map(|v| shaped(seed, "phone", v));
            }
            _ => {}
        }
        if self.matcher.is_none() {
            return Ok(e);
        }
        let (event_type, version, mut data) = encode_event(&e)?;
        if !self.scrub_fields(&mut data) {
            return Ok(e);
        }
        decode_event(event_type, version, data)
            .map_err(|why| anyhow::anyhow!("{event_type} with its free text replaced: {why}"))
    }

    /// Replaces the real values in the free-text fields found anywhere in `value`;
    /// whether anything changed.
    fn scrub_fields(&self, value: &mut serde_json::Value) -> bool {
        let mut changed = false;
        match value {
            serde_json::Value::Object(fields) => {
                for (key, field) in fields.iter_mut() {
                    changed |= if FREE_TEXT.contains(&key.as_str()) {
                        self.scrub_strings(field)
                    } else {
                        self.scrub_fields(field)
                    };
                }
            }
            serde_json::Value::Array(items) => {
                for item in items {
                    changed |= self.scrub_fields(item);
                }
            }
            _ => {}
        }
        changed
    }

    fn scrub_strings(&self, value: &mut serde_json::Value) -> bool {
        match value {
            serde_json::Value::String(s) => match self.replaced(s) {
                Some(new) => {
                    *s = new;
                    true
                }
                None => false,
            },
            serde_json::Value::Array(items) => items
                .iter_mut()
                .fold(false, |changed, item| self.scrub_strings(item) | changed),
            _ => false,
        }
    }

    /// `text` with every whole-word occurrence of a real value replaced, or `None` when
    /// it holds none.
    pub fn replaced(&self, text: &str) -> Option<String> {
        let matcher = self.matcher.as_ref()?;
        let bytes = text.as_bytes();
        // A match is a whole word where it meets a Latin letter or digit: "Li" is
        // replaced in "Mr Li left" but not in "Lisbon"; scripts without spaces
        // between words match anywhere.
        let bounded = |at: usize, edge: Option<&u8>| {
            !(bytes.get(at).is_some_and(u8::is_ascii_alphanumeric)
                && edge.is_some_and(u8::is_ascii_alphanumeric))
        };
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for m in matcher.find_iter(text) {
            let (start, end) = (m.start(), m.end());
            let before_ok = start == 0 || bounded(start - 1, bytes.get(start));
            let after_ok = end == bytes.len() || bounded(end, bytes.get(end - 1));
            if !before_ok || !after_ok {
                continue;
            }
            out.push_str(&text[last..start]);
            out.push_str(&self.replacement[m.pattern().as_usize()]);
            last = end;
        }
        if last == 0 {
            return None;
        }
        out.push_str(&text[last..]);
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stand_ins_keep_the_shape_and_are_the_same_every_time() {
        let a = shaped(b"person-1", "passport", "E12345678");
        assert_eq!(a, shaped(b"person-1", "passport", "E12345678"));
        assert_ne!(a, shaped(b"person-2", "passport", "E12345678"));
        assert_ne!(a, "E12345678");
        assert_eq!(a.len(), 9);
        assert!(a[..1].chars().all(|c| c.is_ascii_uppercase()));
        assert!(a[1..].chars().all(|c| c.is_ascii_digit()));
        let phone = shaped(b"person-1", "phone", "+86 138 0013 8000");
        assert_eq!(phone.chars().filter(|c| *c == ' ').count(), 3);
        assert!(phone.starts_with('+'));
        assert_eq!(name(b"person-1"), name(b"person-1"));
    }

    fn stand_ins(pairs: &[(&str, &str)]) -> StandIns {
        let (real, replacement): (Vec<String>, Vec<String>) = pairs
            .iter()
            .map(|(a, b)| ((*a).to_lowercase(), (*b).to_owned()))
            .unzip();
        let matcher = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&real)
            .expect("patterns");
        StandIns {
            replacement,
            matcher: Some(matcher),
        }
    }

    #[test]
    fn real_values_in_free_text_are_replaced_whole_word_and_whatever_their_case() {
        let s = stand_ins(&[
            ("li wei realname", "Alex Drill"),
            ("li", "Alex"),
            ("realname", "Drill"),
            ("e12345678", "Q90817263"),
            ("李伟", "Alex Drill"),
        ]);
        assert_eq!(
            s.replaced("Li Wei Realname was seen; REALNAME's passport E12345678.")
                .as_deref(),
            Some("Alex Drill was seen; Drill's passport Q90817263.")
        );
        assert_eq!(
            s.replaced("Mr Li left Lisbon").as_deref(),
            Some("Mr Alex left Lisbon")
        );
        assert_eq!(
            s.replaced("李伟被带走").as_deref(),
            Some("Alex Drill被带走")
        );
        assert_eq!(s.replaced("Nothing personal in Lisbon, realnames"), None);
    }
}
