//! `upward demo`: the whole bot, with no Slack workspace and no set-up.
//!
//! It starts the [`Sim`] Slack simulator on loopback, runs the real bot in HTTP mode
//! against it on a fresh SQLite file, and plays a synthetic company of 40 employees
//! through the product: juniors offering skills such as generative AI and social media,
//! seniors wanting them. Every request goes the way Slack's would (signed HTTP to the
//! bot's router), every answer the way the bot's would (the outbox, the Web API client),
//! so the transcript it prints is what Slack users would have seen. The bot runs on a
//! manual clock, so three check-in cycles two weeks apart pass in a moment. Then each
//! other form runs once: a one-time session, a circle and a project pair.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{ensure, Context as _};
use serde_json::Value;

use crate::app::{App, Running, Workers};
use crate::cli::status;
use crate::clock::{Clock, ManualClock, SystemClock};
use crate::commands::reports;
use crate::config::{DemoArgs, ServeArgs};
use crate::slack::ids;
use crate::slack::inbound::forms::{ExitForm, JoinForm, ReflectionForm};
use slack_sim::{Call, Sim, SlackCaller};

/// The program's channel (channel opt-in), and the CEO every employee reports to in the
/// org chart (not in the program, so matching is as without the import).
const CHANNEL: &str = "C0MENTORING";
const CEO: &str = "U0CEO0001";
const BOT_TOKEN: &str = "xoxb-demo-token";
const SIGNING_SECRET: &str = "demo-signing-secret";
const OWNER: &str = "U0HR0001";

/// The skills juniors bring, most sought after first.
const SKILLS: &[&str] = &[
    "generative AI",
    "social media",
    "design tools",
    "data visualisation",
    "automation",
    "TikTok",
    "remote collaboration",
    "inclusive language",
];
const DEPARTMENTS: &[&str] = &["Finance", "Sales", "Operations", "Legal", "Marketing", "Engineering"];
const TIME_ZONES: &[&str] = &["Europe/London", "Europe/Berlin", "America/New_York", "Asia/Singapore"];
const FIRST_NAMES: &[&str] = &[
    "Ada", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Hugo", "Isla", "Jay", "Kira", "Leo", "Maya", "Nico",
    "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tara", "Ulrike", "Victor", "Wendy", "Xavier", "Yusuf", "Zoe", "Amira",
    "Bernard", "Carmen", "Dieter", "Esther", "Farid", "Gloria", "Henrik", "Ingrid", "Jonas", "Kofi", "Lucia", "Martin",
    "Nadia",
];
const LAST_NAMES: &[&str] = &["Okafor", "Schmidt", "Tanaka", "Moreau", "Silva", "Novak", "Haddad", "Larsen"];

/// One synthetic employee.
struct Employee {
    id: String,
    name: String,
    senior: bool,
    department: &'static str,
    skills: Vec<&'static str>,
    /// On the company's ladder: juniors 1-3, senior leaders 6-8.
    level: usize,
}

/// Twenty juniors who teach and twenty seniors who learn, the same every run.
fn company() -> Vec<Employee> {
    (0..40)
        .map(|i| {
            let senior = i >= 20;
            let first = FIRST_NAMES[i];
            let last = LAST_NAMES[(i * 3 + usize::from(senior)) % LAST_NAMES.len()];
            let skills = (0..2 + i % 2).map(|k| SKILLS[(i + k * 3) % SKILLS.len()]).collect();
            Employee {
                id: format!("U{:02}{}", i + 1, if senior { "SNR" } else { "JNR" }),
                name: if senior { format!("{first} {last} (VP)") } else { format!("{first} {last}") },
                senior,
                department: DEPARTMENTS[i % DEPARTMENTS.len()],
                skills,
                level: if senior { 6 + i % 3 } else { 1 + i % 3 },
            }
        })
        .collect()
}

/// Drives the bot like Slack and its users would, and narrates what they saw.
struct Script {
    running: Running,
    /// The demo's clock: check-in cycles two weeks apart pass in moments.
    clock: Arc<ManualClock>,
    sim: Sim,
    slack: SlackCaller,
    names: HashMap<String, String>,
    seen: usize,
    /// What commands' HTTP answers showed since the last print (a join made as it was
    /// stored is answered there, not through its response URL).
    acks: Vec<String>,
}

impl Script {
    fn name(&self, user: &str) -> String {
        self.names.get(user).cloned().unwrap_or_else(|| user.to_owned())
    }

