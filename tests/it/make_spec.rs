//! The spec generator (`guestpack spec`, `makeSpec` in JavaScript): a spec made from a driver
//! input lists every driver folder, and applied to the same input leaves no finding that
//! depends on the spec: on the sample none at all, on the real virtio-win drivers only the
//! catalog findings their git-converted line endings cause with any spec.

use crate::common::*;
use guestpack::bundled::sample::sample_drivers;
use guestpack::diag::Report;
use guestpack::limits::Limits;
use guestpack::source::vtree::VTree;
use guestpack::validate::layout::LayoutOptions;
use guestpack::validate::signing::SigningPolicy;
use guestpack::validate::spec::generate::generate;
use guestpack::validate::{validate, ValidateInput, ValidateOptions};
use guestpack::Severity;

fn made(tree: &VTree) -> String {
    let g = generate(tree, "input", &LayoutOptions::default(), &Limits::default());
    assert!(g.findings.is_empty(), "{:?}", g.findings);
    g.json.expect("a spec")
}

/// A shipped spec's text.
fn shipped(name: &str) -> &'static str {
    std::str::from_utf8(guestpack::bundled::embedded::spec_file(name).unwrap()).unwrap()
}

/// The errors and warnings of `r`, but for codes starting with `except` ("" keeps all).
fn noted<'a>(r: &'a Report, except: &str) -> Vec<&'a guestpack::diag::Finding> {
    r.findings
        .iter()
        .filter(|f| {
            f.severity != Severity::Info && (except.is_empty() || !f.code.starts_with(except))
        })
        .collect()
}

fn check(drivers: &VTree, spec: &str, policy: SigningPolicy) -> Report {
    let gt = guestpack::bundled::default_guest_tools(true, policy);
    let (report, _) = validate(
        &ValidateInput {
            drivers,
            guest_tools: &gt,
            spec_name: "spec.json",
            spec_json: spec.as_bytes(),
            contract: None,
            contract_found: None,
            signing_policy: policy,
        },
        &ValidateOptions::default(),
    )
    .unwrap();
    report
}

#[test]
fn a_spec_made_from_the_sample_accepts_it_without_a_finding() {
    let sample = sample_drivers();
    let spec = made(&sample);
    let raw = guestpack::validate::spec::parse("spec.json", spec.as_bytes()).unwrap();
    let names: Vec<&str> = raw.drivers.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, vec!["netkvm", "vioinput", "viostor"]);
    assert!(raw
        .drivers
        .iter()
        .all(|d| d.required && d.arches.is_empty()));
    assert!(raw
        .drivers
        .iter()
        .all(|d| !d.expected_hardware_ids.is_empty()
            && !d.expected_add_services.is_empty()
            && !d.expected_inf_files.is_empty()));
    let r = check(&sample, &spec, SigningPolicy::Test);
    assert!(noted(&r, "").is_empty(), "{:?}", noted(&r, ""));
}

#[test]
fn a_spec_made_from_the_real_drivers_leaves_only_their_catalog_findings() {
    let real = guestpack::native::read_dir_tree(&virtio_drivers()).unwrap();
    let spec = made(&real);
    let raw = guestpack::validate::spec::parse("spec.json", spec.as_bytes()).unwrap();
    assert_eq!(raw.drivers.len(), 13);
    let vioser = raw.drivers.iter().find(|d| d.name == "vioser").unwrap();
    assert_eq!(vioser.expected_add_services, vec!["VirtioSerial"]);
    assert_eq!(vioser.expected_inf_files, vec!["vioser.inf"]);
    let r = check(&real, &spec, SigningPolicy::None);
    assert!(noted(&r, "CAT").is_empty(), "{:?}", noted(&r, "CAT"));
    // The same findings as the shipped spec made for these drivers gives.
    let with_shipped = check(&real, shipped("virtio-win-8.1.json"), SigningPolicy::None);
    let codes = |r: &Report| {
        let mut c: Vec<(String, Option<String>)> = r
            .findings
            .iter()
            .map(|f| (f.code.to_string(), f.path.clone()))
            .collect();
        c.sort();
        c
    };
    assert_eq!(codes(&r), codes(&with_shipped));
}

#[test]
fn a_driver_on_one_architecture_is_expected_only_there() {
    let mut tree = VTree::new();
    for (p, c) in sample_drivers().files() {
        if !p.starts_with("x86/netkvm/") {
            tree.insert(p, c.clone());
        }
    }
    let spec = made(&tree);
    let raw = guestpack::validate::spec::parse("spec.json", spec.as_bytes()).unwrap();
    let netkvm = raw.drivers.iter().find(|d| d.name == "netkvm").unwrap();
    assert_eq!(netkvm.arches, vec!["amd64"]);
    let r = check(&tree, &spec, SigningPolicy::Test);
    assert!(noted(&r, "").is_empty(), "{:?}", noted(&r, ""));
    // The shipped spec requires it on both.
    let r = check(&tree, shipped("win7-virtio-win.json"), SigningPolicy::Test);
    assert!(r.findings.iter().any(|f| f.code == "DRV001"));
}

#[test]
fn the_command_line_writes_the_spec_and_refuses_an_input_without_drivers() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(guestpack()
        .arg("spec")
        .arg("--drivers-dir")
        .arg(virtio_drivers()));
    assert!(o.status.success(), "{}", stderr(&o));
    let spec: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(spec["drivers"].as_array().unwrap().len(), 13);
    assert!(stderr(&o).contains("13 driver(s)"), "{}", stderr(&o));

    // --out, then the spec used to build: accepted (policy none: the real catalogs do not
    // match git's line endings).
    let file = dir.path().join("mine.json");
    let o = run(guestpack()
        .arg("spec")
        .arg("--drivers-dir")
        .arg(virtio_drivers())
        .arg("--out")
        .arg(&file));
    assert!(o.status.success() && o.stdout.is_empty(), "{}", stderr(&o));
    let o = run(guestpack()
        .arg("--drivers-dir")
        .arg(virtio_drivers())
        .arg("--spec")
        .arg(&file)
        .args(["--signing-policy", "none", "--validate-only"]));
    assert!(o.status.success(), "{}", stderr(&o));

    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = run(guestpack().arg("spec").arg("--drivers-dir").arg(&empty));
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert!(
        stderr(&o).contains("LAY001") && stderr(&o).contains("is empty"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_shipped_spec_that_takes_every_driver_folder_is_named() {
    let real = guestpack::native::read_dir_tree(&virtio_drivers()).unwrap();
    let r = check(&real, shipped("win7-virtio-win.json"), SigningPolicy::None);
    let hints: Vec<_> = r.findings.iter().filter(|f| f.code == "SPEC010").collect();
    assert_eq!(hints.len(), 1, "{hints:?}");
    let choice = hints[0].choice.as_ref().unwrap();
    assert_eq!(
        (choice.option, choice.values.clone()),
        ("spec", vec!["virtio-win-8.1.json".to_string()])
    );
    assert!(
        hints[0]
            .message
            .contains("takes all 26 driver folders found"),
        "{}",
        hints[0].message
    );
    assert_eq!(hints[0].severity, Severity::Info);
    // The spec that takes them all gets no hint; neither does a spec made from the input.
    let r = check(&real, shipped("virtio-win-8.1.json"), SigningPolicy::None);
    assert!(r.findings.iter().all(|f| f.code != "SPEC010"));
    let r = check(&real, &made(&real), SigningPolicy::None);
    assert!(r.findings.iter().all(|f| f.code != "SPEC010"));
}
