//! The JS-facing API (`guestpack::wasm`) on wasm32: the bindings must give the golden bytes
//! through `nextChunk`, read the options object strictly and turn user mistakes into errors
//! with clear messages instead of panics.

use super::fixtures::sample_under_oses;
use super::harness::{check_golden, Outputs};
use guestpack::wasm::{self, Bundle, JsFailure, OutputStream};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test as test;

pub(crate) fn js(json: &str) -> JsValue {
    js_sys::JSON::parse(json).expect("test JSON parses")
}

pub(crate) fn message(e: JsFailure) -> String {
    e.message().to_string()
}

fn pull(mut s: OutputStream, max: u32) -> Vec<u8> {
    let total = s.len() as usize;
    let mut out = Vec::new();
    while let Some(chunk) = s
        .next_chunk(max)
        .unwrap_or_else(|e| panic!("nextChunk: {}", message(e)))
    {
        assert!(
            chunk.length() as usize == max as usize || out.len() + chunk.length() as usize == total
        );
        out.extend(chunk.to_vec());
        assert_eq!(s.position() as usize, out.len());
    }
    assert!(s.is_done());
    out
}

/// Builds through the bindings and drains all three streams.
pub fn media_outputs(m: &wasm::Media, max: u32) -> Outputs {
    let get =
        |r: Result<OutputStream, JsFailure>| r.unwrap_or_else(|e| panic!("stream: {}", message(e)));
    Outputs {
        iso: pull(get(m.iso()), max),
        zip: pull(get(m.zip()), max),
        manifest: pull(get(m.manifest()), max),
    }
}

fn build(b: &Bundle, options: &str) -> wasm::Media {
    wasm::build(b, js(options)).unwrap_or_else(|e| panic!("build: {}", message(e)))
}

#[test]
fn bindings_give_the_golden_bytes() {
    let m = build(&wasm::sample_bundle(), "{}");
    assert!(m.accepted());
    check_golden("sample/defaults", &media_outputs(&m, 65536));
    let m = build(&wasm::sample_bundle(), r#"{"signingPolicy":"none"}"#);
    check_golden("sample/win7-virtio-win.json", &media_outputs(&m, 65536));
    let m = build(
        &wasm::sample_bundle(),
        r#"{"spec":"win7-virtio-full.json","signingPolicy":"nointegritychecks","name":"virtio-tools",
            "version":"8.1.0-rc.2","buildId":"ci-1234","volumeId":"VIRTIO TOOLS",
            "sourceDateEpoch":1700000000,"zipLevel":9}"#,
    );
    check_golden("sample/options", &media_outputs(&m, 1 << 20));
    assert_eq!(
        m.iso().map(|s| s.name()).ok().as_deref(),
        Some("virtio-tools.iso")
    );
}

#[test]
fn bundle_from_bytes_and_spec_text() {
    let zip = super::fixtures::zip_tree(&guestpack::bundled::sample::sample_drivers(), "wrapped/");
    let b = Bundle::from_bytes(&zip, Some("sample.zip".into()), JsValue::UNDEFINED)
        .unwrap_or_else(|e| panic!("{}", message(e)));
    let spec = String::from_utf8(
        guestpack::bundled::embedded::spec_file("win7-virtio-win.json")
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    let options =
        serde_json::json!({ "spec": "win7-virtio-win.json", "specText": spec, "signingPolicy": "none" }).to_string();
    check_golden(
        "fixture/wrapper-zip",
        &media_outputs(&build(&b, &options), 2048),
    );
}

#[test]
fn report_object_has_findings_and_packages() {
    let report = wasm::validate(&wasm::sample_bundle(), JsValue::UNDEFINED)
        .unwrap_or_else(|e| panic!("{}", message(e)));
    let text = String::from(js_sys::JSON::stringify(&report).unwrap());
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["accepted"], true);
    assert_eq!(v["warnings"], 2, "{text}");
    let f = &v["findings"][0];
    for key in [
        "code", "severity", "path", "line", "message", "help", "choice",
    ] {
        assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
    }
    // The same JSON the CLI's --report writes for this input: one report shape everywhere.
    let drivers = guestpack::bundled::sample::sample_drivers();
    let tools = guestpack::bundled::default_guest_tools(true, Default::default());
    let spec = guestpack::bundled::embedded::DEFAULT_SPEC;
    let input = guestpack::validate::ValidateInput {
        contract_found: None,
        drivers: &drivers,
        guest_tools: &tools,
        spec_name: spec,
        spec_json: guestpack::bundled::embedded::spec_file(spec).unwrap(),
        contract: None,
        signing_policy: Default::default(),
    };
    let (mut r, mut staged) = guestpack::validate::validate(&input, &Default::default()).unwrap();
    // As `--validate-only` does: the catalog pass reads the files the catalogs cover.
    r.add(guestpack::build::check_catalogs(&mut staged, 1).unwrap());
    let cli = guestpack::validate::report::ValidationReport::new(&r, &staged).to_json();
    assert_eq!(serde_json::from_str::<serde_json::Value>(&cli).unwrap(), v);
    let viostor = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["driver"] == "viostor" && p["arch"] == "amd64");
    assert_eq!(
        viostor.map(|p| p["state"].clone()),
        Some("present".into()),
        "{text}"
    );
}

