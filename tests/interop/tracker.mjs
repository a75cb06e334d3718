// HTTP-only BitTorrent tracker for loopback tests, installed by ci/interop-setup.sh.
// Imports bittorrent-tracker's server module directly: the package's bin/cmd.js imports the WebRTC
// client, which needs node-datachannel's native binary (not installable offline).
// Usage: node tracker.mjs [--port P] [--host 127.0.0.1] [--interval SECS]
// Prints "LISTENING http://HOST:PORT/announce" once bound, then one line per announce:
// "start|update|complete|stop IP:PORT" (IP is the announcing socket's source address; the `ip`
// query parameter is ignored). Responses honour compact=1 (BEP 23). Exits 1 on a bind error,
// 0 on SIGTERM/SIGINT.
import Server from 'bittorrent-tracker/server'
const args = process.argv.slice(2)
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt }
const port = Number(opt('--port', '6969'))
const host = opt('--host', '127.0.0.1')
const interval = Number(opt('--interval', '600')) * 1000
const server = new Server({ http: true, udp: false, ws: false, stats: false, interval })
server.on('error', err => { console.error(`ERROR ${err.message}`); process.exit(1) })
server.on('warning', err => console.error(`WARNING ${err.message}`))
for (const ev of ['start', 'update', 'complete', 'stop']) server.on(ev, addr => console.log(`${ev} ${addr}`))
server.listen(port, { http: host }, () => {
  const a = server.http.address()
  console.log(`LISTENING http://${a.address}:${a.port}/announce`)
})
const bye = () => server.close(() => process.exit(0))
process.on('SIGTERM', bye)
process.on('SIGINT', bye)
