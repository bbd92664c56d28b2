//! Wire types generated from `proto/` at build time (prost, compiled by protox).
//!
//! Modules follow the protobuf packages: `proto::waku::message::v1::WakuMessage`,
//! `proto::waku::store::v3::StoreQueryRequest`, `proto::status::…`.

#![allow(clippy::all, clippy::pedantic, missing_docs)]

include!(concat!(env!("OUT_DIR"), "/protos.rs"));
