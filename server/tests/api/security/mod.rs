//! Security rules tried as an attacker would (issue 8): racing the login throttle,
//! locking an owner out, overlong login names, staff acting as superusers, checkout
//! replays, guest orders, forged form errors, session lifetimes and the sweeper.

mod responses;
mod sessions;
mod shoppers;
mod staff;
mod throttle;

use crate::helpers::{TestApp, TECH};

/// Adds product 2 to the cart of the session `cookie` (starting one when `None`).
pub(super) async fn add_to_cart(app: &TestApp, cookie: Option<&str>) -> String {
    let reply = app
        .call(TECH, "cart/add", "product_id=2&quantity=1", cookie)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    cookie
        .map(str::to_owned)
        .or_else(|| reply.cookie("mkt_session"))
        .expect("a session")
}

pub(super) async fn cart_count(app: &TestApp, cookie: &str) -> i64 {
    let page = app.get_with(TECH, "/cart", Some(cookie)).await;
    let marker = "Cart, ";
    let at = page.body.find(marker).expect("cart count in the header") + marker.len();
    page.body[at..].split(' ').next().unwrap().parse().unwrap()
}
