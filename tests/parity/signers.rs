//! Catalog signers judged the same on every target: the sample's drivers re-signed in this run
//! by the project's own catalog maker with the test certificates of `tests/fixtures/signing/`
//! (a chain through an intermediate, an ECDSA signer, SHA-1 or SHA-256, with or without the
//! certificates embedded), or with one byte changed after signing, then validated under each
//! signing policy with chosen certificates in `certs/`. Each case names the findings it must
//! give, natively, in Node and in the browser.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::harness::Case;
use guestpack::bundled::make_catalog::{make, CatalogFile, CatalogSigner, CatalogSpec};
use guestpack::bundled::sample;
use guestpack::input::catalog::DigestAlg;
use guestpack::source::vtree::VTree;
use guestpack::source::MemContent;
use guestpack::validate::signing::SigningPolicy;
use guestpack::validate::ValidateOptions;
use std::sync::Arc;

const ROOT: &[u8] = include_bytes!("../fixtures/signing/root.cer");
const MID: &[u8] = include_bytes!("../fixtures/signing/mid.cer");
const LEAF: &[u8] = include_bytes!("../fixtures/signing/leaf.cer");
const LEAF_KEY: &str = include_str!("../fixtures/signing/leaf.key");
const EC: &[u8] = include_bytes!("../fixtures/signing/ec.cer");
const EC_KEY: &str = include_str!("../fixtures/signing/ec.key");
const MS_NAMED: &[u8] = include_bytes!("../fixtures/signing/msnamed.cer");
const MS_NAMED_KEY: &str = include_str!("../fixtures/signing/msnamed.key");
const SAMPLE_KEY: &str = include_str!("../../src/bundled/sample-test-signing.key");

/// How a case signs, and what it does to the catalog afterwards.
#[derive(Clone, Copy)]
enum Signer {
    /// The leaf through the intermediate; `embed_mid`: the catalog carries the intermediate.
    Chain {
        embed_mid: bool,
    },
    Ec,
    Sample(DigestAlg),
    /// The sample's key, no certificate embedded.
    SampleBare,
    /// A leaf whose issuer bears a Microsoft name and is not embedded.
    MsNamed,
    /// The sample's key over the content itself, no signed attributes.
    SampleNoAttributes,
}

#[derive(Clone, Copy, PartialEq)]
enum Damage {
    None,
    /// A byte of the signed trust list (inside a member's `File` name).
    Content,
    /// The last byte of the signature.
    Signature,
}

/// The sample drivers with every catalog made again for its folder's INF and driver binary.
fn resigned(signer: Signer, damage: Damage, only: Option<&str>) -> VTree {
    let base = sample::sample_drivers();
    let mut out = VTree::new();
    for (path, content) in base.files() {
        let bytes = guestpack::source::read_to_vec(content.as_ref(), 1 << 20).unwrap();
        let keep = !path.ends_with(".cat") || only.is_some_and(|o| !path.contains(o));
        if keep {
            out.insert(path.to_string(), Arc::new(MemContent::new(bytes)));
            continue;
        }
        let (dir, _) = path.rsplit_once('/').unwrap();
        let name = dir.rsplit('/').next().unwrap();
        let read = |ext: &str| {
            let c = base.get(&format!("{dir}/{name}.{ext}")).unwrap();
            guestpack::source::read_to_vec(c.as_ref(), 1 << 20).unwrap()
        };
        let (inf, sys) = (read("inf"), read("sys"));
        let (inf_name, sys_name) = (format!("{name}.inf"), format!("{name}.sys"));
        let files = [
            CatalogFile {
                name: &inf_name,
                bytes: &inf,
            },
            CatalogFile {
                name: &sys_name,
                bytes: &sys,
            },
        ];
        let spec = CatalogSpec {
            files: &files,
            algorithms: &[DigestAlg::Sha1, DigestAlg::Sha256],
            os_attr: sample::OS_ATTR,
            os: if dir.starts_with("amd64") {
                "7X64,8X64,_v63_X64,_v100_X64"
            } else {
                "7X86,8X86,_v63,_v100"
            },
            this_update: 1_704_067_200,
        };
        let with_mid: &[&[u8]] = &[LEAF, MID];
        let leaf_only: &[&[u8]] = &[LEAF];
        let none: &[&[u8]] = &[];
        let signed = match signer {
            Signer::Chain { embed_mid } => CatalogSigner {
                certificates: Some(if embed_mid { with_mid } else { leaf_only }),
                ..CatalogSigner::new(LEAF_KEY, LEAF)
            },
            Signer::Ec => CatalogSigner::new(EC_KEY, EC),
            Signer::Sample(digest) => CatalogSigner {
                digest,
                ..CatalogSigner::new(SAMPLE_KEY, sample::CERTIFICATE)
            },
            Signer::MsNamed => CatalogSigner::new(MS_NAMED_KEY, MS_NAMED),
            Signer::SampleNoAttributes => CatalogSigner {
                signed_attributes: false,
                ..CatalogSigner::new(SAMPLE_KEY, sample::CERTIFICATE)
            },
            Signer::SampleBare => CatalogSigner {
                certificates: Some(none),
                ..CatalogSigner::new(SAMPLE_KEY, sample::CERTIFICATE)
            },
        };
        let mut cat = make(&spec, &signed).unwrap();
        match damage {
            Damage::None => {}
            Damage::Content => {
                let needle: Vec<u8> = sys_name.encode_utf16().flat_map(u16::to_le_bytes).collect();
                let at = cat.windows(needle.len()).position(|w| w == needle).unwrap();
                cat[at] ^= 0x01;
            }
            Damage::Signature => *cat.last_mut().unwrap() ^= 0x01,
        }
        out.insert(path.to_string(), Arc::new(MemContent::new(cat)));
    }
    out
}

