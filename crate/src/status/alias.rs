//! The three-word name Status shows for a key without a display name ("Darkorange Blue
//! Bubblefish"), status-go's `alias.GenerateFromPublicKeyString`: people recognise each other by it
//! in every Status client, so it must be the same words for the same key everywhere.
//!
//! The words are data (`crate/data/alias-*.txt`, copied from status-go in order, duplicates
//! included: the index is what the algorithm agrees on).

use std::sync::OnceLock;

use super::keys::{KeyError, PublicKey};

/// What keeps a text key from having a name, a ring or an emoji hash.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum DisplayKeyError {
    #[error("key: {0}")]
    Key(#[from] KeyError),
    /// status-go derives these only from the uncompressed `0x04…` form it sends in messages;
    /// a compressed key is refused there, so it is refused here too rather than named differently.
    #[error("names and identicons come from uncompressed 0x04… keys (65 bytes); got {len} bytes")]
    NotUncompressed { len: usize },
}

/// The LFSR's tap mask (status-go `poly`).
const POLY: u64 = 0xB8;

fn words(
    cell: &'static OnceLock<Vec<&'static str>>,
    text: &'static str,
) -> &'static [&'static str] {
    cell.get_or_init(|| text.lines().filter(|l| !l.is_empty()).collect())
}

fn adjectives() -> &'static [&'static str] {
    static CELL: OnceLock<Vec<&'static str>> = OnceLock::new();
    words(&CELL, include_str!("../../data/alias-adjectives.txt"))
}

fn animals() -> &'static [&'static str] {
    static CELL: OnceLock<Vec<&'static str>> = OnceLock::new();
    words(&CELL, include_str!("../../data/alias-animals.txt"))
}

/// One step of status-go's 64-bit Fibonacci LFSR: feedback = parity of the tapped bits, shifted in
/// at the bottom; returns the new state.
fn lfsr_next(state: &mut u64) -> u64 {
    let bit = (*state & POLY).count_ones() as u64 & 1;
    *state = (*state << 1) | bit;
    *state
}

fn pick(list: &'static [&'static str], n: u64) -> &'static str {
    // Lists are non-empty data compiled in; the modulus keeps the index in range.
    let len = list.len().max(1) as u64;
    list.get(usize::try_from(n % len).unwrap_or(0))
        .copied()
        .unwrap_or("")
}

/// The alias for a seed (status-go's internal `generate`), exposed for its published vector.
pub fn alias_from_seed(seed: u64) -> String {
    let mut state = seed;
    let a1 = pick(adjectives(), lfsr_next(&mut state));
    let a2 = pick(adjectives(), lfsr_next(&mut state));
    let animal = pick(animals(), lfsr_next(&mut state));
    format!("{a1} {a2} {animal}")
}

/// The three-word alias of a key. The seed is the low 64 bits of the point's X coordinate, as
/// status-go's `uint64(X.Int64())`.
pub fn alias(key: &PublicKey) -> String {
    let point = key.to_uncompressed();
    let mut low = [0u8; 8];
    low.copy_from_slice(&point[25..33]);
    alias_from_seed(u64::from_be_bytes(low))
}

/// Parses a key as status-go's alias, emoji-hash and colour-hash functions accept it: hex with or
/// without `0x`, uncompressed, on the curve.
pub fn parse_display_key(hex_key: &str) -> Result<PublicKey, DisplayKeyError> {
    let digits = hex_key.strip_prefix("0x").unwrap_or(hex_key);
    if digits.len() != 130 {
        // Decoding first gives the more useful hex error for non-hex text.
        let bytes = hex::decode(digits).map_err(|e| KeyError::Hex(e.to_string()))?;
        return Err(DisplayKeyError::NotUncompressed { len: bytes.len() });
    }
    Ok(PublicKey::from_hex(digits)?)
}

/// [`alias`] of a hex key (`0x04…`), as status-go's `GenerateFromPublicKeyString`.
pub fn alias_from_hex(hex_key: &str) -> Result<String, DisplayKeyError> {
    Ok(alias(&parse_display_key(hex_key)?))
}
