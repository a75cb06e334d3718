//! Bencode tests: canonical round trips, the strictness rules, bounds, fuzzed input.
use super::*;
use proptest::prelude::*;

fn invalid(input: &[u8]) -> WireError {
    decode(input).expect_err("input is malformed")
}

#[test]
fn values_round_trip_and_dicts_encode_with_sorted_keys() {
    let v = Value::dict([
        ("zz", Value::Int(-7)),
        ("a", Value::List(vec![Value::bytes("spam"), Value::Int(0)])),
        ("", Value::dict([("k", Value::bytes(vec![]))])),
    ]);
    let bytes = v.to_bytes();
    assert_eq!(bytes, b"d0:d1:k0:e1:al4:spami0ee2:zzi-7ee");
    assert_eq!(decode(&bytes), Ok(v));
}

#[test]
fn helpers_look_into_values_of_the_right_kind_only() {
    let v = decode(b"d1:ai3e1:bl1:xe1:c2:hie").expect("valid bencode");
    assert_eq!(v.get(b"a").and_then(Value::as_int), Some(3));
    assert_eq!(
        v.get(b"b").and_then(Value::as_list),
        Some(&[Value::bytes("x")][..])
    );
    assert_eq!(v.get(b"c").and_then(Value::as_bytes), Some(&b"hi"[..]));
    assert_eq!(v.as_dict().map(BTreeMap::len), Some(3));
    assert_eq!(v.get(b"a").and_then(Value::as_bytes), None);
    assert_eq!(v.get(b"missing"), None);
    assert_eq!(Value::Int(1).get(b"a"), None);
    assert_eq!(Value::Int(1).as_dict(), None);
    assert_eq!(Value::Int(1).as_list(), None);
    assert_eq!(Value::bytes("x").as_int(), None);
}

#[test]
fn integers_are_strict() {
    for (ok, n) in [
        (&b"i-1e"[..], -1),
        (b"i0e", 0),
        (b"i42e", 42),
        (b"i9223372036854775807e", i64::MAX),
        (b"i-9223372036854775808e", i64::MIN),
    ] {
        assert_eq!(decode(ok), Ok(Value::Int(n)));
        assert_eq!(Value::Int(n).to_bytes(), ok);
    }
    assert_eq!(invalid(b"i-0e"), WireError::Invalid("integer -0"));
    assert_eq!(
        invalid(b"i03e"),
        WireError::Invalid("integer with a leading zero")
    );
    assert_eq!(
        invalid(b"i-03e"),
        WireError::Invalid("integer with a leading zero")
    );
    assert_eq!(invalid(b"i00e"), invalid(b"i03e"));
    assert_eq!(invalid(b"ie"), WireError::Invalid("empty integer"));
    assert_eq!(invalid(b"i-e"), WireError::Invalid("empty integer"));
    for overflow in [
        &b"i9223372036854775808e"[..],
        b"i-9223372036854775809e",
        b"i99999999999999999999999999e",
    ] {
        assert_eq!(
            invalid(overflow),
            WireError::Invalid("integer overflows i64")
        );
    }
    assert_eq!(
        invalid(b"i1x"),
        WireError::Tag {
            tag: b'x',
            offset: 2
        }
    );
    assert_eq!(
        invalid(b"i+1e"),
        WireError::Tag {
            tag: b'+',
            offset: 1
        }
    );
    assert!(matches!(invalid(b"i12"), WireError::Truncated { .. }));
}

#[test]
fn string_lengths_are_checked_before_allocating() {
    assert_eq!(decode(b"0:"), Ok(Value::bytes(vec![])));
    assert_eq!(decode(b"3:a:b"), Ok(Value::bytes("a:b")));
    assert_eq!(
        invalid(b"01:a"),
        WireError::Invalid("string length with a leading zero")
    );
    assert_eq!(
        invalid(b"99999999999:"),
        WireError::Truncated {
            offset: 12,
            needed: 99_999_999_999
        }
    );
    assert_eq!(
        invalid(b"99999999999999999999999:x"),
        WireError::Invalid("string length overflows usize")
    );
    assert_eq!(
        invalid(b"3:ab"),
        WireError::Truncated {
            offset: 2,
            needed: 1
        }
    );
    assert_eq!(
        invalid(b"3ab"),
        WireError::Tag {
            tag: b'a',
            offset: 1
        }
    );
    assert_eq!(
        invalid(b"-1:a"),
        WireError::Tag {
            tag: b'-',
            offset: 0
        }
    );
}

