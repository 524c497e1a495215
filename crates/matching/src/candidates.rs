//! Which pairs the solver looks at. A dense matrix of every mentor against every mentee
//! does not fit at company scale (50,000 × 50,000), and almost all of it is zero: only
//! people who share a skill can pair. Even the pairs that share one are too many to
//! score on every pass (about 30 % of all pairs in a realistic organisation), so the
//! scans here look only for the pairs that can still matter: the shortlist (each
//! mentee's best mentors, each mentor's best mentees) and, in pricing, the pairs that
//! beat what a mentee has now.
//!
//! The trick is that skills decide most of a score. The other side is laid out as bits,
//! 64 people to a word, grouped by time zone and cheapest first within a zone; one word
//! is tested against the searcher's skills in a few instructions, keeping only people
//! whose shared skills could reach the score the pair needs. The score needed grows
//! with the price along a zone's words, and the hours two zones share cap the rest of
//! the score, so whole zones and the expensive end of each are never looked at.

use std::collections::BinaryHeap;
use std::ops::Range;

use super::model::Instance;
use super::parallel::in_parallel;
use super::score::{overlap_minutes, priority, Compatibility, FastScorer};

/// More distinct time zones than this and the layout stops grouping by zone.
const MAX_ZONES: usize = 64;
/// Wish classes by priority factor: first wish, second, third, any later one.
const CLASSES: usize = 4;

/// Who has each skill: the mentors teaching it, and the mentees wanting it by how much.
pub struct SkillIndex {
    /// By skill.
    teachers: Vec<Vec<u32>>,
    /// By `skill * CLASSES + class`, where class 0 is a mentee's first wish.
    learners: Vec<Vec<u32>>,
    /// The most later-than-third wishes any mentee has.
    most_later_wishes: u32,
}

fn post(postings: &mut Vec<Vec<u32>>, key: usize, who: u32) {
    if postings.len() <= key {
        postings.resize_with(key + 1, Vec::new);
    }
    if postings[key].last() != Some(&who) {
        postings[key].push(who);
    }
}

impl SkillIndex {
    pub fn new(instance: &Instance, scorer: &FastScorer) -> SkillIndex {
        let mut teachers = Vec::new();
        for (j, mentor) in instance.mentors.iter().enumerate() {
            for &skill in &mentor.teach {
                post(&mut teachers, usize::from(skill), j as u32);
            }
        }
        let mut learners = Vec::new();
        let mut most_later_wishes = 0;
        for i in 0..instance.mentees.len() {
            for &(skill, factor) in scorer.wishes(i) {
                post(&mut learners, usize::from(skill) * CLASSES + class(factor), i as u32);
            }
            most_later_wishes = most_later_wishes.max(scorer.wishes(i).len().saturating_sub(CLASSES - 1) as u32);
        }
        SkillIndex { teachers, learners, most_later_wishes }
    }

    /// The mentees wanting `skill` with any priority.
    pub fn learners(&self, skill: u16) -> impl Iterator<Item = u32> + '_ {
        (0..CLASSES)
            .flat_map(move |c| self.learners.get(usize::from(skill) * CLASSES + c).into_iter().flatten().copied())
    }
}

/// The wish class of a priority factor: 4 → 0 (first wish), 3 → 1, 2 → 2, 1 → 3.
fn class(factor: u32) -> usize {
    (priority(0) - factor.min(priority(0))) as usize
}

/// What the scans need to know about the problem.
pub struct Pairs<'a, V> {
    pub instance: &'a Instance,
    pub index: &'a SkillIndex,
    pub scorer: &'a FastScorer<'a>,
    pub compat: &'a Compatibility<'a>,
    /// The perturbed, scaled score the solver maximises, from (mentee, mentor, score).
    pub value: V,
    /// Value of one score point: values lie in `score * scale .. score * scale + noise`.
    pub scale: i64,
    pub noise: i64,
    /// Cost of staying unmatched; a pair's cost is this minus its value.
    pub unmatched_cost: i64,
}

