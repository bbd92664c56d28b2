//! Bencode (BEP 3), both ways, bounded: `.torrent` files arrive from web servers we do not trust,
//! so nesting depth is capped and no length field can make us allocate more than the input holds.

use std::collections::BTreeMap;

/// Nesting a `.torrent` needs is 4 (dict → info → files → file → path); anything far deeper is
/// hostile and would otherwise cost a stack frame per level.
pub const MAX_DEPTH: usize = 32;

/// A bencoded value. Dictionaries keep keys sorted (the `BTreeMap`), so [`encode`] is canonical,
/// which is what makes an info hash reproducible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Int(i64),
    Bytes(Vec<u8>),
    List(Vec<Value>),
    Dict(BTreeMap<Vec<u8>, Value>),
}

/// Why bytes are not bencode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BencodeError {
    #[error("input ends inside a value at byte {at}")]
    Truncated { at: usize },
    #[error("unexpected byte {byte:#04x} at {at}")]
    UnexpectedByte { byte: u8, at: usize },
    #[error("integer at {at} is malformed (empty, leading zero, -0 or out of range)")]
    BadInteger { at: usize },
    #[error("string length at {at} is malformed or larger than the input")]
    BadLength { at: usize },
    #[error("nesting deeper than {MAX_DEPTH} at byte {at}")]
    TooDeep { at: usize },
    #[error("dictionary key at {at} is repeated")]
    DuplicateKey { at: usize },
    #[error("{extra} bytes follow the value")]
    TrailingBytes { extra: usize },
}

impl Value {
    /// The dictionary entry `key`, if this is a dictionary that has it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Dict(d) => d.get(key.as_bytes()),
            _ => None,
        }
    }
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }
    /// The value as UTF-8 text, when it is a byte string that is valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        self.as_bytes().and_then(|b| std::str::from_utf8(b).ok())
    }
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }
    pub fn as_dict(&self) -> Option<&BTreeMap<Vec<u8>, Value>> {
        match self {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }
    /// A byte-string value from text.
    pub fn str(s: &str) -> Value {
        Value::Bytes(s.as_bytes().to_vec())
    }
}

/// Canonical bencoding of `value` (sorted keys, shortest integers).
pub fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(value, &mut out);
    out
}

/// Appends the bencoding of `value` to `out`.
pub fn encode_into(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Int(i) => {
            out.push(b'i');
            out.extend_from_slice(i.to_string().as_bytes());
            out.push(b'e');
        }
        Value::Bytes(b) => encode_bytes(b, out),
        Value::List(l) => {
            out.push(b'l');
            for v in l {
                encode_into(v, out);
            }
            out.push(b'e');
        }
        Value::Dict(d) => {
            out.push(b'd');
            for (k, v) in d {
                encode_bytes(k, out);
                encode_into(v, out);
            }
            out.push(b'e');
        }
    }
}

fn encode_bytes(b: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(b.len().to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(b);
}

/// Decodes exactly one value spanning all of `input`.
pub fn decode(input: &[u8]) -> Result<Value, BencodeError> {
    let (value, end) = decode_prefix(input, 0)?;
    if end != input.len() {
        return Err(BencodeError::TrailingBytes {
            extra: input.len() - end,
        });
    }
    Ok(value)
}

/// Decodes one value starting at `at`, returning it and the index just past it. Lets a caller
/// find the raw bytes of a nested value (the info dict, whose hash is the torrent's identity)
/// without trusting a re-encoding to reproduce them.
pub fn decode_prefix(input: &[u8], at: usize) -> Result<(Value, usize), BencodeError> {
    decode_at(input, at, 0)
}

/// The raw bytes of the top-level dictionary's entry `key`, exactly as they appear in `input`.
pub fn raw_dict_entry<'a>(input: &'a [u8], key: &[u8]) -> Result<Option<&'a [u8]>, BencodeError> {
    if input.first() != Some(&b'd') {
        return match input.first() {
            None => Err(BencodeError::Truncated { at: 0 }),
            Some(&byte) => Err(BencodeError::UnexpectedByte { byte, at: 0 }),
        };
    }
    let mut pos = 1;
    loop {
        match input.get(pos) {
            None => return Err(BencodeError::Truncated { at: pos }),
            Some(b'e') => return Ok(None),
            Some(_) => {}
        }
        let (k, after_key) = decode_string(input, pos)?;
        let (_, after_value) = decode_at(input, after_key, 1)?;
        if k == key {
            return Ok(Some(&input[after_key..after_value]));
        }
        pos = after_value;
    }
}

