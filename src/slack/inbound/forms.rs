//! Every form the bot opens, read back: the parsers of `view_submission` payloads, and
//! their inverse, the `state.values` Slack sends when a person fills a form (for the
//! demo and the tests, so both speak the shape these parsers read).
//!
//! The parsers are pure and run at the edge, before the ack, because Slack only shows
//! field errors (`response_action: errors`) in the HTTP answer. Each returns the checked
//! value or the per-block errors to show beside the fields. The ids they read are the
//! ones the views in `messages/` write, both named from [`ids`].

use std::collections::HashMap;

use serde_json::{json, Value};
use slack_morphism::prelude::*;

use crate::domain::outcomes::{check_goal, ConfidenceDraft, ConfidenceField, Phase, Side, ValidConfidence};
use crate::domain::participant::{split_tags, Profile, ProfileField, Role, ValidProfile};
use crate::domain::projects::Reached;
use crate::domain::reflection::{Draft, Field, ValidReflection};
use crate::domain::sessions::MAX_QUESTION;
use crate::slack::ids;

/// Field errors by block id, as Slack shows them beside a form's fields.
pub type FieldErrors = HashMap<String, String>;

/// The longest exit reason kept: a reason, not a letter.
pub const MAX_EXIT_REASON: usize = 1_000;

const OUT_OF_DATE: &str = "This form is out of date: please open it again.";

fn error(block: &str, why: impl Into<String>) -> FieldErrors {
    HashMap::from([(block.to_owned(), why.into())])
}

/// One submitted form: its metadata and what each block holds.
struct Submitted<'a> {
    view: &'a SlackStatefulView,
}

impl<'a> Submitted<'a> {
    /// The `private_metadata` the bot wrote when it opened the form.
    fn metadata(&self) -> &'a str {
        match &self.view.view {
            SlackView::Modal(modal) => modal.private_metadata.as_deref().unwrap_or_default(),
            SlackView::Home(_) => "",
        }
    }

    /// A number from metadata written as `key=value;key=value`.
    fn metadata_id(&self, key: &str) -> Option<i64> {
        self.metadata().split(';').find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
    }

    fn field(&self, block: &str) -> Option<&'a HashMap<SlackActionId, SlackViewStateValue>> {
        self.view.state_params.state.as_ref()?.values.get(&SlackBlockId::new(block.to_owned()))
    }

    /// A text input's value, as typed.
    fn text(&self, block: &str) -> Option<String> {
        self.field(block)?.values().find_map(|v| v.value.clone())
    }

    /// A text input's value, trimmed; `None` when blank.
    fn filled(&self, block: &str) -> Option<String> {
        self.text(block).map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
    }

    /// A single select's chosen value.
    fn chosen(&self, block: &str) -> Option<String> {
        self.field(block)?.values().find_map(|v| v.selected_option.as_ref().map(|o| o.value.clone()))
    }

    /// A multi-select's chosen values.
    fn chosen_all(&self, block: &str) -> Vec<String> {
        self.field(block)
            .into_iter()
            .flat_map(|f| f.values())
            .flat_map(|v| v.selected_options.iter().flatten().map(|o| o.value.clone()))
            .collect()
    }

    /// A user select's chosen person.
    fn user(&self, block: &str) -> Option<String> {
        self.field(block)?.values().find_map(|v| v.selected_user.as_ref().map(|u| u.to_string()))
    }
}

