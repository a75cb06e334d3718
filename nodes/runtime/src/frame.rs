//! The stream codec: each message travels as a frame, a big-endian `u32` length followed by
//! that many bytes. [`FrameDecoder`] cuts frames out of whatever the stream delivered, so a
//! driver can read with a cancel-safe `read` and never lose a half-read frame.

/// Largest frame body accepted (1 MiB); a longer length prefix is an error, not an allocation.
pub const MAX_FRAME_BYTES: usize = 1 << 20;

/// Bytes of the length prefix.
const PREFIX_BYTES: usize = 4;

/// A stream carried something that is not a frame.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// A length prefix over [`MAX_FRAME_BYTES`].
    #[error("frame of {len_bytes} bytes exceeds the limit {MAX_FRAME_BYTES}")]
    TooLong {
        /// The announced length.
        len_bytes: usize,
    },
}

/// Append `body` to `out` as one frame. Panics never; a body over the limit is the caller's
/// bug and is caught by the receiver's [`FrameError::TooLong`].
pub fn put_frame(out: &mut Vec<u8>, body: &[u8]) {
    let len = u32::try_from(body.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(body);
}

/// Reassembles frames from stream reads.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    buf: Vec<u8>,
}

impl FrameDecoder {
    /// An empty decoder.
    pub fn new() -> Self {
        FrameDecoder::default()
    }

    /// Append bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole frame's body, `Ok(None)` if more bytes are needed.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        let Some(prefix) = self.buf.get(..PREFIX_BYTES) else {
            return Ok(None);
        };
        let mut len = [0u8; PREFIX_BYTES];
        len.copy_from_slice(prefix);
        let len_bytes = u32::from_be_bytes(len) as usize;
        if len_bytes > MAX_FRAME_BYTES {
            return Err(FrameError::TooLong { len_bytes });
        }
        if self.buf.len() < PREFIX_BYTES + len_bytes {
            return Ok(None);
        }
        let body = self.buf[PREFIX_BYTES..PREFIX_BYTES + len_bytes].to_vec();
        self.buf.drain(..PREFIX_BYTES + len_bytes);
        Ok(Some(body))
    }

    /// Bytes held that do not yet make a frame.
    pub fn pending_bytes(&self) -> usize {
        self.buf.len()
    }

    /// Take the bytes held that do not yet make a frame.
    pub fn take_pending(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_survive_any_split_of_the_stream() {
        let bodies: Vec<Vec<u8>> = vec![b"ping".to_vec(), Vec::new(), vec![7; 300]];
        let mut wire = Vec::new();
        for b in &bodies {
            put_frame(&mut wire, b);
        }
        for chunk in [1, 2, 3, 5, 64, wire.len()] {
            let mut d = FrameDecoder::new();
            let mut got = Vec::new();
            for piece in wire.chunks(chunk) {
                d.push(piece);
                while let Some(f) = d.next_frame().expect("valid frames") {
                    got.push(f);
                }
            }
            assert_eq!(got, bodies, "chunk {chunk}");
            assert_eq!(d.pending_bytes(), 0);
        }
    }

    #[test]
    fn an_oversized_length_is_an_error_and_a_partial_frame_waits() {
        let mut d = FrameDecoder::new();
        d.push(&[0, 0, 0, 9, 1, 2]);
        assert_eq!(d.next_frame(), Ok(None));
        let mut d = FrameDecoder::new();
        d.push(&u32::MAX.to_be_bytes());
        assert_eq!(
            d.next_frame(),
            Err(FrameError::TooLong {
                len_bytes: u32::MAX as usize
            })
        );
    }
}