    /// Lets the bot finish everything, then prints what Slack received since last time.
    async fn show(&mut self, title: &str) -> anyhow::Result<()> {
        self.running.settle().await.context("the bot failed while handling the demo")?;
        let calls = self.sim.calls();
        println!("\n── {title} ──");
        for line in std::mem::take(&mut self.acks) {
            println!("{line}");
        }
        for call in &calls[self.seen..] {
            if let Some(line) = self.describe(call) {
                println!("{line}");
            }
        }
        self.seen = calls.len();
        Ok(())
    }

    /// Like [`Script::show`], but prints only the first `count` messages of the batch
    /// (the work must already be settled).
    fn show_first(&mut self, count: usize, title: &str) -> anyhow::Result<()> {
        let calls = self.sim.calls();
        println!("\n── {title} ──");
        let acks = std::mem::take(&mut self.acks);
        for line in acks.into_iter().chain(calls[self.seen..].iter().filter_map(|c| self.describe(c))).take(count) {
            println!("{line}");
        }
        self.seen = calls.len();
        Ok(())
    }

    /// The mentor (or mentee) of the pair an introduction names: the first (second)
    /// person mentioned in it.
    fn member_of(&self, blocks: &str, mentor: bool) -> Option<String> {
        let mut ids = blocks.split("<@").skip(1).filter_map(|s| s.split('>').next());
        let first = ids.next()?.to_owned();
        let second = ids.find(|id| *id != first)?.to_owned();
        Some(if mentor { first } else { second })
    }

    /// Skips what a person would not see (look-ups, opening a DM channel).
    fn describe(&self, call: &Call) -> Option<String> {
        let args = &call.args;
        let line = match call.method.as_str() {
            "response_url" => format!("  (only visible to {})\n{}", self.name_of_tag(args), self.named(&body(args))),
            "chat.postMessage" => {
                let channel = args["channel"].as_str().unwrap_or_default();
                if channel.starts_with('G') {
                    format!("  Group DM {channel}:\n{}", self.named(&body(args)))
                } else {
                    format!("  DM to {}:\n{}", self.name(channel), self.named(&body(args)))
                }
            }
            "views.open" => format!("  [a form opens]\n{}", self.named(&body(&args["view"]))),
            "views.publish" => {
                format!(
                    "  [App Home of {}]\n{}",
                    self.name(args["user_id"].as_str().unwrap_or_default()),
                    body(&args["view"])
                )
            }
            _ => return None,
        };
        Some(if call.ok { line } else { format!("  (Slack refused {}: retried)", call.method) })
    }

    /// The ephemeral answer a command's HTTP answer carried, if any, as the asker sees it.
    fn ack(&self, user: &str, answer: &slack_sim::Answer) -> Option<String> {
        let value: Value = serde_json::from_str(&answer.body).ok()?;
        Some(format!("  (only visible to {})\n{}", self.name(user), self.named(&body(&value))))
    }

    /// Mentions as Slack would render them: `<@U01JNR>` becomes `@Ada Okafor`.
    fn named(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (id, name) in &self.names {
            out = out.replace(&format!("<@{id}>"), &format!("@{name}"));
        }
        out
    }

    fn name_of_tag(&self, args: &Value) -> String {
        let tag = args["response_url_tag"].as_str().unwrap_or_default();
        self.names.get(tag).cloned().unwrap_or_else(|| "the person who asked".to_owned())
    }

    /// `/mentoring <text>` typed by `user`.
    async fn command(&mut self, user: &str, text: &str) -> anyhow::Result<()> {
        let (answer, tag) = self.slack.command(user, text).await;
        ensure!(answer.status == 200, "the bot refused a command: HTTP {} {}", answer.status, answer.body);
        self.acks.extend(self.ack(user, &answer));
        self.names.insert(tag, self.name(user));
        Ok(())
    }

    /// Opens the join form for `user` and submits it filled in.
    async fn join_by_form(&mut self, user: &str, form: JoinForm<'_>) -> anyhow::Result<()> {
        self.command(user, "join").await?;
        self.running.settle().await?;
        let view = self.sim.delivered("views.open").pop().context("the join form did not open")?["view"].clone();
        let answer = self.slack.submit(user, &view, form.values()).await;
        ensure!(answer.status == 200, "the bot refused the join form: HTTP {} {}", answer.status, answer.body);
        Ok(())
    }
}

