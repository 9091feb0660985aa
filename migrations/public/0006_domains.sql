-- Custom domains (issue 14): a store proves it controls a host name with a DNS TXT
-- record before the host serves it. Never edit an applied migration; add a new one.
--
-- status: 'pending' (claimed, the TXT record not seen yet), 'verified' (served), or
-- 'failed' (gave up after 72 hours, or another store verified the host first).
-- lost_at: a verified domain whose TXT record vanished on a re-check. It stays served
-- (a store is not taken offline because a DNS record was tidied away) and is flagged
-- in the admins until the record is back or the domain is removed.
alter table domains add column status text not null default 'verified'
    check (status in ('pending', 'verified', 'failed'));
alter table domains add column token text;
alter table domains add column attempts integer not null default 0 check (attempts >= 0);
alter table domains add column last_checked_at timestamptz;
alter table domains add column next_check_at timestamptz;
alter table domains add column verified_at timestamptz;
alter table domains add column lost_at timestamptz;
alter table domains add column failure_reason text;
-- When the claim (or its last retry) began: a claim gives up 72 hours after it.
alter table domains add column claimed_at timestamptz not null default now();

-- Every existing row was already served: it stays verified, with a token of its own for
-- the re-checks to come. The one-primary check runs at once rather than at commit: a
-- deferred check still queued would make the ALTERs below fail ("pending trigger
-- events") on any database that has stores.
set constraints domains_exactly_one_primary immediate;
update domains set token = replace(gen_random_uuid()::text, '-', ''), verified_at = created_at;
alter table domains alter column token set default replace(gen_random_uuid()::text, '-', '');
alter table domains alter column token set not null;
alter table domains add constraint domains_token_check check (token ~ '^[a-z0-9]{16,64}$');
-- The application always names the status (claims are inserted 'pending'); the default
-- stays 'verified' so that rows written by hand or by older tools (scripts/bench-scale's
-- registry rows) keep meaning what they meant: a host that serves its store.

-- Only a served host can be a store's primary one.
alter table domains add constraint domains_primary_verified check (not is_primary or status = 'verified');

-- A host serves at most one store, but a claim does not block others: several stores
-- may claim the same host (each with its own token); the first to verify wins.
alter table domains drop constraint domains_domain_key;
create unique index domains_domain_key on domains (domain) where status = 'verified';
alter table domains add constraint domains_claim_key unique (domain, tenant_id);

-- The verification job's queue: the claims and re-checks that are due.
create index domains_next_check on domains (next_check_at) where next_check_at is not null;

-- The verification job's bookkeeping (attempts, when it checked, when it checks next, why
-- a claim failed, whether a verified record went missing) changes nothing a host serves:
-- such updates stay silent, so running servers keep their host caches.
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
        if tg_op = 'UPDATE'
            and (to_jsonb(old) - array['attempts', 'last_checked_at', 'next_check_at',
                                       'failure_reason', 'lost_at', 'updated_at'])
              = (to_jsonb(new) - array['attempts', 'last_checked_at', 'next_check_at',
                                       'failure_reason', 'lost_at', 'updated_at']) then
            return null;
        end if;
        if tg_op in ('UPDATE', 'DELETE') then
            perform pg_notify('marketplace_tenancy', old.tenant_id::text || ' ' || old.domain);
        end if;
        if tg_op in ('INSERT', 'UPDATE') then
            perform pg_notify('marketplace_tenancy', new.tenant_id::text || ' ' || new.domain);
        end if;
    end if;
    return null;
end $$;
