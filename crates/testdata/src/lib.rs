//! Where tests find the shared reference data: `../shared/data` beside the
//! repository. Tests read it there; it is never copied in.

use std::path::PathBuf;

/// `../shared/data/<rel>`, or `None` (and a note on stderr, so the test
/// can skip) when it is absent.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipped: {} is absent", p.display());
        None
    }
}

/// The PostgreSQL server tests use: `$KANSA_TEST_PG` (a connection string),
/// else the local server on 127.0.0.1:5432, database `test`.
pub fn pg_server() -> String {
    std::env::var("KANSA_TEST_PG")
        .unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres dbname=test".into())
}

/// A fresh, empty schema on [`pg_server`] for one test, and the connection
/// string that works in it (its `search_path`). Panics when the server
/// cannot be reached: the tests that call this need it.
pub fn pg_schema(name: &str) -> String {
    let server = pg_server();
    let mut c = postgres::Client::connect(&server, postgres::NoTls)
        .unwrap_or_else(|e| panic!("PostgreSQL at {server:?} is needed for this test: {e}"));
    let schema = format!(
        "kansa_{}_{}_{}",
        name,
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() % 1_000_000_000)
            .unwrap_or(0)
    );
    // Schemas left by test processes that have ended go first, so that the
    // test database does not fill up run after run.
    if let Ok(rows) = c.query(
        "SELECT schema_name::text FROM information_schema.schemata WHERE schema_name LIKE 'kansa\\_%'",
        &[],
    ) {
        for r in rows {
            let old: String = r.get(0);
            let mut parts = old.rsplitn(3, '_');
            let (Some(_), Some(pid)) = (parts.next(), parts.next()) else {
                continue;
            };
            let Ok(pid) = pid.parse::<u32>() else { continue };
            if pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {old} CASCADE"));
            }
        }
    }
    c.batch_execute(&format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};"
    ))
    .unwrap_or_else(|e| panic!("cannot create schema {schema}: {e}"));
    format!("{server} options='-c search_path={schema}'")
}
