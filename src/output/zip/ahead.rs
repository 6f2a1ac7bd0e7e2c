//! Compresses upcoming zip entries on worker threads while the reader hands out earlier ones.
//!
//! Every deflated entry that the planning pass did not keep becomes a job; `threads` workers
//! take jobs in archive order and stream each entry's compressed bytes, in batches, to the
//! reader through a channel of its own. Each entry is compressed by one worker exactly as the
//! single-threaded reader would (same chunking, same compressor calls), so the archive bytes
//! do not depend on the thread count.
//!
//! Memory is bounded, not by the payload: a worker pauses while its entry has
//! [`ENTRY_AHEAD`] bytes waiting, or, unless its entry is the one being read, while all
//! entries together have [`TOTAL_AHEAD`] bytes waiting. Jobs are taken in order, so the entry
//! being read always has a worker and can always progress: no deadlock. Dropping the reader
//! stops the workers. This module does not verify entries (the reader does) and is only used
//! when more than one thread was asked for; wasm never gets here.

use super::PlannedEntry;
use crate::output::deflate::{DeflateStream, DEFLATE_CHUNK};
use crate::source::Content;
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

// Unit tests use small limits so that a few small files exercise every pause.
/// Compressed bytes one entry may have waiting for the reader.
pub(crate) const ENTRY_AHEAD: u64 = if cfg!(test) { 48 << 10 } else { 4 << 20 };
/// Compressed bytes all entries together may have waiting (the entry being read excepted).
pub(crate) const TOTAL_AHEAD: u64 = if cfg!(test) { 128 << 10 } else { 24 << 20 };
/// Size of the batches sent to the reader.
const BATCH: usize = if cfg!(test) { 16 << 10 } else { 256 << 10 };

/// What a worker sends for one entry.
pub(crate) enum Msg {
    Data(Vec<u8>),
    /// The source ended: CRC-32 and length of what was read.
    End {
        crc32: u32,
        total_in: u64,
    },
    Fail(io::Error),
}

struct Job {
    index: usize,
    content: Arc<dyn Content>,
    level: u32,
    out: Sender<Msg>,
}

#[derive(Default)]
struct Gate {
    /// Entry the reader is on.
    front: usize,
    total: u64,
    /// Bytes waiting, per entry.
    waiting: BTreeMap<usize, u64>,
    closed: bool,
}

