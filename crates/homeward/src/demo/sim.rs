//! The machinery of the scenario: simulated time, the commands written in one tick,
//! an agenda of things due, officers, citizens and the words they use.

use std::collections::BTreeMap;
use std::sync::Arc;

use homeward_domain::person::{PersonCommand, PersonDetails, Vulnerability, Whereabouts};
use homeward_domain::{Actor, PersonId, Role, Timestamp};
use homeward_service::{BatchItem, Command, Homeward};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::data::{self, Place};

/// Simulated seconds since the story's first moment (its [`Epoch`]).
pub type Secs = i64;

/// A minute.
pub const MIN: Secs = 60;
/// An hour.
pub const HOUR: Secs = 3_600;
/// How far the clock moves between two batches.
pub const TICK: Secs = 15 * MIN;
/// How long the story runs: five and a half days.
pub const DURATION: Secs = 132 * HOUR;

/// When the story happens: the Unix second of its first moment. The story runs for
/// [`DURATION`] from there, so a scenario that should end at `end` starts at
/// `end - DURATION`; the same seed and the same end write the same events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Epoch(i64);

impl Epoch {
    /// The epoch of a story whose last moment is `end` (whole seconds).
    pub fn ending_at(end: Timestamp) -> Self {
        Self(end.as_second() - DURATION)
    }

    /// The timestamp of a simulated moment.
    pub fn ts(self, t: Secs) -> Timestamp {
        Timestamp::from_second(self.0 + t).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// `HH:MM` of a simulated moment (UTC).
    pub fn clock_time(self, t: Secs) -> String {
        let s = (self.0 + t).rem_euclid(86_400);
        format!("{:02}:{:02}", s / 3_600, (s % 3_600) / 60)
    }

    /// A simulated moment as the officers write it: `15 April 09:30`.
    pub fn day_time(self, t: Secs) -> String {
        let z = self.ts(t).to_zoned(jiff::tz::TimeZone::UTC);
        format!("{} {}", z.strftime("%-d %B"), self.clock_time(t))
    }

    /// Which eight-hour shift at headquarters a simulated moment falls in.
    fn shift(self, t: Secs) -> usize {
        (self.0 + t).div_euclid(8 * HOUR) as usize
    }
}

/// The commands of one tick: registrations and openings first (so that every later
/// command of the tick finds its person or incident in the log before it), then the rest.
pub struct Out {
    service: Arc<Homeward>,
    /// When the story happens.
    pub epoch: Epoch,
    /// The simulated moment of this tick (the clock and every command's `at`).
    pub now: Secs,
    /// Records that others refer to: person registrations, incident openings.
    pub first: Vec<BatchItem>,
    /// Everything else, in order.
    pub then: Vec<BatchItem>,
    passports: u64,
    /// Country risk levels as set so far.
    pub risk: BTreeMap<&'static str, (u8, String)>,
}

impl Out {
    pub fn new(service: Arc<Homeward>, epoch: Epoch) -> Self {
        Self {
            service,
            epoch,
            now: 0,
            first: Vec::new(),
            then: Vec::new(),
            passports: 0,
            risk: BTreeMap::new(),
        }
    }

    /// A fresh identifier from the service's seeded source.
    pub fn id(&self) -> uuid::Uuid {
        self.service.new_id()
    }

    /// Queues a command that others in this tick refer to.
    pub fn first(&mut self, actor: &Actor, command: Command) {
        self.first.push(BatchItem {
            command,
            actor: actor.clone(),
            at: self.epoch.ts(self.now),
        });
    }

    /// Queues a command.
    pub fn then(&mut self, actor: &Actor, command: Command) {
        self.then.push(BatchItem {
            command,
            actor: actor.clone(),
            at: self.epoch.ts(self.now),
        });
    }

    /// A passport number never handed out before in this scenario.
    pub fn passport(&mut self) -> String {
        self.passports += 1;
        passport_number(self.passports)
    }

