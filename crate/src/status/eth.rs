//! Ethereum addresses and EIP-191 `personal_sign`, for the one place Status needs a wallet: the
//! revealed account in a request to join a community (`status-wire.md` §6.1, [`super::join`]).
//!
//! status-go checks a revealed account with `personal_ecRecover`, which refuses any signature whose
//! last byte is not 27 or 28; so these signatures carry `v = 27 + recovery id`, unlike the 0/1 of
//! every other Status signature (`status::keys`).

use std::fmt;
use std::str::FromStr;

use crate::status::keys::{self, KeyError, PrivateKey, PublicKey, SIGNATURE_LEN};

/// What is wrong with an address or an EIP-191 signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EthError {
    #[error("an address is 0x and 40 hex digits, got {len} characters")]
    AddressLength { len: usize },
    #[error("address is not hex")]
    AddressHex,
    #[error("address has mixed case but its EIP-55 checksum is wrong")]
    AddressChecksum,
    #[error("personal_sign signatures end in v = 27 or 28, got {v}")]
    SignatureV { v: u8 },
    #[error("signature is by {found}, not {expected}")]
    WrongSigner { expected: Address, found: Address },
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// A 20-byte Ethereum address: the last 20 bytes of keccak256 of the uncompressed public key
/// without its `04` prefix (go-ethereum `crypto.PubkeyToAddress`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Address([u8; 20]);

impl Address {
    pub fn from_public_key(key: &PublicKey) -> Self {
        let hash = keys::keccak256(&key.to_uncompressed()[1..]);
        let mut out = [0u8; 20];
        out.copy_from_slice(&hash[12..]);
        Self(out)
    }

    pub fn from_bytes(bytes: [u8; 20]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }

    /// The EIP-55 mixed-case form (`0x9858EfFD…`), which is what wallets show and what status-go
    /// puts in `RevealedAccount.address`: a letter is capitalised where the matching nibble of
    /// keccak256(lowercase hex) is 8 or more, so a typo in a copied address is caught.
    pub fn to_checksum(&self) -> String {
        let lower = hex::encode(self.0);
        let hash = keys::keccak256(lower.as_bytes());
        let mut out = String::with_capacity(42);
        out.push_str("0x");
        for (i, c) in lower.chars().enumerate() {
            let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
            out.push(if nibble >= 8 {
                c.to_ascii_uppercase()
            } else {
                c
            });
        }
        out
    }
}

impl FromStr for Address {
    type Err = EthError;

    /// Accepts `0x` + 40 hex digits. All-lowercase and all-uppercase carry no checksum and are
    /// taken as they are; mixed case must be a correct EIP-55 checksum.
    fn from_str(s: &str) -> Result<Self, EthError> {
        let digits = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"));
        let digits = match digits {
            Some(d) if d.len() == 40 => d,
            _ => return Err(EthError::AddressLength { len: s.len() }),
        };
        let mut bytes = [0u8; 20];
        hex::decode_to_slice(digits, &mut bytes).map_err(|_| EthError::AddressHex)?;
        let address = Self(bytes);
        let has_upper = digits.bytes().any(|b| b.is_ascii_uppercase());
        let has_lower = digits.bytes().any(|b| b.is_ascii_lowercase());
        if has_upper && has_lower && address.to_checksum()[2..] != *digits {
            return Err(EthError::AddressChecksum);
        }
        Ok(address)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_checksum())
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({})", self.to_checksum())
    }
}

/// EIP-191 version 0x45: keccak256("\x19Ethereum Signed Message:\n" + decimal length + data), the
/// digest `personal_sign` signs (go-ethereum `accounts.TextHash`).
pub fn personal_sign_hash(data: &[u8]) -> [u8; 32] {
    let mut message = format!("\x19Ethereum Signed Message:\n{}", data.len()).into_bytes();
    message.extend_from_slice(data);
    keys::keccak256(&message)
}

/// `personal_sign` with `key`: `r ‖ s ‖ v`, v = 27 or 28. Deterministic (RFC 6979), low-s, so it
/// is byte-identical to go-ethereum's.
pub fn personal_sign(key: &PrivateKey, data: &[u8]) -> [u8; SIGNATURE_LEN] {
    let mut signature = key.sign_prehash(&personal_sign_hash(data));
    signature[64] += 27;
    signature
}

/// `personal_ecRecover`: the address that signed `data`, refusing a v byte other than 27/28 as
/// go-ethereum and status-go do.
pub fn personal_ec_recover(data: &[u8], signature: &[u8]) -> Result<Address, EthError> {
    if signature.len() != SIGNATURE_LEN {
        return Err(KeyError::SignatureLength {
            len: signature.len(),
        }
        .into());
    }
    let v = signature[64];
    if v != 27 && v != 28 {
        return Err(EthError::SignatureV { v });
    }
    let mut standard = [0u8; SIGNATURE_LEN];
    standard.copy_from_slice(signature);
    standard[64] = v - 27;
    let signer = keys::recover_prehash(&personal_sign_hash(data), &standard)?;
    Ok(Address::from_public_key(&signer))
}
