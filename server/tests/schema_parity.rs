//! The SQLite and PostgreSQL migrations (`server/migrations/{sqlite,postgres}`) write one
//! schema twice; this test keeps the two in step, table by table, column by column.
//!
//! Each schema is reduced to a set of facts ("column renewals.cert_der bytes not null",
//! "index renewals_status on renewals (status, created_at)", …) and the two sets must be
//! equal; a failure lists the facts found on one side only.
//!
//! - Always: both folders hold the same migration versions, and the SQLite database
//!   migrated in a temporary file has the tables, columns (name, type family,
//!   nullability) and primary keys that the PostgreSQL migration files declare (read
//!   from their `CREATE TABLE` and `ALTER TABLE` statements).
//! - On the PostgreSQL pass (`CERTRENEW_TEST_POSTGRES` set, as `scripts/test.sh` does the
//!   second time), both databases are really migrated and their catalogs compared:
//!   tables, columns, primary keys, unique constraints, indexes (column by column, in
//!   order) and foreign keys.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use sqlx::{Connection, Executor, PgConnection, Row, SqliteConnection};

/// What a schema says, one fact a line.
type Facts = BTreeSet<String>;

fn migrations(dialect: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dialect)
}

/// The migrations as they are on disk now (`sqlx::migrate!` would embed them at build
/// time, and nothing rebuilds the test when only a `.sql` file changed).
async fn migrator(dialect: &str) -> sqlx::migrate::Migrator {
    sqlx::migrate::Migrator::new(migrations(dialect))
        .await
        .expect("the migrations folder is readable")
}

