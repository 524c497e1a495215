//! Property-based fuzzing of everything that reads what people or Slack send: the
//! command parser, the form decoders, the settings and configuration parsers, and the
//! reading of Slack's answers. Each target must never panic, and keeps its promises
//! (bounded echoes, no number folded into another field, `ok: true` is success).
//!
//! The case count is proptest's: 256 per target by default (quick, for CI). For a
//! long run, ten million cases per target:
//!
//! ```text
//! PROPTEST_CASES=10000000 cargo test --release --test fuzz
//! ```
//!
//! A failure is saved under `tests/fuzz.proptest-regressions` and replayed first on
//! every later run; a finding that matters also becomes a named test below.

use proptest::prelude::*;
use serde_json::{json, Value};
use slack_morphism::prelude::SlackStatefulView;
use upward::commands::parser::{parse, Command};
use upward::config::ServeArgs;
use upward::domain::settings::parse_setting;
use upward::slack::inbound::forms;
use upward::slack::messages::usage_error;
use upward::slack::raw::{interpret, Expect};
use upward::slack::SendError;

/// Words the parser knows, mixed with noise, so the search reaches deep branches.
fn command_text() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        Just("join".to_owned()),
        Just("mentor".to_owned()),
        Just("mentee".to_owned()),
        Just("level".to_owned()),
        Just("program".to_owned()),
        Just("create".to_owned()),
        Just("set".to_owned()),
        Just("schedule".to_owned()),
        Just("skills".to_owned()),
        Just("add".to_owned()),
        Just("pause".to_owned()),
        Just("kudos".to_owned()),
        Just("export".to_owned()),
        Just("owners".to_owned()),
        Just("<@U0ALEX|alex>".to_owned()),
        "program:[a-z0-9_-]{0,50}",
        "dept:\\PC{0,20}",
        "manager:\\PC{0,12}",
        "level:[-+0-9e.]{0,6}",
        "[-+]?[0-9]{1,5}(e[0-9])?",
        "\\PC{0,30}",
        ",",
    ];
    prop::collection::vec(word, 0..12).prop_map(|words| words.join(" "))
}

/// Whether `tags` hold a "level" followed by a number: a level folded into a skill.
fn folded_level(tags: &[String]) -> bool {
    tags.iter().any(|tag| {
        let words: Vec<&str> = tag.split_whitespace().collect();
        words.windows(2).any(|w| {
            w[0].eq_ignore_ascii_case("level")
                && w[1].starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+')
                && w[1].trim_end_matches(',').parse::<f64>().is_ok()
        })
    })
}

/// A view with arbitrary private metadata and state, as a crafted submission could be.
fn stateful_view(metadata: String, values: Value) -> Option<SlackStatefulView> {
    let view = json!({
        "id": "V1", "team_id": "T0001", "type": "modal", "hash": "h",
        "title": {"type": "plain_text", "text": "t"}, "blocks": [],
        "private_metadata": metadata, "callback_id": "c",
        "state": {"values": values}
    });
    serde_json::from_value(view).ok()
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,16}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Form state shaped like Slack's: block id → action id → a value object.
fn form_values() -> impl Strategy<Value = Value> {
    let block = prop_oneof![
        Just("role"),
        Just("teach"),
        Just("learn"),
        Just("teach_tags"),
        Just("learn_tags"),
        Just("department"),
        Just("goals"),
        Just("level"),
        Just("learned"),
        Just("taught"),
        Just("rating"),
        Just("visibility"),
        Just("session_skills"),
        Just("exit_reason"),
        Just("exit_share"),
        Just("goal"),
        Just("confidence"),
    ];
    let action = prop_oneof![
        json_value(),
        "\\PC{0,40}".prop_map(|v| json!({"type": "plain_text_input", "value": v})),
        "\\PC{0,10}".prop_map(|v| json!({"type": "static_select", "selected_option":
            {"text": {"type": "plain_text", "text": v}, "value": v}})),
    ];
    prop::collection::btree_map(block, action, 0..8)
        .prop_map(|blocks| Value::Object(blocks.into_iter().map(|(b, a)| (b.to_owned(), json!({"act": a}))).collect()))
}