/// A work email as the company's HR export and Slack both have it.
fn email(user: &str) -> String {
    format!("{}@example.com", user.to_lowercase())
}

impl Script {
    /// Presses a button of the newest message in `user`'s DM that has one.
    async fn press_latest(&mut self, user: &str, channel: &str, action_id: &str) -> anyhow::Result<()> {
        let message = self
            .sim
            .delivered("chat.postMessage")
            .into_iter()
            .rev()
            .find(|m| m["channel"] == channel && button_value(m, action_id).is_some())
            .with_context(|| format!("no {action_id} button in {channel}"))?;
        let value = button_value(&message, action_id).unwrap_or_default();
        let (_, tag) = self.slack.press_in_message(user, channel, action_id, &value).await;
        self.names.insert(tag, self.name(user));
        Ok(())
    }

    /// The other forms of reverse mentoring, once each: a one-time session, a circle and
    /// a project pair.
    async fn other_forms(&mut self, people: &[Employee], senior: &Employee) -> anyhow::Result<()> {
        let junior = &people[0];
        self.command(&junior.id, &format!("join mentor {} one-time", junior.skills.join(", "))).await?;
        self.show(&format!("{} also offers one-time sessions", junior.name)).await?;
        let skill = junior.skills[0];
        self.command(&senior.id, &format!("ask {skill} how do I write a prompt for board slides?")).await?;
        self.show(&format!("{} asks for a one-time session on {skill}", senior.name)).await?;
        self.press_latest(&junior.id, &junior.id, ids::SESSION_ACCEPT).await?;
        self.show(&format!("{} accepts", junior.name)).await?;
        let group = self
            .sim
            .delivered("chat.postMessage")
            .into_iter()
            .rev()
            .find(|m| button_value(m, ids::SESSION_HELD).is_some())
            .context("the session's group DM")?;
        let channel = group["channel"].as_str().unwrap_or_default().to_owned();
        self.press_latest(&senior.id, &channel, ids::SESSION_HELD).await?;
        self.show(&format!("After the hour, {} presses \"We met\"", senior.name)).await?;
        let view = self.sim.delivered("views.open").pop().context("the session's reflection form")?["view"].clone();
        let form = ReflectionForm {
            learned: "Prompts need the audience and the format up front",
            taught: "How the board reads a slide",
            rating: Some("5"),
            skills: &[],
            visibility: "owners",
        };
        self.slack.submit(&senior.id, &view, form.values()).await;
        self.show(&format!("{} saves the reflection (shared with owners)", senior.name)).await?;

        self.command(OWNER, "program create circles").await?;
        self.command(OWNER, "program set circles 3 program:circles").await?;
        self.show("HR starts a program of circles: one junior meets up to three seniors together").await?;
        let (teacher, learners) = (&people[1], &people[21..24]);
        let topic = teacher.skills[0];
        self.command(&teacher.id, &format!("join mentor {topic} program:circles")).await?;
        for learner in learners {
            self.command(&learner.id, &format!("join mentee {topic} program:circles")).await?;
        }
        self.command(OWNER, "match program:circles").await?;
        self.running.settle().await?;
        self.seen = self.sim.calls().len();
        self.command(OWNER, "match confirm program:circles").await?;
        self.show(&format!("{} and three seniors join; HR confirms the round: one circle, one group DM", teacher.name))
            .await?;

        let lead = &people[24];
        let ends = (self.clock.now().date_naive() + chrono::Days::new(42)).format("%Y-%m-%d");
        let line = format!("project {ends} <@{}> {}: launch the product film program:default", lead.id, lead.skills[0]);
        let (_, tag) = self.slack.command(OWNER, &line).await;
        self.names.insert(tag.clone(), self.name(OWNER));
        self.show(&format!("HR creates a project for {}: the bot proposes juniors", lead.name)).await?;
        let proposal = self
            .sim
            .delivered("response_url")
            .into_iter()
            .find(|a| a["response_url_tag"] == tag.as_str())
            .context("the project's proposal")?;
        let pick = proposal["blocks"]
            .as_array()
            .and_then(|b| b.iter().find_map(|b| b["accessory"]["value"].as_str().map(str::to_owned)))
            .context("the proposal names a junior")?;
        let (_, tag) = self.slack.press_in_message(OWNER, OWNER, ids::PROJECT_PICK, &pick).await;
        self.names.insert(tag, self.name(OWNER));
        self.show("HR picks the first: the project pair is introduced").await
    }

