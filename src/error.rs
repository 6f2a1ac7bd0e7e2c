//! Fatal errors: conditions that stop a run. Findings about the input are [`crate::diag`].

use std::io;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading an input failed; `what` names the file or entry.
    #[error("{what}: {source}")]
    Io { what: String, source: io::Error },
    /// The spec or contract JSON is malformed or has unknown fields.
    #[error("{file}: {message}")]
    Json { file: String, message: String },
    /// A container (zip, ISO) is malformed or hostile.
    #[error("{file}: {message}")]
    Archive { file: String, message: String },
    /// An input goes over one of the [`crate::limits::Limits`]; `flag` is the command-line
    /// option that raises it, named at the end of the text (a page names its own field).
    #[error("{file}: {message} (raise it with {flag})")]
    Limit {
        file: String,
        flag: &'static str,
        message: String,
    },
    /// An option value is invalid.
    #[error("invalid option {option}: {message}")]
    Option {
        option: &'static str,
        message: String,
    },
    /// Validation found errors; nothing was written.
    #[error("rejected: {errors} error(s) found; nothing was written")]
    Rejected { errors: usize },
}

impl Error {
    pub fn io(what: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            what: what.into(),
            source,
        }
    }
    pub fn archive(file: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Archive {
            file: file.into(),
            message: message.into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