/// The built-in guest tools with `certs` (name, DER) in certs/.
fn tools(certs: &[(&str, &[u8])]) -> VTree {
    let mut gt = guestpack::bundled::embedded::guest_tools();
    for (name, der) in certs {
        gt.insert(
            format!("certs/{name}"),
            Arc::new(MemContent::new(der.to_vec())),
        );
    }
    gt
}

/// The SIGN findings of one case, as `CODE severity path`, sorted.
fn sign_findings(
    drivers: &VTree,
    gt: &VTree,
    policy: SigningPolicy,
    target: Option<&str>,
) -> Vec<String> {
    let mut case = Case::new(drivers, "win7-virtio-win.json").policy(policy);
    case.guest_tools = Some(gt);
    let opts = ValidateOptions {
        target_os: target.map(|t| vec![t.to_string()]),
        ..Default::default()
    };
    let (report, _) = case.validate_with(&opts);
    let mut out: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.code.starts_with("SIGN"))
        .map(|f| {
            format!(
                "{} {:?} {}",
                f.code,
                f.severity,
                f.path.as_deref().unwrap_or("")
            )
        })
        .collect();
    out.sort();
    out
}

const CATS: [&str; 4] = [
    "drivers/amd64/netkvm/netkvm.cat",
    "drivers/amd64/viostor/viostor.cat",
    "drivers/x86/netkvm/netkvm.cat",
    "drivers/x86/viostor/viostor.cat",
];

fn each(code: &str, severity: &str) -> Vec<String> {
    CATS.iter()
        .map(|c| format!("{code} {severity} {c}"))
        .collect()
}

/// Several expected lists as one, in [`sign_findings`]' order.
fn sorted<const N: usize>(groups: [Vec<String>; N]) -> Vec<String> {
    let mut all: Vec<String> = groups.into_iter().flatten().collect();
    all.sort();
    all
}

