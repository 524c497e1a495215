//! Every Block Kit surface as a snapshot of its wire JSON (`snapshots/`), built for a
//! small program whose names and texts are fixed: a change of wording or layout shows
//! in review as a diff of what Slack receives.

use super::scale_tests::{surfaces, World};

/// A surface's name as a snapshot file name.
fn file_name(surface: &str) -> String {
    surface.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

#[test]
fn every_surface_as_slack_receives_it() {
    let w = World { skills: 4, programs: 2, people: 6, name_len: 4, text_share: 0.1 };
    let (messages, views) = surfaces(&w);
    for (name, message) in messages {
        let wire = serde_json::json!({"text": message.text, "blocks": message.blocks});
        insta::assert_snapshot!(file_name(name), serde_json::to_string_pretty(&wire).expect("JSON"));
    }
    for (name, view) in views {
        insta::assert_snapshot!(file_name(name), serde_json::to_string_pretty(&view).expect("JSON"));
    }
}
