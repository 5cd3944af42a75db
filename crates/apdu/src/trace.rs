//! Recording exchanges for logs and tests, and playing them back.

use crate::{Transport, TransportError};

/// Instructions whose command data is a secret: VERIFY (`20`), CHANGE REFERENCE DATA
/// (`24`), RESET RETRY COUNTER (`2C`). Their data never enters a trace or a Debug string.
pub(crate) const fn carries_secret(ins: u8) -> bool {
    matches!(ins, 0x20 | 0x21 | 0x24 | 0x2C)
}

pub(crate) struct HexBytes<'a>(pub &'a [u8]);

impl core::fmt::Debug for HexBytes<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for b in self.0 {
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

/// One command and the card's answer, as recorded.
#[derive(Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The command as sent, with secret data replaced by `*` bytes (see [`Exchange::redacted`]).
    pub command: Vec<u8>,
    /// Whether the command's data was a secret and was replaced.
    pub redacted: bool,
    /// The raw response (data and status word).
    pub response: Vec<u8>,
}

impl core::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Exchange")
            .field("command", &HexBytes(&self.command))
            .field("response_len", &self.response.len())
            .finish()
    }
}

impl Exchange {
    /// The instruction byte of the command.
    pub fn ins(&self) -> Option<u8> {
        self.command.get(1).copied()
    }

    /// The response's status word.
    pub fn status(&self) -> Option<crate::StatusWord> {
        match self.response.as_slice() {
            [.., a, b] => Some(crate::StatusWord::from_bytes(*a, *b)),
            _ => None,
        }
    }
}

/// Replaces the data field of a secret-bearing command with `2A` (`*`) bytes, keeping
/// the header and length fields so the trace still shows the command's shape.
fn redact(command: &[u8]) -> (Vec<u8>, bool) {
    let Some(&ins) = command.get(1) else {
        return (command.to_vec(), false);
    };
    if !carries_secret(ins) || command.len() <= 5 {
        return (command.to_vec(), false);
    }
    let mut out = command.to_vec();
    match crate::Command::parse(command) {
        Ok((cmd, mode)) => {
            let header = match mode {
                crate::LengthMode::Short => 5,
                crate::LengthMode::Extended => 7,
            };
            let end = (header + cmd.data().len()).min(out.len());
            if let Some(data) = out.get_mut(header..end) {
                data.fill(b'*');
            }
        }
        // Unparseable: hide everything after the header.
        Err(_) => {
            if let Some(data) = out.get_mut(4..) {
                data.fill(b'*');
            }
        }
    }
    (out, true)
}

/// A recorded sequence of exchanges.
///
/// The text form is one line per message, `> ` for a command and `< ` for a response,
/// in hex (spaces allowed), `#` comments; redacted bytes print as `**`:
///
/// ```text
/// > 00A4040C0A D392F000260100000001
/// < 9000
/// > 00200080 04 ********
/// < 63C2
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    /// The exchanges in order.
    pub exchanges: Vec<Exchange>,
}

impl Trace {
    /// Number of exchanges.
    pub fn len(&self) -> usize {
        self.exchanges.len()
    }

    /// Whether nothing was exchanged.
    pub fn is_empty(&self) -> bool {
        self.exchanges.is_empty()
    }

    /// How many commands had instruction `ins` (e.g. `0xB0` READ BINARY, `0x20` VERIFY).
    pub fn count_ins(&self, ins: u8) -> usize {
        self.exchanges
            .iter()
            .filter(|e| e.ins() == Some(ins))
            .count()
    }