    /// The duty officer on shift at headquarters now: three eight-hour shifts a day.
    pub fn duty(&self) -> Actor {
        let shift = self.epoch.shift(self.now);
        Actor::new(
            data::HQ_DUTY[shift % data::HQ_DUTY.len()],
            Role::DutyOfficer,
        )
    }

    /// The evacuation coordinator on shift at headquarters now.
    pub fn coordinator(&self) -> Actor {
        let shift = self.epoch.shift(self.now);
        Actor::new(
            data::HQ_EVAC[shift % data::HQ_EVAC.len()],
            Role::EvacuationCoordinator,
        )
    }

    /// One of the three hotline operators on shift now.
    pub fn operator(&self, rng: &mut ChaCha8Rng) -> Actor {
        let shift = self.epoch.shift(self.now);
        let seat = shift * 3 + rng.gen_range(0..3);
        Actor::new(
            data::HQ_HOTLINE[seat % data::HQ_HOTLINE.len()],
            Role::HotlineOperator,
        )
    }

    /// A field time: `t`, never later than now.
    pub fn field(&self, t: Secs) -> Option<Timestamp> {
        Some(self.epoch.ts(t.min(self.now)))
    }
}

/// The `k`-th passport number of the scenario: `E` and 8 digits, all different for
/// the first hundred million.
pub fn passport_number(k: u64) -> String {
    // Multiplying by a number prime to 10^8 walks every 8-digit number once.
    let n = (k % 100_000_000 * 48_271_259 + 31_415_926) % 100_000_000;
    format!("E{n:08}")
}

/// Things due at a moment, in the order they were planned.
pub struct Agenda<J> {
    jobs: BTreeMap<(Secs, u64), J>,
    seq: u64,
}

impl<J> Default for Agenda<J> {
    fn default() -> Self {
        Self {
            jobs: BTreeMap::new(),
            seq: 0,
        }
    }
}

impl<J> Agenda<J> {
    /// Plans `job` for `at`.
    pub fn at(&mut self, at: Secs, job: J) {
        self.seq += 1;
        self.jobs.insert((at, self.seq), job);
    }

    /// The next job due at or before `now`, with its time.
    pub fn due(&mut self, now: Secs) -> Option<(Secs, J)> {
        let first = self.jobs.first_key_value().map(|(k, _)| *k)?;
        if first.0 > now {
            return None;
        }
        self.jobs.remove(&first).map(|j| (first.0, j))
    }
}

/// Picks one element of a non-empty slice.
pub fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.gen_range(0..items.len())]
}

/// Picks one element of a non-empty slice, by reference.
pub fn pick_ref<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

/// Picks `n` distinct elements (fewer when the slice is shorter).
pub fn pick_n<T: Clone>(rng: &mut ChaCha8Rng, items: &[T], n: usize) -> Vec<T> {
    items.choose_multiple(rng, n).cloned().collect()
}

/// A uniformly random moment in `[from, to)`.
pub fn between(rng: &mut ChaCha8Rng, from: Secs, to: Secs) -> Secs {
    if to <= from {
        from
    } else {
        rng.gen_range(from..to)
    }
}

/// Moments of a Poisson process of `per_hour` events an hour in `[from, to)`.
pub fn poisson(rng: &mut ChaCha8Rng, per_hour: f64, from: Secs, to: Secs) -> Vec<Secs> {
    let mut out = Vec::new();
    if per_hour <= 0.0 {
        return out;
    }
    let mut t = from as f64;
    loop {
        let u: f64 = rng.gen_range(f64::EPSILON..1.0);
        t += -u.ln() / per_hour * HOUR as f64;
        if t >= to as f64 {
            return out;
        }
        out.push(t as Secs);
    }
}

/// Fills `{key}` placeholders.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (key, value) in values {
        out = out.replace(&format!("{{{key}}}"), value);
    }
    out
}

/// An upper-case first letter.
pub fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Officers of one post or desk.
pub fn officers(rng: &mut ChaCha8Rng, prefix: &str, n: usize, role: Role) -> Vec<Actor> {
    pick_n(rng, data::FIELD_NAMES, n)
        .into_iter()
        .map(|name| Actor::new(format!("{prefix}.{name}"), role))
        .collect()
}

