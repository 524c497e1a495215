//! `/mentoring` text to a [`Command`]: pure, so every spelling and mistake is unit-tested.

use chrono::NaiveDate;

use crate::domain::participant::{split_tags, Role};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// The guide; `unknown` is the word we did not understand, if any.
    Help {
        unknown: Option<String>,
    },
    /// Without a line: open the modal.
    Join {
        program: Option<String>,
        line: Option<(Role, Vec<String>)>,
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
        name: String,
    },
    ProgramList,
    SkillsAdd {
        program: Option<String>,
        tags: Vec<String>,
    },
}

/// A command we recognised whose arguments are wrong: what is wrong, and the usage line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub problem: String,
    pub usage: &'static str,
}

const JOIN_USAGE: &str = "/mentoring join mentor|mentee <skill>, <skill>";
const PAUSE_USAGE: &str = "/mentoring pause [YYYY-MM-DD]";
const PROGRAM_USAGE: &str = "/mentoring program create <name> | program list";
const SKILLS_USAGE: &str = "/mentoring skills add <tag>, <tag>";

fn error(problem: impl Into<String>, usage: &'static str) -> ParseError {
    ParseError { problem: problem.into(), usage }
}

/// Longest program name: it appears in commands and messages.
pub const MAX_PROGRAM_NAME: usize = 40;

/// Program names are one word of letters, digits, `-` and `_`, so they can be typed after
/// `program:` without quoting.
pub fn valid_program_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= MAX_PROGRAM_NAME
        && name.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

/// Takes a `program:<name>` token out of the text, wherever it stands.
fn take_program(text: &str) -> Result<(Option<String>, String), ParseError> {
    let mut program = None;
    let mut rest = Vec::new();
    for word in text.split_whitespace() {
        match word.strip_prefix("program:") {
            Some(name) if valid_program_name(name) => program = Some(name.to_owned()),
            Some(name) => return Err(error(format!("`{name}` is not a program name."), "... program:<name>")),
            None => rest.push(word),
        }
    }
    Ok((program, rest.join(" ")))
}

fn split_first(text: &str) -> (String, &str) {
    let text = text.trim();
    match text.split_once(char::is_whitespace) {
        Some((first, rest)) => (first.to_lowercase(), rest.trim()),
        None => (text.to_lowercase(), ""),
    }
}

pub fn parse(text: &str) -> Result<Command, ParseError> {
    let (program, text) = take_program(text)?;
    let (word, rest) = split_first(&text);
    match word.as_str() {
        "" | "help" | "?" => Ok(Command::Help { unknown: None }),
        "join" | "change" => parse_join(program, rest),
        "profile" | "me" => Ok(Command::Profile),
        "pause" => Ok(Command::Pause { program, until: parse_date(rest)? }),
        "resume" => Ok(Command::Resume { program }),
        "leave" => Ok(Command::Leave { program }),
        "program" | "programs" => parse_program(rest),
        "skills" | "skill" => parse_skills(program, rest),
        _ => Ok(Command::Help { unknown: Some(word.chars().take(40).collect()) }),
    }
}

fn parse_join(program: Option<String>, rest: &str) -> Result<Command, ParseError> {
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
        None => return Err(error(format!("`{role_word}` is not a role: say mentor or mentee."), JOIN_USAGE)),
    };
    let tags = split_tags(skills);
    if tags.is_empty() {
        let what = if role == Role::Mentor { "teach" } else { "learn" };
        return Err(error(format!("Name at least one skill you want to {what}."), JOIN_USAGE));
    }
    Ok(Command::Join { program, line: Some((role, tags)) })
}

fn parse_date(rest: &str) -> Result<Option<NaiveDate>, ParseError> {
    if rest.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(rest, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| error(format!("`{rest}` is not a date like 2027-01-31."), PAUSE_USAGE))
}

fn parse_program(rest: &str) -> Result<Command, ParseError> {
    let (verb, name) = split_first(rest);
    match verb.as_str() {
        "list" | "" => Ok(Command::ProgramList),
        // Names are compared without case everywhere, so they are stored in lower case.
        "create" | "new" if valid_program_name(name) => Ok(Command::ProgramCreate { name: name.to_lowercase() }),
        "create" | "new" if name.is_empty() => Err(error("Give the new program a name.", PROGRAM_USAGE)),
        "create" | "new" => Err(error(
            format!(
                "`{name}` can't be a program name: use one word of letters, digits, - or _ \
                 (at most {MAX_PROGRAM_NAME} characters), like digital-2027."
            ),
            PROGRAM_USAGE,
        )),
        _ => Err(error(format!("`program {verb}` is not a command."), PROGRAM_USAGE)),
    }
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
        assert_eq!(
            ok("join Mentor generative AI, TikTok program:sales"),
            Command::Join {
                program: Some("sales".into()),
                line: Some((Role::Mentor, vec!["generative AI".into(), "TikTok".into()]))
            }
        );
        assert_eq!(
            ok("join mentee Excel"),
            Command::Join { program: None, line: Some((Role::Mentee, vec!["Excel".into()])) }
        );
        assert_eq!(parse("join wizard magic").unwrap_err().usage, JOIN_USAGE);
        assert!(parse("join mentor").unwrap_err().problem.contains("teach"));
        assert!(parse("join both a").unwrap_err().problem.contains("form"));
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
    fn owner_commands() {
        assert_eq!(ok("program create digital-2027"), Command::ProgramCreate { name: "digital-2027".into() });
        assert_eq!(ok("program list"), Command::ProgramList);
        assert!(parse("program create two words").is_err());
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
}
