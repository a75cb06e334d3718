//! A mutation fuzzer for the peer wire decoders, shared by `examples/fuzz_wire.rs` and a
//! unit test.
//!
//! Inputs are random bytes, random bodies behind a correct length prefix, runs of valid
//! frames, and valid frames with a few bit flips, byte insertions and deletions, splices,
//! chunk copies, truncations and length-prefix tweaks. Every input goes through
//! [`Frame::decode`], and whatever decodes must re-encode to the same bytes (an
//! [`Message::Unknown`] re-encodes without its skipped body, to a frame that decodes to
//! it). Every input also goes, behind a handshake unless it starts with one, through a
//! [`FrameDecoder`] twice: pushed whole and pushed in random pieces, which must yield the
//! same frames and the same error. Nothing is caught: a panic or a failed check ends the run.

use super::{BlockRef, Frame, FrameDecoder, Handshake, Message, HEADER, MAX_FRAME};
use crate::metainfo::BLOCK_LEN;
use node_core::mutate::pick;
pub use node_core::mutate::Tally;
use node_core::{Rng, Wire, WireError};

/// Feed `n` inputs drawn from `seed` through the decoders.
pub fn run(n: u64, seed: u64) -> Tally {
    let mut rng = Rng::seed(seed);
    let corpus = corpus(&mut rng);
    let mut input = Vec::new();
    let mut again = Vec::new();
    let mut tally = Tally::default();
    for _ in 0..n {
        generate(&mut rng, &corpus, &mut input);
        tally.inputs += 1;
        match Frame::decode(&input) {
            Ok(frame) => {
                again.clear();
                frame.encode(&mut again);
                assert_eq!(frame.encoded_len(), again.len());
                if let Frame::Message(Message::Unknown(_)) = frame {
                    assert_eq!(Frame::decode(&again).as_ref(), Ok(&frame));
                } else {
                    assert_eq!(again, input, "{frame:?} re-encoded differently");
                }
                tally.decoded += 1;
            }
            Err(_) => tally.rejected += 1,
        }
        check_stream(&mut rng, &input);
    }
    tally
}

/// Push `input` (behind a handshake unless it starts with one) into a [`FrameDecoder`]
/// whole and in random pieces: the frames and the error, if any, must agree.
fn check_stream(rng: &mut Rng, input: &[u8]) {
    let mut stream = Vec::new();
    if input.first() != HEADER.first() {
        Frame::Handshake(Handshake::new([1; 20], [2; 20], true)).encode(&mut stream);
    }
    stream.extend_from_slice(input);

    let mut whole = FrameDecoder::new();
    whole.push(&stream);
    let mut expected = Vec::new();
    let expected_end = drain(&mut whole, &mut expected);

    let mut split = FrameDecoder::new();
    let mut frames = Vec::new();
    let mut end = Ok(());
    let mut rest = stream.as_slice();
    while !rest.is_empty() && end.is_ok() {
        let cut = 1 + rng.below(rest.len() as u64) as usize;
        let (piece, after) = rest.split_at(cut.min(rest.len()));
        split.push(piece);
        rest = after;
        end = drain(&mut split, &mut frames);
    }
    assert_eq!(frames, expected, "split pushes changed the frames");
    assert_eq!(end, expected_end, "split pushes changed the outcome");
    if end.is_ok() {
        assert_eq!(split.buffered(), whole.buffered());
    }
    let mut bytes = Vec::new();
    for frame in frames {
        bytes.clear();
        frame.encode(&mut bytes);
        assert_eq!(Frame::decode(&bytes), Ok(frame));
    }
}

/// Take frames from `decoder` into `frames` until it needs more bytes or fails.
fn drain(decoder: &mut FrameDecoder, frames: &mut Vec<Frame>) -> Result<(), WireError> {
    while let Some(frame) = decoder.next_frame()? {
        frames.push(frame);
    }
    Ok(())
}

