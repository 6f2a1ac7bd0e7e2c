//! Deterministic streaming zip writer.
//!
//! [`ZipPlan::plan`] decides, for every media file, the method (stored or deflate), the exact
//! compressed size and the offset of its header, so the archive length is known before the
//! first byte and local headers carry real sizes (no data descriptors). Measuring compresses
//! each file once and throws the output away; [`ZipPlan::reader`] then compresses again while
//! the caller drains it, checking that each file still matches what was planned.
//!
//! Layout choices, all fixed: one entry per file in the given (sorted) order and no directory
//! entries (every reader creates parent folders from the paths, and entries then match the
//! manifest's file list one to one); DOS time from `source_date_epoch` in UTC; "made by"
//! Unix 3.0 with mode 0644; no extra fields except zip64 when a value needs it; UTF-8 flag for
//! non-ASCII names; no comments.
//!
//! This module does not hash files, write to any sink, or read zips (see `crate::input::zip`).

mod ahead;
mod headers;
mod measure;
mod reader;

pub use headers::dos_datetime;
pub use measure::{
    cache_choices, KeepStore, Keeper, Measurement, Measurer, MemKeeper, MemStore, CACHE_BUDGET,
    CACHE_FILE_MAX,
};
pub use reader::ZipReader;

use crate::error::{Error, Result};
use crate::output::media::MediaFile;
use crate::source::Content;
use headers::{Tail, Zip64, CENTRAL_FIXED, LOCAL_FIXED, ZIP64_LIMIT};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Options of the zip writer.
#[derive(Clone, Debug)]
pub struct ZipOptions {
    /// Deflate level 0..=9; 0 stores every file.
    pub level: u32,
    /// Timestamp of every entry (Unix seconds, UTC).
    pub source_date_epoch: i64,
    /// Threads that measure while planning and compress ahead while streaming; 1 spawns
    /// nothing (the wasm build). Never changes the output.
    pub threads: usize,
}

impl Default for ZipOptions {
    fn default() -> Self {
        ZipOptions {
            level: 6,
            source_date_epoch: 0,
            threads: 1,
        }
    }
}

/// How an entry's data is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Stored,
    Deflated,
}

/// One entry of the planned archive.
#[derive(Clone)]
pub struct PlannedEntry {
    pub path: String,
    pub method: Method,
    pub crc32: u32,
    pub size: u64,
    pub compressed_size: u64,
    /// Offset of the local header.
    pub offset: u64,
    pub(crate) zip64: Zip64,
    pub(crate) content: Arc<dyn Content>,
    /// Compressed bytes kept from the planning pass ([`Keeper`]).
    pub(crate) cached: Option<Arc<dyn Content>>,
}

impl std::fmt::Debug for PlannedEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlannedEntry")
            .field("path", &self.path)
            .field("method", &self.method)
            .field("size", &self.size)
            .field("compressed_size", &self.compressed_size)
            .field("offset", &self.offset)
            .finish()
    }
}

impl PlannedEntry {
    fn local_len(&self) -> u64 {
        LOCAL_FIXED + self.path.len() as u64 + self.zip64.local_extra_len()
    }
    fn central_len(&self) -> u64 {
        CENTRAL_FIXED + self.path.len() as u64 + self.zip64.central_extra_len()
    }
}

/// The complete layout of an archive, computed before anything is written.
#[derive(Debug)]
pub struct ZipPlan {
    entries: Vec<PlannedEntry>,
    level: u32,
    threads: usize,
    dos: (u16, u16),
    tail: Tail,
    /// Threshold for zip64 fields; `ZIP64_LIMIT` except in tests of the zip64 path.
    limit: u64,
    /// Offset of the central directory (the end of the last entry's data).
    central: u64,
    len: u64,
}

impl ZipPlan {
    /// Plans an archive of `files` (sorted by path), measuring compressed sizes.
    pub fn plan(files: &[MediaFile], opts: &ZipOptions) -> Result<ZipPlan> {
        Self::plan_with_zip64_threshold(files, opts, ZIP64_LIMIT)
    }

    /// Like [`ZipPlan::plan`], but sizes and offsets at or above `threshold` already use zip64
    /// fields. Lets tests exercise the zip64 layout with small files; `plan` uses 0xFFFFFFFF.
    #[doc(hidden)]
    pub fn plan_with_zip64_threshold(
        files: &[MediaFile],
        opts: &ZipOptions,
        threshold: u64,
    ) -> Result<ZipPlan> {
        Self::layout(files, opts, threshold, BTreeMap::new())
    }

    /// Like [`ZipPlan::plan`], with the measurements of a pass that already read the files
    /// (keyed by path, e.g. taken while hashing). Files without one are measured here. The
    /// resulting archive is byte for byte the one `plan` gives.
    pub fn plan_measured(
        files: &[MediaFile],
        opts: &ZipOptions,
        measured: BTreeMap<String, Measurement>,
    ) -> Result<ZipPlan> {
        Self::layout(files, opts, ZIP64_LIMIT, measured)
    }

