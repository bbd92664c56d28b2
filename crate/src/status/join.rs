//! Joining a community, both ways: the member's `CommunityRequestToJoin` to the control node and the
//! control node's `CommunityRequestToJoinResponse` back (status-wire.md §6, app-notes.md §5, §7).
//!
//! The request (AMM type 27, signed by the requester, no encryption layer) is sealed with ECIES to
//! the community key on the content topic of `hex(uncompressed community key)` (status-go
//! `transport.SendCommunityMessage` @ `c72f4913`). It must reveal at least one wallet address, each
//! with an EIP-191 `personal_sign` over `keccak256(compressed requester ‖ community id ‖ request id)`
//! (`generateCommunityRequestsForSigning`), and is refused when older than 7 days
//! (`AddTimeoutToRequestToJoinClock`). The response (type 48, signed by the community key, bare)
//! is sealed with ECIES to the requester on its partitioned topic `contact-discovery-<X mod 5000>`
//! (`SendPrivateWithPartitioned`) and carries the community-signed description.

use prost::Message;

use crate::proto::status as wire;
use crate::proto::status::application_metadata_message::Type as MessageType;
use crate::status::codec::{Outgoing, PAYLOAD_VERSION, StatusError};
use crate::status::community::{CommunityError, DescriptionCheck, verify_community_description};
use crate::status::envelope::{self, EnvelopeError, MessageId, Opened};
use crate::status::eth::{Address, EthError, personal_ec_recover, personal_sign};
use crate::status::keys::{
    KeyError, PrivateKey, PublicKey, community_id, content_topic, control_node_chat_id, keccak256,
};
use crate::status::outgoing::{self, Destination, Layer};
use crate::status::payload::{self, PayloadError};
use crate::status::segment;
use crate::waku::WakuMessage;

/// status-go refuses a request whose clock (unix seconds) is 7 days old or more
/// (`Community.ValidateRequestToJoin` → `AddTimeoutToRequestToJoinClock`, `protocol/communities/`
/// @ `c72f4913`).
pub const REQUEST_TO_JOIN_MAX_AGE_S: u64 = 7 * 24 * 60 * 60;

/// How far ahead of our clock a request's clock may be. status-go does not look; without a bound a
/// request stamped in the far future would never age out and could be replayed for ever.
pub const REQUEST_TO_JOIN_MAX_FUTURE_S: u64 = 15 * 60;

/// More revealed accounts than any wallet holds: each costs a signature recovery, so the count is
/// bounded before any is checked.
pub const MAX_REVEALED_ACCOUNTS: usize = 64;

/// status-go `transport.nPartitions`: users listen for 1:1 traffic on one of 5000 topics.
pub const PARTITIONS: u64 = 5000;

/// Why a request to join, or its answer, was refused.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum JoinError {
    #[error("payload: {0}")]
    Payload(#[from] PayloadError),
    #[error("envelope: {0}")]
    Envelope(#[from] EnvelopeError),
    #[error("key: {0}")]
    Key(#[from] KeyError),
    #[error("encoding: {0}")]
    Status(#[from] StatusError),
    #[error("WakuMessage version is {version:?}; Status uses {PAYLOAD_VERSION}")]
    Version { version: Option<u32> },
    #[error("the message is a segment; requests to join are never segmented")]
    Segmented,
    #[error("the message is encrypted for a ratchet we do not hold")]
    Encrypted,
    #[error("expected an application message of type {expected:?}, got type {found}")]
    WrongType { expected: MessageType, found: i32 },
    #[error("{message} does not decode: {error}")]
    Decode {
        message: &'static str,
        error: prost::DecodeError,
    },
    #[error("the request is for community {got}, this is {expected}")]
    OtherCommunity { expected: String, got: String },
    #[error("the request's clock {clock} s is more than 7 days before now ({now} s)")]
    Expired { clock: u64, now: u64 },
    #[error("the request's clock {clock} s is after now ({now} s)")]
    FromTheFuture { clock: u64, now: u64 },
    #[error(
        "a request from this key with clock {last} s was already handled (this one: {clock} s)"
    )]
    Replayed { clock: u64, last: u64 },
    #[error("the request reveals no wallet address (status-go: \"no addresses revealed\")")]
    NoRevealedAccounts,
    #[error("the request reveals {count} addresses, more than {MAX_REVEALED_ACCOUNTS}")]
    TooManyRevealedAccounts { count: usize },
    #[error("revealed address {address:?} is not an Ethereum address")]
    InvalidAddress { address: String },
    #[error("the signature for {address} has v = {v}; personal_sign gives 27 or 28")]
    PersonalSignV { address: String, v: u8 },
    /// The request was signed by someone other than the requester the wallet signed for, or by a
    /// wallet other than the one named.
    #[error(
        "the signature for {address} was made by {recovered} for another requester or community"
    )]
    AccountSignature { address: String, recovered: String },
    #[error("the response is signed by {signer}, not by community {community}")]
    NotFromCommunity { community: String, signer: String },
    #[error("the response's description is signed by {signer}, not by the response's signer")]
    DescriptionSigner { signer: String },
    #[error("the response's description: {0}")]
    Description(#[from] CommunityError),
}

