//! A pair: one mentor and one mentee matched in a round, and where their pairing stands.

/// Where a pair stands: proposed by a preview, live, or over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairStatus {
    /// In a previewed round an owner has not confirmed yet.
    Proposed,
    Active,
    Ended,
}

impl PairStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PairStatus::Proposed => "proposed",
            PairStatus::Active => "active",
            PairStatus::Ended => "ended",
        }
    }

    pub fn parse(text: &str) -> Option<PairStatus> {
        match text {
            "proposed" => Some(PairStatus::Proposed),
            "active" => Some(PairStatus::Active),
            "ended" => Some(PairStatus::Ended),
            _ => None,
        }
    }
}

/// A round's pair as the bot shows and sends it, with its people's Slack user ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub id: i64,
    pub round_id: i64,
    pub program_id: i64,
    pub mentor_id: i64,
    pub mentee_id: i64,
    pub mentor_user: String,
    pub mentee_user: String,
    pub score: i64,
    /// Why the optimiser chose it, in readable words.
    pub reasons: Vec<String>,
    pub status: PairStatus,
    pub scheduled_at: Option<i64>,
    /// Its check-ins are paused by one of its people.
    pub paused: bool,
    /// Part of its mentor's circle: one conversation and one check-in for all its pairs.
    pub circle: bool,
}

impl Pair {
    /// Live: confirmed and not ended.
    pub fn is_live(&self) -> bool {
        self.status == PairStatus::Active
    }

    pub fn has(&self, user: &str) -> bool {
        self.mentor_user == user || self.mentee_user == user
    }

    /// The other person of the pair, seen from `user`.
    pub fn partner_of(&self, user: &str) -> &str {
        if self.mentor_user == user {
            &self.mentee_user
        } else {
            &self.mentor_user
        }
    }
}