/// One of a fixed list of headquarters subjects.
pub fn hq(rng: &mut ChaCha8Rng, subjects: &[&str], role: Role) -> Actor {
    Actor::new(pick(rng, subjects), role)
}

/// Man or woman.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn him(self) -> &'static str {
        match self {
            Sex::Male => "him",
            Sex::Female => "her",
        }
    }

    pub fn his(self) -> &'static str {
        match self {
            Sex::Male => "his",
            Sex::Female => "her",
        }
    }

    pub fn he(self) -> &'static str {
        match self {
            Sex::Male => "he",
            Sex::Female => "she",
        }
    }
}

/// A citizen as the scenario knows them.
#[derive(Debug, Clone)]
pub struct Citizen {
    pub id: PersonId,
    pub surname: &'static str,
    pub full_name: String,
    pub sex: Sex,
    pub age: i64,
    pub date_of_birth: String,
    pub nationality: &'static str,
    pub passport: Option<String>,
    pub phone: Option<String>,
    pub vulnerabilities: Vec<Vulnerability>,
}

/// A random date of birth for someone `age` years old in April 2026.
pub fn date_of_birth(rng: &mut ChaCha8Rng, age: i64) -> String {
    let year = 2025 - age;
    format!(
        "{year:04}-{:02}-{:02}",
        rng.gen_range(1..=12),
        rng.gen_range(1..=28)
    )
}

/// A Chinese mobile number.
pub fn cn_phone(rng: &mut ChaCha8Rng) -> String {
    format!(
        "+86 1{}{} {:04} {:04}",
        rng.gen_range(3..=9),
        rng.gen_range(0..=9),
        rng.gen_range(0..10_000),
        rng.gen_range(0..10_000)
    )
}

/// A local mobile number under a country calling code.
pub fn local_phone(rng: &mut ChaCha8Rng, code: &str) -> String {
    format!(
        "{code} 9{} {:03} {:04}",
        rng.gen_range(0..=9),
        rng.gen_range(0..1_000),
        rng.gen_range(0..10_000)
    )
}

/// Makes up a citizen of our country.
pub fn citizen(
    out: &mut Out,
    rng: &mut ChaCha8Rng,
    surname: Option<&'static str>,
    sex: Sex,
    age: i64,
    local_code: Option<&str>,
) -> Citizen {
    let surname = surname.unwrap_or_else(|| pick(rng, data::SURNAMES));
    let given = match (sex, age) {
        (_, 0..=15) => pick(rng, data::CHILD_GIVEN),
        (Sex::Male, 62..) => pick(rng, data::ELDER_MALE_GIVEN),
        (Sex::Female, 62..) => pick(rng, data::ELDER_FEMALE_GIVEN),
        (Sex::Male, _) => pick(rng, data::MALE_GIVEN),
        (Sex::Female, _) => pick(rng, data::FEMALE_GIVEN),
    };
    let phone = if age < 14 {
        None
    } else {
        match local_code {
            Some(code) if rng.gen_bool(0.4) => Some(local_phone(rng, code)),
            _ => Some(cn_phone(rng)),
        }
    };
    let mut vulnerabilities = Vec::new();
    if age < 18 {
        vulnerabilities.push(Vulnerability::Child);
    }
    if age >= 65 {
        vulnerabilities.push(Vulnerability::Elderly);
    }
    Citizen {
        id: PersonId(out.id()),
        surname,
        full_name: format!("{surname} {given}"),
        sex,
        age,
        date_of_birth: date_of_birth(rng, age),
        nationality: "CN",
        passport: Some(out.passport()),
        phone,
        vulnerabilities,
    }
}

/// A local national (a spouse), with a local passport.
pub fn local_spouse(
    out: &mut Out,
    rng: &mut ChaCha8Rng,
    name: &str,
    country: &'static str,
    phone_code: &str,
    sex: Sex,
    age: i64,
) -> Citizen {
    let passport = format!("P{:07}", rng.gen_range(0..10_000_000));
    Citizen {
        id: PersonId(out.id()),
        surname: "",
        full_name: name.to_owned(),
        sex,
        age,
        date_of_birth: date_of_birth(rng, age),
        nationality: country,
        passport: Some(passport),
        phone: Some(local_phone(rng, phone_code)),
        vulnerabilities: Vec::new(),
    }
}

