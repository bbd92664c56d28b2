//! A community owned by this node: its key, its description and the requests to join it, kept in
//! the node's data dir so that `hearth community …` (another process) and the running control node
//! ([`control`]) share them.
//!
//! Layout: `community.key` (the community's private key, hex, mode 0600) and `community.sqlite3`
//! (the description as protobuf bytes, the clock last published, and the requests). Every change is
//! one SQLite transaction that also raises the description's clock; the control node polls the
//! clock and publishes whatever is newer than what it last published, so a change made by the CLI
//! goes out within a second, and two writers never lose each other's edits.

pub mod control;
pub mod demo;
pub mod edit;
pub mod history;

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use hearth::proto::status as wire;
use hearth::status::keys::{KeyError, PrivateKey, PublicKey, community_id};
use prost::Message;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

/// File names inside the data dir.
pub const KEY_FILE: &str = "community.key";
pub const DB_FILE: &str = "community.sqlite3";

/// More pending requests than this are refused until some are decided (status-go
/// `maxNbPendingRequestedMembers = 100`, `protocol/communities/manager.go` @ `c72f4913`).
pub const MAX_PENDING_REQUESTS: u64 = 100;

#[derive(Debug, thiserror::Error)]
pub enum CommunityStoreError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: the community key is not a secp256k1 private key in hex ({reason})")]
    BadKey { path: PathBuf, reason: String },
    #[error("{0}: no community here; create one with `hearth community create --data-dir …`")]
    NoCommunity(PathBuf),
    #[error("{0}: a community already lives here")]
    AlreadyExists(PathBuf),
    #[error("community database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the stored description does not decode ({0}); the data dir is damaged")]
    CorruptDescription(prost::DecodeError),
    #[error("key: {0}")]
    Key(#[from] KeyError),
    #[error("{0}")]
    Invalid(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CommunityStoreError + '_ {
    move |source| CommunityStoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A pending, accepted, declined or refused request to join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRow {
    /// `0x04…`.
    pub requester: String,
    /// Unix seconds, from the request.
    pub clock_s: u64,
    pub display_name: String,
    /// `pending`, `accepted`, `declined`.
    pub state: String,
    /// Whether the requester was sent our answer.
    pub answered: bool,
}

/// The community in a data dir.
pub struct CommunityStore {
    dir: PathBuf,
    key: PrivateKey,
    db: Connection,
}

impl CommunityStore {
    /// Whether `dir` holds a community.
    pub fn exists(dir: &Path) -> bool {
        dir.join(KEY_FILE).exists()
    }

    /// Creates a new community in `dir` with a fresh key and this first description.
    pub fn create(
        dir: &Path,
        mut description: wire::CommunityDescription,
    ) -> Result<Self, CommunityStoreError> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let key_path = dir.join(KEY_FILE);
        if key_path.exists() {
            return Err(CommunityStoreError::AlreadyExists(dir.to_path_buf()));
        }
        let key = PrivateKey::generate()?;
        write_secret(&key_path, &hex::encode(key.to_bytes()))?;
        let db = open_db(&dir.join(DB_FILE))?;
        description.id = community_id(&key.public_key());
        description.clock = now_ms();
        db.execute(
            "INSERT OR REPLACE INTO community (id, description, published_clock) VALUES (1, ?1, 0)",
            [description.encode_to_vec()],
        )?;
        Ok(Self {
            dir: dir.to_path_buf(),
            key,
            db,
        })
    }

    /// Opens the community in `dir`; a missing or damaged key or database is an error naming it.
    pub fn open(dir: &Path) -> Result<Self, CommunityStoreError> {
        let key_path = dir.join(KEY_FILE);
        if !key_path.exists() {
            return Err(CommunityStoreError::NoCommunity(dir.to_path_buf()));
        }
        let text = std::fs::read_to_string(&key_path).map_err(io(&key_path))?;
        let bytes = hex::decode(text.trim()).map_err(|e| CommunityStoreError::BadKey {
            path: key_path.clone(),
            reason: e.to_string(),
        })?;
        let key = PrivateKey::from_bytes(&bytes).map_err(|e| CommunityStoreError::BadKey {
            path: key_path.clone(),
            reason: e.to_string(),
        })?;
        let db = open_db(&dir.join(DB_FILE))?;
        let store = Self {
            dir: dir.to_path_buf(),
            key,
            db,
        };
        // A damaged description is found now, not at the first publication.
        store.description()?;
        Ok(store)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn key(&self) -> &PrivateKey {
        &self.key
    }

    pub fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    /// `0x02…`.
    pub fn id(&self) -> String {
        community_id(&self.public_key())
    }

    pub fn description(&self) -> Result<wire::CommunityDescription, CommunityStoreError> {
        let bytes: Option<Vec<u8>> = self
            .db
            .query_row("SELECT description FROM community WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        let bytes = bytes.ok_or_else(|| CommunityStoreError::NoCommunity(self.dir.clone()))?;
        wire::CommunityDescription::decode(bytes.as_slice())
            .map_err(CommunityStoreError::CorruptDescription)
    }

    /// Changes the description in one transaction and raises its clock, so the control node
    /// publishes it. `change` may refuse with an error, which leaves everything as it was.
    pub fn update<T>(
        &mut self,
        change: impl FnOnce(&mut wire::CommunityDescription) -> Result<T, CommunityStoreError>,
    ) -> Result<T, CommunityStoreError> {
        let tx = self
            .db
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let bytes: Vec<u8> =
            tx.query_row("SELECT description FROM community WHERE id = 1", [], |r| {
                r.get(0)
            })?;
        let mut d = wire::CommunityDescription::decode(bytes.as_slice())
            .map_err(CommunityStoreError::CorruptDescription)?;
        let out = change(&mut d)?;
        d.clock = (d.clock + 1).max(now_ms());
        tx.execute(
            "UPDATE community SET description = ?1 WHERE id = 1",
            [d.encode_to_vec()],
        )?;
        tx.commit()?;
        Ok(out)
    }

    /// The clock of the description last published by the control node.
    pub fn published_clock(&self) -> Result<u64, CommunityStoreError> {
        Ok(self.db.query_row(
            "SELECT published_clock FROM community WHERE id = 1",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    pub fn set_published_clock(&self, clock: u64) -> Result<(), CommunityStoreError> {
        self.db.execute(
            "UPDATE community SET published_clock = ?1 WHERE id = 1",
            [clock as i64],
        )?;
        Ok(())
    }

    /// The last request seen from `requester`: its clock (for replay checks) and state.
    pub fn last_request(
        &self,
        requester: &str,
    ) -> Result<Option<(u64, String)>, CommunityStoreError> {
        Ok(self
            .db
            .query_row(
                "SELECT clock, state FROM request WHERE requester = ?1",
                [requester],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, String>(1)?)),
            )
            .optional()?)
    }

    pub fn pending_count(&self) -> Result<u64, CommunityStoreError> {
        Ok(self.db.query_row(
            "SELECT count(*) FROM request WHERE state = 'pending'",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// Records a request (replacing an older one from the same key) as pending.
    pub fn record_request(
        &self,
        requester: &str,
        clock_s: u64,
        display_name: &str,
    ) -> Result<(), CommunityStoreError> {
        self.db.execute(
            "INSERT OR REPLACE INTO request (requester, clock, display_name, state, answered)
             VALUES (?1, ?2, ?3, 'pending', 0)",
            rusqlite::params![requester, clock_s as i64, display_name],
        )?;
        Ok(())
    }

    pub fn requests(&self, state: Option<&str>) -> Result<Vec<RequestRow>, CommunityStoreError> {
        let mut stmt = self.db.prepare(
            "SELECT requester, clock, display_name, state, answered FROM request
             WHERE ?1 IS NULL OR state = ?1 ORDER BY clock",
        )?;
        let rows = stmt.query_map([state], |r| {
            Ok(RequestRow {
                requester: r.get(0)?,
                clock_s: r.get::<_, i64>(1)? as u64,
                display_name: r.get(2)?,
                state: r.get(3)?,
                answered: r.get::<_, i64>(4)? != 0,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Accepts a pending request: the requester becomes a member (one transaction with the
    /// description), and the control node answers and republishes.
    pub fn accept(&mut self, requester: &str) -> Result<(), CommunityStoreError> {
        let state: Option<String> = self
            .db
            .query_row(
                "SELECT state FROM request WHERE requester = ?1",
                [requester],
                |r| r.get(0),
            )
            .optional()?;
        match state.as_deref() {
            None => {
                return Err(CommunityStoreError::Invalid(format!(
                    "no request to join from {requester}"
                )));
            }
            Some("accepted") => return Ok(()),
            _ => {}
        }
        let key = requester.to_owned();
        self.update(|d| {
            if d.banned_members.contains_key(&key) {
                return Err(CommunityStoreError::Invalid(format!(
                    "{key} is banned; unban first"
                )));
            }
            add_member(d, &key);
            Ok(())
        })?;
        self.db.execute(
            "UPDATE request SET state = 'accepted', answered = 0 WHERE requester = ?1",
            [requester],
        )?;
        Ok(())
    }

    pub fn decline(&self, requester: &str) -> Result<(), CommunityStoreError> {
        let n = self.db.execute(
            "UPDATE request SET state = 'declined' WHERE requester = ?1 AND state = 'pending'",
            [requester],
        )?;
        if n == 0 {
            return Err(CommunityStoreError::Invalid(format!(
                "no pending request to join from {requester}"
            )));
        }
        Ok(())
    }

    /// Accepted requests whose requester has not been answered yet.
    pub fn unanswered(&self) -> Result<Vec<String>, CommunityStoreError> {
        let mut stmt = self
            .db
            .prepare("SELECT requester FROM request WHERE state = 'accepted' AND answered = 0")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn mark_answered(&self, requester: &str) -> Result<(), CommunityStoreError> {
        self.db.execute(
            "UPDATE request SET answered = 1 WHERE requester = ?1",
            [requester],
        )?;
        Ok(())
    }

    /// A value kept beside the community (e.g. whether the demo was seeded).
    pub fn setting(&self, name: &str) -> Result<Option<String>, CommunityStoreError> {
        Ok(self
            .db
            .query_row("SELECT value FROM setting WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&self, name: &str, value: &str) -> Result<(), CommunityStoreError> {
        self.db.execute(
            "INSERT OR REPLACE INTO setting (name, value) VALUES (?1, ?2)",
            [name, value],
        )?;
        Ok(())
    }
}

/// Adds `key` (`0x04…`) as a plain member.
pub fn add_member(d: &mut wire::CommunityDescription, key: &str) {
    d.members
        .entry(key.to_owned())
        .or_insert_with(|| wire::CommunityMember {
            last_update_clock: now_ms(),
            ..Default::default()
        });
}

fn open_db(path: &Path) -> Result<Connection, CommunityStoreError> {
    let db = Connection::open(path)?;
    db.busy_timeout(std::time::Duration::from_secs(5))?;
    db.pragma_update(None, "journal_mode", "WAL")?;
    db.execute_batch(
        "CREATE TABLE IF NOT EXISTS community (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            description BLOB NOT NULL,
            published_clock INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS request (
            requester TEXT PRIMARY KEY,
            clock INTEGER NOT NULL,
            display_name TEXT NOT NULL,
            state TEXT NOT NULL,
            answered INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS setting (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );",
    )?;
    Ok(db)
}

/// Writes a file only its owner may read (0600 on Unix), created fresh.
fn write_secret(path: &Path, text: &str) -> Result<(), CommunityStoreError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path).map_err(io(path))?;
    f.write_all(text.as_bytes()).map_err(io(path))?;
    f.sync_all().map_err(io(path))?;
    Ok(())
}

/// Channels by uuid, categories by id: what edits look things up in.
pub fn channel_uuid_by_name(d: &wire::CommunityDescription, name_or_uuid: &str) -> Option<String> {
    if d.chats.contains_key(name_or_uuid) {
        return Some(name_or_uuid.to_owned());
    }
    let wanted = name_or_uuid.trim_start_matches('#');
    d.chats
        .iter()
        .find(|(_, c)| {
            c.identity
                .as_ref()
                .is_some_and(|i| i.display_name == wanted)
        })
        .map(|(k, _)| k.clone())
}

pub fn category_id_by_name(d: &wire::CommunityDescription, name_or_id: &str) -> Option<String> {
    if d.categories.contains_key(name_or_id) {
        return Some(name_or_id.to_owned());
    }
    d.categories
        .iter()
        .find(|(_, c)| c.name == name_or_id)
        .map(|(k, _)| k.clone())
}

/// A random v4 uuid, as status-go names channels and categories.
pub fn new_uuid() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// How members are keyed: `0x04…` uncompressed, from any textual form of a key.
pub fn member_key(text: &str) -> Result<String, CommunityStoreError> {
    let key = if text.starts_with('z') {
        PublicKey::from_serialized(text)?
    } else {
        PublicKey::from_hex(text)?
    };
    Ok(key.to_uncompressed_hex())
}
