//! The user's identity, kept across visits: created or imported through `hearth::identity`, stored
//! only as a sealed [`WrappedIdentity`] (never in plaintext), and opened again at start.
//!
//! - In the browser with IndexedDB, the default seal is the device key: a non-extractable
//!   WebCrypto key kept in IndexedDB beside the record, so the identity comes back with no prompt.
//! - With a passphrase, the record is sealed with it instead, and the identity stays locked at
//!   start until [`Client::unlock_identity`].
//! - With memory storage (natively, or when the browser refuses IndexedDB), nothing outlives the
//!   page; the identity is still usable for the visit, and health says storage is memory.
//!
//! What each seal protects against, and what it does not, is in `hearth::identity::wrap`.

use serde::{Deserialize, Serialize};

use super::{Client, ClientError, Me, lock};
use crate::identity::wrap::{self, Sealed, WrappedIdentity};
use crate::identity::{Identity, Origin};
use crate::storage::{RECORD_VERSION, SecretRecord};

/// The storage name of the sealed identity record.
pub const IDENTITY_RECORD: &str = "identity";
/// The storage name of the device key (browser only).
pub const DEVICE_KEY: &str = "device-key";

/// Where the identity stands, for the settings page and the composer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum IdentityState {
    None,
    /// Sealed with a passphrase: known by its public parts until unlocked.
    Locked {
        public_key: String,
        name: String,
    },
    Unlocked {
        public_key: String,
        name: String,
        /// "generated", "imported-key" or "recovery-phrase".
        origin: Origin,
        /// Whether it is stored (false with memory storage, or when set by `set_identity`).
        stored: bool,
    },
}

/// What the user can take away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityExport {
    /// 64 hex digits, no `0x`.
    pub private_key_hex: String,
    /// The recovery phrase, when the identity came from (or was made with) one.
    pub phrase: Option<String>,
}

fn me_from(identity: &Identity) -> Me {
    Me {
        key: identity.chat_key().clone(),
        display_name: Some(identity.name().to_string()),
        wallet: Some(identity.wallet_key().clone()),
        identity: Some(Box::new(identity.clone())),
    }
}

impl Client {
    /// The identity's state now.
    pub async fn identity_state(&self) -> IdentityState {
        if let Some(me) = self.me() {
            let stored = matches!(
                self.inner.storage.secret(IDENTITY_RECORD).await,
                Ok(Some(_))
            );
            return IdentityState::Unlocked {
                public_key: me.key.public_key().to_uncompressed_hex(),
                name: me.display_name.clone().unwrap_or_default(),
                origin: me
                    .identity
                    .as_ref()
                    .map_or(Origin::ImportedKey, |i| i.origin()),
                stored,
            };
        }
        match self.stored_record().await {
            Some(record) => IdentityState::Locked {
                public_key: record.public_key,
                name: record.name,
            },
            None => IdentityState::None,
        }
    }

    async fn stored_record(&self) -> Option<WrappedIdentity> {
        let secret = self.inner.storage.secret(IDENTITY_RECORD).await.ok()??;
        serde_json::from_slice(&secret.data).ok()
    }

    /// Opens the stored identity at start when it needs no passphrase.
    pub(crate) async fn restore_identity(&self) {
        if let Some(record) = self.stored_record().await
            && matches!(record.sealed, Sealed::DeviceKey { .. })
        {
            self.restore_with_device_key(&record).await;
        }
    }

    #[cfg(target_arch = "wasm32")]
    async fn restore_with_device_key(&self, record: &WrappedIdentity) {
        use wasm_bindgen::JsCast;
        if let Ok(Some(key)) = self.inner.storage.js_value(DEVICE_KEY).await
            && let Ok(key) = key.dyn_into::<web_sys::CryptoKey>()
            && let Ok(identity) = wrap::unwrap_with_device_key(record, &key).await
        {
            *lock(&self.inner.me) = Some(me_from(&identity));
        }
    }

    /// Natively there is no device key: a stored identity needs its passphrase.
    #[cfg(not(target_arch = "wasm32"))]
    async fn restore_with_device_key(&self, _record: &WrappedIdentity) {}

    /// Makes a new identity (a fresh 12-word recovery phrase, as Status Desktop makes one), uses it
    /// and stores it sealed. Returns the phrase: show it once so the user can keep it.
    pub async fn create_identity(
        &self,
        name: &str,
        passphrase: Option<&str>,
    ) -> Result<IdentityExport, ClientError> {
        let identity =
            Identity::generate(name).map_err(|e| ClientError::Identity(e.to_string()))?;
        self.adopt(identity, passphrase).await
    }

    /// Imports a hex private key (with or without `0x`).
    pub async fn import_identity_hex(
        &self,
        private_key_hex: &str,
        name: &str,
        passphrase: Option<&str>,
    ) -> Result<IdentityExport, ClientError> {
        let identity = Identity::from_hex(private_key_hex, name)
            .map_err(|e| ClientError::Identity(e.to_string()))?;
        self.adopt(identity, passphrase).await
    }

