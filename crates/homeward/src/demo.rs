//! `homeward demo`: writes a believable crisis scenario through the decide/append path.
//!
//! Each scale unit is one theatre, a country our citizens must leave (risk levels
//! raised, an evacuation incident escalated, about 1,800 citizens registered, checked
//! in, seated family by family on some twenty flights, buses and a ship, boarded,
//! departed and arrived, a few no-shows, an offload, some still unaccounted for), plus
//! kidnappings with their restricted case facts, detentions with consular visits, and
//! disasters, unrest, accidents, illnesses and disappearances elsewhere; hundreds of
//! hotline calls and field reports; welfare checks; duplicate records merged. The
//! commands go through the service's batch path, tick by tick, while a simulated
//! clock moves over five and a half days that end when the scenario is written (or at
//! `--end`), so that recorded times, time travel and the wall display's replay follow
//! the story and the wall shows a crisis happening now.

mod cases;
mod data;
mod evac;
mod sim;
mod story;
#[cfg(test)]
mod tests;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

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
    /// When the story's last moment is (RFC 3339, e.g. 2026-12-01T08:00:00Z); by
    /// default, the moment it is written. The same seed and end write the same events.
    #[arg(long, value_name = "TIME")]
    pub end: Option<jiff::Timestamp>,
}

/// What the scenario left in the read models.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Counts {
    /// Events written.
    events: u64,
    /// Incidents opened.
    incidents: usize,
    /// Of them, not closed.
    open_incidents: usize,
    /// Person records.
    persons: usize,
    /// Evacuees registered.
    evacuees: usize,
    /// Transports scheduled.
    transports: usize,
    /// Hotline calls logged.
    calls: usize,
}

/// Writes the scenario.
pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    if args.scale == 0 {
        anyhow::bail!("--scale must be at least 1");
    }
    let dir = args.data_dir;
    let end = match args.end {
        Some(end) => end,
        None => jiff::Timestamp::now(),
    };
    // Whole seconds, so that the printed end reproduces the scenario exactly.
    let end = jiff::Timestamp::from_second(end.as_second()).context("--end is out of range")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(story::ticks());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} writing the story [{bar:40}] {percent}% {msg} ({elapsed}, {eta} left)",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let started = Instant::now();
    let (counts, refused) = runtime.block_on(async {
        let (service, written) =
            story::write(&dir, args.scale, args.seed, end, |tick, events, at| {
                bar.set_position(tick);
                bar.set_message(format!(
                    "{} UTC, {events} events",
                    at.strftime("%a %d %b %H:%M")
                ));
            })
            .await?;
        let counts = counts(&service, &written);
        anyhow::Ok((counts, written.refused))
    })?;
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    let secs = elapsed.as_secs_f64().max(1e-9);
    println!(
        "Wrote the demo scenario (scale {}, seed {}, ending {}) into {}",
        args.scale,
        args.seed,
        end,
        dir.display()
    );
    println!("  events written   {}", counts.events);
    println!(
        "  incidents        {} ({} still open)",
        counts.incidents, counts.open_incidents
    );
    println!("  persons          {}", counts.persons);
    println!("  evacuees         {}", counts.evacuees);
    println!("  transports       {}", counts.transports);
    println!("  hotline calls    {}", counts.calls);
    println!(
        "  took             {:.1} s ({:.0} events/s)",
        secs,
        counts.events as f64 / secs
    );
    if !refused.is_empty() {
        println!(
            "  refused          {} commands (in the audit trail), e.g. {}",
            refused.len(),
            refused[0]
        );
    }
    let d = dir.display();
    println!();
    println!("Serve it:           homeward serve --data-dir {d}");
    println!(
        "Wall display token: homeward token issue --data-dir {d} --subject crisis-room-wall --role wall_display"
    );
    println!("Then open           http://127.0.0.1:8080/?token=<the token>");
    Ok(ExitCode::SUCCESS)
}

fn counts(service: &homeward_service::Homeward, written: &story::Written) -> Counts {
    let p = service.read();
    let evacuations = p.evacuations.newest_first();
    Counts {
        events: written.events,
        incidents: p.incidents.len(),
        open_incidents: p.incidents.iter().filter(|f| f.status.is_open()).count(),
        persons: p.locator.len(),
        evacuees: evacuations.iter().map(|e| e.evacuees.len()).sum(),
        transports: evacuations.iter().map(|e| e.transports.len()).sum(),
        calls: p.calls.len(),
    }
}
