#!/usr/bin/env python3
"""Solves the instances `upward bench matching` measures with SciPy, for comparison.

For each size, asks `upward` to write the seeded instance (--write-instance) and to
solve it (into a temporary results directory), then scores every (mentee, mentor
place) pair densely with the same rules and weights and solves that matrix with
scipy.optimize.linear_sum_assignment. Prints both totals and times side by side
(SciPy's time is the solve alone; building the matrix in NumPy is shown apart), how
many times faster upward was than SciPy's solve, and the load average upward ran at.

Dense means mentees x places, 8 bytes each: keep to sizes that fit (10,000
participants is 5,000 x 5,000, 200 MB). Scores and rules follow crates/matching/src/
score.rs; a pair the rules forbid scores 0, which is the same as leaving the mentee
unmatched, because every allowed pair scores at least one skill's points.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

NO_DEPARTMENT = 0xFFFF


def priority(position):
    return max(4 - position, 1)


def overlap_minutes(a, b, rules):
    start = rules["work_start_minute"]
    end = max(rules["work_end_minute"], start)
    a0, a1 = start - a, end - a
    total = 0
    for shift in (-1440, 0, 1440):
        b0, b1 = start - b + shift, end - b + shift
        total += max(min(a1, b1) - max(a0, b0), 0)
    return min(total, 1440)


def score_matrix(instance):
    """Scores of every (mentee, mentor place), 0 where the rules forbid the pair."""
    mentors, mentees = instance["mentors"], instance["mentees"]
    weights, rules = instance["weights"], instance["rules"]
    skills = 1 + max([s for p in mentors for s in p["teach"]] + [s for p in mentees for s in p["learn"]] + [0])
    teach = np.zeros((len(mentors), skills), dtype=np.float32)
    for j, mentor in enumerate(mentors):
        teach[j, mentor["teach"]] = 1
    wish = np.zeros((skills, len(mentees)), dtype=np.float32)
    for i, mentee in enumerate(mentees):
        for position, skill in enumerate(mentee["learn"]):
            if wish[skill, i] == 0:
                wish[skill, i] = priority(position)
    skill_points = (teach @ wish).T.astype(np.int64)  # mentees x mentors

    offsets = sorted({p["utc_offset_minutes"] for p in mentors + mentees})
    zone = {o: k for k, o in enumerate(offsets)}
    hours = np.array([[overlap_minutes(a, b, rules) // 60 for b in offsets] for a in offsets], dtype=np.int64)
    mentor_zone = np.array([zone[p["utc_offset_minutes"]] for p in mentors])
    mentee_zone = np.array([zone[p["utc_offset_minutes"]] for p in mentees])
    shared_hours = hours[mentee_zone][:, mentor_zone]

    mentor_dept = np.array([p["department"] for p in mentors])
    mentee_dept = np.array([p["department"] for p in mentees])
    known = (mentee_dept[:, None] != NO_DEPARTMENT) & (mentor_dept[None, :] != NO_DEPARTMENT)
    cross = known & (mentee_dept[:, None] != mentor_dept[None, :])

    gap_rule = rules["min_level_gap"]
    mentor_level = np.array([-1 if p["level"] is None else p["level"] for p in mentors])
    mentee_level = np.array([-1 if p["level"] is None else p["level"] for p in mentees])
    both = (mentee_level[:, None] >= 0) & (mentor_level[None, :] >= 0)
    gap = mentee_level[:, None] - mentor_level[None, :]
    extra = np.where(both, np.clip(gap - (gap_rule or 0), 0, rules["level_gap_cap"]), 0)

    score = (
        weights["skill"] * skill_points
        + weights["hour"] * shared_hours
        + weights["cross_department"] * cross
        + weights.get("level", 0) * extra
    )

    allowed = skill_points > 0
    mentor_id = np.array([p["id"] for p in mentors])
    mentee_id = np.array([p["id"] for p in mentees])
    allowed &= mentee_id[:, None] != mentor_id[None, :]
    mentor_index = {p["id"]: j for j, p in enumerate(mentors)}
    mentee_index = {p["id"]: i for i, p in enumerate(mentees)}
    if not rules["allow_repeats"]:
        for mentor, mentee in instance["past_pairs"]:
            if mentor in mentor_index and mentee in mentee_index:
                allowed[mentee_index[mentee], mentor_index[mentor]] = False
    for j, mentor in enumerate(mentors):
        if mentor["manager"] in mentee_index:
            allowed[mentee_index[mentor["manager"]], j] = False
    for i, mentee in enumerate(mentees):
        if mentee["manager"] in mentor_index:
            allowed[i, mentor_index[mentee["manager"]]] = False
    if rules["forbid_same_department"]:
        allowed &= ~(known & (mentee_dept[:, None] == mentor_dept[None, :]))
    if gap_rule is not None:
        allowed &= ~(both & (gap < gap_rule))
    score = np.where(allowed, score, 0)

    places = np.repeat(
        np.arange(len(mentors)),
        [rules["capacity"] if p["capacity"] is None else p["capacity"] for p in mentors],
    )
    return score[:, places]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upward", default="target/release/upward", help="the upward binary (release build)")
    parser.add_argument("--sizes", default="1000,5000,10000", help="participants, comma-separated")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    print(
        f"{'participants':>12} {'upward total':>13} {'upward s':>9} {'SciPy total':>12} {'SciPy s':>8} {'matrix s':>9}"
        f" {'x SciPy':>8} {'load':>5}  same"
    )
    for size in [int(s) for s in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "instance.json"
            common = ["bench", "matching", "--sizes", str(size), "--seed", str(args.seed)]
            subprocess.run([args.upward, *common, "--write-instance", str(path)], check=True, capture_output=True)
            subprocess.run([args.upward, *common, "--results", tmp], check=True, capture_output=True)
            ours = json.loads((Path(tmp) / "matching.json").read_text())[0]
            instance = json.loads(path.read_text())
        started = time.perf_counter()
        score = score_matrix(instance)
        built = time.perf_counter()
        rows, cols = linear_sum_assignment(score, maximize=True)
        solved = time.perf_counter()
        total = int(score[rows, cols].sum())
        same = "yes" if total == ours["total_score"] else "NO"
        ratio = (solved - built) / ours["seconds"] if ours["seconds"] > 0 else float("inf")
        load = ours.get("load_average")
        print(
            f"{size:>12} {ours['total_score']:>13} {ours['seconds']:>9.3f} {total:>12} {solved - built:>8.3f}"
            f" {built - started:>9.3f} {ratio:>7.1f}x {'-' if load is None else f'{load:.2f}':>5}  {same}"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
