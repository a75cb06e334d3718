//! Wire codecs: every protocol message encodes to bytes and decodes without panicking.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Why bytes did not decode into a message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The input ended before the message did.
    #[error("truncated: needed {needed} more bytes at offset {offset}")]
    Truncated {
        /// Offset at which more bytes were needed.
        offset: usize,
        /// How many more.
        needed: usize,
    },
    /// The message carries a protocol version this codec does not speak.
    #[error("unsupported version {0}")]
    Version(u8),
    /// An unknown message or field tag.
    #[error("unknown tag {tag} at offset {offset}")]
    Tag {
        /// The tag byte.
        tag: u8,
        /// Where it was.
        offset: usize,
    },
    /// A length or count over the codec's limit.
    #[error("{what} of {len} exceeds the limit {max}")]
    TooLong {
        /// What was too long.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Bytes left over after a complete message.
    #[error("{0} trailing bytes")]
    Trailing(usize),
    /// A field had a value outside its domain.
    #[error("invalid {0}")]
    Invalid(&'static str),
}

/// A message type with a byte encoding. Messages are plain data (a network may duplicate them).
pub trait Wire: Sized + Clone {
    /// Append the encoding of `self` to `out`.
    fn encode(&self, out: &mut Vec<u8>);
    /// Decode one whole message; never panics on any input.
    fn decode(bytes: &[u8]) -> Result<Self, WireError>;
    /// Length of the encoding in bytes (used to count traffic and model bandwidth).
    fn encoded_len(&self) -> usize {
        let mut v = Vec::new();
        self.encode(&mut v);
        v.len()
    }
    /// The message's type, for per-type latency models and traffic counts (e.g. `write`,
    /// `ack`, `read`, `response`); one label unless a protocol names its types.
    fn label(&self) -> &'static str {
        "msg"
    }
}

/// A bounds-checked cursor over received bytes.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Start reading `bytes` from offset 0.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }

    /// Current offset.
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let left = self.bytes.len() - self.pos;
        if n > left {
            return Err(WireError::Truncated {
                offset: self.pos,
                needed: n - left,
            });
        }
        let out = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.take(1)?[0])
    }

    /// A big-endian u16.
    pub fn u16(&mut self) -> Result<u16, WireError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// A big-endian u32.
    pub fn u32(&mut self) -> Result<u32, WireError> {
        let mut a = [0u8; 4];
        a.copy_from_slice(self.take(4)?);
        Ok(u32::from_be_bytes(a))
    }

    /// A big-endian u64.
    pub fn u64(&mut self) -> Result<u64, WireError> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_be_bytes(a))
    }

    /// A count prefix (u16) checked against `max`.
    pub fn count(&mut self, what: &'static str, max: usize) -> Result<usize, WireError> {
        let len = usize::from(self.u16()?);
        if len > max {
            return Err(WireError::TooLong { what, len, max });
        }
        Ok(len)
    }

    /// A socket address: family tag (4 or 6), address bytes, port.
    pub fn addr(&mut self) -> Result<SocketAddr, WireError> {
        let at = self.pos;
        let ip = match self.u8()? {
            4 => {
                let b = self.take(4)?;
                IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
            }
            6 => {
                let mut a = [0u8; 16];
                a.copy_from_slice(self.take(16)?);
                IpAddr::V6(Ipv6Addr::from(a))
            }
            tag => return Err(WireError::Tag { tag, offset: at }),
        };
        Ok(SocketAddr::new(ip, self.u16()?))
    }

    /// Succeed only if every byte was consumed.
    pub fn finish(self) -> Result<(), WireError> {
        match self.bytes.len() - self.pos {
            0 => Ok(()),
            n => Err(WireError::Trailing(n)),
        }
    }
}

/// Append a socket address in the form [`Reader::addr`] reads.
pub fn put_addr(out: &mut Vec<u8>, addr: SocketAddr) {
    match addr.ip() {
        IpAddr::V4(v4) => {
            out.push(4);
            out.extend_from_slice(&v4.octets());
        }
        IpAddr::V6(v6) => {
            out.push(6);
            out.extend_from_slice(&v6.octets());
        }
    }
    out.extend_from_slice(&addr.port().to_be_bytes());
}

/// Encoded length of a socket address.
pub fn addr_len(addr: SocketAddr) -> usize {
    if addr.is_ipv4() {
        7
    } else {
        19
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_reports_truncation_and_trailing_bytes() {
        let mut r = Reader::new(&[1, 2, 3]);
        assert_eq!(r.u16(), Ok(0x0102));
        assert!(matches!(
            r.u16(),
            Err(WireError::Truncated { needed: 1, .. })
        ));
        assert_eq!(Reader::new(&[0]).finish(), Err(WireError::Trailing(1)));
    }

    #[test]
    fn addresses_round_trip_and_bad_family_is_an_error() {
        for a in ["10.1.2.3:7000", "[::1]:9"] {
            let addr: SocketAddr = a.parse().expect("literal");
            let mut v = Vec::new();
            put_addr(&mut v, addr);
            assert_eq!(v.len(), addr_len(addr));
            let mut r = Reader::new(&v);
            assert_eq!(r.addr(), Ok(addr));
        }
        assert!(matches!(
            Reader::new(&[5, 0]).addr(),
            Err(WireError::Tag { tag: 5, .. })
        ));
    }
}
