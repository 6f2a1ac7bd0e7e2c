//! Writes installer fixtures for the tests that run outside Rust (the guest-script harness, the
//! page and the JS package): the two QEMU guest agent packages as virtio-win ships them in
//! `guest-agent/` (real Windows Installer databases with a product code and platform each), an
//! x86 and an amd64 program, and an MSI-named file that is no package.
//!
//! Usage: `tool_fixtures DIR` — writes `DIR/qemu-ga-i386.msi`, `DIR/qemu-ga-x86_64.msi`,
//! `DIR/agent-x86.exe`, `DIR/agent-amd64.exe`, `DIR/not-a-package.msi`. Product codes are fixed
//! (the manifest of media built from them names them); other bytes of a package may differ
//! between runs (its container records creation times).

#[path = "../tests/it/installer_maker.rs"]
mod maker;

fn main() {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: tool_fixtures DIR");
        std::process::exit(2);
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("create the output folder");
    let mut files: Vec<(&str, Vec<u8>)> = maker::qemu_ga();
    files.push(("agent-x86.exe", maker::pe(maker::I386)));
    files.push(("agent-amd64.exe", maker::pe(maker::AMD64)));
    files.push((
        "not-a-package.msi",
        b"PK\x03\x04 a zip renamed to .msi".to_vec(),
    ));
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).expect("write a fixture");
    }
}
