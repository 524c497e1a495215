//! Planning a matching round: who is eligible, and the optimiser's answer in people's
//! terms. Pure: the program's people, history and settings come in, the pairs with
//! readable reasons go out; `commands::rounds` loads the inputs and stores the plan, so
//! the slash command, `upward match` and the scheduler plan rounds alike. With circles
//! set, a mentor's seats are the circle's size. [`fits`] gives the other forms of
//! mentoring (one-time sessions, projects) the rounds' rules and score for one mentee.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Offset, Utc};
use matching::{Instance, Outcome, Person, Progress, Reason, Rules, Side, UnmatchedReason, Weights};
use serde::Serialize;

use super::pair::Pair;
use super::participant::{effective_status, Participant, Status};
use super::program::Program;
use super::settings::MatchSettings;

/// Everything a round is planned from, as loaded from the store.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub program: Program,
    pub settings: MatchSettings,
    pub participants: Vec<Participant>,
    pub active_pairs: Vec<Pair>,
    /// (mentor participant id, mentee participant id) of every pair that was ever live.
    pub past_pairs: Vec<(i64, i64)>,
    /// IANA time zones by Slack user id.
    pub time_zones: HashMap<String, String>,
    pub round_number: i64,
}

/// A proposed pair, in the program's terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedPair {
    #[serde(skip)]
    pub mentor_id: i64,
    #[serde(skip)]
    pub mentee_id: i64,
    pub mentor: String,
    pub mentee: String,
    pub score: i64,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct UnmatchedPerson {
    pub user: String,
    pub reason: String,
}

/// A round before it is stored. The JSON shape is `upward match --json`'s contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    #[serde(skip)]
    pub program_id: i64,
    pub program: String,
    pub seed: i64,
    pub pairs: Vec<PlannedPair>,
    pub unmatched: Vec<UnmatchedPerson>,
    pub total_score: i64,
    /// The optimiser's proof: no pairing of these people can score more than this.
    pub upper_bound: i64,
    /// People left out before matching (paused, left, already paired), by reason.
    pub not_eligible: BTreeMap<String, usize>,
    /// Whether its pairs join their mentor's circle (the program has circles).
    #[serde(skip)]
    pub circle: bool,
    /// The [`fingerprint`] of what the plan was made from: a stored preview is confirmed
    /// as it was shown only while the program's inputs still have it.
    #[serde(skip)]
    pub inputs_hash: String,
}

impl Plan {
    /// Whether no pairing of these people can score more: the optimiser's proof.
    pub fn proven(&self) -> bool {
        self.total_score >= self.upper_bound
    }

    /// How far below the best possible this plan may be, in percent of the bound.
    pub fn gap_pct(&self) -> f64 {
        if self.upper_bound <= 0 || self.proven() {
            return 0.0;
        }
        (self.upper_bound - self.total_score) as f64 * 100.0 / self.upper_bound as f64
    }
}

/// Minutes east of UTC of an IANA zone at `now`; unknown zones count as UTC.
fn utc_offset_minutes(tz: Option<&String>, now: DateTime<Utc>) -> i32 {
    tz.and_then(|name| name.parse::<chrono_tz::Tz>().ok())
        .map(|zone| now.with_timezone(&zone).offset().fix().local_minus_utc() / 60)
        .unwrap_or(0)
}

/// Interns strings as small ids, in first-seen order, so the same input always gives
/// the same ids (and so the same tie-breaks).
#[derive(Default)]
struct Interner {
    ids: HashMap<String, u16>,
    names: Vec<String>,
}

impl Interner {
    fn id(&mut self, name: &str) -> u16 {
        let key = name.to_lowercase();
        if let Some(id) = self.ids.get(&key) {
            return *id;
        }
        let id = u16::try_from(self.names.len()).unwrap_or(u16::MAX);
        self.ids.insert(key, id);
        self.names.push(name.to_owned());
        id
    }
}

/// Participants in the optimiser's terms: skills and departments numbered in
/// first-seen order, managers as participant ids, time zones as offsets at `now`. Rounds
/// and [`fits`] both build their people here, so both apply the same rules.
struct Numbering<'a> {
    by_user: HashMap<&'a str, &'a Participant>,
    time_zones: &'a HashMap<String, String>,
    now: DateTime<Utc>,
    skills: Interner,
    departments: Interner,
}

impl<'a> Numbering<'a> {
    fn new(participants: &'a [Participant], time_zones: &'a HashMap<String, String>, now: DateTime<Utc>) -> Self {
        Numbering {
            by_user: participants.iter().map(|p| (p.user_id.as_str(), p)).collect(),
            time_zones,
            now,
            skills: Interner::default(),
            departments: Interner::default(),
        }
    }

    fn person(&mut self, p: &Participant) -> Person {
        Person {
            id: u32::try_from(p.id).unwrap_or(u32::MAX),
            department: p.department.as_deref().map_or(u16::MAX, |d| self.departments.id(d)),
            manager: p
                .manager
                .as_deref()
                .and_then(|m| self.by_user.get(m))
                .map(|boss| u32::try_from(boss.id).unwrap_or(u32::MAX)),
            utc_offset_minutes: utc_offset_minutes(self.time_zones.get(&p.user_id), self.now),
            teach: p.teach_skills.iter().map(|s| self.skills.id(s)).collect(),
            learn: p.learn_skills.iter().map(|s| self.skills.id(s)).collect(),
            level: p.level,
            capacity: None,
        }
    }
}

