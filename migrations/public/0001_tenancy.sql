-- The shared registry of stores (django-tenants' SHARED_APPS: the Tenant and Domain models).
-- Runs with search_path = public. Never edit an applied migration; add a new one.

create table tenants (
    id bigint generated always as identity primary key,
    name text not null check (length(btrim(name)) between 1 and 100),
    schema_name text not null,
    owner_email text not null check (length(owner_email) between 3 and 254),
    status text not null default 'active' check (status in ('active', 'suspended')),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint tenants_schema_name_key unique (schema_name),
    -- The same rules as SchemaName::parse: the last line of defence for the one value
    -- that becomes an SQL identifier.
    constraint tenants_schema_name_check check (
        schema_name ~ '^[a-z_][a-z0-9_]{0,62}$'
        and schema_name <> 'public'
        and schema_name <> 'information_schema'
        and schema_name !~ '^pg_'
    )
);

create table domains (
    id bigint generated always as identity primary key,
    domain text not null,
    tenant_id bigint not null references tenants (id) on delete cascade,
    is_primary boolean not null default false,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint domains_domain_key unique (domain),
    constraint domains_domain_check check (
        domain = lower(domain) and domain ~ '^[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})*$' and length(domain) <= 253
    )
);

-- At most one primary domain per store...
create unique index domains_one_primary on domains (tenant_id) where is_primary;
create index domains_tenant_id on domains (tenant_id);

-- ...and at least one, checked at commit so that a primary can be moved inside a transaction.
create function domains_check_primary() returns trigger
language plpgsql as $$
declare
    affected bigint := coalesce(new.tenant_id, old.tenant_id);
    primaries int;
begin
    if not exists (select 1 from public.tenants where id = affected) then
        return null; -- the store itself is being deleted
    end if;
    select count(*) into primaries from public.domains where tenant_id = affected and is_primary;
    if primaries <> 1 then
        raise exception 'store % must have exactly one primary domain (has %)', affected, primaries
            using errcode = '23514', constraint = 'domains_exactly_one_primary';
    end if;
    return null;
end $$;

create constraint trigger domains_exactly_one_primary
    after insert or update or delete on domains
    deferrable initially deferred
    for each row execute function domains_check_primary();

-- Every change to the registry tells running servers to drop their host cache.
create function tenancy_notify() returns trigger
language plpgsql as $$
begin
    perform pg_notify('marketplace_tenancy', tg_table_name);
    return null;
end $$;

create trigger tenants_notify after insert or update or delete or truncate on tenants
    for each statement execute function tenancy_notify();
create trigger domains_notify after insert or update or delete or truncate on domains
    for each statement execute function tenancy_notify();

-- Platform staff: the people who manage stores from the public host's admin.
create table platform_users (
    id bigint generated always as identity primary key,
    username text not null check (username ~ '^[A-Za-z0-9_.@+-]{1,150}$'),
    email text not null,
    password_hash text not null,
    is_active boolean not null default true,
    last_login timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint platform_users_username_key unique (username)
);
