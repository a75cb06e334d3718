//! Bencode (BEP 3): the value model, a bounded decoder and a canonical encoder.
//!
//! The decoder takes input of any length but checks every length prefix against the bytes
//! left before it allocates, and nests at most [`MAX_DEPTH`] lists and dicts. It is strict
//! about numbers: no leading zeros (`i03e`, and `01:` in a length prefix), no `i-0e`, no
//! empty `ie`, nothing outside `i64`. Dict keys must be byte strings; they may come in any
//! order (some clients are sloppy about sorting) but must not repeat.

use node_core::WireError;
use std::collections::BTreeMap;

/// Deepest nesting of lists and dicts the decoder accepts (a top-level list is depth 1).
pub const MAX_DEPTH: usize = 32;

/// A bencoded value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// `i<decimal>e`.
    Int(i64),
    /// `<length>:<bytes>`.
    Bytes(Vec<u8>),
    /// `l<values>e`.
    List(Vec<Value>),
    /// `d<key><value>...e`; a `BTreeMap` keeps keys sorted, so encoding is canonical.
    Dict(BTreeMap<Vec<u8>, Value>),
}

impl Value {
    /// A byte string.
    pub fn bytes(b: impl Into<Vec<u8>>) -> Value {
        Value::Bytes(b.into())
    }

    /// A dict from `(key, value)` pairs; a later duplicate key replaces an earlier one.
    pub fn dict<K: Into<Vec<u8>>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Dict(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The value under `key`, if `self` is a dict that has it.
    pub fn get(&self, key: &[u8]) -> Option<&Value> {
        self.as_dict().and_then(|d| d.get(key))
    }

    /// The bytes, if `self` is a byte string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The number, if `self` is an integer.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }

    /// The items, if `self` is a list.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// The entries, if `self` is a dict.
    pub fn as_dict(&self) -> Option<&BTreeMap<Vec<u8>, Value>> {
        match self {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }

    /// Append the canonical encoding of `self` to `out` (dict keys in sorted order).
    /// A value nested deeper than [`MAX_DEPTH`] encodes, but [`decode`] will refuse it.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Value::Int(n) => {
                out.push(b'i');
                out.extend_from_slice(n.to_string().as_bytes());
                out.push(b'e');
            }
            Value::Bytes(b) => put_bytes(out, b),
            Value::List(items) => {
                out.push(b'l');
                for item in items {
                    item.encode(out);
                }
                out.push(b'e');
            }
            Value::Dict(entries) => {
                out.push(b'd');
                for (k, v) in entries {
                    put_bytes(out, k);
                    v.encode(out);
                }
                out.push(b'e');
            }
        }
    }

    /// The canonical encoding of `self`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(b.len().to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(b);
}

/// Decode `bytes`, which must hold exactly one value; never panics.
pub fn decode(bytes: &[u8]) -> Result<Value, WireError> {
    let mut p = Parser { bytes, pos: 0 };
    let value = p.value(0)?;
    match p.rest().len() {
        0 => Ok(value),
        n => Err(WireError::Trailing(n)),
    }
}

/// The exact bytes of the value under `key` in the top-level dict `bytes`, as received (a
/// torrent's info-hash is the SHA-1 of its `info` value's own bytes, whatever order or
/// encoding the maker used). `Ok(None)` when the dict lacks `key`; the whole input is
/// checked as [`decode`] checks it.
pub fn raw_value<'a>(bytes: &'a [u8], key: &[u8]) -> Result<Option<&'a [u8]>, WireError> {
    decode(bytes)?
        .as_dict()
        .ok_or(WireError::Invalid("not a dict"))?;
    let mut p = Parser { bytes, pos: 1 };
    while p.peek()? != b'e' {
        let k = p.string()?;
        let start = p.pos;
        p.value(1)?;
        if k == key {
            return Ok(bytes.get(start..p.pos));
        }
    }
    Ok(None)
}

