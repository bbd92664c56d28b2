//! `hearth::Client` in headless Chromium with IndexedDB, no network needed: the identity survives
//! a restart sealed (device key: no prompt; passphrase: locked until unlocked), and is never
//! stored in plaintext.
#![cfg(target_arch = "wasm32")]

use std::sync::Arc;

use hearth::client::{Client, ClientError, IdentityState};
use hearth::net::ClientConfig;
use hearth::storage::indexeddb::IndexedDbStorage;
use hearth::storage::{Storage, StorageConfig};
use wasm_bindgen_test::wasm_bindgen_test as test;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[allow(clippy::arc_with_non_send_sync)] // the browser's storage is single-threaded
async fn start(db: &str) -> (Client, Arc<dyn Storage>) {
    let storage: Arc<dyn Storage> = Arc::new(
        IndexedDbStorage::open(db, StorageConfig::default())
            .await
            .unwrap(),
    );
    let client = Client::start(ClientConfig::local(Vec::new()), storage.clone())
        .await
        .unwrap();
    (client, storage)
}

#[test]
async fn a_new_identity_comes_back_after_a_restart_without_a_prompt_and_sealed() {
    IndexedDbStorage::delete("client-identity").await.unwrap();
    let (client, storage) = start("client-identity").await;
    assert_eq!(client.identity_state().await, IdentityState::None);
    // A name status-go refuses on every message is refused at creation, and nothing is kept.
    let short = client.create_identity("Ada", None).await.unwrap_err();
    assert!(short.to_string().contains("5 to 24"), "{short}");
    assert_eq!(client.identity_state().await, IdentityState::None);
    let created = client.create_identity("Ada Lovelace", None).await.unwrap();
    let phrase = created
        .phrase
        .clone()
        .expect("a new identity has a recovery phrase");
    assert_eq!(phrase.split(' ').count(), 12);
    let key = client.public_key().unwrap();
    let record = storage.secret("identity").await.unwrap().unwrap();
    let text = String::from_utf8(record.data).unwrap();
    assert!(
        !text.contains(&created.private_key_hex),
        "never in plaintext"
    );
    assert!(!text.contains(phrase.split(' ').next().unwrap()) || !text.contains(&phrase));
    drop(client);

    let (client, _) = start("client-identity").await;
    match client.identity_state().await {
        IdentityState::Unlocked {
            public_key,
            name,
            stored,
            ..
        } => {
            assert_eq!(
                (public_key.as_str(), name.as_str(), stored),
                (key.as_str(), "Ada Lovelace", true)
            );
        }
        other => panic!("expected the identity back, got {other:?}"),
    }
    assert_eq!(
        client.export_identity().unwrap().phrase.as_deref(),
        Some(phrase.as_str())
    );
}

#[test]
async fn a_passphrase_identity_is_locked_until_the_right_passphrase() {
    IndexedDbStorage::delete("client-passphrase").await.unwrap();
    let (client, _) = start("client-passphrase").await;
    // The recovery phrase of app-notes §4 (status-go TestHDWalletCompatibility's `abandon … about`).
    let phrase = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    client
        .import_identity_phrase(phrase, "Grace Hopper", Some("correct horse"))
        .await
        .unwrap();
    // app-notes §4, "computed here" row for m/43'/60'/1581'/0'/0 of this phrase.
    assert_eq!(
        client.public_key().unwrap(),
        "0x041c0b489f112aa9334a0c41e349757e3edd6b0ce761bebc6b14b4901a10aa77966f0b3648e289857fe223ed0230f7383c420ec303b620f07503e1ac66beab0837"
    );
    drop(client);
    let (client, _) = start("client-passphrase").await;
    assert!(matches!(
        client.identity_state().await,
        IdentityState::Locked { .. }
    ));
    assert!(client.public_key().is_none());
    assert!(matches!(
        client.unlock_identity("wrong").await,
        Err(ClientError::Identity(_))
    ));
    client.unlock_identity("correct horse").await.unwrap();
    assert!(matches!(
        client.identity_state().await,
        IdentityState::Unlocked { .. }
    ));
    assert!(client.public_key().unwrap().starts_with("0x041c0b48"));
}
