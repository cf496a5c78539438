//! Bearer tokens: signed (HMAC-SHA-256, the algorithm pinned), with issuer, audience and
//! expiry checked, naming a subject and a role. The signing key lives in the data
//! directory and never leaves it. A token also fails once revoked (by its id or its
//! subject, through the log's access stream), and a subject over its rate limit gets 429.

use std::path::Path;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use homeward_domain::policy::{self, Action};
use homeward_domain::{Actor, Role, Timestamp};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Digest;
use uuid::Uuid;

use crate::AppState;
use crate::error::AppError;

/// The issuer and audience every token names.
pub const ISSUER: &str = "homeward";
/// The audience of API tokens.
pub const AUDIENCE: &str = "homeward-api";
/// The key file inside the data directory.
pub const KEY_FILE: &str = "token-signing.key";

/// What a token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The subject (an officer's login name, or a screen's name).
    pub sub: String,
    /// The role.
    pub role: Role,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
    /// Token id.
    pub jti: String,
}

/// Why a token could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The key file could not be read or written.
    #[error("token signing key: {0}")]
    Io(#[from] std::io::Error),
    /// The key file is not a key.
    #[error("token signing key file is damaged (expected 64 hex digits)")]
    BadKey,
    /// Signing failed.
    #[error("cannot sign token: {0}")]
    Sign(#[from] jsonwebtoken::errors::Error),
}

/// The signing and verifying keys.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    webhook_root: [u8; 32],
    answer_root: [u8; 32],
}

impl TokenKeys {
    /// Loads the key from `data_dir`, creating it (readable by the owner only) on first use.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, TokenError> {
        Self::load_or_create_file(&data_dir.join(KEY_FILE))
    }

    /// Loads the key from `path`, creating it (readable by the owner only) on first
    /// use. Instances that serve the same users share one key file.
    pub fn load_or_create_file(path: &Path) -> Result<Self, TokenError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let path = path.to_owned();
        let secret = match std::fs::read_to_string(&path) {
            Ok(text) => hex::decode(text.trim()).map_err(|_| TokenError::BadKey)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut secret = vec![0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut secret);
                write_private(&path, hex::encode(&secret).as_bytes())?;
                secret
            }
            Err(e) => return Err(e.into()),
        };
        if secret.len() != 32 {
            return Err(TokenError::BadKey);
        }
        Ok(Self::from_secret(&secret))
    }

    /// Keys from a raw secret.
    pub fn from_secret(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        let mut root = sha2::Sha256::new();
        root.update(b"homeward webhook secrets\0");
        root.update(secret);
        let mut answers = sha2::Sha256::new();
        answers.update(b"homeward answer links\0");
        answers.update(secret);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            webhook_root: root.finalize().into(),
            answer_root: answers.finalize().into(),
        }
    }

    /// The token of the answer link `link_id` (a random id): derived from the key, so
    /// whoever holds the key (this server, the notifier) can put it in a URL, while the
    /// log keeps only [`answer_token_hash`] of it and a reader of the log cannot answer.
    pub fn answer_token(&self, link_id: Uuid) -> String {
        let mut h = sha2::Sha256::new();
        h.update(self.answer_root);
        h.update(link_id.as_bytes());
        hex::encode(h.finalize())
    }

    /// The shared secret of a subscription: derived from the key, so every instance
    /// that shares the key signs with the same secret and none has to store it.
    pub fn webhook_secret(&self, subscription: Uuid) -> String {
        let mut h = sha2::Sha256::new();
        h.update(self.webhook_root);
        h.update(subscription.as_bytes());
        hex::encode(h.finalize())
    }

    /// Issues a token for `subject` in `role`, valid for `ttl` from `now`.
    pub fn issue(
        &self,
        subject: &str,
        role: Role,
        now: Timestamp,
        ttl: jiff::SignedDuration,
    ) -> Result<String, TokenError> {
        let iat = now.as_second();
        let claims = Claims {
            sub: subject.to_owned(),
            role,
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat,
            exp: iat + ttl.as_secs(),
            jti: Uuid::now_v7().to_string(),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// Verifies a token and returns what it says.
    pub fn verify(&self, token: &str) -> Result<Claims, AppError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind as K;
                AppError::Unauthorized(
                    match e.kind() {
                        K::ExpiredSignature => "the token has expired",
                        K::InvalidAudience => "the token is not for this service",
                        K::InvalidIssuer => "the token was not issued by Homeward",
                        K::InvalidAlgorithm => "the token is not signed with HS256",
                        K::InvalidSignature => "the token's signature does not verify",
                        _ => "the token is malformed",
                    }
                    .to_owned(),
                )
            })
    }
}

/// The hash of an answer link's token, as the log keeps it (hex SHA-256).
pub fn answer_token_hash(token: &str) -> String {
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who, in which role.
    pub actor: Actor,
    /// The token's id.
    pub token_id: String,
}

impl Caller {
    /// Fails with 403 unless the caller's role may take `action`.
    pub fn require(&self, action: Action) -> Result<(), AppError> {
        if policy::allows(self.actor.role, action) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "the role `{}` may not do this",
                self.actor.role
            )))
        }
    }

    /// Whether the caller's role may take `action`.
    pub fn may(&self, action: Action) -> bool {
        policy::allows(self.actor.role, action)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| AppError::Unauthorized("send `Authorization: Bearer <token>`".into()))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| AppError::Unauthorized("send `Authorization: Bearer <token>`".into()))?;
        let claims = state.tokens.verify(token)?;
        if state
            .service
            .read()
            .revocations
            .is_revoked(&claims.jti, &claims.sub, claims.iat)
        {
            return Err(AppError::Unauthorized("the token was revoked".into()));
        }
        if claims.role == Role::Citizen {
            // Citizens answer through their link only, never with a bearer token.
            return Err(AppError::Unauthorized(
                "the role `citizen` holds no API token".into(),
            ));
        }
        if let Some(limiter) = &state.rate_limit {
            limiter.check(&claims.sub)?;
        }
        Ok(Caller {
            actor: Actor::new(claims.sub, claims.role),
            token_id: claims.jti,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-05-01T08:00:00Z".parse().expect("time")
    }

    /// A token for amira with `role`, issued at `at` for an hour.
    fn issue(keys: &TokenKeys, role: Role, at: Timestamp) -> String {
        keys.issue("amira", role, at, jiff::SignedDuration::from_hours(1))
            .expect("issue")
    }

    #[test]
    fn issued_tokens_verify_and_name_subject_and_role() {
        let keys = TokenKeys::from_secret(&[1; 32]);
        let token = issue(&keys, Role::FieldOfficer, Timestamp::now());
        let claims = keys.verify(&token).expect("verify");
        assert_eq!(claims.sub, "amira");
        assert_eq!(claims.role, Role::FieldOfficer);
    }

    #[test]
    fn expired_foreign_and_unsigned_tokens_are_refused() {
        let keys = TokenKeys::from_secret(&[1; 32]);
        let expired = issue(&keys, Role::FieldOfficer, now());
        assert!(keys.verify(&expired).is_err());

        let other = TokenKeys::from_secret(&[2; 32]);
        let foreign = issue(&other, Role::DutyOfficer, Timestamp::now());
        assert!(keys.verify(&foreign).is_err());

        // alg: none, with the claims of a valid token.
        let valid = issue(&keys, Role::DutyOfficer, Timestamp::now());
        let payload = valid.split('.').nth(1).expect("payload");
        let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
        assert!(keys.verify(&unsigned).is_err());
    }
}
