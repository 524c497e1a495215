//! What a pair set out to do and what came of it: each person's goal, the confidence
//! ratings taken when someone joins and again when a round ends, the uplift between
//! them, and what a mentor's thank-you says.
//!
//! Reverse mentoring promises something to both sides (the senior learns a skill, the
//! junior gains visibility and leadership practice), so both sides state a goal and both
//! are measured. Owners only ever get averages of rating differences; goals stay with
//! the pair. Everything here is pure: the handlers load the ratings and pass them in.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::participant::Role;

/// Longest goal kept: one or two sentences, short enough to show in every check-in.
pub const MAX_GOAL: usize = 300;

/// A goal as typed, trimmed; `Err` is the sentence shown beside the field.
pub fn check_goal(text: Option<&str>) -> Result<String, String> {
    let goal = text.map(str::trim).unwrap_or_default();
    if goal.is_empty() {
        return Err("Write your goal in a sentence, e.g. \"use generative AI in my weekly reporting\".".to_owned());
    }
    let length = goal.chars().count();
    if length > MAX_GOAL {
        return Err(format!("Keep your goal to {MAX_GOAL} characters (this one has {length})."));
    }
    Ok(goal.to_owned())
}

/// Which side of a pair a rating speaks for: someone who both teaches and learns rates
/// each side separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Mentor,
    Mentee,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Mentor => "mentor",
            Side::Mentee => "mentee",
        }
    }

    pub fn parse(text: &str) -> Option<Side> {
        [Side::Mentor, Side::Mentee].into_iter().find(|s| s.as_str() == text)
    }
}

impl Side {
    /// The sides a role plays, each asked about separately.
    pub fn of(role: Role) -> Vec<Side> {
        let mut sides = Vec::new();
        if role.teaches() {
            sides.push(Side::Mentor);
        }
        if role.learns() {
            sides.push(Side::Mentee);
        }
        sides
    }

    /// Whether someone in `role` plays this side.
    pub fn played_by(self, role: Role) -> bool {
        Side::of(role).contains(&self)
    }
}

/// When a rating was taken: at joining, or at the end of a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Before,
    After,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Before => "before",
            Phase::After => "after",
        }
    }

    pub fn parse(text: &str) -> Option<Phase> {
        [Phase::Before, Phase::After].into_iter().find(|p| p.as_str() == text)
    }
}

/// A mentor's two questions: confidence in teaching, and understanding of the senior's
/// domain (their field, the company's strategy).
pub const MENTOR_TOPICS: [&str; 2] = ["teaching", "domain"];

/// Most skills a mentee is asked about: the form stays short, and the first-named
/// skills are the ones they want most.
pub const MAX_TOPICS: usize = 8;

/// What the confidence form asks one side about.
pub fn topics(side: Side, learn_skills: &[String]) -> Vec<String> {
    match side {
        Side::Mentor => MENTOR_TOPICS.iter().map(|t| (*t).to_owned()).collect(),
        Side::Mentee => learn_skills.iter().take(MAX_TOPICS).cloned().collect(),
    }
}

/// A mentor's answer to "may I thank you at the end of the round?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recognition {
    No,
    ThankMe,
    ThankAndTell,
}

impl Recognition {
    pub const ALL: [Recognition; 3] = [Recognition::No, Recognition::ThankMe, Recognition::ThankAndTell];

    pub fn as_str(self) -> &'static str {
        match self {
            Recognition::No => "no",
            Recognition::ThankMe => "thank_me",
            Recognition::ThankAndTell => "thank_and_tell",
        }
    }

    pub fn parse(text: &str) -> Option<Recognition> {
        Recognition::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// The confidence form as filled in, before it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfidenceDraft {
    pub side: Side,
    pub phase: Phase,
    /// The topics asked about, with the chosen rating of each (`None`: left empty).
    pub ratings: Vec<(String, Option<String>)>,
    pub recognition: Option<String>,
    pub tell: Option<String>,
}

/// A mentor's consent to a thank-you, and the person to tell if they agreed to that.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub tell: Option<String>,
}

/// Confidence ratings fit to store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidConfidence {
    pub side: Side,
    pub phase: Phase,
    pub ratings: Vec<(String, u8)>,
    /// Only a mentor's first form asks; `None` there means "no, thanks".
    pub consent: Option<Consent>,
}

/// A field of the confidence form, for errors shown beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfidenceField {
    /// The n-th topic's rating.
    Rating(usize),
    Tell,
}

/// Whether the form asks a mentor for consent to be thanked: only before the round,
/// since the thank-you goes out when it ends.
pub fn asks_consent(side: Side, phase: Phase) -> bool {
    side == Side::Mentor && phase == Phase::Before
}

