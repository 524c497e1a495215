//! `manifest.yml` agrees with the code: the command, events, transports and scopes
//! the bot uses. (Its shape is checked against Slack's schema by
//! `scripts/validate-manifest.py`.)

use upward::slack::inbound::COMMAND;

fn manifest() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/manifest.yml")).expect("manifest.yml")
}

/// The list items under `key:` (one level of YAML, as the manifest writes them).
fn list_under(text: &str, key: &str) -> Vec<String> {
    let mut lines = text.lines().skip_while(|l| l.trim() != format!("{key}:")).skip(1);
    let mut items = Vec::new();
    for line in lines.by_ref() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        match line.strip_prefix("- ") {
            Some(item) => items.push(item.to_owned()),
            None => break,
        }
    }
    items
}

#[test]
fn the_manifest_declares_what_the_bot_uses_and_nothing_more() {
    let text = manifest();
    assert!(text.contains(&format!("- command: {COMMAND}")));
    // user_change and team_join keep the cached directory (time zones, names) fresh.
    // file_shared: an owner's org chart in the app's DM; member_joined_channel and
    // member_left_channel: channel opt-in.
    assert_eq!(
        list_under(&text, "bot_events"),
        ["app_home_opened", "user_change", "team_join", "file_shared", "member_joined_channel", "member_left_channel"]
    );
    // commands: /mentoring; chat:write: chat.postMessage and response_url answers;
    // mpim:write: conversations.open for a pair; users:read: users.list and users.info
    // for time zones and names, and the user events;
    // im:write: conversations.open for one person's DM, where files go; files:write:
    // the external upload flow (files.getUploadURLExternal, files.completeUploadExternal);
    // users:read.email: users.lookupByEmail and emails in users.list (the import);
    // files:read: the uploaded org chart (file_shared, files.info, its download);
    // channels:read, groups:read: member events of public and private channels.
    let mut scopes = list_under(&text, "bot");
    scopes.sort();
    assert_eq!(
        scopes,
        [
            "channels:read",
            "chat:write",
            "commands",
            "files:read",
            "files:write",
            "groups:read",
            "im:write",
            "mpim:write",
            "users:read",
            "users:read.email"
        ]
    );
    // Mentions arrive as `<@U…|name>` (people in commands); skill searches load their options.
    assert!(text.contains("should_escape: true"), "commands must receive escaped mentions");
    assert!(text.contains("message_menu_options_url: https://upward.example.com/slack/interactivity"));
    for setting in ["home_tab_enabled: true", "socket_mode_enabled: true", "is_enabled: true"] {
        assert!(text.contains(setting), "{setting}");
    }
    for path in ["/slack/events", "/slack/commands", "/slack/interactivity"] {
        assert!(text.contains(&format!("https://upward.example.com{path}")), "{path}");
    }
}
