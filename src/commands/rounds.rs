//! Owners' matching rounds (preview, confirm, unpair) and the pair's answers to its
//! introduction.
//!
//! A round means the same whichever started it: the slash command, `upward match` and
//! the scheduler all load its inputs, plan it (pure, [`crate::domain::rounds`]) and store
//! it through here, a live round with its introductions in one transaction.

use chrono::{DateTime, Utc};

use super::{Context, Request, Result};
use crate::domain::agenda::Catalogue;
use crate::domain::outbound::{encode_file, Outbound};
use crate::domain::pair::{Pair, PairStatus};
use crate::domain::participant::shared_skills;
use crate::domain::program::Program;
use crate::domain::rounds::{self, Inputs, Plan, PlannedPair};
use crate::event::SCHEDULER;
use crate::slack::messages;
use crate::store::{NewPair, NewRound, RoundRow, Store, StoreError, Tx};

const USAGE: &str = "/mentoring match [confirm]";

/// From this many people a search takes seconds: the owner hears at once that it started.
const LARGE_ROUND: usize = 20_000;
/// Slack takes at most five answers through one response_url: the note that a large
/// round started, this many progress notes and the preview fit.
const MOST_PROGRESS_NOTES: usize = 3;

/// Plans a round of `program` for the owner who asked. The optimiser runs on a
/// blocking thread, so a long search holds no runtime worker and no database lock;
/// past the context's `match_progress_every` the owner gets a word on its progress, and
/// again at most that often after it.
async fn plan(request: &Request<'_>, program: &Program) -> Result<Plan> {
    let inputs = inputs(&request.ctx.store, program).await?;
    let (people, name) = (inputs.participants.len(), program.name.clone());
    if people >= LARGE_ROUND {
        let mut tx = request.ctx.store.begin(request.ctx.now()).await?;
        tx.enqueue(&request.reply_to.with(messages::matching_started(&name, people)))?;
        tx.commit().await?;
    }
    let (progress_tx, mut progress) = tokio::sync::mpsc::unbounded_channel();
    let (now, today) = (request.ctx.clock.now(), request.ctx.today());
    let solving = off_runtime(move || {
        rounds::plan(&inputs, now, today, move |p| {
            let _ = progress_tx.send(p);
        })
    });
    tokio::pin!(solving);
    let every = request.ctx.match_progress_every;
    let started = std::time::Instant::now();
    let (mut told, mut notes) = (started, 0);
    loop {
        // Progress first: a search round reported before the plan is never lost to it.
        tokio::select! {
            biased;
            Some(step) = progress.recv() => {
                let due = started.elapsed() >= every && told.elapsed() >= every.min(started.elapsed());
                if due && notes < MOST_PROGRESS_NOTES {
                    (told, notes) = (std::time::Instant::now(), notes + 1);
                    let note = messages::matching_progress(&name, people, step.round, step.gap_pct());
                    let mut tx = request.ctx.store.begin(request.ctx.now()).await?;
                    tx.enqueue(&request.reply_to.with(note))?;
                    tx.commit().await?;
                }
            }
            plan = &mut solving => {
                request.ctx.metrics.matched(started.elapsed());
                return plan;
            }
        }
    }
}

/// Runs pure, CPU-bound round work (planning, a fingerprint of the inputs) on a
/// blocking thread: it takes seconds at company scale, and the async runtime's workers
/// must keep answering Slack meanwhile.
async fn off_runtime<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(|e| super::HandleError::Planner(e.to_string()))
}

/// `match`: plans a round and stores it as the program's preview.
pub(super) async fn preview(request: &Request<'_>, program: Option<&str>) -> Result<()> {
    if !request.owner_only("run matching rounds").await? {
        return Ok(());
    }
    let program = match request.program(program, USAGE).await? {
        Ok(p) => p,
        Err(question) => return request.reply(question).await,
    };
    let plan = plan(request, &program).await?;
    let programs = request.ctx.store.programs(&request.ctx.team_id).await?;
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    store_plan(&mut tx, &plan, &request.user, false, &request.ctx.agendas).await?;
    tx.enqueue(&request.reply_to.with(messages::round_preview(&plan, false, &programs)))?;
    tx.commit().await?;
    tracing::info!(program = program.id, pairs = plan.pairs.len(), "round previewed");
    Ok(())
}