    /// The text form (see the type's docs).
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for e in &self.exchanges {
            s.push_str("> ");
            push_hex(&mut s, &e.command, e.redacted);
            s.push_str("\n< ");
            push_response_hex(&mut s, &e.response);
            s.push('\n');
        }
        s
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, crate::Error> {
        let mut exchanges = Vec::new();
        let mut pending: Option<(Vec<u8>, bool)> = None;
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let bad = || crate::Error::MalformedTrace { line: n + 1 };
            if let Some(hex) = line.strip_prefix('>') {
                if pending.is_some() {
                    return Err(bad());
                }
                let redacted = hex.contains('*');
                pending = Some((parse_hex(hex).ok_or_else(bad)?, redacted));
            } else if let Some(hex) = line.strip_prefix('<') {
                let (command, redacted) = pending.take().ok_or_else(bad)?;
                let response = parse_hex(hex).ok_or_else(bad)?;
                exchanges.push(Exchange {
                    command,
                    redacted,
                    response,
                });
            } else {
                return Err(bad());
            }
        }
        if pending.is_some() {
            return Err(crate::Error::MalformedTrace {
                line: text.lines().count(),
            });
        }
        Ok(Self { exchanges })
    }
}

fn push_hex(s: &mut String, bytes: &[u8], redacted: bool) {
    use core::fmt::Write as _;
    let secret_from = if redacted {
        bytes.iter().position(|&b| b == b'*').unwrap_or(bytes.len())
    } else {
        bytes.len()
    };
    for (i, b) in bytes.iter().enumerate() {
        if i >= secret_from && *b == b'*' {
            s.push_str("**");
        } else {
            let _ = write!(s, "{b:02X}");
        }
    }
}

/// Responses print redacted data bytes as `**`; a real `2A` data byte is only ever
/// ambiguous inside a redacted run, which is all `2A` by construction.
fn push_response_hex(s: &mut String, bytes: &[u8]) {
    use core::fmt::Write as _;
    let data_len = bytes.len().saturating_sub(2);
    let (data, sw) = bytes.split_at(data_len);
    if !data.is_empty() && data.iter().all(|&b| b == b'*') {
        s.push_str(&"**".repeat(data.len()));
    } else {
        for b in data {
            let _ = write!(s, "{b:02X}");
        }
    }
    for b in sw {
        let _ = write!(s, "{b:02X}");
    }
}

fn parse_hex(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| match pair {
            ['*', '*'] => Some(b'*'),
            [a, b] => Some((a.to_digit(16)? * 16 + b.to_digit(16)?) as u8),
            _ => None,
        })
        .collect()
}

/// A transport that records every exchange of the transport it wraps, secrets redacted.
///
/// PINs never enter the trace: the data of VERIFY, CHANGE REFERENCE DATA and RESET RETRY
/// COUNTER is replaced by `*` bytes, whatever the [`Redaction`]. Which *responses* are
/// personal data depends on the card, so the card crates supply that part of the policy
/// (`jpki_card::redaction()` for the My Number Card); [`TraceTransport::new`] redacts
/// secrets only.
///
/// ```
/// use apdu::{Command, ReplayTransport, Trace, TraceTransport, transmit};
///
/// let card = ReplayTransport::new(Trace::parse("> 00200080 04 31323334\n< 63C2\n")?);
/// let mut traced = TraceTransport::new(card);
/// let verify = Command::new(0x00, 0x20, 0x00, 0x80).with_data(b"1234".to_vec());
/// let answer = transmit(&mut traced, &verify)?;
/// assert_eq!(answer.sw.tries_left(), Some(2));
/// // The PIN never reaches the trace.
/// assert_eq!(traced.trace().to_text(), "> 0020008004********\n< 63C2\n");
/// # Ok::<(), apdu::Error>(())
/// ```
#[derive(Debug)]
pub struct TraceTransport<T> {
    inner: T,
    trace: Trace,
    redaction: Redaction,
    /// The application selected last by AID, and the EF selected last by id, so that
    /// responses from files holding personal data can be recognised.
    selected_aid: Vec<u8>,
    selected_ef: Option<u16>,
}

/// Where a card keeps personal data: the files of the applications whose AID starts with
/// a prefix, or one EF of them. Part of a [`Redaction`] policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PersonalFile {
    aid_prefix: &'static [u8],
    ef: Option<u16>,
}

impl PersonalFile {
    /// Every file of the applications whose AID starts with `aid_prefix`.
    pub const fn application(aid_prefix: &'static [u8]) -> Self {
        Self {
            aid_prefix,
            ef: None,
        }
    }

