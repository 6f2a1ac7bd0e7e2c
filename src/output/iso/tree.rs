//! The directory hierarchy implied by the media paths, named and ordered for each of the two
//! trees (primary and Joliet).
//!
//! Directories are numbered in ECMA-119 path table order (by level, then parent number, then
//! identifier), which is exactly breadth-first order with children visited in identifier
//! order. Records inside a directory use the same identifier order. This module assigns no
//! sector addresses beyond each directory's own size in sectors.

use super::names::{joliet_name, primary_names, ucs2_be};
use super::records::dir_record_len;
use super::SECTOR;
use crate::{Error, Result};
use std::collections::{BTreeMap, VecDeque};

/// Path tables number directories with 16 bits.
const MAX_DIRS: usize = 65_535;

/// What a directory record points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// Index into [`Tree::dirs`].
    Dir(usize),
    /// Index into the image's file list.
    File(usize),
}

/// One directory record other than `.` and `..`.
#[derive(Debug)]
pub(crate) struct Record {
    pub ident: Vec<u8>,
    pub target: Target,
}

/// One directory of a tree, in path table order.
#[derive(Debug)]
pub(crate) struct Dir {
    /// Identifier in the path table (`[0]` for the root).
    pub ident: Vec<u8>,
    /// Index of the parent in [`Tree::dirs`] (the root is its own parent).
    pub parent: usize,
    /// Children in on-disc order.
    pub records: Vec<Record>,
    /// For each sector of the extent, the index of its first record, counting `.` as 0,
    /// `..` as 1 and `records[i]` as `i + 2`.
    pub sector_starts: Vec<usize>,
    /// First sector; set by the layout.
    pub lba: u32,
}

impl Dir {
    pub fn sectors(&self) -> u32 {
        self.sector_starts.len() as u32
    }
    pub fn size(&self) -> u32 {
        self.sectors() * SECTOR as u32
    }
}

/// One complete tree with its path tables' size.
#[derive(Debug)]
pub(crate) struct Tree {
    pub joliet: bool,
    pub dirs: Vec<Dir>,
    pub path_table_size: u32,
}

/// The name hierarchy shared by both trees.
#[derive(Default)]
pub(crate) struct Hierarchy {
    /// Per directory: its path, sub-directories by real name and files by real name.
    nodes: Vec<Node>,
}

#[derive(Default)]
struct Node {
    path: String,
    dirs: BTreeMap<String, usize>,
    files: BTreeMap<String, usize>,
}

