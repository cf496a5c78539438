//! Per-person keys at rest: wrapped by a key-encryption key, behind one small interface.
//!
//! A person's key (see [`crate::seal`]) never rests in clear. It is wrapped with the
//! key-encryption key (KEK, 256 bits, XChaCha20-Poly1305, a random nonce, the stream id
//! as associated data) before it is written, and the KEK itself lives in a file outside
//! the log ([`KEK_FILE`], beside the token signing key by default), so a copy of the log
//! alone (a stolen disk image, a backup, a Kafka topic) opens no personal data.
//!
//! Where the wrapped keys rest is a [`KeyStore`]: the embedded log keeps them in its own
//! SQLite file ([`SqliteKeys`]), written in the same savepoint as the first event that
//! uses them and deleted in the one that appends `person.erased`. A compacted Kafka keys
//! topic can implement the same interface, its unit of work being the producer's
//! transaction. The store also keeps a check value wrapped by the KEK: a log opened with
//! another KEK refuses to start ([`KeyError::WrongKek`]) instead of sealing new data
//! under a second key or reading everything as erased.

use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rusqlite::{Connection, OptionalExtension, params};

use crate::seal::{Key, Keyring};

/// The KEK's default file name (beside the token signing key).
pub const KEK_FILE: &str = "personal-data.kek";
/// The associated data of the KEK's check value.
const CHECK_LABEL: &str = "homeward key-encryption key check";
/// The length of a wrapped key: nonce, key, tag.
pub const WRAPPED_LEN: usize = 24 + 32 + 16;

/// Why the per-person keys cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The KEK does not open the keys of this log: another instance's key file, or a
    /// damaged one.
    #[error(
        "the key-encryption key {0} does not open the personal data keys of this event log \
         (it is not the key this log was written with); start with the right key file \
         (--kek), or the personal data cannot be read"
    )]
    WrongKek(String),
    /// The log holds wrapped keys but there is no KEK file.
    #[error(
        "no key-encryption key at {0}, but this event log holds personal data keys wrapped \
         by one; put the key file of this log there (or name it with --kek)"
    )]
    MissingKek(String),
    /// The KEK file is not a key.
    #[error("the key-encryption key file {0} is not 64 hex digits")]
    BadKekFile(String),
    /// A stored key does not open although the KEK is right.
    #[error("the stored key of {0} is damaged")]
    Damaged(String),
    /// The key store failed.
    #[error("key store failure: {0}")]
    Store(String),
    /// The KEK file could not be read or written.
    #[error("key-encryption key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
}

impl From<rusqlite::Error> for KeyError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Store(e.to_string())
    }
}

/// The key-encryption key.
pub struct Kek {
    key: [u8; 32],
    /// Where it was read from (for error messages).
    origin: String,
}

impl Drop for Kek {
    fn drop(&mut self) {
        self.key.fill(0);
    }
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kek").field("origin", &self.origin).finish()
    }
}

/// Where a KEK file is and whether it may be created.
#[derive(Debug, Clone)]
pub struct KekFile {
    /// The file.
    pub path: PathBuf,
}

impl KekFile {
    /// The default KEK file of a data directory.
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            path: dir.join(KEK_FILE),
        }
    }

    /// The KEK in the file, if the file exists.
    pub fn read(&self) -> Result<Option<Kek>, KeyError> {
        let origin = self.path.display().to_string();
        match std::fs::read_to_string(&self.path) {
            Ok(text) => {
                let bytes =
                    hex::decode(text.trim()).map_err(|_| KeyError::BadKekFile(origin.clone()))?;
                let key: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| KeyError::BadKekFile(origin.clone()))?;
                Ok(Some(Kek { key, origin }))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(KeyError::Io {
                path: origin,
                source,
            }),
        }
    }

    /// Writes a new random KEK to the file (readable by its owner only).
    pub fn create(&self) -> Result<Kek, KeyError> {
        let origin = self.path.display().to_string();
        let io = |source| KeyError::Io {
            path: origin.clone(),
            source,
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut key = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
        write_private(&self.path, hex::encode(key).as_bytes()).map_err(io)?;
        Ok(Kek { key, origin })
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

impl Kek {
    /// A KEK from raw bytes (tests, generated scenarios).
    pub fn from_bytes(key: [u8; 32]) -> Self {
        Self {
            key,
            origin: "(given)".into(),
        }
    }

    /// Where it came from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// A check value of this KEK, kept where the keys rest, so that another KEK is
    /// recognised before it opens (or fails to open) anything.
    pub fn check_value(&self, nonce: [u8; 24]) -> Vec<u8> {
        self.wrap(CHECK_LABEL, &[0u8; 32], nonce)
    }

    /// Whether `wrapped` is this KEK's check value.
    pub fn opens_check(&self, wrapped: &[u8]) -> bool {
        self.unwrap(CHECK_LABEL, wrapped).is_some()
    }

    /// Wraps `key` for `stream` under a fresh `nonce`.
    pub fn wrap(&self, stream: &str, key: &[u8], nonce: [u8; 24]) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new((&self.key).into());
        let mut out = nonce.to_vec();
        // Encrypting a 32-byte message cannot fail.
        if let Ok(sealed) = cipher.encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: key,
                aad: stream.as_bytes(),
            },
        ) {
            out.extend_from_slice(&sealed);
        }
        out
    }

    /// Unwraps the key of `stream`; `None` when the KEK or the bytes are not right.
    pub fn unwrap(&self, stream: &str, wrapped: &[u8]) -> Option<Vec<u8>> {
        if wrapped.len() < 24 + 16 {
            return None;
        }
        let (nonce, sealed) = wrapped.split_at(24);
        XChaCha20Poly1305::new((&self.key).into())
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: stream.as_bytes(),
                },
            )
            .ok()
    }
}

