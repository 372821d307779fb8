#!/usr/bin/env python3
"""Side-by-side timings: fieldlab's allocation engine against scipy's sparse LAPJV.

Usage (from the repository root):
    python3 benches/scipy_compare.py [--manifest-path Cargo.toml] [--sizes 80,3500,10000]

1. Creates a throwaway virtualenv in /tmp (once) and pip-installs scipy into it.
2. Runs `cargo bench --bench allocation` with FIELDLAB_ALLOC_EXPORT set: the Rust side writes
   the benchmark instances (Zipf 0.8, N teams x N problems of capacity 1, 5-10 choices) as
   `fieldlab allocate` input files and prints its own timings, solve only, in the same run.
3. Times scipy.sparse.csgraph.min_weight_full_bipartite_matching on the same instances and
   prints a table.

scipy needs a matching that covers every team, so each team also gets a private "unplaced"
column costing more than any sum of ranks: the optimum then places as many teams as possible,
then minimises the total rank, which is exactly `rank_sum`. The script checks that both sides
agree on the number placed and the total rank. scipy's time covers the solve only (the sparse
matrix is built beforehand), and so does fieldlab's (the instance is built beforehand; the
solve includes validating ids, building the graph and explaining every unplaced team).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

VENV = "/tmp/fieldlab-scipy-venv"
EXPORT_DIR = "/tmp/fieldlab-alloc-instances"


def ensure_venv() -> str:
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    probe = subprocess.run([python, "-c", "import scipy"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run([python, "-m", "pip", "install", "--quiet", "scipy"], check=True)
    return python


def scipy_worker(path: str, repeats: int) -> None:
    """Runs inside the venv: prints one JSON line of scipy timings for one instance."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    with open(path) as f:
        instance = json.load(f)
    problems = {p["id"]: i for i, p in enumerate(instance["problems"])}
    n_teams, n_problems = len(instance["teams"]), len(problems)
    max_rank = max((len(t["prefs"]) for t in instance["teams"]), default=0)
    unplaced = float(n_teams * max_rank + 1)
    rows, cols, weights = [], [], []
    for t, team in enumerate(instance["teams"]):
        for rank, p in enumerate(team["prefs"], start=1):
            rows.append(t)
            cols.append(problems[p])
            weights.append(float(rank))
        rows.append(t)
        cols.append(n_problems + t)
        weights.append(unplaced)
    matrix = csr_matrix(
        (np.array(weights), (np.array(rows), np.array(cols))),
        shape=(n_teams, n_problems + n_teams),
    )
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        row_ind, col_ind = min_weight_full_bipartite_matching(matrix)
        times.append(time.perf_counter() - start)
    placed = col_ind < n_problems
    total = int(np.asarray(matrix[row_ind[placed], col_ind[placed]]).sum())
    print(json.dumps({
        "seconds_min": min(times),
        "seconds_median": statistics.median(times),
        "assigned": int(placed.sum()),
        "total_rank": total,
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--manifest-path", default=os.path.join(here, "..", "Cargo.toml"))
    parser.add_argument("--sizes", default="80,3500,10000")
    parser.add_argument("--scipy-repeats", type=int, default=10)
    parser.add_argument("--scipy-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scipy_worker:
        scipy_worker(args.scipy_worker, args.scipy_repeats)
        return

    python = ensure_venv()
    env = dict(os.environ, FIELDLAB_ALLOC_EXPORT=EXPORT_DIR)
    rust = subprocess.run(
        ["cargo", "bench", "--manifest-path", args.manifest_path, "--bench", "allocation"],
        env=env, check=True, capture_output=True, text=True,
    )
    results = [json.loads(l) for l in rust.stdout.splitlines() if l.startswith("{")]
    sizes = [int(s) for s in args.sizes.split(",")]

    print(f"{'teams':>6} {'objective':<13} {'fieldlab min':>13} {'median':>9} "
          f"{'peak RSS':>9} {'scipy min':>10} {'median':>9}  placed / total rank")
    for n in sizes:
        mine = [r for r in results if r["n"] == n]
        if not mine:
            continue
        worker = subprocess.run(
            [python, os.path.abspath(__file__), "--scipy-worker", mine[0]["file"],
             "--scipy-repeats", str(args.scipy_repeats)],
            check=True, capture_output=True, text=True,
        )
        sp = json.loads(worker.stdout.strip().splitlines()[-1])
        for r in mine:
            same = ""
            if r["objective"] == "rank_sum":
                agree = (r["assigned"], r["total_rank"]) == (sp["assigned"], sp["total_rank"])
                same = "  (scipy: same)" if agree else \
                    f"  (scipy: {sp['assigned']} / {sp['total_rank']}: MISMATCH)"
            print(f"{n:>6} {r['objective']:<13} {r['seconds_min'] * 1e3:>10.2f} ms "
                  f"{r['seconds_median'] * 1e3:>6.2f} ms {r['rss_kib_peak'] / 1024:>6.1f} MB "
                  f"{sp['seconds_min'] * 1e3:>7.2f} ms {sp['seconds_median'] * 1e3:>6.2f} ms  "
                  f"{r['assigned']} / {r['total_rank']}{same}")


if __name__ == "__main__":
    main()
