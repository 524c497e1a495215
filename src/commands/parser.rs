//! `/mentoring` text to a [`Command`]: pure, so every spelling and mistake is unit-tested.

use chrono::NaiveDate;

use crate::domain::bounds::{echo, MAX_CATALOGUE};
use crate::domain::import::Columns;
use crate::domain::participant::{mentioned_user, split_tags, Role, MAX_LEVEL};
use crate::domain::program::{valid_handle, ProgramName};
use crate::domain::settings::{parse_setting, Setting, SETTING_KEYS};
pub use crate::report::export::ExportFormat;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// The guide; `unknown` is the word we did not understand, if any.
    Help {
        unknown: Option<String>,
    },
    /// Without a line: open the modal.
    Join {
        program: Option<String>,
        line: Option<JoinLine>,
    },
    Profile,
    Pause {
        program: Option<String>,
        until: Option<NaiveDate>,
    },
    Resume {
        program: Option<String>,
    },
    Leave {
        program: Option<String>,
    },
    ProgramCreate {
        name: ProgramName,
    },
    /// A new name for a program (the first one starts as `default`).
    ProgramRename {
        program: Option<String>,
        name: ProgramName,
    },
    ProgramList,
    SkillsAdd {
        program: Option<String>,
        tags: Vec<String>,
    },
    ProgramSet {
        program: Option<String>,
        setting: Setting,
    },
    /// A preview of the next round, or (`confirm`) making the preview live.
    Match {
        program: Option<String>,
        confirm: bool,
    },
    /// Ends the live pair of one person, so they can be matched again.
    Unpair {
        program: Option<String>,
        user: String,
    },
    /// The reflection form, for the pair with `partner` (needed only with several).
    Reflect {
        partner: Option<String>,
    },
    /// The person's own reflections.
    Reflections,
    /// Ends the person's pair privately and asks for a new partner.
    Rematch {
        partner: Option<String>,
    },
    /// The person's own goals, to mark them done.
    Goals,
    /// A one-time session: `text` starts with the skill, then what they want to learn
    /// (the handler splits them, as only the program knows its skills).
    Ask {
        program: Option<String>,
        text: String,
    },
    /// A project pair: its lead (the asker unless an owner names someone), end date,
    /// skills and goal.
    Project {
        program: Option<String>,
        ends_on: NaiveDate,
        lead: Option<String>,
        skills: Vec<String>,
        goal: String,
    },
    /// Thanks from a mentee to their (past) mentor; `public` also tells the owners.
    Kudos {
        mentor: String,
        public: bool,
        message: Option<String>,
    },
    /// Owners: a program's figures.
    Status {
        program: Option<String>,
    },
    /// Owners: a program's pairs as a file.
    Export {
        program: Option<String>,
        format: ExportFormat,
    },
    OwnersList,
    OwnersAdd {
        user: String,
    },
    OwnersRemove {
        user: String,
    },
    Audit,
    /// Deletes the person's profile and reflection texts.
    ForgetMe,
    /// Owners: how to import the org chart, or (with `columns`) the header names the
    /// owner's next uploaded file is read with.
    Import {
        columns: Option<Columns>,
    },
}

impl Command {
    /// Whether handling it opens a form: such a command's trigger id is good for three
    /// seconds, so it is handled before any backlog.
    pub fn opens_form(&self) -> bool {
        matches!(self, Command::Join { line: None, .. } | Command::Reflect { .. } | Command::Rematch { .. })
    }
}

/// `join mentor|mentee <skills> [dept:<name>] [manager:@someone]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinLine {
    pub role: Role,
    pub tags: Vec<String>,
    pub department: Option<String>,
    pub manager: Option<String>,
    pub level: Option<u8>,
    /// `one-time` (or `one-time:no`): whether they take one-time session requests;
    /// `None` keeps what their profile says.
    pub one_time: Option<bool>,
}

/// A command we recognised whose arguments are wrong: what is wrong, and the usage line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub problem: String,
    pub usage: &'static str,
}

