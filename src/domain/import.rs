//! The org-chart import: an HRIS export (CSV) read into rows, and the rows, once their
//! emails are looked up in Slack, turned into a plan of changes with a report.
//!
//! No HR team will ask a thousand leaders to type their level, department and manager,
//! so an owner brings them in from the export HR already has. Nothing here guesses: a
//! row whose email matches nobody is reported, not matched by name; a bad level is
//! reported with its line; the same email twice is applied once when the rows agree
//! and not at all when they disagree. Pure: reading the bytes and planning take what
//! was loaded and return decisions, so every rule is unit-tested.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::bounds::echo;
use super::participant::{MAX_DEPARTMENT_LEN, MAX_LEVEL};

/// The most rows one file may hold: a company of 50,000 with room to spare. Past it
/// the file is refused whole rather than half imported.
pub const MAX_ROWS: usize = 100_000;
/// The biggest file read, in bytes.
pub const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;
/// Emails one file uploaded in Slack may look up with `users.lookupByEmail`: all
/// within Tier 3's burst, so the handler ends well inside its inbox lease. The rest
/// are reported as not checked; the command line has no such cap.
pub const SLACK_LOOKUPS: usize = 45;

/// Which header names the file's four columns under. Unset: the usual names an HRIS
/// export uses (`email`, `work email`, `level`, `grade`, …), without case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Columns {
    pub email: Option<String>,
    pub level: Option<String>,
    pub department: Option<String>,
    pub manager_email: Option<String>,
}

/// Header names recognised without configuration, per column.
const EMAIL_NAMES: &[&str] = &["email", "work email", "e-mail", "email address", "work_email"];
const LEVEL_NAMES: &[&str] = &["level", "grade", "job level", "seniority", "job_level"];
const DEPARTMENT_NAMES: &[&str] = &["department", "dept", "team", "org unit"];
const MANAGER_NAMES: &[&str] = &["manager_email", "manager email", "manager", "manager work email", "reports to"];

/// The usage of `--columns` and of its Slack spelling.
pub const COLUMNS_USAGE: &str = "email=<header>,level=<header>,department=<header>,manager_email=<header>";

impl Columns {
    /// Reads `email=Work Email,level=Grade`: which header holds which column.
    pub fn parse(spec: &str) -> Result<Columns, String> {
        let mut columns = Columns::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, header)) = part.split_once('=') else {
                return Err(format!("`{}` is not `column=header`; write {COLUMNS_USAGE}.", echo(part)));
            };
            let header = Some(header.trim().to_owned()).filter(|h| !h.is_empty());
            match key.trim().to_lowercase().replace('-', "_").as_str() {
                "email" => columns.email = header,
                "level" => columns.level = header,
                "department" | "dept" => columns.department = header,
                "manager_email" | "manager" => columns.manager_email = header,
                other => {
                    return Err(format!(
                        "`{}` is not a column: the columns are email, level, department and manager_email.",
                        echo(other)
                    ))
                }
            }
        }
        Ok(columns)
    }
}

/// Finds the header `configured` names, or else the first of `names`, without case.
fn position(headers: &[String], configured: Option<&str>, names: &[&str]) -> Option<usize> {
    let wanted = |header: &str, name: &str| header.trim().eq_ignore_ascii_case(name.trim());
    match configured {
        Some(name) => headers.iter().position(|h| wanted(h, name)),
        None => names.iter().find_map(|name| headers.iter().position(|h| wanted(h, name))),
    }
}

/// One usable row of the file: line numbers count the header as line 1, as a
/// spreadsheet shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgRow {
    pub line: usize,
    /// Lower case: Slack compares emails without case.
    pub email: String,
    pub level: Option<u8>,
    pub department: Option<String>,
    pub manager_email: Option<String>,
}

