"""The design sweeper's implementation (the Hydra plugin ``hydra/sweeper=design`` delegates here).

It turns a multirun into *points* and hands the launcher *blocks* of points:

- points come from the swept overrides (``a=1,2 b=x,y``: their product, the last varying fastest,
  as Hydra's basic sweeper does) or from a design (``hydra.sweeper.design``: grid, Latin
  hypercube, Sobol/Saltelli or Morris over a space of factors, :mod:`sim.sweeps.designs`);
  the two cannot be mixed;
- overrides that are not swept are common to every point; unless the command asks for them
  (``sim.figures=true``), each point's own figures are switched off (``sim.figures=false``: the
  sweep figures are drawn once at the end);
- ``points_per_job`` points go to each job (``null``: automatic — all in one job on the basic
  launcher, one block per worker on joblib, ``cluster_points_per_job`` on any other launcher,
  which starts a process or a cluster job per block);
- ``workers_per_job`` processes run each job's points (``null``: automatic — every core on the
  basic launcher, whose single job has the machine to itself; otherwise ``sim.n_jobs``).

It writes ``plan.json`` (:mod:`sim.sweeps.plan`) and ``multirun.yaml`` at the sweep root, checks
that one block's config composes, and launches all blocks at once. A block whose job fails outside
the per-point handling has its unfinished points recorded as failed, and the sweep goes on to the
aggregate.
"""

from __future__ import annotations

import logging
import math
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.config import ConfigError
from sim.sweeps import designs, folders
from sim.sweeps import plan as plan_mod
from sim.sweeps.points import split_values

log = logging.getLogger(__name__)
EXIT_BAD_CONFIG = 2
BASIC_LAUNCHER = "hydra._internal.core_plugins.basic_launcher.BasicLauncher"
JOBLIB_LAUNCHER = "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"


def _value(v: Any) -> Any:
    from hydra.core.override_parser.types import QuotedString

    return v.text if isinstance(v, QuotedString) else v


def split_overrides(overrides: Sequence[Any]) -> tuple[list[str], list[list[tuple[str, str, Any]]]]:
    """Split parsed overrides into the common ones and the swept dimensions.

    Returns:
        ``(common, dims)``: ``common`` as text; each dimension a list of ``(text, key, value)``,
        one per swept value. A later override of the same key replaces an earlier one.

    Raises:
        ConfigError: on a sweep that is not a list of values (e.g. ``interval(0,1)``).
    """
    by_key: dict[str, tuple[str, list[tuple[str, str, Any]] | None]] = {}
    for o in overrides:
        key = o.get_key_element()
        if o.is_sweep_override():
            if not o.is_discrete_sweep():
                raise ConfigError(f"{o.input_line}: the design sweeper sweeps lists of values "
                                  "(a,b,c or range(...)); use a design for continuous ranges")
            values = [_value(v) for v in o.sweep_iterator()]
            texts = [f"{key}={designs.format_value(v) if isinstance(v, bool) else s}"
                     for v, s in zip(values, o.sweep_string_iterator(), strict=True)]
            by_key[key] = ("", [(t, o.key_or_group, v) for t, v in
                                zip(texts, values, strict=True)])
        elif o.is_delete():
            by_key[key] = (o.input_line, None)
        else:
            by_key[key] = (o.input_line, None)
    common = [text for text, dim in by_key.values() if dim is None]
    dims = [dim for _, dim in by_key.values() if dim is not None]
    return common, dims


def product_points(dims: Sequence[Sequence[tuple[str, str, Any]]]) -> list[plan_mod.Point]:
    """The points of swept dimensions: their product, the last dimension varying fastest."""
    import itertools

    out = []
    for combo in itertools.product(*dims):
        values, compose = split_values(combo)
        out.append(plan_mod.Point([t for t, _, _ in combo], values, compose))
    return out


def design_points(spec: designs.DesignSpec) -> list[plan_mod.Point]:
    """The points of a design (every value a parameter value)."""
    return [plan_mod.Point([designs.format_override(k, v) for k, v in values.items()],
                           dict(values))
            for values in designs.points(spec)]


