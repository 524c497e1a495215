//! Sparse rectangular assignment by an ε-scaling auction. Rows are mentees, columns
//! are mentor places plus one private "stay unmatched" column per mentee, so every row
//! is assigned and the problem is a plain min-cost assignment.
//!
//! Why an auction and not shortest augmenting paths: the scores are small integers, so
//! most rows have many near-equal options, and each Dijkstra search from a free row
//! wanders through thousands of them; at 50,000 rows that took tens of seconds. Auction
//! bids touch one row's edges at a time, ε-scaling settles the coarse prices cheaply,
//! and the same prices warm-start the next solve when pricing adds edges.
//!
//! The other way round for a warm start that only a few new edges disturb: there a
//! re-auction restarts bidding wars through the whole graph, while a few shortest
//! augmenting paths move only the rows that must move ([`Auction::repair`]).
//!
//! The result satisfies ε-complementary slackness: every row pays (edge cost plus
//! column price) at most ε more than its cheapest edge, and every free column has price
//! 0. That makes the total within `rows × ε` of the optimum on the graph, and the
//! prices are the dual certificate `solve` uses for its bound on the full problem.
//! Forward bids only raise prices; a column left free with a positive price (its row
//! left for a better edge) makes *reverse* bids, lowering its price until it wins a row
//! back or reaches 0. Between phases, a held column's price is cut where that settles
//! its row without upsetting another, so only rows that really compete bid again.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::thread::ScopedJoinHandle;

use super::parallel::in_parallel;

const NONE: u32 = u32::MAX;
/// A warm start repairs by shortest paths while at most this many rows are unhappy.
/// Each search explores a share of the graph, so the repair's cost grows with rows
/// times unhappy rows while the bidding phases grow with rows alone. Since the searches
/// stop offering columns at the nearest end found, a repair of 3,300 unhappy rows of
/// 50,000 costs about half a re-auction, and leaves prices so much tighter that the
/// next pricing finds a quarter of the rows to move (450 against 1,800): 100,000 people
/// of seeds 7 and 1 went from 13 to 15 s to 10 to 14 s with this at 5,000 instead of 500.
/// At 8,000 the third round's 7,500 rows were repaired too, and took 16 to 17 s.
const REPAIR_UP_TO: usize = 5_000;
/// Each scaling phase divides ε by this.
const EPSILON_FACTOR: i64 = 8;
/// A warm start re-runs the last phases only, from this many times the final ε (a few
/// score points): enough to let the tempted rows move without a price war at tiny ε.
const WARM_START_PHASES_FROM: i64 = 1 << 18;

/// A sparse cost matrix in compressed rows: row `r`'s edges are
/// `cols[start[r]..start[r+1]]` with `costs[..]` alongside. Costs are non-negative.
pub struct Graph {
    pub start: Vec<usize>,
    pub cols: Vec<u32>,
    pub costs: Vec<i64>,
    pub columns: usize,
}

impl Graph {
    #[inline]
    fn edges(&self, row: usize) -> impl Iterator<Item = (usize, i64)> + '_ {
        let range = self.start[row]..self.start[row + 1];
        self.cols[range.clone()].iter().zip(&self.costs[range]).map(|(&c, &w)| (c as usize, w))
    }

    fn rows(&self) -> usize {
        self.start.len() - 1
    }

    /// The same edges by column, for reverse bids.
    fn transpose(&self) -> ByColumn {
        let mut start = vec![0usize; self.columns + 1];
        for &c in &self.cols {
            start[c as usize + 1] += 1;
        }
        for c in 0..self.columns {
            start[c + 1] += start[c];
        }
        let mut next = start.clone();
        let mut rows = vec![0u32; self.cols.len()];
        let mut costs = vec![0i64; self.cols.len()];
        for r in 0..self.rows() {
            for (c, w) in self.edges(r) {
                rows[next[c]] = r as u32;
                costs[next[c]] = w;
                next[c] += 1;
            }
        }
        (start, rows, costs)
    }
}

/// A graph's edges by column: (start, rows, costs), laid out like [`Graph`]'s.
type ByColumn = (Vec<usize>, Vec<u32>, Vec<i64>);

/// An ε-optimal assignment and the column prices that certify it.
#[derive(Clone)]
pub struct Assignment {
    /// Column of each row.
    pub row_col: Vec<u32>,
    /// Cost of each row's assigned edge.
    pub row_cost: Vec<i64>,
    /// Column prices: never negative, 0 for every free column.
    pub price: Vec<i64>,
}