/// `match confirm`: makes the stored preview live, exactly the pairs the owner saw,
/// without searching again (a search cut short by the time budget could end elsewhere).
/// If the program's people or settings changed since, those pairs may no longer fit:
/// the owner is told so and gets a new preview to confirm instead.
pub(super) async fn confirm(request: &Request<'_>, program: Option<&str>) -> Result<()> {
    if !request.owner_only("run matching rounds").await? {
        return Ok(());
    }
    let program = match request.program(program, USAGE).await? {
        Ok(p) => p,
        Err(question) => return request.reply(question).await,
    };
    let preview = current_preview(request, &program).await?;
    let mut stale = matches!(preview, Preview::Stale);
    if let Preview::Holds(round, pairs, rounds_before) = preview {
        let unmatched = round.unmatched_people()?.len();
        let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
        // A round made live since the preview was checked (an automatic one, another
        // replica's) changed its inputs: its pairs could pair people twice.
        if tx.round_number(program.id).await? == rounds_before {
            let answer = if pairs.is_empty() {
                messages::nothing_to_confirm(&program.name)
            } else if make_live(&mut tx, round.id, &program.name, &request.ctx.agendas).await? {
                tracing::info!(program = program.id, round = round.id, pairs = pairs.len(), "round confirmed");
                messages::round_confirmed(&program.name, pairs.len(), unmatched)
            } else {
                messages::nothing_to_confirm(&program.name)
            };
            tx.enqueue(&request.reply_to.with(answer))?;
            tx.commit().await?;
            return Ok(());
        }
        drop(tx);
        stale = true;
    }
    // No preview, or one of other inputs: plan anew and show it, confirming nothing.
    let plan = plan(request, &program).await?;
    let programs = request.ctx.store.programs(&request.ctx.team_id).await?;
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    let answer = if plan.pairs.is_empty() {
        messages::nothing_to_confirm(&program.name)
    } else {
        store_plan(&mut tx, &plan, &request.user, false, &request.ctx.agendas).await?;
        messages::round_preview(&plan, stale, &programs)
    };
    tx.enqueue(&request.reply_to.with(answer))?;
    tx.commit().await?;
    Ok(())
}

/// A program's stored preview, seen from its inputs as they are now.
enum Preview {
    None,
    /// Planned from other inputs: people or settings changed since.
    Stale,
    /// Planned from these very inputs (same fingerprint): the round and its pairs, and
    /// how many rounds the program had confirmed when that was checked.
    Holds(RoundRow, Vec<Pair>, i64),
}

async fn current_preview(request: &Request<'_>, program: &Program) -> Result<Preview> {
    let Some((round, pairs)) = request.ctx.store.proposal(program.id).await? else { return Ok(Preview::None) };
    let inputs = inputs(&request.ctx.store, program).await?;
    let rounds_before = inputs.round_number;
    let (now, today) = (request.ctx.clock.now(), request.ctx.today());
    let inputs_now = off_runtime(move || rounds::fingerprint(&inputs, now, today)).await?;
    Ok(if round.inputs_hash.as_deref() == Some(inputs_now.as_str()) {
        Preview::Holds(round, pairs, rounds_before)
    } else {
        Preview::Stale
    })
}

/// A stored preview as a plan, for its file. (Who was not eligible is not stored; the
/// file does not show it.)
fn stored_plan(program: &Program, round: &RoundRow, pairs: &[Pair]) -> Result<Plan> {
    Ok(Plan {
        program_id: program.id,
        program: program.name.clone(),
        seed: round.seed,
        pairs: pairs
            .iter()
            .map(|p| PlannedPair {
                mentor_id: p.mentor_id,
                mentee_id: p.mentee_id,
                mentor: p.mentor_user.clone(),
                mentee: p.mentee_user.clone(),
                score: p.score,
                reasons: p.reasons.clone(),
            })
            .collect(),
        unmatched: round.unmatched_people()?,
        total_score: round.total_score,
        upper_bound: round.upper_bound,
        not_eligible: Default::default(),
        circle: pairs.iter().any(|p| p.circle),
        inputs_hash: round.inputs_hash.clone().unwrap_or_default(),
    })
}

/// *Download the full list* on a preview: the stored preview while it still holds (the
/// very pairs a confirm would make live), else the round as planned now; every pair and
/// unmatched person, as a file in the owner's DM with the app.
pub(super) async fn download(request: &Request<'_>, program: &Program) -> Result<()> {
    if !request.owner_only("run matching rounds").await? {
        return Ok(());
    }
    let plan = match current_preview(request, program).await? {
        Preview::Holds(round, pairs, _) => stored_plan(program, &round, &pairs)?,
        Preview::None | Preview::Stale => plan(request, program).await?,
    };
    let names = request.ctx.store.cached_names(&request.ctx.team_id).await?;
    let file = Outbound::UploadFile {
        user: request.user.clone(),
        filename: format!("upward-{}-preview-{}.txt", program.handle, request.ctx.today()),
        title: format!("Matching preview of {}", program.name),
        comment: messages::preview_file_comment(&program.name, plan.pairs.len()),
        content_b64: encode_file(messages::preview_file(&plan, &names).as_bytes()),
    };
    request.answer(vec![file, request.reply_to.with(messages::file_queued("full preview", &program.name))]).await
}