    /// HR uploads the org chart (with the mistakes real exports have) into the app's
    /// DM, reads the dry run and presses *Apply*.
    async fn import_org_chart(&mut self, people: &[Employee]) -> anyhow::Result<()> {
        let mut csv = String::from("Work Email,Grade,Department,Manager Email\n");
        for person in people {
            let (level, department) = (person.level, person.department);
            csv.push_str(&format!("{},{level},{department},{}\n", email(&person.id), email(CEO)));
        }
        csv.push_str(&format!("{},1,Sales,\n", email(&people[0].id)));
        csv.push_str("new.hire@example.com,2,Sales,\n");
        csv.push_str(&format!("{},VP,Legal,\n", email("U99SNR")));
        self.command(OWNER, "import").await?;
        self.show("HR asks how to import the org chart").await?;
        let dm = format!("D{}", OWNER.trim_start_matches('U'));
        let file = self.sim.host_file(OWNER, &dm, "hris-export.csv", csv.as_bytes());
        self.slack.file_shared(OWNER, &dm, &file).await;
        self.show("HR uploads the HRIS export into the app's DM: a dry run, nothing changed yet").await?;
        let dry_run = self.sim.delivered("chat.postMessage").pop().context("the dry run arrived")?;
        let import = button_value(&dry_run, ids::IMPORT_APPLY).context("the dry run has an Apply button")?;
        let (answer, tag) = self.slack.press_in_message(OWNER, &dm, ids::IMPORT_APPLY, &import).await;
        ensure!(answer.status == 200, "the bot refused the Apply button: HTTP {}", answer.status);
        self.names.insert(tag, self.name(OWNER));
        self.show("HR presses Apply").await
    }

    /// `person` joins the program's channel, is invited, and joins as a mentor.
    async fn join_by_channel(&mut self, person: &Employee) -> anyhow::Result<()> {
        self.slack.channel_member(&person.id, CHANNEL, true).await;
        self.show(&format!("{} joins #reverse-mentoring", person.name)).await?;
        let invitation = self.sim.delivered("chat.postMessage").pop().context("the invitation arrived")?;
        let program = button_value(&invitation, ids::CHANNEL_JOIN_MENTOR).context("the invitation has its buttons")?;
        self.slack.press(&person.id, ids::CHANNEL_JOIN_MENTOR, &program).await;
        self.running.settle().await?;
        let view = self.sim.delivered("views.open").pop().context("the join form did not open")?["view"].clone();
        let form = JoinForm { role: Some("mentor"), teach_tags: &person.skills, ..JoinForm::default() };
        let answer = self.slack.submit(&person.id, &view, form.values()).await;
        ensure!(answer.status == 200, "the bot refused the join form: HTTP {} {}", answer.status, answer.body);
        self.show(&format!(
            "{} presses \"Join as mentor\": the form opens with that side chosen; level and department come from \
             the org chart",
            person.name
        ))
        .await
    }
}

/// How the simulated pairs answer their check-ins, by pair: most meet, some are busy,
/// a few never answer (and get the gentler nudge at the third check-in).
fn answer_for(pair: usize, cycle: usize) -> Option<&'static str> {
    match (pair + cycle) % 5 {
        0..=2 => Some("checkin_met"),
        3 => Some("checkin_not_yet"),
        _ if pair.is_multiple_of(7) => None,
        _ => Some("checkin_met"),
    }
}