/// A row that cannot be used as it is, with its line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum RowProblem {
    /// No email, or not one.
    BadEmail { line: usize, value: String },
    /// A level that is not 1 to [`MAX_LEVEL`]: the row is not applied at all, so a
    /// person is never half updated.
    BadLevel { line: usize, value: String },
    /// The email again, with the same values: applied once.
    Duplicate { line: usize, email: String, first_line: usize },
    /// The email again with other values: neither row is applied, HR must say which.
    Conflict { line: usize, email: String, first_line: usize },
    /// No Slack account has this email.
    Unmatched { line: usize, email: String },
    /// The manager's email matches nobody: the rest of the row is applied, the manager
    /// left as it was.
    ManagerUnmatched { line: usize, email: String },
    /// Not looked up in Slack this time: its lookup pace was spent. Uploading the file
    /// again goes on where this one stopped (found people are remembered).
    NotChecked { line: usize, email: String },
}

impl RowProblem {
    pub fn line(&self) -> usize {
        match self {
            RowProblem::BadEmail { line, .. }
            | RowProblem::BadLevel { line, .. }
            | RowProblem::Duplicate { line, .. }
            | RowProblem::Conflict { line, .. }
            | RowProblem::Unmatched { line, .. }
            | RowProblem::ManagerUnmatched { line, .. }
            | RowProblem::NotChecked { line, .. } => *line,
        }
    }

    /// The problem in a few words, for the report.
    pub fn describe(&self) -> String {
        match self {
            RowProblem::BadEmail { line, value } => format!("line {line}: `{}` is not an email", echo(value)),
            RowProblem::BadLevel { line, value } => {
                format!("line {line}: level `{}` is not 1–{MAX_LEVEL}; row skipped", echo(value))
            }
            RowProblem::Duplicate { line, email, first_line } => {
                format!("line {line}: {} again (as on line {first_line}); applied once", echo(email))
            }
            RowProblem::Conflict { line, email, first_line } => {
                format!("line {line}: {} again, unlike line {first_line}; neither applied", echo(email))
            }
            RowProblem::Unmatched { line, email } => format!("line {line}: no one in Slack has {}", echo(email)),
            RowProblem::ManagerUnmatched { line, email } => {
                format!("line {line}: manager {} is not in Slack; manager left as it was", echo(email))
            }
            RowProblem::NotChecked { line, email } => {
                format!("line {line}: {} not looked up yet (Slack's pace); upload the file again", echo(email))
            }
        }
    }
}

/// A file that cannot be imported at all.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum ImportError {
    #[error("I found no email column. The headers are: {headers}. Name it with {COLUMNS_USAGE}.")]
    NoEmailColumn { headers: String },
    #[error("The file is not CSV I can read: {0}.")]
    NotCsv(String),
    #[error("The file has no rows under its header.")]
    Empty,
    #[error("The file has more than {MAX_ROWS} rows; split it.")]
    TooManyRows,
}

/// The file read: the rows to look up, and those already refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Rows read under the header.
    pub total: usize,
    /// One row per email, in file order; conflicting emails are not here.
    pub rows: Vec<OrgRow>,
    pub problems: Vec<RowProblem>,
}

impl Parsed {
    /// Every email to find in Slack: people and their managers, once each.
    pub fn emails(&self) -> Vec<String> {
        let mut emails: Vec<String> = Vec::new();
        for row in &self.rows {
            for email in std::iter::once(&row.email).chain(row.manager_email.as_ref()) {
                if !emails.contains(email) {
                    emails.push(email.clone());
                }
            }
        }
        emails
    }
}

fn plausible_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => !local.is_empty() && domain.contains('.') && !text.contains(char::is_whitespace),
        None => false,
    }
}

fn cell(record: &csv::StringRecord, at: Option<usize>) -> Option<String> {
    at.and_then(|i| record.get(i)).map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned)
}

