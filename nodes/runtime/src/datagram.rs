//! The datagram driver: [`Datagram`] sockets (tokio's, turmoil's, or a [`Tapped`] wrapper
//! around either) and [`run_datagram`], which pumps a core over one of them.

use crate::clock::Clock;
use crate::control::Ends;
use crate::error::RuntimeError;
use crate::pump::{sleep_until, Flow, Pump, Shared};
use node_core::{Addr, Node};
use std::future::Future;
use std::io;

/// Largest datagram the driver reads whole.
pub const MAX_DATAGRAM_BYTES: usize = 65_536;

/// A bound datagram socket.
pub trait Datagram {
    /// Send `bytes` to `to` (delivery is not guaranteed).
    fn send_to(&mut self, bytes: &[u8], to: Addr) -> impl Future<Output = io::Result<()>>;
    /// Wait for one datagram; must be cancel-safe (nothing is consumed if dropped early).
    fn recv_from(&mut self, buf: &mut [u8]) -> impl Future<Output = io::Result<(usize, Addr)>>;
    /// The bound address.
    fn local_addr(&self) -> io::Result<Addr>;
}

impl Datagram for tokio::net::UdpSocket {
    async fn send_to(&mut self, bytes: &[u8], to: Addr) -> io::Result<()> {
        tokio::net::UdpSocket::send_to(self, bytes, to)
            .await
            .map(drop)
    }

    async fn recv_from(&mut self, buf: &mut [u8]) -> io::Result<(usize, Addr)> {
        tokio::net::UdpSocket::recv_from(self, buf).await
    }

    fn local_addr(&self) -> io::Result<Addr> {
        tokio::net::UdpSocket::local_addr(self)
    }
}

/// What a [`Tap`] does with an outgoing datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Send it.
    Pass,
    /// Lose it (the sender sees success, as with any lost datagram).
    Drop,
}

/// Sees every datagram a [`Tapped`] socket sends or receives: counts traffic, loses messages.
pub trait Tap {
    /// A datagram is about to be sent to `to`.
    fn on_send(&mut self, to: Addr, bytes: &[u8]) -> Verdict;
    /// A datagram was received from `from`.
    fn on_recv(&mut self, from: Addr, bytes: &[u8]);
}

/// A datagram socket with a [`Tap`] on it.
#[derive(Debug)]
pub struct Tapped<S, T> {
    inner: S,
    tap: T,
}

impl<S: Datagram, T: Tap> Tapped<S, T> {
    /// Put `tap` on `inner`.
    pub fn new(inner: S, tap: T) -> Self {
        Tapped { inner, tap }
    }
}

impl<S: Datagram, T: Tap> Datagram for Tapped<S, T> {
    async fn send_to(&mut self, bytes: &[u8], to: Addr) -> io::Result<()> {
        match self.tap.on_send(to, bytes) {
            Verdict::Pass => self.inner.send_to(bytes, to).await,
            Verdict::Drop => Ok(()),
        }
    }

    async fn recv_from(&mut self, buf: &mut [u8]) -> io::Result<(usize, Addr)> {
        let (n, from) = self.inner.recv_from(buf).await?;
        self.tap.on_recv(from, &buf[..n]);
        Ok((n, from))
    }

    fn local_addr(&self) -> io::Result<Addr> {
        self.inner.local_addr()
    }
}

/// Errors one peer can cause on an unconnected socket (ICMP feedback); the driver goes on.
fn transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::WouldBlock
            | io::ErrorKind::Interrupted
    )
}

/// Pump `core` over `socket` until the caller sends `Stop` or drops its [`Control`].
///
/// Each turn: send what the core queued, then wait for (in this order of priority) an
/// input, a datagram, or the core's deadline. A failed send is a lost datagram.
///
/// [`Control`]: crate::Control
pub async fn run_datagram<N: Node, S: Datagram>(
    core: Shared<N>,
    mut socket: S,
    ends: Ends<N>,
    clock: Clock,
) -> Result<(), RuntimeError> {
    let mut pump = Pump::new(core, clock, ends);
    let mut buf = vec![0u8; MAX_DATAGRAM_BYTES];
    let mut out = Vec::new();
    loop {
        pump.drain(&mut out);
        for (to, bytes) in out.drain(..) {
            // Datagrams may be lost; the core's timeouts deal with it.
            let _ = socket.send_to(&bytes, to).await;
        }
        let wake = pump.wake_at();
        let listening = !pump.paused();
        tokio::select! {
            biased;
            input = pump.next_input() => {
                if pump.on_input(input) == Flow::Stop {
                    return Ok(());
                }
            }
            got = socket.recv_from(&mut buf), if listening => match got {
                Ok((n, from)) => pump.on_bytes(from, &buf[..n]),
                Err(e) if transient(&e) => {}
                Err(source) => {
                    let local = socket.local_addr().unwrap_or_else(|_| unspecified());
                    return Err(RuntimeError::Recv { local, source });
                }
            },
            () = sleep_until(wake) => pump.on_timeout(),
        }
    }
}

fn unspecified() -> Addr {
    Addr::from(([0, 0, 0, 0], 0))
}
