//! Block, action and callback ids: the names that link a view the bot sends to the
//! handler of what comes back. The views in `messages/`, the form parsers in
//! `inbound/forms.rs` and the dispatch table in `commands/` all name them from here, so
//! a search for one id finds every place that handles it.

pub const JOIN_CALLBACK: &str = "join_modal";
pub const ROLE_BLOCK: &str = "role";
pub const ROLE_ACTION: &str = "role_select";
pub const TEACH_TAGS_BLOCK: &str = "teach_tags";
pub const TEACH_BLOCK: &str = "teach";
pub const LEARN_TAGS_BLOCK: &str = "learn_tags";
pub const LEARN_BLOCK: &str = "learn";
/// A single skills field whose meaning follows the role (older or simpler forms).
pub const SKILLS_BLOCK: &str = "skills";
pub const DEPARTMENT_BLOCK: &str = "department";
pub const GOALS_BLOCK: &str = "goals";
pub const MANAGER_BLOCK: &str = "manager";
pub const LEVEL_BLOCK: &str = "level";
pub const LEVEL_ACTION: &str = "level_select";
/// The join form's "I take one-time session requests" checkbox.
pub const ONE_TIME_BLOCK: &str = "one_time";
pub const ONE_TIME_ACTION: &str = "one_time_check";
pub const USER_ACTION: &str = "user_select";
pub const TAGS_ACTION: &str = "tags_select";
pub const TEXT_ACTION: &str = "text_input";
pub const HOME_JOIN: &str = "home_join";
pub const HOME_PAUSE: &str = "home_pause";
pub const HOME_RESUME: &str = "home_resume";
pub const HOME_MATCH: &str = "home_match";
pub const HOME_EXPORT: &str = "home_export";
/// The owners' program picker in App Home: shows the picked program's figures.
pub const HOME_PROGRAM: &str = "home_program";
/// The members' "Join a program" menu in App Home, when several are open to them.
pub const HOME_JOIN_PICK: &str = "home_join_pick";
/// The match preview's buttons; their value is the program's id.
pub const PREVIEW_CONFIRM: &str = "preview_confirm";
pub const PREVIEW_DOWNLOAD: &str = "preview_download";
/// *Download the catalogue* under a long `skills add` answer; the value is the program's id.
pub const SKILLS_DOWNLOAD: &str = "skills_download";
/// The preview's program picker, with several programs: previews the picked one.
pub const PREVIEW_PROGRAM: &str = "preview_program";
/// *Download the unmatched list* under a program's figures; the value is the program's id.
pub const STATUS_UNMATCHED: &str = "status_unmatched";
/// Menus of programs: past 100 programs they are searches whose options Slack loads.
pub const PROGRAM_PICKERS: [&str; 3] = [HOME_PROGRAM, HOME_JOIN_PICK, PREVIEW_PROGRAM];
pub const INTRO_SCHEDULED: &str = "intro_scheduled";
pub const INTRO_WONT_WORK: &str = "intro_wont_work";
pub const CHECKIN_MET: &str = "checkin_met";
pub const CHECKIN_NOT_YET: &str = "checkin_not_yet";
/// "Ask again in 3 days" and "in a week": two buttons of one block need two ids;
/// the value carries the days.
pub const CHECKIN_SNOOZE: &str = "checkin_snooze";
pub const CHECKIN_SNOOZE_WEEK: &str = "checkin_snooze_week";
pub const PAIR_PAUSE: &str = "pair_pause";
pub const PAIR_RESUME: &str = "pair_resume";
pub const REFLECTION_CALLBACK: &str = "reflection_modal";
/// A one-time session's request to a mentor: *Accept* and *Not this time*; the value
/// is the session's id.
pub const SESSION_ACCEPT: &str = "session_accept";
pub const SESSION_DECLINE: &str = "session_decline";
/// *We met* in a session's group DM, and *Write a reflection* in the partner's DM:
/// both open the session's reflection form; the value is the session's id.
pub const SESSION_HELD: &str = "session_held";
pub const SESSION_REFLECT: &str = "session_reflect";
pub const SESSION_REFLECTION_CALLBACK: &str = "session_reflection_modal";
/// A project's proposal: *Pair with …* per junior; the value is `project:participant`.
pub const PROJECT_PICK: &str = "project_pick";
/// *Close the project* after its end date: opens the closing reflection; the value is
/// the project's id.
pub const PROJECT_CLOSE: &str = "project_close";
pub const PROJECT_REFLECTION_CALLBACK: &str = "project_reflection_modal";
pub const PROJECT_REACHED_BLOCK: &str = "project_reached";
pub const PROJECT_REACHED_ACTION: &str = "project_reached_select";
/// The App Home's *Ask for a one-time session*: opens the request form.
pub const HOME_ASK: &str = "home_ask";
pub const ASK_CALLBACK: &str = "ask_modal";
pub const ASK_SKILL_BLOCK: &str = "ask_skill";
pub const ASK_SKILL_ACTION: &str = "ask_skill_select";
pub const ASK_QUESTION_BLOCK: &str = "ask_question";
pub const EXIT_CALLBACK: &str = "exit_modal";
pub const EXIT_REASON_BLOCK: &str = "exit_reason";
pub const EXIT_SHARE_BLOCK: &str = "exit_share";
pub const EXIT_SHARE_ACTION: &str = "exit_share_select";
pub const LEARNED_BLOCK: &str = "learned";
pub const TAUGHT_BLOCK: &str = "taught";
pub const RATING_BLOCK: &str = "rating";
pub const RATING_ACTION: &str = "rating_select";
pub const SESSION_SKILLS_BLOCK: &str = "session_skills";
pub const VISIBILITY_BLOCK: &str = "visibility";
pub const VISIBILITY_ACTION: &str = "visibility_select";
pub const GOAL_SET: &str = "goal_set";
pub const GOAL_DONE: &str = "goal_done";
pub const GOAL_CALLBACK: &str = "goal_modal";
pub const GOAL_BLOCK: &str = "goal";
/// The confidence invitation's buttons, one per side for someone who is both: two
/// buttons of one block need two ids; the value names the side.
pub const CONFIDENCE_OPEN: &str = "confidence_open";
pub const CONFIDENCE_OPEN_MENTOR: &str = "confidence_open_mentor";
pub const CONFIDENCE_CALLBACK: &str = "confidence_modal";
/// Followed by the topic's position in the form: `confidence_0`, `confidence_1`, …
pub const CONFIDENCE_BLOCK_PREFIX: &str = "confidence_";
pub const RECOGNITION_BLOCK: &str = "recognition";
pub const RECOGNITION_ACTION: &str = "recognition_select";
pub const TELL_BLOCK: &str = "tell";

/// An org-chart import's dry run: apply it as it is, or drop it. The value is the import's id.
pub const IMPORT_APPLY: &str = "import_apply";
pub const IMPORT_CANCEL: &str = "import_cancel";
/// The invitation of someone who joined a program's channel: the join form with the
/// role chosen. The value is the program's id.
pub const CHANNEL_JOIN_MENTOR: &str = "channel_join_mentor";
pub const CHANNEL_JOIN_MENTEE: &str = "channel_join_mentee";
/// Asked of someone who left a program's channel (with [`HOME_PAUSE`]): leave the
/// program too. The value is the program's id.
pub const CHANNEL_LEAVE: &str = "channel_leave";

/// The buttons whose press opens a form: handled before any backlog, as the press's
/// trigger id is good for three seconds only.
pub const OPENS_FORM: &[&str] = &[
    INTRO_WONT_WORK,
    CHECKIN_MET,
    GOAL_SET,
    CONFIDENCE_OPEN,
    HOME_JOIN,
    SESSION_HELD,
    SESSION_REFLECT,
    HOME_ASK,
    PROJECT_CLOSE,
    CHANNEL_JOIN_MENTOR,
    CHANNEL_JOIN_MENTEE,
];
