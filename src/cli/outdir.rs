//! The output directory: created if missing, locked for one run at a time, and cleared of the
//! temporaries an uncatchable end (SIGKILL, OOM, power cut) left there.
//!
//! The lock is an advisory `flock` on the directory itself (a lock file beside the outputs
//! elsewhere than Unix), held from before the first temporary until after the last rename, so
//! the three outputs in a directory always come from one run. A second run waits for it, or
//! fails at once under `--no-wait`. The kernel drops the lock when its holder dies, however it
//! dies, so a killed run never blocks the next.

use crate::interrupt;
use anyhow::{bail, Context, Result};
use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};

/// Held while a run writes into the directory; unlocks when dropped.
pub struct DirLock {
    _file: File,
}

/// Creates `dir` if missing (registering what it created for removal if the run is stopped)
/// and locks it, waiting for another run's lock unless `wait` is false.
/// The waiting message and the stale-temporary note are printed even under `--quiet`: one
/// explains a pause, the other a deletion in the user's directory.
pub fn lock(dir: &Path, wait: bool) -> Result<DirLock> {
    loop {
        let created = create_missing(dir)?;
        let file = open_lock(dir)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) if wait => {
                eprintln!(
                    "guestpack: waiting for another run writing to {} to finish (--no-wait fails instead)",
                    dir.display()
                );
                file.lock()
                    .with_context(|| format!("{}: cannot lock", dir.display()))?;
            }
            Err(TryLockError::WouldBlock) => bail!(
                "{}: another guestpack run is writing there; run again once it has finished, or choose another --out-dir",
                dir.display()
            ),
            Err(TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("{}: cannot lock", dir.display()))
            }
        }
        // A run that created the directory and failed removes it again: if that happened while
        // this one waited, the lock is on a directory that is gone. Start over.
        if same_directory(&file, dir) {
            interrupt::created_dirs(&created);
            return Ok(DirLock { _file: file });
        }
    }
}

/// The directories of `dir`'s path that do not exist yet, outermost first, after creating them.
fn create_missing(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut p = Some(dir);
    while let Some(d) = p.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        missing.push(d.to_path_buf());
        p = d.parent();
    }
    missing.reverse();
    fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create output directory", dir.display()))?;
    Ok(missing)
}

#[cfg(unix)]
fn open_lock(dir: &Path) -> Result<File> {
    File::open(dir).with_context(|| format!("{}: cannot open to lock", dir.display()))
}

#[cfg(unix)]
fn same_directory(file: &File, dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(dir)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
const LOCK_FILE: &str = ".guestpack.lock";

#[cfg(not(unix))]
fn open_lock(dir: &Path) -> Result<File> {
    let path = dir.join(LOCK_FILE);
    fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("{}: cannot open to lock", path.display()))
}

#[cfg(not(unix))]
fn same_directory(_file: &File, dir: &Path) -> bool {
    dir.join(LOCK_FILE).exists()
}

/// The temporary an output is written to before it is renamed into place.
pub fn temporary(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.tmp-{}", std::process::id()))
}

/// Removes temporaries of `names` left in `dir` by runs that ended without cleaning up, and
/// says which. Only called under the directory's lock: no live run owns such a file then.
pub fn remove_stale(dir: &Path, names: &[String]) -> Result<()> {
    let entries = fs::read_dir(dir).with_context(|| format!("{}: cannot list", dir.display()))?;
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(file) = file.to_str() else { continue };
        let stale = names.iter().any(|n| {
            file.strip_prefix(&format!(".{n}.tmp-"))
                .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
        });
        if stale && entry.file_type().is_ok_and(|t| t.is_file()) {
            fs::remove_file(entry.path()).with_context(|| {
                format!(
                    "{}: cannot remove a stale temporary",
                    entry.path().display()
                )
            })?;
            removed.push(file.to_string());
        }
    }
    if !removed.is_empty() {
        removed.sort();
        eprintln!(
            "guestpack: removed {} partial output(s) an interrupted run left in {}: {}",
            removed.len(),
            dir.display(),
            removed.join(", ")
        );
    }
    Ok(())
}
