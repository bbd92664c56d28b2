//! DNS discovery (EIP-1459): the signed Merkle tree of ENRs that the Waku and Status fleets
//! publish as TXT records, so a client that knows one `enrtree://` URL finds service nodes
//! without a hard-coded address list (reference §5.1, §5.3).
//!
//! Everything here is sans-IO. Parsing ([`EnrTreeUrl`], [`parse_entry`]) and verification
//! ([`Root::verify`], [`TreeHash::matches`]) are pure functions; the walker ([`walk`],
//! [`discover`]) only decides which name to look up next and hands the lookup to a
//! [`TxtResolver`], so the same code runs over DNS-over-HTTPS in the browser, the system
//! resolver natively and a map in tests (all in `net::doh`).
//!
//! Trust flows from the URL's key alone: the root must carry a signature by that key, and every
//! other record must hash to the name it was fetched under, so a resolver (or anyone on the
//! path to it) can withhold records but not forge or alter them.
//!
//! Only the ENR subtree (`e=`) is walked. Link subtrees (`l=`) federate lists run by other
//! operators; the Waku and Status fleets publish none, and following them would let a tree pull
//! the client towards domains and keys its URL never vouched for.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::str::FromStr;

use k256::ecdsa::signature::hazmat::PrehashVerifier;
use k256::ecdsa::{Signature, SigningKey, VerifyingKey};
use sha3::{Digest, Keccak256};

use crate::waku::enr::{Enr, EnrError};

/// The URL scheme, also the prefix of link entries.
pub const LINK_PREFIX: &str = "enrtree://";
/// The prefix of the root entry; `v1` is the only version EIP-1459 defines.
pub const ROOT_PREFIX: &str = "enrtree-root:v1";
/// The prefix of branch entries.
pub const BRANCH_PREFIX: &str = "enrtree-branch:";
/// The prefix of leaf entries (the ENR text form).
pub const ENR_PREFIX: &str = "enr:";

/// Every root starts with this whatever its version, so a future version is told apart from a
/// record that is not a root at all.
const ROOT_FAMILY: &str = "enrtree-root:";

/// EIP-1459 asks for records that fit a 512-byte UDP answer. We allow a few times that, since
/// resolvers join long records over TCP, but refuse more before parsing it.
pub const MAX_ENTRY_LEN: usize = 2048;
/// Hash names decode to 12..=32 bytes, as go-ethereum's `dnsdisc` accepts; trees use 16.
pub const MIN_HASH_LEN: usize = 12;
pub const MAX_HASH_LEN: usize = 32;
/// The abbreviated hash length trees are built with (26 base32 characters).
pub const HASH_LEN: usize = 16;
/// Lookups one walk may spend, the root included: enough for hundreds of nodes, and a ceiling
/// on what a hostile or broken tree can make a client send.
pub const DEFAULT_MAX_LOOKUPS: usize = 200;
/// Branch levels below the root one walk descends. A tree of 13-way branches (what
/// go-ethereum builds) holds 13^8 leaves at this depth; fleets use one or two levels.
pub const DEFAULT_MAX_DEPTH: usize = 8;
/// Children per branch when building a tree, as go-ethereum's `dnsdisc` does: 13 hashes of 26
/// characters keep a branch record under 370 bytes, inside one UDP answer.
pub const MAX_BRANCH_CHILDREN: usize = 13;

const B32: data_encoding::Encoding = data_encoding::BASE32_NOPAD;
const B64: data_encoding::Encoding = data_encoding::BASE64URL_NOPAD;

// ---------------------------------------------------------------------------------------------
// URL

/// What is wrong with an `enrtree://` URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("URL must start with \"{LINK_PREFIX}\"")]
    Scheme,
    #[error("URL must be {LINK_PREFIX}<public key>@<domain>, found no '@'")]
    MissingAt,
    #[error("public key is not base32 without padding: {0}")]
    KeyEncoding(String),
    #[error("public key must be 33 bytes (compressed secp256k1), got {len}")]
    KeyLength { len: usize },
    #[error("public key is not a point on secp256k1")]
    KeyNotOnCurve,
    #[error("domain is empty")]
    EmptyDomain,
    #[error("domain is {len} characters, over the 253 DNS allows")]
    DomainTooLong { len: usize },
    #[error("domain label {label:?} is empty, longer than 63 characters or not [A-Za-z0-9_-]")]
    BadLabel { label: String },
}

/// Where a tree lives and who must have signed it: the only thing a client has to trust.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnrTreeUrl {
    public_key: [u8; 33],
    domain: String,
}

impl EnrTreeUrl {
    /// Parses `enrtree://<base32 compressed key>@<fqdn>`. Surrounding whitespace is tolerated
    /// because URLs get pasted from configs and chats.
    pub fn parse(text: &str) -> Result<Self, UrlError> {
        let rest = text
            .trim()
            .strip_prefix(LINK_PREFIX)
            .ok_or(UrlError::Scheme)?;
        let (key, domain) = rest.split_once('@').ok_or(UrlError::MissingAt)?;
        // 33 bytes are 53 characters; anything much longer is refused before decoding.
        if key.len() > 64 {
            return Err(UrlError::KeyLength {
                len: key.len() * 5 / 8,
            });
        }
        let key = B32
            .decode(key.as_bytes())
            .map_err(|e| UrlError::KeyEncoding(e.to_string()))?;
        let public_key: [u8; 33] = key
            .as_slice()
            .try_into()
            .map_err(|_| UrlError::KeyLength { len: key.len() })?;
        VerifyingKey::from_sec1_bytes(&public_key).map_err(|_| UrlError::KeyNotOnCurve)?;
        check_domain(domain)?;
        Ok(Self {
            public_key,
            domain: domain.to_owned(),
        })
    }

    /// The URL of a tree signed by `key` at `domain`, as a tree publisher hands it out.
    pub fn new(key: &VerifyingKey, domain: &str) -> Result<Self, UrlError> {
        check_domain(domain)?;
        let public_key = key
            .to_sec1_point(true)
            .as_bytes()
            .try_into()
            .map_err(|_| UrlError::KeyLength { len: 0 })?;
        Ok(Self {
            public_key,
            domain: domain.to_owned(),
        })
    }

    /// The 33-byte compressed secp256k1 key the root must be signed with.
    pub fn public_key(&self) -> &[u8; 33] {
        &self.public_key
    }

    /// The name of the root record; every other record lives at `<hash>.<domain>`.
    pub fn domain(&self) -> &str {
        &self.domain
    }
}

fn check_domain(domain: &str) -> Result<(), UrlError> {
    if domain.is_empty() {
        return Err(UrlError::EmptyDomain);
    }
    if domain.len() > 253 {
        return Err(UrlError::DomainTooLong { len: domain.len() });
    }
    for label in domain.split('.') {
        let ok = !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return Err(UrlError::BadLabel {
                label: label.to_owned(),
            });
        }
    }
    Ok(())
}

impl fmt::Display for EnrTreeUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{LINK_PREFIX}{}@{}",
            B32.encode(&self.public_key),
            self.domain
        )
    }
}