/// The SQL files of a migrations folder, sorted.
fn migration_files(dialect: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(migrations(dialect))
        .expect("the migrations folder is readable")
        .map(|e| {
            e.expect("a folder entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".sql"))
        .collect();
    names.sort();
    names
}

/// The family a declared type belongs to: SQLite's `INTEGER` and PostgreSQL's `bigint`
/// store the same values, `BLOB` and `bytea` too.
fn family(declared: &str) -> String {
    let t = declared.to_ascii_uppercase();
    let family = if t.contains("INT") || t.contains("SERIAL") {
        "integer"
    } else if t.contains("CHAR") || t.contains("TEXT") || t.contains("CLOB") {
        "text"
    } else if t.contains("BLOB") || t.contains("BYTEA") {
        "bytes"
    } else if t.contains("BOOL") {
        "boolean"
    } else if ["REAL", "FLOA", "DOUB", "NUMERIC", "DECIMAL"]
        .iter()
        .any(|f| t.contains(f))
    {
        "real"
    } else {
        return format!("unknown type {declared:?}");
    };
    family.to_owned()
}

fn column_fact(table: &str, column: &str, declared: &str, not_null: bool) -> String {
    let null = if not_null { "not null" } else { "null" };
    format!("column {table}.{column} {} {null}", family(declared))
}

fn list(columns: &[String]) -> String {
    columns.join(", ")
}

/// Whether a fact is one the migration files' text can tell (no indexes, no keys to
/// other tables: those are compared on the PostgreSQL pass).
fn declared_in_text(fact: &str) -> bool {
    ["table ", "column ", "primary key "]
        .iter()
        .any(|p| fact.starts_with(p))
}

/// Fails with the facts each side alone has.
fn assert_same(left_name: &str, left: &Facts, right_name: &str, right: &Facts) {
    let only_left: Vec<&String> = left.difference(right).collect();
    let only_right: Vec<&String> = right.difference(left).collect();
    if only_left.is_empty() && only_right.is_empty() {
        return;
    }
    let mut report = String::from("the two schemas differ\n");
    for (name, facts) in [(left_name, &only_left), (right_name, &only_right)] {
        report.push_str(&format!("  only in {name} ({}):\n", facts.len()));
        for f in facts.iter() {
            report.push_str(&format!("    {f}\n"));
        }
    }
    report.push_str(
        "write the change in both server/migrations/sqlite and server/migrations/postgres",
    );
    panic!("{report}");
}

// --- SQLite, migrated ------------------------------------------------------------------

async fn sqlite_schema(conn: &mut SqliteConnection) -> Facts {
    let mut facts = Facts::new();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("SQLite lists its tables");
    for table in &tables {
        facts.insert(format!("table {table}"));
        let columns = sqlx::query(
            "SELECT name, type, \"notnull\" AS not_null, pk FROM pragma_table_info($1)",
        )
        .bind(table)
        .fetch_all(&mut *conn)
        .await
        .expect("SQLite describes the table");
        let mut primary: Vec<(i64, String)> = Vec::new();
        for c in &columns {
            let name: String = c.get("name");
            let pk: i64 = c.get("pk");
            let not_null: i64 = c.get("not_null");
            // A primary key column is never NULL in PostgreSQL; say so for SQLite too.
            facts.insert(column_fact(
                table,
                &name,
                &c.get::<String, _>("type"),
                not_null != 0 || pk > 0,
            ));
            if pk > 0 {
                primary.push((pk, name));
            }
        }
        primary.sort();
        let primary: Vec<String> = primary.into_iter().map(|(_, n)| n).collect();
        if !primary.is_empty() {
            facts.insert(format!("primary key {table} ({})", list(&primary)));
        }

        let indexes = sqlx::query(
            "SELECT name, \"unique\" AS is_unique, origin, partial FROM pragma_index_list($1)",
        )
        .bind(table)
        .fetch_all(&mut *conn)
        .await
        .expect("SQLite lists the table's indexes");
        for i in &indexes {
            let name: String = i.get("name");
            let origin: String = i.get("origin");
            if origin == "pk" {
                continue;
            }
            let columns: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&name)
                    .fetch_all(&mut *conn)
                    .await
                    .expect("SQLite describes the index");
            let unique = i.get::<i64, _>("is_unique") != 0;
            let partial = i.get::<i64, _>("partial") != 0;
            facts.insert(index_fact(
                table,
                &name,
                &columns,
                unique,
                origin == "u",
                partial,
            ));
        }

        let keys = sqlx::query("SELECT id, seq, \"table\" AS ref, \"from\" AS col, \"to\" AS ref_col FROM pragma_foreign_key_list($1) ORDER BY id, seq")
            .bind(table)
            .fetch_all(&mut *conn)
            .await
            .expect("SQLite lists the table's foreign keys");
        let mut by_id: std::collections::BTreeMap<i64, (String, Vec<String>, Vec<String>)> =
            Default::default();
        for k in &keys {
            let entry = by_id
                .entry(k.get("id"))
                .or_insert_with(|| (k.get("ref"), Vec::new(), Vec::new()));
            entry.1.push(k.get("col"));
            entry
                .2
                .push(k.get::<Option<String>, _>("ref_col").unwrap_or_default());
        }
        for (ref_table, cols, ref_cols) in by_id.into_values() {
            facts.insert(format!(
                "foreign key {table} ({}) references {ref_table} ({})",
                list(&cols),
                list(&ref_cols)
            ));
        }
    }
    facts
}

/// An index: a UNIQUE constraint's index is named by each database in its own way, so
/// it is told by its columns; an index made by `CREATE INDEX` by its name.
fn index_fact(
    table: &str,
    name: &str,
    columns: &[String],
    unique: bool,
    from_constraint: bool,
    partial: bool,
) -> String {
    let partial = if partial { " (partial)" } else { "" };
    if from_constraint {
        format!("unique constraint on {table} ({}){partial}", list(columns))
    } else {
        let kind = if unique { "unique index" } else { "index" };
        format!("{kind} {name} on {table} ({}){partial}", list(columns))
    }
}

async fn migrated_sqlite(dir: &Path) -> SqliteConnection {
    let url = format!("sqlite://{}?mode=rwc", dir.join("parity.db").display());
    let mut conn = SqliteConnection::connect(&url)
        .await
        .expect("SQLite opens a temporary file");
    migrator("sqlite")
        .await
        .run(&mut conn)
        .await
        .expect("the SQLite migrations apply");
    conn
}

// --- PostgreSQL, from the migration files' text -----------------------------------------

/// Statements of the PostgreSQL migrations, comments removed, in order.
fn postgres_statements() -> Vec<String> {
    let mut statements = Vec::new();
    for file in migration_files("postgres") {
        let text = std::fs::read_to_string(migrations("postgres").join(&file))
            .expect("a migration file is readable");
        let code: String = text
            .lines()
            .map(|l| l.split("--").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        statements.extend(
            code.split(';')
                .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|s| !s.is_empty()),
        );
    }
    statements
}

/// Splits at the commas that are not inside parentheses.
fn top_level_items(body: &str) -> Vec<String> {
    let (mut items, mut depth, mut current) = (Vec::new(), 0i32, String::new());
    for ch in body.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                items.push(current.trim().to_owned());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(ch);
    }
    if !current.trim().is_empty() {
        items.push(current.trim().to_owned());
    }
    items
}

fn names_in_parens(s: &str) -> Vec<String> {
    let inner = s
        .split_once('(')
        .and_then(|(_, r)| r.split_once(')'))
        .map_or("", |(i, _)| i);
    inner.split(',').map(|c| c.trim().to_lowercase()).collect()
}

/// The tables, columns and primary keys the PostgreSQL migration files declare.
fn postgres_declared() -> Facts {
    // table -> (column -> (type, not null)), primary key
    type Columns = Vec<(String, String, bool)>;
    let mut tables: std::collections::BTreeMap<String, (Columns, Vec<String>)> = Default::default();
    for stmt in postgres_statements() {
        let upper = stmt.to_ascii_uppercase();
        if let Some(rest) = upper.strip_prefix("CREATE TABLE ") {
            let rest = rest.strip_prefix("IF NOT EXISTS ").unwrap_or(rest);
            let name = rest
                .split(|c: char| c == '(' || c.is_whitespace())
                .next()
                .unwrap_or("")
                .to_lowercase();
            let open = stmt.find('(').expect("CREATE TABLE has a body");
            let close = stmt.rfind(')').expect("CREATE TABLE's body closes");
            let mut columns = Columns::new();
            let mut primary = Vec::new();
            for item in top_level_items(&stmt[open + 1..close]) {
                let head = item.to_ascii_uppercase();
                if head.starts_with("PRIMARY KEY") {
                    primary = names_in_parens(&item);
                } else if ["UNIQUE", "FOREIGN KEY", "CONSTRAINT", "CHECK", "EXCLUDE"]
                    .iter()
                    .any(|k| head.starts_with(k))
                {
                } else {
                    let mut words = item.split_whitespace();
                    let column = words.next().unwrap_or("").to_lowercase();
                    let declared = words.next().unwrap_or("").to_owned();
                    let is_primary = head.contains("PRIMARY KEY");
                    if is_primary {
                        primary = vec![column.clone()];
                    }
                    columns.push((column, declared, is_primary || head.contains("NOT NULL")));
                }
            }
            tables.insert(name, (columns, primary));
        } else if let Some(rest) = upper.strip_prefix("ALTER TABLE ") {
            let words: Vec<&str> = stmt.split_whitespace().collect();
            let upper_words: Vec<&str> = rest.split_whitespace().collect();
            let table = words[2].to_lowercase();
            match upper_words.get(1..3) {
                Some(["ADD", "COLUMN"]) => {
                    let column = words[5].to_lowercase();
                    let declared = words[6].to_owned();
                    let entry = tables
                        .get_mut(&table)
                        .unwrap_or_else(|| panic!("ALTER TABLE of unknown table {table}"));
                    entry.0.push((column, declared, upper.contains("NOT NULL")));
                }
                Some(["DROP", "COLUMN"]) => {
                    let column = words[5].to_lowercase();
                    if let Some(entry) = tables.get_mut(&table) {
                        entry.0.retain(|(c, _, _)| *c != column);
                    }
                }
                _ => panic!(
                    "this test does not read `{stmt}` yet: teach postgres_declared() the statement"
                ),
            }
        } else if let Some(rest) = upper.strip_prefix("DROP TABLE ") {
            let rest = rest.strip_prefix("IF EXISTS ").unwrap_or(rest);
            tables.remove(&rest.trim().to_lowercase());
        }
    }
    let mut facts = Facts::new();
    for (table, (columns, primary)) in tables {
        facts.insert(format!("table {table}"));
        for (column, declared, not_null) in columns {
            facts.insert(column_fact(&table, &column, &declared, not_null));
        }
        if !primary.is_empty() {
            facts.insert(format!("primary key {table} ({})", list(&primary)));
        }
    }
    facts
}

// --- PostgreSQL, migrated ----------------------------------------------------------------

async fn postgres_schema(conn: &mut PgConnection) -> Facts {
    let mut facts = Facts::new();
    let columns = sqlx::query(
        "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name, c.data_type::text AS data_type, c.is_nullable::text AS is_nullable \
         FROM information_schema.columns c JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("PostgreSQL lists its columns");
    for c in &columns {
        let table: String = c.get("table_name");
        facts.insert(format!("table {table}"));
        facts.insert(column_fact(
            &table,
            &c.get::<String, _>("column_name"),
            &c.get::<String, _>("data_type"),
            c.get::<String, _>("is_nullable") == "NO",
        ));
    }
    let indexes = sqlx::query(
        "SELECT t.relname::text AS table_name, i.relname::text AS index_name, ix.indisunique AS is_unique, ix.indisprimary AS is_primary, \
                ix.indpred IS NOT NULL AS partial, \
                EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = ix.indexrelid) AS from_constraint, \
                ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
                      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord) AS columns \
         FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = current_schema() AND t.relname <> '_sqlx_migrations'",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("PostgreSQL lists its indexes");
    for i in &indexes {
        let table: String = i.get("table_name");
        let columns: Vec<String> = i.get("columns");
        if i.get::<bool, _>("is_primary") {
            facts.insert(format!("primary key {table} ({})", list(&columns)));
        } else {
            facts.insert(index_fact(
                &table,
                &i.get::<String, _>("index_name"),
                &columns,
                i.get("is_unique"),
                i.get("from_constraint"),
                i.get("partial"),
            ));
        }
    }
    let keys = sqlx::query(
        "SELECT c.conrelid::regclass::text AS table_name, c.confrelid::regclass::text AS ref_table, \
                ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) \
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS cols, \
                ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord) \
                      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord) AS ref_cols \
         FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace \
         WHERE c.contype = 'f' AND n.nspname = current_schema()",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("PostgreSQL lists its foreign keys");
    for k in &keys {
        facts.insert(format!(
            "foreign key {} ({}) references {} ({})",
            k.get::<String, _>("table_name"),
            list(&k.get::<Vec<String>, _>("cols")),
            k.get::<String, _>("ref_table"),
            list(&k.get::<Vec<String>, _>("ref_cols")),
        ));
    }
    facts
}

/// A PostgreSQL database of its own, dropped at the end.
struct PgDatabase {
    admin_url: String,
    name: String,
}

impl PgDatabase {
    async fn create(admin_url: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("the clock is after 1970")
            .subsec_nanos();
        let name = format!("certrenew_parity_{}_{nanos}", std::process::id());
        let mut admin = PgConnection::connect(admin_url)
            .await
            .expect("CERTRENEW_TEST_POSTGRES accepts connections");
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("the test role may create databases");
        Self {
            admin_url: admin_url.to_owned(),
            name,
        }
    }

    fn url(&self) -> String {
        let base = self.admin_url.trim_end_matches('/');
        let (base, query) = base.split_once('?').map_or((base, ""), |(b, q)| (b, q));
        let host_start = base.find("://").map_or(0, |s| s + 3);
        let cut = base[host_start..]
            .find('/')
            .map_or(base.len(), |i| host_start + i);
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        format!("{}/{}{query}", &base[..cut], self.name)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .arg(&self.admin_url)
            .args([
                "-qc",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .output();
    }
}

// --- the tests ------------------------------------------------------------------------

#[test]
fn both_dialects_have_the_same_migrations() {
    let sqlite = migration_files("sqlite");
    let postgres = migration_files("postgres");
    assert!(!sqlite.is_empty(), "no SQLite migrations found");
    assert_eq!(
        sqlite, postgres,
        "server/migrations/sqlite and server/migrations/postgres must hold the same migration files (same version, same name)"
    );
}

#[tokio::test]
async fn sqlite_matches_the_postgres_migration_files() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut conn = migrated_sqlite(dir.path()).await;
    let sqlite: Facts = sqlite_schema(&mut conn)
        .await
        .into_iter()
        .filter(|f| declared_in_text(f))
        .collect();
    assert!(
        sqlite.contains("column renewals.business_no text not null"),
        "the SQLite schema was not read: {sqlite:#?}"
    );
    assert_same(
        "SQLite (migrated)",
        &sqlite,
        "PostgreSQL (migration files)",
        &postgres_declared(),
    );
}

/// Runs only on the PostgreSQL pass (`CERTRENEW_TEST_POSTGRES` set): both databases
/// migrated, every table, column, key and index compared.
#[tokio::test]
async fn both_migrated_schemas_match() {
    let Some(admin_url) = std::env::var("CERTRENEW_TEST_POSTGRES")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        eprintln!(
            "CERTRENEW_TEST_POSTGRES is not set: the migrated schemas are compared on the PostgreSQL pass"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut sqlite_conn = migrated_sqlite(dir.path()).await;
    let sqlite = sqlite_schema(&mut sqlite_conn).await;

    let db = PgDatabase::create(&admin_url).await;
    let mut pg = PgConnection::connect(&db.url())
        .await
        .expect("the new database accepts connections");
    migrator("postgres")
        .await
        .run(&mut pg)
        .await
        .expect("the PostgreSQL migrations apply");
    let postgres = postgres_schema(&mut pg).await;
    pg.close().await.ok();

    assert!(
        postgres.iter().any(|f| f.starts_with("index ")),
        "no index read from PostgreSQL: {postgres:#?}"
    );
    assert_same("SQLite", &sqlite, "PostgreSQL", &postgres);
}
