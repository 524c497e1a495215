//! Exports of a program for its owners: one row per pair (who, when, check-ins,
//! meetings, ratings, skills), then one per one-time session (`form` says which), as CSV
//! or JSON, for `/mentoring export` and `upward export`.
//!
//! Reflection texts appear only where their author chose to share them with owners; the
//! store hands this module no other text, so an export cannot leak one. Pure: the rows
//! are loaded by `commands::reports`.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::domain::bounds::safe_cell;
use crate::domain::pair::Pair;
use crate::domain::program::Program;
use crate::domain::reflection::{Reflection, Visibility};
use crate::domain::sessions::{Session, SessionStatus};
use crate::domain::summary::CheckinFact;

/// How an export is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ExportFormat {
    #[default]
    Csv,
    Json,
}

impl ExportFormat {
    pub fn parse(word: &str) -> Option<ExportFormat> {
        match word.to_lowercase().as_str() {
            "csv" => Some(ExportFormat::Csv),
            "json" => Some(ExportFormat::Json),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        }
    }
}

/// One pair of the export. The JSON field names are the CSV's column names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairExport {
    pub program: String,
    pub round: i64,
    pub pair: i64,
    pub mentor: String,
    pub mentee: String,
    /// The names Slack last gave for them (empty when unknown): a file shows no mentions.
    pub mentor_name: String,
    pub mentee_name: String,
    pub status: String,
    pub score: i64,
    pub checkins: u64,
    pub meetings: u64,
    pub reflections: u64,
    pub average_rating: Option<f64>,
    /// Skills the pair's reflections touched, in alphabetical order.
    pub skills: Vec<String>,
    /// Texts shared with owners, as `<author>: learned … / taught …`.
    pub shared_reflections: Vec<String>,
    /// `round` (a pair of a matching round), `circle` (a mentee's seat in a circle),
    /// `project` (a project's pair, its `round` a round of its own) or
    /// `session` (a one-time session, whose
    /// `round` is 0, `pair` the session's number and `status` the request's:
    /// asking, matched, held or unmet).
    pub form: String,
}

pub const COLUMNS: [&str; 16] = [
    "program",
    "round",
    "pair",
    "mentor",
    "mentee",
    "mentor_name",
    "mentee_name",
    "status",
    "score",
    "checkins",
    "meetings",
    "reflections",
    "average_rating",
    "skills",
    "shared_reflections",
    "form",
];

/// The rows of one program, one per pair in the order given. `reflections` are the
/// ones owners may count; only those shared with owners give their texts. `names` are
/// people's names by user id.
pub fn rows(
    program: &Program,
    pairs: Vec<Pair>,
    checkins: &[CheckinFact],
    reflections: &[Reflection],
    names: &HashMap<String, String>,
) -> Vec<PairExport> {
    let name = |user: &str| names.get(user).cloned().unwrap_or_default();
    pairs
        .into_iter()
        .map(|p| {
            let told = Told::of(reflections.iter().filter(|r| r.pair_id == p.id));
            let mine = checkins.iter().filter(|c| c.pair_id == p.id);
            PairExport {
                program: program.name.clone(),
                round: p.round_id,
                pair: p.id,
                status: p.status.as_str().to_owned(),
                score: p.score,
                checkins: mine.clone().count() as u64,
                meetings: mine.filter(|c| c.met).count() as u64,
                reflections: told.ratings.len() as u64,
                average_rating: told.average(),
                skills: told.skills.into_iter().collect(),
                shared_reflections: told.shared,
                mentor_name: name(&p.mentor_user),
                mentee_name: name(&p.mentee_user),
                mentor: p.mentor_user,
                mentee: p.mentee_user,
                form: if p.circle { "circle" } else { "round" }.to_owned(),
            }
        })
        .collect()
}

/// The rows of a program's one-time sessions, after its pairs: the session's skill
/// among its `skills`, one meeting once it was held. `reflections` are the sessions'
/// (their `pair_id` is the session's id), with texts only where shared with owners.
pub fn session_rows(
    program: &Program,
    sessions: Vec<Session>,
    reflections: &[Reflection],
    names: &HashMap<String, String>,
) -> Vec<PairExport> {
    let name = |user: &str| names.get(user).cloned().unwrap_or_default();
    sessions
        .into_iter()
        .map(|s| {
            let mut told = Told::of(reflections.iter().filter(|r| r.pair_id == s.id));
            told.skills.insert(s.skill.clone());
            let mentor = s.mentor_user.unwrap_or_default();
            PairExport {
                program: program.name.clone(),
                round: 0,
                pair: s.id,
                status: s.status.as_str().to_owned(),
                score: 0,
                checkins: 0,
                meetings: u64::from(s.status == SessionStatus::Held),
                reflections: told.ratings.len() as u64,
                average_rating: told.average(),
                skills: told.skills.into_iter().collect(),
                shared_reflections: told.shared,
                mentor_name: name(&mentor),
                mentee_name: name(&s.mentee_user),
                mentor,
                mentee: s.mentee_user,
                form: "session".to_owned(),
            }
        })
        .collect()
}

