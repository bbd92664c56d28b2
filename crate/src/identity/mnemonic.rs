//! BIP-39 recovery phrases in English, as Status profiles use them.
//!
//! Only what a Status profile needs: the English list, 12–24 words, the checksum, and the seed
//! (PBKDF2-HMAC-SHA512, 2048 rounds). BIP-39 asks for NFKD-normalised text; NFKD leaves ASCII
//! unchanged and every English word is ASCII, so a checked phrase needs no Unicode tables. A
//! passphrase ("25th word") other than ASCII is refused for the same reason; Status passes an empty
//! one anyway.

use std::fmt;
use std::sync::LazyLock;

use sha2::{Digest, Sha256, Sha512};
use zeroize::Zeroizing;

/// The BIP-39 English list (`english.txt`), 2048 words, one per line, sorted. Its sha256 is checked
/// by the tests against the value status-go's embedded copy has.
const ENGLISH: &str = include_str!("../../data/bip39-english.txt");

static WORDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| ENGLISH.lines().collect());

/// BIP-39's word counts: 128 to 256 bits of entropy in steps of 32, plus one checksum bit per 32.
pub const WORD_COUNTS: [usize; 5] = [12, 15, 18, 21, 24];

/// What a new Status profile gets (status-go `defaultMnemonicLength`).
pub const DEFAULT_WORD_COUNT: usize = 12;

/// Rounds of PBKDF2-HMAC-SHA512 from phrase to seed (BIP-39).
const SEED_ROUNDS: u32 = 2048;

/// More text than any phrase with generous spacing; refused before it is split.
pub const MAX_PHRASE_INPUT: usize = 1024;

/// Why a phrase was refused. Never carries the phrase or a word of it: errors end up in logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MnemonicError {
    #[error("a recovery phrase has 12, 15, 18, 21 or 24 words, got {count}")]
    WordCount { count: usize },
    #[error("word {position} is not in the BIP-39 English list")]
    UnknownWord { position: usize },
    #[error("the phrase's checksum does not match: a word is wrong or out of order")]
    Checksum,
    #[error("the phrase is {len} bytes long; at most {MAX_PHRASE_INPUT} are read")]
    TooLong { len: usize },
    #[error("entropy must be 16, 20, 24, 28 or 32 bytes, got {len}")]
    EntropyLength { len: usize },
    #[error("only an ASCII BIP-39 passphrase is supported")]
    NonAsciiPassphrase,
    #[error("no system randomness: {0}")]
    Random(String),
}

/// A checked recovery phrase in canonical form: lowercase words joined by single spaces, which is
/// what status-go derives from after collapsing whitespace (`strings.Join(strings.Fields(m), " ")`).
/// The text is wiped from memory when dropped, and Debug never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Mnemonic {
    phrase: Zeroizing<String>,
}

impl Mnemonic {
    /// Reads a phrase as a person types or pastes it: any run of whitespace separates words, and
    /// capitals are lowered (the list is lowercase, so a capitalised word can only mean its
    /// lowercase self).
    pub fn parse(input: &str) -> Result<Self, MnemonicError> {
        if input.len() > MAX_PHRASE_INPUT {
            return Err(MnemonicError::TooLong { len: input.len() });
        }
        let count = input.split_whitespace().count();
        if !WORD_COUNTS.contains(&count) {
            return Err(MnemonicError::WordCount { count });
        }
        let mut indices = Vec::with_capacity(count);
        let mut phrase = Zeroizing::new(String::with_capacity(input.len()));
        for (position, raw) in input.split_whitespace().enumerate() {
            let word = Zeroizing::new(raw.to_ascii_lowercase());
            let index = word_index(&word).ok_or(MnemonicError::UnknownWord {
                position: position + 1,
            })?;
            indices.push(index);
            if position > 0 {
                phrase.push(' ');
            }
            phrase.push_str(&word);
        }
        let (entropy, checksum) = split_bits(&indices);
        if checksum_bits(&entropy, count) != checksum {
            return Err(MnemonicError::Checksum);
        }
        Ok(Self { phrase })
    }