/// The program's weights, its unset ones at the engine's defaults.
fn weights(settings: &MatchSettings) -> Weights {
    let defaults = Weights::default();
    Weights {
        skill: settings.weight_skill.unwrap_or(defaults.skill),
        hour: settings.weight_hour.unwrap_or(defaults.hour),
        cross_department: settings.weight_cross_department.unwrap_or(defaults.cross_department),
        level: defaults.level,
    }
}

/// The program's hard rules: seniority gap, departments, repeats, capacity.
fn rules(settings: &MatchSettings) -> Rules {
    Rules {
        capacity: settings.seats(),
        allow_repeats: settings.allow_repeats,
        forbid_same_department: settings.forbid_same_department,
        min_level_gap: (settings.min_level_gap > 0).then_some(settings.min_level_gap),
        ..Rules::default()
    }
}

/// The mentors the rounds' hard rules allow with `mentee` who teach one of `wanted`,
/// among those `eligible` says may be asked, with the rounds' score (skills wanted,
/// hours in common, departments, seniority gap), in participant order. One-time
/// sessions and projects choose their mentors through this, so they follow the same
/// rules as rounds; past partners are allowed (a session or a project is no repeat).
pub fn fits(
    settings: &MatchSettings,
    participants: &[Participant],
    time_zones: &HashMap<String, String>,
    mentee: &Participant,
    wanted: &[String],
    eligible: impl Fn(&Participant) -> bool,
    now: DateTime<Utc>,
) -> Vec<(i64, i64)> {
    let mut numbering = Numbering::new(participants, time_zones, now);
    let learn = wanted.iter().map(|s| numbering.skills.id(s)).collect();
    let asker = Person { learn, ..numbering.person(mentee) };
    let mentors: Vec<Person> = participants
        .iter()
        .filter(|p| p.role.teaches() && p.id != mentee.id && eligible(p))
        .map(|p| numbering.person(p))
        .collect();
    let instance = Instance {
        mentors,
        mentees: vec![asker],
        past_pairs: Vec::new(),
        weights: weights(settings),
        rules: Rules { allow_repeats: true, ..rules(settings) },
        seed: 0,
    };
    let compatibility = matching::score::Compatibility::new(&instance);
    instance
        .mentors
        .iter()
        .filter_map(|m| compatibility.fit(m, &instance.mentees[0]).map(|fit| (i64::from(m.id), fit.score)))
        .collect()
}

/// The optimiser's view of a round: its people as numbers, and the names behind them.
struct Prepared {
    instance: Instance,
    skills: Interner,
    not_eligible: BTreeMap<String, usize>,
}

/// Chooses the round's pairs. Eligible: active people (a dated pause that has ended
/// counts as active) not already in a live pair on that side; mentors with capacity
/// left take as many new mentees as they have free places.
///
/// The optimiser searches for at most the program's `match_budget_secs`, reporting each
/// round of its search to `progress`; when the budget ends before the proof, the best
/// round so far is the plan, and its `upper_bound` says how far from the best possible
/// it can be. (Reading the budget's clock is the optimiser's one exception to purity.)
pub fn plan(inputs: &Inputs, now: DateTime<Utc>, today: NaiveDate, progress: impl FnMut(Progress)) -> Plan {
    let prepared = prepare(inputs, now, today);
    let budget = Duration::from_secs(u64::from(inputs.settings.match_budget_secs));
    let outcome = matching::solve_within(&prepared.instance, budget, progress);
    describe(inputs, &prepared, &outcome)
}

/// A fingerprint of everything the optimiser would be given for a round planned now:
/// the eligible people with their skills, zones, levels and free places, the rules,
/// weights, past pairs and the seed. Equal fingerprints mean a stored plan is still an
/// answer to the same question, so confirming it confirms exactly what was previewed,
/// even when the time budget cut the search and a new search could end elsewhere.
pub fn fingerprint(inputs: &Inputs, now: DateTime<Utc>, today: NaiveDate) -> String {
    instance_hash(&prepare(inputs, now, today).instance)
}