impl FromStr for EnrTreeUrl {
    type Err = UrlError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

// ---------------------------------------------------------------------------------------------
// Entries

/// What is wrong with one TXT record of a tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("record is {len} bytes, over the {MAX_ENTRY_LEN}-byte limit")]
    TooLarge { len: usize },
    #[error(
        "not a tree entry (expected {ROOT_PREFIX}, {BRANCH_PREFIX}, {ENR_PREFIX} or {LINK_PREFIX})"
    )]
    UnknownType,
    #[error("root version {version:?} is not v1")]
    RootVersion { version: String },
    #[error("root must read `{ROOT_PREFIX} e=<hash> l=<hash> seq=<n> sig=<signature>`: {reason}")]
    RootSyntax { reason: &'static str },
    #[error("{text:?} is not a base32 hash of {MIN_HASH_LEN} to {MAX_HASH_LEN} bytes")]
    BadHash { text: String },
    #[error("seq {text:?} is not a decimal integer below 2^64")]
    BadSeq { text: String },
    #[error("signature is not URL-safe base64 without padding: {0}")]
    SignatureEncoding(String),
    #[error("signature must be 65 bytes (r ‖ s ‖ v), got {len}")]
    SignatureLength { len: usize },
    #[error("leaf: {0}")]
    Enr(#[from] EnrError),
    #[error("link: {0}")]
    Link(#[from] UrlError),
}

/// The abbreviated keccak256 hash that names a record: `base32(keccak256(record)[..n])`.
/// Compared as bytes, so the case a resolver hands names back in does not matter.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TreeHash {
    bytes: [u8; MAX_HASH_LEN],
    len: u8,
}

impl TreeHash {
    /// Parses a hash as it appears in roots, branches and names (base32, no padding).
    pub fn parse(text: &str) -> Result<Self, EntryError> {
        let bad = || EntryError::BadHash {
            text: text.chars().take(64).collect(),
        };
        // 32 bytes are 52 characters: refuse longer text before decoding it.
        if text.len() > 52 {
            return Err(bad());
        }
        let upper = text.to_ascii_uppercase();
        let decoded = B32.decode(upper.as_bytes()).map_err(|_| bad())?;
        if !(MIN_HASH_LEN..=MAX_HASH_LEN).contains(&decoded.len()) {
            return Err(bad());
        }
        let mut bytes = [0; MAX_HASH_LEN];
        bytes[..decoded.len()].copy_from_slice(&decoded);
        Ok(Self {
            bytes,
            len: decoded.len() as u8,
        })
    }

    /// The name a publisher gives `record` (the [`HASH_LEN`]-byte abbreviation).
    pub fn of(record: &str) -> Self {
        let digest = keccak256(record.as_bytes());
        let mut bytes = [0; MAX_HASH_LEN];
        bytes[..HASH_LEN].copy_from_slice(&digest[..HASH_LEN]);
        Self {
            bytes,
            len: HASH_LEN as u8,
        }
    }

    /// Whether `record` is the one this hash names: the integrity check that lets records come
    /// from an untrusted resolver.
    pub fn matches(&self, record: &str) -> bool {
        keccak256(record.as_bytes()).starts_with(self.as_bytes())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

impl fmt::Display for TreeHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&B32.encode(self.as_bytes()))
    }
}

impl fmt::Debug for TreeHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TreeHash({self})")
    }
}

impl FromStr for TreeHash {
    type Err = EntryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A parsed root record. Its signature is not checked by parsing: [`Root::verify`] needs the
/// key from the URL, and the walker refuses an unverified root.
#[derive(Clone, PartialEq, Eq)]
pub struct Root {
    /// The ENR subtree.
    pub enr_root: TreeHash,
    /// The link subtree (not walked, see the module docs).
    pub link_root: TreeHash,
    /// Grows with every update; a client that remembers it can refuse a replayed older tree.
    pub seq: u64,
    signature: [u8; 65],
    /// The record up to ` sig=`: what the signature covers.
    signed: String,
}

impl Root {
    /// Parses `enrtree-root:v1 e=<hash> l=<hash> seq=<n> sig=<base64url>`, fields in that order,
    /// separated by single spaces, as go-ethereum and nwaku write it.
    pub fn parse(text: &str) -> Result<Self, EntryError> {
        if text.len() > MAX_ENTRY_LEN {
            return Err(EntryError::TooLarge { len: text.len() });
        }
        let rest = text
            .strip_prefix(ROOT_FAMILY)
            .ok_or(EntryError::UnknownType)?;
        let version = rest.split(' ').next().unwrap_or_default();
        if version != "v1" {
            return Err(EntryError::RootVersion {
                version: version.chars().take(16).collect(),
            });
        }
        let sig_at = text.find(" sig=").ok_or(EntryError::RootSyntax {
            reason: "no sig= field",
        })?;
        let parts: Vec<&str> = text.split(' ').collect();
        let [_, e, l, seq, sig] = parts.as_slice() else {
            return Err(EntryError::RootSyntax {
                reason: "expected five space-separated fields",
            });
        };
        let field = |part: &'_ str, name: &'static str, reason: &'static str| {
            part.strip_prefix(name)
                .map(str::to_owned)
                .ok_or(EntryError::RootSyntax { reason })
        };
        let e = field(e, "e=", "second field is not e=")?;
        let l = field(l, "l=", "third field is not l=")?;
        let seq_text = field(seq, "seq=", "fourth field is not seq=")?;
        let sig = field(sig, "sig=", "fifth field is not sig=")?;
        // `u64::from_str` takes a leading '+'; EIP-1459 says a decimal integer.
        if seq_text.is_empty() || !seq_text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(EntryError::BadSeq { text: seq_text });
        }
        let seq = seq_text
            .parse()
            .map_err(|_| EntryError::BadSeq { text: seq_text })?;
        // 65 bytes are 87 characters.
        if sig.len() > 100 {
            return Err(EntryError::SignatureLength {
                len: sig.len() * 6 / 8,
            });
        }
        let sig = B64
            .decode(sig.as_bytes())
            .map_err(|e| EntryError::SignatureEncoding(e.to_string()))?;
        let signature: [u8; 65] = sig
            .as_slice()
            .try_into()
            .map_err(|_| EntryError::SignatureLength { len: sig.len() })?;
        Ok(Self {
            enr_root: TreeHash::parse(&e)?,
            link_root: TreeHash::parse(&l)?,
            seq,
            signature,
            signed: text[..sig_at].to_owned(),
        })
    }

    /// Checks the signature as EIP-1459 defines it: keccak256 of the record without ` sig=…`,
    /// signed with the URL's key. The 65th byte (the recovery id) is not needed to verify
    /// against a known key and is ignored, as go-ethereum does; high-`s` signatures are refused,
    /// as they are there.
    pub fn verify(&self, public_key: &[u8; 33]) -> bool {
        let Ok(key) = VerifyingKey::from_sec1_bytes(public_key) else {
            return false;
        };
        let Ok(signature) = Signature::from_slice(&self.signature[..64]) else {
            return false;
        };
        key.verify_prehash(&keccak256(self.signed.as_bytes()), &signature)
            .is_ok()
    }

    /// The 65-byte `r ‖ s ‖ v` signature.
    pub fn signature(&self) -> &[u8; 65] {
        &self.signature
    }

    /// Builds and signs a root record, for publishers and for tests that need their own tree.
    pub fn sign(key: &SigningKey, enr_root: TreeHash, link_root: TreeHash, seq: u64) -> Self {
        let signed = format!("{ROOT_PREFIX} e={enr_root} l={link_root} seq={seq}");
        let (signature, recovery) = key.sign_prehash_recoverable(&keccak256(signed.as_bytes()));
        let mut bytes = [0; 65];
        bytes[..64].copy_from_slice(&signature.to_bytes());
        bytes[64] = recovery.to_byte();
        Self {
            enr_root,
            link_root,
            seq,
            signature: bytes,
            signed,
        }
    }
}

impl fmt::Display for Root {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} sig={}", self.signed, B64.encode(&self.signature))
    }
}

impl fmt::Debug for Root {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Root")
            .field("enr_root", &self.enr_root)
            .field("link_root", &self.link_root)
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

/// One record of a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Root(Root),
    /// Hashes of child records. May be empty (an empty subtree, as a tree without links has).
    Branch(Vec<TreeHash>),
    /// A verified node record.
    Enr(Box<Enr>),
    /// Another tree, by URL.
    Link(EnrTreeUrl),
}

impl Entry {
    /// The entry type, as errors name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Entry::Root(_) => "root",
            Entry::Branch(_) => "branch",
            Entry::Enr(_) => "enr",
            Entry::Link(_) => "link",
        }
    }
}

/// Whether `text` claims to be a tree entry at all. Domains carry unrelated TXT records (SPF,
/// site verification) beside a tree, and those are skipped rather than refused.
pub fn is_entry(text: &str) -> bool {
    [ROOT_FAMILY, BRANCH_PREFIX, ENR_PREFIX, LINK_PREFIX]
        .iter()
        .any(|prefix| text.starts_with(prefix))
}

