//! Ctrl-C and SIGTERM: stop at once, leaving nothing behind.
//!
//! A run registers every temporary file it creates and the output directory if it created it.
//! A signal thread waits for SIGINT or SIGTERM; when one comes it removes what is registered,
//! says so in one line and exits 130 or 143 (128 + the signal, as shells report it). The core
//! has no notion of being stopped: a running hash or deflate is simply abandoned with the
//! process, and nothing it would have written survives because nothing is renamed into place
//! until every output is complete.
//!
//! Renaming the finished outputs into place happens under the same lock, so a signal there
//! waits the few microseconds until the set is complete and then exits without removing it.
//! What no process can catch (SIGKILL, the OOM killer, a power cut) is covered by the next run
//! into the same directory (`output::remove_stale`).

use std::fs::{self, File};
use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

#[derive(Default)]
struct Registry {
    temporaries: Vec<PathBuf>,
    created_dirs: Vec<PathBuf>,
    /// Set once a signal arrived: nothing new may be created after it.
    stopping: bool,
    /// Set once the outputs were renamed into place.
    committed: bool,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    temporaries: Vec::new(),
    created_dirs: Vec::new(),
    stopping: false,
    committed: false,
});

fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|p| p.into_inner())
}

/// Starts the thread that handles SIGINT and SIGTERM (Unix; elsewhere the default handling
/// stays, and stale temporaries are removed by the next run).
pub fn install() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGINT, SIGTERM};
        if let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
            std::thread::spawn(move || {
                if let Some(sig) = signals.forever().next() {
                    stop(sig);
                }
            });
        }
    }
}

#[cfg(unix)]
fn stop(sig: i32) -> ! {
    let name = if sig == signal_hook::consts::SIGINT {
        "SIGINT"
    } else {
        "SIGTERM"
    };
    let mut r = registry();
    r.stopping = true;
    for f in r.temporaries.drain(..) {
        let _ = fs::remove_file(f);
    }
    for d in r.created_dirs.drain(..).rev() {
        let _ = fs::remove_dir(d);
    }
    // On a terminal, clears the progress line first.
    let clear = if io::stderr().is_terminal() {
        "\r\x1b[2K"
    } else {
        ""
    };
    if r.committed {
        eprintln!("{clear}guestpack: interrupted ({name}) after the outputs were in place");
    } else {
        eprintln!("{clear}guestpack: interrupted ({name}); no media written, temporaries removed");
    }
    std::process::exit(128 + sig)
}

/// Creates (truncating) a temporary file and registers it, unless the run is stopping.
pub fn create_temporary(path: &Path) -> io::Result<File> {
    let mut r = registry();
    if r.stopping {
        return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
    }
    let f = File::create(path)?;
    r.temporaries.push(path.to_path_buf());
    Ok(f)
}

/// Registers directories this run created, to be removed if it is stopped.
pub fn created_dirs(dirs: &[PathBuf]) {
    registry().created_dirs.extend(dirs.iter().cloned());
}

/// Removes temporaries (a failed run cleaning up) and forgets them.
pub fn discard(temporaries: &[PathBuf]) {
    let mut r = registry();
    for f in temporaries {
        let _ = fs::remove_file(f);
    }
    r.temporaries.retain(|t| !temporaries.contains(t));
}

/// Removes the directories this run created (innermost first, only if empty) and forgets them.
pub fn discard_created_dirs() {
    let mut r = registry();
    for d in r.created_dirs.drain(..).rev() {
        let _ = fs::remove_dir(d);
    }
}

/// Runs `commit` (the renames into place) so that a signal cannot come between them. Once it
/// succeeded the temporaries and directories are the run's own outputs and are forgotten.
pub fn commit<T, E>(commit: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    let mut r = registry();
    let out = commit();
    if out.is_ok() {
        r.temporaries.clear();
        r.created_dirs.clear();
        r.committed = true;
    }
    out
}