// ---------------------------------------------------------------------------------------------
// Ids and topics

/// status-go `CalculateRequestID`: keccak256 of `"0x04…requester" + "-" + "0x02…community"`.
pub fn request_id(requester: &PublicKey, community: &PublicKey) -> [u8; 32] {
    let s = format!(
        "{}-{}",
        requester.to_uncompressed_hex(),
        community_id(community)
    );
    keccak256(s.as_bytes())
}

/// What each revealed wallet signs: keccak256(compressed requester ‖ community id ‖ request id).
pub fn revealed_account_message(requester: &PublicKey, community: &PublicKey) -> [u8; 32] {
    let mut m = Vec::with_capacity(33 + 33 + 32);
    m.extend_from_slice(&requester.to_compressed());
    m.extend_from_slice(&community.to_compressed());
    m.extend_from_slice(&request_id(requester, community));
    keccak256(&m)
}

/// The chat a user receives 1:1 control messages on: `contact-discovery-<X mod 5000>`, with X the
/// key's x coordinate as an unsigned 256-bit integer (status-go `PartitionedTopic`).
pub fn partitioned_chat_id(key: &PublicKey) -> String {
    let uncompressed = key.to_uncompressed();
    let rem = uncompressed[1..33]
        .iter()
        .fold(0u64, |r, &b| (r * 256 + u64::from(b)) % PARTITIONS);
    format!("contact-discovery-{rem}")
}

/// A wallet address shown to the control node, with its proof of ownership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevealedAccount {
    /// `0x…` (any case).
    pub address: String,
    /// EIP-191 signature `r ‖ s ‖ v`, v ∈ {27, 28}, over [`revealed_account_message`].
    pub signature: Vec<u8>,
    pub chain_ids: Vec<u64>,
    pub is_airdrop_address: bool,
}

impl RevealedAccount {
    /// Signs with a wallet key held in the clear: for tools and tests. The app's identity signs
    /// with the key it guards and fills the fields itself.
    pub fn sign(
        wallet: &PrivateKey,
        requester: &PublicKey,
        community: &PublicKey,
        chain_ids: Vec<u64>,
        is_airdrop_address: bool,
    ) -> Self {
        let message = revealed_account_message(requester, community);
        Self {
            address: Address::from_public_key(&wallet.public_key()).to_checksum(),
            signature: personal_sign(wallet, &message).to_vec(),
            chain_ids,
            is_airdrop_address,
        }
    }

