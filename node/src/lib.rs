//! The native side of Hearth as a library, so benchmarks and tests can drive the service node's
//! parts directly; the `hearth` binary (`main.rs`) is a thin command line over it.

pub mod bridge;
pub mod cli;
pub mod community;
pub mod service;
