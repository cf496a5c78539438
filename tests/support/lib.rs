//! Running the real `homeward` binary for end-to-end tests: start it on a free port
//! with its own data directory, issue tokens with its CLI, kill it.
#![allow(missing_docs)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use anyhow::{Context, bail};

pub mod canary;

/// The binary under test: `$HOMEWARD_BIN`, or the workspace's debug build.
pub fn binary() -> anyhow::Result<PathBuf> {
    let path = match (
        std::env::var_os("HOMEWARD_BIN"),
        std::env::var_os("CARGO_TARGET_DIR"),
    ) {
        (Some(p), _) => PathBuf::from(p),
        (None, Some(target)) => PathBuf::from(target).join("debug/homeward"),
        (None, None) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/debug/homeward"),
    };
    if !path.exists() {
        bail!(
            "{} does not exist: build it first with `cargo build -p homeward` (ops/test.sh does)",
            path.display()
        );
    }
    Ok(path)
}

/// Runs a CLI command to completion.
pub fn cli(args: &[&str]) -> anyhow::Result<(ExitStatus, String, String)> {
    let out = Command::new(binary()?).args(args).output()?;
    Ok((
        out.status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// Issues a token with the CLI; returns the last line of its output.
pub fn token(data_dir: &Path, subject: &str, role: &str) -> anyhow::Result<String> {
    let dir = data_dir.to_string_lossy();
    let (status, stdout, stderr) = cli(&[
        "token",
        "issue",
        "--data-dir",
        &dir,
        "--subject",
        subject,
        "--role",
        role,
    ])?;
    if !status.success() {
        bail!("token issue failed: {stderr}");
    }
    stdout
        .lines()
        .last()
        .map(str::to_owned)
        .context("token issue printed nothing")
}

/// A running server.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its listen address.
    pub addr: String,
    /// Everything it wrote to standard error so far.
    output: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Starts `homeward serve` on `listen` (use `127.0.0.1:0` for any free port) and waits
    /// until it says it is serving.
    pub fn start(data_dir: &Path, listen: &str) -> anyhow::Result<Self> {
        Self::start_with(data_dir, listen, &[])
    }

    /// [`Server::start`] with more `serve` arguments (a Kafka cluster, a shared key).
    pub fn start_with(data_dir: &Path, listen: &str, extra: &[String]) -> anyhow::Result<Self> {
        Self::start_logging(data_dir, listen, extra, "warn")
    }

    /// [`Server::start_with`] with the log filter `rust_log` (`RUST_LOG`); what it logs
    /// is kept ([`Server::output`]).
    pub fn start_logging(
        data_dir: &Path,
        listen: &str,
        extra: &[String],
        rust_log: &str,
    ) -> anyhow::Result<Self> {
        let mut child = Command::new(binary()?)
            .args(["serve", "--data-dir"])
            .arg(data_dir)
            .args(["--listen", listen])
            .args(extra)
            .env("RUST_LOG", rust_log)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let stderr = child.stderr.take().context("no stderr")?;
        let (tx, rx) = mpsc::channel();
        let output = Arc::new(Mutex::new(String::new()));
        let kept = Arc::clone(&output);
        let reader = std::thread::spawn(move || {
            let echo = std::env::var_os("HOMEWARD_TEST_SERVER_LOG").is_some();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if echo {
                    eprintln!("[server] {line}");
                }
                if let Ok(mut out) = kept.lock() {
                    out.push_str(&line);
                    out.push('\n');
                }
                if let Some(rest) = line.strip_prefix("Homeward is serving on http://") {
                    let addr = rest.split_whitespace().next().unwrap_or("").to_owned();
                    let _ = tx.send(addr);
                }
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                bail!("the server did not start within 60 s");
            }
        };
        Ok(Self {
            child,
            base: format!("http://{addr}"),
            addr,
            output,
            reader: Some(reader),
        })
    }

    /// Everything the server wrote to standard error so far (its log).
    pub fn output(&self) -> String {
        self.output.lock().map(|o| o.clone()).unwrap_or_default()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no shutdown, no flush, nothing.
    pub fn kill(mut self) -> anyhow::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }

    /// SIGTERM, wait for a clean exit, and return everything it logged.
    pub fn stop_with_output(mut self) -> anyhow::Result<(ExitStatus, String)> {
        let status = self.terminate()?;
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        Ok((status, self.output()))
    }

    /// SIGTERM, then wait for a clean exit.
    pub fn stop(mut self) -> anyhow::Result<ExitStatus> {
        self.terminate()
    }

    /// SIGTERM, and its exit status once it exited: an error (and SIGKILL) when it has
    /// not exited within [`EXIT_LIMIT`], so a server that hangs on the way out fails
    /// its test rather than holding the suite.
    fn terminate(&mut self) -> anyhow::Result<ExitStatus> {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()?;
        let deadline = std::time::Instant::now() + EXIT_LIMIT;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            if std::time::Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                bail!(
                    "homeward did not exit within {EXIT_LIMIT:?} of SIGTERM; its log:\n{}",
                    self.output()
                );
            }
            // No way to wait for a child with a limit in std: look again shortly.
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// How long a stopped server may take to exit: `serve`'s own grace for its tasks
/// (10 s) and a margin.
pub const EXIT_LIMIT: Duration = Duration::from_secs(30);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP client with a bearer token.
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Api {
    pub fn new(base: &str, token: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap_or_default(),
            base: base.to_owned(),
            token: token.to_owned(),
        }
    }

    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }
}