#[test]
fn signers_are_judged_the_same_everywhere() {
    use Damage as D;
    use SigningPolicy::{None as NoPolicy, Production, Test};
    let chain = resigned(Signer::Chain { embed_mid: true }, D::None, None);
    // Test signing: the chain reaches the root shipped in certs/.
    assert_eq!(
        sign_findings(&chain, &tools(&[("root.cer", ROOT)]), Test, None),
        Vec::<String>::new()
    );
    // Signer not in certs/: each catalog names it, and the certificate that signs nothing is named.
    let want = sorted([
        each("SIGN004", "Error"),
        vec!["SIGN009 Warning certs/other.cer".into()],
    ]);
    assert_eq!(
        sign_findings(&chain, &tools(&[("other.cer", EC)]), Test, None),
        want
    );
    // Production: a private root is test signing.
    assert_eq!(
        sign_findings(&chain, &tools(&[]), Production, None),
        each("SIGN005", "Error")
    );
    // None: reported, not required.
    assert_eq!(
        sign_findings(&chain, &tools(&[]), NoPolicy, None),
        Vec::<String>::new()
    );

    // The intermediate left out of the catalog: under production a chain that stops at an
    // issuer of no Microsoft name does not reach Microsoft (an error naming where it stops)...
    let partial = resigned(Signer::Chain { embed_mid: false }, D::None, None);
    assert_eq!(
        sign_findings(&partial, &tools(&[]), Production, Some("w10")),
        each("SIGN005", "Error")
    );
    // ...while one that stops at a Microsoft-named issuer not at hand cannot be verified
    // offline (a warning naming it), and Windows 10 may refuse what is not Microsoft's own.
    let ms_named = resigned(Signer::MsNamed, D::None, None);
    let want = sorted([each("SIGN006", "Warning"), each("SIGN007", "Warning")]);
    assert_eq!(
        sign_findings(&ms_named, &tools(&[]), Production, Some("w10")),
        want
    );
    // For Windows 7 the SHA-256 signature needs the SHA-2 updates too; Secure Boot does not apply.
    let want = sorted([each("SIGN007", "Warning"), each("SIGN008", "Warning")]);
    assert_eq!(
        sign_findings(&ms_named, &tools(&[]), Production, Some("w7")),
        want
    );
    // ...and under test, with the root in certs/, it does not reach it: an error, and the root
    // signs nothing that can be followed to it.
    let want = sorted([
        each("SIGN004", "Error"),
        vec!["SIGN009 Warning certs/root.cer".into()],
    ]);
    assert_eq!(
        sign_findings(&partial, &tools(&[("root.cer", ROOT)]), Test, None),
        want
    );
    // With the intermediate shipped in certs/ too, the chain is whole again.
    assert_eq!(
        sign_findings(
            &partial,
            &tools(&[("root.cer", ROOT), ("mid.cer", MID)]),
            Test,
            None
        ),
        Vec::<String>::new()
    );

    // One changed byte in the signed content, or in the signature: the signature does not hold.
    for damage in [D::Content, D::Signature] {
        let broken = resigned(Signer::Chain { embed_mid: true }, damage, None);
        assert_eq!(
            sign_findings(&broken, &tools(&[("root.cer", ROOT)]), Test, None),
            each("SIGN003", "Error")
        );
        assert_eq!(
            sign_findings(&broken, &tools(&[]), NoPolicy, None),
            each("SIGN003", "Warning")
        );
    }

    // ECDSA (P-256) signer, its certificate in certs/.
    let ec = resigned(Signer::Ec, D::None, None);
    assert_eq!(
        sign_findings(&ec, &tools(&[("ec.cer", EC)]), Test, None),
        Vec::<String>::new()
    );
    assert_eq!(
        sign_findings(&ec, &tools(&[]), Production, None),
        each("SIGN005", "Error")
    );

    // SHA-256 only for Windows 7: a warning naming the updates; SHA-1 signed: none.
    let cert = [("sample.cer", sample::CERTIFICATE)];
    let sha256 = resigned(Signer::Sample(DigestAlg::Sha256), D::None, None);
    assert_eq!(
        sign_findings(&sha256, &tools(&cert), Test, Some("w7")),
        each("SIGN008", "Warning")
    );
    assert_eq!(
        sign_findings(&sha256, &tools(&cert), Test, Some("w10")),
        Vec::<String>::new()
    );
    let sha1 = resigned(Signer::Sample(DigestAlg::Sha1), D::None, None);
    assert_eq!(
        sign_findings(&sha1, &tools(&cert), Test, Some("w7")),
        Vec::<String>::new()
    );

    // No certificate in the catalog: verified with the one in certs/, unverifiable without it.
    let bare = resigned(Signer::SampleBare, D::None, None);
    assert_eq!(
        sign_findings(&bare, &tools(&cert), Test, None),
        Vec::<String>::new()
    );
    // (No catalog's signature holds, so nothing says which certificate would be used.)
    assert_eq!(
        sign_findings(&bare, &tools(&[("root.cer", ROOT)]), Test, None),
        each("SIGN003", "Error")
    );

    // No signed attributes: the signature covers the content itself, as CMS says; a changed
    // byte of the content then breaks the signature.
    let plain = resigned(Signer::SampleNoAttributes, D::None, None);
    assert_eq!(
        sign_findings(&plain, &tools(&cert), Test, None),
        Vec::<String>::new()
    );
    let changed = resigned(Signer::SampleNoAttributes, D::Content, None);
    assert_eq!(
        sign_findings(&changed, &tools(&cert), Test, None),
        each("SIGN003", "Error")
    );

    // One driver signed unlike the rest: a note naming each of its catalogs.
    let mixed = resigned(Signer::Chain { embed_mid: true }, D::None, Some("/netkvm/"));
    let two = tools(&[("root.cer", ROOT), ("sample.cer", sample::CERTIFICATE)]);
    assert_eq!(
        sign_findings(&mixed, &two, Test, None),
        vec![
            "SIGN010 Info drivers/amd64/netkvm/netkvm.cat".to_string(),
            "SIGN010 Info drivers/x86/netkvm/netkvm.cat".to_string(),
        ]
    );
}

/// The report names the signer, its kind and its chain, on every target.
#[test]
fn the_report_describes_each_signer() {
    let chain = resigned(Signer::Chain { embed_mid: true }, Damage::None, None);
    let gt = tools(&[("root.cer", ROOT)]);
    let mut case = Case::new(&chain, "win7-virtio-win.json").policy(SigningPolicy::Test);
    case.guest_tools = Some(&gt);
    let (report, staged) = case.validate_with(&ValidateOptions::default());
    let json = guestpack::validate::report::ValidationReport::new(&report, &staged).to_json();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let row = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["driver"] == "viostor" && p["arch"] == "amd64")
        .unwrap();
    let s = &row["catalogs"][0]["signer"];
    assert_eq!(
        s["commonName"],
        "guestpack test driver signer (do not trust)"
    );
    assert_eq!(s["organization"], "guestpack tests");
    assert_eq!(
        (s["kind"].as_str(), s["verified"].as_bool()),
        (Some("test"), Some(true))
    );
    assert_eq!(s["digests"], serde_json::json!(["sha256"]));
    let chain: Vec<&str> = s["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        chain,
        [
            "CN=guestpack test driver signer (do not trust),O=guestpack tests",
            "CN=guestpack test intermediate (do not trust),O=guestpack tests",
            "CN=guestpack test root (do not trust),O=guestpack tests",
        ]
    );
    assert_eq!(s["chainEnd"], "root");
}
