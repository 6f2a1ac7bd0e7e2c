//! Runs that are interrupted, killed or run at the same time leave no partial files and never
//! a mixed set of outputs. Real builds, large enough that the signal lands while writing.

use crate::common::{guestpack, listing, stderr, OUTPUTS};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The repository's guest tools plus a 96 MiB tool whose 1 MiB segments alternate between
/// random bytes and compressible records: seconds of hashing, deflating and writing.
fn big_guest_tools(root: &Path) -> PathBuf {
    {
        let gt = root.join("guest-tools");
        copy_tree(&crate::common::crate_root().join("guest-tools"), &gt);
        fs::create_dir_all(gt.join("tools/payload")).unwrap();
        let mut data = Vec::with_capacity(96 << 20);
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for segment in 0..96u64 {
            for i in 0..(1u64 << 17) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let word = if segment % 2 == 0 {
                    x
                } else {
                    (i % 251) * 0x0101_0101 + (x & 0xFF)
                };
                data.extend_from_slice(&word.to_le_bytes());
            }
        }
        fs::write(gt.join("tools/payload/firmware.bin"), data).unwrap();
        gt
    }
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            fs::copy(e.path(), dest).unwrap();
        }
    }
}

fn big_build(guest_tools: &Path, out: &Path) -> Child {
    guestpack()
        .args([
            "--sample",
            "--signing-policy",
            "none",
            "--quiet",
            "--guest-tools-dir",
        ])
        .arg(guest_tools)
        .arg("--out-dir")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start guestpack")
}

fn temporaries(dir: &Path) -> Vec<String> {
    listing(dir)
        .into_iter()
        .filter(|n| n.contains(".tmp-"))
        .collect()
}

/// Waits until the run has started writing: every output has a temporary with bytes in it.
fn wait_for_writing(child: &mut Child, dir: &Path) {
    let start = Instant::now();
    loop {
        let written = temporaries(dir)
            .iter()
            .filter(|t| fs::metadata(dir.join(t)).is_ok_and(|m| m.len() > 0))
            .count();
        if written == OUTPUTS.len() {
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended before it was writing: {status}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the run never started writing"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn signal(child: &Child, name: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{name}");
}

/// SIGINT and SIGTERM while writing: exit 130 / 143, one line, no temporaries, the output
/// directory removed when the run created it and left as it was when it did not.
#[test]
fn sigint_and_sigterm_while_writing_leave_nothing() {
    let t = tempfile::tempdir().unwrap();
    let gt = big_guest_tools(t.path());
    for (sig, code) in [("INT", 130), ("TERM", 143)] {
        // A directory the run creates (two levels of it) ...
        let created = t.path().join(format!("new-{sig}"));
        let out = created.join("media");
        let mut child = big_build(&gt, &out);
        wait_for_writing(&mut child, &out);
        signal(&child, sig);
        let o = child.wait_with_output().unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(code), "{err}");
        assert!(
            err.contains(&format!("interrupted (SIG{sig}); no media written")),
            "{err}"
        );
        assert!(
            !created.exists(),
            "SIG{sig}: the created directories were removed"
        );
        // ... and one that holds the user's files already.
        let kept = t.path().join(format!("kept-{sig}"));
        fs::create_dir_all(&kept).unwrap();
        fs::write(kept.join("notes.txt"), b"mine").unwrap();
        let mut child = big_build(&gt, &kept);
        wait_for_writing(&mut child, &kept);
        signal(&child, sig);
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(code), "{}", stderr(&o));
        assert_eq!(
            listing(&kept),
            ["notes.txt"],
            "SIG{sig}: only the user's file is left"
        );
        assert_eq!(fs::read(kept.join("notes.txt")).unwrap(), b"mine");
    }
}

