-- Security hardening (issue 8).
--
-- Sessions get an idle timeout beside their absolute expiry: staff sessions end after a
-- quiet spell, customers' last longer. `last_seen_at` moves at most once a minute.
alter table sessions add column last_seen_at timestamptz not null default now();
alter table sessions add column idle_timeout interval;

-- Login throttling keyed by account *and* client address (and by client address alone),
-- with growing delays instead of a lock-out that refuses the right password. One row a
-- key; a row is checked and counted in one statement, so concurrent guesses cannot race
-- past it.
drop table login_failures;

create table login_throttle (
    key text primary key check (length(key) <= 600),
    failures integer not null check (failures >= 0),
    blocked_until timestamptz not null,
    last_failed_at timestamptz not null default now()
);

create index login_throttle_last_failed_at on login_throttle (last_failed_at);
create index sessions_last_seen_at on sessions (last_seen_at);
