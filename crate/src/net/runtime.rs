//! The few things the client needs from an executor, for tokio natively and the browser's event
//! loop in wasm, so the rest of `net` is written once.

use std::future::Future;
use std::time::Duration;

pub use web_time::{Instant, SystemTime, UNIX_EPOCH};

/// Runs a task in the background. Natively it needs a tokio runtime (the `hearth` binary and the
/// tests have one); in the browser it runs on the page's event loop.
#[cfg(not(target_arch = "wasm32"))]
pub fn spawn(task: impl Future<Output = ()> + Send + 'static) {
    tokio::spawn(task);
}

#[cfg(target_arch = "wasm32")]
pub fn spawn(task: impl Future<Output = ()> + 'static) {
    wasm_bindgen_futures::spawn_local(task);
}

/// Sleeps without blocking the executor; works in the browser, unlike `std::thread::sleep`.
pub async fn sleep(duration: Duration) {
    futures_timer::Delay::new(duration).await;
}

/// `None` when `duration` passed first: the future is dropped, which cancels it.
pub async fn timeout<T>(duration: Duration, fut: impl Future<Output = T>) -> Option<T> {
    use futures::FutureExt;
    let mut fut = std::pin::pin!(fut.fuse());
    let mut delay = std::pin::pin!(futures_timer::Delay::new(duration).fuse());
    futures::select_biased! {
        out = fut => Some(out),
        () = delay => None,
    }
}

/// Nanoseconds since the Unix epoch, the unit of Waku timestamps.
pub fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A fresh request id. nwaku echoes it; js-waku sends a UUID, any unique string will do.
pub fn request_id() -> String {
    let mut bytes = [0u8; 16];
    // Without randomness, the clock still makes ids unique enough to match answers to requests.
    if getrandom::fill(&mut bytes).is_err() {
        bytes[..8].copy_from_slice(&now_ns().to_be_bytes());
    }
    hex::encode(bytes)
}