impl Citizen {
    /// The registration command.
    pub fn register(&self, country: &str, place: &Place, rng: &mut ChaCha8Rng) -> PersonCommand {
        self.register_as(country, place, rng, Vec::new())
    }

    /// The registration command, warning of records that look like the same person.
    pub fn register_as(
        &self,
        country: &str,
        place: &Place,
        rng: &mut ChaCha8Rng,
        suspected_duplicates: Vec<PersonId>,
    ) -> PersonCommand {
        let jitter = |rng: &mut ChaCha8Rng| rng.gen_range(-0.008..0.008);
        PersonCommand::Register {
            details: PersonDetails {
                full_name: self.full_name.clone(),
                date_of_birth: self.date_of_birth.clone(),
                nationality: self.nationality.to_owned(),
                passport_number: self.passport.clone(),
                phone: self.phone.clone(),
            },
            whereabouts: Whereabouts {
                country: Some(country.to_owned()),
                place: Some(place.name.to_owned()),
                lat: Some((place.lat + jitter(rng)).clamp(-90.0, 90.0)),
                lon: Some((place.lon + jitter(rng)).clamp(-180.0, 180.0)),
            },
            vulnerabilities: self.vulnerabilities.clone(),
            suspected_duplicates,
        }
    }
}

/// Someone who calls the hotline about a citizen.
#[derive(Debug, Clone)]
pub struct Caller {
    pub relation: &'static str,
    pub name: String,
    pub phone: String,
}

/// A relative (or employer) of `c` who calls from home.
pub fn relative_of(rng: &mut ChaCha8Rng, c: &Citizen) -> Caller {
    let relation: &'static str = if c.age < 18 {
        pick(rng, &["grandmother", "grandfather", "aunt", "uncle"])
    } else if c.age >= 60 {
        pick(rng, &["son", "daughter", "niece"])
    } else if c.age < 40 && rng.gen_bool(0.5) {
        pick(rng, data::RELATIONS_PARENT)
    } else {
        pick(rng, data::RELATIONS_OTHER)
    };
    let same_family = matches!(
        relation,
        "father" | "grandfather" | "uncle" | "brother" | "sister" | "son" | "daughter"
    );
    let surname = if same_family && !c.surname.is_empty() {
        c.surname
    } else {
        pick(rng, data::SURNAMES)
    };
    let female = matches!(
        relation,
        "mother" | "grandmother" | "aunt" | "sister" | "daughter" | "niece" | "wife"
    ) || (matches!(relation, "cousin" | "colleague" | "employer")
        && rng.gen_bool(0.4));
    let given = match (female, relation) {
        (true, "grandmother") => pick(rng, data::ELDER_FEMALE_GIVEN),
        (false, "grandfather") => pick(rng, data::ELDER_MALE_GIVEN),
        (true, _) => pick(rng, data::FEMALE_GIVEN),
        (false, _) => pick(rng, data::MALE_GIVEN),
    };
    Caller {
        relation,
        name: format!("{surname} {given}"),
        phone: cn_phone(rng),
    }
}

/// Template values naming a citizen and a caller.
pub fn about(c: &Citizen, caller: Option<&Caller>) -> Vec<(&'static str, String)> {
    let mut v = vec![
        ("name", c.full_name.clone()),
        ("Name", c.full_name.clone()),
        ("him", c.sex.him().to_owned()),
        ("his", c.sex.his().to_owned()),
        ("he", c.sex.he().to_owned()),
    ];
    if let Some(caller) = caller {
        v.push(("Relation", capitalise(caller.relation)));
        v.push(("relation", caller.relation.to_owned()));
    }
    v
}

/// [`fill`] with owned values.
pub fn fill_owned(template: &str, values: &[(&'static str, String)]) -> String {
    let borrowed: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    fill(template, &borrowed)
}
