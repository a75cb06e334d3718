//! The drivers' socket traits for turmoil's simulated `net` module: [`Datagram`] for
//! `turmoil::net::UdpSocket` and [`TurmoilTcp`] as a [`StreamNet`].

use crate::datagram::Datagram;
use crate::stream::StreamNet;
use node_core::Addr;
use std::future::Future;
use std::io;

impl Datagram for turmoil::net::UdpSocket {
    async fn send_to(&mut self, bytes: &[u8], to: Addr) -> io::Result<()> {
        turmoil::net::UdpSocket::send_to(self, bytes, to)
            .await
            .map(drop)
    }

    async fn recv_from(&mut self, buf: &mut [u8]) -> io::Result<(usize, Addr)> {
        turmoil::net::UdpSocket::recv_from(self, buf).await
    }

    fn local_addr(&self) -> io::Result<Addr> {
        turmoil::net::UdpSocket::local_addr(self)
    }
}

/// turmoil's simulated TCP.
#[derive(Clone, Copy, Debug, Default)]
pub struct TurmoilTcp;

impl StreamNet for TurmoilTcp {
    type Stream = turmoil::net::TcpStream;
    type Listener = turmoil::net::TcpListener;

    async fn bind(addr: Addr) -> io::Result<Self::Listener> {
        turmoil::net::TcpListener::bind(addr).await
    }

    async fn accept(listener: &Self::Listener) -> io::Result<(Self::Stream, Addr)> {
        listener.accept().await
    }

    fn connect(to: Addr) -> impl Future<Output = io::Result<Self::Stream>> + 'static {
        turmoil::net::TcpStream::connect(to)
    }

    fn local_addr(listener: &Self::Listener) -> io::Result<Addr> {
        listener.local_addr()
    }
}