/// A scan's answer for one person: (partner, value) of the pairs found, cheapest first,
/// and the cheapest reduced cost among them (the bound asked for when there are none).
pub struct Found {
    pub pairs: Vec<(u32, i64)>,
    pub cheapest: i64,
}

/// One side laid out as bits: grouped by time zone, each zone starting on a fresh
/// word and cheapest first within it, with a bitmap for every widely held key; rare
/// keys are set bit by bit for the searcher that needs them.
struct Layout {
    words: usize,
    order: Vec<u32>,
    position: Vec<u32>,
    /// Price at each position (padding repeats its word's last price).
    price: Vec<i64>,
    /// (UTC offset, words) of each zone; one zone of offset `None` when ungrouped.
    zones: Vec<(Option<i32>, Range<usize>)>,
    /// The bitmaps of the widely held keys, one after another in one array (a scan
    /// reads a few of them at every word, and one indirection fewer shows), and where
    /// each key's starts: [`SPARSE`] for a key without one.
    dense: Vec<u64>,
    dense_at: Vec<usize>,
}

/// Where [`Layout::dense_at`] marks a key without a bitmap.
const SPARSE: usize = usize::MAX;

impl Layout {
    fn new(offsets: &[i32], price: &[i64], postings: &[Vec<u32>]) -> Layout {
        let mut distinct: Vec<i32> = offsets.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        let grouped = distinct.len() <= MAX_ZONES;
        let zone_of = |p: usize| if grouped { Some(offsets[p]) } else { None };
        let mut order: Vec<u32> = (0..price.len() as u32).collect();
        order.sort_unstable_by_key(|&p| (zone_of(p as usize), price[p as usize], p));
        let mut laid: Vec<u32> = Vec::with_capacity(order.len());
        let mut zones: Vec<(Option<i32>, Range<usize>)> = Vec::new();
        for &p in &order {
            let zone = zone_of(p as usize);
            if zones.last().is_none_or(|(z, _)| *z != zone) {
                laid.resize(laid.len().div_ceil(64) * 64, u32::MAX);
                zones.push((zone, laid.len() / 64..laid.len() / 64));
            }
            laid.push(p);
        }
        let words = laid.len().div_ceil(64);
        laid.resize(words * 64, u32::MAX);
        for k in 0..zones.len() {
            let end = zones.get(k + 1).map_or(words, |(_, next)| next.start);
            zones[k].1.end = end;
        }
        let mut position = vec![0u32; price.len()];
        let mut at = vec![0i64; laid.len()];
        for (pos, &p) in laid.iter().enumerate() {
            if p == u32::MAX {
                at[pos] = at[pos - 1];
            } else {
                position[p as usize] = pos as u32;
                at[pos] = price[p as usize];
            }
        }
        // A bitmap costs no more than twice the posting list it replaces.
        let mut dense = Vec::new();
        let mut dense_at = vec![SPARSE; postings.len()];
        for (holders, at) in postings.iter().zip(&mut dense_at) {
            if holders.len() >= words {
                *at = dense.len();
                dense.resize(dense.len() + words, 0u64);
                let bits = &mut dense[*at..];
                for &p in holders {
                    let pos = position[p as usize] as usize;
                    bits[pos / 64] |= 1 << (pos % 64);
                }
            }
        }
        Layout { words, order: laid, position, price: at, zones, dense, dense_at }
    }

    /// Sets the bits of everyone holding `key` in `bits`.
    fn mark(&self, postings: &[Vec<u32>], key: usize, bits: &mut [u64]) {
        for &p in postings.get(key).map_or(&[][..], Vec::as_slice) {
            let pos = self.position[p as usize] as usize;
            bits[pos / 64] |= 1 << (pos % 64);
        }
    }
}

