//! Pieces the announce and scrape codecs share: percent-encoding of query values, splitting
//! a query string into decoded pairs, and reading bencoded fields.

use super::TrackerError;
use bencode::Value;
use percent_encoding::{percent_decode_str, percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`) is escaped.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Append `&key=value` (no `&` on an empty `out`), `value` percent-encoded byte by byte.
pub(super) fn push_pair(out: &mut String, key: &str, value: &[u8]) {
    if !out.is_empty() {
        out.push('&');
    }
    out.push_str(key);
    out.push('=');
    out.extend(percent_encode(value, QUERY_VALUE));
}

/// The `key=value` pairs of a raw query string, both percent-decoded, in order. Empty
/// segments (`a=1&&b=2`) are skipped; a key without `=` has an empty value.
pub(super) fn pairs(query: &str) -> impl Iterator<Item = (Vec<u8>, Vec<u8>)> + '_ {
    query.split('&').filter(|s| !s.is_empty()).map(|segment| {
        let (key, value) = segment.split_once('=').unwrap_or((segment, ""));
        (
            percent_decode_str(key).collect(),
            percent_decode_str(value).collect(),
        )
    })
}

/// A decoded query value that must be exactly 20 bytes (an info-hash or a peer id).
pub(super) fn twenty(value: &[u8], what: &'static str) -> Result<[u8; 20], TrackerError> {
    value.try_into().map_err(|_| TrackerError::Invalid(what))
}

/// A decoded query value that must be a decimal number of type `T`.
pub(super) fn number<T: std::str::FromStr>(
    value: &[u8],
    what: &'static str,
) -> Result<T, TrackerError> {
    std::str::from_utf8(value)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(TrackerError::Invalid(what))
}

/// The integer field `key` of dict `v` as a `T`, or `None` when absent; a value of another
/// type or out of `T`'s range is refused.
pub(super) fn int_field<T: TryFrom<i64>>(
    v: &Value,
    key: &'static str,
) -> Result<Option<T>, TrackerError> {
    v.get(key.as_bytes())
        .map(|field| {
            field
                .as_int()
                .and_then(|n| T::try_from(n).ok())
                .ok_or(TrackerError::Invalid(key))
        })
        .transpose()
}

/// An integer of type `T` as a bencode value (every `u16` and `u32` fits an `i64`).
pub(super) fn int(n: impl Into<i64>) -> Value {
    Value::Int(n.into())
}
