//! Orchestration: validated, staged files → digested media set → ISO, zip and manifest.
//!
//! This is the only place that knows the order of the steps; each step lives in its own
//! module. Nothing here does I/O: the caller drains the readers of the returned [`MediaSet`]
//! wherever it wants (a temp file, a pipe, a browser stream).

pub mod manifest;
pub mod shared;

use crate::diag::{Finding, Severity};
use crate::error::{Error, Result};
use crate::output::iso::{IsoImage, IsoOptions};
use crate::output::media::{self, MediaFile};
use crate::output::zip::{self as zipout, Keeper, Measurement, Measurer, ZipOptions, ZipPlan};
use crate::source::authenticode::{WindowsDigests, WindowsHasher};
use crate::source::{Content, MemContent};
use crate::validate::signing::SigningPolicy;
use crate::validate::{self, Staged, ValidateInput, ValidateOptions};
use crate::Report;
use manifest::{InputHash, Inputs, Manifest, PackageInfo};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Everything that shapes the output besides the input trees.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// Stem of the output file names and `package.name` in the manifest.
    pub name: String,
    pub version: String,
    pub build_id: String,
    /// Volume label; `None` derives it from `name` (`guest-tools` → `GUEST_TOOLS`).
    pub volume_id: Option<String>,
    pub signing_policy: SigningPolicy,
    /// Seconds since the Unix epoch used for every timestamp in the outputs.
    pub source_date_epoch: i64,
    /// Deflate level 0–9 for the zip.
    pub zip_level: u32,
    /// Worker threads for hashing and compression; 1 spawns nothing (the wasm build).
    pub threads: usize,
}

pub const DEFAULT_NAME: &str = "guest-tools";
pub const DEFAULT_VERSION: &str = "0.0.0";
pub const DEFAULT_BUILD_ID: &str = "local";
pub const DEFAULT_ZIP_LEVEL: u32 = 6;
/// The primary volume descriptor holds a 32-character label (ECMA-119 8.4.6), as mkisofs and
/// the reference packager allow.
pub const MAX_VOLUME_ID: usize = 32;
/// The Joliet descriptor holds 16 UCS-2 units; Windows shows the Joliet label, so a longer
/// label is cut there (with a warning) and derived labels stay within it.
pub const JOLIET_VOLUME_ID: usize = 16;

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            name: DEFAULT_NAME.into(),
            version: DEFAULT_VERSION.into(),
            build_id: DEFAULT_BUILD_ID.into(),
            volume_id: None,
            signing_policy: SigningPolicy::default(),
            source_date_epoch: 0,
            zip_level: DEFAULT_ZIP_LEVEL,
            threads: 1,
        }
    }
}

impl BuildOptions {
    /// The label actually written: the explicit one, or the name upper-cased with every
    /// character outside `A-Z0-9_` turned into `_`, cut to [`JOLIET_VOLUME_ID`].
    pub fn effective_volume_id(&self) -> String {
        match &self.volume_id {
            Some(v) => v.clone(),
            None => self
                .name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .take(JOLIET_VOLUME_ID)
                .collect(),
        }
    }

    /// What these options mean for the media that the user should hear about, added to the
    /// validation report by every adapter: a label longer than Joliet's 16 units.
    pub fn findings(&self) -> Vec<crate::diag::Finding> {
        let vol = self.effective_volume_id();
        if vol.chars().count() <= JOLIET_VOLUME_ID {
            return Vec::new();
        }
        let cut: String = vol.chars().take(JOLIET_VOLUME_ID).collect();
        vec![crate::diag::Finding::warning(
            "ISO001",
            format!(
                "volume label \"{vol}\" has {} characters: the ISO 9660 descriptor holds all of it, the Joliet descriptor (the label Windows shows) only \"{cut}\"",
                vol.chars().count()
            ),
        )
        .help("use at most 16 characters for the same label everywhere")]
    }

    pub fn iso_file_name(&self) -> String {
        format!("{}.iso", self.name)
    }

    pub fn zip_file_name(&self) -> String {
        format!("{}.zip", self.name)
    }

