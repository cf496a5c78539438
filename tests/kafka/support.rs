//! A Kafka cluster for a test (the shared single broker, or a three-broker cluster of
//! its own), Homeward instances on it, and a load of field reports.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use homeward_tests::{Api, Server, cli};
use serde_json::{Value, json};

fn ops(script: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../ops/kafka")
        .join(script)
}

fn run(script: &str, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new("bash").arg(ops(script)).args(args).output()?;
    if !out.status.success() {
        bail!(
            "{script} {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

enum Kind {
    Single { data: Option<PathBuf> },
    Three { data: PathBuf },
}

/// Where the instances of one test write: its own topics on a cluster.
pub struct Cluster {
    pub brokers: String,
    /// The test's deployment name (`--namespace`).
    pub namespace: String,
    /// Its topics' prefix (`NAMESPACE.`).
    pub prefix: String,
    pub key: PathBuf,
    pub tmp: tempfile::TempDir,
    kind: Kind,
}

impl Cluster {
    fn new(brokers: String, kind: Kind) -> anyhow::Result<Self> {
        let tmp = tempfile::tempdir()?;
        let namespace = format!("it-{}", uuid::Uuid::now_v7().simple());
        Ok(Self {
            brokers,
            prefix: format!("{namespace}."),
            namespace,
            key: tmp.path().join("shared-token.key"),
            tmp,
            kind,
        })
    }

    /// The single broker `ops/test.sh` started.
    pub fn single() -> anyhow::Result<Self> {
        let brokers = std::env::var("HOMEWARD_TEST_KAFKA")
            .context("HOMEWARD_TEST_KAFKA is not set: run these tests with ops/test.sh")?;
        let data = std::env::var_os("HOMEWARD_TEST_KAFKA_DATA").map(PathBuf::from);
        Self::new(brokers, Kind::Single { data })
    }

    /// A three-broker cluster of this test's own (replication 3, min.insync.replicas 2).
    pub fn three_brokers() -> anyhow::Result<Self> {
        let data = match std::env::var_os("HOMEWARD_TEST_KAFKA_CLUSTER_DATA") {
            Some(d) => PathBuf::from(d),
            None => std::env::temp_dir().join(format!("homeward-cluster-{}", std::process::id())),
        };
        let brokers = run("start-cluster.sh", &[&data.to_string_lossy()])?;
        Self::new(brokers, Kind::Three { data })
    }

    fn args(&self) -> Vec<String> {
        let replication = match self.kind {
            Kind::Single { .. } => "1",
            Kind::Three { .. } => "3",
        };
        [
            "--kafka",
            &self.brokers,
            "--namespace",
            &self.namespace,
            "--kafka-partitions",
            "3",
            "--kafka-replication",
            replication,
            "--token-key",
            &self.key.to_string_lossy(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    /// `homeward audit verify --kafka`: the chain of every partition of this test's topic.
    pub fn verify_topics(&self) -> anyhow::Result<String> {
        let (status, stdout, stderr) = cli(&[
            "audit",
            "verify",
            "--kafka",
            &self.brokers,
            "--namespace",
            &self.namespace,
        ])?;
        if !status.success() {
            bail!("audit verify --kafka failed: {stdout}{stderr}");
        }
        Ok(stdout)
    }

    /// Stops the single broker and starts it again on its data.
    pub fn restart_broker(&self) -> anyhow::Result<()> {
        let Kind::Single { data: Some(data) } = &self.kind else {
            bail!("HOMEWARD_TEST_KAFKA_DATA is not set: the broker cannot be restarted");
        };
        let data = data.to_string_lossy();
        run("stop.sh", &[&data])?;
        run("start-single.sh", &[&data])?;
        Ok(())
    }

    fn cluster_data(&self) -> anyhow::Result<String> {
        match &self.kind {
            Kind::Three { data } => Ok(data.to_string_lossy().into_owned()),
            Kind::Single { .. } => bail!("not a three-broker cluster"),
        }
    }

    /// The node leading the (one) partition of the events topic that holds the test's stream.
    pub fn events_leader(&self) -> anyhow::Result<String> {
        let topic = format!("{}events", self.prefix);
        let described = run(
            "run-class.sh",
            &[
                "org.apache.kafka.tools.TopicCommand",
                "--bootstrap-server",
                &self.brokers,
                "--describe",
                "--topic",
                &topic,
            ],
        )?;
        // With three partitions, kill the leader of partition 0; the test stream's
        // partition may differ, so kill whichever node leads the most partitions.
        let mut counts = std::collections::BTreeMap::new();
        for line in described.lines() {
            if let Some(rest) = line.split("Leader:").nth(1) {
                let leader = rest.split_whitespace().next().unwrap_or("").to_owned();
                *counts.entry(leader).or_insert(0) += 1;
            }
        }
        counts
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .map(|(l, _)| l)
            .context("no leader in the topic description")
    }

    /// SIGKILL one node of the three.
    pub fn kill_broker(&self, node: String) -> anyhow::Result<()> {
        run("kill-broker.sh", &[&self.cluster_data()?, &node])?;
        Ok(())
    }

    /// Starts one node of the three again.
    pub fn start_broker(&self, node: String) -> anyhow::Result<()> {
        run("start-broker.sh", &[&self.cluster_data()?, &node])?;
        Ok(())
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Kind::Three { data } = &self.kind {
            let _ = run("stop.sh", &[&data.to_string_lossy()]);
            let _ = std::fs::remove_dir_all(data);
        }
    }
}

/// One Homeward instance with its own data directory.
pub struct Instance {
    server: Option<Server>,
    dir: PathBuf,
    token: String,
    extra: Vec<String>,
    /// What earlier runs of the instance logged.
    logs: String,
}

/// Starts an instance named `name` on the cluster.
pub fn instance(cluster: &Cluster, name: &str) -> anyhow::Result<Instance> {
    instance_with(cluster, name, &[])
}

/// [`instance`] with more `serve` arguments, keeping what it logs at `info`.
pub fn instance_with(cluster: &Cluster, name: &str, extra: &[&str]) -> anyhow::Result<Instance> {
    let dir = cluster.tmp.path().join(name);
    let (status, stdout, stderr) = cli(&[
        "token",
        "issue",
        "--data-dir",
        &dir.to_string_lossy(),
        "--token-key",
        &cluster.key.to_string_lossy(),
        "--subject",
        "duty.officer",
        "--role",
        "duty_officer",
    ])?;
    if !status.success() {
        bail!("token issue failed: {stderr}");
    }
    let token = stdout.lines().last().context("no token")?.to_owned();
    let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    let args = [cluster.args(), extra.clone()].concat();
    let server = Server::start_logging(&dir, "127.0.0.1:0", &args, "info")?;
    Ok(Instance {
        server: Some(server),
        dir,
        token,
        extra,
        logs: String::new(),
    })
}

impl Instance {
    pub fn api(&self) -> Arc<Api> {
        let base = self
            .server
            .as_ref()
            .map(|s| s.base.clone())
            .unwrap_or_default();
        Arc::new(Api::new(&base, &self.token))
    }

    pub fn kill(&mut self) -> anyhow::Result<()> {
        if let Some(s) = self.server.take() {
            s.kill()?;
        }
        Ok(())
    }

    /// SIGTERM: the instance leaves the group and shuts down cleanly.
    pub fn stop(&mut self) -> anyhow::Result<()> {
        if let Some(s) = self.server.take() {
            let (_, out) = s.stop_with_output()?;
            self.logs.push_str(&out);
        }
        Ok(())
    }

    /// Its data directory.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Everything it logged, in every run so far.
    pub fn logs(&self) -> String {
        let now = self.server.as_ref().map(Server::output).unwrap_or_default();
        format!("{}{now}", self.logs)
    }

    /// [`Instance::logs`] without the colours (an escape sequence starts with ESC and
    /// ends with `m`), for reading fields.
    pub fn plain_logs(&self) -> String {
        self.logs()
            .split('\u{1b}')
            .enumerate()
            .map(|(i, part)| match part.split_once('m') {
                Some((_, rest)) if i > 0 => rest,
                _ => part,
            })
            .collect()
    }

    /// Starts the instance again on its data (after [`Instance::stop`] or [`Instance::kill`]).
    pub fn start(&mut self, cluster: &Cluster) -> anyhow::Result<()> {
        self.restart(cluster)
    }

    pub fn restart(&mut self, cluster: &Cluster) -> anyhow::Result<()> {
        self.kill()?;
        let args = [cluster.args(), self.extra.clone()].concat();
        self.server = Some(Server::start_logging(
            &self.dir,
            "127.0.0.1:0",
            &args,
            "info",
        )?);
        Ok(())
    }

    /// Polls until the incident reaches `version`.
    pub async fn wait_for_version(&self, id: &str, version: u64) -> anyhow::Result<Value> {
        incident(self, id, version).await
    }

    /// `homeward audit verify` on this instance's copy.
    pub fn verify(&self) -> anyhow::Result<()> {
        let (status, stdout, stderr) =
            cli(&["audit", "verify", "--data-dir", &self.dir.to_string_lossy()])?;
        if !status.success() {
            bail!("audit verify failed: {stdout}{stderr}");
        }
        Ok(())
    }
}

/// Opens an incident through an instance.
pub async fn open_incident(i: &Instance) -> anyhow::Result<String> {
    let r: Value = i
        .api()
        .post("/v1/incidents")
        .json(&json!({"kind":"evacuation","title":"Evacuation of Khartoum","country":"SD","severity":5}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(r["id"].as_str().context("no id")?.to_owned())
}

/// The incident's file from an instance once it has reached `version` (180 s at most: one stream's appends go one at a time through its partition's writer).
pub async fn incident(i: &Instance, id: &str, version: u64) -> anyhow::Result<Value> {
    let api = i.api();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(180);
    loop {
        let response = api.get(&format!("/v1/incidents/{id}")).send().await;
        if let Ok(r) = response
            && r.status().is_success()
        {
            let file: Value = r.json().await?;
            if file["version"].as_u64().unwrap_or(0) >= version {
                return Ok(file);
            }
        }
        if tokio::time::Instant::now() > deadline {
            bail!("the incident did not reach version {version} in 180 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The incident as two instances show it, once both show the same version and it has
/// stopped moving (180 s at most).
pub async fn converged(a: &Instance, b: &Instance, id: &str) -> anyhow::Result<(Value, Value)> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(180);
    let mut last = None;
    loop {
        let from_a = incident(a, id, 0).await?;
        let from_b = incident(b, id, 0).await?;
        let version = from_a["version"].clone();
        if version == from_b["version"] && last.as_ref() == Some(&version) {
            return Ok((from_a, from_b));
        }
        last = Some(version);
        if tokio::time::Instant::now() > deadline {
            bail!("the instances did not converge in 180 s");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Two views of an incident agree on version, status and every report.
pub fn same_file(a: &Value, b: &Value) {
    assert_eq!(a["version"], b["version"]);
    assert_eq!(a["status"], b["status"]);
    let reports = |v: &Value| -> Vec<(String, String)> {
        v["reports"]
            .as_array()
            .map(|rs| {
                rs.iter()
                    .map(|r| {
                        (
                            r["report_id"].as_str().unwrap_or("").to_owned(),
                            r["text"].as_str().unwrap_or("").to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(reports(a), reports(b));
}

/// Clients filing reports on one incident, each retrying with its idempotency key.
pub struct Load {
    id: String,
    apis: Vec<Arc<Api>>,
    attempts: usize,
    /// Starts each report's text and idempotency key, so that several loads on one
    /// incident stay apart.
    label: String,
}

impl Load {
    pub fn new(id: &str, apis: Vec<Arc<Api>>) -> Self {
        Self {
            id: id.to_owned(),
            apis,
            attempts: 240,
            label: String::new(),
        }
    }

    /// Starts each report's text and key with `label`.
    pub fn labelled(mut self, label: &str) -> Self {
        self.label = label.to_owned();
        self
    }

    /// Give up on a request after this many failed attempts.
    pub fn giving_up_after(mut self, attempts: usize) -> Self {
        self.attempts = attempts;
        self
    }

    /// Runs `clients` clients of `each` reports; returns the texts acknowledged.
    pub async fn run(self, clients: usize, each: usize, stop: Arc<AtomicBool>) -> Vec<String> {
        let load = Arc::new(self);
        let mut tasks = Vec::new();
        for c in 0..clients {
            let load = Arc::clone(&load);
            let stop = Arc::clone(&stop);
            tasks.push(tokio::spawn(async move {
                let mut acked = Vec::new();
                'reports: for n in 0..each {
                    let text = format!("{}client {c} report {n}", load.label);
                    let api = &load.apis[(c + n) % load.apis.len()];
                    for attempt in 0..load.attempts {
                        if stop.load(Ordering::SeqCst) && attempt > 0 {
                            break 'reports;
                        }
                        let sent = api
                            .post(&format!("/v1/incidents/{}/reports", load.id))
                            .header("idempotency-key", format!("{}c{c}-n{n}", load.label))
                            .json(&json!({"text": text, "category": "situation"}))
                            .send()
                            .await;
                        match sent {
                            Ok(r) if r.status().is_success() => {
                                acked.push(text.clone());
                                continue 'reports;
                            }
                            _ => tokio::time::sleep(Duration::from_millis(250)).await,
                        }
                    }
                    break;
                }
                acked
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            if let Ok(acked) = t.await {
                all.extend(acked);
            }
        }
        all
    }
}
