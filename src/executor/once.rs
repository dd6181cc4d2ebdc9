//! [`SetOnce`]: a value that is set once and wakes every waiter, the
//! meeting point of callbacks (signal, free watch, cancel) and futures.

use std::cell::RefCell;
use std::task::{Context, Waker};

/// A single-threaded cell that is set at most once; setting it wakes every
/// registered waker. The first value wins.
pub(crate) struct SetOnce<T> {
    value: RefCell<Option<T>>,
    wakers: RefCell<Vec<Waker>>,
}

impl<T> Default for SetOnce<T> {
    fn default() -> Self {
        SetOnce {
            value: RefCell::new(None),
            wakers: RefCell::new(Vec::new()),
        }
    }
}

impl<T> SetOnce<T> {
    /// A cell that already holds `value` (or nothing).
    pub(crate) fn new(value: Option<T>) -> Self {
        SetOnce {
            value: RefCell::new(value),
            wakers: RefCell::new(Vec::new()),
        }
    }

    /// Sets the value unless it was set before, then wakes the waiters
    /// (outside any borrow). Returns whether this call set it.
    pub(crate) fn set(&self, value: T) -> bool {
        {
            let mut slot = self.value.borrow_mut();
            if slot.is_some() {
                return false;
            }
            *slot = Some(value);
        }
        let wakers = std::mem::take(&mut *self.wakers.borrow_mut());
        wakers.into_iter().for_each(Waker::wake);
        true
    }

    /// True once a value was set (and not taken).
    pub(crate) fn is_set(&self) -> bool {
        self.value.borrow().is_some()
    }

    /// Runs `f` on the value, if set.
    pub(crate) fn with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        f(self.value.borrow().as_ref())
    }

    /// Takes the value out, if set.
    pub(crate) fn take(&self) -> Option<T> {
        self.value.borrow_mut().take()
    }

    /// Registers `cx`'s waker to be woken by [`set`](Self::set) (once per
    /// distinct waker).
    pub(crate) fn register(&self, cx: &Context<'_>) {
        let mut wakers = self.wakers.borrow_mut();
        if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
            wakers.push(cx.waker().clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::task::noop_waker;

    #[test]
    fn the_first_value_wins_and_wakes_the_waiters_once() {
        let cell = SetOnce::default();
        let waker = noop_waker();
        let cx = Context::from_waker(&waker);
        cell.register(&cx);
        cell.register(&cx);
        assert_eq!(cell.wakers.borrow().len(), 1, "one entry per waker");
        assert!(cell.set(1));
        assert!(
            cell.wakers.borrow().is_empty(),
            "setting wakes (takes) the wakers"
        );
        assert!(!cell.set(2));
        assert_eq!(cell.with(|v| v.copied()), Some(1));
        assert_eq!(cell.take(), Some(1));
        assert!(!cell.is_set());
    }
}
