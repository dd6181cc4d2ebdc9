//! The frame budget: stopping a pump at a deadline without reordering tasks.
//!
//! Tokio's `LocalSet` polls up to 61 tasks per tick and cannot be stopped
//! between two of them. Tasks spawned through the pool therefore carry a
//! small gate ([`Budgeted`]) that the pump controls:
//!
//! - While the pump has a deadline, a gated task checks the clock after its
//!   poll; the first poll that ends past the deadline *closes* the pump.
//! - A gated task polled after that (the rest of the tick) does not run its
//!   future: it takes a place in the pool's [`Backlog`], a FIFO queue.
//! - While the backlog holds tasks, a gated task that becomes ready joins the
//!   backlog's end instead of running, so it cannot overtake older work.
//! - The pump *admits* the backlog in order, in batches, as long as it has
//!   time: an admitted task runs when it is next polled.
//!
//! Without a deadline nothing is ever closed, the backlog stays empty, and a
//! gated task costs a few `Cell` reads per poll. Tasks spawned directly with
//! `tokio::task::spawn_local` are not gated: the pump checks the deadline
//! for them between ticks, so they may overrun it by the rest of a tick.
//!
//! The gate also bounds self-waking tasks (see [`crate::executor::pump`]): a gated
//! task runs its future at most once per pump *round*. Polled again in the
//! same round (it woke itself, or was woken twice), it parks its waker in a
//! deferred list that the next round (or pump) wakes, instead of running:
//! so it leaves the `LocalSet`'s run queue, which then empties, and Tokio
//! serves the cross-thread queue in full (it does so whenever the local
//! queue is empty, and only every 31st poll otherwise).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

/// A round number no round has (rounds count up from 1).
const NEVER: u64 = u64::MAX;

/// How many backlog tasks are admitted at a time: about one Tokio tick, so
/// that a pump closed mid-batch leaves little to re-queue.
const ADMIT_BATCH: usize = 64;

/// The pool-wide state shared by the pump and every gated task.
#[derive(Default)]
pub(crate) struct Backlog {
    /// When the running pump must stop; `None` outside pumps and for pumps
    /// without a budget.
    deadline: Cell<Option<Instant>>,
    /// Set by the first gated poll that ended past the deadline.
    closed: Cell<bool>,
    /// Tasks waiting for admission, oldest first.
    waiting: RefCell<VecDeque<Rc<Ticket>>>,
    /// Admitted tasks that have not run yet, in admission order (entries
    /// whose task already ran are skipped lazily).
    admitted: RefCell<VecDeque<Rc<Ticket>>>,
    /// Live tickets in `waiting` or `admitted`: while non-zero, fresh tasks
    /// queue up behind them.
    queued: Cell<usize>,
    /// The pump's current round (see [`crate::executor::pump`]): a gated task runs
    /// its future at most once per round.
    round: Cell<u64>,
    /// Gated tasks woken again in a round they already ran in: they run in
    /// a later round or pump (woken by [`Backlog::start_round`]).
    deferred: RefCell<Vec<Waker>>,
    /// Gated polls that ran a future and were not a deferred task's
    /// continuation: the pump's measure of progress.
    progress: Cell<u64>,
    /// Gated tasks not dropped yet.
    live: Cell<usize>,
}

impl Backlog {
    /// Starts a pump that must stop at `deadline` (or never, with `None`).
    #[inline]
    pub(crate) fn open(&self, deadline: Option<Instant>) {
        self.deadline.set(deadline);
        self.closed.set(false);
    }

    /// Whether the running pump must stop: a gated task overran the deadline,
    /// or the deadline passed (checked here for ungated tasks).
    #[inline]
    pub(crate) fn is_closed(&self) -> bool {
        if !self.closed.get() && self.deadline.get().is_some_and(|d| Instant::now() >= d) {
            self.closed.set(true);
        }
        self.closed.get()
    }

