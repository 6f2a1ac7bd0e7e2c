//! The shipped specs: each validates against the JSON Schema (checked with Python's
//! `jsonschema`, which must be installed) and compiles with no findings; the default device
//! contract parses and generates exactly the shipped `guest-tools/config/devices.cmd`.

use std::path::Path;
use std::process::Command;

fn spec_files() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir("specs")
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json") && !n.ends_with(".schema.json") && !n.contains("contract"))
        .collect();
    out.sort();
    out
}

#[test]
fn shipped_specs_are_the_expected_set() {
    assert_eq!(
        spec_files(),
        vec![
            "virtio-win-8.1.json",
            "virtio-win.json",
            "win7-virtio-full.json",
            "win7-virtio-win.json"
        ]
    );
}

#[test]
fn shipped_specs_match_the_schema() {
    // The schema must reject what the Rust types reject.
    let reject = r#"[{"drivers": [{"name": "a", "bogus": 1}]}, {"extra": true}, {"drivers": [{"required": true}]},
        {"required_drivers": [{"name": "a", "hwids": []}]}, {"required_drivers": [7]}, {"required_drivers": [{}]},
        {"tools": [{"name": "a"}]}, {"tools": [{"name": "a", "installers": {"ia64": "a.msi"}}]},
        {"tools": [{"name": "a&b", "installers": {"x86": "a.msi"}}]}, {"tools": [{"name": "a", "installers": {"x86": "a.zip"}}]},
        {"tools": [{"name": "a", "installers": {"x86": "a.exe"}, "uninstall": {"args": []}}]}]"#;
    let mut docs: Vec<String> = spec_files().iter().map(|n| format!("specs/{n}")).collect();
    // Both forms of the legacy list, as guestpack reads them.
    let t = tempfile::tempdir().unwrap();
    let legacy = t.path().join("legacy.json");
    let text = r#"{"required_drivers": ["viostor", {"name": "netkvm", "expected_hardware_ids": ["DEV_1041"],
        "expected_hardware_ids_from_devices_cmd_var": "VIRTIO_NET_HWIDS"}]}"#;
    guestpack::validate::spec::parse("legacy.json", text.as_bytes()).expect("guestpack reads it");
    std::fs::write(&legacy, text).unwrap();
    docs.push(legacy.display().to_string());
    // Tools of every kind, as guestpack reads them.
    let tools = t.path().join("tools.json");
    let text = r#"{"tools": [{"name": "qemu-ga", "aliases": ["guest-agent"], "installers": {"x86": "qemu-ga-i386.msi", "amd64": "qemu-ga-x86_64.msi"}, "args": ["ADDLOCAL=ALL"]},
        {"name": "agent", "required": false, "installers": {"all": "Agent Setup.exe"}, "args": ["/S"], "uninstall": {"run": "%ProgramFiles%\\Agent\\uninst.exe", "args": ["/S"]}}]}"#;
    let raw = guestpack::validate::spec::parse("tools.json", text.as_bytes())
        .expect("guestpack reads it");
    let (_, findings) = guestpack::validate::spec::compile(&raw, "tools.json");
    assert!(findings.is_empty(), "{findings:?}");
    std::fs::write(&tools, text).unwrap();
    docs.push(tools.display().to_string());
    // The reference's own specs are valid under guestpack's schema too.
    let reference = crate::common::crate_root().join("../shared/data/aero-reference/specs");
    for e in std::fs::read_dir(&reference).unwrap() {
        let p = e.unwrap().path();
        if !p.to_string_lossy().ends_with(".schema.json") {
            docs.push(p.display().to_string());
        }
    }
    check_schema("specs/packaging-spec.schema.json", &docs, reject);
}

#[test]
fn schema_lists_exactly_the_rawspec_fields() {
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read("specs/packaging-spec.schema.json").unwrap())
            .unwrap();
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&schema["properties"]),
        vec![
            "$schema",
            "arches",
            "description",
            "drivers",
            "fail_on_unlisted_driver_dirs",
            "require_optional_drivers_on_all_arches",
            "required_drivers",
            "target_os",
            "title",
            "tools"
        ]
    );
    let driver_fields = keys(&schema["$defs"]["driver"]["properties"]);
    // Every schema field is accepted by RawDriver, and a full entry round-trips.
    let mut entry = serde_json::Map::new();
    for f in &driver_fields {
        let v = match schema["$defs"]["driver"]["properties"][f]["type"]
            .as_str()
            .unwrap()
        {
            "string" => serde_json::json!("x"),
            "boolean" => serde_json::json!(false),
            _ => serde_json::json!([]),
        };
        entry.insert(f.clone(), v);
    }
    let doc = serde_json::json!({ "drivers": [entry] });
    guestpack::validate::spec::parse("s.json", doc.to_string().as_bytes())
        .expect("RawSpec accepts every schema field");
    assert_eq!(driver_fields.len(), 11);
}

