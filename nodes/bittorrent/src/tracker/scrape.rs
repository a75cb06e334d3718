//! The scrape (BEP 48): a query of info-hashes and a bencoded `files` dict of counts.

use super::codec::{int, int_field, pairs, push_pair, twenty};
use super::{InfoHash, TrackerError};
use bencode::Value;
use std::collections::BTreeMap;

/// One swarm's counts in a scrape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScrapeEntry {
    /// Seeders.
    pub complete: u32,
    /// Completed downloads the tracker has counted.
    pub downloaded: u32,
    /// Leechers.
    pub incomplete: u32,
}

/// The scrape query string (without `?`): one `info_hash=` per hash, in order.
pub fn scrape_query(hashes: &[InfoHash]) -> String {
    let mut q = String::new();
    for hash in hashes {
        push_pair(&mut q, "info_hash", hash);
    }
    q
}

/// The info-hashes of a scrape query, in order; each must decode to 20 bytes. Other keys
/// are ignored; none at all asks for every swarm.
pub fn parse_scrape_query(query: &str) -> Result<Vec<InfoHash>, TrackerError> {
    pairs(query)
        .filter(|(key, _)| key == b"info_hash")
        .map(|(_, value)| twenty(&value, "info_hash"))
        .collect()
}

/// The bencoded scrape body: `{"files": {hash: {complete, downloaded, incomplete}}}`.
pub fn encode_scrape(files: &BTreeMap<InfoHash, ScrapeEntry>) -> Vec<u8> {
    let files = files.iter().map(|(hash, entry)| {
        let counts = Value::dict([
            ("complete", int(entry.complete)),
            ("downloaded", int(entry.downloaded)),
            ("incomplete", int(entry.incomplete)),
        ]);
        (hash.to_vec(), counts)
    });
    Value::dict([("files", Value::Dict(files.collect()))]).to_bytes()
}

/// Decode a scrape body; keys of `files` must be 20 bytes, a missing count is 0, and a
/// `failure reason` becomes [`TrackerError::Failure`].
pub fn decode_scrape(body: &[u8]) -> Result<BTreeMap<InfoHash, ScrapeEntry>, TrackerError> {
    let v = bencode::decode(body)?;
    if let Some(reason) = v.get(b"failure reason") {
        let reason = reason
            .as_bytes()
            .ok_or(TrackerError::Invalid("failure reason"))?;
        return Err(TrackerError::Failure(
            String::from_utf8_lossy(reason).into_owned(),
        ));
    }
    let files = v
        .get(b"files")
        .ok_or(TrackerError::Missing("files"))?
        .as_dict()
        .ok_or(TrackerError::Invalid("files"))?;
    files
        .iter()
        .map(|(hash, counts)| {
            if counts.as_dict().is_none() {
                return Err(TrackerError::Invalid("scrape entry"));
            }
            let entry = ScrapeEntry {
                complete: int_field(counts, "complete")?.unwrap_or(0),
                downloaded: int_field(counts, "downloaded")?.unwrap_or(0),
                incomplete: int_field(counts, "incomplete")?.unwrap_or(0),
            };
            Ok((twenty(hash, "files key")?, entry))
        })
        .collect()
}