/// Reads an HRIS export. Only the email column is required; a missing level,
/// department or manager column leaves that field as it is.
pub fn read_csv(bytes: &[u8], columns: &Columns) -> Result<Parsed, ImportError> {
    // Excel writes a byte-order mark before the header.
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(bytes);
    let headers: Vec<String> =
        reader.headers().map_err(|e| ImportError::NotCsv(e.to_string()))?.iter().map(str::to_owned).collect();
    let Some(email_at) = position(&headers, columns.email.as_deref(), EMAIL_NAMES) else {
        let shown: Vec<String> = headers.iter().take(20).map(|h| format!("`{}`", echo(h))).collect();
        return Err(ImportError::NoEmailColumn { headers: shown.join(", ") });
    };
    let level_at = position(&headers, columns.level.as_deref(), LEVEL_NAMES);
    let department_at = position(&headers, columns.department.as_deref(), DEPARTMENT_NAMES);
    let manager_at = position(&headers, columns.manager_email.as_deref(), MANAGER_NAMES);

    let mut parsed = Parsed::default();
    let mut first: HashMap<String, usize> = HashMap::new();
    let mut conflicted: Vec<String> = Vec::new();
    // Line numbers as a text editor shows them: the reader's own count leaves out the
    // blank lines it skips, so newlines are counted up to each record's first byte.
    let (mut scanned, mut newlines) = (0, 0);
    for record in reader.records() {
        let record = record.map_err(|e| ImportError::NotCsv(e.to_string()))?;
        let mut start = record.position().map_or(scanned, |p| p.byte() as usize).clamp(scanned, bytes.len());
        // The position is where the reader began, before the blank lines it skipped.
        while bytes.get(start).is_some_and(|b| matches!(b, b'\n' | b'\r')) {
            start += 1;
        }
        newlines += bytes[scanned..start].iter().filter(|b| **b == b'\n').count();
        scanned = start;
        let line = newlines + 1;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        parsed.total += 1;
        if parsed.total > MAX_ROWS {
            return Err(ImportError::TooManyRows);
        }
        let email = cell(&record, Some(email_at)).unwrap_or_default().to_lowercase();
        if !plausible_email(&email) {
            parsed.problems.push(RowProblem::BadEmail { line, value: email });
            continue;
        }
        let level = match cell(&record, level_at) {
            None => None,
            Some(text) => match text.parse::<u8>().ok().filter(|l| (1..=MAX_LEVEL).contains(l)) {
                Some(level) => Some(level),
                None => {
                    parsed.problems.push(RowProblem::BadLevel { line, value: text });
                    continue;
                }
            },
        };
        let department = cell(&record, department_at).map(|d| d.chars().take(MAX_DEPARTMENT_LEN).collect());
        let manager_email = cell(&record, manager_at).map(|m| m.to_lowercase());
        let row = OrgRow { line, email: email.clone(), level, department, manager_email };
        match first.get(&email) {
            None => {
                first.insert(email, parsed.rows.len());
                parsed.rows.push(row);
            }
            Some(&at) => {
                let earlier = &parsed.rows[at];
                let same = (&earlier.level, &earlier.department, &earlier.manager_email)
                    == (&row.level, &row.department, &row.manager_email);
                let first_line = earlier.line;
                if same {
                    parsed.problems.push(RowProblem::Duplicate { line, email, first_line });
                } else {
                    parsed.problems.push(RowProblem::Conflict { line, email: email.clone(), first_line });
                    conflicted.push(email);
                }
            }
        }
    }
    parsed.rows.retain(|row| !conflicted.contains(&row.email));
    if parsed.total == 0 {
        return Err(ImportError::Empty);
    }
    Ok(parsed)
}

/// The figures of a workspace's latest applied import, for owners.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportFigures {
    pub rows_read: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub unmatched: i64,
    /// Rows not applied for a fault of the file: bad emails or levels, conflicting rows.
    pub refused: i64,
    /// When it was applied (Unix seconds).
    pub applied_at: i64,
}

/// What the org chart holds of one person.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgEntry {
    pub level: Option<u8>,
    pub department: Option<String>,
    /// The manager's Slack user id.
    pub manager: Option<String>,
}

/// One person's new org-chart entry, and the one it replaces (a participant's field
/// changes only where it still holds the replaced value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub line: usize,
    pub user_id: String,
    pub email: String,
    pub before: Option<OrgEntry>,
    pub after: OrgEntry,
}

/// A dry run: what applying would change, and every row it would not use. A closed
/// import keeps none of it (`{}` reads as an empty plan).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImportPlan {
    pub rows_read: usize,
    pub changes: Vec<Change>,
    pub unchanged: usize,
    /// Ordered by line.
    pub problems: Vec<RowProblem>,
}

