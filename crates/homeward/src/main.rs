//! `homeward`: the crisis response coordinator's one binary.
//!
//! Serves the API, the live board and the wall display; issues tokens; rebuilds every
//! projection from the log; verifies the audit chain. See `homeward --help`.

mod cli;

/// mimalloc: the fold and the decoder allocate and free many small values; glibc's
/// allocator spent a fifth of a replay in malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
mod demo;
mod exercise;
mod stand_in;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("homeward: {e:#}");
            ExitCode::from(2)
        }
    }
}
