//! The bridge's bearer tokens, kept in the data dir (`bridge.sqlite3`) so that `hearth bridge token
//! …` (another process) and the running node share them: a revocation holds from the next request.
//!
//! A token reads `hbt_<id>_<secret>`: the id (8 random bytes, hex) names it in lists and
//! revocations; only the SHA-256 of the secret (32 random bytes, hex) is stored, so a copy of the
//! data dir lets nobody post. The secret is shown once, when it is created, and compared in
//! constant time.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub const DB_FILE: &str = "bridge.sqlite3";
const PREFIX: &str = "hbt_";
const ID_BYTES: usize = 8;
const SECRET_BYTES: usize = 32;
/// Labels are for people reading `token list`; long ones are refused rather than cut.
pub const MAX_LABEL_CHARS: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("bridge tokens ({path}): {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no token {0}")]
    UnknownId(String),
    #[error("a label is at most {MAX_LABEL_CHARS} characters")]
    LabelTooLong,
}

/// Why a presented token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("no bearer token (send `Authorization: Bearer <token>`)")]
    Missing,
    #[error("not a bridge token")]
    Malformed,
    #[error("unknown token")]
    Unknown,
    #[error("this token was revoked")]
    Revoked,
}

/// A token as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenInfo {
    pub id: String,
    pub label: String,
    pub created_ms: u64,
    pub revoked_ms: Option<u64>,
}

pub struct TokenStore {
    path: PathBuf,
    db: Mutex<Connection>,
}

impl TokenStore {
    pub fn open(dir: &Path) -> Result<Self, TokenError> {
        std::fs::create_dir_all(dir).map_err(|source| TokenError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(DB_FILE);
        let sql = |source| TokenError::Sqlite {
            path: path.clone(),
            source,
        };
        let db = Connection::open(&path).map_err(sql)?;
        db.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sql)?;
        db.execute_batch(
            "CREATE TABLE IF NOT EXISTS token (
                id TEXT PRIMARY KEY,
                label TEXT NOT NULL,
                hash BLOB NOT NULL,
                created_ms INTEGER NOT NULL,
                revoked_ms INTEGER
            );",
        )
        .map_err(sql)?;
        Ok(Self {
            path,
            db: Mutex::new(db),
        })
    }

    fn sql(&self) -> impl FnOnce(rusqlite::Error) -> TokenError + '_ {
        move |source| TokenError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Makes a token; the returned text is the only time its secret exists outside the caller.
    pub fn create(&self, label: &str, now_ms: u64) -> Result<(TokenInfo, String), TokenError> {
        if label.chars().count() > MAX_LABEL_CHARS {
            return Err(TokenError::LabelTooLong);
        }
        let id = hex::encode(rand::random::<[u8; ID_BYTES]>());
        let secret = hex::encode(rand::random::<[u8; SECRET_BYTES]>());
        let hash = Sha256::digest(secret.as_bytes()).to_vec();
        crate::service::lock(&self.db)
            .execute(
                "INSERT INTO token (id, label, hash, created_ms) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![id, label, hash, now_ms as i64],
            )
            .map_err(self.sql())?;
        let info = TokenInfo {
            id: id.clone(),
            label: label.to_owned(),
            created_ms: now_ms,
            revoked_ms: None,
        };
        Ok((info, format!("{PREFIX}{id}_{secret}")))
    }

    pub fn list(&self) -> Result<Vec<TokenInfo>, TokenError> {
        let db = crate::service::lock(&self.db);
        let mut stmt = db
            .prepare("SELECT id, label, created_ms, revoked_ms FROM token ORDER BY created_ms, id")
            .map_err(self.sql())?;
        let rows = stmt
            .query_map([], |r| {
                Ok(TokenInfo {
                    id: r.get(0)?,
                    label: r.get(1)?,
                    created_ms: r.get::<_, i64>(2)? as u64,
                    revoked_ms: r.get::<_, Option<i64>>(3)?.map(|t| t as u64),
                })
            })
            .map_err(self.sql())?;
        rows.collect::<Result<_, _>>().map_err(self.sql())
    }

    /// Revokes a token by id; revoking twice keeps the first time.
    pub fn revoke(&self, id: &str, now_ms: u64) -> Result<TokenInfo, TokenError> {
        let n = crate::service::lock(&self.db)
            .execute(
                "UPDATE token SET revoked_ms = coalesce(revoked_ms, ?2) WHERE id = ?1",
                rusqlite::params![id, now_ms as i64],
            )
            .map_err(self.sql())?;
        if n == 0 {
            return Err(TokenError::UnknownId(id.to_owned()));
        }
        self.list()?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or_else(|| TokenError::UnknownId(id.to_owned()))
    }

    /// The id of the token `presented` (the text after `Bearer `), or why it is refused. A storage
    /// failure refuses too (and is logged): the bridge fails closed.
    pub fn verify(&self, presented: &str) -> Result<String, Refusal> {
        let (id, secret) = parse(presented).ok_or(Refusal::Malformed)?;
        let row: Option<(Vec<u8>, Option<i64>)> = crate::service::lock(&self.db)
            .query_row(
                "SELECT hash, revoked_ms FROM token WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .unwrap_or_else(|e| {
                tracing::error!("bridge token lookup failed: {e}");
                None
            });
        let Some((stored, revoked)) = row else {
            return Err(Refusal::Unknown);
        };
        let hash = Sha256::digest(secret.as_bytes());
        if !bool::from(hash.as_slice().ct_eq(stored.as_slice())) {
            return Err(Refusal::Unknown);
        }
        if revoked.is_some() {
            return Err(Refusal::Revoked);
        }
        Ok(id.to_owned())
    }
}

