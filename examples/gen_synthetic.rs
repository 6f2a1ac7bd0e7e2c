//! Writes a synthetic driver tree and a matching spec for benchmarks.
//!
//! Usage: `gen_synthetic --out DIR [--size 211M] [--drivers 12] [--seed 1] [--mixed | --virtio-win]`
//!
//! Produces `DIR/drivers/{x86,amd64}/<driver>/…` and `DIR/spec.json`. Every driver folder holds
//! an INF that passes validation (CatalogFile, SourceDisksFiles, CopyFiles, AddService,
//! hardware IDs), its catalog, and binaries whose bytes mix three kinds of content the way
//! real driver files do: incompressible (embedded compressed resources, firmware),
//! half-compressible (machine code) and highly compressible (tables, strings, padding).
//! With `--mixed`, the large files are built the way packed or signed binaries and firmware
//! images often are: the first 256 KiB segment is incompressible, the following ones are random,
//! half-compressible or text-like in equal measure and random order, so one file holds parts of
//! every kind and a decision taken from a file's start is wrong for most of it.
//! With `--virtio-win`, the tree is shaped like virtio-win's own ISO instead:
//! `DIR/virtio-win/<driver>/<os>/<arch>/` for 14 Windows versions and both architectures, each
//! folder a small driver package (INF, catalog, `.sys`) plus its debug symbols (`.pdb`, most of
//! the bytes, left out of media by the default file policy): the everyday case of building the
//! media for one Windows version out of a large multi-OS tree.
//! The total payload is the requested size (to within the INF texts). The same seed and size
//! always give the same bytes: all sizes and the generator state are `u64`.
//!
//! It does not write bundles (zip the `drivers` folder for that) or anything outside `--out`.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// xorshift64*: tiny and identical on every target.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Random,
    Half,
    Text,
}

/// Segment length: content kind changes every segment inside a mixed file.
const SEGMENT: u64 = 256 * 1024;

const WORDS: &[&str] = &[
    "Device",
    "Driver",
    "Virtio",
    "Queue",
    "Interrupt",
    "Request",
    "Buffer",
    "Status",
    "Config",
    "Register",
    "Memory",
    "Power",
    "Reset",
    "Feature",
    "Descriptor",
    "Completion",
    "Timeout",
    "Adapter",
    "Miniport",
    "Port",
    "Storage",
    "Network",
    "Packet",
    "Offload",
    "Checksum",
];

/// Appends `len` bytes of one kind to `out`.
fn fill(out: &mut Vec<u8>, rng: &mut Rng, kind: Kind, len: u64) {
    let end = out.len() as u64 + len;
    match kind {
        Kind::Random => {
            while (out.len() as u64) < end {
                let r = rng.next().to_le_bytes();
                let take = (end - out.len() as u64).min(8) as usize;
                out.extend_from_slice(&r[..take]);
            }
        }
        Kind::Half => {
            // Machine-code-like: short random runs between repeated opcode patterns.
            const OPS: &[u8] =
                b"\x48\x89\x5c\x24\x08\x57\x48\x83\xec\x20\x48\x8b\xd9\xe8\x00\x00\x00\x00\x33\xc0";
            while (out.len() as u64) < end {
                let r = rng.next();
                let left = end - out.len() as u64;
                let n = ((r & 15) + 4).min(left) as usize;
                if r & 0x100 == 0 {
                    let at = ((r >> 16) % OPS.len() as u64) as usize;
                    out.extend(OPS.iter().cycle().skip(at).take(n));
                } else {
                    let bytes = rng.next().to_le_bytes();
                    out.extend(bytes.iter().cycle().take(n));
                }
            }
        }
        Kind::Text => {
            // Resource strings and tables: words from a small vocabulary, UTF-16 now and then.
            while (out.len() as u64) < end {
                let r = rng.next();
                let word = WORDS[(r % WORDS.len() as u64) as usize].as_bytes();
                let left = (end - out.len() as u64) as usize;
                if r & 0x700 == 0 {
                    let wide: Vec<u8> = word.iter().flat_map(|&b| [b, 0]).collect();
                    out.extend(wide.iter().take(left));
                } else {
                    out.extend(word.iter().chain(b" ").take(left));
                }
                if r & 0xF000 == 0 {
                    out.extend(std::iter::repeat_n(
                        0u8,
                        ((r >> 20) % 64).min(left as u64) as usize,
                    ));
                }
                out.truncate(end as usize);
            }
        }
    }
}

