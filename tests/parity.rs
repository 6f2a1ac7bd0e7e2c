//! Parity: the same inputs give the same ISO, zip and manifest bytes natively and on wasm32
//! (Node and headless Chromium), whatever the read and drain sizes. Every case is pinned by
//! the golden hashes in `tests/golden/parity.json`, written by the native run with
//! `UPDATE_GOLDEN=1 cargo test --test parity`.
//!
//! The test bodies are shared: on wasm32 `#[test]` is `wasm_bindgen_test`. The runtime
//! (Node, browser, worker) is chosen by the runner's environment; see scripts/test-wasm.sh.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[path = "parity/fixtures.rs"]
mod fixtures;
#[path = "parity/harness.rs"]
mod harness;
#[cfg(target_arch = "wasm32")]
#[path = "parity/js_api.rs"]
mod js_api;
#[path = "support/noise.rs"]
mod noise;
#[path = "parity/signers.rs"]
mod signers;

use guestpack::bundled::sample::sample_drivers;
use guestpack::input::zip::{read_zip, ZipLimits};
use guestpack::source::vtree::VTree;
use guestpack::source::{MemSource, ReadAt, ShortReads};
use guestpack::validate::signing::SigningPolicy;
use harness::{check_golden, Case, Outputs};
use std::sync::Arc;

const SAMPLE_SPEC: &str = "win7-virtio-win.json";
const VIRTIO_SPEC: &str = "virtio-win-8.1.json";
const DRAIN: usize = 64 * 1024;

