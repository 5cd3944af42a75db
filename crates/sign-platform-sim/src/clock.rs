//! A simulated service's clock, which tests move forward to expire sessions, setup codes
//! and URLs. portal-sim uses it too.

use std::sync::{Arc, Mutex, PoisonError};

use jiff::{SignedDuration, Timestamp};

/// A simulated service's notion of "now": the system time plus an offset tests can
/// advance.
///
/// Clones share the offset: every clone of a [`Platform`](crate::Platform) (or of
/// portal-sim's `Portal`) sees the same time.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset: Arc<Mutex<SignedDuration>>,
}

impl Clock {
    /// The current time of the service.
    pub fn now(&self) -> Timestamp {
        let offset = *self.offset.lock().unwrap_or_else(PoisonError::into_inner);
        Timestamp::now()
            .checked_add(offset)
            .unwrap_or_else(|_| Timestamp::now())
    }

    /// Moves the service's time forward by `by` (for tests of expiry).
    pub fn advance(&self, by: SignedDuration) {
        let mut offset = self.offset.lock().unwrap_or_else(PoisonError::into_inner);
        *offset = offset.saturating_add(by);
    }
}