impl Script {
    /// Moves the clock until every live pair has had its next check-in, then plays the
    /// pairs' answers: "We met" with a reflection, or "Not yet".
    async fn checkin_cycle(&mut self, cycle: usize) -> anyhow::Result<()> {
        let store = self.running.ctx.store.clone();
        let pairs = reports::program_status(&store, None, self.clock.now().date_naive()).await?.pairs.active;
        let target = pairs * i64::try_from(cycle)?;
        let started = self.clock.now();
        while store.checkin_counts_all().await? < target {
            let next = self.running.scheduler.tick().await?.context("no check-in is scheduled")?;
            self.clock.advance((next - self.clock.now()).max(chrono::Duration::zero()));
            self.running.settle().await?;
        }
        let days = (self.clock.now() - started).num_days();
        let nudges: Vec<Value> = self
            .sim
            .delivered("chat.postMessage")
            .into_iter()
            .skip_while(|m| !m.to_string().contains("checkin_met"))
            .filter(|m| m.to_string().contains("checkin_met"))
            .collect();
        let batch = &nudges[nudges.len().saturating_sub(usize::try_from(pairs)?)..];
        // The first check-in itself, not whatever else (a digest) went out first.
        println!(
            "\n── Check-in {cycle}, {days} days later: every pair is asked in its working hours (the first shown) ──"
        );
        let first = batch.first().context("no check-in was sent")?;
        let call = Call {
            method: "chat.postMessage".to_owned(),
            args: first.clone(),
            ok: true,
            at: std::time::Instant::now(),
        };
        println!("{}", self.describe(&call).unwrap_or_default());
        self.seen = self.sim.calls().len();
        let gentle = batch.iter().filter(|m| m.to_string().contains("no pressure")).count();
        if gentle > 0 {
            println!(
                "  ({gentle} {} not met twice, so {} the gentler nudge with conversation starters)",
                if gentle == 1 { "pair has" } else { "pairs have" },
                if gentle == 1 { "it gets" } else { "they get" }
            );
        }
        for (i, nudge) in batch.iter().enumerate() {
            let Some(action) = answer_for(i, cycle) else { continue };
            let channel = nudge["channel"].as_str().unwrap_or_default();
            let value = button_value(nudge, action).context("the check-in has its buttons")?;
            let who =
                self.member_of(&nudge["blocks"].to_string(), i % 2 == 0).context("the check-in names its pair")?;
            let (_, tag) = self.slack.press_in_message(&who, channel, action, &value).await;
            self.names.insert(tag, self.name(&who));
            self.running.settle().await?;
            if action == "checkin_met" {
                let view =
                    self.sim.delivered("views.open").pop().context("the reflection form did not open")?["view"].clone();
                let learned = format!("cycle {cycle}: a new way to use {}", SKILLS[(i + cycle) % SKILLS.len()]);
                let form = ReflectionForm {
                    learned: &learned,
                    taught: "how decisions get made at the top",
                    rating: Some(["5", "4", "4", "3"][(i + cycle) % 4]),
                    skills: &[SKILLS[(i + cycle) % SKILLS.len()]],
                    visibility: ["private", "partner", "owners"][(i + cycle) % 3],
                };
                let answer = self.slack.submit(&who, &view, form.values()).await;
                ensure!(answer.status == 200, "the bot refused a reflection: HTTP {} {}", answer.status, answer.body);
            }
            if i == 0 {
                self.show(&format!(
                    "{} answers \"{}\"",
                    self.name(&who),
                    if action == "checkin_met" { "We met" } else { "Not yet" }
                ))
                .await?;
            }
        }
        self.running.settle().await?;
        self.seen = self.sim.calls().len();
        Ok(())
    }
}

/// A message's text as its reader sees it: its blocks' text, else its fallback text.
fn body(value: &Value) -> String {
    let text = crate::slack::messages::plain_text(&value["blocks"]);
    indent(if text.is_empty() { value["text"].as_str().unwrap_or_default() } else { &text })
}

