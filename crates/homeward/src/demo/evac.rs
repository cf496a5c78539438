//! One theatre: a country our citizens must leave. Risk levels rise, an evacuation
//! incident is opened and escalated, about 1,800 citizens register, reach the assembly
//! points, are seated family by family on flights, buses and a ship, board, leave and
//! arrive; relatives call the hotline, officers call those who have not come, file
//! reports from the field, and two duplicate records are merged.

use std::collections::{BTreeMap, BTreeSet};

use homeward_domain::call::{CallCategory, CallCommand, LogCall};
use homeward_domain::country::CountryCommand;
use homeward_domain::evacuation::{EvacuationCommand, Priority, ScheduleTransport, TransportMode};
use homeward_domain::incident::{
    AffectedStatus, FileReport, IncidentCommand, IncidentKind, IncidentStatus, OpenIncident,
    ReportCategory,
};
use homeward_domain::person::{PersonCommand, Vulnerability, WelfareStatus, Whereabouts};
use homeward_domain::{
    Actor, CallId, CountryCode, EvacuationId, IncidentId, PersonId, ReportId, Role, TaskId,
    TransportId,
};
use homeward_service::Command;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::data::{self, Place};
use super::sim::{
    Agenda, Citizen, Epoch, HOUR, MIN, Out, Secs, Sex, about, between, capitalise, citizen, fill,
    fill_owned, hq, local_spouse, officers, pick, pick_ref, poisson, relative_of,
};

/// Where a report was written.
struct Spot {
    name: &'static str,
    coords: Option<(f64, f64)>,
}

impl From<Place> for Spot {
    fn from(p: Place) -> Self {
        Self {
            name: p.name,
            coords: Some((p.lat, p.lon)),
        }
    }
}

/// When the fighting reaches the company camp of the second wave.
const WAVE: Secs = 84 * HOUR;

/// How many citizens a theatre evacuates, about.
pub const EVACUEES: usize = 1_800;

#[derive(Debug)]
enum Job {
    Open,
    OpenEvacuation,
    Escalate,
    Risk(&'static str, u8, String),
    CompleteTask(usize),
    Schedule(usize),
    Register(usize),
    CheckIn(usize),
    ReCheckIn(usize),
    Boarding(usize),
    Offload(usize, usize),
    Depart(usize),
    Arrive(usize),
    Report,
    Whereabouts,
    EvacRequest,
    WelfareSweep,
    Welfare(usize),
    Injury,
    Duplicate,
    Merge(PersonId, usize),
    Background,
    Wave,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    Registered,
    CheckedIn,
    Assigned,
    Boarded,
    Departed,
    Arrived,
    NoShow,
}

struct Evacuee {
    c: Citizen,
    household: usize,
    priority: Priority,
    st: St,
    transport: Option<usize>,
}

struct Household {
    size: usize,
    arrives: Secs,
    never_checks_in: bool,
    district: usize,
    point: usize,
    company: &'static str,
    province: &'static str,
    members: Vec<usize>,
    rank: u8,
    /// Leaving by bus to the border (families in good health, workers of companies
    /// with convoys) rather than by air or sea.
    overland: bool,
    checked_in_at: Secs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Planned,
    /// Not needed after all: never scheduled.
    Dropped,
    Scheduled,
    Departed,
    Arrived,
}

struct Transport {
    id: TransportId,
    mode: TransportMode,
    carrier: String,
    number: String,
    from: &'static str,
    to: &'static str,
    departs: Secs,
    duration: Secs,
    capacity: u32,
    taken: u32,
    phase: Phase,
    boarding: bool,
    departed_at: Secs,
    /// Which bus of its convoy (0 for other transports).
    convoy_index: i64,
    /// Scheduled whatever the queue; the others only if the queue needs them.
    required: bool,
}

impl Transport {
    /// How long before departure seats are given out.
    fn window(&self) -> Secs {
        match self.mode {
            TransportMode::Flight => 14 * HOUR,
            TransportMode::Bus | TransportMode::Train => 8 * HOUR,
            TransportMode::Ship => 20 * HOUR,
        }
    }

    /// When boarding starts.
    fn boarding_at(&self) -> Secs {
        match self.mode {
            TransportMode::Flight => self.departs - 150 * MIN,
            TransportMode::Bus | TransportMode::Train => self.departs - HOUR,
            TransportMode::Ship => self.departs - 3 * HOUR,
        }
    }

    /// Buses take the households going overland; flights and the ship the others,
    /// and those going overland too once no more buses are to leave.
    fn takes(&self, overland: bool, buses_ahead: bool) -> bool {
        (self.mode == TransportMode::Bus) == overland || (overland && !buses_ahead)
    }
}

fn rank_of(p: Priority) -> u8 {
    match p {
        Priority::Medical => 0,
        Priority::Child => 1,
        Priority::Elderly => 2,
        Priority::Pregnant => 3,
        Priority::Standard => 4,
    }
}

/// The evacuation of one theatre.
pub struct Theatre {
    t: &'static data::Theatre,
    epoch: Epoch,
    round: usize,
    start: Secs,
    rng: ChaCha8Rng,
    agenda: Agenda<Job>,
    coordinator: Actor,
    field: Vec<Actor>,
    incident: IncidentId,
    evacuation: EvacuationId,
    points: Vec<&'static str>,
    dest: &'static str,
    households: Vec<Household>,
    people: Vec<Evacuee>,
    registered: Vec<usize>,
    transports: Vec<Transport>,
    tasks: Vec<TaskId>,
    affected: BTreeMap<usize, AffectedStatus>,
    waiting: BTreeSet<(u8, Secs, usize)>,
    offloads: usize,
    opened_at: Secs,
    /// Where the second wave comes from: a district, its assembly point, the company.
    wave: (usize, usize, &'static str),
    /// Assembly points in use: the first of `points` (the last may open later).
    open_points: usize,
}

impl Theatre {
    /// Plans the theatre of scale unit `unit`, starting at `start`.
    pub fn new(unit: usize, seed: u64, start: Secs, out: &Out) -> Self {
        let t = &data::THEATRES[unit % data::THEATRES.len()];
        let round = unit / data::THEATRES.len();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let n_points = rng.gen_range(3..=4).min(t.assembly_points.len());
        let mut points = super::sim::pick_n(&mut rng, t.assembly_points, n_points);
        // The second wave gathers at a point opened for it, when there is one more.
        let extra = t
            .assembly_points
            .iter()
            .find(|p| !points.contains(p))
            .copied();
        let wave_point = match extra {
            Some(p) => {
                points.push(p);
                n_points
            }
            None => rng.gen_range(0..n_points),
        };
        let field = officers(
            &mut rng,
            &format!("embassy.{}", t.post),
            4,
            Role::FieldOfficer,
        );
        let mut theatre = Self {
            t,
            epoch: out.epoch,
            round,
            start,
            coordinator: hq(&mut rng, data::HQ_EVAC, Role::EvacuationCoordinator),
            field,
            incident: IncidentId(out.id()),
            evacuation: EvacuationId(out.id()),
            points,
            dest: pick(&mut rng, t.destinations),
            wave: (
                rng.gen_range(0..t.districts.len()),
                wave_point,
                pick(&mut rng, &data::COMPANIES[..10]),
            ),
            open_points: n_points,
            households: Vec::new(),
            people: Vec::new(),
            registered: Vec::new(),
            transports: Vec::new(),
            tasks: Vec::new(),
            affected: BTreeMap::new(),
            waiting: BTreeSet::new(),
            offloads: 0,
            opened_at: start,
            agenda: Agenda::default(),
            rng,
        };
        theatre.plan_households();
        theatre.plan_transports();
        theatre.plan_story();
        theatre
    }