    /// Checks the signature as status-go's control node does (`CanRecover` → `personal_ecRecover`,
    /// which refuses v outside {27, 28}): the wallet named signed for this requester and community.
    pub fn verify(&self, requester: &PublicKey, community: &PublicKey) -> Result<(), JoinError> {
        let address: Address = self
            .address
            .parse()
            .map_err(|_| JoinError::InvalidAddress {
                address: self.address.clone(),
            })?;
        let message = revealed_account_message(requester, community);
        let recovered = match personal_ec_recover(&message, &self.signature) {
            Ok(a) => a,
            Err(EthError::SignatureV { v }) => {
                return Err(JoinError::PersonalSignV {
                    address: self.address.clone(),
                    v,
                });
            }
            Err(EthError::Key(e)) => return Err(e.into()),
            Err(_) => {
                return Err(JoinError::InvalidAddress {
                    address: self.address.clone(),
                });
            }
        };
        if recovered != address {
            return Err(JoinError::AccountSignature {
                address: self.address.clone(),
                recovered: recovered.to_checksum(),
            });
        }
        Ok(())
    }

    fn to_wire(&self) -> wire::RevealedAccount {
        wire::RevealedAccount {
            address: self.address.clone(),
            signature: self.signature.clone(),
            chain_ids: self.chain_ids.clone(),
            is_airdrop_address: self.is_airdrop_address,
        }
    }

    fn from_wire(w: wire::RevealedAccount) -> Self {
        Self {
            address: w.address,
            signature: w.signature,
            chain_ids: w.chain_ids,
            is_airdrop_address: w.is_airdrop_address,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Member → control node

/// What a member says when asking to join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinRequestDraft {
    /// Unix **seconds** (status-go `uint64(time.Now().Unix())`).
    pub clock_s: u64,
    pub display_name: String,
    pub ens_name: String,
    pub revealed_accounts: Vec<RevealedAccount>,
    pub customization_color: u32,
}

/// Builds the request as status-go's `RequestToJoinCommunity` sends it: AMM type 27 signed by
/// `requester`, bare, ECIES to the community key on [`control_node_chat_id`]'s content topic. Publish
/// the messages on the community shard (`/waku/2/rs/16/32`) and, while status-go migrates, on
/// `/waku/2/rs/16/64` too (status-wire.md §3.3).
pub fn encode_request_to_join(
    draft: &JoinRequestDraft,
    requester: &PrivateKey,
    community: &PublicKey,
    timestamp_ns: i64,
) -> Result<Outgoing, StatusError> {
    let payload = wire::CommunityRequestToJoin {
        clock: draft.clock_s,
        ens_name: draft.ens_name.clone(),
        chat_id: String::new(),
        community_id: community.to_compressed().to_vec(),
        display_name: draft.display_name.clone(),
        revealed_accounts: draft
            .revealed_accounts
            .iter()
            .map(RevealedAccount::to_wire)
            .collect(),
        customization_color: draft.customization_color,
    }
    .encode_to_vec();
    let topic = content_topic(&control_node_chat_id(community)).to_string();
    outgoing::encode_application(
        &payload,
        MessageType::CommunityRequestToJoin,
        requester,
        Layer::Bare,
        Destination::Recipient {
            key: community,
            content_topic: &topic,
        },
        timestamp_ns,
    )
}

/// A request to join that the control node decrypted and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinRequest {
    /// Who asks: the AMM signer, bound to every revealed account's signature.
    pub requester: PublicKey,
    pub community: PublicKey,
    /// status-go's request id (see [`request_id`]).
    pub request_id: [u8; 32],
    /// Unix seconds.
    pub clock_s: u64,
    pub display_name: String,
    pub ens_name: String,
    pub revealed_accounts: Vec<RevealedAccount>,
    pub customization_color: u32,
    /// The message id (keccak256 of requester ‖ AMM bytes): the same request seen twice has it twice.
    pub message_id: MessageId,
}

impl JoinRequest {
    /// `0x04…`, the key `CommunityDescription.members` is keyed by.
    pub fn member_key(&self) -> String {
        self.requester.to_uncompressed_hex()
    }

