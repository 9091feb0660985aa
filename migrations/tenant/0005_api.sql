-- The store's REST API (issue 17): API keys and the idempotency records of their POSTs.
--
-- A key is shown to its creator once; only its SHA-256 is kept, beside a short
-- non-secret prefix that finds the row. Revoking sets `revoked_at` (the row stays, so
-- the admin still lists what was revoked and when).
create table api_keys (
    id bigint generated always as identity primary key,
    name text not null check (length(btrim(name)) between 1 and 100),
    prefix text not null check (prefix ~ '^[a-z0-9]{12}$'),
    secret_hash bytea not null check (length(secret_hash) = 32),
    scopes text[] not null check (cardinality(scopes) between 1 and 16),
    created_by bigint references users (id) on delete set null,
    created_at timestamptz not null default now(),
    last_used_at timestamptz,
    revoked_at timestamptz,
    constraint api_keys_prefix_key unique (prefix)
);

-- One row per (key, Idempotency-Key): the request's fingerprint and, once it has been
-- answered, the answer to replay. A row without an answer is a request still running.
-- Rows older than 24 hours no longer count and are removed.
create table idempotency_keys (
    api_key_id bigint not null references api_keys (id) on delete cascade,
    key text not null check (length(key) between 1 and 255),
    request_hash bytea not null check (length(request_hash) = 32),
    status smallint check (status between 100 and 599),
    headers text[],
    body bytea,
    created_at timestamptz not null default now(),
    primary key (api_key_id, key)
);

create index idempotency_keys_created_at on idempotency_keys (created_at);