/// Where wrapped per-person keys rest. Every write happens inside `Tx`, the unit of work
/// that also writes the events which use or erase the key, so that a key exists exactly
/// when its events do and disappears exactly with the erasure.
pub trait KeyStore {
    /// The unit of work (a SQLite savepoint; a Kafka producer transaction).
    type Tx: ?Sized;

    /// Every wrapped key, by stream id.
    fn load(&self, tx: &Self::Tx) -> Result<Vec<(String, Vec<u8>)>, KeyError>;
    /// Stores the wrapped key of `stream` unless one is stored already.
    fn put(&self, tx: &Self::Tx, stream: &str, wrapped: &[u8]) -> Result<(), KeyError>;
    /// Replaces the stored key of `stream` (rewrapping).
    fn replace(&self, tx: &Self::Tx, stream: &str, wrapped: &[u8]) -> Result<(), KeyError>;
    /// Destroys the key of `stream` (a tombstone on Kafka).
    fn destroy(&self, tx: &Self::Tx, stream: &str) -> Result<(), KeyError>;
    /// The KEK's check value, if one was stored.
    fn check(&self, tx: &Self::Tx) -> Result<Option<Vec<u8>>, KeyError>;
    /// Stores the KEK's check value.
    fn set_check(&self, tx: &Self::Tx, wrapped: &[u8]) -> Result<(), KeyError>;
}

/// The key store of the embedded log: tables `person_keys` and `key_check` in its file.
pub struct SqliteKeys;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS key_check (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    wrapped BLOB NOT NULL
) STRICT;
";

impl KeyStore for SqliteKeys {
    type Tx = Connection;