fn decode_at(input: &[u8], at: usize, depth: usize) -> Result<(Value, usize), BencodeError> {
    if depth > MAX_DEPTH {
        return Err(BencodeError::TooDeep { at });
    }
    let byte = *input.get(at).ok_or(BencodeError::Truncated { at })?;
    match byte {
        b'i' => {
            let end = find(input, at + 1, b'e')?;
            let n = parse_int(&input[at + 1..end]).ok_or(BencodeError::BadInteger { at })?;
            Ok((Value::Int(n), end + 1))
        }
        b'0'..=b'9' => {
            let (s, end) = decode_string(input, at)?;
            Ok((Value::Bytes(s.to_vec()), end))
        }
        b'l' => {
            let mut pos = at + 1;
            let mut items = Vec::new();
            loop {
                match input.get(pos) {
                    None => return Err(BencodeError::Truncated { at: pos }),
                    Some(b'e') => return Ok((Value::List(items), pos + 1)),
                    Some(_) => {
                        let (v, next) = decode_at(input, pos, depth + 1)?;
                        items.push(v);
                        pos = next;
                    }
                }
            }
        }
        b'd' => {
            let mut pos = at + 1;
            let mut map = BTreeMap::new();
            loop {
                match input.get(pos) {
                    None => return Err(BencodeError::Truncated { at: pos }),
                    Some(b'e') => return Ok((Value::Dict(map), pos + 1)),
                    Some(_) => {
                        let key_at = pos;
                        let (k, after_key) = decode_string(input, pos)?;
                        let (v, next) = decode_at(input, after_key, depth + 1)?;
                        if map.insert(k.to_vec(), v).is_some() {
                            return Err(BencodeError::DuplicateKey { at: key_at });
                        }
                        pos = next;
                    }
                }
            }
        }
        _ => Err(BencodeError::UnexpectedByte { byte, at }),
    }
}

fn find(input: &[u8], from: usize, byte: u8) -> Result<usize, BencodeError> {
    input
        .get(from..)
        .and_then(|rest| rest.iter().position(|&b| b == byte))
        .map(|i| from + i)
        .ok_or(BencodeError::Truncated { at: input.len() })
}

/// `<len>:<bytes>` at `at`; the length may not run past the input, so it never allocates.
fn decode_string(input: &[u8], at: usize) -> Result<(&[u8], usize), BencodeError> {
    match input.get(at) {
        Some(b'0'..=b'9') => {}
        Some(&byte) => return Err(BencodeError::UnexpectedByte { byte, at }),
        None => return Err(BencodeError::Truncated { at }),
    }
    let colon = find(input, at, b':')?;
    let digits = &input[at..colon];
    if digits.len() > 1 && digits[0] == b'0' || digits.len() > 19 {
        return Err(BencodeError::BadLength { at });
    }
    let len: usize = std::str::from_utf8(digits)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(BencodeError::BadLength { at })?;
    let start = colon + 1;
    let end = start
        .checked_add(len)
        .filter(|&e| e <= input.len())
        .ok_or(BencodeError::BadLength { at })?;
    Ok((&input[start..end], end))
}

fn parse_int(digits: &[u8]) -> Option<i64> {
    let (neg, body) = match digits.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, digits),
    };
    if body.is_empty() || !body.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if body[0] == b'0' && (body.len() > 1 || neg) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_bep3_examples() {
        let v = decode(b"d3:cow3:moo4:spaml1:a1:bee").unwrap();
        assert_eq!(v.get("cow").and_then(Value::as_str), Some("moo"));
        assert_eq!(
            v.get("spam").and_then(Value::as_list).map(<[Value]>::len),
            Some(2)
        );
        assert_eq!(encode(&v), b"d3:cow3:moo4:spaml1:a1:bee");
        assert_eq!(decode(b"i-3e").unwrap(), Value::Int(-3));
        assert_eq!(encode(&Value::Int(0)), b"i0e");
        assert_eq!(decode(b"0:").unwrap(), Value::Bytes(vec![]));
    }

    #[test]
    fn encodes_keys_sorted() {
        let mut d = BTreeMap::new();
        d.insert(b"zz".to_vec(), Value::Int(1));
        d.insert(b"a".to_vec(), Value::str("x"));
        assert_eq!(encode(&Value::Dict(d)), b"d1:a1:x2:zzi1ee");
    }

    #[test]
    fn rejects_malformed() {
        assert!(matches!(
            decode(b"i03e"),
            Err(BencodeError::BadInteger { .. })
        ));
        assert!(matches!(
            decode(b"i-0e"),
            Err(BencodeError::BadInteger { .. })
        ));
        assert!(matches!(
            decode(b"ie"),
            Err(BencodeError::BadInteger { .. })
        ));
        assert!(matches!(
            decode(b"i99999999999999999999e"),
            Err(BencodeError::BadInteger { .. })
        ));
        assert!(matches!(
            decode(b"5:abc"),
            Err(BencodeError::BadLength { .. })
        ));
        assert!(matches!(
            decode(b"99999999999999999999:"),
            Err(BencodeError::BadLength { .. })
        ));
        assert!(matches!(
            decode(b"l1:a"),
            Err(BencodeError::Truncated { .. })
        ));
        assert!(matches!(
            decode(b"d1:ai1e1:ai2ee"),
            Err(BencodeError::DuplicateKey { .. })
        ));
        assert!(matches!(
            decode(b"i1ei2e"),
            Err(BencodeError::TrailingBytes { extra: 3 })
        ));
        assert!(matches!(
            decode(b"x"),
            Err(BencodeError::UnexpectedByte { byte: b'x', at: 0 })
        ));
        assert!(matches!(
            decode(b"di1ei1ee"),
            Err(BencodeError::UnexpectedByte { .. })
        ));
        let deep = [vec![b'l'; 1000], vec![b'e'; 1000]].concat();
        assert!(matches!(decode(&deep), Err(BencodeError::TooDeep { .. })));
    }

    #[test]
    fn finds_raw_entry_bytes() {
        let input = b"d4:infod1:xi1ee3:zzz0:e";
        assert_eq!(
            raw_dict_entry(input, b"info").unwrap(),
            Some(&b"d1:xi1ee"[..])
        );
        assert_eq!(raw_dict_entry(input, b"nope").unwrap(), None);
    }
}
