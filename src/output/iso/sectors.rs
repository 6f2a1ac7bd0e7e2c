//! Planning an image: where every descriptor, path table, directory and file extent goes.
//!
//! [`IsoImage::plan`] decides every byte position from names and sizes alone, so the total
//! length is known before the first byte is produced. It holds the files' [`Content`]
//! handles but reads no payload; [`super::write`] produces the bytes.

use super::records::{path_record, terminator, volume_descriptor, DescriptorTree};
use super::time::date7;
use super::tree::{Hierarchy, Tree};
use super::{IsoOptions, SECTOR};
use crate::output::media::MediaFile;
use crate::source::Content;
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Sectors 0..16 are the system area.
const FIRST_DESCRIPTOR: u32 = 16;

/// A file as placed in the image.
pub(crate) struct Placed {
    pub path: String,
    pub content: Arc<dyn Content>,
    pub size: u32,
    pub lba: u32,
}

/// What one run of sectors holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    Zero,
    /// Index into [`IsoImage::descriptors`].
    Descriptor(usize),
    /// Index into [`IsoImage::path_tables`].
    PathTable(usize),
    /// Tree (0 primary, 1 Joliet) and directory index.
    Dir(usize, usize),
    /// Index into [`IsoImage::files`] of the file whose bytes fill this extent.
    Data(usize),
}

/// A run of sectors with one kind of content.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Segment {
    pub lba: u32,
    pub sectors: u32,
    pub part: Part,
}

/// A fully computed image layout. Holds content handles, no payload bytes.
pub struct IsoImage {
    pub(crate) files: Vec<Placed>,
    pub(crate) trees: [Tree; 2],
    pub(crate) descriptors: Vec<Vec<u8>>,
    pub(crate) path_tables: Vec<Vec<u8>>,
    pub(crate) segments: Vec<Segment>,
    pub(crate) date: [u8; 7],
    pub(crate) sectors: u32,
}

fn sectors_for(bytes: u64) -> u64 {
    bytes.div_ceil(SECTOR)
}

/// Hands out sector numbers and records what goes where.
struct Allocator {
    next: u64,
    segments: Vec<Segment>,
}

impl Allocator {
    fn take(&mut self, sectors: u64, part: Part) -> Result<u32> {
        let lba = self.next;
        self.next += sectors;
        if self.next > u64::from(u32::MAX) {
            return Err(Error::archive(
                "media",
                "image would exceed the 2^32-sector ISO9660 limit",
            ));
        }
        if sectors > 0 {
            self.segments.push(Segment {
                lba: lba as u32,
                sectors: sectors as u32,
                part,
            });
        }
        Ok(lba as u32)
    }
}

