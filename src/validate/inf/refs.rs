//! Facts read from INF directives: the files a driver package must contain, the services it
//! adds and the hardware IDs its models match.
//!
//! These are the directives Windows itself follows when it stages a package, interpreted
//! only as far as naming files needs. Each section is expanded at most once, so the work stays
//! linear even when many directives name the same big section. Nothing here decides whether a
//! fact is a problem.

use std::collections::{BTreeMap, BTreeSet};

use super::{fold, Entry, FileRef, Inf, RefKind};

/// Collects references, deduplicated case-insensitively, keeping the earliest line.
#[derive(Default)]
struct Refs {
    list: Vec<FileRef>,
    by_name: BTreeMap<String, usize>,
}

impl Refs {
    fn add(&mut self, name: String, line: u32, kind: RefKind) {
        if name.is_empty() {
            return;
        }
        match self.by_name.get(&fold(&name)) {
            Some(&i) => {
                if line < self.list[i].line {
                    self.list[i] = FileRef { name, line, kind };
                }
            }
            None => {
                self.by_name.insert(fold(&name), self.list.len());
                self.list.push(FileRef { name, line, kind });
            }
        }
    }
}

/// Joins path pieces written with either slash, dropping empty and `.` components.
fn join_path<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for part in parts {
        for piece in part
            .split(['\\', '/'])
            .map(str::trim)
            .filter(|p| !p.is_empty() && *p != ".")
        {
            if !out.is_empty() {
                out.push('/');
            }
            out.push_str(piece);
        }
    }
    out
}

fn base_name(path: &str) -> &str {
    path.rsplit(['\\', '/']).next().unwrap_or(path).trim()
}

fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn key_is(entry: &Entry, key: &str) -> bool {
    entry
        .key
        .as_deref()
        .is_some_and(|k| k.eq_ignore_ascii_case(key))
}

impl Inf {
    /// The catalog Windows uses for this INF on a platform (`"amd64"`, `"x86"`): the most
    /// specific of `CatalogFile.NT<platform>`, `CatalogFile.NT` and `CatalogFile` in
    /// `[Version]`, as a path relative to the INF's folder, with its line.
    pub fn catalog_file(&self, platform: &str) -> Option<(String, u32)> {
        let want = [
            format!("catalogfile.nt{}", platform.to_ascii_lowercase()),
            "catalogfile.nt".to_string(),
            "catalogfile".to_string(),
        ];
        let entries = self.entries("Version");
        want.iter().find_map(|key| {
            let e = entries
                .iter()
                .find(|e| e.key.as_deref().map(fold).as_deref() == Some(key.as_str()))?;
            let v = e.values.first()?;
            let path = join_path([self.resolve(v).as_str()]);
            (!path.is_empty()).then_some((path, e.line))
        })
    }

    /// Every `CatalogFile*` key of `[Version]` as written, with its line: what to name when
    /// none applies to a platform.
    pub fn catalog_keys(&self) -> Vec<(String, u32)> {
        self.entries("Version")
            .iter()
            .filter_map(|e| {
                let key = e.key.as_deref()?;
                fold(key)
                    .starts_with("catalogfile")
                    .then(|| (key.to_string(), e.line))
            })
            .collect()
    }