    fn plan_households(&mut self) {
        let rng = &mut self.rng;
        let target = EVACUEES - 50 + rng.gen_range(0..100);
        let mut total = 0;
        while total < target {
            let size = match rng.gen_range(0..100) {
                0..60 => 1,
                60..72 => 2,
                72..85 => 3,
                85..95 => 4,
                _ => 5,
            };
            // Most register on the first day, many on the second, a few later; then
            // the fighting reaches a company camp and its workers register together.
            let roll = rng.gen_range(0..100);
            let arrives = match roll {
                0..50 => between(rng, 2 * HOUR, 24 * HOUR),
                50..75 => between(rng, 24 * HOUR, 48 * HOUR),
                75..80 => between(rng, 48 * HOUR, 84 * HOUR),
                80..95 => between(rng, WAVE, WAVE + 16 * HOUR),
                _ => between(rng, 100 * HOUR, 128 * HOUR),
            };
            let wave = (80..95).contains(&roll);
            self.households.push(Household {
                size,
                arrives: self.start + arrives,
                never_checks_in: rng.gen_bool(0.015),
                district: if wave {
                    self.wave.0
                } else {
                    rng.gen_range(0..self.t.districts.len())
                },
                point: if wave {
                    self.wave.1
                } else {
                    rng.gen_range(0..self.open_points)
                },
                company: if wave {
                    self.wave.2
                } else {
                    pick(rng, data::COMPANIES)
                },
                province: pick(rng, data::PROVINCES),
                members: Vec::new(),
                rank: 4,
                overland: false,
                checked_in_at: 0,
            });
            total += size;
        }
    }

    fn plan_transports(&mut self) {
        let t = self.t;
        let rng = &mut self.rng;
        // Most citizens register on the first two days: the flights follow them, and
        // the last one, announced as the final flight, leaves after the story ends.
        let mut flights: Vec<i64> = vec![22, 32, 44, 58, 76, 96, 112, 129, 140];
        if t.ship.is_none() {
            flights.push(52);
        }
        for (k, h) in flights.into_iter().enumerate() {
            let (airline, prefix) = pick(rng, data::AIRLINES);
            // Mostly narrow-body aircraft, now and then a wide-body one.
            let seats = if rng.gen_bool(0.7) {
                pick(rng, &data::FLIGHT_SEATS[..6])
            } else {
                pick(rng, &data::FLIGHT_SEATS[6..])
            };
            self.transports.push(Transport {
                id: TransportId(uuid::Uuid::nil()),
                mode: TransportMode::Flight,
                carrier: airline.to_owned(),
                number: format!("{prefix} {}", 700 + 20 * k + rng.gen_range(0..19)),
                from: t.airfield,
                to: pick(rng, t.destinations),
                departs: self.start + h * HOUR + between(rng, -40 * MIN, 40 * MIN),
                duration: between(rng, 3 * HOUR, 6 * HOUR),
                capacity: seats,
                taken: 0,
                phase: Phase::Planned,
                boarding: false,
                departed_at: 0,
                convoy_index: 0,
                required: h <= 44 || h >= 129,
            });
        }
        for (convoy, (h, buses)) in [(16, 4), (34, 4), (58, 4), (100, 4)]
            .into_iter()
            .enumerate()
        {
            let (from, to) = t.overland[convoy % t.overland.len()];
            let carrier = pick(rng, t.bus_carriers);
            let departs = self.start + h * HOUR + between(rng, -30 * MIN, 30 * MIN);
            let duration = between(rng, 10 * HOUR, 18 * HOUR);
            for b in 0..buses {
                self.transports.push(Transport {
                    id: TransportId(uuid::Uuid::nil()),
                    mode: TransportMode::Bus,
                    carrier: carrier.to_owned(),
                    number: format!("Convoy {}-{}", (b'A' + convoy as u8) as char, b + 1),
                    from,
                    to,
                    departs: departs + b * 5 * MIN,
                    duration,
                    capacity: 50,
                    taken: 0,
                    phase: Phase::Planned,
                    boarding: false,
                    departed_at: 0,
                    convoy_index: b,
                    required: convoy == 0 && b == 0,
                });
            }
        }
        if let Some(ship) = &t.ship {
            self.transports.push(Transport {
                id: TransportId(uuid::Uuid::nil()),
                mode: TransportMode::Ship,
                carrier: ship.carrier.to_owned(),
                number: ship.number.to_owned(),
                from: ship.from,
                to: ship.to,
                departs: self.start + 36 * HOUR + between(rng, -HOUR, HOUR),
                required: true,
                duration: between(rng, 24 * HOUR, 34 * HOUR),
                capacity: ship.capacity,
                taken: 0,
                phase: Phase::Planned,
                boarding: false,
                departed_at: 0,
                convoy_index: 0,
            });
        }
        self.transports.sort_by_key(|t| t.departs);
    }

    fn plan_story(&mut self) {
        let s = self.start;
        let rng = &mut self.rng;
        self.agenda.at(s, Job::Open);
        self.agenda.at(s + 90 * MIN, Job::OpenEvacuation);
        self.agenda
            .at(s + between(rng, 8 * HOUR, 14 * HOUR), Job::Escalate);
        for &(code, level, reason) in self.t.neighbours {
            let at = s + between(rng, 16 * HOUR, 48 * HOUR);
            self.agenda
                .at(at, Job::Risk(code, level, reason.to_owned()));
        }
        for at in poisson(rng, 1.2, s + HOUR, s + 140 * HOUR) {
            self.agenda.at(at, Job::Report);
        }
        for at in poisson(rng, 2.0, s + 3 * HOUR, s + 140 * HOUR) {
            self.agenda.at(at, Job::Whereabouts);
        }
        for at in poisson(rng, 0.5, s + 2 * HOUR, s + 72 * HOUR) {
            self.agenda.at(at, Job::EvacRequest);
        }
        for at in poisson(rng, 0.6, s, s + 140 * HOUR) {
            self.agenda.at(at, Job::Background);
        }
        self.agenda.at(s + WAVE - HOUR, Job::Wave);
        for h in (12..140).step_by(12) {
            self.agenda.at(s + h * HOUR, Job::WelfareSweep);
        }
        for _ in 0..2 {
            let at = s + between(rng, 20 * HOUR, 90 * HOUR);
            self.agenda.at(at, Job::Injury);
            let at = s + between(rng, 12 * HOUR, 70 * HOUR);
            self.agenda.at(at, Job::Duplicate);
        }
    }

