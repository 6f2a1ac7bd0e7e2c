//! Flat architecture folders (`amd64/*.inf|*.sys|*.cat|...`, every driver's files side by side)
//! split into one package per INF by following what each INF references.
//!
//! A package is the INF, and every file of the folder it names (catalog, copied files, service
//! binaries, co-installers; see [`Inf::referenced_files`]), named by the INF's stem lower-cased.
//! A file two INFs reference goes into both packages. A debug-symbol file (`netkvm.pdb`) is
//! referenced by nothing, but it belongs to the binary of the same stem (`netkvm.sys`): it goes
//! wherever that binary goes, so the file policy and the spec's allowlists, not the shape of the
//! folder, decide whether it ships — exactly as they do for a per-driver folder. Any other file
//! no INF names is left out and reported: guessing its driver would put unrelated files on the
//! media.
//!
//! This module only groups files. It does not judge INFs: a missing referenced file is reported
//! by the package checks, which see the package exactly as if it had been a folder.

use super::{is_noise, join};
use crate::diag::Finding;
use crate::limits::Limits;
use crate::source::read_to_vec;
use crate::source::vtree::VTree;
use crate::validate::inf::{self, Inf};
use crate::validate::policy;
use std::collections::{BTreeMap, BTreeSet};

/// Extensions of debug-symbol files that follow the binary of the same stem.
const SYMBOL_EXTENSIONS: &[&str] = &["pdb", "dbg"];
/// Extensions of the binaries symbol files belong to.
const BINARY_EXTENSIONS: &[&str] = &["sys", "dll", "exe"];

/// True when `folder` holds INF files directly and no sub-folder (hidden entries aside):
/// a folder with sub-folders is a per-driver folder list, whatever loose files it also has.
pub fn is_flat(tree: &VTree, folder: &str) -> bool {
    let kids: Vec<String> = tree
        .children(folder)
        .into_iter()
        .filter(|n| !is_noise(n))
        .collect();
    let any_dir = kids.iter().any(|n| tree.is_dir(&join(folder, n)));
    !any_dir && kids.iter().any(|n| policy::extension(n) == "inf")
}

fn stem(name: &str) -> String {
    match name.rfind('.') {
        Some(i) if i > 0 => name[..i].to_lowercase(),
        _ => name.to_lowercase(),
    }
}

fn read_inf(tree: &VTree, path: &str, limits: &Limits) -> Option<Inf> {
    let bytes = read_to_vec(tree.get(path)?.as_ref(), limits.max_inf_size).ok()?;
    let (text, _) = inf::decode(&bytes).ok()?;
    Some(inf::parse(&text))
}

/// Package name → file names (as written in the folder), both sorted.
pub type Split = BTreeMap<String, Vec<String>>;

/// Groups the files of flat folder `folder` into packages; reports files no package takes
/// and INFs whose package names collide.
pub fn split(tree: &VTree, folder: &str, limits: &Limits, findings: &mut Vec<Finding>) -> Split {
    let names: Vec<String> = tree
        .children(folder)
        .into_iter()
        .filter(|n| !is_noise(n) && !tree.is_dir(&join(folder, n)))
        .collect();
    // Lower-cased name → name as written: Windows resolves INF references case-insensitively.
    let by_lower: BTreeMap<String, &String> = names.iter().map(|n| (n.to_lowercase(), n)).collect();
    let mut packages: Split = BTreeMap::new();
    let mut inf_of: BTreeMap<String, String> = BTreeMap::new();
    for name in names.iter().filter(|n| policy::extension(n) == "inf") {
        let pkg = stem(name);
        if let Some(first) = inf_of.get(&pkg) {
            findings.push(
                Finding::error(
                    "LAY008",
                    format!(
                        "\"{}\" and \"{}\" would both be driver \"{pkg}\"",
                        join(folder, first),
                        join(folder, name)
                    ),
                )
                .at(join(folder, name))
                .help("INF names must differ in more than letter case; remove one of them"),
            );
            continue;
        }
        inf_of.insert(pkg.clone(), name.clone());
        let mut files = vec![name.clone()];
        // An INF that cannot be read still forms its package: the package checks report it.
        if let Some(inf) = read_inf(tree, &join(folder, name), limits) {
            for r in inf.referenced_files() {
                let base = r.name.rsplit('/').next().unwrap_or(&r.name).to_lowercase();
                if let Some(found) = by_lower.get(&base) {
                    files.push((*found).clone());
                }
            }
        }
        files.sort();
        files.dedup();
        packages.insert(pkg, files);
    }
    let taken: BTreeSet<&String> = packages.values().flatten().collect();
    let loose: Vec<&String> = names.iter().filter(|n| !taken.contains(n)).collect();
    let mut unclaimed = Vec::new();
    for name in loose {
        let ext = policy::extension(name);
        let owners: Vec<String> = if SYMBOL_EXTENSIONS.contains(&ext.as_str()) {
            packages
                .iter()
                .filter(|(_, files)| {
                    files.iter().any(|f| {
                        stem(f) == stem(name)
                            && BINARY_EXTENSIONS.contains(&policy::extension(f).as_str())
                    })
                })
                .map(|(p, _)| p.clone())
                .collect()
        } else {
            Vec::new()
        };
        if owners.is_empty() {
            unclaimed.push(name.clone());
        }
        for p in owners {
            if let Some(files) = packages.get_mut(&p) {
                files.push(name.clone());
                files.sort();
            }
        }
    }
    for name in unclaimed {
        let path = join(folder, &name);
        findings.push(
            Finding::warning("LAY007", format!("\"{path}\" is not referenced by any INF in the folder and is not packaged"))
                .at(path)
                .help("a flat folder is split by what each INF references; reference the file from its INF, or put each driver in its own folder"),
        );
    }
    packages
}

