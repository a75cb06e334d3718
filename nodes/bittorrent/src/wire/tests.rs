use super::*;
use proptest::prelude::*;

fn encode(frame: &Frame) -> Vec<u8> {
    let mut out = Vec::new();
    frame.encode(&mut out);
    out
}

fn handshake() -> Handshake {
    Handshake::new([0xaa; 20], *b"-BT0001-123456789012", true)
}

/// A decoder that has already taken a handshake.
fn past_handshake() -> FrameDecoder {
    let mut d = FrameDecoder::new();
    d.push(&encode(&Frame::Handshake(handshake())));
    assert_eq!(d.next_frame(), Ok(Some(Frame::Handshake(handshake()))));
    d
}

fn all_frames(d: &mut FrameDecoder) -> Result<Vec<Frame>, WireError> {
    let mut frames = Vec::new();
    while let Some(f) = d.next_frame()? {
        frames.push(f);
    }
    Ok(frames)
}

fn block_ref() -> impl Strategy<Value = BlockRef> {
    (any::<u32>(), any::<u32>(), any::<u32>()).prop_map(|(piece, begin, len)| BlockRef {
        piece,
        begin,
        len,
    })
}

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        Just(Message::KeepAlive),
        Just(Message::Choke),
        Just(Message::Unchoke),
        Just(Message::Interested),
        Just(Message::NotInterested),
        any::<u32>().prop_map(Message::Have),
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(Message::Bitfield),
        block_ref().prop_map(Message::Request),
        (
            any::<u32>(),
            any::<u32>(),
            proptest::collection::vec(any::<u8>(), 0..300)
        )
            .prop_map(|(piece, begin, data)| Message::Piece { piece, begin, data }),
        block_ref().prop_map(Message::Cancel),
        any::<u16>().prop_map(Message::Port),
        (10u8..=255).prop_map(Message::Unknown),
    ]
}

#[test]
fn handshake_bytes_match_bep3_byte_for_byte() {
    let hs = Handshake::new([0x11; 20], *b"-XX0001-abcdefghijkl", true);
    let expected: Vec<u8> = [
        &[19u8][..],
        b"BitTorrent protocol",
        &[0, 0, 0, 0, 0, 0, 0, 1],
        &[0x11; 20],
        b"-XX0001-abcdefghijkl",
    ]
    .concat();
    let bytes = encode(&Frame::Handshake(hs));
    assert_eq!(bytes, expected);
    assert_eq!(bytes.len(), HANDSHAKE_LEN);
    assert_eq!(Frame::decode(&bytes), Ok(Frame::Handshake(hs)));
    assert!(hs.dht());
    assert!(!Handshake::new([0; 20], [0; 20], false).dht());
}

#[test]
fn messages_encode_as_bep3_lays_them_out() {
    let request = BlockRef {
        piece: 1,
        begin: 0x4000,
        len: 0x4000,
    };
    let cases: [(Message, &[u8]); 6] = [
        (Message::KeepAlive, &[0, 0, 0, 0]),
        (Message::Interested, &[0, 0, 0, 1, 2]),
        (Message::Have(0x0102_0304), &[0, 0, 0, 5, 4, 1, 2, 3, 4]),
        (
            Message::Request(request),
            &[0, 0, 0, 13, 6, 0, 0, 0, 1, 0, 0, 0x40, 0, 0, 0, 0x40, 0],
        ),
        (
            Message::Piece {
                piece: 2,
                begin: 3,
                data: vec![0xee, 0xff],
            },
            &[0, 0, 0, 11, 7, 0, 0, 0, 2, 0, 0, 0, 3, 0xee, 0xff],
        ),
        (Message::Port(6881), &[0, 0, 0, 3, 9, 0x1a, 0xe1]),
    ];
    for (msg, bytes) in cases {
        assert_eq!(encode(&Frame::Message(msg.clone())), bytes, "{msg:?}");
        assert_eq!(Frame::decode(bytes), Ok(Frame::Message(msg)));
    }
}

