-- Ten thousand stores (issue 10).
--
-- Each store's applied tenant migration version, read by migrate-schemas in one query so
-- an up-to-date store costs nothing. Set in the same transaction as the store's own
-- ledger (<store>.schema_migrations), which stays the source of truth: a store whose
-- version here is behind (or unknown, null) is migrated through its ledger.
alter table tenants add column schema_version bigint;

-- Registry changes now say what changed, so running servers forget only the hosts
-- concerned instead of their whole host cache: '<tenant id>' for a store's row,
-- '<tenant id> <domain>' for a domain row (a domain change can move a store's primary
-- domain, which every cached host of that store carries). A truncate says 'all'.
-- Bumping a store's schema_version changes nothing a host serves and stays silent.
create or replace function tenancy_notify() returns trigger
language plpgsql as $$
begin
    if tg_op = 'TRUNCATE' then
        perform pg_notify('marketplace_tenancy', 'all');
    elsif tg_table_name = 'tenants' then
        if tg_op = 'UPDATE'
            and (to_jsonb(old) - 'schema_version' - 'updated_at')
              = (to_jsonb(new) - 'schema_version' - 'updated_at') then
            return null;
        end if;
        perform pg_notify('marketplace_tenancy', (case when tg_op = 'DELETE' then old.id else new.id end)::text);
    else
        if tg_op in ('UPDATE', 'DELETE') then
            perform pg_notify('marketplace_tenancy', old.tenant_id::text || ' ' || old.domain);
        end if;
        if tg_op in ('INSERT', 'UPDATE') then
            perform pg_notify('marketplace_tenancy', new.tenant_id::text || ' ' || new.domain);
        end if;
    end if;
    return null;
end $$;

drop trigger tenants_notify on tenants;
drop trigger domains_notify on domains;
create trigger tenants_notify after insert or update or delete on tenants
    for each row execute function tenancy_notify();
create trigger domains_notify after insert or update or delete on domains
    for each row execute function tenancy_notify();
create trigger tenants_notify_truncate after truncate on tenants
    for each statement execute function tenancy_notify();
create trigger domains_notify_truncate after truncate on domains
    for each statement execute function tenancy_notify();
