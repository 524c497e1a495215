//! Files through Slack's external upload flow: an export delivered into a person's DM,
//! a failure half-way retried without showing the file twice, and the owners' chart in
//! App Home. Rows go in through the store, as a handler would write them, and out
//! through the running bot's dispatcher, against the simulator.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeZone;
use secrecy::SecretString;
use serde_json::{json, Value};
use slack_limits::{Rate, RateLimits};
use slack_morphism::prelude::*;
use slack_sim::{Fault, Sim, Upload};
use upward::clock::ManualClock;
use upward::domain::outbound::Outbound;
use upward::domain::outbound::{encode_file, CHART_BLOCK};
use upward::report::{weekly_png, WeekPoint};
use upward::slack::client::Share;
use upward::slack::{SendError, SlackApi};

use crate::helpers::*;

const CSV: &[u8] = b"week,meetings,average_rating\n2026-03-02,7,4.5\n2026-03-09,5,\n";

fn export(user: &str) -> Outbound {
    Outbound::UploadFile {
        user: user.to_owned(),
        filename: "sessions.csv".to_owned(),
        title: "Sessions per week".to_owned(),
        comment: "Here is the export you asked for.".to_owned(),
        content_b64: encode_file(CSV),
    }
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 3, 16, 9, 0, 0).unwrap()))
}

/// Queues `messages` in one transaction, as a handler would.
async fn queue(app: &TestApp, messages: &[Outbound]) {
    let store = &app.running.ctx.store;
    let mut tx = store.begin(app.running.ctx.clock.now().timestamp()).await.unwrap();
    for message in messages {
        tx.enqueue(message).unwrap();
    }
    tx.commit().await.unwrap();
}

/// The app's DM with `user`, as the simulator names it.
fn dm_of(app: &TestApp, user: &str) -> String {
    let opened = app.sent("conversations.open");
    let asked = opened.iter().any(|call| call["users"] == json!([user]) || call["users"] == user);
    assert!(asked, "a DM with {user} alone was opened: {opened:?}");
    format!("D{}", user.trim_start_matches('U'))
}

#[tokio::test]
async fn an_export_arrives_in_the_persons_dm_with_its_title_and_comment() {
    let app = spawn_app().await;
    queue(&app, &[export(OWNER)]).await;
    app.settle().await;

    let uploads = app.sim.uploads();
    let channel = dm_of(&app, OWNER);
    assert_eq!(
        uploads,
        [Upload {
            file_id: uploads[0].file_id.clone(),
            filename: "sessions.csv".to_owned(),
            title: Some("Sessions per week".to_owned()),
            channel: Some(channel.clone()),
            comment: Some("Here is the export you asked for.".to_owned()),
            bytes: CSV.to_vec(),
        }]
    );
    let ticket = &app.sent("files.getUploadURLExternal")[0];
    assert_eq!(ticket["filename"], "sessions.csv");
    assert_eq!(ticket["length"], CSV.len().to_string(), "Slack is told the size before the bytes");
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").await, 0);

    // The DM is kept: the next file to the same person skips conversations.open.
    queue(&app, &[export(OWNER)]).await;
    app.settle().await;
    assert_eq!(app.sent("conversations.open").len(), 1);
    assert_eq!(app.sim.uploads().iter().filter(|u| u.channel.as_deref() == Some(channel.as_str())).count(), 2);
}

#[tokio::test]
async fn a_failed_completion_is_retried_from_the_start_and_the_file_shows_once() {
    let clock = clock();
    let app = spawn_app_at(clock.clone()).await;
    app.sim.fail("files.completeUploadExternal", Fault::ServerError, 1);
    queue(&app, &[export(ALICE)]).await;
    app.settle().await;
    assert!(app.sim.uploads().is_empty(), "nothing shows before a completion answers ok");
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL").await, 1);

    clock.advance(chrono::Duration::minutes(5));
    app.settle().await;
    let uploads = app.sim.uploads();
    assert_eq!(uploads.len(), 1, "{uploads:?}");
    assert_eq!(uploads[0].bytes, CSV);
    assert_eq!(app.sent("files.getUploadURLExternal").len(), 2, "the retry starts with a new upload URL");
    assert_eq!(app.sent("files.completeUploadExternal").len(), 1, "completed once");
    assert_eq!(app.count("SELECT attempts FROM outbox").await, 2);

    clock.advance(chrono::Duration::hours(1));
    app.settle().await;
    assert_eq!(app.sim.uploads().len(), 1, "a sent row is never completed again");
}

#[tokio::test]
async fn a_failure_at_the_upload_url_is_retried_like_any_transient_failure() {
    let clock = clock();
    let app = spawn_app_at(clock.clone()).await;
    app.sim.fail(slack_sim::UPLOAD, Fault::ServerError, 1);
    queue(&app, &[export(ALICE)]).await;
    app.settle().await;
    assert!(app.sim.uploads().is_empty());
    assert!(app.sent("files.completeUploadExternal").is_empty(), "no completion without the bytes");
    clock.advance(chrono::Duration::minutes(5));
    app.settle().await;
    assert_eq!(app.sim.uploads().len(), 1);
}

