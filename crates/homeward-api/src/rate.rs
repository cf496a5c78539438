//! Rate limits per subject: a token bucket per authenticated subject (GCRA, from the
//! `governor` crate), checked after the token verified, so one officer's runaway client
//! cannot starve the others. Over the limit the answer is 429 with `Retry-After`.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::error::AppError;

/// How many subjects are remembered before idle buckets are dropped.
const PRUNE_ABOVE: usize = 10_000;

/// A rate limit per subject.
pub struct SubjectRateLimit {
    limiter: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl SubjectRateLimit {
    /// `per_second` requests a second on average, bursts of up to `burst`; `None` when
    /// either is zero (no limit).
    pub fn new(per_second: u32, burst: u32) -> Option<Self> {
        let rate = NonZeroU32::new(per_second)?;
        let burst = NonZeroU32::new(burst)?;
        Some(Self {
            limiter: DefaultKeyedRateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
            clock: DefaultClock::default(),
        })
    }

    /// `per_minute` requests a minute on average, bursts of up to `burst`.
    pub fn per_minute(per_minute: NonZeroU32, burst: NonZeroU32) -> Self {
        Self {
            limiter: DefaultKeyedRateLimiter::keyed(
                Quota::per_minute(per_minute).allow_burst(burst),
            ),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one request of `subject`'s allowance, or answers 429.
    pub fn check(&self, subject: &str) -> Result<(), AppError> {
        if self.limiter.len() > PRUNE_ABOVE {
            self.limiter.retain_recent();
        }
        match self.limiter.check_key(&subject.to_owned()) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait: Duration = not_until.wait_time_from(self.clock.now());
                Err(AppError::TooManyRequests {
                    detail: "too many requests for this subject; retry after the time given".into(),
                    retry_after: wait.as_secs().max(1),
                })
            }
        }
    }
}

/// The limits of the answer pages, which take no bearer token: per answer link (its
/// token's hash) and per client address.
pub struct AnswerLimits {
    /// Per link: 10 a minute, bursts of 10.
    pub per_link: SubjectRateLimit,
    /// Per address: 60 a minute, bursts of 60.
    pub per_address: SubjectRateLimit,
}

impl Default for AnswerLimits {
    fn default() -> Self {
        let n = |v: u32| NonZeroU32::new(v).unwrap_or(NonZeroU32::MIN);
        Self {
            per_link: SubjectRateLimit::per_minute(n(10), n(10)),
            per_address: SubjectRateLimit::per_minute(n(60), n(60)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_over_its_burst_is_refused_and_others_are_not() {
        let limit = SubjectRateLimit::new(1, 2).expect("limit");
        assert!(limit.check("amira").is_ok());
        assert!(limit.check("amira").is_ok());
        match limit.check("amira") {
            Err(AppError::TooManyRequests { retry_after, .. }) => assert!(retry_after >= 1),
            other => panic!("expected 429, got {other:?}"),
        }
        assert!(limit.check("wei").is_ok());
        assert!(SubjectRateLimit::new(0, 5).is_none());
    }
}