fn open_zip(src: Arc<dyn ReadAt>, name: &str) -> VTree {
    read_zip(src, name, &ZipLimits::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn sample_with_every_shipped_spec() {
    let drivers = sample_drivers();
    let mut accepted = Vec::new();
    for spec in guestpack::bundled::embedded::spec_names() {
        let (report, set) = Case::new(&drivers, spec).package();
        match set {
            Some(set) => {
                check_golden(&format!("sample/{spec}"), &Outputs::drain(&set, DRAIN));
                accepted.push(spec);
            }
            // A rejection must be a real one, explained by error findings.
            None => assert!(report.has_errors(), "{spec}: no media and no errors"),
        }
    }
    // The sample is meant for the default spec and the full one; a change here is a change
    // in validation, not in output.
    assert_eq!(accepted, ["win7-virtio-full.json", "win7-virtio-win.json"]);
}

/// The sample as `guestpack --sample` and the page's sample button build it: policy test, the
/// sample's certificate in certs/ (golden case "sample/defaults").
#[test]
fn sample_with_the_defaults() {
    let drivers = sample_drivers();
    let out = Case::sample_defaults(&drivers).outputs(DRAIN);
    let manifest = String::from_utf8(out.manifest.clone()).expect("manifest is UTF-8");
    assert!(manifest.contains(guestpack::bundled::sample::CERTIFICATE_PATH));
    assert!(manifest.contains("\"signing_policy\": \"test\""));
    check_golden("sample/defaults", &out);
}

/// The sample with every build option away from its default (golden case "sample/options").
fn every_option_changed(drivers: &VTree) -> Case<'_> {
    let mut case = Case::new(drivers, "win7-virtio-full.json").policy(SigningPolicy::None);
    case.opts.name = "virtio-tools".into();
    case.opts.version = "8.1.0-rc.2".into();
    case.opts.build_id = "ci-1234".into();
    case.opts.volume_id = Some("VIRTIO TOOLS".into());
    case.opts.source_date_epoch = 1_700_000_000;
    case.opts.zip_level = 9;
    case
}

#[test]
fn sample_with_every_option_changed() {
    let drivers = sample_drivers();
    check_golden(
        "sample/options",
        &every_option_changed(&drivers).outputs(DRAIN),
    );
}

/// Two OS folders of a virtio-win tree on one medium (golden case "sample/two-os-w7-w10",
/// also built through the JS bindings with `os: ["w7", "w10"]`).
#[test]
fn two_os_folders_on_one_medium() {
    let drivers = fixtures::sample_under_oses(&["w7", "w10"]);
    let out = Case::new(&drivers, SAMPLE_SPEC).os("w7,w10").outputs(DRAIN);
    check_golden("sample/two-os-w7-w10", &out);
}

#[test]
fn utf16_inf_files() {
    let drivers = fixtures::sample_utf16_inf();
    check_golden(
        "fixture/utf16-inf",
        &Case::new(&drivers, SAMPLE_SPEC).outputs(DRAIN),
    );
}

#[test]
fn arch_alias_folders_give_the_plain_layout() {
    let drivers = fixtures::sample_arch_aliases();
    let out = Case::new(&drivers, SAMPLE_SPEC).outputs(DRAIN);
    check_golden("fixture/arch-aliases", &out);
    // Aliases are normalized on the media: same bytes as the plain sample.
    assert!(
        out == Case::new(&sample_drivers(), SAMPLE_SPEC).outputs(DRAIN),
        "alias folders changed the media"
    );
}

#[test]
fn zip_with_wrapper_folder_gives_the_same_media_as_the_tree() {
    let zip = fixtures::zip_tree(&sample_drivers(), "virtio-drivers-1.0/");
    let drivers = open_zip(Arc::new(MemSource::new(zip)), "virtio-drivers-1.0.zip");
    let out = Case::new(&drivers, SAMPLE_SPEC).outputs(DRAIN);
    check_golden("fixture/wrapper-zip", &out);
    assert!(
        out == Case::new(&sample_drivers(), SAMPLE_SPEC).outputs(DRAIN),
        "zip input changed the media"
    );
}

#[test]
fn unicode_file_names() {
    let (drivers, tools) = fixtures::sample_unicode_names();
    // Through a zip too, so names take the zip's UTF-8 path on the way in.
    let zipped = open_zip(
        Arc::new(MemSource::new(fixtures::zip_tree(&drivers, ""))),
        "unicode.zip",
    );
    let mut case = Case::new(&zipped, SAMPLE_SPEC);
    case.guest_tools = Some(&tools);
    let out = case.outputs(DRAIN);
    let manifest = String::from_utf8(out.manifest.clone()).expect("manifest is UTF-8");
    assert!(
        manifest.contains("licenses/Ünïcödé licence.txt"),
        "unicode licence missing:\n{manifest}"
    );
    check_golden("fixture/unicode-names", &out);
}

#[test]
fn test_signing_with_certificate() {
    let drivers = sample_drivers();
    let tools = fixtures::guest_tools_with_cert();
    let mut case = Case::new(&drivers, SAMPLE_SPEC).policy(SigningPolicy::Test);
    case.guest_tools = Some(&tools);
    let out = case.outputs(DRAIN);
    let manifest = String::from_utf8(out.manifest.clone()).expect("manifest is UTF-8");
    assert!(
        manifest.contains("\"certs_required\": true")
            && manifest.contains("certs/guestpack-test.cer")
    );
    check_golden("fixture/test-signing", &out);
}

/// Files whose chunks differ give the same zip everywhere, alone or shared among workers.
#[test]
fn mixed_content_files() {
    let drivers = sample_drivers();
    let tools = fixtures::guest_tools_with_mixed_content();
    let mut case = Case::new(&drivers, SAMPLE_SPEC);
    case.guest_tools = Some(&tools);
    let out = case.outputs(DRAIN);
    let manifest = String::from_utf8(out.manifest.clone()).expect("manifest is UTF-8");
    assert!(manifest.contains("tools/firmware/update.bin"), "{manifest}");
    check_golden("fixture/mixed-content", &out);
    for (workers, min_work, keep) in [(2, 0, 1 << 20), (3, 1 << 16, 0)] {
        check_golden(
            "fixture/mixed-content",
            &harness::shared_build(&case, workers, min_work, keep),
        );
    }
}

/// Input read 1, 7 or 4093 bytes at a time gives the golden bytes.
#[test]
fn short_input_reads_do_not_change_output() {
    let zip: Arc<[u8]> = fixtures::zip_tree(&sample_drivers(), "").into();
    for max in [1, 7, 4093] {
        let src = ShortReads {
            inner: MemSource(zip.clone()),
            max,
        };
        let drivers = open_zip(Arc::new(src), "sample.zip");
        check_golden(
            &format!("sample/{SAMPLE_SPEC}"),
            &Case::new(&drivers, SAMPLE_SPEC).outputs(DRAIN),
        );
    }
}

/// Outputs pulled 1, 2048, 64 KiB or 1 MiB at a time are the same bytes.
#[test]
fn drain_sizes_do_not_change_output() {
    let drivers = sample_drivers();
    let (report, set) = Case::new(&drivers, SAMPLE_SPEC).package();
    let set = set.unwrap_or_else(|| panic!("rejected:\n{}", harness::findings_text(&report)));
    let reference = Outputs::drain(&set, 1 << 20);
    check_golden(&format!("sample/{SAMPLE_SPEC}"), &reference);
    for chunk in [1, 2048, 65536] {
        assert!(
            Outputs::drain(&set, chunk) == reference,
            "draining {chunk} bytes at a time changed the output"
        );
    }
}

/// The real virtio-win 8.1 drivers, as the zip the test script builds (wasm32 compiles it
/// in), or natively from the directory beside the project.
/// The catalogs' hashes and signatures read the same on every target: the sample's (made
/// and signed in this run, deterministically) and the real ones, verified, with their signer.
#[test]
fn catalogs_and_signatures_read_the_same_everywhere() {
    use guestpack::input::catalog;
    use guestpack::validate::rules::signature::{examine, ChainEnd};
    let mut seen = Vec::new();
    for tree in [sample_drivers(), virtio::drivers()] {
        for (path, content) in tree.files() {
            if !path.ends_with(".cat") {
                continue;
            }
            let bytes = guestpack::source::read_to_vec(content.as_ref(), 1 << 20).unwrap();
            let cat = catalog::parse(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
            let f = examine(&cat, &[]).unwrap_or_else(|e| panic!("{path}: {e}"));
            assert_eq!(f.verified, Ok(()), "{path}");
            assert_eq!(f.end, ChainEnd::Root, "{path}");
            seen.push(format!(
                "{path} {} members, signed by {} ({})",
                cat.members.len(),
                f.chain[0].common_name.as_deref().unwrap_or("?"),
                &f.chain[0].thumbprint[..8]
            ));
        }
    }
    assert_eq!(seen.len(), 6 + 26, "{seen:#?}");
    assert!(
        seen[0].contains("guestpack sample test signing"),
        "{}",
        seen[0]
    );
    assert!(seen
        .iter()
        .any(|s| s.contains("amd64/viostor/viostor.cat") && s.contains("Red Hat Inc.")));
}

#[test]
fn virtio_win_real_drivers() {
    let drivers = virtio::drivers();
    let clock = timer::start();
    // As stored in git the real INFs are not in their catalogs (tests/it/catalogs_real.rs):
    // policy none keeps that a warning, so the media of every target can be compared.
    let out = Case::new(&drivers, VIRTIO_SPEC)
        .policy(SigningPolicy::None)
        .outputs(1 << 20);
    timer::report(&format!(
        "virtio-win-8.1: validate + build + drain took {:.0} ms on {}",
        timer::ms(clock),
        timer::TARGET
    ));
    check_golden("virtio-win-8.1", &out);
}

/// A spec made from the real drivers is the same on every target: media built with it (its
/// title and description, which name the input, are not in the manifest's digest) match one
/// golden set, and it accepts its own input.
#[test]
fn a_spec_made_from_the_real_drivers_is_the_same_everywhere() {
    let drivers = virtio::drivers();
    let made = guestpack::validate::spec::generate::generate(
        &drivers,
        "drivers",
        &Default::default(),
        &Default::default(),
    );
    assert!(made.findings.is_empty(), "{:?}", made.findings);
    let json = made.json.expect("a spec");
    let mut case = Case::new(&drivers, "made-spec.json").policy(SigningPolicy::None);
    case.spec_json = Some(json.as_bytes());
    check_golden("virtio-win-8.1/made-spec", &case.outputs(1 << 20));
}

/// A build shared among workers (each validating, digesting a part, planning from all the
/// digests, producing pieces) gives the golden bytes, whatever the split and piece sizes.
#[test]
fn shared_builds_give_the_golden_bytes() {
    let drivers = virtio::drivers();
    let case = Case::new(&drivers, VIRTIO_SPEC).policy(SigningPolicy::None);
    // (workers, piece work, bytes of small files each worker may keep compressed)
    for (workers, min_work, keep) in [(1, u64::MAX, 0), (2, 0, 1 << 20), (3, 4 << 20, 64 << 20)] {
        check_golden(
            "virtio-win-8.1",
            &harness::shared_build(&case, workers, min_work, keep),
        );
    }
    let sample = sample_drivers();
    let case = every_option_changed(&sample);
    check_golden(
        "sample/options",
        &harness::shared_build(&case, 2, 1 << 16, 1 << 16),
    );
}

/// The same real drivers laid out as a virtio-win tree (`NetKVM/w8.1/amd64/...`) and as flat
/// arch folders (`Win7/amd64/*`) give the per-arch tree's bytes on every target.
#[test]
fn virtio_win_driver_layouts_give_the_per_arch_media() {
    let drivers = virtio::drivers();
    // (arch, driver, rest) of a per-arch path, whatever wrapper folders the bundle has.
    let split = |p: &str| -> Option<(String, String, String)> {
        let parts: Vec<&str> = p.split('/').collect();
        let i = parts.iter().position(|c| *c == "amd64" || *c == "x86")?;
        let rest = parts.get(i + 2..).filter(|r| !r.is_empty())?.join("/");
        Some((parts[i].into(), parts[i + 1].into(), rest))
    };
    let virtio_win = fixtures::map_paths(&drivers, |p| {
        let (arch, drv, rest) = split(p)?;
        let drv = match drv.as_str() {
            "netkvm" => "NetKVM".to_string(),
            "balloon" => "Balloon".to_string(),
            _ => drv,
        };
        Some(format!("{drv}/w8.1/{arch}/{rest}"))
    });
    let flat = fixtures::map_paths(&drivers, |p| {
        let (arch, _, rest) = split(p)?;
        Some(format!("Win7/{arch}/{rest}"))
    });
    for (label, tree) in [("virtio-win", &virtio_win), ("flat", &flat)] {
        let out = Case::new(tree, VIRTIO_SPEC)
            .policy(SigningPolicy::None)
            .outputs(1 << 20);
        assert!(out.named().iter().all(|(_, b)| !b.is_empty()), "{label}");
        check_golden("virtio-win-8.1", &out);
    }
}

#[cfg(target_arch = "wasm32")]
mod virtio {
    /// Set by scripts/test-wasm.sh to the zip from scripts/make-virtio-bundle.sh.
    const BUNDLE: &[u8] = include_bytes!(env!(
        "GUESTPACK_VIRTIO_BUNDLE",
        "set GUESTPACK_VIRTIO_BUNDLE to a zip of the virtio-win drivers (scripts/test-wasm.sh does)"
    ));

    pub fn drivers() -> guestpack::source::vtree::VTree {
        let src = guestpack::source::MemSource::new(BUNDLE);
        super::open_zip(std::sync::Arc::new(src), "virtio-win-8.1.zip")
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod virtio {
    use std::path::Path;

    /// The directory; when the test script has built the bundle zip, that too, and both
    /// must give the same media.
    pub fn drivers() -> guestpack::source::vtree::VTree {
        let dir =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/virtio-win-8.1/drivers");
        let tree = guestpack::native::read_dir_tree(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        if let Some(zip) = std::env::var_os("GUESTPACK_VIRTIO_BUNDLE") {
            let file = guestpack::native::NativeFile::open(Path::new(&zip))
                .expect("open GUESTPACK_VIRTIO_BUNDLE");
            let zipped = super::open_zip(std::sync::Arc::new(file), "virtio-win-8.1.zip");
            let none = super::SigningPolicy::None;
            let a = super::Case::new(&tree, super::VIRTIO_SPEC)
                .policy(none)
                .outputs(1 << 20);
            let b = super::Case::new(&zipped, super::VIRTIO_SPEC)
                .policy(none)
                .outputs(1 << 20);
            assert!(
                a == b,
                "the zipped bundle and the directory gave different media"
            );
        }
        tree
    }
}

mod timer {
    #[cfg(target_arch = "wasm32")]
    pub const TARGET: &str = "wasm32";
    #[cfg(not(target_arch = "wasm32"))]
    pub const TARGET: &str = "native";

    #[cfg(target_arch = "wasm32")]
    pub fn start() -> f64 {
        js_sys::Date::now()
    }
    #[cfg(target_arch = "wasm32")]
    pub fn ms(start: f64) -> f64 {
        js_sys::Date::now() - start
    }

    /// Printed, never asserted: timings vary with the machine.
    #[cfg(target_arch = "wasm32")]
    pub fn report(line: &str) {
        wasm_bindgen_test::console_log!("{line}");
    }
    #[cfg(not(target_arch = "wasm32"))]
    pub fn report(line: &str) {
        eprintln!("{line}");
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub fn start() -> std::time::Instant {
        std::time::Instant::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    pub fn ms(start: std::time::Instant) -> f64 {
        start.elapsed().as_secs_f64() * 1000.0
    }
}

/// The INF architecture and Windows checks in JS: the real w8.1 build for a Windows 7 medium
/// is one INF011 per INF, naming its line, as on the command line.
#[cfg(target_arch = "wasm32")]
#[test]
fn too_new_infs_are_errors_with_their_line_in_js() {
    use guestpack::wasm::{self, Bundle};
    use js_api::{field, js, message};
    let b = Bundle::from_tree(virtio::drivers(), "virtio-win-8.1.zip");
    let r = wasm::validate(
        &b,
        js(r#"{"spec":"virtio-win-8.1.json","signingPolicy":"none","targetOs":["w7"]}"#),
    )
    .unwrap_or_else(|e| panic!("{}", message(e)));
    let findings = field(&r, "findings");
    let inf011: Vec<&serde_json::Value> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "INF011")
        .collect();
    assert_eq!(inf011.len(), 24);
    let viostor = inf011
        .iter()
        .find(|f| f["path"] == "drivers/amd64/viostor/viostor.inf")
        .unwrap();
    assert_eq!(viostor["line"], 50);
    assert_eq!(viostor["severity"], "error");
    assert_eq!(field(&r, "accepted"), false);
}
