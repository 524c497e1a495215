//! The org-chart import, for `/mentoring import` (an owner uploads the CSV into the
//! app's DM) and `upward import` alike: read the file, find each email's person, plan,
//! and keep the plan as a dry run until an owner applies it.
//!
//! Emails are found in the directory's cache first (`users.list` caches them daily
//! when the app has `users:read.email`), and only the rest with `users.lookupByEmail`,
//! paced to its Tier 3 (50 a minute, the minute's calls allowed as a burst). A Slack
//! upload is handled inside one inbox lease, so it asks Slack about at most
//! [`SLACK_LOOKUPS`] emails and reports the rest as not checked yet; uploading the same
//! file again goes on from there, since everyone found is cached. The command line has
//! no lease and waits out the pace for every email.

use std::time::{Duration, Instant};

use slack_limits::{Buckets, TIER_3};
use tracing::{info, instrument, warn};

use super::{HandleError, Request, Result};
use crate::domain::import::{
    plan, read_csv, Columns, ImportError, ImportPlan, Lookup, Parsed, MAX_FILE_BYTES, SLACK_LOOKUPS,
};
use crate::domain::outbound::Outbound;
use crate::slack::client::FileInfo;
use crate::slack::{messages, SendError, SlackApi};
use crate::store::{ImportStatus, Store};

const LOOKUP: &str = "users.lookupByEmail";

/// How long an upload trusts Slack's "nobody has this email": a new hire added to
/// Slack meanwhile is found by the next upload after it.
const MISS_MEMORY_SECS: i64 = 60 * 60;

/// The longest one 429 holds an upload's lookups, whatever its Retry-After says.
const MOST_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Why a file could not be planned at all.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The file's own fault: told to the owner.
    #[error(transparent)]
    File(#[from] ImportError),
    /// Slack refused to look people up for good (a missing `users:read.email` scope).
    #[error("Slack refused to look people up by email ({0}); reinstall the app from the current manifest.yml")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Slack did not answer: worth trying again later.
    #[error("Slack did not answer a lookup: {0}")]
    Slack(SendError),
}

/// Where the people of an import are looked up, and how many Slack calls it may make.
pub struct Directory<'a> {
    pub store: &'a Store,
    pub slack: &'a SlackApi,
    pub team_id: &'a str,
    /// Most `users.lookupByEmail` calls; `None`: every email, at Slack's pace.
    pub budget: Option<usize>,
    pub now: i64,
}

