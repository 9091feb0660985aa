//! What changing plans mid-period costs: the unused part of the old plan is credited and
//! the rest of the period on the new plan is charged, both to the second, rounded to the
//! cent (Stripe's `create_prorations`). A trial or a comped store pays nothing for it.

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// The money side of a plan change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Proration {
    /// The unused part of the old plan, given back.
    pub credit: Decimal,
    /// The rest of the period on the new plan.
    pub charge: Decimal,
    /// `charge - credit`: positive is owed now, negative is a credit.
    pub net: Decimal,
}

/// The proration of going from `old_price` to `new_price` at `now` within the period
/// `start..end`. `billable` is false for a trial or a comped store (all zero).
pub fn prorate(
    old_price: Decimal,
    new_price: Decimal,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    now: DateTime<Utc>,
    billable: bool,
) -> Proration {
    let total = (end - start).num_seconds();
    if !billable || total <= 0 {
        return Proration::default();
    }
    let remaining = (end - now).num_seconds().clamp(0, total);
    let part = |price: Decimal| {
        (price * Decimal::from(remaining) / Decimal::from(total))
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    };
    let (credit, charge) = (part(old_price), part(new_price));
    Proration {
        credit,
        charge,
        net: charge - credit,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn half_way_through_an_upgrade_costs_half_the_difference() {
        let start = Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap();
        let end = start + Duration::days(30);
        let p = prorate(
            d("29.00"),
            d("79.00"),
            start,
            end,
            start + Duration::days(15),
            true,
        );
        assert_eq!(p.credit, d("14.50"));
        assert_eq!(p.charge, d("39.50"));
        assert_eq!(p.net, d("25.00"));
    }

    #[test]
    fn a_downgrade_is_a_credit_rounded_to_the_cent() {
        let start = Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap();
        let end = start + Duration::days(30);
        let p = prorate(
            d("79.00"),
            d("29.00"),
            start,
            end,
            start + Duration::days(20),
            true,
        );
        assert_eq!(p.credit, d("26.33"));
        assert_eq!(p.charge, d("9.67"));
        assert_eq!(p.net, d("-16.66"));
    }

    #[test]
    fn trials_comps_and_ended_periods_cost_nothing() {
        let start = Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap();
        let end = start + Duration::days(30);
        let free = prorate(d("29"), d("299"), start, end, start, false);
        assert_eq!(free, Proration::default());
        let over = prorate(d("29"), d("299"), start, end, end + Duration::days(1), true);
        assert_eq!(over.net, Decimal::ZERO);
        let whole = prorate(
            d("29"),
            d("299"),
            start,
            end,
            start - Duration::days(1),
            true,
        );
        assert_eq!(whole.net, d("270.00"));
    }
}