#[test]
fn rejected_input_is_a_report_not_an_exception() {
    let m = build(&wasm::sample_bundle(), r#"{"spec":"virtio-win-8.1.json"}"#);
    assert!(!m.accepted());
    let errors = js_sys::Reflect::get(&m.report(), &"errors".into())
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(errors > 0.0);
    let e = m.iso().err().map(message).unwrap_or_default();
    assert!(e.starts_with("rejected: "), "{e}");
}

#[test]
fn user_mistakes_are_clear_errors() {
    let sample = wasm::sample_bundle();
    let err = |options: &str| {
        wasm::build(&sample, js(options))
            .err()
            .map(message)
            .unwrap_or_default()
    };
    assert!(
        err(r#"{"zipLvl":3}"#).contains("unknown field `zipLvl`"),
        "{}",
        err(r#"{"zipLvl":3}"#)
    );
    assert!(err(r#"{"spec":"nope.json"}"#).contains("win7-virtio-win.json"));
    assert!(err(r#"{"signingPolicy":"maybe"}"#).contains("nointegritychecks"));
    assert!(err(r#"{"zipLevel":12}"#).contains("--zip-level"));
    assert!(err(r#"{"specText":"{not json"}"#).contains("spec.json"));
    let not_zip = Bundle::from_bytes(
        b"hello, not a zip",
        Some("notes.txt".into()),
        JsValue::UNDEFINED,
    )
    .err()
    .map(message);
    assert!(not_zip
        .unwrap_or_default()
        .starts_with("notes.txt: not a zip archive"));
    let truncated = Bundle::from_bytes(b"PK\x03\x04 and then nothing", None, JsValue::UNDEFINED)
        .err()
        .map(message);
    assert!(truncated.unwrap_or_default().starts_with("bundle.zip: "));
}

/// The limit options reach the container readers: a zip or ISO over a limit is refused when
/// it is opened, with the limit named; raising it lets the same bytes through.
#[test]
fn limits_apply_when_opening_bundles() {
    // The message of opening `bytes` as `name` with `options` and the option it names, or
    // "" when it opens.
    let open_err = |bytes: &[u8], name: &str, options: &str| -> String {
        Bundle::from_bytes(bytes, Some(name.into()), js(options))
            .err()
            .map(|e| format!("{} [{} {}]", e.message(), e.fix(), e.option().unwrap_or("")))
            .unwrap_or_default()
    };
    let zip = super::fixtures::zip_tree(&guestpack::bundled::sample::sample_drivers(), "");
    let err = open_err(&zip, "sample.zip", r#"{"maxEntries":5}"#);
    assert!(
        err.starts_with("sample.zip: ")
            && err.contains("over the limit of 5")
            && err.ends_with("[raise maxEntries]"),
        "{err}"
    );
    let err = open_err(&zip, "sample.zip", r#"{"maxFileSize":100}"#);
    assert!(err.ends_with("[raise maxFileSize]"), "{err}");
    let err = open_err(&zip, "sample.zip", r#"{"maxFileSize":"4 lots"}"#);
    assert!(
        err.contains("is not a size") && err.ends_with("[correct maxFileSize]"),
        "{err}"
    );
    let ok = open_err(
        &zip,
        "sample.zip",
        r#"{"maxFileSize":"1M","maxEntries":"1000"}"#,
    );
    assert_eq!(ok, "", "limits as the command line's text");
    let ok = open_err(
        &zip,
        "sample.zip",
        r#"{"maxEntries":1000,"spec":"win7-virtio-win.json"}"#,
    );
    assert_eq!(ok, "", "raised limit and other options accepted");
    let out = media_outputs(&build(&wasm::sample_bundle(), "{}"), 1 << 20);
    let err = open_err(&out.iso, "media.iso", r#"{"maxPathDepth":2}"#);
    assert!(
        err.starts_with("media.iso: ") && err.ends_with("[raise maxPathDepth]"),
        "{err}"
    );
    let err = open_err(&zip, "sample.zip", r#"{"maxEntrys":5}"#);
    assert!(err.contains("unknown field `maxEntrys`"), "{err}");
}

#[test]
fn shipped_specs_are_listed() {
    let specs = wasm::shipped_specs();
    assert!(
        specs.iter().any(|s| s == "win7-virtio-win.json"),
        "{specs:?}"
    );
    assert!(!specs
        .iter()
        .any(|s| s.contains("contract") || s.ends_with(".schema.json")));
}

pub(crate) fn field(v: &JsValue, key: &str) -> serde_json::Value {
    let text = String::from(js_sys::JSON::stringify(v).unwrap());
    serde_json::from_str::<serde_json::Value>(&text).unwrap()[key].clone()
}

#[test]
fn iso_bundles_open_and_verify_against_their_manifest() {
    let m = build(&wasm::sample_bundle(), "{}");
    let out = media_outputs(&m, 1 << 20);
    let iso = Bundle::from_bytes(&out.iso, Some("guest-tools.iso".into()), JsValue::UNDEFINED)
        .unwrap_or_else(|e| panic!("{}", message(e)));
    let r = wasm::verify(&iso, None).unwrap_or_else(|e| panic!("{}", message(e)));
    assert_eq!(field(&r, "ok"), true);
    let manifest = String::from_utf8(out.manifest.clone()).unwrap();
    let zip = Bundle::from_bytes(&out.zip, None, JsValue::UNDEFINED)
        .unwrap_or_else(|e| panic!("{}", message(e)));
    let r = wasm::verify(&zip, Some(manifest)).unwrap_or_else(|e| panic!("{}", message(e)));
    assert_eq!(field(&r, "ok"), true);
    // One byte of setup.cmd flipped inside the image: found by path.
    let mut bad = out.iso.clone();
    let text = b"@echo off";
    let at = bad
        .windows(text.len())
        .position(|w| w == text)
        .expect("setup.cmd text in the ISO");
    bad[at] ^= 0x20;
    let iso = Bundle::from_bytes(&bad, None, JsValue::UNDEFINED)
        .unwrap_or_else(|e| panic!("{}", message(e)));
    let r = wasm::verify(&iso, None).unwrap_or_else(|e| panic!("{}", message(e)));
    assert_eq!(field(&r, "ok"), false);
    assert_eq!(field(&r, "changed").as_array().map(|a| a.len()), Some(1));
}

#[test]
fn os_option_chooses_among_virtio_win_oses() {
    let b = Bundle::from_tree(sample_under_oses(&["w7", "w10"]), "virtio-win");
    let r = wasm::validate(&b, JsValue::UNDEFINED).unwrap_or_else(|e| panic!("{}", message(e)));
    assert_eq!(field(&r, "accepted"), false);
    let codes = field(&r, "findings").to_string();
    assert!(codes.contains("LAY004") && codes.contains("w10"), "{codes}");
    let m = build(&b, r#"{"os":"w7","signingPolicy":"none"}"#);
    assert_eq!(field(&m.report(), "layout")["kind"], "virtio-win");
    assert_eq!(field(&m.report(), "layout")["os"], "w7");
    check_golden("sample/win7-virtio-win.json", &media_outputs(&m, 65536));
}

/// `os` as an array builds one medium holding each OS folder, the same bytes as the command
/// line's comma list, on every target (the golden is shared); an element that is not one name
/// is an error naming the option.
#[test]
fn os_array_builds_one_medium_with_each_os_folder() {
    let b = Bundle::from_tree(sample_under_oses(&["w7", "w10"]), "virtio-win");
    let m = build(&b, r#"{"os":["w7","w10"],"signingPolicy":"none"}"#);
    let layout = field(&m.report(), "layout");
    let names: Vec<&str> = layout["osFolders"]
        .as_array()
        .expect("osFolders")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert_eq!(names, ["w7", "w10"], "{layout}");
    // The coverage matrix: each driver on each OS folder and arch.
    let cov = field(&m.report(), "coverage");
    let cols: Vec<String> = cov["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| {
            format!(
                "{}/{}",
                c["os"].as_str().unwrap_or("-"),
                c["arch"].as_str().unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(
        cols,
        ["w7/x86", "w7/amd64", "w10/x86", "w10/amd64"],
        "{cov}"
    );
    for row in cov["rows"].as_array().expect("rows") {
        assert_eq!(
            row["cells"],
            serde_json::json!(["present", "present", "present", "present"]),
            "{row}"
        );
    }
    let out = media_outputs(&m, 65536);
    let manifest: serde_json::Value = serde_json::from_slice(&out.manifest).expect("manifest");
    let files = manifest["files"].to_string();
    assert!(
        files.contains("drivers/w7/amd64/") && files.contains("drivers/w10/x86/"),
        "{files}"
    );
    check_golden("sample/two-os-w7-w10", &out);
    let comma = build(&b, r#"{"os":"w7,w10","signingPolicy":"none"}"#);
    assert!(
        media_outputs(&comma, 4096) == out,
        "a comma list and an array differ"
    );
    for bad in [r#"["w7,w10"]"#, r#"[]"#, r#"["w7",""]"#] {
        let e = wasm::build(&b, js(&format!(r#"{{"os":{bad}}}"#)))
            .err()
            .map(message)
            .unwrap_or_default();
        assert!(
            e.starts_with("options.os: ") && e.contains("one name per element"),
            "{bad}: {e}"
        );
    }
}

/// The shared-build bindings as the worker client drives them: two jobs on the same bytes
/// digest half the files each (keeping small ones), plan from all records with the owners,
/// and pieces read from their keeper give the golden bytes; a corrupt entry fails the
/// digest with its name.
#[test]
fn shared_build_bindings_give_the_golden_bytes() {
    let zip = super::fixtures::zip_tree(&guestpack::bundled::sample::sample_drivers(), "");
    let opts = r#"{"spec":"win7-virtio-win.json","signingPolicy":"none"}"#;
    let open = || Bundle::from_bytes(&zip, Some("sample.zip".into()), JsValue::UNDEFINED).unwrap();
    let mut jobs: Vec<wasm::Job> = (0..2)
        .map(|_| wasm::prepare(&open(), js(opts)).unwrap_or_else(|e| panic!("{}", message(e))))
        .collect();
    assert!(jobs.iter().all(|j| j.accepted()));
    assert_eq!(jobs[0].fingerprint(), jobs[1].fingerprint());
    let n = jobs[0].file_count() as usize;
    assert_eq!(jobs[0].sizes().len(), n);
    let mut records = vec![0u8; n * guestpack::build::shared::DIGEST_RECORD];
    let mut owners = vec![wasm::NO_OWNER; n];
    for (w, job) in jobs.iter().enumerate() {
        let mine: Vec<u32> = (0..n as u32).filter(|i| *i as usize % 2 == w).collect();
        let got = job
            .digest(mine.clone(), None)
            .unwrap_or_else(|e| panic!("{}", message(e)));
        for (k, &i) in mine.iter().enumerate() {
            let r = guestpack::build::shared::DIGEST_RECORD;
            records[i as usize * r..(i as usize + 1) * r].copy_from_slice(&got[k * r..(k + 1) * r]);
        }
        for i in job.kept() {
            owners[i as usize] = w as u8;
        }
    }
    assert!(
        owners.iter().any(|&o| o != wasm::NO_OWNER),
        "small files were kept"
    );
    let media: Vec<wasm::Media> = jobs
        .iter_mut()
        .map(|j| {
            j.plan(&records, &owners)
                .unwrap_or_else(|e| panic!("{}", message(e)))
        })
        .collect();
    let read = |key: &str| -> Vec<u8> {
        let flat = media[0]
            .pieces(key, 2)
            .unwrap_or_else(|e| panic!("{}", message(e)));
        let mut out = Vec::new();
        for p in flat.chunks(4) {
            let from = if p[3] < 0.0 {
                &media[1]
            } else {
                &media[p[3] as usize]
            };
            let s = from
                .range(key, p[0], p[1])
                .unwrap_or_else(|e| panic!("{}", message(e)));
            out.extend(pull(s, 4093));
        }
        out
    };
    let out = Outputs {
        iso: read("iso"),
        zip: read("zip"),
        manifest: read("manifest"),
    };
    check_golden("sample/win7-virtio-win.json", &out);
    // A range must start where a reader can: not inside a file extent.
    let iso = media[0].pieces("iso", 2).unwrap();
    let inside = iso[4] + 1.0;
    let e = media[0]
        .range("iso", inside, inside + 1.0)
        .err()
        .map(message)
        .unwrap_or_default();
    assert!(e.contains("inside a file extent"), "{e}");
    let e = jobs[0]
        .plan(&records[1..], &owners)
        .err()
        .map(message)
        .unwrap_or_default();
    assert!(e.contains("records"), "{e}");

    // One byte of a driver binary changed: validation does not read it, digesting does.
    let mut bad = zip.clone();
    let name = b"amd64/viostor/viostor.sys";
    let at = bad
        .windows(name.len())
        .position(|w| w == name)
        .expect("its local header");
    bad[at + name.len() + 100] ^= 1;
    let b = Bundle::from_bytes(&bad, Some("bad.zip".into()), JsValue::UNDEFINED).unwrap();
    let job = wasm::prepare(&b, js(opts)).unwrap_or_else(|e| panic!("{}", message(e)));
    let all: Vec<u32> = (0..job.file_count()).collect();
    let e = job.digest(all, None).err().map(message).unwrap_or_default();
    assert!(e.contains("viostor.sys"), "{e}");
}

/// The report of a build as JSON.
fn report(m: &wasm::Media) -> serde_json::Value {
    let text: String = js_sys::JSON::stringify(&m.report()).unwrap().into();
    serde_json::from_str(&text).unwrap()
}

fn codes(r: &serde_json::Value, code: &str) -> Vec<(String, String)> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The built-in guest tools with the sample's certificate in certs/.
fn gt_cert() -> Bundle {
    let mut t = guestpack::bundled::embedded::guest_tools();
    guestpack::bundled::sample::add_certificate(&mut t);
    Bundle::from_tree(t, "guest tools")
}

/// [`build`] with [`gt_cert`]'s guest tools.
fn build_t(b: &Bundle, options: &str) -> wasm::Media {
    wasm::build_with(b, &gt_cert(), js(options)).unwrap_or_else(|e| panic!("build: {}", message(e)))
}

fn sample_with(edit: impl Fn(&mut guestpack::source::vtree::VTree)) -> Bundle {
    let mut t = guestpack::bundled::sample::sample_drivers();
    edit(&mut t);
    let zip = super::fixtures::zip_tree(&t, "");
    Bundle::from_bytes(&zip, Some("drivers.zip".into()), JsValue::UNDEFINED).unwrap()
}

/// In JS as on the command line: LF INFs are CAT003 and `restoreCrlf` packs the signed CRLF
/// bytes (the sample's golden media); a changed binary is CAT002 from `validate`, `build` and a
/// shared build's `plan`, and no media is offered.
#[test]
fn catalog_findings_and_the_repair_in_js() {
    use super::fixtures::{bytes_of, put};
    // Test signing (the default) with the certificate the sample is signed with in certs/.
    let opts = "{}";
    let lf = || {
        sample_with(|t| {
            for arch in ["amd64", "x86"] {
                for d in ["viostor", "netkvm", "vioinput"] {
                    let p = format!("{arch}/{d}/{d}.inf");
                    let text = String::from_utf8(bytes_of(t, &p))
                        .unwrap()
                        .replace("\r\n", "\n");
                    put(t, &p, text.into_bytes());
                }
            }
        })
    };
    let m = build_t(&lf(), opts);
    assert!(!m.accepted());
    let r = report(&m);
    let crlf = codes(&r, "CAT003");
    assert_eq!(crlf.len(), 4, "viostor and netkvm on both arches: {crlf:?}");
    assert!(crlf
        .iter()
        .all(|(sev, p)| sev == "error" && p.ends_with(".inf")));
    let m = build_t(&lf(), r#"{"restoreCrlf":true}"#);
    assert!(m.accepted(), "{}", report(&m));
    assert!(codes(&report(&m), "CAT003")
        .iter()
        .all(|(sev, _)| sev == "info"));
    // The repaired bytes are the signed ones: the golden media (built under policy none).
    let m = build(&lf(), r#"{"signingPolicy":"none","restoreCrlf":true}"#);
    check_golden("sample/win7-virtio-win.json", &media_outputs(&m, 65536));

    let tampered = || {
        sample_with(|t| {
            let p = "amd64/netkvm/netkvm.sys";
            let mut b = bytes_of(t, p);
            b[4096] ^= 1;
            put(t, p, b);
        })
    };
    let want = vec![(
        "error".to_string(),
        "drivers/amd64/netkvm/netkvm.sys".to_string(),
    )];
    let v = wasm::validate_with(&tampered(), &gt_cert(), js(opts))
        .unwrap_or_else(|e| panic!("{}", message(e)));
    let text: String = js_sys::JSON::stringify(&v).unwrap().into();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(codes(&v, "CAT002"), want);
    assert_eq!(v["accepted"], false);
    let m = build_t(&tampered(), opts);
    assert!(!m.accepted());
    assert_eq!(codes(&report(&m), "CAT002"), want);
    // A shared build: validation passes, the digests carry the hashes, the plan rejects.
    let mut job = wasm::prepare_with(&tampered(), &gt_cert(), js(opts))
        .unwrap_or_else(|e| panic!("{}", message(e)));
    assert!(job.accepted());
    let all: Vec<u32> = (0..job.file_count()).collect();
    let records = job
        .digest(all, None)
        .unwrap_or_else(|e| panic!("{}", message(e)));
    let owners = vec![wasm::NO_OWNER; job.file_count() as usize];
    let m = job
        .plan(&records, &owners)
        .unwrap_or_else(|e| panic!("{}", message(e)));
    assert!(!m.accepted());
    assert_eq!(codes(&report(&m), "CAT002"), want);
    assert!(m.iso().is_err(), "no media is offered");

    // Another driver's catalog, the other architecture's, and a target it does not cover.
    let copy = |from: &'static str, to: &'static str| {
        sample_with(move |t| {
            let b = bytes_of(t, from);
            put(t, to, b);
        })
    };
    let cases = [
        (
            copy("amd64/netkvm/netkvm.cat", "amd64/viostor/viostor.cat"),
            opts,
            "CAT002",
            vec![
                "drivers/amd64/viostor/viostor.inf",
                "drivers/amd64/viostor/viostor.sys",
            ],
        ),
        (
            copy("x86/viostor/viostor.cat", "amd64/viostor/viostor.cat"),
            opts,
            "CAT005",
            vec!["drivers/amd64/viostor/viostor.cat"],
        ),
        (
            sample_with(|_| {}),
            r#"{"targetOs":["xp"]}"#,
            "CAT004",
            vec![
                "drivers/amd64/netkvm/netkvm.cat",
                "drivers/amd64/viostor/viostor.cat",
                "drivers/x86/netkvm/netkvm.cat",
                "drivers/x86/viostor/viostor.cat",
            ],
        ),
    ];
    for (bundle, o, code, paths) in cases {
        let m = build_t(&bundle, o);
        assert!(!m.accepted(), "{code}");
        let got: Vec<String> = codes(&report(&m), code)
            .into_iter()
            .map(|(_, p)| p)
            .collect();
        assert_eq!(got, paths, "{code}");
    }
    // With every file in its catalog for the target, it passes.
    let m = build_t(&sample_with(|_| {}), r#"{"targetOs":["w7","w11"]}"#);
    assert!(m.accepted(), "{}", report(&m));
    // Windows 7 verifies the SHA-256-only signatures only with the SHA-2 updates: a warning.
    assert_eq!(codes(&report(&m), "SIGN008").len(), 4);
    // A certs/ whose certificate signs none of the catalogs: each catalog names its signer.
    let mut other = guestpack::bundled::embedded::guest_tools();
    other.insert(
        "certs/other.cer".to_string(),
        std::sync::Arc::new(guestpack::source::MemContent::new(
            include_bytes!("../fixtures/signing/root.cer").to_vec(),
        )),
    );
    let v = wasm::validate_with(
        &sample_with(|_| {}),
        &Bundle::from_tree(other, "gt"),
        js("{}"),
    )
    .unwrap_or_else(|e| panic!("{}", message(e)));
    let text: String = js_sys::JSON::stringify(&v).unwrap().into();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["accepted"], false);
    let mismatch = codes(&v, "SIGN004");
    assert_eq!(mismatch.len(), 4, "{v}");
    assert!(mismatch
        .iter()
        .all(|(sev, p)| sev == "error" && p.ends_with(".cat")));
    assert_eq!(
        codes(&v, "SIGN009"),
        vec![("warning".to_string(), "certs/other.cer".to_string())]
    );
    // Production refuses the test-signed catalogs, naming their signer.
    let m = build(&sample_with(|_| {}), r#"{"signingPolicy":"production"}"#);
    assert!(!m.accepted());
    let r = report(&m);
    assert_eq!(codes(&r, "SIGN005").len(), 4, "{r}");
    assert!(r
        .to_string()
        .contains("guestpack sample test signing (do not trust)"));
    let signer = &r["packages"][0]["catalogs"][0]["signer"];
    assert_eq!(
        (signer["kind"].as_str(), signer["verified"].as_bool()),
        (Some("test"), Some(true))
    );
}