    /// EF `ef` of the application selected by `aid` (or an AID that starts with it).
    pub const fn file(aid: &'static [u8], ef: u16) -> Self {
        Self {
            aid_prefix: aid,
            ef: Some(ef),
        }
    }

    fn covers(&self, aid: &[u8], ef: Option<u16>) -> bool {
        aid.starts_with(self.aid_prefix) && self.ef.is_none_or(|wanted| ef == Some(wanted))
    }
}

/// What a [`TraceTransport`] keeps out of its trace besides PINs: the response data read
/// from the [`PersonalFile`]s of the policy, recorded as `*` bytes (`**` in text) so that
/// lengths and status words stay visible.
///
/// apdu knows no card: a card crate supplies the files of its card
/// (`jpki_card::redaction()`), and policies join with [`Redaction::and`]. The default,
/// [`Redaction::secrets_only`], redacts PINs only: for recording replay fixtures from
/// fictitious test cards.
///
/// ```
/// use apdu::{PersonalFile, Redaction, ReplayTransport, Trace, TraceTransport, Transport};
///
/// // A made-up card whose application A0 00 00 00 01 keeps personal data in EF 0101.
/// const PERSONAL: &[PersonalFile] = &[PersonalFile::file(&[0xA0, 0x00, 0x00, 0x00, 0x01], 0x0101)];
/// let script = "> 00A4040C05A000000001\n< 9000\n> 00A4020C020101\n< 9000\n> 00B0000002\n< 41429000\n";
/// let card = ReplayTransport::new(Trace::parse(script)?);
/// let mut traced = TraceTransport::with_redaction(card, Redaction::secrets_only().with(PERSONAL));
/// for e in Trace::parse(script)?.exchanges {
///     traced.transmit_raw(&e.command)?; // the caller still gets the real data
/// }
/// assert!(traced.trace().to_text().ends_with("> 00B0000002\n< ****9000\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Redaction {
    personal: Vec<PersonalFile>,
}

impl Redaction {
    /// PINs only.
    pub fn secrets_only() -> Self {
        Self::default()
    }

    /// This policy, plus the response data read from `files`.
    pub fn with(mut self, files: &[PersonalFile]) -> Self {
        self.personal.extend_from_slice(files);
        self
    }

    /// Both policies (a session that talks to several kinds of card).
    pub fn and(self, other: Redaction) -> Self {
        self.with(&other.personal)
    }

    /// The personal files of the policy.
    pub fn personal_files(&self) -> &[PersonalFile] {
        &self.personal
    }

    fn covers(&self, aid: &[u8], ef: Option<u16>) -> bool {
        self.personal.iter().any(|f| f.covers(aid, ef))
    }
}

impl<T: Transport> TraceTransport<T> {
    /// Wraps `inner`, redacting PINs ([`Redaction::secrets_only`]).
    pub fn new(inner: T) -> Self {
        Self::with_redaction(inner, Redaction::default())
    }

    /// Wraps `inner`, keeping `redaction` out of the trace.
    pub fn with_redaction(inner: T, redaction: Redaction) -> Self {
        Self {
            inner,
            trace: Trace::default(),
            redaction,
            selected_aid: Vec::new(),
            selected_ef: None,
        }
    }

    /// Whether the response to `command` is personal data under the current selection,
    /// updating the selection from `command`.
    fn response_is_personal(&mut self, command: &[u8], success: bool) -> bool {
        if let Ok((cmd, _)) = crate::Command::parse(command)
            && cmd.ins == 0xA4
            && success
        {
            match cmd.p1 {
                0x04 => {
                    self.selected_aid = cmd.data().to_vec();
                    self.selected_ef = None;
                }
                0x02 | 0x00 => {
                    self.selected_ef = <[u8; 2]>::try_from(cmd.data()).ok().map(u16::from_be_bytes);
                }
                _ => {}
            }
            return false;
        }
        self.redaction.covers(&self.selected_aid, self.selected_ef)
    }

    /// What has been exchanged so far.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Forgets what was recorded (e.g. between the steps a test counts).
    pub fn clear(&mut self) {
        self.trace.exchanges.clear();
    }

