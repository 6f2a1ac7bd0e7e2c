//! Read-ahead over a [`ReadAt`] whose every call is expensive, whatever its size (a browser
//! `Blob`: each `FileReaderSync` read is a round trip to the browser process: reading a file in 64 KiB
//! pieces takes about seven times as long as in 8 MiB pieces).
//!
//! Reads are served from a few blocks kept in memory. A read inside a range announced with
//! [`ReadAt::will_read`] (a file about to be read through) fetches the rest of that range at
//! once, up to [`MAX_WINDOW`]: one call per file instead of one per piece the reader asks for,
//! since the cost is mostly per call. A read that continues where a block ends is taken as a
//! sequential stream and fetches a block twice as long as the last one; any other read
//! fetches just [`MIN_WINDOW`] (or its own length), so scattered reads (directories, headers)
//! stay cheap and small neighbouring files share a block. Memory is at most [`BLOCKS`] ×
//! [`MAX_WINDOW`] per source. Bytes handed out are exactly the inner source's: this changes
//! how often the inner source is called, never what a read returns.

use crate::source::ReadAt;
use std::io;
use std::sync::Mutex;

/// Blocks kept: enough for the few files a worker streams at once (one per output it is
/// producing, plus the zip's own reads of headers).
pub const BLOCKS: usize = 3;
/// First fetch of a stream, and the size of a fetch for a read that continues nothing.
pub const MIN_WINDOW: u64 = 64 << 10;
/// Largest fetch.
pub const MAX_WINDOW: u64 = 8 << 20;
/// Announced ranges remembered (the files being read at once are far fewer).
const HINTS: usize = 16;

struct Block {
    start: u64,
    data: Vec<u8>,
    last_use: u64,
}

impl Block {
    fn end(&self) -> u64 {
        self.start + self.data.len() as u64
    }
}

#[derive(Default)]
struct State {
    blocks: Vec<Block>,
    /// Ranges announced by `will_read`, newest last: (start, end).
    hints: Vec<(u64, u64)>,
    clock: u64,
}

/// A [`ReadAt`] that reads its inner source in growing blocks (see the module documentation).
pub struct ReadAhead<S> {
    inner: S,
    state: Mutex<State>,
}

impl<S: ReadAt> ReadAhead<S> {
    pub fn new(inner: S) -> Self {
        ReadAhead {
            inner,
            state: Mutex::new(State::default()),
        }
    }

    /// Fills `block` with `want` bytes of the inner source from `start` (fewer at its end).
    fn fetch(&self, start: u64, want: u64, block: &mut Vec<u8>) -> io::Result<()> {
        let want = want.min(self.inner.len().saturating_sub(start));
        block.clear();
        block.resize(want as usize, 0);
        let mut got = 0usize;
        while got < block.len() {
            let n = self.inner.read_at(start + got as u64, &mut block[got..])?;
            if n == 0 {
                break;
            }
            got += n;
        }
        block.truncate(got);
        Ok(())
    }
}

impl<S: ReadAt> ReadAt for ReadAhead<S> {
    fn len(&self) -> u64 {
        self.inner.len()
    }

    fn origin(&self) -> Option<u64> {
        self.inner.origin()
    }

