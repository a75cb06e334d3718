use super::*;
use std::collections::BTreeSet;

use proptest::collection::vec;
use proptest::prelude::*;

#[test]
fn piece_zero_is_the_high_bit_of_byte_zero() {
    let mut b = Bitfield::new(10);
    b.set(0);
    b.set(9);
    assert_eq!(b.as_bytes(), &[0x80, 0x40]);
    assert!(b.get(0) && b.get(9) && !b.get(1));
    assert_eq!(b.count(), 2);
    assert_eq!(b.ones().collect::<Vec<_>>(), vec![0, 9]);
}

#[test]
fn out_of_range_get_is_false_and_set_is_a_no_op() {
    let mut b = Bitfield::new(3);
    b.set(3);
    b.set(100);
    assert_eq!(b, Bitfield::new(3));
    assert!(!b.get(3) && !b.get(usize::MAX));
}

#[test]
fn full_clears_spare_bits_and_is_full() {
    let f = Bitfield::full(10);
    assert_eq!(f.as_bytes(), &[0xff, 0xc0]);
    assert!(f.is_full());
    assert_eq!(Bitfield::full(16).as_bytes(), &[0xff, 0xff]);
    assert!(!Bitfield::new(1).is_full());
    let empty = Bitfield::new(0);
    assert!(empty.is_empty() && empty.is_full() && empty.as_bytes().is_empty());
}

#[test]
fn from_bytes_rejects_wrong_length_and_set_spare_bits() {
    assert!(Bitfield::from_bytes(&[0xff], 10).is_err());
    assert!(Bitfield::from_bytes(&[0xff, 0xc0, 0], 10).is_err());
    assert!(Bitfield::from_bytes(&[0xff, 0xe0], 10).is_err());
    assert!(Bitfield::from_bytes(&[0x01], 7).is_err());
    assert_eq!(
        Bitfield::from_bytes(&[0xff, 0xc0], 10),
        Ok(Bitfield::full(10))
    );
    assert_eq!(Bitfield::from_bytes(&[], 0), Ok(Bitfield::new(0)));
}

proptest! {
    #[test]
    fn set_bits_round_trip_through_bytes_and_ones(
        len in 0usize..100,
        picks in vec(0usize..120, 0..40),
    ) {
        let mut b = Bitfield::new(len);
        for &i in &picks {
            b.set(i);
        }
        let expected: BTreeSet<usize> = picks.iter().copied().filter(|&i| i < len).collect();
        let expected: Vec<usize> = expected.into_iter().collect();
        prop_assert_eq!(b.ones().collect::<Vec<_>>(), expected.clone());
        prop_assert_eq!(b.count(), expected.len());
        prop_assert_eq!(b.is_full(), expected.len() == len);
        prop_assert_eq!(Bitfield::from_bytes(b.as_bytes(), len), Ok(b.clone()));
    }

    #[test]
    fn from_bytes_accepts_exactly_the_right_length_with_zero_spare_bits(
        bytes in vec(any::<u8>(), 0..6),
        len in 0usize..50,
    ) {
        let spare_zero = (len..bytes.len() * 8).all(|i| bytes[i / 8] & (0x80 >> (i % 8)) == 0);
        let valid = bytes.len() == len.div_ceil(8) && spare_zero;
        let parsed = Bitfield::from_bytes(&bytes, len);
        prop_assert_eq!(parsed.is_ok(), valid);
        if let Ok(b) = parsed {
            prop_assert_eq!(b.as_bytes(), &bytes[..]);
        }
    }
}
