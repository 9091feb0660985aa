-- Plans and billing (issue 16): the plans the platform sells, one subscription per store,
-- its invoices, and the payment provider's webhook events (deduplicated by id).
-- Never edit an applied migration; add a new one.

-- A limit left null is unlimited.
create table plans (
    code text primary key check (code ~ '^[a-z][a-z0-9_]{0,30}$'),
    name text not null unique check (length(btrim(name)) between 1 and 50),
    monthly_price numeric(12, 2) not null check (monthly_price >= 0),
    max_products integer check (max_products >= 0),
    max_staff integer check (max_staff >= 1),
    max_orders_per_month integer check (max_orders_per_month >= 0),
    -- Every domain of the store counts, its primary platform name included.
    max_domains integer check (max_domains >= 1),
    -- Features: uploading the store's own logo and favicon.
    custom_branding boolean not null default true,
    -- Cheapest first: upgrades go up the ranks.
    rank integer not null unique,
    -- The plan a new store's trial runs on.
    is_default boolean not null default false,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create unique index plans_one_default on plans (is_default) where is_default;

insert into plans (code, name, monthly_price, max_products, max_staff, max_orders_per_month, max_domains, custom_branding, rank, is_default) values
    ('starter', 'Starter', 29.00, 50, 5, 500, 1, false, 1, false),
    ('growth', 'Growth', 79.00, 1000, 15, 5000, 5, true, 2, true),
    ('scale', 'Scale', 299.00, null, null, null, null, true, 3, false);

-- States are Stripe Billing's own words.
create table subscriptions (
    tenant_id bigint primary key references tenants (id) on delete cascade,
    plan_code text not null references plans (code),
    state text not null
        check (state in ('trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused')),
    trial_end timestamptz,
    current_period_start timestamptz not null,
    current_period_end timestamptz not null check (current_period_end >= current_period_start),
    cancel_at_period_end boolean not null default false,
    -- When the store's payment first failed; the grace period counts from here.
    past_due_since timestamptz,
    -- Given by platform staff: renewals charge nothing.
    comped boolean not null default false,
    provider text not null default 'fake',
    provider_customer_id text,
    provider_subscription_id text,
    -- When the newest provider event applied to this row happened (older ones are ignored).
    last_event_at timestamptz,
    -- False while the store's own copy of its limits has not been written yet (stores that
    -- existed before billing); `billing tick` writes it.
    limits_synced boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint subscriptions_provider_key unique (provider, provider_subscription_id)
);

create index subscriptions_period_end on subscriptions (current_period_end);
create index subscriptions_state on subscriptions (state);

create table invoices (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    plan_code text not null references plans (code),
    period_start timestamptz not null,
    period_end timestamptz not null,
    -- Negative for a credit (a downgrade's proration).
    amount numeric(12, 2) not null,
    description text not null check (length(description) between 1 and 200),
    status text not null check (status in ('paid', 'open', 'void')),
    created_at timestamptz not null default now()
);

create index invoices_tenant on invoices (tenant_id, id desc);

create table billing_events (
    provider text not null,
    event_id text not null check (length(event_id) between 1 and 255),
    event_type text not null,
    occurred_at timestamptz not null,
    tenant_id bigint references tenants (id) on delete set null,
    -- False when the event was older than the last one applied, or named no subscription.
    applied boolean not null,
    received_at timestamptz not null default now(),
    primary key (provider, event_id)
);

-- A store whose subscription lapsed (unpaid past the grace period, paused, canceled) is
-- 'paused': its storefront answers 503, its admin stays reachable so the owner can pay.
alter table tenants drop constraint tenants_status_check;
alter table tenants add constraint tenants_status_check
    check (status in ('active', 'suspended', 'paused'));

-- Stores that existed before billing start a trial of the default plan today; their own
-- copy of the limits is written by the next `billing tick`.
insert into subscriptions (tenant_id, plan_code, state, trial_end, current_period_start,
                           current_period_end, limits_synced)
select t.id, p.code, 'trialing', now() + interval '14 days', now(), now() + interval '14 days', false
from tenants t, plans p where p.is_default;
