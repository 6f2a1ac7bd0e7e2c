//! Planning pass: compresses each file once to learn its deflated size, discarding the output.
//!
//! Each file's result depends only on its bytes and the level, so spreading files across
//! threads cannot change the plan. Threads are used only when asked for more than one (on wasm
//! the caller passes 1 and nothing is spawned). This module does not decide offsets or headers.

use crate::deflate;
use crate::error::{Error, Result};
use crate::media::MediaFile;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};

/// For every file: `Some(compressed size)` when deflate shrinks it, `None` to store it.
pub(crate) fn compressed_sizes(
    files: &[MediaFile],
    level: u32,
    threads: usize,
) -> Result<Vec<Option<u64>>> {
    let threads = threads.min(files.len());
    let results: Vec<Result<Option<u64>>> = if threads <= 1 {
        files.iter().map(|f| measure_one(f, level)).collect()
    } else {
        let next = AtomicUsize::new(0);
        let mut slots: Vec<Option<Result<Option<u64>>>> = (0..files.len()).map(|_| None).collect();
        let parts: Vec<Vec<(usize, Result<Option<u64>>)>> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(f) = files.get(i) else { break };
                            done.push((i, measure_one(f, level)));
                        }
                        done
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
        for (i, r) in parts.into_iter().flatten() {
            slots[i] = Some(r);
        }
        slots
            .into_iter()
            .map(|s| s.unwrap_or_else(|| Err(Error::archive("zip", "a file was not measured"))))
            .collect()
    };
    // Collecting stops at the first error in file order, whichever thread found it first.
    results.into_iter().collect()
}

fn measure_one(f: &MediaFile, level: u32) -> Result<Option<u64>> {
    if level == 0 || f.size == 0 {
        return Ok(None);
    }
    let reader = f.content.open().map_err(|e| Error::io(&f.path, e))?;
    let m = deflate::measure(reader, level).map_err(|e| Error::io(&f.path, e))?;
    if m.uncompressed != f.size || m.crc32 != f.crc32 {
        return Err(Error::io(
            &f.path,
            io::Error::new(
                io::ErrorKind::InvalidData,
                "the file changed after it was hashed (size or crc32 differs)",
            ),
        ));
    }
    Ok((m.compressed < f.size).then_some(m.compressed))
}