/// Parses one TXT record. A record split into several character-strings must be joined
/// (concatenated without separator) first: the hash that names it covers the joined text, and
/// the [`TxtResolver`] contract hands records over joined.
pub fn parse_entry(text: &str) -> Result<Entry, EntryError> {
    if text.len() > MAX_ENTRY_LEN {
        return Err(EntryError::TooLarge { len: text.len() });
    }
    if text.starts_with(ROOT_FAMILY) {
        Root::parse(text).map(Entry::Root)
    } else if let Some(children) = text.strip_prefix(BRANCH_PREFIX) {
        if children.is_empty() {
            return Ok(Entry::Branch(Vec::new()));
        }
        children
            .split(',')
            .map(TreeHash::parse)
            .collect::<Result<_, _>>()
            .map(Entry::Branch)
    } else if text.starts_with(ENR_PREFIX) {
        Ok(Entry::Enr(Box::new(Enr::from_base64(text)?)))
    } else if text.starts_with(LINK_PREFIX) {
        Ok(Entry::Link(EnrTreeUrl::parse(text)?))
    } else {
        Err(EntryError::UnknownType)
    }
}

// ---------------------------------------------------------------------------------------------
// Resolving and walking

/// Why a TXT lookup failed, whatever did the lookup.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("no such name (NXDOMAIN)")]
    NxDomain,
    #[error("DNS server answered with response code {code}")]
    ResponseCode { code: u16 },
    #[error("answer is over the {limit}-byte limit")]
    TooLarge { limit: usize },
    #[error("malformed answer: {0}")]
    Malformed(String),
    #[error("lookup failed: {0}")]
    Transport(String),
}

/// A source of TXT records: DNS-over-HTTPS in the browser, the system resolver natively, a map
/// in tests and offline demos.
///
/// `txt` returns one string per TXT record at `name`, each record's character-strings already
/// concatenated (a record over 255 bytes arrives split into several; the tree hashes the
/// whole). No records at an existing name is `Ok(vec![])`; a name that does not exist is
/// [`ResolveError::NxDomain`].
///
/// The future is not required to be `Send`: browser fetches are not, and the walker awaits it
/// in place rather than spawning it.
pub trait TxtResolver {
    fn txt(&self, name: &str) -> impl Future<Output = Result<Vec<String>, ResolveError>>;
}

impl<R: TxtResolver + ?Sized> TxtResolver for &R {
    fn txt(&self, name: &str) -> impl Future<Output = Result<Vec<String>, ResolveError>> {
        (**self).txt(name)
    }
}

/// Why discovery failed, or why one record of the tree was skipped ([`Walk::skipped`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscoveryError {
    #[error("looking up {name}: {source}")]
    Resolve { name: String, source: ResolveError },
    #[error("{name} has no {ROOT_PREFIX} record")]
    MissingRoot { name: String },
    #[error("root at {name}: {source}")]
    BadRoot { name: String, source: EntryError },
    #[error("root at {name} is not signed by the key in the URL")]
    BadSignature { name: String },
    #[error("root at {name} has seq {seq}, older than the {min_seq} already seen")]
    StaleRoot {
        name: String,
        seq: u64,
        min_seq: u64,
    },
    #[error("{name} has no tree entry among its TXT records")]
    NoEntry { name: String },
    #[error("{name}: record hashes to {actual}, not to its name")]
    HashMismatch { name: String, actual: TreeHash },
    #[error("{name}: {source}")]
    BadRecord { name: String, source: EntryError },
    #[error("{name}: a {kind} entry inside the ENR subtree")]
    UnexpectedEntry { name: String, kind: &'static str },
    #[error("{name}: branch {depth} levels below the root, over the limit of {max_depth}")]
    TooDeep {
        name: String,
        depth: usize,
        max_depth: usize,
    },
    #[error("gave up after {lookups} lookups without finding a node")]
    TooManyLookups { lookups: usize },
}

/// How far one walk goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkConfig {
    /// Stop once this many distinct nodes are found.
    pub limit: usize,
    /// Lookups allowed, the root included ([`DEFAULT_MAX_LOOKUPS`]).
    pub max_lookups: usize,
    /// Branch levels allowed below the root ([`DEFAULT_MAX_DEPTH`]).
    pub max_depth: usize,
    /// Refuse a root older than this: the sequence number a caller saw last time (EIP-1459's
    /// replay protection). 0 accepts any.
    pub min_seq: u64,
    /// Seeds the order records are visited in. `None` draws one from the OS, which spreads
    /// clients over the fleet as EIP-1459 advises; a fixed seed makes the walk reproducible.
    pub seed: Option<u64>,
}

impl WalkConfig {
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            max_lookups: DEFAULT_MAX_LOOKUPS,
            max_depth: DEFAULT_MAX_DEPTH,
            min_seq: 0,
            seed: None,
        }
    }
}

/// What a walk found, and what it had to leave out.
#[derive(Debug, Clone)]
pub struct Walk {
    /// The verified root's sequence number, for [`WalkConfig::min_seq`] next time.
    pub seq: u64,
    /// Distinct nodes (by key), in the order found.
    pub enrs: Vec<Enr>,
    /// Records that could not be used, and why. One bad record does not spoil the rest.
    pub skipped: Vec<DiscoveryError>,
    /// Lookups spent, the root included.
    pub lookups: usize,
    /// Whether the walk stopped because [`WalkConfig::max_lookups`] ran out with records still
    /// unvisited.
    pub out_of_lookups: bool,
}

/// Looks up and verifies the root at the URL's domain.
pub async fn fetch_root(
    url: &EnrTreeUrl,
    resolver: &impl TxtResolver,
) -> Result<Root, DiscoveryError> {
    let name = url.domain().to_owned();
    let records = resolver
        .txt(&name)
        .await
        .map_err(|source| DiscoveryError::Resolve {
            name: name.clone(),
            source,
        })?;
    let text = records
        .iter()
        .find(|r| r.starts_with(ROOT_FAMILY))
        .ok_or_else(|| DiscoveryError::MissingRoot { name: name.clone() })?;
    let root = Root::parse(text).map_err(|source| DiscoveryError::BadRoot {
        name: name.clone(),
        source,
    })?;
    if !root.verify(url.public_key()) {
        return Err(DiscoveryError::BadSignature { name });
    }
    Ok(root)
}

/// Looks up `<hash>.<domain>` and returns its entry once the record is shown to hash to `hash`.
/// Of several TXT records the first tree entry counts, as go-ethereum does.
pub async fn fetch_entry(
    domain: &str,
    hash: &TreeHash,
    resolver: &impl TxtResolver,
) -> Result<Entry, DiscoveryError> {
    let name = format!("{hash}.{domain}");
    let records = resolver
        .txt(&name)
        .await
        .map_err(|source| DiscoveryError::Resolve {
            name: name.clone(),
            source,
        })?;
    let Some(text) = records.iter().find(|r| is_entry(r)) else {
        return Err(DiscoveryError::NoEntry { name });
    };
    if text.len() > MAX_ENTRY_LEN {
        return Err(DiscoveryError::BadRecord {
            name,
            source: EntryError::TooLarge { len: text.len() },
        });
    }
    if !hash.matches(text) {
        return Err(DiscoveryError::HashMismatch {
            name,
            actual: TreeHash::of(text),
        });
    }
    parse_entry(text).map_err(|source| DiscoveryError::BadRecord { name, source })
}