    /// Refuses a request no newer than the last one handled from the same requester: a replay
    /// (or an older copy arriving late) must not undo a later decision.
    pub fn check_not_replayed(&self, last_clock_s: Option<u64>) -> Result<(), JoinError> {
        match last_clock_s {
            Some(last) if self.clock_s <= last => Err(JoinError::Replayed {
                clock: self.clock_s,
                last,
            }),
            _ => Ok(()),
        }
    }
}

/// Opens a Waku message addressed to the control node and checks it as status-go's
/// `HandleCommunityRequestToJoin` does: ECIES with the community key, AMM type 27 for this
/// community, at least one revealed account (each signature made by the named wallet for this
/// requester and community), and a clock neither 7 days old nor in the future at `now_s`. Whether
/// the requester is banned, or already asked, is the caller's to check (it holds that state).
pub fn open_request_to_join(
    msg: &WakuMessage,
    community_key: &PrivateKey,
    now_s: u64,
) -> Result<JoinRequest, JoinError> {
    let community = community_key.public_key();
    let data = open_addressed(msg, community_key)?;
    let message = open_bare(&data, MessageType::CommunityRequestToJoin)?;
    let w = wire::CommunityRequestToJoin::decode(message.payload.as_slice()).map_err(|error| {
        JoinError::Decode {
            message: "CommunityRequestToJoin",
            error,
        }
    })?;
    if w.community_id != community.to_compressed() {
        return Err(JoinError::OtherCommunity {
            expected: community_id(&community),
            got: format!("0x{}", hex::encode(&w.community_id)),
        });
    }
    if w.clock.saturating_add(REQUEST_TO_JOIN_MAX_AGE_S) <= now_s {
        return Err(JoinError::Expired {
            clock: w.clock,
            now: now_s,
        });
    }
    if w.clock > now_s.saturating_add(REQUEST_TO_JOIN_MAX_FUTURE_S) {
        return Err(JoinError::FromTheFuture {
            clock: w.clock,
            now: now_s,
        });
    }
    if w.revealed_accounts.is_empty() {
        return Err(JoinError::NoRevealedAccounts);
    }
    if w.revealed_accounts.len() > MAX_REVEALED_ACCOUNTS {
        return Err(JoinError::TooManyRevealedAccounts {
            count: w.revealed_accounts.len(),
        });
    }
    let revealed_accounts: Vec<_> = w
        .revealed_accounts
        .into_iter()
        .map(RevealedAccount::from_wire)
        .collect();
    for account in &revealed_accounts {
        account.verify(&message.signer, &community)?;
    }
    Ok(JoinRequest {
        requester: message.signer,
        community,
        request_id: request_id(&message.signer, &community),
        clock_s: w.clock,
        display_name: w.display_name,
        ens_name: w.ens_name,
        revealed_accounts,
        customization_color: w.customization_color,
        message_id: message.id,
    })
}

// ---------------------------------------------------------------------------------------------
// Control node → member

/// The control node's answer, as the requester reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinResponse {
    pub community: PublicKey,
    pub accepted: bool,
    /// ms (the description's clock when status-go accepts).
    pub clock: u64,
    /// The description the response carries, verified against the community key. Membership is
    /// confirmed by the requester's key in its `members`.
    pub description: Option<DescriptionCheck>,
    pub archive_link: String,
}

impl JoinResponse {
    /// Whether the carried, verified description lists `member`.
    pub fn lists_member(&self, member: &PublicKey) -> bool {
        self.description
            .as_ref()
            .and_then(DescriptionCheck::verified)
            .is_some_and(|d| {
                d.description()
                    .members
                    .contains_key(&member.to_uncompressed_hex())
            })
    }
}

/// Builds the answer as status-go's `acceptRequestToJoinCommunity` sends it (non-encrypted
/// community): AMM type 48 signed by the community key, bare, ECIES to the requester on its
/// partitioned topic ([`partitioned_chat_id`]), with the current description (community-signed AMM
/// bytes, and the deprecated plain copy) and the description's clock. Publish on
/// `/waku/2/rs/16/32`, where status-go's partitioned filter listens.
pub fn encode_request_to_join_response(
    description: &wire::CommunityDescription,
    accepted: bool,
    community_key: &PrivateKey,
    requester: &PublicKey,
    timestamp_ns: i64,
) -> Result<Outgoing, StatusError> {
    encode_request_to_join_response_with_link(
        description,
        accepted,
        community_key,
        requester,
        timestamp_ns,
        "",
    )
}

