//! The project's own small sample driver set, generated in memory.
//!
//! Three drivers per architecture (viostor, netkvm, vioinput) with INF files written for this
//! project, placeholder binaries and genuine catalogs: enough for `guestpack --sample` to build
//! real media on a fresh clone, for the web page's "try the sample" button, and for tests. The
//! binaries are not drivers; they are deterministic filler bytes of realistic size and
//! compressibility. Each folder's catalog lists its INF and binary (SHA-1 and SHA-256, Windows
//! 7 to 11, its architecture) and is signed by the sample's test certificate, which the sample
//! ships: the sample passes every catalog check under signing policy `test`.

use super::make_catalog::{self, CatalogFile, CatalogSigner, CatalogSpec};
use crate::input::catalog::DigestAlg;
use crate::source::vtree::VTree;
use crate::source::MemContent;
use crate::validate::layout::Arch;
use std::sync::Arc;

struct SampleDriver {
    name: &'static str,
    class: &'static str,
    class_guid: &'static str,
    description: &'static str,
    hwids: &'static [&'static str],
    /// Windows service start type: 0 boot (storage), 3 on demand.
    start_type: u32,
    load_order_group: &'static str,
}

const DRIVERS: &[SampleDriver] = &[
    SampleDriver {
        name: "viostor",
        class: "SCSIAdapter",
        class_guid: "{4D36E97B-E325-11CE-BFC1-08002BE10318}",
        description: "Sample VirtIO block storage controller",
        hwids: &[
            "PCI\\VEN_1AF4&DEV_1042&SUBSYS_11001AF4&REV_01",
            "PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00",
        ],
        start_type: 0,
        load_order_group: "SCSI miniport",
    },
    SampleDriver {
        name: "netkvm",
        class: "Net",
        class_guid: "{4D36E972-E325-11CE-BFC1-08002BE10318}",
        description: "Sample VirtIO network adapter",
        hwids: &[
            "PCI\\VEN_1AF4&DEV_1041&SUBSYS_11001AF4&REV_01",
            "PCI\\VEN_1AF4&DEV_1000&SUBSYS_00011AF4&REV_00",
        ],
        start_type: 3,
        load_order_group: "NDIS",
    },
    SampleDriver {
        name: "vioinput",
        class: "HIDClass",
        class_guid: "{745A17A0-74D3-11D0-B6FE-00A0C90F57DA}",
        description: "Sample VirtIO input device",
        hwids: &["PCI\\VEN_1AF4&DEV_1052&SUBSYS_11001AF4&REV_01"],
        start_type: 3,
        load_order_group: "Extended Base",
    },
];

/// Where the sample's test certificate goes in a guest-tools tree.
pub const CERTIFICATE_PATH: &str = "certs/guestpack-sample-test.cer";

/// The sample's self-signed test certificate (DER); `sample-signing.md` says how it was made.
pub const CERTIFICATE: &[u8] = include_bytes!("sample-test-signing.cer");

/// Its private key: public on purpose, it signs the sample's catalogs and nothing else.
const KEY: &str = include_str!("sample-test-signing.key");

/// What every sample catalog covers: Windows 7, 8, 8.1 and 10/11 (and their servers).
pub const OS_ATTR: &str = "2:6.1,2:6.2,2:6.3,2:10.0";

/// The catalogs' `thisUpdate`: 2024-01-01, the date of the INFs' `DriverVer`.
const CATALOG_DATE: i64 = 1_704_067_200;

/// Adds the sample's certificate to a guest-tools tree (see [`super::default_guest_tools`]).
pub fn add_certificate(guest_tools: &mut VTree) {
    put(
        guest_tools,
        CERTIFICATE_PATH.to_string(),
        CERTIFICATE.to_vec(),
    );
}

/// The sample driver tree: `x86/<driver>/…` and `amd64/<driver>/…`.
pub fn sample_drivers() -> VTree {
    sample_drivers_for(&Arch::DEFAULT)
}

/// The sample driver tree for the architectures a spec carries (its top-level `arches`; x86
/// and amd64 when it names none or does not parse, where validation will say why), so that
/// `--sample` with a spec listing `arm64` makes an ARM64 medium too.
pub fn sample_drivers_for_spec(spec_name: &str, spec_json: &[u8]) -> VTree {
    let arches: Vec<Arch> = crate::validate::spec::parse(spec_name, spec_json)
        .ok()
        .and_then(|raw| raw.arches)
        .map(|list| {
            list.iter()
                .filter_map(|a| Arch::from_folder(a.trim()))
                .collect()
        })
        .unwrap_or_else(|| Arch::DEFAULT.to_vec());
    sample_drivers_for(&arches)
}

/// The sample driver tree for `arches`: `<arch>/<driver>/…` each.
pub fn sample_drivers_for(arches: &[Arch]) -> VTree {
    let mut t = VTree::new();
    for &a in arches {
        let arch = a.as_str();
        let decoration = format!("NT{arch}");
        // The seeds of x86 and amd64 are those the sample always had (its outputs stay the same).
        let scale = match a {
            Arch::X86 => 1,
            Arch::Amd64 => 1000,
            Arch::Arm64 => 1_000_000,
        };
        for (i, d) in DRIVERS.iter().enumerate() {
            let dir = format!("{arch}/{}", d.name);
            let seed = (i as u64 + 1) * scale;
            let inf = inf_text(d, &decoration).into_bytes();
            let sys = binary(b"MZ", seed, 24 * 1024);
            let cat = catalog(d.name, arch, &inf, &sys);
            put(&mut t, format!("{dir}/{}.inf", d.name), inf);
            put(&mut t, format!("{dir}/{}.sys", d.name), sys);
            put(&mut t, format!("{dir}/{}.cat", d.name), cat);
            // A debug-symbol file, as build outputs often carry: the default policy skips it.
            put(
                &mut t,
                format!("{dir}/{}.pdb", d.name),
                binary(b"Microsoft C/C++ MSF 7.00\r\n", seed + 13, 8 * 1024),
            );
        }
    }
    t
}

