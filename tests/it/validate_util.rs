//! Builders shared by the validation tests: in-memory trees, a valid baseline input and
//! finding lookups, for the `validate_*` and `hostile` tests.

use guestpack::diag::{Finding, Report, Severity};
use guestpack::source::vtree::VTree;
use guestpack::source::MemContent;
use guestpack::validate::signing::SigningPolicy;
use guestpack::validate::{validate, Staged, ValidateInput};
use std::sync::Arc;

pub fn tree(entries: &[(String, Vec<u8>)]) -> VTree {
    let mut t = VTree::new();
    for (p, b) in entries {
        t.insert(p.clone(), Arc::new(MemContent::new(b.clone())));
    }
    t
}

pub const CONTRACT: &str = r#"{"schema_version":1,"devices":[
  {"name":"virtio-blk","service":"viostor","hardware_ids":["PCI\\VEN_1AF4&DEV_1042","PCI\\VEN_1AF4&DEV_1001"],"boot_critical":true},
  {"name":"virtio-net","service":"netkvm","hardware_ids":["PCI\\VEN_1AF4&DEV_1041","PCI\\VEN_1AF4&DEV_1000"]}]}"#;

pub const SPEC: &str = r#"{"drivers":[
  {"name":"viostor","expected_hardware_ids":["PCI\\\\VEN_1AF4&DEV_1042\\b"],
   "expected_hardware_ids_from_devices_cmd_var":"VIRTIO_BLK_HWIDS","expected_inf_files":["viostor.inf"],
   "expected_add_services_from_devices_cmd_var":"VIRTIO_BLK_SERVICE"},
  {"name":"netkvm","expected_hardware_ids":["PCI\\\\VEN_1AF4&DEV_1041\\b"],
   "expected_hardware_ids_from_devices_cmd_var":"VIRTIO_NET_HWIDS","expected_add_services":["netkvm"]}]}"#;

/// Catalog bytes that [`Case::run`] replaces with a genuine catalog of the folder's files.
pub const SIGN_AT_RUN: &[u8] = b"sign at run";

/// The sample's test key, for catalogs the tests make.
pub const SAMPLE_KEY: &str = include_str!("../../src/bundled/sample-test-signing.key");

/// A signed catalog of `files` (name, bytes) for the architecture of the folder `arch`
/// (`x86`, `amd64`), as the sample's are made.
pub fn catalog_for(arch: &str, files: &[(&str, &[u8])]) -> Vec<u8> {
    let arch = if arch.contains("64") { "amd64" } else { "x86" };
    guestpack::bundled::sample::signed_catalog(arch, files)
}

