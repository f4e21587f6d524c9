"""A block job of the design sweeper: validate its points, run them, write their folders.

Hydra launches one job per block (job number = block number) with the sweep's common overrides,
so the job's composed config is every point's starting point. The job reads the sweep plan, and
for each of its points:

1. skips it if ``<sweep dir>/<point>/`` already holds complete results of the same overrides
   (resume);
2. builds and validates the point's config: its parameter values set on the composed config
   (config groups composed once per distinct set); a point that fails validation writes
   ``error.json`` and the others go on;
3. hands the valid points to :func:`sim.experiment.run_block` in groups (same run settings, at most
   ``sim.chunk_size`` replications per call; the groups spread over the plan's ``workers``
   processes, or the job's ``sim.n_jobs``), then writes each point's results folder
   (:func:`sim.output.write_results`, the per-replication records as ``records.parquet``,
   ``manifest.json`` last). If a group fails as a whole, its
   points are run one by one so that only the failing ones are recorded as failed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim import experiment, output
from sim.config import Config, ConfigError
from sim.sweeps import folders, points
from sim.sweeps import plan as plan_mod

log = logging.getLogger(__name__)


@dataclass
class Todo:
    """A validated point waiting for the engine."""

    point: int
    cfg: Config
    overrides: list[str]


class _Composer:
    """Composed configs (as plain dicts) by the set of group overrides, composed once each."""

    def __init__(self, config_name: str, common: Sequence[str], base: dict[str, Any]) -> None:
        self.config_name = config_name
        self.common = list(common)
        self.cache: dict[tuple[str, ...], dict[str, Any]] = {(): base}

    def get(self, extra: Sequence[str]) -> dict[str, Any]:
        key = tuple(extra)
        if key not in self.cache:
            from hydra import compose
            from hydra.errors import HydraException
            from omegaconf.errors import OmegaConfBaseException

            try:
                dcfg = compose(config_name=self.config_name, overrides=[*self.common, *extra])
            except (HydraException, OmegaConfBaseException) as err:
                first = str(err).strip().splitlines()[0] if str(err).strip() else repr(err)
                raise ConfigError(f"{' '.join(extra)}: {first}") from err
            self.cache[key] = points.base_mapping(dcfg)
        return self.cache[key]


def _write(todo: Todo, res: experiment.Results, sweep_dir: Path, block: int) -> bool:
    folder = plan_mod.point_dir(sweep_dir, todo.point)
    try:
        output.write_results(res, folder, overrides=todo.overrides, records_format="parquet")
    except Exception as err:  # noqa: BLE001 (a full disk or the like: recorded, the block goes on)
        folders.record_failure(folder, todo.point, todo.overrides, err, block=block)
        return False
    folders.clear_failure(folder)
    return True


def _run(todos: list[Todo], sweep_dir: Path, block: int) -> tuple[int, int]:
    """Run one group through the engine and write it; ``(written, failed)``."""
    try:
        results = experiment.run_block([t.cfg for t in todos], progress=False)
    except Exception as err:  # noqa: BLE001 (recorded per point; the others go on)
        if len(todos) == 1:
            t = todos[0]
            folders.record_failure(plan_mod.point_dir(sweep_dir, t.point), t.point, t.overrides,
                                   err, block=block)
            return 0, 1
        log.warning("block %d: a group of %d points failed together (%s); running them one "
                    "by one", block, len(todos), err)
        counts = [_run([t], sweep_dir, block) for t in todos]
        return sum(c[0] for c in counts), sum(c[1] for c in counts)
    ok = [_write(t, r, sweep_dir, block) for t, r in zip(todos, results, strict=True)]
    return sum(ok), len(ok) - sum(ok)


def _workers(plan: plan_mod.Plan, cfgs: Sequence[Config]) -> int:
    """Processes for this job: the plan's ``workers``, or the points' ``sim.n_jobs``."""
    if plan.workers is not None:
        return max(1, int(plan.workers))
    n_jobs = max((c.sim.n_jobs for c in cfgs), default=1)
    return (os.cpu_count() or 1) if n_jobs == -1 else max(1, n_jobs)


def _run_groups(groups: list[list[Todo]], sweep_dir: Path, block: int,
                workers: int) -> Iterator[tuple[int, int]]:
    """``(written, failed)`` of each group, run in up to ``workers`` processes.

    Each group is run and written by one process (:func:`_run`); the files are the same whatever
    the number of processes, since every point's numbers depend only on its seed and replication.
    """
    workers = min(workers, len(groups))
    if workers <= 1:
        for group in groups:
            yield _run(group, sweep_dir, block)
        return
    from joblib import Parallel, delayed

    yield from Parallel(n_jobs=workers, return_as="generator")(
        delayed(_run)(group, sweep_dir, block) for group in groups)


def run_block_job(dcfg: Any, hc: Any) -> dict[str, int]:
    """Run the block of the current Hydra job; return counts of points by what happened.

    Args:
        dcfg: The job's composed config (the sweep's common overrides applied).
        hc: The job's Hydra config (``HydraConfig.get()``).

    Returns:
        ``{"block", "points", "written", "skipped", "failed"}``.

    Raises:
        FileNotFoundError: if the sweep directory holds no plan.
    """
    sweep_dir = Path(hc.sweep.dir)
    block = int(hc.job.num)
    plan = plan_mod.read(sweep_dir)
    if plan is None:
        raise FileNotFoundError(f"{sweep_dir / plan_mod.PLAN_FILE} is missing: the design "
                                "sweeper writes it before launching the blocks")
    start, stop = plan.blocks[block]
    composer = _Composer(hc.job.config_name, plan.common, points.base_mapping(dcfg))
    todos: list[Todo] = []
    skipped = failed = 0
    for i in range(start, stop):
        folder = plan_mod.point_dir(sweep_dir, i)
        overrides = plan.overrides(i)
        if folders.already_done(folder, overrides):
            skipped += 1
            continue
        point = plan.points[i]
        try:
            cfg = points.build(composer.get(point.compose), point.values)
        except ConfigError as err:
            folders.record_failure(folder, i, overrides, err, block=block)
            failed += 1
            continue
        todos.append(Todo(i, cfg, overrides))
    written = 0
    budget = max((t.cfg.sim.chunk_size for t in todos), default=1)
    cfgs = [t.cfg for t in todos]
    groups = points.groups(cfgs, budget)
    for a, b in groups:
        log.info("block %d: points %d to %d (%d points) in one engine call", block,
                 todos[a].point, todos[b - 1].point, b - a)
    for done, bad in _run_groups([todos[a:b] for a, b in groups], sweep_dir, block,
                                 _workers(plan, cfgs)):
        written, failed = written + done, failed + bad
    counts = {"block": block, "points": stop - start, "written": written, "skipped": skipped,
              "failed": failed}
    print(_describe(counts, start, stop, sweep_dir))
    return counts


def _describe(counts: Mapping[str, int], start: int, stop: int, sweep_dir: Path) -> str:
    return (f"block {counts['block']}: points {start}–{stop - 1} in {sweep_dir}: "
            f"{counts['written']} written, {counts['skipped']} skipped (complete), "
            f"{counts['failed']} failed")