    fn layout(
        files: &[MediaFile],
        opts: &ZipOptions,
        threshold: u64,
        mut measured: BTreeMap<String, Measurement>,
    ) -> Result<ZipPlan> {
        let limit = threshold.min(ZIP64_LIMIT);
        for f in files {
            if f.path.is_empty() || f.path.len() > usize::from(u16::MAX) {
                return Err(Error::archive(
                    &f.path,
                    "a zip entry name must be 1 to 65535 bytes long",
                ));
            }
        }
        if let Some(w) = files.windows(2).find(|w| w[0].path == w[1].path) {
            return Err(Error::archive(
                &w[0].path,
                "the file is listed twice for the zip",
            ));
        }
        let missing: Vec<MediaFile> = files
            .iter()
            .filter(|f| opts.level > 0 && !measured.contains_key(&f.path))
            .cloned()
            .collect();
        let fresh = measure::measure_all(&missing, opts.level, opts.threads)?;
        measured.extend(missing.into_iter().map(|f| f.path).zip(fresh));
        let mut entries = Vec::with_capacity(files.len());
        let mut offset = 0u64;
        for f in files {
            let m = match opts.level {
                0 => Measurement::default(),
                _ => measured.remove(&f.path).unwrap_or_default(),
            };
            let (method, compressed_size, cached) = match m.compressed {
                Some(c) => (Method::Deflated, c, m.cached),
                None => (Method::Stored, f.size, None),
            };
            let zip64 = Zip64 {
                sizes: f.size >= limit || compressed_size >= limit,
                offset: offset >= limit,
            };
            let e = PlannedEntry {
                path: f.path.clone(),
                method,
                crc32: f.crc32,
                size: f.size,
                compressed_size,
                offset,
                zip64,
                content: f.content.clone(),
                cached,
            };
            offset = checked(offset, e.local_len() + compressed_size)?;
            entries.push(e);
        }
        let cd_offset = offset;
        let cd_size = entries.iter().map(PlannedEntry::central_len).sum::<u64>();
        let tail = Tail::new(entries.len() as u64, cd_offset, cd_size, limit);
        let len = checked(checked(cd_offset, cd_size)?, tail.len())?;
        Ok(ZipPlan {
            entries,
            level: opts.level,
            threads: opts.threads.max(1),
            dos: dos_datetime(opts.source_date_epoch),
            tail,
            limit,
            central: cd_offset,
            len,
        })
    }

    /// Exact length of the archive in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Never true: even an archive without entries has its end record.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The planned entries, in archive order.
    pub fn entries(&self) -> &[PlannedEntry] {
        &self.entries
    }

    /// A fresh reader producing the archive from its first byte.
    pub fn reader(&self) -> ZipReader<'_> {
        ZipReader::new(self)
    }

    /// Offset of the central directory.
    pub fn central_offset(&self) -> u64 {
        self.central
    }

    /// Where a reader can start ([`ZipPlan::reader_from`]): every entry's local header, then
    /// the central directory. Each comes with an estimate of the work of producing the bytes
    /// up to the next point (see [`DEFLATE_WORK`]).
    pub fn restart_points(&self) -> Vec<(u64, u64)> {
        let mut points: Vec<(u64, u64)> = self
            .entries
            .iter()
            .map(|e| {
                let data = match (e.method, &e.cached) {
                    (Method::Deflated, None) => e.size.saturating_mul(DEFLATE_WORK),
                    (Method::Deflated, Some(_)) => e.compressed_size,
                    (Method::Stored, _) => e.size,
                };
                (e.offset, data.saturating_add(e.local_len()))
            })
            .collect();
        points.push((self.central, self.len - self.central));
        points
    }

    /// A reader producing the archive from `start`, which must be one of the
    /// [`ZipPlan::restart_points`]; it checks every entry it produces, like [`ZipPlan::reader`].
    pub fn reader_from(&self, start: u64) -> Result<ZipReader<'_>> {
        if start == self.central {
            return Ok(ZipReader::at_entry(self, self.entries.len()));
        }
        match self.entries.binary_search_by_key(&start, |e| e.offset) {
            Ok(i) => Ok(ZipReader::at_entry(self, i)),
            Err(_) => Err(Error::archive(
                "zip",
                format!("byte {start} is not the start of an entry or of the central directory"),
            )),
        }
    }
}

/// Work of deflating one byte, counted in units of copying one byte, for sharing the
/// production of an archive out evenly ([`ZipPlan::restart_points`]). A rough ratio of
/// zlib-rs at the default level to a checked copy; it only affects speed, never bytes.
pub const DEFLATE_WORK: u64 = 16;

fn checked(a: u64, b: u64) -> Result<u64> {
    a.checked_add(b)
        .ok_or_else(|| Error::archive("zip", "the archive would exceed 2^64 bytes"))
}
