#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs, rust_2018_idioms, unused_qualifications)]

mod card;
mod hpki;
mod jpki;
mod minimal;
pub mod vpcd;

pub use crate::{
    card::{InProcess, VirtualCard},
    minimal::MinimalCard,
};