/// A cursor over the input; `pos` never passes `bytes.len()`.
struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.pos..).unwrap_or_default()
    }

    fn peek(&self) -> Result<u8, WireError> {
        self.rest().first().copied().ok_or(WireError::Truncated {
            offset: self.pos,
            needed: 1,
        })
    }

    /// Consume `want` or fail on whatever is there instead.
    fn expect(&mut self, want: u8) -> Result<(), WireError> {
        match self.peek()? {
            b if b == want => {
                self.pos += 1;
                Ok(())
            }
            tag => Err(WireError::Tag {
                tag,
                offset: self.pos,
            }),
        }
    }

    /// Consume and return a (possibly empty) run of ASCII digits.
    fn digits(&mut self) -> &'a [u8] {
        let rest = self.rest();
        let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        self.pos += n;
        rest.get(..n).unwrap_or_default()
    }

    /// One value whose enclosing lists and dicts number `depth`.
    fn value(&mut self, depth: usize) -> Result<Value, WireError> {
        let tag = self.peek()?;
        match tag {
            b'i' => {
                self.pos += 1;
                self.int().map(Value::Int)
            }
            b'0'..=b'9' => self.string().map(|b| Value::Bytes(b.to_vec())),
            b'l' | b'd' if depth >= MAX_DEPTH => Err(WireError::TooLong {
                what: "nesting depth",
                len: depth + 1,
                max: MAX_DEPTH,
            }),
            b'l' => {
                self.pos += 1;
                let mut items = Vec::new();
                while self.peek()? != b'e' {
                    items.push(self.value(depth + 1)?);
                }
                self.pos += 1;
                Ok(Value::List(items))
            }
            b'd' => {
                self.pos += 1;
                let mut entries = BTreeMap::new();
                while self.peek()? != b'e' {
                    let key = self.string()?;
                    let value = self.value(depth + 1)?;
                    if entries.insert(key.to_vec(), value).is_some() {
                        return Err(WireError::Invalid("duplicate dict key"));
                    }
                }
                self.pos += 1;
                Ok(Value::Dict(entries))
            }
            tag => Err(WireError::Tag {
                tag,
                offset: self.pos,
            }),
        }
    }

    /// The body of an integer, after its `i`, through its `e`.
    fn int(&mut self) -> Result<i64, WireError> {
        let negative = self.peek()? == b'-';
        if negative {
            self.pos += 1;
        }
        let digits = self.digits();
        self.expect(b'e')?;
        let magnitude = match digits {
            [] => Err(WireError::Invalid("empty integer")),
            [b'0', _, ..] => Err(WireError::Invalid("integer with a leading zero")),
            _ => decimal(digits).ok_or(WireError::Invalid("integer overflows i64")),
        }?;
        let n = if negative {
            if magnitude == 0 {
                return Err(WireError::Invalid("integer -0"));
            }
            0i64.checked_sub_unsigned(magnitude)
        } else {
            i64::try_from(magnitude).ok()
        };
        n.ok_or(WireError::Invalid("integer overflows i64"))
    }

    /// A byte string: length prefix, `:`, that many bytes (checked before anything is copied).
    fn string(&mut self) -> Result<&'a [u8], WireError> {
        let at = self.pos;
        let digits = self.digits();
        if digits.is_empty() {
            let tag = self.peek()?;
            return Err(WireError::Tag { tag, offset: at });
        }
        self.expect(b':')?;
        if let [b'0', _, ..] = digits {
            return Err(WireError::Invalid("string length with a leading zero"));
        }
        let len = decimal(digits)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or(WireError::Invalid("string length overflows usize"))?;
        let rest = self.rest();
        match rest.get(..len) {
            Some(b) => {
                self.pos += len;
                Ok(b)
            }
            None => Err(WireError::Truncated {
                offset: self.pos,
                needed: len - rest.len(),
            }),
        }
    }
}

/// A run of ASCII digits as a number, unless it overflows a `u64`.
fn decimal(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |n, d| {
        n.checked_mul(10)?
            .checked_add(u64::from(d.wrapping_sub(b'0')))
    })
}

#[cfg(test)]
mod tests;
