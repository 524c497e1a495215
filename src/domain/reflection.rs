//! A reflection on a mentoring session, checked before it is stored, and who may read it.
//!
//! Reflections are private by default: the author chooses whether the partner, and the
//! program owners too, may read the texts. Owners always see the figures (ratings,
//! skills touched, counts), never a text its author kept to themselves.

use serde::{Deserialize, Serialize};

/// Longest text kept per field: Slack's own limit for a multiline input.
pub const MAX_TEXT: usize = 3000;

/// Who may read a reflection's texts besides its author.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Only the author.
    #[default]
    Private,
    /// The author and their partner.
    Partner,
    /// The author, their partner and the program owners.
    Owners,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Partner => "partner",
            Visibility::Owners => "owners",
        }
    }

    pub fn parse(text: &str) -> Option<Visibility> {
        [Visibility::Private, Visibility::Partner, Visibility::Owners].into_iter().find(|v| v.as_str() == text)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Visibility::Private => "only me",
            Visibility::Partner => "me and my partner",
            Visibility::Owners => "me, my partner and the program owners",
        }
    }

    pub fn partner_reads(self) -> bool {
        self != Visibility::Private
    }

    pub fn owners_read(self) -> bool {
        self == Visibility::Owners
    }
}

/// A reflection as typed into the modal, before it is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    pub learned: Option<String>,
    pub taught: Option<String>,
    pub rating: Option<String>,
    pub skills: Vec<String>,
    pub visibility: Option<String>,
}

/// A reflection fit to store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidReflection {
    pub learned: Option<String>,
    pub taught: Option<String>,
    pub rating: u8,
    pub skills: Vec<String>,
    pub visibility: Visibility,
}

/// One of a person's own reflections, with the partner it was about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reflection {
    pub id: i64,
    pub pair_id: i64,
    pub author: String,
    pub partner: String,
    pub reflection: ValidReflection,
    pub created_at: i64,
}

/// The modal's fields, for errors shown beside them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Learned,
    Taught,
    Rating,
    Visibility,
}

fn tidy(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

impl Draft {
    /// Every problem at once, so the modal can show them all beside their fields.
    pub fn validate(self) -> Result<ValidReflection, Vec<(Field, String)>> {
        let mut errors = Vec::new();
        let (learned, taught) = (tidy(self.learned), tidy(self.taught));
        for (field, text) in [(Field::Learned, &learned), (Field::Taught, &taught)] {
            if text.as_ref().is_some_and(|t| t.chars().count() > MAX_TEXT) {
                errors.push((field, format!("Please keep this under {MAX_TEXT} characters.")));
            }
        }
        let rating = self.rating.as_deref().and_then(|r| r.trim().parse::<u8>().ok()).filter(|r| (1..=5).contains(r));
        if rating.is_none() {
            errors.push((Field::Rating, "Rate the session from 1 (not useful) to 5 (excellent).".to_owned()));
        }
        let visibility = match self.visibility.as_deref() {
            None | Some("") => Some(Visibility::Private),
            Some(v) => Visibility::parse(v),
        };
        if visibility.is_none() {
            errors.push((Field::Visibility, "Choose who may read this.".to_owned()));
        }
        match (rating, visibility) {
            (Some(rating), Some(visibility)) if errors.is_empty() => {
                Ok(ValidReflection { learned, taught, rating, skills: self.skills, visibility })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rating_is_required_texts_are_trimmed_and_privacy_defaults_to_me() {
        let draft = Draft {
            learned: Some("  prompting  ".into()),
            taught: Some("   ".into()),
            rating: Some("4".into()),
            ..Draft::default()
        };
        let valid = draft.validate().unwrap();
        assert_eq!((valid.learned.as_deref(), valid.taught, valid.rating), (Some("prompting"), None, 4));
        assert_eq!(valid.visibility, Visibility::Private);
        let errors = Draft { rating: Some("6".into()), visibility: Some("everyone".into()), ..Draft::default() }
            .validate()
            .unwrap_err();
        let fields: Vec<Field> = errors.iter().map(|e| e.0).collect();
        assert_eq!(fields, vec![Field::Rating, Field::Visibility]);
        let long = Draft { learned: Some("x".repeat(MAX_TEXT + 1)), rating: Some("3".into()), ..Draft::default() };
        assert_eq!(long.validate().unwrap_err()[0].0, Field::Learned);
    }

    #[test]
    fn who_reads_what() {
        assert!(!Visibility::Private.partner_reads() && !Visibility::Private.owners_read());
        assert!(Visibility::Partner.partner_reads() && !Visibility::Partner.owners_read());
        assert!(Visibility::Owners.partner_reads() && Visibility::Owners.owners_read());
        assert_eq!(Visibility::parse("owners"), Some(Visibility::Owners));
    }
}
