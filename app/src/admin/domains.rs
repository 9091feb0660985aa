//! A store's domains as both admins show them: each host in Unicode with its status
//! (pending, verified, failed; flagged when a verified record went missing), the DNS
//! records to create, and its buttons — Check now, Make primary, Remove. The store
//! admin ([`crate::admin::store::domains`]) and the platform admin's store page use
//! the same rows and the same operations; only the server function differs.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One DNS record the store owner must create.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordView {
    pub kind: String,
    pub name: String,
    pub value: String,
}

/// One of a store's domains, ready to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainView {
    /// The host as stored (ASCII, punycode): what the forms send back.
    pub host: String,
    /// The host as people read it.
    pub display: String,
    /// `pending`, `verified` or `failed`.
    pub status: String,
    pub primary: bool,
    /// A verified domain whose TXT record is missing (still served).
    pub lost: bool,
    pub reason: Option<String>,
    pub last_checked: Option<String>,
    /// Whether its DNS record is looked at (not for names the platform vouched for).
    pub checked: bool,
    pub records: Vec<RecordView>,
}

#[cfg(feature = "ssr")]
impl DomainView {
    /// The view of a stored domain; records to create are listed until it is verified
    /// (and again while its record is missing).
    pub fn of(
        domain: &marketplace::tenancy::Domain,
        targets: &marketplace::tenancy::domains::DnsTargets,
    ) -> Self {
        use marketplace::tenancy::DomainStatus;
        let status = match domain.status {
            DomainStatus::Pending => "pending",
            DomainStatus::Verified => "verified",
            DomainStatus::Failed => "failed",
        };
        let lost = domain.lost_at.is_some();
        let show_records = domain.status != DomainStatus::Verified || lost;
        let records = if show_records {
            targets.records(domain)
        } else {
            Vec::new()
        };
        let records = records
            .into_iter()
            .map(|r| RecordView {
                kind: r.kind.to_owned(),
                name: r.name,
                value: r.value,
            })
            .collect();
        DomainView {
            host: domain.domain.to_string(),
            display: domain.domain.to_unicode(),
            status: status.to_owned(),
            primary: domain.is_primary,
            lost,
            reason: domain.failure_reason.clone(),
            last_checked: domain
                .last_checked_at
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
            checked: domain.status != DomainStatus::Verified || domain.next_check_at.is_some(),
            records,
        }
    }
}

/// The rows of a domain table; `button(domain, op, label)` renders one operation's form.
pub fn domain_rows<B, V>(domains: &[DomainView], button: B) -> impl IntoView
where
    B: Fn(String, &'static str, &'static str) -> V + Clone + Send + 'static,
    V: IntoView + 'static,
{
    domains
        .iter()
        .map(|d| {
            let button = button.clone();
            let check = d.checked.then(|| button(d.host.clone(), "check", "Check now"));
            let primary = (!d.primary && d.status == "verified")
                .then(|| button(d.host.clone(), "primary", "Make primary"));
            let remove = (!d.primary).then(|| button(d.host.clone(), "remove", "Remove"));
            let status = if d.lost { "verified, record missing".to_owned() } else { d.status.clone() };
            let records = (!d.records.is_empty()).then(|| {
                let rows = d
                    .records
                    .iter()
                    .map(|r| view! {
                        <tr><td>{r.kind.clone()}</td><td><code>{r.name.clone()}</code></td><td><code>{r.value.clone()}</code></td></tr>
                    })
                    .collect_view();
                view! {
                    <table class="dns-records" aria-label=format!("DNS records for {}", d.display)>
                        <thead><tr><th>"Type"</th><th>"Name"</th><th>"Value"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
            });
            view! {
                <tr data-domain=d.host.clone()>
                    <th scope="row">{if d.status == "verified" {
                        view! { <a href=format!("http://{}", d.host)>{d.display.clone()}</a> }.into_any()
                    } else {
                        d.display.clone().into_any()
                    }}</th>
                    <td>{if d.primary { "Primary" } else { "" }}</td>
                    <td class="status" data-status=d.status.clone()>{status}</td>
                    <td>
                        {d.reason.clone().map(|r| view! { <p class="hint">{r}</p> })}
                        {d.last_checked.clone().map(|t| view! { <p class="hint">"Last checked " {t}</p> })}
                        {records}
                    </td>
                    <td>{check}{primary}{remove}</td>
                </tr>
            }
        })
        .collect_view()
}
