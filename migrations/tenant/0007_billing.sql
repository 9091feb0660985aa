-- Plans and billing (issue 16): the store's own copy of its plan's limits, written by the
-- platform's billing in the same transaction that changes the subscription, so that the
-- store's transactions enforce them without reading `public` (which the store's role
-- cannot). No row: no limits (a store billing has not reached yet).

create table plan_limits (
    -- A single row.
    id boolean primary key default true check (id),
    plan_name text not null,
    max_products integer check (max_products >= 0),
    max_staff integer check (max_staff >= 1),
    max_orders_per_month integer check (max_orders_per_month >= 0),
    custom_branding boolean not null default true,
    updated_at timestamptz not null default now()
);

-- Metered usage per calendar month (UTC), counted in the transaction of the thing counted.
create table usage_counters (
    metric text not null check (metric in ('orders')),
    period_start date not null,
    count bigint not null check (count >= 0),
    primary key (metric, period_start)
);

-- A downgrade never deletes: staff beyond the plan are suspended (cannot log in) and
-- products beyond it are taken off sale; both come back on upgrade.
alter table users add column suspended_by_plan boolean not null default false;
alter table products add column hidden_by_plan boolean not null default false;
