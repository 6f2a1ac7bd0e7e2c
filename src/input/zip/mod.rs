//! A dropped zip (a driver bundle) read lazily into a [`VTree`].
//!
//! The `zip` crate parses the central directory and each file's local header; entry data is
//! read when a content is opened (see [`ZipEntryContent`], which checks size and CRC-32).
//! Before the crate runs, `ends` reads the end record so that limits bound the work and the
//! crate must agree on where the directory is. Entries that cannot become files are recorded
//! as rejections for validation to report (symlinks, special files, names that are not UTF-8
//! or are unsafe; rules in `names`). Anything that makes the archive untrustworthy as a whole
//! is a fatal [`Error::Archive`]: not a zip, truncated, encrypted or unsupported entries,
//! overlapping or out-of-range data, duplicate names (also by letter case), and exceeded
//! [`ZipLimits`].
//!
//! This module does not extract, validate driver layout, or read nested archives.

mod content;
mod cursor;
mod ends;
mod names;

pub use content::{EntryMethod, ZipEntryContent};

use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::source::vtree::{RejectKind, VTree};
use crate::source::ReadAt;
use ::zip::read::{ArchiveOffset, Config, ZipFileEntry};
use ::zip::result::ZipError;
use ::zip::{CompressionMethod, System, ZipArchive};
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

const FLAG_STRONG_ENCRYPTION: u16 = 1 << 6;
const METHOD_AES: u16 = 99;
const S_IFMT: u32 = 0o170000;
const S_IFREG: u32 = 0o100000;
const S_IFDIR: u32 = 0o040000;
const S_IFLNK: u32 = 0o120000;