impl Directory<'_> {
    /// Finds the people of `emails`: the cache first, then Slack, paced.
    #[instrument(skip_all, fields(emails = emails.len()))]
    async fn lookup(&self, emails: &[String]) -> std::result::Result<Lookup, PlanError> {
        let found = self.store.users_by_email(self.team_id, emails).await?;
        let mut lookup = Lookup { found, ..Lookup::default() };
        // A capped (Slack) run skips emails Slack just said nobody has, so the same
        // file uploaded again goes on with the ones not asked yet.
        let missed = match self.budget {
            Some(_) => self.store.email_misses(self.team_id, emails, self.now - MISS_MEMORY_SECS).await?,
            None => Default::default(),
        };
        let missing: Vec<&String> =
            emails.iter().filter(|e| !lookup.found.contains_key(*e) && !missed.contains(*e)).collect();
        let mut pace: Buckets<&str> = Buckets::default();
        let started = Instant::now();
        let micros = || i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX);
        let mut asked = 0;
        let mut limited = false;
        for email in missing {
            if limited || self.budget.is_some_and(|most| asked >= most) {
                lookup.unchecked.insert(email.clone());
                continue;
            }
            loop {
                let wait = pace.free_at(&LOOKUP, TIER_3).saturating_sub(micros());
                if wait > 0 {
                    tokio::time::sleep(Duration::from_micros(wait as u64)).await;
                }
                pace.take(LOOKUP, TIER_3, micros());
                match self.slack.lookup_by_email(email).await {
                    Ok(Some((user_id, info))) => {
                        self.store.cache_user(self.team_id, info.cached(&user_id), self.now).await?;
                        lookup.found.insert(email.clone(), user_id);
                    }
                    Ok(None) => self.store.remember_email_miss(self.team_id, email, self.now).await?,
                    Err(SendError::RateLimited { retry_after }) if self.budget.is_none() => {
                        let wait = retry_after.map(|wait| wait.min(MOST_RETRY_AFTER));
                        warn!(?wait, "users.lookupByEmail rate limited; waiting as Slack asks");
                        pace.refused(LOOKUP, TIER_3, micros(), wait);
                        continue;
                    }
                    // A capped run does not wait: this email and the rest are for
                    // the next upload.
                    Err(SendError::RateLimited { .. }) => {
                        lookup.unchecked.insert(email.clone());
                        limited = true;
                    }
                    Err(SendError::Permanent(code)) => return Err(PlanError::Refused(code)),
                    Err(other) => return Err(PlanError::Slack(other)),
                }
                break;
            }
            asked += 1;
        }
        info!(asked, found = lookup.found.len(), unchecked = lookup.unchecked.len(), "emails looked up");
        Ok(lookup)
    }

    /// Reads `bytes` and plans their import against the org chart as it is now.
    pub async fn plan(&self, bytes: &[u8], columns: &Columns) -> std::result::Result<ImportPlan, PlanError> {
        let parsed: Parsed = read_csv(bytes, columns)?;
        let lookup = self.lookup(&parsed.emails()).await?;
        let current = self.store.org_chart(self.team_id).await?;
        Ok(plan(&parsed, &lookup, &current))
    }
}

/// Records `plan` and applies it at once, in one transaction (the command line's
/// `--apply`, where the dry run was the run before); returns the import's id.
pub async fn apply(
    store: &Store,
    team_id: &str,
    by: &str,
    source: &str,
    plan: &ImportPlan,
    now: i64,
) -> std::result::Result<i64, crate::store::StoreError> {
    let mut tx = store.begin(now).await?;
    let id = tx.save_import(team_id, by, source, plan).await?;
    tx.close_import(id, ImportStatus::Applied).await?;
    tx.apply_import(team_id, id, &plan.changes).await?;
    tx.commit().await?;
    Ok(id)
}

/// `/mentoring import`: how to upload, or (with header names) remembering them for
/// the owner's next upload.
pub(super) async fn command(request: &Request<'_>, columns: Option<Columns>) -> Result<()> {
    if !request.owner_only("import the org chart").await? {
        return Ok(());
    }
    let Some(columns) = columns else {
        return request.reply(messages::import_instructions()).await;
    };
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    tx.set_import_columns(&request.ctx.team_id, &request.user, &columns).await?;
    let named: Vec<String> = [
        ("email", &columns.email),
        ("level", &columns.level),
        ("department", &columns.department),
        ("manager_email", &columns.manager_email),
    ]
    .into_iter()
    .filter_map(|(key, header)| header.as_ref().map(|h| format!("{key} = `{}`", crate::domain::bounds::echo(h))))
    .collect();
    tx.enqueue(&request.reply_to.with(messages::import_columns_saved(&named.join(", "))))?;
    tx.commit().await?;
    Ok(())
}

/// Whether a shared file is meant as an org chart: a CSV by type or name.
fn is_csv(file: &FileInfo) -> bool {
    file.filetype.as_deref() == Some("csv") || file.name.to_lowercase().ends_with(".csv")
}

