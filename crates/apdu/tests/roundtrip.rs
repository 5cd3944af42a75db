//! Property tests: every command encodes and decodes to itself, in every mode it fits.

use apdu::{Command, LengthMode, Tag, Tlv};
use proptest::prelude::*;

fn command() -> impl Strategy<Value = Command> {
    (
        any::<[u8; 4]>(),
        prop_oneof![
            Just(0usize),
            1usize..=255,
            256usize..=600,
            Just(65_535usize)
        ],
        prop_oneof![
            Just(None),
            (1u32..=256).prop_map(Some),
            (257u32..=65_536).prop_map(Some),
            Just(Some(65_536))
        ],
    )
        .prop_map(|([cla, ins, p1, p2], nc, le)| {
            let mut cmd = Command::new(cla, ins, p1, p2).with_data(vec![0x5A; nc]);
            if let Some(le) = le {
                cmd = cmd.with_le(le);
            }
            cmd
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn commands_round_trip_in_their_shortest_mode(cmd in command()) {
        let bytes = cmd.to_bytes().unwrap();
        let (back, mode) = Command::parse(&bytes).unwrap();
        prop_assert_eq!(mode, cmd.required_length_mode());
        prop_assert_eq!(back, cmd);
    }

    #[test]
    fn commands_round_trip_in_extended_mode(cmd in command()) {
        let bytes = cmd.to_bytes_with(LengthMode::Extended).unwrap();
        let (back, mode) = Command::parse(&bytes).unwrap();
        // A case-1 command has no length field, so it reads back as short.
        if cmd.data().is_empty() && cmd.le().is_none() {
            prop_assert_eq!(mode, LengthMode::Short);
        } else {
            prop_assert_eq!(mode, LengthMode::Extended);
        }
        prop_assert_eq!(back, cmd);
    }

    #[test]
    fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Command::parse(&bytes);
        let _ = apdu::Response::parse(&bytes);
        for item in apdu::TlvIter::new(&bytes) { let _ = item; }
    }

    #[test]
    fn tlv_round_trips(tag in prop_oneof![1u32..=0x1E, 0x1F1Fu32..=0x1F7F, 0xDF01u32..=0xDF7F, 0xFF20u32..=0xFF2F],
                       value in proptest::collection::vec(any::<u8>(), 0..400)) {
        let tag = Tag::new(tag).unwrap();
        let mut out = Vec::new();
        apdu::tlv::write_tlv(&mut out, tag, &value);
        let (tlv, rest) = Tlv::parse(&out).unwrap();
        prop_assert!(rest.is_empty());
        prop_assert_eq!(tlv.tag, tag);
        prop_assert_eq!(tlv.value, &value[..]);
    }
}