/// The value of button `action_id` in a posted message.
fn button_value(message: &Value, action_id: &str) -> Option<String> {
    message["blocks"].as_array()?.iter().find_map(|block| {
        block["elements"].as_array()?.iter().find(|e| e["action_id"] == action_id)?["value"].as_str().map(str::to_owned)
    })
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

/// A fresh database path for this run, unless the user chose one.
fn database_path(args: &DemoArgs) -> PathBuf {
    args.database.clone().unwrap_or_else(|| {
        let stamp = SystemClock.now().timestamp_nanos_opt().unwrap_or_default();
        std::env::temp_dir().join(format!("upward-demo-{}-{stamp}.db", std::process::id()))
    })
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let path = database_path(&args);
    let sim = Sim::start(BOT_TOKEN).await.context("cannot start the Slack simulator on loopback")?;
    let people = company();
    for (person, tz) in people.iter().zip(TIME_ZONES.iter().cycle()) {
        sim.add_user(&person.id, &person.name, Some(tz));
    }
    sim.add_user(OWNER, "Hana Ruiz (HR)", Some("Europe/London"));
    sim.add_user(CEO, "Mona Lindqvist (CEO)", Some("Europe/London"));
    for user in people.iter().map(|p| p.id.as_str()).chain([OWNER, CEO]) {
        sim.set_email(user, &email(user));
    }

    let config = ServeArgs {
        slack_bot_token: Some(BOT_TOKEN.into()),
        slack_signing_secret: Some(SIGNING_SECRET.into()),
        slack_api_url: Some(sim.api_url()),
        database_url: Some(format!("sqlite://{}", path.display())),
        listen: Some("127.0.0.1:0".into()),
        owners: Some(OWNER.into()),
        ..ServeArgs::default()
    }
    .into_config()?;
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let running = App::build(config, clock.clone()).await?.start(Workers::Manual).await?;
    let addr = running.addr;
    let mut names: HashMap<String, String> = people.iter().map(|p| (p.id.clone(), p.name.clone())).collect();
    names.insert(OWNER.into(), "Hana Ruiz (HR)".into());
    names.insert(CEO.into(), "Mona Lindqvist (CEO)".into());
    let slack = SlackCaller::new(addr, SIGNING_SECRET, sim.clone());
    let mut script = Script { running, clock, sim, slack, names, seen: 0, acks: Vec::new() };

    println!("upward demo: the bot runs against a Slack simulator on {addr}, data in {}", path.display());
    println!("A company of 40: 20 juniors who can teach, 20 senior leaders who want to learn.");

    script.command(OWNER, "help").await?;
    script.show("HR asks the bot what it can do").await?;
    script.command(OWNER, &format!("skills add {}", SKILLS.join(", "))).await?;
    script.show("HR fills the skill catalogue of the default program").await?;
    script.import_org_chart(&people).await?;
    script.command(OWNER, &format!("program set channel <#{CHANNEL}|reverse-mentoring>")).await?;
    script.running.settle().await?;
    script.seen = script.sim.calls().len();
    println!("\n── HR links the program to #reverse-mentoring: whoever joins it is invited ──");

    let (first, rest) = people.split_at(2);
    let junior = &first[0];
    script
        .join_by_form(
            &junior.id,
            JoinForm {
                role: Some("mentor"),
                teach_tags: &junior.skills,
                teach_text: "prompt writing",
                department: junior.department,
                goals: "Practise leadership and understand how the company is run",
                ..JoinForm::default()
            },
        )
        .await?;
    script.show(&format!("{} joins through the form", junior.name)).await?;

    script.join_by_channel(&first[1]).await?;

    let senior = people.iter().find(|p| p.senior).context("the company has seniors")?;
    script.command(&senior.id, "join mentee").await?;
    script.show(&format!("{} makes a mistake: no skills given", senior.name)).await?;
    let line = format!("join mentee {} dept:{} level {}", senior.skills.join(", "), senior.department, senior.level);
    script.command(&senior.id, &line).await?;
    script.show(&format!("{} joins in one line", senior.name)).await?;

    for person in rest.iter().chain(&first[1..]).filter(|p| p.id != senior.id) {
        let role = if person.senior { "mentee" } else { "mentor" };
        let line =
            format!("join {role} {} dept:{} level {}", person.skills.join(", "), person.department, person.level);
        script.command(&person.id, &line).await?;
    }
    script.running.settle().await?;
    script.seen = script.sim.calls().len();
    script.acks.clear();
    println!("\n── 37 more colleagues join the same way (their confirmations are not repeated here) ──");

    script.command(&senior.id, "profile").await?;
    script.show(&format!("{} checks their profile", senior.name)).await?;

    let holiday = (script.clock.now().date_naive() + chrono::Days::new(21)).format("%Y-%m-%d");
    let traveller = &people[3];
    script.command(&traveller.id, &format!("pause {holiday}")).await?;
    script.show(&format!("{} pauses until {holiday}", traveller.name)).await?;
    let busy = &people[25];
    script.command(&busy.id, "pause").await?;
    script.command(&busy.id, "resume").await?;
    script.show(&format!("{} pauses, then changes their mind", busy.name)).await?;
    let leaver = &people[30];
    script.command(&leaver.id, "leave").await?;
    script.show(&format!("{} leaves the program", leaver.name)).await?;
    // A minute later: Slack's one-message-a-second pace per conversation holds a
    // fourth DM to one person on the demo's stopped clock.
    script.clock.advance(chrono::Duration::minutes(1));
    script.slack.channel_member(&first[1].id, CHANNEL, false).await;
    script
        .show(&format!("{} leaves #reverse-mentoring, and is asked (nothing changes unless they say)", first[1].name))
        .await?;

    script.command(&people[5].id, "program create pilot").await?;
    script.show(&format!("{} tries an owner command", people[5].name)).await?;
    script.command(&junior.id, "teach me").await?;
    script.show("An unknown command gets the guide, not an error").await?;

    script.command(OWNER, "match").await?;
    script.show("HR previews the first matching round").await?;
    let preview = script.sim.delivered("response_url").pop().context("the preview arrived")?;
    let program = button_value(&preview, ids::PREVIEW_CONFIRM).context("the preview has a Confirm button")?;
    let (answer, tag) = script.slack.press_in_message(OWNER, "C0GENERAL", ids::PREVIEW_CONFIRM, &program).await;
    ensure!(answer.status == 200, "the bot refused the Confirm button: HTTP {}", answer.status);
    script.names.insert(tag, script.name(OWNER));
    script.running.settle().await?;
    let intros: Vec<Value> = script
        .sim
        .delivered("chat.postMessage")
        .into_iter()
        .filter(|m| m["channel"].as_str().is_some_and(|c| c.starts_with('G')))
        .collect();
    script.show_first(
        2,
        &format!("HR presses Confirm: {} pairs are introduced in group DMs (the first two shown)", intros.len()),
    )?;
    if let [first, second, ..] = intros.as_slice() {
        for (intro, action, presser) in [(first, "intro_scheduled", "mentee"), (second, "intro_wont_work", "mentor")] {
            let channel = intro["channel"].as_str().unwrap_or_default();
            let pair = intro["blocks"].to_string();
            let value = button_value(intro, action).context("the intro has its buttons")?;
            let who = script.member_of(&pair, presser == "mentor").context("the intro names its pair")?;
            let (_, tag) = script.slack.press_in_message(&who, channel, action, &value).await;
            script.names.insert(tag, script.name(&who));
            if action == "intro_scheduled" {
                script.show(&format!("{} presses \"We've scheduled our first session\"", script.name(&who))).await?;
                continue;
            }
            script.show(&format!("{} presses \"This pairing isn't working\"", script.name(&who))).await?;
            let view = script.sim.delivered("views.open").pop().context("the exit form did not open")?["view"].clone();
            let form = ExitForm { reason: "We never found a time that works for both of us", share: false };
            let answer = script.slack.submit(&who, &view, form.values()).await;
            ensure!(answer.status == 200, "the bot refused the exit form: HTTP {} {}", answer.status, answer.body);
            script.show(&format!("{} ends the pair privately: the reason stays with them", script.name(&who))).await?;
        }
    }

    script.slack.open_home(&junior.id).await;
    script.show(&format!("{} opens the App Home tab", junior.name)).await?;
    script.slack.open_home(OWNER).await;
    script.show("HR opens the App Home tab").await?;

    for cycle in 1..=3 {
        script.checkin_cycle(cycle).await?;
    }
    script.other_forms(&people, senior).await?;

    let store = &script.running.ctx.store;
    let today = script.clock.now().date_naive();
    let figures = reports::program_status(store, Some("default"), today).await?;
    let circles = reports::program_status(store, Some("circles"), today).await?;
    let outbox = store.outbox_stats().await?;
    println!("\n── The programs' figures (upward status --program default, then circles) ──");
    print!("{}", status::table(&figures));
    print!("{}", status::table(&circles));
    println!(
        "Slack calls made: {}, outbox: {} sent, {} waiting, {} dead",
        script.sim.calls().len(),
        outbox.sent,
        outbox.pending,
        outbox.dead
    );
    let refused: Vec<String> = script.sim.refusals().iter().flat_map(|r| r.messages.clone()).collect();
    ensure!(refused.is_empty(), "Slack would refuse payloads for breaking Block Kit limits: {refused:?}");
    ensure!(outbox.pending == 0 && outbox.dead == 0, "the demo left messages unsent");
    ensure!(figures.participants.mentors + figures.participants.mentees == 40, "not everyone joined");
    ensure!(figures.sessions.held == 1 && figures.projects.live == 1, "a form of mentoring did not run");
    ensure!(circles.circles.live == 1 && circles.circles.mentees == 3, "the circle did not fill");
    ensure!(
        figures.checkins.sent >= 3 * (u64::try_from(figures.pairs.active)? - figures.projects.live),
        "not every pair was checked in with three times"
    );
    script.running.stop().await;
    if args.database.is_none() {
        super::remove_database(&path);
    }
    Ok(())
}
