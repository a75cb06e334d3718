//! The drivers on real tokio sockets over loopback: UDP and length-prefixed TCP.

mod support;

use node_core::{Addr, Connection};
use runtime::{
    channel, run_datagram, run_stream, Clock, Control, Input, LengthPrefixed, RuntimeError, Shared,
    StreamNet, Tap, Tapped, TokioTcp, Verdict,
};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;
use support::{Echo, Event, Msg, Ping, HANG_UP};
use tokio::task::{JoinHandle, LocalSet};

const WAIT: Duration = Duration::from_secs(10);

/// The first event `ctl`'s core reports that `pick` keeps; panics after [`WAIT`].
async fn next_event<T>(ctl: &mut Control<Echo>, pick: impl Fn(Event) -> Option<T>) -> T {
    loop {
        let e = tokio::time::timeout(WAIT, ctl.event())
            .await
            .expect("an event within the guard time")
            .expect("driver alive");
        if let Some(t) = pick(e.event) {
            return t;
        }
    }
}

async fn next_got(ctl: &mut Control<Echo>) -> (Addr, Msg) {
    next_event(ctl, |e| match e {
        Event::Got { from, msg } => Some((from, msg)),
        _ => None,
    })
    .await
}

fn echo() -> Shared<Echo> {
    Rc::new(RefCell::new(Echo::new(None)))
}

/// A TCP driver of an echo core on `at` (default: any loopback port), spawned on the
/// current `LocalSet`: its address, its control and its task.
async fn tcp_node_with_task(
    at: Option<Addr>,
) -> (Addr, Control<Echo>, JoinHandle<Result<(), RuntimeError>>) {
    let listen = at.unwrap_or_else(|| "127.0.0.1:0".parse().expect("addr"));
    let l = TokioTcp::bind(listen).await.expect("bind");
    let addr = TokioTcp::local_addr(&l).expect("bound");
    let (ctl, ends) = channel::<Echo>();
    let run = run_stream::<_, TokioTcp, LengthPrefixed>(echo(), l, addr, ends, Clock::new());
    (addr, ctl, tokio::task::spawn_local(run))
}

/// As [`tcp_node_with_task`], for a driver that runs until the test ends.
async fn tcp_node(at: Option<Addr>) -> (Addr, Control<Echo>) {
    let (addr, ctl, _) = tcp_node_with_task(at).await;
    (addr, ctl)
}

/// Loses every other datagram it sends (the second, the fourth…).
struct EveryOther(bool);

impl Tap for EveryOther {
    fn on_send(&mut self, _to: Addr, _bytes: &[u8]) -> Verdict {
        self.0 = !self.0;
        if self.0 {
            Verdict::Pass
        } else {
            Verdict::Drop
        }
    }
    fn on_recv(&mut self, _from: Addr, _bytes: &[u8]) {}
}

#[tokio::test]
async fn udp_driver_answers_counts_malformed_input_and_taps_drop_sends() {
    LocalSet::new()
        .run_until(async {
            let a_sock = tokio::net::UdpSocket::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let b_sock = tokio::net::UdpSocket::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let (a_addr, b_addr) = (
                a_sock.local_addr().expect("a"),
                b_sock.local_addr().expect("b"),
            );
            let (mut a, a_ends) = channel::<Echo>();
            let (mut b, b_ends) = channel::<Echo>();
            let a_run = tokio::task::spawn_local(run_datagram(
                echo(),
                Tapped::new(a_sock, EveryOther(false)),
                a_ends,
                Clock::new(),
            ));
            let b_run =
                tokio::task::spawn_local(run_datagram(echo(), b_sock, b_ends, Clock::new()));
            for n in 1..=4 {
                a.command(Ping { to: b_addr, n });
            }
            // Pings 1 and 3 pass the tap; 2 and 4 are lost.
            assert_eq!(next_got(&mut b).await, (a_addr, Msg::Ping(1)));
            assert_eq!(next_got(&mut b).await, (a_addr, Msg::Ping(3)));
            assert_eq!(next_got(&mut a).await, (b_addr, Msg::Pong(1)));
            assert_eq!(next_got(&mut a).await, (b_addr, Msg::Pong(3)));
            let raw = tokio::net::UdpSocket::bind("127.0.0.1:0")
                .await
                .expect("bind");
            raw.send_to(&[9, 9], b_addr).await.expect("send");
            let e = tokio::time::timeout(WAIT, b.event())
                .await
                .expect("in time");
            assert_eq!(e.map(|s| s.event), Some(Event::Malformed));
            assert!(a.send(Input::Stop) && b.send(Input::Stop));
            assert!(a_run.await.expect("joined").is_ok());
            assert!(b_run.await.expect("joined").is_ok());
        })
        .await;
}

#[tokio::test]
async fn tcp_driver_frames_messages_names_peers_by_listen_address_and_redials() {
    LocalSet::new()
        .run_until(async {
            let (a_addr, mut a) = tcp_node(None).await;
            let (b_addr, mut b, b_run) = tcp_node_with_task(None).await;
            for n in 1..=3 {
                a.command(Ping { to: b_addr, n });
            }
            for n in 1..=3 {
                assert_eq!(next_got(&mut b).await, (a_addr, Msg::Ping(n)));
                assert_eq!(next_got(&mut a).await, (b_addr, Msg::Pong(n)));
            }
            // B stops (its connections close) and comes back on the same port: A redials.
            assert!(b.send(Input::Stop));
            assert!(b_run.await.expect("joined").is_ok());
            let (_, mut b) = tcp_node(Some(b_addr)).await;
            let mut n = 10;
            let got = loop {
                a.command(Ping { to: b_addr, n });
                let polled =
                    tokio::time::timeout(Duration::from_millis(200), next_got(&mut b)).await;
                if let Ok(got) = polled {
                    break got;
                }
                n += 1;
                assert!(n < 60, "B never heard from A again");
            };
            assert_eq!(got.0, a_addr);
        })
        .await;
}

/// The next connection event `ctl`'s core reported.
async fn next_connection(ctl: &mut Control<Echo>) -> (Addr, Connection) {
    next_event(ctl, |e| match e {
        Event::Connection { peer, event } => Some((peer, event)),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn tcp_driver_tells_the_core_when_a_connection_opens_and_closes() {
    LocalSet::new()
        .run_until(async {
            let (a_addr, mut a) = tcp_node(None).await;
            let (b_addr, mut b, b_run) = tcp_node_with_task(None).await;
            a.command(Ping { to: b_addr, n: 1 });
            assert_eq!(next_connection(&mut a).await, (b_addr, Connection::Opened));
            assert_eq!(next_connection(&mut b).await, (a_addr, Connection::Opened));
            assert!(b.send(Input::Stop));
            assert!(b_run.await.expect("joined").is_ok());
            assert_eq!(next_connection(&mut a).await, (b_addr, Connection::Closed));
        })
        .await;
}

#[tokio::test]
async fn tcp_driver_closes_a_connection_the_core_disconnects_after_sending_what_was_queued() {
    LocalSet::new()
        .run_until(async {
            let (a_addr, mut a) = tcp_node(None).await;
            let (b_addr, mut b) = tcp_node(None).await;
            a.command(Ping {
                to: b_addr,
                n: HANG_UP,
            });
            assert_eq!(next_connection(&mut b).await, (a_addr, Connection::Opened));
            assert_eq!(next_connection(&mut b).await, (a_addr, Connection::Closed));
            assert_eq!(next_got(&mut a).await, (b_addr, Msg::Pong(HANG_UP)));
            assert_eq!(next_connection(&mut a).await, (b_addr, Connection::Closed));
        })
        .await;
}
