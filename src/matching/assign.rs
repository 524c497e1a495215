//! Sparse rectangular assignment by shortest augmenting paths (Jonker–Volgenant style
//! Dijkstra with column potentials). Rows are mentees, columns are mentor places plus
//! one private "stay unmatched" column per mentee, so every row is assigned and the
//! problem is a plain min-cost assignment. Exact on the graph it is given; its column
//! potentials are the dual prices that `solve` uses to prove optimality on the full one.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

const NONE: u32 = u32::MAX;

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
}

/// An optimal assignment and its duals.
pub struct Assignment {
    /// Column of each row.
    pub row_col: Vec<u32>,
    /// Cost of each row's assigned edge.
    pub row_cost: Vec<i64>,
    /// Column potentials (all ≤ 0; 0 for unassigned columns).
    pub v: Vec<i64>,
}

impl Assignment {
    /// The row potential that makes its assigned edge tight.
    pub fn u(&self, row: usize) -> i64 {
        self.row_cost[row] - self.v[self.row_col[row] as usize]
    }
}

/// Solves the assignment; every row must have at least one edge.
pub fn solve(graph: &Graph) -> Assignment {
    let rows = graph.start.len() - 1;
    let cols = graph.columns;
    let mut row_col = vec![NONE; rows];
    let mut row_cost = vec![0i64; rows];
    let mut col_row = vec![NONE; cols];
    let mut v = vec![0i64; cols];
    let mut dist = vec![i64::MAX; cols];
    let mut pred = vec![NONE; cols];
    let mut done = vec![false; cols];
    let mut touched: Vec<usize> = Vec::new();
    let mut scanned: Vec<usize> = Vec::new();
    let mut heap: BinaryHeap<Reverse<(i64, u32)>> = BinaryHeap::new();

    for root in 0..rows {
        for (c, w) in graph.edges(root) {
            let d = w - v[c];
            if d < dist[c] {
                if dist[c] == i64::MAX {
                    touched.push(c);
                }
                dist[c] = d;
                pred[c] = root as u32;
                heap.push(Reverse((d, c as u32)));
            }
        }
        let (sink, reach) = loop {
            let Reverse((d, c)) = heap.pop().expect("every row can reach its own free column");
            let c = c as usize;
            if done[c] || d > dist[c] {
                continue;
            }
            done[c] = true;
            scanned.push(c);
            let owner = col_row[c];
            if owner == NONE {
                break (c, d);
            }
            let r = owner as usize;
            let u = row_cost[r] - v[c];
            for (c2, w) in graph.edges(r) {
                if done[c2] {
                    continue;
                }
                let nd = d + w - v[c2] - u;
                if nd < dist[c2] {
                    if dist[c2] == i64::MAX {
                        touched.push(c2);
                    }
                    dist[c2] = nd;
                    pred[c2] = r as u32;
                    heap.push(Reverse((nd, c2 as u32)));
                }
            }
        };
        for &c in &scanned {
            v[c] += dist[c] - reach;
        }
        // Flip the path: each row on it takes the column it reached.
        let mut c = sink;
        loop {
            let r = pred[c] as usize;
            let previous = row_col[r];
            row_col[r] = c as u32;
            col_row[c] = r as u32;
            row_cost[r] = graph.edges(r).find(|&(k, _)| k == c).map(|(_, w)| w).expect("the path uses edges");
            if r == root {
                break;
            }
            c = previous as usize;
        }
        for &c in &touched {
            dist[c] = i64::MAX;
            done[c] = false;
            pred[c] = NONE;
        }
        touched.clear();
        scanned.clear();
        heap.clear();
    }
    Assignment { row_col, row_cost, v }
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

    #[test]
    fn finds_the_cheapest_assignment_and_tight_duals() {
        // The greedy choice (row 0 takes column 0) is wrong.
        let g = graph(&[&[(0, 1), (1, 2)], &[(0, 1), (2, 10)]], 3);
        let a = solve(&g);
        assert_eq!(a.row_col, vec![1, 0]);
        assert_eq!(a.row_cost.iter().sum::<i64>(), 3);
        for r in 0..2 {
            for (c, w) in g.edges(r) {
                assert!(a.u(r) + a.v[c] <= w, "dual feasible");
            }
        }
        assert!(a.v.iter().all(|&v| v <= 0));
    }
}