    /// Restores a Status profile from its recovery phrase: the same chat key (and wallet) as
    /// Status Desktop derives.
    pub async fn import_identity_phrase(
        &self,
        phrase: &str,
        name: &str,
        passphrase: Option<&str>,
    ) -> Result<IdentityExport, ClientError> {
        let identity = Identity::from_phrase(phrase, name)
            .map_err(|e| ClientError::Identity(e.to_string()))?;
        self.adopt(identity, passphrase).await
    }

    async fn adopt(
        &self,
        identity: Identity,
        passphrase: Option<&str>,
    ) -> Result<IdentityExport, ClientError> {
        // A name status-go would refuse on every message is refused here, when the user can
        // still pick another, not at the first send.
        crate::status::chat::check_display_name(identity.name())
            .map_err(|e| ClientError::Identity(e.to_string()))?;
        let record = self.seal(&identity, passphrase).await?;
        if let Some(record) = record {
            self.inner
                .storage
                .put_secret(SecretRecord {
                    v: RECORD_VERSION,
                    name: IDENTITY_RECORD.into(),
                    data: serde_json::to_vec(&record).unwrap_or_default(),
                })
                .await?;
        }
        let export = export_of(&identity);
        *lock(&self.inner.me) = Some(me_from(&identity));
        Ok(export)
    }

    /// The sealed record to store, or `None` when this storage cannot keep one safely (memory
    /// without a passphrase: the identity lives for this visit only).
    async fn seal(
        &self,
        identity: &Identity,
        passphrase: Option<&str>,
    ) -> Result<Option<WrappedIdentity>, ClientError> {
        let err = |e: wrap::WrapError| ClientError::Identity(e.to_string());
        if let Some(p) = passphrase.filter(|p| !p.is_empty()) {
            return wrap::wrap_with_passphrase(identity, p)
                .map(Some)
                .map_err(err);
        }
        self.seal_with_device_key(identity).await
    }

    /// The device-key seal (browser only), the key made and stored on first use; `None` when the
    /// storage cannot keep the key (the identity then lives for this visit only).
    #[cfg(target_arch = "wasm32")]
    async fn seal_with_device_key(
        &self,
        identity: &Identity,
    ) -> Result<Option<WrappedIdentity>, ClientError> {
        let err = |e: wrap::WrapError| ClientError::Identity(e.to_string());
        let key = match self.inner.storage.js_value(DEVICE_KEY).await {
            Ok(Some(k)) => {
                use wasm_bindgen::JsCast;
                k.dyn_into::<web_sys::CryptoKey>().ok()
            }
            _ => None,
        };
        let key = match key {
            Some(k) => k,
            None => {
                let k = wrap::generate_device_key().await.map_err(err)?;
                if self
                    .inner
                    .storage
                    .put_js_value(DEVICE_KEY, k.clone().into())
                    .await
                    .is_err()
                {
                    return Ok(None);
                }
                k
            }
        };
        wrap::wrap_with_device_key(identity, &key)
            .await
            .map(Some)
            .map_err(err)
    }

    #[cfg(not(target_arch = "wasm32"))]
    async fn seal_with_device_key(
        &self,
        _identity: &Identity,
    ) -> Result<Option<WrappedIdentity>, ClientError> {
        Ok(None)
    }

    /// Opens a passphrase-sealed identity.
    pub async fn unlock_identity(&self, passphrase: &str) -> Result<(), ClientError> {
        let record = self
            .stored_record()
            .await
            .ok_or_else(|| ClientError::Identity("no stored identity".into()))?;
        let identity = wrap::unwrap_with_passphrase(&record, passphrase)
            .map_err(|e| ClientError::Identity(e.to_string()))?;
        *lock(&self.inner.me) = Some(me_from(&identity));
        Ok(())
    }

    /// The private key (and phrase) of the identity in use, for the user to keep.
    pub fn export_identity(&self) -> Result<IdentityExport, ClientError> {
        let me = self.me().ok_or(ClientError::NoIdentity)?;
        Ok(match &me.identity {
            Some(identity) => export_of(identity),
            None => IdentityExport {
                private_key_hex: hex::encode(me.key.to_bytes()),
                phrase: None,
            },
        })
    }

    /// Forgets the identity here (the stored record too). Keep its export first.
    pub async fn forget_identity(&self) -> Result<(), ClientError> {
        *lock(&self.inner.me) = None;
        self.inner.storage.remove_secret(IDENTITY_RECORD).await?;
        Ok(())
    }
}

fn export_of(identity: &Identity) -> IdentityExport {
    IdentityExport {
        private_key_hex: identity.export_hex().to_string(),
        phrase: identity.export_phrase().map(str::to_string),
    }
}
