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
//! gated task costs two `Cell` reads per poll. Tasks spawned directly with
//! `tokio::task::spawn_local` are not gated: the pump checks the deadline
//! for them between ticks. The resulting guarantees are stated on
//! [`SharedLocalPool::pump_with_budget`](crate::SharedLocalPool::pump_with_budget).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

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
}

impl Backlog {
    /// Starts a pump that must stop at `deadline` (or never, with `None`).
    pub(crate) fn open(&self, deadline: Option<Instant>) {
        self.deadline.set(deadline);
        self.closed.set(false);
    }

    /// Whether the running pump must stop: a gated task overran the deadline,
    /// or the deadline passed (checked here for ungated tasks).
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
    pub(crate) fn admit_next_batch(&self) -> bool {
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

    /// Whether admitted tasks have yet to run (at most one batch to scan).
    pub(crate) fn has_admitted(&self) -> bool {
        self.admitted
            .borrow()
            .iter()
            .any(|t| t.state.get() == State::Admitted)
    }

    /// Ends a pump: admitted tasks that did not get to run go back to the
    /// front of the queue, in order, and the deadline is cleared.
    pub(crate) fn close_pump(&self) {
        self.deadline.set(None);
        self.closed.set(false);
        let mut admitted = self.admitted.borrow_mut();
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
    pub(crate) fn new(backlog: &Rc<Backlog>, future: F) -> Self {
        Budgeted {
            gate: Gate {
                backlog: Rc::clone(backlog),
                ticket: None,
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

/// One task's link to the backlog; leaves the backlog when the task is
/// dropped (finished or aborted).
struct Gate {
    backlog: Rc<Backlog>,
    /// Allocated the first time the task has to queue.
    ticket: Option<Rc<Ticket>>,
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
            State::Idle => true,
        }
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        if let Some(ticket) = &self.ticket {
            if ticket.state.get() != State::Idle {
                self.backlog.dequeue(ticket);
            }
        }
    }
}