impl ConfidenceDraft {
    pub fn validate(self) -> Result<ValidConfidence, Vec<(ConfidenceField, String)>> {
        let mut errors = Vec::new();
        let mut ratings = Vec::new();
        for (n, (topic, chosen)) in self.ratings.into_iter().enumerate() {
            match chosen.as_deref().and_then(|r| r.parse::<u8>().ok()).filter(|r| (1..=5).contains(r)) {
                Some(rating) => ratings.push((topic, rating)),
                None => errors.push((
                    ConfidenceField::Rating(n),
                    "Pick how confident you feel, from 1 (not at all) to 5 (very).".to_owned(),
                )),
            }
        }
        let consent = if asks_consent(self.side, self.phase) {
            match self.recognition.as_deref().and_then(Recognition::parse).unwrap_or(Recognition::No) {
                Recognition::No => None,
                Recognition::ThankMe => Some(Consent { tell: None }),
                Recognition::ThankAndTell if self.tell.is_some() => Some(Consent { tell: self.tell }),
                Recognition::ThankAndTell => {
                    errors.push((
                        ConfidenceField::Tell,
                        "Pick the person to tell, or choose \"Yes, thank me\" only.".to_owned(),
                    ));
                    None
                }
            }
        } else {
            None
        };
        if errors.is_empty() {
            Ok(ValidConfidence { side: self.side, phase: self.phase, ratings, consent })
        } else {
            Err(errors)
        }
    }
}

/// One stored rating, as the uplift needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub user: String,
    pub side: Side,
    pub phase: Phase,
    pub topic: String,
    pub rating: u8,
}

/// The mean change in confidence (after minus before) per topic, for each side. Only
/// people with both a before and an after rating of a topic count in it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Uplift {
    /// Per skill.
    pub mentees: BTreeMap<String, f64>,
    /// `teaching` and `domain`.
    pub mentors: BTreeMap<String, f64>,
}

impl Uplift {
    pub fn is_empty(&self) -> bool {
        self.mentees.is_empty() && self.mentors.is_empty()
    }
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Whose confidence in what: a person, the side they rated for, and the topic.
type Subject<'a> = (&'a str, Side, &'a str);

/// Each (person, side, topic) with both ratings, and its change.
fn changes(ratings: &[Rating]) -> BTreeMap<Subject<'_>, i32> {
    let mut pairs: BTreeMap<Subject<'_>, (Option<u8>, Option<u8>)> = BTreeMap::new();
    for r in ratings {
        let entry = pairs.entry((r.user.as_str(), r.side, r.topic.as_str())).or_default();
        match r.phase {
            Phase::Before => entry.0 = Some(r.rating),
            Phase::After => entry.1 = Some(r.rating),
        }
    }
    pairs
        .into_iter()
        .filter_map(|(key, pair)| match pair {
            (Some(before), Some(after)) => Some((key, i32::from(after) - i32::from(before))),
            _ => None,
        })
        .collect()
}

/// A program's uplift per side and topic, rounded to two decimals.
pub fn uplift(ratings: &[Rating]) -> Uplift {
    let mut sums: BTreeMap<(Side, &str), (i32, u32)> = BTreeMap::new();
    for ((_, side, topic), change) in changes(ratings) {
        let entry = sums.entry((side, topic)).or_default();
        entry.0 += change;
        entry.1 += 1;
    }
    let mut out = Uplift::default();
    for ((side, topic), (sum, n)) in sums {
        let mean = round2(f64::from(sum) / f64::from(n));
        match side {
            Side::Mentee => out.mentees.insert(topic.to_owned(), mean),
            Side::Mentor => out.mentors.insert(topic.to_owned(), mean),
        };
    }
    out
}

/// One person's mean change over all their topics on one side: what a mentor's thank-you
/// may say about their mentee, a single number and never the mentee's words.
pub fn person_uplift(ratings: &[Rating], user: &str, side: Side) -> Option<f64> {
    let mine: Vec<i32> =
        changes(ratings).into_iter().filter(|((u, s, _), _)| *u == user && *s == side).map(|(_, c)| c).collect();
    (!mine.is_empty()).then(|| round2(f64::from(mine.iter().sum::<i32>()) / mine.len() as f64))
}

