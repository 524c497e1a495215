//! The binary: the demo, configuration errors, `status`.

use std::process::Command;

use crate::helpers::*;

fn upward() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_upward"));
    for var in [
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_API_URL",
        "DATABASE_URL",
        "UPWARD_LISTEN",
        "UPWARD_OWNERS",
        "RUST_LOG",
    ] {
        command.env_remove(var);
    }
    command.current_dir(env!("CARGO_TARGET_TMPDIR"));
    command
}

#[test]
fn the_demo_runs_the_company_and_exits_zero() {
    let output = upward().arg("demo").output().expect("the binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "demo failed: {stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("joins through the form") && stdout.contains("Welcome to *default*"), "{stdout}");
    assert!(stdout.contains("mentors         20") && stdout.contains("left             1"), "{stdout}");
    assert!(stdout.contains("Check-in 3,") && stdout.contains("Saved your reflection"), "{stdout}");
    assert!(
        stdout.contains("pairs           19") && stdout.contains("ended            1"),
        "18 and a project: {stdout}"
    );
    assert!(stdout.contains("accepted a *one-time session*") && stdout.contains("held             1"), "{stdout}");
    assert!(stdout.contains("reverse-mentoring *circle*") && stdout.contains("in circles       3"), "{stdout}");
    assert!(stdout.contains("*project pair*") && stdout.contains("projects         1"), "{stdout}");
    assert!(stdout.contains("check-ins       54") && stdout.contains("ends the pair privately"), "{stdout}");
    assert!(stdout.contains("0 waiting, 0 dead"), "{stdout}");
    assert!(stdout.contains("HR presses Confirm"), "the owner confirms in Slack, with the preview's button: {stdout}");
    // The org chart comes in once (a dry run, then Apply), and one person joins by channel.
    assert!(stdout.contains("Dry run of hris-export.csv*: 43 rows read") && stdout.contains("39 people were updated"));
    assert!(stdout.contains("no one in Slack has new.hire@example.com"), "{stdout}");
    assert!(stdout.contains("Join as mentor") && stdout.contains("pause mentoring for a while, or leave"), "{stdout}");
    assert!(stdout.contains("via channel      1") && stdout.contains("imported        43"), "{stdout}");
    let section = |title: &str| {
        let section = stdout.split(title).nth(1).and_then(|rest| rest.split("\n── ").next());
        section.unwrap_or_else(|| panic!("no {title} in {stdout}")).to_owned()
    };
    for cycle in 1..=3 {
        let section = section(&format!("── Check-in {cycle},"));
        assert!(section.contains("did you meet"), "check-in {cycle} shows a check-in: {section}");
    }
    // Answers given in the command's HTTP answer (a join made as it is stored, a line
    // the profile rules refuse) are shown like those sent later.
    let mistake = section("makes a mistake: no skills given ──");
    assert!(mistake.contains("at least one skill"), "the refusal is shown: {mistake}");
    let one_line = section("joins in one line ──");
    assert!(one_line.contains("(only visible to") && one_line.contains("You're in"), "{one_line}");
}

#[test]
fn missing_or_malformed_settings_stop_start_up_with_one_line_naming_them() {
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[], "SLACK_BOT_TOKEN"),
        (&[("SLACK_BOT_TOKEN", "xoxb-1")], "SLACK_SIGNING_SECRET"),
        (
            &[("SLACK_BOT_TOKEN", "xoxb-1"), ("SLACK_SIGNING_SECRET", "s"), ("UPWARD_LISTEN", "nowhere")],
            "UPWARD_LISTEN",
        ),
        (
            &[("SLACK_BOT_TOKEN", "xoxb-secret-value"), ("SLACK_SIGNING_SECRET", "s"), ("UPWARD_OWNERS", "alice")],
            "UPWARD_OWNERS",
        ),
        (
            &[
                ("SLACK_BOT_TOKEN", "xoxb-1"),
                ("SLACK_SIGNING_SECRET", "s"),
                ("UPWARD_AGENDAS", "/no/such/agendas.json"),
            ],
            "UPWARD_AGENDAS",
        ),
    ];
    for (env, name) in cases {
        let output = upward().arg("serve").envs(env.iter().copied()).output().expect("the binary runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{name}: started anyway");
        assert!(stderr.contains(name), "{name}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
        assert!(!stderr.contains("xoxb-secret-value"), "tokens are never printed: {stderr}");
    }
}

