//! Refusals that apply anywhere in both inputs, hidden or not, whatever the spec allows:
//! private key material and the entries the input adapter already refused (symlinks, non-UTF-8
//! names, unsafe archive paths).
//!
//! Packaging code separately keeps refused files off the media; this module only reports them,
//! once each, at their input-relative path.

use crate::diag::Finding;
use crate::source::vtree::{RejectKind, VTree};
use crate::validate::policy;

/// Findings for every refused entry of `tree`; `input` names the input in messages
/// ("driver input", "guest-tools input").
pub fn scan(tree: &VTree, input: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    for (path, _) in tree.files() {
        if policy::is_private_key(path) {
            out.push(
                Finding::error("POL001", format!("private key material \"{path}\" in the {input} is never packaged"))
                    .at(path)
                    .help("remove the file from the input; signing keys must not be distributed (allowlists cannot re-include it)"),
            );
        }
    }
    for r in tree.rejected() {
        let (code, msg, help) = match &r.kind {
            RejectKind::Symlink => (
                "POL002",
                "is a symbolic link",
                "replace the link with the file it points to",
            ),
            RejectKind::NonUtf8Name => (
                "POL003",
                "has a name that is not valid UTF-8",
                "rename it using UTF-8 characters",
            ),
            RejectKind::UnsafePath => (
                "POL004",
                "has an unsafe archive path (absolute, drive letter or '..')",
                "re-create the archive with relative paths",
            ),
            RejectKind::Other(why) => {
                out.push(
                    Finding::error(
                        "POL005",
                        format!("\"{}\" in the {input} was refused: {why}", r.path),
                    )
                    .at(r.path.clone())
                    .help("replace it with a regular file or remove it"),
                );
                continue;
            }
        };
        out.push(
            Finding::error(code, format!("\"{}\" in the {input} {msg}", r.path))
                .at(r.path.clone())
                .help(help),
        );
    }
    out
}
