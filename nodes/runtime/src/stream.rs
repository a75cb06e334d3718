//! The stream driver: [`StreamNet`] (how to bind, accept and connect — tokio's TCP or
//! turmoil's) and [`run_stream`], which pumps a core over connections that carry messages
//! as a [`Framing`] says.
//!
//! With a framing that says hello ([`LengthPrefixed`]), a connection starts with a hello
//! carrying the dialler's advertised address, so a message that arrives on any connection
//! is handed to the core as coming from the peer's listening address, and replies reuse the
//! connection. Without one, an accepted connection's peer is its socket address. There is
//! at most one connection per peer in the table; a message for a peer without one dials
//! it. A connection that fails loses the messages queued on it, as a network loses
//! datagrams: the core's timeouts deal with it. The core hears when the connection to a
//! peer in the table opens and when it closes ([`Node::handle_connection`]), and closes
//! connections through [`Node::poll_disconnect`].
//!
//! Connection tasks are spawned with `spawn_local`: call [`run_stream`] inside a
//! [`tokio::task::LocalSet`] (turmoil hosts already run in one).

use crate::clock::Clock;
use crate::control::Ends;
use crate::error::RuntimeError;
use crate::frame::{put_frame, FrameDecoder};
use crate::framing::{Framing, Inbox, READ_CHUNK_BYTES};
use crate::pump::{sleep_until, Flow, Pump, Shared};
use node_core::{put_addr, Addr, Connection, Node, Reader};
use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::task::JoinSet;

/// How long dialling a peer may take before its queued frames are dropped.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A stream network: TCP on tokio, or turmoil's simulated TCP.
pub trait StreamNet: 'static {
    /// A connected stream.
    type Stream: AsyncRead + AsyncWrite + Unpin + 'static;
    /// A bound listener.
    type Listener;
    /// Listen on `addr`.
    fn bind(addr: Addr) -> impl Future<Output = io::Result<Self::Listener>>;
    /// Wait for the next connection and its remote address; must be cancel-safe.
    fn accept(listener: &Self::Listener) -> impl Future<Output = io::Result<(Self::Stream, Addr)>>;
    /// Connect to `to`.
    fn connect(to: Addr) -> impl Future<Output = io::Result<Self::Stream>> + 'static;
    /// The address `listener` is bound to.
    fn local_addr(listener: &Self::Listener) -> io::Result<Addr>;
}

/// tokio's TCP (real sockets).
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioTcp;

impl StreamNet for TokioTcp {
    type Stream = tokio::net::TcpStream;
    type Listener = tokio::net::TcpListener;

    async fn bind(addr: Addr) -> io::Result<Self::Listener> {
        tokio::net::TcpListener::bind(addr).await
    }

    async fn accept(listener: &Self::Listener) -> io::Result<(Self::Stream, Addr)> {
        let (stream, from) = listener.accept().await?;
        stream.set_nodelay(true)?;
        Ok((stream, from))
    }