/// Streams a file of `len` bytes to `path`: `header`, a first segment of kind `first` (what
/// the file type starts with: headers and code for executables, compressed data for blobs),
/// then segments whose kind is drawn from `weights` (random, half, text).
fn write_binary(path: &Path, header: &[u8], len: u64, seed: u64, first: Kind, weights: [u64; 3]) {
    let mut rng = Rng::new(seed);
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path).expect("create file"));
    let mut buf = Vec::with_capacity(SEGMENT as usize + 64);
    let mut written = 0u64;
    buf.extend_from_slice(&header[..header.len().min(len as usize)]);
    let total_w = weights.iter().sum::<u64>().max(1);
    while written + (buf.len() as u64) < len {
        let pick = rng.next() % total_w;
        let kind = if written == 0 {
            first
        } else if pick < weights[0] {
            Kind::Random
        } else if pick < weights[0] + weights[1] {
            Kind::Half
        } else {
            Kind::Text
        };
        let seg = SEGMENT.min(len - written - buf.len() as u64);
        fill(&mut buf, &mut rng, kind, seg);
        w.write_all(&buf).expect("write");
        written += buf.len() as u64;
        buf.clear();
    }
    w.write_all(&buf).expect("write");
    w.flush().expect("flush");
}

fn inf_text(name: &str, dev: u64, decoration: &str, files: &[String]) -> String {
    let listed: String = files.iter().map(|f| format!("{f} = 1,,\n")).collect();
    let copied: String = files.iter().map(|f| format!("{f}\n")).collect();
    let text = format!(
        "; {name}.inf - synthetic benchmark driver package (not a real driver)\n\
         \n\
         [Version]\n\
         Signature   = \"$WINDOWS NT$\"\n\
         Class       = System\n\
         ClassGuid   = {{4D36E97D-E325-11CE-BFC1-08002BE10318}}\n\
         Provider    = %Vendor%\n\
         DriverVer   = 01/01/2024,1.0.0.0\n\
         CatalogFile = {name}.cat\n\
         \n\
         [DestinationDirs]\n\
         DefaultDestDir = 12\n\
         \n\
         [SourceDisksNames]\n\
         1 = %DiskName%,,,\"\"\n\
         \n\
         [SourceDisksFiles]\n\
         {listed}\
         \n\
         [Manufacturer]\n\
         %Vendor% = Models, {decoration}\n\
         \n\
         [Models.{decoration}]\n\
         %{name}.DeviceDesc% = {name}_inst, PCI\\VEN_1AF4&DEV_{dev:04X}&SUBSYS_11001AF4&REV_01, PCI\\VEN_1AF4&DEV_{dev:04X}\n\
         \n\
         [{name}_inst.{decoration}]\n\
         CopyFiles = {name}_files\n\
         \n\
         [{name}_files]\n\
         {copied}\
         \n\
         [{name}_inst.{decoration}.Services]\n\
         AddService = {name}, 0x00000002, {name}_service\n\
         \n\
         [{name}_service]\n\
         ServiceType    = 1\n\
         StartType      = 3\n\
         ErrorControl   = 1\n\
         ServiceBinary  = %12%\\{name}.sys\n\
         \n\
         [Strings]\n\
         Vendor = \"guestpack synthetic\"\n\
         DiskName = \"guestpack synthetic driver disk\"\n\
         {name}.DeviceDesc = \"Synthetic device {dev:04X}\"\n"
    );
    text.replace('\n', "\r\n")
}

/// Parses `211M`, `1G`, `500K` or plain bytes (binary multiples).
fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mult) = match s.chars().last()? {
        'K' | 'k' => (&s[..s.len() - 1], 1u64 << 10),
        'M' | 'm' => (&s[..s.len() - 1], 1 << 20),
        'G' | 'g' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<u64>().ok()?.checked_mul(mult)
}