    /// Admits the next batch of waiting tasks, unless admitted tasks are
    /// still to run. Returns whether anything was admitted.
    ///
    /// Admission stops at a task that is still in the `LocalSet`'s run queue
    /// from an earlier admission (a pump stopped before reaching it): waking
    /// it would not move it, so it would run ahead of the tasks admitted
    /// with it. It is admitted once it has been polled (and found waiting).
    #[inline]
    pub(crate) fn admit_next_batch(&self) -> bool {
        if self.queued.get() == 0 {
            // Nothing waits (stale entries go at the end of the pump).
            return false;
        }
        let mut admitted = self.admitted.borrow_mut();
        while admitted
            .front()
            .is_some_and(|t| t.state.get() != State::Admitted)
        {
            admitted.pop_front();
        }
        if !admitted.is_empty() {
            return false;
        }
        let mut waiting = self.waiting.borrow_mut();
        while admitted.len() < ADMIT_BATCH {
            let Some(ticket) = waiting.front() else { break };
            if ticket.state.get() == State::Waiting {
                if ticket.notified.get() {
                    break;
                }
                ticket.state.set(State::Admitted);
                ticket.notified.set(true);
                if let Some(waker) = ticket.waker.borrow().as_ref() {
                    waker.wake_by_ref();
                }
                admitted.push_back(Rc::clone(ticket));
            }
            waiting.pop_front();
        }
        !admitted.is_empty()
    }

    /// Starts a pump round: tasks that ran in earlier rounds may run again,
    /// and those deferred from the last round are woken (into the
    /// `LocalSet`'s queue). Returns whether any was.
    #[inline]
    pub(crate) fn start_round(&self) -> bool {
        self.round.set(self.round.get() + 1);
        let mut deferred = self.deferred.borrow_mut();
        if deferred.is_empty() {
            return false;
        }
        // Waking runs no task code (it only queues the tasks), so the
        // borrow cannot be re-entered; the list keeps its capacity.
        deferred.drain(..).for_each(Waker::wake);
        true
    }

    /// Gated tasks spawned and not dropped yet.
    pub(crate) fn live(&self) -> usize {
        self.live.get()
    }

    /// Gated task polls that made progress so far (see `progress`).
    #[inline]
    pub(crate) fn progress(&self) -> u64 {
        self.progress.get()
    }

    /// Whether admitted tasks have yet to run (at most one batch to scan).
    pub(crate) fn has_admitted(&self) -> bool {
        self.admitted
            .borrow()
            .iter()
            .any(|t| t.state.get() == State::Admitted)
    }

    /// Ends a pump: admitted tasks that did not get to run go back to the
    /// front of the queue, in order, and the deadline is cleared.
    #[inline]
    pub(crate) fn close_pump(&self) {
        self.deadline.set(None);
        self.closed.set(false);
        let mut admitted = self.admitted.borrow_mut();
        if admitted.is_empty() {
            return;
        }
        let mut waiting = self.waiting.borrow_mut();
        while let Some(ticket) = admitted.pop_back() {
            if ticket.state.get() == State::Admitted {
                ticket.state.set(State::Waiting);
                waiting.push_front(ticket);
            }
        }
    }

    /// The number of gated tasks waiting for a later pump.
    pub(crate) fn len(&self) -> usize {
        self.queued.get()
    }

    /// Forgets every queued task (their `LocalSet` was dropped).
    pub(crate) fn clear(&self) {
        self.waiting.borrow_mut().clear();
        self.admitted.borrow_mut().clear();
        self.deferred.borrow_mut().clear();
        self.queued.set(0);
    }

    fn enqueue(&self, ticket: &Rc<Ticket>, waker: &Waker) {
        ticket.set_waker(waker);
        ticket.state.set(State::Waiting);
        self.queued.set(self.queued.get() + 1);
        self.waiting.borrow_mut().push_back(Rc::clone(ticket));
    }

    fn dequeue(&self, ticket: &Ticket) {
        ticket.state.set(State::Idle);
        self.queued.set(self.queued.get().saturating_sub(1));
    }