/// `hbt_<16 hex>_<64 hex>` → (id, secret).
fn parse(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let hex_of = |s: &str, n: usize| s.len() == n * 2 && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex_of(id, ID_BYTES) && hex_of(secret, SECRET_BYTES)).then_some((id, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(name: &str) -> (TokenStore, PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "hearth-bridge-tokens-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        (TokenStore::open(&dir).unwrap(), dir)
    }

    #[test]
    fn create_verify_revoke() {
        let (s, dir) = store("cvr");
        let (info, token) = s.create("ci bot", 1000).unwrap();
        assert_eq!(s.verify(&token), Ok(info.id.clone()));
        // Only the hash is kept.
        let raw = std::fs::read(dir.join(DB_FILE)).unwrap();
        let secret = token.rsplit('_').next().unwrap();
        assert!(!raw.windows(secret.len()).any(|w| w == secret.as_bytes()));
        // A wrong secret for a real id, a malformed token, an unknown id.
        let mut wrong = token.clone();
        wrong.pop();
        wrong.push(if token.ends_with('0') { '1' } else { '0' });
        assert_eq!(s.verify(&wrong), Err(Refusal::Unknown));
        assert_eq!(s.verify("Bearer x"), Err(Refusal::Malformed));
        assert_eq!(
            s.verify(&token.replace(&info.id, "0011223344556677")),
            Err(Refusal::Unknown)
        );
        let revoked = s.revoke(&info.id, 2000).unwrap();
        assert_eq!(revoked.revoked_ms, Some(2000));
        assert_eq!(s.verify(&token), Err(Refusal::Revoked));
        assert_eq!(s.revoke(&info.id, 3000).unwrap().revoked_ms, Some(2000));
        assert!(matches!(s.revoke("nope", 1), Err(TokenError::UnknownId(_))));
        assert_eq!(s.list().unwrap().len(), 1);
        assert!(matches!(
            s.create(&"x".repeat(MAX_LABEL_CHARS + 1), 1),
            Err(TokenError::LabelTooLong)
        ));
        let _ = std::fs::remove_dir_all(dir);
    }
}
