//! medsign umbrella (being written).
pub use apdu;
