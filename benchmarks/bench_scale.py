"""Benchmark: Mesa vs batched engine, the numpy floor, and 1,000,000 replications in one job.

Run from the repository root::

    python benchmarks/bench_scale.py            # article_baseline, 104 weeks
    python benchmarks/bench_scale.py --big 10000000

It measures, in one run:

1. replications per second of ``article_baseline`` on the Mesa engine and on the batched engine
   (both through :func:`sim.experiment.simulate_chunk`, the code path ``experiment.run`` uses;
   alternating rounds, best round of each) and their ratio (target: at least 250×);
2. the floor: a bare numpy loop drawing, week by week, as many uniforms per replication as the
   engine draws (counted), with the same counter-based generator; the engine should be within 4×
   of it;
3. ``--big`` replications (default 1,000,000) in one job — :func:`sim.experiment.run` on the
   batched engine, in chunks, with summaries, survival table and streaming path bands — in a fresh
   subprocess, so its peak resident memory (``ru_maxrss``) is its own: wall time and peak RSS
   (target: under 1 GB). ``--big 10000000`` checks that ten million run.

The numbers depend on the machine and on what else runs on it; the script prints them with the
platform so they can be copied into the README.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import subprocess
import sys
import time

from sim.config import Config

MESA_REPS = 200  # per round: enough for a stable rate on the Mesa engine (~6 ms a replication)
BATCHED_REPS = 40_000  # per round: two chunks of the default 20,000
ROUNDS = 3  # the engines are timed in alternating rounds; the best round of each counts
BIG_REPS = 1_000_000
RATIO_TARGET = 250.0
FLOOR_TARGET = 4.0  # the engine within this factor of a bare loop drawing the same uniforms
RSS_TARGET_MB = 1024.0


def _config(scenario: str, **sim: object):
    from sim.api import compose_config

    cfg = compose_config(scenario)
    return dataclasses.replace(cfg, sim=dataclasses.replace(cfg.sim, **sim))


def _rate(scenario: str, engine: str, reps: int, chunk: int) -> float:
    """Replications per second of one engine over ``reps`` replications in chunks."""
    from sim.experiment import simulate_chunk

    cfg = _config(scenario, engine=engine, replications=reps, chunk_size=chunk, progress="off")
    start = time.perf_counter()
    for a in range(0, reps, chunk):
        simulate_chunk(cfg, a, min(a + chunk, reps))
    return reps / (time.perf_counter() - start)


def engine_rates(scenario: str, mesa_reps: int, batched_reps: int, chunk: int,
                 rounds: int = ROUNDS) -> tuple[float, float]:
    """Best replications/second of each engine over alternating rounds.

    Alternating the engines and keeping each one's best round makes the ratio robust to other
    load on the machine that comes and goes during the measurement.
    """
    _rate(scenario, "mesa", 10, 200)  # warm-up: imports and first-call costs
    _rate(scenario, "batched", 10, chunk)
    mesa, batched = 0.0, 0.0
    for _ in range(rounds):
        mesa = max(mesa, _rate(scenario, "mesa", mesa_reps, 200))
        batched = max(batched, _rate(scenario, "batched", batched_reps, chunk))
    return mesa, batched


def uniforms_per_rep_week(scenario: str, reps: int = 4000) -> float:
    """How many uniforms the batched engine draws per replication and week (counted)."""
    import numpy as np

    from sim import batched, streams

    cfg = _config(scenario, replications=reps)
    counted = {"n": 0}
    original = streams.at

    def counting(kp, week, ic):
        counted["n"] += len(kp)
        return original(kp, week, ic)

    streams.at = counting
    try:
        batched.run_batch(cfg, np.arange(reps), keep_paths=False)
    finally:
        streams.at = original
    return counted["n"] / (reps * cfg.sim.weeks)


def floor_rate(per_rep_week: float, reps: int, weeks: int = 104) -> float:
    """Replications per second of a bare numpy loop that draws, week by week, the same number
    of uniforms per replication with the same counter-based generator (``sim.streams``)."""
    import math

    import numpy as np

    from sim import streams

    columns = max(1, math.ceil(per_rep_week))
    keys = streams.replication_keys(20250904, np.arange(reps))
    pc, ic = streams.columns([streams.TALKS] * columns, list(range(columns)))
    kp = np.ascontiguousarray(streams.keyed(keys, pc).T)
    share = per_rep_week / columns  # draw a matching share of the rows in every column
    rows = np.arange(round(reps * share))
    start = time.perf_counter()
    for week in range(1, weeks + 1):
        for c in range(columns):
            streams.at(kp[c, rows], week, int(ic[c]))
    return reps / (time.perf_counter() - start)


def _peak_rss_mb() -> float:
    """Peak resident set size of this process in MiB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def child(scenario: str, reps: int, chunk: int, n_jobs: int) -> None:
    """Run ``reps`` replications in one job and print wall time and peak RSS as JSON."""
    from sim import experiment

    cfg = _config(scenario, replications=reps, chunk_size=chunk, n_jobs=n_jobs, progress="off")
    start = time.perf_counter()
    results = experiment.run(cfg)
    wall = time.perf_counter() - start
    print(json.dumps({"replications": len(results.records), "wall_s": wall,
                      "peak_rss_mb": _peak_rss_mb()}))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="article_baseline")
    parser.add_argument("--mesa", type=int, default=MESA_REPS,
                        help="Mesa replications per round")
    parser.add_argument("--batched", type=int, default=BATCHED_REPS,
                        help="batched replications per round")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="alternating rounds")
    parser.add_argument("--big", type=int, default=BIG_REPS, help="replications in one job")
    parser.add_argument("--chunk-size", type=int, default=Config().sim.chunk_size)
    parser.add_argument("--n-jobs", type=int, default=1, help="workers for the big job")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.scenario, args.big, args.chunk_size, args.n_jobs)
        return 0

    print(f"ceasefire-sim benchmark: {args.scenario}, 104 weeks | {platform.platform()} | "
          f"Python {platform.python_version()} | {os.cpu_count()} CPUs", flush=True)
    mesa, batched = engine_rates(args.scenario, args.mesa, args.batched, args.chunk_size,
                                 args.rounds)
    ratio = batched / mesa
    draws = uniforms_per_rep_week(args.scenario)
    floor = max(floor_rate(draws, args.chunk_size) for _ in range(args.rounds))
    slower = floor / batched
    proc = subprocess.run(
        [sys.executable, __file__, "--child", "--scenario", args.scenario, "--big",
         str(args.big), "--chunk-size", str(args.chunk_size), "--n-jobs", str(args.n_jobs)],
        capture_output=True, text=True, check=True)
    big = json.loads(proc.stdout.strip().splitlines()[-1])

    rows = [
        ("Mesa engine", f"{mesa:,.0f} replications/s",
         f"best of {args.rounds} rounds of {args.mesa:,}", ""),
        ("batched engine", f"{batched:,.0f} replications/s",
         f"best of {args.rounds} rounds of {args.batched:,}", ""),
        ("speed-up (batched / Mesa)", f"{ratio:,.0f}×", f"target ≥ {RATIO_TARGET:.0f}×",
         "ok" if ratio >= RATIO_TARGET else "MISSED"),
        ("bare draw loop (the floor)", f"{floor:,.0f} replications/s",
         f"{draws:.1f} uniforms per replication-week, same generator", ""),
        ("batched engine / floor", f"{slower:.1f}× slower", f"target ≤ {FLOOR_TARGET:.0f}×",
         "ok" if slower <= FLOOR_TARGET else "MISSED"),
        (f"{big['replications']:,} replications, one job", f"{big['wall_s']:.1f} s wall",
         f"{big['replications'] / big['wall_s']:,.0f} replications/s end to end", ""),
        ("  peak RSS of that job", f"{big['peak_rss_mb']:,.0f} MB",
         f"target < {RSS_TARGET_MB:,.0f} MB",
         "ok" if big["peak_rss_mb"] < RSS_TARGET_MB else "MISSED"),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
