//! How to reach the cluster and how the topics are laid out.

/// Settings of the Kafka backend.
#[derive(Debug, Clone)]
pub struct KafkaConfig {
    /// `host:port,host:port`.
    pub brokers: String,
    /// Prefix of every topic and group name (`homeward.` by default), so that several
    /// deployments or test runs can share a cluster.
    pub prefix: String,
    /// Partitions of the events and appends topics (at least 1; more partitions spread
    /// the sequencing over more instances).
    pub partitions: i32,
    /// Replication factor of new topics; 0 chooses min(3, brokers in the cluster).
    pub replication: i32,
    /// This instance's stable name (kept in its data directory).
    pub instance_id: String,
    /// How long an erased person's key may still rest on the brokers: the keys topic's
    /// `segment.ms` and `max.compaction.lag.ms` (after it, the key record is compacted
    /// away) and its `delete.retention.ms` (after that, its tombstone too).
    pub erasure_window: std::time::Duration,
    /// The key-encryption key's file, shared by the instances like the token key
    /// (`None`: `personal-data.kek` in the instance's data directory).
    pub kek: Option<std::path::PathBuf>,
}

/// The default [`KafkaConfig::erasure_window`]: one hour.
pub const ERASURE_WINDOW: std::time::Duration = std::time::Duration::from_secs(3600);

impl KafkaConfig {
    /// The events topic: every event and refused command, keyed by stream, kept forever.
    pub fn events_topic(&self) -> String {
        format!("{}events", self.prefix)
    }

    /// The appends topic: requests to the partition's single writer.
    pub fn appends_topic(&self) -> String {
        format!("{}appends", self.prefix)
    }

    /// The results topic: the writer's answers.
    pub fn results_topic(&self) -> String {
        format!("{}results", self.prefix)
    }

    /// The keys topic: per-person keys wrapped by the KEK, compacted.
    pub fn keys_topic(&self) -> String {
        format!("{}keys", self.prefix)
    }

    /// The exercise topic: one record naming the exercise an exercise copy is (absent
    /// on a real deployment), so that every instance of the namespace says EXERCISE.
    pub fn exercise_topic(&self) -> String {
        format!("{}exercise", self.prefix)
    }

    /// Every topic of the deployment (the exercise topic exists only on an exercise
    /// copy).
    pub fn topics(&self) -> [String; 5] {
        [
            self.events_topic(),
            self.appends_topic(),
            self.results_topic(),
            self.keys_topic(),
            self.exercise_topic(),
        ]
    }

    /// The consumer group of the sequencers.
    pub fn sequencer_group(&self) -> String {
        format!("{}sequencer", self.prefix)
    }

    /// The transactional id of this instance's sequencer.
    pub fn transactional_id(&self) -> String {
        format!("{}sequencer-{}", self.prefix, self.instance_id)
    }

    /// A base client configuration. `HOMEWARD_KAFKA_DEBUG` (librdkafka's debug
    /// contexts, e.g. `eos,protocol`) turns on the client's own debug log, shown at the
    /// `debug` level of `rdkafka`.
    pub fn client(&self) -> rdkafka::ClientConfig {
        let mut c = rdkafka::ClientConfig::new();
        c.set("bootstrap.servers", &self.brokers)
            .set("client.id", format!("homeward-{}", self.instance_id))
            .set("socket.keepalive.enable", "true");
        if let Ok(contexts) = std::env::var("HOMEWARD_KAFKA_DEBUG") {
            c.set("debug", contexts)
                .set_log_level(rdkafka::config::RDKafkaLogLevel::Debug);
        }
        c
    }
}
