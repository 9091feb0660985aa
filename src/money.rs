//! Amounts of money as the platform writes them: the one place that decides how a
//! [`Decimal`] price or total becomes text, for pages and JSON alike.

use std::fmt;

use rust_decimal::Decimal;

/// An amount of money, written with exactly two decimals (`29.99`, `1029.00`,
/// `-5.10`) and no currency symbol: the symbol is the store's and the page adds it.
///
/// Extra decimals are cut, not rounded (`1.999` reads `1.99`), as `format!("{:.2}")`
/// of a `Decimal` has always done here. Stored amounts (`numeric(12,2)`) never have
/// more than two, so the difference never shows; keeping it means the seed's JSON
/// stays byte for byte what it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(pub Decimal);

impl From<Decimal> for Money {
    fn from(amount: Decimal) -> Self {
        Money(amount)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn text(raw: &str) -> String {
        Money(Decimal::from_str(raw).unwrap()).to_string()
    }

    #[test]
    fn two_decimals_always() {
        assert_eq!(text("29.99"), "29.99");
        assert_eq!(text("1029.98"), "1029.98");
        assert_eq!(text("49.5"), "49.50");
        assert_eq!(text("5"), "5.00");
        assert_eq!(text("0"), "0.00");
        assert_eq!(text("0.00"), "0.00");
        assert_eq!(text("0.07"), "0.07");
        assert_eq!(Money(Decimal::new(2999, 2)).to_string(), "29.99");
    }

    #[test]
    fn more_decimals_are_cut_not_rounded() {
        assert_eq!(text("1.005"), "1.00");
        assert_eq!(text("1.999"), "1.99");
        assert_eq!(text("0.009"), "0.00");
        assert_eq!(text("12.3456789012345678"), "12.34");
    }

    #[test]
    fn negative_amounts_keep_their_sign() {
        assert_eq!(text("-5.1"), "-5.10");
        assert_eq!(text("-1029.98"), "-1029.98");
        assert_eq!(text("-1.999"), "-1.99");
        assert_eq!(text("-0.001"), "-0.00");
    }

    #[test]
    fn large_amounts_are_written_in_full() {
        assert_eq!(text("990000001028.99"), "990000001028.99");
        assert_eq!(text("1000000000000.00"), "1000000000000.00");
        assert_eq!(
            Money(Decimal::MAX).to_string(),
            "79228162514264337593543950335.00"
        );
        assert_eq!(
            Money(Decimal::MIN).to_string(),
            "-79228162514264337593543950335.00"
        );
    }

    #[test]
    fn same_text_as_the_format_it_replaces() {
        for raw in [
            "0",
            "1",
            "-1",
            "0.1",
            "123.456",
            "-0.5",
            "99999999.999999",
            "7.10",
        ] {
            let amount = Decimal::from_str(raw).unwrap();
            assert_eq!(Money(amount).to_string(), format!("{amount:.2}"), "{raw}");
        }
    }
}
