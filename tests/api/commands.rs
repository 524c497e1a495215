//! Every `/mentoring` subcommand and its errors, through the real HTTP edge.

use chrono::{Days, Utc};

use crate::helpers::*;

#[tokio::test]
async fn help_empty_and_unknown_words_answer_with_the_guide() {
    let app = spawn_app().await;
    for text in ["help", "", "dance please"] {
        let answer = app.ask(ALICE, text).await;
        assert!(answer.contains("`/mentoring join`: sign up"), "`{text}`: {answer}");
        assert!(answer.contains("/mentoring pause [YYYY-MM-DD]"), "`{text}`: {answer}");
        assert!(
            !answer.contains("For program owners") && !answer.contains("/mentoring match"),
            "members' help is short: {answer}"
        );
    }
    let owners = app.ask(OWNER, "help").await;
    assert!(owners.contains("*For program owners*") && owners.contains("`/mentoring match`"), "{owners}");
    assert!(app.ask(ALICE, "dance please").await.contains("I don't know `dance`"));
    assert_eq!(app.count("SELECT COUNT(*) FROM participants").await, 0);
}

#[tokio::test]
async fn one_line_join_stores_the_profile_and_the_time_zone_from_slack() {
    let app = spawn_app().await;
    let answer = app.ask(ALICE, "join mentor generative AI, TikTok, generative ai").await;
    assert!(answer.contains("Welcome to *default*"), "{answer}");
    assert!(answer.contains("Europe/Berlin"), "the time zone comes from users.info: {answer}");
    let (role, status, teach, learn, _) = app.participant(ALICE).await.expect("stored");
    assert_eq!((role.as_str(), status.as_str()), ("mentor", "active"));
    assert_eq!(teach, r#"["generative AI","TikTok"]"#, "deduplicated, first spelling kept");
    assert_eq!(learn, "[]");

    app.ask(BOB, "join mentee TikTok").await;
    let answer = app.ask(BOB, "profile").await;
    assert!(answer.contains("*Wants to learn:* TikTok") && answer.contains("America/New_York"), "{answer}");
    app.ask(BOB, "profile").await;
    let lookups = app.sent("users.info").iter().filter(|a| a["user"] == BOB).count();
    assert_eq!(lookups, 1, "the time zone is cached");
}

#[tokio::test]
async fn catalogue_spelling_wins_and_a_second_join_updates() {
    let app = spawn_app().await;
    app.ask(OWNER, "skills add Generative AI, Figma").await;
    app.ask(ALICE, "join mentor generative ai").await;
    let answer = app.ask(ALICE, "join mentor figma, Notion").await;
    assert!(answer.contains("updated"), "{answer}");
    let (_, _, teach, ..) = app.participant(ALICE).await.unwrap();
    assert_eq!(teach, r#"["Figma","Notion"]"#);
    assert_eq!(app.count("SELECT COUNT(*) FROM participants").await, 1);
}

#[tokio::test]
async fn bad_joins_are_explained_and_store_nothing() {
    let app = spawn_app().await;
    let cases = [
        ("join wizard magic", "`wizard` is not a role"),
        ("join mentor", "at least one skill you want to teach"),
        ("join mentee ,, ,", "at least one skill you want to learn"),
        ("join both AI", "use the form"),
        ("join mentor AI program:nope", "no program called `nope`"),
    ];
    for (text, expected) in cases {
        let answer = app.ask(ALICE, text).await;
        assert!(answer.contains(expected), "`{text}`: {answer}");
        assert!(answer.contains("Usage") || text.contains("nope"), "`{text}` shows the usage: {answer}");
    }
    let long = format!("join mentor {}", "x".repeat(200));
    assert!(app.ask(ALICE, &long).await.contains("at most"));
    assert_eq!(app.count("SELECT COUNT(*) FROM participants").await, 0);
}

#[tokio::test]
async fn pause_resume_and_leave() {
    let app = spawn_app().await;
    app.ask(BOB, "join mentee generative AI").await;
    let until = (Utc::now().date_naive() + Days::new(14)).format("%Y-%m-%d").to_string();
    let answer = app.ask(BOB, &format!("pause {until}")).await;
    assert!(answer.contains(&format!("until {until}")), "{answer}");
    let (_, status, _, _, paused_until) = app.participant(BOB).await.unwrap();
    assert_eq!((status.as_str(), paused_until.as_deref()), ("paused", Some(until.as_str())));

    assert!(app.ask(BOB, "pause").await.contains("until you run `/mentoring resume`"), "a new pause replaces the date");
    assert_eq!(app.participant(BOB).await.unwrap().4, None);
    assert!(app.ask(BOB, "pause").await.contains("already paused"));
    assert!(app.ask(BOB, "resume").await.contains("Welcome back"));
    assert_eq!(app.participant(BOB).await.unwrap().1, "active");
    assert!(app.ask(BOB, "resume").await.contains("already active"));

    let answer = app.ask(BOB, "leave").await;
    assert!(answer.contains("You've left *default*") && answer.contains("anonymous counts"), "{answer}");
    let (_, status, _, learn, _) = app.participant(BOB).await.expect("the history is kept");
    assert_eq!((status.as_str(), learn.as_str()), ("left", r#"["generative AI"]"#));
    assert!(app.ask(BOB, "profile").await.contains("left the program"));
}

#[tokio::test]
async fn pause_dates_in_the_past_or_malformed_are_refused() {
    let app = spawn_app().await;
    app.ask(BOB, "join mentee generative AI").await;
    let yesterday = (Utc::now().date_naive() - Days::new(1)).format("%Y-%m-%d").to_string();
    let before = app.snapshot().await;
    assert!(app.ask(BOB, &format!("pause {yesterday}")).await.contains("is in the past"));
    assert!(app.ask(BOB, "pause next week").await.contains("is not a date"));
    assert!(app.ask(BOB, "pause 2099-01-01").await.contains("more than a year"));
    let after = app.snapshot().await;
    // Only the inbox and outbox grew (the requests and their answers).
    let people = |rows: &[String]| {
        rows.iter().filter(|r| r.starts_with('(') || r.starts_with("participants")).cloned().collect::<Vec<_>>()
    };
    assert_eq!(people(&before), people(&after));
    assert_eq!(app.participant(BOB).await.unwrap().1, "active");
}

#[tokio::test]
async fn membership_commands_before_joining_say_how_to_join() {
    let app = spawn_app().await;
    for text in ["pause", "resume", "leave"] {
        assert!(app.ask(ALICE, text).await.contains("`/mentoring join`"), "{text}");
    }
    assert!(app.ask(ALICE, "profile").await.contains("haven't joined"));
}

#[tokio::test]
async fn owner_commands_are_refused_to_others_and_change_nothing() {
    let app = spawn_app().await;
    let before = app.snapshot().await;
    for text in ["program create pilot", "program list", "skills add AI"] {
        let answer = app.ask(ALICE, text).await;
        assert!(answer.contains("only program owners"), "{text}: {answer}");
    }
    let rows = |rows: Vec<String>| {
        rows.into_iter().filter(|r| !r.starts_with("inbox") && !r.starts_with("outbox")).collect::<Vec<_>>()
    };
    assert_eq!(rows(before), rows(app.snapshot().await));
}

#[tokio::test]
async fn owners_create_programs_list_them_and_fill_catalogues() {
    let app = spawn_app().await;
    assert!(app.ask(OWNER, "program create pilot-2027").await.contains("Program *pilot-2027* is created"));
    assert!(app.ask(OWNER, "program create Pilot-2027").await.contains("already exists"));
    assert!(app.ask(OWNER, "program create two *bold* words").await.contains("can't be a program name"));
    assert!(app.ask(OWNER, "program create").await.contains("Give the new program a name"));

    // With two programs, a command must say which.
    let answer = app.ask(OWNER, "skills add AI");
    assert!(answer.await.contains("several programs"));
    let answer = app.ask(OWNER, "skills add Generative AI, Figma program:pilot-2027").await;
    assert!(answer.contains("Added 2 skills to *pilot-2027*: Generative AI, Figma."), "{answer}");
    assert!(app.ask(OWNER, "skills add figma program:pilot-2027").await.contains("already in the catalogue"));
    let skills = app.count("SELECT COUNT(*) FROM program_skills").await;
    assert_eq!(skills, 2);

    app.ask(ALICE, "join mentor Figma program:pilot-2027").await;
    app.ask(BOB, "join mentee Figma program:default").await;
    // Someone in exactly one program needs no program name.
    assert!(app.ask(ALICE, "pause").await.contains("paused in *pilot-2027*"));
    let renamed = app.ask(OWNER, "program rename finance program:default").await;
    assert!(renamed.contains("Program `default` is now called *finance*"), "{renamed}");
    assert!(app.ask(OWNER, "program rename pilot-2027 program:finance").await.contains("already exists"));
    assert!(app.ask(ALICE, "program rename mine program:finance").await.contains("only program owners"));
    let list = app.ask(OWNER, "program list").await;
    assert!(list.contains("*finance*: 0 mentors, 1 mentee (1 active, 0 paused, 0 left)"), "{list}");
    assert!(app.ask(BOB, "profile").await.contains("*Program:* finance"), "Bob's membership moved with the name");
    assert!(list.contains("*pilot-2027*: 1 mentor, 0 mentees (0 active, 1 paused, 0 left)"), "{list}");

    // A display name with spaces; commands name the program by the handle made from it,
    // or by the display name itself where no option syntax is needed.
    let renamed = app.ask(OWNER, "program rename Finance reverse mentoring (2027) program:finance").await;
    assert!(renamed.contains("is now called *Finance reverse mentoring (2027)*"), "{renamed}");
    assert!(renamed.contains("`program:finance-reverse-mentoring-2027`"), "{renamed}");
    let answer = app.ask(OWNER, "skills add Excel program:finance-reverse-mentoring-2027").await;
    assert!(answer.contains("to *Finance reverse mentoring (2027)*"), "{answer}");
    assert!(app.ask(BOB, "profile").await.contains("*Program:* Finance reverse mentoring (2027)"));
    let taken = app.ask(OWNER, "program create Pilot 2027").await;
    assert!(taken.contains("already exists"), "its handle pilot-2027 is taken: {taken}");
}
