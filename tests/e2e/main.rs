//! End-to-end tests of the whole system: the real binary, over real HTTP.
#![allow(missing_docs, clippy::unwrap_used)]

mod cli;
mod durability;
mod personal_data;
mod upgrade;