impl ImportPlan {
    /// Rows whose email matches nobody in Slack.
    pub fn unmatched(&self) -> usize {
        self.problems.iter().filter(|p| matches!(p, RowProblem::Unmatched { .. })).count()
    }

    /// Rows not looked up this time (Slack's lookup pace).
    pub fn unchecked(&self) -> usize {
        self.problems.iter().filter(|p| matches!(p, RowProblem::NotChecked { .. })).count()
    }

    /// Rows not applied for a fault of the file (bad email or level, conflicting rows).
    pub fn refused(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| {
                matches!(p, RowProblem::BadEmail { .. } | RowProblem::BadLevel { .. } | RowProblem::Conflict { .. })
            })
            .count()
    }
}

/// What Slack said of the file's emails: the user of each one found, and those not
/// asked about (the lookup's pace was spent); any other email matches nobody.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lookup {
    pub found: HashMap<String, String>,
    pub unchecked: HashSet<String>,
}

/// Plans the import of `parsed`, given what Slack said of its emails and what the org
/// chart holds now (`current`, by user id). A field the file leaves empty keeps the
/// chart's value, as does a manager who is not found.
pub fn plan(parsed: &Parsed, lookup: &Lookup, current: &HashMap<String, OrgEntry>) -> ImportPlan {
    let found = &lookup.found;
    let mut plan = ImportPlan { rows_read: parsed.total, problems: parsed.problems.clone(), ..ImportPlan::default() };
    for row in &parsed.rows {
        let Some(user_id) = found.get(&row.email) else {
            let (line, email) = (row.line, row.email.clone());
            plan.problems.push(if lookup.unchecked.contains(&row.email) {
                RowProblem::NotChecked { line, email }
            } else {
                RowProblem::Unmatched { line, email }
            });
            continue;
        };
        let before = current.get(user_id).cloned();
        let kept = before.clone().unwrap_or_default();
        let manager = match &row.manager_email {
            None => kept.manager.clone(),
            Some(email) => match found.get(email) {
                Some(manager) if manager != user_id => Some(manager.clone()),
                _ if lookup.unchecked.contains(email) => {
                    plan.problems.push(RowProblem::NotChecked { line: row.line, email: email.clone() });
                    kept.manager.clone()
                }
                _ => {
                    plan.problems.push(RowProblem::ManagerUnmatched { line: row.line, email: email.clone() });
                    kept.manager.clone()
                }
            },
        };
        let after = OrgEntry {
            level: row.level.or(kept.level),
            department: row.department.clone().or(kept.department.clone()),
            manager,
        };
        if before.as_ref() == Some(&after) {
            plan.unchanged += 1;
        } else {
            plan.changes.push(Change {
                line: row.line,
                user_id: user_id.clone(),
                email: row.email.clone(),
                before,
                after,
            });
        }
    }
    plan.problems.sort_by_key(RowProblem::line);
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\u{feff}Work Email,Grade,Department,Manager Email\n\
        ada@example.com,2,Digital,olga@example.com\n\
        BOB@example.com,9,Finance,\n\
        ghost@example.com,3,Sales,\n\
        bob@example.com,9,Finance,\n\
        cy@example.com,eleven,Ops,\n\
        dee@example.com,4,Ops,\n\
        dee@example.com,5,Ops,\n\
        not-an-email,3,Ops,\n\n\
        eve@example.com,,Legal,nobody@example.com\n";

    fn parsed() -> Parsed {
        read_csv(FILE.as_bytes(), &Columns::default()).unwrap()
    }

    #[test]
    fn an_hris_export_is_read_with_its_own_header_names_and_every_bad_row_is_named() {
        let parsed = parsed();
        assert_eq!(parsed.total, 9, "the blank line is no row");
        let emails: Vec<&str> = parsed.rows.iter().map(|r| r.email.as_str()).collect();
        assert_eq!(emails, ["ada@example.com", "bob@example.com", "ghost@example.com", "eve@example.com"]);
        assert_eq!(parsed.rows[0].manager_email.as_deref(), Some("olga@example.com"));
        assert_eq!(parsed.rows[3].level, None);
        assert_eq!(
            parsed.problems,
            vec![
                RowProblem::Duplicate { line: 5, email: "bob@example.com".into(), first_line: 3 },
                RowProblem::BadLevel { line: 6, value: "eleven".into() },
                RowProblem::Conflict { line: 8, email: "dee@example.com".into(), first_line: 7 },
                RowProblem::BadEmail { line: 9, value: "not-an-email".into() },
            ]
        );
        assert!(parsed.emails().contains(&"nobody@example.com".to_owned()));
    }

    #[test]
    fn configured_columns_win_and_a_file_without_emails_is_refused_with_its_headers() {
        let columns = Columns::parse("email=Mail, level = Band").unwrap();
        let parsed = read_csv(b"Mail,Band,email\nada@example.com,3,x@example.com\n", &columns).unwrap();
        assert_eq!((parsed.rows[0].email.as_str(), parsed.rows[0].level), ("ada@example.com", Some(3)));
        let err = read_csv(b"Name,Grade\nAda,3\n", &Columns::default()).unwrap_err();
        assert!(err.to_string().contains("`Name`, `Grade`"), "{err}");
        assert_eq!(read_csv(b"email\n", &Columns::default()).unwrap_err(), ImportError::Empty);
        assert!(Columns::parse("salary=Pay").unwrap_err().contains("not a column"));
        assert!(Columns::parse("email").unwrap_err().contains("column=header"));
        for level in ["0", "13", "-1", "2.5"] {
            let parsed = read_csv(format!("email,level\nada@example.com,{level}\n").as_bytes(), &Columns::default());
            assert_eq!(parsed.unwrap().problems.len(), 1, "{level}");
        }
    }

    #[test]
    fn the_plan_changes_only_what_differs_and_guesses_nothing() {
        let parsed = parsed();
        let found: HashMap<String, String> = [
            ("ada@example.com", "U0ADA"),
            ("bob@example.com", "U0BOB"),
            ("olga@example.com", "U0OLGA"),
            ("eve@example.com", "U0EVE"),
        ]
        .into_iter()
        .map(|(e, u)| (e.to_owned(), u.to_owned()))
        .collect();
        let bob = OrgEntry { level: Some(9), department: Some("Finance".into()), manager: None };
        let eve = OrgEntry { level: Some(6), department: Some("Ops".into()), manager: Some("U0BOSS".into()) };
        let current: HashMap<String, OrgEntry> =
            [("U0BOB".to_owned(), bob), ("U0EVE".to_owned(), eve.clone())].into_iter().collect();
        let lookup = Lookup { found, unchecked: HashSet::new() };
        let plan = plan(&parsed, &lookup, &current);
        assert_eq!(plan.rows_read, 9);
        assert_eq!(plan.unchanged, 1, "bob's row says what the chart holds");
        assert_eq!(plan.changes.len(), 2);
        assert_eq!(plan.changes[0].after.manager.as_deref(), Some("U0OLGA"));
        assert_eq!(plan.changes[0].before, None);
        // Eve's level is not in the file and her manager is not in Slack: both kept.
        let eve_change = &plan.changes[1];
        assert_eq!(eve_change.after, OrgEntry { department: Some("Legal".into()), ..eve });
        assert_eq!((plan.unmatched(), plan.refused()), (1, 3));
        let manager = RowProblem::ManagerUnmatched { line: 11, email: "nobody@example.com".into() };
        assert!(plan.problems.contains(&manager), "{:?}", plan.problems);
        assert!(plan.problems.windows(2).all(|w| w[0].line() <= w[1].line()));
    }

    #[test]
    fn an_email_not_looked_up_is_reported_as_such_not_as_unknown() {
        let parsed = read_csv(
            b"email
ada@example.com
bo@example.com
",
            &Columns::default(),
        )
        .unwrap();
        let lookup = Lookup { found: HashMap::new(), unchecked: ["bo@example.com".to_owned()].into() };
        let plan = plan(&parsed, &lookup, &HashMap::new());
        assert_eq!((plan.unmatched(), plan.unchecked()), (1, 1));
    }
}
