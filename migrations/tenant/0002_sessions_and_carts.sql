-- Visitor sessions and shopping carts, kept in the store's own schema: a session of one
-- store means nothing to another. The cookie holds a random token; only its SHA-256 is
-- stored.

create table sessions (
    id bigint generated always as identity primary key,
    token_hash bytea not null,
    user_id bigint references users (id) on delete cascade,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    constraint sessions_token_hash_key unique (token_hash)
);

create index sessions_user_id on sessions (user_id);
create index sessions_expires_at on sessions (expires_at);

-- A cart belongs to an anonymous session or, once its owner logs in, to the customer.
create table carts (
    id bigint generated always as identity primary key,
    session_id bigint references sessions (id) on delete cascade,
    user_id bigint references users (id) on delete cascade,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint carts_session_id_key unique (session_id),
    constraint carts_user_id_key unique (user_id),
    constraint carts_one_owner check ((session_id is null) <> (user_id is null))
);

create table cart_items (
    cart_id bigint not null references carts (id) on delete cascade,
    product_id bigint not null references products (id) on delete cascade,
    quantity integer not null check (quantity between 1 and 99),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (cart_id, product_id)
);

-- Which session placed an order, so that a guest can see their confirmation.
alter table orders add column session_id bigint references sessions (id) on delete set null;
create index orders_session_id on orders (session_id);

-- Failed logins per username, for throttling password guessing.
create table login_failures (
    username text primary key,
    failures integer not null check (failures >= 0),
    last_failed_at timestamptz not null default now()
);
