-- Security hardening (issue 8): the platform's sessions and login throttle follow the
-- same rules as a store's (see migrations/tenant/0003_security.sql).
alter table platform_sessions add column last_seen_at timestamptz not null default now();
alter table platform_sessions add column idle_timeout interval;
create index platform_sessions_expires_at on platform_sessions (expires_at);

drop table platform_login_failures;

create table platform_login_throttle (
    key text primary key check (length(key) <= 600),
    failures integer not null check (failures >= 0),
    blocked_until timestamptz not null,
    last_failed_at timestamptz not null default now()
);

create index platform_login_throttle_last_failed_at on platform_login_throttle (last_failed_at);
