//! Reading structure out of fuzzer bytes, and the fixed keys the targets use.
//!
//! [`Reader`] never fails: past the end it yields zeros and empty slices, so every byte string is
//! a valid input and libFuzzer's mutations are never wasted on a parse error of our own. The
//! structured targets document their layout next to their body; [`Writer`] builds such inputs for
//! the seeds.

use std::sync::LazyLock;

use hearth::status::keys::{self, PrivateKey, PublicKey, SymmetricKey};

/// Consumes fuzzer bytes front to back.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Up to `n` bytes (fewer at the end of the input).
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, tail) = self.data.split_at(n.min(self.data.len()));
        self.data = tail;
        head
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        self.bytes(self.data.len())
    }

    pub fn u8(&mut self) -> u8 {
        self.bytes(1).first().copied().unwrap_or(0)
    }

    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    pub fn u16(&mut self) -> u16 {
        let mut b = [0u8; 2];
        let got = self.bytes(2);
        b[..got.len()].copy_from_slice(got);
        u16::from_le_bytes(b)
    }

    pub fn u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        let got = self.bytes(4);
        b[..got.len()].copy_from_slice(got);
        u32::from_le_bytes(b)
    }

    pub fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        let got = self.bytes(8);
        b[..got.len()].copy_from_slice(got);
        u64::from_le_bytes(b)
    }

    /// A length-prefixed (one byte) chunk.
    pub fn chunk(&mut self) -> &'a [u8] {
        let n = usize::from(self.u8());
        self.bytes(n)
    }

    /// A length-prefixed (two bytes) chunk of at most `max` bytes.
    pub fn chunk16(&mut self, max: usize) -> &'a [u8] {
        let n = usize::from(self.u16()) % (max + 1);
        self.bytes(n)
    }
}

/// Builds inputs in [`Reader`]'s layout, for seeds.
#[derive(Debug, Default)]
pub struct Writer(pub Vec<u8>);

impl Writer {
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.extend_from_slice(b);
        self
    }
    /// One-byte length prefix; `b` must be at most 255 bytes.
    pub fn chunk(&mut self, b: &[u8]) -> &mut Self {
        assert!(b.len() <= 255, "chunk of {} bytes", b.len());
        self.u8(b.len() as u8).bytes(b)
    }
    /// Two-byte length prefix.
    pub fn chunk16(&mut self, b: &[u8]) -> &mut Self {
        self.u16(u16::try_from(b.len()).expect("chunk16 length"))
            .bytes(b)
    }
}

/// Whether this input also runs a target's signing round trip. Signing and recovering under
/// AddressSanitizer and coverage instrumentation costs milliseconds; doing it for one input in four
/// (by length, so the fuzzer can steer towards it) keeps the decoder itself fast to fuzz.
pub fn round_trip(data: &[u8]) -> bool {
    data.len().is_multiple_of(4)
}

// ---------------------------------------------------------------------------------------------
// Fixed keys (the wire vectors' keys, so that the vectors are valid seeds)

fn private(hex_key: &str) -> PrivateKey {
    PrivateKey::from_bytes(&hex::decode(hex_key).expect("fixture hex")).expect("fixture key")
}

/// `keccak256("status-wire-doc test user key")`, status-wire.md §8.3: signs the vector frames.
pub const USER_PRIV: &str = "e61784ba962bbcb77b4bf9b0f7fd41fca1a005fc1a9dc800a3a1c7812f06b132";
/// The test community of status-wire.md §8.3: recipient of the ECIES vector.
pub const COMMUNITY_PRIV: &str = "8e43ef7ff697491a62844ac826a0fc250de5eca4f1ec00909efd899f2bbe36de";
/// The community whose `-memberUpdate` chat key seals the symmetric vector.
pub const VECTOR_COMMUNITY: &str =
    "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133";

/// Three signers the structured targets pick from.
pub static SIGNERS: LazyLock<[PrivateKey; 3]> = LazyLock::new(|| {
    [
        private(USER_PRIV),
        private(COMMUNITY_PRIV),
        PrivateKey::from_bytes(&[0x11; 32]).expect("fixture key"),
    ]
});

pub fn signer(i: u8) -> &'static PrivateKey {
    &SIGNERS[usize::from(i) % SIGNERS.len()]
}

pub fn public(i: u8) -> PublicKey {
    signer(i).public_key()
}

/// The symmetric target's key: PBKDF2 of the vector community's `-memberUpdate` chat id, derived
/// once (65,356 rounds per run would swamp the target).
pub static SYM_KEY: LazyLock<SymmetricKey> = LazyLock::new(|| {
    let community = PublicKey::from_hex(VECTOR_COMMUNITY).expect("fixture key");
    keys::derive_sym_key(&keys::member_update_chat_id(&community))
});

/// The asymmetric target's key: the vector community's private key.
pub static ASYM_KEY: LazyLock<PrivateKey> = LazyLock::new(|| private(COMMUNITY_PRIV));

/// The ephemeral key of the vector's ECIES payload, reused by the seal-then-open round trip.
pub static EPHEMERAL: LazyLock<PrivateKey> =
    LazyLock::new(|| private("97d04e1a0d1bc4dc0a5a95525970773fd3393f3f4f153fc2c7685d2147bb6d21"));
