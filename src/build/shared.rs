//! One build shared out among workers that share no memory (browser workers, each with its own
//! wasm instance and its own handle on the dropped file).
//!
//! Every worker validates the same inputs and so holds the same [`Staged`] list. The files are
//! then digested in parts ([`digest_files`]: any split, any worker), the parts' [`FileDigest`]s
//! are put together in staged order, and every worker plans the same media from them
//! ([`build_from_digests`]) without reading a payload byte. Each output is finally produced in
//! [`Piece`]s that start at restart points, possibly by different workers at the same time;
//! the pieces, put back in order, are exactly the bytes of the single reader. Nothing here
//! depends on how the work was split: the digests are a pure function of each file, and a
//! piece's bytes are a pure function of the plan.
//!
//! This module does not schedule anything or talk to workers; the caller does
//! (`web/worker-api/client.js`).

use crate::build::{self as package, BuildOptions, MediaSet};
use crate::diag::{Finding, Severity};
use crate::error::{Error, Result};
use crate::output::media::MediaFile;
use crate::output::zip::{KeepStore, Measurement, MemStore};
use crate::source::authenticode::WindowsDigests;
use crate::source::Content;
use crate::validate::Staged;
use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

/// What one read of a staged file learns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileDigest {
    pub size: u64,
    pub sha256: [u8; 32],
    pub crc32: u32,
    /// Deflated size in the zip, `None` when the file is stored (always `None` at level 0).
    pub compressed: Option<u64>,
    /// The hashes Windows looks up in a catalog, for the files a catalog must cover.
    pub windows: Option<WindowsDigests>,
}

/// Bytes of one encoded [`FileDigest`]: size (u64 LE), SHA-256, CRC-32 (u32 LE), a flag byte
/// (1 = deflated) and the compressed size (u64 LE, 0 when stored), then a flag byte (0 none,
/// 1 a flat hash, 2 a PE image hash) and the Windows SHA-1 and SHA-256 (zeros when none).
pub const DIGEST_RECORD: usize = 8 + 32 + 4 + 1 + 8 + 1 + 20 + 32;

impl FileDigest {
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.size.to_le_bytes());
        out.extend_from_slice(&self.sha256);
        out.extend_from_slice(&self.crc32.to_le_bytes());
        out.push(u8::from(self.compressed.is_some()));
        out.extend_from_slice(&self.compressed.unwrap_or(0).to_le_bytes());
        match &self.windows {
            Some(w) => {
                out.push(if w.pe_image { 2 } else { 1 });
                out.extend_from_slice(&w.sha1);
                out.extend_from_slice(&w.sha256);
            }
            None => out.extend_from_slice(&[0; 1 + 20 + 32]),
        }
    }

    /// Decodes records made by [`FileDigest::encode`], refusing anything malformed.
    pub fn decode_all(bytes: &[u8]) -> Result<Vec<FileDigest>> {
        let bad = |m: String| Error::archive("file digests", m);
        if !bytes.len().is_multiple_of(DIGEST_RECORD) {
            return Err(bad(format!(
                "{} bytes is not a whole number of {DIGEST_RECORD}-byte records",
                bytes.len()
            )));
        }
        bytes
            .chunks_exact(DIGEST_RECORD)
            .enumerate()
            .map(|(i, r)| {
                let u64_at = |o: usize| u64::from_le_bytes(r[o..o + 8].try_into().unwrap());
                let mut sha256 = [0u8; 32];
                sha256.copy_from_slice(&r[8..40]);
                let compressed = match r[44] {
                    0 if u64_at(45) == 0 => None,
                    1 => Some(u64_at(45)),
                    _ => return Err(bad(format!("record {i} has a bad method flag"))),
                };
                let windows = match r[53] {
                    0 if r[54..].iter().all(|b| *b == 0) => None,
                    kind @ (1 | 2) => Some(WindowsDigests {
                        pe_image: kind == 2,
                        sha1: r[54..74].try_into().unwrap(),
                        sha256: r[74..106].try_into().unwrap(),
                    }),
                    _ => return Err(bad(format!("record {i} has a bad Windows hash flag"))),
                };
                Ok(FileDigest {
                    size: u64_at(0),
                    sha256,
                    crc32: u32::from_le_bytes(r[40..44].try_into().unwrap()),
                    compressed,
                    windows,
                })
            })
            .collect()
    }
}

/// Encodes digests back to back (see [`DIGEST_RECORD`]).
pub fn encode_all(digests: &[FileDigest]) -> Vec<u8> {
    let mut out = Vec::with_capacity(digests.len() * DIGEST_RECORD);
    for d in digests {
        d.encode(&mut out);
    }
    out
}

/// Digests the staged files at `indices` (positions in `staged.files`, any order), reading
/// each once; results come in the order of `indices`. `level` is the zip level of the build.
pub fn digest_files(staged: &Staged, indices: &[usize], level: u32) -> Result<Vec<FileDigest>> {
    let mut none = 0;
    let digested = digest_files_keeping(staged, indices, level, &mut none)?;
    Ok(digested.into_iter().map(|(d, _)| d).collect())
}

