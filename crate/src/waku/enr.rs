//! Ethereum Node Records (EIP-778), the signed address cards Waku peers hand each other in peer
//! exchange, DNS discovery and discv5, with the fields 31/WAKU2-ENR adds (`multiaddrs`, `waku2`,
//! `rs`, `rsv`).
//!
//! A record is trusted only once its "v4" signature verifies, so [`Enr::decode`] verifies before
//! it returns: there is no unverified `Enr` value to misuse. The RLP reader is our own and only as
//! large as ENRs need (byte strings and lists, at most [`MAX_SIZE`] bytes in all), because the
//! `rlp`/`enr` crates would link a second k256 into the wasm (DESIGN.md, "Lean wasm").
//!
//! Decoding is total: every input gives a record or an [`EnrError`] naming what was wrong, and a
//! decoded record re-encodes to the very bytes it came from (the signature covers them).
//!
//! Where nwaku and js-waku disagree, nwaku wins: `rsv` numbers shard *s* by bit `s % 8` counted
//! from the least significant bit of byte `s / 8` (see `rsv_bit_order_is_nwakus`).

use std::collections::BTreeMap;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use k256::ecdsa::signature::hazmat::PrehashVerifier;
use k256::ecdsa::{Signature, VerifyingKey};
use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};
use sha3::{Digest, Keccak256};

/// Re-exported so callers can sign records without naming k256 (and its version) themselves.
pub use k256::ecdsa::SigningKey;

/// EIP-778's limit on an encoded record; a larger one is refused before anything else is read.
pub const MAX_SIZE: usize = 300;
/// The text form's prefix.
pub const TEXT_PREFIX: &str = "enr:";
/// How deeply lists may nest inside a record (the record's own list is depth 1). EIP-778 sets no
/// limit; values seen in the wild nest at most twice (`eth`), and a bound keeps recursion small.
pub const MAX_DEPTH: usize = 8;
/// nwaku switches from `rs` to `rsv` at this many shards (`ShardingIndicesListMaxLength`).
pub const RS_MAX_SHARDS: usize = 64;
/// The highest shard index `rsv` can carry (its vector is 1024 bits).
pub const MAX_SHARD: u16 = 1023;

/// The keys this module reads or writes, as EIP-778 and 31/WAKU2-ENR spell them.
pub mod keys {
    pub const ID: &str = "id";
    pub const SECP256K1: &str = "secp256k1";
    pub const IP: &str = "ip";
    pub const IP6: &str = "ip6";
    pub const TCP: &str = "tcp";
    pub const TCP6: &str = "tcp6";
    pub const UDP: &str = "udp";
    pub const UDP6: &str = "udp6";
    pub const MULTIADDRS: &str = "multiaddrs";
    pub const WAKU2: &str = "waku2";
    pub const RS: &str = "rs";
    pub const RSV: &str = "rsv";
}

/// The only identity scheme EIP-778 defines, and the only one Waku uses.
const SCHEME_V4: &[u8] = b"v4";

/// What is wrong with RLP bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RlpError {
    #[error("input ends inside an item")]
    Truncated,
    #[error("a length or single byte is not in its shortest form")]
    NonCanonical,
    #[error("lists nest deeper than {MAX_DEPTH}")]
    TooDeep,
    #[error("{count} bytes follow the record")]
    Trailing { count: usize },
}

/// Every way a record can be refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnrError {
    #[error("text form must start with \"{TEXT_PREFIX}\"")]
    Prefix,
    #[error("text form is not URL-safe base64 without padding: {0}")]
    Base64(String),
    #[error("record is {len} bytes, over the {MAX_SIZE}-byte limit")]
    TooLarge { len: usize },
    #[error("RLP: {0}")]
    Rlp(#[from] RlpError),
    #[error("record is not an RLP list")]
    NotAList,
    #[error("record must be a signature, a sequence number and key/value pairs, got {items} items")]
    Shape { items: usize },
    #[error("sequence number must be an integer of at most 8 bytes")]
    Seq,
    #[error("key number {index} is a list, not a byte string")]
    KeyNotBytes { index: usize },
    #[error("key {key:?} comes after {previous:?}: keys must be sorted")]
    Unsorted { key: String, previous: String },
    #[error("key {key:?} appears twice")]
    DuplicateKey { key: String },
    #[error("required key {key:?} is missing")]
    MissingKey { key: &'static str },
    #[error("identity scheme {id:?} is not \"v4\"")]
    UnknownScheme { id: String },
    #[error("signature must be 64 bytes (r ‖ s), got {len}")]
    SignatureLength { len: usize },
    #[error("signature does not verify against the record's secp256k1 key")]
    BadSignature,
    #[error("field {key:?}: {reason}")]
    BadField { key: String, reason: String },
}

impl EnrError {
    fn field(key: &str, reason: impl Into<String>) -> Self {
        Self::BadField {
            key: key.to_owned(),
            reason: reason.into(),
        }
    }
}

fn key_text(key: &[u8]) -> String {
    String::from_utf8_lossy(key).into_owned()
}

// ---------------------------------------------------------------------------------------------
// RLP: just byte strings and lists, canonical forms only.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bytes,
    List,
}

/// One RLP item: `raw` is its whole encoding, `payload` what the header announces.
#[derive(Debug, Clone, Copy)]
struct Item<'a> {
    kind: Kind,
    raw: &'a [u8],
    payload: &'a [u8],
}

/// Reads one item off the front of `input`, returning it and what follows.
fn read_item(input: &[u8]) -> Result<(Item<'_>, &[u8]), RlpError> {
    let (&first, rest) = input.split_first().ok_or(RlpError::Truncated)?;
    let (kind, header, len) = match first {
        0x00..=0x7f => {
            let (raw, after) = input.split_at(1);
            let item = Item {
                kind: Kind::Bytes,
                raw,
                payload: raw,
            };
            return Ok((item, after));
        }
        0x80..=0xb7 => {
            let len = usize::from(first - 0x80);
            if len == 1 && rest.first().is_some_and(|b| *b < 0x80) {
                // A single byte below 0x80 is its own encoding.
                return Err(RlpError::NonCanonical);
            }
            (Kind::Bytes, 1, len)
        }
        0xb8..=0xbf => {
            let n = usize::from(first - 0xb7);
            (Kind::Bytes, 1 + n, long_length(rest, n)?)
        }
        0xc0..=0xf7 => (Kind::List, 1, usize::from(first - 0xc0)),
        0xf8..=0xff => {
            let n = usize::from(first - 0xf7);
            (Kind::List, 1 + n, long_length(rest, n)?)
        }
    };
    let end = header.checked_add(len).ok_or(RlpError::Truncated)?;
    if end > input.len() {
        return Err(RlpError::Truncated);
    }
    let (raw, after) = input.split_at(end);
    Ok((
        Item {
            kind,
            raw,
            payload: &raw[header..],
        },
        after,
    ))
}

/// The length in a long-form header: `count` big-endian bytes, no leading zero, at least 56.
fn long_length(rest: &[u8], count: usize) -> Result<usize, RlpError> {
    let bytes = rest.get(..count).ok_or(RlpError::Truncated)?;
    if bytes.first() == Some(&0) {
        return Err(RlpError::NonCanonical);
    }
    // `count` is at most 8; a length that does not fit a usize cannot fit the input either.
    let mut len: u64 = 0;
    for b in bytes {
        len = (len << 8) | u64::from(*b);
    }
    if len < 56 {
        return Err(RlpError::NonCanonical);
    }
    usize::try_from(len).map_err(|_| RlpError::Truncated)
}

/// The items of a list's payload, each checked down to `depth`.
fn list_items(payload: &[u8], depth: usize) -> Result<Vec<Item<'_>>, RlpError> {
    let mut items = Vec::new();
    let mut rest = payload;
    while !rest.is_empty() {
        let (item, after) = read_item(rest)?;
        if item.kind == Kind::List {
            if depth + 1 > MAX_DEPTH {
                return Err(RlpError::TooDeep);
            }
            list_items(item.payload, depth + 1)?;
        }
        items.push(item);
        rest = after;
    }
    Ok(items)
}

fn put_header(out: &mut Vec<u8>, short: u8, len: usize) {
    if len < 56 {
        // `len < 56` fits the tag byte.
        out.push(short + len as u8);
    } else {
        let be = (len as u64).to_be_bytes();
        let skip = be.iter().take_while(|b| **b == 0).count();
        out.push(short + 55 + (8 - skip) as u8);
        out.extend_from_slice(&be[skip..]);
    }
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    if let [b] = bytes
        && *b < 0x80
    {
        out.push(*b);
        return;
    }
    put_header(out, 0x80, bytes.len());
    out.extend_from_slice(bytes);
}

fn rlp_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 3);
    put_bytes(&mut out, bytes);
    out
}

fn list(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 3);
    put_header(&mut out, 0xc0, payload.len());
    out.extend_from_slice(payload);
    out
}