struct Shared {
    gate: Mutex<Gate>,
    moved: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Gate> {
        self.gate.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The worker pool and the per-entry channels of one reader.
pub(crate) struct Ahead {
    shared: Arc<Shared>,
    /// Output of each submitted entry, by entry index; taken when the reader gets there.
    channels: BTreeMap<usize, Receiver<Msg>>,
}

impl Ahead {
    /// Starts `threads` workers on every entry for which `wanted` is true.
    pub(crate) fn start(
        entries: &[PlannedEntry],
        level: u32,
        threads: usize,
        wanted: impl Fn(usize, &PlannedEntry) -> bool,
    ) -> Ahead {
        let shared = Arc::new(Shared {
            gate: Mutex::new(Gate::default()),
            moved: Condvar::new(),
        });
        let (job_tx, job_rx) = channel::<Job>();
        let mut channels = BTreeMap::new();
        for (index, e) in entries.iter().enumerate().filter(|&(i, e)| wanted(i, e)) {
            let (out, rx) = channel();
            channels.insert(index, rx);
            // The receiving end lives until the workers are done with it.
            let _ = job_tx.send(Job {
                index,
                content: e.content.clone(),
                level,
                out,
            });
        }
        drop(job_tx);
        let jobs = Arc::new(Mutex::new(job_rx));
        for _ in 0..threads.min(channels.len()) {
            let (jobs, shared) = (jobs.clone(), shared.clone());
            std::thread::spawn(move || loop {
                let job = match jobs.lock().unwrap_or_else(|p| p.into_inner()).recv() {
                    Ok(job) => job,
                    Err(_) => return,
                };
                if !run(&job, &shared) {
                    return;
                }
            });
        }
        Ahead { shared, channels }
    }

    /// Tells the workers the reader moved to entry `index`; returns that entry's channel if
    /// it has one.
    pub(crate) fn enter(&mut self, index: usize) -> Option<Receiver<Msg>> {
        self.shared.lock().front = index;
        self.shared.moved.notify_all();
        self.channels.remove(&index)
    }

    /// Records that the reader took `n` waiting bytes of entry `index`.
    pub(crate) fn taken(&self, index: usize, n: u64) {
        let mut g = self.shared.lock();
        g.total = g.total.saturating_sub(n);
        if let Some(w) = g.waiting.get_mut(&index) {
            *w = w.saturating_sub(n);
        }
        drop(g);
        self.shared.moved.notify_all();
    }
}

impl Drop for Ahead {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.moved.notify_all();
    }
}

/// Compresses one entry. Returns false when the reader is gone.
fn run(job: &Job, shared: &Shared) -> bool {
    let mut send = |msg: Msg| job.out.send(msg).is_ok();
    match compress(job, shared, &mut send) {
        Ok(alive) => alive,
        Err(e) => send(Msg::Fail(e)),
    }
}

fn compress(job: &Job, shared: &Shared, send: &mut dyn FnMut(Msg) -> bool) -> io::Result<bool> {
    let mut src = job.content.open()?;
    let mut z = DeflateStream::new(job.level);
    // A content that checks its own CRC fails the reads below if its bytes differ from it.
    let known = job.content.checked_crc32();
    let mut crc = known.is_none().then(crc32fast::Hasher::new);
    let mut total_in = 0u64;
    let mut input = vec![0u8; DEFLATE_CHUNK];
    let mut batch = Vec::with_capacity(BATCH);
    let mut alive = true;
    loop {
        let n = fill(&mut src, &mut input)?;
        if let Some(c) = crc.as_mut() {
            c.update(&input[..n]);
        }
        total_in += n as u64;
        z.feed(&input[..n], &mut |out| batch.extend_from_slice(out))?;
        if batch.len() >= BATCH {
            alive = pass(job.index, shared, std::mem::take(&mut batch), send);
            if !alive {
                return Ok(false);
            }
        }
        if n < DEFLATE_CHUNK {
            break;
        }
    }
    z.finish(&mut |out| batch.extend_from_slice(out))?;
    if !batch.is_empty() {
        alive = pass(job.index, shared, batch, send);
    }
    let end = Msg::End {
        crc32: crc.map_or(known.unwrap_or_default(), |c| c.finalize()),
        total_in,
    };
    Ok(alive && send(end))
}

/// Waits until the gate lets `batch` through, then sends it.
fn pass(index: usize, shared: &Shared, batch: Vec<u8>, send: &mut dyn FnMut(Msg) -> bool) -> bool {
    let n = batch.len() as u64;
    let mut g = shared.lock();
    loop {
        if g.closed {
            return false;
        }
        let own = g.waiting.get(&index).copied().unwrap_or(0);
        let over_total = index != g.front && g.total >= TOTAL_AHEAD;
        if own < ENTRY_AHEAD && !over_total {
            break;
        }
        g = shared.moved.wait(g).unwrap_or_else(|p| p.into_inner());
    }
    g.total += n;
    *g.waiting.entry(index).or_insert(0) += n;
    if g.waiting.len() > 64 {
        g.waiting.retain(|_, w| *w > 0);
    }
    drop(g);
    send(Msg::Data(batch))
}

/// Reads exactly `buf.len()` bytes, fewer only at the end of the source (fixed chunking is
/// what keeps the compressed bytes independent of the source's read sizes).
fn fill(src: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match src.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use crate::output::media::{media_file, MediaFile};
    use crate::output::zip::{Method, ZipOptions, ZipPlan};
    use crate::source::MemContent;
    use std::io::Read;
    use std::sync::Arc;

    /// Compressible but not trivially: text with a pseudo-random byte every few bytes.
    fn mixed(len: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..len as u64)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if i % 3 == 0 {
                    (x >> 40) as u8
                } else {
                    b"AddService = viostor, 0x2\r\n"[(i % 27) as usize]
                }
            })
            .collect()
    }

    fn files() -> Vec<MediaFile> {
        (0..9u64)
            .map(|i| {
                let len = [600_000, 5_000, 140_000][(i % 3) as usize];
                let f = media_file(
                    format!("f{i}.sys"),
                    Arc::new(MemContent::new(mixed(len, i))),
                );
                f.unwrap()
            })
            .collect()
    }

    fn drain(plan: &ZipPlan, chunk: usize) -> Vec<u8> {
        let mut r = plan.reader();
        let mut out = Vec::new();
        let mut buf = vec![0u8; chunk];
        loop {
            match r.read(&mut buf).unwrap() {
                0 => return out,
                n => out.extend_from_slice(&buf[..n]),
            }
        }
    }

    #[test]
    fn workers_under_tight_limits_give_the_single_threaded_bytes() {
        let files = files();
        let opts = |threads| ZipOptions {
            level: 6,
            source_date_epoch: 0,
            threads,
        };
        let one = ZipPlan::plan(&files, &opts(1)).unwrap();
        // Entries larger than both limits, so workers must pause and resume.
        assert!(one
            .entries()
            .iter()
            .any(|e| e.method == Method::Deflated && e.compressed_size > super::TOTAL_AHEAD));
        let reference = drain(&one, 4096);
        assert_eq!(reference.len() as u64, one.len());
        for threads in [2, 3, 16] {
            let plan = ZipPlan::plan(&files, &opts(threads)).unwrap();
            for chunk in [1000, 1 << 20] {
                assert_eq!(drain(&plan, chunk), reference, "threads {threads}");
            }
            // A reader dropped midway (workers paused on the limits) must not hang anything.
            let mut r = plan.reader();
            let mut buf = [0u8; 100];
            r.read_exact(&mut buf).unwrap();
            drop(r);
        }
    }
}