/// The join form: the program it was opened for and the checked profile.
pub fn join(view: &SlackStatefulView) -> Result<(i64, ValidProfile), FieldErrors> {
    let form = Submitted { view };
    let program_id = form
        .metadata()
        .strip_prefix("program=")
        .and_then(|id| id.parse::<i64>().ok())
        .ok_or_else(|| error(ids::ROLE_BLOCK, OUT_OF_DATE))?;
    let tags = |select_block: &str, text_block: &str| -> Vec<String> {
        let mut chosen = form.chosen_all(select_block);
        chosen.extend(split_tags(&form.filled(text_block).unwrap_or_default()));
        split_tags(&chosen.join(","))
    };
    let role = form.chosen(ids::ROLE_BLOCK).and_then(|r| Role::parse(&r));
    let mut teach_skills = tags(ids::TEACH_TAGS_BLOCK, ids::TEACH_BLOCK);
    let mut learn_skills = tags(ids::LEARN_TAGS_BLOCK, ids::LEARN_BLOCK);
    // A form with one "skills" field means the skills of the chosen role.
    let generic = split_tags(&form.filled(ids::SKILLS_BLOCK).unwrap_or_default());
    match role {
        Some(Role::Mentor) => teach_skills.extend(generic),
        Some(Role::Mentee) => learn_skills.extend(generic),
        _ => {}
    }
    let has_generic_field = form.field(ids::SKILLS_BLOCK).is_some();
    let profile = Profile {
        role,
        teach_skills: split_tags(&teach_skills.join(",")),
        learn_skills: split_tags(&learn_skills.join(",")),
        department: form.filled(ids::DEPARTMENT_BLOCK),
        goals: form.filled(ids::GOALS_BLOCK),
        manager: form.user(ids::MANAGER_BLOCK),
        level: form.chosen(ids::LEVEL_BLOCK).and_then(|l| l.parse().ok()),
        one_time: form.chosen_all(ids::ONE_TIME_BLOCK).iter().any(|v| v == "yes"),
    };
    profile.validate().map(|p| (program_id, p)).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| {
                let block = match e.field() {
                    ProfileField::Role => ids::ROLE_BLOCK,
                    _ if has_generic_field
                        && e.field() != ProfileField::Department
                        && e.field() != ProfileField::Goals =>
                    {
                        ids::SKILLS_BLOCK
                    }
                    ProfileField::TeachSkills => ids::TEACH_BLOCK,
                    ProfileField::LearnSkills => ids::LEARN_BLOCK,
                    ProfileField::Department => ids::DEPARTMENT_BLOCK,
                    ProfileField::Goals => ids::GOALS_BLOCK,
                    ProfileField::Manager => ids::MANAGER_BLOCK,
                    ProfileField::Level => ids::LEVEL_BLOCK,
                };
                (block.to_owned(), e.to_string())
            })
            .collect()
    })
}

/// The reflection form: its pair, the check-in it answers (if any) and the reflection.
pub fn reflection(view: &SlackStatefulView) -> Result<(i64, Option<i64>, ValidReflection), FieldErrors> {
    let form = Submitted { view };
    let pair_id = form.metadata_id("pair").ok_or_else(|| error(ids::RATING_BLOCK, OUT_OF_DATE))?;
    reflection_fields(&form).map(|r| (pair_id, form.metadata_id("checkin"), r))
}

/// A one-time session's reflection form (the pair's form, for a session): its session
/// and the reflection.
pub fn session_reflection(view: &SlackStatefulView) -> Result<(i64, ValidReflection), FieldErrors> {
    let form = Submitted { view };
    let session_id = form.metadata_id("session").ok_or_else(|| error(ids::RATING_BLOCK, OUT_OF_DATE))?;
    reflection_fields(&form).map(|r| (session_id, r))
}

/// A project's closing reflection: the project, its pair, *did it reach its goal?* and
/// the reflection.
pub fn project_reflection(view: &SlackStatefulView) -> Result<(i64, i64, Reached, ValidReflection), FieldErrors> {
    let form = Submitted { view };
    let ids_of = (form.metadata_id("project"), form.metadata_id("pair"));
    let (Some(project_id), Some(pair_id)) = ids_of else {
        return Err(error(ids::RATING_BLOCK, OUT_OF_DATE));
    };
    let reached = form.chosen(ids::PROJECT_REACHED_BLOCK).and_then(|r| Reached::parse(&r));
    let reflection = reflection_fields(&form);
    match (reached, reflection) {
        (Some(reached), Ok(r)) => Ok((project_id, pair_id, reached, r)),
        (reached, reflection) => {
            let mut errors = reflection.err().unwrap_or_default();
            if reached.is_none() {
                errors
                    .insert(ids::PROJECT_REACHED_BLOCK.to_owned(), "Say whether the project reached its goal.".into());
            }
            Err(errors)
        }
    }
}

/// The reflection's own fields, checked, whatever it is about.
fn reflection_fields(form: &Submitted<'_>) -> Result<ValidReflection, FieldErrors> {
    let draft = Draft {
        learned: form.text(ids::LEARNED_BLOCK),
        taught: form.text(ids::TAUGHT_BLOCK),
        rating: form.chosen(ids::RATING_BLOCK),
        skills: form.chosen_all(ids::SESSION_SKILLS_BLOCK),
        visibility: form.chosen(ids::VISIBILITY_BLOCK),
    };
    draft.validate().map_err(|errors| {
        errors
            .into_iter()
            .map(|(field, why)| {
                let block = match field {
                    Field::Learned => ids::LEARNED_BLOCK,
                    Field::Taught => ids::TAUGHT_BLOCK,
                    Field::Rating => ids::RATING_BLOCK,
                    Field::Visibility => ids::VISIBILITY_BLOCK,
                };
                (block.to_owned(), why)
            })
            .collect()
    })
}

