//! The same drivers inside turmoil: UDP and TCP hosts, pause/resume, a Chord ring over
//! both transports, and replay (same seed, same trace).

mod support;

use chord::oracle::{health, successor_index};
use chord::{ChordNode, Command, Config, Event as ChordEvent, Id, OpResult};
use node_core::{sim_addr, Addr, Node, Rng};
use runtime::{
    channel, run_datagram, run_stream, Clock, Control, Ends, Input, LengthPrefixed, Shared,
    StreamNet, TurmoilTcp,
};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;
use support::{Echo, Event, Msg, Ping};

const TICK: Duration = Duration::from_millis(10);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Transport {
    Udp,
    Tcp,
}

fn sim(seed: u64) -> turmoil::Sim<'static> {
    turmoil::Builder::new()
        .simulation_duration(Duration::from_secs(3600))
        .tick_duration(TICK)
        .min_message_latency(Duration::from_millis(2))
        .max_message_latency(Duration::from_millis(20))
        .rng_seed(seed)
        .build()
}

/// Register host `addr` running `core` over `transport`; its driver takes `ends` once.
fn host<N: Node + 'static>(
    sim: &mut turmoil::Sim<'static>,
    addr: Addr,
    core: Shared<N>,
    transport: Transport,
) -> Control<N> {
    let (ctl, ends) = channel::<N>();
    let ends: Rc<RefCell<Option<Ends<N>>>> = Rc::new(RefCell::new(Some(ends)));
    sim.host(addr.ip(), move || {
        let (core, ends) = (core.clone(), ends.borrow_mut().take());
        async move {
            let ends = ends.ok_or("this test never restarts a host")?;
            let any = Addr::from(([0, 0, 0, 0], addr.port()));
            match transport {
                Transport::Udp => {
                    let socket = turmoil::net::UdpSocket::bind(any).await?;
                    run_datagram(core, socket, ends, Clock::new()).await?;
                }
                Transport::Tcp => {
                    let listener = TurmoilTcp::bind(any).await?;
                    run_stream::<_, TurmoilTcp, LengthPrefixed>(
                        core,
                        listener,
                        addr,
                        ends,
                        Clock::new(),
                    )
                    .await?;
                }
            }
            Ok(())
        }
    });
    ctl
}

fn run_for<N: Node>(
    sim: &mut turmoil::Sim<'_>,
    d: Duration,
    ctls: &mut [Control<N>],
) -> Vec<(usize, runtime::Stamped<N::Event>)> {
    let end = sim.elapsed() + d;
    let mut seen = Vec::new();
    while sim.elapsed() < end {
        sim.step().expect("hosts run");
        for (i, c) in ctls.iter_mut().enumerate() {
            while let Some(e) = c.try_event() {
                seen.push((i, e));
            }
        }
    }
    seen
}

#[test]
fn echo_hosts_talk_over_turmoil_udp_and_tcp() {
    for transport in [Transport::Udp, Transport::Tcp] {
        let mut s = sim(1);
        let (a, b) = (sim_addr(1), sim_addr(2));
        let mut ctls = vec![
            host(&mut s, a, Rc::new(RefCell::new(Echo::new(None))), transport),
            host(&mut s, b, Rc::new(RefCell::new(Echo::new(None))), transport),
        ];
        run_for(&mut s, TICK, &mut ctls);
        ctls[0].command(Ping { to: b, n: 7 });
        let seen = run_for(&mut s, Duration::from_millis(500), &mut ctls);
        let got: Vec<(usize, Addr, Msg)> = seen
            .into_iter()
            .filter_map(|(i, e)| match e.event {
                Event::Got { from, msg } => Some((i, from, msg)),
                _ => None,
            })
            .collect();
        assert_eq!(
            got,
            vec![(1, a, Msg::Ping(7)), (0, b, Msg::Pong(7))],
            "{transport:?}"
        );
    }
}