/// Walks the ENR subtree of the tree at `url` until `config.limit` nodes are found, the tree is
/// exhausted or the lookup budget runs out.
///
/// Records are visited in random order from the frontier of known-but-unvisited hashes (EIP-1459
/// advises random order so clients spread over the fleet). Unlike js-waku, which descends from
/// the root once per node wanted, every lookup here fetches a record not seen before: repeated
/// hashes are skipped, which also makes cycles harmless.
///
/// The root is fatal (no verified root, no tree); any other record that fails is recorded in
/// [`Walk::skipped`] and the walk goes on. Nodes are not filtered by capability: the caller
/// knows whether it wants `waku2` store or filter peers.
pub async fn walk(
    url: &EnrTreeUrl,
    resolver: &impl TxtResolver,
    config: &WalkConfig,
) -> Result<Walk, DiscoveryError> {
    let mut walk = Walk {
        seq: 0,
        enrs: Vec::new(),
        skipped: Vec::new(),
        lookups: 0,
        out_of_lookups: false,
    };
    if config.max_lookups == 0 {
        walk.out_of_lookups = true;
        return Ok(walk);
    }
    walk.lookups = 1;
    let root = fetch_root(url, resolver).await?;
    if root.seq < config.min_seq {
        return Err(DiscoveryError::StaleRoot {
            name: url.domain().to_owned(),
            seq: root.seq,
            min_seq: config.min_seq,
        });
    }
    walk.seq = root.seq;

    // The order only spreads load; a failed draw falls back to a fixed one.
    let mut rng = SplitMix64(
        config
            .seed
            .unwrap_or_else(|| getrandom::u64().unwrap_or_default()),
    );
    let mut frontier: Vec<(TreeHash, usize)> = vec![(root.enr_root, 1)];
    let mut seen: HashSet<TreeHash> = HashSet::from([root.enr_root]);
    let mut nodes: HashSet<[u8; 33]> = HashSet::new();

    while walk.enrs.len() < config.limit && !frontier.is_empty() {
        if walk.lookups >= config.max_lookups {
            walk.out_of_lookups = true;
            break;
        }
        let (hash, depth) = frontier.swap_remove(rng.below(frontier.len()));
        walk.lookups += 1;
        let name = || format!("{hash}.{}", url.domain());
        match fetch_entry(url.domain(), &hash, resolver).await {
            Err(e) => walk.skipped.push(e),
            Ok(Entry::Branch(children)) => {
                if depth > config.max_depth {
                    walk.skipped.push(DiscoveryError::TooDeep {
                        name: name(),
                        depth,
                        max_depth: config.max_depth,
                    });
                    continue;
                }
                for child in children {
                    if seen.insert(child) {
                        frontier.push((child, depth + 1));
                    }
                }
            }
            Ok(Entry::Enr(enr)) => {
                if nodes.insert(*enr.public_key()) {
                    walk.enrs.push(*enr);
                }
            }
            Ok(entry @ (Entry::Root(_) | Entry::Link(_))) => {
                walk.skipped.push(DiscoveryError::UnexpectedEntry {
                    name: name(),
                    kind: entry.kind(),
                });
            }
        }
    }
    Ok(walk)
}

/// Finds up to `limit` nodes in the tree at `url` with the default bounds.
///
/// Succeeds with what it found if it found anything, even fewer than `limit` (a small tree, a
/// few broken records). With nothing found it reports why: [`DiscoveryError::TooManyLookups`]
/// if the budget ran out, else the first record that failed; an empty tree is `Ok(vec![])`.
pub async fn discover(
    url: &EnrTreeUrl,
    resolver: &impl TxtResolver,
    limit: usize,
) -> Result<Vec<Enr>, DiscoveryError> {
    let walk = walk(url, resolver, &WalkConfig::new(limit)).await?;
    if !walk.enrs.is_empty() || limit == 0 {
        return Ok(walk.enrs);
    }
    if walk.out_of_lookups {
        return Err(DiscoveryError::TooManyLookups {
            lookups: walk.lookups,
        });
    }
    match walk.skipped.into_iter().next() {
        Some(error) => Err(error),
        None => Ok(Vec::new()),
    }
}

/// splitmix64: a few lines of well-mixed randomness for the visiting order, where no
/// cryptographic strength is needed.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

// ---------------------------------------------------------------------------------------------
// Building

/// A signed tree as TXT records: what a publisher puts in its zone, and what the offline demo
/// and tests serve from a `StaticResolver` (`net::doh`).
#[derive(Debug, Clone)]
pub struct EnrTree {
    pub url: EnrTreeUrl,
    pub root: Root,
    /// `(fully qualified name, record)`, the root first.
    pub records: Vec<(String, String)>,
}

impl EnrTree {
    /// Builds the tree go-ethereum's layout would: leaves grouped under branches of at most
    /// [`MAX_BRANCH_CHILDREN`], levels added until one branch remains, and an empty link
    /// subtree.
    pub fn build(key: &SigningKey, domain: &str, seq: u64, enrs: &[Enr]) -> Result<Self, UrlError> {
        let url = EnrTreeUrl::new(key.verifying_key(), domain)?;
        let mut records = Vec::new();
        let mut add = |text: String| {
            let hash = TreeHash::of(&text);
            records.push((format!("{hash}.{domain}"), text));
            hash
        };
        let mut level: Vec<TreeHash> = enrs.iter().map(|enr| add(enr.to_base64())).collect();
        loop {
            let branches: Vec<TreeHash> = level
                .chunks(MAX_BRANCH_CHILDREN)
                .map(|children| {
                    let list: Vec<String> = children.iter().map(ToString::to_string).collect();
                    add(format!("{BRANCH_PREFIX}{}", list.join(",")))
                })
                .collect();
            level = branches;
            if level.len() <= 1 {
                break;
            }
        }
        let enr_root = match level.first() {
            Some(hash) => *hash,
            None => add(BRANCH_PREFIX.to_owned()),
        };
        let link_root = add(BRANCH_PREFIX.to_owned());
        let root = Root::sign(key, enr_root, link_root, seq);
        records.insert(0, (domain.to_owned(), root.to_string()));
        // The empty branch serves as both roots when there are no nodes; list it once.
        records.dedup();
        Ok(Self { url, root, records })
    }
}

