//! Writes the outputs so they appear all at once or not at all.
//!
//! Each output is drained from its pull reader into a hidden temporary file in the output
//! directory (same filesystem, so the final rename is atomic). Only when all of them were
//! written and synced are they renamed into place. On any failure the temporaries are
//! removed, and an output directory this run created is removed again; on SIGINT or SIGTERM
//! the same happens from `interrupt`. The directory is locked for the whole time
//! (`outdir`), and temporaries a killed run left there are removed first.

use crate::{interrupt, outdir};
use anyhow::{Context, Result};
use std::fs::{self, File};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One output: its final file name, its exact length, and the reader that produces it.
pub struct Output<'a> {
    pub name: String,
    pub len: u64,
    pub reader: Box<dyn Read + Send + 'a>,
}

/// Removes the temporaries it tracks unless disarmed: runs on every early return and panic.
struct Cleanup {
    files: Vec<PathBuf>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        interrupt::discard(&self.files);
    }
}

/// Writes every output into `out_dir`, atomically as a set, holding the directory's lock.
/// Returns the final paths. With `parallel`, the outputs are drained at the same time (the
/// ISO's copying overlaps the zip's compressing); the bytes written are the same either way.
pub fn write_all(
    out_dir: &Path,
    outputs: Vec<Output<'_>>,
    progress: bool,
    parallel: bool,
    wait: bool,
) -> Result<Vec<PathBuf>> {
    let _lock = outdir::lock(out_dir, wait)?;
    let names: Vec<String> = outputs.iter().map(|o| o.name.clone()).collect();
    outdir::remove_stale(out_dir, &names)?;
    let mut cleanup = Cleanup { files: Vec::new() };
    let total: u64 = outputs.iter().map(|o| o.len).sum();
    let meter = Mutex::new(Meter::new(total, progress));
    let jobs: Vec<(Output<'_>, PathBuf)> = outputs
        .into_iter()
        .map(|out| {
            let tmp = outdir::temporary(out_dir, &out.name);
            cleanup.files.push(tmp.clone());
            (out, tmp)
        })
        .collect();
    let write_one = |(mut out, tmp): (Output<'_>, PathBuf)| -> Result<(PathBuf, PathBuf)> {
        let mut f = interrupt::create_temporary(&tmp)
            .with_context(|| format!("{}: cannot create", tmp.display()))?;
        let written = copy_with_progress(&mut out.reader, &mut f, &out.name, &meter)
            .with_context(|| format!("writing {}", out.name))?;
        anyhow::ensure!(
            written == out.len,
            "{}: produced {written} bytes, planned {}",
            out.name,
            out.len
        );
        f.sync_all()
            .with_context(|| format!("{}: cannot sync", tmp.display()))?;
        Ok((tmp, out_dir.join(&out.name)))
    };
    let results: Vec<Result<(PathBuf, PathBuf)>> = if parallel {
        std::thread::scope(|s| {
            let handles: Vec<_> = jobs
                .into_iter()
                .map(|job| s.spawn(|| write_one(job)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        })
    } else {
        jobs.into_iter().map(write_one).collect()
    };
    let staged = match results.into_iter().collect::<Result<Vec<_>>>() {
        Ok(staged) => staged,
        Err(e) => {
            drop(cleanup);
            interrupt::discard_created_dirs();
            return Err(e);
        }
    };
    let mut meter = meter.into_inner().unwrap_or_else(|p| p.into_inner());
    meter.finish();
    // All renames or none interrupted: a signal waits until the set is in place.
    interrupt::commit(|| -> Result<Vec<PathBuf>> {
        let mut done = Vec::new();
        for (tmp, dest) in &staged {
            fs::rename(tmp, dest)
                .with_context(|| format!("{}: cannot move into place", dest.display()))?;
            done.push(dest.clone());
        }
        cleanup.files.clear();
        Ok(done)
    })
}

/// Writes `bytes` to `path` via a temporary and a rename (used for `--report`).
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create directory", dir.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    let tmp = outdir::temporary(dir, &name);
    let mut cleanup = Cleanup {
        files: vec![tmp.clone()],
    };
    interrupt::create_temporary(&tmp)
        .and_then(|mut f| f.write_all(bytes))
        .with_context(|| format!("{}: cannot write", tmp.display()))?;
    fs::rename(&tmp, path)
        .with_context(|| format!("{}: cannot move into place", path.display()))?;
    cleanup.files.clear();
    Ok(())
}

fn copy_with_progress(
    r: &mut dyn Read,
    w: &mut File,
    name: &str,
    meter: &Mutex<Meter>,
) -> Result<u64> {
    let mut buf = vec![0u8; 1 << 20];
    let mut n_total = 0u64;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        w.write_all(&buf[..n])?;
        n_total += n as u64;
        meter
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .advance(n as u64, name);
    }
    Ok(n_total)
}

/// A one-line progress display on a terminal; silent otherwise (CI logs stay clean).
struct Meter {
    total: u64,
    done: u64,
    shown_percent: Option<u64>,
    enabled: bool,
}

impl Meter {
    fn new(total: u64, want: bool) -> Meter {
        Meter {
            total,
            done: 0,
            shown_percent: None,
            enabled: want && std::io::stderr().is_terminal(),
        }
    }
    fn advance(&mut self, n: u64, name: &str) {
        self.done += n;
        if !self.enabled || self.total == 0 {
            return;
        }
        let pct = self.done * 100 / self.total;
        if self.shown_percent != Some(pct) {
            self.shown_percent = Some(pct);
            eprint!(
                "\r\x1b[2Kwriting {name}: {pct:3}% ({:.1} of {:.1} MiB)",
                mib(self.done),
                mib(self.total)
            );
        }
    }
    fn finish(&mut self) {
        if self.enabled && self.shown_percent.is_some() {
            eprint!("\r\x1b[2K");
        }
    }
}

pub fn mib(n: u64) -> f64 {
    n as f64 / (1024.0 * 1024.0)
}