#[tokio::test]
async fn status_prints_the_program_counts_as_json_and_as_a_table() {
    let app = spawn_app().await;
    app.ask(ALICE, "join mentor Figma").await;
    app.ask(BOB, "join mentee Figma").await;
    app.ask(BOB, "pause").await;
    let url = app.database_url.clone();
    let output = upward().args(["status", "--json"]).env("DATABASE_URL", &url).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        json,
        serde_json::json!({"program": "default", "participants": {"mentors": 1, "mentees": 1, "active": 1, "paused": 1, "left": 0},
                           "rounds": 0, "pairs": {"active": 0, "ended": 0}, "checkins": {"sent": 0, "answered": 0},
                           "meetings": 0, "reflections": 0, "stalled_pairs": 0, "at_risk_pairs": 0, "exits": 0,
                           "shared_exit_reasons": [], "first_sessions": 0,
                           "response_rate": null, "meetings_per_pair": null, "average_rating": null,
                           "top_skills": [], "unmatched": [], "dead_letters": 0, "trend": null,
                           "uplift": {"mentees": {}, "mentors": {}},
                           "sessions": {"asked": 0, "matched": 0, "held": 0, "unmet": 0,
                                        "median_minutes_to_mentor": null, "max_minutes_to_mentor": null, "by_skill": []},
                           "circles": {"size": null, "live": 0, "mentees": 0, "full": 0},
                           "projects": {"proposed": 0, "live": 0, "ended": 0, "reached": 0, "partly": 0,
                                        "not_reached": 0},
                           "onboarding": {"channel": null, "via_channel": {"invited": 0, "joined": 0},
                                          "last_import": null}})
    );
    let output = upward().args(["status", "--program", "default", "--database-url", &url]).output().unwrap();
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains("Program: default") && table.contains("paused           1"), "{table}");
    let output = upward().args(["status", "--program", "nope", "--database-url", &url]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no program called `nope`"));
}

