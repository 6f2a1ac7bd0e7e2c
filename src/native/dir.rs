//! Walks a directory into a [`VTree`] without reading file contents.
//!
//! Paths in the tree are relative to the given root, so the same content reached through
//! `./drivers`, `/abs/drivers` or a symlinked parent gives the same tree. Symlinks inside the
//! tree and names that are not UTF-8 are recorded as rejections, never followed.

use super::file::FileContent;
use crate::error::{Error, Result};
use crate::vtree::{RejectKind, VTree};
use std::fs;
use std::path::Path;
use std::sync::Arc;

/// Reads the structure of `root` (which must be a directory).
pub fn read_dir_tree(root: &Path) -> Result<VTree> {
    let meta = fs::metadata(root).map_err(|e| Error::io(root.display().to_string(), e))?;
    if !meta.is_dir() {
        return Err(Error::io(
            root.display().to_string(),
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a directory"),
        ));
    }
    let mut tree = VTree::new();
    walk(root, "", &mut tree, 0)?;
    Ok(tree)
}

/// Deeper than this is almost certainly a loop through a bind mount; refuse rather than hang.
const MAX_DEPTH: u32 = 64;

fn walk(dir: &Path, rel: &str, tree: &mut VTree, depth: u32) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(Error::io(
            dir.display().to_string(),
            std::io::Error::other(format!("directory nesting deeper than {MAX_DEPTH} levels")),
        ));
    }
    let rd = fs::read_dir(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
    let mut entries = Vec::new();
    for e in rd {
        entries.push(e.map_err(|e| Error::io(dir.display().to_string(), e))?);
    }
    // Sorted so rejections and errors come out in the same order on every host.
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let os_name = e.file_name();
        let path = e.path();
        let Some(name) = os_name.to_str() else {
            let lossy = os_name.to_string_lossy();
            tree.reject(join(rel, &lossy), RejectKind::NonUtf8Name);
            continue;
        };
        let child = join(rel, name);
        let ft =
            fs::symlink_metadata(&path).map_err(|e| Error::io(path.display().to_string(), e))?;
        if ft.file_type().is_symlink() {
            tree.reject(child, RejectKind::Symlink);
        } else if ft.is_dir() {
            tree.insert_dir(child.clone());
            walk(&path, &child, tree, depth + 1)?;
        } else if ft.is_file() {
            tree.insert(
                child,
                Arc::new(FileContent {
                    path,
                    len: ft.len(),
                }),
            );
        } else {
            tree.reject(
                child,
                RejectKind::Other("not a regular file (device, socket or pipe)".into()),
            );
        }
    }
    Ok(())
}

fn join(rel: &str, name: &str) -> String {
    if rel.is_empty() {
        name.to_string()
    } else {
        format!("{rel}/{name}")
    }
}