proptest! {
    #[test]
    fn the_command_parser_never_panics_bounds_its_echoes_and_folds_no_level(text in command_text()) {
        match parse(&text) {
            Ok(Command::Join { line: Some(line), .. }) => {
                prop_assert!(!folded_level(&line.tags), "{text:?} → {:?}", line.tags);
            }
            Ok(_) => {}
            Err(e) => {
                let message = usage_error(&e.problem, e.usage);
                let blocks = serde_json::to_value(&message.blocks).unwrap();
                for block in blocks.as_array().unwrap() {
                    prop_assert!(block["text"]["text"].as_str().unwrap_or_default().chars().count() <= 3_000);
                }
            }
        }
    }

    #[test]
    fn the_command_parser_never_panics_on_any_text(text in "\\PC{0,300}") {
        let _ = parse(&text);
    }

    #[test]
    fn form_decoders_never_panic(metadata in "\\PC{0,40}|pair=-?[0-9]{1,20}(;checkin=-?[0-9]{1,20})?", values in form_values()) {
        if let Some(view) = stateful_view(metadata, values) {
            let _ = forms::join(&view);
            let _ = forms::reflection(&view);
            let _ = forms::exit(&view);
            let _ = forms::goal(&view);
            let _ = forms::confidence(&view);
        }
    }

    #[test]
    fn settings_parsing_never_panics_and_bounds_its_errors(key in "\\PC{0,20}|capacity|weights|schedule|digest|window|every|timezone|min-gap", value in "\\PC{0,200}") {
        if let Err(problem) = parse_setting(&key, &value) {
            prop_assert!(problem.chars().count() < 1_000, "{problem}");
        }
    }

    #[test]
    fn configuration_parsing_never_panics(
        token in "(xoxb-)?\\PC{0,20}", url in "\\PC{0,30}", listen in "\\PC{0,20}", owners in "\\PC{0,30}",
        retry in "\\PC{0,8}", retention in "\\PC{0,8}", conns in "\\PC{0,8}", header in "\\PC{0,8}",
    ) {
        let args = ServeArgs {
            slack_bot_token: Some(token),
            slack_signing_secret: Some("s".into()),
            slack_api_url: Some(url),
            listen: Some(listen),
            owners: Some(owners),
            retry_hours: Some(retry),
            retention_days: Some(retention),
            max_connections: Some(conns),
            header_timeout_ms: Some(header),
            ..ServeArgs::default()
        };
        let _ = args.into_config();
    }

    #[test]
    fn any_answer_with_ok_true_is_a_success(status in 100u16..600, extra in json_value(), noise in prop::collection::vec(any::<u8>(), 0..64)) {
        let status = axum::http::StatusCode::from_u16(status).unwrap();
        let mut body = json!({"ok": true});
        if let Value::Object(map) = extra { body.as_object_mut().unwrap().extend(map.into_iter().filter(|(k, _)| k != "ok" && k != "error")); }
        let outcome = interpret(status, None, body.to_string().as_bytes(), Expect::Api);
        if status != axum::http::StatusCode::TOO_MANY_REQUESTS {
            prop_assert!(outcome.is_ok(), "{status} {body} → {outcome:?}");
        }
        // Whatever the bytes, reading them never panics, and a refusal is never a success.
        let _ = interpret(status, None, &noise, Expect::Api);
        let refused = interpret(status, None, br#"{"ok":false,"error":"x"}"#, Expect::Api);
        prop_assert!(refused.is_err());
        prop_assert!(!matches!(refused, Err(SendError::Ambiguous(_))));
    }
}

/// Regression: "level" and an out-of-range number were once stored as a skill.
#[test]
fn regression_level_256_is_refused_not_stored_as_a_skill() {
    let problem = parse("join mentor genai level 256").unwrap_err().problem;
    assert!(problem.starts_with("level must be 1–12"), "{problem}");
}

/// The form fuzzing reaches the decoders: a view shaped like Slack's deserialises.
#[test]
fn the_generated_views_deserialise() {
    let values = json!({"rating": {"act": {"type": "static_select",
        "selected_option": {"text": {"type": "plain_text", "text": "5"}, "value": "5"}}}});
    let view = stateful_view("pair=1;checkin=2".into(), values).expect("a view");
    let (pair, checkin, reflection) = forms::reflection(&view).expect("a rating is enough");
    assert_eq!((pair, checkin, reflection.rating), (1, Some(2), 5));
}