/// A catalog as the sample's are made: `files` (name, bytes) in SHA-1 and SHA-256, Windows 7
/// to 11, the `OS` value of `arch` (`amd64`, `x86` or `arm64`; ARM64 catalogs cover Windows 10
/// and 11 only, the first Windows with ARM64 drivers), signed with the sample's test key. Also
/// what the benchmark payload and the tests sign their driver folders with.
pub fn signed_catalog(arch: &str, files: &[(&str, &[u8])]) -> Vec<u8> {
    let files: Vec<CatalogFile> = files
        .iter()
        .map(|(name, bytes)| CatalogFile { name, bytes })
        .collect();
    let (os, os_attr) = match arch {
        "amd64" => ("7X64,8X64,_v63_X64,_v100_X64", OS_ATTR),
        "arm64" => ("_v100_ARM64", "2:10.0"),
        _ => ("7X86,8X86,_v63,_v100", OS_ATTR),
    };
    let spec = CatalogSpec {
        files: &files,
        algorithms: &[DigestAlg::Sha1, DigestAlg::Sha256],
        os_attr,
        os,
        this_update: CATALOG_DATE,
    };
    let signer = CatalogSigner::new(KEY, CERTIFICATE);
    make_catalog::make(&spec, &signer).expect("the sample's key and certificate are valid")
}

/// The signed catalog of one sample driver folder.
fn catalog(name: &str, arch: &str, inf: &[u8], sys: &[u8]) -> Vec<u8> {
    let inf_name = format!("{name}.inf");
    let sys_name = format!("{name}.sys");
    signed_catalog(arch, &[(&inf_name, inf), (&sys_name, sys)])
}

fn put(t: &mut VTree, path: String, bytes: Vec<u8>) {
    t.insert(path, Arc::new(MemContent::new(bytes)));
}

/// INF text with CRLF endings, as Windows tools write them.
fn inf_text(d: &SampleDriver, decoration: &str) -> String {
    let n = d.name;
    let models: String = d
        .hwids
        .iter()
        .map(|h| {
            let short = h.split("&SUBSYS").next().unwrap_or(h);
            format!("%{n}.DeviceDesc% = {n}_inst, {h}, {short}\n")
        })
        .collect();
    let text = format!(
        "; {n}.inf - guestpack sample driver package (placeholder binaries, not a real driver)\n\
         \n\
         [Version]\n\
         Signature   = \"$WINDOWS NT$\"\n\
         Class       = {class}\n\
         ClassGuid   = {guid}\n\
         Provider    = %Vendor%\n\
         DriverVer   = 01/01/2024,1.0.0.0\n\
         CatalogFile = {n}.cat\n\
         \n\
         [DestinationDirs]\n\
         DefaultDestDir = 12\n\
         \n\
         [SourceDisksNames]\n\
         1 = %DiskName%,,,\"\"\n\
         \n\
         [SourceDisksFiles]\n\
         {n}.sys = 1,,\n\
         \n\
         [Manufacturer]\n\
         %Vendor% = Models, {dec}\n\
         \n\
         [Models.{dec}]\n\
         {models}\
         \n\
         [{n}_inst.{dec}]\n\
         CopyFiles = {n}_files\n\
         \n\
         [{n}_files]\n\
         {n}.sys\n\
         \n\
         [{n}_inst.{dec}.Services]\n\
         AddService = {n}, 0x00000002, {n}_service\n\
         \n\
         [{n}_service]\n\
         ServiceType    = 1 ; SERVICE_KERNEL_DRIVER\n\
         StartType      = {start}\n\
         ErrorControl   = 1\n\
         ServiceBinary  = %12%\\{n}.sys\n\
         LoadOrderGroup = {group}\n\
         \n\
         [Strings]\n\
         Vendor = \"guestpack sample\"\n\
         DiskName = \"guestpack sample driver disk\"\n\
         {n}.DeviceDesc = \"{desc}\"\n",
        class = d.class,
        guid = d.class_guid,
        dec = decoration,
        start = d.start_type,
        group = d.load_order_group,
        desc = d.description,
    );
    text.replace('\n', "\r\n")
}

/// Deterministic filler: a header, then alternating runs of text-like (compressible) and
/// pseudo-random (incompressible) bytes, so the zip writer meets both kinds.
fn binary(header: &[u8], seed: u64, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(header);
    // xorshift64*: tiny, portable and identical on every target (all arithmetic in u64).
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut block = 0u64;
    while out.len() < len {
        let random = block % 2 == 1;
        for _ in 0..1024 {
            if out.len() >= len {
                break;
            }
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
            out.push(if random {
                (r >> 56) as u8
            } else {
                b"guestpack sample padding "[(r % 25) as usize]
            });
        }
        block += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_is_deterministic_and_has_both_arches() {
        let a = sample_drivers();
        let b = sample_drivers();
        let la: Vec<_> = a
            .files()
            .map(|(p, c)| {
                (
                    p.to_string(),
                    crate::source::digest::digest(c.as_ref()).unwrap(),
                )
            })
            .collect();
        let lb: Vec<_> = b
            .files()
            .map(|(p, c)| {
                (
                    p.to_string(),
                    crate::source::digest::digest(c.as_ref()).unwrap(),
                )
            })
            .collect();
        assert_eq!(la, lb);
        assert_eq!(a.children(""), vec!["amd64", "x86"]);
        assert_eq!(a.children("amd64"), vec!["netkvm", "vioinput", "viostor"]);
    }
}