/// The exit form ("this pairing isn't working"): the pair, the reason and whether
/// owners may read it.
pub fn exit(view: &SlackStatefulView) -> Result<(i64, Option<String>, bool), FieldErrors> {
    let form = Submitted { view };
    let pair_id = form.metadata_id("pair").ok_or_else(|| error(ids::EXIT_REASON_BLOCK, OUT_OF_DATE))?;
    let reason = form.filled(ids::EXIT_REASON_BLOCK);
    if reason.as_ref().is_some_and(|r| r.chars().count() > MAX_EXIT_REASON) {
        return Err(error(ids::EXIT_REASON_BLOCK, format!("Please keep it under {MAX_EXIT_REASON} characters.")));
    }
    let share = form.chosen(ids::EXIT_SHARE_BLOCK).is_some_and(|choice| choice == "yes");
    Ok((pair_id, reason, share))
}

/// The request form of a one-time session (from the App Home): the program, the skill
/// picked and the question.
pub fn ask(view: &SlackStatefulView) -> Result<(i64, String, Option<String>), FieldErrors> {
    let form = Submitted { view };
    let program_id = form.metadata_id("program").ok_or_else(|| error(ids::ASK_SKILL_BLOCK, OUT_OF_DATE))?;
    let skill = form.chosen(ids::ASK_SKILL_BLOCK).ok_or_else(|| error(ids::ASK_SKILL_BLOCK, "Pick a skill."))?;
    let question = form.filled(ids::ASK_QUESTION_BLOCK);
    if question.as_ref().is_some_and(|q| q.chars().count() > MAX_QUESTION) {
        return Err(error(ids::ASK_QUESTION_BLOCK, format!("Please keep it under {MAX_QUESTION} characters.")));
    }
    Ok((program_id, skill, question))
}

/// The goal form: the pair and the checked goal.
pub fn goal(view: &SlackStatefulView) -> Result<(i64, String), FieldErrors> {
    let form = Submitted { view };
    let pair_id = form.metadata_id("pair").ok_or_else(|| error(ids::GOAL_BLOCK, OUT_OF_DATE))?;
    check_goal(form.text(ids::GOAL_BLOCK).as_deref())
        .map(|goal| (pair_id, goal))
        .map_err(|why| error(ids::GOAL_BLOCK, why))
}

/// What the confidence form's metadata carries: the questions that were shown.
#[derive(serde::Deserialize)]
struct ConfidenceMetadata {
    program: i64,
    side: Side,
    phase: Phase,
    topics: Vec<String>,
}

/// The block of the confidence form's `n`-th question.
fn confidence_block(n: usize) -> String {
    format!("{}{n}", ids::CONFIDENCE_BLOCK_PREFIX)
}

/// The confidence form: the program and the checked ratings.
pub fn confidence(view: &SlackStatefulView) -> Result<(i64, ValidConfidence), FieldErrors> {
    let form = Submitted { view };
    let meta: ConfidenceMetadata =
        serde_json::from_str(form.metadata()).map_err(|_| error(&confidence_block(0), OUT_OF_DATE))?;
    let draft = ConfidenceDraft {
        side: meta.side,
        phase: meta.phase,
        ratings: meta
            .topics
            .iter()
            .enumerate()
            .map(|(n, topic)| (topic.clone(), form.chosen(&confidence_block(n))))
            .collect(),
        recognition: form.chosen(ids::RECOGNITION_BLOCK),
        tell: form.user(ids::TELL_BLOCK),
    };
    draft.validate().map(|c| (meta.program, c)).map_err(|errors| {
        errors
            .into_iter()
            .map(|(field, why)| match field {
                ConfidenceField::Rating(n) => (confidence_block(n), why),
                ConfidenceField::Tell => (ids::TELL_BLOCK.to_owned(), why),
            })
            .collect()
    })
}

/// What a person fills into the join modal, turned into the `state.values` Slack sends.
#[derive(Debug, Clone, Default)]
pub struct JoinForm<'a> {
    pub role: Option<&'a str>,
    /// Picked from the catalogue's multi-select.
    pub teach_tags: &'a [&'a str],
    /// Typed into the free-text field.
    pub teach_text: &'a str,
    pub learn_tags: &'a [&'a str],
    pub learn_text: &'a str,
    pub department: &'a str,
    pub goals: &'a str,
    /// Ticks "I take one-time session requests".
    pub one_time: bool,
}