const JOIN_USAGE: &str = "/mentoring join mentor|mentee <skill>, <skill>";
const PAUSE_USAGE: &str = "/mentoring pause [YYYY-MM-DD]";
const PROGRAM_USAGE: &str =
    "/mentoring program create <name> | program rename <new name, spaces allowed> | program list";
const SKILLS_USAGE: &str = "/mentoring skills add <tag>, <tag>";
const SET_USAGE: &str = "/mentoring program set <setting> <value>";
const MATCH_USAGE: &str = "/mentoring match [confirm]";
const UNPAIR_USAGE: &str = "/mentoring unpair @someone";
const REFLECT_USAGE: &str = "/mentoring reflect [@partner]";
const STATUS_USAGE: &str = "/mentoring status [program]";
const EXPORT_USAGE: &str = "/mentoring export [program] [csv|json]";
const OWNERS_USAGE: &str = "/mentoring owners [add|remove @someone]";
pub const PROJECT_USAGE: &str = "/mentoring project <YYYY-MM-DD> [@lead] <skill>, <skill>: <goal>";
pub const ASK_USAGE: &str = "/mentoring ask <skill> [what I want to learn]";
const KUDOS_USAGE: &str = "/mentoring kudos @mentor [public] [message]";
const IMPORT_USAGE: &str = "/mentoring import [email=<header>,level=<header>,...]";

/// Longest kudos message: a few warm sentences.
pub const MAX_KUDOS: usize = 500;

/// The `usage` of a problem no usage line would help with.
pub const NO_USAGE: &str = "";

fn error(problem: impl Into<String>, usage: &'static str) -> ParseError {
    ParseError { problem: problem.into(), usage }
}

/// The `name:value` options a command may carry anywhere in its text.
#[derive(Debug, Default)]
struct Options {
    program: Option<String>,
    department: Option<String>,
    manager: Option<String>,
    level: Option<u8>,
    one_time: Option<bool>,
}

/// Reads a seniority level, `Err` naming the option when it is out of range: a number
/// that is not a level must never end up in another field (as "genai level 256" did
/// in the skills).
fn level(text: &str) -> Result<u8, ParseError> {
    text.trim_end_matches(',').parse::<u8>().ok().filter(|l| (1..=MAX_LEVEL).contains(l)).ok_or_else(|| {
        error(
            format!("level must be 1–{MAX_LEVEL}, from 1 (most junior) to {MAX_LEVEL}: `{}` is not one.", echo(text)),
            JOIN_USAGE,
        )
    })
}

/// A word that is meant as a number, in range or not: `3`, `256`, `-1`, `1e3`, `2.5`.
fn looks_numeric(word: &str) -> bool {
    let word = word.trim_end_matches(',');
    word.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') && word.parse::<f64>().is_ok()
}

/// Takes `program:<name>`, `dept:<name>` (underscores for spaces), `manager:@someone`
/// and `level N` (or `level:N`) out of the text, wherever they stand.
fn take_options(text: &str) -> Result<(Options, String), ParseError> {
    let mut options = Options::default();
    let mut rest = Vec::new();
    for word in text.split_whitespace() {
        if let Some(n) = word.strip_prefix("level:") {
            options.level = Some(level(n)?);
        } else if word.eq_ignore_ascii_case("one-time") {
            options.one_time = Some(true);
        } else if let Some(choice) = word.strip_prefix("one-time:") {
            options.one_time = Some(match choice.to_lowercase().as_str() {
                "yes" | "on" => true,
                "no" | "off" => false,
                _ => {
                    return Err(error(format!("Say one-time:yes or one-time:no, not `{}`.", echo(choice)), JOIN_USAGE))
                }
            });
        } else if let Some(name) = word.strip_prefix("program:") {
            if !valid_handle(name) {
                return Err(error(format!("`{}` is not a program name.", echo(name)), "... program:<name>"));
            }
            options.program = Some(name.to_lowercase());
        } else if let Some(name) = word.strip_prefix("dept:").or_else(|| word.strip_prefix("department:")) {
            options.department = Some(name.replace('_', " "));
        } else if let Some(who) = word.strip_prefix("manager:") {
            let id = mentioned_user(who)
                .ok_or_else(|| error(format!("`{}` is not a person: write manager:@name.", echo(who)), JOIN_USAGE))?;
            options.manager = Some(id);
        } else {
            rest.push(word);
        }
    }
    // `level N` once the other options are out, so an option between the two words
    // (`level program:x 3`) cannot leave the number behind as a skill.
    let mut words = rest.into_iter().peekable();
    let mut kept = Vec::new();
    while let Some(word) = words.next() {
        if word.eq_ignore_ascii_case("level") && words.peek().is_some_and(|w| looks_numeric(w)) {
            options.level = Some(level(words.next().unwrap_or_default())?);
        } else {
            kept.push(word);
        }
    }
    Ok((options, kept.join(" ")))
}

