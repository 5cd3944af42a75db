//! Command APDUs: the four ISO/IEC 7816-4 cases in short and extended form.

use crate::Error;

/// The largest `Nc` (command data length) an APDU can carry (extended length).
pub const MAX_DATA_EXTENDED: usize = 65_535;
/// The largest `Nc` of a short APDU.
pub const MAX_DATA_SHORT: usize = 255;
/// The largest `Ne` (expected response length) of an extended APDU, encoded `00 00`.
pub const MAX_LE_EXTENDED: u32 = 65_536;
/// The largest `Ne` of a short APDU, encoded `00`.
pub const MAX_LE_SHORT: u32 = 256;

/// How the length fields of a command are encoded (ISO/IEC 7816-4 §5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LengthMode {
    /// One-byte Lc and Le: `Nc` ≤ 255, `Ne` ≤ 256.
    Short,
    /// Three-byte Lc (`00 xx xx`) and two- or three-byte Le: `Nc` ≤ 65 535, `Ne` ≤ 65 536.
    Extended,
}

/// The four command cases of ISO/IEC 7816-4 §5.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Case {
    /// No command data, no response data expected.
    Case1,
    /// No command data, response data expected (Le present).
    Case2,
    /// Command data, no response data expected (Lc present).
    Case3,
    /// Command data and response data (Lc and Le present).
    Case4,
}

/// A command APDU.
///
/// ```text
/// Command APDU ::= CLA INS P1 P2 [Lc field, command data field] [Le field]   (ISO/IEC 7816-4 §5.1)
/// ```
///
/// `le` is `Ne`, the number of response bytes expected (1 to 65 536), or `None` when no
/// response data is expected. The encoding (short or extended) is chosen when the command
/// is serialised.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Command {
    /// Class byte.
    pub cla: u8,
    /// Instruction byte.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    data: Vec<u8>,
    le: Option<u32>,
}

impl core::fmt::Debug for Command {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Command data may be a PIN: Debug shows only its length for the PIN commands.
        let mut s = f.debug_struct("Command");
        s.field(
            "header",
            &format_args!(
                "{:02X} {:02X} {:02X} {:02X}",
                self.cla, self.ins, self.p1, self.p2
            ),
        );
        if crate::trace::carries_secret(self.ins) {
            s.field(
                "data",
                &format_args!("<{} bytes redacted>", self.data.len()),
            );
        } else {
            s.field("data", &crate::trace::HexBytes(&self.data));
        }
        s.field("le", &self.le).finish()
    }
}

