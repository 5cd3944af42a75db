//! The platform's clock, which tests move forward to expire sessions and setup codes.

use std::sync::{Arc, Mutex, PoisonError};

use jiff::{SignedDuration, Timestamp};

/// The platform's notion of "now": the system time plus an offset tests can advance.
///
/// Shared by every clone of a [`Platform`](crate::Platform).
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset: Arc<Mutex<SignedDuration>>,
}

impl Clock {
    /// The current platform time.
    pub fn now(&self) -> Timestamp {
        let offset = *self.offset.lock().unwrap_or_else(PoisonError::into_inner);
        Timestamp::now()
            .checked_add(offset)
            .unwrap_or_else(|_| Timestamp::now())
    }

    /// Moves the platform's time forward by `by` (for tests of expiry).
    pub fn advance(&self, by: SignedDuration) {
        let mut offset = self.offset.lock().unwrap_or_else(PoisonError::into_inner);
        *offset = offset.saturating_add(by);
    }
}
