//! gdnative-tokio
pub mod executor;
mod pump;
pub use executor::SharedLocalPool;
pub use pump::PumpStats;