/// Slack escapes `&`, `<` and `>` in command text; mentions stay escaped as `<@U…>`.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

fn split_first(text: &str) -> (String, &str) {
    let text = text.trim();
    match text.split_once(char::is_whitespace) {
        Some((first, rest)) => (first.to_lowercase(), rest.trim()),
        None => (text.to_lowercase(), ""),
    }
}

/// A person written as plain `@name` where a command expects one. With the manifest's
/// `should_escape: true` Slack sends `<@U…|name>`; plain text means the app was
/// installed from an older manifest, which no rewording by the person can fix.
fn bare_mention(text: &str) -> Option<&str> {
    let words: Vec<&str> = text.split_whitespace().filter(|w| !w.starts_with("program:")).collect();
    let person = match words.first().map(|w| w.to_lowercase()).as_deref() {
        Some("unpair" | "reflect" | "rematch" | "exit" | "kudos" | "thanks" | "thank") => words.get(1).copied(),
        Some("owners" | "owner") => words.get(2).copied(),
        _ => None,
    };
    person
        .into_iter()
        .chain(words.iter().filter_map(|w| w.strip_prefix("manager:")))
        .find(|w| w.len() > 1 && w.starts_with('@') && mentioned_user(w).is_none())
}

pub fn parse(text: &str) -> Result<Command, ParseError> {
    let text = unescape(text);
    if let Some(who) = bare_mention(&text) {
        return Err(error(
            format!(
                "Slack sent `{who}` to me as plain text, not as a mention, so I can't tell who that is. This \
                 happens when upward was installed from an older manifest: ask your Slack admin to reinstall it \
                 from the current `manifest.yml` (it sets `should_escape: true`), then try again."
            ),
            NO_USAGE,
        ));
    }
    let (options, text) = take_options(&text)?;
    let program = options.program.clone();
    let (word, rest) = split_first(&text);
    match word.as_str() {
        "" | "help" | "?" => Ok(Command::Help { unknown: None }),
        "join" | "change" => parse_join(options, rest),
        "profile" | "me" => Ok(Command::Profile),
        "pause" => Ok(Command::Pause { program, until: parse_date(rest)? }),
        "resume" => Ok(Command::Resume { program }),
        "leave" => Ok(Command::Leave { program }),
        "program" | "programs" => parse_program(program, rest),
        "skills" | "skill" => parse_skills(program, rest),
        "match" | "matching" => match rest.to_lowercase().as_str() {
            "" | "preview" => Ok(Command::Match { program, confirm: false }),
            "confirm" | "approve" => Ok(Command::Match { program, confirm: true }),
            other => Err(error(format!("`match {}` is not a command.", echo(other)), MATCH_USAGE)),
        },
        "unpair" => match mentioned_user(rest) {
            Some(user) => Ok(Command::Unpair { program, user }),
            None => Err(error("Say whose pair ends, e.g. `/mentoring unpair @alex`.", UNPAIR_USAGE)),
        },
        "reflect" => match rest {
            "" => Ok(Command::Reflect { partner: None }),
            who => mentioned_user(who)
                .map(|user| Command::Reflect { partner: Some(user) })
                .ok_or_else(|| error(format!("`{}` is not a person: write @name.", echo(who)), REFLECT_USAGE)),
        },
        "reflections" => Ok(Command::Reflections),
        "rematch" | "exit" => match rest {
            "" => Ok(Command::Rematch { partner: None }),
            who => mentioned_user(who).map(|user| Command::Rematch { partner: Some(user) }).ok_or_else(|| {
                error(format!("`{}` is not a person: write @name.", echo(who)), "/mentoring rematch [@partner]")
            }),
        },
        "goals" | "goal" => Ok(Command::Goals),
        "project" => parse_project(program, rest),
        "ask" | "session" => match rest {
            "" => Err(error("Name the skill you want a one-time session on.", ASK_USAGE)),
            text => Ok(Command::Ask { program, text: text.to_owned() }),
        },
        "kudos" | "thanks" | "thank" => parse_kudos(rest),
        "status" | "summary" => parse_status(program, rest),
        "export" => parse_export(program, rest),
        "owners" | "owner" => parse_owners(rest),
        "audit" => Ok(Command::Audit),
        "forget-me" | "forgetme" | "forget" => Ok(Command::ForgetMe),
        "import" | "org-chart" => match rest {
            "" => Ok(Command::Import { columns: None }),
            spec => {
                Columns::parse(spec).map(|c| Command::Import { columns: Some(c) }).map_err(|p| error(p, IMPORT_USAGE))
            }
        },
        _ => Ok(Command::Help { unknown: Some(word.chars().take(40).collect()) }),
    }
}