fn main() {
    let mut out: Option<PathBuf> = None;
    let (mut size, mut drivers, mut seed) = (211u64 << 20, 12u64, 1u64);
    let (mut mixed, mut virtio_win) = (false, false);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--mixed" || a == "--virtio-win" {
            mixed |= a == "--mixed";
            virtio_win |= a == "--virtio-win";
            continue;
        }
        let v = args.next().unwrap_or_default();
        match a.as_str() {
            "--out" => out = Some(v.into()),
            "--size" => size = parse_size(&v).expect("--size: e.g. 211M, 1G"),
            "--drivers" => drivers = v.parse().expect("--drivers: a number"),
            "--seed" => seed = v.parse().expect("--seed: a number"),
            _ => {
                eprintln!(
                    "usage: gen_synthetic --out DIR [--size 211M] [--drivers 12] [--seed 1] [--mixed | --virtio-win]"
                );
                std::process::exit(2);
            }
        }
    }
    let out = out.expect("--out DIR is required");
    let drivers = drivers.clamp(1, 200);
    if virtio_win {
        write_virtio_win(&out, size, drivers, seed);
        println!("{}", out.display());
        return;
    }
    let root = out.join("drivers");
    if root.exists() {
        fs::remove_dir_all(&root).expect("remove old tree");
    }
    let mut rng = Rng::new(seed);
    // Per-driver share of the payload: uneven, as real driver sets are.
    let shares: Vec<u64> = (0..drivers).map(|_| rng.range(50, 150)).collect();
    let share_sum: u64 = shares.iter().sum();
    let per_arch = size / 2;
    let mut spec_drivers = Vec::new();
    for (i, share) in (0u64..).zip(&shares) {
        let name = format!("synth{i:02}");
        let dev = 0x1040 + i;
        let budget = per_arch * share / share_sum;
        // Binaries: driver (mostly code), user-mode library, firmware/resource blob, and a few
        // small message-resource files.
        let small: u64 = 4;
        let small_len = |k: u64| 8 * 1024 + k * 9 * 1024;
        let small_total: u64 = (0..small).map(small_len).sum::<u64>() + 12 * 1024;
        let rest = budget.saturating_sub(small_total);
        let sys = rest * 30 / 100;
        let dll = rest * 45 / 100;
        let bin = rest - sys - dll;
        for (a, (arch, decoration)) in [("x86", "NTx86"), ("amd64", "NTamd64")].iter().enumerate() {
            let dir = root.join(arch).join(&name);
            fs::create_dir_all(&dir).expect("create driver folder");
            let s = seed ^ ((i + 1) << 20) ^ ((a as u64 + 1) << 40);
            // Executables start with headers and code; the firmware blob is compressed data.
            // Mixed: every large file starts incompressible and mixes all kinds after that.
            let mut files = if mixed {
                vec![
                    (format!("{name}.sys"), sys, Kind::Random, [1u64, 1, 1]),
                    (format!("{name}.dll"), dll, Kind::Random, [1, 1, 1]),
                    (format!("{name}fw.bin"), bin, Kind::Random, [1, 1, 1]),
                ]
            } else {
                vec![
                    (format!("{name}.sys"), sys, Kind::Half, [2u64, 5, 3]),
                    (format!("{name}.dll"), dll, Kind::Half, [3, 4, 3]),
                    (format!("{name}fw.bin"), bin, Kind::Random, [1, 0, 0]),
                ]
            };
            for k in 0..small {
                files.push((
                    format!("{name}_{k}.mui"),
                    small_len(k),
                    Kind::Text,
                    [0, 1, 9],
                ));
            }
            for (j, (file, len, first, weights)) in (0u64..).zip(&files) {
                write_binary(
                    &dir.join(file),
                    b"MZ\x90\x00",
                    *len,
                    s + j,
                    *first,
                    *weights,
                );
            }
            let cat = dir.join(format!("{name}.cat"));

            let names: Vec<String> = files.iter().map(|f| f.0.clone()).collect();
            fs::write(
                dir.join(format!("{name}.inf")),
                inf_text(&name, dev, decoration, &names),
            )
            .expect("write inf");
            // A genuine catalog of the INF and every binary, signed with the sample's test key,
            // so that the catalog check runs on the whole payload as on real drivers.
            let mut listed: Vec<(String, Vec<u8>)> = vec![(
                format!("{name}.inf"),
                fs::read(dir.join(format!("{name}.inf"))).expect("read inf"),
            )];
            for n in &names {
                listed.push((n.clone(), fs::read(dir.join(n)).expect("read binary")));
            }
            let listed: Vec<(&str, &[u8])> = listed
                .iter()
                .map(|(n, b)| (n.as_str(), b.as_slice()))
                .collect();
            fs::write(
                &cat,
                guestpack::bundled::sample::signed_catalog(arch, &listed),
            )
            .expect("write catalog");
        }
        spec_drivers.push(spec_entry(&name, dev));
    }
    write_spec(&out, spec_drivers);
    println!("{}", out.display());
}