impl Assignment {
    /// What a row pays: its edge's cost plus its column's price, at most ε above the
    /// cheapest edge of the row.
    pub fn paid(&self, row: usize) -> i64 {
        self.row_cost[row] + self.price[self.row_col[row] as usize]
    }
}

struct Auction<'g, 's> {
    graph: &'g Graph,
    row_col: Vec<u32>,
    row_cost: Vec<i64>,
    /// What each assigned row pays (its edge's cost plus its column's price), kept up
    /// to date as prices move: a reverse bid weighs every row of a column by it, and
    /// one load per row is much cheaper than chasing the row's column and price.
    paid: Vec<i64>,
    col_row: Vec<u32>,
    price: Vec<i64>,
    by_column: ByColumn,
    /// The transpose being built on another core while the first bids, which need the
    /// rows only, go on: until [`Self::columns_ready`], `by_column` is empty.
    transposing: Option<ScopedJoinHandle<'s, ByColumn>>,
}

impl Auction<'_, '_> {
    /// The cheapest edge of `row` at current prices: (total, column, cost), and the
    /// second-cheapest total.
    // Inlined into each bid loop: as a call it cost the auction about 1 % more
    // instructions.
    #[inline(always)]
    fn best_two(&self, row: usize) -> ((i64, usize, i64), i64) {
        let (mut best, mut second) = ((i64::MAX, usize::MAX, 0), i64::MAX);
        for (c, w) in self.graph.edges(row) {
            let total = w + self.price[c];
            if total < best.0 {
                second = best.0;
                best = (total, c, w);
            } else if total < second {
                second = total;
            }
        }
        (best, second)
    }

    /// Waits for the transpose, the first time the columns are needed.
    fn columns_ready(&mut self) {
        if let Some(transposing) = self.transposing.take() {
            self.by_column = transposing.join().expect("the transpose panicked");
        }
    }

    /// Gives `col` (at its current price) to `row`.
    #[inline]
    fn place(&mut self, row: usize, col: usize, cost: i64) {
        self.row_col[row] = col as u32;
        self.row_cost[row] = cost;
        self.paid[row] = cost + self.price[col];
        self.col_row[col] = row as u32;
    }

    /// Moves `col`'s price by `by`, and what its row pays with it.
    #[inline]
    fn reprice(&mut self, col: usize, by: i64) {
        self.price[col] += by;
        let row = self.col_row[col];
        if row != NONE {
            self.paid[row as usize] += by;
        }
    }

    /// How much more than its cheapest edge each assigned row pays (0 for a free row).
    /// This reads every edge of the graph, and a row's slack depends on the prices
    /// alone, so the rows are split over the cores.
    fn slack(&self) -> Vec<i64> {
        in_parallel(self.graph.rows(), |rows| {
            rows.map(|row| if self.row_col[row] == NONE { 0 } else { self.paid[row] - self.best_two(row).0 .0 })
                .collect::<Vec<_>>()
        })
        .concat()
    }

    /// Makes every assigned row ε-happy for the phase's `epsilon`: by cutting the price
    /// of its column where that upsets no other row ([`Self::cut_own_price`]), else by
    /// freeing it to bid again.
    ///
    /// Freeing alone is the textbook step, and it is costly here: each bid leaves its
    /// row paying exactly the last phase's ε above its runner-up, so every phase freed
    /// every row that had bid in the one before (about 24,000 of 50,000 rows at each of
    /// the fine phases of a 100,000-person solve), and their bids set off price wars
    /// among the many equally good partners. A row whose column nobody else is close to
    /// wanting only needs a lower price; a cut keeps it in place and keeps every other
    /// row as happy as before. Measured on the benchmark's instances: 22 to 33 % fewer
    /// bids at 100,000 people, 3 to 30 % fewer at 50,000 (six seeds), same totals.
    fn release_unhappy(&mut self, epsilon: i64) {
        let mut slack = self.slack();
        for row in 0..slack.len() {
            if slack[row] > epsilon && !self.cut_own_price(row, epsilon, &mut slack) {
                self.col_row[self.row_col[row] as usize] = NONE;
                self.row_col[row] = NONE;
            }
        }
    }

