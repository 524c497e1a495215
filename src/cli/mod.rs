//! The command line's own commands: each opens the database, asks `commands` for the
//! answer and prints it. Printing only; every figure comes from the same code the bot
//! runs, so `upward status` and `/mentoring status` cannot disagree.

#[cfg(feature = "demo")]
pub mod bench;
#[cfg(feature = "demo")]
pub mod demo;
pub mod rounds;
pub mod status;

use anyhow::Context as _;

use crate::clock::{Clock, SystemClock};
use crate::commands::imports::{apply, Directory};
use crate::commands::reports::{choose_program, export_rows, program_status};
use crate::config::{
    agenda_catalogue, ExportArgs, ImportArgs, MatchArgs, MigrateArgs, OutboxAction, OutboxArgs, StatusArgs,
};
use crate::domain::import::Columns;
use crate::report::export::render;
use crate::slack::SlackApi;
use crate::store::Store;

/// Removes a throwaway SQLite database and its WAL files.
#[cfg(feature = "demo")]
fn remove_database(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

async fn open(database_url: &str) -> anyhow::Result<Store> {
    Store::connect(database_url).await.with_context(|| format!("cannot open {}", redacted(database_url)))
}

/// `upward migrate`: applies the migrations the database lacks, then exits.
pub async fn migrate(args: MigrateArgs) -> anyhow::Result<()> {
    let store = open(&args.database_url).await?;
    let applied = store.applied_migrations().await?;
    println!("{} is at migration {}", redacted(&args.database_url), applied.unwrap_or(0));
    Ok(())
}

/// A database URL without its password, fit for a terminal or a log.
fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// `upward match`: plans a round and, unless `--dry-run`, makes it live.
pub async fn run_match(args: MatchArgs) -> anyhow::Result<()> {
    let store = open(&args.database_url).await?;
    let program = choose_program(&store, args.program.as_deref()).await?;
    let agendas = agenda_catalogue(args.agendas.as_deref())?;
    let (plan, round) =
        crate::commands::rounds::run_now(&store, &program, "cli", SystemClock.now(), args.dry_run, &agendas).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rounds::report_json(&plan, round))?);
    } else {
        print!("{}", rounds::report_table(&plan, round));
    }
    Ok(())
}

/// `upward export`: a program's rows as CSV or JSON, to a file or standard output.
pub async fn export(args: ExportArgs) -> anyhow::Result<()> {
    let store = open(&args.database_url).await?;
    let program = choose_program(&store, args.program.as_deref()).await?;
    let text = render(&export_rows(&store, &program).await?, args.format);
    match &args.output {
        Some(path) => std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(())
}

/// `upward outbox retry [--dead]`: re-drives waiting (and, with `--dead`, given-up)
/// messages now, by hand, after an outage.
pub async fn outbox(args: OutboxArgs) -> anyhow::Result<()> {
    let store = open(&args.database_url).await?;
    match args.action {
        OutboxAction::Retry { dead } => {
            let rows = store.redrive_outbound(SystemClock.now().timestamp(), dead).await?;
            println!("{rows} message(s) queued to be sent again");
        }
    }
    Ok(())
}

/// `upward import people.csv [--apply]`: the org chart's dry run (or, with `--apply`,
/// its import) with every row it cannot use. Emails are looked up at Slack's pace, all
/// of them, however long that takes; the people found are cached for the next run.
pub async fn import(args: ImportArgs) -> anyhow::Result<()> {
    let columns = match &args.columns {
        Some(spec) => Columns::parse(spec).map_err(|problem| anyhow::anyhow!("--columns: {problem}"))?,
        None => Columns::default(),
    };
    let bytes = std::fs::read(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    let store = open(&args.database_url).await?;
    let token = secrecy::SecretString::from(args.slack_bot_token.clone());
    let slack = SlackApi::new(args.slack_api_url.trim_end_matches('/'), &token)?;
    let identity = slack.auth_test().await.context("the Slack token was refused (auth.test)")?;
    let now = SystemClock.now().timestamp();
    let directory = Directory { store: &store, slack: &slack, team_id: &identity.team_id, budget: None, now };
    let plan = directory.plan(&bytes, &columns).await?;
    let source = args.file.file_name().map_or_else(|| "the file".to_owned(), |n| n.to_string_lossy().into_owned());
    let id = match args.apply {
        true => Some(apply(&store, &identity.team_id, "cli", &source, &plan, now).await?),
        false => None,
    };
    if args.json {
        let json = serde_json::json!({ "import": id, "applied": args.apply, "plan": plan });
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        println!("{}", crate::slack::messages::import_report(&source, &plan, args.apply, usize::MAX).replace('*', ""));
        if !args.apply && !plan.changes.is_empty() {
            println!("Nothing changed: run again with --apply to import.");
        }
    }
    Ok(())
}

/// `upward status`: a program's figures as a table or JSON.
pub async fn status(args: StatusArgs) -> anyhow::Result<()> {
    let store = open(&args.database_url).await?;
    let today = SystemClock.now().date_naive();
    let figures = program_status(&store, args.program.as_deref(), today).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&figures)?);
    } else {
        print!("{}", status::table(&figures));
    }
    Ok(())
}