    /// Rejects option values that would produce broken or surprising media.
    pub fn check(&self) -> Result<()> {
        let bad = |option, message: String| Err(Error::Option { option, message });
        if self.name.is_empty()
            || !self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            || self.name.starts_with('.')
        {
            return bad(
                "--name",
                format!(
                    "\"{}\": use letters, digits, '-', '_' or '.' (e.g. guest-tools)",
                    self.name
                ),
            );
        }
        let vol = self.effective_volume_id();
        if vol.is_empty() || vol.chars().count() > MAX_VOLUME_ID {
            return bad(
                "--volume-id",
                format!(
                    "\"{vol}\": must be 1 to {MAX_VOLUME_ID} characters (the ISO 9660 label limit)"
                ),
            );
        }
        if !vol
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ' ' | '.'))
        {
            return bad(
                "--volume-id",
                format!("\"{vol}\": use letters, digits, '_', '-', '.' or spaces"),
            );
        }
        if self.zip_level > 9 {
            return bad(
                "--zip-level",
                format!("{}: must be 0 (store) to 9", self.zip_level),
            );
        }
        for (option, v) in [("--version", &self.version), ("--build-id", &self.build_id)] {
            if v.is_empty() || v.len() > 128 || v.chars().any(|c| c.is_control()) {
                return bad(
                    option,
                    format!("\"{v}\": must be 1 to 128 printable characters"),
                );
            }
        }
        Ok(())
    }
}

/// A fully planned media set: every file digested, every byte position known.
pub struct MediaSet {
    /// All files on the media, `manifest.json` included, sorted by path.
    pub files: Vec<MediaFile>,
    pub manifest: Manifest,
    /// The exact bytes of `manifest.json` (on the media and next to the ISO).
    pub manifest_bytes: Arc<[u8]>,
    pub iso: IsoImage,
    pub zip: ZipPlan,
}

/// Validates, checks every driver file against its catalog and, when there are no errors,
/// plans the media. `Ok((report, None))` means the input was rejected: nothing should be
/// written, and the report says why.
pub fn package(
    input: &ValidateInput,
    validate_opts: &ValidateOptions,
    opts: &BuildOptions,
) -> Result<(Report, Option<MediaSet>)> {
    let (report, _, set) = package_staged(input, validate_opts, opts)?;
    Ok((report, set))
}

/// [`package`], also giving the staged list (its per-driver rows include the catalog results).
pub fn package_staged(
    input: &ValidateInput,
    validate_opts: &ValidateOptions,
    opts: &BuildOptions,
) -> Result<(Report, Staged, Option<MediaSet>)> {
    opts.check()?;
    let (mut report, mut staged) = validate::validate(input, validate_opts)?;
    report.add(opts.findings());
    if report.has_errors() {
        report.add(check_catalogs(&mut staged, opts.threads)?);
        return Ok((report, staged, None));
    }
    let (found, set) = build(&mut staged, opts)?;
    report.add(found);
    Ok((report, staged, set))
}

/// For a run that builds nothing (rejected, or validation only): reads just the files the
/// catalogs must cover and looks them up ([`Staged::check_catalogs`]).
pub fn check_catalogs(staged: &mut Staged, threads: usize) -> Result<Vec<Finding>> {
    let wanted = staged.catalog_paths();
    let files: Vec<&(String, Arc<dyn Content>)> = staged
        .files
        .iter()
        .filter(|(p, _)| wanted.contains(p))
        .collect();
    let hashed = crate::output::par::map_ordered(&files, threads, |_, (path, content)| {
        let mut h = WindowsHasher::new(content.len());
        crate::source::digest::digest_with(content.as_ref(), &mut |piece| h.update(piece))
            .map_err(|e| Error::io(path, e))?;
        Ok::<_, Error>((path.clone(), h.finish()))
    });
    let mut by_path = BTreeMap::new();
    for r in hashed {
        let (path, d) = r?;
        by_path.insert(path, d);
    }
    Ok(staged.check_catalogs(&|p| by_path.get(p).cloned()))
}

