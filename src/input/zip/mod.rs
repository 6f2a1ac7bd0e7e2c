//! A dropped zip (a driver bundle) read lazily into a [`VTree`].
//!
//! Up front only the central directory and each file's local header are read; entry data is
//! read when a content is opened (see [`ZipEntryContent`], which checks size and CRC-32).
//! Entries that cannot become files are recorded as rejections for validation to report
//! (symlinks, special files, names that are not UTF-8 or are unsafe; rules in `names`).
//! Anything that makes the archive untrustworthy as a whole is a fatal [`Error::Archive`]:
//! not a zip, truncated, encrypted or unsupported entries, overlapping or out-of-range data,
//! duplicate names (also by letter case), and exceeded [`ZipLimits`].
//!
//! This module does not extract, validate driver layout, or read nested archives.

mod cdir;
mod content;
mod names;

pub use content::{EntryMethod, ZipEntryContent};

use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::source::vtree::{RejectKind, VTree};
use crate::source::ReadAt;
use std::sync::Arc;

/// Bounds on what a dropped zip may declare: the zip view of [`Limits`] (build one with
/// `ZipLimits::from(&limits)`); each has the `--max-...` option named in its error.
#[derive(Clone, Debug)]
pub struct ZipLimits {
    pub max_entries: u64,
    pub max_total_uncompressed: u64,
    pub max_file_size: u64,
    /// Largest allowed uncompressed : compressed ratio of a deflated entry.
    pub max_ratio: u64,
    /// Largest number of path components of an entry.
    pub max_depth: u32,
}

impl Default for ZipLimits {
    fn default() -> Self {
        ZipLimits::from(&Limits::default())
    }
}

impl From<&Limits> for ZipLimits {
    fn from(l: &Limits) -> Self {
        ZipLimits {
            max_entries: l.max_entries,
            max_total_uncompressed: l.max_total_size,
            max_file_size: l.max_file_size,
            max_ratio: l.max_ratio,
            max_depth: l.max_path_depth,
        }
    }
}

const FLAG_ENCRYPTED: u16 = 1;
const FLAG_STRONG_ENCRYPTION: u16 = 1 << 6;
const METHOD_AES: u16 = 99;
const S_IFMT: u32 = 0o170000;
const S_IFREG: u32 = 0o100000;
const S_IFDIR: u32 = 0o040000;
const S_IFLNK: u32 = 0o120000;