/// What one pair's or session's reflections tell owners.
struct Told {
    ratings: Vec<u8>,
    skills: BTreeSet<String>,
    shared: Vec<String>,
}

impl Told {
    fn of<'a>(own: impl Iterator<Item = &'a Reflection> + Clone) -> Told {
        let shared = own
            .clone()
            .filter(|r| r.reflection.visibility == Visibility::Owners)
            .filter_map(|r| {
                let texts: Vec<String> = [("learned", &r.reflection.learned), ("taught", &r.reflection.taught)]
                    .into_iter()
                    .filter_map(|(what, text)| text.as_ref().map(|t| format!("{what} {t}")))
                    .collect();
                (!texts.is_empty()).then(|| format!("{}: {}", r.author, texts.join(" / ")))
            })
            .collect();
        Told {
            ratings: own.clone().map(|r| r.reflection.rating).collect(),
            skills: own.flat_map(|r| r.reflection.skills.clone()).collect(),
            shared,
        }
    }

    fn average(&self) -> Option<f64> {
        (!self.ratings.is_empty()).then(|| {
            let sum: u64 = self.ratings.iter().map(|&r| u64::from(r)).sum();
            (sum as f64 / self.ratings.len() as f64 * 100.0).round() / 100.0
        })
    }
}

/// The CSV of `rows`, written by the `csv` crate (RFC 4180 quoting). Every text cell
/// is made safe for a spreadsheet ([`safe_cell`]): reflection texts and skills are
/// typed by people, and a cell starting with `=` would run as a formula when an owner
/// opens the file.
pub fn to_csv(rows: &[PairExport]) -> String {
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    // Writing into memory can only fail on a record of the wrong length, which the
    // fixed columns rule out; an empty export is still a valid file.
    let _ = out.write_record(COLUMNS);
    for r in rows {
        let text = |t: &str| safe_cell(t).into_owned();
        let _ = out.write_record([
            text(&r.program),
            r.round.to_string(),
            r.pair.to_string(),
            text(&r.mentor),
            text(&r.mentee),
            text(&r.mentor_name),
            text(&r.mentee_name),
            text(&r.status),
            r.score.to_string(),
            r.checkins.to_string(),
            r.meetings.to_string(),
            r.reflections.to_string(),
            r.average_rating.map(|a| a.to_string()).unwrap_or_default(),
            text(&r.skills.iter().map(|s| safe_cell(s).into_owned()).collect::<Vec<_>>().join("; ")),
            text(&r.shared_reflections.join(" | ")),
            text(&r.form),
        ]);
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}

pub fn render(rows: &[PairExport], format: ExportFormat) -> String {
    match format {
        ExportFormat::Csv => to_csv(rows),
        ExportFormat::Json => serde_json::to_string_pretty(rows).unwrap_or_else(|_| "[]".to_owned()) + "\n",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_it_must() {
        let row = PairExport {
            program: "default".into(),
            round: 1,
            pair: 2,
            mentor: "U1".into(),
            mentee: "U2".into(),
            mentor_name: "Ada Okafor".into(),
            mentee_name: "Li, Wei".into(),
            status: "active".into(),
            score: 40,
            checkins: 3,
            meetings: 2,
            reflections: 1,
            average_rating: Some(4.5),
            skills: vec!["AI".into(), "video".into()],
            shared_reflections: vec!["U1: learned \"P&L\", budgets".into()],
            form: "round".into(),
        };
        let csv = to_csv(&[row]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0].split(',').count(), COLUMNS.len());
        assert_eq!(
            lines[1],
            "default,1,2,U1,U2,Ada Okafor,\"Li, Wei\",active,40,3,2,1,4.5,AI; video,\"U1: learned \"\"P&L\"\", budgets\",round"
        );
    }

    #[test]
    fn cells_that_would_run_as_formulas_are_neutralised() {
        let row = PairExport {
            program: "default".into(),
            round: 1,
            pair: 2,
            mentor: "U1".into(),
            mentee: "U2".into(),
            mentor_name: "Ada".into(),
            mentee_name: "Li".into(),
            status: "active".into(),
            score: -3,
            checkins: 0,
            meetings: 0,
            reflections: 1,
            average_rating: None,
            skills: vec!["=1+1".into(), "@SUM(A1)".into()],
            shared_reflections: vec!["=HYPERLINK(\"http://evil\",\"x\")".into()],
            form: "round".into(),
        };
        let csv = to_csv(&[row]);
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let record = reader.records().next().unwrap().unwrap();
        assert_eq!(&record[8], "-3", "numbers stay numbers");
        assert_eq!(&record[13], "'=1+1; '@SUM(A1)");
        assert_eq!(&record[14], "'=HYPERLINK(\"http://evil\",\"x\")");
    }
}