#[test]
fn keep_alive_is_a_zero_length_frame() {
    assert_eq!(
        Frame::decode(&[0, 0, 0, 0]),
        Ok(Frame::Message(Message::KeepAlive))
    );
    let mut d = past_handshake();
    d.push(&[0, 0, 0, 0, 0, 0, 0, 0]);
    let keep_alive = Frame::Message(Message::KeepAlive);
    assert_eq!(all_frames(&mut d), Ok(vec![keep_alive.clone(), keep_alive]));
    assert_eq!(d.buffered(), 0);
}

#[test]
fn frame_split_into_one_byte_pushes_decodes_identically() {
    let frames = vec![
        Frame::Handshake(handshake()),
        Frame::Message(Message::Bitfield(vec![0xf0, 0x0f])),
        Frame::Message(Message::Unchoke),
        Frame::Message(Message::Piece {
            piece: 9,
            begin: 0,
            data: (0..=255).collect(),
        }),
        Frame::Message(Message::KeepAlive),
    ];
    let stream: Vec<u8> = frames.iter().flat_map(encode).collect();
    let mut d = FrameDecoder::new();
    let mut got = Vec::new();
    for b in &stream {
        d.push(&[*b]);
        got.extend(all_frames(&mut d).expect("valid stream"));
    }
    assert_eq!(got, frames);
    assert_eq!(d.buffered(), 0);
}

#[test]
fn over_long_length_prefix_errors_before_the_body_arrives() {
    let too_long = (MAX_FRAME as u32 + 1).to_be_bytes();
    let mut d = past_handshake();
    d.push(&too_long);
    assert_eq!(d.buffered(), 4);
    assert!(matches!(
        d.next_frame(),
        Err(WireError::TooLong { len, max: MAX_FRAME, .. }) if len == MAX_FRAME + 1
    ));
    assert!(matches!(
        Frame::decode(&too_long),
        Err(WireError::TooLong { .. })
    ));
    let mut longest = past_handshake();
    longest.push(&(MAX_FRAME as u32).to_be_bytes());
    assert_eq!(longest.next_frame(), Ok(None));
}

#[test]
fn wrong_fixed_lengths_are_errors() {
    let bad: [&[u8]; 6] = [
        &[0, 0, 0, 4, 4, 0, 0, 1],                                // have, 3 bytes
        &[0, 0, 0, 12, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],       // request, 11 bytes
        &[0, 0, 0, 2, 1, 0],                                      // unchoke with a body
        &[0, 0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0],                    // piece without a whole begin
        &[0, 0, 0, 2, 9, 1],                                      // port, 1 byte
        &[0, 0, 0, 14, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], // cancel, 13 bytes
    ];
    for bytes in bad {
        assert_eq!(
            Frame::decode(bytes),
            Err(WireError::Invalid("message length"))
        );
        let mut d = past_handshake();
        d.push(bytes);
        assert_eq!(d.next_frame(), Err(WireError::Invalid("message length")));
    }
}

#[test]
fn unknown_ids_are_decoded_with_their_body_skipped() {
    let mut d = past_handshake();
    d.push(&[0, 0, 0, 4, 20, 0xde, 0xad, 0xbe, 0, 0, 0, 1, 14]);
    assert_eq!(
        all_frames(&mut d),
        Ok(vec![
            Frame::Message(Message::Unknown(20)),
            Frame::Message(Message::Unknown(14)),
        ])
    );
    assert_eq!(Frame::Message(Message::Unknown(20)).label(), "unknown");
}

#[test]
fn whole_frame_decode_refuses_trailing_and_missing_bytes() {
    let mut bytes = encode(&Frame::Message(Message::Have(7)));
    bytes.push(0);
    assert_eq!(Frame::decode(&bytes), Err(WireError::Trailing(1)));
    assert!(matches!(
        Frame::decode(&bytes[..6]),
        Err(WireError::Truncated { .. })
    ));
    let hs = encode(&Frame::Handshake(handshake()));
    assert!(matches!(
        Frame::decode(&hs[..67]),
        Err(WireError::Truncated { .. })
    ));
    assert_eq!(
        Frame::decode(&[hs.as_slice(), &[0]].concat()),
        Err(WireError::Trailing(1))
    );
}