    /// Lowers the price of `row`'s column until the row is ε-happy, if that leaves
    /// every other ε-happy row ε-happy (by `slack`, which this keeps up to date for the
    /// rows it settles); `false` when it cannot. The cut is as deep as the others allow,
    /// up to the row's whole slack: a row cut to just ε was unhappy again at the next
    /// phase, and the rounds of pricing grew from 5 to 15 at 100,000 people.
    fn cut_own_price(&mut self, row: usize, epsilon: i64, slack: &mut [i64]) -> bool {
        // Taken fresh: an earlier cut may have made one of its edges cheaper.
        let over = self.paid[row] - self.best_two(row).0 .0;
        if over <= epsilon {
            slack[row] = over;
            return true;
        }
        self.columns_ready();
        let col = self.row_col[row] as usize;
        let (start, rows, costs) = &self.by_column;
        let range = start[col]..start[col + 1];
        // No price goes below 0, and no other happy row may come to pay more than ε
        // above this column.
        let others = rows[range.clone()].iter().zip(&costs[range]).filter_map(|(&other, &cost)| {
            let other = other as usize;
            let happy = other != row && self.row_col[other] != NONE && slack[other] <= epsilon;
            happy.then(|| cost + self.price[col] + epsilon - self.paid[other])
        });
        let mut most = i64::MAX;
        for limit in std::iter::once(self.price[col]).chain(others) {
            most = most.min(limit);
            if most < over - epsilon {
                return false;
            }
        }
        let cut = most.min(over);
        self.reprice(col, -cut);
        slack[row] = over - cut;
        true
    }

    /// Forward bids until every row holds a column: each free row takes its cheapest
    /// column and raises its price to the second-cheapest option plus ε.
    fn forward(&mut self, epsilon: i64) {
        let mut free: VecDeque<usize> = (0..self.graph.rows()).filter(|&r| self.row_col[r] == NONE).collect();
        while let Some(row) = free.pop_front() {
            let ((total, col, cost), second) = self.best_two(row);
            let raise = if second == i64::MAX { epsilon } else { second - total + epsilon };
            self.price[col] += raise;
            let displaced = self.col_row[col];
            self.place(row, col, cost);
            if displaced != NONE {
                self.row_col[displaced as usize] = NONE;
                free.push_back(displaced as usize);
            }
        }
    }

    /// Reverse bids until every free column has price 0: a free priced column lowers
    /// its price just enough to win the row that gains most by moving to it (whose old
    /// column is then free in turn), or drops to 0 when no row would gain more than ε.
    /// Every row keeps its ε-slackness: the price stops ε below the runner-up's gain.
    fn reverse(&mut self, epsilon: i64) {
        let mut free: VecDeque<usize> =
            (0..self.graph.columns).filter(|&c| self.col_row[c] == NONE && self.price[c] > 0).collect();
        if !free.is_empty() {
            self.columns_ready();
        }
        while let Some(col) = free.pop_front() {
            let (start, rows, costs) = &self.by_column;
            let (mut best, mut second) = ((i64::MIN, NONE, 0i64), i64::MIN);
            let range = start[col]..start[col + 1];
            for (&row, &cost) in rows[range.clone()].iter().zip(&costs[range]) {
                let gain = self.paid[row as usize] - cost;
                if gain > best.0 {
                    second = best.0;
                    best = (gain, row, cost);
                } else if gain > second {
                    second = gain;
                }
            }
            let (gain, row, cost) = best;
            if gain <= epsilon {
                self.price[col] = 0;
                continue;
            }
            let row = row as usize;
            self.price[col] = (second.saturating_sub(epsilon)).max(0);
            let old = self.row_col[row] as usize;
            self.col_row[old] = NONE;
            self.place(row, col, cost);
            if self.price[old] > 0 {
                free.push_back(old);
            }
        }
    }
}

impl Auction<'_, '_> {
    /// Raises every price as far as the assignment allows: a column's price rises until
    /// its row would rather move to its next-best option (at that option's raised
    /// price), and free columns stay at 0. That is a shortest-path computation from the
    /// free columns backwards along "row of column `a` could move to column `k`", each
    /// step weighing the row's extra cost at current prices (at least 0; at most ε below
    /// 0 by ε-slackness, so every row keeps it). The auction settles on the lowest
    /// prices that clear the graph; pricing wants the highest, which leave the fewest
    /// pairs outside the graph looking better than they are, and so a tighter bound.
    fn lift(&mut self) {
        self.columns_ready();
        let (start, rows, costs) = &self.by_column;
        let mut dist = vec![i64::MAX; self.graph.columns];
        let mut heap: BinaryHeap<Reverse<(i64, u32)>> = BinaryHeap::new();
        // Half the columns start at distance 0, and more join them at no extra cost: they
        // wait on a plain stack, as the order among equals does not change a distance.
        let mut level: Vec<u32> = Vec::new();
        for c in 0..self.graph.columns {
            // A column only its own row can use deters nobody: it keeps the lowest price
            // its row allows, 0 (the row's other options cost at least what it paid, less ε).
            if start[c + 1] - start[c] == 1 {
                self.price[c] = 0;
            }
            if self.col_row[c] == NONE || start[c + 1] - start[c] == 1 {
                dist[c] = 0;
                level.push(c as u32);
            }
        }
        while let Some((d, k)) = level.pop().map(|k| (0, k)).or_else(|| heap.pop().map(|Reverse(next)| next)) {
            let k = k as usize;
            if d > dist[k] {
                continue;
            }
            for e in start[k]..start[k + 1] {
                let row = rows[e] as usize;
                let a = self.row_col[row] as usize;
                if a == k {
                    continue;
                }
                let extra = (costs[e] + self.price[k] - self.row_cost[row] - self.price[a]).max(0);
                let nd = d + extra;
                if nd < dist[a] {
                    dist[a] = nd;
                    if nd == 0 {
                        level.push(a as u32);
                    } else {
                        heap.push(Reverse((nd, a as u32)));
                    }
                }
            }
        }
        for (price, d) in self.price.iter_mut().zip(dist) {
            if d != i64::MAX {
                *price += d;
            }
        }
    }
}