    /// The wrapped transport.
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps into the transport and the trace.
    pub fn into_parts(self) -> (T, Trace) {
        (self.inner, self.trace)
    }
}

impl<T: Transport> Transport for TraceTransport<T> {
    fn transmit_raw(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let response = self.inner.transmit_raw(command)?;
        let success = response.ends_with(&[0x90, 0x00]);
        let mut recorded = response.clone();
        if self.response_is_personal(command, success) {
            let data_len = recorded.len().saturating_sub(2);
            if let Some(data) = recorded.get_mut(..data_len) {
                data.fill(b'*');
            }
        }
        let (command, redacted) = redact(command);
        self.trace.exchanges.push(Exchange {
            command,
            redacted,
            response: recorded,
        });
        Ok(response)
    }

    fn supports_extended_length(&self) -> bool {
        self.inner.supports_extended_length()
    }
}

/// A transport that plays a recorded [`Trace`] back: each command sent must equal the
/// recorded one (redacted bytes match anything), and gets the recorded response.
#[derive(Debug)]
pub struct ReplayTransport {
    trace: Trace,
    next: usize,
    extended: bool,
}

impl ReplayTransport {
    /// Plays `trace` back.
    pub fn new(trace: Trace) -> Self {
        Self {
            trace,
            next: 0,
            extended: false,
        }
    }

    /// Makes the transport claim (or not) extended-length support.
    pub fn with_extended_length(mut self, extended: bool) -> Self {
        self.extended = extended;
        self
    }

    /// Whether every recorded exchange has been played.
    pub fn is_finished(&self) -> bool {
        self.next == self.trace.len()
    }
}

impl Transport for ReplayTransport {
    fn transmit_raw(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let index = self.next;
        let recorded = self
            .trace
            .exchanges
            .get(index)
            .ok_or(TransportError::ReplayExhausted(index))?;
        let matches = recorded.command.len() == command.len()
            && recorded
                .command
                .iter()
                .zip(command)
                .all(|(r, c)| (recorded.redacted && *r == b'*') || r == c);
        if !matches {
            let mut expected = String::new();
            push_hex(&mut expected, &recorded.command, recorded.redacted);
            let (sent, redacted) = redact(command);
            let mut got = String::new();
            push_hex(&mut got, &sent, redacted);
            return Err(TransportError::ReplayMismatch {
                index,
                expected,
                got,
            });
        }
        self.next += 1;
        Ok(recorded.response.clone())
    }

