//! Walks a directory into a [`VTree`] without reading file contents.
//!
//! Paths in the tree are relative to the given root, so the same content reached through
//! `./drivers`, `/abs/drivers` or a symlinked parent gives the same tree. Symlinks inside the
//! tree and names that are not UTF-8 are recorded as rejections, never followed. The walk
//! stops with [`Error::Limit`] as soon as the tree goes over the [`Limits`] (entries, depth,
//! file and total size), so a huge or looping tree costs bounded time and memory.

use super::file::FileContent;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::source::vtree::{join, RejectKind, VTree};
use std::fs;
use std::path::Path;
use std::sync::Arc;

/// Reads the structure of `root` (which must be a directory) under the default [`Limits`].
pub fn read_dir_tree(root: &Path) -> Result<VTree> {
    read_dir_tree_limited(root, &Limits::default())
}

/// [`read_dir_tree`] under explicit limits.
pub fn read_dir_tree_limited(root: &Path, limits: &Limits) -> Result<VTree> {
    let meta = fs::metadata(root).map_err(|e| Error::io(root.display().to_string(), e))?;
    if !meta.is_dir() {
        return Err(Error::io(
            root.display().to_string(),
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a directory"),
        ));
    }
    let mut walk = Walk {
        root: root.display().to_string(),
        limits,
        tree: VTree::new(),
        entries: 0,
        total: 0,
    };
    walk.dir(root, "", 0)?;
    Ok(walk.tree)
}

struct Walk<'a> {
    /// The root as the user gave it, for messages.
    root: String,
    limits: &'a Limits,
    tree: VTree,
    entries: u64,
    total: u64,
}

impl Walk<'_> {
    fn dir(&mut self, dir: &Path, rel: &str, depth: u32) -> Result<()> {
        let rd = fs::read_dir(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
        let mut entries = Vec::new();
        for e in rd {
            // Counted while listing, so a folder with millions of entries is refused before
            // they are all held in memory.
            self.entries += 1;
            if self.entries > self.limits.max_entries {
                return Err(Limits::exceeded(
                    &self.root,
                    "--max-entries",
                    format!(
                        "the folder holds {} or more files and folders",
                        self.entries
                    ),
                    self.limits.max_entries,
                ));
            }
            entries.push(e.map_err(|e| Error::io(dir.display().to_string(), e))?);
        }
        // Sorted so rejections and errors come out in the same order on every host.
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let os_name = e.file_name();
            let path = e.path();
            let Some(name) = os_name.to_str() else {
                let lossy = os_name.to_string_lossy();
                self.tree.reject(join(rel, &lossy), RejectKind::NonUtf8Name);
                continue;
            };
            let child = join(rel, name);
            if depth + 1 > self.limits.max_path_depth {
                return Err(Limits::exceeded(
                    &self.root,
                    "--max-path-depth",
                    format!("\"{child}\" is {} path components deep", depth + 1),
                    u64::from(self.limits.max_path_depth),
                ));
            }
            let ft = fs::symlink_metadata(&path)
                .map_err(|e| Error::io(path.display().to_string(), e))?;
            if ft.file_type().is_symlink() {
                self.tree.reject(child, RejectKind::Symlink);
            } else if ft.is_dir() {
                self.tree.insert_dir(child.clone());
                self.dir(&path, &child, depth + 1)?;
            } else if ft.is_file() {
                self.file(child, path, ft.len())?;
            } else {
                self.tree.reject(
                    child,
                    RejectKind::Other("not a regular file (device, socket or pipe)".into()),
                );
            }
        }
        Ok(())
    }

    fn file(&mut self, child: String, path: std::path::PathBuf, len: u64) -> Result<()> {
        if len > self.limits.max_file_size {
            return Err(Limits::exceeded(
                &self.root,
                "--max-file-size",
                format!("\"{child}\" is {len} bytes"),
                self.limits.max_file_size,
            ));
        }
        self.total = self.total.saturating_add(len);
        if self.total > self.limits.max_total_size {
            return Err(Limits::exceeded(
                &self.root,
                "--max-total-size",
                format!("the files up to \"{child}\" hold {} bytes", self.total),
                self.limits.max_total_size,
            ));
        }
        self.tree.insert(child, Arc::new(FileContent { path, len }));
        Ok(())
    }
}
