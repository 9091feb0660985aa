-- One store's own tables (django-tenants' TENANT_APPS). Runs with search_path set to the
-- store's schema alone, so every name below is created in that schema.
-- Never edit an applied migration; add a new one.

create table store_settings (
    -- A single row: the store's presentation and numbering.
    id boolean primary key default true check (id),
    display_name text not null check (length(btrim(display_name)) between 1 and 100),
    tagline text not null default '' check (length(tagline) <= 200),
    primary_colour text not null default '#2f5bea' check (primary_colour ~ '^#[0-9a-f]{6}$'),
    currency_symbol text not null default '$' check (length(currency_symbol) between 1 and 4),
    order_prefix text not null check (order_prefix ~ '^[A-Z0-9]{1,8}$'),
    updated_at timestamptz not null default now()
);

create table products (
    id bigint generated always as identity primary key,
    name text not null check (length(btrim(name)) between 1 and 200),
    description text not null default '' check (length(description) <= 5000),
    price numeric(12, 2) not null check (price >= 0),
    stock integer not null default 0 check (stock >= 0),
    is_active boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create table users (
    id bigint generated always as identity primary key,
    username text not null check (username ~ '^[A-Za-z0-9_.@+-]{1,150}$'),
    email text not null check (length(email) between 3 and 254),
    full_name text not null default '' check (length(full_name) <= 200),
    password_hash text not null,
    is_staff boolean not null default false,
    is_superuser boolean not null default false,
    is_active boolean not null default true,
    last_login timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint users_username_key unique (username)
);

-- Per-store order numbers: TECH001, TECH002, ...
create sequence order_number_seq as bigint start 1;

create table orders (
    id bigint generated always as identity primary key,
    order_number text not null,
    customer_id bigint references users (id) on delete set null,
    customer_name text not null default '' check (length(customer_name) <= 200),
    email text not null default '' check (length(email) <= 254),
    address text not null default '' check (length(address) <= 1000),
    status text not null default 'pending'
        check (status in ('pending', 'paid', 'shipped', 'delivered', 'cancelled')),
    total numeric(12, 2) not null check (total >= 0),
    -- Set by checkout forms so that submitting the same form twice places one order.
    idempotency_key text check (length(idempotency_key) between 16 and 100),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint orders_order_number_key unique (order_number),
    constraint orders_idempotency_key_key unique (idempotency_key)
);

create index orders_customer_id on orders (customer_id);

create table order_items (
    id bigint generated always as identity primary key,
    order_id bigint not null references orders (id) on delete cascade,
    product_id bigint references products (id) on delete set null,
    product_name text not null,
    unit_price numeric(12, 2) not null check (unit_price >= 0),
    quantity integer not null check (quantity between 1 and 99),
    created_at timestamptz not null default now()
);

create index order_items_order_id on order_items (order_id);
