//! The community's store-node list (AMM type 83, `COMMUNITY_PUBLIC_STORENODES_INFO`): which nodes
//! keep the community's history, signed by the community key (seed 000: "the community owner MUST
//! specify a list of trusted store nodes … public to community members").
//!
//! status-go @ `c72f4913` (`protocol/messenger_community_storenodes.go`) marshals a
//! `CommunityStorenodes`, signs keccak256 of those bytes with the community key, wraps both in a
//! `CommunityPublicStorenodesInfo`, and publishes that as a bare AMM signed by the community key on
//! the community id's chat (same topic and key as the description). Receivers check the inner
//! signature (`verifyCommunitySignature`): the community key, or the owner-token signer when
//! `chain_id` is set — which we cannot ask, so such lists stay unverified here.

use prost::Message;

use crate::proto::status as wire;
use crate::proto::status::application_metadata_message::Type as MessageType;
use crate::status::codec::{ChatKey, Outgoing, StatusError};
use crate::status::keys::{KeyError, PrivateKey, PublicKey, community_id, recover_keccak};
use crate::status::outgoing::{self, Destination, Layer};

/// More store nodes than any community would name; a longer list is refused before it is used.
pub const MAX_STORENODES: usize = 64;

/// Why a store-node list was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorenodesError {
    #[error("{message} does not decode: {error}")]
    Decode {
        message: &'static str,
        error: prost::DecodeError,
    },
    #[error("the list has no signature")]
    Unsigned,
    #[error("signature: {0}")]
    Key(#[from] KeyError),
    #[error("the list is for community {got}, {expected} was expected")]
    OtherCommunity { expected: String, got: String },
    #[error("the list is signed by {signer}, not by community {community}")]
    NotFromCommunity { community: String, signer: String },
    #[error("the list names an owner token on chain {chain_id}; its signer cannot be checked here")]
    OwnerToken { chain_id: u64 },
    #[error("the list names {count} store nodes, more than {MAX_STORENODES}")]
    TooMany { count: usize },
}

/// One store node as the community names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Storenode {
    /// libp2p peer id (`16Uiu2…`).
    pub peer_id: String,
    pub name: String,
    /// A multiaddr to dial.
    pub address: String,
    pub fleet: String,
    pub version: u32,
    pub removed: bool,
}

/// A list checked against its community key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedStorenodes {
    pub community: PublicKey,
    /// The newest list (highest clock) replaces older ones.
    pub clock: u64,
    pub storenodes: Vec<Storenode>,
}

/// The `CommunityPublicStorenodesInfo` payload: the list, signed by the community key.
pub fn sign_storenodes(
    storenodes: &[Storenode],
    clock: u64,
    community_key: &PrivateKey,
) -> Vec<u8> {
    let id = community_key.public_key().to_compressed().to_vec();
    let inner = wire::CommunityStorenodes {
        clock,
        community_id: id.clone(),
        storenodes: storenodes
            .iter()
            .map(|s| wire::Storenode {
                community_id: id.clone(),
                storenode_id: s.peer_id.clone(),
                name: s.name.clone(),
                address: s.address.clone(),
                fleet: s.fleet.clone(),
                version: s.version,
                removed: s.removed,
                deleted_at: 0,
            })
            .collect(),
        chain_id: 0,
    }
    .encode_to_vec();
    wire::CommunityPublicStorenodesInfo {
        signature: community_key.sign_keccak(&inner).to_vec(),
        payload: inner,
    }
    .encode_to_vec()
}

/// Builds the Waku messages of a store-node list, as status-go publishes it: the signed list as a
/// bare AMM of type 83 signed by the community key, on the community id's chat (`chat`: its key and
/// topic, see [`ChatKey::derive`]), for the community's pubsub topic.
pub fn encode_storenodes(
    storenodes: &[Storenode],
    clock: u64,
    community_key: &PrivateKey,
    chat: &ChatKey,
    timestamp_ns: i64,
) -> Result<Outgoing, StatusError> {
    outgoing::encode_application(
        &sign_storenodes(storenodes, clock, community_key),
        MessageType::CommunityPublicStorenodesInfo,
        community_key,
        Layer::Bare,
        Destination::Chat(chat),
        timestamp_ns,
    )
}