#[test]
fn shipped_specs_compile_without_findings() {
    for name in spec_files() {
        let bytes = std::fs::read(Path::new("specs").join(&name)).unwrap();
        let raw = guestpack::validate::spec::parse(&name, &bytes).unwrap();
        assert_eq!(
            raw.schema.as_deref(),
            Some("./packaging-spec.schema.json"),
            "{name}"
        );
        // Every shipped spec explains itself where a spec is chosen.
        assert!(
            raw.title.as_deref().is_some_and(|t| !t.is_empty()),
            "{name}"
        );
        assert!(
            raw.description.as_deref().is_some_and(|d| d.len() > 40),
            "{name}"
        );
        let (spec, findings) = guestpack::validate::spec::compile(&raw, &name);
        assert!(findings.is_empty(), "{name}: {findings:?}");
        assert!(
            spec.drivers
                .iter()
                .any(|d| d.name == "viostor" && d.required),
            "{name}"
        );
    }
}

#[test]
fn default_contract_generates_the_shipped_devices_cmd() {
    let bytes = std::fs::read("specs/windows-device-contract.json").unwrap();
    let c =
        guestpack::validate::contract::own::parse("windows-device-contract.json", &bytes).unwrap();
    let names: Vec<(&str, &str, bool)> = c
        .devices
        .iter()
        .map(|d| (d.name.as_str(), d.service.as_str(), d.boot_critical))
        .collect();
    assert_eq!(
        names,
        vec![
            ("virtio-blk", "viostor", true),
            ("virtio-net", "netkvm", false),
            ("virtio-input", "vioinput", false),
            ("virtio-snd", "viosnd", false)
        ]
    );
    let generated = guestpack::validate::devices_cmd::generate(
        &guestpack::validate::contract::Contract::Own(c),
        &[],
    )
    .unwrap();
    let shipped = std::fs::read("guest-tools/config/devices.cmd")
        .expect("guest-tools/config/devices.cmd is shipped");
    assert_eq!(String::from_utf8(shipped).unwrap(), generated);
}

#[test]
fn cli_reports_match_the_report_schema() {
    // An accepted input, a rejected one (the sample lacks most virtio-win 8.1 drivers) and one
    // whose finding asks for a choice (two OS folders, none chosen).
    let tmp = tempfile::tempdir().unwrap();
    let two = tmp.path().join("two-os");
    for os in ["w10", "w8.1"] {
        for arch in ["amd64", "x86"] {
            let d = two.join("viostor").join(os).join(arch);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("viostor.inf"), "[Version]\r\n").unwrap();
        }
    }
    let cases: [(&str, Vec<String>); 3] = [
        ("accepted", vec!["--sample".into()]),
        (
            "rejected",
            vec![
                "--sample".into(),
                "--spec".into(),
                "virtio-win-8.1.json".into(),
            ],
        ),
        (
            "choice",
            vec![
                "--drivers-dir".into(),
                two.display().to_string(),
                "--spec".into(),
                "win7-virtio-win.json".into(),
            ],
        ),
    ];
    let mut reports = Vec::new();
    for (name, args) in &cases {
        let path = tmp.path().join(format!("{name}.json"));
        let o = crate::common::run(
            crate::common::guestpack()
                .args(args)
                .args(["--validate-only", "--quiet", "--report"])
                .arg(&path),
        );
        assert!(
            o.status.code().is_some_and(|c| c <= 1),
            "{name}: {}",
            crate::common::stderr(&o)
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v["accepted"],
            serde_json::json!(*name == "accepted"),
            "{name}"
        );
        reports.push(path);
    }
    let choice: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&reports[2]).unwrap()).unwrap();
    let lay004 = choice["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "LAY004")
        .expect("LAY004 in the report");
    assert_eq!(
        lay004["choice"],
        serde_json::json!({"option": "os", "values": ["w10", "w8.1"]})
    );
    check_schema("specs/report.schema.json", &reports, "[]");
}

/// Checks each of `docs` against the JSON Schema at `schema` with Python's `jsonschema`
/// (installed by scripts/setup.sh), and that the schema rejects every document of the JSON
/// array `must_reject`.
fn check_schema(schema: &str, docs: &[impl AsRef<std::ffi::OsStr>], must_reject: &str) {
    let script = r#"
import json, sys
from jsonschema import Draft202012Validator
schema = json.load(open(sys.argv[1]))
Draft202012Validator.check_schema(schema)
v = Draft202012Validator(schema)
bad = 0
for name in sys.argv[3:]:
    for e in v.iter_errors(json.load(open(name))):
        print(name, list(e.path), e.message); bad += 1
for doc in json.loads(sys.argv[2]):
    if v.is_valid(doc):
        print("schema accepts", doc); bad += 1
sys.exit(1 if bad else 0)
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(schema)
        .arg(must_reject)
        .args(docs)
        .output()
        .expect("python3 must be installed to check documents against a schema");
    assert!(
        out.status.success(),
        "{schema}: check failed (needs `pip install jsonschema`):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
