-- Store themes (issue 15): a draft the owner edits, the published versions (the newest
-- is the live one; the last 10 are kept), which staff sessions preview the draft, and
-- the uploaded logo and favicon. A store with no row anywhere wears the default preset.
-- The theme documents are validated by the core before they are written; the checks
-- here are the last line of defence, not the rules.

create table theme_draft (
    -- A single row: the theme being edited.
    id boolean primary key default true check (id),
    settings jsonb not null check (jsonb_typeof(settings) = 'object'),
    updated_at timestamptz not null default now()
);

create table theme_versions (
    id bigint generated always as identity primary key,
    settings jsonb not null check (jsonb_typeof(settings) = 'object'),
    created_at timestamptz not null default now()
);

-- A staff session listed here sees the draft on the storefront; nobody else does.
create table theme_previews (
    session_id bigint primary key references sessions (id) on delete cascade,
    created_at timestamptz not null default now()
);

-- Uploaded images, named by kind and content hash (so a URL never changes meaning and
-- can be cached for a year).
create table theme_assets (
    name text primary key check (name ~ '^(logo|favicon)-[0-9a-f]{16}\.(png|jpg|webp|svg)$'),
    content_type text not null
        check (content_type in ('image/png', 'image/jpeg', 'image/webp', 'image/svg+xml')),
    bytes bytea not null check (octet_length(bytes) between 1 and 524288),
    created_at timestamptz not null default now()
);