/// An automatic round: planned and made live at once, with the owners told by DM.
pub(super) async fn scheduled(ctx: &Context, inbox_id: i64, program_id: i64) -> Result<()> {
    let Some(program) = ctx.store.program(program_id).await? else {
        ctx.store.begin_for(inbox_id, ctx.now()).await?.commit().await?;
        return Ok(());
    };
    loop {
        let inputs = inputs(&ctx.store, &program).await?;
        let rounds_before = inputs.round_number;
        let (now, today) = (ctx.clock.now(), ctx.today());
        let started = std::time::Instant::now();
        let plan = off_runtime(move || rounds::plan(&inputs, now, today, |_| {})).await?;
        ctx.metrics.matched(started.elapsed());
        // The change starts once the plan is made: the write lock is never held across a search.
        let mut tx = ctx.store.begin_for(inbox_id, ctx.now()).await?;
        if !plan.pairs.is_empty() {
            // A round made live meanwhile (an owner's confirm) holds some of these
            // people now: plan again from the pairs as they are.
            if tx.round_number(program.id).await? != rounds_before {
                tracing::info!(program = program.id, "a round went live while planning; planning again");
                continue;
            }
            store_plan(&mut tx, &plan, SCHEDULER, true, &ctx.agendas).await?;
        }
        for owner in &ctx.all_owners().await? {
            let message = messages::automatic_round(&program.name, plan.pairs.len(), plan.unmatched.len());
            tx.enqueue(&Outbound::DirectMessage { user: owner.clone(), message })?;
        }
        tx.commit().await?;
        tracing::info!(program = program.id, pairs = plan.pairs.len(), "automatic round done");
        return Ok(());
    }
}

/// `unpair @someone`: ends their live pairs and tells each partner kindly.
pub(super) async fn unpair(request: &Request<'_>, program: Option<&str>, user: &str) -> Result<()> {
    if !request.owner_only("end pairs").await? {
        return Ok(());
    }
    let program = match request.program(program, "/mentoring unpair @someone").await? {
        Ok(p) => p,
        Err(question) => return request.reply(question).await,
    };
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    // Read inside the change: a pair its people ended meanwhile is not ended, nor
    // announced, twice.
    let mut ended = Vec::new();
    for pair in tx.live_pairs_of(user).await?.into_iter().filter(|p| p.program_id == program.id) {
        if !tx.end_pair(pair.id, &request.user).await? {
            continue;
        }
        for (person, partner) in [(&pair.mentor_user, &pair.mentee_user), (&pair.mentee_user, &pair.mentor_user)] {
            let message = messages::pair_ended(&program.name, partner);
            tx.enqueue(&Outbound::DirectMessage { user: person.clone(), message })?;
        }
        ended.push(pair);
    }
    tx.enqueue(&request.reply_to.with(messages::unpaired(&program.name, user, &ended)))?;
    tx.commit().await?;
    tracing::info!(program = program.id, ended = ended.len(), "pairs ended by an owner");
    Ok(())
}

/// "We've scheduled our first session": only the pair's own people may press it.
pub(super) async fn scheduled_first(request: &Request<'_>, value: Option<&str>) -> Result<()> {
    let Some(pair_id) = value.and_then(|v| v.parse::<i64>().ok()) else {
        return request.reply(messages::not_your_pair()).await;
    };
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    let answer = match tx.pair(pair_id).await?.filter(|p| p.has(&request.user)) {
        None => messages::not_your_pair(),
        // An old introduction's button on a pair that has ended records nothing.
        Some(pair) if !pair.is_live() => messages::pair_has_ended(),
        Some(pair) => messages::session_scheduled(!tx.mark_scheduled(pair.id).await?),
    };
    tx.enqueue(&request.reply_to.with(answer))?;
    tx.commit().await?;
    Ok(())
}

/// What a round of `program` is planned from, as stored now.
pub async fn inputs(store: &Store, program: &Program) -> Result<Inputs, StoreError> {
    Ok(Inputs {
        settings: store.match_settings(program.id).await?,
        participants: store.participants(program.id).await?,
        active_pairs: store.pairs(program.id, PairStatus::Active).await?,
        past_pairs: store.past_pairs(program.id).await?,
        time_zones: store.time_zones(&program.team_id).await?,
        round_number: store.round_number(program.id).await?,
        program: program.clone(),
    })
}