    /// Sections whose folded name is `prefix` or `prefix.<decoration>`, with the decoration
    /// (`""` or `".amd64"`).
    fn decorated<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a [Entry])> + 'a {
        self.sections.iter().filter_map(move |s| {
            let rest = s.folded.strip_prefix(prefix)?;
            (rest.is_empty() || rest.starts_with('.')).then_some((rest, s.entries.as_slice()))
        })
    }

    /// Entries that can hold install directives: everything except the string tables.
    fn directive_entries(&self) -> impl Iterator<Item = &Entry> {
        self.sections
            .iter()
            .filter(|s| s.folded != "strings" && !s.folded.starts_with("strings."))
            .flat_map(|s| s.entries.iter())
    }

    /// Every file the INF needs next to it in the driver package (see [`FileRef`]):
    /// `CatalogFile[.NT*]` in `[Version]`; `[SourceDisksFiles[.*]]` entries, prefixed by the
    /// disk's path from the matching `[SourceDisksNames[.*]]` and the entry's subdirectory;
    /// `CopyFiles` (`@file` or file-list sections, whose lines name the destination and, when
    /// non-empty, the source that wins); `CopyINF`; the base name of `ServiceBinary`; and
    /// `WdfCoInstaller*.dll` named in `CoInstallers32` registry values. Deduplicated
    /// case-insensitively keeping the earliest line; sorted by line.
    pub fn referenced_files(&self) -> Vec<FileRef> {
        let mut refs = Refs::default();
        for e in self.entries("Version") {
            let catalog = e
                .key
                .as_deref()
                .map(fold)
                .is_some_and(|k| k == "catalogfile" || k.starts_with("catalogfile."));
            if let (true, Some(v)) = (catalog, e.values.first()) {
                refs.add(
                    join_path([self.resolve(v).as_str()]),
                    e.line,
                    RefKind::CatalogFile,
                );
            }
        }
        let located = self.source_disks_files(&mut refs);
        let relocate = |name: &str| {
            let path = join_path([name]);
            located.get(&fold(&path)).cloned().unwrap_or(path)
        };
        let mut expanded = BTreeSet::new();
        for e in self.directive_entries() {
            if key_is(e, "CopyFiles") {
                for token in &e.values {
                    if token.is_empty() {
                        continue;
                    } else if let Some(file) = token.strip_prefix('@') {
                        refs.add(relocate(&self.resolve(file)), e.line, RefKind::CopyFiles);
                    } else if expanded.insert(fold(&self.resolve(token))) {
                        for f in self.entries(&self.resolve(token)) {
                            let fields = self.fields(f);
                            let source = fields.get(1).filter(|s| !s.is_empty()).or(fields.first());
                            if let Some(source) = source {
                                refs.add(
                                    relocate(&self.resolve(source)),
                                    f.line,
                                    RefKind::CopyFiles,
                                );
                            }
                        }
                    }
                }
            } else if key_is(e, "CopyINF") {
                for token in &e.values {
                    refs.add(relocate(&self.resolve(token)), e.line, RefKind::CopyInf);
                }
            } else if key_is(e, "ServiceBinary") {
                if let Some(v) = e.values.first() {
                    refs.add(
                        relocate(base_name(&self.resolve(v))),
                        e.line,
                        RefKind::ServiceBinary,
                    );
                }
            } else if e.key.is_none() && contains_ignore_case(self.text(e), "coinstallers32") {
                for dll in self.wdf_coinstallers(e) {
                    refs.add(relocate(&dll), e.line, RefKind::CoInstaller);
                }
            }
        }
        let mut list = refs.list;
        list.sort_by_key(|r| r.line);
        list
    }

    /// Adds `[SourceDisksFiles*]` entries; returns folded base name -> path for the files that
    /// live in a subdirectory, so that other references to them point at the same place.
    fn source_disks_files(&self, refs: &mut Refs) -> BTreeMap<String, String> {
        // Decoration -> disk id -> the disk's path (4th field of a SourceDisksNames entry).
        let mut disks: BTreeMap<&str, BTreeMap<String, String>> = BTreeMap::new();
        for (decoration, entries) in self.decorated("sourcedisksnames") {
            let table = disks.entry(decoration).or_default();
            for e in entries {
                if let (Some(id), Some(path)) = (&e.key, e.values.get(3)) {
                    table
                        .entry(fold(&self.resolve(id)))
                        .or_insert_with(|| self.resolve(path));
                }
            }
        }
        let mut located = BTreeMap::new();
        for (decoration, entries) in self.decorated("sourcedisksfiles") {
            for e in entries {
                let (name, fields) = match (&e.key, e.values.split_first()) {
                    (Some(k), _) => (k, e.values.as_slice()),
                    (None, Some((first, rest))) => (first, rest),
                    (None, None) => continue,
                };
                let name = self.resolve(name);
                let disk = fields
                    .first()
                    .map(|id| fold(&self.resolve(id)))
                    .unwrap_or_default();
                let disk_path = [decoration, ""]
                    .iter()
                    .find_map(|d| disks.get(d).and_then(|t| t.get(&disk)))
                    .map_or(String::new(), Clone::clone);
                let subdir = fields.get(1).map(|s| self.resolve(s)).unwrap_or_default();
                let path = join_path([disk_path.as_str(), subdir.as_str(), name.as_str()]);
                let base = base_name(&name);
                if !path.is_empty() && path != base {
                    located.entry(fold(base)).or_insert_with(|| path.clone());
                }
                refs.add(path, e.line, RefKind::SourceDisksFiles);
            }
        }
        located
    }

    /// `HKR,,CoInstallers32,flags,"WdfCoInstaller01011.dll,WdfCoInstaller",...`: the WDF
    /// co-installer DLLs a registry line names (other co-installers ship in-box or are
    /// already covered by the CopyFiles that installs them).
    fn wdf_coinstallers(&self, entry: &Entry) -> Vec<String> {
        let fields = self.fields(entry);
        if fields.len() < 5 || !fields[2].eq_ignore_ascii_case("CoInstallers32") {
            return Vec::new();
        }
        fields[4..]
            .iter()
            .filter_map(|value| {
                let value = self.resolve(value);
                let dll = value.split(',').next().unwrap_or("").trim();
                let folded = fold(dll);
                (folded.starts_with("wdfcoinstaller") && folded.ends_with(".dll"))
                    .then(|| dll.to_owned())
            })
            .collect()
    }

    /// `AddService = name, flags, section` entries in any section: (service name, line),
    /// sorted by line.
    pub fn add_services(&self) -> Vec<(String, u32)> {
        let mut out: Vec<(String, u32)> = self
            .directive_entries()
            .filter(|e| key_is(e, "AddService"))
            .map(|e| {
                (
                    e.values
                        .first()
                        .map(|v| self.resolve(v))
                        .unwrap_or_default(),
                    e.line,
                )
            })
            .collect();
        out.sort_by_key(|s| s.1);
        out
    }

    /// Hardware and compatible IDs of the models sections named by `[Manufacturer]` (the
    /// undecorated section and every listed decoration): (id, line), deduplicated
    /// case-insensitively keeping the earliest line, sorted by line.
    pub fn hardware_ids(&self) -> Vec<(String, u32)> {
        let mut seen_sections = BTreeSet::new();
        let mut ids: BTreeMap<String, (String, u32)> = BTreeMap::new();
        for m in self.entries("Manufacturer") {
            let Some((base, decorations)) = m.values.split_first() else {
                continue;
            };
            let base = self.resolve(base);
            let names = std::iter::once(base.clone()).chain(
                decorations
                    .iter()
                    .map(|d| format!("{base}.{}", self.resolve(d))),
            );
            for name in names {
                if !seen_sections.insert(fold(&name)) {
                    continue;
                }
                for model in self.entries(&name) {
                    for id in model
                        .values
                        .iter()
                        .skip(1)
                        .map(|v| self.resolve(v))
                        .filter(|v| !v.is_empty())
                    {
                        let slot = ids
                            .entry(fold(&id))
                            .or_insert_with(|| (id.clone(), model.line));
                        if model.line < slot.1 {
                            *slot = (id, model.line);
                        }
                    }
                }
            }
        }
        let mut out: Vec<(String, u32)> = ids.into_values().collect();
        out.sort_by_key(|s| s.1);
        out
    }

    /// `CopyFiles` section names that no section defines: (name, line of the directive).
    pub fn missing_copyfiles_sections(&self) -> Vec<(String, u32)> {
        let mut out = Vec::new();
        for e in self.directive_entries().filter(|e| key_is(e, "CopyFiles")) {
            for token in e
                .values
                .iter()
                .filter(|t| !t.starts_with('@') && !t.is_empty())
            {
                let name = self.resolve(token);
                if !self.has_section(&name) {
                    out.push((name, e.line));
                }
            }
        }
        out.sort_by_key(|s| s.1);
        out
    }
}