#[test]
fn nesting_is_bounded_and_never_overflows_the_stack() {
    let nested = |n: usize| [vec![b'l'; n], vec![b'e'; n]].concat();
    assert!(decode(&nested(MAX_DEPTH)).is_ok());
    assert_eq!(
        invalid(&nested(MAX_DEPTH + 1)),
        WireError::TooLong {
            what: "nesting depth",
            len: MAX_DEPTH + 1,
            max: MAX_DEPTH
        }
    );
    assert!(matches!(
        invalid(&nested(10_000)),
        WireError::TooLong { .. }
    ));
    assert!(matches!(
        invalid(&vec![b'l'; 10_000]),
        WireError::TooLong { .. }
    ));
    let dicts = [b"d1:a".repeat(40), vec![b'e'; 40]].concat();
    assert!(matches!(invalid(&dicts), WireError::TooLong { .. }));
}

#[test]
fn dict_keys_may_be_unsorted_but_must_be_unique_strings() {
    let unsorted = decode(b"d1:bi2e1:ai1ee").expect("out-of-order keys are accepted");
    assert_eq!(unsorted.to_bytes(), b"d1:ai1e1:bi2ee");
    assert_eq!(
        invalid(b"d1:ai1e1:ai2ee"),
        WireError::Invalid("duplicate dict key")
    );
    assert_eq!(
        invalid(b"di1ei2ee"),
        WireError::Tag {
            tag: b'i',
            offset: 1
        }
    );
    assert_eq!(
        invalid(b"dl1:aei2ee"),
        WireError::Tag {
            tag: b'l',
            offset: 1
        }
    );
    assert!(matches!(
        invalid(b"d1:ae"),
        WireError::Tag { tag: b'e', .. }
    ));
}

#[test]
fn truncated_trailing_and_unknown_input_is_rejected() {
    assert_eq!(
        invalid(b""),
        WireError::Truncated {
            offset: 0,
            needed: 1
        }
    );
    assert_eq!(invalid(b"i1ei2e"), WireError::Trailing(3));
    assert_eq!(invalid(b"le "), WireError::Trailing(1));
    assert_eq!(
        invalid(b"x"),
        WireError::Tag {
            tag: b'x',
            offset: 0
        }
    );
    assert_eq!(
        invalid(b"e"),
        WireError::Tag {
            tag: b'e',
            offset: 0
        }
    );
    let full = b"d1:ad2:id3:abce1:q4:pinge";
    for cut in 0..full.len() {
        assert!(
            matches!(invalid(&full[..cut]), WireError::Truncated { .. }),
            "cut at {cut}"
        );
    }
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(Value::Int),
        proptest::collection::vec(any::<u8>(), 0..12).prop_map(Value::Bytes),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::List),
            proptest::collection::btree_map(
                proptest::collection::vec(any::<u8>(), 0..6),
                inner,
                0..6
            )
            .prop_map(Value::Dict),
        ]
    })
}

proptest! {
    #[test]
    fn encoded_values_decode_to_themselves(v in value()) {
        prop_assert_eq!(decode(&v.to_bytes()), Ok(v));
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(v) = decode(&bytes) {
            prop_assert_eq!(decode(&v.to_bytes()), Ok(v));
        }
    }

    #[test]
    fn decoding_bencode_shaped_soup_never_panics(parts in proptest::collection::vec(
        prop::sample::select(vec![&b"d"[..], b"l", b"e", b"i", b"-", b"0", b"7", b":", b"1:a", b"i0e", b"20:"]),
        0..60,
    )) {
        let bytes = parts.concat();
        if let Ok(v) = decode(&bytes) {
            prop_assert_eq!(decode(&v.to_bytes()), Ok(v));
        }
    }
}

#[test]
fn raw_value_returns_the_value_bytes_as_received_even_unsorted() {
    let input = b"d4:spami1e4:infod1:zi1e1:ai2eee";
    assert_eq!(raw_value(input, b"info"), Ok(Some(&b"d1:zi1e1:ai2ee"[..])));
    assert_eq!(raw_value(input, b"none"), Ok(None));
    assert!(raw_value(b"li1ee", b"info").is_err());
    assert!(raw_value(b"d4:infoi1e", b"info").is_err());
}
