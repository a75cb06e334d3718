//! [`PeerWire`]: how a swarm node's messages travel on real connections. Peers speak BEP 3
//! (the handshake, then length-prefixed messages) with no hello, so an accepted peer is
//! known by its socket address; an announce is an HTTP GET to the tracker ([`super::http`]).
//! An accepted connection that does not open with the BEP 3 handshake is served as HTTP.

use super::http;
use super::rewind::Rewind;
use bittorrent::msg::Msg;
use bittorrent::wire::{Frame, FrameDecoder};
use node_core::Wire;
use runtime::framing::READ_CHUNK_BYTES;
use runtime::{Framing, Inbox};
use std::io;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc::UnboundedReceiver;

/// A message the core counts as malformed: what a connection hands on when its bytes stop
/// making sense, before it closes.
pub(super) const MALFORMED: [u8; 1] = [0xFF];

/// The first byte of a BEP 3 handshake (the protocol string's length).
const HANDSHAKE_FIRST: u8 = 19;

/// BEP 3 between peers, HTTP to the tracker.
#[derive(Clone, Copy, Debug, Default)]
pub struct PeerWire;

impl Framing for PeerWire {
    const HELLO: bool = false;

    async fn carry<S: AsyncRead + AsyncWrite + Unpin + 'static>(
        mut stream: S,
        dialled: bool,
        mut read: Vec<u8>,
        mut out: UnboundedReceiver<Vec<u8>>,
        inbox: Inbox,
    ) -> io::Result<()> {
        if dialled {
            // What the dialler sends first says what the connection is.
            let Some(first) = out.recv().await else {
                return Ok(());
            };
            return match Msg::decode(&first) {
                Ok(Msg::Announce(req)) => http::announce(stream, &req, &inbox).await,
                Ok(Msg::Peer(frame)) => {
                    write_frame(&mut stream, &frame).await?;
                    peers(stream, read, out, inbox).await
                }
                _ => Ok(()),
            };
        }
        if read.is_empty() {
            read = vec![0u8; READ_CHUNK_BYTES];
            let n = stream.read(&mut read).await?;
            read.truncate(n);
        }
        match read.first() {
            None => Ok(()),
            Some(&HANDSHAKE_FIRST) => peers(stream, read, out, inbox).await,
            Some(_) => http::serve(Rewind::new(read, stream), out, inbox).await,
        }
    }
}

/// Carry a BEP 3 connection: read and write at once, so that two peers sending each
/// other pieces never both wait for the other to read.
async fn peers<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    read: Vec<u8>,
    mut out: UnboundedReceiver<Vec<u8>>,
    inbox: Inbox,
) -> io::Result<()> {
    let (mut rd, mut wr) = tokio::io::split(stream);
    let writer = async {
        while let Some(msg) = out.recv().await {
            match Msg::decode(&msg) {
                Ok(Msg::Peer(frame)) => write_frame(&mut wr, &frame).await?,
                _ => continue,
            }
        }
        wr.shutdown().await
    };
    let reader = async {
        let mut decoder = FrameDecoder::new();
        decoder.push(&read);
        let mut buf = vec![0u8; READ_CHUNK_BYTES];
        loop {
            loop {
                match decoder.next_frame() {
                    Ok(Some(frame)) => {
                        let mut msg = Vec::new();
                        Msg::Peer(frame).encode(&mut msg);
                        if !inbox.deliver(msg) {
                            return Ok(());
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        inbox.deliver(MALFORMED.to_vec());
                        return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string()));
                    }
                }
            }
            match rd.read(&mut buf).await? {
                0 => return Ok(()),
                n => decoder.push(&buf[..n]),
            }
        }
    };
    tokio::select! {
        done = writer => done,
        done = reader => done,
    }
}

/// Write one peer wire frame as BEP 3 bytes.
async fn write_frame<W: AsyncWrite + Unpin>(w: &mut W, frame: &Frame) -> io::Result<()> {
    let mut bytes = Vec::with_capacity(frame.encoded_len());
    frame.encode(&mut bytes);
    w.write_all(&bytes).await
}
