//! Personal data sealed with a key per person (crypto-shredding).
//!
//! The full name, passport number, phone and date of birth in a person's events, and
//! the name and phone of a hotline caller, are taken out of the stored payload and kept
//! in its `sealed` member instead: the fields as one JSON object, encrypted with
//! XChaCha20-Poly1305 under the stream's own 256-bit key (the person's; the call's for
//! a caller),
//! with a random 192-bit nonce and the stream id as associated data (a sealed value
//! cannot be moved to another person's record). The hash chain covers the sealed bytes.
//! Erasing a person destroys their key: every stored copy of those fields then reads
//! as absent, while every stored byte, and so the chain, stays as it was. Keys rest
//! wrapped by the key-encryption key ([`crate::keystore`]). Snapshots of the read
//! models seal the same fields with the same keys ([`seal_fields`], [`open_fields`]).

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, RwLock};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde_json::{Map, Value};

/// The member of a stored payload that holds the sealed fields.
pub const SEALED: &str = "sealed";
/// The personal fields that are sealed (of persons, then of callers).
pub const PERSONAL_FIELDS: [&str; 6] = [
    "date_of_birth",
    "full_name",
    "passport_number",
    "phone",
    "caller_name",
    "caller_phone",
];
/// The prefix of a sealed value (its format version).
const PREFIX: &str = "xc20p1:";

/// A person's key.
pub type Key = [u8; 32];

/// The keys of the persons whose data is sealed, by the person's stream id.
#[derive(Default)]
pub struct Keyring {
    keys: RwLock<HashMap<String, Key>>,
    /// Streams whose key this process destroyed (an erasure committed while read models
    /// may not have folded it yet).
    destroyed: RwLock<HashSet<String>>,
    /// A seeded source of keys and nonces, for generated scenarios that must write the
    /// same bytes from the same seed; the operating system's random source otherwise.
    seeded: Option<Mutex<rand_chacha::ChaCha20Rng>>,
}

/// Why a sealed payload could not be opened although its key exists.
#[derive(Debug, thiserror::Error)]
#[error("sealed personal data of {stream} does not open: {why}")]
pub struct SealError {
    stream: String,
    why: &'static str,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.keys.read().map(|k| k.len()).unwrap_or(0);
        f.debug_struct("Keyring").field("keys", &n).finish()
    }
}

impl Keyring {
    /// A keyring holding `keys`.
    pub fn from_keys(keys: impl IntoIterator<Item = (String, Key)>) -> Self {
        Self {
            keys: RwLock::new(keys.into_iter().collect()),
            destroyed: RwLock::default(),
            seeded: None,
        }
    }

    /// Makes new keys and nonces from `seed` instead of the operating system's random
    /// source: the same scenario then writes the same bytes. For generated scenarios
    /// only; such keys protect nothing.
    pub fn seeded(mut self, seed: u64) -> Self {
        self.seeded = Some(Mutex::new(rand::SeedableRng::seed_from_u64(seed)));
        self
    }

    fn fill(&self, buf: &mut [u8]) {
        match &self.seeded {
            Some(rng) => {
                let mut rng = match rng.lock() {
                    Ok(r) => r,
                    Err(poisoned) => poisoned.into_inner(),
                };
                rand::RngCore::fill_bytes(&mut *rng, buf);
            }
            None => rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, buf),
        }
    }

    /// A fresh nonce.
    pub fn nonce(&self) -> [u8; 24] {
        let mut nonce = [0u8; 24];
        self.fill(&mut nonce);
        nonce
    }

    /// A new key, not kept here (it is kept once it is stored where keys rest).
    pub fn new_key(&self) -> Key {
        let mut key = [0u8; 32];
        self.fill(&mut key);
        key
    }

    /// The key of `stream`, if it exists.
    pub fn get(&self, stream: &str) -> Option<Key> {
        self.keys.read().ok()?.get(stream).copied()
    }

    /// The key of `stream`, made (from the operating system's random source) if new.
    pub fn get_or_create(&self, stream: &str) -> Key {
        if let Some(key) = self.get(stream) {
            return key;
        }
        let mut keys = match self.keys.write() {
            Ok(k) => k,
            Err(poisoned) => poisoned.into_inner(),
        };
        *keys.entry(stream.to_owned()).or_insert_with(|| {
            let mut key = [0u8; 32];
            self.fill(&mut key);
            key
        })
    }

    /// Keeps `key` as the key of `stream` (read from where keys rest: the Kafka keys
    /// topic); it replaces nothing already held.
    pub fn insert(&self, stream: &str, key: Key) {
        // An erasure is for good: a key read again after it (a record of the keys
        // topic not compacted away yet) is not taken back.
        if self.was_destroyed(stream) {
            return;
        }
        let mut keys = match self.keys.write() {
            Ok(k) => k,
            Err(poisoned) => poisoned.into_inner(),
        };
        keys.entry(stream.to_owned()).or_insert(key);
    }

    /// Forgets the key of `stream` (after its destruction was committed).
    pub fn destroy(&self, stream: &str) {
        let mut keys = match self.keys.write() {
            Ok(k) => k,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(mut key) = keys.remove(stream) {
            key.fill(0);
        }
        drop(keys);
        if let Ok(mut destroyed) = self.destroyed.write() {
            destroyed.insert(stream.to_owned());
        }
    }

    /// Whether this process destroyed the key of `stream`.
    pub fn was_destroyed(&self, stream: &str) -> bool {
        self.destroyed
            .read()
            .map(|d| d.contains(stream))
            .unwrap_or(true)
    }
}

