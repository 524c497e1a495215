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
//! The result satisfies ε-complementary slackness: every row pays (edge cost plus
//! column price) at most ε more than its cheapest edge, and every free column has price
//! 0. That makes the total within `rows × ε` of the optimum on the graph, and the
//! prices are the dual certificate `solve` uses for its bound on the full problem.
//! Forward bids only raise prices; a column left free with a positive price (its row
//! left for a better edge) makes *reverse* bids, lowering its price until it wins a row
//! back or reaches 0.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

const NONE: u32 = u32::MAX;
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
    fn edges(&self, row: usize) -> impl Iterator<Item = (usize, i64)> + '_ {
        let range = self.start[row]..self.start[row + 1];
        self.cols[range.clone()].iter().zip(&self.costs[range]).map(|(&c, &w)| (c as usize, w))
    }

    fn rows(&self) -> usize {
        self.start.len() - 1
    }

    /// The same edges by column, for reverse bids: (start, rows, costs).
    fn transpose(&self) -> (Vec<usize>, Vec<u32>, Vec<i64>) {
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

struct Auction<'g> {
    graph: &'g Graph,
    row_col: Vec<u32>,
    row_cost: Vec<i64>,
    /// What each assigned row pays (its edge's cost plus its column's price), kept up
    /// to date as prices move: a reverse bid weighs every row of a column by it, and
    /// one load per row is much cheaper than chasing the row's column and price.
    paid: Vec<i64>,
    col_row: Vec<u32>,
    price: Vec<i64>,
    by_column: (Vec<usize>, Vec<u32>, Vec<i64>),
}

impl Auction<'_> {
    /// The cheapest edge of `row` at current prices: (total, column, cost), and the
    /// second-cheapest total.
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

    /// Gives `col` (at its current price) to `row`.
    fn place(&mut self, row: usize, col: usize, cost: i64) {
        self.row_col[row] = col as u32;
        self.row_cost[row] = cost;
        self.paid[row] = cost + self.price[col];
        self.col_row[col] = row as u32;
    }

    /// Frees every row that pays more than ε above its cheapest edge.
    fn release_unhappy(&mut self, epsilon: i64) {
        for row in 0..self.graph.rows() {
            let col = self.row_col[row];
            if col != NONE && self.paid[row] > self.best_two(row).0 .0 + epsilon {
                self.col_row[col as usize] = NONE;
                self.row_col[row] = NONE;
            }
        }
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

impl Auction<'_> {
    /// Raises every price as far as the assignment allows: a column's price rises until
    /// its row would rather move to its next-best option (at that option's raised
    /// price), and free columns stay at 0. That is a shortest-path computation from the
    /// free columns backwards along "row of column `a` could move to column `k`", each
    /// step weighing the row's extra cost at current prices (at least 0; at most ε below
    /// 0 by ε-slackness, so every row keeps it). The auction settles on the lowest
    /// prices that clear the graph; pricing wants the highest, which leave the fewest
    /// pairs outside the graph looking better than they are, and so a tighter bound.
    fn lift(&mut self) {
        let (start, rows, costs) = &self.by_column;
        let mut dist = vec![i64::MAX; self.graph.columns];
        let mut heap: BinaryHeap<Reverse<(i64, u32)>> = BinaryHeap::new();
        for c in 0..self.graph.columns {
            // A column only its own row can use deters nobody: it keeps the lowest price
            // its row allows, 0 (the row's other options cost at least what it paid, less ε).
            if start[c + 1] - start[c] == 1 {
                self.price[c] = 0;
            }
            if self.col_row[c] == NONE || start[c + 1] - start[c] == 1 {
                dist[c] = 0;
                heap.push(Reverse((0, c as u32)));
            }
        }
        while let Some(Reverse((d, k))) = heap.pop() {
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
                    heap.push(Reverse((nd, a as u32)));
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

/// Solves the assignment to within `rows × epsilon` of the optimum. Every row must have
/// at least one edge. `warm` (a previous answer on a graph with the same rows and
/// columns and a subset of these edges) is the starting point: only rows that some new
/// edge makes unhappy bid again, over the last few scaling phases.
pub fn solve(graph: &Graph, epsilon: i64, warm: Option<Assignment>) -> Assignment {
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
    let mut auction = Auction {
        graph,
        row_col: start.row_col,
        row_cost: start.row_cost,
        paid,
        col_row,
        price: start.price,
        by_column: graph.transpose(),
    };
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
    for &phase_epsilon in phases.iter().rev() {
        auction.release_unhappy(phase_epsilon);
        auction.forward(phase_epsilon);
        auction.reverse(phase_epsilon);
    }
    auction.lift();
    Assignment { row_col: auction.row_col, row_cost: auction.row_cost, price: auction.price }
}

#[cfg(test)]
mod tests {
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
}
