//! The virtual tree every input is turned into before anything else looks at it.
//!
//! Adapters (directory, zip, later ISO) fill a [`VTree`]; validation and planning only ever see
//! this type. Paths are relative, `/`-separated, with the exact case the input had. Entries the
//! adapter had to refuse (symlinks, names that are not UTF-8, unsafe zip paths) are kept as
//! [`Rejected`] records so validation can report every one of them instead of stopping at the first.

use crate::source::Content;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How many wrapper folders are descended at most: enough for `release/drivers/`, not a search.
pub const MAX_WRAPPER_DEPTH: usize = 3;

/// Joins a relative path onto a folder ("" = the root).
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Entries no input layout counts: hidden files and folders, and macOS's `__MACOSX`.
pub fn is_noise(name: &str) -> bool {
    name.starts_with('.') || name == "__MACOSX"
}

/// Why an adapter could not take an entry as a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RejectKind {
    Symlink,
    /// The name is not valid UTF-8; the path shown is a lossy rendering.
    NonUtf8Name,
    /// Absolute path, drive letter, `..` component or similar in an archive entry name.
    UnsafePath,
    /// Anything else the adapter refuses (special file, encrypted entry, ...), with the reason.
    Other(String),
}

/// An input entry the adapter refused.
#[derive(Clone, Debug)]
pub struct Rejected {
    pub path: String,
    pub kind: RejectKind,
}

/// A file tree whose contents are opened lazily.
#[derive(Clone, Default)]
pub struct VTree {
    files: BTreeMap<String, Arc<dyn Content>>,
    /// Directories that exist even when empty (so wrapper-folder and layout detection see them).
    dirs: BTreeMap<String, ()>,
    rejected: Vec<Rejected>,
}

impl VTree {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file. Parent directories are implied. A later insert of the same path replaces
    /// the earlier one; adapters detect duplicates themselves where that matters.
    pub fn insert(&mut self, path: impl Into<String>, content: Arc<dyn Content>) {
        let path = path.into();
        self.add_parents(&path);
        self.files.insert(path, content);
    }

    /// Records a directory (possibly empty).
    pub fn insert_dir(&mut self, path: impl Into<String>) {
        let path = path.into();
        let path = path.trim_end_matches('/').to_string();
        if path.is_empty() {
            return;
        }
        self.add_parents(&path);
        self.dirs.insert(path, ());
    }

    fn add_parents(&mut self, path: &str) {
        let mut end = 0;
        while let Some(i) = path[end..].find('/') {
            end += i;
            self.dirs.insert(path[..end].to_string(), ());
            end += 1;
        }
    }

    pub fn reject(&mut self, path: impl Into<String>, kind: RejectKind) {
        self.rejected.push(Rejected {
            path: path.into(),
            kind,
        });
    }

    /// True when `path` is a folder of the tree (every non-file entry that `children` returns
    /// is one).
    pub fn is_dir(&self, path: &str) -> bool {
        self.get(path).is_none()
    }

    /// Descends from the root through single wrapper folders (a folder whose only non-noise
    /// entry is one folder, as CI artifacts and archives of a folder have), at most
    /// [`MAX_WRAPPER_DEPTH`] levels, stopping early where `stop` says the current folder
    /// already is the root being looked for. Returns that folder ("" = the tree's root).
    pub fn descend_wrappers(&self, stop: impl Fn(&str) -> bool) -> String {
        let mut root = String::new();
        for _ in 0..=MAX_WRAPPER_DEPTH {
            if stop(&root) {
                break;
            }
            let kids: Vec<String> = self
                .children(&root)
                .into_iter()
                .filter(|n| !is_noise(n))
                .collect();
            if kids.len() == 1 && self.is_dir(&join(&root, &kids[0])) {
                root = join(&root, &kids[0]);
                continue;
            }
            break;
        }
        root
    }

    pub fn get(&self, path: &str) -> Option<&Arc<dyn Content>> {
        self.files.get(path)
    }

    /// Files in byte order of their paths.
    pub fn files(&self) -> impl Iterator<Item = (&str, &Arc<dyn Content>)> {
        self.files.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Directories in byte order of their paths.
    pub fn dirs(&self) -> impl Iterator<Item = &str> {
        self.dirs.keys().map(|k| k.as_str())
    }

    pub fn rejected(&self) -> &[Rejected] {
        &self.rejected
    }

    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// Names of the immediate children (files and folders) of `dir` ("" for the root).
    pub fn children(&self, dir: &str) -> Vec<String> {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let mut out: Vec<String> = Vec::new();
        let names = self
            .files
            .keys()
            .map(|k| k.as_str())
            .chain(self.dirs.keys().map(|k| k.as_str()));
        for p in names {
            if let Some(rest) = p.strip_prefix(&prefix) {
                let first = rest.split('/').next().unwrap_or("");
                if !first.is_empty() && !out.iter().any(|n| n == first) {
                    out.push(first.to_string());
                }
            }
        }
        out.sort();
        out
    }

    /// The subtree under `dir`, re-rooted (paths lose the `dir/` prefix). Rejections under it move along.
    pub fn subtree(&self, dir: &str) -> VTree {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        let mut out = VTree::new();
        for (p, c) in &self.files {
            if let Some(rest) = p.strip_prefix(&prefix) {
                out.insert(rest, c.clone());
            }
        }
        for d in self.dirs.keys() {
            if let Some(rest) = d.strip_prefix(&prefix) {
                out.insert_dir(rest);
            }
        }
        for r in &self.rejected {
            if let Some(rest) = r.path.strip_prefix(&prefix) {
                out.reject(rest, r.kind.clone());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemContent;

    #[test]
    fn children_and_subtree_follow_paths() {
        let mut t = VTree::new();
        let c: Arc<dyn Content> = Arc::new(MemContent::new(&b"x"[..]));
        t.insert("wrap/amd64/a/a.inf", c.clone());
        t.insert("wrap/x86/a/a.inf", c);
        t.insert_dir("wrap/empty");
        assert_eq!(t.children(""), vec!["wrap"]);
        assert_eq!(t.children("wrap"), vec!["amd64", "empty", "x86"]);
        let s = t.subtree("wrap");
        assert!(s.get("amd64/a/a.inf").is_some());
        assert_eq!(s.children(""), vec!["amd64", "empty", "x86"]);
    }
}