/// virtio-win's OS folder names: the media is built for one of them.
const OS_FOLDERS: [&str; 14] = [
    "2k3", "2k8", "2k8R2", "2k12", "2k12R2", "2k16", "2k19", "2k22", "2k25", "w7", "w8", "w8.1",
    "w10", "w11",
];

/// The `--virtio-win` tree: `<driver>/<os>/<arch>/` packages, each with its debug symbols.
fn write_virtio_win(out: &Path, size: u64, drivers: u64, seed: u64) {
    let root = out.join("virtio-win");
    if root.exists() {
        fs::remove_dir_all(&root).expect("remove old tree");
    }
    let folders = drivers * OS_FOLDERS.len() as u64 * 2;
    let per_folder = size / folders;
    // A driver binary of 10-30 % of the folder, the rest its symbols.
    let mut rng = Rng::new(seed);
    let mut spec_drivers = Vec::new();
    for i in 0..drivers {
        let name = format!("synth{i:02}");
        let dev = 0x1040 + i;
        for (o, os) in (0u64..).zip(OS_FOLDERS) {
            for (a, (arch, decoration)) in
                [("x86", "NTx86"), ("amd64", "NTamd64")].iter().enumerate()
            {
                let dir = root.join(&name).join(os).join(arch);
                fs::create_dir_all(&dir).expect("create driver folder");
                let sys_len = per_folder * rng.range(10, 30) / 100;
                let s = seed ^ ((i + 1) << 20) ^ ((o + 1) << 30) ^ ((a as u64 + 1) << 40);
                let sys = format!("{name}.sys");
                write_binary(
                    &dir.join(&sys),
                    b"MZ\x90\x00",
                    sys_len,
                    s,
                    Kind::Half,
                    [2, 5, 3],
                );
                let pdb_len = per_folder.saturating_sub(sys_len + 8 * 1024);
                write_binary(
                    &dir.join(format!("{name}.pdb")),
                    b"Microsoft C/C++ MSF 7.00\r\n\x1aDS",
                    pdb_len,
                    s + 1,
                    Kind::Text,
                    [1, 3, 6],
                );
                let inf = inf_text(&name, dev, decoration, std::slice::from_ref(&sys));
                fs::write(dir.join(format!("{name}.inf")), &inf).expect("write inf");
                let sys_bytes = fs::read(dir.join(&sys)).expect("read binary");
                let listed: [(&str, &[u8]); 2] =
                    [(&format!("{name}.inf"), inf.as_bytes()), (&sys, &sys_bytes)];
                fs::write(
                    dir.join(format!("{name}.cat")),
                    guestpack::bundled::sample::signed_catalog(arch, &listed),
                )
                .expect("write catalog");
            }
        }
        spec_drivers.push(spec_entry(&name, dev));
    }
    write_spec(out, spec_drivers);
}

fn spec_entry(name: &str, dev: u64) -> serde_json::Value {
    serde_json::json!({
        "name": name,
        "required": true,
        "expected_hardware_ids": [format!("PCI\\\\VEN_1AF4&DEV_{dev:04X}\\b")],
        "expected_inf_files": [format!("{name}.inf")],
        "expected_add_services": [name],
    })
}

fn write_spec(out: &Path, drivers: Vec<serde_json::Value>) {
    let spec = serde_json::json!({
        "drivers": drivers,
        "require_optional_drivers_on_all_arches": false,
        "fail_on_unlisted_driver_dirs": true,
    });
    let mut text = serde_json::to_string_pretty(&spec).expect("spec json");
    text.push('\n');
    fs::write(out.join("spec.json"), text).expect("write spec");
}
