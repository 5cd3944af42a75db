//! Response APDUs: the data field and the status word.

use crate::{Error, StatusWord};

/// A response APDU.
///
/// ```text
/// Response APDU ::= [response data field] SW1 SW2   (ISO/IEC 7816-4 §5.1)
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// The response data (may be empty).
    pub data: Vec<u8>,
    /// The status word.
    pub sw: StatusWord,
}

impl core::fmt::Debug for Response {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Response data can hold personal data (the My Number, the basic four items):
        // Debug shows its length only.
        f.debug_struct("Response")
            .field("data_len", &self.data.len())
            .field("sw", &self.sw)
            .finish()
    }
}

impl Response {
    /// A response with data and a status word.
    pub fn new(data: impl Into<Vec<u8>>, sw: StatusWord) -> Self {
        Self {
            data: data.into(),
            sw,
        }
    }

    /// A response carrying only a status word.
    pub fn status(sw: StatusWord) -> Self {
        Self::new(Vec::new(), sw)
    }

    /// Parses the bytes a card returned: at least the two status bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        match bytes {
            [data @ .., sw1, sw2] => {
                Ok(Self::new(data.to_vec(), StatusWord::from_bytes(*sw1, *sw2)))
            }
            _ => Err(Error::MalformedResponse { len: bytes.len() }),
        }
    }

    /// Serialises (data then SW1 SW2), as a card sends it.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.sw.to_bytes());
        out
    }

    /// `9000`.
    pub fn is_success(&self) -> bool {
        self.sw.is_success()
    }

    /// The data when the status is `9000`, else [`Error::Status`] with the status word.
    pub fn into_data(self) -> Result<Vec<u8>, Error> {
        if self.sw.is_success() {
            Ok(self.data)
        } else {
            Err(Error::Status(self.sw))
        }
    }

    /// `Ok(())` for `9000`, else [`Error::Status`].
    pub fn check(&self) -> Result<(), Error> {
        if self.sw.is_success() {
            Ok(())
        } else {
            Err(Error::Status(self.sw))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_splits_data_and_status() {
        let r = Response::parse(&[1, 2, 3, 0x90, 0x00]).unwrap();
        assert_eq!(r.data, vec![1, 2, 3]);
        assert!(r.is_success());
        assert_eq!(r.to_bytes(), vec![1, 2, 3, 0x90, 0x00]);
    }

    #[test]
    fn fewer_than_two_bytes_is_malformed() {
        assert!(matches!(
            Response::parse(&[0x90]),
            Err(Error::MalformedResponse { len: 1 })
        ));
        assert!(matches!(
            Response::parse(&[]),
            Err(Error::MalformedResponse { len: 0 })
        ));
    }

    #[test]
    fn into_data_fails_with_the_status() {
        let r = Response::status(StatusWord::SECURITY_STATUS_NOT_SATISFIED);
        assert!(matches!(
            r.into_data(),
            Err(Error::Status(StatusWord(0x6982)))
        ));
    }

    #[test]
    fn debug_hides_data() {
        let r = Response::new(b"123456789012".to_vec(), StatusWord::SUCCESS);
        let s = format!("{r:?}");
        assert!(!s.contains("31"), "{s}");
        assert!(s.contains("data_len: 12"));
    }
}
