//! `catch_panic`: a panicking future completes with its message.

use gdnative_tokio::{catch_panic, install_hook};

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    rt.block_on(f)
}

#[test]
fn a_panic_becomes_an_error_with_message_and_location() {
    install_hook();
    let out = block_on(catch_panic(async {
        tokio::task::yield_now().await;
        panic!("boom {}", 7);
    }));
    let message = out.expect_err("the panic is caught");
    assert!(message.starts_with("boom 7 at "), "{message}");
    assert!(message.contains("tests/panic.rs"), "{message}");
}

#[test]
fn a_normal_future_passes_its_value_through() {
    assert_eq!(block_on(catch_panic(async { 5 })), Ok(5));
}

#[test]
fn non_string_payloads_are_reported() {
    let out = block_on(catch_panic(async { std::panic::panic_any(42u8) }));
    assert!(out.is_err());
}
