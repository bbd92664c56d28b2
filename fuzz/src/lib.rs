//! The bodies of the cargo-fuzz targets in `fuzz_targets/`, one function per target, grouped by
//! the `hearth` layer they exercise.
//!
//! The property every target checks is DESIGN.md's "every decoder is total": no input panics
//! (libFuzzer reports a panic, an overflow in debug-assertion builds, an out-of-bounds index or an
//! allocation beyond `-rss_limit_mb` as a crash). Where it is cheap, a target also checks an
//! invariant: a round trip through the matching encoder, a bound the decoder promises, or agreement
//! between two ways of reaching the same value. An `assert!` failing is a crash like any other.
//!
//! The functions live in a library rather than in the target files so that
//! `examples/make_seeds.rs` can run every seed through its target (a seed that panics is a bug
//! found before fuzzing starts) and so that the targets can share fixtures.

pub mod discovery;
pub mod enr;
pub mod history;
pub mod history_read;
pub mod identity;
pub mod input;
pub mod link;
pub mod net;
pub mod status;
pub mod storage;
pub mod typed;
pub mod waku;

/// A target's body: one fuzzer input in, a panic out if a property fails.
pub type Target = fn(&[u8]);

/// Every target: its name (the file in `fuzz_targets/`, the directory in `seeds/`) and its body.
pub const TARGETS: &[(&str, Target)] = &[
    ("waku_message", waku::message),
    ("pubsub_topic", waku::pubsub_topic),
    ("content_topic", waku::content_topic),
    ("message_hash", waku::message_hash),
    ("waku_proto", waku::proto),
    ("frame_codec", net::frame_codec),
    ("public_key", status::public_key),
    ("recover_signature", status::recover_signature),
    ("payload_frame", status::payload_frame),
    ("payload_symmetric", status::payload_symmetric),
    ("payload_asymmetric", status::payload_asymmetric),
    ("segment_decode", status::segment_decode),
    ("segment_buffer", status::segment_buffer),
    ("protocol_message", status::protocol_message),
    ("sds", status::sds),
    ("application_message", status::application_message),
    ("envelope_open", status::envelope_open),
    ("chat_message", typed::chat_message),
    ("community_description", typed::community_description),
    ("status_codec", typed::status_codec),
    ("preview_link", link::preview_link),
    ("link_data", link::link_data),
    ("link_build", link::link_build),
    ("enr_decode", enr::enr_decode),
    ("client_answers", net::client_answers),
    ("dns_records", discovery::dns_records),
    ("identity_input", identity::identity_input),
    ("storage_records", storage::storage_records),
    ("history_formats", history::history_formats),
];
