//! Shared starting points: the programs most tests begin from, built once here through
//! the same slash commands a person would type, so every journey's tests start alike.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use upward::clock::ManualClock;

use crate::helpers::*;

pub const CAROL: &str = "U0CAROL01";
pub const DAN: &str = "U0DAN0001";
pub const MANAGER: &str = "U0MANAGER";

/// Wednesday 2 December 2026, noon UTC: when the given programs start.
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap()
}

/// Alice (Berlin, Engineering) can teach generative AI and prompting, Bob (New York,
/// Finance) wants to learn them; both have joined, nothing is matched yet. Carol, Dan
/// and their manager Mona are known to Slack (London) but have not joined.
pub async fn alice_and_bob_joined() -> (TestApp, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(start()));
    let app = spawn_app_at(clock.clone()).await;
    app.sim.add_user(CAROL, "Carol Senior", Some("Europe/London"));
    app.sim.add_user(DAN, "Dan Junior", Some("Europe/London"));
    app.sim.add_user(MANAGER, "Mona Manager", Some("Europe/London"));
    app.ask(OWNER, "skills add generative AI, prompting").await;
    app.ask(ALICE, "join mentor generative AI, prompting dept:Engineering").await;
    app.ask(BOB, "join mentee generative AI, prompting dept:Finance").await;
    (app, clock)
}

/// The owner previews and confirms a round.
pub async fn confirm_round(app: &TestApp) {
    app.ask(OWNER, "match").await;
    assert!(app.ask(OWNER, "match confirm").await.contains("Round confirmed"));
}

/// Alice teaches Bob: [`alice_and_bob_joined`], then a confirmed round, live at [`start`].
pub async fn live_pair() -> (TestApp, Arc<ManualClock>) {
    let (app, clock) = alice_and_bob_joined().await;
    confirm_round(&app).await;
    (app, clock)
}

/// Two pairs live from [`start`]: Alice teaches Bob generative AI, Carol teaches Dan
/// TikTok. Everyone works 09:00-17:00 in zones that overlap at 15:00 UTC.
pub async fn two_live_pairs() -> (TestApp, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(start()));
    let app = spawn_app_at(clock.clone()).await;
    app.sim.add_user(CAROL, "Carol Junior", Some("Europe/London"));
    app.sim.add_user(DAN, "Dan Senior", Some("Europe/Paris"));
    app.ask(OWNER, "skills add generative AI, TikTok, prompting").await;
    app.ask(ALICE, "join mentor generative AI dept:Engineering").await;
    app.ask(CAROL, "join mentor TikTok dept:Marketing").await;
    app.ask(BOB, "join mentee generative AI dept:Finance").await;
    app.ask(DAN, "join mentee TikTok dept:Legal").await;
    app.ask(OWNER, "match").await;
    assert!(app.ask(OWNER, "match confirm").await.contains("2 pairs are live"));
    (app, clock)
}