impl Command {
    /// A case 1 command (header only).
    pub const fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Self {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            le: None,
        }
    }

    /// Sets the command data (`Nc` = `data.len()`); empty data means no Lc field.
    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }

    /// Sets `Ne`, the expected response length (1 to 65 536; 256 is `Le = 00` in short form).
    pub fn with_le(mut self, ne: u32) -> Self {
        self.le = Some(ne);
        self
    }

    /// Removes the Le field.
    pub fn without_le(mut self) -> Self {
        self.le = None;
        self
    }

    /// The command data.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// `Ne`, the expected response length, if any.
    pub fn le(&self) -> Option<u32> {
        self.le
    }

    /// The command case.
    pub fn case(&self) -> Case {
        match (self.data.is_empty(), self.le.is_some()) {
            (true, false) => Case::Case1,
            (true, true) => Case::Case2,
            (false, false) => Case::Case3,
            (false, true) => Case::Case4,
        }
    }

    /// The shortest length encoding this command fits in.
    pub fn required_length_mode(&self) -> LengthMode {
        let short_data = self.data.len() <= MAX_DATA_SHORT;
        let short_le = self.le.is_none_or(|le| le <= MAX_LE_SHORT);
        if short_data && short_le {
            LengthMode::Short
        } else {
            LengthMode::Extended
        }
    }

    /// Serialises in the shortest encoding.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        self.to_bytes_with(self.required_length_mode())
    }

    /// Serialises with the given length encoding.
    ///
    /// Fails with [`Error::CommandTooLong`] when the command does not fit the mode, and
    /// with [`Error::InvalidLe`] when `Ne` is 0 or above 65 536.
    pub fn to_bytes_with(&self, mode: LengthMode) -> Result<Vec<u8>, Error> {
        let nc = self.data.len();
        if let Some(le) = self.le.filter(|&le| le == 0 || le > MAX_LE_EXTENDED) {
            return Err(Error::InvalidLe(le));
        }
        let (max_nc, max_ne) = match mode {
            LengthMode::Short => (MAX_DATA_SHORT, MAX_LE_SHORT),
            LengthMode::Extended => (MAX_DATA_EXTENDED, MAX_LE_EXTENDED),
        };
        if nc > max_nc || self.le.is_some_and(|le| le > max_ne) {
            return Err(Error::CommandTooLong {
                nc,
                ne: self.le,
                mode,
            });
        }
        let mut out = Vec::with_capacity(4 + 3 + nc + 3);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        match mode {
            LengthMode::Short => {
                if nc > 0 {
                    // nc ≤ 255 checked above.
                    out.push(nc as u8);
                    out.extend_from_slice(&self.data);
                }
                if let Some(le) = self.le {
                    // 256 encodes as 00.
                    out.push((le % 256) as u8);
                }
            }
            LengthMode::Extended => {
                if nc > 0 {
                    out.push(0);
                    out.extend_from_slice(&(nc as u16).to_be_bytes());
                    out.extend_from_slice(&self.data);
                }
                if let Some(le) = self.le {
                    if nc == 0 {
                        // Case 2E: the extended Le field is 00 Le1 Le2.
                        out.push(0);
                    }
                    // 65 536 encodes as 00 00.
                    out.extend_from_slice(&((le % 65_536) as u16).to_be_bytes());
                }
            }
        }
        Ok(out)
    }

    /// Parses a serialised command, as a card does, returning it with the length
    /// encoding it used.
    ///
    /// Every byte must be accounted for: a length field that disagrees with the number of
    /// bytes present is [`Error::MalformedCommand`] naming what was wrong.
    pub fn parse(bytes: &[u8]) -> Result<(Self, LengthMode), Error> {
        use crate::Error::MalformedCommand as Bad;
        let (header, body) = bytes
            .split_at_checked(4)
            .ok_or(Bad("shorter than the 4-byte header"))?;
        let [cla, ins, p1, p2] = <[u8; 4]>::try_from(header).map_err(|_| Bad("header"))?;
        let mut cmd = Self::new(cla, ins, p1, p2);
        let short_le = |b: u8| if b == 0 { 256 } else { u32::from(b) };
        let ext_le = |hi: u8, lo: u8| match u16::from_be_bytes([hi, lo]) {
            0 => 65_536,
            n => u32::from(n),
        };
        match body {
            // Case 1.
            [] => Ok((cmd, LengthMode::Short)),
            // Case 2S.
            [le] => Ok((cmd.with_le(short_le(*le)), LengthMode::Short)),
            // Extended forms start with a 00 byte and have at least 3 length bytes.
            [0, hi, lo, rest @ ..] => {
                let n = u16::from_be_bytes([*hi, *lo]);
                if rest.is_empty() {
                    // Case 2E: 00 Le1 Le2.
                    return Ok((cmd.with_le(ext_le(*hi, *lo)), LengthMode::Extended));
                }
                if n == 0 {
                    return Err(Bad("extended Lc of zero"));
                }
                let nc = usize::from(n);
                match rest.len().checked_sub(nc) {
                    Some(0) => {
                        cmd.data = rest.to_vec();
                        Ok((cmd, LengthMode::Extended))
                    }
                    Some(2) => {
                        let (data, le) = rest.split_at(nc);
                        let [le_hi, le_lo] = <[u8; 2]>::try_from(le).map_err(|_| Bad("Le"))?;
                        cmd.data = data.to_vec();
                        Ok((cmd.with_le(ext_le(le_hi, le_lo)), LengthMode::Extended))
                    }
                    Some(_) => Err(Bad("extended Lc disagrees with the data length")),
                    None => Err(Bad("extended Lc is longer than the data")),
                }
            }
            [0, ..] => Err(Bad("extended length field is truncated")),
            [lc, rest @ ..] => {
                let nc = usize::from(*lc);
                match rest.len().checked_sub(nc) {
                    Some(0) => {
                        cmd.data = rest.to_vec();
                        Ok((cmd, LengthMode::Short))
                    }
                    Some(1) => {
                        let (data, le) = rest.split_at(nc);
                        cmd.data = data.to_vec();
                        let le = le.first().copied().ok_or(Bad("Le"))?;
                        Ok((cmd.with_le(short_le(le)), LengthMode::Short))
                    }
                    Some(_) => Err(Bad("short Lc disagrees with the data length")),
                    None => Err(Bad("short Lc is longer than the data")),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn select_jpki_ap_is_case_3_short() {
        let cmd =
            Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(hex("D3 92 F0 00 26 01 00 00 00 01"));
        assert_eq!(cmd.case(), Case::Case3);
        assert_eq!(
            cmd.to_bytes().unwrap(),
            hex("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01")
        );
    }

    #[test]
    fn case_1_is_the_header_alone() {
        assert_eq!(
            Command::new(0, 0x20, 0, 0x80).to_bytes().unwrap(),
            hex("00 20 00 80")
        );
    }

    #[test]
    fn le_256_is_encoded_as_zero_in_short_form() {
        let cmd = Command::new(0, 0xB0, 0, 0).with_le(256);
        assert_eq!(cmd.to_bytes().unwrap(), hex("00 B0 00 00 00"));
        assert_eq!(cmd.required_length_mode(), LengthMode::Short);
    }

    #[test]
    fn le_257_needs_extended_form_case_2e() {
        let cmd = Command::new(0, 0xB0, 0, 0).with_le(257);
        assert_eq!(cmd.to_bytes().unwrap(), hex("00 B0 00 00 00 01 01"));
    }

    #[test]
    fn le_65536_is_encoded_as_two_zero_bytes() {
        let cmd = Command::new(0, 0xB0, 0, 0).with_le(65_536);
        assert_eq!(cmd.to_bytes().unwrap(), hex("00 B0 00 00 00 00 00"));
        let cmd4 = Command::new(0, 0x2A, 0x9E, 0x9A)
            .with_data(vec![7; 3])
            .with_le(65_536);
        assert_eq!(
            cmd4.to_bytes_with(LengthMode::Extended).unwrap(),
            hex("00 2A 9E 9A 00 00 03 07 07 07 00 00")
        );
    }

    #[test]
    fn lc_255_is_short_and_lc_256_is_extended() {
        let c255 = Command::new(0, 0xD6, 0, 0).with_data(vec![0xAB; 255]);
        let b = c255.to_bytes().unwrap();
        assert_eq!(&b[..5], &hex("00 D6 00 00 FF")[..]);
        assert_eq!(b.len(), 5 + 255);

        let c256 = Command::new(0, 0xD6, 0, 0).with_data(vec![0xAB; 256]);
        let b = c256.to_bytes().unwrap();
        assert_eq!(&b[..7], &hex("00 D6 00 00 00 01 00")[..]);
        assert_eq!(b.len(), 7 + 256);
    }

    #[test]
    fn extended_with_data_and_le_256_keeps_two_byte_le() {
        // The JAHIS PSO: 256 bytes of padded block, Le 256 (docs/spec/cards.md §7).
        let cmd = Command::new(0, 0x2A, 0x9E, 0x9A)
            .with_data(vec![0; 256])
            .with_le(256);
        let b = cmd.to_bytes().unwrap();
        assert_eq!(&b[..7], &hex("00 2A 9E 9A 00 01 00")[..]);
        assert_eq!(&b[b.len() - 2..], &hex("01 00")[..]);
        assert_eq!(b.len(), 7 + 256 + 2);
    }

    #[test]
    fn extended_case_3_has_no_le() {
        let cmd = Command::new(0, 0xDA, 1, 2).with_data(vec![1, 2]);
        assert_eq!(
            cmd.to_bytes_with(LengthMode::Extended).unwrap(),
            hex("00 DA 01 02 00 00 02 01 02")
        );
    }

    #[test]
    fn extended_case_2_with_small_le() {
        let cmd = Command::new(0, 0xB0, 0, 0).with_le(5);
        assert_eq!(
            cmd.to_bytes_with(LengthMode::Extended).unwrap(),
            hex("00 B0 00 00 00 00 05")
        );
    }

    #[test]
    fn case_4_short_sign_command() {
        // docs/spec/cards.md §4: 80 2A 00 80 Lc DigestInfo 00.
        let cmd = Command::new(0x80, 0x2A, 0x00, 0x80)
            .with_data(vec![0x30; 51])
            .with_le(256);
        let b = cmd.to_bytes().unwrap();
        assert_eq!(&b[..5], &hex("80 2A 00 80 33")[..]);
        assert_eq!(b.last(), Some(&0));
        assert_eq!(b.len(), 5 + 51 + 1);
    }

    #[test]
    fn too_long_for_short_mode_is_refused() {
        let cmd = Command::new(0, 0xD6, 0, 0).with_data(vec![0; 256]);
        assert!(matches!(
            cmd.to_bytes_with(LengthMode::Short),
            Err(Error::CommandTooLong { nc: 256, .. })
        ));
        let cmd = Command::new(0, 0xD6, 0, 0).with_data(vec![0; 65_536]);
        assert!(matches!(cmd.to_bytes(), Err(Error::CommandTooLong { .. })));
    }

    #[test]
    fn le_zero_or_above_65536_is_refused() {
        assert!(matches!(
            Command::new(0, 0, 0, 0).with_le(0).to_bytes(),
            Err(Error::InvalidLe(0))
        ));
        assert!(matches!(
            Command::new(0, 0, 0, 0).with_le(65_537).to_bytes(),
            Err(Error::InvalidLe(65_537))
        ));
    }

    #[test]
    fn parse_recognises_every_case_and_mode() {
        let cases = [
            ("00 20 00 80", Case::Case1, LengthMode::Short, 0, None),
            (
                "00 B0 00 00 00",
                Case::Case2,
                LengthMode::Short,
                0,
                Some(256),
            ),
            (
                "00 B0 00 00 10",
                Case::Case2,
                LengthMode::Short,
                0,
                Some(16),
            ),
            (
                "00 A4 02 0C 02 00 0A",
                Case::Case3,
                LengthMode::Short,
                2,
                None,
            ),
            (
                "80 2A 00 80 01 AA 00",
                Case::Case4,
                LengthMode::Short,
                1,
                Some(256),
            ),
            (
                "00 B0 00 00 00 00 00",
                Case::Case2,
                LengthMode::Extended,
                0,
                Some(65_536),
            ),
            (
                "00 B0 00 00 00 01 01",
                Case::Case2,
                LengthMode::Extended,
                0,
                Some(257),
            ),
            (
                "00 DA 01 02 00 00 02 01 02",
                Case::Case3,
                LengthMode::Extended,
                2,
                None,
            ),
            (
                "00 2A 9E 9A 00 00 01 AA 01 00",
                Case::Case4,
                LengthMode::Extended,
                1,
                Some(256),
            ),
        ];
        for (bytes, case, mode, nc, le) in cases {
            let (cmd, m) = Command::parse(&hex(bytes)).unwrap();
            assert_eq!(
                (cmd.case(), m, cmd.data().len(), cmd.le()),
                (case, mode, nc, le),
                "{bytes}"
            );
            assert_eq!(
                cmd.to_bytes_with(m).unwrap(),
                hex(bytes),
                "round trip {bytes}"
            );
        }
    }

    #[test]
    fn parse_rejects_malformed_lengths_precisely() {
        let bad = [
            ("", "shorter than the 4-byte header"),
            ("00 A4 04", "shorter than the 4-byte header"),
            ("00 A4 02 0C 03 00 0A", "short Lc is longer than the data"),
            (
                "00 A4 02 0C 01 00 0A 00",
                "short Lc disagrees with the data length",
            ),
            ("00 DA 00 00 00 00", "extended length field is truncated"),
            ("00 DA 00 00 00 00 00 01", "extended Lc of zero"),
            (
                "00 DA 00 00 00 00 05 01 02",
                "extended Lc is longer than the data",
            ),
            (
                "00 DA 00 00 00 00 01 01 02",
                "extended Lc disagrees with the data length",
            ),
        ];
        for (bytes, why) in bad {
            match Command::parse(&hex(bytes)) {
                Err(Error::MalformedCommand(w)) => assert_eq!(w, why, "{bytes}"),
                other => panic!("{bytes}: {other:?}"),
            }
        }
    }

    #[test]
    fn debug_redacts_pin_data() {
        let verify = Command::new(0, 0x20, 0, 0x80).with_data(b"1234".to_vec());
        let s = format!("{verify:?}");
        assert!(s.contains("redacted"), "{s}");
        assert!(!s.contains("31323334"), "{s}");
        let select = Command::new(0, 0xA4, 2, 0x0C).with_data(vec![0, 0x0A]);
        assert!(format!("{select:?}").contains("000A"));
    }
}
