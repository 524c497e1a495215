//! Program owners' view and their management: the figures (`status`), the owners list,
//! the audit trail; and every person's right to be forgotten.

use super::reports::status_of;
use super::{Context, Request, Result};
use crate::domain::outbound::encode_file;
use crate::domain::outbound::Outbound;
use crate::domain::pair::PairStatus;
use crate::domain::participant::is_user_id;
use crate::domain::program::Program;
use crate::domain::summary::{at_risk_pairs, stalled_pairs};
use crate::report::export::{self, ExportFormat};
use crate::slack::messages;
use crate::slack::messages::Attention;

/// How many audit lines `/mentoring audit` shows.
const AUDIT_LINES: i64 = 25;

/// `/mentoring status [program]`: the same figures as `upward status --json`.
pub(super) async fn status(request: &Request<'_>, program: Option<&str>) -> Result<()> {
    if !request.owner_only("read the program figures").await? {
        return Ok(());
    }
    let program = match request.program(program, "/mentoring status [program]").await? {
        Ok(p) => p,
        Err(question) => return request.reply(question).await,
    };
    let figures = status_of(&request.ctx.store, &program, request.ctx.today()).await?;
    request.reply(messages::status_summary(&figures, program.id)).await
}

pub(super) async fn list(request: &Request<'_>) -> Result<()> {
    if !request.owner_only("list the owners").await? {
        return Ok(());
    }
    let added = request.ctx.store.added_owners(&request.ctx.team_id).await?;
    request.reply(messages::owners_list(&request.ctx.owners, &added)).await
}