/// Whether events of this type on this stream carry sealed personal data.
pub fn applies(stream: &str, event_type: &str) -> bool {
    (stream.starts_with("person-")
        && matches!(event_type, "person.registered" | "person.corrected"))
        || (stream.starts_with("call-") && event_type == "call.logged")
}

/// Moves the personal fields of `data` into its sealed member, under `key` with
/// `nonce` (never used twice). A payload without personal fields is left as it is.
/// Returns whether anything was sealed.
pub fn seal(stream: &str, key: &Key, nonce: [u8; 24], data: &mut Value) -> bool {
    let Some(obj) = data.as_object_mut() else {
        return false;
    };
    let mut personal = Map::new();
    for field in PERSONAL_FIELDS {
        if let Some(value) = obj.remove(field) {
            personal.insert(field.to_owned(), value);
        }
    }
    if personal.is_empty() {
        return false;
    }
    let Some(sealed) = seal_fields(stream, key, nonce, personal) else {
        return false;
    };
    obj.insert(SEALED.to_owned(), Value::String(sealed));
    true
}

/// Seals `fields` for `stream` under `key` with `nonce` (never used twice): the text of
/// a sealed value. `None` only if encryption failed.
pub fn seal_fields(
    stream: &str,
    key: &Key,
    nonce: [u8; 24],
    fields: Map<String, Value>,
) -> Option<String> {
    let plain = Value::Object(fields).to_string();
    let cipher = XChaCha20Poly1305::new(key.into());
    let sealed = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plain.as_bytes(),
                aad: stream.as_bytes(),
            },
        )
        .ok()?;
    let mut bytes = nonce.to_vec();
    bytes.extend_from_slice(&sealed);
    Some(format!("{PREFIX}{}", hex::encode(bytes)))
}

/// Opens a sealed value of `stream` with `key`: the personal fields it holds.
pub fn open_fields(stream: &str, key: &Key, sealed: &str) -> Result<Map<String, Value>, SealError> {
    let fail = |why| SealError {
        stream: stream.to_owned(),
        why,
    };
    let bytes = sealed
        .strip_prefix(PREFIX)
        .and_then(|h| hex::decode(h).ok())
        .ok_or_else(|| fail("not a sealed value"))?;
    if bytes.len() < 24 {
        return Err(fail("too short"));
    }
    let (nonce, sealed) = bytes.split_at(24);
    let plain = XChaCha20Poly1305::new(key.into())
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: stream.as_bytes(),
            },
        )
        .map_err(|_| fail("authentication failed"))?;
    let Ok(Value::Object(mut fields)) = serde_json::from_slice::<Value>(&plain) else {
        return Err(fail("not an object"));
    };
    fields.retain(|field, _| PERSONAL_FIELDS.contains(&field.as_str()));
    Ok(fields)
}

/// Puts the sealed personal fields of `data` back in place when `key` is given; without
/// a key (erased) they stay absent. The sealed member is removed either way.
pub fn open(stream: &str, key: Option<&Key>, data: &mut Value) -> Result<(), SealError> {
    let Some(obj) = data.as_object_mut() else {
        return Ok(());
    };
    let Some(sealed) = obj.remove(SEALED) else {
        return Ok(());
    };
    let Some(key) = key else {
        return Ok(());
    };
    let sealed = sealed.as_str().ok_or_else(|| SealError {
        stream: stream.to_owned(),
        why: "not a sealed value",
    })?;
    obj.extend(open_fields(stream, key, sealed)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sealed_fields_open_with_the_key_and_read_as_absent_without() {
        let keys = Keyring::default();
        let stream = "person-1";
        let key = keys.get_or_create(stream);
        let mut data = json!({"full_name": "Li Na", "passport_number": "E12345678",
            "phone": "+86 1", "date_of_birth": "1980-01-02"});
        assert!(seal(stream, &key, keys.nonce(), &mut data));
        let text = data.to_string();
        assert!(!text.contains("E12345678") && !text.contains("1980-01-02"));
        assert!(!text.contains("Li Na"));

        let mut opened = data.clone();
        open(stream, Some(&key), &mut opened).expect("opens");
        assert_eq!(opened["passport_number"], "E12345678");
        assert!(opened.get(SEALED).is_none());

        // Another person's stream (associated data) or key does not open it.
        assert!(open("person-2", Some(&key), &mut data.clone()).is_err());
        let other = keys.get_or_create("person-2");
        assert!(open(stream, Some(&other), &mut data.clone()).is_err());

        keys.destroy(stream);
        assert!(keys.get(stream).is_none());
        let mut erased = data.clone();
        open(stream, None, &mut erased).expect("reads");
        assert_eq!(erased, json!({}));
    }

    #[test]
    fn a_payload_without_personal_fields_is_left_alone() {
        let mut data = json!({"corrects_version": 1, "reason": "typo", "nationality": "CN"});
        let before = data.clone();
        assert!(!seal("person-1", &[1; 32], [0; 24], &mut data));
        assert_eq!(data, before);
    }
}
