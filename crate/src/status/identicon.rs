//! The emoji hash and the colour hash Status draws beside a name, so that two people who chose the
//! same display name still look different (status-go `emojihash.GenerateFor`,
//! `colorhash.GenerateFor`, ring colours from `ring.go`). Both read fixed bit ranges of the
//! compressed key:
//! `| 12 bits unused | 160 bits emoji hash | 80 bits colour hash | 12 bits unused |`.
//!
//! The emoji alphabet and the ring palette are data (`crate/data/emoji-hash.txt`,
//! `crate/data/colour-hash-palette.txt`).

use std::sync::OnceLock;

use super::alias::{DisplayKeyError, parse_display_key};
use super::keys::PublicKey;

/// Emoji in an emoji hash: 2757¹⁴ ≥ 2¹⁶⁰, so every 160-bit slice fits.
pub const EMOJI_HASH_LEN: usize = 14;
/// The emoji alphabet's size (the first lines of status-go's `static/emojis.txt`).
pub const EMOJI_ALPHABET_LEN: usize = 2757;
/// Colour-hash segments are 1..=5 units long.
const SEGMENT_MAX_LEN: u32 = 5;
/// Ring palette size.
pub const RING_COLOURS: u32 = 32;

/// The emoji alphabet, in status-go's order.
pub fn emoji_alphabet() -> &'static [&'static str] {
    static CELL: OnceLock<Vec<&'static str>> = OnceLock::new();
    CELL.get_or_init(|| {
        include_str!("../../data/emoji-hash.txt")
            .lines()
            .filter(|l| !l.is_empty())
            .take(EMOJI_ALPHABET_LEN)
            .collect()
    })
}

/// The ring palette (`#RRGGBB`, same in light and dark themes), indexed by a segment's colour.
pub fn ring_palette() -> &'static [&'static str] {
    static CELL: OnceLock<Vec<&'static str>> = OnceLock::new();
    CELL.get_or_init(|| {
        include_str!("../../data/colour-hash-palette.txt")
            .lines()
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// The colour of a ring segment; black for an index past the palette (cannot happen for hashes
/// built here).
pub fn ring_colour(index: u8) -> &'static str {
    ring_palette()
        .get(usize::from(index))
        .copied()
        .unwrap_or("#000000")
}

/// One arc of the colour ring: `units` of the ring's total length, in palette colour `colour`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingSegment {
    pub units: u8,
    pub colour: u8,
}

/// Bits `[from_bit, from_bit + bits)` of `bytes` (big-endian, bit 0 = top bit of byte 0), as a
/// big-endian byte string.
fn bit_range(bytes: &[u8], from_bit: usize, bits: usize) -> Vec<u8> {
    let mut out = vec![0u8; bits.div_ceil(8)];
    let pad = out.len() * 8 - bits;
    for i in 0..bits {
        let src = from_bit + i;
        let set = bytes
            .get(src / 8)
            .is_some_and(|b| b & (0x80 >> (src % 8)) != 0);
        if set {
            let dst = pad + i;
            out[dst / 8] |= 0x80 >> (dst % 8);
        }
    }
    out
}

/// The base-`base` digits of a big-endian unsigned integer, most significant first; zero gives
/// `[0]` (status-go's `ToBigBase`).
fn to_base(value: &[u8], base: u32) -> Vec<u32> {
    let mut rest: Vec<u32> = value.iter().map(|&b| u32::from(b)).collect();
    let mut digits = Vec::new();
    loop {
        let mut remainder: u32 = 0;
        let mut quotient = Vec::with_capacity(rest.len());
        for &d in &rest {
            let acc = (remainder << 8) | d;
            quotient.push(acc / base);
            remainder = acc % base;
        }
        digits.push(remainder);
        let first = quotient.iter().position(|&d| d != 0);
        match first {
            Some(i) => rest = quotient.split_off(i),
            None => break,
        }
    }
    digits.reverse();
    digits
}

/// The emoji hash of a key: 14 emoji, some several code points long (skin tones, ZWJ sequences).
pub fn emoji_hash(key: &PublicKey) -> [&'static str; EMOJI_HASH_LEN] {
    let slice = bit_range(&key.to_compressed(), 12, 160);
    let mut out = [""; EMOJI_HASH_LEN];
    // 160 bits always fit in 14 digits of base 2757; the fallback only guards the data file.
    if let Some(digits) = emoji_digits(&slice, EMOJI_HASH_LEN, emoji_alphabet()) {
        for (slot, e) in out.iter_mut().zip(digits) {
            *slot = e;
        }
    }
    out
}

/// Digits of a value in a colour alphabet of `max_len` × `colours` pairs, adjusted so that no two
/// neighbouring segments share a colour (status-go's `toColorHash`, with its deliberate collisions).
fn colour_segments(value: &[u8], max_len: u32, colours: u32) -> Vec<RingSegment> {
    let mut segments: Vec<RingSegment> = to_base(value, max_len * colours)
        .into_iter()
        .map(|d| RingSegment {
            units: u8::try_from(d / colours + 1).unwrap_or(u8::MAX),
            colour: u8::try_from(d % colours).unwrap_or(0),
        })
        .collect();
    for i in 1..segments.len() {
        if segments[i].colour == segments[i - 1].colour {
            segments[i].colour =
                u8::try_from((u32::from(segments[i].colour) + 1) % colours).unwrap_or(0);
        }
    }
    segments
}

/// Left-pads base-`alphabet.len()` digits of `value` to `len` and maps them to the alphabet
/// (status-go's `toEmojiHash`; `len` 0 pads nothing); `None` when the value needs more than `len`
/// digits.
fn emoji_digits<'a>(value: &[u8], len: usize, alphabet: &[&'a str]) -> Option<Vec<&'a str>> {
    let base = u32::try_from(alphabet.len()).ok()?;
    let digits = to_base(value, base);
    // 0 means "no padding", as in status-go.
    let len = if len == 0 { digits.len() } else { len };
    if digits.len() > len {
        return None;
    }
    let pad = std::iter::repeat_n(0u32, len - digits.len());
    pad.chain(digits)
        .map(|d| alphabet.get(d as usize).copied())
        .collect()
}

