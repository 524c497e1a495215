//! Slack's published Block Kit limits, checked on the wire payload: the JSON a message or
//! a view is sent as. One checker, read by both sides: the simulator refuses a payload
//! that breaks a limit with Slack's own `invalid_blocks` answer, and the bot's tests run
//! every builder through it, so a surface that would be refused in a large workspace is
//! caught in a test, not by a program owner.
//!
//! Slack counts characters, not bytes; so does this checker. The figures come from the
//! Block Kit reference (blocks, elements, composition objects) and the
//! `chat.postMessage`, `views.open` and `views.publish` method pages. Each problem is
//! reported with a JSON pointer to the offending field, in the form Slack writes into
//! `response_metadata.messages`.

use std::collections::HashSet;

use serde_json::Value;

/// Blocks in one message.
pub const MESSAGE_BLOCKS: usize = 50;
/// Blocks in one modal or App Home view.
pub const VIEW_BLOCKS: usize = 100;
/// A section's text, and any text object not limited more tightly.
pub const SECTION_TEXT: usize = 3000;
/// One of a section's fields.
pub const SECTION_FIELD: usize = 2000;
/// Fields in one section.
pub const SECTION_FIELDS: usize = 10;
/// A header's text.
pub const HEADER_TEXT: usize = 150;
/// A button's text.
pub const BUTTON_TEXT: usize = 75;
/// A button's value.
pub const BUTTON_VALUE: usize = 2000;
/// An `action_id`, a `block_id` or a view's `callback_id`.
pub const ID: usize = 255;
/// Options (or option groups) of one select menu.
pub const SELECT_OPTIONS: usize = 100;
/// An option's text.
pub const OPTION_TEXT: usize = 75;
/// An option's value.
pub const OPTION_VALUE: usize = 150;
/// Elements of one actions block.
pub const ACTIONS_ELEMENTS: usize = 25;
/// Elements of one context block.
pub const CONTEXT_ELEMENTS: usize = 10;
/// An input's label, and its hint.
pub const INPUT_LABEL: usize = 2000;
/// A select's or an input's placeholder.
pub const PLACEHOLDER: usize = 150;
/// A modal's title, and its submit and close buttons.
pub const MODAL_TITLE: usize = 24;
/// A view's `private_metadata`.
pub const PRIVATE_METADATA: usize = 3000;
/// The `text` fallback of a message (notifications, screen readers). Slack truncates
/// past 40,000 characters but advises 4,000; we hold ourselves to the advice.
pub const MESSAGE_TEXT: usize = 4000;

/// One broken limit: where (a JSON pointer into the payload) and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[ERROR] {problem} [json-pointer:{pointer}]")]
pub struct Violation {
    pub pointer: String,
    pub problem: String,
}

/// What a payload is, which decides its block budget and its own fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// `chat.postMessage`, `chat.postEphemeral`, an answer through a `response_url`.
    Message,
    /// A view (`views.open`, `views.update`, `views.publish`); its `type` says modal or home.
    View,
}

/// Every limit `payload` breaks, empty when Slack would accept it.
pub fn check(surface: Surface, payload: &Value) -> Vec<Violation> {
    let mut checker = Checker::default();
    match surface {
        Surface::Message => checker.message(payload),
        Surface::View => checker.view(payload),
    }
    checker.found
}

/// A payload's blocks, whether sent as a JSON array or (form-encoded) as a JSON string.
fn decoded(value: &Value) -> Value {
    match value {
        Value::String(text) => serde_json::from_str(text).unwrap_or(Value::Null),
        other => other.clone(),
    }
}

fn chars(value: &Value) -> usize {
    value.as_str().map_or(0, |s| s.chars().count())
}

#[derive(Default)]
struct Checker {
    found: Vec<Violation>,
}

impl Checker {
    fn flag(&mut self, pointer: &str, problem: impl Into<String>) {
        self.found.push(Violation { pointer: pointer.to_owned(), problem: problem.into() });
    }

    fn at_most(&mut self, pointer: &str, value: &Value, max: usize) {
        let n = chars(value);
        if n > max {
            self.flag(pointer, format!("must be at most {max} characters (is {n})"));
        }
    }

    fn count_at_most(&mut self, pointer: &str, items: &[Value], max: usize, what: &str) {
        if items.len() > max {
            self.flag(pointer, format!("must have at most {max} {what} (has {})", items.len()));
        }
    }

    fn message(&mut self, payload: &Value) {
        let text = &payload["text"];
        if text.as_str().is_none_or(|t| t.trim().is_empty()) {
            self.flag("/text", "a message needs a `text` fallback for notifications and screen readers");
        }
        self.at_most("/text", text, MESSAGE_TEXT);
        let blocks = decoded(&payload["blocks"]);
        self.blocks("/blocks", &blocks, MESSAGE_BLOCKS);
    }