class DesignSweeperImpl:
    """See the module docstring; the arguments are the sweeper's config (``hydra.sweeper``)."""

    def __init__(self, params: Mapping[str, str] | None, design: Mapping[str, Any] | None,
                 points_per_job: int | None, cluster_points_per_job: int | None,
                 workers_per_job: int | None = None) -> None:
        self.params = dict(params or {})
        self.design = dict(design or {})
        self.points_per_job = points_per_job
        self.cluster_points_per_job = cluster_points_per_job
        self.workers_per_job = workers_per_job
        self.config: DictConfig | None = None
        self.hydra_context: Any = None
        self.launcher: Any = None

    def setup(self, *, hydra_context: Any, task_function: Any, config: DictConfig) -> None:
        """Keep the context and instantiate the configured launcher."""
        from hydra.core.plugins import Plugins

        self.hydra_context = hydra_context
        self.config = config
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config)

    def plan(self, arguments: Sequence[str]) -> plan_mod.Plan:
        """The sweep plan of these command-line arguments (nothing is written).

        Raises:
            ConfigError: on a bad design, a bad ``points_per_job``, or a design mixed with swept
                overrides.
        """
        from hydra.core.override_parser.overrides_parser import OverridesParser

        assert self.config is not None
        loader = self.hydra_context.config_loader if self.hydra_context is not None else None
        parser = OverridesParser.create(config_loader=loader)
        parsed = parser.parse_overrides([*(f"{k}={v}" for k, v in self.params.items()),
                                         *arguments])
        common, dims = split_overrides(parsed)
        node = OmegaConf.to_container(OmegaConf.create(self.design), resolve=True)
        assert isinstance(node, dict)
        spec = designs.spec_from_mapping(node)
        if spec is not None and dims:
            swept = ", ".join(dim[0][0].split("=", 1)[0] for dim in dims)
            raise ConfigError(f"design.method={spec.method} cannot be combined with swept "
                              f"overrides ({swept}): put the lever in design.space instead, "
                              "e.g. design.space.deployment.timing=[never,immediate]")
        pts = design_points(spec) if spec is not None else product_points(dims)
        if plan_mod.FIGURES_KEY not in plan_mod.override_keys(common):
            common.append(f"{plan_mod.FIGURES_KEY}=false")
        blocks = plan_mod.split(len(pts), self._per_job(len(pts)))
        return plan_mod.Plan(common, pts, blocks,
                             spec.to_mapping() if spec is not None else None,
                             self._workers())

    def _workers(self) -> int | None:
        """Processes per job: ``workers_per_job``, all cores on the basic launcher, else ``None``
        (the job's ``sim.n_jobs``)."""
        if self.workers_per_job is not None:
            w = self.workers_per_job
            if isinstance(w, bool) or not isinstance(w, int) or w < 1:
                raise ConfigError(f"hydra.sweeper.workers_per_job={w!r}: expected a whole number "
                                  "≥ 1, or null (automatic)")
            return w
        assert self.config is not None
        if str(self.config.hydra.launcher.get("_target_", "")) == BASIC_LAUNCHER:
            return os.cpu_count() or 1
        return None

    def _per_job(self, n_points: int) -> int:
        if self.points_per_job is not None:
            if isinstance(self.points_per_job, bool) or int(self.points_per_job) < 1:
                raise ConfigError(f"hydra.sweeper.points_per_job={self.points_per_job!r}: "
                                  "expected a whole number ≥ 1, or null (automatic)")
            return int(self.points_per_job)
        assert self.config is not None
        target = str(self.config.hydra.launcher.get("_target_", ""))
        if target == BASIC_LAUNCHER:
            return max(1, n_points)
        if target == JOBLIB_LAUNCHER:
            n_jobs = int(self.config.hydra.launcher.get("n_jobs", 1) or 1)
            cores = os.cpu_count() or 1
            workers = n_jobs if n_jobs > 0 else max(1, cores + 1 + n_jobs)
            return max(1, math.ceil(n_points / workers))
        return max(1, int(self.cluster_points_per_job or n_points))

    def sweep(self, arguments: list[str]) -> Any:
        """Plan, write the plan, launch the blocks; return the launcher's job returns."""
        assert self.config is not None and self.launcher is not None
        try:
            plan = self.plan(arguments)
        except ConfigError as err:
            print(f"error: {err}", file=sys.stderr)
            raise SystemExit(EXIT_BAD_CONFIG) from None
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
        plan_mod.write(sweep_dir, plan)
        batch = [[*plan.common, f"hydra.sweep.subdir={plan_mod.block_subdir(k)}"]
                 for k in range(len(plan.blocks))]
        log.info("design sweeper: %d points in %d blocks (%s)", len(plan.points),
                 len(plan.blocks), sweep_dir)
        if not batch:
            return []
        # Every block composes the same config (only its subdir differs): check one up front.
        self.hydra_context.config_loader.load_sweep_config(self.config, list(batch[0]))
        returns = self.launcher.launch(batch, initial_job_idx=0)
        self._record_failed_blocks(plan, returns, sweep_dir)
        return [returns]

    @staticmethod
    def _record_failed_blocks(plan: plan_mod.Plan, returns: Sequence[Any],
                              sweep_dir: Path) -> None:
        from hydra.core.utils import JobStatus

        for k, ret in enumerate(returns):
            if ret.status != JobStatus.FAILED:
                continue
            err = ret._return_value
            err = err if isinstance(err, BaseException) else RuntimeError(str(err))
            start, stop = plan.blocks[k]
            log.error("block %d (points %d to %d) failed: %s", k, start, stop - 1, err)
            for i in range(start, stop):
                folder = plan_mod.point_dir(sweep_dir, i)
                if not (folders.already_done(folder, plan.overrides(i))
                        or folders.has_failure(folder, plan.overrides(i))):
                    folder.mkdir(parents=True, exist_ok=True)
                    folders.record_failure(folder, i, plan.overrides(i), err, block=k)
