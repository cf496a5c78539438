//! The configuration file (`homeward.toml`): the deadlines Homeward keeps. Every key is
//! optional; a missing one keeps its default, an unknown one is an error (a typo must
//! not silently leave a promise at its default). Durations are written like `"24h"`,
//! `"90m"` or `"1h 30m"`.
//!
//! ```toml
//! [welfare]
//! level4_vulnerable = "12h"   # due time of a check at risk level 4, vulnerable people
//! level4 = "24h"              # ... everyone else
//! level3_vulnerable = "24h"
//! level3 = "72h"
//! retry_after = "2h"          # next attempt after no answer
//! max_attempts = 3            # unanswered attempts before the duty officer takes over
//! answer_links = false        # give every check Homeward opens a one-time answer link
//! answer_link_valid_for = "72h"
//!
//! [case_team]
//! within = "1h"               # a kidnapping case needs a lead and members by then
//! min_members = 1
//!
//! [field_reports]
//! every = "4h"                # longest silence on an incident at `severity` or above
//! severity = 5
//! ```

use std::path::Path;

use homeward_domain::deadline::DeadlinePolicy;
use jiff::SignedDuration;
use serde::Deserialize;

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    welfare: Welfare,
    #[serde(default)]
    case_team: CaseTeam,
    #[serde(default)]
    field_reports: FieldReports,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Welfare {
    level4_vulnerable: Option<Duration>,
    level4: Option<Duration>,
    level3_vulnerable: Option<Duration>,
    level3: Option<Duration>,
    retry_after: Option<Duration>,
    max_attempts: Option<u32>,
    answer_links: Option<bool>,
    answer_link_valid_for: Option<Duration>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseTeam {
    within: Option<Duration>,
    min_members: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldReports {
    every: Option<Duration>,
    severity: Option<u8>,
}

#[derive(Debug, Clone, Copy)]
struct Duration(SignedDuration);

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let parsed: SignedDuration = text
            .parse()
            .map_err(|e| serde::de::Error::custom(format!("`{text}` is not a duration: {e}")))?;
        if !parsed.is_positive() {
            return Err(serde::de::Error::custom(format!(
                "`{text}` must be longer than zero"
            )));
        }
        Ok(Self(parsed))
    }
}

/// The deadline policy written in `text` (the contents of `path`, for messages).
pub fn parse(text: &str, path: &str) -> Result<DeadlinePolicy, ConfigError> {
    let file: File = toml::from_str(text).map_err(|e| ConfigError::Invalid {
        path: path.to_owned(),
        message: e.message().to_owned(),
    })?;
    let mut p = DeadlinePolicy::default();
    let w = file.welfare;
    let set = |slot: &mut SignedDuration, value: Option<Duration>| {
        if let Some(v) = value {
            *slot = v.0;
        }
    };
    set(&mut p.welfare_level4.0, w.level4_vulnerable);
    set(&mut p.welfare_level4.1, w.level4);
    set(&mut p.welfare_level3.0, w.level3_vulnerable);
    set(&mut p.welfare_level3.1, w.level3);
    set(&mut p.welfare_retry_after, w.retry_after);
    set(&mut p.answer_link_valid_for, w.answer_link_valid_for);
    if let Some(on) = w.answer_links {
        p.answer_links = on;
    }
    if let Some(n) = w.max_attempts {
        if n == 0 {
            return Err(ConfigError::Invalid {
                path: path.to_owned(),
                message: "welfare.max_attempts must be at least 1".into(),
            });
        }
        p.welfare_max_attempts = n;
    }
    set(&mut p.case_team_within, file.case_team.within);
    if let Some(n) = file.case_team.min_members {
        p.case_team_min_members = n;
    }
    set(&mut p.report_every, file.field_reports.every);
    if let Some(s) = file.field_reports.severity {
        if !(1..=5).contains(&s) {
            return Err(ConfigError::Invalid {
                path: path.to_owned(),
                message: "field_reports.severity must be 1 to 5".into(),
            });
        }
        p.report_severity = s;
    }
    Ok(p)
}

/// Reads the policy from `path`.
pub fn load(path: &Path) -> Result<DeadlinePolicy, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.display().to_string(),
        source,
    })?;
    parse(&text, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_keeps_every_default() {
        assert_eq!(parse("", "x").ok(), Some(DeadlinePolicy::default()));
    }

    #[test]
    fn durations_and_counts_are_read() {
        let p = parse(
            "[welfare]\nlevel4 = \"6h\"\nmax_attempts = 2\n[case_team]\nwithin = \"30m\"\n",
            "x",
        )
        .expect("valid");
        assert_eq!(p.welfare_level4.1, SignedDuration::from_hours(6));
        assert_eq!(p.welfare_max_attempts, 2);
        assert_eq!(p.case_team_within, SignedDuration::from_mins(30));
        assert_eq!(p.report_every, DeadlinePolicy::default().report_every);
        assert!(!p.answer_links);
        let p = parse(
            "[welfare]\nanswer_links = true\nanswer_link_valid_for = \"12h\"\n",
            "x",
        )
        .expect("valid");
        assert!(p.answer_links);
        assert_eq!(p.answer_link_valid_for, SignedDuration::from_hours(12));
        assert!(parse("[welfare]\nanswer_links = \"yes\"\n", "x").is_err());
    }

    #[test]
    fn typos_and_bad_values_are_errors() {
        assert!(parse("[welfare]\nlevel5 = \"1h\"\n", "x").is_err());
        assert!(parse("[welfare]\nlevel4 = \"soon\"\n", "x").is_err());
        assert!(parse("[welfare]\nlevel4 = \"-1h\"\n", "x").is_err());
        assert!(parse("[welfare]\nmax_attempts = 0\n", "x").is_err());
        assert!(parse("[field_reports]\nseverity = 9\n", "x").is_err());
    }
}
