//! A file on disk as a random-access source (for zip/ISO inputs) or as lazily opened content.

use crate::source::{Content, ReadAt};
use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;

/// An open file read with positional reads, so several readers can share it.
pub struct NativeFile {
    file: File,
    len: u64,
}

impl NativeFile {
    pub fn open(path: &std::path::Path) -> io::Result<NativeFile> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(NativeFile { file, len })
    }
}

impl ReadAt for NativeFile {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        if offset >= self.len {
            return Ok(0);
        }
        let max = buf
            .len()
            .min((self.len - offset).min(usize::MAX as u64) as usize);
        positional_read(&self.file, offset, &mut buf[..max])
    }
}

#[cfg(unix)]
fn positional_read(f: &File, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(f, buf, offset)
}

#[cfg(windows)]
fn positional_read(f: &File, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(f, buf, offset)
}

/// A file in a driver directory. Opened only while it is being read, so a tree of thousands
/// of files does not hold thousands of descriptors.
pub struct FileContent {
    pub path: PathBuf,
    pub len: u64,
}

impl Content for FileContent {
    fn len(&self) -> u64 {
        self.len
    }
    fn open(&self) -> io::Result<Box<dyn Read + Send + '_>> {
        let f = File::open(&self.path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", self.path.display())))?;
        // `take` keeps a file that grew since it was listed from yielding extra bytes; a file
        // that shrank is caught by the digest/size checks downstream.
        Ok(Box::new(f.take(self.len)))
    }
}
