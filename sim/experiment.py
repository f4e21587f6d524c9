"""Replications of one scenario: chunking, parallel workers, tidy results.

Each replication's numbers depend only on the base seed and its index (:mod:`sim.streams`), so the
results are the same whichever engine, chunk size or number of worker processes runs them, and two
scenarios run with the same seed share their random numbers (common random numbers).

The run function has the shape an exploratory-modelling tool expects: a config in, named outcomes
out (:class:`Results`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim import metrics, streams
from sim.batched import run_batch
from sim.config import Config
from sim.derived import PATH_INDICATORS, PHASE_TO_OUTCOME, RECORD_COLUMNS

MESA_CHUNK = 200  # replications per task on the Mesa engine (each is a whole model)


@dataclass
class Results:
    """Everything one scenario run produces.

    Attributes:
        config: The validated configuration that produced the results.
        records: One row per replication (see :data:`sim.derived.RECORD_COLUMNS`).
        paths: Weekly paths, tidy: ``week, indicator, mean, p05, p95``.
        summary: Outcome probabilities with intervals and key means (JSON-ready).
        survival: Kaplan–Meier table of the first peace (``week, at_risk, events, ...``).
        raw_paths: Per-replication weekly arrays ``(replications, weeks + 1)`` if kept.
    """

    config: Config
    records: pd.DataFrame
    paths: pd.DataFrame
    summary: dict[str, Any]
    survival: pd.DataFrame
    raw_paths: dict[str, NDArray] | None = field(default=None, repr=False)


def simulate_chunk(cfg: Config, start: int, stop: int) -> tuple[dict[str, NDArray], dict[str, NDArray]]:
    """Run replications ``start..stop-1`` on the configured engine.

    Returns:
        ``(columns, paths)``: per-replication arrays (including ``seed``) and weekly paths
        ``(stop - start, weeks + 1)`` (indicators as float32, phase as int8).
    """
    reps = np.arange(start, stop, dtype=np.int64)
    if cfg.sim.engine == "batched":
        res = run_batch(cfg, reps, path_dtype=np.float32)
        columns, raw = res.columns, res.paths
    else:
        columns, raw = _mesa_chunk(cfg, reps)
    columns = dict(columns)
    columns["seed"] = streams.replication_keys(cfg.sim.seed, reps)
    paths = {k: np.asarray(raw[k], dtype=np.float32) for k in PATH_INDICATORS}
    paths["phase"] = np.asarray(raw["phase"], dtype=np.int8)
    return columns, paths


def _mesa_chunk(cfg: Config, reps: NDArray[np.int64]) -> tuple[dict[str, NDArray], dict[str, NDArray]]:
    from sim.model import CeasefireModel  # Mesa is only imported when this engine is used

    records, paths = [], {k: [] for k in (*PATH_INDICATORS, "phase")}
    for rep in reps:
        model = CeasefireModel(config=cfg, rng=cfg.sim.seed, replication=int(rep))
        while model.running:
            model.step()
        records.append(model.record())
        for k, v in model.paths().items():
            paths[k].append(v)
    columns = {k: np.array([r[k] for r in records]) for k in records[0]}
    return columns, {k: np.array(v) for k, v in paths.items()}


def _chunks(cfg: Config) -> list[tuple[int, int]]:
    size = cfg.sim.chunk_size if cfg.sim.engine == "batched" else min(cfg.sim.chunk_size,
                                                                      MESA_CHUNK)
    n = cfg.sim.replications
    return [(a, min(a + size, n)) for a in range(0, n, size)]


def _n_workers(cfg: Config, n_chunks: int) -> int:
    wanted = (os.cpu_count() or 1) if cfg.sim.n_jobs == -1 else cfg.sim.n_jobs
    return max(1, min(wanted, n_chunks))


def _show_progress(cfg: Config, progress: bool | None) -> bool:
    if progress is not None:
        return progress
    if cfg.sim.progress != "auto":
        return cfg.sim.progress == "on"
    return sys.stderr.isatty()


def _iter_chunks(cfg: Config, chunks: list[tuple[int, int]]) -> Iterator[tuple[dict, dict]]:
    workers = _n_workers(cfg, len(chunks))
    if workers == 1:
        for a, b in chunks:
            yield simulate_chunk(cfg, a, b)
        return
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=workers, return_as="generator")
    yield from parallel(delayed(simulate_chunk)(cfg, a, b) for a, b in chunks)


def run(cfg: Config, *, keep_paths: bool = False, progress: bool | None = None) -> Results:
    """Run all replications of a validated config and summarise them.

    Args:
        cfg: A validated :class:`~sim.config.Config`.
        keep_paths: Keep the per-replication weekly arrays in :attr:`Results.raw_paths`.
        progress: Show a progress bar; ``None`` follows ``cfg.sim.progress`` (``auto``: only on
            a terminal).
    """
    n, weeks = cfg.sim.replications, cfg.sim.weeks
    chunks = _chunks(cfg)
    cols: dict[str, list[NDArray]] = {}
    paths = {k: np.empty((n, weeks + 1), dtype=np.float32) for k in PATH_INDICATORS}
    paths["phase"] = np.empty((n, weeks + 1), dtype=np.int8)

    results = _iter_chunks(cfg, chunks)
    if _show_progress(cfg, progress) and len(chunks) > 1:
        from tqdm.auto import tqdm

        results = tqdm(results, total=len(chunks), unit="chunk", desc=cfg.name, file=sys.stderr)
    for (a, b), (chunk_cols, chunk_paths) in zip(chunks, results, strict=True):
        for k, v in chunk_cols.items():
            cols.setdefault(k, []).append(v)
        for k, v in chunk_paths.items():
            paths[k][a:b] = v

    records = _records(cols, n)
    summary = metrics.summarise(records, weeks, scenario=cfg.name, seed=cfg.sim.seed)
    summary["engine"] = cfg.sim.engine
    survival = metrics.kaplan_meier(
        records["peace_duration"].to_numpy(), records["peace_failed"].to_numpy(), weeks
    )
    path_df = metrics.path_summary(paths, weeks)
    return Results(cfg, records, path_df, summary, survival, paths if keep_paths else None)


def run_block(cfgs: list[Config], *, keep_paths: bool = False,
              progress: bool | None = None) -> list[Results]:
    """Run a block of design points (validated configs); one :class:`Results` per point.

    Replication *i* of every point draws the same numbers (common random numbers), and each
    point's results equal those of :func:`run` on that point alone.
    """
    return [run(cfg, keep_paths=keep_paths, progress=progress) for cfg in cfgs]


def _records(cols: dict[str, list[NDArray]], n: int) -> pd.DataFrame:
    flat = {k: np.concatenate(v) for k, v in cols.items()}
    data: dict[str, Any] = {"replication": np.arange(n, dtype=np.int64)}
    for name in RECORD_COLUMNS[1:]:
        if name == "outcome":
            labels = np.array([PHASE_TO_OUTCOME[p] for p in sorted(PHASE_TO_OUTCOME)])
            data[name] = labels[flat["final_phase"].astype(np.int64)]
        else:
            data[name] = flat[name]
    records = pd.DataFrame(data)
    records["seed"] = records["seed"].astype(np.uint64)
    return records
