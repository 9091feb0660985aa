//! The subscription state machine, as a pure function: `(subscription, event, now)` →
//! the subscription after it. Nothing here reads the database or the clock, so every
//! transition is tested exhaustively below; [`super::subscriptions`] locks the row,
//! asks [`Period::next`] and writes the answer back.
//!
//! The states are Stripe Billing's: `trialing` → `active` when the trial ends and the
//! first charge succeeds (`paused` when there is no payment method); a failed charge
//! makes it `past_due`; still unpaid after the grace period it is `unpaid`;
//! `canceled` ends it. A store is open while its subscription is `trialing`, `active` or
//! `past_due` (the grace period); `unpaid`, `paused` and `canceled` close the storefront
//! (its admin stays reachable, to pay or resubscribe).

use chrono::{DateTime, Duration, Months, Utc};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// How long a store keeps selling after a failed payment.
pub const GRACE_PERIOD: Duration = Duration::days(7);
/// How long a new store's trial lasts.
pub const TRIAL: Duration = Duration::days(14);

/// Stripe's subscription states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum State {
    Trialing,
    Active,
    PastDue,
    Canceled,
    Unpaid,
    Paused,
}

impl State {
    pub const ALL: [State; 6] = [
        State::Trialing,
        State::Active,
        State::PastDue,
        State::Canceled,
        State::Unpaid,
        State::Paused,
    ];

    /// Whether the store's storefront serves shoppers in this state.
    pub fn storefront_open(self) -> bool {
        matches!(self, State::Trialing | State::Active | State::PastDue)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            State::Trialing => "trialing",
            State::Active => "active",
            State::PastDue => "past_due",
            State::Canceled => "canceled",
            State::Unpaid => "unpaid",
            State::Paused => "paused",
        }
    }

    /// Stripe's word for the state, or a validation error.
    pub fn parse(raw: &str) -> Result<Self> {
        State::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| Error::invalid("state", format!("'{raw}' is not a subscription state.")))
    }
}

/// What a charge at the end of a period came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Payment {
    Paid,
    Failed,
    /// The store has no payment method on file.
    NoPaymentMethod,
}

/// The parts of a subscription the state machine moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub state: State,
    pub trial_end: Option<DateTime<Utc>>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub cancel_at_period_end: bool,
    pub past_due_since: Option<DateTime<Utc>>,
    pub comped: bool,
}

/// What happens to a subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The period (or the trial) ended, and charging for the next one came to this. The
    /// tick sends it once `now` reaches the period's end.
    PeriodEnded(Payment),
    /// A payment of an open invoice went through (the owner paid, or a retry worked).
    PaymentSucceeded,
    /// A payment failed outside a renewal (a retry, or the provider said so).
    PaymentFailed,
    /// The tick noticed the grace period of a `past_due` store is over.
    GraceExpired,
    /// The owner cancels: the store runs to the end of the paid period, then stops.
    CancelAtPeriodEnd,
    /// The owner takes a pending cancellation back.
    KeepSubscription,
    /// Ends it now (the provider deleted the subscription, or platform staff did).
    CancelNow,
    /// A canceled, paused or unpaid store pays and starts a new period.
    Reactivate,
    /// Platform staff give the store its plan for free.
    Comp,
    /// Platform staff extend (or restart) the trial until the given time.
    ExtendTrial(DateTime<Utc>),
}

/// What is due for a subscription (see [`Period::due`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// The trial or the paid period is over: charge for the next one (or stop, when
    /// cancelled), then send [`Event::PeriodEnded`].
    PeriodEnd,
    /// A `past_due` store's grace period is over: [`Event::GraceExpired`].
    GraceOver,
}

/// One month after `at` (the same day of the next month, clamped to its end).
pub fn month_after(at: DateTime<Utc>) -> DateTime<Utc> {
    at.checked_add_months(Months::new(1))
        .unwrap_or(at + Duration::days(30))
}

fn refused(period: &Period, event: &Event) -> Error {
    let state = period.state.as_str().replace('_', " ");
    let article = if state.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "An"
    } else {
        "A"
    };
    Error::Rejected(format!(
        "{article} {state} subscription cannot {}.",
        event.action()
    ))
}

impl Event {
    /// What the event does, in words for a refusal ("… cannot extend its trial").
    pub fn action(&self) -> &'static str {
        match self {
            Event::PeriodEnded(_) => "end its period",
            Event::PaymentSucceeded => "take a payment",
            Event::PaymentFailed => "fail a payment",
            Event::GraceExpired => "end a grace period",
            Event::CancelAtPeriodEnd => "be cancelled",
            Event::KeepSubscription => "take back a cancellation",
            Event::CancelNow => "be cancelled again",
            Event::Reactivate => "be restarted",
            Event::Comp => "be comped",
            Event::ExtendTrial(_) => "extend its trial",
        }
    }
}

