//! The storefront: what a visitor of a store's host sees.

pub mod catalogue;

use serde::{Deserialize, Serialize};

/// A price as the shop shows it: currency symbol and two decimals.
pub fn money(symbol: &str, amount: &str) -> String {
    format!("{symbol}{amount}")
}

/// How a product's stock reads to a shopper.
pub fn stock_label(stock: i32) -> Option<String> {
    match stock {
        0 => Some("Out of stock".to_owned()),
        1..=5 => Some(format!("Only {stock} left")),
        _ => None,
    }
}

/// The store's presentation, shared by every storefront page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreBrand {
    pub name: String,
    pub tagline: String,
    pub primary_colour: String,
    pub currency_symbol: String,
}
