//! One module per top-level subcommand.

pub mod apply;
pub mod card;
pub mod cms;
pub mod remote;
pub mod rx;
pub mod sim;