    fn view(&mut self, payload: &Value) {
        let view = decoded(payload);
        if view["type"] == "modal" {
            for key in ["title", "submit", "close"] {
                self.at_most(&format!("/{key}/text"), &view[key]["text"], MODAL_TITLE);
            }
        }
        self.at_most("/private_metadata", &view["private_metadata"], PRIVATE_METADATA);
        self.at_most("/callback_id", &view["callback_id"], ID);
        self.blocks("/blocks", &view["blocks"], VIEW_BLOCKS);
    }

    fn blocks(&mut self, pointer: &str, blocks: &Value, max: usize) {
        let Some(blocks) = blocks.as_array() else { return };
        self.count_at_most(pointer, blocks, max, "blocks");
        let mut block_ids = HashSet::new();
        for (i, block) in blocks.iter().enumerate() {
            let at = format!("{pointer}/{i}");
            if let Some(id) = block["block_id"].as_str() {
                self.at_most(&format!("{at}/block_id"), &block["block_id"], ID);
                if !block_ids.insert(id) {
                    self.flag(&format!("{at}/block_id"), format!("`{id}` is used by another block"));
                }
            }
            self.block(&at, block);
        }
    }

    fn block(&mut self, at: &str, block: &Value) {
        match block["type"].as_str().unwrap_or_default() {
            "section" => {
                self.at_most(&format!("{at}/text/text"), &block["text"]["text"], SECTION_TEXT);
                if let Some(fields) = block["fields"].as_array() {
                    self.count_at_most(&format!("{at}/fields"), fields, SECTION_FIELDS, "fields");
                    for (i, field) in fields.iter().enumerate() {
                        self.at_most(&format!("{at}/fields/{i}/text"), &field["text"], SECTION_FIELD);
                    }
                }
                if block["accessory"].is_object() {
                    self.elements(at, std::slice::from_ref(&block["accessory"]), "accessory");
                }
            }
            "header" => self.at_most(&format!("{at}/text/text"), &block["text"]["text"], HEADER_TEXT),
            "context" => {
                let elements = block["elements"].as_array().map(Vec::as_slice).unwrap_or_default();
                self.count_at_most(&format!("{at}/elements"), elements, CONTEXT_ELEMENTS, "elements");
                for (i, element) in elements.iter().enumerate() {
                    self.at_most(&format!("{at}/elements/{i}/text"), &element["text"], SECTION_TEXT);
                }
            }
            "actions" => {
                let elements = block["elements"].as_array().map(Vec::as_slice).unwrap_or_default();
                self.count_at_most(&format!("{at}/elements"), elements, ACTIONS_ELEMENTS, "elements");
                self.elements(at, elements, "elements");
            }
            "input" => {
                self.at_most(&format!("{at}/label/text"), &block["label"]["text"], INPUT_LABEL);
                self.at_most(&format!("{at}/hint/text"), &block["hint"]["text"], INPUT_LABEL);
                self.elements(at, std::slice::from_ref(&block["element"]), "element");
            }
            _ => {}
        }
    }

    /// The interactive elements of one block; `action_id`s must differ within it.
    fn elements(&mut self, at: &str, elements: &[Value], key: &str) {
        let mut action_ids = HashSet::new();
        for (i, element) in elements.iter().enumerate() {
            let el = if key == "elements" { format!("{at}/{key}/{i}") } else { format!("{at}/{key}") };
            if let Some(id) = element["action_id"].as_str() {
                self.at_most(&format!("{el}/action_id"), &element["action_id"], ID);
                if !action_ids.insert(id) {
                    self.flag(&format!("{el}/action_id"), format!("`{id}` is used by another element of this block"));
                }
            }
            self.at_most(&format!("{el}/placeholder/text"), &element["placeholder"]["text"], PLACEHOLDER);
            if element["type"] == "button" {
                self.at_most(&format!("{el}/text/text"), &element["text"]["text"], BUTTON_TEXT);
                self.at_most(&format!("{el}/value"), &element["value"], BUTTON_VALUE);
            }
            for list in ["options", "option_groups", "initial_options"] {
                if let Some(options) = element[list].as_array() {
                    self.count_at_most(&format!("{el}/{list}"), options, SELECT_OPTIONS, list);
                    self.options(&format!("{el}/{list}"), options);
                }
            }
        }
    }

    fn options(&mut self, at: &str, options: &[Value]) {
        for (i, option) in options.iter().enumerate() {
            if let Some(nested) = option["options"].as_array() {
                self.count_at_most(&format!("{at}/{i}/options"), nested, SELECT_OPTIONS, "options");
                self.options(&format!("{at}/{i}/options"), nested);
                continue;
            }
            self.at_most(&format!("{at}/{i}/text/text"), &option["text"]["text"], OPTION_TEXT);
            self.at_most(&format!("{at}/{i}/value"), &option["value"], OPTION_VALUE);
        }
    }
}