/// [`encode_request_to_join_response`] carrying the community's newest history-archive link
/// (field 6), as status-go does so a new member can fetch older history at once.
pub fn encode_request_to_join_response_with_link(
    description: &wire::CommunityDescription,
    accepted: bool,
    community_key: &PrivateKey,
    requester: &PublicKey,
    timestamp_ns: i64,
    archive_link: &str,
) -> Result<Outgoing, StatusError> {
    let timestamp_ms = u64::try_from(timestamp_ns / 1_000_000).unwrap_or(0);
    let sealed = outgoing::seal_community_description(description, community_key, timestamp_ms)?;
    let mut plain = description.clone();
    if plain.id.is_empty() {
        plain.id = community_id(&community_key.public_key());
    }
    let payload = wire::CommunityRequestToJoinResponse {
        clock: description.clock,
        community: Some(plain),
        accepted,
        grant: Vec::new(),
        community_id: community_key.public_key().to_compressed().to_vec(),
        archive_link: archive_link.to_owned(),
        community_description_protocol_message: sealed.bytes,
    }
    .encode_to_vec();
    let topic = content_topic(&partitioned_chat_id(requester)).to_string();
    outgoing::encode_application(
        &payload,
        MessageType::CommunityRequestToJoinResponse,
        community_key,
        Layer::Bare,
        Destination::Recipient {
            key: requester,
            content_topic: &topic,
        },
        timestamp_ns,
    )
}

/// Opens a response addressed to `requester_key` and checks it as status-go's
/// `HandleCommunityRequestToJoinResponse` does: signed by the community it names, and a carried
/// description signed by that same key (`unmarshalCommunityDescriptionMessage`) and verified.
pub fn open_request_to_join_response(
    msg: &WakuMessage,
    requester_key: &PrivateKey,
) -> Result<JoinResponse, JoinError> {
    let data = open_addressed(msg, requester_key)?;
    let message = open_bare(&data, MessageType::CommunityRequestToJoinResponse)?;
    let w = wire::CommunityRequestToJoinResponse::decode(message.payload.as_slice()).map_err(
        |error| JoinError::Decode {
            message: "CommunityRequestToJoinResponse",
            error,
        },
    )?;
    let community = PublicKey::from_sec1(&w.community_id)?;
    if message.signer != community {
        return Err(JoinError::NotFromCommunity {
            community: community_id(&community),
            signer: community_id(&message.signer),
        });
    }
    let description = if w.community_description_protocol_message.is_empty() {
        None
    } else {
        let amm = envelope::decode_application_message(&w.community_description_protocol_message)?;
        if amm.kind() != Some(MessageType::CommunityDescription) {
            return Err(JoinError::WrongType {
                expected: MessageType::CommunityDescription,
                found: amm.message_type,
            });
        }
        if amm.signer != message.signer {
            return Err(JoinError::DescriptionSigner {
                signer: community_id(&amm.signer),
            });
        }
        let timestamp_ms = msg
            .timestamp
            .and_then(|t| u64::try_from(t / 1_000_000).ok())
            .unwrap_or(0);
        Some(verify_community_description(
            &amm.payload,
            &amm.signer,
            timestamp_ms,
            Some(&community),
        )?)
    };
    Ok(JoinResponse {
        community,
        accepted: w.accepted,
        clock: w.clock,
        description,
        archive_link: w.archive_link,
    })
}

// ---------------------------------------------------------------------------------------------
// Shared

/// Payload v1 sealed to `key`: the RFC-26 data. Frames addressed to one key are never segmented by
/// status-go for these small messages, so a segment is refused rather than buffered.
fn open_addressed(msg: &WakuMessage, key: &PrivateKey) -> Result<Vec<u8>, JoinError> {
    if msg.version != Some(PAYLOAD_VERSION) {
        return Err(JoinError::Version {
            version: msg.version,
        });
    }
    let opened = payload::decrypt_asymmetric(&msg.payload, key)?;
    if segment::decode_segment(&opened.data).is_ok() {
        return Err(JoinError::Segmented);
    }
    Ok(opened.data)
}

