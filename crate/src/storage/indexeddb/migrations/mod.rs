//! The IndexedDB schema, one file per version step. A step runs inside the browser's
//! `versionchange` transaction, synchronously creating stores and indexes and (from v2 on)
//! rewriting records with cursors driven by their own callbacks, so the transaction never waits on
//! anything but IndexedDB itself (awaiting a promise or a timer there would end it).
//!
//! Add a version: write `vN.rs` with `apply`, add it to [`STEPS`], bump [`SCHEMA_VERSION`]. Never
//! edit a published step: databases in the wild have already run it.

use wasm_bindgen::JsValue;
use web_sys::{IdbDatabase, IdbTransaction};

pub mod v1;
pub mod v2;

/// The schema this build opens databases at.
pub const SCHEMA_VERSION: u32 = 2;

type Step = fn(&IdbDatabase, &IdbTransaction) -> Result<(), JsValue>;

/// Step `i` upgrades a database from version `i` to `i + 1`.
pub const STEPS: [Step; SCHEMA_VERSION as usize] = [v1::apply, v2::apply];

/// Runs every step from `old` (0 for a new database) up to `new`.
pub fn upgrade(db: &IdbDatabase, tx: &IdbTransaction, old: u32, new: u32) -> Result<(), JsValue> {
    for step in STEPS.iter().take(new as usize).skip(old as usize) {
        step(db, tx)?;
    }
    Ok(())
}
