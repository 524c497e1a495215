//! Handlers: what the bot does about each [`Event`] once Slack has its ack.
//!
//! Each handler reads what it needs, decides (with the pure `domain` and `parser`
//! functions), then writes its whole outcome in one store transaction: the state change,
//! the Slack messages it causes (outbox rows) and the mark that the inbox entry is done.
//! A handler never calls Slack to *say* something; only the dispatcher does that.

mod channels;
mod checkins;
mod exits;
mod home;
pub mod imports;
mod join;
mod join_form;
mod lookups;
mod membership;
mod outcomes;
mod owners;
pub mod parser;
mod programs;
mod projects;
pub mod reports;
pub mod rounds;
mod sessions;

use std::sync::Arc;

use chrono::NaiveDate;
use thiserror::Error;
use tracing::{debug, instrument, warn};

use crate::clock::Clock;
use crate::domain::agenda::Catalogue;
use crate::domain::outbound::{Message, Outbound};
use crate::domain::participant::Participant;
use crate::domain::program::Program;
use crate::event::Event;
use crate::slack::{ids, messages};
use crate::slack::{SendError, SlackApi};
use crate::store::{Store, StoreError};
pub use join::{answer_at_receipt, at_receipt as join_at_receipt};
use parser::Command;

#[derive(Debug, Error)]
pub enum HandleError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The optimiser's thread ended without a plan (it panicked): retried like a store error.
    #[error("the matching search stopped: {0}")]
    Planner(String),
    /// A read from Slack the request needs (a shared file, a lookup) did not answer:
    /// retried with the inbox's backoff.
    #[error("Slack did not answer a read: {0}")]
    Slack(String),
}

type Result<T, E = HandleError> = std::result::Result<T, E>;

/// What handlers share: the store, Slack (for reads such as users.info), who owns
/// programs, and the clock.
pub struct Context {
    pub store: Store,
    pub slack: SlackApi,
    pub team_id: String,
    /// The app's own user: the files it uploads itself (exports) are not imports.
    pub bot_user_id: String,
    /// Owners from `UPWARD_OWNERS`; owners added from Slack are in the store.
    pub owners: Vec<String>,
    pub clock: Arc<dyn Clock>,
    /// Session ideas for introductions.
    pub agendas: Catalogue,
    /// `users.info` calls for people the directory missed, paced to Slack's Tier 4.
    pub lookups: lookups::Lookups,
    /// After this long without a plan, the owner who asked for a round hears how the
    /// search goes, and again at most this often (`UPWARD_MATCH_PROGRESS_SECS`).
    pub match_progress_every: std::time::Duration,
    /// This process's counters for `/metrics`.
    pub metrics: Arc<crate::report::metrics::Metrics>,
}

/// Where the answer to an event goes: the command's response_url (ephemeral), or a DM
/// when the event came from a place without one (App Home, a modal).
#[derive(Debug, Clone)]
enum ReplyTo {
    ResponseUrl(String),
    Dm(String),
}

impl ReplyTo {
    fn with(&self, message: Message) -> Outbound {
        match self {
            ReplyTo::ResponseUrl(url) => Outbound::Respond { response_url: url.clone(), message },
            ReplyTo::Dm(user) => Outbound::DirectMessage { user: user.clone(), message },
        }
    }
}

/// The request a handler works on: who asked, where the answer goes, which inbox entry.
struct Request<'a> {
    ctx: &'a Context,
    inbox_id: i64,
    user: String,
    reply_to: ReplyTo,
}

impl Context {
    fn now(&self) -> i64 {
        self.clock.now().timestamp()
    }

    fn today(&self) -> NaiveDate {
        self.clock.now().date_naive()
    }

    /// Everyone who owns programs: the configured owners, then those added from Slack.
    pub async fn all_owners(&self) -> Result<Vec<String>> {
        let mut owners = self.owners.clone();
        for added in self.store.added_owners(&self.team_id).await? {
            if !owners.contains(&added) {
                owners.push(added);
            }
        }
        Ok(owners)
    }

    pub async fn is_owner(&self, user: &str) -> Result<bool> {
        Ok(self.all_owners().await?.iter().any(|o| o == user))
    }

