#!/usr/bin/env node
// An npm bittorrent-dht@11 (webtorrent) DHT node driven from the command line; same CLI and
// JSON lines as lt_dht.py. Needs tests/interop/node_modules (ci/interop-setup.sh).
//
// Usage: node npm_dht.mjs --port P [--bind IP] [--bootstrap HOST:PORT[,HOST:PORT...]]...
//          [--announce INFOHASH_HEX]... [--find INFOHASH_HEX]...
//          [--timeout SECONDS] [--linger SECONDS] [--interval SECONDS] [--remote-only]
//
// Listens on UDP IP:P (default 127.0.0.1), bootstraps from the given nodes only (none given:
// it waits to be contacted; the public default routers are never used). Prints:
//   {"event":"ready","port":P,"nodes":N}        routing table has >= 1 node
//   {"event":"table","nodes":N}                  routing-table size, every second
//   {"event":"announce","info_hash":h,"ok":B,"error"?:..}   one per announce round
//   {"event":"peers","info_hash":h,"peers":[..],"from":"ip:port"|null}  each peer event of a
//      lookup; from=null: the peer came from our own store (someone announced to us). With
//      --remote-only such peers don't count as found.
//   {"event":"found","info_hash":h,"peer":"ip:port","secs":T}
//   {"event":"incoming_announce","info_hash":h,"peer":"ip:port"}
//   {"event":"done","secs":T} / {"event":"timeout","secs":T,"missing":[..],"nodes":N}
// Announces/lookups start once the table is non-empty and repeat every --interval (default 3)
// s. Exit 0 when all --find hashes were found (at once if none) and --linger (default 0) s
// passed; exit 3 if not within --timeout (default 60) s. SIGTERM/SIGINT exit 143/130.
import { parseArgs } from 'node:util'
import DHT from 'bittorrent-dht'

const { values: a } = parseArgs({
  options: {
    port: { type: 'string' },
    bind: { type: 'string', default: '127.0.0.1' },
    bootstrap: { type: 'string', multiple: true, default: [] },
    announce: { type: 'string', multiple: true, default: [] },
    find: { type: 'string', multiple: true, default: [] },
    timeout: { type: 'string', default: '60' },
    linger: { type: 'string', default: '0' },
    interval: { type: 'string', default: '3' },
    'remote-only': { type: 'boolean', default: false }
  }
})
if (!a.port) { console.error('--port is required'); process.exit(2) }
for (const h of [...a.announce, ...a.find]) {
  if (!/^[0-9a-fA-F]{40}$/.test(h)) { console.error('infohash must be 40 hex chars: ' + h); process.exit(2) }
}
const port = Number(a.port)
const timeout = Number(a.timeout) * 1000
const linger = Number(a.linger) * 1000
const interval = Number(a.interval) * 1000
const boot = a.bootstrap.flatMap(b => b.split(',')).filter(x => x && x !== 'none')
const find = a.find.map(h => h.toLowerCase())
const out = o => process.stdout.write(JSON.stringify(o) + '\n')
const start = Date.now()
const secs = () => Math.round(Date.now() - start) / 1000

// bootstrap: [] (not false: false still loads the public router list) keeps it off the
// public routers. No `host` option: with it, announce() also stores us in our own peer store.
const dht = new DHT({ bootstrap: boot })
const found = new Map()
let ready = false
let doneAt = 0
let nextQuery = 0
let nextBoot = Date.now() + 1000

dht.on('error', err => { out({ event: 'error', msg: String(err) }); finish(1) })
dht.on('warning', err => out({ event: 'warning', msg: String(err) }))
dht.on('peer', (peer, infoHash, from) => {
  const h = infoHash.toString('hex')
  const p = `${peer.host}:${peer.port}`
  // from = the node whose get_peers reply held the peer; null = our own peer store
  const src = from ? `${from.host || from.address}:${from.port}` : null
  out({ event: 'peers', info_hash: h, peers: [p], from: src })
  if (find.includes(h) && !found.has(h) && (src || !a['remote-only'])) {
    found.set(h, p)
    out({ event: 'found', info_hash: h, peer: p, secs: secs() })
  }
})
dht.on('announce', (peer, infoHash) => {
  out({ event: 'incoming_announce', info_hash: infoHash.toString('hex'), peer: `${peer.host}:${peer.port}` })
})
dht.listen(port, a.bind)

function finish (code) {
  clearInterval(timer)
  dht.destroy(() => process.exit(code))
  setTimeout(() => process.exit(code), 1000).unref()
}
for (const [sig, n] of [['SIGTERM', 15], ['SIGINT', 2]]) process.on(sig, () => finish(128 + n))

let lastTable = 0
const timer = setInterval(() => {
  const now = Date.now()
  const nodes = dht.nodes.count()
  if (now - lastTable >= 1000) { out({ event: 'table', nodes }); lastTable = now }
  if (!ready && nodes >= 1) { ready = true; out({ event: 'ready', port, nodes }) }
  if (!ready && now >= nextBoot) {
    // bittorrent-dht bootstraps once; ping the bootstrap nodes again until one answers, so
    // that it does not matter which node was started first
    nextBoot = now + interval
    for (const b of boot) {
      const i = b.lastIndexOf(':')
      dht.addNode({ host: b.slice(0, i), port: Number(b.slice(i + 1)) })
    }
  }
  if (ready && now >= nextQuery) {
    nextQuery = now + interval
    for (const h of a.announce) {
      dht.announce(h, port, err => out({ event: 'announce', info_hash: h, ok: !err, ...(err ? { error: String(err) } : {}) }))
    }
    for (const h of find) if (!found.has(h)) dht.lookup(h)
  }
  if (ready && !doneAt && find.every(h => found.has(h))) doneAt = now
  if (doneAt && now - doneAt >= linger) { out({ event: 'done', secs: secs() }); finish(0) }
  if (!doneAt && now - start >= timeout) {
    out({ event: 'timeout', secs: secs(), missing: find.filter(h => !found.has(h)), nodes, ready })
    finish(3)
  }
}, 100)