/// Checks a `CommunityPublicStorenodesInfo` (the AMM payload) as status-go's
/// `HandleCommunityPublicStorenodesInfo` does, for the community `expected` when known: the inner
/// signature must be the community key's. A list naming an owner token is refused rather than
/// trusted, since that signer is decided on chain.
pub fn verify_storenodes(
    payload: &[u8],
    expected: Option<&PublicKey>,
) -> Result<VerifiedStorenodes, StorenodesError> {
    let info = wire::CommunityPublicStorenodesInfo::decode(payload).map_err(|error| {
        StorenodesError::Decode {
            message: "CommunityPublicStorenodesInfo",
            error,
        }
    })?;
    if info.signature.is_empty() {
        return Err(StorenodesError::Unsigned);
    }
    let list = wire::CommunityStorenodes::decode(info.payload.as_slice()).map_err(|error| {
        StorenodesError::Decode {
            message: "CommunityStorenodes",
            error,
        }
    })?;
    let community = PublicKey::from_sec1(&list.community_id)?;
    if let Some(expected) = expected
        && *expected != community
    {
        return Err(StorenodesError::OtherCommunity {
            expected: community_id(expected),
            got: community_id(&community),
        });
    }
    if list.chain_id != 0 {
        return Err(StorenodesError::OwnerToken {
            chain_id: list.chain_id,
        });
    }
    let signer = recover_keccak(&info.payload, &info.signature)?;
    if signer != community {
        return Err(StorenodesError::NotFromCommunity {
            community: community_id(&community),
            signer: community_id(&signer),
        });
    }
    if list.storenodes.len() > MAX_STORENODES {
        return Err(StorenodesError::TooMany {
            count: list.storenodes.len(),
        });
    }
    Ok(VerifiedStorenodes {
        community,
        clock: list.clock,
        storenodes: list
            .storenodes
            .into_iter()
            .map(|s| Storenode {
                peer_id: s.storenode_id,
                name: s.name,
                address: s.address,
                fleet: s.fleet,
                version: s.version,
                removed: s.removed,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::codec::{Keys, StatusEvent, decode_status_message};
    use crate::status::keys::SymmetricKey;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn key() -> PrivateKey {
        PrivateKey::from_bytes(&[0x31; 32]).unwrap()
    }

    fn nodes() -> Vec<Storenode> {
        vec![Storenode {
            peer_id: "16Uiu2HAm".into(),
            name: "hearth".into(),
            address: "/ip4/127.0.0.1/tcp/60000/ws/p2p/16Uiu2HAm".into(),
            fleet: "hearth".into(),
            version: 2,
            removed: false,
        }]
    }

    #[test]
    fn a_published_list_decodes_and_verifies() {
        let k = key();
        let chat = ChatKey::with_key(&community_id(&k.public_key()), SymmetricKey::new([3; 32]));
        let out = encode_storenodes(&nodes(), 42, &k, &chat, 1_700_000_000_000_000_000).unwrap();
        let mut keys = Keys::new();
        keys.add_community_key(&k.public_key(), SymmetricKey::new([3; 32]));
        let StatusEvent::Other(r) = decode_status_message(&out.messages[0], &keys).unwrap() else {
            panic!("not an application message")
        };
        assert_eq!(
            r.message.kind(),
            Some(MessageType::CommunityPublicStorenodesInfo)
        );
        assert_eq!(r.meta.signer, k.public_key());
        let v = verify_storenodes(&r.message.payload, Some(&k.public_key())).unwrap();
        assert_eq!(v.clock, 42);
        assert_eq!(v.storenodes, nodes());
    }

    #[test]
    fn forged_or_foreign_lists_are_refused() {
        let k = key();
        let other = PrivateKey::from_bytes(&[0x32; 32]).unwrap();
        // Signed by another key while naming this community.
        let mut info = wire::CommunityPublicStorenodesInfo::decode(
            sign_storenodes(&nodes(), 1, &k).as_slice(),
        )
        .unwrap();
        info.signature = other.sign_keccak(&info.payload).to_vec();
        assert!(matches!(
            verify_storenodes(&info.encode_to_vec(), None),
            Err(StorenodesError::NotFromCommunity { .. })
        ));
        // A genuine list of another community.
        let theirs = sign_storenodes(&nodes(), 1, &other);
        assert!(matches!(
            verify_storenodes(&theirs, Some(&k.public_key())),
            Err(StorenodesError::OtherCommunity { .. })
        ));
        info.signature.clear();
        assert_eq!(
            verify_storenodes(&info.encode_to_vec(), None),
            Err(StorenodesError::Unsigned)
        );
        assert!(matches!(
            verify_storenodes(&[0xff, 0xff], None),
            Err(StorenodesError::Decode { .. })
        ));
    }
}