    /// The person's IANA time zone from the directory's cache, else from users.info
    /// when Tier 4 has room and the lookup in flight ends soon (see [`lookups`]). A Slack
    /// failure or a spent tier is not the person's problem: they get `None` now and we
    /// ask again next time.
    async fn time_zone(&self, user: &str) -> Result<Option<String>> {
        if let Some(cached) = self.store.cached_time_zone(&self.team_id, user).await? {
            return Ok(cached);
        }
        let (turn, report) = self.lookups.take(|| self.clock.now().timestamp_micros()).await;
        if let Some(people) = report {
            warn!(
                people,
                "users.info budget spent: time zones left unknown for now, asked again at their next request"
            );
        }
        let Some(turn) = turn else {
            debug!(%user, "no users.info turn or budget; time zone unknown for now");
            return Ok(None);
        };
        let answer = self.slack.user_info(user).await;
        if let Err(SendError::RateLimited { retry_after }) = &answer {
            // Held before the turn passes on, so the next lookup in line does not go.
            self.lookups.refused(self.clock.now().timestamp_micros(), *retry_after);
        }
        drop(turn);
        match answer {
            Ok(info) => {
                let tz = info.tz.clone();
                self.store.cache_user(&self.team_id, info.cached(user), self.now()).await?;
                Ok(tz)
            }
            Err(error) => {
                warn!(%user, %error, "users.info failed; time zone unknown for now");
                Ok(None)
            }
        }
    }
}