/// FNV-1a (64 bits) over the instance's JSON, fed as serde writes it: stable across
/// builds and Rust versions, unlike `std`'s hasher, because it is stored.
fn instance_hash(instance: &Instance) -> String {
    struct Fnv(u64);
    impl std::io::Write for Fnv {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            for &b in bytes {
                self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut hash = Fnv(0xcbf2_9ce4_8422_2325);
    // Writing plain data into a hasher cannot fail.
    let _ = serde_json::to_writer(&mut hash, instance);
    format!("{:016x}", hash.0)
}

/// Turns the program's people into the optimiser's instance, counting who is left out.
fn prepare(inputs: &Inputs, now: DateTime<Utc>, today: NaiveDate) -> Prepared {
    let settings = &inputs.settings;
    let mut not_eligible: BTreeMap<String, usize> = BTreeMap::new();
    let mut mentoring: HashMap<i64, u32> = HashMap::new();
    let mut mentored: HashSet<i64> = HashSet::new();
    for pair in &inputs.active_pairs {
        *mentoring.entry(pair.mentor_id).or_default() += 1;
        mentored.insert(pair.mentee_id);
    }
    let mut numbering = Numbering::new(&inputs.participants, &inputs.time_zones, now);
    let (mut mentors, mut mentees) = (Vec::new(), Vec::new());
    for p in &inputs.participants {
        match effective_status(p.status, p.paused_until, today) {
            Status::Active => {}
            Status::Paused => {
                *not_eligible.entry("paused".into()).or_default() += 1;
                continue;
            }
            Status::Left => continue,
        }
        if p.role.teaches() {
            let busy = mentoring.get(&p.id).copied().unwrap_or(0);
            if busy < settings.seats() {
                let mentor = numbering.person(p);
                mentors.push(Person { capacity: Some(settings.seats() - busy), ..mentor });
            } else {
                *not_eligible.entry("mentoring at full capacity".into()).or_default() += 1;
            }
        }
        if p.role.learns() {
            if mentored.contains(&p.id) {
                *not_eligible.entry("already paired as mentee".into()).or_default() += 1;
            } else {
                mentees.push(numbering.person(p));
            }
        }
    }
    let instance = Instance {
        mentors,
        mentees,
        past_pairs: inputs
            .past_pairs
            .iter()
            .map(|&(m, e)| (u32::try_from(m).unwrap_or(u32::MAX), u32::try_from(e).unwrap_or(u32::MAX)))
            .collect(),
        weights: weights(settings),
        rules: rules(settings),
        seed: seed(inputs),
    };
    Prepared { instance, skills: numbering.skills, not_eligible }
}

/// The optimiser's answer in the program's terms: people's user ids and readable reasons.
fn describe(inputs: &Inputs, prepared: &Prepared, outcome: &Outcome) -> Plan {
    let skills = &prepared.skills;
    let user_of: HashMap<u32, &Participant> =
        inputs.participants.iter().map(|p| (u32::try_from(p.id).unwrap_or(u32::MAX), p)).collect();
    let user = |id: u32| user_of.get(&id).map(|p| p.user_id.clone()).unwrap_or_default();
    let department = |id: u32| user_of.get(&id).and_then(|p| p.department.clone()).unwrap_or_default();
    let pairs = outcome
        .pairs
        .iter()
        .map(|pair| PlannedPair {
            mentor_id: i64::from(pair.mentor),
            mentee_id: i64::from(pair.mentee),
            mentor: user(pair.mentor),
            mentee: user(pair.mentee),
            score: pair.score,
            reasons: pair
                .reasons
                .iter()
                .map(|reason| match reason {
                    Reason::SharedSkills(ids) => {
                        let names: Vec<&str> = ids
                            .iter()
                            .filter_map(|id| skills.names.get(usize::from(*id)))
                            .map(String::as_str)
                            .collect();
                        format!("teaches what the mentee wants to learn: {}", names.join(", "))
                    }
                    Reason::HoursOverlap(hours) => format!("{hours} working hours in common"),
                    Reason::LevelGap(gap) => format!("{gap} seniority levels apart: the junior teaches upward"),
                    Reason::CrossDepartment => {
                        format!("different departments ({} and {})", department(pair.mentor), department(pair.mentee))
                    }
                })
                .collect(),
        })
        .collect();
    let unmatched = outcome
        .unmatched
        .iter()
        .map(|u| UnmatchedPerson {
            user: user(u.person),
            reason: match (u.side, u.reason) {
                (Side::Mentee, UnmatchedReason::NoCompatiblePartner) => {
                    "no available mentor teaches what they want to learn (or every one is ruled out)".to_owned()
                }
                (Side::Mentor, UnmatchedReason::NoCompatiblePartner) => {
                    "no available mentee wants what they teach (or every one is ruled out)".to_owned()
                }
                (_, UnmatchedReason::CapacityFull) => {
                    "more mentees than mentor places this round: a better-scoring pair took the place".to_owned()
                }
                (_, UnmatchedReason::NoMenteeLeft) => {
                    "more mentor places than mentees this round: a better-scoring pair took the mentee".to_owned()
                }
            },
        })
        .collect();
    Plan {
        program_id: inputs.program.id,
        program: inputs.program.name.clone(),
        seed: prepared.instance.seed as i64,
        pairs,
        unmatched,
        total_score: outcome.total_score,
        upper_bound: outcome.upper_bound,
        not_eligible: prepared.not_eligible.clone(),
        circle: inputs.settings.circle_size.is_some(),
        inputs_hash: instance_hash(&prepared.instance),
    }
}

/// The same program and round number give the same seed, so a preview and the
/// confirmation that follows it agree when nothing changed in between.
fn seed(inputs: &Inputs) -> u64 {
    (inputs.program.id as u64).wrapping_mul(1_000_003).wrapping_add(inputs.round_number as u64)
}