/// Reads the structure of the zip in `src`; `archive_name` is used in messages.
pub fn read_zip(src: Arc<dyn ReadAt>, archive_name: &str, limits: &ZipLimits) -> Result<VTree> {
    let fatal = |m: String| Error::archive(archive_name, m);
    let end = ends::read_end(&src, archive_name, limits.max_entries)?;
    // Offsets are taken as written: a zip with bytes in front of it is not guessed at.
    let config = Config {
        archive_offset: ArchiveOffset::Known(0),
    };
    let mut archive = ZipArchive::with_config(config, cursor::reader(src.clone()))
        .map_err(|e| refused(src.as_ref(), archive_name, end, e))?;
    if archive.has_duplicate_names() {
        return Err(duplicate(src.as_ref(), archive_name, end));
    }
    if archive.central_directory_start() != end.cd_offset || archive.len() as u64 != end.count {
        return Err(fatal(
            "the archive has two end records that disagree about its contents (corrupt or hostile zip)"
                .into(),
        ));
    }
    let last_header = (0..archive.len())
        .filter_map(|i| archive.by_index_data(i).ok())
        .map(|e| e.central_header_start())
        .max();
    if let Some(last) = last_header {
        ends::check_extent(src.as_ref(), archive_name, end, last)?;
    }
    let mut tree = VTree::new();
    let mut seen = names::Seen::default();
    let mut total = 0u64;
    // (local header start, data end, path) of every file, to find overlaps.
    let mut spans: Vec<(u64, u64, String)> = Vec::new();

    for i in 0..archive.len() {
        let e = archive
            .by_index_data(i)
            .map_err(|e| damaged(archive_name, e))?;
        let shown = names::printable(&String::from_utf8_lossy(e.name_raw()));
        #[allow(deprecated)] // the number itself is what the message shows
        let method = e.compression().to_u16();
        if e.encrypted() || e.flags().as_u16() & FLAG_STRONG_ENCRYPTION != 0 || method == METHOD_AES
        {
            return Err(fatal(format!(
                "entry '{shown}' is encrypted; encrypted zips are not supported"
            )));
        }
        if e.compressed_size() > src.len() || e.header_start() >= src.len() {
            return Err(fatal(format!(
                "entry '{shown}' claims a size or offset beyond the {}-byte archive (corrupt or hostile zip)",
                src.len()
            )));
        }
        // A name from a matching Unicode Path extra field has already replaced the raw name.
        let name = match names::decode(e.name_raw()) {
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
        match unix_type(&e) {
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
        let (compressed_size, size) = (e.compressed_size(), e.size());
        let method = match method {
            // Some writers mark empty files as deflated with no data at all; that is just empty.
            0 | 8 if compressed_size == 0 && size == 0 => content::EntryMethod::Stored,
            0 => content::EntryMethod::Stored,
            8 => content::EntryMethod::Deflated,
            m => {
                return Err(fatal(format!(
                    "entry '{path}' uses compression method {m} ({}); only stored (0) and deflate (8) are supported",
                    CompressionMethod::name_from_u16(m).to_lowercase()
                )))
            }
        };
        let (header, crc32) = (e.header_start(), e.crc32());
        check_limits(
            compressed_size,
            size,
            &path,
            &mut total,
            method,
            limits,
            archive_name,
        )?;
        let start = data_start(&mut archive, i, &path, archive_name)?;
        let data_end = start
            .checked_add(compressed_size)
            .filter(|&data_end| data_end <= end.cd_offset)
            .ok_or_else(|| {
                fatal(format!(
                    "the data of entry '{path}' runs past the entries area (corrupt zip)"
                ))
            })?;
        spans.push((header, data_end, path.clone()));
        let c = ZipEntryContent::new(
            src.clone(),
            path.clone(),
            method,
            start,
            compressed_size,
            size,
            crc32,
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

/// Where the data of entry `i` starts, from its local header (read by the crate).
fn data_start(
    archive: &mut ZipArchive<cursor::Reader>,
    i: usize,
    path: &str,
    name: &str,
) -> Result<u64> {
    let file = archive.by_index_raw(i).map_err(|e| match e {
        ZipError::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => Error::archive(
            name,
            format!("the local header of '{path}' lies outside the archive"),
        ),
        ZipError::Io(io) => Error::io(name, io),
        _ => Error::archive(
            name,
            format!("entry '{path}' points at no local header (corrupt zip)"),
        ),
    })?;
    file.data_start().ok_or_else(|| {
        Error::archive(
            name,
            format!("entry '{path}' points at no local header (corrupt zip)"),
        )
    })
}

/// The error for a directory the crate refused: where the directory breaks when a plain walk
/// finds it, else the crate's own reason.
fn refused(src: &dyn ReadAt, name: &str, end: ends::End, e: ZipError) -> Error {
    match (e, ends::walk(src, name, end)) {
        (ZipError::Io(io), _) if io.kind() != std::io::ErrorKind::UnexpectedEof => {
            Error::io(name, io)
        }
        (_, Err(walked)) => walked,
        (e, Ok(_)) => damaged(name, e),
    }
}

/// The error for a directory that holds a name twice, naming it.
fn duplicate(src: &dyn ReadAt, name: &str, end: ends::End) -> Error {
    let twice = ends::walk(src, name, end).ok().and_then(|names| {
        let mut seen = std::collections::BTreeSet::new();
        names.into_iter().find(|n| !seen.insert(n.clone()))
    });
    let shown = twice.map_or_else(
        || "a name".to_string(),
        |n| format!("'{}'", names::printable(&String::from_utf8_lossy(&n))),
    );
    Error::archive(name, format!("the archive holds {shown} twice"))
}

fn damaged(name: &str, e: ZipError) -> Error {
    Error::archive(name, format!("the zip is damaged: {e} (corrupt zip)"))
}

/// The Unix file type of an entry written by a Unix-like host, if it carries one.
fn unix_type(e: &ZipFileEntry<'_>) -> Option<u32> {
    let mode = e.external_attributes() >> 16;
    // The hosts whose high attribute bits extractors read as a mode.
    let unix_host = matches!(e.system(), System::Unix | System::OsDarwin);
    (unix_host && mode & S_IFMT != 0).then_some(mode & S_IFMT)
}

#[allow(clippy::too_many_arguments)]
fn check_limits(
    compressed_size: u64,
    size: u64,
    path: &str,
    total: &mut u64,
    method: content::EntryMethod,
    l: &ZipLimits,
    archive: &str,
) -> Result<()> {
    if size > l.max_file_size {
        return Err(Limits::exceeded(
            archive,
            "--max-file-size",
            format!("entry '{path}' declares {} bytes", size),
            l.max_file_size,
        ));
    }
    *total = total.saturating_add(size);
    if *total > l.max_total_uncompressed {
        return Err(Limits::exceeded(
            archive,
            "--max-total-size",
            format!("the entries up to '{path}' declare {total} bytes uncompressed"),
            l.max_total_uncompressed,
        ));
    }
    match method {
        content::EntryMethod::Stored if compressed_size != size => Err(Error::archive(
            archive,
            format!(
            "stored entry '{path}' declares {} bytes stored but {} bytes of content (corrupt zip)",
            compressed_size, size
        ),
        )),
        content::EntryMethod::Deflated if size > compressed_size.saturating_mul(l.max_ratio) => {
            Err(Limits::exceeded(
                archive,
                "--max-ratio",
                format!(
                    "entry '{path}' would expand {} bytes into {} (a zip bomb?)",
                    compressed_size, size
                ),
                l.max_ratio,
            ))
        }
        _ => Ok(()),
    }
}