    fn load(&self, conn: &Connection) -> Result<Vec<(String, Vec<u8>)>, KeyError> {
        let mut stmt = conn.prepare("SELECT stream_id, key FROM person_keys")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn put(&self, conn: &Connection, stream: &str, wrapped: &[u8]) -> Result<(), KeyError> {
        conn.prepare_cached("INSERT OR IGNORE INTO person_keys (stream_id, key) VALUES (?1, ?2)")?
            .execute(params![stream, wrapped])?;
        Ok(())
    }

    fn replace(&self, conn: &Connection, stream: &str, wrapped: &[u8]) -> Result<(), KeyError> {
        conn.prepare_cached("UPDATE person_keys SET key = ?2 WHERE stream_id = ?1")?
            .execute(params![stream, wrapped])?;
        Ok(())
    }

    fn destroy(&self, conn: &Connection, stream: &str) -> Result<(), KeyError> {
        conn.prepare_cached("DELETE FROM person_keys WHERE stream_id = ?1")?
            .execute([stream])?;
        Ok(())
    }

    fn check(&self, conn: &Connection) -> Result<Option<Vec<u8>>, KeyError> {
        conn.execute_batch(SCHEMA)?;
        Ok(conn
            .query_row("SELECT wrapped FROM key_check WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?)
    }

    fn set_check(&self, conn: &Connection, wrapped: &[u8]) -> Result<(), KeyError> {
        conn.execute_batch(SCHEMA)?;
        conn.execute(
            "INSERT OR REPLACE INTO key_check (id, wrapped) VALUES (1, ?1)",
            [wrapped],
        )?;
        Ok(())
    }
}

/// Which KEK to use, and how a log without one is treated.
pub enum KekSource {
    /// This KEK (tests, generated scenarios).
    Given(Kek),
    /// The KEK in this file; created when neither the file nor a check value exists.
    File(KekFile),
}

/// Opens every key of `store` with the KEK from `source` and returns them as a keyring,
/// with the KEK. The first time (no check value yet) the KEK file is created if
/// missing, the check value stored, and keys stored by an older build in clear are
/// wrapped in place. Refuses a KEK that is not the log's, or a missing one.
pub fn open<S: KeyStore>(
    store: &S,
    tx: &S::Tx,
    source: KekSource,
) -> Result<(Keyring, Kek), KeyError> {
    let check = store.check(tx)?;
    let kek = match source {
        KekSource::Given(kek) => kek,
        KekSource::File(file) => match (file.read()?, &check) {
            (Some(kek), _) => kek,
            (None, None) => file.create()?,
            (None, Some(_)) => return Err(KeyError::MissingKek(file.path.display().to_string())),
        },
    };
    let mut nonce = [0u8; 24];
    match &check {
        Some(wrapped) => {
            if kek.unwrap(CHECK_LABEL, wrapped).is_none() {
                return Err(KeyError::WrongKek(kek.origin.clone()));
            }
        }
        None => {
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut nonce);
            store.set_check(tx, &kek.wrap(CHECK_LABEL, &[0u8; 32], nonce))?;
        }
    }
    let mut keys = Vec::new();
    for (stream, stored) in store.load(tx)? {
        let key: Key = if check.is_none() && stored.len() == 32 {
            // Written in clear by a build before keys were wrapped: wrap it now (the
            // page it was on is overwritten: `secure_delete`).
            let key: Key = stored
                .as_slice()
                .try_into()
                .map_err(|_| KeyError::Damaged(stream.clone()))?;
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut nonce);
            store.replace(tx, &stream, &kek.wrap(&stream, &key, nonce))?;
            key
        } else {
            kek.unwrap(&stream, &stored)
                .and_then(|k| k.try_into().ok())
                .ok_or_else(|| KeyError::Damaged(stream.clone()))?
        };
        keys.push((stream, key));
    }
    Ok((Keyring::from_keys(keys), kek))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let conn = Connection::open_in_memory().expect("db");
        conn.execute_batch(
            "CREATE TABLE person_keys (stream_id TEXT PRIMARY KEY, key BLOB NOT NULL) STRICT;",
        )
        .expect("schema");
        conn
    }

    #[test]
    fn keys_rest_wrapped_and_open_only_with_their_kek() {
        let conn = db();
        let (keys, kek) = open(
            &SqliteKeys,
            &conn,
            KekSource::Given(Kek::from_bytes([7; 32])),
        )
        .expect("opens");
        let key = keys.get_or_create("person-1");
        SqliteKeys
            .put(&conn, "person-1", &kek.wrap("person-1", &key, [1; 24]))
            .expect("put");
        let stored = SqliteKeys.load(&conn).expect("load");
        assert_eq!(stored[0].1.len(), WRAPPED_LEN);
        assert!(!stored[0].1.windows(32).any(|w| w == key));

        let (again, _) = open(
            &SqliteKeys,
            &conn,
            KekSource::Given(Kek::from_bytes([7; 32])),
        )
        .expect("opens");
        assert_eq!(again.get("person-1"), Some(key));
        let wrong = open(
            &SqliteKeys,
            &conn,
            KekSource::Given(Kek::from_bytes([8; 32])),
        );
        assert!(matches!(wrong, Err(KeyError::WrongKek(_))));
    }

    #[test]
    fn keys_of_an_older_build_are_wrapped_in_place() {
        let conn = db();
        conn.execute(
            "INSERT INTO person_keys (stream_id, key) VALUES ('person-1', ?1)",
            [[5u8; 32].as_slice()],
        )
        .expect("insert");
        let (keys, _) = open(
            &SqliteKeys,
            &conn,
            KekSource::Given(Kek::from_bytes([7; 32])),
        )
        .expect("opens");
        assert_eq!(keys.get("person-1"), Some([5; 32]));
        let stored = SqliteKeys.load(&conn).expect("load");
        assert_eq!(stored[0].1.len(), WRAPPED_LEN);
    }

    #[test]
    fn a_missing_kek_file_is_created_only_for_a_log_without_keys() {
        let dir = tempfile::tempdir().expect("dir");
        let conn = db();
        let file = KekFile::in_dir(dir.path());
        open(&SqliteKeys, &conn, KekSource::File(file.clone())).expect("creates");
        assert!(file.path.exists());
        std::fs::remove_file(&file.path).expect("rm");
        let missing = open(&SqliteKeys, &conn, KekSource::File(file.clone()));
        assert!(matches!(missing, Err(KeyError::MissingKek(_))));
        std::fs::write(&file.path, "not hex").expect("write");
        let bad = open(&SqliteKeys, &conn, KekSource::File(file));
        assert!(matches!(bad, Err(KeyError::BadKekFile(_))));
    }
}
