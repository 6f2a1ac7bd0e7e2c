//! A `Read + Seek` view of a [`ReadAt`], for the `zip` crate's archive parser.
//!
//! The parser reads a directory in small pieces (a 46-byte header, a name, extra fields), so
//! it gets the view behind a small `BufReader`: one source call per few KiB of directory, and
//! a local header costs one small read. A source whose every call is expensive (a browser
//! `Blob`) is already behind `ReadAhead`, which turns reads that continue each other into
//! growing blocks.

use crate::source::ReadAt;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::sync::Arc;

/// Bytes the parser's buffer holds: a local header with its name and extra fields, or a few
/// dozen directory headers.
const BUFFER: usize = 4 << 10;

/// The archive as the crate reads it.
pub(crate) type Reader = BufReader<Seekable>;

pub(crate) fn reader(src: Arc<dyn ReadAt>) -> Reader {
    BufReader::with_capacity(BUFFER, Seekable { src, pos: 0 })
}

pub(crate) struct Seekable {
    src: Arc<dyn ReadAt>,
    pos: u64,
}

impl Read for Seekable {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.src.read_at(self.pos, buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Seekable {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.src.len().checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the archive",
            )
        })?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{MemSource, ShortReads};

    #[test]
    fn reads_and_seeks_give_the_source_bytes() {
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let src: Arc<dyn ReadAt> = Arc::new(ShortReads {
            inner: MemSource::new(bytes.clone()),
            max: 999,
        });
        let mut c = reader(src);
        let mut buf = vec![0u8; 70_000];
        for to in [
            SeekFrom::End(-22),
            SeekFrom::Start(5),
            SeekFrom::Current(100_000),
            SeekFrom::Current(-100_000),
            SeekFrom::Start(199_990),
        ] {
            let p = c.seek(to).unwrap() as usize;
            let n = c.read(&mut buf).unwrap();
            assert!(n > 0);
            assert_eq!(&buf[..n], &bytes[p..p + n], "{to:?}");
        }
        assert_eq!(c.seek(SeekFrom::Start(300_000)).unwrap(), 300_000);
        assert_eq!(c.read(&mut buf).unwrap(), 0);
        assert!(c.seek(SeekFrom::End(-300_000)).is_err());
    }
}
