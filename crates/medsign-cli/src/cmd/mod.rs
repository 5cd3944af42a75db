//! One module per top-level subcommand.

pub mod apply;
mod apply_form;
pub mod card;
pub mod cms;
mod mynacard;
pub mod remote;
pub mod rx;
pub mod sim;