fn parse_join(options: Options, rest: &str) -> Result<Command, ParseError> {
    let Options { program, department, manager, level, one_time } = options;
    if rest.is_empty() {
        return Ok(Command::Join { program, line: None });
    }
    let (role_word, skills) = split_first(rest);
    let role = match Role::parse(&role_word) {
        Some(Role::Both) => {
            return Err(error(
                "To both teach and learn, use the form (`/mentoring join`): it asks for each list.",
                JOIN_USAGE,
            ))
        }
        Some(role) => role,
        None => return Err(error(format!("`{}` is not a role: say mentor or mentee.", echo(&role_word)), JOIN_USAGE)),
    };
    let tags = split_tags(skills);
    if tags.is_empty() {
        let what = if role == Role::Mentor { "teach" } else { "learn" };
        return Err(error(format!("Name at least one skill you want to {what}."), JOIN_USAGE));
    }
    Ok(Command::Join { program, line: Some(JoinLine { role, tags, department, manager, level, one_time }) })
}

fn parse_date(rest: &str) -> Result<Option<NaiveDate>, ParseError> {
    if rest.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(rest, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| error(format!("`{}` is not a date like 2027-01-31.", echo(rest)), PAUSE_USAGE))
}

fn parse_program(program: Option<String>, rest: &str) -> Result<Command, ParseError> {
    let (verb, name) = split_first(rest);
    match verb.as_str() {
        "set" => {
            let (key, value) = split_first(name);
            if key.is_empty() || value.is_empty() {
                return Err(error(format!("Name a setting and its value. Settings: {SETTING_KEYS}."), SET_USAGE));
            }
            let setting = parse_setting(&key, value).map_err(|problem| error(problem, SET_USAGE))?;
            Ok(Command::ProgramSet { program, setting })
        }
        "list" | "" => Ok(Command::ProgramList),
        "create" | "new" | "rename" if name.is_empty() => Err(error(
            if verb == "rename" { "Give the program its new name." } else { "Give the new program a name." },
            PROGRAM_USAGE,
        )),
        "create" | "new" | "rename" => match ProgramName::parse(name) {
            Ok(name) if verb == "rename" => Ok(Command::ProgramRename { program, name }),
            Ok(name) => Ok(Command::ProgramCreate { name }),
            Err(problem) => Err(error(format!("`{}` can't be a program name: {problem}.", echo(name)), PROGRAM_USAGE)),
        },
        _ => Err(error(format!("`program {}` is not a command.", echo(&verb)), PROGRAM_USAGE)),
    }
}