/// A searcher's skills as four bit inputs, each the union of some keys and worth a
/// number of skill points when present (an overestimate where an input stands for
/// several wishes). `minimal[k]` holds, as a 16-bit set, the smallest combinations of
/// inputs worth at least `k` points.
#[derive(Default)]
struct Inputs {
    /// Where the bitmaps of each input's widely held keys start in [`Layout::dense`].
    dense: [Vec<usize>; 4],
    sparse: [Vec<usize>; 4],
    minimal: Vec<u16>,
    most_points: u32,
}

impl Inputs {
    /// Becomes the inputs of the next searcher: `keys` are (input, key) pairs. The
    /// vectors are the last searcher's, cleared: a scan has tens of thousands of
    /// searchers, and allocating a dozen small vectors for each one showed.
    fn set(&mut self, keys: impl IntoIterator<Item = (usize, usize)>, points: [u32; 4], layout: &Layout) {
        // Each combination's worth and least valuable input, from the combination
        // without its lowest input (every searcher of a scan needs them).
        let mut worth = [0u32; 16];
        let mut least = [u32::MAX; 16];
        for combo in 1..16usize {
            let (rest, lowest) = (combo & (combo - 1), points[combo.trailing_zeros() as usize]);
            worth[combo] = worth[rest] + lowest;
            least[combo] = least[rest].min(lowest);
        }
        self.most_points = worth[15];
        // A combination is minimal for `k` when it reaches `k` and would not without its
        // least valuable input: for `k` in `worth - least + 1 ..= worth`.
        self.minimal.clear();
        self.minimal.resize(self.most_points as usize + 2, 0);
        for combo in 1..16usize {
            let reach = worth[combo];
            for k in (reach - least[combo] + 1).max(1)..=reach {
                self.minimal[k as usize] |= 1 << combo;
            }
        }
        self.minimal[0] = self.minimal[1];
        self.dense.iter_mut().chain(&mut self.sparse).for_each(Vec::clear);
        for (input, key) in keys {
            match layout.dense_at.get(key).copied().unwrap_or(SPARSE) {
                SPARSE => self.sparse[input].push(key),
                at => self.dense[input].push(at),
            }
        }
    }

    /// The people of word `w` whose inputs are worth at least `k` points, from the
    /// inputs' people in `bits` (see [`Scratch::load`]).
    fn word(&self, bits: &[Vec<u64>; 4], w: usize, k: u32) -> u64 {
        let inputs: [u64; 4] = std::array::from_fn(|t| bits[t][w]);
        let mut combos = self.minimal[k as usize];
        let mut found = 0u64;
        while combos != 0 {
            let combo = combos.trailing_zeros();
            combos &= combos - 1;
            // Without branches: an input outside the combination lets everyone through.
            let outside = |t: usize| u64::from((combo >> t) & 1).wrapping_sub(1);
            found |= inputs.iter().enumerate().fold(!0u64, |all, (t, input)| all & (input | outside(t)));
        }
        found
    }
}

/// How the kept pairs tighten the search once `limit` of them are held.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// The `limit` cheapest exactly: later pairs must beat the worst kept one.
    Cheapest,
    /// Good partners, not the very best: later pairs must beat the worst kept one by a
    /// whole score point, so the many near-ties are never scored (prices must be 0).
    GoodEnough,
}

/// What one thread of a scan reuses from searcher to searcher: the current searcher's
/// inputs, and each input's people as a bitmap over the whole layout.
struct Scratch {
    inputs: Inputs,
    bits: [Vec<u64>; 4],
}

impl Scratch {
    /// Sets each input's people in `bits`, all words at once: a scan visits most words,
    /// and uniting whole bitmaps in one pass is much cheaper than uniting an input's
    /// keys again at every word.
    fn load(&mut self, layout: &Layout, postings: &[Vec<u32>]) {
        let Scratch { inputs, bits } = self;
        for ((sparse, dense), input_bits) in inputs.sparse.iter().zip(&inputs.dense).zip(bits) {
            for &key in sparse {
                layout.mark(postings, key, input_bits);
            }
            for &at in dense {
                for (bits, &key_bits) in input_bits.iter_mut().zip(&layout.dense[at..at + layout.words]) {
                    *bits |= key_bits;
                }
            }
        }
    }