/// An integer as EIP-778 stores it: big-endian, no leading zeros (0 is the empty string).
fn int_bytes(n: u64) -> Vec<u8> {
    let be = n.to_be_bytes();
    let skip = be.iter().take_while(|b| **b == 0).count();
    be[skip..].to_vec()
}

fn keccak256(bytes: &[u8]) -> [u8; 32] {
    Keccak256::digest(bytes).into()
}

// ---------------------------------------------------------------------------------------------
// The record

/// A verified node record. Two records are equal when their bytes are.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Enr {
    raw: Vec<u8>,
    seq: u64,
    signature: [u8; 64],
    /// Keys with their values as RLP items (a value may be a list), sorted by key.
    pairs: Vec<(Vec<u8>, Vec<u8>)>,
    public_key: [u8; 33],
    peer_id: PeerId,
}

impl Enr {
    /// Decodes and verifies an RLP-encoded record (what peer exchange carries).
    pub fn decode(bytes: &[u8]) -> Result<Self, EnrError> {
        if bytes.len() > MAX_SIZE {
            return Err(EnrError::TooLarge { len: bytes.len() });
        }
        let (record, trailing) = read_item(bytes)?;
        if record.kind != Kind::List {
            return Err(EnrError::NotAList);
        }
        let items = list_items(record.payload, 1)?;
        if !trailing.is_empty() {
            return Err(RlpError::Trailing {
                count: trailing.len(),
            }
            .into());
        }
        if items.len() < 2 || items.len() % 2 != 0 {
            return Err(EnrError::Shape { items: items.len() });
        }
        let seq = decode_seq(&items[1])?;
        let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = Vec::with_capacity(items.len() / 2 - 1);
        for (n, kv) in items[2..].chunks_exact(2).enumerate() {
            let key = &kv[0];
            if key.kind != Kind::Bytes {
                return Err(EnrError::KeyNotBytes { index: n });
            }
            if let Some((previous, _)) = pairs.last() {
                match previous.as_slice().cmp(key.payload) {
                    std::cmp::Ordering::Less => {}
                    std::cmp::Ordering::Equal => {
                        return Err(EnrError::DuplicateKey {
                            key: key_text(key.payload),
                        });
                    }
                    std::cmp::Ordering::Greater => {
                        return Err(EnrError::Unsorted {
                            key: key_text(key.payload),
                            previous: key_text(previous),
                        });
                    }
                }
            }
            pairs.push((key.payload.to_vec(), kv[1].raw.to_vec()));
        }
        let find = |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == key.as_bytes())
                .map(|(_, v)| v.as_slice())
        };
        let id = find(keys::ID).ok_or(EnrError::MissingKey { key: keys::ID })?;
        if string_payload(id) != Some(SCHEME_V4) {
            return Err(EnrError::UnknownScheme {
                id: string_payload(id)
                    .map(key_text)
                    .unwrap_or_else(|| "<list>".into()),
            });
        }
        let key = find(keys::SECP256K1).ok_or(EnrError::MissingKey {
            key: keys::SECP256K1,
        })?;
        let public_key: [u8; 33] = string_payload(key)
            .and_then(|k| k.try_into().ok())
            .ok_or_else(|| EnrError::field(keys::SECP256K1, "must be a 33-byte compressed key"))?;
        let verifying = VerifyingKey::from_sec1_bytes(&public_key)
            .map_err(|_| EnrError::field(keys::SECP256K1, "not a point on secp256k1"))?;
        let peer_id = libp2p::identity::secp256k1::PublicKey::try_from_bytes(&public_key)
            .map(|k| libp2p::identity::PublicKey::from(k).to_peer_id())
            .map_err(|_| EnrError::field(keys::SECP256K1, "not a libp2p secp256k1 key"))?;

        let signature_item = &items[0];
        let signature: [u8; 64] = match signature_item.kind {
            Kind::Bytes => {
                signature_item
                    .payload
                    .try_into()
                    .map_err(|_| EnrError::SignatureLength {
                        len: signature_item.payload.len(),
                    })?
            }
            Kind::List => {
                return Err(EnrError::SignatureLength {
                    len: signature_item.raw.len(),
                });
            }
        };
        // The signed content is the record's list minus its first item.
        let content = list(&record.payload[signature_item.raw.len()..]);
        let sig = Signature::from_slice(&signature).map_err(|_| EnrError::BadSignature)?;
        verifying
            .verify_prehash(&keccak256(&content), &sig)
            .map_err(|_| EnrError::BadSignature)?;
        Ok(Self {
            raw: bytes.to_vec(),
            seq,
            signature,
            pairs,
            public_key,
            peer_id,
        })
    }

    /// Parses the text form `enr:<base64url>`, as printed by nodes and carried in DNS trees.
    /// Surrounding whitespace and stray `=` padding are tolerated, since records get pasted.
    pub fn from_base64(text: &str) -> Result<Self, EnrError> {
        let body = text
            .trim()
            .strip_prefix(TEXT_PREFIX)
            .ok_or(EnrError::Prefix)?
            .trim_end_matches('=');
        // Bound the allocation before decoding: 300 bytes are at most 400 characters.
        if body.len() > MAX_SIZE.div_ceil(3) * 4 {
            return Err(EnrError::TooLarge {
                len: body.len() / 4 * 3,
            });
        }
        let bytes = data_encoding::BASE64URL_NOPAD
            .decode(body.as_bytes())
            .map_err(|e| EnrError::Base64(e.to_string()))?;
        Self::decode(&bytes)
    }

    /// The text form, `enr:` followed by URL-safe base64 without padding.
    pub fn to_base64(&self) -> String {
        format!(
            "{TEXT_PREFIX}{}",
            data_encoding::BASE64URL_NOPAD.encode(&self.raw)
        )
    }

    /// The RLP encoding: the bytes this record was decoded from or signed as, kept rather than
    /// re-serialized because the signature covers exactly them.
    pub fn encode(&self) -> Vec<u8> {
        self.raw.clone()
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.raw
    }

    /// Signs a record whose values are all byte strings. `id` and `secp256k1` are added from
    /// `key`; passing either is a [`EnrError::DuplicateKey`], as is passing any key twice.
    pub fn sign<K, V>(
        key: &SigningKey,
        seq: u64,
        fields: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, EnrError>
    where
        K: AsRef<[u8]>,
        V: AsRef<[u8]>,
    {
        let items = fields
            .into_iter()
            .map(|(k, v)| (k.as_ref().to_vec(), rlp_bytes(v.as_ref())))
            .collect();
        sign_items(key, seq, items)
    }

    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The 64-byte `r ‖ s` "v4" signature.
    pub fn signature(&self) -> &[u8; 64] {
        &self.signature
    }

    /// The 33-byte compressed secp256k1 key the record is signed with.
    pub fn public_key(&self) -> &[u8; 33] {
        &self.public_key
    }

    /// discv5's node id: keccak256 of the uncompressed key without its `0x04` prefix.
    pub fn node_id(&self) -> [u8; 32] {
        match VerifyingKey::from_sec1_bytes(&self.public_key) {
            Ok(key) => keccak256(&key.to_sec1_point(false).as_bytes()[1..]),
            // Checked in `decode`; every `Enr` went through it.
            Err(_) => [0; 32],
        }
    }

    /// The libp2p peer id of the record's key: who a dial to its addresses must reach.
    pub fn peer_id(&self) -> PeerId {
        self.peer_id
    }

    /// Keys and their values as RLP items, sorted by key.
    pub fn pairs(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.pairs.iter().map(|(k, v)| (k.as_slice(), v.as_slice()))
    }

    /// A value as its RLP item (lists included).
    pub fn get_raw(&self, key: &str) -> Option<&[u8]> {
        self.pairs
            .binary_search_by(|(k, _)| k.as_slice().cmp(key.as_bytes()))
            .ok()
            .map(|i| self.pairs[i].1.as_slice())
    }

    /// A value that is a byte string; `None` when the key is absent or its value is a list.
    pub fn get(&self, key: &str) -> Option<&[u8]> {
        self.get_raw(key).and_then(string_payload)
    }

    /// A byte-string field for the typed accessors: absent is fine, a list is malformed.
    fn bytes_field(&self, key: &str) -> Result<Option<&[u8]>, EnrError> {
        match self.get_raw(key) {
            None => Ok(None),
            Some(raw) => string_payload(raw)
                .map(Some)
                .ok_or_else(|| EnrError::field(key, "is a list, not a byte string")),
        }
    }

    pub fn ip(&self) -> Result<Option<Ipv4Addr>, EnrError> {
        self.bytes_field(keys::IP)?
            .map(|b| {
                <[u8; 4]>::try_from(b)
                    .map(Ipv4Addr::from)
                    .map_err(|_| EnrError::field(keys::IP, format!("{} bytes, not 4", b.len())))
            })
            .transpose()
    }

    pub fn ip6(&self) -> Result<Option<Ipv6Addr>, EnrError> {
        self.bytes_field(keys::IP6)?
            .map(|b| {
                <[u8; 16]>::try_from(b)
                    .map(Ipv6Addr::from)
                    .map_err(|_| EnrError::field(keys::IP6, format!("{} bytes, not 16", b.len())))
            })
            .transpose()
    }

    pub fn tcp(&self) -> Result<Option<u16>, EnrError> {
        self.port(keys::TCP)
    }

    /// EIP-778: "if omitted, same as tcp"; this returns only what the record says.
    pub fn tcp6(&self) -> Result<Option<u16>, EnrError> {
        self.port(keys::TCP6)
    }

    pub fn udp(&self) -> Result<Option<u16>, EnrError> {
        self.port(keys::UDP)
    }

    pub fn udp6(&self) -> Result<Option<u16>, EnrError> {
        self.port(keys::UDP6)
    }

    /// Ports are big-endian integers. js-waku always writes two bytes (a leading zero below 256)
    /// where EIP-778 would write one, so both are read.
    fn port(&self, key: &str) -> Result<Option<u16>, EnrError> {
        self.bytes_field(key)?
            .map(|b| match *b {
                [lo] if lo != 0 => Ok(u16::from(lo)),
                [hi, lo] if (hi, lo) != (0, 0) => Ok(u16::from_be_bytes([hi, lo])),
                _ => Err(EnrError::field(
                    key,
                    format!("port must be 1 or 2 bytes and not 0, got {b:02x?}"),
                )),
            })
            .transpose()
    }

    /// The `multiaddrs` field: addresses EIP-778's own keys cannot say (dns, ws, wss, …).
    /// Broken framing is an error; an entry that frames correctly but does not parse as a
    /// multiaddr (a protocol this libp2p does not know) is skipped, as nwaku skips it, so one
    /// unfamiliar address does not hide the rest.
    pub fn multiaddrs(&self) -> Result<Option<Vec<Multiaddr>>, EnrError> {
        let Some(mut rest) = self.bytes_field(keys::MULTIADDRS)? else {
            return Ok(None);
        };
        let mut out = Vec::new();
        while !rest.is_empty() {
            let [hi, lo, tail @ ..] = rest else {
                return Err(EnrError::field(
                    keys::MULTIADDRS,
                    "ends inside a length prefix",
                ));
            };
            let len = usize::from(u16::from_be_bytes([*hi, *lo]));
            if len == 0 {
                return Err(EnrError::field(keys::MULTIADDRS, "empty entry"));
            }
            let Some(addr) = tail.get(..len) else {
                return Err(EnrError::field(keys::MULTIADDRS, "ends inside an entry"));
            };
            if let Ok(addr) = Multiaddr::try_from(addr.to_vec()) {
                out.push(addr);
            }
            rest = &tail[len..];
        }
        Ok(Some(out))
    }

    pub fn waku2(&self) -> Result<Option<Waku2>, EnrError> {
        self.bytes_field(keys::WAKU2)?
            .map(|b| match *b {
                [flags] => Ok(Waku2(flags)),
                _ => Err(EnrError::field(
                    keys::WAKU2,
                    format!("{} bytes, not 1", b.len()),
                )),
            })
            .transpose()
    }

    /// The `rs` field (index list).
    pub fn rs(&self) -> Result<Option<RelayShards>, EnrError> {
        self.bytes_field(keys::RS)?
            .map(RelayShards::from_rs)
            .transpose()
    }

    /// The `rsv` field (bit vector).
    pub fn rsv(&self) -> Result<Option<RelayShards>, EnrError> {
        self.bytes_field(keys::RSV)?
            .map(RelayShards::from_rsv)
            .transpose()
    }

    /// The shards the node relays, from `rs` or else `rsv`: nwaku's order, falling back to `rsv`
    /// when `rs` is unreadable.
    pub fn relay_shards(&self) -> Result<Option<RelayShards>, EnrError> {
        match self.rs() {
            Ok(Some(rs)) => Ok(Some(rs)),
            Ok(None) => self.rsv(),
            Err(e) => match self.rsv() {
                Ok(Some(rsv)) => Ok(Some(rsv)),
                _ => Err(e),
            },
        }
    }

    /// Every address a dialer can try, each ending in `/p2p/<peer id>`: `ip`+`tcp`,
    /// `ip6`+`tcp6` (or `tcp`), then the `multiaddrs` entries. Malformed fields are skipped, not
    /// fatal: a record with one bad field may still be reachable by another.
    pub fn dialable_multiaddrs(&self) -> Vec<Multiaddr> {
        let mut out: Vec<Multiaddr> = Vec::new();
        let tcp = self.tcp().ok().flatten();
        if let (Ok(Some(ip)), Some(port)) = (self.ip(), tcp) {
            out.push(
                Multiaddr::empty()
                    .with(Protocol::Ip4(ip))
                    .with(Protocol::Tcp(port)),
            );
        }
        if let (Ok(Some(ip)), Some(port)) = (self.ip6(), self.tcp6().ok().flatten().or(tcp)) {
            out.push(
                Multiaddr::empty()
                    .with(Protocol::Ip6(ip))
                    .with(Protocol::Tcp(port)),
            );
        }
        if let Ok(Some(addrs)) = self.multiaddrs() {
            out.extend(addrs);
        }
        let mut dialable = Vec::with_capacity(out.len());
        for addr in out {
            // `Err`: the entry names another peer, which this record cannot vouch for.
            if let Ok(addr) = addr.with_p2p(self.peer_id)
                && !dialable.contains(&addr)
            {
                dialable.push(addr);
            }
        }
        dialable
    }
}

