//! A deterministic generator of linearizable key/value histories: a simulated atomic store
//! whose clients call puts and gets with random durations, each taking effect at a random
//! point inside its interval; some calls crash (an `info` record, a new client id), and take
//! effect half of the time.

use checkers::{Bytes, Call, Record, Ret};

/// The shape of a generated history.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Clients calling at once.
    pub clients: u32,
    /// Operations in the history.
    pub ops: usize,
    /// Keys, chosen uniformly.
    pub keys: u32,
    /// Distinct values written (0: every put writes a new value).
    pub values: u64,
    /// Chance in a thousand that a call crashes.
    pub crash_permille: u64,
    /// Chance in a thousand that a call is a get.
    pub get_permille: u64,
    /// Seed of the generator.
    pub seed: u64,
}

/// splitmix64: small, fast and deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// One generated call before its result is known.
struct Pending {
    op: u64,
    client: u32,
    call_us: u64,
    return_us: Option<u64>,
    effect_us: Option<u64>,
    key: u32,
    put: Option<u64>,
}

/// A linearizable history of the given shape.
pub fn history(shape: &Shape) -> Vec<Record> {
    let mut rng = Rng(shape.seed);
    let mut clock_us: Vec<u64> = (0..shape.clients).map(|_| rng.below(10)).collect();
    let mut id: Vec<u32> = (0..shape.clients).collect();
    let mut next_id = shape.clients;
    let mut pending = Vec::with_capacity(shape.ops);
    for op in 0..shape.ops as u64 {
        let slot = (0..clock_us.len())
            .min_by_key(|&c| clock_us[c])
            .unwrap_or(0);
        let call_us = clock_us[slot];
        let duration_us = 1 + rng.below(100);
        let effect_us = call_us + rng.below(duration_us + 1);
        let crashed = rng.below(1000) < shape.crash_permille;
        let put = (rng.below(1000) >= shape.get_permille).then(|| match shape.values {
            0 => op,
            n => rng.below(n),
        });
        pending.push(Pending {
            op,
            client: id[slot],
            call_us,
            return_us: (!crashed).then_some(call_us + duration_us),
            effect_us: (!crashed || rng.below(2) == 0).then_some(effect_us),
            key: rng.below(u64::from(shape.keys)) as u32,
            put,
        });
        clock_us[slot] = call_us + duration_us + rng.below(20);
        if crashed {
            id[slot] = next_id;
            next_id += 1;
        }
    }
    let mut order: Vec<usize> = (0..pending.len()).collect();
    order.sort_by_key(|&i| (pending[i].effect_us, i));
    let mut store: Vec<Option<u64>> = vec![None; shape.keys as usize];
    let mut read: Vec<Option<u64>> = vec![None; pending.len()];
    for i in order {
        let p = &pending[i];
        if p.effect_us.is_none() {
            continue;
        }
        match p.put {
            Some(v) => store[p.key as usize] = Some(v),
            None => read[i] = store[p.key as usize],
        }
    }
    records(&pending, &read)
}

/// The invoke and ok / info records of the calls, sorted by time.
fn records(pending: &[Pending], read: &[Option<u64>]) -> Vec<Record> {
    let bytes = |n: u64| Bytes(n.to_be_bytes().to_vec());
    let mut out: Vec<Record> = Vec::with_capacity(2 * pending.len());
    for (p, value) in pending.iter().zip(read) {
        let key = bytes(u64::from(p.key));
        let (call, ret) = match p.put {
            Some(v) => (
                Call::Put {
                    key,
                    value: bytes(v),
                },
                Ret::Put {
                    at: Bytes::default(),
                    version: None,
                    hops: 1,
                    timeouts: 0,
                },
            ),
            None => (
                Call::Get { key },
                Ret::Get {
                    value: value.map(bytes),
                    siblings: Vec::new(),
                    versions: Vec::new(),
                    hops: 1,
                    timeouts: 0,
                },
            ),
        };
        out.push(Record::Invoke {
            t_us: p.call_us,
            op: p.op,
            client: p.client,
            node: 0,
            call,
        });
        out.push(match p.return_us {
            Some(t_us) => Record::Ok {
                t_us,
                op: p.op,
                ret,
            },
            None => Record::Info {
                t_us: p.call_us + 100,
                op: p.op,
                why: "crashed".into(),
            },
        });
    }
    out.sort_by_key(Record::t_us);
    out
}
