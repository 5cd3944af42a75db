//! Status words (SW1 SW2) and what they mean on the cards medsign talks to.

/// The status word ending every response APDU (ISO/IEC 7816-4 §5.1.3).
///
/// The named constants are the ones the JPKI and HPKI cards and their readers use.
/// [`StatusWord::description`] gives the ISO meaning in English.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatusWord(pub u16);

impl StatusWord {
    /// `9000`: normal processing.
    pub const SUCCESS: Self = Self(0x9000);
    /// `6282`: end of file reached before reading Ne bytes.
    pub const END_OF_FILE: Self = Self(0x6282);
    /// `6581`: memory failure.
    pub const MEMORY_FAILURE: Self = Self(0x6581);
    /// `6700`: wrong length (Lc or Le).
    pub const WRONG_LENGTH: Self = Self(0x6700);
    /// `6881`: logical channel not supported.
    pub const CHANNEL_NOT_SUPPORTED: Self = Self(0x6881);
    /// `6882`: secure messaging not supported.
    pub const SECURE_MESSAGING_NOT_SUPPORTED: Self = Self(0x6882);
    /// `6883`: last command of the chain expected.
    pub const LAST_COMMAND_EXPECTED: Self = Self(0x6883);
    /// `6884`: command chaining not supported.
    pub const CHAINING_NOT_SUPPORTED: Self = Self(0x6884);
    /// `6982`: security status not satisfied (e.g. the PIN was not verified).
    pub const SECURITY_STATUS_NOT_SATISFIED: Self = Self(0x6982);
    /// `6983`: authentication method blocked (a PIN with no tries left).
    pub const AUTHENTICATION_METHOD_BLOCKED: Self = Self(0x6983);
    /// `6984`: reference data not usable (also used for a blocked PIN).
    pub const REFERENCE_DATA_NOT_USABLE: Self = Self(0x6984);
    /// `6985`: conditions of use not satisfied.
    pub const CONDITIONS_NOT_SATISFIED: Self = Self(0x6985);
    /// `6986`: command not allowed (no current EF).
    pub const COMMAND_NOT_ALLOWED: Self = Self(0x6986);
    /// `6A80`: incorrect parameters in the command data field.
    pub const WRONG_DATA: Self = Self(0x6A80);
    /// `6A81`: function not supported.
    pub const FUNCTION_NOT_SUPPORTED: Self = Self(0x6A81);
    /// `6A82`: file or application not found.
    pub const FILE_NOT_FOUND: Self = Self(0x6A82);
    /// `6A86`: incorrect parameters P1-P2.
    pub const INCORRECT_P1_P2: Self = Self(0x6A86);
    /// `6A88`: referenced data or reference data not found.
    pub const REFERENCED_DATA_NOT_FOUND: Self = Self(0x6A88);
    /// `6B00`: wrong parameters P1-P2 (for READ BINARY: offset beyond the end of the file).
    pub const WRONG_P1_P2: Self = Self(0x6B00);
    /// `6D00`: instruction code not supported or invalid.
    pub const INS_NOT_SUPPORTED: Self = Self(0x6D00);
    /// `6E00`: class not supported.
    pub const CLA_NOT_SUPPORTED: Self = Self(0x6E00);
    /// `6F00`: no precise diagnosis.
    pub const NO_PRECISE_DIAGNOSIS: Self = Self(0x6F00);

    /// From the two trailer bytes.
    pub const fn from_bytes(sw1: u8, sw2: u8) -> Self {
        Self(((sw1 as u16) << 8) | sw2 as u16)
    }

    /// SW1.
    pub const fn sw1(self) -> u8 {
        (self.0 >> 8) as u8
    }

    /// SW2.
    pub const fn sw2(self) -> u8 {
        (self.0 & 0xFF) as u8
    }

    /// The two bytes, SW1 first.
    pub const fn to_bytes(self) -> [u8; 2] {
        self.0.to_be_bytes()
    }

    /// `9000`.
    pub const fn is_success(self) -> bool {
        self.0 == 0x9000
    }

    /// `61xx`: that many more response bytes wait for GET RESPONSE (`00` means 256).
    pub const fn bytes_available(self) -> Option<usize> {
        match self.sw1() {
            0x61 => Some(if self.sw2() == 0 {
                256
            } else {
                self.sw2() as usize
            }),
            _ => None,
        }
    }

    /// `6Cxx`: wrong Le; resend with Ne = xx (`00` means 256).
    pub const fn correct_le(self) -> Option<u32> {
        match self.sw1() {
            0x6C => Some(if self.sw2() == 0 {
                256
            } else {
                self.sw2() as u32
            }),
            _ => None,
        }
    }