/// The skills a mentor's sessions touched, most named first (ties by name), from the
/// skill tags of the pair's reflections.
pub fn skills_touched(reflection_skills: &[Vec<String>]) -> Vec<String> {
    let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
    for skill in reflection_skills.iter().flatten() {
        *counts.entry(skill).or_default() += 1;
    }
    let mut skills: Vec<(&str, u32)> = counts.into_iter().collect();
    skills.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    skills.into_iter().map(|(s, _)| s.to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn r(user: &str, side: Side, phase: Phase, topic: &str, rating: u8) -> Rating {
        Rating { user: user.into(), side, phase, topic: topic.into(), rating }
    }

    #[test]
    fn goals_are_trimmed_and_bounded() {
        assert_eq!(check_goal(Some("  use AI in my weekly reporting ")), Ok("use AI in my weekly reporting".into()));
        assert!(check_goal(None).unwrap_err().contains("Write your goal"));
        assert!(check_goal(Some("   ")).is_err());
        assert!(check_goal(Some(&"x".repeat(MAX_GOAL))).is_ok());
        assert!(check_goal(Some(&"é".repeat(MAX_GOAL + 1))).unwrap_err().contains("301"));
    }

    #[test]
    fn uplift_counts_only_people_with_both_ratings() {
        use Phase::*;
        use Side::*;
        let ratings = [
            r("bob", Mentee, Before, "AI", 1),
            r("bob", Mentee, After, "AI", 4),
            r("carol", Mentee, Before, "AI", 2),
            r("carol", Mentee, After, "AI", 2),
            r("dan", Mentee, Before, "AI", 1),
            r("erin", Mentee, After, "video", 5),
            r("alice", Mentor, Before, "teaching", 3),
            r("alice", Mentor, After, "teaching", 4),
            r("alice", Mentor, Before, "domain", 4),
            r("alice", Mentor, After, "domain", 3),
        ];
        let u = uplift(&ratings);
        assert_eq!(u.mentees, BTreeMap::from([("AI".into(), 1.5)]), "dan and erin lack one of the two");
        assert_eq!(u.mentors, BTreeMap::from([("domain".into(), -1.0), ("teaching".into(), 1.0)]));
        assert_eq!(person_uplift(&ratings, "bob", Mentee), Some(3.0));
        assert_eq!(person_uplift(&ratings, "alice", Mentor), Some(0.0));
        assert_eq!(person_uplift(&ratings, "dan", Mentee), None);
        assert!(uplift(&[]).is_empty());
    }

    #[test]
    fn the_form_needs_every_rating_and_a_person_to_tell_when_asked_to_tell() {
        let draft = |ratings: &[Option<&str>], recognition: Option<&str>, tell: Option<&str>| ConfidenceDraft {
            side: Side::Mentor,
            phase: Phase::Before,
            ratings: MENTOR_TOPICS.iter().zip(ratings).map(|(t, r)| (t.to_string(), r.map(str::to_owned))).collect(),
            recognition: recognition.map(str::to_owned),
            tell: tell.map(str::to_owned),
        };
        let errors = draft(&[Some("3"), None], None, None).validate().unwrap_err();
        assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), [ConfidenceField::Rating(1)]);
        let errors = draft(&[Some("9"), Some("2")], Some("thank_and_tell"), None).validate().unwrap_err();
        assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), [ConfidenceField::Rating(0), ConfidenceField::Tell]);
        let ok = draft(&[Some("3"), Some("2")], Some("thank_me"), Some("U0BOSS")).validate().unwrap();
        assert_eq!(ok.consent, Some(Consent { tell: None }), "telling someone needs its own yes");
        assert_eq!(ok.ratings, [("teaching".to_owned(), 3), ("domain".to_owned(), 2)]);
        let ok = draft(&[Some("1"), Some("1")], Some("thank_and_tell"), Some("U0BOSS")).validate().unwrap();
        assert_eq!(ok.consent, Some(Consent { tell: Some("U0BOSS".into()) }));
        assert_eq!(draft(&[Some("1"), Some("1")], None, None).validate().unwrap().consent, None, "no by default");
        let mut after = draft(&[Some("4"), Some("4")], Some("thank_me"), None);
        after.phase = Phase::After;
        assert_eq!(after.validate().unwrap().consent, None, "only the first form asks");
    }

    #[test]
    fn skills_touched_most_named_first() {
        let skills = |s: &[&str]| s.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        assert_eq!(skills_touched(&[skills(&["video", "AI"]), skills(&["AI"]), vec![]]), ["AI", "video"]);
        assert_eq!(topics(Side::Mentee, &skills(&["a"; 12])).len(), MAX_TOPICS);
        assert_eq!(topics(Side::Mentor, &[]), ["teaching", "domain"]);
        assert_eq!(Side::of(Role::Both), [Side::Mentor, Side::Mentee]);
        assert!(!Side::Mentor.played_by(Role::Mentee));
    }

    fn side() -> impl Strategy<Value = Side> {
        prop_oneof![Just(Side::Mentor), Just(Side::Mentee)]
    }

    proptest! {
        /// Each person's change lies in -4..=4, so every mean does too; ratings that did
        /// not move give an uplift of zero on every topic.
        #[test]
        fn uplift_is_bounded_and_zero_when_nothing_moved(
            people in prop::collection::vec((0u8..6, side(), 0u8..3, 1u8..=5, 1u8..=5), 0..40),
        ) {
            let mut ratings = Vec::new();
            let mut still = Vec::new();
            for (user, side, topic, before, after) in &people {
                let (user, topic) = (format!("u{user}"), format!("t{topic}"));
                ratings.push(r(&user, *side, Phase::Before, &topic, *before));
                ratings.push(r(&user, *side, Phase::After, &topic, *after));
                still.push(r(&user, *side, Phase::Before, &topic, *before));
                still.push(r(&user, *side, Phase::After, &topic, *before));
            }
            let u = uplift(&ratings);
            for value in u.mentees.values().chain(u.mentors.values()) {
                prop_assert!((-4.0..=4.0).contains(value));
            }
            let flat = uplift(&still);
            prop_assert!(flat.mentees.values().chain(flat.mentors.values()).all(|v| *v == 0.0));
            prop_assert_eq!(u.mentees.len() + u.mentors.len(), flat.mentees.len() + flat.mentors.len());
        }
    }
}