#[test]
fn a_paused_driver_fires_no_timer_and_catches_up_on_resume() {
    let mut s = sim(2);
    let every = Duration::from_millis(100);
    let mut ctls = vec![host(
        &mut s,
        sim_addr(1),
        Rc::new(RefCell::new(Echo::new(Some(every)))),
        Transport::Udp,
    )];
    let before = run_for(&mut s, Duration::from_secs(1), &mut ctls);
    ctls[0].send(Input::Pause);
    let paused = run_for(&mut s, Duration::from_secs(1), &mut ctls);
    ctls[0].send(Input::Resume);
    let after = run_for(&mut s, Duration::from_millis(550), &mut ctls);
    assert!(
        (9..=10).contains(&before.len()),
        "ticks before: {}",
        before.len()
    );
    assert!(paused.is_empty(), "ticks while paused: {paused:?}");
    assert!(
        (5..=6).contains(&after.len()),
        "ticks after: {}",
        after.len()
    );
}

struct Ring {
    sim: turmoil::Sim<'static>,
    cores: Vec<Shared<ChordNode>>,
    ctls: Vec<Control<ChordNode>>,
    trace: Vec<String>,
}

fn ring(seed: u64, n: u32, transport: Transport) -> Ring {
    let mut s = sim(seed);
    let mut rng = Rng::seed(seed);
    let cfg = Config::default();
    let mut cores = Vec::new();
    let mut ctls = Vec::new();
    for i in 0..n {
        let core = Rc::new(RefCell::new(ChordNode::new(
            sim_addr(i),
            cfg.clone(),
            rng.fork(u64::from(i)),
        )));
        ctls.push(host(&mut s, sim_addr(i), core.clone(), transport));
        cores.push(core);
    }
    let mut r = Ring {
        sim: s,
        cores,
        ctls,
        trace: Vec::new(),
    };
    r.ctls[0].command(Command::Create);
    for i in 1..n as usize {
        r.run(Duration::from_millis(100));
        r.ctls[i].command(Command::Join { via: sim_addr(0) });
    }
    r.run(Duration::from_secs(30));
    r
}

impl Ring {
    fn run(&mut self, d: Duration) {
        for (i, e) in run_for(&mut self.sim, d, &mut self.ctls) {
            self.trace.push(format!("{} n{i} {:?}", e.at, e.event));
        }
    }

    /// Every node looks up `keys` keys; answers must be the true successors.
    fn lookups_are_correct(&mut self, keys: u64) -> bool {
        let mut ids: Vec<Id> = self.cores.iter().map(|c| c.borrow().me().id).collect();
        ids.sort_unstable();
        for (i, c) in self.ctls.iter().enumerate() {
            for k in 0..keys {
                let key = Id::of_key(&format!("key-{k}"), 160);
                c.command(Command::Lookup {
                    op: (i as u64) << 32 | k,
                    key,
                });
            }
        }
        let before = self.trace.len();
        let done = run_for(&mut self.sim, Duration::from_secs(5), &mut self.ctls);
        self.trace.extend(
            done.iter()
                .map(|(i, e)| format!("{} n{i} {:?}", e.at, e.event)),
        );
        let answers: Vec<bool> = done
            .into_iter()
            .filter_map(|(_, e)| match e.event {
                ChordEvent::Done {
                    key,
                    result: OpResult::Found(n),
                    ..
                } => Some(n.id == ids[successor_index(&ids, key)]),
                ChordEvent::Done { .. } => Some(false),
                _ => None,
            })
            .collect();
        self.trace.len() > before
            && answers.len() as u64 == keys * self.ctls.len() as u64
            && answers.iter().all(|ok| *ok)
    }
}

#[test]
fn a_chord_ring_forms_and_answers_lookups_over_turmoil_udp_and_tcp() {
    for transport in [Transport::Udp, Transport::Tcp] {
        let mut r = ring(7, 8, transport);
        let nodes: Vec<std::cell::Ref<ChordNode>> = r.cores.iter().map(|c| c.borrow()).collect();
        let h = health(nodes.iter().map(|n| &**n), 3);
        drop(nodes);
        assert!(h.consistent, "{transport:?}: ring consistent");
        assert!(r.lookups_are_correct(10), "{transport:?}: lookups correct");
    }
}

#[test]
fn same_seed_same_trace_and_different_seeds_differ() {
    let trace = |seed| {
        let mut r = ring(seed, 6, Transport::Udp);
        assert!(r.lookups_are_correct(5));
        r.trace
    };
    let (a, b, c) = (trace(11), trace(11), trace(12));
    assert!(a.len() > 30, "a real trace: {a:?}");
    assert_eq!(a, b);
    assert_ne!(a, c);
}