    /// `63Cx`: verification failed (or, without data, the counter query) with x tries left.
    pub const fn tries_left(self) -> Option<u8> {
        if self.sw1() == 0x63 && self.sw2() & 0xF0 == 0xC0 {
            Some(self.sw2() & 0x0F)
        } else {
            None
        }
    }

    /// A PIN that can no longer be presented: `63C0`, `6983` or `6984` (cards differ;
    /// `docs/spec/cards.md` §3 lists all three).
    pub const fn is_pin_blocked(self) -> bool {
        matches!(self.0, 0x63C0 | 0x6983 | 0x6984)
    }

    /// Warnings (`62xx`, `63xx`): processed, with a remark.
    pub const fn is_warning(self) -> bool {
        matches!(self.sw1(), 0x62 | 0x63)
    }

    /// The ISO/IEC 7816-4 meaning, in English.
    pub fn description(self) -> &'static str {
        match self.0 {
            0x9000 => "normal processing",
            0x6282 => "end of file reached before Ne bytes were read",
            0x6283 => "selected file deactivated",
            0x6581 => "memory failure",
            0x6700 => "wrong length",
            0x6881 => "logical channel not supported",
            0x6882 => "secure messaging not supported",
            0x6883 => "last command of the chain expected",
            0x6884 => "command chaining not supported",
            0x6981 => "command incompatible with file structure",
            0x6982 => "security status not satisfied",
            0x6983 => "authentication method blocked",
            0x6984 => "reference data not usable",
            0x6985 => "conditions of use not satisfied",
            0x6986 => "command not allowed (no current EF)",
            0x6A80 => "incorrect parameters in the command data field",
            0x6A81 => "function not supported",
            0x6A82 => "file or application not found",
            0x6A86 => "incorrect parameters P1-P2",
            0x6A88 => "referenced data not found",
            0x6B00 => "wrong parameters P1-P2 (offset outside the file)",
            0x6D00 => "instruction code not supported or invalid",
            0x6E00 => "class not supported",
            0x6F00 => "no precise diagnosis",
            _ => match self.sw1() {
                0x61 => "more response data available (GET RESPONSE)",
                0x6C => "wrong Le field (resend with the exact length)",
                0x63 if self.sw2() & 0xF0 == 0xC0 => "verification failed; counter in SW2",
                0x62 | 0x63 => "warning",
                0x64 | 0x65 => "execution error",
                0x67 => "wrong length",
                0x68 => "functions in CLA not supported",
                0x69 => "command not allowed",
                0x6A => "wrong parameters",
                _ => "unknown status",
            },
        }
    }
}

impl core::fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "StatusWord({:04X})", self.0)
    }
}

impl core::fmt::Display for StatusWord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:04X} ({})", self.0, self.description())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_lengths_are_decoded() {
        assert_eq!(StatusWord(0x63C3).tries_left(), Some(3));
        assert_eq!(StatusWord(0x63C0).tries_left(), Some(0));
        assert_eq!(StatusWord(0x6300).tries_left(), None);
        assert_eq!(StatusWord(0x6110).bytes_available(), Some(16));
        assert_eq!(StatusWord(0x6100).bytes_available(), Some(256));
        assert_eq!(StatusWord(0x6C00).correct_le(), Some(256));
        assert_eq!(StatusWord(0x6C3A).correct_le(), Some(0x3A));
        assert_eq!(StatusWord::SUCCESS.correct_le(), None);
    }

    #[test]
    fn all_three_blocked_forms_are_recognised() {
        for sw in [0x63C0, 0x6983, 0x6984] {
            assert!(StatusWord(sw).is_pin_blocked(), "{sw:04X}");
        }
        assert!(!StatusWord(0x63C1).is_pin_blocked());
        assert!(!StatusWord(0x6982).is_pin_blocked());
    }

    #[test]
    fn display_names_the_meaning() {
        assert_eq!(
            StatusWord(0x6982).to_string(),
            "6982 (security status not satisfied)"
        );
        assert_eq!(
            StatusWord(0x61FF).to_string(),
            "61FF (more response data available (GET RESPONSE))"
        );
        assert_eq!(
            StatusWord(0x63C2).to_string(),
            "63C2 (verification failed; counter in SW2)"
        );
        assert_eq!(format!("{:?}", StatusWord(0x9000)), "StatusWord(9000)");
    }

    #[test]
    fn bytes_round_trip() {
        let sw = StatusWord::from_bytes(0x6A, 0x82);
        assert_eq!(sw, StatusWord::FILE_NOT_FOUND);
        assert_eq!(sw.to_bytes(), [0x6A, 0x82]);
        assert_eq!((sw.sw1(), sw.sw2()), (0x6A, 0x82));
    }
}