    /// Clears what [`Self::load`] set, for the next searcher.
    fn clear(&mut self) {
        let Scratch { inputs, bits } = self;
        for ((sparse, dense), input_bits) in inputs.sparse.iter().zip(&inputs.dense).zip(bits) {
            if !sparse.is_empty() || !dense.is_empty() {
                input_bits.fill(0);
            }
        }
    }
}

/// One scan over a side's layout: what is the same for every searcher of the scan.
struct Scan<'s> {
    layout: &'s Layout,
    postings: &'s [Vec<u32>],
    instance: &'s Instance,
    scale: i64,
    noise: i64,
    unmatched_cost: i64,
    /// Each searcher's bound: a pair must cost less to be found.
    below: &'s [i64],
    keep: Keep,
    /// For each UTC offset a searcher sits at, by offset, the order its searchers visit
    /// the zones in: the same for tens of thousands of searchers, so worked out once.
    visits: Vec<(i32, ZoneOrder)>,
}

/// Zones in the order a searcher visits them: (the most a pair there scores besides
/// skills, the zone's words).
type ZoneOrder = Vec<(i64, Range<usize>)>;

impl Scan<'_> {
    /// Most a pair scores besides skills (hours, a department crossed, the seniority
    /// gap) when the two sit at UTC offset `a` and in zone `b`.
    fn besides_skills(&self, a: i32, b: Option<i32>) -> i64 {
        let w = &self.instance.weights;
        let hours = match b {
            Some(b) => overlap_minutes(a, b, &self.instance.rules),
            None => overlap_minutes(0, 0, &self.instance.rules),
        } / 60;
        i64::from(w.hour) * i64::from(hours)
            + i64::from(w.cross_department)
            + super::score::most_for_levels(w, &self.instance.rules)
    }

    /// The fewest skill points a pair at `price` needs to cost less than `bound`.
    fn needed_points(&self, inputs: &Inputs, price: i64, bound: i64, besides_skills: i64) -> u32 {
        // Below `bound` means a value above `need`, and values stop short of `score * scale + noise`.
        let need = self.unmatched_cost.saturating_add(price) - bound;
        let score = (need + 1 - self.noise).div_euclid(self.scale) + 1;
        let from_skills = score - besides_skills;
        let skill_weight = i64::from(self.instance.weights.skill);
        let points = if from_skills <= 0 {
            1
        } else if skill_weight == 0 {
            i64::MAX
        } else {
            (from_skills + skill_weight - 1) / skill_weight
        };
        points.clamp(1, i64::from(inputs.most_points) + 1) as u32
    }

    /// Runs `search(searcher, scratch)` for every searcher, on every core, in order.
    fn each(&self, searchers: usize, search: impl Fn(usize, &mut Scratch) -> Found + Sync) -> Vec<Found> {
        let parts = in_parallel(searchers, |range| {
            let bits = std::array::from_fn(|_| vec![0u64; self.layout.words]);
            let mut scratch = Scratch { inputs: Inputs::default(), bits };
            range.map(|who| search(who, &mut scratch)).collect::<Vec<_>>()
        });
        parts.into_iter().flatten().collect()
    }

    /// Searches for the `limit` best partners of `searcher`, whose skills are the
    /// scratch's inputs and who sits at UTC offset `offset`; `judge(person, price, bound)`
    /// scores a candidate and returns its (reduced cost, value) when it is allowed and
    /// below `bound`.
    fn run(
        &self,
        searcher: usize,
        offset: i32,
        limit: usize,
        scratch: &mut Scratch,
        mut judge: impl FnMut(usize, i64, i64) -> Option<(i64, i64)>,
    ) -> Found {
        let below = self.below[searcher];
        if limit == 0 || scratch.inputs.most_points == 0 {
            return Found { pairs: Vec::new(), cheapest: below };
        }
        scratch.load(self.layout, self.postings);
        let Scratch { inputs, bits } = &*scratch;
        let zones = &self.visits[self.visits.partition_point(|(at, _)| *at < offset)].1;
        let mut best: BinaryHeap<(i64, u32, i64)> = BinaryHeap::new();
        let mut bound = below;
        for (besides, words) in zones {
            let (besides, words) = (*besides, words.clone());
            // Near-ties are taken in scan order: start each searcher at its own word so
            // that people with the same wishes do not all shortlist the same partners.
            let turn =
                if self.keep == Keep::GoodEnough { searcher.wrapping_mul(0x9E37_79B9) % words.len().max(1) } else { 0 };
            let cheapest_here = self.layout.price[words.start * 64];
            let mut known: Option<(i64, i64, u32)> = None;
            for w in (words.start + turn..words.end).chain(words.start..words.start + turn) {
                let price = self.layout.price[w * 64];
                let k = match known {
                    Some((p, b, k)) if p == price && b == bound => k,
                    _ => self.needed_points(inputs, price, bound, besides),
                };
                known = Some((price, bound, k));
                if k > inputs.most_points {
                    // Prices rise along a zone (a turned search wraps round to its cheap start).
                    if self.keep == Keep::Cheapest || price == cheapest_here {
                        break;
                    }
                    continue;
                }
                let mut word = inputs.word(bits, w, k);
                while word != 0 {
                    let pos = w * 64 + word.trailing_zeros() as usize;
                    word &= word - 1;
                    let person = self.layout.order[pos] as usize;
                    let Some((reduced, value)) = judge(person, self.layout.price[pos], bound) else { continue };
                    let found = (reduced, person as u32, value);
                    if best.len() < limit {
                        best.push(found);
                    } else if let Some(mut worst) = best.peek_mut() {
                        // Full: the new pair takes the worst one's place (one sift, not two).
                        if found < *worst {
                            *worst = found;
                        }
                    }
                    if best.len() == limit {
                        let worst = best.peek().map_or(bound, |&(worst, _, _)| worst);
                        bound = bound.min(match self.keep {
                            Keep::Cheapest => worst + 1,
                            Keep::GoodEnough => {
                                let score = (self.unmatched_cost - worst).div_euclid(self.scale);
                                self.unmatched_cost - (score + 1) * self.scale + 1
                            }
                        });
                    }
                }
            }
        }
        scratch.clear();
        let found = best.into_sorted_vec();
        let cheapest = found.first().map_or(below, |&(reduced, _, _)| reduced);
        Found { pairs: found.into_iter().map(|(_, p, value)| (p, value)).collect(), cheapest }
    }
}

