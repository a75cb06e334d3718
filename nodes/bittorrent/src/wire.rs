//! The peer wire protocol (BEP 3): the handshake, length-prefixed messages, and an
//! incremental decoder that turns a TCP stream's bytes into frames.
//!
//! A stream opens with a 68-byte handshake (`19`, `BitTorrent protocol`, 8 reserved bytes,
//! the info-hash, the peer id), then carries messages: a 4-byte big-endian length, then
//! that many bytes (an id and a body; length 0 is a keep-alive).

use node_core::{Reader, Wire, WireError};

pub mod fuzz;

/// Length of the handshake in bytes.
pub const HANDSHAKE_LEN: usize = 68;

/// Longest message (id and body) accepted; a longer length prefix is
/// [`WireError::TooLong`] and the caller closes the connection.
pub const MAX_FRAME: usize = 1 << 17;

/// The handshake's first 20 bytes: the protocol string's length and the string.
const HEADER: &[u8; 20] = b"\x13BitTorrent protocol";

/// The handshake that opens a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handshake {
    /// Extension bits; bit 0 of the last byte announces DHT support (BEP 5).
    pub reserved: [u8; 8],
    /// Which torrent the connection is about.
    pub info_hash: [u8; 20],
    /// The sender's peer id.
    pub peer_id: [u8; 20],
}

impl Handshake {
    /// A handshake with no extension bits but the DHT bit, set when `dht`.
    pub fn new(info_hash: [u8; 20], peer_id: [u8; 20], dht: bool) -> Handshake {
        let mut reserved = [0u8; 8];
        reserved[7] = u8::from(dht);
        Handshake {
            reserved,
            info_hash,
            peer_id,
        }
    }

    /// Whether the sender announces DHT support.
    pub fn dht(&self) -> bool {
        self.reserved[7] & 1 == 1
    }

    /// The handshake in `bytes`, which must be exactly [`HANDSHAKE_LEN`] long.
    fn parse(bytes: &[u8]) -> Result<Handshake, WireError> {
        let mut r = Reader::new(bytes);
        if r.take(HEADER.len())? != HEADER {
            return Err(WireError::Invalid("protocol string"));
        }
        let mut hs = Handshake::new([0; 20], [0; 20], false);
        hs.reserved.copy_from_slice(r.take(8)?);
        hs.info_hash.copy_from_slice(r.take(20)?);
        hs.peer_id.copy_from_slice(r.take(20)?);
        r.finish()?;
        Ok(hs)
    }
}

/// A block of a piece: what `request` and `cancel` name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockRef {
    /// Piece index.
    pub piece: u32,
    /// Byte offset within the piece.
    pub begin: u32,
    /// Length in bytes.
    pub len: u32,
}

/// A peer wire message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// Length 0: nothing, to keep the connection open.
    KeepAlive,
    /// 0: the sender will not serve requests.
    Choke,
    /// 1: the sender will serve requests.
    Unchoke,
    /// 2: the sender wants pieces the receiver has.
    Interested,
    /// 3: the sender wants nothing from the receiver.
    NotInterested,
    /// 4: the sender has completed this piece.
    Have(u32),
    /// 5: which pieces the sender has, high bit of the first byte for piece 0.
    Bitfield(Vec<u8>),
    /// 6: a request for a block.
    Request(BlockRef),
    /// 7: a block's data.
    Piece {
        /// Piece index.
        piece: u32,
        /// Byte offset within the piece.
        begin: u32,
        /// The block's bytes.
        data: Vec<u8>,
    },
    /// 8: withdraws a request.
    Cancel(BlockRef),
    /// 9: the sender's DHT port (BEP 5).
    Port(u16),
    /// A message id this codec does not speak (e.g. 20, extended); its body is skipped and
    /// it encodes with an empty body. Use an id above 9.
    Unknown(u8),
}

impl Message {
    /// Length of the id and body (the value of the length prefix).
    fn body_len(&self) -> usize {
        match self {
            Message::KeepAlive => 0,
            Message::Choke
            | Message::Unchoke
            | Message::Interested
            | Message::NotInterested
            | Message::Unknown(_) => 1,
            Message::Have(_) => 5,
            Message::Bitfield(bits) => 1 + bits.len(),
            Message::Request(_) | Message::Cancel(_) => 13,
            Message::Piece { data, .. } => 9 + data.len(),
            Message::Port(_) => 3,
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        let len = self.body_len();
        out.reserve(4 + len);
        out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
        let block = |out: &mut Vec<u8>, id: u8, b: &BlockRef| {
            out.push(id);
            for n in [b.piece, b.begin, b.len] {
                out.extend_from_slice(&n.to_be_bytes());
            }
        };
        match self {
            Message::KeepAlive => {}
            Message::Choke => out.push(0),
            Message::Unchoke => out.push(1),
            Message::Interested => out.push(2),
            Message::NotInterested => out.push(3),
            Message::Have(piece) => {
                out.push(4);
                out.extend_from_slice(&piece.to_be_bytes());
            }
            Message::Bitfield(bits) => {
                out.push(5);
                out.extend_from_slice(bits);
            }
            Message::Request(b) => block(out, 6, b),
            Message::Piece { piece, begin, data } => {
                out.push(7);
                out.extend_from_slice(&piece.to_be_bytes());
                out.extend_from_slice(&begin.to_be_bytes());
                out.extend_from_slice(data);
            }
            Message::Cancel(b) => block(out, 8, b),
            Message::Port(port) => {
                out.push(9);
                out.extend_from_slice(&port.to_be_bytes());
            }
            Message::Unknown(id) => out.push(*id),
        }
    }

    /// The message whose id and body are `body` (everything after the length prefix).
    fn parse(body: &[u8]) -> Result<Message, WireError> {
        let Some((&id, rest)) = body.split_first() else {
            return Ok(Message::KeepAlive);
        };
        let fixed = match id {
            0..=3 => Some(0),
            4 => Some(4),
            6 | 8 => Some(12),
            9 => Some(2),
            _ => None,
        };
        if fixed.is_some_and(|n| n != rest.len()) || (id == 7 && rest.len() < 8) {
            return Err(WireError::Invalid("message length"));
        }
        let mut r = Reader::new(rest);
        let msg = match id {
            0 => Message::Choke,
            1 => Message::Unchoke,
            2 => Message::Interested,
            3 => Message::NotInterested,
            4 => Message::Have(r.u32()?),
            5 => Message::Bitfield(rest.to_vec()),
            6 => Message::Request(read_block(&mut r)?),
            7 => Message::Piece {
                piece: r.u32()?,
                begin: r.u32()?,
                data: rest.get(8..).unwrap_or_default().to_vec(),
            },
            8 => Message::Cancel(read_block(&mut r)?),
            9 => Message::Port(r.u16()?),
            _ => Message::Unknown(id),
        };
        Ok(msg)
    }

    fn label(&self) -> &'static str {
        match self {
            Message::KeepAlive => "keep_alive",
            Message::Choke => "choke",
            Message::Unchoke => "unchoke",
            Message::Interested => "interested",
            Message::NotInterested => "not_interested",
            Message::Have(_) => "have",
            Message::Bitfield(_) => "bitfield",
            Message::Request(_) => "request",
            Message::Piece { .. } => "piece",
            Message::Cancel(_) => "cancel",
            Message::Port(_) => "port",
            Message::Unknown(_) => "unknown",
        }
    }
}