/// A bare word after `status` or `export` names the program, as `program:` does.
fn program_word(program: Option<String>, word: &str, usage: &'static str) -> Result<Option<String>, ParseError> {
    if word.is_empty() {
        return Ok(program);
    }
    if !valid_handle(word) {
        return Err(error(format!("`{}` is not a program name.", echo(word)), usage));
    }
    Ok(Some(word.to_lowercase()))
}

fn parse_project(program: Option<String>, rest: &str) -> Result<Command, ParseError> {
    let (date, rest) = split_first(rest);
    let ends_on = NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| {
        error(format!("Start with the project's last day, like 2027-03-31, not `{}`.", echo(&date)), PROJECT_USAGE)
    })?;
    let (first, after) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let (lead, rest) = match mentioned_user(first) {
        Some(user) if first.starts_with('<') => (Some(user), after.trim()),
        _ => (None, rest),
    };
    let Some((skills, goal)) = rest.split_once(':') else {
        return Err(error("Put the goal after a colon, e.g. `video, TikTok: launch the product film`.", PROJECT_USAGE));
    };
    Ok(Command::Project { program, ends_on, lead, skills: split_tags(skills), goal: goal.trim().to_owned() })
}

fn parse_status(program: Option<String>, rest: &str) -> Result<Command, ParseError> {
    Ok(Command::Status { program: program_word(program, rest, STATUS_USAGE)? })
}

fn parse_export(mut program: Option<String>, rest: &str) -> Result<Command, ParseError> {
    let mut format = ExportFormat::default();
    for word in rest.split_whitespace() {
        match ExportFormat::parse(word) {
            Some(f) => format = f,
            None => program = program_word(program, word, EXPORT_USAGE)?,
        }
    }
    Ok(Command::Export { program, format })
}

fn parse_owners(rest: &str) -> Result<Command, ParseError> {
    let (verb, who) = split_first(rest);
    let user =
        || mentioned_user(who).ok_or_else(|| error("Say who, e.g. `/mentoring owners add @hana`.", OWNERS_USAGE));
    match verb.as_str() {
        "" | "list" => Ok(Command::OwnersList),
        "add" => Ok(Command::OwnersAdd { user: user()? }),
        "remove" | "delete" => Ok(Command::OwnersRemove { user: user()? }),
        other => Err(error(format!("`owners {}` is not a command.", echo(other)), OWNERS_USAGE)),
    }
}

fn parse_kudos(rest: &str) -> Result<Command, ParseError> {
    let (who, rest) = match rest.split_once(char::is_whitespace) {
        Some((who, rest)) => (who, rest.trim()),
        None => (rest, ""),
    };
    let mentor = mentioned_user(who)
        .ok_or_else(|| error("Say who to thank, e.g. `/mentoring kudos @alex for the AI session`.", KUDOS_USAGE))?;
    let (first, after) = split_first(rest);
    let public = first == "public";
    let message = if public { after } else { rest };
    if message.chars().count() > MAX_KUDOS {
        return Err(error(format!("Keep kudos to {MAX_KUDOS} characters."), KUDOS_USAGE));
    }
    let message = (!message.is_empty()).then(|| message.to_owned());
    Ok(Command::Kudos { mentor, public, message })
}