/// `upward serve` as a real process: it answers Slack over HTTP with its background
/// workers, and SIGTERM stops it cleanly after the work in hand is done.
#[tokio::test]
async fn serve_runs_the_workers_and_stops_cleanly_on_sigterm() {
    use slack_sim::{Sim, SlackCaller};
    let sim = Sim::start(TOKEN).await.unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_upward"))
        .arg("serve")
        .env_clear()
        .env("SLACK_BOT_TOKEN", TOKEN)
        .env("SLACK_SIGNING_SECRET", SECRET)
        .env("SLACK_API_URL", sim.api_url())
        .env("DATABASE_URL", crate::helpers::fresh_database(dir.path(), "serve.db").await)
        .env("UPWARD_LISTEN", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // Wait for the bot to say it listens (its log goes to stderr).
    use tokio::io::AsyncBufReadExt;
    let mut stderr = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut log = String::new();
    while !log.contains("listening for Slack over HTTP") {
        let line = stderr.next_line().await.unwrap().expect("the bot exited before listening");
        log.push_str(&line);
        log.push('\n');
    }
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let slack = SlackCaller::new(addr, SECRET, sim.clone());
    let (answer, tag) = slack.command(ALICE, "join mentor Figma").await;
    assert_eq!(answer.status, 200);
    // The background dispatcher sends the answer without anyone driving it.
    loop {
        let n = sim.calls().len();
        if sim.delivered("response_url").iter().any(|a| a["response_url_tag"] == tag) {
            break;
        }
        sim.wait_for_calls(n + 1).await;
    }
    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().await.unwrap();
    while let Some(line) = stderr.next_line().await.unwrap() {
        log.push_str(&line);
        log.push('\n');
    }
    assert!(status.success(), "exit after SIGTERM: {status:?}\n{log}");
    assert!(log.contains("shutting down"), "{log}");
    assert!(!log.contains(TOKEN), "the token is never logged");
}

#[tokio::test]
async fn match_from_the_command_line_prints_json_and_queues_intros_unless_dry_run() {
    let app = spawn_app().await;
    app.ask(ALICE, "join mentor Figma, Excel").await;
    app.ask(BOB, "join mentee Figma").await;
    app.ask(OWNER, "join mentee Cobol").await;
    let url = app.database_url.clone();
    let run = |args: &[&str]| {
        let output = upward().arg("match").args(args).env("DATABASE_URL", &url).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice::<serde_json::Value>(&output.stdout).expect("JSON")
    };
    let dry = run(&["--dry-run", "--json"]);
    assert_eq!(dry["pairs"].as_array().unwrap().len(), 1);
    assert_eq!(dry["pairs"][0]["mentor"], ALICE);
    assert_eq!(dry["pairs"][0]["mentee"], BOB);
    assert!(dry["pairs"][0]["score"].as_i64().unwrap() > 0);
    assert!(dry["pairs"][0]["reasons"][0].as_str().unwrap().contains("Figma"));
    assert_eq!(dry["unmatched"][0]["user"], OWNER);
    assert!(dry["unmatched"][0]["reason"].as_str().unwrap().contains("no available mentor"));
    assert_eq!(dry["total_score"], dry["pairs"][0]["score"]);
    assert_eq!(dry["round"], serde_json::Value::Null);
    assert_eq!(app.count("SELECT COUNT(*) FROM rounds").await, 0, "a dry run stores nothing");

    let live = run(&["--json", "--program", "default"]);
    assert!(live["round"].as_i64().is_some());
    assert_eq!(app.count("SELECT COUNT(*) FROM pairs WHERE status = 'active'").await, 1);
    // The intro waits in the outbox for the bot's dispatcher.
    app.settle().await;
    assert_eq!(app.sent("conversations.open").len(), 1);
    let status = upward().args(["status", "--json"]).env("DATABASE_URL", &url).output().unwrap();
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!((status["rounds"].as_i64(), status["pairs"]["active"].as_i64()), (Some(1), Some(1)));
}

/// `upward import`: a dry run by default (nothing changes, every problem listed), then
/// `--apply`; other header names with `--columns`; a file it cannot read fails with
/// one line.
#[tokio::test]
async fn import_from_the_command_line_is_a_dry_run_until_apply() {
    let app = spawn_app().await;
    app.ask(ALICE, "join mentor Figma").await;
    app.sim.set_email(ALICE, "alice@example.com");
    app.sim.set_email(OWNER, "olga@example.com");
    let dir = tempfile::TempDir::new().unwrap();
    let file = dir.path().join("hr.csv");
    std::fs::write(&file, "Mail,Band,Boss\nalice@example.com,2,olga@example.com\nnobody@example.com,3,\n").unwrap();
    let url = app.database_url.clone();
    let api = app.sim.api_url();
    // Awaited, not blocking: the simulator answering it runs on this test's runtime.
    let run = |args: &[&str]| {
        let mut command = upward();
        command.arg("import").arg(&file).args(args);
        command.env("DATABASE_URL", &url).env("SLACK_BOT_TOKEN", TOKEN).env("SLACK_API_URL", &api);
        async move { tokio::process::Command::from(command).output().await.unwrap() }
    };
    let refused = run(&[]).await;
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("no email column"), "the headers are not the usual ones: {stderr}");

    let columns = ["--columns", "email=Mail,level=Band,manager_email=Boss"];
    let dry = run(&columns).await;
    let text = String::from_utf8_lossy(&dry.stdout);
    assert!(dry.status.success(), "{}", String::from_utf8_lossy(&dry.stderr));
    assert!(
        text.contains("Dry run of hr.csv") && text.contains("line 3: no one in Slack has nobody@example.com"),
        "{text}"
    );
    assert!(text.contains("run again with --apply"), "{text}");
    assert_eq!(app.count("SELECT COUNT(*) FROM participants WHERE level IS NOT NULL").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM imports").await, 0, "a dry run stores nothing");

    let applied = run(&[columns[0], columns[1], "--apply", "--json"]).await;
    assert!(applied.status.success(), "{}", String::from_utf8_lossy(&applied.stderr));
    let json: serde_json::Value = serde_json::from_slice(&applied.stdout).expect("JSON");
    assert_eq!(json["applied"], true);
    assert_eq!(
        json["plan"]["changes"][0]["after"],
        serde_json::json!({"level": 2, "department": null, "manager": OWNER})
    );
    assert_eq!(json["plan"]["problems"][0]["problem"], "unmatched");
    assert_eq!(app.count("SELECT COUNT(*) FROM participants WHERE level = 2").await, 1);
    let bad = run(&["--columns", "salary=Pay"]).await;
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a column"));
}
