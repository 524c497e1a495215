//! What the bot says when things went wrong out of people's sight: an owner told that
//! Slack has been refusing messages for a while, and a person told that what they
//! submitted could not be handled.

use super::{reply, Message};

/// To each owner, once per backlog: messages have been waiting longer than `hours`.
pub fn backlog_alert(waiting: i64, hours: i64) -> Message {
    let plural = if waiting == 1 { "message has" } else { "messages have" };
    reply(format!(
        ":warning: {waiting} {plural} been waiting more than {hours} h to reach Slack, which keeps failing. \
         Nothing is lost: the bot keeps retrying for a day, and `upward outbox retry` re-drives them by hand."
    ))
}

/// To the author of a request the bot failed on for good.
pub fn request_failed() -> Message {
    reply(
        "Sorry, I could not handle that, even after several tries, and nothing was changed. \
         Please try again later; if it keeps happening, tell a program owner.",
    )
}

/// A button of a pair that has ended: nothing is recorded, and nobody is blamed.
pub fn pair_has_ended() -> Message {
    reply("This pair has ended, so there is nothing to record here. Thank you for the time you spent together!")
}
