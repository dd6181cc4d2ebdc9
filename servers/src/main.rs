//! `gdt-servers`: starts the loopback servers, prints their environment as
//! `KEY=VALUE` lines, and runs until stdin closes (or it is killed). For
//! scripts/demo.sh and scripts/bench.sh:
//!
//! ```sh
//! coproc SERVERS { gdt-servers; }
//! while read -r line <&"${SERVERS[0]}"; do [ "$line" = ready ] && break; export "$line"; done
//! ```

use std::io::{BufRead, Write};

fn main() {
    let servers = gdnative_tokio_servers::start();
    let mut out = std::io::stdout().lock();
    for (key, value) in servers.env() {
        let _ = writeln!(out, "{key}={value}");
    }
    let _ = writeln!(out, "ready");
    let _ = out.flush();
    drop(out);
    // Runs until stdin reaches its end (the parent closed it or exited).
    let mut sink = String::new();
    let stdin = std::io::stdin();
    let mut lock = stdin.lock();
    while lock.read_line(&mut sink).is_ok_and(|n| n > 0) {
        sink.clear();
    }
    drop(servers);
}
