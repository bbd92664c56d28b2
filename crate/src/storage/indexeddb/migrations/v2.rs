//! Version 2: the per-community cap needs every message of a community in order, which v1 cannot
//! list without reading them all. Adds `community_order` (`community \u{1} order key`) on
//! `messages` and writes the new `mo` field into every existing record; adds `keys` for values that
//! only IndexedDB can hold (a non-extractable WebCrypto key is stored as the key object itself).

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbCursorWithValue, IdbDatabase, IdbObjectStoreParameters, IdbTransaction};

use crate::storage::MessageRecord;

pub fn apply(db: &IdbDatabase, tx: &IdbTransaction) -> Result<(), JsValue> {
    let params = IdbObjectStoreParameters::new();
    params.set_key_path(&JsValue::from_str("name"));
    db.create_object_store_with_optional_parameters("keys", &params)?;

    let messages = tx.object_store("messages")?;
    messages.create_index_with_str("community_order", "mo")?;
    let request = messages.open_cursor()?;
    let req = request.clone();
    // Each `continue_()` fires this again; the request stays pending, so the versionchange
    // transaction stays alive until the last record is rewritten.
    let on_success = Closure::<dyn FnMut()>::new(move || {
        let Ok(result) = req.result() else { return };
        let Ok(cursor) = result.dyn_into::<IdbCursorWithValue>() else {
            return; // null: done
        };
        if let Ok(value) = cursor.value()
            && let Some(mo) = community_order(&value)
        {
            let _ = js_sys::Reflect::set(&value, &"mo".into(), &mo.into());
            let _ = cursor.update(&value);
        }
        let _ = cursor.continue_();
    });
    request.set_onsuccess(Some(on_success.as_ref().unchecked_ref()));
    // Runs once per upgrade of a database; the closure must outlive this call.
    on_success.forget();
    Ok(())
}

/// The v2 index value of a stored message value, from its JSON.
fn community_order(value: &JsValue) -> Option<String> {
    let json = js_sys::Reflect::get(value, &"json".into())
        .ok()?
        .as_string()?;
    let record: MessageRecord = serde_json::from_str(&json).ok()?;
    Some(super::super::community_order_key(&record))
}