impl fmt::Display for Enr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl fmt::Debug for Enr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Enr")
            .field("seq", &self.seq)
            .field("peer_id", &self.peer_id)
            .field("text", &self.to_base64())
            .finish()
    }
}

impl FromStr for Enr {
    type Err = EnrError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_base64(s)
    }
}

/// The payload of an RLP item that is a byte string.
fn string_payload(raw: &[u8]) -> Option<&[u8]> {
    match read_item(raw) {
        Ok((item, [])) if item.kind == Kind::Bytes => Some(item.payload),
        _ => None,
    }
}

/// js-waku writes sequence number 0 as one zero byte, so leading zeros are read past, not refused.
fn decode_seq(item: &Item<'_>) -> Result<u64, EnrError> {
    if item.kind != Kind::Bytes {
        return Err(EnrError::Seq);
    }
    let skip = item.payload.iter().take_while(|b| **b == 0).count();
    let significant = &item.payload[skip..];
    if significant.len() > 8 {
        return Err(EnrError::Seq);
    }
    Ok(significant
        .iter()
        .fold(0u64, |n, b| (n << 8) | u64::from(*b)))
}

/// Signs `items` (key, value as an RLP item) after adding `id` and `secp256k1`.
fn sign_items(
    key: &SigningKey,
    seq: u64,
    mut items: Vec<(Vec<u8>, Vec<u8>)>,
) -> Result<Enr, EnrError> {
    let public = key.verifying_key().to_sec1_point(true);
    items.push((keys::ID.as_bytes().to_vec(), rlp_bytes(SCHEME_V4)));
    items.push((
        keys::SECP256K1.as_bytes().to_vec(),
        rlp_bytes(public.as_bytes()),
    ));
    items.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(w) = items.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(EnrError::DuplicateKey {
            key: key_text(&w[0].0),
        });
    }
    let mut content = rlp_bytes(&int_bytes(seq));
    for (k, v) in &items {
        put_bytes(&mut content, k);
        content.extend_from_slice(v);
    }
    let (signature, _) = key.sign_prehash_recoverable(&keccak256(&list(&content)));
    let mut payload = rlp_bytes(&signature.to_bytes());
    payload.extend_from_slice(&content);
    let record = list(&payload);
    if record.len() > MAX_SIZE {
        return Err(EnrError::TooLarge { len: record.len() });
    }
    // Decoding what we built checks it the way every peer will.
    Enr::decode(&record)
}

// ---------------------------------------------------------------------------------------------
// Builder and the Waku field types

/// Builds and signs a record field by field; later calls for the same key replace earlier ones.
#[derive(Debug, Clone, Default)]
pub struct EnrBuilder {
    seq: u64,
    fields: BTreeMap<Vec<u8>, Vec<u8>>,
    /// The first field that could not be encoded, reported by `sign`.
    error: Option<EnrError>,
}

impl EnrBuilder {
    pub fn new(seq: u64) -> Self {
        Self {
            seq,
            ..Self::default()
        }
    }

    /// Any byte-string field, for keys this module has no method for.
    pub fn bytes(mut self, key: &str, value: &[u8]) -> Self {
        self.fields
            .insert(key.as_bytes().to_vec(), rlp_bytes(value));
        self
    }

