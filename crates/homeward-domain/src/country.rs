//! The country stream: the travel risk level of one country, 1 (exercise normal
//! precautions) to 4 (do not travel; leave now), with the reason for each change.

use serde::{Deserialize, Serialize};

use crate::aggregate::{Aggregate, Context};
use crate::rejection::Rejection;
use crate::validate;

/// Everything that can be asked of a country's risk record.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum CountryCommand {
    SetRiskLevel { level: u8, reason: String },
}

impl CountryCommand {
    /// A stable name for the command, for the audit trail of rejections.
    pub fn name(&self) -> &'static str {
        "set_risk_level"
    }
}

/// The risk level was set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct RiskLevelSet {
    pub level: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<u8>,
    pub reason: String,
}

crate::event::events! {
    /// Everything that can happen to a country's risk record.
    pub enum CountryEvent {
        RiskLevelSet(RiskLevelSet) = ("country.risk_level_set", 1),
    }
}

/// A country's current risk level.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CountryRisk {
    /// Events folded so far.
    pub version: u64,
    /// The level, once set.
    pub level: Option<u8>,
}

impl Aggregate for CountryRisk {
    type Command = CountryCommand;
    type Event = CountryEvent;

    fn decide(
        &self,
        command: &CountryCommand,
        _ctx: &Context,
    ) -> Result<Vec<CountryEvent>, Rejection> {
        let CountryCommand::SetRiskLevel { level, reason } = command;
        if !(1..=4).contains(level) {
            return Err(Rejection::InvalidRiskLevel);
        }
        Ok(vec![CountryEvent::RiskLevelSet(RiskLevelSet {
            level: *level,
            previous: self.level,
            reason: validate::reason(reason)?,
        })])
    }

    fn evolve(mut self, event: &CountryEvent) -> Self {
        self.version += 1;
        let CountryEvent::RiskLevelSet(set) = event;
        self.level = Some(set.level);
        self
    }

    fn version(&self) -> u64 {
        self.version
    }
}
