-- The platform admin's store search at 10,000 stores: a case-insensitive prefix of a
-- store's name, of its schema or of one of its domains (src/tenancy/directory.rs).
-- text_pattern_ops lets `like 'prefix%'` use the index whatever the database's collation;
-- pg_trgm would allow infix search but is not available on every PostgreSQL.
-- Never edit an applied migration; add a new one.

create index tenants_name_search on tenants (lower(name) text_pattern_ops);
create index tenants_schema_name_search on tenants (schema_name text_pattern_ops);
create index domains_domain_search on domains (domain text_pattern_ops);
