//! `guestpack` command: flags → core inputs → validation report → atomically written media.

use crate::{args, inputs, make_spec, output, verify};
use anyhow::{Context, Result};
use args::Args;
use clap::Parser;
use guestpack::build::manifest;
use guestpack::build::{self, BuildOptions};
use guestpack::diag::Finding;
use guestpack::limits::Limits;
use guestpack::validate::coverage::Coverage;
use guestpack::validate::report::ValidationReport;
use guestpack::validate::signing;
use guestpack::validate::{ValidateInput, ValidateOptions};
use guestpack::Severity;
use output::Output;
use std::io::Read;
use std::process::ExitCode;

pub const EXIT_REJECTED: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

pub fn run() -> Result<ExitCode> {
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            // clap prints help/version to stdout with exit 0 and usage errors with exit 2.
            let code = if e.use_stderr() { EXIT_ERROR } else { 0 };
            let _ = e.print();
            return Ok(ExitCode::from(code));
        }
    };
    if args.tool_version {
        println!("guestpack {}", env!("CARGO_PKG_VERSION"));
        return Ok(ExitCode::SUCCESS);
    }
    match &args.command {
        Some(args::Command::Verify(v)) => return verify::run(v),
        Some(args::Command::Spec(s)) => return make_spec::run(s),
        None => {}
    }

    let opts = build_options(&args)?;
    opts.check()?;
    let limits = limits(&args);

    let drivers = match (&args.drivers_dir, args.sample) {
        (Some(_), true) => anyhow::bail!(
            "--sample and --drivers-dir name two driver inputs: drop --sample to package the \
             folder, or drop --drivers-dir to package the built-in sample"
        ),
        (Some(p), false) => Some(inputs::open_tree(p, "drivers", &limits)?),
        (None, _) => None,
    };
    let guest_tools = match &args.guest_tools_dir {
        Some(p) => inputs::open_tree(p, "guest tools", &limits)?,
        None => {
            guestpack::bundled::default_guest_tools(args.drivers_dir.is_none(), opts.signing_policy)
        }
    };
    let (spec_name, spec_json) = inputs::spec(args.spec.as_deref())?;
    let drivers = drivers.unwrap_or_else(|| {
        guestpack::bundled::sample::sample_drivers_for_spec(&spec_name, &spec_json)
    });
    let contract_path = match (&args.windows_device_contract, &args.guest_tools_dir) {
        (Some(p), _) => Some((p.clone(), false)),
        (None, Some(dir)) => inputs::find_contract(dir).map(|p| (p, true)),
        (None, None) => None,
    };
    let contract = match &contract_path {
        Some((p, _)) => Some((
            inputs::file_name(p),
            inputs::read_small(p, "device contract")?,
        )),
        None => None,
    };
    let contract_found = contract_path
        .as_ref()
        .filter(|(_, found)| *found)
        .map(|(p, _)| p.display().to_string());
    let input = ValidateInput {
        drivers: &drivers,
        guest_tools: &guest_tools,
        spec_name: &spec_name,
        spec_json: &spec_json,
        contract: contract.as_ref().map(|(n, b)| (n.as_str(), b.as_slice())),
        contract_found: contract_found.as_deref(),
        signing_policy: opts.signing_policy,
    };

    let validate_opts = ValidateOptions {
        layout: guestpack::validate::layout::LayoutOptions {
            os: args.os.clone(),
        },
        limits,
        target_os: args.target_os.clone(),
        restore_crlf: args.restore_crlf,
    };
    // The layout found (LAY010/LAY011 notes) is printed with the other findings.
    let (mut report, mut staged) = guestpack::validate::validate(&input, &validate_opts)?;
    report.add(opts.findings());
    print_findings(&report.findings, args.quiet);
    let (found, set) = if report.has_errors() || args.validate_only {
        // Nothing is built: read only the files the catalogs must cover.
        (build::check_catalogs(&mut staged, opts.threads)?, None)
    } else {
        if !args.quiet {
            eprintln!(
                "guestpack: hashing, checking catalogs and planning {} files…",
                staged.files.len()
            );
        }
        build::build(&mut staged, &opts)?
    };
    print_findings(&found, args.quiet);
    report.add(found);
    if !args.quiet {
        eprint!("{}", Coverage::of(&staged.packages).to_text());
    }
    if let Some(path) = &args.report {
        let json = ValidationReport::new(&report, &staged).to_json();
        output::write_file_atomic(path, json.as_bytes())?;
    }
    if report.has_errors() {
        eprintln!(
            "guestpack: rejected: {} error(s), {} warning(s); nothing was written",
            report.errors(),
            report.warnings()
        );
        return Ok(ExitCode::from(EXIT_REJECTED));
    }
    let Some(set) = set else {
        if !args.quiet {
            eprintln!(
                "guestpack: valid: {} warning(s); --validate-only, no media written",
                report.warnings()
            );
        }
        return Ok(ExitCode::SUCCESS);
    };
    let outputs = vec![
        Output {
            name: opts.iso_file_name(),
            len: set.iso.len(),
            reader: Box::new(set.iso.reader()),
        },
        Output {
            name: opts.zip_file_name(),
            len: set.zip.len(),
            reader: Box::new(set.zip.reader()),
        },
        Output {
            name: manifest::FILE_NAME.into(),
            len: set.manifest_bytes.len() as u64,
            reader: Box::new(&set.manifest_bytes[..]) as Box<dyn Read + Send>,
        },
    ];
    let written = output::write_all(
        &args.out_dir,
        outputs,
        !args.quiet,
        opts.threads > 1,
        !args.no_wait,
    )?;
    if !args.quiet {
        for p in &written {
            let len = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            eprintln!("wrote {} ({:.1} MiB)", p.display(), output::mib(len));
        }
        eprintln!(
            "guestpack: packed {} files ({} warning(s))",
            set.files.len(),
            report.warnings()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn build_options(args: &Args) -> Result<BuildOptions> {
    let (signing_policy, _) = signing::choose(args.signing_policy.as_deref(), |var| {
        std::env::var(var).ok()
    })
    .map_err(|e| match &args.signing_policy {
        Some(_) => anyhow::anyhow!("--signing-policy: {e}"),
        None => anyhow::anyhow!("{e}"),
    })?;
    let source_date_epoch = match &args.source_date_epoch {
        Some(v) => parse_epoch(v).context("--source-date-epoch")?,
        None => match std::env::var("SOURCE_DATE_EPOCH") {
            Ok(v) => parse_epoch(&v).context("environment variable SOURCE_DATE_EPOCH")?,
            Err(std::env::VarError::NotPresent) => 0,
            Err(std::env::VarError::NotUnicode(_)) => {
                anyhow::bail!("environment variable SOURCE_DATE_EPOCH is not valid text")
            }
        },
    };
    let threads = args
        .threads
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
        .clamp(1, 256);
    Ok(BuildOptions {
        name: args.name.clone(),
        version: args.version.clone(),
        build_id: args.build_id.clone(),
        volume_id: args.volume_id.clone(),
        signing_policy,
        source_date_epoch,
        zip_level: args.zip_level,
        threads,
    })
}

fn limits(args: &Args) -> Limits {
    Limits {
        max_entries: args.max_entries,
        max_total_size: args.max_total_size,
        max_file_size: args.max_file_size,
        max_path_depth: args.max_path_depth,
        max_regex_size: args.max_regex_size,
        max_inf_size: args.max_inf_size,
        max_ratio: args.max_ratio,
    }
}

/// Whole seconds, optionally negative; anything else is an error rather than a silent 0.
fn parse_epoch(v: &str) -> Result<i64> {
    let t = v.trim();
    t.parse::<i64>().map_err(|_| {
        anyhow::anyhow!("\"{v}\" is not a whole number of seconds since 1970-01-01 UTC")
    })
}

/// Errors and warnings always; notes (skipped build artefacts and the like) unless quiet.
pub fn print_findings(findings: &[Finding], quiet: bool) {
    for f in findings {
        if quiet && f.severity == Severity::Info {
            continue;
        }
        eprintln!("{f}");
    }
}