fn parse_skills(program: Option<String>, rest: &str) -> Result<Command, ParseError> {
    let (verb, list) = split_first(rest);
    if verb != "add" {
        return Err(error("Only `skills add` exists so far.", SKILLS_USAGE));
    }
    let tags = split_tags(list);
    if tags.is_empty() {
        return Err(error("Name at least one skill tag.", SKILLS_USAGE));
    }
    if tags.len() > MAX_CATALOGUE {
        return Err(error(format!("A catalogue holds at most {MAX_CATALOGUE} skills."), SKILLS_USAGE));
    }
    Ok(Command::SkillsAdd { program, tags })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Command {
        parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"))
    }

    #[test]
    fn empty_help_and_unknown_words_give_the_guide() {
        assert_eq!(ok(""), Command::Help { unknown: None });
        assert_eq!(ok("  HELP "), Command::Help { unknown: None });
        assert_eq!(ok("dance now"), Command::Help { unknown: Some("dance".into()) });
    }

    #[test]
    fn join_forms() {
        assert_eq!(ok("join"), Command::Join { program: None, line: None });
        let line = |role, tags: &[&str], department: Option<&str>, manager: Option<&str>| JoinLine {
            level: None,
            one_time: None,
            role,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            department: department.map(str::to_owned),
            manager: manager.map(str::to_owned),
        };
        assert_eq!(
            ok("join Mentor generative AI, TikTok program:sales"),
            Command::Join {
                program: Some("sales".into()),
                line: Some(line(Role::Mentor, &["generative AI", "TikTok"], None, None))
            }
        );
        assert_eq!(
            ok("join mentee Excel &amp; Q&amp;A dept:Human_Resources manager:<@U0BOSS|boss>"),
            Command::Join {
                program: None,
                line: Some(line(Role::Mentee, &["Excel & Q&A"], Some("Human Resources"), Some("U0BOSS")))
            }
        );
        assert!(parse("join mentee AI manager:bob").unwrap_err().problem.contains("manager:@name"));
        match ok("join mentor AI one-time") {
            Command::Join { line: Some(l), .. } => {
                assert_eq!((l.tags, l.one_time), (vec!["AI".to_owned()], Some(true)))
            }
            other => panic!("{other:?}"),
        }
        match ok("join mentor AI one-time:no") {
            Command::Join { line: Some(l), .. } => assert_eq!(l.one_time, Some(false)),
            other => panic!("{other:?}"),
        }
        assert!(parse("join mentor AI one-time:maybe").unwrap_err().problem.contains("one-time:yes"));
        match ok("join mentor generative AI, video level 3") {
            Command::Join { line: Some(l), .. } => assert_eq!((l.tags.len(), l.level), (2, Some(3))),
            other => panic!("{other:?}"),
        }
        assert!(parse("join mentee AI level:0").unwrap_err().problem.contains("1 (most junior)"));
        // Found by the ten-million-case fuzz run: an option between `level` and its number.
        assert!(parse("join mentor level program:- 0").unwrap_err().problem.starts_with("level must be 1–"));
        for bad in ["256", "-1", "1e3", "0", "2.5"] {
            let problem = parse(&format!("join mentor genai level {bad}")).unwrap_err().problem;
            assert!(problem.starts_with(&format!("level must be 1–{MAX_LEVEL}")), "{bad}: {problem}");
        }
        assert_eq!(parse("join wizard magic").unwrap_err().usage, JOIN_USAGE);
        assert!(parse("join mentor").unwrap_err().problem.contains("teach"));
        assert!(parse("join both a").unwrap_err().problem.contains("form"));
    }

    #[test]
    fn echoed_words_are_cut_and_huge_catalogues_refused() {
        let long = "x".repeat(100_000);
        for text in [
            format!("pause {long}"),
            format!("join {long} a"),
            format!("leave program:{long}"),
            format!("program create {long}"),
            format!("program {long}"),
            format!("status {long}"),
            format!("owners {long}"),
        ] {
            let problem = parse(&text).unwrap_err().problem;
            assert!(problem.chars().count() < 400, "{}", &problem[..80]);
            assert!(problem.contains('…'), "the cut is shown: {}", &problem[..80]);
        }
        let tags: Vec<String> = (0..=MAX_CATALOGUE).map(|i| format!("t{i}")).collect();
        let problem = parse(&format!("skills add {}", tags.join(", "))).unwrap_err().problem;
        assert!(problem.contains(&MAX_CATALOGUE.to_string()), "{problem}");
    }

    #[test]
    fn pause_dates() {
        assert_eq!(ok("pause"), Command::Pause { program: None, until: None });
        assert_eq!(
            ok("pause 2027-01-31"),
            Command::Pause { program: None, until: Some("2027-01-31".parse().unwrap()) }
        );
        assert_eq!(parse("pause tomorrow").unwrap_err().usage, PAUSE_USAGE);
        assert!(parse("pause 2027-02-30").is_err());
    }

    #[test]
    fn a_bare_at_name_is_answered_with_the_fix_not_a_usage_line() {
        for text in [
            "owners add @hana.ruiz",
            "unpair @ada",
            "kudos @ada thanks!",
            "reflect @partner",
            "join mentor Excel manager:@bob",
            "program:hr unpair @ada",
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.usage, NO_USAGE, "{text}");
            assert!(
                e.problem.contains("reinstall") && e.problem.contains("should_escape: true"),
                "{text}: {}",
                e.problem
            );
            assert!(e.problem.contains('@'), "the answer names what Slack sent: {}", e.problem);
        }
        // Escaped mentions, with or without the name, and ids typed by hand, are people.
        assert_eq!(ok("unpair <@U0ADA>"), Command::Unpair { program: None, user: "U0ADA".into() });
        assert_eq!(ok("reflect <@U0ADA|ada>"), Command::Reflect { partner: Some("U0ADA".into()) });
        // An @word in a kudos message is the message, not a person.
        assert!(ok("kudos <@U0ADA> you helped @team a lot").eq(&Command::Kudos {
            mentor: "U0ADA".into(),
            public: false,
            message: Some("you helped @team a lot".into())
        }));
    }

    #[test]
    fn owner_commands() {
        let handle = |h: &str| ProgramName { handle: h.into(), title: None };
        assert_eq!(ok("program create digital-2027"), Command::ProgramCreate { name: handle("digital-2027") });
        assert_eq!(
            ok("program rename Finance-2027 program:default"),
            Command::ProgramRename { program: Some("default".into()), name: handle("finance-2027") }
        );
        assert_eq!(
            ok("program rename Finance reverse mentoring program:default"),
            Command::ProgramRename {
                program: Some("default".into()),
                name: ProgramName {
                    handle: "finance-reverse-mentoring".into(),
                    title: Some("Finance reverse mentoring".into())
                }
            }
        );
        assert!(parse("program rename two *bold* words").unwrap_err().problem.contains("display name"));
        assert_eq!(ok("program list"), Command::ProgramList);
        assert!(parse("program create").is_err());
        assert!(parse("program delete x").is_err());
        assert_eq!(
            ok("skills add Figma, generative AI"),
            Command::SkillsAdd { program: None, tags: vec!["Figma".into(), "generative AI".into()] }
        );
        assert!(parse("skills add ,").is_err());
        assert!(parse("skills remove x").is_err());
        assert!(parse("leave program:bad/name").is_err());
    }

    #[test]
    fn matching_commands() {
        assert_eq!(ok("match"), Command::Match { program: None, confirm: false });
        assert_eq!(ok("match confirm program:pilot"), Command::Match { program: Some("pilot".into()), confirm: true });
        assert!(parse("match now").is_err());
        assert_eq!(ok("unpair <@U0ALEX|alex>"), Command::Unpair { program: None, user: "U0ALEX".into() });
        assert!(parse("unpair alex").is_err());
        assert_eq!(ok("program set capacity 2"), Command::ProgramSet { program: None, setting: Setting::Capacity(2) });
        assert!(parse("program set capacity lots").unwrap_err().problem.contains("1 to 10"));
        assert!(parse("program set").unwrap_err().problem.contains("Settings:"));
    }

    #[test]
    fn owner_view_commands() {
        assert_eq!(ok("status"), Command::Status { program: None });
        assert_eq!(ok("status Pilot"), Command::Status { program: Some("pilot".into()) });
        assert!(parse("status two words").is_err());
        assert_eq!(ok("export json"), Command::Export { program: None, format: ExportFormat::Json });
        assert_eq!(ok("export pilot"), Command::Export { program: Some("pilot".into()), format: ExportFormat::Csv });
        assert_eq!(ok("owners"), Command::OwnersList);
        assert_eq!(ok("owners add <@U0HANA|hana>"), Command::OwnersAdd { user: "U0HANA".into() });
        assert_eq!(ok("owners add <@U0HANA|hana.ruiz>"), Command::OwnersAdd { user: "U0HANA".into() });
        assert_eq!(ok("owners remove <@U0HANA>"), Command::OwnersRemove { user: "U0HANA".into() });
        assert!(parse("owners add hana").unwrap_err().problem.contains("Say who"));
        assert!(parse("owners promote <@U0HANA>").is_err());
        assert_eq!(ok("audit"), Command::Audit);
        assert_eq!(ok("forget-me"), Command::ForgetMe);
        assert_eq!(ok("import"), Command::Import { columns: None });
        let columns = Columns { email: Some("Work Email".into()), level: Some("Grade".into()), ..Columns::default() };
        assert_eq!(ok("import email=Work Email, level=Grade"), Command::Import { columns: Some(columns) });
        assert_eq!(parse("import salary=Pay").unwrap_err().usage, IMPORT_USAGE);
    }

    #[test]
    fn reflection_commands() {
        assert_eq!(ok("reflect"), Command::Reflect { partner: None });
        assert_eq!(ok("reflect <@U0ALEX|alex>"), Command::Reflect { partner: Some("U0ALEX".into()) });
        assert_eq!(parse("reflect alex").unwrap_err().usage, REFLECT_USAGE);
        assert_eq!(ok("Reflections"), Command::Reflections);
        assert_eq!(ok("goals"), Command::Goals);
        assert_eq!(
            ok("ask generative AI: prompts for slides program:pilot"),
            Command::Ask { program: Some("pilot".into()), text: "generative AI: prompts for slides".into() }
        );
        assert_eq!(parse("ask").unwrap_err().usage, ASK_USAGE);
        assert_eq!(
            ok("project 2027-03-31 <@U0LEAD|lea> video, TikTok: launch the product film"),
            Command::Project {
                program: None,
                ends_on: "2027-03-31".parse().unwrap(),
                lead: Some("U0LEAD".into()),
                skills: vec!["video".into(), "TikTok".into()],
                goal: "launch the product film".into(),
            }
        );
        assert!(matches!(ok("project 2027-03-31 video: film"), Command::Project { lead: None, .. }));
        assert_eq!(parse("project soon video: film").unwrap_err().usage, PROJECT_USAGE);
        assert!(parse("project 2027-03-31 video film").unwrap_err().problem.contains("colon"));
        assert!(matches!(
            ok("program set window 08:00-16:00"),
            Command::ProgramSet { setting: Setting::Window(_), .. }
        ));
        assert!(parse("program set schedule \"0 99 * * *\"").unwrap_err().problem.contains("not a schedule"));
    }

    #[test]
    fn kudos_commands() {
        assert_eq!(
            ok("kudos <@U0ALEX|alex>"),
            Command::Kudos { mentor: "U0ALEX".into(), public: false, message: None }
        );
        assert_eq!(
            ok("kudos <@U0ALEX> Public thanks for the &lt;AI&gt; session"),
            Command::Kudos {
                mentor: "U0ALEX".into(),
                public: true,
                message: Some("thanks for the <AI> session".into())
            }
        );
        assert_eq!(
            ok("kudos <@U0ALEX> you made prompts click"),
            Command::Kudos { mentor: "U0ALEX".into(), public: false, message: Some("you made prompts click".into()) }
        );
        assert_eq!(parse("kudos alex").unwrap_err().usage, KUDOS_USAGE);
        assert!(parse(&format!("kudos <@U0ALEX> {}", "x".repeat(MAX_KUDOS + 1))).unwrap_err().problem.contains("500"));
    }
}
