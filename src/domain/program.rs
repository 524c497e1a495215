//! A program: one reverse-mentoring scheme of a workspace, with its own people,
//! catalogue, settings and owners, and the two names it goes by.

/// The program everyone can join on a fresh install, before any owner acts.
pub const DEFAULT_PROGRAM: &str = "default";

/// Longest handle: it is typed after `program:`.
pub const MAX_HANDLE: usize = 40;

/// Longest display name: it heads messages, menus (75) and the Home.
pub const MAX_TITLE: usize = 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    pub id: i64,
    pub team_id: String,
    /// What people read: the display name, else the handle.
    pub name: String,
    /// What commands type after `program:`: one lower-case word.
    pub handle: String,
    pub created_at: i64,
}

impl Program {
    /// Whether `text` names this program: its handle or its display name, in any case,
    /// so an owner may type either.
    pub fn is_named(&self, text: &str) -> bool {
        self.handle.eq_ignore_ascii_case(text) || self.name.eq_ignore_ascii_case(text)
    }
}

/// The program a request means without asking anything: the one `name` names, else,
/// when it names none, the workspace's only program.
pub fn meant<'a>(programs: &'a [Program], name: Option<&str>) -> Option<&'a Program> {
    match name {
        Some(name) => programs.iter().find(|p| p.is_named(name)),
        None => programs.first().filter(|_| programs.len() == 1),
    }
}

/// A handle is one word of letters, digits, `-` and `_`, so it can be typed after
/// `program:` without quoting.
pub fn valid_handle(word: &str) -> bool {
    !word.is_empty()
        && word.chars().count() <= MAX_HANDLE
        && word.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

/// A program's name as an owner gave it: one word is the handle itself (as before display
/// names existed); several words are the display name, and the handle is made from them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramName {
    pub handle: String,
    pub title: Option<String>,
}

/// Why a name can't be a program's, in words for the owner.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("use one word of letters, digits, - or _ (at most {MAX_HANDLE} characters), like digital-2027")]
    Handle,
    #[error("a display name is at most {MAX_TITLE} characters")]
    TooLong,
    #[error("a display name may hold letters, digits, spaces and - _ . , ' ( ) / + only")]
    Characters,
}

/// Characters a display name may hold besides letters and digits: nothing Slack's mrkdwn
/// reads as formatting (`*`, `_` at word edges is harmless, `<`, `>`, `&`, `` ` ``) and no
/// `:`, which commands read as an option.
const TITLE_PUNCTUATION: &str = " -_.,'()/+";

impl ProgramName {
    pub fn parse(text: &str) -> Result<ProgramName, NameError> {
        let words: Vec<&str> = text.split_whitespace().collect();
        if let [word] = words.as_slice() {
            return if valid_handle(word) {
                Ok(ProgramName { handle: word.to_lowercase(), title: None })
            } else {
                Err(NameError::Handle)
            };
        }
        let title = words.join(" ");
        if title.chars().count() > MAX_TITLE {
            return Err(NameError::TooLong);
        }
        if !title.chars().all(|c| c.is_alphanumeric() || TITLE_PUNCTUATION.contains(c)) {
            return Err(NameError::Characters);
        }
        let mut handle = String::new();
        for c in title.chars().flat_map(char::to_lowercase) {
            if c.is_alphanumeric() || c == '_' {
                handle.push(c);
            } else if !handle.is_empty() && !handle.ends_with('-') {
                handle.push('-');
            }
        }
        let handle: String = handle.chars().take(MAX_HANDLE).collect();
        let handle = handle.trim_end_matches('-').to_owned();
        if handle.is_empty() {
            return Err(NameError::Handle);
        }
        Ok(ProgramName { handle, title: Some(title) })
    }

    /// What people will read.
    pub fn shown(&self) -> &str {
        self.title.as_deref().unwrap_or(&self.handle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ProgramName, NameError> {
        ProgramName::parse(text)
    }

    #[test]
    fn one_word_is_the_handle_in_lower_case() {
        assert_eq!(parse("Finance-2027"), Ok(ProgramName { handle: "finance-2027".into(), title: None }));
        assert_eq!(parse("x!y"), Err(NameError::Handle));
        assert_eq!(parse(&"a".repeat(41)), Err(NameError::Handle));
    }

    #[test]
    fn several_words_are_a_display_name_and_give_the_handle() {
        let name = parse("  Finance   reverse mentoring (2027) ").unwrap();
        assert_eq!(name.title.as_deref(), Some("Finance reverse mentoring (2027)"));
        assert_eq!(name.handle, "finance-reverse-mentoring-2027");
        assert_eq!(name.shown(), "Finance reverse mentoring (2027)");
        assert_eq!(parse("Café Équipe 1").unwrap().handle, "café-équipe-1");
    }

    #[test]
    fn display_names_refuse_formatting_and_length() {
        assert_eq!(parse("Finance *bold* team"), Err(NameError::Characters));
        assert_eq!(parse("Finance <!here> team"), Err(NameError::Characters));
        assert_eq!(parse("Finance: team"), Err(NameError::Characters));
        assert_eq!(parse(&format!("a {}", "b".repeat(60))), Err(NameError::TooLong));
        assert_eq!(parse("( / )"), Err(NameError::Handle));
        let long = parse(&format!("{} end", "word ".repeat(11).trim())).unwrap();
        assert!(long.handle.chars().count() <= MAX_HANDLE && !long.handle.ends_with('-'), "{}", long.handle);
    }

    #[test]
    fn a_program_answers_to_its_handle_and_its_display_name() {
        let program = Program {
            id: 1,
            team_id: "T1".into(),
            name: "Finance reverse mentoring".into(),
            handle: "finance-reverse-mentoring".into(),
            created_at: 0,
        };
        assert!(program.is_named("FINANCE-reverse-mentoring") && program.is_named("finance Reverse Mentoring"));
        assert!(!program.is_named("finance"));
    }
}