    pub fn ip4(self, ip: Ipv4Addr) -> Self {
        self.bytes(keys::IP, &ip.octets())
    }

    pub fn ip6(self, ip: Ipv6Addr) -> Self {
        self.bytes(keys::IP6, &ip.octets())
    }

    pub fn tcp(self, port: u16) -> Self {
        self.bytes(keys::TCP, &int_bytes(port.into()))
    }

    pub fn tcp6(self, port: u16) -> Self {
        self.bytes(keys::TCP6, &int_bytes(port.into()))
    }

    pub fn udp(self, port: u16) -> Self {
        self.bytes(keys::UDP, &int_bytes(port.into()))
    }

    pub fn udp6(self, port: u16) -> Self {
        self.bytes(keys::UDP6, &int_bytes(port.into()))
    }

    /// Sets `multiaddrs`. Any `/p2p/…` part is dropped: the record's key already names the peer
    /// and js-waku refuses entries that carry one.
    pub fn multiaddrs(mut self, addrs: &[Multiaddr]) -> Self {
        let mut value = Vec::new();
        for addr in addrs {
            let bare: Multiaddr = addr
                .iter()
                .filter(|p| !matches!(p, Protocol::P2p(_)))
                .collect();
            let bytes = bare.to_vec();
            let Ok(len) = u16::try_from(bytes.len()) else {
                self.error
                    .get_or_insert(EnrError::TooLarge { len: bytes.len() });
                continue;
            };
            value.extend_from_slice(&len.to_be_bytes());
            value.extend_from_slice(&bytes);
        }
        self.bytes(keys::MULTIADDRS, &value)
    }

    pub fn waku2(self, flags: Waku2) -> Self {
        self.bytes(keys::WAKU2, &[flags.0])
    }

    /// Sets `rs`, or `rsv` from [`RS_MAX_SHARDS`] shards on, as nwaku chooses.
    pub fn relay_shards(mut self, shards: &RelayShards) -> Self {
        let encoded = if shards.shards.len() >= RS_MAX_SHARDS {
            shards.to_rsv().map(|v| (keys::RSV, v))
        } else {
            shards.to_rs().map(|v| (keys::RS, v))
        };
        match encoded {
            Ok((key, value)) => self.bytes(key, &value),
            Err(e) => {
                self.error.get_or_insert(e);
                self
            }
        }
    }

    pub fn sign(self, key: &SigningKey) -> Result<Enr, EnrError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        sign_items(key, self.seq, self.fields.into_iter().collect())
    }
}

/// The `waku2` capability bits (31/WAKU2-ENR; bit numbers from nwaku's `Capabilities`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Waku2(pub u8);

impl Waku2 {
    pub const RELAY: Self = Self(1);
    pub const STORE: Self = Self(1 << 1);
    pub const FILTER: Self = Self(1 << 2);
    pub const LIGHTPUSH: Self = Self(1 << 3);
    pub const SYNC: Self = Self(1 << 4);
    pub const MIX: Self = Self(1 << 5);

    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for Waku2 {
    type Output = Self;

    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl fmt::Debug for Waku2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (Self::RELAY, "relay"),
            (Self::STORE, "store"),
            (Self::FILTER, "filter"),
            (Self::LIGHTPUSH, "lightpush"),
            (Self::SYNC, "sync"),
            (Self::MIX, "mix"),
        ];
        let set: Vec<&str> = names
            .iter()
            .filter(|(flag, _)| self.contains(*flag))
            .map(|(_, name)| *name)
            .collect();
        write!(f, "Waku2({:#04x}: {})", self.0, set.join("|"))
    }
}

/// The relay shards a record announces (`rs` or `rsv`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RelayShards {
    pub cluster: u16,
    pub shards: Vec<u16>,
}

impl RelayShards {
    pub fn contains(&self, cluster: u16, shard: u16) -> bool {
        self.cluster == cluster && self.shards.contains(&shard)
    }

    /// `rs`: cluster (u16 BE), count (u8), then each shard (u16 BE).
    pub fn to_rs(&self) -> Result<Vec<u8>, EnrError> {
        let count = u8::try_from(self.shards.len())
            .map_err(|_| EnrError::field(keys::RS, "more than 255 shards"))?;
        let mut out = Vec::with_capacity(3 + 2 * self.shards.len());
        out.extend_from_slice(&self.cluster.to_be_bytes());
        out.push(count);
        for shard in &self.shards {
            out.extend_from_slice(&shard.to_be_bytes());
        }
        Ok(out)
    }

    pub fn from_rs(bytes: &[u8]) -> Result<Self, EnrError> {
        let [c0, c1, count, rest @ ..] = bytes else {
            return Err(EnrError::field(
                keys::RS,
                format!("{} bytes, fewer than 3", bytes.len()),
            ));
        };
        if rest.len() != 2 * usize::from(*count) {
            return Err(EnrError::field(
                keys::RS,
                format!("says {count} shards but holds {} bytes of them", rest.len()),
            ));
        }
        let shards = rest
            .chunks_exact(2)
            .map(|s| u16::from_be_bytes([s[0], s[1]]))
            .collect();
        Ok(Self {
            cluster: u16::from_be_bytes([*c0, *c1]),
            shards,
        })
    }

    /// `rsv`: cluster (u16 BE), then 128 bytes where shard `s` is bit `s % 8` (from the least
    /// significant) of byte `s / 8`, as nwaku and go-waku write it.
    pub fn to_rsv(&self) -> Result<Vec<u8>, EnrError> {
        let mut out = vec![0u8; 130];
        out[..2].copy_from_slice(&self.cluster.to_be_bytes());
        for &shard in &self.shards {
            if shard > MAX_SHARD {
                return Err(EnrError::field(
                    keys::RSV,
                    format!("shard {shard} is over {MAX_SHARD}"),
                ));
            }
            out[2 + usize::from(shard / 8)] |= 1 << (shard % 8);
        }
        Ok(out)
    }

