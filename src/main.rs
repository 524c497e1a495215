//! The `upward` binary: parse the command line, set up logging, run; exit non-zero
//! with one readable line on failure.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Parser;
use tokio_util::sync::CancellationToken;
use upward::app::{App, Workers};
use upward::clock::{Clock, SystemClock};
use upward::config::{Cli, CliCommand};
use upward::store::Store;

fn main() -> ExitCode {
    dotenvy::dotenv().ok();
    let cli = Cli::parse();
    let quiet = !matches!(cli.command, CliCommand::Serve(_));
    let default_filter = if quiet { "warn" } else { "info" };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| default_filter.into()),
        )
        .with_writer(std::io::stderr)
        .init();
    // slack-morphism's websocket and our HTTP client must agree on one TLS provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("upward: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("upward: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        CliCommand::Serve(args) => {
            let config = args.into_config()?;
            let app = App::build(config, Arc::new(SystemClock)).await?;
            let running = app.start(Workers::Background).await?;
            let stop = CancellationToken::new();
            let signal = stop.clone();
            tokio::spawn(async move {
                shutdown_signal().await;
                signal.cancel();
            });
            running.serve_until(stop).await?;
            Ok(())
        }
        CliCommand::Demo(args) => upward::demo::run(args).await,
        CliCommand::Match(args) => {
            let store = Store::connect(&args.database_url)
                .await
                .with_context(|| format!("cannot open {}", args.database_url))?;
            let program = upward::status::choose_program(&store, args.program.as_deref()).await?;
            let agendas = upward::config::agenda_catalogue(args.agendas.as_deref())?;
            let (plan, round) =
                upward::rounds::run_now(&store, &program, "cli", SystemClock.now(), args.dry_run, &agendas).await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&upward::rounds::report_json(&plan, round))?);
            } else {
                print!("{}", upward::rounds::report_table(&plan, round));
            }
            Ok(())
        }
        CliCommand::Bench(args) => upward::bench::run(&args).await,
        CliCommand::Outbox(args) => {
            let store = Store::connect(&args.database_url)
                .await
                .with_context(|| format!("cannot open {}", args.database_url))?;
            match args.action {
                upward::config::OutboxAction::Retry { dead } => {
                    let rows = store.redrive_outbound(SystemClock.now().timestamp(), dead).await?;
                    println!("{rows} message(s) queued to be sent again");
                }
            }
            Ok(())
        }
        CliCommand::Export(args) => {
            let store = Store::connect(&args.database_url)
                .await
                .with_context(|| format!("cannot open {}", args.database_url))?;
            let program = upward::status::choose_program(&store, args.program.as_deref()).await?;
            let text = upward::export::render(&upward::export::load(&store, &program).await?, args.format);
            match &args.output {
                Some(path) => std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{text}"),
            }
            Ok(())
        }
        CliCommand::Status(args) => {
            let store = Store::connect(&args.database_url)
                .await
                .with_context(|| format!("cannot open {}", args.database_url))?;
            let today = SystemClock.now().date_naive();
            let status = upward::status::program_status(&store, args.program.as_deref(), today).await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&status)?);
            } else {
                print!("{}", upward::status::table(&status));
            }
            Ok(())
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(_) => return ctrl_c.await.unwrap_or(()),
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await.unwrap_or(());
}
