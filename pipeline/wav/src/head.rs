//! A reader that fetches the start of a file in one read, for header scans.

use std::io::{self, Read, Seek, SeekFrom};

/// How many bytes [`HeadReader::new`] fetches: the chunk headers, `fmt `, `bext` and an 8 KiB iXML
/// of a recorder file usually fit.
pub const HEAD_BYTES: usize = 16 << 10;

/// Serves reads within the first bytes of a file from memory (one read fetched them) and seeks
/// without system calls; reads past them go to the file. Made for [`crate::read_header`] and
/// [`crate::read_payload`], which jump between small pieces near the start of a file.
pub struct HeadReader<R> {
    inner: R,
    head: Vec<u8>,
    len: u64,
    pos: u64,
    /// Where `inner` is positioned, when known.
    inner_pos: Option<u64>,
}

impl<R: Read + Seek> HeadReader<R> {
    /// Reads up to `head_bytes` from the start of `inner`, whose length is `len` bytes.
    pub fn new(mut inner: R, len: u64, head_bytes: usize) -> io::Result<HeadReader<R>> {
        let want = usize::try_from(len).map_or(head_bytes, |l| l.min(head_bytes));
        let mut head = vec![0u8; want];
        inner.seek(SeekFrom::Start(0))?;
        let mut got = 0;
        while got < want {
            match inner.read(&mut head[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        head.truncate(got);
        Ok(HeadReader {
            inner,
            head,
            len,
            pos: 0,
            inner_pos: Some(got as u64),
        })
    }

    /// The wrapped reader.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read + Seek> Read for HeadReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(cached) = usize::try_from(self.pos)
            .ok()
            .and_then(|p| self.head.get(p..))
            .filter(|rest| !rest.is_empty())
        {
            let n = cached.len().min(buf.len());
            buf[..n].copy_from_slice(&cached[..n]);
            self.pos += n as u64;
            return Ok(n);
        }
        if self.inner_pos != Some(self.pos) {
            self.inner.seek(SeekFrom::Start(self.pos))?;
        }
        self.inner_pos = None;
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        self.inner_pos = Some(self.pos);
        Ok(n)
    }
}

impl<R: Read + Seek> Seek for HeadReader<R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn reads_and_seeks_like_the_file_across_the_head_boundary() {
        let bytes: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut reader = HeadReader::new(Cursor::new(bytes.clone()), 1000, 100).expect("head");
        for &(at, len) in &[
            (0u64, 10usize),
            (95, 10),
            (500, 30),
            (3, 4),
            (990, 10),
            (100, 1),
        ] {
            reader.seek(SeekFrom::Start(at)).expect("seek");
            let mut got = vec![0u8; len];
            reader.read_exact(&mut got).expect("read");
            assert_eq!(got, bytes[at as usize..at as usize + len], "at {at}");
        }
        assert_eq!(reader.seek(SeekFrom::End(-1)).expect("seek"), 999);
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).expect("read");
        assert_eq!(rest, [bytes[999]]);
        assert!(reader.seek(SeekFrom::Current(-2000)).is_err());
    }

    #[test]
    fn a_file_shorter_than_the_head_is_read_whole() {
        let mut reader = HeadReader::new(Cursor::new(vec![1u8, 2, 3]), 3, 100).expect("head");
        let mut all = Vec::new();
        reader.read_to_end(&mut all).expect("read");
        assert_eq!(all, [1, 2, 3]);
    }

    #[test]
    fn a_header_read_through_it_matches_a_plain_read() {
        // A RIFF file with a JUNK chunk larger than the head: the scan must cross the boundary.
        let mut file = b"RIFF\0\0\0\0WAVE".to_vec();
        file.extend_from_slice(b"fmt \x10\0\0\0\x01\0\x02\0\x80\xbb\0\0\0\xee\x02\0\x04\0\x10\0");
        file.extend_from_slice(b"JUNK\x00\x02\0\0");
        file.extend(std::iter::repeat_n(0u8, 512));
        file.extend_from_slice(b"data\x08\0\0\0");
        file.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
        let riff = (file.len() - 8) as u32;
        file[4..8].copy_from_slice(&riff.to_le_bytes());
        let plain = crate::read_header(&mut Cursor::new(file.clone())).expect("plain");
        let len = file.len() as u64;
        let mut head = HeadReader::new(Cursor::new(file), len, 64).expect("head");
        let fetched = crate::read_header(&mut head).expect("through the head");
        assert_eq!(fetched, plain);
        assert_eq!(fetched.data().size, 8);
    }
}
