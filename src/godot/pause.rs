//! Which game clock a node's pause mode follows.

use gdnative::api::node::PauseMode;
use gdnative::prelude::*;

use crate::executor::game_clock::GameTime;

/// The game clock that `node` runs on now: [`GameTime::Always`] when its
/// effective pause mode (its own, or the first non-inherit one of its
/// ancestors; the root's default is stop) is `PAUSE_MODE_PROCESS`,
/// [`GameTime::Pausable`] otherwise. Read once, at the call: a later
/// change of pause mode does not move a running sleep to the other clock.
/// Costs one call per ancestor up to the first explicit mode.
pub(crate) fn game_time_of(node: TRef<'_, Node>) -> GameTime {
    let mut current = Some(node);
    while let Some(n) = current {
        let mode = n.pause_mode();
        if mode == PauseMode::PROCESS {
            return GameTime::Always;
        }
        if mode == PauseMode::STOP {
            return GameTime::Pausable;
        }
        // SAFETY: the parent of a live node is alive on this (the main)
        // thread for the duration of the call.
        current = n.get_parent().map(|p| unsafe { p.assume_safe() });
    }
    GameTime::Pausable
}
