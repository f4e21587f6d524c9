"""Replications of one scenario: chunking, parallel workers, tidy results.

Each replication's numbers depend only on the base seed and its index (:mod:`sim.streams`), so the
results are the same whichever engine, chunk size or number of worker processes runs them, and two
scenarios run with the same seed share their random numbers (common random numbers).

The run function has the shape an exploratory-modelling tool expects: a config in, named outcomes
out (:class:`Results`).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim import metrics, streams
from sim.batched import run_batch, run_points
from sim.config import Config, ConfigError, validate
from sim.derived import PATH_INDICATORS, PHASE_TO_OUTCOME, RECORD_COLUMNS
from sim.pathstats import PathStats, stats_from_paths
from sim.stacking import structural_key

MESA_CHUNK = 200  # replications per task on the Mesa engine (each is a whole model)
RECORD_BYTES = 900  # measured peak memory per replication's record (columns, frame, summary)
PATH_BYTES = 9 * 4 + 1  # per replication and week when weekly paths are kept (float32, int8)
STATE_BYTES = 26 * 60 + 2000  # per replication of a chunk in flight (member slots, state, draws)
MEMORY_SHARE = 0.8  # refuse a run that needs more than this share of the available memory
PROGRESS_SECONDS = 5.0  # off a terminal, a progress line in the log this often
SECONDS_PER_REP_WEEK = 0.4e-6  # the batched engine's cost, for the time estimate
log = logging.getLogger(__name__)


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

    def outcomes(self) -> dict[str, float]:
        """The summary as flat scalars named as the sweep table's columns
        (:func:`sim.metrics.flat_outcomes`): e.g. ``p_escalation``, ``p_war_or_escalation_lo``,
        ``collapse_hazard``; NaN where undefined."""
        return metrics.flat_outcomes(self.summary)


def simulate_chunk(cfg: Config, start: int, stop: int, keep_paths: bool = False
                   ) -> tuple[dict[str, NDArray], PathStats, dict[str, NDArray] | None]:
    """Run replications ``start..stop-1`` on the configured engine.

    Returns:
        ``(columns, stats, paths)``: per-replication arrays (including ``seed``), the streaming
        path statistics of the chunk (:class:`sim.pathstats.PathStats`), and, if asked, the
        weekly paths ``(stop - start, weeks + 1)`` (indicators as float32, phase as int8).
    """
    reps = np.arange(start, stop, dtype=np.int64)
    if cfg.sim.engine == "batched":
        res = run_batch(cfg, reps, path_dtype=np.float32, keep_paths=keep_paths)
        columns, raw, stats = res.columns, res.paths, res.stats
    else:
        columns, raw = _mesa_chunk(cfg, reps)
        stats = stats_from_paths(cfg, raw)
    columns = dict(columns)
    columns["seed"] = streams.replication_keys(cfg.sim.seed, reps)
    paths = None
    if keep_paths:
        paths = {k: np.asarray(raw[k], dtype=np.float32) for k in PATH_INDICATORS}
        paths["phase"] = np.asarray(raw["phase"], dtype=np.int8)
    return columns, stats, paths


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


def _n_workers(cfg: Config, n_tasks: int) -> int:
    wanted = (os.cpu_count() or 1) if cfg.sim.n_jobs == -1 else cfg.sim.n_jobs
    return max(1, min(wanted, n_tasks))


def _show_progress(cfg: Config, progress: bool | None) -> bool:
    if progress is not None:
        return progress
    if cfg.sim.progress != "auto":
        return cfg.sim.progress == "on"
    return sys.stderr.isatty()


def _iter_chunks(cfg: Config, chunks: list[tuple[int, int]], keep_paths: bool) -> Iterator[tuple]:
    workers = _n_workers(cfg, len(chunks))
    if workers == 1:
        for a, b in chunks:
            yield simulate_chunk(cfg, a, b, keep_paths)
        return
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=workers, return_as="generator")
    yield from parallel(delayed(simulate_chunk)(cfg, a, b, keep_paths) for a, b in chunks)


def run(cfg: Config, *, keep_paths: bool = False, progress: bool | None = None) -> Results:
    """Run all replications of a validated config and summarise them.

    Each chunk is reduced as it finishes: its per-replication records are kept, its weekly paths
    only as streaming statistics (exact integers, so the result is the same whatever the chunk
    size or number of workers) unless ``keep_paths`` asks for them.

    Args:
        cfg: A validated :class:`~sim.config.Config`.
        keep_paths: Keep the per-replication weekly arrays in :attr:`Results.raw_paths`.
        progress: Show a progress bar; ``None`` follows ``cfg.sim.progress`` (``auto``: only on
            a terminal).

    Raises:
        ConfigError: if the config is not valid (it is checked first).
    """
    validate(cfg)
    check_resources(cfg, keep_paths)
    n, weeks = cfg.sim.replications, cfg.sim.weeks
    chunks = _chunks(cfg)
    cols: dict[str, list[NDArray]] = {}
    paths = None
    if keep_paths:
        paths = {k: np.empty((n, weeks + 1), dtype=np.float32) for k in PATH_INDICATORS}
        paths["phase"] = np.empty((n, weeks + 1), dtype=np.int8)
    stats: PathStats | None = None

    results = _iter_chunks(cfg, chunks, keep_paths)
    shown = _show_progress(cfg, progress) and len(chunks) > 1
    if shown:
        from tqdm.auto import tqdm

        results = tqdm(results, total=len(chunks), unit="chunk", desc=cfg.name, file=sys.stderr)
    started = last = time.monotonic()
    for (a, b), (chunk_cols, chunk_stats, chunk_paths) in zip(chunks, results, strict=True):
        now = time.monotonic()
        if not shown and now - last >= PROGRESS_SECONDS:  # a line in the log off a terminal
            log.info("%s: %s of %s replications done (%.0f s)", cfg.name, f"{b:,}", f"{n:,}",
                     now - started)
            last = now
        for k, v in chunk_cols.items():
            cols.setdefault(k, []).append(v)
        if stats is None:
            stats = chunk_stats
        else:
            stats.merge(chunk_stats)
        if paths is not None:
            for k, v in chunk_paths.items():
                paths[k][a:b] = v
    return _results(cfg, _records(cols, n), stats, paths)


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux ``MemAvailable``), if known."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def estimate(cfg: Config, keep_paths: bool = False) -> dict[str, float]:
    """Memory (bytes) and time (seconds, batched engine) a run needs, before it starts."""
    n, weeks = cfg.sim.replications, cfg.sim.weeks
    workers = _n_workers(cfg, len(_chunks(cfg)))
    chunk = min(cfg.sim.chunk_size, n)
    parts = {
        "records": n * RECORD_BYTES,
        "chunks in flight": workers * chunk * STATE_BYTES,
        "path statistics": (workers + 1) * (weeks + 1) * 8 * 8 * 1000,
        "weekly paths": n * (weeks + 1) * PATH_BYTES if keep_paths else 0,
    }
    return {**parts, "total": float(sum(parts.values())),
            "seconds": n * weeks * SECONDS_PER_REP_WEEK / max(1, workers)}


def _gb(x: float) -> str:
    return f"{x / 2**30:,.1f} GB"


def check_resources(cfg: Config, keep_paths: bool = False, available: int | None = None) -> None:
    """Refuse, before running, a run that would need more memory than the machine has.

    Raises:
        ConfigError: naming the settings, the estimate and what to change.
    """
    need = estimate(cfg, keep_paths)
    have = available_memory() if available is None else available
    if have is not None and need["total"] > MEMORY_SHARE * have:
        biggest = max((k for k in need if k not in ("total", "seconds")), key=need.get)
        advice = ("do not keep the weekly paths (keep_paths=False)" if biggest == "weekly paths"
                  else "lower sim.replications or sim.weeks, or split the run into a sweep of "
                  "smaller jobs with different seeds" if biggest == "records"
                  else "lower sim.chunk_size or sim.n_jobs")
        raise ConfigError(
            f"sim.replications={cfg.sim.replications:,} × sim.weeks={cfg.sim.weeks:,} needs about "
            f"{_gb(need['total'])} of memory (mostly {biggest}: {_gb(need[biggest])}) but "
            f"{_gb(have)} is available: {advice}")
    if need["seconds"] > 60:
        log.info("%s: about %.0f minutes for %s replications × %s weeks", cfg.name,
                 need["seconds"] / 60, f"{cfg.sim.replications:,}", f"{cfg.sim.weeks:,}")


def _results(cfg: Config, records: pd.DataFrame, stats: Any,
             paths: dict[str, NDArray] | None) -> Results:
    weeks = cfg.sim.weeks
    summary = metrics.summarise(records, weeks, scenario=cfg.name, seed=cfg.sim.seed)
    summary["engine"] = cfg.sim.engine
    survival = metrics.kaplan_meier(
        records["peace_duration"].to_numpy(), records["peace_failed"].to_numpy(), weeks
    )
    path_df = metrics.stats_summary(stats, PATH_INDICATORS)
    return Results(cfg, records, path_df, summary, survival, paths)


def run_block(cfgs: Sequence[Config], *, keep_paths: bool = False,
              progress: bool | None = None) -> list[Results]:
    """Run a block of design points (validated configs); one :class:`Results` per point.

    Points that share every choice and switch run together in vectorised batches of at most
    ``sim.chunk_size`` rows (:func:`sim.batched.run_points`); a point whose replications alone
    exceed a chunk runs on its own (:func:`run`). Replication *i* of every point draws the same
    numbers (common random numbers), and each point's results equal those of :func:`run` on that
    point alone.

    Raises:
        ConfigError: if a config is not valid (each is checked first).
    """
    for cfg in cfgs:
        validate(cfg)
    out: dict[int, Results] = {}
    groups: dict[tuple, list[int]] = {}
    for i, cfg in enumerate(cfgs):
        if cfg.sim.engine != "batched" or keep_paths:
            out[i] = run(cfg, keep_paths=keep_paths, progress=progress)
        else:
            key = (structural_key(cfg), cfg.sim.replications, cfg.sim.chunk_size)
            groups.setdefault(key, []).append(i)
    for (_, reps, chunk), members in groups.items():
        if reps > chunk:
            for i in members:
                out[i] = run(cfgs[i], progress=progress)
            continue
        per_batch = max(1, chunk // reps)
        replications = np.arange(reps, dtype=np.int64)
        for start in range(0, len(members), per_batch):
            batch = members[start:start + per_batch]
            for i, res in zip(batch, run_points([cfgs[i] for i in batch], replications,
                                                keep_paths=False), strict=True):
                columns = dict(res.columns)
                columns["seed"] = res.keys
                out[i] = _results(cfgs[i], _records({k: [v] for k, v in columns.items()}, reps),
                                  res.stats, None)
    return [out[i] for i in range(len(cfgs))]


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
