//! Opens what the user named on the command line as core inputs. Only names, never paths,
//! reach the core, so `./x`, `/abs/x` and another working directory give the same output.

use anyhow::{bail, Context, Result};
use guestpack::limits::Limits;
use guestpack::native::{read_dir_tree_limited, NativeFile};
use guestpack::source::vtree::VTree;
use std::path::Path;
use std::sync::Arc;

/// A directory, or a zip archive or ISO image recognized by content ([`guestpack::input::open`]).
pub fn open_tree(path: &Path, what: &str, limits: &Limits) -> Result<VTree> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("{what} {}: cannot open", path.display()))?;
    if meta.is_dir() {
        return Ok(read_dir_tree_limited(path, limits)?);
    }
    let file = NativeFile::open(path)
        .with_context(|| format!("{what} {}: cannot open", path.display()))?;
    guestpack::input::open(Arc::new(file), &file_name(path), limits)
        .with_context(|| format!("{what} {}", path.display()))
}

/// How far up from the guest-tools folder the contract is looked for (the reference's depth).
const CONTRACT_LOOKUP_LEVELS: usize = 16;

/// The reference packager's contract lookup, for when none is named: the first
/// `docs/windows-device-contract.json` in the guest-tools folder or one of the folders above
/// it. Shown relative to the working directory when it is below it.
pub fn find_contract(guest_tools: &Path) -> Option<std::path::PathBuf> {
    let start = std::path::absolute(guest_tools).ok()?;
    let found = start
        .ancestors()
        .take(CONTRACT_LOOKUP_LEVELS)
        .map(|d| d.join("docs").join("windows-device-contract.json"))
        .find(|c| c.is_file())?;
    let cwd = std::env::current_dir().ok();
    Some(
        cwd.and_then(|cwd| found.strip_prefix(&cwd).ok().map(Path::to_path_buf))
            .unwrap_or(found),
    )
}

/// Reads a small JSON input whole (spec, contract). Refuses absurd sizes before reading.
pub fn read_small(path: &Path, what: &str) -> Result<Vec<u8>> {
    const MAX: u64 = 16 * 1024 * 1024;
    let meta = std::fs::metadata(path)
        .with_context(|| format!("{what} {}: cannot open", path.display()))?;
    if meta.len() > MAX {
        bail!(
            "{what} {}: {} bytes is too large for a JSON file (limit {MAX})",
            path.display(),
            meta.len()
        );
    }
    std::fs::read(path).with_context(|| format!("{what} {}: cannot read", path.display()))
}

/// The spec named by `--spec`: a file, or a shipped spec by name when no such file exists.
pub fn spec(arg: Option<&Path>) -> Result<(String, Vec<u8>)> {
    let arg = arg.unwrap_or(Path::new(guestpack::bundled::embedded::DEFAULT_SPEC));
    if arg.exists() {
        return Ok((file_name(arg), read_small(arg, "spec")?));
    }
    let name = arg.to_string_lossy();
    match guestpack::bundled::embedded::spec_file(&name) {
        Some(bytes) => Ok((name.into_owned(), bytes.to_vec())),
        None => bail!(
            "spec {}: no such file, and not a shipped spec name (shipped: {})",
            arg.display(),
            guestpack::bundled::embedded::spec_names().join(", ")
        ),
    }
}

pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