impl IsoImage {
    /// Lays out an image of `files` (sorted by path, already digested).
    pub fn plan(files: &[MediaFile], opts: &IsoOptions) -> Result<IsoImage> {
        let mut order: Vec<usize> = (0..files.len()).collect();
        order.sort_by(|&a, &b| files[a].path.cmp(&files[b].path));
        let mut placed = Vec::with_capacity(files.len());
        for &i in &order {
            let f = &files[i];
            if f.content.len() != f.size {
                return Err(Error::archive(
                    &f.path,
                    "content length differs from the digested size",
                ));
            }
            let size = u32::try_from(f.size).map_err(|_| {
                Error::archive(
                    &f.path,
                    format!(
                        "{} bytes; files of 4 GiB or more need multi-extent ISO9660, which is not supported",
                        f.size
                    ),
                )
            })?;
            placed.push(Placed {
                path: f.path.clone(),
                content: f.content.clone(),
                size,
                lba: 0,
            });
        }
        let hierarchy = Hierarchy::new(placed.iter().map(|p| p.path.as_str()))?;
        let mut trees = [hierarchy.tree(false)?, hierarchy.tree(true)?];

        let mut alloc = Allocator {
            next: 0,
            segments: Vec::new(),
        };
        alloc.take(u64::from(FIRST_DESCRIPTOR), Part::Zero)?;
        for d in 0..3 {
            alloc.take(1, Part::Descriptor(d))?;
        }
        // L then M table of the primary tree, then of the Joliet tree.
        let mut table_lbas = [0u32; 4];
        for (t, tree) in trees.iter().enumerate() {
            for m in 0..2 {
                table_lbas[t * 2 + m] = alloc.take(
                    sectors_for(u64::from(tree.path_table_size)),
                    Part::PathTable(t * 2 + m),
                )?;
            }
        }
        for (t, tree) in trees.iter_mut().enumerate() {
            for (d, dir) in tree.dirs.iter_mut().enumerate() {
                dir.lba = alloc.take(u64::from(dir.sectors()), Part::Dir(t, d))?;
            }
        }
        // Identical contents share the extent of their first file in path order.
        let mut seen: BTreeMap<(u32, [u8; 32]), u32> = BTreeMap::new();
        let mut empties = Vec::new();
        for (index, &source) in order.iter().enumerate() {
            let size = placed[index].size;
            if size == 0 {
                empties.push(index);
                continue;
            }
            let key = (size, files[source].sha256);
            placed[index].lba = match seen.get(&key) {
                Some(&lba) => lba,
                None => {
                    let lba = alloc.take(sectors_for(u64::from(size)), Part::Data(index))?;
                    seen.insert(key, lba);
                    lba
                }
            };
        }
        if !empties.is_empty() {
            let lba = alloc.take(1, Part::Zero)?;
            for i in empties {
                placed[i].lba = lba;
            }
        }
        let sectors = alloc.next as u32;

        let mut path_tables = Vec::with_capacity(4);
        let mut descriptors = Vec::with_capacity(3);
        for (t, tree) in trees.iter().enumerate() {
            for big in [false, true] {
                let mut table = Vec::with_capacity(tree.path_table_size as usize);
                for dir in &tree.dirs {
                    path_record(
                        &mut table,
                        &dir.ident,
                        dir.lba,
                        (dir.parent + 1) as u16,
                        big,
                    );
                }
                path_tables.push(table);
            }
            let root = &tree.dirs[0];
            let dt = DescriptorTree {
                joliet: tree.joliet,
                root_lba: root.lba,
                root_size: root.size(),
                path_table_size: tree.path_table_size,
                l_table_lba: table_lbas[t * 2],
                m_table_lba: table_lbas[t * 2 + 1],
            };
            descriptors.push(volume_descriptor(&dt, opts, sectors));
        }
        descriptors.push(terminator());
        let date = date7(opts.source_date_epoch);
        Ok(IsoImage {
            files: placed,
            trees,
            descriptors,
            path_tables,
            segments: alloc.segments,
            date,
            sectors,
        })
    }

    /// Exact length of the image in bytes.
    pub fn len(&self) -> u64 {
        u64::from(self.sectors) * SECTOR
    }

    /// Never true: an image always has its system area and descriptors.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// A reader producing the image bytes from the start.
    pub fn reader(&self) -> super::IsoReader<'_> {
        super::IsoReader::new(self)
    }

    /// Where a reader can start ([`IsoImage::reader_from`]): the first byte and the start of
    /// every file extent. Each comes with the bytes up to the next point (the work of
    /// producing them is a copy).
    pub fn restart_points(&self) -> Vec<(u64, u64)> {
        let mut starts: Vec<u64> = vec![0];
        starts.extend(
            self.segments
                .iter()
                .filter(|s| matches!(s.part, Part::Data(_)) && s.lba > 0)
                .map(|s| u64::from(s.lba) * SECTOR),
        );
        let len = self.len();
        starts
            .iter()
            .enumerate()
            .map(|(i, &start)| (start, starts.get(i + 1).copied().unwrap_or(len) - start))
            .collect()
    }

    /// A reader producing the image from `start`, which must not lie inside a file extent
    /// (any of the [`IsoImage::restart_points`] will do).
    pub fn reader_from(&self, start: u64) -> Result<super::IsoReader<'_>> {
        let seg = self
            .segments
            .partition_point(|s| u64::from(s.lba + s.sectors) * SECTOR <= start);
        let inside_data = self
            .segments
            .get(seg)
            .is_some_and(|s| matches!(s.part, Part::Data(_)) && u64::from(s.lba) * SECTOR != start);
        if start > self.len() || inside_data {
            return Err(Error::archive(
                "iso",
                format!("byte {start} is inside a file extent or past the end of the image"),
            ));
        }
        Ok(super::IsoReader::starting_at(self, start, seg))
    }
}