/// Scratch space of one shortest-path search over columns, reset by what it touched.
struct Search {
    dist: Vec<i64>,
    done: Vec<bool>,
    /// The row whose move reached each column, that row's edge cost, and (searching
    /// from a free column) the column it would move to.
    via_row: Vec<u32>,
    via_cost: Vec<i64>,
    via_col: Vec<u32>,
    touched: Vec<usize>,
    scanned: Vec<usize>,
    heap: BinaryHeap<Reverse<(i64, u32)>>,
}

impl Search {
    fn new(columns: usize) -> Search {
        Search {
            dist: vec![i64::MAX; columns],
            done: vec![false; columns],
            via_row: vec![NONE; columns],
            via_cost: vec![0; columns],
            via_col: vec![NONE; columns],
            touched: Vec::new(),
            scanned: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    fn reset(&mut self) {
        for &c in &self.touched {
            self.dist[c] = i64::MAX;
            self.done[c] = false;
        }
        self.touched.clear();
        self.scanned.clear();
        self.heap.clear();
    }

    /// Offers column `col` at distance `d`, reached by `row` over an edge of `cost`
    /// (moving to `to` when searching backwards).
    fn offer(&mut self, col: usize, d: i64, row: usize, cost: i64, to: u32) {
        if d < self.dist[col] {
            if self.dist[col] == i64::MAX {
                self.touched.push(col);
            }
            self.dist[col] = d;
            self.via_row[col] = row as u32;
            self.via_cost[col] = cost;
            self.via_col[col] = to;
            self.heap.push(Reverse((d, col as u32)));
        }
    }

    /// The nearest column not yet settled, settled, if it is nearer than `below`.
    fn settle(&mut self, below: i64) -> Option<(i64, usize)> {
        while let Some(&Reverse((d, col))) = self.heap.peek() {
            if d >= below {
                return None;
            }
            self.heap.pop();
            let col = col as usize;
            if !self.done[col] && d == self.dist[col] {
                self.done[col] = true;
                self.scanned.push(col);
                return Some((d, col));
            }
        }
        None
    }
}

impl Auction<'_, '_> {
    /// What `row` pays at most for any edge, on the discounted costs of [`Self::repair`].
    fn level(&self, row: usize, discount: &[i64]) -> i64 {
        self.row_cost[row] - discount[row] + self.price[self.row_col[row] as usize]
    }

    /// Re-solves after new edges joined the graph of an ε-happy assignment, touching only
    /// what the new edges change: shortest augmenting paths (Hungarian style) instead of
    /// another round of bidding, because a handful of new pairs sets off bidding wars
    /// through the many near-equal prices, while a shortest path moves every row it
    /// needs to move once.
    ///
    /// Shortest paths need exact slackness, and the auction leaves each row up to ε
    /// above its cheapest edge; so each happy row's own edge is treated as `discount`
    /// cheaper, by that slack. On those costs the assignment is exactly optimal, and the
    /// repair keeps it so; the real costs are at most ε higher per row, which keeps
    /// ε-slackness for the real costs. Rows made unhappy by new edges are freed and
    /// re-placed by a forward search (prices rise along it); a column they leave free
    /// with a positive price is then refilled or brought to price 0 by a backward search
    /// (prices fall along it), so free columns stay free of charge.
    fn repair(&mut self, epsilon: i64) -> bool {
        let mut discount = self.slack();
        let mut unhappy = Vec::new();
        for (row, slack) in discount.iter_mut().enumerate() {
            if *slack > epsilon {
                unhappy.push(row);
                *slack = 0;
            }
        }
        if unhappy.len() > REPAIR_UP_TO {
            return false;
        }
        // All of them leave first: an unhappy row still holding its column would have an
        // edge cheaper than what it pays, which no shortest path may cross.
        let left: Vec<usize> = unhappy.iter().map(|&row| self.row_col[row] as usize).collect();
        for (&row, &col) in unhappy.iter().zip(&left) {
            self.col_row[col] = NONE;
            self.row_col[row] = NONE;
        }
        let mut search = Search::new(self.graph.columns);
        for &row in &unhappy {
            self.place_by_forward_search(row, &mut discount, &mut search);
        }
        for col in left {
            if self.col_row[col] == NONE && self.price[col] > 0 {
                self.free_by_backward_search(col, &mut discount, &mut search);
            }
        }
        true
    }

    /// Places the free `start` row along a shortest augmenting path to a free column.
    fn place_by_forward_search(&mut self, start: usize, discount: &mut [i64], s: &mut Search) {
        s.reset();
        // The nearest free column offered so far: nothing at that distance or beyond
        // needs offering or settling, as no path through it can be shorter.
        let mut nearest = (i64::MAX, usize::MAX);
        let level = self.best_two(start).0 .0;
        for (col, cost) in self.graph.edges(start) {
            let d = cost + self.price[col] - level;
            if d < nearest.0 {
                s.offer(col, d, start, cost, NONE);
                if self.col_row[col] == NONE {
                    nearest = (d, col);
                }
            }
        }
        while let Some((d, col)) = s.settle(nearest.0) {
            // Only owned columns settle: a free one offered below `nearest` became it.
            let owner = self.col_row[col] as usize;
            let level = self.level(owner, discount);
            for (next, cost) in self.graph.edges(owner) {
                let nd = d + cost + self.price[next] - level;
                if nd < nearest.0 && !s.done[next] {
                    s.offer(next, nd, owner, cost, NONE);
                    if self.col_row[next] == NONE {
                        nearest = (nd, next);
                    }
                }
            }
        }
        let (reach, free) = nearest;
        for &col in &s.scanned {
            self.reprice(col, reach - s.dist[col]);
        }
        let mut col = free;
        loop {
            let row = s.via_row[col] as usize;
            let next = self.row_col[row];
            self.place(row, col, s.via_cost[col]);
            discount[row] = 0;
            if row == start {
                break;
            }
            col = next as usize;
        }
    }

    /// Brings the free column `hole`'s price to 0: rows move into the hole along a
    /// shortest path of price cuts, until a column on it can be left free at price 0.
    fn free_by_backward_search(&mut self, hole: usize, discount: &mut [i64], s: &mut Search) {
        self.columns_ready();
        s.reset();
        s.offer(hole, 0, NONE as usize, 0, NONE);
        let mut end = (i64::MAX, hole);
        while let Some((d, col)) = s.settle(end.0) {
            end = end.min((d + self.price[col], col));
            let (start, rows, costs) = &self.by_column;
            for (&row, &cost) in rows[start[col]..start[col + 1]].iter().zip(&costs[start[col]..start[col + 1]]) {
                let row = row as usize;
                let from = self.row_col[row] as usize;
                if from == col || s.done[from] {
                    continue;
                }
                let level = self.row_cost[row] - discount[row] + self.price[from];
                let nd = d + cost + self.price[col] - level;
                // Beyond the cheapest end known, nothing can lead to a cheaper one.
                if nd < end.0 {
                    s.offer(from, nd, row, cost, col as u32);
                    end = end.min((nd + self.price[from], from));
                }
            }
        }
        let (cut, last) = end;
        for &col in &s.scanned {
            if s.dist[col] < cut {
                self.reprice(col, s.dist[col] - cut);
            }
        }
        let mut col = last;
        while col != hole {
            let row = s.via_row[col] as usize;
            let to = s.via_col[col] as usize;
            self.place(row, to, s.via_cost[col]);
            discount[row] = 0;
            col = to;
        }
        self.col_row[last] = NONE;
    }
}

/// Solves the assignment to within `rows × epsilon` of the optimum. Every row must have
/// at least one edge. `warm` (a previous answer on a graph with the same rows and
/// columns and a subset of these edges) is the starting point: only rows that some new
/// edge makes unhappy move again, along shortest augmenting paths when they are few,
/// else by bidding over the last few scaling phases.
pub fn solve(graph: &Graph, epsilon: i64, warm: Option<Assignment>) -> Assignment {
    solve_from(graph, epsilon, warm, true)
}

/// [`solve`] for a coarse ε, which the solver's first rounds use to move the prices
/// cheaply before the fine ones (see `solve.rs`): a warm start always re-auctions.
/// A repair's shortest paths cost the same at any ε, while an auction's phases stop
/// early at a coarse one: a coarse round repairing 2,500 rows of 50,000 took 1.7 to
/// 2.7 s, re-auctioning them 0.4 s.
pub fn solve_coarse(graph: &Graph, epsilon: i64, warm: Option<Assignment>) -> Assignment {
    solve_from(graph, epsilon, warm, false)
}

fn solve_from(graph: &Graph, epsilon: i64, warm: Option<Assignment>, may_repair: bool) -> Assignment {
    let rows = graph.rows();
    let epsilon = epsilon.max(1);
    let warm_start = warm.is_some();
    let start = warm.unwrap_or_else(|| Assignment {
        row_col: vec![NONE; rows],
        row_cost: vec![0; rows],
        price: vec![0; graph.columns],
    });
    let mut col_row = vec![NONE; graph.columns];
    let mut paid = vec![0; rows];
    for (r, &c) in start.row_col.iter().enumerate() {
        if c != NONE {
            col_row[c as usize] = r as u32;
            paid[r] = start.row_cost[r] + start.price[c as usize];
        }
    }
    // ε-scaling: coarse prices first, each phase refining the last one's.
    let max_cost = graph.costs.iter().copied().max().unwrap_or(0);
    let mut phases = vec![epsilon];
    let top = if warm_start { epsilon.saturating_mul(WARM_START_PHASES_FROM) } else { max_cost / EPSILON_FACTOR };
    while let Some(&last) = phases.last() {
        if last >= top {
            break;
        }
        phases.push(last.saturating_mul(EPSILON_FACTOR));
    }
    let (row_col, row_cost, price) = std::thread::scope(|scope| {
        let mut auction = Auction {
            graph,
            row_col: start.row_col,
            row_cost: start.row_cost,
            paid,
            col_row,
            price: start.price,
            by_column: (Vec::new(), Vec::new(), Vec::new()),
            transposing: Some(scope.spawn(|| graph.transpose())),
        };
        if !(warm_start && may_repair && auction.repair(epsilon)) {
            for &phase_epsilon in phases.iter().rev() {
                auction.release_unhappy(phase_epsilon);
                auction.forward(phase_epsilon);
                auction.reverse(phase_epsilon);
            }
        }
        auction.lift();
        (auction.row_col, auction.row_cost, auction.price)
    });
    Assignment { row_col, row_cost, price }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn graph(rows: &[&[(u32, i64)]], columns: usize) -> Graph {
        let mut g = Graph { start: vec![0], cols: vec![], costs: vec![], columns };
        for row in rows {
            for &(c, w) in *row {
                g.cols.push(c);
                g.costs.push(w);
            }
            g.start.push(g.cols.len());
        }
        g
    }

    fn assert_certified(g: &Graph, a: &Assignment, epsilon: i64) {
        for r in 0..g.rows() {
            for (c, w) in g.edges(r) {
                assert!(a.paid(r) <= w + a.price[c] + epsilon, "row {r} is ε-happy");
            }
        }
        let used: Vec<u32> = a.row_col.clone();
        for c in 0..g.columns {
            assert!(a.price[c] >= 0);
            if !used.contains(&(c as u32)) {
                assert_eq!(a.price[c], 0, "free column {c} is free of charge");
            }
        }
    }

    #[test]
    fn finds_the_cheapest_assignment_with_certifying_prices() {
        // The greedy choice (row 0 takes column 0) is wrong.
        let g = graph(&[&[(0, 1), (1, 2)], &[(0, 1), (2, 10)]], 3);
        let a = solve(&g, 1, None);
        assert_eq!(a.row_col, vec![1, 0]);
        assert_eq!(a.row_cost.iter().sum::<i64>(), 3);
        assert_certified(&g, &a, 1);
    }

    #[test]
    fn a_warm_start_takes_a_new_edge_and_frees_the_old_column_of_charge() {
        let g = graph(&[&[(0, 500), (2, 900)], &[(0, 400), (1, 700), (3, 900)]], 4);
        let a = solve(&g, 1, None);
        assert_eq!(a.row_col, vec![0, 1]);
        // Row 1 gains a much cheaper column: it leaves column 1, whose price must fall.
        let g = graph(&[&[(0, 500), (2, 900)], &[(0, 400), (1, 700), (3, 900), (2, 10)]], 4);
        let a = solve(&g, 1, Some(a));
        assert_eq!(a.row_col, vec![0, 2]);
        assert_certified(&g, &a, 1);
    }

    #[test]
    fn a_repair_moves_a_chain_of_rows_and_takes_the_price_off_the_column_left_free() {
        // Rows 0..3 on columns 0..3 in a chain; each row's private column is 4 + row.
        let before: Vec<Vec<(u32, i64)>> = (0..3u32).map(|r| vec![(r, 100), (r + 1, 120), (4 + r, 1000)]).collect();
        let rows = |extra: &[(u32, i64)]| {
            let mut rows = before.clone();
            rows[2].extend_from_slice(extra);
            rows
        };
        let as_graph = |rows: &[Vec<(u32, i64)>]| graph(&rows.iter().map(Vec::as_slice).collect::<Vec<_>>(), 7);
        let g = as_graph(&rows(&[]));
        let a = solve(&g, 1, None);
        assert_eq!(a.row_col, vec![0, 1, 2]);
        // Row 2 now prefers column 0 by far: rows 0 and 1 must each shift one along.
        let g = as_graph(&rows(&[(0, 10)]));
        let a = solve(&g, 1, Some(a));
        assert_certified(&g, &a, 1);
        let cost: i64 = a.row_cost.iter().sum();
        assert_eq!(cost, 120 + 120 + 10, "the optimum: 0 → 1, 1 → 2, 2 → 0");
        assert_eq!(a.row_col, vec![1, 2, 0]);
        assert_eq!(a.price[3], 0, "the unused column costs nothing");
    }

    #[test]
    fn a_repair_that_leaves_a_priced_column_free_cuts_its_price_to_zero() {
        // Row 1 would take column 2 at a small loss, so column 2 carries a price.
        let mut rows: Vec<Vec<(u32, i64)>> =
            vec![vec![(0, 100), (3, 101), (4, 1000)], vec![(1, 100), (2, 105), (5, 1000)], vec![(2, 100), (6, 1000)]];
        let as_graph = |rows: &[Vec<(u32, i64)>]| graph(&rows.iter().map(Vec::as_slice).collect::<Vec<_>>(), 7);
        let a = solve(&as_graph(&rows), 1, None);
        assert_eq!(a.row_col, vec![0, 1, 2]);
        assert!(a.price[2] > 0);
        // Row 2 leaves for column 0, whose row moves to the free column 3.
        rows[2].push((0, 10));
        let g = as_graph(&rows);
        let a = solve(&g, 1, Some(a));
        assert_certified(&g, &a, 1);
        assert_eq!(a.row_col, vec![3, 1, 0]);
        assert_eq!(a.price[2], 0, "column 2 is free, so free of charge");
    }

    /// An auction holding `row_col` at `price`, as a phase would find it.
    fn holding(g: &Graph, row_col: Vec<u32>, price: Vec<i64>) -> Auction<'_, 'static> {
        let mut a = Auction {
            graph: g,
            row_col: vec![NONE; g.rows()],
            row_cost: vec![0; g.rows()],
            paid: vec![0; g.rows()],
            col_row: vec![NONE; g.columns],
            price,
            by_column: g.transpose(),
            transposing: None,
        };
        for (row, col) in row_col.into_iter().enumerate() {
            let cost = g.edges(row).find(|&(c, _)| c == col as usize).map(|(_, w)| w).expect("an edge");
            a.place(row, col as usize, cost);
        }
        a
    }

    #[test]
    fn a_row_nobody_competes_with_keeps_its_column_at_a_lower_price() {
        // Row 0 pays 50 above its other edge; row 1 has no edge to row 0's column.
        let g = graph(&[&[(0, 100), (2, 100)], &[(1, 100)]], 3);
        let mut a = holding(&g, vec![0, 1], vec![50, 0, 0]);
        a.release_unhappy(1);
        assert_eq!(a.row_col, vec![0, 1], "nobody was freed");
        assert_eq!(a.price[0], 0, "the whole slack was cut");
        assert_eq!(a.paid[0], 100);
    }

    #[test]
    fn a_row_whose_column_another_row_nearly_wants_is_freed_instead() {
        // Row 1 pays 100 and would pay 80 + price for column 0: a cut below 31 makes it
        // more than ε unhappy, and row 0 needs a cut of at least 49.
        let g = graph(&[&[(0, 100), (2, 100)], &[(1, 100), (0, 80)]], 3);
        let mut a = holding(&g, vec![0, 1], vec![50, 0, 0]);
        a.release_unhappy(1);
        assert_eq!(a.row_col, vec![NONE, 1], "row 0 bids again");
        assert_eq!(a.price[0], 50, "the price was left alone");
    }

    fn offered(search: &Search) -> Vec<usize> {
        let mut offered = search.touched.clone();
        offered.sort_unstable();
        offered
    }

    #[test]
    fn a_forward_search_offers_nothing_beyond_the_nearest_free_column() {
        // Rows 0 and 1 hold columns 0 and 1; the free row 2 takes either at 100, or the
        // free column 2 at 105. Private columns: 3, 4 and 5.
        let g = graph(&[&[(0, 100), (3, 1000)], &[(1, 100), (4, 1000)], &[(0, 100), (1, 100), (2, 105), (5, 1000)]], 6);
        let mut a = holding(&g, vec![0, 1], vec![0; 6]);
        let mut search = Search::new(g.columns);
        a.place_by_forward_search(2, &mut [0; 3], &mut search);
        assert_eq!(a.row_col, vec![0, 1, 2], "row 2 takes the free column");
        assert_eq!(a.price[..3], [5, 5, 0], "the columns it passed over rise by what it gave up");
        assert_eq!(a.paid, vec![105, 105, 105], "what each row pays follows its column's price");
        assert_eq!(offered(&search), vec![0, 1, 2], "the private columns, 900 away, were never offered");
    }

    #[test]
    fn a_backward_search_offers_nothing_beyond_the_cheapest_end_known() {
        // Column 0 is free at price 50. Row 0 (on column 1) moves into it at a loss of
        // 30, leaving column 1 free at price 0: cheaper than cutting column 0's price by
        // 50. Row 1 (on column 2) would lose 150 by moving. Private columns: 3 and 4.
        let g = graph(&[&[(1, 100), (0, 80), (3, 1000)], &[(2, 100), (0, 200), (4, 1000)]], 5);
        let mut a = holding(&g, vec![1, 2], vec![50, 0, 0, 0, 0]);
        a.col_row[0] = NONE;
        let mut search = Search::new(g.columns);
        a.free_by_backward_search(0, &mut [0; 2], &mut search);
        assert_eq!(a.row_col, vec![0, 2], "row 0 moved into the hole");
        assert_eq!((a.price[0], a.price[1]), (20, 0), "row 0 pays what it paid; column 1 is free of charge");
        assert_eq!(a.col_row[1], NONE);
        assert_eq!(offered(&search), vec![0, 1], "column 2, 150 away, was never offered");
    }

    /// Each row's (column, cost) edges.
    type Rows = Vec<Vec<(u32, i64)>>;

    /// Rows of (column, cost) edges over `slots` shared columns, each row with a later
    /// private column of its own; costs are multiples of 100 so that rows × ε (ε = 1)
    /// cannot hide a worse total.
    fn rows_and_extra() -> impl Strategy<Value = (usize, Rows, Rows)> {
        (1usize..7, 1usize..7).prop_flat_map(|(rows, slots)| {
            let edges = proptest::collection::vec((0..slots as u32, 0i64..20), 0..5);
            (Just(slots), proptest::collection::vec(edges.clone(), rows), proptest::collection::vec(edges, rows))
                .prop_map(move |(slots, before, extra)| {
                    let tidy = |rows: Rows, private: bool| -> Rows {
                        rows.into_iter()
                            .enumerate()
                            .map(|(r, mut edges)| {
                                edges.sort_by_key(|&(c, _)| c);
                                edges.dedup_by_key(|&mut (c, _)| c);
                                let mut edges: Vec<(u32, i64)> = edges.into_iter().map(|(c, w)| (c, w * 100)).collect();
                                if private {
                                    edges.push(((slots + r) as u32, 2_000));
                                }
                                edges
                            })
                            .collect()
                    };
                    let before = tidy(before, true);
                    let extra = tidy(extra, false)
                        .into_iter()
                        .zip(&before)
                        .map(|(extra, row)| {
                            extra.into_iter().filter(|&(c, _)| !row.iter().any(|&(k, _)| k == c)).collect()
                        })
                        .collect();
                    (slots, before, extra)
                })
        })
    }

    proptest! {
        #[test]
        fn a_warm_start_reaches_the_cold_optimum_with_certifying_prices((slots, before, extra) in rows_and_extra()) {
            let columns = slots + before.len();
            let as_graph = |rows: &[Vec<(u32, i64)>]| graph(&rows.iter().map(Vec::as_slice).collect::<Vec<_>>(), columns);
            let first = solve(&as_graph(&before), 1, None);
            let after: Vec<Vec<(u32, i64)>> =
                before.iter().zip(&extra).map(|(row, more)| row.iter().chain(more).copied().collect()).collect();
            let g = as_graph(&after);
            let warm = solve(&g, 1, Some(first));
            let cold = solve(&g, 1, None);
            assert_certified(&g, &warm, 1);
            prop_assert_eq!(warm.row_cost.iter().sum::<i64>() / 100, cold.row_cost.iter().sum::<i64>() / 100);
        }
    }
}