/// SIGKILL cannot be caught: its partial outputs stay until the next run into the directory,
/// which removes them, names them, and writes its own outputs.
#[test]
fn partial_outputs_of_a_killed_run_do_not_outlive_the_next_run() {
    let t = tempfile::tempdir().unwrap();
    let gt = big_guest_tools(t.path());
    let out = t.path().join("out");
    let mut child = big_build(&gt, &out);
    wait_for_writing(&mut child, &out);
    child.kill().unwrap();
    child.wait().unwrap();
    let left = temporaries(&out);
    assert_eq!(
        left.len(),
        OUTPUTS.len(),
        "a killed run leaves its temporaries: {left:?}"
    );
    let o = guestpack()
        .args(["--sample", "--quiet", "--out-dir"])
        .arg(&out)
        .output()
        .unwrap();
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    for name in &left {
        assert!(err.contains(name.as_str()), "the note names {name}: {err}");
    }
    assert!(temporaries(&out).is_empty(), "{:?}", listing(&out));
    assert_eq!(listing(&out), OUTPUTS);
}

/// Runs into one directory at the same time: every set in it is one run's.
#[test]
fn concurrent_runs_never_leave_a_mixed_set() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    for round in 0..8 {
        let children: Vec<Child> = (0..3)
            .map(|k| {
                guestpack()
                    .args(["--sample", "--quiet", "--version"])
                    .arg(format!("1.{round}.{k}"))
                    .arg("--out-dir")
                    .arg(&out)
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let o = c.wait_with_output().unwrap();
            assert!(o.status.success(), "{}", stderr(&o));
        }
        let versions = versions_in(&out);
        assert!(
            versions.iter().all(|v| v == &versions[0])
                && versions[0].starts_with(&format!("1.{round}.")),
            "round {round}: manifest, zip and ISO disagree: {versions:?}"
        );
        assert_eq!(listing(&out), OUTPUTS, "round {round}");
    }
}

/// The package version of manifest.json, of the zip's manifest.json and of the ISO's.
fn versions_in(dir: &Path) -> Vec<String> {
    use guestpack::source::{MemSource, ReadAt};
    use std::sync::Arc;
    let version = |bytes: &[u8]| -> String {
        let v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        v["package"]["version"].as_str().unwrap().to_string()
    };
    let read = |tree: &guestpack::source::vtree::VTree| -> Vec<u8> {
        let c = tree.get("manifest.json").expect("manifest.json inside");
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut c.open().unwrap(), &mut bytes).unwrap();
        bytes
    };
    let zip: Arc<dyn ReadAt> = Arc::new(MemSource::new(
        fs::read(dir.join("guest-tools.zip")).unwrap(),
    ));
    let iso: Arc<dyn ReadAt> = Arc::new(MemSource::new(
        fs::read(dir.join("guest-tools.iso")).unwrap(),
    ));
    let zip = guestpack::input::zip::read_zip(zip, "guest-tools.zip", &Default::default()).unwrap();
    let iso = guestpack::input::iso::IsoFs::open(iso, "guest-tools.iso")
        .unwrap()
        .to_vtree()
        .unwrap();
    vec![
        version(&fs::read(dir.join("manifest.json")).unwrap()),
        version(&read(&zip)),
        version(&read(&iso)),
    ]
}

/// A run finding the directory locked waits for it, saying so; with --no-wait it fails at
/// once, naming the directory, and writes nothing.
#[test]
fn a_locked_output_directory_is_waited_for_or_refused() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    fs::create_dir_all(&out).unwrap();
    let held = fs::File::open(&out).unwrap();
    held.lock().unwrap();
    let o = guestpack()
        .args(["--sample", "--quiet", "--no-wait", "--out-dir"])
        .arg(&out)
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("another guestpack run is writing there")
            && err.contains(&*out.to_string_lossy()),
        "{err}"
    );
    assert!(listing(&out).is_empty(), "{:?}", listing(&out));
    let mut waiting = guestpack()
        .args(["--sample", "--quiet", "--out-dir"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // It must still be waiting, with nothing written, as long as the lock is held.
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(1500) {
        assert!(
            waiting.try_wait().unwrap().is_none(),
            "the run did not wait for the lock"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(listing(&out).is_empty(), "{:?}", listing(&out));
    drop(held);
    let o = waiting.wait_with_output().unwrap();
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("waiting for another run writing to"), "{err}");
    assert_eq!(listing(&out), OUTPUTS);
}