impl Period {
    /// A new store's trial, starting `now`.
    pub fn trial(now: DateTime<Utc>) -> Period {
        let end = now + TRIAL;
        Period {
            state: State::Trialing,
            trial_end: Some(end),
            start: now,
            end,
            cancel_at_period_end: false,
            past_due_since: None,
            comped: false,
        }
    }

    /// What the tick has to do for this subscription at `now`, if anything.
    pub fn due(&self, now: DateTime<Utc>) -> Option<Due> {
        match self.state {
            State::Trialing | State::Active if now >= self.end => Some(Due::PeriodEnd),
            State::PastDue
                if self
                    .past_due_since
                    .is_some_and(|since| now >= since + GRACE_PERIOD) =>
            {
                Some(Due::GraceOver)
            }
            _ => None,
        }
    }

    /// The subscription after `event` at `now`, or a refusal that changes nothing.
    pub fn next(&self, event: &Event, now: DateTime<Utc>) -> Result<Period> {
        use State::*;
        let mut next = self.clone();
        let fresh_period = |next: &mut Period| {
            next.start = now;
            next.end = month_after(now);
            next.trial_end = None;
            next.past_due_since = None;
            next.cancel_at_period_end = false;
        };
        match (self.state, event) {
            (Trialing | Active, Event::PeriodEnded(payment)) => {
                if now < self.end {
                    return Err(Error::Rejected("The period has not ended yet.".into()));
                }
                if self.cancel_at_period_end {
                    next.state = Canceled;
                    return Ok(next);
                }
                next.trial_end = None;
                next.start = self.end;
                next.end = month_after(self.end);
                let payment = if self.comped { Payment::Paid } else { *payment };
                match (self.state, payment) {
                    (_, Payment::Paid) => next.state = Active,
                    (Trialing, Payment::NoPaymentMethod) => {
                        // Stripe pauses a trial that ends without a payment method; the
                        // period does not move on until the owner pays.
                        next.state = Paused;
                        next.start = self.start;
                        next.end = self.end;
                    }
                    _ => {
                        next.state = PastDue;
                        next.past_due_since = Some(now);
                    }
                }
            }
            (PastDue | Unpaid, Event::PaymentSucceeded) => {
                next.state = Active;
                next.past_due_since = None;
            }
            (Paused | Canceled, Event::PaymentSucceeded | Event::Reactivate)
            | (Unpaid, Event::Reactivate) => {
                next.state = Active;
                fresh_period(&mut next);
            }
            (Trialing | Active, Event::PaymentSucceeded) => {}
            (Active, Event::PaymentFailed) => {
                next.state = PastDue;
                next.past_due_since = Some(now);
            }
            (PastDue | Unpaid, Event::PaymentFailed) => {}
            (PastDue, Event::GraceExpired) => match self.past_due_since {
                Some(since) if now >= since + GRACE_PERIOD => next.state = Unpaid,
                _ => return Err(Error::Rejected("The grace period is not over yet.".into())),
            },
            (Trialing | Active | PastDue, Event::CancelAtPeriodEnd) => {
                next.cancel_at_period_end = true;
            }
            (Trialing | Active | PastDue, Event::KeepSubscription) => {
                next.cancel_at_period_end = false;
            }
            (Trialing | Active | PastDue | Unpaid | Paused, Event::CancelNow) => {
                next.state = Canceled;
                next.end = now.max(self.start);
                next.cancel_at_period_end = false;
            }
            (_, Event::Comp) => {
                next.comped = true;
                if self.state != Active {
                    next.state = Active;
                    fresh_period(&mut next);
                }
                next.cancel_at_period_end = false;
                next.past_due_since = None;
            }
            (Trialing | Paused | Canceled | Unpaid, Event::ExtendTrial(until)) => {
                if *until <= now {
                    return Err(Error::invalid(
                        "trial_end",
                        "A trial must end in the future.",
                    ));
                }
                next.state = Trialing;
                next.trial_end = Some(*until);
                next.start = if self.state == Trialing {
                    self.start
                } else {
                    now
                };
                next.end = *until;
                next.past_due_since = None;
                next.cancel_at_period_end = false;
            }
            _ => return Err(refused(self, event)),
        }
        Ok(next)
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
