//! Real Tokio-ecosystem clients against loopback servers, all on one pool
//! (the main thread's runtime in a game): how many pumps (frames) a
//! request takes. No timing asserts: pumps run back to back.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

use gdnative_tokio::executor::SharedLocalPool;

mod loopback;

fn pool() -> &'static SharedLocalPool {
    Box::leak(Box::new(SharedLocalPool::new().expect("runtime")))
}

/// Spawns `job` on the pool and pumps until it is done; returns the number
/// of pumps it took (at most `max`), not counting pumps that ran into the
/// pump's time bound (`FURTHER_ROUNDS_FOR`): on a loaded machine a debug
/// build may need them, and what these tests check is that a hop never
/// waits for the next pump while the pump has time.
fn pumps_for<F: Future<Output = ()> + 'static>(pool: &SharedLocalPool, max: u32, job: F) -> u32 {
    let done = Rc::new(Cell::new(false));
    let d = Rc::clone(&done);
    pool.spawn(async move {
        job.await;
        d.set(true);
    });
    let mut counted = 0;
    for _ in 1..=max {
        let start = std::time::Instant::now();
        pool.pump().unwrap();
        if start.elapsed() < SharedLocalPool::FURTHER_ROUNDS_FOR {
            counted += 1;
        }
        if done.get() {
            return counted.max(1);
        }
    }
    panic!("not done after {max} pumps");
}

#[test]
fn a_loopback_reqwest_get_completes_within_2_pumps_of_the_call() {
    let pool = pool();
    let addr = Rc::new(Cell::new(None));
    let a = Rc::clone(&addr);
    pumps_for(pool, 10, async move {
        a.set(Some(loopback::http_server().await))
    });
    let url = format!("http://{}/", addr.get().expect("server address"));
    let client = reqwest::Client::new();
    for round in ["cold connection", "pooled connection"] {
        let pumps = pumps_for(pool, 100, loopback::get(client.clone(), url.clone()));
        assert!(pumps <= 2, "{round}: GET took {pumps} pumps");
    }
}

#[test]
fn a_hundred_websocket_echoes_complete_within_3_pumps() {
    let pool = pool();
    let addr = Rc::new(Cell::new(None));
    let a = Rc::clone(&addr);
    pumps_for(
        pool,
        10,
        async move { a.set(Some(loopback::ws_server().await)) },
    );
    let addr = addr.get().expect("server address");
    let pumps = pumps_for(pool, 100, loopback::echoes(addr, 100));
    assert!(
        pumps <= 3,
        "connect, handshake and 100 echoes took {pumps} pumps"
    );
}