    /// Writes what is due by `out.now`.
    pub fn step(&mut self, out: &mut Out) {
        while let Some((at, job)) = self.agenda.due(out.now) {
            self.run(at, job, out);
        }
        self.seat_waiting(out);
    }

    fn officer(&mut self) -> Actor {
        pick_ref(&mut self.rng, &self.field).clone()
    }

    /// The officer at the evacuation desk this quarter-hour: registrations, check-ins
    /// and boarding go through one officer at a time.
    fn desk(&self, out: &Out) -> Actor {
        let turn = (out.now / super::sim::TICK) as usize;
        self.field[turn % self.field.len()].clone()
    }

    fn operator(&mut self, out: &Out) -> Actor {
        out.operator(&mut self.rng)
    }

    fn incident_cmd(&self, c: IncidentCommand) -> Command {
        Command::Incident(self.incident, c)
    }

    fn evac_cmd(&self, c: EvacuationCommand) -> Command {
        Command::Evacuation(self.evacuation, c)
    }

    fn country(&self) -> &'static str {
        self.t.code
    }

    fn set_risk(&self, out: &mut Out, code: &'static str, level: u8, reason: String) {
        if let Some(country) = CountryCode::parse(code) {
            out.risk.insert(code, (level, reason.clone()));
            let duty = out.duty();
            out.then(
                &duty,
                Command::Country(country, CountryCommand::SetRiskLevel { level, reason }),
            );
        }
    }

    fn report(
        &mut self,
        out: &mut Out,
        reporter: &Actor,
        text: String,
        category: ReportCategory,
        spot: Spot,
        occurred: Secs,
    ) {
        let report = FileReport {
            report_id: ReportId(out.id()),
            text,
            category,
            place: Some(spot.name.to_owned()),
            lat: spot.coords.map(|c| c.0),
            lon: spot.coords.map(|c| c.1),
            occurred_at: out.field(occurred.max(self.opened_at)),
        };
        out.then(
            reporter,
            self.incident_cmd(IncidentCommand::FileReport(report)),
        );
    }

    fn set_affected(
        &mut self,
        out: &mut Out,
        actor: &Actor,
        p: usize,
        to: AffectedStatus,
        note: String,
    ) {
        let person_id = self.people[p].c.id;
        match self.affected.get(&p).copied() {
            None => out.then(
                actor,
                self.incident_cmd(IncidentCommand::AddPerson {
                    person_id,
                    status: to,
                    note: Some(note),
                    person_known: true,
                }),
            ),
            Some(from) if from == to || from.is_terminal() => return,
            Some(_) => out.then(
                actor,
                self.incident_cmd(IncidentCommand::ChangePersonStatus {
                    person_id,
                    status: to,
                    note: Some(note),
                }),
            ),
        }
        self.affected.insert(p, to);
    }