#[test]
fn stream_not_opening_with_the_protocol_string_fails_at_the_first_wrong_byte() {
    let mut d = FrameDecoder::new();
    d.push(&[19, b'B', b'i', b't']);
    assert_eq!(d.next_frame(), Ok(None));
    d.push(b"X");
    assert_eq!(d.next_frame(), Err(WireError::Invalid("protocol string")));
    let mut messages_first = FrameDecoder::new();
    messages_first.push(&[0, 0, 0, 0]);
    assert_eq!(
        messages_first.next_frame(),
        Err(WireError::Invalid("protocol string"))
    );
}

#[test]
fn labels_name_every_frame_type() {
    let labels: Vec<&str> = [
        Frame::Handshake(handshake()),
        Frame::Message(Message::KeepAlive),
        Frame::Message(Message::Choke),
        Frame::Message(Message::NotInterested),
        Frame::Message(Message::Cancel(BlockRef {
            piece: 0,
            begin: 0,
            len: 1,
        })),
    ]
    .iter()
    .map(Wire::label)
    .collect();
    assert_eq!(
        labels,
        [
            "handshake",
            "keep_alive",
            "choke",
            "not_interested",
            "cancel"
        ]
    );
}

#[test]
fn fuzzing_20k_inputs_never_panics_and_decoded_frames_re_encode_exactly() {
    let tally = fuzz::run(20_000, 7);
    assert_eq!(tally.inputs, 20_000);
    assert_eq!(tally.decoded + tally.rejected, tally.inputs);
    assert!(tally.decoded > 1_000, "{tally:?}");
    assert!(tally.rejected > 1_000, "{tally:?}");
}

proptest! {
    #[test]
    fn every_message_round_trips_and_encoded_len_is_exact(msg in message()) {
        let frame = Frame::Message(msg);
        let bytes = encode(&frame);
        prop_assert_eq!(frame.encoded_len(), bytes.len());
        prop_assert_eq!(Frame::decode(&bytes), Ok(frame.clone()));
        let mut d = past_handshake();
        d.push(&bytes);
        prop_assert_eq!(all_frames(&mut d), Ok(vec![frame]));
    }

    #[test]
    fn any_split_of_a_stream_yields_the_same_frames(
        msgs in proptest::collection::vec(message(), 0..8),
        cuts in proptest::collection::vec(any::<usize>(), 0..10),
    ) {
        let mut frames = vec![Frame::Handshake(handshake())];
        frames.extend(msgs.into_iter().map(Frame::Message));
        let stream: Vec<u8> = frames.iter().flat_map(encode).collect();
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (stream.len() + 1)).collect();
        cuts.push(stream.len());
        cuts.sort_unstable();
        let mut d = FrameDecoder::new();
        let mut got = Vec::new();
        let mut from = 0;
        for cut in cuts {
            d.push(&stream[from..cut]);
            from = cut;
            got.extend(all_frames(&mut d).expect("valid stream"));
        }
        prop_assert_eq!(got, frames);
        prop_assert_eq!(d.buffered(), 0);
    }

    #[test]
    fn random_bytes_never_panic_and_whatever_decodes_re_encodes_exactly(
        bytes in proptest::collection::vec(any::<u8>(), 0..100),
    ) {
        if let Ok(frame) = Frame::decode(&bytes) {
            if !matches!(frame, Frame::Message(Message::Unknown(_))) {
                prop_assert_eq!(encode(&frame), bytes.clone());
            }
        }
        let mut d = past_handshake();
        d.push(&bytes);
        let _ = all_frames(&mut d);
    }
}
