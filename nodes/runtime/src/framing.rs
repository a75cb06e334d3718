//! [`Framing`]: how a stream driver's messages travel on one connection. The driver keeps
//! the connection table; a framing writes the core's encoded messages to the stream and
//! hands back those it reads. [`LengthPrefixed`] is the harness's own framing; a protocol
//! with a wire format of its own (BitTorrent's peer wire, HTTP) brings its framing.

use crate::frame::{put_frame, FrameDecoder};
use crate::stream::NetEvent;
use node_core::Addr;
use std::future::Future;
use std::io;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// Bytes read from a stream at a time.
pub const READ_CHUNK_BYTES: usize = 16 * 1024;

/// Where a connection hands the messages it reads: the driver, as coming from one peer.
#[derive(Debug)]
pub struct Inbox {
    pub(crate) peer: Addr,
    pub(crate) tx: UnboundedSender<NetEvent>,
}

impl Inbox {
    /// Hand `msg` (the core's encoding of one message) to the core; `false` once the driver
    /// has gone, when the connection should end.
    pub fn deliver(&self, msg: Vec<u8>) -> bool {
        self.tx
            .send(NetEvent::Frame {
                from: self.peer,
                body: msg,
            })
            .is_ok()
    }

    /// The peer this connection is with, as the core knows it.
    pub fn peer(&self) -> Addr {
        self.peer
    }
}

/// How messages travel on a stream connection.
pub trait Framing: 'static {
    /// Whether a dialler first names the address it listens on, so that peers are known by
    /// their listening addresses; without it, an accepted connection's peer is its socket
    /// address.
    const HELLO: bool;

    /// Carry one connection until either side ends: write each message from `out` (the
    /// core's encoding) and hand each one read to `inbox`. `read` holds bytes already read
    /// from the stream; `dialled` says which end this is. When `out` closes (the core asked
    /// for the connection to close) the queued messages are written and the carry ends.
    fn carry<S: AsyncRead + AsyncWrite + Unpin + 'static>(
        stream: S,
        dialled: bool,
        read: Vec<u8>,
        out: UnboundedReceiver<Vec<u8>>,
        inbox: Inbox,
    ) -> impl Future<Output = io::Result<()>>;
}

/// The harness's framing: a hello naming the dialler's address, then each message as a
/// length-prefixed frame ([`crate::frame`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct LengthPrefixed;

impl Framing for LengthPrefixed {
    const HELLO: bool = true;

    async fn carry<S: AsyncRead + AsyncWrite + Unpin + 'static>(
        mut stream: S,
        _dialled: bool,
        read: Vec<u8>,
        mut out: UnboundedReceiver<Vec<u8>>,
        inbox: Inbox,
    ) -> io::Result<()> {
        let mut decoder = FrameDecoder::new();
        decoder.push(&read);
        let mut buf = vec![0u8; READ_CHUNK_BYTES];
        loop {
            while let Some(body) = decoder
                .next_frame()
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?
            {
                if !inbox.deliver(body) {
                    return Ok(());
                }
            }
            tokio::select! {
                biased;
                msg = out.recv() => match msg {
                    Some(msg) => {
                        let mut frame = Vec::with_capacity(msg.len() + 4);
                        put_frame(&mut frame, &msg);
                        stream.write_all(&frame).await?;
                    }
                    None => return stream.shutdown().await,
                },
                got = stream.read(&mut buf) => match got? {
                    0 => return Ok(()),
                    n => decoder.push(&buf[..n]),
                },
            }
        }
    }
}
