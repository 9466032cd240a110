//! Producing a delivered file's bytes from its source: verbatim when nothing changes, rewritten
//! otherwise. The write pass and the plan's "already delivered?" check share it, so both agree on
//! every byte.

use std::fs::File;
use std::io::{self, Write};

use rollcall_mhl::{HashFormat, MultiHasher};
use rollcall_take::{RenderedTake, SourceTake};
use rollcall_wav::{
    copy_verbatim, write_file_tapped, AudioTap, WavError, WriteOptions, WriteReport,
};
use xxhash_rust::xxh3::Xxh3;

/// Whether a take is delivered byte for byte: no step changes its bytes and it needs no recovery.
pub fn is_verbatim(source: &SourceTake, rendered: &RenderedTake) -> bool {
    !rendered.changes_bytes() && source.header.recovery.is_none()
}

/// Write the delivered file's bytes for `source` (opened as `file`) into `out`.
pub fn produce<W: Write>(
    file: &File,
    source: &SourceTake,
    rendered: &RenderedTake,
    out: &mut W,
    options: &WriteOptions,
    tap: &mut dyn AudioTap,
) -> Result<WriteReport, WavError> {
    let mut reader = file;
    if is_verbatim(source, rendered) {
        copy_verbatim(&mut reader, &source.header, out, options, tap)
    } else {
        write_file_tapped(
            &mut reader,
            &source.header,
            &rendered.layout,
            rendered.map.as_ref(),
            out,
            options,
            tap,
        )
    }
}

/// A writer that hashes and counts everything written through it: the delivered file's content
/// hash (XXH3-128, as ASC MHL's `xxh128`, and MD5 when asked) comes from the bytes as written, never
/// a second read.
pub struct HashingWriter<W> {
    inner: W,
    xxh128: Xxh3,
    md5: Option<MultiHasher>,
    len: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> HashingWriter<W> {
        HashingWriter {
            inner,
            xxh128: Xxh3::new(),
            md5: None,
            len: 0,
        }
    }

    /// Also computes MD5 of everything written when `md5` is set (the manifest lists it).
    pub fn with_md5(mut self, md5: bool) -> HashingWriter<W> {
        self.md5 = md5.then(|| MultiHasher::new(&[HashFormat::Md5]));
        self
    }

    /// The MD5 of everything written, as lowercase hex, when it was asked for; taken once (later
    /// calls return `None`).
    pub fn take_md5(&mut self) -> Option<String> {
        self.md5
            .take()?
            .finish()
            .into_iter()
            .find(|(format, _)| *format == HashFormat::Md5)
            .map(|(_, value)| value)
    }

    /// Bytes written so far.
    pub fn bytes_written(&self) -> u64 {
        self.len
    }

    /// The XXH3-128 of everything written so far.
    pub fn xxh128(&self) -> u128 {
        self.xxh128.digest128()
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        if let Some(written) = buf.get(..n) {
            self.xxh128.update(written);
            if let Some(md5) = &mut self.md5 {
                md5.update(written);
            }
        }
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// XXH3-128 as lowercase hex, as `xxhsum -H2` and ASC MHL print it.
pub fn hex128(value: u128) -> String {
    format!("{value:032x}")
}
