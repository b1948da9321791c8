#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    // Causes are part of each message rather than separate sources, so that
    // error chains do not print them twice.
    #[error("database: {0}")]
    Sqlite(rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(String),
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
    /// The input was refused; nothing was stored.
    #[error("{0}")]
    List(kansa_lists::ListError),
    #[error("stored entity {id} cannot be read: {message}")]
    Corrupt { id: String, message: String },
    #[error("no snapshot of {source_name} matches {spec:?} (use a snapshot number from `kansa lists ls`, a version, or a sha256 prefix)")]
    NoSnapshot { source_name: String, spec: String },
    #[error("{spec:?} matches several snapshots of {source_name}: {candidates}")]
    Ambiguous {
        source_name: String,
        spec: String,
        candidates: String,
    },
    #[error("no source named {0:?} (see `kansa lists ls`)")]
    NoSource(String),
    #[error("the database was written by a newer Kansa (schema {found}, this one knows {known})")]
    NewerSchema { found: i64, known: i64 },
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e)
    }
}

impl From<kansa_lists::ListError> for StoreError {
    fn from(e: kansa_lists::ListError) -> Self {
        StoreError::List(e)
    }
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        // The server's own message (with its detail) says more than the
        // client's summary.
        let msg = match e.as_db_error() {
            Some(db) => match db.detail() {
                Some(d) => format!("{}: {d}", db.message()),
                None => db.message().to_string(),
            },
            None => e.to_string(),
        };
        StoreError::Postgres(msg)
    }
}
