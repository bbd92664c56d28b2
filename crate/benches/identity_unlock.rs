//! What the identity costs the user, natively: restoring a profile from its recovery phrase
//! (PBKDF2-HMAC-SHA512 × 2048 and two BIP-32 paths), sealing and opening a passphrase record
//! (PBKDF2-HMAC-SHA256 × 600,000: the unlock a person waits for), and signing a revealed account.
//! A measurement, not a test: nothing here asserts a time. The browser's figures come from the
//! same operations in `tests/identity.rs` under Chromium.
//!
//!   cargo bench -p hearth --bench identity_unlock

use std::hint::black_box;
use std::time::{Duration, Instant};

use hearth::identity::Identity;
use hearth::identity::wrap::{PASSPHRASE_ITERATIONS, unwrap_with_passphrase, wrap_with_passphrase};
use hearth::status::keys::PrivateKey;

const PHRASE: &str = "panda eyebrow bullet gorilla call smoke muffin taste mesh discover soft ostrich alcohol speed nation flash devote level hobby quick inner drive ghost inside";

fn time<T>(label: &str, rounds: u32, mut f: impl FnMut() -> T) {
    let mut best = Duration::MAX;
    let mut total = Duration::ZERO;
    for _ in 0..rounds {
        let t0 = Instant::now();
        black_box(f());
        let took = t0.elapsed();
        best = best.min(took);
        total += took;
    }
    println!(
        "{label:42} best {:>9.3} ms   mean {:>9.3} ms   ({rounds} rounds)",
        best.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3 / f64::from(rounds)
    );
}

fn main() {
    let id = Identity::from_phrase(PHRASE, "Alice").expect("vector phrase");
    let community = PrivateKey::from_bytes(&[7; 32])
        .expect("a valid key")
        .public_key();
    let record = wrap_with_passphrase(&id, "correct horse").expect("wrap");

    time("restore from a 24-word phrase", 20, || {
        Identity::from_phrase(PHRASE, "Alice").expect("vector phrase")
    });
    time(
        &format!("passphrase wrap ({PASSPHRASE_ITERATIONS} rounds)"),
        5,
        || wrap_with_passphrase(&id, "correct horse").expect("wrap"),
    );
    time("passphrase unwrap (the unlock)", 5, || {
        unwrap_with_passphrase(&record, "correct horse").expect("unwrap")
    });
    time("sign a revealed account (EIP-191)", 200, || {
        id.sign_revealed_account(&community)
    });
}
