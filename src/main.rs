//! The `upward` binary: parse the command line, set up logging, run; exit non-zero
//! with one readable line on failure.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use tokio_util::sync::CancellationToken;
use upward::app::{App, Workers};
use upward::clock::SystemClock;
use upward::config::{Cli, CliCommand};

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
        #[cfg(feature = "demo")]
        CliCommand::Demo(args) => upward::cli::demo::run(args).await,
        #[cfg(feature = "demo")]
        CliCommand::Bench(args) => upward::cli::bench::run(&args).await,
        CliCommand::Match(args) => upward::cli::run_match(args).await,
        CliCommand::Export(args) => upward::cli::export(args).await,
        CliCommand::Status(args) => upward::cli::status(args).await,
        CliCommand::Outbox(args) => upward::cli::outbox(args).await,
        CliCommand::Import(args) => upward::cli::import(args).await,
        CliCommand::Migrate(args) => upward::cli::migrate(args).await,
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
