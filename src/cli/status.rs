//! `upward status`'s readable output.

use crate::domain::status::ProgramStatus;

/// The readable form of [`ProgramStatus`].
pub fn table(status: &ProgramStatus) -> String {
    let c = &status.participants;
    let rows = [
        ("mentors", c.mentors as i64),
        ("mentees", c.mentees as i64),
        ("active", c.active as i64),
        ("paused", c.paused as i64),
        ("left", c.left as i64),
        ("rounds", status.rounds),
        ("pairs", status.pairs.active),
        ("ended", status.pairs.ended),
        ("check-ins", status.checkins.sent as i64),
        ("answered", status.checkins.answered as i64),
        ("meetings", status.meetings as i64),
        ("reflections", status.reflections as i64),
        ("stalled", status.stalled_pairs as i64),
        ("first met", status.first_sessions as i64),
        ("dead", status.dead_letters),
        ("circles", status.circles.live as i64),
        ("in circles", status.circles.mentees as i64),
        ("projects", status.projects.live as i64),
        ("projects end", status.projects.ended as i64),
        ("sessions", status.sessions.asked as i64),
        ("matched", status.sessions.matched as i64),
        ("held", status.sessions.held as i64),
        ("unmet", status.sessions.unmet as i64),
    ];
    let mut out = format!("Program: {}\n", status.program);
    for (name, value) in rows {
        out.push_str(&format!("  {name:<12}{value:>6}\n"));
    }
    let figure = |v: Option<f64>| v.map_or("-".to_owned(), |v| v.to_string());
    out.push_str(&format!("  {:<12}{:>6}\n", "response", figure(status.response_rate)));
    out.push_str(&format!("  {:<12}{:>6}\n", "rating", figure(status.average_rating)));
    for skill in &status.sessions.by_skill {
        out.push_str(&format!(
            "  sessions on {}: {} asked, {} matched, {} held, {} unmet\n",
            skill.skill, skill.asked, skill.matched, skill.held, skill.unmet
        ));
    }
    let o = &status.onboarding;
    if o.channel.is_some() {
        out.push_str(&format!("  {:<12}{:>6}\n", "invited", o.via_channel.invited));
        out.push_str(&format!("  {:<12}{:>6}\n", "via channel", o.via_channel.joined));
    }
    if let Some(import) = &o.last_import {
        for (name, value) in [
            ("imported", import.rows_read),
            ("updated", import.updated),
            ("unmatched", import.unmatched),
            ("refused", import.refused),
        ] {
            out.push_str(&format!("  {name:<12}{value:>6}\n"));
        }
    }
    out
}