fn keccak256(bytes: &[u8]) -> [u8; 32] {
    Keccak256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::collections::HashMap;

    use futures::executor::block_on;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use crate::waku::enr::{EnrBuilder, Waku2};

    // EIP-1459, "DNS Record Structure", the example in zone file format, verbatim
    // (ethereum/EIPs EIPS/eip-1459.md). `@` is nodes.example.org.
    const EIP_ZONE: &str = "\
; name                        ttl     class type  content
@                             60      IN    TXT   enrtree-root:v1 e=JWXYDBPXYWG6FX3GMDIBFA6CJ4 l=C7HRFPF3BLGF3YR4DY5KX3SMBE seq=1 sig=o908WmNp7LibOfPsr4btQwatZJ5URBr2ZAuxvK4UWHlsB9sUOTJQaGAlLPVAhM__XJesCHxLISo94z5Z2a463gA
C7HRFPF3BLGF3YR4DY5KX3SMBE    86900   IN    TXT   enrtree://AM5FCQLWIZX2QFPNJAP7VUERCCRNGRHWZG3YYHIUV7BVDQ5FDPRT2@morenodes.example.org
JWXYDBPXYWG6FX3GMDIBFA6CJ4    86900   IN    TXT   enrtree-branch:2XS2367YHAXJFGLZHVAWLQD4ZY,H4FHT4B454P6UXFD7JCYQ5PWDY,MHTDO6TMUBRIA2XWG5LUDACK24
2XS2367YHAXJFGLZHVAWLQD4ZY    86900   IN    TXT   enr:-HW4QOFzoVLaFJnNhbgMoDXPnOvcdVuj7pDpqRvh6BRDO68aVi5ZcjB3vzQRZH2IcLBGHzo8uUN3snqmgTiE56CH3AMBgmlkgnY0iXNlY3AyNTZrMaECC2_24YYkYHEgdzxlSNKQEnHhuNAbNlMlWJxrJxbAFvA
H4FHT4B454P6UXFD7JCYQ5PWDY    86900   IN    TXT   enr:-HW4QAggRauloj2SDLtIHN1XBkvhFZ1vtf1raYQp9TBW2RD5EEawDzbtSmlXUfnaHcvwOizhVYLtr7e6vw7NAf6mTuoCgmlkgnY0iXNlY3AyNTZrMaECjrXI8TLNXU0f8cthpAMxEshUyQlK-AM0PW2wfrnacNI
MHTDO6TMUBRIA2XWG5LUDACK24    86900   IN    TXT   enr:-HW4QLAYqmrwllBEnzWWs7I5Ev2IAs7x_dZlbYdRdMUx5EyKHDXp7AV5CkuPGUPdvbv1_Ms1CPfhcGCvSElSosZmyoqAgmlkgnY0iXNlY3AyNTZrMaECriawHKWdDRk2xeZkrOXBQ0dfMFLHY4eENZwdufn1S1o
";
    const EIP_DOMAIN: &str = "nodes.example.org";
    // The EIP's own example URL (`AM5FCQ…`) names a different key from the one that signed its
    // example root. The root's signer, recovered from its signature, is go-ethereum's test key,
    // the one its `dnsdisc` client test and nwaku's `test_waku_dnsdisc` use.
    const EIP_SIGNER_URL: &str =
        "enrtree://AKPYQIUQIL7PSIACI32J7FGZW56E5FKHEFCCOFHILBIMW3M6LWXS2@nodes.example.org";
    const EIP_DOC_URL: &str =
        "enrtree://AM5FCQLWIZX2QFPNJAP7VUERCCRNGRHWZG3YYHIUV7BVDQ5FDPRT2@nodes.example.org";

    /// `(name, record)` rows of a zone file: columns split on whitespace, content taken whole.
    fn zone(text: &str, origin: &str) -> Vec<(String, String)> {
        text.lines()
            .filter(|l| !l.starts_with(';') && !l.trim().is_empty())
            .map(|line| {
                // name, ttl, class, type, then the content to the end of the line.
                let mut rest = line;
                let mut cols = Vec::new();
                for _ in 0..4 {
                    rest = rest.trim_start();
                    let end = rest.find(char::is_whitespace).unwrap();
                    cols.push(&rest[..end]);
                    rest = &rest[end..];
                }
                assert_eq!(cols[3], "TXT");
                let name = if cols[0] == "@" {
                    origin.to_owned()
                } else {
                    format!("{}.{origin}", cols[0])
                };
                (name, rest.trim().to_owned())
            })
            .collect()
    }

    /// Ready futures over a map; counts lookups. (The shared `net::doh::StaticResolver` is the
    /// public twin; this one keeps the module's tests self-contained.)
    #[derive(Default)]
    struct Map {
        records: HashMap<String, Vec<String>>,
        lookups: Cell<usize>,
        fail: HashMap<String, ResolveError>,
    }

    impl Map {
        fn from(rows: &[(String, String)]) -> Self {
            let mut map = Map::default();
            for (name, text) in rows {
                map.put(name, text);
            }
            map
        }
        fn put(&mut self, name: &str, text: &str) {
            self.records
                .entry(name.to_ascii_lowercase())
                .or_default()
                .push(text.to_owned());
        }
        fn set(&mut self, name: &str, texts: &[&str]) {
            self.records.insert(
                name.to_ascii_lowercase(),
                texts.iter().map(|t| t.to_string()).collect(),
            );
        }
    }

    impl TxtResolver for Map {
        async fn txt(&self, name: &str) -> Result<Vec<String>, ResolveError> {
            self.lookups.set(self.lookups.get() + 1);
            if let Some(e) = self.fail.get(&name.to_ascii_lowercase()) {
                return Err(e.clone());
            }
            self.records
                .get(&name.to_ascii_lowercase())
                .cloned()
                .ok_or(ResolveError::NxDomain)
        }
    }

    fn eip_map() -> Map {
        Map::from(&zone(EIP_ZONE, EIP_DOMAIN))
    }

    fn eip_url() -> EnrTreeUrl {
        EnrTreeUrl::parse(EIP_SIGNER_URL).unwrap()
    }

    fn seeded(limit: usize, seed: u64) -> WalkConfig {
        WalkConfig {
            seed: Some(seed),
            ..WalkConfig::new(limit)
        }
    }

    fn key(n: u8) -> SigningKey {
        SigningKey::from_slice(&[n; 32]).unwrap()
    }

    fn waku_enr(n: u8) -> Enr {
        EnrBuilder::new(1)
            .ip4(std::net::Ipv4Addr::new(10, 0, 0, n))
            .tcp(60000)
            .waku2(Waku2(0x0f))
            .sign(&key(n))
            .unwrap()
    }

    // --- the EIP example ---------------------------------------------------------------------

    #[test]
    fn eip_example_root_parses_and_verifies_against_its_signer() {
        let rows = zone(EIP_ZONE, EIP_DOMAIN);
        let root = Root::parse(&rows[0].1).unwrap();
        assert_eq!(root.enr_root.to_string(), "JWXYDBPXYWG6FX3GMDIBFA6CJ4");
        assert_eq!(root.link_root.to_string(), "C7HRFPF3BLGF3YR4DY5KX3SMBE");
        assert_eq!(root.seq, 1);
        assert!(root.verify(eip_url().public_key()));
        // Re-serialising gives the record back, byte for byte.
        assert_eq!(root.to_string(), rows[0].1);
        // The signer recovered from the signature is the key in EIP_SIGNER_URL...
        let hash = keccak256(root.signed.as_bytes());
        let recovered = VerifyingKey::recover_from_prehash(
            &hash,
            &Signature::from_slice(&root.signature()[..64]).unwrap(),
            k256::ecdsa::RecoveryId::from_byte(root.signature()[64]).unwrap(),
        )
        .unwrap();
        assert_eq!(
            recovered.to_sec1_point(true).as_bytes(),
            eip_url().public_key()
        );
        // ...and not the EIP's illustrative URL key, nor go-ethereum's ethdisco.net list key
        // (`AKA3AM6…`, the signer of the public Ethereum trees, sometimes taken for this one).
        assert!(!root.verify(EnrTreeUrl::parse(EIP_DOC_URL).unwrap().public_key()));
        let ethdisco =
            "enrtree://AKA3AM6LPBYEUDMVNU3BSVQJ5AD45Y7YPOHJLEF6W26QOE4VTUDPE@nodes.example.org";
        assert!(!root.verify(EnrTreeUrl::parse(ethdisco).unwrap().public_key()));
    }

    #[test]
    fn eip_example_records_hash_to_their_names() {
        for (name, text) in zone(EIP_ZONE, EIP_DOMAIN).iter().skip(1) {
            let label = name.split('.').next().unwrap();
            let hash = TreeHash::parse(label).unwrap();
            assert!(hash.matches(text), "{name}");
            assert_eq!(TreeHash::of(text), hash, "{name}");
        }
    }

    #[test]
    fn eip_example_entries_parse() {
        let rows = zone(EIP_ZONE, EIP_DOMAIN);
        let Entry::Link(link) = parse_entry(&rows[1].1).unwrap() else {
            panic!("link")
        };
        assert_eq!(link.domain(), "morenodes.example.org");
        assert_eq!(link.to_string(), rows[1].1);
        let Entry::Branch(children) = parse_entry(&rows[2].1).unwrap() else {
            panic!("branch")
        };
        assert_eq!(children.len(), 3);
        for (name, text) in &rows[3..] {
            let Entry::Enr(enr) = parse_entry(text).unwrap() else {
                panic!("enr {name}")
            };
            // eth ENRs: v4 identity and a key, nothing Waku-specific.
            assert_eq!(enr.waku2().unwrap(), None);
            assert_eq!(enr.to_base64(), *text);
        }
    }

    #[test]
    fn eip_example_walks_to_its_three_nodes() {
        let map = eip_map();
        let walk = block_on(walk(&eip_url(), &map, &seeded(10, 7))).unwrap();
        assert_eq!(walk.seq, 1);
        assert_eq!(walk.enrs.len(), 3);
        assert!(walk.skipped.is_empty(), "{:?}", walk.skipped);
        // Root, branch, three leaves; the link subtree is never fetched.
        assert_eq!(walk.lookups, 5);
        assert_eq!(map.lookups.get(), 5);
        assert!(!walk.out_of_lookups);
        let mut found: Vec<String> = walk.enrs.iter().map(Enr::to_base64).collect();
        found.sort();
        let mut want: Vec<String> = zone(EIP_ZONE, EIP_DOMAIN)[3..]
            .iter()
            .map(|(_, t)| t.clone())
            .collect();
        want.sort();
        assert_eq!(found, want);
    }

    #[test]
    fn walk_stops_at_the_limit() {
        let map = eip_map();
        let enrs = block_on(discover(&eip_url(), &map, 1)).unwrap();
        assert_eq!(enrs.len(), 1);
        // Root, branch, one leaf.
        assert_eq!(map.lookups.get(), 3);
    }

    #[test]
    fn visiting_order_depends_on_the_seed_only() {
        let order = |seed| {
            let w = block_on(walk(&eip_url(), &eip_map(), &seeded(10, seed))).unwrap();
            w.enrs.iter().map(Enr::to_base64).collect::<Vec<_>>()
        };
        assert_eq!(order(1), order(1));
        let orders: HashSet<Vec<String>> = (0..32).map(order).collect();
        assert!(orders.len() > 1, "order never varies");
    }

    #[test]
    fn limit_zero_looks_nothing_up_past_the_root() {
        let map = eip_map();
        assert_eq!(block_on(discover(&eip_url(), &map, 0)).unwrap(), vec![]);
        assert_eq!(map.lookups.get(), 1);
    }

    // --- tampering ---------------------------------------------------------------------------

    #[test]
    fn tampered_root_is_rejected() {
        let mut map = eip_map();
        let original = map.records[EIP_DOMAIN][0].clone();
        map.set(EIP_DOMAIN, &[&original.replace("seq=1", "seq=2")]);
        assert_eq!(
            block_on(discover(&eip_url(), &map, 3)),
            Err(DiscoveryError::BadSignature {
                name: EIP_DOMAIN.into()
            })
        );
        // Pointing e= elsewhere breaks it as well.
        map.set(
            EIP_DOMAIN,
            &[&original.replace(
                "e=JWXYDBPXYWG6FX3GMDIBFA6CJ4",
                "e=C7HRFPF3BLGF3YR4DY5KX3SMBE",
            )],
        );
        assert!(matches!(
            block_on(discover(&eip_url(), &map, 3)),
            Err(DiscoveryError::BadSignature { .. })
        ));
    }

    #[test]
    fn root_signed_by_another_key_is_rejected() {
        let url = EnrTreeUrl::parse(EIP_DOC_URL).unwrap();
        assert_eq!(
            block_on(discover(&url, &eip_map(), 3)),
            Err(DiscoveryError::BadSignature {
                name: EIP_DOMAIN.into()
            })
        );
    }

    #[test]
    fn tampered_leaf_is_skipped_and_named() {
        let mut map = eip_map();
        let name = format!("2XS2367YHAXJFGLZHVAWLQD4ZY.{EIP_DOMAIN}");
        // A valid ENR, just not the one this name commits to.
        let other = map.records[&format!("h4fht4b454p6uxfd7jcyq5pwdy.{EIP_DOMAIN}")][0].clone();
        map.set(&name, &[&other]);
        let walk = block_on(walk(&eip_url(), &map, &seeded(10, 3))).unwrap();
        assert_eq!(walk.enrs.len(), 2);
        assert_eq!(
            walk.skipped,
            vec![DiscoveryError::HashMismatch {
                name,
                actual: TreeHash::of(&other)
            }]
        );
    }

    #[test]
    fn tampered_branch_is_rejected() {
        let mut map = eip_map();
        let name = format!("JWXYDBPXYWG6FX3GMDIBFA6CJ4.{EIP_DOMAIN}");
        map.set(&name, &["enrtree-branch:2XS2367YHAXJFGLZHVAWLQD4ZY"]);
        let err = block_on(discover(&eip_url(), &map, 3)).unwrap_err();
        assert!(matches!(err, DiscoveryError::HashMismatch { name: n, .. } if n == name));
    }

    // --- one test per error ------------------------------------------------------------------

    #[test]
    fn url_errors() {
        let k = "AKPYQIUQIL7PSIACI32J7FGZW56E5FKHEFCCOFHILBIMW3M6LWXS2";
        let cases: &[(&str, UrlError)] = &[
            ("https://x@nodes.example.org", UrlError::Scheme),
            ("enrtree://nodes.example.org", UrlError::MissingAt),
            (
                "enrtree://akpyq!@nodes.example.org",
                UrlError::KeyEncoding(String::new()),
            ),
            (
                &format!("enrtree://{}@n", B32.encode(&[2; 32]))[..],
                UrlError::KeyLength { len: 32 },
            ),
            (
                // 0x05 is no SEC1 point tag.
                &format!("enrtree://{}@n", B32.encode(&[5; 33]))[..],
                UrlError::KeyNotOnCurve,
            ),
            (&format!("enrtree://{k}@")[..], UrlError::EmptyDomain),
            (
                &format!("enrtree://{k}@nodes..org")[..],
                UrlError::BadLabel {
                    label: String::new(),
                },
            ),
            (
                &format!("enrtree://{k}@no des.org")[..],
                UrlError::BadLabel {
                    label: "no des".into(),
                },
            ),
            (
                &format!("enrtree://{k}@{}.org", "a".repeat(64))[..],
                UrlError::BadLabel {
                    label: "a".repeat(64),
                },
            ),
            (
                &format!("enrtree://{k}@{}", ["abcdefgh"; 30].join("."))[..],
                UrlError::DomainTooLong { len: 269 },
            ),
        ];
        for (text, want) in cases {
            let got = EnrTreeUrl::parse(text).unwrap_err();
            match (want, &got) {
                (UrlError::KeyEncoding(_), UrlError::KeyEncoding(_)) => {}
                _ => assert_eq!(&got, want, "{text}"),
            }
        }
        let url: EnrTreeUrl = format!("  enrtree://{k}@nodes.example.org\n")
            .parse()
            .unwrap();
        assert_eq!(url.to_string(), format!("enrtree://{k}@nodes.example.org"));
        assert_eq!(url.domain(), "nodes.example.org");
    }

    #[test]
    fn status_and_waku_fleet_urls_parse() {
        // Reference §5.3.
        for url in [
            "enrtree://AMOJVZX4V6EXP7NTJPMAYJYST2QP6AJXYW76IU6VGJS7UVSNDYZG4@boot.prod.status.nodes.status.im",
            "enrtree://AMOJVZX4V6EXP7NTJPMAYJYST2QP6AJXYW76IU6VGJS7UVSNDYZG4@store.prod.status.nodes.status.im",
            "enrtree://AI4W5N5IFEUIHF5LESUAOSMV6TKWF2MB6GU2YK7PU4TYUGUNOCEPW@boot.staging.status.nodes.status.im",
            "enrtree://AIRVQ5DDA4FFWLRBCHJWUWOO6X6S4ZTZ5B667LQ6AJU6PEYDLRD5O@sandbox.waku.nodes.status.im",
            "enrtree://AOGYWMBYOUIMOENHXCHILPKY3ZRFEULMFI4DOM442QSZ73TT2A7VI@test.waku.nodes.status.im",
        ] {
            assert_eq!(EnrTreeUrl::parse(url).unwrap().to_string(), url);
        }
    }

    #[test]
    fn entry_errors() {
        let root = zone(EIP_ZONE, EIP_DOMAIN)[0].1.clone();
        let sig = root.split(" sig=").nth(1).unwrap();
        let long = format!("enrtree-branch:{}", "A".repeat(MAX_ENTRY_LEN));
        let cases: Vec<(String, EntryError)> = vec![
            (long.clone(), EntryError::TooLarge { len: long.len() }),
            ("v=spf1 -all".into(), EntryError::UnknownType),
            (
                root.replace("root:v1", "root:v2"),
                EntryError::RootVersion {
                    version: "v2".into(),
                },
            ),
            (
                root.replace(" sig=", " sog="),
                EntryError::RootSyntax {
                    reason: "no sig= field",
                },
            ),
            (
                root.replace(" l=", "  l="),
                EntryError::RootSyntax {
                    reason: "expected five space-separated fields",
                },
            ),
            (
                root.replace(" e=", " x="),
                EntryError::RootSyntax {
                    reason: "second field is not e=",
                },
            ),
            (
                root.replace("e=JWXYDBPXYWG6FX3GMDIBFA6CJ4", "e=JWXYDBPX"),
                EntryError::BadHash {
                    text: "JWXYDBPX".into(),
                },
            ),
            (
                root.replace("seq=1", "seq=+1"),
                EntryError::BadSeq { text: "+1".into() },
            ),
            (
                root.replace("seq=1", "seq=18446744073709551616"),
                EntryError::BadSeq {
                    text: "18446744073709551616".into(),
                },
            ),
            (
                root.replace(sig, &format!("{sig}==")),
                EntryError::SignatureEncoding(String::new()),
            ),
            (
                root.replace(sig, &sig[..84]),
                EntryError::SignatureLength { len: 63 },
            ),
            (
                "enrtree-branch:AAAA,".into(),
                EntryError::BadHash {
                    text: "AAAA".into(),
                },
            ),
            (
                "enr:-HW4Q!".into(),
                EntryError::Enr(EnrError::Base64(String::new())),
            ),
            (
                "enrtree://AAAA@x".into(),
                EntryError::Link(UrlError::KeyLength { len: 2 }),
            ),
        ];
        for (text, want) in &cases {
            let got = parse_entry(text).unwrap_err();
            match (want, &got) {
                (EntryError::SignatureEncoding(_), EntryError::SignatureEncoding(_))
                | (EntryError::Enr(EnrError::Base64(_)), EntryError::Enr(EnrError::Base64(_))) => {}
                _ => assert_eq!(&got, want, "{text}"),
            }
        }
        // A trailing comma leaves an empty hash.
        assert_eq!(
            parse_entry("enrtree-branch:JWXYDBPXYWG6FX3GMDIBFA6CJ4,").unwrap_err(),
            EntryError::BadHash {
                text: String::new()
            }
        );
        assert_eq!(
            parse_entry("enrtree-branch:").unwrap(),
            Entry::Branch(vec![])
        );
        // Hashes are case-insensitive (resolvers may lower-case names).
        assert_eq!(
            TreeHash::parse("jwxydbpxywg6fx3gmdibfa6cj4").unwrap(),
            TreeHash::parse("JWXYDBPXYWG6FX3GMDIBFA6CJ4").unwrap()
        );
    }

    #[test]
    fn resolve_error_at_the_root_is_fatal() {
        let mut map = eip_map();
        map.fail
            .insert(EIP_DOMAIN.into(), ResolveError::Transport("offline".into()));
        assert_eq!(
            block_on(discover(&eip_url(), &map, 3)),
            Err(DiscoveryError::Resolve {
                name: EIP_DOMAIN.into(),
                source: ResolveError::Transport("offline".into())
            })
        );
    }

    #[test]
    fn resolve_error_below_the_root_is_skipped() {
        let mut map = eip_map();
        let name = format!("mhtdo6tmubria2xwg5ludack24.{EIP_DOMAIN}");
        map.fail.insert(name.clone(), ResolveError::NxDomain);
        let walk = block_on(walk(&eip_url(), &map, &seeded(10, 9))).unwrap();
        assert_eq!(walk.enrs.len(), 2);
        assert_eq!(
            walk.skipped,
            vec![DiscoveryError::Resolve {
                name: format!("MHTDO6TMUBRIA2XWG5LUDACK24.{EIP_DOMAIN}"),
                source: ResolveError::NxDomain
            }]
        );
    }

    #[test]
    fn missing_root_is_reported() {
        let mut map = eip_map();
        map.set(EIP_DOMAIN, &["v=spf1 -all", "google-site-verification=x"]);
        assert_eq!(
            block_on(discover(&eip_url(), &map, 3)),
            Err(DiscoveryError::MissingRoot {
                name: EIP_DOMAIN.into()
            })
        );
    }

    #[test]
    fn root_among_other_txt_records_is_found() {
        let mut map = eip_map();
        let root = map.records[EIP_DOMAIN][0].clone();
        map.set(EIP_DOMAIN, &["v=spf1 -all", &root]);
        assert_eq!(block_on(discover(&eip_url(), &map, 3)).unwrap().len(), 3);
    }

    #[test]
    fn bad_root_is_reported() {
        let mut map = eip_map();
        map.set(EIP_DOMAIN, &["enrtree-root:v1 e=X"]);
        assert_eq!(
            block_on(discover(&eip_url(), &map, 3)),
            Err(DiscoveryError::BadRoot {
                name: EIP_DOMAIN.into(),
                source: EntryError::RootSyntax {
                    reason: "no sig= field"
                }
            })
        );
    }

    #[test]
    fn stale_root_is_refused() {
        let config = WalkConfig {
            min_seq: 2,
            ..seeded(3, 0)
        };
        assert_eq!(
            block_on(walk(&eip_url(), &eip_map(), &config)).unwrap_err(),
            DiscoveryError::StaleRoot {
                name: EIP_DOMAIN.into(),
                seq: 1,
                min_seq: 2
            }
        );
        let config = WalkConfig {
            min_seq: 1,
            ..seeded(3, 0)
        };
        assert_eq!(
            block_on(walk(&eip_url(), &eip_map(), &config))
                .unwrap()
                .enrs
                .len(),
            3
        );
    }

    /// A tree signed here, whose records the test then breaks one at a time. Re-hashing is
    /// needed so the break reaches the check under test rather than the hash check.
    fn own_tree(enrs: &[Enr]) -> (EnrTree, Map) {
        let tree = EnrTree::build(&key(200), "waku.test", 5, enrs).unwrap();
        let map = Map::from(&tree.records);
        (tree, map)
    }

    /// Replaces the ENR subtree with `record`, re-signing the root so only `record` is wrong.
    fn with_enr_root_record(record: &str) -> (EnrTreeUrl, Map, String) {
        let (tree, mut map) = own_tree(&[]);
        let hash = TreeHash::of(record);
        let root = Root::sign(&key(200), hash, tree.root.link_root, 6);
        map.set("waku.test", &[&root.to_string()]);
        let name = format!("{hash}.waku.test");
        map.set(&name, &[record]);
        (tree.url, map, name)
    }

    #[test]
    fn no_entry_is_reported() {
        let (url, mut map, name) = with_enr_root_record("enrtree-branch:");
        map.set(&name, &["v=spf1 -all"]);
        assert_eq!(
            block_on(discover(&url, &map, 3)),
            Err(DiscoveryError::NoEntry { name: name.clone() })
        );
        map.set(&name, &[]);
        assert_eq!(
            block_on(discover(&url, &map, 3)),
            Err(DiscoveryError::NoEntry { name })
        );
    }

    #[test]
    fn bad_record_is_reported() {
        // Hashes correctly, but its ENR signature is broken.
        let mut text = waku_enr(1).to_base64();
        let last = text.pop().unwrap();
        text.push(if last == 'A' { 'B' } else { 'A' });
        let (url, map, name) = with_enr_root_record(&text);
        let err = block_on(discover(&url, &map, 3)).unwrap_err();
        assert!(
            matches!(&err, DiscoveryError::BadRecord { name: n, source: EntryError::Enr(_) } if *n == name),
            "{err:?}"
        );
    }

    #[test]
    fn unexpected_entries_are_reported() {
        let link = "enrtree://AKPYQIUQIL7PSIACI32J7FGZW56E5FKHEFCCOFHILBIMW3M6LWXS2@elsewhere.org";
        let (url, map, name) = with_enr_root_record(link);
        assert_eq!(
            block_on(discover(&url, &map, 3)),
            Err(DiscoveryError::UnexpectedEntry { name, kind: "link" })
        );
        let root = zone(EIP_ZONE, EIP_DOMAIN)[0].1.clone();
        let (url, map, name) = with_enr_root_record(&root);
        assert_eq!(
            block_on(discover(&url, &map, 3)),
            Err(DiscoveryError::UnexpectedEntry { name, kind: "root" })
        );
    }

    /// A chain of single-child branches `len` long ending in one leaf, under a signed root.
    fn chain(len: usize) -> (EnrTreeUrl, Map) {
        let mut map = Map::default();
        let mut text = waku_enr(9).to_base64();
        let mut hash = TreeHash::of(&text);
        map.put(&format!("{hash}.chain.test"), &text);
        for _ in 0..len {
            text = format!("{BRANCH_PREFIX}{hash}");
            hash = TreeHash::of(&text);
            map.put(&format!("{hash}.chain.test"), &text);
        }
        let root = Root::sign(&key(3), hash, hash, 1);
        map.put("chain.test", &root.to_string());
        let url = EnrTreeUrl::new(key(3).verifying_key(), "chain.test").unwrap();
        (url, map)
    }

    #[test]
    fn too_deep_is_reported() {
        let (url, map) = chain(DEFAULT_MAX_DEPTH);
        // Exactly at the limit: branch levels 1..=8, the leaf at 9.
        assert_eq!(block_on(discover(&url, &map, 1)).unwrap().len(), 1);
        let (url, map) = chain(DEFAULT_MAX_DEPTH + 1);
        let err = block_on(discover(&url, &map, 1)).unwrap_err();
        assert!(
            matches!(
                err,
                DiscoveryError::TooDeep {
                    depth: 9,
                    max_depth: 8,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn too_many_lookups_is_reported() {
        let (url, map) = chain(6);
        let config = WalkConfig {
            max_lookups: 4,
            ..seeded(1, 0)
        };
        let walk = block_on(walk(&url, &map, &config)).unwrap();
        assert!(walk.out_of_lookups);
        assert_eq!(walk.lookups, 4);
        assert_eq!(map.lookups.get(), 4);
        // Through `discover`, with the default budget, over a wide tree of nothing but
        // branches that each point at fresh empty-named branches.
        let mut map = Map::default();
        let mut level: Vec<TreeHash> = Vec::new();
        for i in 0..300 {
            let text = format!("{BRANCH_PREFIX}{}", TreeHash::of(&format!("missing {i}")));
            let hash = TreeHash::of(&text);
            map.put(&format!("{hash}.wide.test"), &text);
            level.push(hash);
        }
        while level.len() > 1 {
            level = level
                .chunks(MAX_BRANCH_CHILDREN)
                .map(|c| {
                    let list: Vec<String> = c.iter().map(ToString::to_string).collect();
                    let text = format!("{BRANCH_PREFIX}{}", list.join(","));
                    let hash = TreeHash::of(&text);
                    map.put(&format!("{hash}.wide.test"), &text);
                    hash
                })
                .collect();
        }
        let root = Root::sign(&key(4), level[0], level[0], 1);
        map.put("wide.test", &root.to_string());
        let url = EnrTreeUrl::new(key(4).verifying_key(), "wide.test").unwrap();
        assert_eq!(
            block_on(discover(&url, &map, 2)),
            Err(DiscoveryError::TooManyLookups {
                lookups: DEFAULT_MAX_LOOKUPS
            })
        );
        assert_eq!(map.lookups.get(), DEFAULT_MAX_LOOKUPS);
    }

    #[test]
    fn cycles_and_repeats_cost_one_lookup_each() {
        // A branch that lists itself cannot be built (its hash covers its text), but two
        // branches can list the same children, and a child can repeat.
        let leaf = waku_enr(7).to_base64();
        let leaf_hash = TreeHash::of(&leaf);
        let a = format!("{BRANCH_PREFIX}{leaf_hash},{leaf_hash}");
        let b = format!("{BRANCH_PREFIX}{leaf_hash}");
        let (ha, hb) = (TreeHash::of(&a), TreeHash::of(&b));
        let top = format!("{BRANCH_PREFIX}{ha},{hb}");
        let ht = TreeHash::of(&top);
        let mut map = Map::default();
        for (h, t) in [(leaf_hash, &leaf), (ha, &a), (hb, &b), (ht, &top)] {
            map.put(&format!("{h}.rep.test"), t);
        }
        map.put("rep.test", &Root::sign(&key(5), ht, ht, 1).to_string());
        let url = EnrTreeUrl::new(key(5).verifying_key(), "rep.test").unwrap();
        let walk = block_on(walk(&url, &map, &seeded(10, 1))).unwrap();
        assert_eq!(walk.enrs.len(), 1);
        // root, top, a, b, leaf
        assert_eq!(walk.lookups, 5);
    }

    #[test]
    fn same_node_under_two_hashes_counts_once() {
        let enr = waku_enr(8);
        // The same record with stray padding hashes differently but decodes to the same node.
        let (url, mut map, _) = with_enr_root_record("enrtree-branch:");
        let texts = [enr.to_base64(), format!("{}=", enr.to_base64())];
        let hashes: Vec<String> = texts.iter().map(|t| TreeHash::of(t).to_string()).collect();
        for (t, h) in texts.iter().zip(&hashes) {
            map.put(&format!("{h}.waku.test"), t);
        }
        let branch = format!("{BRANCH_PREFIX}{}", hashes.join(","));
        let hb = TreeHash::of(&branch);
        map.put(&format!("{hb}.waku.test"), &branch);
        map.set(
            "waku.test",
            &[&Root::sign(&key(200), hb, hb, 9).to_string()],
        );
        let walk = block_on(walk(&url, &map, &seeded(10, 1))).unwrap();
        assert_eq!(walk.enrs, vec![enr]);
    }

    #[test]
    fn split_records_hash_as_joined() {
        // js-waku's case: a branch split over two character-strings mid-hash. Resolvers join
        // them; the joined text is what hashes to the name.
        let branch = "enrtree-branch:2XS2367YHAXJFGLZHVAWLQD4ZY,H4FHT4B454P6UXFD7JCYQ5PWDY,MHTDO6TMUBRIA2XWG5LUDACK24";
        let (first, second) = branch.split_at(40);
        let joined = [first, second].concat();
        assert!(
            TreeHash::parse("JWXYDBPXYWG6FX3GMDIBFA6CJ4")
                .unwrap()
                .matches(&joined)
        );
    }

    // --- building ----------------------------------------------------------------------------

    #[test]
    fn built_trees_walk_back_to_their_nodes() {
        for n in [0usize, 1, 13, 14, 40] {
            let enrs: Vec<Enr> = (0..n).map(|i| waku_enr(i as u8 + 1)).collect();
            let (tree, map) = own_tree(&enrs);
            assert_eq!(tree.records[0].0, "waku.test");
            for (name, text) in &tree.records[1..] {
                let label = name.strip_suffix(".waku.test").unwrap();
                assert!(TreeHash::parse(label).unwrap().matches(text));
                assert!(text.len() <= 512, "{} bytes", text.len());
            }
            let walk = block_on(walk(&tree.url, &map, &seeded(100, n as u64))).unwrap();
            assert!(walk.skipped.is_empty(), "{:?}", walk.skipped);
            let mut got: Vec<Vec<u8>> = walk.enrs.iter().map(|e| e.encode()).collect();
            let mut want: Vec<Vec<u8>> = enrs.iter().map(|e| e.encode()).collect();
            got.sort();
            want.sort();
            assert_eq!(got, want, "{n} nodes");
            assert_eq!(walk.seq, 5);
        }
    }

    #[test]
    fn found_nodes_keep_their_waku_fields() {
        let (tree, map) = own_tree(&[waku_enr(1)]);
        let enrs = block_on(discover(&tree.url, &map, 5)).unwrap();
        assert_eq!(enrs.len(), 1);
        assert_eq!(enrs[0].waku2().unwrap(), Some(Waku2(0x0f)));
        assert_eq!(enrs[0].peer_id(), waku_enr(1).peer_id());
        assert_eq!(enrs[0].dialable_multiaddrs().len(), 1);
    }
}
