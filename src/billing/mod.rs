//! Plans and billing: what each store pays for and what its plan allows.
//!
//! * [`plans`] — the plans (`public.plans`): a monthly price and limits on products,
//!   staff accounts, orders a month and domains (each a number or unlimited).
//! * [`state`] — the subscription state machine (Stripe's `trialing`, `active`,
//!   `past_due`, `canceled`, `unpaid`, `paused`) as a pure function.
//! * [`subscriptions`] — one subscription per store, its invoices, and the one
//!   transaction every change goes through.
//! * [`actions`] — change plan (prorated, [`proration`]), cancel, pay, the portal; comp
//!   a plan and extend a trial (platform staff). [`Billing`] bundles the provider and
//!   the clock.
//! * [`tick`] — what time does: renewals, trial ends, the grace period.
//! * [`limits`] — the limits inside the store, enforced where the write happens.
//! * [`provider`] — the payment provider trait and [`FakeProvider`]; [`stripe`] — the
//!   Stripe adapter (webhook signatures, events, requests); [`webhooks`] — applying
//!   their events once, in order.
//! * [`clock`] — the time billing decides by ([`FakeClock`] in the tests and demo).

pub mod actions;
pub mod clock;
pub mod limits;
pub mod plans;
pub mod proration;
pub mod provider;
pub mod state;
pub mod stripe;
pub mod subscriptions;
pub mod tick;
pub mod webhooks;

pub use actions::{Billing, PlanChanged};
pub use clock::{Clock, FakeClock, SystemClock};
pub use plans::{Limit, Plan};
pub use provider::{FakeProvider, PaymentProvider};
pub use state::{Event, Payment, Period, State};
pub use subscriptions::{Invoice, Subscription};
