//! An order's status and its workflow: which status may follow which. The one table
//! of the rule; [`super::set_status`] enforces it, the admin's buttons are read from it.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Where an order is in its life, stored as its lowercase name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    Pending,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 5] = [
        OrderStatus::Pending,
        OrderStatus::Paid,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Paid => "paid",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Result<Self> {
        OrderStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| Error::invalid("status", format!("'{raw}' is not an order status.")))
    }

    /// The statuses an order in this one may move to: along pending → paid → shipped →
    /// delivered, or cancelled while it has not left the warehouse (pending or paid).
    /// Delivered and cancelled orders are final. This table is the order workflow:
    /// [`super::set_status`] enforces it and the admin offers exactly these steps.
    pub fn next(self) -> &'static [OrderStatus] {
        use OrderStatus::*;
        match self {
            Pending => &[Paid, Cancelled],
            Paid => &[Shipped, Cancelled],
            Shipped => &[Delivered],
            Delivered | Cancelled => &[],
        }
    }

    /// Whether an order in this status may move to `to` (one of [`OrderStatus::next`]).
    pub fn can_become(self, to: OrderStatus) -> bool {
        self.next().contains(&to)
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::{self, *};

    #[test]
    fn the_workflow_table() {
        assert_eq!(Pending.next(), [Paid, Cancelled]);
        assert_eq!(Paid.next(), [Shipped, Cancelled]);
        assert_eq!(Shipped.next(), [Delivered]);
        assert!(Delivered.next().is_empty());
        assert!(Cancelled.next().is_empty());
    }

    #[test]
    fn can_become_exactly_the_next_steps() {
        let allowed = [
            (Pending, Paid),
            (Pending, Cancelled),
            (Paid, Shipped),
            (Paid, Cancelled),
            (Shipped, Delivered),
        ];
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                assert_eq!(
                    from.can_become(to),
                    allowed.contains(&(from, to)),
                    "{} -> {}",
                    from.as_str(),
                    to.as_str()
                );
            }
        }
    }

    #[test]
    fn no_status_becomes_itself_or_goes_back_to_pending() {
        for status in OrderStatus::ALL {
            assert!(!status.can_become(status), "{}", status.as_str());
            assert!(!status.can_become(Pending), "{}", status.as_str());
        }
    }
}