    async fn connect(to: Addr) -> io::Result<Self::Stream> {
        let stream = tokio::net::TcpStream::connect(to).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    fn local_addr(listener: &Self::Listener) -> io::Result<Addr> {
        listener.local_addr()
    }
}

/// What connection tasks tell the driver.
pub(crate) enum NetEvent {
    /// A frame from the peer listening at `from`.
    Frame { from: Addr, body: Vec<u8> },
    /// An accepted connection is the peer at `peer` (its hello named it, or its socket
    /// address), reachable through `tx`.
    Hello {
        peer: Addr,
        id: u64,
        tx: UnboundedSender<Vec<u8>>,
    },
    /// Dialled connection `id` to `peer` is open.
    Opened { peer: Addr, id: u64 },
    /// Connection `id` to `peer` ended.
    Closed { peer: Addr, id: u64 },
}

/// What the driver hands the core from its connections.
enum Delivery {
    /// A frame from the peer listening at the address.
    Frame(Addr, Vec<u8>),
    /// The connection to the peer opened or closed.
    Connection(Addr, Connection),
}

/// A connection in the table: its id, the queue its task writes from, and whether it is
/// open (a dialled one is not until it connects).
struct Link {
    id: u64,
    tx: UnboundedSender<Vec<u8>>,
    open: bool,
}

/// Connections of one driver.
struct Links<Net: StreamNet, F: Framing> {
    me: Addr,
    table: BTreeMap<Addr, Link>,
    tasks: JoinSet<()>,
    events: UnboundedSender<NetEvent>,
    next_id: u64,
    net: std::marker::PhantomData<(Net, F)>,
}

impl<Net: StreamNet, F: Framing> Links<Net, F> {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Queue `body` for `to`, dialling it if there is no connection.
    fn send(&mut self, to: Addr, body: Vec<u8>) {
        let body = match self.table.get(&to) {
            Some(link) => match link.tx.send(body) {
                Ok(()) => return,
                Err(mpsc::error::SendError(body)) => body,
            },
            None => body,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        // The receiver is alive: it was just made and is moved into the task below.
        let _ = tx.send(body);
        let id = self.id();
        self.table.insert(
            to,
            Link {
                id,
                tx,
                open: false,
            },
        );
        let (me, events) = (self.me, self.events.clone());
        self.tasks
            .spawn_local(dial::<Net, F>(to, me, id, rx, events));
    }

    fn accepted(&mut self, stream: Net::Stream, from: Addr) {
        let id = self.id();
        self.tasks
            .spawn_local(answer::<Net, F>(stream, from, id, self.events.clone()));
    }

    /// Close the connection to `peer` at the core's request: its queued messages are still
    /// written. Returns whether the core knew it open (and should hear that it closed).
    fn disconnect(&mut self, peer: Addr) -> bool {
        self.table.remove(&peer).is_some_and(|link| link.open)
    }

    fn on_event(&mut self, ev: NetEvent) -> Option<Delivery> {
        while self.tasks.try_join_next().is_some() {}
        match ev {
            NetEvent::Frame { from, body } => Some(Delivery::Frame(from, body)),
            NetEvent::Hello { peer, id, tx } => {
                if self.table.contains_key(&peer) {
                    return None;
                }
                self.table.insert(peer, Link { id, tx, open: true });
                Some(Delivery::Connection(peer, Connection::Opened))
            }
            NetEvent::Opened { peer, id } => {
                let link = self.table.get_mut(&peer).filter(|l| l.id == id)?;
                link.open = true;
                Some(Delivery::Connection(peer, Connection::Opened))
            }
            NetEvent::Closed { peer, id } => {
                let link = self.table.get(&peer).filter(|l| l.id == id)?;
                let was_open = link.open;
                self.table.remove(&peer);
                was_open.then_some(Delivery::Connection(peer, Connection::Closed))
            }
        }
    }
}

/// Pump `core` over stream connections accepted on `listener` or dialled on demand, where
/// `me` is the address peers know this node by. Runs until `Stop` or the caller hangs up;
/// every connection task ends with it.
pub async fn run_stream<N: Node, Net: StreamNet, F: Framing>(
    core: Shared<N>,
    listener: Net::Listener,
    me: Addr,
    ends: Ends<N>,
    clock: Clock,
) -> Result<(), RuntimeError> {
    let mut pump = Pump::new(core, clock, ends);
    let (events, mut inbox) = mpsc::unbounded_channel();
    let mut links = Links::<Net, F> {
        me,
        table: BTreeMap::new(),
        tasks: JoinSet::new(),
        events,
        next_id: 0,
        net: std::marker::PhantomData,
    };
    let (mut out, mut closing) = (Vec::new(), Vec::new());
    loop {
        pump.drain(&mut out);
        for (to, body) in out.drain(..) {
            links.send(to, body);
        }
        pump.disconnects(&mut closing);
        for peer in closing.drain(..) {
            if links.disconnect(peer) {
                pump.on_connection(peer, Connection::Closed);
            }
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
            Some(ev) = inbox.recv(), if listening => {
                match links.on_event(ev) {
                    Some(Delivery::Frame(from, body)) => pump.on_bytes(from, &body),
                    Some(Delivery::Connection(peer, event)) => pump.on_connection(peer, event),
                    None => {}
                }
            }
            got = Net::accept(&listener), if listening => {
                // A failed accept concerns one would-be peer (aborted, out of descriptors).
                if let Ok((stream, from)) = got {
                    links.accepted(stream, from);
                }
            }
            () = sleep_until(wake) => pump.on_timeout(),
        }
    }
}

/// Connect to `to`, say hello if the framing does, then carry messages both ways.
async fn dial<Net: StreamNet, F: Framing>(
    to: Addr,
    me: Addr,
    id: u64,
    queue: UnboundedReceiver<Vec<u8>>,
    events: UnboundedSender<NetEvent>,
) {
    if let Ok(Ok(mut stream)) = tokio::time::timeout(CONNECT_TIMEOUT, Net::connect(to)).await {
        let said_hello = !F::HELLO || {
            let mut hello = Vec::new();
            put_addr(&mut hello, me);
            let mut frame = Vec::new();
            put_frame(&mut frame, &hello);
            stream.write_all(&frame).await.is_ok()
        };
        if said_hello && events.send(NetEvent::Opened { peer: to, id }).is_ok() {
            let inbox = Inbox {
                peer: to,
                tx: events.clone(),
            };
            let _ = F::carry(stream, true, Vec::new(), queue, inbox).await;
        }
    }
    let _ = events.send(NetEvent::Closed { peer: to, id });
}

/// Learn who an accepted connection is (its hello, or its socket address `from`), register
/// it, then carry messages both ways.
async fn answer<Net: StreamNet, F: Framing>(
    mut stream: Net::Stream,
    from: Addr,
    id: u64,
    events: UnboundedSender<NetEvent>,
) {
    let (peer, read) = if F::HELLO {
        match read_hello(&mut stream).await {
            Some(hello) => hello,
            None => return,
        }
    } else {
        (from, Vec::new())
    };
    let (tx, queue) = mpsc::unbounded_channel();
    if events.send(NetEvent::Hello { peer, id, tx }).is_err() {
        return;
    }
    let inbox = Inbox {
        peer,
        tx: events.clone(),
    };
    let _ = F::carry(stream, false, read, queue, inbox).await;
    let _ = events.send(NetEvent::Closed { peer, id });
}

/// Read a hello frame: the peer's listening address, and the bytes read after it.
async fn read_hello<S: AsyncRead + Unpin>(stream: &mut S) -> Option<(Addr, Vec<u8>)> {
    let mut decoder = FrameDecoder::new();
    let mut buf = vec![0u8; READ_CHUNK_BYTES];
    loop {
        if let Some(hello) = decoder.next_frame().ok()? {
            let peer = Reader::new(&hello).addr().ok()?;
            return Some((peer, decoder.take_pending()));
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => decoder.push(&buf[..n]),
        }
    }
}
