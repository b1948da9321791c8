use std::fmt;

/// Where in a file an error was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// 1-based line number.
    Line(u64),
    /// 1-based record (row, element, JSON line) number.
    Record(u64),
    /// 0-based byte offset.
    Byte(u64),
    /// A spreadsheet cell, `sheet` is the sheet's index in the error's text.
    Cell { row: u32, col: u32 },
    /// The file as a whole.
    File,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::Record(n) => write!(f, "record {n}"),
            Location::Byte(n) => write!(f, "byte {n}"),
            Location::Cell { row, col } => write!(f, "row {row}, column {col}"),
            Location::File => write!(f, "file"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// The input does not follow its format.
    #[error("{file}: {location}: {message}")]
    Invalid {
        file: String,
        location: Location,
        message: String,
    },
    /// Reading failed.
    /// (The I/O error is part of the message, not a separate source, so
    /// that error chains do not print it twice.)
    #[error("{file}: {error}")]
    Io { file: String, error: std::io::Error },
    /// The consumer of the entities refused one (e.g. the store failed).
    #[error("{0}")]
    Sink(String),
}

impl ListError {
    pub fn invalid(file: &str, location: Location, message: impl Into<String>) -> Self {
        ListError::Invalid {
            file: file.to_string(),
            location,
            message: message.into(),
        }
    }

    pub fn io(file: &str, source: std::io::Error) -> Self {
        ListError::Io {
            file: file.to_string(),
            error: source,
        }
    }
}