/// A file shared into the app's DM. An owner's CSV is read, looked up and planned,
/// and its dry run sent with *Apply*; an owner's other file gets a word on CSV; a
/// member's CSV gets the owners-only answer; anything else is not meant for the bot.
pub(super) async fn file_shared(request: &Request<'_>, file_id: &str) -> Result<()> {
    let ctx = request.ctx;
    let file = match ctx.slack.file_info(file_id).await {
        Ok(file) => file,
        Err(SendError::Permanent(code)) => {
            warn!(file_id, code, "files.info refused; the file is not ours to read");
            return request.answer(vec![]).await;
        }
        Err(other) => return Err(HandleError::Slack(other.to_string())),
    };
    let owner = ctx.is_owner(&request.user).await?;
    if !is_csv(&file) {
        if owner {
            return request.reply(messages::import_not_csv(&file.name)).await;
        }
        return request.answer(vec![]).await;
    }
    if !request.owner_only("import the org chart").await? {
        return Ok(());
    }
    if file.size > MAX_FILE_BYTES {
        let problem = format!("it is over {} MB; split it.", MAX_FILE_BYTES / (1024 * 1024));
        return request.reply(messages::import_refused(&file.name, &problem)).await;
    }
    let Some(url) = &file.url else {
        return request.reply(messages::import_refused(&file.name, "Slack gave me no way to download it.")).await;
    };
    let bytes = match ctx.slack.download(url, MAX_FILE_BYTES).await {
        Ok(bytes) => bytes,
        Err(SendError::Permanent(why)) => return request.reply(messages::import_refused(&file.name, &why)).await,
        Err(other) => return Err(HandleError::Slack(other.to_string())),
    };
    let columns = ctx.store.import_columns(&ctx.team_id, &request.user).await?;
    let directory = Directory {
        store: &ctx.store,
        slack: &ctx.slack,
        team_id: &ctx.team_id,
        budget: Some(SLACK_LOOKUPS),
        now: ctx.now(),
    };
    let plan = match directory.plan(&bytes, &columns).await {
        Ok(plan) => plan,
        Err(PlanError::Store(e)) => return Err(e.into()),
        Err(PlanError::Slack(e)) => return Err(HandleError::Slack(e.to_string())),
        Err(refused) => return request.reply(messages::import_refused(&file.name, &refused.to_string())).await,
    };
    let mut tx = ctx.store.begin_for(request.inbox_id, ctx.now()).await?;
    let id = tx.save_import(&ctx.team_id, &request.user, &file.name, &plan).await?;
    let report = messages::import_dry_run(id, &file.name, &plan);
    tx.enqueue(&Outbound::DirectMessage { user: request.user.clone(), message: report })?;
    tx.commit().await?;
    info!(import = id, rows = plan.rows_read, changes = plan.changes.len(), "org-chart dry run kept");
    Ok(())
}

/// *Apply* or *Cancel* under a dry run: at most once, whoever presses first.
pub(super) async fn close(request: &Request<'_>, value: Option<&str>, apply: bool) -> Result<()> {
    let what = if apply { "apply an org-chart import" } else { "cancel an org-chart import" };
    if !request.owner_only(what).await? {
        return Ok(());
    }
    let stored = match value.and_then(|v| v.parse::<i64>().ok()) {
        Some(id) => request.ctx.store.import(id).await?,
        None => None,
    };
    let Some(import) = stored.filter(|i| i.team_id == request.ctx.team_id) else {
        return request.reply(messages::import_closed()).await;
    };
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    // A dry run planned before another import was applied compares against a chart
    // that is gone: it is not applied, and a fresh upload plans against the new one.
    let stale = apply && tx.applied_since(&import.team_id, import.id).await?;
    let status = if apply && !stale { ImportStatus::Applied } else { ImportStatus::Cancelled };
    let answer = if !tx.close_import(import.id, status).await? {
        messages::import_closed()
    } else if stale {
        messages::import_stale(&import.source)
    } else if apply {
        tx.apply_import(&import.team_id, import.id, &import.plan.changes).await?;
        messages::import_applied(&import.source, &import.plan)
    } else {
        messages::import_cancelled(&import.source)
    };
    tx.enqueue(&request.reply_to.with(answer))?;
    tx.commit().await?;
    info!(import = import.id, apply, "org-chart import closed");
    Ok(())
}
