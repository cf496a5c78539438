//! `homeward-bench`: Homeward's figures, each beside the ceiling of the part it is built
//! from, measured in the same run on the same machine. Prints the median of several
//! runs per figure and the ratio to its ceiling. Seeded: the replay log is the
//! `homeward demo` scenario at a fixed seed.

mod figures;
mod http;

/// mimalloc: the fold and the decoder allocate and free many small values; glibc's
/// allocator spent a fifth of a replay in malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;

use clap::Parser;

/// Measures Homeward against its parts' ceilings.
#[derive(Debug, Parser)]
#[command(name = "homeward-bench")]
pub struct Args {
    /// Runs per figure (the median is printed).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Seconds of load per HTTP run.
    #[arg(long, default_value_t = 5)]
    pub seconds: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 32)]
    pub clients: usize,
    /// Appends per append run.
    #[arg(long, default_value_t = 20_000)]
    pub appends: usize,
    /// Replay sizes, in events (each is generated once with `homeward demo` and kept).
    #[arg(long, value_delimiter = ',', default_value = "1000000")]
    pub replay: Vec<u64>,
    /// The scale of the `demo` figure (`homeward demo --scale`).
    #[arg(long, default_value_t = 100)]
    pub demo_scale: u64,
    /// Where generated logs are kept between runs.
    #[arg(long, default_value = "target/bench-data")]
    pub cache: PathBuf,
    /// A Kafka broker for the Kafka figures (skipped when absent).
    #[arg(long, env = "HOMEWARD_BENCH_KAFKA")]
    pub kafka: Option<String>,
    /// Internal: replay one data directory and print seconds and peak RSS as JSON.
    #[arg(long, hide = true)]
    pub replay_only: Option<PathBuf>,
    /// Only these figures (ingest, append, hot, kafka, demo, takeover, scratch, replay,
    /// live); all when empty.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Quiet unless asked: `RUST_LOG=homeward_kafka=debug` shows each sequencer
    // transaction's timing, for instance.
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_default_env() {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if let Some(dir) = &args.replay_only {
        return runtime.block_on(figures::replay_only(dir));
    }
    runtime.block_on(figures::all(&args))
}