/// The colour hash of a key: up to 11 ring segments, drawn in order from angle 0.
pub fn colour_hash(key: &PublicKey) -> Vec<RingSegment> {
    colour_segments(
        &bit_range(&key.to_compressed(), 172, 80),
        SEGMENT_MAX_LEN,
        RING_COLOURS,
    )
}

/// [`emoji_hash`] of a hex key, as status-go's `emojihash.GenerateFor`.
pub fn emoji_hash_from_hex(
    hex_key: &str,
) -> Result<[&'static str; EMOJI_HASH_LEN], DisplayKeyError> {
    Ok(emoji_hash(&parse_display_key(hex_key)?))
}

/// [`colour_hash`] of a hex key, as status-go's `colorhash.GenerateFor`.
pub fn colour_hash_from_hex(hex_key: &str) -> Result<Vec<RingSegment>, DisplayKeyError> {
    Ok(colour_hash(&parse_display_key(hex_key)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_conversion_matches_status_go_to_big_base() {
        assert_eq!(to_base(&[0], 160), vec![0]);
        assert_eq!(to_base(&[], 160), vec![0]);
        assert_eq!(to_base(&[0x03, 0x09], 5), vec![1, 1, 1, 0, 2]); // 777
        assert_eq!(to_base(&[0x01, 0x00], 16), vec![1, 0, 0]);
    }

    // Inner-function vectors of status-go `colorhash_test.go` `TestColorHash` (alphabet of 4 lengths
    // × 4 colours), SG @ c72f491324909173c83e69c5a86ace7aeb87daaa.
    #[test]
    fn colour_hash_inner_vectors() {
        let small = |v: &[u8]| -> Vec<[u8; 2]> {
            colour_segments(v, 4, 4)
                .into_iter()
                .map(|s| [s.units, s.colour])
                .collect()
        };
        assert_eq!(small(&[0x0]), vec![[1, 0]]);
        assert_eq!(small(&[0x1]), vec![[1, 1]]);
        assert_eq!(small(&[0x4]), vec![[2, 0]]);
        assert_eq!(small(&[0xF]), vec![[4, 3]]);
        // "oops, collision" in the original: two values, one hash.
        assert_eq!(small(&[0xFF]), vec![[4, 3], [4, 0]]);
        assert_eq!(small(&[0xFC]), vec![[4, 3], [4, 0]]);
        assert_eq!(small(&[0xFF, 0xFF]), vec![[4, 3], [4, 0], [4, 3], [4, 0]]);
    }

    // status-go `emojihash_test.go` `TestToEmojiHash`, same commit.
    #[test]
    fn emoji_hash_inner_vectors() {
        let alphabet = ["😇", "🤐", "🥵", "🙊", "🤌"];
        let v777 = [0x03, 0x09];
        assert_eq!(
            emoji_digits(&v777, 5, &alphabet).unwrap(),
            ["🤐", "🤐", "🤐", "😇", "🥵"]
        );
        assert_eq!(
            emoji_digits(&v777, 0, &alphabet).unwrap(),
            ["🤐", "🤐", "🤐", "😇", "🥵"]
        );
        assert_eq!(
            emoji_digits(&v777, 10, &alphabet).unwrap(),
            ["😇", "😇", "😇", "😇", "😇", "🤐", "🤐", "🤐", "😇", "🥵"]
        );
        // 20 bytes need an alphabet of at least 2757 for 14 emoji.
        let max = [0xFF; 20];
        assert!(emoji_digits(&max, 14, &[""; 2757]).is_some());
        assert!(emoji_digits(&max, 14, &[""; 2756]).is_none());
    }

    #[test]
    fn bit_range_cuts_status_go_slices() {
        let mut key = [0u8; 33];
        key[1] = 0x0A; // bits 12..16 belong to slice 1's top nibble
        key[21] = 0xBC; // low nibble of byte 21 ends slice 1, high nibble of byte 21 is slice 1 too
        let s1 = bit_range(&key, 12, 160);
        assert_eq!(s1.len(), 20);
        assert_eq!(s1[0], 0xA0);
        assert_eq!(s1[19], 0x0B);
        let s2 = bit_range(&key, 172, 80);
        assert_eq!(s2[0], 0xC0);
    }
}