    fn will_read(&self, offset: u64, len: u64) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if st.hints.len() >= HINTS {
            st.hints.remove(0);
        }
        st.hints.push((offset, offset.saturating_add(len)));
        self.inner.will_read(offset, len);
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        if offset >= self.len() || buf.is_empty() {
            return Ok(0);
        }
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.clock += 1;
        let now = st.clock;
        let hit = st
            .blocks
            .iter()
            .position(|b| b.start <= offset && offset < b.end());
        let i = match hit {
            Some(i) => i,
            None => {
                // A stream continuing past one of our blocks reuses that block's slot.
                let follows = st.blocks.iter().position(|b| b.end() == offset);
                let (slot, window) = match follows {
                    Some(i) => {
                        let w = (st.blocks[i].data.len() as u64 * 2).min(MAX_WINDOW);
                        (Some(i), w)
                    }
                    None => {
                        let lru = (st.blocks.len() >= BLOCKS).then(|| {
                            (0..st.blocks.len())
                                .min_by_key(|&i| st.blocks[i].last_use)
                                .unwrap_or(0)
                        });
                        (lru, MIN_WINDOW)
                    }
                };
                // An announced range is fetched through to its end (within the window cap).
                let hinted = st
                    .hints
                    .iter()
                    .rev()
                    .find(|&&(s, e)| s <= offset && offset < e)
                    .map_or(0, |&(_, e)| e - offset);
                let window = window.max(hinted).max(buf.len() as u64).min(MAX_WINDOW);
                let mut data = match slot {
                    Some(i) => std::mem::take(&mut st.blocks[i].data),
                    None => Vec::new(),
                };
                let fetched = self.fetch(offset, window, &mut data);
                let block = Block {
                    start: offset,
                    data,
                    last_use: now,
                };
                let i = match slot {
                    Some(i) => {
                        st.blocks[i] = block;
                        i
                    }
                    None => {
                        st.blocks.push(block);
                        st.blocks.len() - 1
                    }
                };
                if let Err(e) = fetched {
                    st.blocks.swap_remove(i);
                    return Err(e);
                }
                if st.blocks[i].data.is_empty() {
                    st.blocks.swap_remove(i);
                    return Ok(0);
                }
                i
            }
        };
        let b = &mut st.blocks[i];
        b.last_use = now;
        let from = (offset - b.start) as usize;
        let n = buf.len().min(b.data.len() - from);
        buf[..n].copy_from_slice(&b.data[from..from + n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{MemSource, ShortReads};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts the calls that reach the source and the bytes they ask for.
    struct Counting {
        inner: ShortReads<MemSource>,
        calls: AtomicUsize,
        asked: AtomicUsize,
    }

    impl ReadAt for Counting {
        fn len(&self) -> u64 {
            self.inner.len()
        }
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
            self.calls.fetch_add(1, Ordering::Relaxed);
            self.asked.fetch_add(buf.len(), Ordering::Relaxed);
            self.inner.read_at(offset, buf)
        }
    }

    fn source(len: usize, max_read: usize) -> (Vec<u8>, ReadAhead<Counting>) {
        let bytes: Vec<u8> = (0..len as u64).map(|i| (i * 7 % 253) as u8).collect();
        let src = Counting {
            inner: ShortReads {
                inner: MemSource::new(bytes.clone()),
                max: max_read,
            },
            calls: AtomicUsize::new(0),
            asked: AtomicUsize::new(0),
        };
        (bytes, ReadAhead::new(src))
    }

    fn read_all(r: &dyn ReadAt, start: u64, len: u64, piece: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; piece];
        let mut pos = start;
        while pos < start + len {
            let want = piece.min((start + len - pos) as usize);
            let n = r.read_at(pos, &mut buf[..want]).unwrap();
            assert!(n > 0, "short of the end at {pos}");
            out.extend_from_slice(&buf[..n]);
            pos += n as u64;
        }
        out
    }

    #[test]
    fn sequential_reads_return_the_same_bytes_in_few_large_fetches() {
        let (bytes, ra) = source(9 << 20, usize::MAX);
        assert_eq!(read_all(&ra, 0, bytes.len() as u64, 64 << 10), bytes);
        let calls = ra.inner.calls.load(Ordering::Relaxed);
        // 64K, 128K, ..., 2M, then 2M blocks: a few calls, not 144.
        assert!(calls <= 10, "{calls} fetches for 9 MiB");
    }

