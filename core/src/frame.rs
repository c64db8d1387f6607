//! The SOCKET request frame: a 4-byte big-endian length N, then N bytes. `FrameReader` is fed by
//! whatever reads the connection (any split of the bytes), never allocates before the length has
//! been checked against `max_package_size`, and stops at the end of the first frame.

/// Why a request frame was refused; the connection cannot be read further.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The header announced a body of 0 bytes.
    #[error("empty request (length 0)")]
    Empty,
    /// The header announced a body larger than `max_package_size`; refused before allocating it.
    #[error("request of {len} bytes is larger than max_package_size ({max})")]
    TooLarge {
        /// Body length announced by the header.
        len: u64,
        /// The `max_package_size` limit it exceeds.
        max: usize,
    },
}

/// What a `FrameReader::commit` achieved.
#[derive(Debug, PartialEq, Eq)]
pub enum Progress {
    /// The frame is not complete yet: read more into `spare()`.
    NeedMore,
    /// The frame's whole body, without its header; the reader is ready for another frame.
    Complete(Vec<u8>),
}

/// Size of the frame header: the body length as a big-endian `u32`.
pub const HEADER_LEN: usize = 4;

/// Incremental parser of one request frame from a stream connection; the caller reads into
/// `spare()` and reports the byte count to `commit()`.
#[derive(Debug)]
pub struct FrameReader {
    max_len: usize,
    header: [u8; HEADER_LEN],
    header_filled: usize,
    body: Vec<u8>,
    body_filled: usize,
    /// Once refused, a connection stays refused: later commits repeat the error.
    failed: Option<FrameError>,
}

impl FrameReader {
    /// A reader that refuses bodies longer than `max_len` bytes (the pool's `max_package_size`).
    pub fn new(max_len: usize) -> FrameReader {
        FrameReader {
            max_len,
            header: [0; HEADER_LEN],
            header_filled: 0,
            body: Vec::new(),
            body_filled: 0,
            failed: None,
        }
    }

    /// Where the next read should land: the rest of the header, then the rest of the body.
    /// Never longer than what the first frame still needs.
    pub fn spare(&mut self) -> &mut [u8] {
        if self.header_filled < HEADER_LEN {
            &mut self.header[self.header_filled..]
        } else {
            &mut self.body[self.body_filled..]
        }
    }

    /// Records that `n` bytes were read into `spare()`.
    pub fn commit(&mut self, n: usize) -> Result<Progress, FrameError> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        let progress = self.advance(n);
        if let Err(error) = &progress {
            self.failed = Some(error.clone());
        }
        progress
    }

    fn advance(&mut self, n: usize) -> Result<Progress, FrameError> {
        if self.header_filled < HEADER_LEN {
            self.header_filled += n;
            if self.header_filled < HEADER_LEN {
                return Ok(Progress::NeedMore);
            }
            let len = u32::from_be_bytes(self.header) as u64;
            if len == 0 {
                return Err(FrameError::Empty);
            }
            if len > self.max_len as u64 {
                return Err(FrameError::TooLarge { len, max: self.max_len });
            }
            self.body = vec![0; len as usize];
            return Ok(Progress::NeedMore);
        }
        self.body_filled += n;
        if self.body_filled < self.body.len() {
            return Ok(Progress::NeedMore);
        }
        self.header_filled = 0;
        self.body_filled = 0;
        Ok(Progress::Complete(std::mem::take(&mut self.body)))
    }

    /// True once some but not all of a frame has arrived.
    pub fn is_partial(&self) -> bool {
        self.header_filled > 0
    }
}

/// The 4-byte header of a reply of `len` bytes; None when the reply cannot be framed (> 4 GiB - 1).
pub fn reply_header(len: usize) -> Option<[u8; HEADER_LEN]> {
    u32::try_from(len).ok().map(u32::to_be_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(reader: &mut FrameReader, mut bytes: &[u8], step: usize) -> Result<Progress, FrameError> {
        loop {
            let spare = reader.spare();
            let n = spare.len().min(step).min(bytes.len());
            spare[..n].copy_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            match reader.commit(n)? {
                Progress::NeedMore if !bytes.is_empty() => continue,
                other => return Ok(other),
            }
        }
    }

    #[test]
    fn a_frame_arrives_whole_whatever_the_split() {
        for step in [1, 2, 3, 5, 100] {
            let mut r = FrameReader::new(100);
            assert_eq!(
                feed(&mut r, b"\0\0\0\x05hello", step),
                Ok(Progress::Complete(b"hello".to_vec()))
            );
        }
    }

    #[test]
    fn a_partial_frame_needs_more() {
        let mut r = FrameReader::new(100);
        assert_eq!(feed(&mut r, b"\0\0\0\x05he", 10), Ok(Progress::NeedMore));
        assert!(r.is_partial());
    }

    #[test]
    fn the_reader_never_reads_past_the_first_frame() {
        let mut r = FrameReader::new(100);
        feed(&mut r, b"\0\0\0\x02", 4).unwrap();
        assert_eq!(r.spare().len(), 2);
    }

    #[test]
    fn empty_and_oversized_frames_are_refused_before_any_allocation() {
        assert_eq!(feed(&mut FrameReader::new(10), b"\0\0\0\0", 4), Err(FrameError::Empty));
        assert_eq!(
            feed(&mut FrameReader::new(10), b"\0\0\0\x0b", 4),
            Err(FrameError::TooLarge { len: 11, max: 10 })
        );
        // 4 GiB - 1 announced: refused from the header alone.
        let mut r = FrameReader::new(2 * 1024 * 1024);
        assert!(matches!(
            feed(&mut r, b"\xff\xff\xff\xff", 4),
            Err(FrameError::TooLarge { .. })
        ));
        assert_eq!(r.body.capacity(), 0);
    }

    #[test]
    fn a_refused_frame_stays_refused() {
        let mut r = FrameReader::new(10);
        assert_eq!(feed(&mut r, b"\0\0\0\0", 4), Err(FrameError::Empty));
        assert_eq!(r.commit(0), Err(FrameError::Empty));
    }

    #[test]
    fn a_frame_of_exactly_max_len_is_accepted() {
        let mut r = FrameReader::new(3);
        assert_eq!(
            feed(&mut r, b"\0\0\0\x03abc", 7),
            Ok(Progress::Complete(b"abc".to_vec()))
        );
    }

    #[test]
    fn reply_header_is_big_endian() {
        assert_eq!(reply_header(258), Some([0, 0, 1, 2]));
    }
}