/// Reads the structure of the zip in `src`; `archive_name` is used in messages.
pub fn read_zip(src: Arc<dyn ReadAt>, archive_name: &str, limits: &ZipLimits) -> Result<VTree> {
    let fatal = |m: String| Error::archive(archive_name, m);
    let dir = cdir::read_directory(&src, archive_name, limits.max_entries)?;
    let mut tree = VTree::new();
    let mut seen = names::Seen::default();
    let mut total = 0u64;
    // (local header start, data end, path) of every file, to find overlaps.
    let mut spans: Vec<(u64, u64, String)> = Vec::new();

    for e in &dir.entries {
        let shown = names::printable(&String::from_utf8_lossy(&e.raw_name));
        if e.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION) != 0 || e.method == METHOD_AES {
            return Err(fatal(format!(
                "entry '{shown}' is encrypted; encrypted zips are not supported"
            )));
        }
        let name = match names::decode(&e.raw_name, e.unicode_name.as_deref()) {
            Ok(n) => n,
            Err(lossy) => {
                tree.reject(lossy, RejectKind::NonUtf8Name);
                continue;
            }
        };
        let (path, mut is_dir) = match name.strip_suffix('/') {
            Some(p) => (p.to_string(), true),
            None => (name.clone(), false),
        };
        if let Err(kind) = names::check(&path) {
            tree.reject(names::printable(&name), kind);
            continue;
        }
        match unix_type(e) {
            Some(S_IFLNK) => {
                tree.reject(path, RejectKind::Symlink);
                continue;
            }
            Some(S_IFDIR) => is_dir = true,
            Some(S_IFREG) | None => {}
            Some(t) => {
                tree.reject(
                    path,
                    RejectKind::Other(format!("special file (unix type {:o})", t >> 12)),
                );
                continue;
            }
        }
        let depth = path.split('/').count() as u64;
        if depth > u64::from(limits.max_depth) {
            return Err(Limits::exceeded(
                archive_name,
                "--max-path-depth",
                format!("entry '{path}' is {depth} path components deep"),
                u64::from(limits.max_depth),
            ));
        }
        seen.add(&path, is_dir).map_err(fatal)?;
        if is_dir {
            tree.insert_dir(path);
            continue;
        }
        let method = match e.method {
            // Some writers mark empty files as deflated with no data at all; that is just empty.
            0 | 8 if e.compressed_size == 0 && e.size == 0 => content::EntryMethod::Stored,
            0 => content::EntryMethod::Stored,
            8 => content::EntryMethod::Deflated,
            m => {
                return Err(fatal(format!(
                    "entry '{path}' uses compression method {m} ({}); only stored (0) and deflate (8) are supported",
                    method_name(m)
                )))
            }
        };
        check_limits(e, &path, &mut total, method, limits, archive_name)?;
        let start = cdir::data_start(src.as_ref(), e, &path, archive_name)?;
        let end = start
            .checked_add(e.compressed_size)
            .filter(|&end| end <= dir.cd_offset)
            .ok_or_else(|| {
                fatal(format!(
                    "the data of entry '{path}' runs past the entries area (corrupt zip)"
                ))
            })?;
        spans.push((e.local_offset, end, path.clone()));
        let c = ZipEntryContent::new(
            src.clone(),
            path.clone(),
            method,
            start,
            e.compressed_size,
            e.size,
            e.crc32,
        );
        tree.insert(path, Arc::new(c));
    }

    spans.sort();
    if let Some(w) = spans.windows(2).find(|w| w[1].0 < w[0].1) {
        return Err(fatal(format!(
            "entries '{}' and '{}' overlap (corrupt or hostile zip)",
            w[0].2, w[1].2
        )));
    }
    Ok(tree)
}

/// The Unix file type of an entry written by a Unix-like host, if it carries one.
fn unix_type(e: &cdir::CdEntry) -> Option<u32> {
    let host = e.made_by >> 8;
    let mode = e.external_attrs >> 16;
    // 3 = Unix, 19 = OS X: the hosts whose high attribute bits extractors read as a mode.
    ((host == 3 || host == 19) && mode & S_IFMT != 0).then_some(mode & S_IFMT)
}

fn check_limits(
    e: &cdir::CdEntry,
    path: &str,
    total: &mut u64,
    method: content::EntryMethod,
    l: &ZipLimits,
    archive: &str,
) -> Result<()> {
    if e.size > l.max_file_size {
        return Err(Limits::exceeded(
            archive,
            "--max-file-size",
            format!("entry '{path}' declares {} bytes", e.size),
            l.max_file_size,
        ));
    }
    *total = total.saturating_add(e.size);
    if *total > l.max_total_uncompressed {
        return Err(Limits::exceeded(
            archive,
            "--max-total-size",
            format!("the entries up to '{path}' declare {total} bytes uncompressed"),
            l.max_total_uncompressed,
        ));
    }
    match method {
        content::EntryMethod::Stored if e.compressed_size != e.size => Err(Error::archive(
            archive,
            format!(
            "stored entry '{path}' declares {} bytes stored but {} bytes of content (corrupt zip)",
            e.compressed_size, e.size
        ),
        )),
        content::EntryMethod::Deflated
            if e.size > e.compressed_size.saturating_mul(l.max_ratio) =>
        {
            Err(Limits::exceeded(
                archive,
                "--max-ratio",
                format!(
                    "entry '{path}' would expand {} bytes into {} (a zip bomb?)",
                    e.compressed_size, e.size
                ),
                l.max_ratio,
            ))
        }
        _ => Ok(()),
    }
}

fn method_name(m: u16) -> &'static str {
    match m {
        1 => "shrink",
        6 => "implode",
        9 => "deflate64",
        12 => "bzip2",
        14 => "lzma",
        93 => "zstd",
        95 => "xz",
        98 => "ppmd",
        _ => "unknown",
    }
}
