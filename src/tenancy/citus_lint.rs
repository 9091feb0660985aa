//! A lint of `migrations/tenant/` for what Citus schema-based sharding refuses, so that
//! every store schema can become a distributed schema (`citus_schema_distribute`) and
//! move between nodes (`citus_schema_move`) the day one PostgreSQL is not enough
//! (docs/scale-out.md). django-tenants has no such check: its tenant apps may point
//! foreign keys at shared tables freely, which ties every schema to one server.
//!
//! The lint reads SQL with comments and string literals blanked out (so a word in a
//! comment or a CHECK's text never trips it) and reports each finding with its line.

use std::sync::LazyLock;

use regex::Regex;

/// One thing Citus would refuse, found at `line` (1-based) of a migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub line: usize,
    pub rule: &'static str,
}

/// The rules: a pattern over lowercased SQL and why Citus refuses what it matches.
static RULES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    let ident = r#"(?:"[^"]+"|[a-z_][a-z0-9_$]*)"#;
    let small_int = r"(?:integer|int|int4|smallint|int2)";
    [
        (
            format!(r"\breferences\s+{ident}\s*\."),
            "a foreign key to another schema: a distributed schema's tables may only \
             reference tables of the same schema",
        ),
        (
            format!(r"\bpublic\s*\.\s*{ident}"),
            "a name in `public`: store SQL names only its own schema's objects, which \
             move with it between nodes while `public` stays behind",
        ),
        (
            r"\binherits\s*\(".to_owned(),
            "table inheritance: Citus does not distribute inherited tables",
        ),
        (
            r"\bcreate\s+schema\b".to_owned(),
            "`create schema` (and its `create schema … create table` form): the store's \
             schema is made by provisioning, never by its migrations",
        ),
        (
            r"\b(?:small)?serial[24]?\b".to_owned(),
            "`serial` / `smallserial`: Citus needs bigint sequences (bigserial or bigint \
             identity) so that every node can draw ids without overlap",
        ),
        (
            format!(r"\b(?:create|alter)\s+sequence\b[^;]*\bas\s+{small_int}\b"),
            "a sequence narrower than bigint: Citus needs bigint sequences",
        ),
        (
            format!(r"\b{small_int}\s+generated\s+(?:always|by\s+default)\s+as\s+identity\b"),
            "an identity column narrower than bigint: Citus needs bigint identities",
        ),
        (
            r"\bcreate\s+foreign\s+table\b".to_owned(),
            "a foreign table: Citus does not put foreign tables in a distributed schema",
        ),
        (
            r"\bcreate\s+(?:or\s+replace\s+)?rule\b".to_owned(),
            "a rule: Citus does not support the rule system",
        ),
        (
            r"\bcreate\s+(?:or\s+replace\s+)?(?:constraint\s+)?trigger\b".to_owned(),
            "a trigger: Citus refuses triggers on distributed tables unless \
             citus.enable_unsafe_triggers is on (keep such logic in the core)",
        ),
        (
            r"\bcreate\s+extension\b".to_owned(),
            "an extension: extensions are per database; create them in a public \
             migration, on every node",
        ),
        (
            r"\bset\s+schema\b".to_owned(),
            "moving an object to another schema: it would leave the store's schema",
        ),
    ]
    .into_iter()
    .map(|(pattern, why)| (Regex::new(&pattern).expect("a valid lint pattern"), why))
    .collect()
});

/// What Citus schema-based sharding would refuse in one tenant migration's SQL.
pub(crate) fn lint(sql: &str) -> Vec<Finding> {
    let text = blank_comments_and_strings(sql).to_lowercase();
    let mut findings: Vec<Finding> = RULES
        .iter()
        .flat_map(|(pattern, rule)| {
            let text = &text;
            pattern.find_iter(text).map(move |m| Finding {
                line: text[..m.start()].matches('\n').count() + 1,
                rule,
            })
        })
        .collect();
    findings.sort_by_key(|f| f.line);
    findings
}

