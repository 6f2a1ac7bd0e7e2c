//! Command-line flags. Names match the reference packager's so existing CI scripts keep working.

use clap::{Parser, Subcommand};
use guestpack::limits::{parse_size, Limits};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Inputs:
  --drivers-dir takes a directory, a .zip bundle or an .iso image holding x86/<driver>/...,
  amd64/<driver>/... and arm64/<driver>/... (aliases x64, x86_64, x86-64 -> amd64; i386, win32 ->
  x86; ARM64, aarch64 -> arm64), optionally inside one wrapper folder. The spec's arches field says
  which architectures the media carries (default x86 and amd64). A virtio-win tree <driver>/<os>/<arch>/ is re-laid for the OS given with
  --os (needed when it holds several); a flat arch folder (amd64/*.inf, *.sys, ...) is split into
  one driver per INF by following what each INF references.
  --spec takes a spec file, or the name of a shipped spec (win7-virtio-win.json, win7-virtio-full.json,
  virtio-win-8.1.json, virtio-win.json for upstream's own layout and names) when no file of that
  name exists.

Outputs (in --out-dir, replaced atomically; nothing is written when validation fails):
  <name>.iso     ISO9660 + Joliet image, label from --volume-id
  <name>.zip     the same files, deterministic zip
  manifest.json  SHA-256 and size of every file (also at the media root)

Reproducibility:
  Output bytes depend only on input contents and these options. Timestamps come from
  --source-date-epoch, else the SOURCE_DATE_EPOCH environment variable, else 0 (1970-01-01).

Exit codes:
  0  media written (warnings may have been printed)
  1  rejected by validation: findings printed, nothing written
  2  any other error (unreadable input, bad option, write failure)

Examples:
  guestpack --sample --out-dir out
  guestpack --drivers-dir bundle.zip --spec specs/win7-virtio-win.json --version 1.2.0 --out-dir dist
  guestpack --drivers-dir virtio-win.iso --os w10 --spec virtio-win-8.1.json --out-dir dist
  guestpack verify dist/guest-tools.iso --manifest dist/manifest.json
  guestpack spec --drivers-dir bundle.zip > my-spec.json";

#[derive(Parser, Debug)]
#[command(
    name = "guestpack",
    about = "Validate Windows guest drivers and build a guest-tools ISO, zip and SHA-256 manifest",
    override_usage = "guestpack --drivers-dir <PATH> --spec <FILE> [OPTIONS]\n       guestpack --sample [OPTIONS]\n       guestpack verify <MEDIA> [--manifest <FILE>]\n       guestpack spec --drivers-dir <PATH> [--os <OS>] > spec.json",
    long_about = None,
    disable_version_flag = true,
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Driver tree: a directory or a .zip bundle
    #[arg(long, value_name = "PATH", required_unless_present_any = ["sample", "tool_version"])]
    pub drivers_dir: Option<PathBuf>,

    /// OS folder to take from a driver input with OS folders (virtio-win: w7, w8.1, w10, 2k19...);
    /// a comma list (w7,w10,2k22) makes media for several Windows versions, drivers/<os>/<arch>/
    #[arg(long, value_name = "OS")]
    pub os: Option<String>,

    /// Windows versions the media is for, comma-separated (w7,w10): every driver's catalog
    /// must cover each [default: the spec's target_os, else the --os folder, else none]
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub target_os: Option<Vec<String>>,

    /// Package an INF whose LF line endings keep it out of its catalog with CRLF endings
    /// instead, once that form is checked against the catalog
    #[arg(long)]
    pub restore_crlf: bool,

    /// Guest-tools payload (directory or .zip) [default: the built-in guest-tools]
    #[arg(long, value_name = "PATH")]
    pub guest_tools_dir: Option<PathBuf>,

    /// Packaging spec JSON (a path, or the name of a shipped spec)
    #[arg(long, value_name = "FILE", required_unless_present_any = ["sample", "tool_version"])]
    pub spec: Option<PathBuf>,

    /// Where to write the outputs (created if missing)
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out_dir: PathBuf,

    /// Stem of the output file names and the package name in the manifest
    #[arg(long, value_name = "STEM", default_value = guestpack::build::DEFAULT_NAME)]
    pub name: String,

    /// Package version recorded in the manifest
    #[arg(long, value_name = "VERSION", default_value = guestpack::build::DEFAULT_VERSION)]
    pub version: String,

    /// Build identifier recorded in the manifest (e.g. a CI run number)
    #[arg(long, value_name = "ID", default_value = guestpack::build::DEFAULT_BUILD_ID)]
    pub build_id: String,

    /// ISO volume label, at most 32 characters; Windows shows the first 16 (the Joliet label)
    /// [default: derived from --name, e.g. GUEST_TOOLS]
    #[arg(long, value_name = "LABEL")]
    pub volume_id: Option<String>,

    /// test (ships the certificates in certs/), production or none; aliases testsigning,
    /// test-signing, prod, whql, nointegritychecks, no-integrity-checks
    /// [default: $GUESTPACK_SIGNING_POLICY, else $AERO_GUEST_TOOLS_SIGNING_POLICY, else test]
    #[arg(long, value_name = "POLICY")]
    pub signing_policy: Option<String>,

    /// Seconds since 1970-01-01 UTC for every timestamp [default: $SOURCE_DATE_EPOCH, else 0]
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    pub source_date_epoch: Option<String>,

    /// Windows device contract JSON: generates config/devices.cmd from it
    #[arg(long, value_name = "FILE")]
    pub windows_device_contract: Option<PathBuf>,

    /// Also write every finding as JSON to FILE (written even when validation fails)
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Deflate level for the zip, 0 (store) to 9
    #[arg(long, value_name = "LEVEL", default_value_t = guestpack::build::DEFAULT_ZIP_LEVEL)]
    pub zip_level: u32,

    /// Worker threads for hashing and compression [default: all cores]; never changes the output
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Use the built-in sample drivers (and, without --spec, win7-virtio-win.json)
    #[arg(long)]
    pub sample: bool,

    /// Validate and print findings only; write no media
    #[arg(long)]
    pub validate_only: bool,

    /// No progress display and no summary; findings are still printed
    #[arg(long, short)]
    pub quiet: bool,

    /// Fail at once if another run is writing to the same --out-dir, instead of waiting for it
    #[arg(long)]
    pub no_wait: bool,

    /// Most files and folders in one input tree (zip entries, directory walk)
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_entries, help_heading = "Limits")]
    pub max_entries: u64,

    /// Most bytes of all files of one input tree together, uncompressed (suffixes K, M, G, T)
    #[arg(long, value_name = "SIZE", default_value = "16G", value_parser = parse_size, help_heading = "Limits")]
    pub max_total_size: u64,

    /// Largest single input file, uncompressed (suffixes K, M, G, T)
    #[arg(long, value_name = "SIZE", default_value = "4G", value_parser = parse_size, help_heading = "Limits")]
    pub max_file_size: u64,

    /// Most components of an input path (a/b/c.inf is 3)
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_path_depth, help_heading = "Limits")]
    pub max_path_depth: u32,

    /// Largest compiled size of one spec regex; all of them together may use 32 times this
    #[arg(long, value_name = "SIZE", default_value = "1M", value_parser = parse_size, help_heading = "Limits")]
    pub max_regex_size: u64,

    /// Largest INF (or devices.cmd) read whole for parsing (suffixes K, M, G, T)
    #[arg(long, value_name = "SIZE", default_value = "8M", value_parser = parse_size, help_heading = "Limits")]
    pub max_inf_size: u64,

    /// Largest uncompressed : compressed ratio of a deflated zip entry (zip bomb guard)
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_ratio, help_heading = "Limits")]
    pub max_ratio: u64,

    /// Print guestpack's own version and exit
    #[arg(long = "tool-version", short = 'V')]
    pub tool_version: bool,
}

/// Commands besides packaging (which runs when none is given).
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check existing media (ISO, zip or extracted folder) against its manifest.json
    #[command(
        after_help = "Exit codes: 0 the media matches, 1 files missing, changed or extra, 2 any other error"
    )]
    Verify(VerifyArgs),
    /// Make a spec from a driver input: every driver folder, its hardware IDs, services and INFs
    #[command(after_help = SPEC_AFTER_HELP)]
    Spec(SpecArgs),
}

const SPEC_AFTER_HELP: &str = "\
The spec is written to stdout (or --out) and what it was made from to stderr. Each driver folder
becomes a driver required on the architectures where it is, expecting the hardware IDs of its
INF models sections (as exact, escaped patterns), the services its INFs install (AddService)
and its INF files. A folder of Windows Installer packages beside the driver or architecture
folders (virtio-win's guest-agent/) becomes an optional tool, one package per architecture as
each package's own platform says. Applied to the same input it leaves no warning or error about
drivers or tools; edit it to make drivers optional or to loosen patterns for newer builds.

Exit codes: 0 spec written, 1 the input holds no driver folder (or needs --os), 2 any other error

Examples:
  guestpack spec --drivers-dir bundle.zip > spec.json
  guestpack spec --drivers-dir virtio-win.iso --os w10 --out my-spec.json
  guestpack --drivers-dir bundle.zip --spec spec.json --out-dir dist";

#[derive(clap::Args, Debug)]
pub struct SpecArgs {
    /// Driver tree: a directory, a .zip bundle or an .iso image
    #[arg(long, value_name = "PATH")]
    pub drivers_dir: PathBuf,

    /// OS folder to take from a driver input with OS folders (virtio-win: w7, w10, 2k19...);
    /// a comma list (w7,w10,2k22) checks each for media for several Windows versions
    #[arg(long, value_name = "OS")]
    pub os: Option<String>,

    /// Write the spec to FILE instead of stdout (replaced atomically)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// The media: an .iso, a .zip or a directory
    #[arg(value_name = "MEDIA")]
    pub media: PathBuf,

    /// The manifest to check against [default: manifest.json at the media root]
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,

    /// Also write the result as JSON to FILE
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Print only the problems, no summary line
    #[arg(long, short)]
    pub quiet: bool,
}