    /// Words for a report written at `at`: a district (returned too, for the report's
    /// place), another district, an assembly point with the number of citizens waiting
    /// there, the hour, small numbers and names.
    fn values(&mut self, at: Secs) -> (Vec<(&'static str, String)>, Place) {
        let t = self.t;
        let rng = &mut self.rng;
        let d1 = rng.gen_range(0..t.districts.len());
        let mut d2 = rng.gen_range(0..t.districts.len());
        if d2 == d1 {
            d2 = (d1 + 1) % t.districts.len();
        }
        let point = rng.gen_range(0..self.open_points);
        let waiting = self
            .waiting
            .iter()
            .filter(|(_, _, h)| self.households[*h].point == point)
            .map(|(_, _, h)| self.households[*h].members.len())
            .sum::<usize>();
        let n = if waiting < 5 {
            rng.gen_range(5..30)
        } else {
            waiting
        };
        let m = rng.gen_range(2..=12);
        let values = vec![
            ("district", t.districts[d1].name.to_owned()),
            ("district2", t.districts[d2].name.to_owned()),
            ("point", self.points[point].to_owned()),
            ("capital", t.capital.to_owned()),
            ("country", t.name.to_owned()),
            ("hh", self.epoch.clock_time(at)[..2].to_owned()),
            ("n", n.to_string()),
            ("m", m.to_string()),
            ("k", rng.gen_range(1..=m).to_string()),
            ("company", pick(rng, &data::COMPANIES[..10]).to_owned()),
            ("airfield", t.airfield.to_owned()),
            ("outlet", pick(rng, t.media).to_owned()),
            ("dest", self.dest.to_owned()),
        ];
        (values, t.districts[d1])
    }

    fn run(&mut self, at: Secs, job: Job, out: &mut Out) {
        match job {
            Job::Open => self.open(at, out),
            Job::OpenEvacuation => self.open_evacuation(out),
            Job::Escalate => {
                let duty = out.duty();
                out.then(
                    &duty,
                    self.incident_cmd(IncidentCommand::SetSeverity {
                        severity: 5,
                        reason: Some(capitalise(self.t.escalation)),
                    }),
                );
                self.set_risk(out, self.t.code, 4, self.t.risk4.to_owned());
                let officer = self.officer();
                let spot = Spot::from(self.t.districts[0]);
                let text = format!(
                    "{}. Embassy staff moved to the inner compound.",
                    capitalise(self.t.escalation)
                );
                self.report(
                    out,
                    &officer,
                    text,
                    ReportCategory::Security,
                    spot,
                    at - 20 * MIN,
                );
            }
            Job::Risk(code, level, reason) => self.set_risk(out, code, level, reason),
            Job::CompleteTask(i) => {
                let officer = self.officer();
                out.then(
                    &officer,
                    self.incident_cmd(IncidentCommand::CompleteTask {
                        task_id: self.tasks[i],
                        note: Some("Done.".to_owned()),
                    }),
                );
            }
            Job::Schedule(i) => self.schedule(i, out),
            Job::Register(h) => self.register(h, out),
            Job::CheckIn(h) => self.check_in(h, at, out),
            Job::ReCheckIn(p) => self.re_check_in(p, at, out),
            Job::Boarding(i) => self.boarding(i, out),
            Job::Offload(i, p) => self.offload(i, p, out),
            Job::Depart(i) => self.depart(i, at, out),
            Job::Arrive(i) => self.arrive(i, at, out),
            Job::Report => self.field_report(at, out),
            Job::Whereabouts => self.whereabouts(out),
            Job::EvacRequest => self.evac_request(out),
            Job::WelfareSweep => self.welfare_sweep(at, out),
            Job::Welfare(p) => self.welfare(p, at, out),
            Job::Injury => self.injury(at, out),
            Job::Duplicate => self.duplicate(at, out),
            Job::Merge(dup, p) => {
                let operator = self.operator(out);
                let reason = (pick(&mut self.rng, data::MERGE_REASONS)).to_owned();
                out.then(
                    &operator,
                    Command::Person(
                        dup,
                        PersonCommand::MergeInto {
                            this: dup,
                            into: self.people[p].c.id,
                            reason,
                            target: Some(None),
                        },
                    ),
                );
            }
            Job::Background => self.background(out),
            Job::Wave => self.wave(at, out),
        }
    }

    fn open(&mut self, at: Secs, out: &mut Out) {
        let t = self.t;
        self.opened_at = at;
        self.set_risk(out, t.code, 3, t.risk3.to_owned());
        let title = if self.round == 0 {
            format!("Evacuation of citizens from {}", t.name)
        } else {
            format!(
                "Evacuation of citizens from {} (group {})",
                t.name,
                self.round + 1
            )
        };
        let people: usize = self.households.iter().map(|h| h.size).sum();
        let summary = format!(
            "Crisis cell activated after {}. About {} citizens are expected to ask to leave; assembly points at {}.",
            t.crisis,
            people / 100 * 100,
            self.points[..self.open_points].join("; ")
        );
        let duty = out.duty();
        out.first(
            &duty,
            self.incident_cmd(IncidentCommand::Open(OpenIncident {
                kind: IncidentKind::Evacuation,
                title,
                country: t.code.to_owned(),
                severity: 4,
                classification: None,
                place: Some(t.capital.to_owned()),
                lat: Some(t.lat),
                lon: Some(t.lon),
                summary: Some(summary),
                occurred_at: out.field(at - 2 * HOUR),
            })),
        );
        let coordinator = self.coordinator.subject.clone();
        out.then(
            &duty,
            self.incident_cmd(IncidentCommand::AssignLead {
                subject: coordinator.clone(),
            }),
        );
        for member in [self.field[0].subject.clone(), self.field[1].subject.clone()] {
            out.then(
                &duty,
                self.incident_cmd(IncidentCommand::AddTeamMember { subject: member }),
            );
        }
        out.then(
            &duty,
            self.incident_cmd(IncidentCommand::ChangeStatus {
                status: IncidentStatus::Active,
                reason: Some(data::EVAC_ACTIVE.to_owned()),
            }),
        );
        let values = [("airfield", t.airfield), ("dest", self.dest)];
        for (i, &(title, due, done)) in data::EVAC_TASKS.iter().enumerate() {
            let task_id = TaskId(out.id());
            self.tasks.push(task_id);
            let assignee = if i % 2 == 0 {
                coordinator.clone()
            } else {
                self.field[i % self.field.len()].subject.clone()
            };
            out.then(
                &duty,
                self.incident_cmd(IncidentCommand::AddTask {
                    task_id,
                    title: fill(title, &values),
                    due_at: Some(out.epoch.ts(at + due * HOUR)),
                    assignee: Some(assignee),
                }),
            );
            if let Some(done) = done {
                let jitter = between(&mut self.rng, -20 * MIN, 20 * MIN);
                self.agenda
                    .at(at + done * HOUR + jitter, Job::CompleteTask(i));
            }
        }
    }

    fn open_evacuation(&mut self, out: &mut Out) {
        let t = self.t;
        let coordinator = self.coordinator.clone();
        out.then(
            &coordinator,
            self.evac_cmd(EvacuationCommand::Open {
                country: t.code.to_owned(),
                reason: format!(
                    "{}. Citizens leave by charter flights from {} and by bus convoys overland.",
                    capitalise(t.crisis),
                    t.airfield
                ),
                assembly_points: self.points[..self.open_points]
                    .iter()
                    .map(|p| (*p).to_owned())
                    .collect(),
                incident_id: Some(self.incident),
                incident_known: true,
            }),
        );
        for i in 0..self.transports.len() {
            let tr = &self.transports[i];
            let latest = tr.departs - tr.window() - HOUR;
            let at = if tr.mode == TransportMode::Bus {
                // A convoy's buses are hired together, as many as the queue needs.
                latest - HOUR - tr.convoy_index * 5 * MIN
            } else {
                tr.departs - 40 * HOUR + between(&mut self.rng, 0, 12 * HOUR)
            };
            let at = at.min(latest).max(out.now);
            self.agenda.at(at, Job::Schedule(i));
        }
        for h in 0..self.households.len() {
            let at = self.households[h].arrives.max(out.now + 15 * MIN);
            self.agenda.at(at, Job::Register(h));
        }
    }

    /// Whether the queue needs transport `i`: the citizens waiting for a seat it may
    /// take, and those registered who have yet to come, beyond the seats left on
    /// everything given out before it.
    fn needed(&self, i: usize) -> bool {
        let tr = &self.transports[i];
        let waiting: usize = self
            .waiting
            .iter()
            .filter(|(_, _, h)| tr.takes(self.households[*h].overland, true))
            .map(|(_, _, h)| self.households[*h].members.len())
            .sum();
        let coming = self
            .registered
            .iter()
            .filter(|&&p| {
                self.people[p].st == St::Registered
                    && tr.takes(self.households[self.people[p].household].overland, true)
            })
            .count();
        let free: u32 = self
            .transports
            .iter()
            .filter(|o| {
                o.phase == Phase::Scheduled
                    && !o.boarding
                    && (o.mode == TransportMode::Bus) == (tr.mode == TransportMode::Bus)
                    && o.departs - o.window() <= tr.departs - tr.window()
            })
            .map(|o| o.capacity - o.taken)
            .sum();
        let threshold = match tr.mode {
            TransportMode::Bus | TransportMode::Train => 20,
            TransportMode::Flight => 60,
            TransportMode::Ship => 100,
        };
        waiting + coming >= free as usize + threshold
    }

    fn schedule(&mut self, i: usize, out: &mut Out) {
        if !self.transports[i].required && !self.needed(i) {
            self.transports[i].phase = Phase::Dropped;
            return;
        }
        let id = TransportId(out.id());
        let tr = &mut self.transports[i];
        tr.id = id;
        tr.phase = Phase::Scheduled;
        let command = EvacuationCommand::ScheduleTransport(ScheduleTransport {
            transport_id: id,
            mode: tr.mode,
            carrier: Some(tr.carrier.clone()),
            number: tr.number.clone(),
            from: tr.from.to_owned(),
            to: tr.to.to_owned(),
            departs_at: out.epoch.ts(tr.departs),
            capacity: tr.capacity,
        });
        let boarding = tr.boarding_at();
        let coordinator = self.coordinator.clone();
        out.then(&coordinator, self.evac_cmd(command));
        self.agenda.at(boarding, Job::Boarding(i));
    }

    fn register(&mut self, h: usize, out: &mut Out) {
        let t = self.t;
        let size = self.households[h].size;
        let mut members: Vec<(Citizen, Priority)> = Vec::new();
        let rng = &mut self.rng;
        if size == 1 {
            let sex = if rng.gen_bool(0.8) {
                Sex::Male
            } else {
                Sex::Female
            };
            let age = if rng.gen_bool(0.03) {
                rng.gen_range(60..70)
            } else {
                rng.gen_range(22..59)
            };
            let mut c = citizen(out, rng, None, sex, age, Some(t.phone));
            let roll = rng.gen_range(0..100);
            if roll < 3 {
                c.vulnerabilities.push(Vulnerability::Medical);
            } else if roll < 4 {
                c.vulnerabilities.push(Vulnerability::Disability);
            }
            members.push((c, Priority::Standard));
        } else {
            let sex = if rng.gen_bool(0.75) {
                Sex::Male
            } else {
                Sex::Female
            };
            let age = rng.gen_range(28..53);
            let first = citizen(out, rng, None, sex, age, Some(t.phone));
            let spouse_sex = if sex == Sex::Male {
                Sex::Female
            } else {
                Sex::Male
            };
            let spouse_age = (age + rng.gen_range(-4..=4)).max(22);
            let local: Vec<&'static str> = t
                .local_names
                .iter()
                .copied()
                .filter(|n| data::is_male_name(n) == (spouse_sex == Sex::Male))
                .collect();
            let mut spouse = if !local.is_empty() && rng.gen_bool(0.08) {
                let name = pick(rng, &local);
                local_spouse(out, rng, name, t.code, t.phone, spouse_sex, spouse_age)
            } else {
                citizen(out, rng, None, spouse_sex, spouse_age, Some(t.phone))
            };
            let mother_age = if sex == Sex::Female { age } else { spouse_age };
            let children_surname = if sex == Sex::Male || spouse.surname.is_empty() {
                first.surname
            } else {
                spouse.surname
            };
            let mut pregnant = false;
            if spouse_sex == Sex::Female && spouse_age < 42 && rng.gen_bool(0.08) {
                spouse.vulnerabilities.push(Vulnerability::Pregnant);
                pregnant = true;
            }
            members.push((first, Priority::Standard));
            members.push((
                spouse,
                if pregnant {
                    Priority::Pregnant
                } else {
                    Priority::Standard
                },
            ));
            let mut rest = size - 2;
            if rest > 0 && rng.gen_bool(0.15) {
                let gsex = if rng.gen_bool(0.5) {
                    Sex::Male
                } else {
                    Sex::Female
                };
                let gage = rng.gen_range(62..81);
                let mut g = citizen(out, rng, Some(children_surname), gsex, gage, None);
                if rng.gen_bool(0.3) {
                    g.vulnerabilities.push(Vulnerability::Medical);
                }
                members.push((g, Priority::Standard));
                rest -= 1;
            }
            for _ in 0..rest {
                let csex = if rng.gen_bool(0.5) {
                    Sex::Male
                } else {
                    Sex::Female
                };
                let cage = rng.gen_range(0..(mother_age - 20).clamp(1, 17));
                let child = citizen(out, rng, Some(children_surname), csex, cage, None);
                members.push((child, Priority::Child));
            }
        }
        let household = &self.households[h];
        let district = t.districts[household.district];
        let group =
            (size > 1).then(|| format!("{} family {}-{:04}", members[0].0.surname, t.code, h + 1));
        let officer = self.desk(out);
        let mut rank = 4;
        let mut indices = Vec::new();
        for (c, default) in members {
            let priority = if c
                .vulnerabilities
                .iter()
                .any(|v| matches!(v, Vulnerability::Medical | Vulnerability::Disability))
            {
                Priority::Medical
            } else if c.vulnerabilities.contains(&Vulnerability::Child) {
                Priority::Child
            } else if c.vulnerabilities.contains(&Vulnerability::Elderly) {
                Priority::Elderly
            } else {
                default
            };
            rank = rank.min(rank_of(priority));
            out.first(
                &officer,
                Command::Person(c.id, c.register(t.code, &district, &mut self.rng)),
            );
            out.then(
                &officer,
                self.evac_cmd(EvacuationCommand::RegisterEvacuee {
                    person_id: c.id,
                    priority,
                    group: group.clone(),
                    person_known: true,
                }),
            );
            let p = self.people.len();
            self.people.push(Evacuee {
                c,
                household: h,
                priority,
                st: St::Registered,
                transport: None,
            });
            self.registered.push(p);
            indices.push(p);
        }
        let household = &mut self.households[h];
        household.members = indices;
        household.rank = rank;
        household.overland = matches!(rank, 1 | 4) && self.rng.gen_bool(0.4);
        if !household.never_checks_in {
            let lag = match self.rng.gen_range(0..10) {
                0..6 => between(&mut self.rng, HOUR, 6 * HOUR),
                6..9 => between(&mut self.rng, 6 * HOUR, 16 * HOUR),
                _ => between(&mut self.rng, 16 * HOUR, 36 * HOUR),
            };
            self.agenda.at(out.now + lag, Job::CheckIn(h));
        }
    }

    fn check_in(&mut self, h: usize, at: Secs, out: &mut Out) {
        let point_index = self.households[h].point;
        let point = self.points[point_index];
        let officer = self.desk(out);
        let members = self.households[h].members.clone();
        for &p in &members {
            out.then(
                &officer,
                self.evac_cmd(EvacuationCommand::CheckIn {
                    person_id: self.people[p].c.id,
                    assembly_point: Some(point.to_owned()),
                }),
            );
            self.people[p].st = St::CheckedIn;
            if self.affected.get(&p) == Some(&AffectedStatus::Unaccounted) {
                self.set_affected(
                    out,
                    &officer,
                    p,
                    AffectedStatus::Safe,
                    format!("Checked in at {point}."),
                );
            }
        }
        let household = &mut self.households[h];
        household.checked_in_at = at;
        self.waiting.insert((household.rank, at, h));
    }

    fn re_check_in(&mut self, p: usize, at: Secs, out: &mut Out) {
        if self.people[p].st != St::NoShow {
            return;
        }
        let h = self.people[p].household;
        let point_index = self.households[h].point;
        let point = self.points[point_index];
        let officer = self.desk(out);
        out.then(
            &officer,
            self.evac_cmd(EvacuationCommand::CheckIn {
                person_id: self.people[p].c.id,
                assembly_point: Some(point.to_owned()),
            }),
        );
        self.people[p].st = St::CheckedIn;
        if self.affected.contains_key(&p) {
            self.set_affected(
                out,
                &officer,
                p,
                AffectedStatus::Safe,
                format!("Turned up at {point} after missing the departure."),
            );
        }
        let rank = self.households[h].rank;
        self.households[h].checked_in_at = at;
        self.waiting.insert((rank, at, h));
    }

    /// Gives seats to households waiting at the assembly points, most vulnerable first,
    /// on the transports whose seats are being given out.
    fn seat_waiting(&mut self, out: &mut Out) {
        if self.waiting.is_empty() {
            return;
        }
        let buses_ahead = self.transports.iter().any(|t| {
            t.mode == TransportMode::Bus
                && !t.boarding
                && matches!(t.phase, Phase::Planned | Phase::Scheduled)
        });
        for i in 0..self.transports.len() {
            let tr = &self.transports[i];
            if tr.phase != Phase::Scheduled || tr.boarding || out.now < tr.departs - tr.window() {
                continue;
            }
            let mut seated = Vec::new();
            let mut free = tr.capacity - tr.taken;
            for &(rank, since, h) in &self.waiting {
                if free == 0 {
                    break;
                }
                let size = self.households[h].members.len() as u32;
                if size <= free && tr.takes(self.households[h].overland, buses_ahead) {
                    free -= size;
                    seated.push((rank, since, h));
                }
            }
            for key in seated {
                self.waiting.remove(&key);
                let h = key.2;
                let members = self.households[h].members.clone();
                let coordinator = out.coordinator();
                out.then(
                    &coordinator,
                    self.evac_cmd(EvacuationCommand::Assign {
                        person_id: self.people[members[0]].c.id,
                        transport_id: self.transports[i].id,
                        split_group: false,
                    }),
                );
                for &p in &members {
                    self.people[p].st = St::Assigned;
                    self.people[p].transport = Some(i);
                }
                self.transports[i].taken += members.len() as u32;
            }
        }
    }

    fn aboard(&self, i: usize, st: St) -> Vec<usize> {
        (0..self.people.len())
            .filter(|&p| self.people[p].transport == Some(i) && self.people[p].st == st)
            .collect()
    }

    fn boarding(&mut self, i: usize, out: &mut Out) {
        self.transports[i].boarding = true;
        let officer = self.desk(out);
        let mut boarded_singles = Vec::new();
        for p in self.aboard(i, St::Assigned) {
            let h = self.people[p].household;
            let single = self.households[h].members.len() == 1;
            let person_id = self.people[p].c.id;
            if single && self.rng.gen_bool(0.012) {
                out.then(
                    &officer,
                    self.evac_cmd(EvacuationCommand::NoShow { person_id }),
                );
                self.people[p].st = St::NoShow;
                self.people[p].transport = None;
                self.transports[i].taken -= 1;
                if self.rng.gen_bool(0.5) {
                    let later = out.now + between(&mut self.rng, 4 * HOUR, 20 * HOUR);
                    self.agenda.at(later, Job::ReCheckIn(p));
                }
                continue;
            }
            out.then(
                &officer,
                self.evac_cmd(EvacuationCommand::Board {
                    person_id,
                    transport_id: self.transports[i].id,
                }),
            );
            self.people[p].st = St::Boarded;
            if single {
                boarded_singles.push(p);
            }
        }
        let tr = &self.transports[i];
        if self.offloads == 0
            && tr.mode == TransportMode::Flight
            && tr.departs > self.start + 30 * HOUR
            && !boarded_singles.is_empty()
        {
            self.offloads += 1;
            let p = pick(&mut self.rng, &boarded_singles);
            self.agenda.at(tr.departs - 45 * MIN, Job::Offload(i, p));
        }
        let delay = between(&mut self.rng, 0, 50 * MIN);
        self.agenda.at(tr.departs + delay, Job::Depart(i));
    }

    fn offload(&mut self, i: usize, p: usize, out: &mut Out) {
        if self.people[p].st != St::Boarded || self.transports[i].phase != Phase::Scheduled {
            return;
        }
        let officer = self.desk(out);
        let reason = (pick(&mut self.rng, data::OFFLOAD_REASONS)).to_owned();
        out.then(
            &officer,
            self.evac_cmd(EvacuationCommand::Offload {
                person_id: self.people[p].c.id,
                reason,
            }),
        );
        self.people[p].st = St::CheckedIn;
        self.people[p].transport = None;
        self.transports[i].taken -= 1;
        let h = self.people[p].household;
        let rank = self.households[h].rank;
        self.waiting.insert((rank, out.now, h));
    }

    fn depart(&mut self, i: usize, at: Secs, out: &mut Out) {
        let coordinator = out.coordinator();
        out.then(
            &coordinator,
            self.evac_cmd(EvacuationCommand::Depart {
                transport_id: self.transports[i].id,
                occurred_at: out.field(at),
            }),
        );
        let aboard = self.aboard(i, St::Boarded);
        let children = aboard
            .iter()
            .filter(|&&p| self.people[p].priority == Priority::Child)
            .count();
        for &p in &aboard {
            self.people[p].st = St::Departed;
        }
        let tr = &mut self.transports[i];
        tr.phase = Phase::Departed;
        tr.departed_at = at;
        let text = format!(
            "{} ({}) left {} at {} with {} evacuees aboard, {} of them children; {} seats empty.",
            tr.number,
            tr.carrier,
            tr.from,
            out.epoch.clock_time(at),
            aboard.len(),
            children,
            tr.capacity as usize - aboard.len()
        );
        let arrive = at + tr.duration;
        self.agenda.at(arrive, Job::Arrive(i));
        let officer = self.officer();
        let spot = Spot {
            name: self.transports[i].from,
            coords: Some((self.t.lat, self.t.lon)),
        };
        self.report(out, &officer, text, ReportCategory::Logistics, spot, at);
    }

    fn arrive(&mut self, i: usize, at: Secs, out: &mut Out) {
        let coordinator = out.coordinator();
        out.then(
            &coordinator,
            self.evac_cmd(EvacuationCommand::Arrive {
                transport_id: self.transports[i].id,
                occurred_at: out.field(at),
            }),
        );
        let arrived = self.aboard(i, St::Departed);
        self.transports[i].phase = Phase::Arrived;
        let duty = out.duty();
        let country = data::arrival_country(self.transports[i].to);
        for &p in &arrived {
            self.people[p].st = St::Arrived;
            if let Some(country) = country {
                out.then(
                    &coordinator,
                    Command::Person(
                        self.people[p].c.id,
                        PersonCommand::UpdateWhereabouts(Whereabouts {
                            country: Some(country.to_owned()),
                            place: Some(self.transports[i].to.to_owned()),
                            lat: None,
                            lon: None,
                        }),
                    ),
                );
            }
            if self.affected.contains_key(&p) {
                let note = format!(
                    "Arrived in {} on {}.",
                    self.transports[i].to, self.transports[i].number
                );
                self.set_affected(out, &duty, p, AffectedStatus::Evacuated, note);
            }
        }
        let tr = &self.transports[i];
        let text = format!(
            "{} arrived in {} at {}; {} evacuees met by the reception team, {} taken to hospital for checks.",
            tr.number,
            tr.to,
            out.epoch.clock_time(at),
            arrived.len(),
            arrived.len() / 150
        );
        let spot = Spot {
            name: tr.to,
            coords: None,
        };
        self.report(out, &duty, text, ReportCategory::Logistics, spot, at);
    }

    fn field_report(&mut self, at: Secs, out: &mut Out) {
        let (category, templates) = match self.rng.gen_range(0..100) {
            0..30 => (ReportCategory::Situation, data::EVAC_SITUATION),
            30..50 => (ReportCategory::Security, data::EVAC_SECURITY),
            50..70 => (ReportCategory::Logistics, data::EVAC_LOGISTICS),
            70..80 => (ReportCategory::Medical, data::EVAC_MEDICAL),
            80..90 => (ReportCategory::Contact, data::EVAC_CONTACT),
            90..97 => (ReportCategory::Welfare, data::EVAC_WELFARE),
            _ => (ReportCategory::Media, data::EVAC_MEDIA),
        };
        let template = pick(&mut self.rng, templates);
        // On bad networks a report reaches the system hours after it was written.
        let occurred = if self.rng.gen_bool(0.15) {
            at - between(&mut self.rng, HOUR, 6 * HOUR)
        } else {
            at - between(&mut self.rng, 0, 20 * MIN)
        };
        let (values, district) = self.values(occurred);
        let text = fill_owned(template, &values);
        let spot = Spot::from(district);
        let officer = self.officer();
        self.report(out, &officer, text, category, spot, occurred);
    }

    fn where_is(&self, p: usize) -> (&'static [&'static str], Vec<(&'static str, String)>) {
        let e = &self.people[p];
        let h = &self.households[e.household];
        let mut values = vec![
            ("province", h.province.to_owned()),
            ("point", self.points[h.point].to_owned()),
            ("capital", self.t.capital.to_owned()),
        ];
        let templates = match (e.st, e.transport) {
            (St::Registered, _) => data::WHEREABOUTS_REGISTERED,
            (St::NoShow, _) => data::WHEREABOUTS_NO_SHOW,
            (St::CheckedIn, _) => data::WHEREABOUTS_WAITING,
            (St::Assigned | St::Boarded, Some(i)) => {
                let tr = &self.transports[i];
                values.push(("number", tr.number.clone()));
                values.push(("to", tr.to.to_owned()));
                values.push(("when", self.epoch.day_time(tr.departs)));
                data::WHEREABOUTS_ASSIGNED
            }
            (St::Departed, Some(i)) => {
                let tr = &self.transports[i];
                values.push(("number", tr.number.clone()));
                values.push(("to", tr.to.to_owned()));
                values.push(("when", self.epoch.day_time(tr.departed_at + tr.duration)));
                data::WHEREABOUTS_TRAVELLING
            }
            (St::Arrived, Some(i)) => {
                let tr = &self.transports[i];
                values.push(("number", tr.number.clone()));
                values.push(("to", tr.to.to_owned()));
                data::WHEREABOUTS_ARRIVED
            }
            _ => data::WHEREABOUTS_WAITING,
        };
        (templates, values)
    }

    fn whereabouts(&mut self, out: &mut Out) {
        if self.registered.is_empty() {
            return;
        }
        let p = pick(&mut self.rng, &self.registered);
        // Relatives miss the whereabouts of those who have not come forward the most.
        let p = if self.people[p].st == St::Registered || self.rng.gen_bool(0.7) {
            p
        } else {
            pick(&mut self.rng, &self.registered)
        };
        let caller = relative_of(&mut self.rng, &self.people[p].c);
        let (templates, mut values) = self.where_is(p);
        values.extend(about(&self.people[p].c, Some(&caller)));
        let template = pick(&mut self.rng, templates);
        let summary = fill_owned(template, &values);
        let operator = self.operator(out);
        let person_id = self.people[p].c.id;
        out.then(
            &operator,
            Command::Call(
                CallId(out.id()),
                CallCommand::Log(LogCall {
                    caller_name: caller.name,
                    caller_phone: Some(caller.phone),
                    caller_relation: Some(caller.relation.to_owned()),
                    from_country: Some("CN".to_owned()),
                    category: Some(CallCategory::WhereaboutsInquiry),
                    summary,
                    incident_id: Some(self.incident),
                    person_id: Some(person_id),
                    incident_known: true,
                    person_known: true,
                }),
            ),
        );
        if matches!(self.people[p].st, St::Registered | St::NoShow) {
            let duty = out.duty();
            let note = format!(
                "Family called the hotline; not seen at {}.",
                self.points[self.households[self.people[p].household].point]
            );
            self.set_affected(out, &duty, p, AffectedStatus::Unaccounted, note);
            let later = out.now + between(&mut self.rng, HOUR, 4 * HOUR);
            self.agenda.at(later, Job::Welfare(p));
        }
    }

    fn evac_request(&mut self, out: &mut Out) {
        let h = self.rng.gen_range(0..self.households.len());
        let household = &self.households[h];
        let district = self.t.districts[household.district].name;
        let size = household.size;
        let company = household.company;
        let (template, person) = match household.members.first() {
            Some(&p) if self.people[p].st == St::Registered => {
                (pick(&mut self.rng, data::EVAC_REQUESTS), Some(p))
            }
            Some(_) => return,
            None => (pick(&mut self.rng, data::EVAC_REQUESTS_UNREGISTERED), None),
        };
        let mut values = self.values(out.now).0;
        values.retain(|(k, _)| !matches!(*k, "district" | "n" | "company"));
        values.push(("district", district.to_owned()));
        values.push(("n", (size.max(2) - 1).to_string()));
        values.push(("company", company.to_owned()));
        let caller_name = match person {
            Some(p) => {
                values.extend(about(&self.people[p].c, None));
                self.people[p].c.full_name.clone()
            }
            None => {
                let surname = pick(&mut self.rng, data::SURNAMES);
                let given = pick(&mut self.rng, data::MALE_GIVEN);
                format!("{surname} {given}")
            }
        };
        let summary = fill_owned(template, &values);
        let operator = self.operator(out);
        let phone = match person.and_then(|p| self.people[p].c.phone.clone()) {
            Some(phone) => phone,
            None => super::sim::local_phone(&mut self.rng, self.t.phone),
        };
        out.then(
            &operator,
            Command::Call(
                CallId(out.id()),
                CallCommand::Log(LogCall {
                    caller_name,
                    caller_phone: Some(phone),
                    caller_relation: Some("self".to_owned()),
                    from_country: Some(self.country().to_owned()),
                    category: Some(CallCategory::EvacuationRequest),
                    summary,
                    incident_id: Some(self.incident),
                    person_id: person.map(|p| self.people[p].c.id),
                    incident_known: true,
                    person_known: person.is_some(),
                }),
            ),
        );
    }

    fn welfare_check(&mut self, p: usize, at: Secs, out: &mut Out) {
        let (status, templates) = match self.rng.gen_range(0..100) {
            0..60 => (WelfareStatus::Safe, data::WELFARE_SAFE),
            60..75 => (WelfareStatus::NeedsHelp, data::WELFARE_HELP),
            _ => (WelfareStatus::NoAnswer, data::WELFARE_NO_ANSWER),
        };
        let template = pick(&mut self.rng, templates);
        let mut values = self.values(out.now).0;
        let h = &self.households[self.people[p].household];
        values.retain(|(k, _)| !matches!(*k, "district" | "point" | "n"));
        values.push(("district", self.t.districts[h.district].name.to_owned()));
        values.push(("point", self.points[h.point].to_owned()));
        values.push(("n", (h.size.max(2) - 1).to_string()));
        let note = fill_owned(template, &values);
        let officer = self.officer();
        let occurred = at - between(&mut self.rng, 0, 30 * MIN);
        out.then(
            &officer,
            Command::Person(
                self.people[p].c.id,
                PersonCommand::RecordWelfareCheck {
                    status,
                    note: Some(note),
                    occurred_at: out.field(occurred),
                },
            ),
        );
    }

    fn welfare(&mut self, p: usize, at: Secs, out: &mut Out) {
        if matches!(self.people[p].st, St::Registered | St::NoShow) {
            self.welfare_check(p, at, out);
        }
    }

    fn welfare_sweep(&mut self, at: Secs, out: &mut Out) {
        let overdue: Vec<usize> = self
            .registered
            .iter()
            .copied()
            .filter(|&p| {
                let e = &self.people[p];
                e.st == St::Registered
                    && e.c.age >= 16
                    && self.households[e.household].arrives < at - 6 * HOUR
            })
            .collect();
        let n = self.rng.gen_range(5..=10);
        for p in super::sim::pick_n(&mut self.rng, &overdue, n) {
            self.welfare_check(p, at, out);
        }
    }

    fn injury(&mut self, at: Secs, out: &mut Out) {
        let waiting: Vec<usize> = self
            .registered
            .iter()
            .copied()
            .filter(|&p| matches!(self.people[p].st, St::CheckedIn | St::Assigned))
            .collect();
        if waiting.is_empty() {
            return;
        }
        let p = pick(&mut self.rng, &waiting);
        let point = self.points[self.households[self.people[p].household].point];
        let officer = self.officer();
        let note = format!(
            "Hit by flying glass near {point}; wound dressed by the embassy doctor, fit to travel."
        );
        self.set_affected(out, &officer, p, AffectedStatus::Injured, note);
        let text = format!(
            "Explosion near {point}: {} slightly injured by flying glass, treated on site. Evacuees moved away from the windows.",
            self.people[p].c.full_name
        );
        let spot = Spot::from(self.t.districts[self.households[self.people[p].household].district]);
        self.report(
            out,
            &officer,
            text,
            ReportCategory::Medical,
            spot,
            at - 30 * MIN,
        );
    }

    fn duplicate(&mut self, at: Secs, out: &mut Out) {
        let adults: Vec<usize> = self
            .registered
            .iter()
            .copied()
            .filter(|&p| self.people[p].c.age >= 18 && self.people[p].c.nationality == "CN")
            .collect();
        if adults.is_empty() {
            return;
        }
        let p = pick(&mut self.rng, &adults);
        let original = self.people[p].c.clone();
        let dup = Citizen {
            id: PersonId(out.id()),
            passport: None,
            phone: None,
            vulnerabilities: Vec::new(),
            ..original.clone()
        };
        let operator = self.operator(out);
        let district = self.t.districts[self.households[self.people[p].household].district];
        out.first(
            &operator,
            Command::Person(
                dup.id,
                dup.register_as(self.t.code, &district, &mut self.rng, vec![original.id]),
            ),
        );
        let caller = relative_of(&mut self.rng, &original);
        let mut values = about(&original, Some(&caller));
        values.push(("capital", self.t.capital.to_owned()));
        let summary = fill_owned(
            "{Relation} of {name} asks whether {he} is safe after the news from {capital}. No passport number known; registered from the call so the embassy can trace {him}.",
            &values,
        );
        out.then(
            &operator,
            Command::Call(
                CallId(out.id()),
                CallCommand::Log(LogCall {
                    caller_name: caller.name,
                    caller_phone: Some(caller.phone),
                    caller_relation: Some(caller.relation.to_owned()),
                    from_country: Some("CN".to_owned()),
                    category: Some(CallCategory::WhereaboutsInquiry),
                    summary,
                    incident_id: Some(self.incident),
                    person_id: Some(dup.id),
                    incident_known: true,
                    person_known: true,
                }),
            ),
        );
        let later = at + between(&mut self.rng, HOUR, 3 * HOUR);
        self.agenda.at(later, Job::Merge(dup.id, p));
    }

    /// The fighting reaches a company camp: its workers and their families ask to
    /// leave, and an assembly point opens for them.
    fn wave(&mut self, at: Secs, out: &mut Out) {
        let (district, point, company) = self.wave;
        if point == self.open_points {
            let coordinator = out.coordinator();
            out.then(
                &coordinator,
                self.evac_cmd(EvacuationCommand::AddAssemblyPoint {
                    name: self.points[point].to_owned(),
                }),
            );
            self.open_points += 1;
        }
        let people: usize = self
            .households
            .iter()
            .filter(|h| h.arrives >= self.start + WAVE && h.company == company && h.point == point)
            .map(|h| h.size)
            .sum();
        let text = format!(
            "Fighting has reached {}; about {} workers of {company} and their families at the camp there ask to leave. Registration desk opening at {}.",
            self.t.districts[district].name,
            people / 10 * 10,
            self.points[point]
        );
        let officer = self.officer();
        let spot = Spot::from(self.t.districts[district]);
        self.report(
            out,
            &officer,
            text,
            ReportCategory::Security,
            spot,
            at - 30 * MIN,
        );
    }

    fn background(&mut self, out: &mut Out) {
        let rng = &mut self.rng;
        let surname = pick(rng, data::SURNAMES);
        let female = rng.gen_bool(0.5);
        let given = if female {
            pick(rng, data::FEMALE_GIVEN)
        } else {
            pick(rng, data::MALE_GIVEN)
        };
        let caller_name = format!("{surname} {given}");
        let (category, from, summary) = match rng.gen_range(0..100) {
            0..35 => {
                let (code, place) = pick(rng, data::LOST_DOCUMENT_PLACES);
                let text = fill(pick(rng, data::LOST_DOCUMENTS), &[("place", place)]);
                (CallCategory::LostDocuments, code, text)
            }
            35..55 => {
                let (code, _, text) = pick(rng, data::MEDICAL_CALLS);
                (CallCategory::Medical, code, text.to_owned())
            }
            55..85 => {
                let countries: Vec<(&'static str, u8, String)> = out
                    .risk
                    .iter()
                    .map(|(c, (l, r))| (*c, *l, r.clone()))
                    .collect();
                if countries.is_empty() {
                    return;
                }
                let (code, level, advice) = pick_ref(rng, &countries).clone();
                let name = country_name(code);
                let text = fill(
                    pick(rng, data::ADVICE_CALLS),
                    &[
                        ("country", name),
                        ("level", &level.to_string()),
                        ("advice", &advice),
                    ],
                );
                (CallCategory::SecurityAdvice, "CN", text)
            }
            _ => (
                CallCategory::Information,
                "CN",
                (pick(rng, data::OTHER_CALLS)).to_owned(),
            ),
        };
        let phone = super::sim::cn_phone(rng);
        let operator = self.operator(out);
        out.then(
            &operator,
            Command::Call(
                CallId(out.id()),
                CallCommand::Log(LogCall {
                    caller_name,
                    caller_phone: Some(phone),
                    caller_relation: Some("self".to_owned()),
                    from_country: Some(from.to_owned()),
                    category: Some(category),
                    summary,
                    ..LogCall::default()
                }),
            ),
        );
    }
}

/// A country's name for the hotline's answers.
pub fn country_name(code: &str) -> &'static str {
    data::THEATRES
        .iter()
        .find(|t| t.code == code)
        .map(|t| t.name)
        .or_else(|| {
            data::COUNTRY_NAMES
                .iter()
                .find(|(c, _)| *c == code)
                .map(|(_, n)| *n)
        })
        .unwrap_or("that country")
}
