//! The HTTP tracker protocol on real connections, through hyper: a peer's announce as a
//! GET (one request per connection), and the tracker answering an announce or a scrape
//! (BEP 48).

use super::wire::MALFORMED;
use bittorrent::msg::Msg;
use bittorrent::tracker::{encode_scrape, parse_scrape_query, AnnounceRequest, AnnounceResponse};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONNECTION, CONTENT_TYPE, HOST};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use node_core::Wire;
use runtime::Inbox;
use std::convert::Infallible;
use std::io;
use std::rc::Rc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::Mutex;

/// The path trackers announce on.
pub const ANNOUNCE_PATH: &str = "/announce";

/// The path trackers answer scrapes on.
pub const SCRAPE_PATH: &str = "/scrape";

/// How long an announce may take, from the request to the last byte of the reply.
const ANNOUNCE_TIMEOUT: Duration = Duration::from_secs(15);

fn to_io(e: impl std::error::Error + Send + Sync + 'static) -> io::Error {
    io::Error::other(e)
}

/// Send `req` to the tracker at the other end of `stream` and hand its reply to `inbox`
/// (a reply that is not a tracker's is handed on as malformed).
pub(super) async fn announce<S: AsyncRead + AsyncWrite + Unpin + 'static>(
    stream: S,
    req: &AnnounceRequest,
    inbox: &Inbox,
) -> io::Result<()> {
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(TokioIo::new(stream))
            .await
            .map_err(to_io)?;
    tokio::task::spawn_local(async move {
        // The connection ends when the tracker closes it; its error is the request's too.
        let _ = conn.await;
    });
    let request = Request::get(format!("{ANNOUNCE_PATH}?{}", req.to_query()))
        .header(HOST, inbox.peer().to_string())
        .body(Empty::new())
        .map_err(to_io)?;
    let fetch = async {
        let reply = sender.send_request(request).await?;
        reply.into_body().collect().await.map(|b| b.to_bytes())
    };
    let body = tokio::time::timeout(ANNOUNCE_TIMEOUT, fetch)
        .await
        .map_err(to_io)?
        .map_err(to_io)?;
    let msg = match AnnounceResponse::decode(&body) {
        Ok(reply) => {
            let mut msg = Vec::new();
            Msg::AnnounceReply(reply).encode(&mut msg);
            msg
        }
        Err(_) => MALFORMED.to_vec(),
    };
    inbox.deliver(msg);
    Ok(())
}

/// Serve one HTTP connection to the tracker: each announce or scrape goes to the core
/// through `inbox`, and its reply comes back on `out`; the connection closes after one
/// exchange.
pub(super) async fn serve<S: AsyncRead + AsyncWrite + Unpin + 'static>(
    stream: S,
    out: UnboundedReceiver<Vec<u8>>,
    inbox: Inbox,
) -> io::Result<()> {
    let out = Rc::new(Mutex::new(out));
    let inbox = Rc::new(inbox);
    let service = hyper::service::service_fn(move |req| answer(req, out.clone(), inbox.clone()));
    hyper::server::conn::http1::Builder::new()
        .keep_alive(false)
        .serve_connection(TokioIo::new(stream), service)
        .await
        .map_err(to_io)
}

/// One request: an announce or a scrape handed to the core and its reply, or an error
/// status.
async fn answer(
    req: Request<Incoming>,
    out: Rc<Mutex<UnboundedReceiver<Vec<u8>>>>,
    inbox: Rc<Inbox>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let query = req.uri().query().unwrap_or_default();
    let parsed = match req.uri().path() {
        ANNOUNCE_PATH => AnnounceRequest::from_query(query).ok().map(Msg::Announce),
        SCRAPE_PATH => parse_scrape_query(query).ok().map(Msg::Scrape),
        _ => return Ok(reply(StatusCode::NOT_FOUND, failure("not found"))),
    };
    let msg = match parsed {
        Some(m) => {
            let mut msg = Vec::new();
            m.encode(&mut msg);
            msg
        }
        None => MALFORMED.to_vec(),
    };
    if !inbox.deliver(msg) {
        return Ok(reply(StatusCode::SERVICE_UNAVAILABLE, failure("stopping")));
    }
    let answered = out.lock().await.recv().await;
    Ok(match answered.as_deref().map(Msg::decode) {
        Some(Ok(Msg::AnnounceReply(r))) => reply(StatusCode::OK, r.encode(true)),
        Some(Ok(Msg::ScrapeReply(files))) => reply(StatusCode::OK, encode_scrape(&files)),
        _ => reply(StatusCode::BAD_REQUEST, failure("malformed request")),
    })
}

/// A bencoded failure reason.
fn failure(reason: &str) -> Vec<u8> {
    AnnounceResponse::Failure(reason.to_string()).encode(true)
}

fn reply(status: StatusCode, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    headers.insert(CONNECTION, HeaderValue::from_static("close"));
    resp
}