/// `tree` with flat folder `folder` replaced by one sub-folder per package of `split`.
pub fn apply(tree: &VTree, folder: &str, split: &Split) -> VTree {
    let prefix = format!("{folder}/");
    let mut out = VTree::new();
    for d in tree.dirs() {
        if !d.starts_with(&prefix) {
            out.insert_dir(d);
        }
    }
    for (path, content) in tree.files() {
        if !path.starts_with(&prefix) {
            out.insert(path, content.clone());
        }
    }
    for (pkg, files) in split {
        for name in files {
            if let Some(c) = tree.get(&join(folder, name)) {
                out.insert(format!("{folder}/{pkg}/{name}"), c.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemContent;
    use std::sync::Arc;

    fn tree(files: &[(&str, &str)]) -> VTree {
        let mut t = VTree::new();
        for (p, body) in files {
            t.insert(*p, Arc::new(MemContent::new(body.as_bytes().to_vec())));
        }
        t
    }

    fn inf(sys: &str, extra: &str) -> String {
        format!(
            "[Version]\r\nCatalogFile={sys}.cat\r\n[SourceDisksFiles]\r\n{sys}.sys=1\r\n{extra}\r\n"
        )
    }

    #[test]
    fn splits_by_references_sharing_files_and_keeping_symbols_with_their_binary() {
        let a = inf("a", "");
        let b = inf("b", "A.SYS=1"); // case differs from the file: still found
        let t = tree(&[
            ("x64/A.inf", &a),
            ("x64/a.cat", ""),
            ("x64/a.sys", ""),
            ("x64/a.pdb", ""),
            ("x64/b.inf", &b),
            ("x64/b.cat", ""),
            ("x64/b.sys", ""),
            ("x64/notes.txt", ""),
            ("x64/other.pdb", ""),
        ]);
        assert!(is_flat(&t, "x64"));
        let mut f = Vec::new();
        let s = split(&t, "x64", &Limits::default(), &mut f);
        assert_eq!(s["a"], vec!["A.inf", "a.cat", "a.pdb", "a.sys"]);
        // The symbols follow a.sys into both packages that carry it.
        assert_eq!(s["b"], vec!["a.pdb", "a.sys", "b.cat", "b.inf", "b.sys"]);
        let warned: Vec<_> = f
            .iter()
            .map(|f| (f.code, f.path.clone().unwrap()))
            .collect();
        assert_eq!(
            warned,
            vec![
                ("LAY007", "x64/notes.txt".into()),
                ("LAY007", "x64/other.pdb".into())
            ]
        );
        let out = apply(&t, "x64", &s);
        assert!(out.get("x64/b/a.sys").is_some() && out.get("x64/a/a.pdb").is_some());
        assert!(out.get("x64/a.sys").is_none() && out.get("x64/notes.txt").is_none());
    }

    #[test]
    fn a_folder_with_subfolders_is_not_flat() {
        let t = tree(&[("x64/a.inf", ""), ("x64/drv/drv.inf", "")]);
        assert!(!is_flat(&t, "x64"));
        assert!(!is_flat(&tree(&[("x64/a.sys", "")]), "x64"));
    }

    #[test]
    fn inf_names_differing_in_case_collide() {
        let t = tree(&[("x64/a.inf", ""), ("x64/A.INF", "")]);
        let mut f = Vec::new();
        let s = split(&t, "x64", &Limits::default(), &mut f);
        assert_eq!(s.len(), 1);
        assert_eq!(f[0].code, "LAY008");
    }
}
