#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The input was refused; nothing was stored.
    #[error("{0}")]
    List(#[from] kansa_lists::ListError),
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