    #[test]
    fn interleaved_streams_and_odd_sizes_keep_their_bytes() {
        let (bytes, ra) = source(5 << 20, 100_000);
        // Three streams read in turn, plus scattered single bytes, all through the cache.
        let starts = [0u64, 1 << 20, 3 << 20];
        let mut pos = starts;
        let mut got: Vec<Vec<u8>> = vec![Vec::new(); 3];
        let mut buf = vec![0u8; 30_011];
        for round in 0.. {
            let mut active = false;
            for s in 0..3 {
                let end = starts[s] + (1 << 20);
                if pos[s] >= end {
                    continue;
                }
                active = true;
                let want = buf.len().min((end - pos[s]) as usize);
                let n = ra.read_at(pos[s], &mut buf[..want]).unwrap();
                got[s].extend_from_slice(&buf[..n]);
                pos[s] += n as u64;
            }
            let probe = (round * 104_729 % bytes.len()) as u64;
            let mut one = [0u8; 1];
            assert_eq!(ra.read_at(probe, &mut one).unwrap(), 1);
            assert_eq!(one[0], bytes[probe as usize]);
            if !active {
                break;
            }
        }
        for s in 0..3 {
            let a = starts[s] as usize;
            assert_eq!(got[s], &bytes[a..a + (1 << 20)], "stream {s}");
        }
    }

    #[test]
    fn scattered_reads_fetch_little_and_the_end_is_respected() {
        let (bytes, ra) = source(4 << 20, usize::MAX);
        let mut buf = [0u8; 10];
        for k in 0..50u64 {
            let at = k * 80_000;
            assert_eq!(ra.read_at(at, &mut buf).unwrap(), 10);
            assert_eq!(&buf, &bytes[at as usize..at as usize + 10]);
        }
        let asked = ra.inner.asked.load(Ordering::Relaxed) as u64;
        assert!(
            asked <= 50 * MIN_WINDOW,
            "{asked} bytes fetched for 50 small reads"
        );
        let end = bytes.len() as u64;
        assert_eq!(ra.read_at(end - 3, &mut buf).unwrap(), 3);
        assert_eq!(ra.read_at(end, &mut buf).unwrap(), 0);
        assert_eq!(ra.read_at(end + 5, &mut buf).unwrap(), 0);
        assert!(ra.inner.calls.load(Ordering::Relaxed) <= 52);
    }

    #[test]
    fn an_announced_range_is_fetched_in_one_call_and_small_ones_share_blocks() {
        let (bytes, ra) = source(8 << 20, usize::MAX);
        // A 3 MiB file read 64 KiB at a time: one fetch, not a doubling series.
        let (start, len) = (1_000_003u64, 3u64 << 20);
        ra.will_read(start, len);
        assert_eq!(
            read_all(&ra, start, len, 64 << 10),
            &bytes[start as usize..(start + len) as usize]
        );
        assert_eq!(ra.inner.calls.load(Ordering::Relaxed), 1);
        assert_eq!(
            ra.inner.asked.load(Ordering::Relaxed) as u64,
            len,
            "nothing past the range"
        );
        // Ten small neighbouring files: the first fetch (at least MIN_WINDOW) serves them all.
        let calls = ra.inner.calls.load(Ordering::Relaxed);
        for k in 0..10u64 {
            let at = 6_000_000 + k * 1000;
            ra.will_read(at, 1000);
            assert_eq!(
                read_all(&ra, at, 1000, 300),
                &bytes[at as usize..at as usize + 1000]
            );
        }
        assert_eq!(ra.inner.calls.load(Ordering::Relaxed), calls + 1);
        // A range longer than the window is fetched in windows.
        let (bytes, ra) = source(20 << 20, usize::MAX);
        ra.will_read(0, 20 << 20);
        assert_eq!(read_all(&ra, 0, 20 << 20, 1 << 20), bytes);
        assert_eq!(ra.inner.calls.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn memory_stays_within_the_block_budget() {
        let (bytes, ra) = source(12 << 20, usize::MAX);
        assert_eq!(read_all(&ra, 0, bytes.len() as u64, 1 << 20), bytes);
        let st = ra.state.lock().unwrap();
        assert!(st.blocks.len() <= BLOCKS);
        let held: u64 = st.blocks.iter().map(|b| b.data.len() as u64).sum();
        assert!(held <= BLOCKS as u64 * MAX_WINDOW);
    }
}