    fn after_poll(&self) {
        self.is_closed();
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Not in the backlog.
    Idle,
    /// In the backlog, waiting for admission.
    Waiting,
    /// Admitted: runs when next polled.
    Admitted,
}

/// A gated task's place in the backlog.
struct Ticket {
    state: Cell<State>,
    /// Woken by an admission and not polled since.
    notified: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

impl Ticket {
    fn set_waker(&self, waker: &Waker) {
        let mut slot = self.waker.borrow_mut();
        if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *slot = Some(waker.clone());
        }
    }
}

pin_project_lite::pin_project! {
    /// A pool task's future behind the backlog gate (see the module docs).
    pub(crate) struct Budgeted<F> {
        gate: Gate,
        #[pin]
        future: F,
    }
}

impl<F: Future> Budgeted<F> {
    /// Gates `future`, counting it as live until dropped.
    pub(crate) fn new(backlog: &Rc<Backlog>, future: F) -> Self {
        backlog.live.set(backlog.live.get() + 1);
        Budgeted {
            gate: Gate {
                backlog: Rc::clone(backlog),
                ticket: None,
                ran_in: NEVER,
                deferred_in: NEVER,
            },
            future,
        }
    }
}

impl<F: Future> Future for Budgeted<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        if !this.gate.may_run(cx) {
            return Poll::Pending;
        }
        let result = this.future.poll(cx);
        this.gate.backlog.after_poll();
        result
    }
}

/// One task's link to the backlog; leaves the backlog (and the live count)
/// when the task is dropped (finished or aborted).
struct Gate {
    backlog: Rc<Backlog>,
    /// Allocated the first time the task has to queue.
    ticket: Option<Rc<Ticket>>,
    /// The round this task last ran its future in.
    ran_in: u64,
    /// The round this task was last deferred in.
    deferred_in: u64,
}

impl Gate {
    /// Decides whether this poll may run the future; queues the task if not.
    fn may_run(&mut self, cx: &Context<'_>) -> bool {
        let backlog = &*self.backlog;
        let state = self.ticket.as_ref().map_or(State::Idle, |t| {
            t.notified.set(false);
            t.state.get()
        });
        match state {
            State::Admitted if !backlog.closed.get() => {
                if let Some(ticket) = &self.ticket {
                    backlog.dequeue(ticket);
                }
                self.ran_in = backlog.round.get();
                true
            }
            State::Admitted | State::Waiting => {
                if let Some(ticket) = &self.ticket {
                    ticket.set_waker(cx.waker());
                }
                false
            }
            State::Idle if backlog.closed.get() || backlog.queued.get() > 0 => {
                let ticket = self.ticket.get_or_insert_with(|| {
                    Rc::new(Ticket {
                        state: Cell::new(State::Idle),
                        notified: Cell::new(false),
                        waker: RefCell::new(None),
                    })
                });
                backlog.enqueue(ticket, cx.waker());
                false
            }
            State::Idle => self.once_per_round(cx),
        }
    }

    /// Runs the task at most once per pump round: a second poll in the same
    /// round (a self-wake) defers it to the next round or pump.
    fn once_per_round(&mut self, cx: &Context<'_>) -> bool {
        let backlog = &*self.backlog;
        let round = backlog.round.get();
        if self.ran_in == round {
            if self.deferred_in != round {
                self.deferred_in = round;
                backlog.deferred.borrow_mut().push(cx.waker().clone());
            }
            return false;
        }
        if self.deferred_in.wrapping_add(1) != round {
            backlog.progress.set(backlog.progress.get() + 1);
        }
        self.ran_in = round;
        true
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        let live = &self.backlog.live;
        live.set(live.get().saturating_sub(1));
        if let Some(ticket) = &self.ticket {
            if ticket.state.get() != State::Idle {
                self.backlog.dequeue(ticket);
            }
        }
    }
}