    fn supports_extended_length(&self) -> bool {
        self.extended
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_reference_data_is_redacted_too() {
        let (cmd, red) = redact(&[0x00, 0x24, 0x01, 0x80, 0x04, b'1', b'2', b'3', b'4']);
        assert!(red);
        assert_eq!(
            cmd,
            vec![0x00, 0x24, 0x01, 0x80, 0x04, b'*', b'*', b'*', b'*']
        );
    }

    #[test]
    fn verify_without_data_is_not_redacted() {
        let (cmd, red) = redact(&[0x00, 0x20, 0x00, 0x80]);
        assert!(!red);
        assert_eq!(cmd, vec![0x00, 0x20, 0x00, 0x80]);
    }

    #[test]
    fn trace_text_round_trips() {
        let text = "> 00A4040C0AD392F000260100000001\n< 9000\n> 0020008004********\n< 63C2\n";
        let trace = Trace::parse(text).unwrap();
        assert_eq!(trace.to_text(), text);
        assert_eq!(trace.count_ins(0x20), 1);
        assert_eq!(trace.exchanges[1].status(), Some(crate::StatusWord(0x63C2)));
    }

    #[test]
    fn malformed_trace_names_the_line() {
        assert!(matches!(
            Trace::parse("> 00A4\n> 00B0\n"),
            Err(crate::Error::MalformedTrace { line: 2 })
        ));
        assert!(matches!(
            Trace::parse("< 9000"),
            Err(crate::Error::MalformedTrace { line: 1 })
        ));
        assert!(matches!(
            Trace::parse("> 0ZZ0\n< 9000"),
            Err(crate::Error::MalformedTrace { line: 1 })
        ));
    }

    /// A made-up card: application `A0 00 00 00 01 …` keeps personal data in every file,
    /// application `A0 00 00 00 02` only in EF `0001`.
    const WHOLE_APP: [u8; 5] = [0xA0, 0x00, 0x00, 0x00, 0x01];
    const ONE_FILE_APP: [u8; 5] = [0xA0, 0x00, 0x00, 0x00, 0x02];
    const PERSONAL: &[PersonalFile] = &[
        PersonalFile::application(&WHOLE_APP),
        PersonalFile::file(&ONE_FILE_APP, 0x0001),
    ];

    fn record(script: &str, redaction: Redaction) -> String {
        let replay = ReplayTransport::new(Trace::parse(script).unwrap());
        let mut traced = TraceTransport::with_redaction(replay, redaction);
        for e in Trace::parse(script).unwrap().exchanges {
            let answer = traced.transmit_raw(&e.command).unwrap();
            assert_eq!(answer, e.response, "the caller still gets the real data");
        }
        traced.trace().to_text()
    }

    #[test]
    fn responses_from_the_policys_files_are_redacted() {
        let script = "> 00A4040C07A0000000010203\n< 9000\n\
                      > 00A4020C020005\n< 9000\n\
                      > 00B0000011\n< FF100C313233343536373839303132FFFF9000\n\
                      > 00A4040C05A000000002\n< 9000\n\
                      > 00A4020C02000A\n< 9000\n\
                      > 00B0000004\n< 308204009000\n\
                      > 00A4020C020001\n< 9000\n\
                      > 00B0000004\n< 308205009000\n";
        let text = record(script, Redaction::secrets_only().with(PERSONAL));
        assert!(!text.contains("313233"), "personal data leaked: {text}");
        assert!(
            text.contains(&format!("< {}9000", "**".repeat(17))),
            "{text}"
        );
        // EF 000A of the second application is not in the policy; EF 0001 is.
        assert!(text.contains("< 308204009000"), "{text}");
        assert!(!text.contains("30820500"), "{text}");
        // Recorded traces parse back.
        assert_eq!(Trace::parse(&text).unwrap().len(), 8);
    }

    #[test]
    fn secrets_only_keeps_every_response_and_policies_join() {
        let script = "> 00A4040C05A000000002\n< 9000\n\
                      > 00A4020C020001\n< 9000\n\
                      > 00B0000004\n< 308204009000\n";
        assert!(record(script, Redaction::secrets_only()).contains("30820400"));
        assert!(record(script, Redaction::default()).contains("30820400"));
        let joined = Redaction::secrets_only()
            .with(&PERSONAL[..1])
            .and(Redaction::secrets_only().with(&PERSONAL[1..]));
        assert_eq!(joined.personal_files(), PERSONAL);
        assert!(!record(script, joined).contains("30820400"));
    }

    #[test]
    fn a_failed_select_keeps_the_previous_selection() {
        let script = "> 00A4040C05A000000001\n< 9000\n\
                      > 00A4040C05A000000009\n< 6A82\n\
                      > 00B0000002\n< 41429000\n";
        let text = record(script, Redaction::secrets_only().with(PERSONAL));
        assert!(text.ends_with("< ****9000\n"), "{text}");
    }

    #[test]
    fn replay_refuses_an_unexpected_command() {
        let mut t = ReplayTransport::new(Trace::parse("> 00B00000 00\n< 9000\n").unwrap());
        let err = t.transmit_raw(&[0x00, 0xB0, 0x00, 0x01, 0x00]).unwrap_err();
        assert!(matches!(
            err,
            TransportError::ReplayMismatch { index: 0, .. }
        ));
        assert!(t.transmit_raw(&[0x00, 0xB0, 0x00, 0x00, 0x00]).is_ok());
        assert!(matches!(
            t.transmit_raw(&[0x00, 0xB0, 0x00, 0x00, 0x00]),
            Err(TransportError::ReplayExhausted(1))
        ));
    }
}
