//! The App Home tab: publishing it, and its buttons.

use super::reports::status_of;
use super::{Request, Result};
use crate::domain::outbound::encode_file;
use crate::domain::outbound::Outbound;
use crate::domain::participant::Participant;
use crate::domain::participant::Status;
use crate::domain::program::Program;
use crate::domain::status::ProgramStatus;
use crate::domain::summary::weekly;
use crate::report::export::ExportFormat;
use crate::report::{figures_hash, weekly_png, WeekPoint};
use crate::slack::{ids, messages};

/// The person's App Home as it should look now. `fresh` replaces the stored row of a
/// participant written in the same, not yet committed, change; `selected` is the
/// program an owner picked to see.
pub(super) async fn view_for(
    request: &Request<'_>,
    tz: Option<&str>,
    fresh: Option<(&Program, &Participant)>,
    selected: Option<i64>,
) -> Result<Outbound> {
    let mut entries = Vec::new();
    for program in request.ctx.store.programs(&request.ctx.team_id).await? {
        let participant = match fresh {
            Some((p, saved)) if p.id == program.id => Some(saved.clone()),
            _ => request.ctx.store.participant(program.id, &request.user).await?,
        };
        entries.push((program, participant));
    }
    let mut chart = Chart::default();
    let owner_view = if request.ctx.is_owner(&request.user).await? {
        let (figures, owners_chart) = owner_figures(request).await?;
        chart = owners_chart;
        Some(figures)
    } else {
        None
    };
    let owner = owner_view.as_deref().map(|programs| messages::OwnerView { programs, selected });
    let view = messages::home(&entries, tz, owner);
    Ok(Outbound::PublishHome {
        user: request.user.clone(),
        view,
        chart_png_b64: chart.png_b64,
        chart_hash: chart.hash,
        chart_file: chart.file,
    })
}

/// Weeks the owners' chart covers.
const CHART_WEEKS: u32 = 12;

/// The owners' chart for a Home: the file Slack holds for these figures, or a new PNG
/// (base64) with its figures' hash; nothing if it could not be drawn.
#[derive(Debug, Default)]
struct Chart {
    png_b64: Option<String>,
    hash: Option<String>,
    file: Option<String>,
}

/// Every program's figures, and the chart of the workspace's last weeks (none if it
/// could not be drawn: the figures are in the text anyway).
async fn owner_figures(request: &Request<'_>) -> Result<(Vec<(i64, ProgramStatus)>, Chart)> {
    let (store, today) = (&request.ctx.store, request.ctx.today());
    let (mut figures, mut checkins, mut reflections) = (Vec::new(), Vec::new(), Vec::new());
    for program in store.programs(&request.ctx.team_id).await? {
        figures.push((program.id, status_of(store, &program, today).await?));
        let (_, c, r) = store.activity_facts(program.id).await?;
        checkins.extend(c);
        reflections.extend(r);
    }
    let points: Vec<WeekPoint> = weekly(&checkins, &reflections, CHART_WEEKS, today)
        .into_iter()
        .map(|w| WeekPoint { week: w.week, meetings: w.meetings, average_rating: w.average_rating })
        .collect();
    let hash = figures_hash(&points);
    if let Some(file) = store.chart_file(&hash).await? {
        return Ok((figures, Chart { file: Some(file), ..Chart::default() }));
    }
    let chart = match weekly_png(&points) {
        Ok(png) => Chart { png_b64: Some(encode_file(&png)), hash: Some(hash), file: None },
        Err(e) => {
            tracing::warn!(error = %e, "the owners' chart could not be drawn; the home goes without it");
            Chart::default()
        }
    };
    Ok((figures, chart))
}

pub(super) async fn publish(request: &Request<'_>) -> Result<()> {
    let tz = request.ctx.time_zone(&request.user).await?;
    let view = view_for(request, tz.as_deref(), None, None).await?;
    request.answer(vec![view]).await
}

pub(super) async fn action(
    request: &Request<'_>,
    action_id: &str,
    value: Option<&str>,
    trigger_id: &str,
) -> Result<()> {
    let Some(program) = request.program_of_button(value).await? else {
        tracing::warn!(action_id, ?value, "button for an unknown program");
        return request.reply(messages::reply("That button is out of date: reopen the Home tab and try again.")).await;
    };
    match action_id {
        ids::HOME_JOIN | ids::HOME_JOIN_PICK => super::join_form::show(request, &program, None, trigger_id).await,
        ids::HOME_MATCH | ids::PREVIEW_PROGRAM => super::rounds::preview(request, Some(&program.name)).await,
        ids::PREVIEW_CONFIRM => super::rounds::confirm(request, Some(&program.name)).await,
        ids::PREVIEW_DOWNLOAD => super::rounds::download(request, &program).await,
        ids::SKILLS_DOWNLOAD => super::programs::download_skills(request, &program).await,
        ids::HOME_PROGRAM => {
            let tz = request.ctx.time_zone(&request.user).await?;
            let view = view_for(request, tz.as_deref(), None, Some(program.id)).await?;
            request.answer(vec![view]).await
        }
        ids::HOME_EXPORT => super::owners::export(request, Some(&program.name), ExportFormat::Csv).await,
        ids::STATUS_UNMATCHED => super::owners::download_unmatched(request, &program).await,
        ids::HOME_PAUSE | ids::HOME_RESUME => {
            let Some(participant) = request.ctx.store.participant(program.id, &request.user).await? else {
                return request.reply(messages::not_a_participant(&program)).await;
            };
            let status = if action_id == ids::HOME_PAUSE { Status::Paused } else { Status::Active };
            let tz = request.ctx.time_zone(&request.user).await?;
            let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
            if participant.status != Status::Left {
                tx.set_status(participant.id, status, None).await?;
            }
            let saved = tx.participant(program.id, &request.user).await?;
            tx.enqueue(&view_for(request, tz.as_deref(), Some((&program, &saved)), None).await?)?;
            tx.commit().await?;
            Ok(())
        }
        other => {
            tracing::warn!(action_id = other, "unknown button");
            request.reply(messages::reply("I don't know that button: it may be from an older version of me.")).await
        }
    }
}