/// Stores a plan as a preview (`confirmed == false`) or as a live round whose
/// introductions are queued in the same transaction. Returns the round id.
pub async fn store_plan(
    tx: &mut Tx,
    plan: &Plan,
    started_by: &str,
    confirmed: bool,
    agendas: &Catalogue,
) -> Result<i64, StoreError> {
    let pairs: Vec<NewPair> = plan
        .pairs
        .iter()
        .map(|p| NewPair { mentor_id: p.mentor_id, mentee_id: p.mentee_id, score: p.score, reasons: p.reasons.clone() })
        .collect();
    let round = NewRound {
        program_id: plan.program_id,
        started_by,
        seed: plan.seed,
        total_score: plan.total_score,
        upper_bound: plan.upper_bound,
        unmatched_json: serde_json::to_string(&plan.unmatched).unwrap_or_else(|_| "[]".into()),
        inputs_hash: &plan.inputs_hash,
        pairs: &pairs,
        circle: plan.circle,
        project_id: None,
    };
    let round_id = tx.insert_round(&round, confirmed).await?;
    if confirmed {
        introduce(tx, round_id, &plan.program, agendas).await?;
    }
    Ok(round_id)
}

/// Makes a stored preview live and queues its introductions.
pub async fn make_live(tx: &mut Tx, round_id: i64, program: &str, agendas: &Catalogue) -> Result<bool, StoreError> {
    if !tx.confirm_round(round_id).await? {
        return Ok(false);
    }
    introduce(tx, round_id, program, agendas).await?;
    Ok(true)
}

/// Session ideas suggested in an introduction.
const SESSION_IDEAS: usize = 3;

async fn introduce(tx: &mut Tx, round_id: i64, program: &str, agendas: &Catalogue) -> Result<(), StoreError> {
    let (circles, pairs): (Vec<Pair>, Vec<Pair>) = tx.round_pairs(round_id).await?.into_iter().partition(|p| p.circle);
    let mut mentors: Vec<i64> = circles.iter().map(|p| p.mentor_id).collect();
    mentors.sort_unstable();
    mentors.dedup();
    for mentor_id in mentors {
        let newcomers: Vec<String> =
            circles.iter().filter(|p| p.mentor_id == mentor_id).map(|p| p.mentee_user.clone()).collect();
        introduce_circle(tx, mentor_id, &newcomers, program, agendas).await?;
    }
    for pair in pairs {
        let mentor = tx.participant(pair.program_id, &pair.mentor_user).await?;
        let mentee = tx.participant(pair.program_id, &pair.mentee_user).await?;
        let shared = shared_skills(&mentor.teach_skills, &mentee.learn_skills);
        let message = messages::introduction(program, &pair, &agendas.suggest(&shared, SESSION_IDEAS));
        tx.enqueue(&Outbound::GroupMessage {
            users: vec![pair.mentor_user.clone(), pair.mentee_user.clone()],
            message,
        })?;
    }
    Ok(())
}

/// One message to a mentor's whole circle: everyone in it, with the round's
/// `newcomers` welcomed (all of them when the circle is new).
async fn introduce_circle(
    tx: &mut Tx,
    mentor_id: i64,
    newcomers: &[String],
    program: &str,
    agendas: &Catalogue,
) -> Result<(), StoreError> {
    let circle = tx.circle_pairs(mentor_id).await?;
    let Some(first) = circle.first() else { return Ok(()) };
    let mentor = tx.participant(first.program_id, &first.mentor_user).await?;
    let mut wanted = Vec::new();
    let mut members = vec![first.mentor_user.clone()];
    for pair in &circle {
        let mentee = tx.participant(pair.program_id, &pair.mentee_user).await?;
        wanted.extend(shared_skills(&mentor.teach_skills, &mentee.learn_skills));
        members.push(pair.mentee_user.clone());
    }
    let message = messages::circle_introduction(program, &members, newcomers, &agendas.suggest(&wanted, SESSION_IDEAS));
    tx.enqueue(&Outbound::GroupMessage { users: members, message })
}

/// Plans a round now and, unless `dry_run`, makes it live with its introductions in
/// one transaction (the running bot's dispatcher sends them). For `upward match` and
/// automatic rounds. Returns the plan and the round id when one was stored.
pub async fn run_now(
    store: &Store,
    program: &Program,
    started_by: &str,
    now: DateTime<Utc>,
    dry_run: bool,
    agendas: &Catalogue,
) -> Result<(Plan, Option<i64>), StoreError> {
    loop {
        let inputs = inputs(store, program).await?;
        let rounds_before = inputs.round_number;
        // The command line waits for its answer; nothing else shares its runtime.
        let plan = rounds::plan(&inputs, now, now.date_naive(), |_| {});
        if dry_run || plan.pairs.is_empty() {
            return Ok((plan, None));
        }
        let mut tx = store.begin(now.timestamp()).await?;
        // As for automatic rounds: a round the bot made live meanwhile means planning again.
        if tx.round_number(program.id).await? != rounds_before {
            continue;
        }
        let round = store_plan(&mut tx, &plan, started_by, true, agendas).await?;
        tx.commit().await?;
        tracing::info!(program = program.id, round, pairs = plan.pairs.len(), started_by, "round confirmed");
        return Ok((plan, Some(round)));
    }
}