/// Digests the staged files (the hashes the catalogs are checked with in the same read),
/// looks the installed files up in their catalogs and, unless that found errors, writes the
/// manifest and plans the ISO and zip. The findings are the catalog check's.
pub fn build(staged: &mut Staged, opts: &BuildOptions) -> Result<(Vec<Finding>, Option<MediaSet>)> {
    opts.check()?;
    let wanted = staged.catalog_paths();
    let (files, measured, windows) =
        digest_all(&staged.files, &wanted, opts.zip_level, opts.threads)?;
    let found = staged.check_catalogs(&|p| windows.get(p).cloned());
    if found.iter().any(|f| f.severity == Severity::Error) {
        return Ok((found, None));
    }
    let set = assemble(staged, opts, files, measured)?;
    Ok((found, Some(set)))
}

/// The spec's tools on the media (unlisted tool folders are only files), with their media
/// files and installers.
fn tool_entries(staged: &Staged) -> Vec<manifest::ToolEntry> {
    staged
        .tools
        .iter()
        .filter(|t| t.state == crate::validate::PackageState::Present)
        .map(|t| {
            let prefix = format!("tools/{}/", t.name);
            manifest::ToolEntry {
                name: t.name.clone(),
                required: t.required,
                files: staged
                    .files
                    .iter()
                    .filter(|(p, _)| p.starts_with(&prefix))
                    .map(|(p, _)| p.clone())
                    .collect(),
                installers: t
                    .installers
                    .iter()
                    .filter(|i| i.present)
                    .map(|i| manifest::InstallerEntry {
                        arch: i.arch.as_str().into(),
                        path: i.path.clone(),
                        kind: i.kind.as_str().into(),
                        product_code: i.msi.as_ref().map(|m| m.product_code.clone()),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Each packaged driver's catalogs (each once) and their signers' thumbprints.
fn driver_entries(staged: &Staged) -> Vec<manifest::DriverEntry> {
    let mut out: Vec<manifest::DriverEntry> = Vec::new();
    for p in staged
        .packages
        .iter()
        .filter(|p| p.state == crate::validate::PackageState::Present)
    {
        for c in p.catalogs.iter().filter(|c| c.readable) {
            if out.iter().any(|e| e.catalog == c.catalog) {
                continue;
            }
            out.push(manifest::DriverEntry {
                os: p.os.clone(),
                arch: p.arch.as_str().into(),
                name: p.driver.clone(),
                catalog: c.catalog.clone(),
                signer_thumbprint: c
                    .signature
                    .as_ref()
                    .and_then(|s| s.as_ref().ok())
                    .and_then(|f| f.chain.first())
                    .map(|c| c.thumbprint.clone()),
            });
        }
    }
    out
}

/// Writes the manifest and plans the ISO and zip from files already digested (in staged
/// order) and their zip measurements. Reads no payload when every file has a measurement.
pub(crate) fn assemble(
    staged: &Staged,
    opts: &BuildOptions,
    mut files: Vec<MediaFile>,
    measured: BTreeMap<String, Measurement>,
) -> Result<MediaSet> {
    let manifest = Manifest {
        schema_version: manifest::SCHEMA_VERSION,
        package: PackageInfo {
            name: opts.name.clone(),
            version: opts.version.clone(),
            build_id: opts.build_id.clone(),
            source_date_epoch: opts.source_date_epoch,
        },
        signing_policy: opts.signing_policy.as_str().into(),
        certs_required: opts.signing_policy == SigningPolicy::Test,
        inputs: Inputs {
            spec: InputHash {
                name: staged.spec.name.clone(),
                sha256: staged.spec.sha256.clone(),
            },
            windows_device_contract: staged.contract.as_ref().map(|c| InputHash {
                name: c.name.clone(),
                sha256: c.sha256.clone(),
            }),
            packager: manifest::packager(),
        },
        os_folders: staged
            .layout
            .os_folders
            .iter()
            .map(|f| manifest::OsFolderEntry {
                name: f.name.clone(),
                nt_version: f.nt_version.clone(),
            })
            .collect(),
        drivers: driver_entries(staged),
        tools: tool_entries(staged),
        files: Manifest::file_entries(&files),
    };
    let manifest_bytes: Arc<[u8]> = manifest.to_bytes().into();
    let content: Arc<dyn Content> = Arc::new(MemContent(manifest_bytes.clone()));
    files.push(
        media::media_file(manifest::FILE_NAME, content)
            .map_err(|e| Error::io(manifest::FILE_NAME, e))?,
    );
    files.sort_by(|a, b| a.path.cmp(&b.path));

    let iso = IsoImage::plan(
        &files,
        &IsoOptions {
            volume_id: opts.effective_volume_id(),
            source_date_epoch: opts.source_date_epoch,
            application_id: format!("GUESTPACK {}", env!("CARGO_PKG_VERSION")),
        },
    )?;
    let zip = ZipPlan::plan_measured(
        &files,
        &ZipOptions {
            level: opts.zip_level,
            source_date_epoch: opts.source_date_epoch,
            threads: opts.threads,
        },
        measured,
    )?;
    Ok(MediaSet {
        files,
        manifest,
        manifest_bytes,
        iso,
        zip,
    })
}

/// Hashes every staged file once and, in the same read, measures it for the zip. With
/// `threads > 1` files are shared out dynamically; results come back in input order, so the
/// thread count never changes the output. Which small files keep their compressed bytes
/// depends only on sizes in path order ([`zipout::cache_choices`]).
fn digest_all(
    staged: &[(String, Arc<dyn Content>)],
    windows: &BTreeSet<String>,
    level: u32,
    threads: usize,
) -> Result<Digested> {
    let mut order: Vec<usize> = (0..staged.len()).collect();
    order.sort_by(|&a, &b| staged[a].0.cmp(&staged[b].0));
    let mut keep = vec![false; staged.len()];
    let choices = zipout::cache_choices(order.iter().map(|&i| staged[i].1.len()));
    for (&i, k) in order.iter().zip(choices) {
        keep[i] = k;
    }
    let results = crate::output::par::map_ordered(staged, threads, |i, (path, content)| {
        digest_one(
            path,
            content,
            level,
            keep[i].then(|| Box::new(zipout::MemKeeper::default()) as Box<dyn Keeper>),
            windows.contains(path),
            &mut |_| {},
        )
    });
    let mut files = Vec::with_capacity(staged.len());
    let mut measured = BTreeMap::new();
    let mut hashes = BTreeMap::new();
    for r in results {
        let one = r?;
        if let Some(m) = one.measured {
            measured.insert(one.file.path.clone(), m);
        }
        if let Some(w) = one.windows {
            hashes.insert(one.file.path.clone(), w);
        }
        files.push(one.file);
    }
    Ok((files, measured, hashes))
}

/// What digesting every staged file gives: the media files, their zip measurements and the
/// Windows hashes of the files the catalogs must cover.
type Digested = (
    Vec<MediaFile>,
    BTreeMap<String, Measurement>,
    BTreeMap<String, WindowsDigests>,
);

/// What one read of a staged file learns.
pub(crate) struct DigestedFile {
    pub file: MediaFile,
    pub measured: Option<Measurement>,
    /// The hashes Windows looks up in a catalog, when asked for.
    pub windows: Option<WindowsDigests>,
}

/// Reads one staged file once: size, SHA-256 and CRC-32, (level > 0) its zip measurement,
/// keeping the compressed bytes when `keep`, and (`windows`) the hashes Windows looks up in a
/// catalog. `progress` hears of every piece read (its length), for a bar that moves within
/// one big file.
pub(crate) fn digest_one(
    path: &str,
    content: &Arc<dyn Content>,
    level: u32,
    keep: Option<Box<dyn Keeper>>,
    windows: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<DigestedFile> {
    let mut m = (level > 0).then(|| Measurer::keeping(level, content.len(), keep));
    let mut w = windows.then(|| WindowsHasher::sharing_sha256(content.len()));
    let digest = crate::source::digest::digest_with(content.as_ref(), &mut |piece| {
        progress(piece.len() as u64);
        if let Some(m) = m.as_mut() {
            m.update(piece);
        }
        if let Some(w) = w.as_mut() {
            w.update(piece);
        }
    });
    let io = |e| Error::io(path, e);
    let (size, sha256, crc32) = digest.map_err(io)?;
    let measured = m.map(Measurer::finish).transpose().map_err(io)?;
    let file = MediaFile {
        path: path.to_string(),
        content: content.clone(),
        size,
        sha256,
        crc32,
    };
    Ok(DigestedFile {
        file,
        measured,
        windows: w.map(|w| w.finish_with(&sha256)),
    })
}