impl JoinForm<'_> {
    pub fn values(&self) -> Value {
        let text = |value: &str| json!({ ids::TEXT_ACTION: {"type": "plain_text_input", "value": value} });
        let tags = |tags: &[&str]| {
            let options: Vec<Value> =
                tags.iter().map(|t| json!({"text": {"type": "plain_text", "text": t}, "value": t})).collect();
            json!({ ids::TAGS_ACTION: {"type": "multi_static_select", "selected_options": options} })
        };
        let role = self.role.map(|r| json!({"text": {"type": "plain_text", "text": r}, "value": r}));
        let one_time: Vec<Value> = self
            .one_time
            .then(|| json!({"text": {"type": "plain_text", "text": "yes"}, "value": "yes"}))
            .into_iter()
            .collect();
        json!({
            ids::ROLE_BLOCK: { ids::ROLE_ACTION: {"type": "static_select", "selected_option": role} },
            ids::TEACH_TAGS_BLOCK: tags(self.teach_tags),
            ids::TEACH_BLOCK: text(self.teach_text),
            ids::LEARN_TAGS_BLOCK: tags(self.learn_tags),
            ids::LEARN_BLOCK: text(self.learn_text),
            ids::DEPARTMENT_BLOCK: text(self.department),
            ids::GOALS_BLOCK: text(self.goals),
            ids::ONE_TIME_BLOCK: { ids::ONE_TIME_ACTION: {"type": "checkboxes", "selected_options": one_time} },
        })
    }
}

/// What a person fills into the reflection form, turned into the `state.values` Slack sends.
#[derive(Debug, Clone, Default)]
pub struct ReflectionForm<'a> {
    pub learned: &'a str,
    pub taught: &'a str,
    /// `1` to `5`; `None` leaves the required field empty.
    pub rating: Option<&'a str>,
    pub skills: &'a [&'a str],
    /// `private`, `partner` or `owners`.
    pub visibility: &'a str,
}

impl ReflectionForm<'_> {
    pub fn values(&self) -> Value {
        let option = |v: &str| json!({"text": {"type": "plain_text", "text": v}, "value": v});
        let text = |value: &str| json!({ ids::TEXT_ACTION: {"type": "plain_text_input", "value": value} });
        let skills: Vec<Value> = self.skills.iter().map(|s| option(s)).collect();
        json!({
            ids::LEARNED_BLOCK: text(self.learned),
            ids::TAUGHT_BLOCK: text(self.taught),
            ids::RATING_BLOCK: { ids::RATING_ACTION: {"type": "static_select", "selected_option": self.rating.map(option)} },
            ids::SESSION_SKILLS_BLOCK: { ids::TAGS_ACTION: {"type": "multi_static_select", "selected_options": skills} },
            ids::VISIBILITY_BLOCK: { ids::VISIBILITY_ACTION: {"type": "static_select", "selected_option": option(self.visibility)} },
        })
    }
}

/// What a person fills into the exit form ("this pairing isn't working").
#[derive(Debug, Clone, Default)]
pub struct ExitForm<'a> {
    pub reason: &'a str,
    /// Whether owners may read the reason.
    pub share: bool,
}

impl ExitForm<'_> {
    pub fn values(&self) -> Value {
        let choice = if self.share { "yes" } else { "no" };
        json!({
            ids::EXIT_REASON_BLOCK: { ids::TEXT_ACTION: {"type": "plain_text_input", "value": self.reason} },
            ids::EXIT_SHARE_BLOCK: { ids::EXIT_SHARE_ACTION: {"type": "static_select",
                "selected_option": {"text": {"type": "plain_text", "text": choice}, "value": choice}} },
        })
    }
}

/// What a person fills into the one-time session request form (the App Home's).
#[derive(Debug, Clone, Default)]
pub struct AskForm<'a> {
    pub skill: Option<&'a str>,
    pub question: &'a str,
}

impl AskForm<'_> {
    pub fn values(&self) -> Value {
        let skill = self.skill.map(|s| json!({"text": {"type": "plain_text", "text": s}, "value": s}));
        json!({
            ids::ASK_SKILL_BLOCK: { ids::ASK_SKILL_ACTION: {"type": "static_select", "selected_option": skill} },
            ids::ASK_QUESTION_BLOCK: { ids::TEXT_ACTION: {"type": "plain_text_input", "value": self.question} },
        })
    }
}
