//! Version 1: one object store per kind of record. Each value is `{ <key fields>, json }`, the
//! record itself as JSON with its own version field; the key fields exist only to be indexed.
//!
//! - `communities` by `id`;
//! - `messages` by `id`, with `chat_order` (`chat id \u{1} order key`, chat messages only) for
//!   timelines, `target` (`chat id \u{1} target id`, annotations only) and `hash`;
//! - `sync` by `topic`, `peers` by `addr`, `outbox` by `id`, `secrets` by `name`.

use wasm_bindgen::JsValue;
use web_sys::{IdbDatabase, IdbIndexParameters, IdbObjectStoreParameters, IdbTransaction};

pub fn apply(db: &IdbDatabase, _tx: &IdbTransaction) -> Result<(), JsValue> {
    let store = |name: &str, key: &str| {
        let params = IdbObjectStoreParameters::new();
        params.set_key_path(&JsValue::from_str(key));
        db.create_object_store_with_optional_parameters(name, &params)
    };
    store("communities", "id")?;
    let messages = store("messages", "id")?;
    messages.create_index_with_str("chat_order", "co")?;
    messages.create_index_with_str("target", "tg")?;
    let unique = IdbIndexParameters::new();
    unique.set_unique(false);
    messages.create_index_with_str_and_optional_parameters("hash", "hash", &unique)?;
    store("sync", "topic")?;
    store("peers", "addr")?;
    store("outbox", "id")?;
    store("secrets", "name")?;
    Ok(())
}