/// `entries` with every [`SIGN_AT_RUN`] catalog made for the other files of its folder.
pub fn signed(entries: &[(String, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
    entries
        .iter()
        .map(|(path, bytes)| {
            if bytes != SIGN_AT_RUN {
                return (path.clone(), bytes.clone());
            }
            let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
            let files: Vec<(&str, &[u8])> = entries
                .iter()
                .filter(|(p, b)| p != path && b != SIGN_AT_RUN)
                .filter_map(|(p, b)| {
                    let rest = p.strip_prefix(dir)?.strip_prefix('/')?;
                    (!rest.contains('/')).then_some((rest, b.as_slice()))
                })
                .collect();
            (path.clone(), catalog_for(dir, &files))
        })
        .collect()
}

/// A small but real-shaped INF for driver `name` listing two PCI device IDs.
pub fn inf(name: &str, devs: &[&str]) -> String {
    let ids: Vec<String> = devs
        .iter()
        .map(|d| format!("PCI\\VEN_1AF4&DEV_{d}"))
        .collect();
    format!(
        "; {name}.inf\r\n[Version]\r\nSignature=\"$Windows NT$\"\r\nCatalogFile={name}.cat\r\n\r\n\
[Manufacturer]\r\n%Mfg%=Std,NTx86,NTamd64\r\n\r\n[Std.NTamd64]\r\n%Desc%=Inst, {ids}\r\n\r\n\
[Inst]\r\nCopyFiles=Drv\r\n\r\n[Drv]\r\n{name}.sys\r\n\r\n[Inst.Services]\r\nAddService={name},2,Svc\r\n\r\n\
[Svc]\r\nServiceBinary=%12%\\{name}.sys\r\n\r\n[SourceDisksFiles]\r\n{name}.sys=1\r\n\r\n[Strings]\r\nMfg=\"Test\"\r\nDesc=\"Device\"\r\n",
        ids = ids.join(", ")
    )
}

/// One validation input, editable by path.
pub struct Case {
    pub drivers: Vec<(String, Vec<u8>)>,
    pub guest_tools: Vec<(String, Vec<u8>)>,
    pub spec: String,
    pub contract: Option<String>,
    pub policy: SigningPolicy,
}

impl Case {
    /// Valid input: viostor and netkvm for both arches (catalogs signed with the sample's test
    /// key), complete guest tools with that key's certificate in certs/, test signing.
    pub fn base() -> Case {
        let mut drivers = Vec::new();
        for arch in ["x86", "amd64"] {
            for (name, devs) in [("viostor", ["1042", "1001"]), ("netkvm", ["1041", "1000"])] {
                drivers.push((
                    format!("{arch}/{name}/{name}.inf"),
                    inf(name, &devs).into_bytes(),
                ));
                drivers.push((format!("{arch}/{name}/{name}.sys"), b"MZ driver".to_vec()));
                drivers.push((format!("{arch}/{name}/{name}.cat"), SIGN_AT_RUN.to_vec()));
            }
        }
        let contract =
            guestpack::validate::contract::parse("contract.json", CONTRACT.as_bytes()).unwrap();
        let mut guest_tools: Vec<(String, Vec<u8>)> = [
            "setup.cmd",
            "uninstall.cmd",
            "verify.cmd",
            "verify.ps1",
            "README.md",
            "THIRD_PARTY_NOTICES.md",
        ]
        .iter()
        .map(|n| (n.to_string(), format!("{n}\r\n").into_bytes()))
        .collect();
        guest_tools.push((
            "config/devices.cmd".into(),
            guestpack::validate::devices_cmd::generate(&contract, &[])
                .unwrap()
                .into_bytes(),
        ));
        guest_tools.push((
            guestpack::bundled::sample::CERTIFICATE_PATH.into(),
            guestpack::bundled::sample::CERTIFICATE.to_vec(),
        ));
        Case {
            drivers,
            guest_tools,
            spec: SPEC.to_string(),
            contract: None,
            policy: SigningPolicy::Test,
        }
    }

    pub fn add_driver_file(&mut self, path: &str, bytes: &[u8]) -> &mut Self {
        self.drivers.retain(|(p, _)| p != path);
        self.drivers.push((path.to_string(), bytes.to_vec()));
        self
    }

    pub fn add_gt_file(&mut self, path: &str, bytes: &[u8]) -> &mut Self {
        self.guest_tools.retain(|(p, _)| p != path);
        self.guest_tools.push((path.to_string(), bytes.to_vec()));
        self
    }

    /// Removes every driver file whose path starts with `prefix`.
    pub fn remove_drivers(&mut self, prefix: &str) -> &mut Self {
        self.drivers.retain(|(p, _)| !p.starts_with(prefix));
        self
    }

    pub fn remove_gt(&mut self, path: &str) -> &mut Self {
        self.guest_tools.retain(|(p, _)| p != path);
        self
    }

    /// Renames the prefix of every driver path.
    pub fn rename_drivers(&mut self, from: &str, to: &str) -> &mut Self {
        for (p, _) in &mut self.drivers {
            if let Some(rest) = p.strip_prefix(from) {
                *p = format!("{to}{rest}");
            }
        }
        self
    }

    /// Validates; every catalog still [`SIGN_AT_RUN`] is first made for its folder's files as
    /// they are now (so a test changing an INF meets only the finding it is about).
    pub fn run(&self) -> (Report, Staged) {
        self.run_trees(&tree(&signed(&self.drivers)), &tree(&self.guest_tools))
    }

    pub fn run_trees(&self, drivers: &VTree, guest_tools: &VTree) -> (Report, Staged) {
        let input = ValidateInput {
            contract_found: None,
            drivers,
            guest_tools,
            spec_name: "test-spec.json",
            spec_json: self.spec.as_bytes(),
            contract: self
                .contract
                .as_deref()
                .map(|c| ("contract.json", c.as_bytes())),
            signing_policy: self.policy,
        };
        validate(&input, &Default::default()).expect("validation runs")
    }
}

/// Findings with `code`.
pub fn with_code<'a>(r: &'a Report, code: &str) -> Vec<&'a Finding> {
    r.findings.iter().filter(|f| f.code == code).collect()
}

/// The single finding with `code`, failing with the whole report otherwise.
pub fn one<'a>(r: &'a Report, code: &str) -> &'a Finding {
    let f = with_code(r, code);
    assert_eq!(
        f.len(),
        1,
        "expected one {code} finding, got: {:#?}",
        r.findings
    );
    f[0]
}

pub fn errors(r: &Report) -> Vec<&Finding> {
    r.findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect()
}

pub fn assert_clean(r: &Report) {
    assert!(
        errors(r).is_empty() && r.warnings() == 0,
        "expected no errors or warnings: {:#?}",
        r.findings
    );
}

pub fn paths(s: &Staged) -> Vec<&str> {
    s.files.iter().map(|(p, _)| p.as_str()).collect()
}

/// The staged files of `drivers` with the built-in guest tools and the win7 virtio-win spec,
/// which must validate without errors (the sample does, wherever its bytes come from).
pub fn staged_win7(drivers: &VTree) -> Staged {
    let tools = guestpack::bundled::default_guest_tools(true, Default::default());
    let input = ValidateInput {
        contract_found: None,
        drivers,
        guest_tools: &tools,
        spec_name: "win7-virtio-win.json",
        spec_json: guestpack::bundled::embedded::spec_file("win7-virtio-win.json").unwrap(),
        contract: None,
        signing_policy: Default::default(),
    };
    let (report, staged) = validate(&input, &Default::default()).unwrap();
    assert!(!report.has_errors());
    staged
}
