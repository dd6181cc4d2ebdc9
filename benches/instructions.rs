//! Instruction counts (valgrind's callgrind), repeatable whatever else the
//! machine does: the idle pump against the seed recipe, and
//! spawn-to-completion through `LocalSpawn` against a bare `LocalSet` with
//! the same boxed futures and with unboxed ones. `bash scripts/bench.sh
//! instructions` runs each workload under callgrind twice (with 0 and with
//! `n` iterations) and prints instructions per iteration and the ratios.
//!
//! Run alone (`cargo bench --bench instructions -- WORKLOAD N`) it just
//! runs the workload `N` times; without arguments it runs each once (so
//! that `cargo bench` stays quick).

use std::cell::Cell;
use std::rc::Rc;

use futures::task::{LocalFutureObj, LocalSpawn};
use tokio::task::LocalSet;

mod common;

/// Tasks per spawn-to-completion iteration.
const TASKS: usize = 1_000;

fn counted(count: &Rc<Cell<usize>>) -> LocalFutureObj<'static, ()> {
    let count = Rc::clone(count);
    LocalFutureObj::from(Box::new(async move { count.set(count.get() + 1) }) as Box<_>)
}

fn run(workload: &str, n: usize) {
    let count = Rc::new(Cell::new(0usize));
    match workload {
        "idle_pump" => {
            let pool = common::pool();
            pool.pump().unwrap();
            for _ in 0..n {
                let _ = std::hint::black_box(pool.pump());
            }
        }
        "idle_seed" => {
            let (rt, local) = (common::runtime(), LocalSet::new());
            common::seed_pump(&rt, &local);
            for _ in 0..n {
                common::seed_pump(&rt, &local);
            }
        }
        "spawn_local_spawn" => {
            let pool = common::pool();
            pool.pump().unwrap();
            for _ in 0..n {
                for _ in 0..TASKS {
                    pool.spawn_local_obj(counted(&count)).expect("spawn");
                }
                pool.pump().unwrap();
            }
        }
        "spawn_local_set_boxed" | "spawn_local_set_unboxed" => {
            let (rt, local) = (common::runtime(), LocalSet::new());
            common::seed_pump(&rt, &local);
            for _ in 0..n {
                for _ in 0..TASKS {
                    if workload.ends_with("unboxed") {
                        let count = Rc::clone(&count);
                        drop(local.spawn_local(async move { count.set(count.get() + 1) }));
                    } else {
                        drop(local.spawn_local(counted(&count)));
                    }
                }
                common::seed_pump(&rt, &local);
            }
        }
        other => panic!("unknown workload {other}"),
    }
    assert!(workload.starts_with("idle") || count.get() == n * TASKS);
}

/// The workloads, in the order the script prints them.
const WORKLOADS: [&str; 5] = [
    "idle_pump",
    "idle_seed",
    "spawn_local_spawn",
    "spawn_local_set_boxed",
    "spawn_local_set_unboxed",
];

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.as_slice() {
        [workload, n] => run(workload, n.parse().expect("iterations")),
        _ => WORKLOADS.iter().for_each(|w| run(w, 1)),
    }
}