/// `sql` with the insides of comments and of quoted strings replaced by spaces, every
/// newline kept (so lines still count), quoted identifiers left as they are.
fn blank_comments_and_strings(sql: &str) -> String {
    #[derive(PartialEq)]
    enum In {
        Code,
        LineComment,
        BlockComment,
        Text,
    }
    let mut out = String::with_capacity(sql.len());
    let mut state = In::Code;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match state {
            In::Code => match (c, chars.peek()) {
                ('-', Some('-')) => state = In::LineComment,
                ('/', Some('*')) => state = In::BlockComment,
                ('\'', _) => state = In::Text,
                _ => {}
            },
            In::LineComment if c == '\n' => state = In::Code,
            In::BlockComment if c == '*' && chars.peek() == Some(&'/') => {
                chars.next();
                out.push_str("  ");
                state = In::Code;
                continue;
            }
            // `''` inside a string is a quote, not its end.
            In::Text if c == '\'' && chars.peek() == Some(&'\'') => {
                chars.next();
                out.push_str("  ");
                continue;
            }
            In::Text if c == '\'' => {
                out.push(c);
                state = In::Code;
                continue;
            }
            _ => {}
        }
        let keep = state == In::Code || c == '\n' || (state == In::Text && c == '\'');
        out.push(if keep { c } else { ' ' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(sql: &str) -> Vec<&'static str> {
        lint(sql).into_iter().map(|f| f.rule).collect()
    }

    /// Every tenant migration, as shipped, passes: the day the platform moves to Citus,
    /// no store schema needs rewriting first.
    #[test]
    fn tenant_migrations_are_citus_schema_sharding_compatible() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/tenant");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("migrations/tenant")
            .map(|entry| entry.expect("a directory entry").path())
            .filter(|path| path.extension().is_some_and(|e| e == "sql"))
            .collect();
        files.sort();
        assert!(files.len() >= 4, "found {files:?}");
        let mut problems = Vec::new();
        for file in &files {
            let sql = std::fs::read_to_string(file).expect("a readable migration");
            for finding in lint(&sql) {
                problems.push(format!(
                    "{}:{}: {}",
                    file.display(),
                    finding.line,
                    finding.rule
                ));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn what_citus_refuses_is_found_with_its_line() {
        let cross_schema =
            "create table carts (\n  id bigint,\n  tenant_id bigint references public.tenants (id)\n);";
        let found = lint(cross_schema);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].line, 3);
        assert!(
            found[0].rule.contains("another schema") || found[1].rule.contains("another schema")
        );
        assert_eq!(
            rules(r#"alter table a add foreign key (b) references "Other".x (id);"#).len(),
            1
        );
        assert_eq!(rules("select * from public.domains;").len(), 1);
        for bad in [
            "create table a (id serial primary key);",
            "create table a (id smallserial);",
            "create table a (id SERIAL4);",
            "create sequence n as integer;",
            "alter sequence n as smallint;",
            "create table a (id int generated always as identity);",
            "create table b () inherits (a);",
            "create schema other create table t (id bigint);",
            "create foreign table f (id bigint) server s;",
            "create rule r as on insert to a do nothing;",
            "create trigger t after insert on a for each row execute function f();",
            "create extension pgcrypto;",
            "alter table a set schema other;",
        ] {
            assert_eq!(rules(bad).len(), 1, "{bad}: {:?}", lint(bad));
        }
    }

    #[test]
    fn allowed_sql_and_words_in_comments_or_strings_pass() {
        for good in [
            "create table a (id bigserial primary key);",
            "create table a (id bigint generated always as identity primary key);",
            "create sequence order_number_seq as bigint start 1;",
            "create table l (order_id bigint not null references orders (id));",
            "create table a (status text check (status <> 'references public.x'));",
            "-- never `serial`, never inherits (x)\ncreate table a (id bigint);",
            "/* create schema x;\n public.tenants */ create index a_name on a (name);",
            "create table a (note text default 'it''s serial');",
            "create table a (quantity integer not null);",
        ] {
            assert!(lint(good).is_empty(), "{good}: {:?}", lint(good));
        }
    }
}
