//! Checkout: the form a shopper sends to turn their cart into an order, and the rule
//! of what happens to the cart. The order itself is placed by [`orders::place`] (one
//! transaction: prices from the database, stock taken atomically, the store's own
//! order numbers).

use crate::accounts::FullName;
use crate::cart::{self, Owner};
use crate::email::Email;
use crate::orders::{self, Checkout, Placed};
use crate::sessions::Session;
use crate::tenancy::TenantTx;
use crate::{Error, Result};

/// The longest delivery address accepted, in characters.
pub const MAX_ADDRESS: usize = 1000;

/// A checkout form, validated: who orders, where it goes, and the form's one-time key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutInput {
    pub customer_name: FullName,
    pub email: Email,
    pub address: String,
    /// The form's one-time key ([`Checkout::idempotency_key`]): a double submit places
    /// one order.
    pub key: String,
}

impl CheckoutInput {
    /// Validates the form; the first rule broken is reported with its field (`name`,
    /// `email`, `address`). A malformed key means the page is not one of ours or is
    /// too old: the shopper is asked to reload it.
    pub fn parse(name: &str, email: &str, address: &str, key: &str) -> Result<Self> {
        let customer_name = FullName::parse(name)?;
        let email = Email::parse(email)?;
        let address = address.trim();
        if address.is_empty() || address.chars().count() > MAX_ADDRESS {
            return Err(Error::invalid(
                "address",
                format!("Enter the delivery address (up to {MAX_ADDRESS} characters)."),
            ));
        }
        let key_ok =
            (16..=100).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric());
        if !key_ok {
            return Err(Error::Rejected(
                "This form has expired; please reload the page.".into(),
            ));
        }
        Ok(CheckoutInput {
            customer_name,
            email,
            address: address.to_owned(),
            key: key.to_owned(),
        })
    }
}

/// Places the cart of `session` (the visitor's, if they have one) as an order. A new
/// order empties the cart; a replay of the same form shows the order it placed and
/// leaves alone the cart the shopper has filled since.
pub async fn place(
    tx: &mut TenantTx,
    session: Option<&Session>,
    input: CheckoutInput,
) -> Result<Placed> {
    let Some(session) = session else {
        return Err(Error::Rejected("Your cart is empty.".into()));
    };
    let owner = Owner::of(session);
    let lines = cart::get(tx, owner).await?.requests();
    let placed = orders::place(
        tx,
        &Checkout {
            customer_id: session.user_id,
            customer_name: input.customer_name.into(),
            email: input.email.into(),
            address: input.address,
            lines,
            idempotency_key: Some(input.key),
            session_id: Some(session.id),
        },
    )
    .await?;
    if let Placed::New(_) = placed {
        cart::clear(tx, owner).await?;
    }
    Ok(placed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "abcdefghijklmnop";

    #[test]
    fn each_field_is_checked_in_form_order() {
        fn refusal(
            name: &str,
            email: &str,
            address: &str,
            key: &str,
        ) -> (Option<&'static str>, String) {
            let err = CheckoutInput::parse(name, email, address, key).unwrap_err();
            (err.field(), err.message())
        }
        assert_eq!(refusal("", "x", "", "").0, Some("name"));
        assert_eq!(refusal("Ada", "x", "", "").0, Some("email"));
        assert_eq!(
            refusal("Ada", "ada@example.com", "  ", KEY),
            (
                Some("address"),
                "Enter the delivery address (up to 1000 characters).".to_owned()
            )
        );
        assert_eq!(
            refusal("Ada", "ada@example.com", &"a".repeat(1001), KEY).0,
            Some("address")
        );
        for key in ["short", "has spaces in it, sixteen+", &"k".repeat(101)] {
            assert_eq!(
                refusal("Ada", "ada@example.com", "1 Road", key),
                (
                    None,
                    "This form has expired; please reload the page.".to_owned()
                )
            );
        }
        let ok = CheckoutInput::parse(" Ada ", "ada@EXAMPLE.com", " 1 Road ", KEY).unwrap();
        assert_eq!(ok.customer_name.as_str(), "Ada");
        assert_eq!(ok.email.as_str(), "ada@example.com");
        assert_eq!(ok.address, "1 Road");
    }
}