/// The AMM of `expected` type, through whichever optional layers the sender used.
fn open_bare(
    data: &[u8],
    expected: MessageType,
) -> Result<envelope::ApplicationMessage, JoinError> {
    let message = match envelope::open_envelope(data)? {
        Opened::Message(m) => m.message,
        Opened::Encrypted(_) => return Err(JoinError::Encrypted),
    };
    if message.kind() != Some(expected) {
        return Err(JoinError::WrongType {
            expected,
            found: message.message_type,
        });
    }
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::eth::personal_sign_hash;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const NOW_S: u64 = 1_700_000_000;
    const T_NS: i64 = 1_700_000_000_000_000_000;

    fn community_key() -> PrivateKey {
        PrivateKey::from_bytes(&[0x21; 32]).unwrap()
    }

    fn requester() -> PrivateKey {
        PrivateKey::from_bytes(&[0x22; 32]).unwrap()
    }

    fn wallet() -> PrivateKey {
        PrivateKey::from_bytes(&[0x23; 32]).unwrap()
    }

    fn draft(for_requester: &PublicKey, clock_s: u64) -> JoinRequestDraft {
        JoinRequestDraft {
            clock_s,
            display_name: "Ada".into(),
            ens_name: String::new(),
            revealed_accounts: vec![RevealedAccount::sign(
                &wallet(),
                for_requester,
                &community_key().public_key(),
                vec![1],
                true,
            )],
            customization_color: 0,
        }
    }

    fn request(signer: &PrivateKey, d: &JoinRequestDraft) -> WakuMessage {
        let out = encode_request_to_join(d, signer, &community_key().public_key(), T_NS).unwrap();
        assert_eq!(out.messages.len(), 1);
        out.messages[0].clone()
    }

    /// app-notes.md §5, "Request-to-join vector (computed here; reproduced with @noble/curves)":
    /// requester = chat key of `abandon … about`, wallet = its m/44'/60'/0'/0/0, community = the
    /// compressed chat key of `test … junk`.
    #[test]
    fn the_request_to_join_signature_vector() {
        let requester = PublicKey::from_hex("0x041c0b489f112aa9334a0c41e349757e3edd6b0ce761bebc6b14b4901a10aa77966f0b3648e289857fe223ed0230f7383c420ec303b620f07503e1ac66beab0837").unwrap();
        let community = PublicKey::from_hex(
            "0x03b0845dbe5aac196a2c1606fe3199e5ec9b2bd09a5bd801e478409544745bf689",
        )
        .unwrap();
        assert_eq!(
            hex::encode(request_id(&requester, &community)),
            "c1c7b2962d227d26019e64513b2207907ff0e7abe0ca23d370573cf06e17e3f6"
        );
        let message = revealed_account_message(&requester, &community);
        assert_eq!(
            hex::encode(message),
            "88bc1d8ca9238c4a49893f34364e41f7bcce363c6e5bf5816432f93fa84f7c1a"
        );
        assert_eq!(
            hex::encode(personal_sign_hash(&message)),
            "5a623cc7c1fa5852de5010da9858ce919670b78b3059df530c7868f03e968d3a"
        );
        let account = RevealedAccount {
            address: "0x9858EfFD232B4033E47d90003D41EC34EcaEda94".into(),
            signature: hex::decode("57012e95f1037d7424020561a945a963e14ce0efba96d00609eb99a9b6e77dcf7d7ccf3ebbaf5c346a80f0683e05f81452d2293befe66bd1f152c72353de45b81c").unwrap(),
            chain_ids: vec![],
            is_airdrop_address: false,
        };
        account.verify(&requester, &community).unwrap();
        // The same signature with v = 1 (go-ethereum's personal_ecRecover refuses it).
        let mut raw = account.clone();
        raw.signature[64] = 1;
        assert!(matches!(
            raw.verify(&requester, &community),
            Err(JoinError::PersonalSignV { v: 1, .. })
        ));
        // For another community, the same signature names another wallet.
        assert!(matches!(
            account.verify(&requester, &requester),
            Err(JoinError::AccountSignature { .. })
        ));
    }

    /// The first account of `abandon … about` (m/44'/60'/0'/0/0), a widely published key: signing
    /// with it reproduces the vector above byte for byte (RFC 6979).
    #[test]
    fn signing_reproduces_the_vector() {
        let wallet = PrivateKey::from_bytes(
            &hex::decode("1ab42cc412b618bdea3a599e3c9bae199ebf030895b039e9db1e30dafb12b727")
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            Address::from_public_key(&wallet.public_key()).to_checksum(),
            "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"
        );
        let requester = PublicKey::from_hex("0x041c0b489f112aa9334a0c41e349757e3edd6b0ce761bebc6b14b4901a10aa77966f0b3648e289857fe223ed0230f7383c420ec303b620f07503e1ac66beab0837").unwrap();
        let community = PublicKey::from_hex(
            "0x03b0845dbe5aac196a2c1606fe3199e5ec9b2bd09a5bd801e478409544745bf689",
        )
        .unwrap();
        let account = RevealedAccount::sign(&wallet, &requester, &community, vec![], false);
        assert_eq!(
            account.address,
            "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"
        );
        assert_eq!(
            hex::encode(&account.signature),
            "57012e95f1037d7424020561a945a963e14ce0efba96d00609eb99a9b6e77dcf7d7ccf3ebbaf5c346a80f0683e05f81452d2293befe66bd1f152c72353de45b81c"
        );
    }

    /// app-notes.md §7 (computed there): the alias vector key is in partition 4572.
    #[test]
    fn partitioned_topic_vector() {
        let key = PublicKey::from_hex("0x04eedbaafd6adf4a9233a13e7b1c3c14461fffeba2e9054b8d456ce5f6ebeafadcbf3dce3716253fbc391277fa5a086b60b283daf61fb5b1f26895f456c2f31ae3").unwrap();
        assert_eq!(partitioned_chat_id(&key), "contact-discovery-4572");
        assert_eq!(
            content_topic(&partitioned_chat_id(&key)).to_string(),
            "/waku/1/0xd85003fb/rfc26"
        );
    }

    #[test]
    fn a_request_round_trips_through_the_control_node() {
        let r = requester();
        let d = draft(&r.public_key(), NOW_S);
        let msg = request(&r, &d);
        assert_eq!(
            msg.content_topic,
            content_topic(&control_node_chat_id(&community_key().public_key())).to_string()
        );
        let got = open_request_to_join(&msg, &community_key(), NOW_S + 60).unwrap();
        assert_eq!(got.requester, r.public_key());
        assert_eq!(got.display_name, "Ada");
        assert_eq!(got.clock_s, NOW_S);
        assert_eq!(got.revealed_accounts, d.revealed_accounts);
        assert_eq!(got.request_id, request_id(&r.public_key(), &got.community));
        got.check_not_replayed(None).unwrap();
        got.check_not_replayed(Some(NOW_S - 1)).unwrap();
        assert!(matches!(
            got.check_not_replayed(Some(NOW_S)),
            Err(JoinError::Replayed { .. })
        ));
        // Only the community key opens it.
        assert!(matches!(
            open_request_to_join(&msg, &r, NOW_S),
            Err(JoinError::Payload(_))
        ));
    }

    #[test]
    fn bad_requests_are_refused_with_a_reason() {
        let r = requester();
        let now = NOW_S + REQUEST_TO_JOIN_MAX_AGE_S;
        // Exactly 7 days old: status-go's `timeNow >= requestTimeOutClock`.
        let old = request(&r, &draft(&r.public_key(), NOW_S));
        assert!(matches!(
            open_request_to_join(&old, &community_key(), now),
            Err(JoinError::Expired { .. })
        ));
        let future = request(&r, &draft(&r.public_key(), NOW_S + 3600));
        assert!(matches!(
            open_request_to_join(&future, &community_key(), NOW_S),
            Err(JoinError::FromTheFuture { .. })
        ));
        // Signed by someone other than the requester the wallet signed for.
        let impostor = PrivateKey::from_bytes(&[0x24; 32]).unwrap();
        let forged = request(&impostor, &draft(&r.public_key(), NOW_S));
        assert!(matches!(
            open_request_to_join(&forged, &community_key(), NOW_S),
            Err(JoinError::AccountSignature { .. })
        ));
        let mut none = draft(&r.public_key(), NOW_S);
        none.revealed_accounts.clear();
        assert_eq!(
            open_request_to_join(&request(&r, &none), &community_key(), NOW_S),
            Err(JoinError::NoRevealedAccounts)
        );
        // For another community.
        let other = PrivateKey::from_bytes(&[0x25; 32]).unwrap();
        let out = encode_request_to_join(
            &draft(&r.public_key(), NOW_S),
            &r,
            &other.public_key(),
            T_NS,
        )
        .unwrap();
        assert!(open_request_to_join(&out.messages[0], &community_key(), NOW_S).is_err());
        // Garbage payloads and wrong versions.
        let mut garbage = old.clone();
        garbage.payload = vec![0x04; 40];
        assert!(open_request_to_join(&garbage, &community_key(), NOW_S).is_err());
        garbage.version = Some(0);
        assert_eq!(
            open_request_to_join(&garbage, &community_key(), NOW_S),
            Err(JoinError::Version { version: Some(0) })
        );
    }

    fn description_with(member: &PublicKey) -> wire::CommunityDescription {
        let mut d = wire::CommunityDescription {
            clock: 1_700_000_000_000,
            permissions: Some(wire::CommunityPermissions {
                access: wire::community_permissions::Access::AutoAccept as i32,
                ..Default::default()
            }),
            identity: Some(wire::ChatIdentity {
                display_name: "Hearth".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        d.members.insert(
            member.to_uncompressed_hex(),
            wire::CommunityMember::default(),
        );
        d
    }

    #[test]
    fn the_response_reaches_the_requester_with_the_description() {
        let r = requester();
        let out = encode_request_to_join_response(
            &description_with(&r.public_key()),
            true,
            &community_key(),
            &r.public_key(),
            T_NS,
        )
        .unwrap();
        assert_eq!(
            out.messages[0].content_topic,
            content_topic(&partitioned_chat_id(&r.public_key())).to_string()
        );
        let got = open_request_to_join_response(&out.messages[0], &r).unwrap();
        assert!(got.accepted);
        assert_eq!(got.community, community_key().public_key());
        assert_eq!(got.clock, 1_700_000_000_000);
        assert!(got.lists_member(&r.public_key()));
        assert!(!got.lists_member(&wallet().public_key()));
        // Only the requester opens it.
        assert!(open_request_to_join_response(&out.messages[0], &wallet()).is_err());
        assert_eq!(got.archive_link, "");
        let with_link = encode_request_to_join_response_with_link(
            &description_with(&r.public_key()),
            true,
            &community_key(),
            &r.public_key(),
            T_NS,
            "magnet:?xt=urn:btih:0000000000000000000000000000000000000000",
        )
        .unwrap();
        let got = open_request_to_join_response(&with_link.messages[0], &r).unwrap();
        assert!(got.archive_link.starts_with("magnet:?xt=urn:btih:"));
    }

    #[test]
    fn a_response_not_signed_by_its_community_is_refused() {
        let r = requester();
        // "Signed" by another key that claims the community's id.
        let other = PrivateKey::from_bytes(&[0x26; 32]).unwrap();
        let payload = wire::CommunityRequestToJoinResponse {
            clock: 1,
            accepted: true,
            community_id: community_key().public_key().to_compressed().to_vec(),
            ..Default::default()
        }
        .encode_to_vec();
        let topic = content_topic(&partitioned_chat_id(&r.public_key())).to_string();
        let out = outgoing::encode_application(
            &payload,
            MessageType::CommunityRequestToJoinResponse,
            &other,
            Layer::Bare,
            Destination::Recipient {
                key: &r.public_key(),
                content_topic: &topic,
            },
            T_NS,
        )
        .unwrap();
        assert!(matches!(
            open_request_to_join_response(&out.messages[0], &r),
            Err(JoinError::NotFromCommunity { .. })
        ));
    }
}