    pub fn from_rsv(bytes: &[u8]) -> Result<Self, EnrError> {
        if bytes.len() != 130 {
            return Err(EnrError::field(
                keys::RSV,
                format!("{} bytes, not 130", bytes.len()),
            ));
        }
        let mut shards = Vec::new();
        for (i, byte) in bytes[2..].iter().enumerate() {
            for bit in 0..8u16 {
                if byte & (1 << bit) != 0 {
                    // i < 128, so the shard is at most 1023.
                    shards.push(i as u16 * 8 + bit);
                }
            }
        }
        Ok(Self {
            cluster: u16::from_be_bytes([bytes[0], bytes[1]]),
            shards,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// EIP-778's example record, with its key and node id.
    const EIP778_TEXT: &str = "enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZXJBGkcnh4MHcBFZntXNFrdvJjX04jRzjzCBOonrkTfj499SZuOh8R33Ls8RRcy5wBgmlkgnY0gmlwhH8AAAGJc2VjcDI1NmsxoQPKY0yuDUmstAHYpMa2_oxVtw0RW_QAdpzBQA8yWM0xOIN1ZHCCdl8";
    const EIP778_HEX: &str = "f884b8407098ad865b00a582051940cb9cf36836572411a47278783077011599ed5cd16b76f2635f4e234738f30813a89eb9137e3e3df5266e3a1f11df72ecf1145ccb9c01826964827634826970847f00000189736563703235366b31a103ca634cae0d49acb401d8a4c6b6fe8c55b70d115bf400769cc1400f3258cd31388375647082765f";
    const EIP778_KEY: &str = "b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291";
    const EIP778_NODE_ID: &str = "a448f24c6d18e575453db13171562b71999873db5b286df957af199ec94617f7";

    /// js-waku `packages/enr/src/enr.spec.ts`, "should decode valid enr with tcp successfully".
    const JS_WAKU_TCP: &str = "enr:-IS4QAmC_o1PMi5DbR4Bh4oHVyQunZblg4bTaottPtBodAhJZvxVlWW-4rXITPNg4mwJ8cW__D9FBDc9N4mdhyMqB-EBgmlkgnY0gmlwhIbRi9KJc2VjcDI1NmsxoQOevTdO6jvv3fRruxguKR-3Ge4bcFsLeAIWEDjrfaigNoN0Y3CCdl8";
    /// js-waku `enr.spec.ts`, "[shared test vector]": three multiaddrs, one of them onion3.
    const JS_WAKU_MULTIADDRS: &str = "enr:-QEnuEBEAyErHEfhiQxAVQoWowGTCuEF9fKZtXSd7H_PymHFhGJA3rGAYDVSHKCyJDGRLBGsloNbS8AZF33IVuefjOO6BIJpZIJ2NIJpcIQS39tkim11bHRpYWRkcnO4lgAvNihub2RlLTAxLmRvLWFtczMud2FrdXYyLnRlc3Quc3RhdHVzaW0ubmV0BgG73gMAODcxbm9kZS0wMS5hYy1jbi1ob25na29uZy1jLndha3V2Mi50ZXN0LnN0YXR1c2ltLm5ldAYBu94DACm9A62t7AQL4Ef5ZYZosRpQTzFVAB8jGjf1TER2wH-0zBOe1-MDBNLeA4lzZWNwMjU2azGhAzfsxbxyCkgCqq8WwYsVWH7YkpMLnU2Bw5xJSimxKav-g3VkcIIjKA";
    /// js-waku `enr.spec.ts`: an Ethereum consensus-layer record (`eth2`, `attnets`).
    const JS_WAKU_ETH2: &str = "enr:-Ku4QMh15cIjmnq-co5S3tYaNXxDzKTgj0ufusA-QfZ66EWHNsULt2kb0eTHoo1Dkjvvf6CAHDS1Di-htjiPFZzaIPcLh2F0dG5ldHOIAAAAAAAAAACEZXRoMpD2d10HAAABE________x8AgmlkgnY0gmlwhHZFkMSJc2VjcDI1NmsxoQIWSDEWdHwdEA3Lw2B_byeFQOINTZ0GdtF9DBjes6JqtIN1ZHCCIyg";
    /// js-waku `enr.spec.ts`, "should throw error - no public key".
    const JS_WAKU_NO_KEY: &str = "enr:-IS4QJ2d11eu6dC7E7LoXeLMgMP3kom1u3SE8esFSWvaHoo0dP1jg8O3-nx9ht-EO3CmG7L6OkHcMmoIh00IYWB92QABgmlkgnY0gmlwhH8AAAGJc2d11eu6dCsxoQIB_c-jQMOXsbjWkbN-kj99H57gfId5pfb4wa1qxwV4CIN1ZHCCIyk";
    /// nwaku `tests/test_waku_enr.nim`, "decode record with multiaddrs field" (store-01.do-ams3).
    const NWAKU_STORE: &str = "enr:-QEMuEAs8JmmyUI3b9v_ADqYtELHUYAsAMS21lA2BMtrzF86tVmyy9cCrhmzfHGHx_g3nybn7jIRybzXTGNj3C2KzrriAYJpZIJ2NIJpcISf3_Jeim11bHRpYWRkcnO4XAArNiZzdG9yZS0wMS5kby1hbXMzLnN0YXR1cy5wcm9kLnN0YXR1cy5pbQZ2XwAtNiZzdG9yZS0wMS5kby1hbXMzLnN0YXR1cy5wcm9kLnN0YXR1cy5pbQYBu94DgnJzjQAQBQABACAAQACAAQCJc2VjcDI1NmsxoQLfoaQH3oSYW59yxEBfeAZbltmUnC4BzYkHqer2VQMTyoN0Y3CCdl-DdWRwgiMohXdha3UyAw";
    /// nwaku `tests/test_waku_enr.nim`: a non-Waku (Ethereum) record.
    const NWAKU_NON_WAKU: &str = "enr:-KG4QOtcP9X1FbIMOe17QNMKqDxCpm14jcX5tiOE4_TyMrFqbmhPZHK_ZPG2Gxb1GE2xdtodOfx9-cgvNtxnRyHEmC0ghGV0aDKQ9aX9QgAAAAD__________4JpZIJ2NIJpcIQDE8KdiXNlY3AyNTZrMaEDhpehBDbZjM_L9ek699Y7vhUJ-eAdMyQW_Fil522Y0fODdGNwgiMog3VkcIIjKA";
    /// Status prod boot-01.do-ams3 (nwaku `examples/cbindings/waku_example.c`).
    const STATUS_BOOT: &str = "enr:-QEKuED9AJm2HGgrRpVaJY2nj68ao_QiPeUT43sK-aRM7sMJ6R4G11OSDOwnvVacgN1sTw-K7soC5dzHDFZgZkHU0u-XAYJpZIJ2NIJpcISnYxMvim11bHRpYWRkcnO4WgAqNiVib290LTAxLmRvLWFtczMuc3RhdHVzLnByb2Quc3RhdHVzLmltBnZfACw2JWJvb3QtMDEuZG8tYW1zMy5zdGF0dXMucHJvZC5zdGF0dXMuaW0GAbveA4Jyc40AEAUAAQAgAEAAgAEAiXNlY3AyNTZrMaEC3rRtFQSgc24uWewzXaxTY8hDAHB8sgnxr9k8Rjb5GeSDdGNwgnZfg3VkcIIjKIV3YWt1Mg0";
    /// Waku sandbox node-01.gc-us-central1-a (nwaku `examples/cbindings/waku_example.c`).
    const SANDBOX: &str = "enr:-QEkuEBIkb8q8_mrorHndoXH9t5N6ZfD-jehQCrYeoJDPHqT0l0wyaONa2-piRQsi3oVKAzDShDVeoQhy0uwN1xbZfPZAYJpZIJ2NIJpcIQiQlleim11bHRpYWRkcnO4bgA0Ni9ub2RlLTAxLmdjLXVzLWNlbnRyYWwxLWEud2FrdS5zYW5kYm94LnN0YXR1cy5pbQZ2XwA2Ni9ub2RlLTAxLmdjLXVzLWNlbnRyYWwxLWEud2FrdS5zYW5kYm94LnN0YXR1cy5pbQYfQN4DgnJzkwABCAAAAAEAAgADAAQABQAGAAeJc2VjcDI1NmsxoQKnGt-GSgqPSf3IAPM7bFgTlpczpMZZLF3geeoNNsxzSoN0Y3CCdl-DdWRwgiMohXdha3UyDw";

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    fn eip778_key() -> SigningKey {
        SigningKey::from_slice(&unhex(EIP778_KEY)).unwrap()
    }

    fn test_key(n: u8) -> SigningKey {
        SigningKey::from_slice(&[n; 32]).unwrap()
    }

    fn peer_of(key: &SigningKey) -> PeerId {
        let public = key.verifying_key().to_sec1_point(true);
        libp2p::identity::PublicKey::from(
            libp2p::identity::secp256k1::PublicKey::try_from_bytes(public.as_bytes()).unwrap(),
        )
        .to_peer_id()
    }

    fn addrs(list: &[Multiaddr]) -> Vec<String> {
        list.iter().map(|a| a.to_string()).collect()
    }

    /// Re-signs `fields` (key, RLP value item) with `key` without any of `sign`'s checks, so a
    /// test can build records that break one rule and still carry a valid signature.
    fn forge(key: &SigningKey, seq_item: &[u8], fields: &[(&[u8], Vec<u8>)]) -> Vec<u8> {
        let mut content = seq_item.to_vec();
        for (k, v) in fields {
            put_bytes(&mut content, k);
            content.extend_from_slice(v);
        }
        let (sig, _) = key.sign_prehash_recoverable(&keccak256(&list(&content)));
        let mut payload = rlp_bytes(&sig.to_bytes());
        payload.extend_from_slice(&content);
        list(&payload)
    }

    fn v4_fields(key: &SigningKey) -> Vec<(&'static [u8], Vec<u8>)> {
        vec![
            (&b"id"[..], rlp_bytes(b"v4")),
            (
                &b"secp256k1"[..],
                rlp_bytes(key.verifying_key().to_sec1_point(true).as_bytes()),
            ),
        ]
    }

    #[test]
    fn eip778_example_decodes_verifies_and_reencodes() {
        let enr = Enr::from_base64(EIP778_TEXT).unwrap();
        assert_eq!(enr.encode(), unhex(EIP778_HEX));
        assert_eq!(enr.to_base64(), EIP778_TEXT);
        assert_eq!(enr.to_string(), EIP778_TEXT);
        assert_eq!(Enr::decode(&unhex(EIP778_HEX)).unwrap(), enr);
        assert_eq!(enr.seq(), 1);
        assert_eq!(enr.ip().unwrap(), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(enr.udp().unwrap(), Some(30303));
        assert_eq!(enr.tcp().unwrap(), None);
        assert_eq!(enr.get("id"), Some(&b"v4"[..]));
        assert_eq!(hex::encode(enr.node_id()), EIP778_NODE_ID);
        assert_eq!(
            enr.public_key(),
            eip778_key().verifying_key().to_sec1_point(true).as_bytes()
        );
        let keys: Vec<&[u8]> = enr.pairs().map(|(k, _)| k).collect();
        assert_eq!(keys, [&b"id"[..], b"ip", b"secp256k1", b"udp"]);
        // Nothing dialable: the record has no tcp port.
        assert!(enr.dialable_multiaddrs().is_empty());
    }

    /// k256 signs deterministically (RFC 6979), and so did whoever made EIP-778's example: signing
    /// the same fields with the same key reproduces the record byte for byte.
    #[test]
    fn signing_the_eip778_fields_reproduces_the_example() {
        let signed = EnrBuilder::new(1)
            .ip4(Ipv4Addr::new(127, 0, 0, 1))
            .udp(30303)
            .sign(&eip778_key())
            .unwrap();
        assert_eq!(signed.to_base64(), EIP778_TEXT);
        let via_sign = Enr::sign(
            &eip778_key(),
            1,
            [("ip", &[127u8, 0, 0, 1][..]), ("udp", &[0x76, 0x5f][..])],
        )
        .unwrap();
        assert_eq!(via_sign, signed);
    }

    #[test]
    fn js_waku_tcp_vector() {
        let enr = Enr::from_base64(JS_WAKU_TCP).unwrap();
        assert_eq!(enr.tcp().unwrap(), Some(30303));
        assert_eq!(enr.ip().unwrap(), Some(Ipv4Addr::new(134, 209, 139, 210)));
        assert_eq!(
            enr.peer_id().to_string(),
            "16Uiu2HAmPLe7Mzm8TsYUubgCAW1aJoeFScxrLj8ppHFivPo97bUZ"
        );
        assert_eq!(
            addrs(&enr.dialable_multiaddrs()),
            [
                "/ip4/134.209.139.210/tcp/30303/p2p/16Uiu2HAmPLe7Mzm8TsYUubgCAW1aJoeFScxrLj8ppHFivPo97bUZ"
            ]
        );
        assert_eq!(enr.to_base64(), JS_WAKU_TCP);
    }

    #[test]
    fn js_waku_multiaddrs_vector() {
        let enr = Enr::from_base64(JS_WAKU_MULTIADDRS).unwrap();
        assert_eq!(
            addrs(&enr.multiaddrs().unwrap().unwrap()),
            [
                "/dns4/node-01.do-ams3.wakuv2.test.statusim.net/tcp/443/wss",
                "/dns6/node-01.ac-cn-hongkong-c.wakuv2.test.statusim.net/tcp/443/wss",
                "/onion3/vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyyd:1234/wss",
            ]
        );
        assert_eq!(enr.to_base64(), JS_WAKU_MULTIADDRS);
        assert_eq!(enr.encode().len(), 298);
    }

    #[test]
    fn js_waku_eth2_vector_keeps_unknown_fields() {
        let enr = Enr::from_base64(JS_WAKU_ETH2).unwrap();
        assert_eq!(
            hex::encode(enr.get("eth2").unwrap()),
            "f6775d0700000113ffffffffffff1f00"
        );
        assert_eq!(enr.waku2().unwrap(), None);
        assert_eq!(enr.relay_shards().unwrap(), None);
        assert_eq!(enr.to_base64(), JS_WAKU_ETH2);
    }

    #[test]
    fn js_waku_record_without_public_key_is_refused() {
        assert_eq!(
            Enr::from_base64(JS_WAKU_NO_KEY),
            Err(EnrError::MissingKey {
                key: keys::SECP256K1
            })
        );
    }

    #[test]
    fn nwaku_store_vector() {
        let enr = Enr::from_base64(NWAKU_STORE).unwrap();
        assert_eq!(
            addrs(&enr.multiaddrs().unwrap().unwrap()),
            [
                "/dns4/store-01.do-ams3.status.prod.status.im/tcp/30303",
                "/dns4/store-01.do-ams3.status.prod.status.im/tcp/443/wss",
            ]
        );
        let waku2 = enr.waku2().unwrap().unwrap();
        assert_eq!(waku2, Waku2::RELAY | Waku2::STORE);
        assert!(!waku2.contains(Waku2::FILTER));
        assert_eq!(
            enr.relay_shards().unwrap(),
            Some(RelayShards {
                cluster: 16,
                shards: vec![1, 32, 64, 128, 256]
            })
        );
        assert_eq!(enr.to_base64(), NWAKU_STORE);
    }

    #[test]
    fn nwaku_non_waku_vector() {
        let enr = Enr::from_base64(NWAKU_NON_WAKU).unwrap();
        assert_eq!(enr.waku2().unwrap(), None);
        assert_eq!(enr.multiaddrs().unwrap(), None);
        assert_eq!(enr.tcp().unwrap(), Some(9000));
        assert_eq!(enr.udp().unwrap(), Some(9000));
    }

    #[test]
    fn status_boot_vector() {
        let enr = Enr::from_base64(STATUS_BOOT).unwrap();
        assert_eq!(enr.seq(), 1);
        assert_eq!(
            hex::encode(enr.public_key()),
            "02deb46d1504a0736e2e59ec335dac5363c84300707cb209f1afd93c4636f919e4"
        );
        let peer = "16Uiu2HAmAR24Mbb6VuzoyUiGx42UenDkshENVDj4qnmmbabLvo31";
        assert_eq!(enr.peer_id().to_string(), peer);
        assert_eq!(enr.ip().unwrap(), Some(Ipv4Addr::new(167, 99, 19, 47)));
        assert_eq!(enr.tcp().unwrap(), Some(30303));
        assert_eq!(enr.udp().unwrap(), Some(9000));
        assert_eq!(
            hex::encode(enr.get("rs").unwrap()),
            "00100500010020004000800100"
        );
        assert_eq!(enr.waku2().unwrap(), Some(Waku2(0x0d)));
        assert_eq!(
            addrs(&enr.dialable_multiaddrs()),
            [
                format!("/ip4/167.99.19.47/tcp/30303/p2p/{peer}"),
                format!("/dns4/boot-01.do-ams3.status.prod.status.im/tcp/30303/p2p/{peer}"),
                format!("/dns4/boot-01.do-ams3.status.prod.status.im/tcp/443/wss/p2p/{peer}"),
            ]
        );
    }

    #[test]
    fn sandbox_vector() {
        let enr = Enr::from_base64(SANDBOX).unwrap();
        assert_eq!(enr.waku2().unwrap(), Some(Waku2(0x0f)));
        assert_eq!(
            enr.relay_shards().unwrap(),
            Some(RelayShards {
                cluster: 1,
                shards: (0..8).collect()
            })
        );
        assert_eq!(
            addrs(&enr.multiaddrs().unwrap().unwrap())[1],
            "/dns4/node-01.gc-us-central1-a.waku.sandbox.status.im/tcp/8000/wss"
        );
    }

    /// nwaku `tests/waku_enr/test_sharding.nim`: the index list and the bit vector for cluster 73,
    /// shards {1, 10}. js-waku reads that bit vector as {6, 13}; we follow nwaku (DESIGN.md).
    #[test]
    fn rsv_bit_order_is_nwakus() {
        let want = RelayShards {
            cluster: 73,
            shards: vec![1, 10],
        };
        assert_eq!(
            RelayShards::from_rs(&[0, 73, 2, 0, 1, 0, 10]).unwrap(),
            want
        );
        let mut rsv = vec![0u8; 130];
        rsv[..4].copy_from_slice(&[0, 73, 2, 4]);
        assert_eq!(RelayShards::from_rsv(&rsv).unwrap(), want);
        assert_eq!(want.to_rsv().unwrap(), rsv);
        assert_eq!(want.to_rs().unwrap(), [0, 73, 2, 0, 1, 0, 10]);
    }

    #[test]
    fn waku2_bits_match_js_waku_and_nwaku() {
        // js-waku waku2_codec.spec.ts: all four = 15, relay+filter = 5, store+lightPush = 10.
        let all = Waku2::RELAY | Waku2::STORE | Waku2::FILTER | Waku2::LIGHTPUSH;
        assert_eq!(all.0, 15);
        assert_eq!((Waku2::RELAY | Waku2::FILTER).0, 5);
        assert_eq!((Waku2::STORE | Waku2::LIGHTPUSH).0, 10);
        assert_eq!(Waku2::SYNC.0, 16);
        assert_eq!(
            format!("{all:?}"),
            "Waku2(0x0f: relay|store|filter|lightpush)"
        );
    }

    #[test]
    fn waku_record_round_trip() {
        let key = test_key(7);
        let ws: Multiaddr = "/ip4/127.0.0.1/tcp/8000/ws".parse().unwrap();
        let peer = peer_of(&key);
        let shards = RelayShards {
            cluster: 16,
            shards: vec![32, 64],
        };
        let enr = EnrBuilder::new(5)
            .ip4(Ipv4Addr::LOCALHOST)
            .tcp(60000)
            .multiaddrs(&[ws.clone().with_p2p(peer).unwrap()])
            .waku2(Waku2::RELAY | Waku2::STORE | Waku2::FILTER | Waku2::LIGHTPUSH)
            .relay_shards(&shards)
            .sign(&key)
            .unwrap();
        let back = Enr::from_base64(&enr.to_base64()).unwrap();
        assert_eq!(back, enr);
        assert_eq!(back.seq(), 5);
        assert_eq!(back.peer_id(), peer);
        assert_eq!(back.multiaddrs().unwrap().unwrap(), [ws]);
        assert_eq!(back.rs().unwrap(), Some(shards.clone()));
        assert_eq!(back.rsv().unwrap(), None);
        assert_eq!(
            addrs(&back.dialable_multiaddrs()),
            [
                format!("/ip4/127.0.0.1/tcp/60000/p2p/{peer}"),
                format!("/ip4/127.0.0.1/tcp/8000/ws/p2p/{peer}"),
            ]
        );
        // Many shards go into `rsv`, as nwaku writes them.
        let many = RelayShards {
            cluster: 1,
            shards: (0..100).collect(),
        };
        let enr = EnrBuilder::new(1).relay_shards(&many).sign(&key).unwrap();
        assert_eq!(enr.rs().unwrap(), None);
        assert_eq!(enr.relay_shards().unwrap(), Some(many));
    }

    #[test]
    fn ipv6_and_two_byte_ports() {
        let key = test_key(9);
        let ip6: Ipv6Addr = "::1".parse().unwrap();
        // js-waku writes port 80 as two bytes; EIP-778 would write one. Both read as 80.
        let enr = Enr::sign(
            &key,
            0,
            [
                ("ip6", &ip6.octets()[..]),
                ("tcp", &[0, 80][..]),
                ("udp6", &[80][..]),
            ],
        )
        .unwrap();
        assert_eq!(enr.ip6().unwrap(), Some(ip6));
        assert_eq!(enr.tcp().unwrap(), Some(80));
        assert_eq!(enr.udp6().unwrap(), Some(80));
        assert_eq!(enr.tcp6().unwrap(), None);
        assert_eq!(
            addrs(&enr.dialable_multiaddrs()),
            [format!("/ip6/::1/tcp/80/p2p/{}", enr.peer_id())]
        );
        assert_eq!(enr.seq(), 0);
    }

    #[test]
    fn js_waku_zero_seq_byte_is_read() {
        let key = test_key(3);
        let bytes = forge(&key, &[0x00], &v4_fields(&key));
        let enr = Enr::decode(&bytes).unwrap();
        assert_eq!(enr.seq(), 0);
        assert_eq!(enr.encode(), bytes);
    }

    #[test]
    fn values_may_be_lists() {
        let key = test_key(4);
        let mut fields = v4_fields(&key);
        fields.insert(0, (&b"eth"[..], list(&list(&rlp_bytes(&[1, 2, 3, 4])))));
        let bytes = forge(&key, &[1], &fields);
        let enr = Enr::decode(&bytes).unwrap();
        assert_eq!(enr.get("eth"), None);
        assert_eq!(enr.get_raw("eth"), Some(&fields[0].1[..]));
    }

    // One test per error.

    #[test]
    fn error_prefix() {
        assert_eq!(Enr::from_base64(&EIP778_TEXT[4..]), Err(EnrError::Prefix));
        assert_eq!(Enr::from_base64("ENR:-IS4"), Err(EnrError::Prefix));
    }

    #[test]
    fn error_base64() {
        assert!(matches!(
            Enr::from_base64("enr:-IS4Q+CY"),
            Err(EnrError::Base64(_))
        ));
        // Non-zero trailing bits: not the canonical encoding of any bytes.
        assert!(matches!(
            Enr::from_base64("enr:-J"),
            Err(EnrError::Base64(_))
        ));
    }

    #[test]
    fn error_too_large() {
        let mut big = vec![0xf9, 0x01, 0x2a];
        big.extend([0x80; 0x12a]);
        assert_eq!(Enr::decode(&big), Err(EnrError::TooLarge { len: 301 }));
        let text = format!("enr:{}", "A".repeat(500));
        assert!(matches!(
            Enr::from_base64(&text),
            Err(EnrError::TooLarge { .. })
        ));
        let key = test_key(5);
        let value = [7u8; 250];
        assert!(matches!(
            Enr::sign(&key, 1, [("big", &value[..])]),
            Err(EnrError::TooLarge { .. })
        ));
    }

    #[test]
    fn error_rlp_truncated() {
        let full = unhex(EIP778_HEX);
        for cut in [0, 1, 2, 50, full.len() - 1] {
            assert_eq!(
                Enr::decode(&full[..cut]),
                Err(EnrError::Rlp(RlpError::Truncated)),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn error_rlp_non_canonical() {
        // A single byte below 0x80 wrapped in a string header.
        assert_eq!(
            Enr::decode(&[0xc2, 0x81, 0x05]),
            Err(EnrError::Rlp(RlpError::NonCanonical))
        );
        // A long-form list length under 56.
        let mut long = vec![0xf8, 0x02];
        long.extend([0x80, 0x80]);
        assert_eq!(
            Enr::decode(&long),
            Err(EnrError::Rlp(RlpError::NonCanonical))
        );
        // A long-form length with a leading zero.
        assert_eq!(
            Enr::decode(&[0xf9, 0x00, 0x40]),
            Err(EnrError::Rlp(RlpError::NonCanonical))
        );
        // Re-encoding the EIP-778 example's outer header in long form (0xf8 0x84 is canonical:
        // 0x84 ≥ 56) with two length bytes is not.
        let full = unhex(EIP778_HEX);
        let mut padded = vec![0xf9, 0x00, 0x84];
        padded.extend_from_slice(&full[2..]);
        assert_eq!(
            Enr::decode(&padded),
            Err(EnrError::Rlp(RlpError::NonCanonical))
        );
    }

    #[test]
    fn error_rlp_too_deep() {
        let mut nested = vec![0x80];
        for _ in 0..=MAX_DEPTH {
            nested = list(&nested);
        }
        assert_eq!(Enr::decode(&nested), Err(EnrError::Rlp(RlpError::TooDeep)));
    }

    #[test]
    fn error_rlp_trailing() {
        let mut bytes = unhex(EIP778_HEX);
        bytes.push(0x00);
        assert_eq!(
            Enr::decode(&bytes),
            Err(EnrError::Rlp(RlpError::Trailing { count: 1 }))
        );
    }

    #[test]
    fn error_not_a_list() {
        assert_eq!(Enr::decode(&[0x83, 1, 2, 3]), Err(EnrError::NotAList));
        assert_eq!(Enr::decode(&[0x05]), Err(EnrError::NotAList));
    }

    #[test]
    fn error_shape() {
        assert_eq!(Enr::decode(&[0xc0]), Err(EnrError::Shape { items: 0 }));
        assert_eq!(
            Enr::decode(&[0xc1, 0x80]),
            Err(EnrError::Shape { items: 1 })
        );
        assert_eq!(
            Enr::decode(&[0xc3, 0x80, 0x01, 0x80]),
            Err(EnrError::Shape { items: 3 })
        );
    }

    #[test]
    fn error_seq() {
        let key = test_key(6);
        let bytes = forge(&key, &rlp_bytes(&[1; 9]), &v4_fields(&key));
        assert_eq!(Enr::decode(&bytes), Err(EnrError::Seq));
        let bytes = forge(&key, &[0xc0], &v4_fields(&key));
        assert_eq!(Enr::decode(&bytes), Err(EnrError::Seq));
    }

    #[test]
    fn error_key_not_bytes() {
        let key = test_key(6);
        let mut content = vec![0x01, 0xc0, 0x80];
        for (k, v) in v4_fields(&key) {
            put_bytes(&mut content, k);
            content.extend_from_slice(&v);
        }
        let mut payload = rlp_bytes(&[0; 64]);
        payload.extend_from_slice(&content);
        assert_eq!(
            Enr::decode(&list(&payload)),
            Err(EnrError::KeyNotBytes { index: 0 })
        );
    }

    #[test]
    fn error_unsorted() {
        let key = test_key(6);
        let mut fields = v4_fields(&key);
        fields.push((&b"abc"[..], rlp_bytes(b"x")));
        let bytes = forge(&key, &[1], &fields);
        assert_eq!(
            Enr::decode(&bytes),
            Err(EnrError::Unsorted {
                key: "abc".into(),
                previous: "secp256k1".into()
            })
        );
    }

    #[test]
    fn error_duplicate_key() {
        let key = test_key(6);
        let mut fields = v4_fields(&key);
        fields.push((&b"udp"[..], rlp_bytes(&[1])));
        fields.push((&b"udp"[..], rlp_bytes(&[2])));
        let bytes = forge(&key, &[1], &fields);
        assert_eq!(
            Enr::decode(&bytes),
            Err(EnrError::DuplicateKey { key: "udp".into() })
        );
        // Signing refuses the same, and the keys it adds itself.
        assert_eq!(
            Enr::sign(&key, 1, [("udp", [1u8]), ("udp", [2u8])]),
            Err(EnrError::DuplicateKey { key: "udp".into() })
        );
        assert_eq!(
            Enr::sign(&key, 1, [("id", b"v4")]),
            Err(EnrError::DuplicateKey { key: "id".into() })
        );
    }

    #[test]
    fn error_missing_key() {
        let key = test_key(6);
        let fields = v4_fields(&key);
        assert_eq!(
            Enr::decode(&forge(&key, &[1], &fields[1..])),
            Err(EnrError::MissingKey { key: "id" })
        );
        assert_eq!(
            Enr::decode(&forge(&key, &[1], &fields[..1])),
            Err(EnrError::MissingKey { key: "secp256k1" })
        );
    }

    #[test]
    fn error_unknown_scheme() {
        let key = test_key(6);
        let mut fields = v4_fields(&key);
        fields[0].1 = rlp_bytes(b"v5");
        assert_eq!(
            Enr::decode(&forge(&key, &[1], &fields)),
            Err(EnrError::UnknownScheme { id: "v5".into() })
        );
    }

    #[test]
    fn error_signature_length() {
        let mut bytes = unhex(EIP778_HEX);
        // Shorten the signature's header from 64 to 63 bytes and drop one byte of it, fixing up
        // the list length: the RLP is fine, the signature is not.
        bytes[1] -= 1;
        bytes[3] = 63;
        bytes.remove(4);
        assert_eq!(
            Enr::decode(&bytes),
            Err(EnrError::SignatureLength { len: 63 })
        );
    }

    #[test]
    fn error_bad_signature() {
        // Change the udp port's last byte: the signature no longer covers the content.
        let mut bytes = unhex(EIP778_HEX);
        *bytes.last_mut().unwrap() ^= 1;
        assert_eq!(Enr::decode(&bytes), Err(EnrError::BadSignature));
        // A flipped signature bit.
        let mut bytes = unhex(EIP778_HEX);
        bytes[10] ^= 0x10;
        assert_eq!(Enr::decode(&bytes), Err(EnrError::BadSignature));
        // The high-s twin of a valid signature verifies mathematically but is refused, as
        // libsecp256k1 (nwaku, go-ethereum) refuses it.
        let mut bytes = unhex(EIP778_HEX);
        let sig = Signature::from_slice(&bytes[4..68]).unwrap();
        let s = -*sig.s();
        let high = Signature::from_scalars(sig.r().to_bytes(), s.to_bytes()).unwrap();
        bytes[4..68].copy_from_slice(&high.to_bytes());
        assert_eq!(Enr::decode(&bytes), Err(EnrError::BadSignature));
    }

    #[test]
    fn error_bad_field() {
        let key = test_key(8);
        let bad_key = [
            (b"id" as &[u8], rlp_bytes(b"v4")),
            (b"secp256k1", rlp_bytes(&[5; 33])),
        ];
        assert!(matches!(
            Enr::decode(&forge(&key, &[1], &bad_key)),
            Err(EnrError::BadField { key, .. }) if key == "secp256k1"
        ));
        let short_key = [
            (b"id" as &[u8], rlp_bytes(b"v4")),
            (b"secp256k1", rlp_bytes(&[2; 32])),
        ];
        assert!(matches!(
            Enr::decode(&forge(&key, &[1], &short_key)),
            Err(EnrError::BadField { key, .. }) if key == "secp256k1"
        ));
        // Typed accessors name the field they could not read.
        let enr = Enr::sign(
            &key,
            1,
            [
                ("ip", &[1u8, 2, 3][..]),
                ("ip6", &[1][..]),
                ("multiaddrs", &[0, 9, 1][..]),
                ("rs", &[0, 16, 2, 0, 1][..]),
                ("rsv", &[0, 16][..]),
                ("tcp", &[1, 2, 3][..]),
                ("udp", &[0][..]),
                ("waku2", &[1, 2][..]),
            ],
        )
        .unwrap();
        let field = |r: Result<(), EnrError>| match r {
            Err(EnrError::BadField { key, .. }) => key,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(enr.ip().map(drop)), "ip");
        assert_eq!(field(enr.ip6().map(drop)), "ip6");
        assert_eq!(field(enr.multiaddrs().map(drop)), "multiaddrs");
        assert_eq!(field(enr.rs().map(drop)), "rs");
        assert_eq!(field(enr.rsv().map(drop)), "rsv");
        assert_eq!(field(enr.relay_shards().map(drop)), "rs");
        assert_eq!(field(enr.tcp().map(drop)), "tcp");
        assert_eq!(field(enr.udp().map(drop)), "udp");
        assert_eq!(field(enr.waku2().map(drop)), "waku2");
        assert!(enr.dialable_multiaddrs().is_empty());
        // A shard past 1023 cannot go into `rsv`.
        let too_high = RelayShards {
            cluster: 1,
            shards: (0..62).chain([2000]).collect::<Vec<_>>(),
        };
        assert!(
            EnrBuilder::new(1)
                .relay_shards(&too_high)
                .sign(&key)
                .is_ok()
        );
        let too_high = RelayShards {
            cluster: 1,
            shards: (0..64).chain([2000]).collect::<Vec<_>>(),
        };
        assert!(matches!(
            EnrBuilder::new(1).relay_shards(&too_high).sign(&key),
            Err(EnrError::BadField { key, .. }) if key == "rsv"
        ));
    }

    #[test]
    fn multiaddrs_entry_naming_another_peer_is_not_dialable() {
        let key = test_key(10);
        let other = peer_of(&test_key(12));
        let foreign: Multiaddr = format!("/ip4/10.0.0.1/tcp/1/p2p/{other}").parse().unwrap();
        let mut value = Vec::new();
        value.extend_from_slice(&(foreign.to_vec().len() as u16).to_be_bytes());
        value.extend_from_slice(&foreign.to_vec());
        // An entry that frames but does not parse is skipped, not fatal.
        value.extend_from_slice(&[0, 2, 0xff, 0xff]);
        let enr = Enr::sign(&key, 1, [("multiaddrs", value)]).unwrap();
        assert_eq!(enr.multiaddrs().unwrap().unwrap(), [foreign]);
        assert!(enr.dialable_multiaddrs().is_empty());
    }

    /// A small xorshift generator: the tests need varied inputs, not good randomness.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn bytes(&mut self, len: usize) -> Vec<u8> {
            (0..len).map(|_| self.next() as u8).collect()
        }
    }

    /// Whatever decodes re-encodes to its own bytes; nothing panics. Inputs: random bytes,
    /// and valid records with bytes flipped, cut or inserted.
    #[test]
    fn random_and_mutated_inputs() {
        let mut rng = Rng(0x5eed_1234_abcd_0001);
        let seeds: Vec<Vec<u8>> = [EIP778_TEXT, NWAKU_STORE, STATUS_BOOT, JS_WAKU_MULTIADDRS]
            .iter()
            .map(|t| Enr::from_base64(t).unwrap().encode())
            .collect();
        let check = |bytes: &[u8]| {
            if let Ok(enr) = Enr::decode(bytes) {
                assert_eq!(enr.encode(), bytes);
                let _ = (enr.ip(), enr.ip6(), enr.tcp(), enr.udp(), enr.waku2());
                let _ = (
                    enr.multiaddrs(),
                    enr.relay_shards(),
                    enr.dialable_multiaddrs(),
                );
            }
        };
        for _ in 0..2000 {
            let len = rng.below(320);
            check(&rng.bytes(len));
            let mut m = seeds[rng.below(seeds.len())].clone();
            match rng.below(3) {
                0 => {
                    let i = rng.below(m.len());
                    m[i] ^= 1 << rng.below(8);
                }
                1 => m.truncate(rng.below(m.len())),
                _ => {
                    let i = rng.below(m.len());
                    m.insert(i, rng.next() as u8);
                }
            }
            check(&m);
            let text = format!("enr:{}", data_encoding::BASE64URL_NOPAD.encode(&m));
            if let Ok(enr) = Enr::from_base64(&text) {
                assert_eq!(enr.to_base64(), text);
            }
        }
    }

    /// Random field sets, signed, decode to the same fields.
    #[test]
    fn random_records_round_trip() {
        let mut rng = Rng(0x0dd_ba11_cafe_f00d);
        let key = test_key(11);
        let names = [
            "a",
            "ip",
            "multiaddrs",
            "rs",
            "tcp",
            "udp",
            "waku2",
            "zz",
            "eth2",
        ];
        for seq in 0..300u64 {
            let mut fields: BTreeMap<String, Vec<u8>> = BTreeMap::new();
            for _ in 0..rng.below(5) {
                let len = rng.below(40);
                fields.insert(names[rng.below(names.len())].into(), rng.bytes(len));
            }
            let seq = seq * 0x0101_0101_0101;
            match Enr::sign(&key, seq, fields.clone()) {
                Ok(enr) => {
                    let back = Enr::decode(&enr.encode()).unwrap();
                    assert_eq!(back.seq(), seq);
                    for (k, v) in &fields {
                        assert_eq!(back.get(k), Some(v.as_slice()));
                    }
                    assert_eq!(back.pairs().count(), fields.len() + 2);
                }
                Err(EnrError::TooLarge { len }) => assert!(len > MAX_SIZE),
                Err(e) => panic!("{e}"),
            }
        }
    }
}