pub(super) async fn add(request: &Request<'_>, user: &str) -> Result<()> {
    if !request.owner_only(&format!("add <@{user}> as an owner")).await? {
        return Ok(());
    }
    if !is_user_id(user) {
        return request.reply(messages::reply("That is not a person: mention them, e.g. `@hana`.")).await;
    }
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    let fresh = !request.ctx.owners.iter().any(|o| o == user)
        && tx.add_owner(&request.ctx.team_id, user, &request.user).await?;
    tx.enqueue(&request.reply_to.with(messages::owner_added(user, fresh)))?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn remove(request: &Request<'_>, user: &str) -> Result<()> {
    if !request.owner_only(&format!("remove <@{user}> as an owner")).await? {
        return Ok(());
    }
    let configured = request.ctx.owners.iter().any(|o| o == user);
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    let removed = tx.remove_owner(&request.ctx.team_id, user).await?;
    tx.enqueue(&request.reply_to.with(messages::owner_removed(user, removed, configured)))?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn audit(request: &Request<'_>) -> Result<()> {
    if !request.owner_only("read the audit trail").await? {
        return Ok(());
    }
    let rows = request.ctx.store.audit_log(&request.ctx.team_id, AUDIT_LINES).await?;
    request.reply(messages::audit_list(&rows)).await
}

/// `/mentoring forget-me`: for anyone, owners included. Partners of live pairs are told
/// the pair ended, never why.
pub(super) async fn forget_me(request: &Request<'_>) -> Result<()> {
    let programs = request.ctx.store.all_programs().await?;
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    let forgotten = tx.forget(&request.ctx.team_id, &request.user).await?;
    for pair in &forgotten.ended {
        let name = programs.iter().find(|p| p.id == pair.program_id).map(|p| p.name.as_str()).unwrap_or_default();
        let partner = pair.partner_of(&request.user).to_owned();
        tx.enqueue(&Outbound::DirectMessage { user: partner, message: messages::partner_left(name) })?;
    }
    let answer = messages::forgotten(forgotten.programs, forgotten.reflections, forgotten.ended.len());
    tx.enqueue(&request.reply_to.with(answer))?;
    tx.commit().await?;
    Ok(())
}

/// A rating at or below this in the week puts a pair in the digest.
const LOW_RATING: i64 = 2;

/// The weekly digest: the week's changes and the pairs that need a human touch, by DM
/// to each owner.
pub(super) async fn digest(ctx: &Context, inbox_id: i64, program_id: i64, due: i64) -> Result<()> {
    let program = ctx.store.program(program_id).await?;
    let mut tx = ctx.store.begin_for(inbox_id, ctx.now()).await?;
    if let Some(program) = program {
        let since = due - 7 * 24 * 3600;
        let figures = status_of(&ctx.store, &program, ctx.today()).await?;
        let week = ctx.store.week_counts(program.id, since).await?;
        let (facts, checkins, _) = ctx.store.activity_facts(program.id).await?;
        let stalled = stalled_pairs(&facts, &checkins);
        let low = ctx.store.low_rated_pairs(program.id, since, LOW_RATING).await?;
        let at_risk = at_risk_pairs(&facts, &checkins);
        let mut attention = Vec::new();
        for pair in ctx.store.pairs(program.id, PairStatus::Active).await? {
            let mut why = Vec::new();
            if at_risk.contains(&pair.id) {
                why.push("at risk: the senior missed two check-ins in a row");
            }
            if stalled.contains(&pair.id) {
                why.push("two check-ins without meeting");
            }
            if low.contains(&pair.id) {
                why.push("a session rated 2 or lower this week");
            }
            if !why.is_empty() {
                attention.push(Attention { mentor: pair.mentor_user, mentee: pair.mentee_user, why: why.join("; ") });
            }
        }
        let message = messages::digest(&figures, program.id, &week, &attention);
        for owner in ctx.all_owners().await? {
            tx.enqueue(&Outbound::DirectMessage { user: owner, message: message.clone() })?;
        }
        tracing::info!(program = program.id, attention = attention.len(), "digest sent");
    }
    tx.commit().await?;
    Ok(())
}

/// *Download the unmatched list*: everyone the latest confirmed round left unmatched,
/// with the reasons and their names, as a file in the owner's DM with the app.
pub(super) async fn download_unmatched(request: &Request<'_>, program: &Program) -> Result<()> {
    if !request.owner_only("read the program figures").await? {
        return Ok(());
    }
    let unmatched = request.ctx.store.latest_unmatched(program.id).await?;
    let names = request.ctx.store.cached_names(&request.ctx.team_id).await?;
    let file = Outbound::UploadFile {
        user: request.user.clone(),
        filename: format!("upward-{}-unmatched-{}.txt", program.handle, request.ctx.today()),
        title: format!("Unmatched in {}", program.name),
        comment: messages::unmatched_file_comment(&program.name, unmatched.len()),
        content_b64: encode_file(messages::unmatched_file(&program.name, &unmatched, &names).as_bytes()),
    };
    request.answer(vec![file, request.reply_to.with(messages::file_queued("unmatched list", &program.name))]).await
}

/// `/mentoring export`: the program's pairs as a file in the owner's DM with the app.
/// Reflection texts are in it only where their authors shared them with owners.
pub(super) async fn export(request: &Request<'_>, program: Option<&str>, format: ExportFormat) -> Result<()> {
    if !request.owner_only("export a program").await? {
        return Ok(());
    }
    let program = match request.program(program, "/mentoring export [program] [csv|json]").await? {
        Ok(p) => p,
        Err(question) => return request.reply(question).await,
    };
    let rows = super::reports::export_rows(&request.ctx.store, &program).await?;
    let text = export::render(&rows, format);
    let filename = format!("upward-{}-{}.{}", program.handle, request.ctx.today(), format.extension());
    let file = Outbound::UploadFile {
        user: request.user.clone(),
        filename: filename.clone(),
        title: format!("{} pairs of {}", rows.len(), program.name),
        comment: messages::export_comment(&program.name, rows.len()),
        content_b64: encode_file(text.as_bytes()),
    };
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    tx.enqueue(&file)?;
    tx.enqueue(&request.reply_to.with(messages::export_queued(&program.name, &filename)))?;
    tx.commit().await?;
    Ok(())
}