/// Slack's answer to a refused payload: `invalid_blocks`, each problem in
/// `response_metadata.messages`.
pub fn refusal(violations: &[Violation]) -> Value {
    let messages: Vec<String> = violations.iter().map(ToString::to_string).collect();
    serde_json::json!({"ok": false, "error": "invalid_blocks", "response_metadata": {"messages": messages}})
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn section(text: &str) -> Value {
        json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    }

    fn message(blocks: Vec<Value>) -> Value {
        json!({"text": "fallback", "blocks": blocks})
    }

    #[test]
    fn a_plain_message_passes() {
        assert_eq!(check(Surface::Message, &message(vec![section("Hello")])), vec![]);
    }

    #[test]
    fn each_limit_is_found_where_it_is_broken() {
        let long = "x".repeat(SECTION_TEXT + 1);
        let found = check(Surface::Message, &message(vec![section("ok"), section(&long)]));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].pointer, "/blocks/1/text/text");
        assert_eq!(
            found[0].to_string(),
            "[ERROR] must be at most 3000 characters (is 3001) [json-pointer:/blocks/1/text/text]"
        );

        let blocks = vec![section("a"); MESSAGE_BLOCKS + 1];
        assert_eq!(check(Surface::Message, &message(blocks.clone()))[0].pointer, "/blocks");
        assert_eq!(check(Surface::View, &json!({"type": "home", "blocks": blocks})), vec![]);

        let header = json!({"type": "header", "text": {"type": "plain_text", "text": "h".repeat(151)}});
        assert_eq!(check(Surface::Message, &message(vec![header]))[0].pointer, "/blocks/0/text/text");
    }

    #[test]
    fn a_message_needs_a_short_text_fallback() {
        assert_eq!(check(Surface::Message, &json!({"blocks": []}))[0].pointer, "/text");
        assert_eq!(check(Surface::Message, &json!({"text": " ", "blocks": []})).len(), 1);
        assert_eq!(check(Surface::Message, &json!({"text": "é".repeat(MESSAGE_TEXT)})), vec![]);
        assert_eq!(check(Surface::Message, &json!({"text": "é".repeat(MESSAGE_TEXT + 1)})).len(), 1);
    }

    #[test]
    fn buttons_ids_and_their_uniqueness() {
        let button = |id: &str, text: &str| json!({"type": "button", "action_id": id, "text": {"type": "plain_text", "text": text}, "value": "1"});
        let twins = json!({"type": "actions", "elements": [button("a", "One"), button("a", "Two")]});
        let found = check(Surface::Message, &message(vec![twins]));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].pointer, "/blocks/0/elements/1/action_id");

        let long_text = json!({"type": "actions", "elements": [button("a", &"b".repeat(76))]});
        assert_eq!(check(Surface::Message, &message(vec![long_text]))[0].pointer, "/blocks/0/elements/0/text/text");

        let same_block = json!({"type": "divider", "block_id": "x"});
        let found = check(Surface::Message, &message(vec![same_block.clone(), same_block]));
        assert_eq!(found[0].pointer, "/blocks/1/block_id");
    }

    #[test]
    fn selects_modals_and_metadata() {
        let option =
            |i: usize| json!({"text": {"type": "plain_text", "text": format!("skill {i}")}, "value": i.to_string()});
        let select = |n: usize| {
            json!({"type": "input", "label": {"type": "plain_text", "text": "Skills"},
                   "element": {"type": "multi_static_select", "action_id": "s", "options": (0..n).map(option).collect::<Vec<_>>()}})
        };
        let modal = |title: &str, blocks: Vec<Value>, metadata: String| json!({"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": blocks, "private_metadata": metadata});
        assert_eq!(check(Surface::View, &modal("Join", vec![select(100)], String::new())), vec![]);
        let found = check(Surface::View, &modal("Join", vec![select(101)], String::new()));
        assert_eq!(found[0].pointer, "/blocks/0/element/options");
        let found = check(Surface::View, &modal(&"t".repeat(25), vec![], "m".repeat(3001)));
        let pointers: Vec<&str> = found.iter().map(|v| v.pointer.as_str()).collect();
        assert_eq!(pointers, ["/title/text", "/private_metadata"]);
        let as_string = Value::String(modal("Join", vec![select(101)], String::new()).to_string());
        assert_eq!(check(Surface::View, &as_string).len(), 1, "a view sent form-encoded is read too");
    }

    #[test]
    fn the_refusal_reads_like_slacks() {
        let refusal = refusal(&[Violation { pointer: "/blocks".into(), problem: "too many".into() }]);
        assert_eq!(refusal["error"], "invalid_blocks");
        assert_eq!(refusal["response_metadata"]["messages"][0], "[ERROR] too many [json-pointer:/blocks]");
    }
}
