//! `guestpack verify MEDIA [--manifest FILE]`: opens the media, runs the core check, prints
//! every problem path and maps the outcome to the exit code. The comparison is
//! [`guestpack::verify`]; this file only translates.

use crate::args::VerifyArgs;
use crate::run::EXIT_REJECTED;
use crate::{inputs, output};
use anyhow::Result;
use guestpack::verify::{self, VerifyReport};
use std::process::ExitCode;

pub fn run(args: &VerifyArgs) -> Result<ExitCode> {
    // The media were made by guestpack: the default limits fit whatever it can produce.
    let limits = guestpack::limits::Limits::default();
    let tree = inputs::open_tree(&args.media, "media", &limits)?;
    let manifest = match &args.manifest {
        Some(p) => inputs::read_small(p, "manifest")?,
        None => verify::media_manifest(&tree)?,
    };
    let report = verify::verify(&tree, &manifest)?;
    if let Some(p) = &args.report {
        output::write_file_atomic(p, report.to_json().as_bytes())?;
    }
    print(&report, &inputs::file_name(&args.media), args.quiet);
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_REJECTED)
    })
}

fn print(r: &VerifyReport, media: &str, quiet: bool) {
    for p in &r.missing {
        println!("missing  {p}");
    }
    for c in &r.changed {
        let why = match (&c.error, &c.actual_sha256) {
            (Some(e), _) => format!("unreadable: {e}"),
            _ if c.actual_size != c.expected_size => {
                format!("size {} (expected {})", c.actual_size, c.expected_size)
            }
            (None, Some(sha)) => format!("sha256 {sha} (expected {})", c.expected_sha256),
            (None, None) => "content differs".into(),
        };
        println!("changed  {}: {why}", c.path);
    }
    for p in &r.extra {
        println!("extra    {p}");
    }
    if quiet {
        return;
    }
    if r.is_ok() {
        eprintln!(
            "guestpack: {media}: ok, {} files match {} {}",
            r.ok, r.package, r.version
        );
    } else {
        eprintln!(
            "guestpack: {media}: {} missing, {} changed, {} extra ({} of {} listed files ok)",
            r.missing.len(),
            r.changed.len(),
            r.extra.len(),
            r.ok,
            r.listed
        );
    }
}
