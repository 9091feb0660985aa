use chrono::TimeZone;

use super::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 31, 12, 0, 0).unwrap()
}

fn period(state: State) -> Period {
    let start = t0();
    Period {
        state,
        trial_end: (state == State::Trialing).then(|| start + TRIAL),
        start,
        end: month_after(start),
        cancel_at_period_end: false,
        past_due_since: (matches!(state, State::PastDue | State::Unpaid)).then_some(start),
        comped: false,
    }
}

fn events(now: DateTime<Utc>) -> Vec<Event> {
    vec![
        Event::PeriodEnded(Payment::Paid),
        Event::PeriodEnded(Payment::Failed),
        Event::PeriodEnded(Payment::NoPaymentMethod),
        Event::PaymentSucceeded,
        Event::PaymentFailed,
        Event::GraceExpired,
        Event::CancelAtPeriodEnd,
        Event::KeepSubscription,
        Event::CancelNow,
        Event::Reactivate,
        Event::Comp,
        Event::ExtendTrial(now + Duration::days(30)),
    ]
}

/// Every (state, event) pair, well after the period's end and the grace period: the
/// state it leads to, or `None` when it is refused.
#[test]
fn every_transition() {
    use State::*;
    let now = month_after(t0()) + Duration::days(10);
    #[rustfmt::skip]
    let expected: [(State, [Option<State>; 12]); 6] = [
        //             Paid          Failed         NoPM            Succeeded     Failed        Grace         CancelEnd       Keep            CancelNow       Reactivate    Comp          ExtendTrial
        (Trialing, [Some(Active), Some(PastDue), Some(Paused),   Some(Trialing), None,        None,         Some(Trialing), Some(Trialing), Some(Canceled), None,         Some(Active), Some(Trialing)]),
        (Active,   [Some(Active), Some(PastDue), Some(PastDue),  Some(Active),  Some(PastDue), None,        Some(Active),   Some(Active),   Some(Canceled), None,         Some(Active), None]),
        (PastDue,  [None,         None,          None,           Some(Active),  Some(PastDue), Some(Unpaid), Some(PastDue), Some(PastDue),  Some(Canceled), None,         Some(Active), None]),
        (Canceled, [None,         None,          None,           Some(Active),  None,         None,         None,           None,           None,           Some(Active), Some(Active), Some(Trialing)]),
        (Unpaid,   [None,         None,          None,           Some(Active),  Some(Unpaid), None,         None,           None,           Some(Canceled), Some(Active), Some(Active), Some(Trialing)]),
        (Paused,   [None,         None,          None,           Some(Active),  None,         None,         None,           None,           Some(Canceled), Some(Active), Some(Active), Some(Trialing)]),
    ];
    for (state, outcomes) in expected {
        for (event, outcome) in events(now).iter().zip(outcomes) {
            let got = period(state).next(event, now).ok().map(|p| p.state);
            assert_eq!(got, outcome, "{state:?} + {event:?}");
        }
    }
}

#[test]
fn a_renewal_moves_the_period_on_by_a_month() {
    let p = period(State::Active);
    let now = p.end + Duration::hours(1);
    let next = p.next(&Event::PeriodEnded(Payment::Paid), now).unwrap();
    assert_eq!(next.start, p.end);
    assert_eq!(next.end, month_after(p.end));
    // 31 January + 1 month is the end of February, and then 28 March.
    assert_eq!(p.end, Utc.with_ymd_and_hms(2026, 2, 28, 12, 0, 0).unwrap());
}

#[test]
fn a_period_cannot_end_early() {
    let p = period(State::Active);
    assert!(p
        .next(
            &Event::PeriodEnded(Payment::Paid),
            p.end - Duration::seconds(1)
        )
        .is_err());
    assert_eq!(p.due(p.end - Duration::seconds(1)), None);
    assert_eq!(p.due(p.end), Some(Due::PeriodEnd));
}

#[test]
fn a_failed_renewal_starts_the_grace_period() {
    let p = period(State::Active);
    let failed = p.next(&Event::PeriodEnded(Payment::Failed), p.end).unwrap();
    assert_eq!(failed.state, State::PastDue);
    assert_eq!(failed.past_due_since, Some(p.end));
    let almost = p.end + GRACE_PERIOD - Duration::seconds(1);
    assert_eq!(failed.due(almost), None);
    assert!(failed.next(&Event::GraceExpired, almost).is_err());
    assert_eq!(failed.due(p.end + GRACE_PERIOD), Some(Due::GraceOver));
    let unpaid = failed
        .next(&Event::GraceExpired, p.end + GRACE_PERIOD)
        .unwrap();
    assert_eq!(unpaid.state, State::Unpaid);
    assert!(!unpaid.state.storefront_open());
    assert!(failed.state.storefront_open());
}

#[test]
fn a_cancelled_subscription_runs_to_its_period_end() {
    let p = period(State::Active);
    let pending = p.next(&Event::CancelAtPeriodEnd, t0()).unwrap();
    assert_eq!(pending.state, State::Active);
    assert!(pending.state.storefront_open());
    let ended = pending
        .next(&Event::PeriodEnded(Payment::Paid), p.end)
        .unwrap();
    assert_eq!(ended.state, State::Canceled);
    assert_eq!(ended.end, p.end, "no new period is started (or charged)");
    assert!(!ended.state.storefront_open());
}

#[test]
fn a_comped_store_renews_even_when_its_card_fails() {
    let comped = period(State::Trialing).next(&Event::Comp, t0()).unwrap();
    assert!(comped.comped);
    let renewed = comped
        .next(&Event::PeriodEnded(Payment::Failed), comped.end)
        .unwrap();
    assert_eq!(renewed.state, State::Active);
}

#[test]
fn a_trial_cannot_be_extended_into_the_past() {
    let p = period(State::Trialing);
    assert!(p
        .next(&Event::ExtendTrial(t0() - Duration::days(1)), t0())
        .is_err());
    let longer = p
        .next(&Event::ExtendTrial(t0() + Duration::days(60)), t0())
        .unwrap();
    assert_eq!(longer.end, t0() + Duration::days(60));
    assert_eq!(longer.trial_end, Some(t0() + Duration::days(60)));
}

#[test]
fn states_parse_and_print_as_stripe_words() {
    for state in State::ALL {
        assert_eq!(State::parse(state.as_str()).unwrap(), state);
    }
    assert!(State::parse("incomplete").is_err());
}

#[test]
fn a_refusal_says_what_was_refused_in_words() {
    let active = period(State::Active);
    let refused = active.next(&Event::ExtendTrial(t0() + Duration::days(9)), t0());
    assert_eq!(
        refused.unwrap_err().to_string(),
        "An active subscription cannot extend its trial."
    );
}
