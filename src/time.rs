//! Waiting in game terms: wall-clock sleeps that end in the first frame at
//! or after their deadline ([`sleep`]), frame counts ([`frames`],
//! [`next_frame`]) and game time, which stops while the tree is paused and
//! follows `Engine.time_scale` ([`sleep_game`], [`GameClock`]).
//!
//! Everything here is paced by the pump of the main thread's pool, so it
//! panics on another thread (see
//! [`SharedLocalPool::current`](crate::executor::SharedLocalPool::current)).

pub use crate::executor::game_clock::{sleep_game, GameClock, GameTime, SleepGame};
pub use crate::executor::pump::NextFrame;
pub use crate::executor::rt::{frames, next_frame, sleep};