impl Hierarchy {
    /// Builds the hierarchy from file paths (`paths[i]` is file `i`).
    pub fn new<'a>(paths: impl IntoIterator<Item = &'a str>) -> Result<Hierarchy> {
        let mut h = Hierarchy {
            nodes: vec![Node::default()],
        };
        for (index, path) in paths.into_iter().enumerate() {
            let parts: Vec<&str> = path.split('/').collect();
            if parts.iter().any(|p| p.is_empty()) {
                return Err(Error::archive(path, "media path has an empty component"));
            }
            let (file_name, dirs) = parts
                .split_last()
                .ok_or_else(|| Error::archive(path, "empty media path"))?;
            let mut at = 0;
            for d in dirs {
                if h.nodes[at].files.contains_key(*d) {
                    return Err(Error::archive(
                        path,
                        format!("\"{d}\" is both a file and a folder"),
                    ));
                }
                at = match h.nodes[at].dirs.get(*d) {
                    Some(&id) => id,
                    None => {
                        let id = h.nodes.len();
                        let parent_path = &h.nodes[at].path;
                        let child_path = if parent_path.is_empty() {
                            d.to_string()
                        } else {
                            format!("{parent_path}/{d}")
                        };
                        h.nodes.push(Node {
                            path: child_path,
                            ..Node::default()
                        });
                        h.nodes[at].dirs.insert(d.to_string(), id);
                        id
                    }
                };
            }
            let node = &mut h.nodes[at];
            if node.dirs.contains_key(*file_name) {
                return Err(Error::archive(path, "path is both a file and a folder"));
            }
            if node.files.insert(file_name.to_string(), index).is_some() {
                return Err(Error::archive(path, "duplicate media path"));
            }
        }
        if h.nodes.len() > MAX_DIRS {
            return Err(Error::archive(
                "media",
                format!(
                    "{} folders; ISO9660 path tables hold at most {MAX_DIRS}",
                    h.nodes.len()
                ),
            ));
        }
        Ok(h)
    }

    /// Children of node `n` with their identifiers, in on-disc order.
    fn children(&self, n: usize, joliet: bool) -> Result<Vec<Child>> {
        let node = &self.nodes[n];
        // Real names in byte order: the fixed order collision suffixes are handed out in.
        let mut all: Vec<(&str, Kid)> = Vec::new();
        all.extend(node.dirs.iter().map(|(k, &v)| (k.as_str(), Kid::Dir(v))));
        all.extend(node.files.iter().map(|(k, &v)| (k.as_str(), Kid::File(v))));
        all.sort_by(|a, b| a.0.cmp(b.0));
        let mut out = Vec::with_capacity(all.len());
        if joliet {
            for &(name, kid) in &all {
                let path = if node.path.is_empty() {
                    name.to_string()
                } else {
                    format!("{}/{name}", node.path)
                };
                let ident = ucs2_be(&joliet_name(name, &path)?);
                out.push(Child {
                    key: (ident.clone(), Vec::new()),
                    ident,
                    kid,
                });
            }
        } else {
            let kinds: Vec<(&str, bool)> = all
                .iter()
                .map(|c| (c.0, matches!(c.1, Kid::Dir(_))))
                .collect();
            for (pn, &(_, kid)) in primary_names(&kinds).into_iter().zip(&all) {
                let ident = pn.ident(matches!(kid, Kid::Dir(_)));
                out.push(Child {
                    key: (pn.base.into_bytes(), pn.ext.into_bytes()),
                    ident,
                    kid,
                });
            }
        }
        // Keys are unique (primary names are de-duplicated, Joliet names are the real ones).
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    /// One tree, directories in path table order.
    pub fn tree(&self, joliet: bool) -> Result<Tree> {
        let mut dirs: Vec<Dir> = Vec::new();
        let mut queue: VecDeque<(usize, usize, Vec<u8>)> = VecDeque::from([(0, 0, vec![0u8])]);
        let mut path_table_size = 0usize;
        while let Some((node, parent, ident)) = queue.pop_front() {
            let me = dirs.len();
            let mut records = Vec::new();
            for c in self.children(node, joliet)? {
                let target = match c.kid {
                    Kid::Dir(d) => {
                        // Breadth-first: this directory's number is its place in the queue.
                        let id = me + 1 + queue.len();
                        queue.push_back((d, me, c.ident.clone()));
                        Target::Dir(id)
                    }
                    Kid::File(f) => Target::File(f),
                };
                records.push(Record {
                    ident: c.ident,
                    target,
                });
            }
            path_table_size += super::records::path_record_len(ident.len());
            let sector_starts = pack_sectors(&records);
            dirs.push(Dir {
                ident,
                parent,
                records,
                sector_starts,
                lba: 0,
            });
        }
        Ok(Tree {
            joliet,
            dirs,
            path_table_size: path_table_size as u32,
        })
    }
}

/// A child in the name hierarchy: a node id or a file index.
#[derive(Clone, Copy)]
enum Kid {
    Dir(usize),
    File(usize),
}

struct Child {
    /// ECMA-119 order: name part, then extension part (Joliet: UCS-2 units, empty).
    key: (Vec<u8>, Vec<u8>),
    ident: Vec<u8>,
    kid: Kid,
}

/// Splits a directory's records into sectors so that no record crosses a sector boundary.
fn pack_sectors(records: &[Record]) -> Vec<usize> {
    let lens = [34, 34]
        .into_iter()
        .chain(records.iter().map(|r| dir_record_len(r.ident.len())));
    let mut starts = vec![0];
    let mut used = 0;
    for (i, len) in lens.enumerate() {
        if used + len > SECTOR as usize {
            starts.push(i);
            used = 0;
        }
        used += len;
    }
    starts
}