/// Two handshakes, one whole-size block, and 64 random messages, encoded.
fn corpus(rng: &mut Rng) -> Vec<Vec<u8>> {
    let mut frames = vec![
        Frame::Handshake(Handshake::new([0xab; 20], *b"-XX0001-abcdefghijkl", true)),
        Frame::Handshake(Handshake::new([7; 20], [9; 20], false)),
        Frame::Message(Message::Piece {
            piece: 3,
            begin: BLOCK_LEN,
            data: vec![0x5a; BLOCK_LEN as usize],
        }),
    ];
    frames.extend((0..64).map(|_| Frame::Message(message(rng))));
    frames
        .iter()
        .map(|f| {
            let mut out = Vec::new();
            f.encode(&mut out);
            out
        })
        .collect()
}

/// One input into `out`.
fn generate(rng: &mut Rng, corpus: &[Vec<u8>], out: &mut Vec<u8>) {
    out.clear();
    match rng.below(10) {
        0 => {
            out.resize(rng.below(100) as usize, 0);
            rng.fill(out);
        }
        1 => {
            let mut body = vec![0; rng.below(20) as usize];
            rng.fill(&mut body);
            if let Some(id) = body.first_mut() {
                *id = rng.below(22) as u8;
            }
            out.extend_from_slice(&(body.len() as u32).to_be_bytes());
            out.extend_from_slice(&body);
        }
        2 => {
            for _ in 0..2 + rng.below(3) {
                out.extend_from_slice(pick(rng, corpus));
            }
        }
        _ => {
            out.extend_from_slice(pick(rng, corpus));
            // One mutation, a second with probability 1/2, ..., at most four.
            for _ in 0..=rng.next_u64().trailing_ones().min(3) {
                mutate(rng, corpus, out);
            }
        }
    }
}

/// Bytes that steer the decoders: message ids, the protocol string's length, extremes.
const INTERESTING: [u8; 10] = [0, 1, 4, 5, 7, 9, 19, 20, 0x7f, 0xff];

/// Apply one random mutation to `out`.
fn mutate(rng: &mut Rng, corpus: &[Vec<u8>], out: &mut Vec<u8>) {
    node_core::mutate::mutate(rng, corpus, out, &INTERESTING, |rng, out| {
        tweak_length(rng, out)
    });
}

/// Overwrite the length prefix (or 4 bytes elsewhere) with a nearby, limit or extreme
/// length.
fn tweak_length(rng: &mut Rng, out: &mut [u8]) {
    let at = if rng.below(2) == 0 {
        0
    } else {
        rng.below(out.len() as u64 + 1) as usize
    };
    let Some(field) = out.get_mut(at..at + 4) else {
        return;
    };
    let mut b = [0u8; 4];
    b.copy_from_slice(field);
    let old = u32::from_be_bytes(b);
    let max = MAX_FRAME as u32;
    let new = match rng.below(7) {
        0 => old.wrapping_add(1),
        1 => old.wrapping_sub(1),
        2 => 0,
        3 => rng.below(20) as u32,
        4 => max,
        5 => max + 1,
        _ => u32::MAX,
    };
    field.copy_from_slice(&new.to_be_bytes());
}

/// A random message of any kind, with short random fields.
fn message(rng: &mut Rng) -> Message {
    match rng.below(12) {
        0 => Message::KeepAlive,
        1 => Message::Choke,
        2 => Message::Unchoke,
        3 => Message::Interested,
        4 => Message::NotInterested,
        5 => Message::Have(rng.next_u64() as u32),
        6 => Message::Bitfield(bytes(rng, 40)),
        7 => Message::Request(block(rng)),
        8 => Message::Piece {
            piece: rng.next_u64() as u32,
            begin: rng.next_u64() as u32,
            data: bytes(rng, 64),
        },
        9 => Message::Cancel(block(rng)),
        10 => Message::Port(rng.next_u64() as u16),
        _ => Message::Unknown(10 + rng.below(246) as u8),
    }
}

fn block(rng: &mut Rng) -> BlockRef {
    BlockRef {
        piece: rng.below(1 << 20) as u32,
        begin: rng.below(64) as u32 * BLOCK_LEN,
        len: BLOCK_LEN,
    }
}

/// Up to `max` random bytes.
fn bytes(rng: &mut Rng, max: u64) -> Vec<u8> {
    let mut b = vec![0; rng.below(max + 1) as usize];
    rng.fill(&mut b);
    b
}
