//! `upward match`'s output: the plan as a table for people or as JSON for scripts.

use crate::domain::rounds::Plan;

/// `upward match --json`: the plan plus the stored round's id (null for a dry run).
pub fn report_json(plan: &Plan, round: Option<i64>) -> serde_json::Value {
    let mut value = serde_json::to_value(plan).unwrap_or_default();
    value["round"] = serde_json::json!(round);
    value
}

/// `upward match` without `--json`.
pub fn report_table(plan: &Plan, round: Option<i64>) -> String {
    let mut out = format!(
        "Program: {}\n{} pairs, total score {} (upper bound {}), {} unmatched\n",
        plan.program,
        plan.pairs.len(),
        plan.total_score,
        plan.upper_bound,
        plan.unmatched.len()
    );
    for p in &plan.pairs {
        out.push_str(&format!("  {} -> {}  {:>4}  {}\n", p.mentor, p.mentee, p.score, p.reasons.join("; ")));
    }
    for u in &plan.unmatched {
        out.push_str(&format!("  unmatched {}: {}\n", u.user, u.reason));
    }
    out.push_str(&match round {
        Some(id) => format!("Stored as round {id}; introductions are queued for the bot to send.\n"),
        None => "Dry run or nothing to pair: nothing was stored.\n".to_owned(),
    });
    out
}