impl<V: Fn(usize, usize, i64) -> i64 + Sync> Pairs<'_, V> {
    /// The UTC offsets of the mentors and of the mentees.
    fn offsets(&self) -> (Vec<i32>, Vec<i32>) {
        let of = |people: &[super::model::Person]| people.iter().map(|p| p.utc_offset_minutes).collect();
        (of(&self.instance.mentors), of(&self.instance.mentees))
    }

    /// A scan of `layout` for searchers at the UTC offsets `searchers`.
    fn scan<'s>(
        &'s self,
        layout: &'s Layout,
        postings: &'s [Vec<u32>],
        searchers: &[i32],
        below: &'s [i64],
        keep: Keep,
    ) -> Scan<'s> {
        let mut scan = Scan {
            layout,
            postings,
            instance: self.instance,
            scale: self.scale,
            noise: self.noise,
            unmatched_cost: self.unmatched_cost,
            below,
            keep,
            visits: Vec::new(),
        };
        let mut offsets = searchers.to_vec();
        offsets.sort_unstable();
        offsets.dedup();
        scan.visits = offsets
            .into_iter()
            .map(|offset| {
                // The zones sharing the most hours first: the best pairs found early prune the rest.
                let mut zones: ZoneOrder = layout
                    .zones
                    .iter()
                    .map(|(zone, words)| (scan.besides_skills(offset, *zone), words.clone()))
                    .collect();
                zones.sort_by_key(|(besides, words)| (-besides, words.start));
                (offset, zones)
            })
            .collect();
        scan
    }

    /// A candidate pair's (reduced cost, value), if the rules allow it and it is
    /// cheaper than `bound` at the mentor's `price`.
    fn judge(&self, i: usize, j: usize, price: i64, bound: i64) -> Option<(i64, i64)> {
        let score = self.scorer.score(j, i)?;
        if score * self.scale + self.noise - 1 <= self.unmatched_cost.saturating_add(price) - bound {
            return None;
        }
        let value = (self.value)(i, j, score);
        let reduced = self.unmatched_cost - value + price;
        let allowed = reduced < bound && self.compat.allowed(&self.instance.mentors[j], &self.instance.mentees[i]);
        allowed.then_some((reduced, value))
    }

    /// For each mentee `i`, the mentors `j` whose reduced cost `cost(i, j) + price[j]` is
    /// below `below[i]`: the `limit` cheapest exactly (pricing), or with `good_enough`
    /// (a shortlist, all prices 0) `limit` good ones without weighing near-ties.
    pub fn mentors_for_mentees(&self, price: &[i64], below: &[i64], limit: usize, good_enough: bool) -> Vec<Found> {
        let (mentors, mentees) = self.offsets();
        let layout = Layout::new(&mentors, price, &self.index.teachers);
        let keep = if good_enough { Keep::GoodEnough } else { Keep::Cheapest };
        let scan = self.scan(&layout, &self.index.teachers, &mentees, below, keep);
        scan.each(self.instance.mentees.len(), |i, scratch| {
            let wishes = self.scorer.wishes(i);
            let mut points = [0u32; 4];
            for (t, &(_, factor)) in wishes.iter().enumerate() {
                points[t.min(3)] += factor;
            }
            let keys = wishes.iter().enumerate().map(|(t, &(skill, _))| (t.min(3), usize::from(skill)));
            scratch.inputs.set(keys, points, &layout);
            let offset = self.instance.mentees[i].utc_offset_minutes;
            scan.run(i, offset, limit, scratch, |j, price, bound| self.judge(i, j, price, bound))
        })
    }

    /// For each mentor with places, `limit` good mentees: the mentor side of the
    /// shortlist, so that mentors nobody ranks first still have partners to offer.
    pub fn mentees_for_mentors(&self, has_places: &[bool], limit: usize) -> Vec<Found> {
        let (mentors, mentees) = self.offsets();
        let layout = Layout::new(&mentees, &vec![0; mentees.len()], &self.index.learners);
        let below = vec![self.unmatched_cost; self.instance.mentors.len()];
        let scan = self.scan(&layout, &self.index.learners, &mentors, &below, Keep::GoodEnough);
        scan.each(self.instance.mentors.len(), |j, scratch| {
            let mentor = &self.instance.mentors[j];
            // Input c: the mentee's class-c wish is one this mentor teaches.
            let keys = (0..CLASSES).flat_map(|c| mentor.teach.iter().map(move |&s| (c, usize::from(s) * CLASSES + c)));
            let later = (mentor.teach.len() as u32).min(self.index.most_later_wishes);
            let points = [priority(0), priority(1), priority(2), later * priority(3)];
            scratch.inputs.set(keys, points, &layout);
            let limit = if has_places[j] { limit } else { 0 };
            scan.run(j, mentor.utc_offset_minutes, limit, scratch, |i, price, bound| self.judge(i, j, price, bound))
        })
    }
}