/// A request's or cancel's body.
fn read_block(r: &mut Reader) -> Result<BlockRef, WireError> {
    Ok(BlockRef {
        piece: r.u32()?,
        begin: r.u32()?,
        len: r.u32()?,
    })
}

/// One unit of a peer connection's byte stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// The opening handshake.
    Handshake(Handshake),
    /// Any later message.
    Message(Message),
}

impl Wire for Frame {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Frame::Handshake(hs) => {
                out.reserve(HANDSHAKE_LEN);
                out.extend_from_slice(HEADER);
                out.extend_from_slice(&hs.reserved);
                out.extend_from_slice(&hs.info_hash);
                out.extend_from_slice(&hs.peer_id);
            }
            Frame::Message(m) => m.encode(out),
        }
    }

    /// Exactly one whole frame: a handshake (first byte 19) or one length-prefixed message.
    fn decode(bytes: &[u8]) -> Result<Frame, WireError> {
        if bytes.first() == HEADER.first() {
            return Handshake::parse(bytes).map(Frame::Handshake);
        }
        let mut r = Reader::new(bytes);
        let len = declared_len(r.take(4)?)?;
        let body = r.take(len)?;
        r.finish()?;
        Message::parse(body).map(Frame::Message)
    }

    fn encoded_len(&self) -> usize {
        match self {
            Frame::Handshake(_) => HANDSHAKE_LEN,
            Frame::Message(m) => 4 + m.body_len(),
        }
    }

    fn label(&self) -> &'static str {
        match self {
            Frame::Handshake(_) => "handshake",
            Frame::Message(m) => m.label(),
        }
    }
}

/// The length a 4-byte prefix declares, refused over [`MAX_FRAME`].
fn declared_len(prefix: &[u8]) -> Result<usize, WireError> {
    let mut b = [0u8; 4];
    b.copy_from_slice(prefix.get(..4).ok_or(WireError::Truncated {
        offset: 0,
        needed: 4 - prefix.len().min(4),
    })?);
    let len = u32::from_be_bytes(b) as usize;
    if len > MAX_FRAME {
        return Err(WireError::TooLong {
            what: "message",
            len,
            max: MAX_FRAME,
        });
    }
    Ok(len)
}

/// Turns a TCP stream's bytes, pushed as they arrive, into frames: a handshake first, then
/// messages.
#[derive(Clone, Debug, Default)]
pub struct FrameDecoder {
    /// Received bytes; those before `start` are consumed.
    buf: Vec<u8>,
    start: usize,
    handshaken: bool,
}

impl FrameDecoder {
    /// A decoder expecting a handshake.
    pub fn new() -> FrameDecoder {
        FrameDecoder::default()
    }

    /// Append received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 {
            self.buf.drain(..self.start.min(self.buf.len()));
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole frame; `Ok(None)` until enough bytes arrive. An error means the
    /// stream is bad (wrong protocol string, a length over [`MAX_FRAME`], a malformed
    /// message) and the connection should close; it is reported as soon as it shows.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, WireError> {
        let avail = self.buf.get(self.start..).unwrap_or_default();
        if !self.handshaken {
            let seen = avail.len().min(HEADER.len());
            if avail.get(..seen) != HEADER.get(..seen) {
                return Err(WireError::Invalid("protocol string"));
            }
            let Some(bytes) = avail.get(..HANDSHAKE_LEN) else {
                return Ok(None);
            };
            let hs = Handshake::parse(bytes)?;
            self.start += HANDSHAKE_LEN;
            self.handshaken = true;
            return Ok(Some(Frame::Handshake(hs)));
        }
        let Some(prefix) = avail.get(..4) else {
            return Ok(None);
        };
        let len = declared_len(prefix)?;
        let Some(body) = avail.get(4..4 + len) else {
            return Ok(None);
        };
        let msg = Message::parse(body)?;
        self.start += 4 + len;
        Ok(Some(Frame::Message(msg)))
    }

    /// Bytes received but not yet returned as frames.
    pub fn buffered(&self) -> usize {
        self.buf.len().saturating_sub(self.start)
    }
}

#[cfg(test)]
mod tests;
