//! Input fixtures for the parity suites, all built in memory from the project's sample
//! drivers so they are identical on every target: variations a user's bundle really has
//! (UTF-16 INF files, a wrapper folder, architecture aliases, non-ASCII names, test
//! certificates), and zips of trees written with the crate's own zip writer.
#![allow(dead_code)]

use guestpack::output::media;
use guestpack::output::zip::{ZipOptions, ZipPlan};
use guestpack::source::vtree::VTree;
use guestpack::source::{read_to_vec, MemContent};
use std::io::Read;
use std::sync::Arc;

pub fn bytes_of(tree: &VTree, path: &str) -> Vec<u8> {
    let c = tree
        .get(path)
        .unwrap_or_else(|| panic!("fixture lacks {path}"));
    read_to_vec(c.as_ref(), 1 << 30).expect("in-memory content reads")
}

/// A copy of `tree` with every path passed through `rename` (files only; `None` drops it).
pub fn map_paths(tree: &VTree, rename: impl Fn(&str) -> Option<String>) -> VTree {
    let mut out = VTree::new();
    for (p, c) in tree.files() {
        if let Some(n) = rename(p) {
            out.insert(n, c.clone());
        }
    }
    out
}

pub fn put(tree: &mut VTree, path: &str, bytes: Vec<u8>) {
    tree.insert(path, Arc::new(MemContent::new(bytes)));
}

/// Re-encodes a text as UTF-16LE with a byte-order mark, as many vendor INF files are.
pub fn utf16le(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
}

/// The sample with both viostor INF files stored as UTF-16LE.
pub fn sample_utf16_inf() -> VTree {
    let mut t = guestpack::bundled::sample::sample_drivers();
    for arch in ["x86", "amd64"] {
        let path = format!("{arch}/viostor/viostor.inf");
        let text = String::from_utf8(bytes_of(&t, &path)).expect("sample INF is UTF-8");
        let inf = utf16le(&text);
        // Re-signed for the UTF-16 bytes, as a vendor shipping UTF-16 INFs signs them.
        let sys = bytes_of(&t, &format!("{arch}/viostor/viostor.sys"));
        put(
            &mut t,
            &format!("{arch}/viostor/viostor.cat"),
            guestpack::bundled::sample::signed_catalog(
                arch,
                &[("viostor.inf", &inf), ("viostor.sys", &sys)],
            ),
        );
        put(&mut t, &path, inf);
    }
    t
}

/// The sample with architecture folders spelled `i386` and `x64`.
pub fn sample_arch_aliases() -> VTree {
    map_paths(&guestpack::bundled::sample::sample_drivers(), |p| {
        let (arch, rest) = p.split_once('/')?;
        let alias = match arch {
            "x86" => "i386",
            "amd64" => "x64",
            other => other,
        };
        Some(format!("{alias}/{rest}"))
    })
}

/// The sample laid out as virtio-win lays it, once under each of `oses`:
/// `<driver>/<os>/<arch>/...`.
pub fn sample_under_oses(oses: &[&str]) -> VTree {
    let sample = guestpack::bundled::sample::sample_drivers();
    let mut out = VTree::new();
    for (p, c) in sample.files() {
        let mut it = p.splitn(3, '/');
        let (Some(arch), Some(drv), Some(rest)) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        for os in oses {
            out.insert(format!("{drv}/{os}/{arch}/{rest}"), c.clone());
        }
    }
    out
}

/// The sample plus non-ASCII file names next to the drivers and in the guest tools.
pub fn sample_unicode_names() -> (VTree, VTree) {
    let mut d = guestpack::bundled::sample::sample_drivers();
    put(
        &mut d,
        "amd64/netkvm/Lisez-moi é.txt",
        "Pilote réseau VirtIO\r\n".as_bytes().to_vec(),
    );
    put(
        &mut d,
        "x86/viostor/说明.txt",
        "VirtIO 存储驱动\r\n".as_bytes().to_vec(),
    );
    let mut gt = guestpack::bundled::embedded::guest_tools();
    put(
        &mut gt,
        "licenses/Ünïcödé licence.txt",
        "Licence: ≥ 1 Ω\n".as_bytes().to_vec(),
    );
    (d, gt)
}

/// The built-in guest tools plus a firmware image whose chunks differ (packed data first,
/// then text, packed data again, a text tail) and a wholly packed one: deflated with stored
/// blocks inside, and stored.
pub fn guest_tools_with_mixed_content() -> VTree {
    const C: usize = 64 * 1024;
    use crate::noise::noise;
    let text = |len: usize| -> Vec<u8> {
        b"[Firmware]\r\nRevision=4.2\r\nBlock=boot,recovery\r\n"
            .iter()
            .cycle()
            .take(len)
            .copied()
            .collect()
    };
    let mut gt = guestpack::bundled::embedded::guest_tools();
    let firmware = [noise(2 * C, 21), text(2 * C), noise(C, 22), text(3000)].concat();
    put(&mut gt, "tools/firmware/update.bin", firmware);
    put(&mut gt, "tools/firmware/packed.bin", noise(3 * C + 17, 23));
    gt
}

/// The built-in guest tools plus the certificate the sample's catalogs are signed with, as
/// PEM under a name of its own.
pub fn guest_tools_with_cert() -> VTree {
    let mut gt = guestpack::bundled::embedded::guest_tools();
    let b64 = base64(guestpack::bundled::sample::CERTIFICATE);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\r\n{}\r\n-----END CERTIFICATE-----\r\n",
        lines.join("\r\n")
    );
    put(&mut gt, "certs/guestpack-test.cer", pem.into_bytes());
    gt
}

fn base64(bytes: &[u8]) -> String {
    use base64ct::Encoding;
    base64ct::Base64::encode_string(bytes)
}

/// Zips a tree with the crate's writer, every entry under `prefix` (may be empty).
pub fn zip_tree(tree: &VTree, prefix: &str) -> Vec<u8> {
    let files: Vec<_> = tree
        .files()
        .map(|(p, c)| {
            media::media_file(format!("{prefix}{p}"), c.clone()).expect("in-memory content digests")
        })
        .collect();
    let plan = ZipPlan::plan(&files, &ZipOptions::default()).expect("fixture zip plans");
    let mut out = Vec::new();
    plan.reader()
        .read_to_end(&mut out)
        .expect("fixture zip writes");
    out
}