impl Request<'_> {
    /// Finishes the request with messages only, no state change.
    async fn answer(&self, messages: Vec<Outbound>) -> Result<()> {
        let mut tx = self.ctx.store.begin_for(self.inbox_id, self.ctx.now()).await?;
        for message in &messages {
            tx.enqueue(message)?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn reply(&self, message: Message) -> Result<()> {
        self.answer(vec![self.reply_to.with(message)]).await
    }

    /// Owners pass, and what they do is audited; anyone else gets a polite refusal
    /// and `false`.
    async fn owner_only(&self, what: &str) -> Result<bool> {
        if self.ctx.is_owner(&self.user).await? {
            self.ctx.store.audit(&self.ctx.team_id, &self.user, what, self.inbox_id, self.ctx.now()).await?;
            return Ok(true);
        }
        tracing::info!(what, "owner command refused");
        self.reply(messages::owners_only(what)).await?;
        Ok(false)
    }

    /// Whether pair `pair_id` is still live as the change `tx` reads it (locked until
    /// the commit on PostgreSQL): an end committed since the handler read the pair wins,
    /// nothing is recorded on the ended pair, and the person is told so.
    async fn pair_still_live(&self, tx: &mut crate::store::Tx, pair_id: i64) -> Result<bool> {
        if tx.pair(pair_id).await?.is_some_and(|p| p.is_live()) {
            return Ok(true);
        }
        tx.enqueue(&self.reply_to.with(messages::pair_has_ended()))?;
        Ok(false)
    }

    /// The program a button's value names (its id), if it still exists.
    async fn program_of_button(&self, value: Option<&str>) -> Result<Option<Program>> {
        let Some(id) = value.and_then(|v| v.parse::<i64>().ok()) else { return Ok(None) };
        Ok(self.ctx.store.program(id).await?.filter(|p| p.team_id == self.ctx.team_id))
    }

    /// Finds the program a command means: the named one; else the only one; else, for
    /// people in exactly one program, theirs. `Err` carries the question to ask back.
    async fn program(&self, name: Option<&str>, usage: &str) -> Result<Result<Program, Message>> {
        let programs = self.ctx.store.programs(&self.ctx.team_id).await?;
        if let Some(program) = crate::domain::program::meant(&programs, name) {
            return Ok(Ok(program.clone()));
        }
        if let Some(name) = name {
            return Ok(Err(messages::unknown_program(name, &programs)));
        }
        let mut mine = Vec::new();
        for program in &programs {
            if self.ctx.store.participant(program.id, &self.user).await?.is_some() {
                mine.push(program.clone());
            }
        }
        Ok(match mine.as_slice() {
            [only] => Ok(only.clone()),
            _ => Err(messages::pick_program(&programs, usage)),
        })
    }

    /// The person's live pair a command means: the one with `partner`, else the only one.
    /// `Err` carries the answer instead: `none` when there is no such pair, a question
    /// when there are several.
    async fn live_pair(
        &self,
        partner: Option<&str>,
        none: Message,
    ) -> Result<Result<crate::domain::pair::Pair, Message>> {
        let mut pairs = self.ctx.store.live_pairs_of(&self.user).await?;
        pairs.retain(|p| partner.is_none_or(|who| p.partner_of(&self.user) == who));
        Ok(match pairs.len() {
            0 => Err(none),
            1 => Ok(pairs.remove(0)),
            _ => {
                let partners: Vec<String> = pairs.iter().map(|p| p.partner_of(&self.user).to_owned()).collect();
                Err(messages::pick_pair(&partners))
            }
        })
    }

    /// The person's participations, in program order.
    async fn participations(&self) -> Result<Vec<(Program, Participant)>> {
        let mut out = Vec::new();
        for program in self.ctx.store.programs(&self.ctx.team_id).await? {
            if let Some(p) = self.ctx.store.participant(program.id, &self.user).await? {
                out.push((program, p));
            }
        }
        Ok(out)
    }
}

/// Handles one inbox entry. Errors are for the caller to log and retry; anything the
/// person did wrong is answered to them instead.
#[instrument(skip_all, fields(inbox_id, user = event.user()))]
pub async fn handle(ctx: &Context, inbox_id: i64, event: Event) -> Result<()> {
    match event {
        Event::Command { user, text, trigger_id, response_url, .. } => {
            let request = Request { ctx, inbox_id, user, reply_to: ReplyTo::ResponseUrl(response_url) };
            match parser::parse(&text) {
                Ok(command) => execute(&request, command, trigger_id).await,
                Err(e) => {
                    tracing::info!(problem = %e.problem, "command refused");
                    request.reply(messages::usage_error(&e.problem, e.usage)).await
                }
            }
        }
        Event::HomeOpened { user } => {
            let request = Request { ctx, inbox_id, reply_to: ReplyTo::Dm(user.clone()), user };
            home::publish(&request).await
        }
        Event::Action { user, action_id, value, trigger_id, response_url } => {
            let reply_to = match response_url {
                Some(url) => ReplyTo::ResponseUrl(url),
                None => ReplyTo::Dm(user.clone()),
            };
            let request = Request { ctx, inbox_id, user, reply_to };
            match action_id.as_str() {
                ids::INTRO_SCHEDULED => rounds::scheduled_first(&request, value.as_deref()).await,
                ids::INTRO_WONT_WORK => exits::open_form(&request, value.as_deref(), &trigger_id).await,
                ids::CHECKIN_MET => checkins::met(&request, value.as_deref(), &trigger_id).await,
                ids::CHECKIN_NOT_YET => checkins::not_yet(&request, value.as_deref()).await,
                ids::CHECKIN_SNOOZE | ids::CHECKIN_SNOOZE_WEEK => checkins::snooze(&request, value.as_deref()).await,
                ids::PAIR_PAUSE => checkins::pause_pair(&request, value.as_deref(), true).await,
                ids::PAIR_RESUME => checkins::pause_pair(&request, value.as_deref(), false).await,
                ids::GOAL_SET => outcomes::open_goal_form(&request, value.as_deref(), &trigger_id).await,
                ids::GOAL_DONE => outcomes::goal_done(&request, value.as_deref()).await,
                ids::SESSION_ACCEPT => sessions::accept(&request, value.as_deref()).await,
                ids::SESSION_DECLINE => sessions::decline(&request, value.as_deref()).await,
                ids::SESSION_HELD => sessions::reflect(&request, value.as_deref(), &trigger_id, true).await,
                ids::SESSION_REFLECT => sessions::reflect(&request, value.as_deref(), &trigger_id, false).await,
                ids::HOME_ASK => sessions::open_form(&request, value.as_deref(), &trigger_id).await,
                ids::PROJECT_PICK => projects::pick(&request, value.as_deref()).await,
                ids::PROJECT_CLOSE => projects::open_closing(&request, value.as_deref(), &trigger_id).await,
                ids::CONFIDENCE_OPEN | ids::CONFIDENCE_OPEN_MENTOR => {
                    outcomes::open_confidence_form(&request, value.as_deref(), &trigger_id).await
                }
                ids::IMPORT_APPLY => imports::close(&request, value.as_deref(), true).await,
                ids::IMPORT_CANCEL => imports::close(&request, value.as_deref(), false).await,
                ids::CHANNEL_JOIN_MENTOR | ids::CHANNEL_JOIN_MENTEE | ids::CHANNEL_LEAVE => {
                    channels::action(&request, &action_id, value.as_deref(), &trigger_id).await
                }
                _ => home::action(&request, &action_id, value.as_deref(), &trigger_id).await,
            }
        }
        Event::ScheduledRound { program_id, .. } => rounds::scheduled(ctx, inbox_id, program_id).await,
        Event::CheckinDue { pair_id, due } => checkins::due(ctx, inbox_id, pair_id, due).await,
        Event::CheckinReminder { checkin_id } => checkins::remind(ctx, inbox_id, checkin_id).await,
        Event::Digest { program_id, due } => owners::digest(ctx, inbox_id, program_id, due).await,
        Event::PairExit { user, pair_id, reason, share } => {
            let request = Request { ctx, inbox_id, reply_to: ReplyTo::Dm(user.clone()), user };
            exits::submitted(&request, pair_id, reason, share).await
        }
        Event::ReflectionSubmitted { user, pair_id, checkin_id, reflection } => {
            let request = Request { ctx, inbox_id, reply_to: ReplyTo::Dm(user.clone()), user };
            checkins::submitted(&request, pair_id, checkin_id, reflection).await
        }
        Event::GoalSubmitted { user, pair_id, goal } => {
            let request = Request { ctx, inbox_id, reply_to: ReplyTo::Dm(user.clone()), user };
            outcomes::goal_submitted(&request, pair_id, &goal).await
        }
        Event::ConfidenceSubmitted { user, program_id, confidence } => {
            let request = Request { ctx, inbox_id, reply_to: ReplyTo::Dm(user.clone()), user };
            outcomes::confidence_submitted(&request, program_id, &confidence).await
        }
        Event::RoundEnded { round_id } => outcomes::round_ended(ctx, inbox_id, round_id).await,
        Event::SessionOfferExpired { session_id, asked_at } => {
            sessions::expired(ctx, inbox_id, session_id, asked_at).await
        }
        Event::ProjectEnded { project_id } => projects::ended(ctx, inbox_id, project_id).await,
        Event::ProjectReflectionSubmitted { user, project_id, pair_id, reached, reflection } => {
            let request = Request { ctx, inbox_id, reply_to: ReplyTo::Dm(user.clone()), user };
            projects::closing_submitted(&request, project_id, pair_id, reached, reflection).await
        }
        Event::SessionAsked { user, program_id, skill, question } => {
            let request = Request { ctx, inbox_id, reply_to: ReplyTo::Dm(user.clone()), user };
            sessions::asked_by_form(&request, program_id, &skill, question.as_deref()).await
        }
        Event::SessionReflectionSubmitted { user, session_id, reflection } => {
            let request = Request { ctx, inbox_id, reply_to: ReplyTo::Dm(user.clone()), user };
            sessions::reflection_submitted(&request, session_id, reflection).await
        }
        Event::FileShared { user, file_id } => {
            let request = Request { ctx, inbox_id, reply_to: ReplyTo::Dm(user.clone()), user };
            imports::file_shared(&request, &file_id).await
        }
        Event::ChannelMember { user, channel, joined } => {
            let request = Request { ctx, inbox_id, reply_to: ReplyTo::Dm(user.clone()), user };
            channels::member(&request, &channel, joined).await
        }
        Event::JoinSubmitted { user, program_id, profile } => {
            let request = Request { ctx, inbox_id, reply_to: ReplyTo::Dm(user.clone()), user };
            join::submitted(&request, program_id, profile).await
        }
    }
}

async fn execute(request: &Request<'_>, command: Command, trigger_id: String) -> Result<()> {
    match command {
        Command::Help { unknown } => {
            let owner = request.ctx.is_owner(&request.user).await?;
            request.reply(messages::help(unknown.as_deref(), owner)).await
        }
        Command::Join { program, line: None } => join::open_form(request, program.as_deref(), &trigger_id).await,
        Command::Join { program, line: Some(line) } => join::one_line(request, program.as_deref(), line).await,
        Command::Profile => membership::profile(request).await,
        Command::Pause { program, until } => membership::pause(request, program.as_deref(), until).await,
        Command::Resume { program } => membership::resume(request, program.as_deref()).await,
        Command::Leave { program } => membership::leave(request, program.as_deref()).await,
        Command::ProgramCreate { name } => programs::create(request, &name).await,
        Command::ProgramRename { program, name } => programs::rename(request, program.as_deref(), &name).await,
        Command::ProgramList => programs::list(request).await,
        Command::SkillsAdd { program, tags } => programs::add_skills(request, program.as_deref(), &tags).await,
        Command::ProgramSet { program, setting } => programs::set(request, program.as_deref(), setting).await,
        Command::Match { program, confirm: false } => rounds::preview(request, program.as_deref()).await,
        Command::Match { program, confirm: true } => rounds::confirm(request, program.as_deref()).await,
        Command::Unpair { program, user } => rounds::unpair(request, program.as_deref(), &user).await,
        Command::Reflect { partner } => checkins::reflect(request, partner.as_deref(), &trigger_id).await,
        Command::Reflections => checkins::list(request).await,
        Command::Rematch { partner } => exits::rematch(request, partner.as_deref(), &trigger_id).await,
        Command::Goals => outcomes::list_goals(request).await,
        Command::Ask { program, text } => sessions::ask(request, program.as_deref(), &text).await,
        Command::Project { program, ends_on, lead, skills, goal } => {
            projects::create(request, program.as_deref(), ends_on, lead.as_deref(), &skills, &goal).await
        }
        Command::Kudos { mentor, public, message } => {
            outcomes::kudos(request, &mentor, public, message.as_deref()).await
        }
        Command::Status { program } => owners::status(request, program.as_deref()).await,
        Command::OwnersList => owners::list(request).await,
        Command::OwnersAdd { user } => owners::add(request, &user).await,
        Command::OwnersRemove { user } => owners::remove(request, &user).await,
        Command::Audit => owners::audit(request).await,
        Command::ForgetMe => owners::forget_me(request).await,
        Command::Export { program, format } => owners::export(request, program.as_deref(), format).await,
        Command::Import { columns } => imports::command(request, columns).await,
    }
}
