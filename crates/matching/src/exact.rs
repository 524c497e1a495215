//! A dense exact solver, independent of the sparse one: the reference the tests and
//! the benchmark measure the optimiser against, for instances small enough to hold every
//! pair (a few thousand people a side).
//!
//! With rows ≤ columns, giving a row a column it cannot pair with stands for "stays
//! unmatched": every row gets a distinct column and there are always enough columns to
//! absorb the unmatched, so the dense optimum equals the real one.

use super::model::Instance;
use super::score::Compatibility;

/// The optimal total score (and nothing else: it is a yardstick).
pub fn optimum(instance: &Instance) -> i64 {
    let compat = Compatibility::new(instance);
    // Expand capacities into places.
    let mut places = Vec::new();
    for mentor in &instance.mentors {
        for _ in 0..mentor.capacity.unwrap_or(instance.rules.capacity) {
            places.push(mentor);
        }
    }
    let scores: Vec<Vec<i64>> = instance
        .mentees
        .iter()
        .map(|mentee| places.iter().map(|mentor| compat.fit(mentor, mentee).map_or(0, |f| f.score)).collect())
        .collect();
    let (rows, cols) = (instance.mentees.len(), places.len());
    if rows == 0 || cols == 0 {
        return 0;
    }
    // Orient so rows ≤ columns; maximise by minimising (max - score).
    let transpose = rows > cols;
    let (r, c) = if transpose { (cols, rows) } else { (rows, cols) };
    let max = scores.iter().flatten().copied().max().unwrap_or(0);
    let cost = |i: usize, j: usize| max - if transpose { scores[j][i] } else { scores[i][j] };
    let assignment = hungarian(r, c, cost);
    assignment.iter().enumerate().map(|(i, &j)| max - cost(i, j)).sum()
}

/// Classic O(r²·c) Hungarian algorithm (potentials and shortest augmenting paths over a
/// dense matrix); returns the column of each row.
fn hungarian(r: usize, c: usize, cost: impl Fn(usize, usize) -> i64) -> Vec<usize> {
    const INF: i64 = i64::MAX / 4;
    let mut u = vec![0i64; r + 1];
    let mut v = vec![0i64; c + 1];
    let mut p = vec![0usize; c + 1]; // row (1-based) assigned to column j
    let mut way = vec![0usize; c + 1];
    for i in 1..=r {
        p[0] = i;
        let mut j0 = 0;
        let mut minv = vec![INF; c + 1];
        let mut used = vec![false; c + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let mut delta = INF;
            let mut j1 = 0;
            for j in 1..=c {
                if !used[j] {
                    let cur = cost(i0 - 1, j - 1) - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=c {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut row_col = vec![0usize; r];
    for j in 1..=c {
        if p[j] != 0 {
            row_col[p[j] - 1] = j - 1;
        }
    }
    row_col
}
