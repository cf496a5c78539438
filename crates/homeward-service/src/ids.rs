//! Where new identifiers come from: time-ordered random UUIDs (v7) in production,
//! a seeded generator for reproducible scenarios.

use std::sync::{Arc, Mutex};

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use uuid::Uuid;

use crate::clock::Clock;

/// A source of fresh identifiers.
pub trait IdSource: Send + Sync + 'static {
    /// A new identifier, never handed out before.
    fn next_id(&self) -> Uuid;
}

/// UUID v7: time-ordered, random.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomIds;

impl IdSource for RandomIds {
    fn next_id(&self) -> Uuid {
        Uuid::now_v7()
    }
}

/// UUID v7 from a clock and a seeded generator: the same seed and times give the same ids.
pub struct SeededIds {
    rng: Mutex<ChaCha20Rng>,
    clock: Arc<dyn Clock>,
}

impl SeededIds {
    /// Ids from `seed`, timestamped by `clock`.
    pub fn new(seed: u64, clock: Arc<dyn Clock>) -> Self {
        Self {
            rng: Mutex::new(ChaCha20Rng::seed_from_u64(seed)),
            clock,
        }
    }
}

impl IdSource for SeededIds {
    fn next_id(&self) -> Uuid {
        let mut random = [0u8; 10];
        if let Ok(mut rng) = self.rng.lock() {
            rng.fill_bytes(&mut random);
        }
        let millis = self.clock.now().as_millisecond().max(0) as u64;
        uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
    }
}