    /// A new phrase from the system's randomness (the browser's `crypto.getRandomValues`).
    pub fn generate(word_count: usize) -> Result<Self, MnemonicError> {
        if !WORD_COUNTS.contains(&word_count) {
            return Err(MnemonicError::WordCount { count: word_count });
        }
        let mut entropy = Zeroizing::new([0u8; 32]);
        let len = word_count * 4 / 3;
        getrandom::fill(&mut entropy[..len]).map_err(|e| MnemonicError::Random(e.to_string()))?;
        Self::from_entropy(&entropy[..len])
    }

    /// The phrase that encodes `entropy` (BIP-39: entropy bits, then the first ENT/32 bits of its
    /// sha256, read 11 bits per word).
    pub fn from_entropy(entropy: &[u8]) -> Result<Self, MnemonicError> {
        if !matches!(entropy.len(), 16 | 20 | 24 | 28 | 32) {
            return Err(MnemonicError::EntropyLength { len: entropy.len() });
        }
        let word_count = entropy.len() * 3 / 4;
        let checksum = checksum_bits(entropy, word_count);
        let bit = |i: usize| -> u16 {
            let byte = if i / 8 < entropy.len() {
                entropy[i / 8]
            } else {
                checksum
            };
            let shift = if i / 8 < entropy.len() {
                7 - i % 8
            } else {
                7 - (i - entropy.len() * 8)
            };
            u16::from((byte >> shift) & 1)
        };
        let mut phrase = Zeroizing::new(String::with_capacity(word_count * 9));
        for w in 0..word_count {
            let index = (0..11).fold(0u16, |acc, b| (acc << 1) | bit(w * 11 + b));
            if w > 0 {
                phrase.push(' ');
            }
            phrase.push_str(WORDS[usize::from(index)]);
        }
        Ok(Self { phrase })
    }

    /// The canonical phrase, for showing it to its owner once, or exporting it.
    pub fn phrase(&self) -> &str {
        &self.phrase
    }

    pub fn word_count(&self) -> usize {
        self.phrase.split(' ').count()
    }

    /// The 64-byte BIP-39 seed: PBKDF2-HMAC-SHA512(password = phrase, salt = "mnemonic" +
    /// passphrase, 2048 rounds). Status uses an empty passphrase.
    pub fn to_seed(&self, passphrase: &str) -> Result<Zeroizing<[u8; 64]>, MnemonicError> {
        if !passphrase.is_ascii() {
            return Err(MnemonicError::NonAsciiPassphrase);
        }
        let salt = Zeroizing::new(format!("mnemonic{passphrase}"));
        let mut seed = Zeroizing::new([0u8; 64]);
        pbkdf2::pbkdf2_hmac::<Sha512>(
            self.phrase.as_bytes(),
            salt.as_bytes(),
            SEED_ROUNDS,
            &mut *seed,
        );
        Ok(seed)
    }
}

impl fmt::Debug for Mnemonic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mnemonic({} words, <hidden>)", self.word_count())
    }
}

/// The English word list, for a UI that suggests words as they are typed.
pub fn english_words() -> &'static [&'static str] {
    &WORDS
}

fn word_index(word: &str) -> Option<u16> {
    // The list is sorted (a test checks it), so a binary search finds a word in 11 steps.
    WORDS
        .binary_search(&word)
        .ok()
        .and_then(|i| u16::try_from(i).ok())
}

/// Splits 11-bit word indices into the entropy bytes and the trailing checksum bits.
fn split_bits(indices: &[u16]) -> (Zeroizing<Vec<u8>>, u8) {
    let total = indices.len() * 11;
    let checksum_len = total / 33;
    let entropy_len = (total - checksum_len) / 8;
    let mut entropy = Zeroizing::new(vec![0u8; entropy_len]);
    let mut checksum = 0u8;
    for i in 0..total {
        let bit = (indices[i / 11] >> (10 - i % 11)) & 1;
        if i < entropy_len * 8 {
            entropy[i / 8] |= (bit as u8) << (7 - i % 8);
        } else {
            checksum = (checksum << 1) | bit as u8;
        }
    }
    // Left-align the checksum bits in the byte, as they sit at the top of sha256's first byte.
    (entropy, checksum << (8 - checksum_len))
}

/// The first `word_count / 3` bits of sha256(entropy), left-aligned in a byte.
fn checksum_bits(entropy: &[u8], word_count: usize) -> u8 {
    let checksum_len = word_count / 3;
    let mask = 0xffu8 << (8 - checksum_len);
    Sha256::digest(entropy)[0] & mask
}