fn home_view(blocks: Vec<SlackBlock>) -> SlackView {
    SlackView::Home(SlackHomeView::new(blocks))
}

fn section(text: &str) -> SlackBlock {
    SlackSectionBlock::new().with_text(md!("{}", text)).into()
}

fn chart() -> Vec<u8> {
    let week = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    weekly_png(&[WeekPoint { week, meetings: 4, average_rating: Some(4.2) }]).unwrap()
}

/// The blocks of the last home view published for `user`.
fn published_blocks(app: &TestApp, user: &str) -> Vec<Value> {
    let call = app.sent("views.publish").into_iter().rev().find(|v| v["user_id"] == user).expect("a home view");
    let view = match &call["view"] {
        Value::String(text) => serde_json::from_str(text).unwrap(),
        view => view.clone(),
    };
    view["blocks"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_home_with_a_chart_shows_the_uploaded_file_in_its_owner_chart_block() {
    let app = spawn_app().await;
    let png = chart();
    let home = Outbound::PublishHome {
        user: OWNER.to_owned(),
        view: home_view(vec![section("*Program owners*"), section("Figures")]),
        chart_png_b64: Some(encode_file(&png)),
        chart_hash: None,
        chart_file: None,
    };
    queue(&app, &[home]).await;
    app.settle().await;

    let uploads = app.sim.uploads();
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0].channel, None, "the chart is private to the app");
    assert_eq!(uploads[0].bytes, png);
    assert!(app.sent("conversations.open").is_empty(), "a private file needs no DM");
    let blocks = published_blocks(&app, OWNER);
    assert_eq!(blocks.len(), 3, "appended after the view's own blocks: {blocks:?}");
    let image = &blocks[2];
    assert_eq!(image["type"], "image");
    assert_eq!(image["block_id"], CHART_BLOCK);
    assert_eq!(image["slack_file"], json!({"id": uploads[0].file_id}));
    assert!(image["alt_text"].as_str().is_some_and(|alt| !alt.is_empty()));
}

#[tokio::test]
async fn the_chart_takes_the_place_the_view_kept_for_it_and_a_plain_home_is_unchanged() {
    let app = spawn_app().await;
    let placeholder: SlackBlock =
        SlackSectionBlock::new().with_block_id(CHART_BLOCK.into()).with_text(md!("The chart is on its way.")).into();
    let blocks = vec![section("*Program owners*"), placeholder, section("Figures")];
    let with_chart = Outbound::PublishHome {
        user: OWNER.to_owned(),
        view: home_view(blocks.clone()),
        chart_png_b64: Some(encode_file(&chart())),
        chart_hash: None,
        chart_file: None,
    };
    let plain = Outbound::PublishHome {
        user: ALICE.to_owned(),
        view: home_view(blocks),
        chart_png_b64: None,
        chart_hash: None,
        chart_file: None,
    };
    queue(&app, &[with_chart, plain]).await;
    app.settle().await;

    let owner = published_blocks(&app, OWNER);
    assert_eq!(owner.len(), 3);
    assert_eq!((owner[1]["type"].as_str(), owner[1]["block_id"].as_str()), (Some("image"), Some(CHART_BLOCK)));
    assert_eq!(owner[1]["slack_file"]["id"].as_str(), Some(app.sim.uploads()[0].file_id.as_str()));
    let alice = published_blocks(&app, ALICE);
    assert_eq!(alice[1]["type"], "section", "no chart, no change: {alice:?}");
    assert_eq!(app.sim.uploads().len(), 1, "only the owner's home uploaded anything");
}

#[tokio::test]
async fn the_simulator_holds_uploads_to_their_tier_and_refuses_a_user_id_as_channel() {
    let sim = Sim::start(TOKEN).await.unwrap();
    let slack = SlackApi::new(&sim.api_url(), &SecretString::from(TOKEN)).unwrap();
    let into_user = Share::Into { channel: ALICE, comment: "hi" };
    let refused = slack.upload("a.csv", "A", CSV.to_vec(), into_user).await.unwrap_err();
    assert_eq!(refused, SendError::Permanent("invalid_arguments".to_owned()), "Slack wants a D id, not a user id");

    sim.enforce(RateLimits {
        methods: vec![("files.getUploadURLExternal", Rate { interval: Duration::from_secs(60), burst: 1 })],
        ..RateLimits::slack()
    });
    slack.upload("b.csv", "B", CSV.to_vec(), Share::Private).await.unwrap();
    let refused = slack.upload("c.csv", "C", CSV.to_vec(), Share::Private).await.unwrap_err();
    assert!(matches!(refused, SendError::RateLimited { retry_after: Some(_) }), "{refused:?}");
    let names: Vec<String> = sim.uploads().into_iter().map(|u| u.filename).collect();
    assert_eq!(names, ["b.csv"], "only completed uploads are files");
}