/// One file's digest and the compressed bytes kept while making it, if any.
pub type DigestKept = (FileDigest, Option<Arc<dyn Content>>);

/// Compressed bytes a worker kept while digesting, by staged index.
pub type Kept = BTreeMap<usize, Arc<dyn Content>>;

/// [`digest_files`], also keeping in memory the compressed bytes of deflated files of up to
/// [`crate::output::zip::CACHE_FILE_MAX`] while their sizes fit in `budget` (input bytes,
/// reduced as files are kept): the worker that keeps them can later copy them into the zip
/// instead of deflating again. What is kept changes speed, never bytes.
pub fn digest_files_keeping(
    staged: &Staged,
    indices: &[usize],
    level: u32,
    budget: &mut u64,
) -> Result<Vec<DigestKept>> {
    let mut store = MemStore { budget: *budget };
    let out = digest_files_reporting(staged, indices, level, &mut store, &mut |_| {});
    *budget = store.budget;
    out
}

/// [`digest_files_keeping`] with the compressed bytes kept where `store` says, telling
/// `progress` the length of every piece read as it goes (a page's bar moves while one big
/// file is hashed, not only between files).
pub fn digest_files_reporting(
    staged: &Staged,
    indices: &[usize],
    level: u32,
    store: &mut dyn KeepStore,
    progress: &mut dyn FnMut(u64),
) -> Result<Vec<DigestKept>> {
    let windows = staged.catalog_paths();
    indices
        .iter()
        .map(|&i| {
            let (path, content) = staged.files.get(i).ok_or_else(|| {
                Error::archive(
                    "file digests",
                    format!("no staged file {i} (there are {})", staged.files.len()),
                )
            })?;
            let size = content.len();
            let keeper = if level > 0 { store.keeper(size) } else { None };
            let asked = keeper.is_some();
            let one = package::digest_one(
                path,
                content,
                level,
                keeper,
                windows.contains(path),
                progress,
            )?;
            let kept = one.measured.as_ref().and_then(|m| m.cached.clone());
            if asked && kept.is_none() {
                store.unused(size);
            }
            let digest = FileDigest {
                size: one.file.size,
                sha256: one.file.sha256,
                crc32: one.file.crc32,
                compressed: one.measured.and_then(|m| m.compressed),
                windows: one.windows,
            };
            Ok((digest, kept))
        })
        .collect()
}

/// Checks the catalogs and plans the media from the digests of every staged file, in staged
/// order. Gives what [`package::build`] gives for the same files, reading none of them.
pub fn build_from_digests(
    staged: &mut Staged,
    opts: &BuildOptions,
    digests: &[FileDigest],
) -> Result<(Vec<Finding>, Option<MediaSet>)> {
    build_from_digests_keeping(staged, opts, digests, Kept::new())
}

/// [`build_from_digests`] with the compressed bytes this worker kept
/// ([`digest_files_keeping`]): its zip reader copies those entries instead of deflating them.
pub fn build_from_digests_keeping(
    staged: &mut Staged,
    opts: &BuildOptions,
    digests: &[FileDigest],
    mut kept: Kept,
) -> Result<(Vec<Finding>, Option<MediaSet>)> {
    opts.check()?;
    if digests.len() != staged.files.len() {
        return Err(Error::archive(
            "file digests",
            format!(
                "{} digests for {} staged files",
                digests.len(),
                staged.files.len()
            ),
        ));
    }
    let windows: BTreeMap<&str, &WindowsDigests> = staged
        .files
        .iter()
        .zip(digests)
        .filter_map(|((p, _), d)| Some((p.as_str(), d.windows.as_ref()?)))
        .collect();
    let wanted = staged.catalog_paths();
    if let Some(p) = wanted.iter().find(|p| !windows.contains_key(p.as_str())) {
        return Err(Error::archive(
            p,
            "digested without the hashes its catalog is checked with",
        ));
    }
    let lookup: BTreeMap<String, WindowsDigests> = windows
        .into_iter()
        .map(|(p, d)| (p.to_string(), d.clone()))
        .collect();
    let found = staged.check_catalogs(&|p| lookup.get(p).cloned());
    if found.iter().any(|f| f.severity == Severity::Error) {
        return Ok((found, None));
    }
    let mut files = Vec::with_capacity(digests.len());
    let mut measured = BTreeMap::new();
    for (i, ((path, content), d)) in staged.files.iter().zip(digests).enumerate() {
        if d.size != content.len() {
            return Err(Error::archive(
                path,
                format!(
                    "digested as {} bytes but the input has {} (did the file change while packaging?)",
                    d.size,
                    content.len()
                ),
            ));
        }
        if opts.zip_level > 0 {
            let cached = kept.remove(&i);
            if cached
                .as_ref()
                .is_some_and(|c| d.compressed != Some(c.len()))
            {
                return Err(Error::archive(
                    path,
                    "the kept compressed bytes do not match the digest",
                ));
            }
            let m = Measurement {
                compressed: d.compressed,
                cached,
            };
            measured.insert(path.clone(), m);
        }
        files.push(MediaFile {
            path: path.clone(),
            content: content.clone(),
            size: d.size,
            sha256: d.sha256,
            crc32: d.crc32,
        });
    }
    let set = package::assemble(staged, opts, files, measured)?;
    Ok((found, Some(set)))
}

