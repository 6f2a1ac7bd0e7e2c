//! `guestpack spec --drivers-dir DIR [--os OS] [--out FILE]`: opens the driver input, asks the
//! core for a spec made from it ([`guestpack::validate::spec::generate`]) and writes it. This
//! file only translates.

use crate::args::SpecArgs;
use crate::run::{print_findings, EXIT_REJECTED};
use crate::{inputs, output};
use anyhow::Result;
use guestpack::limits::Limits;
use guestpack::validate::layout::LayoutOptions;
use guestpack::validate::spec::generate;
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &SpecArgs) -> Result<ExitCode> {
    let limits = Limits::default();
    let tree = inputs::open_tree(&args.drivers_dir, "drivers", &limits)?;
    let name = inputs::file_name(&args.drivers_dir);
    let made = generate::generate(
        &tree,
        &name,
        &LayoutOptions {
            os: args.os.clone(),
        },
        &limits,
    );
    print_findings(&made.findings, true);
    let (Some(json), Some(spec)) = (made.json, made.spec) else {
        eprintln!("guestpack: no spec made from {name}: see the finding above");
        return Ok(ExitCode::from(EXIT_REJECTED));
    };
    match &args.out {
        Some(path) => output::write_file_atomic(path, json.as_bytes())?,
        None => std::io::stdout().lock().write_all(json.as_bytes())?,
    }
    let required: Vec<&str> = spec.drivers.iter().map(|d| d.name.as_str()).collect();
    let tools: Vec<&str> = spec.tools.iter().map(|t| t.name.as_str()).collect();
    eprintln!(
        "guestpack: spec made from {name}: {} driver(s): {}{}",
        required.len(),
        required.join(", "),
        if tools.is_empty() {
            String::new()
        } else {
            format!("; {} optional tool(s): {}", tools.len(), tools.join(", "))
        }
    );
    Ok(ExitCode::SUCCESS)
}
