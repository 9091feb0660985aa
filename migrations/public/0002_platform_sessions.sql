-- Sessions of platform staff on the public host's admin, and failed platform logins
-- for throttling password guessing. The cookie holds a random token; only its SHA-256
-- is stored. Store sessions live in each store's own schema and mean nothing here.

create table platform_sessions (
    id bigint generated always as identity primary key,
    token_hash bytea not null,
    platform_user_id bigint not null references platform_users (id) on delete cascade,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    constraint platform_sessions_token_hash_key unique (token_hash)
);

create index platform_sessions_user on platform_sessions (platform_user_id);

create table platform_login_failures (
    username text primary key,
    failures integer not null check (failures >= 0),
    last_failed_at timestamptz not null default now()
);
