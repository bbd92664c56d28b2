//! History beyond the store window: community archives (status-go's history archives) fetched
//! over HTTP, every piece checked before use.

pub mod fetch;