/// One of the three outputs of a media set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    Iso,
    Zip,
    Manifest,
}

impl std::str::FromStr for Output {
    type Err = Error;
    fn from_str(s: &str) -> Result<Output> {
        match s {
            "iso" => Ok(Output::Iso),
            "zip" => Ok(Output::Zip),
            "manifest" => Ok(Output::Manifest),
            _ => Err(Error::Option {
                option: "output",
                message: format!("\"{s}\": expected iso, zip or manifest"),
            }),
        }
    }
}

/// A byte range `start..end` of one output that a reader can produce on its own, and an
/// estimate of the work that takes (in units of copying a byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    pub start: u64,
    pub end: u64,
    pub work: u64,
}

/// Cuts an output into consecutive pieces at restart points, each (but possibly the last) of
/// at least `min_work`; together they cover the output exactly, in order.
pub fn pieces(set: &MediaSet, output: Output, min_work: u64) -> Vec<Piece> {
    pieces_owned(set, output, min_work, &|_| None)
        .into_iter()
        .map(|(p, _)| p)
        .collect()
}

/// [`pieces`], also cut wherever the owner of the zip entries changes (`owner` of a media
/// path: the worker that kept its compressed bytes), each piece with its entries' owner.
pub fn pieces_owned(
    set: &MediaSet,
    output: Output,
    min_work: u64,
    owner: &dyn Fn(&str) -> Option<u32>,
) -> Vec<(Piece, Option<u32>)> {
    let (points, len): (Vec<(u64, u64, Option<u32>)>, u64) = match output {
        Output::Iso => (
            set.iso
                .restart_points()
                .into_iter()
                .map(|(s, w)| (s, w, None))
                .collect(),
            set.iso.len(),
        ),
        Output::Zip => {
            let entries = set.zip.entries();
            let points = set.zip.restart_points().into_iter().enumerate();
            let owned =
                points.map(|(i, (s, w))| (s, w, entries.get(i).and_then(|e| owner(&e.path))));
            (owned.collect(), set.zip.len())
        }
        Output::Manifest => {
            let n = set.manifest_bytes.len() as u64;
            (vec![(0, n, None)], n)
        }
    };
    let mut out: Vec<(Piece, Option<u32>)> = Vec::new();
    let mut open: Option<(Piece, Option<u32>)> = None;
    for (start, work, who) in points {
        if open.as_ref().is_some_and(|(_, o)| *o != who) {
            out.extend(open.take());
        }
        let (p, _) = open.get_or_insert((
            Piece {
                start,
                end: start,
                work: 0,
            },
            who,
        ));
        p.work = p.work.saturating_add(work);
        if p.work >= min_work {
            out.extend(open.take());
        }
    }
    out.extend(open);
    for i in 0..out.len() {
        out[i].0.end = out.get(i + 1).map_or(len, |n| n.0.start);
    }
    out
}

/// [`pieces_owned`] sized for `workers` producing them at once. Pieces are handed out in order
/// and a worker may only run so far ahead of the one being handed out, so small pieces keep
/// every worker busy: at least 64 per worker, merged only below [`MIN_PIECE_WORK`] (small
/// files).
pub fn pieces_for(
    set: &MediaSet,
    output: Output,
    workers: u32,
    owner: &dyn Fn(&str) -> Option<u32>,
) -> Vec<(Piece, Option<u32>)> {
    let total: u64 = pieces(set, output, 0).iter().map(|p| p.work).sum();
    let per = total / (u64::from(workers) * 64).max(1);
    pieces_owned(set, output, per.min(MIN_PIECE_WORK), owner)
}

/// Pieces of less work than this (1 MiB of copying) are merged with the next.
pub const MIN_PIECE_WORK: u64 = 1 << 20;

/// A reader of `output` from `start` (the start of a [`Piece`]) to its end; the caller stops
/// at the piece's end.
pub fn reader_from<'a>(
    set: &'a MediaSet,
    output: Output,
    start: u64,
) -> Result<Box<dyn Read + Send + 'a>> {
    Ok(match output {
        Output::Iso => Box::new(set.iso.reader_from(start)?),
        Output::Zip => Box::new(set.zip.reader_from(start)?),
        Output::Manifest => {
            let bytes = set.manifest_bytes.get(start as usize..).ok_or_else(|| {
                Error::archive("manifest.json", format!("byte {start} is past the end"))
            })?;
            Box::new(bytes)
        }
    })
}
