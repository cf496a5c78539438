//! `homeward demo`: writes a believable crisis scenario through the decide/append path.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

/// Arguments of `homeward demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the scenario's event log (must be empty or new).
    #[arg(long, env = "HOMEWARD_DATA_DIR", default_value = "homeward-data")]
    pub data_dir: PathBuf,
    /// How many times the default scenario (about ten thousand events) to write.
    #[arg(long, default_value_t = 1)]
    pub scale: u32,
    /// The same seed writes the same events.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

/// Writes the scenario.
pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "the demo scenario for {} is not written yet",
        args.data_dir.display()
    )
}
