//! The portal's clock, which tests move forward to expire codes, sessions and URLs.

use std::sync::{Arc, Mutex, PoisonError};

use jiff::{SignedDuration, Timestamp};

/// The portal's "now": the system time plus an offset tests can advance. Shared by
/// every clone of a [`Portal`](crate::Portal).
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset: Arc<Mutex<SignedDuration>>,
}

impl Clock {
    /// The current portal time.
    pub fn now(&self) -> Timestamp {
        let offset = *self.offset.lock().unwrap_or_else(PoisonError::into_inner);
        Timestamp::now()
            .checked_add(offset)
            .unwrap_or_else(|_| Timestamp::now())
    }

    /// Moves the portal's time forward by `by`.
    pub fn advance(&self, by: SignedDuration) {
        let mut offset = self.offset.lock().unwrap_or_else(PoisonError::into_inner);
        *offset = offset.saturating_add(by);
    }
}
