"""Benchmark: sweeps against the engine's own time, and start-up.

Three measurements, printed as figures with their targets:

1. ``import``: CPU and wall seconds of ``python -c "import sim.cli"`` (bytecode compiled first;
   best of ``--import-rounds``). Target: at most 1.0 s.
2. ``grid``: wall seconds of the 20-point sweep
   ``ceasefire-sim +experiment=timing_x_us_role sim.replications=10000`` (every deployment timing ×
   every US role; per-point results, the aggregate and the sweep figures included). Target: at
   most 15 s on 2 cores.
3. ``sobol``: wall seconds of the Sobol study
   ``ceasefire-sim +experiment=sobol design.n=64 sim.replications=15625`` (640 points, 10,000,000
   replications) on the joblib launcher with 2 workers, against the engine's own time for the same
   points and replications: :func:`sim.batched.run_points` called directly in 2 worker processes,
   half the points each, nothing written. Target: the sweep within 1.3× of the engine. The
   sweep's extra time is everything that is not the model: start-up, composing, summaries,
   writing 640 results folders, the aggregate, the Sobol indices and the figures.

Usage::

    python benchmarks/bench_sweeps.py                        # all three (about 10 minutes)
    python benchmarks/bench_sweeps.py --only import grid
    python benchmarks/bench_sweeps.py --sobol-replications 1563   # a 1,000,000-replication Sobol run

The machine's load average is printed first: on a shared machine wall times vary, so compare the
ratio, which is measured in one run.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import itertools
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).with_name("ceasefire-sim")


def _cli() -> list[str]:
    """The console script next to this interpreter, or ``python -m sim``."""
    return [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "sim"]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_import(rounds: int) -> dict[str, float]:
    """Best wall and CPU seconds of ``python -c "import sim.cli"`` over ``rounds`` runs."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "sim")], check=True)
    walls, cpus = [], []
    for _ in range(rounds):
        cpu0, t0 = _children_cpu(), time.perf_counter()
        subprocess.run([sys.executable, "-c", "import sim.cli"], check=True, cwd=ROOT)
        walls.append(time.perf_counter() - t0)
        cpus.append(_children_cpu() - cpu0)
    return {"wall": min(walls), "cpu": min(cpus)}


def _sweep(args: list[str], folder: Path) -> float:
    """Run one ``ceasefire-sim`` sweep into ``folder``; wall seconds."""
    cmd = [*_cli(), *args, f"hydra.sweep.dir={folder}", "hydra.job.chdir=false"]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"error: the sweep {' '.join(args)} failed (exit {done.returncode}):\n"
                 f"{done.stderr[-2000:]}")
    return wall


def bench_grid(replications: int, work: Path) -> dict[str, float]:
    """Wall seconds of the 20-point timing × US-role sweep, aggregate and figures included."""
    folder = work / "grid"
    wall = _sweep(["+experiment=timing_x_us_role", f"sim.replications={replications}"], folder)
    figures = sorted(p.name for p in (folder / "figures").glob("*.png"))
    points = sum(1 for p in folder.iterdir() if p.is_dir() and p.name.isdigit())
    return {"wall": wall, "points": points, "figures": len(figures)}


def _engine_part(args: tuple[int, int, int, int]) -> float:
    """Run points ``start:stop`` of the Sobol design through the engine alone; CPU seconds."""
    n, replications, start, stop = args
    from sim.api import compose_config
    from sim.batched import run_points
    from sim.sweeps.designs import points
    from sim.sweeps.points import apply

    t0 = time.process_time()
    base = compose_config("article_baseline", ["+experiment=sobol", f"sim.replications={replications}"])
    spec = _sobol_spec(n)
    cfgs = [apply(base, v) for v in points(spec)[start:stop]]
    per_batch = max(1, base.sim.chunk_size // replications)
    reps = np.arange(replications, dtype=np.int64)
    for i in range(0, len(cfgs), per_batch):
        run_points(cfgs[i:i + per_batch], reps, keep_paths=False)
    return time.process_time() - t0


def _sobol_spec(n: int):
    """The design of ``+experiment=sobol design.n=n``, read from the preset."""
    import yaml

    from sim.sweeps.designs import spec_from_mapping

    node = yaml.safe_load((ROOT / "conf" / "experiment" / "sobol.yaml").read_text())
    design = dict(node["hydra"]["sweeper"]["design"])
    design["n"] = n
    return spec_from_mapping(design)


def bench_sobol(n: int, replications: int, work: Path, workers: int) -> dict[str, float]:
    """The Sobol sweep on joblib with ``workers`` workers against the engine in as many processes."""
    n_points = len(_sobol_points(n))
    bounds = np.linspace(0, n_points, workers + 1).round().astype(int)
    parts = [(n, replications, int(a), int(b)) for a, b in itertools.pairwise(bounds)]
    t0 = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(workers) as pool:
        cpu = sum(pool.map(_engine_part, parts))
    engine = time.perf_counter() - t0
    sweep = _sweep(["+experiment=sobol", f"design.n={n}", f"sim.replications={replications}",
                    "hydra/launcher=joblib", f"hydra.launcher.n_jobs={workers}"], work / "sobol")
    return {"points": n_points, "replications": n_points * replications, "engine": engine,
            "engine_cpu": cpu, "sweep": sweep, "ratio": sweep / engine}


def _sobol_points(n: int) -> list:
    from sim.sweeps.designs import points

    return points(_sobol_spec(n))


def main() -> None:
    """Run the chosen benchmarks and print their figures against the targets."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=["import", "grid", "sobol"],
                        default=["import", "grid", "sobol"])
    parser.add_argument("--import-rounds", type=int, default=5)
    parser.add_argument("--grid-replications", type=int, default=10_000)
    parser.add_argument("--sobol-n", type=int, default=64)
    parser.add_argument("--sobol-replications", type=int, default=15_625)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
          f" (1, 5, 15 min); python {sys.version.split()[0]}")
    work = Path(tempfile.mkdtemp(prefix="bench_sweeps_"))
    try:
        if "import" in args.only:
            r = bench_import(args.import_rounds)
            verdict = "met" if r["cpu"] <= 1.0 else "MISSED"
            print(f"import sim.cli: {r['cpu']:.2f} s CPU, {r['wall']:.2f} s wall "
                  f"(best of {args.import_rounds}); target <= 1.0 s: {verdict}")
        if "grid" in args.only:
            r = bench_grid(args.grid_replications, work)
            verdict = "met" if r["wall"] <= 15.0 else "MISSED"
            print(f"timing_x_us_role sweep: {r['points']} points x {args.grid_replications:,} "
                  f"replications, {r['figures']} sweep figures: {r['wall']:.1f} s wall; "
                  f"target <= 15 s: {verdict}")
        if "sobol" in args.only:
            r = bench_sobol(args.sobol_n, args.sobol_replications, work, args.workers)
            verdict = "met" if r["ratio"] <= 1.3 else "MISSED"
            print(f"sobol sweep: {r['points']} points, {r['replications']:,} replications on "
                  f"{args.workers} workers: engine alone {r['engine']:.1f} s wall "
                  f"({r['engine_cpu']:.1f} s CPU, {1e6 * r['engine_cpu'] / r['replications']:.1f} "
                  f"us per replication); sweep {r['sweep']:.1f} s wall; ratio {r['ratio']:.2f}; "
                  f"target <= 1.3: {verdict}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
