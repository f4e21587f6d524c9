"""The sweep plan: every point of a sweep, and the blocks of points each job runs.

The design sweeper writes ``plan.json`` at the sweep root before it launches anything; each block's
job reads it to learn its points, and the aggregate reads it to know which points to expect. A point
is a list of overrides on top of the sweep's common overrides; its ``values`` are the overrides that
set a model parameter (applied to the job's composed config without composing again), ``compose``
the rest (config groups such as ``scenario=no_force``: composed once per job for each distinct set).

Point ``i`` writes its results to ``<sweep dir>/<i>/``; block ``k`` (Hydra job number ``k``) keeps
its Hydra files and log in ``<sweep dir>/blocks/<k>/``.

This module imports nothing heavy: the Hydra plugin imports it at every start-up.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PLAN_FILE = "plan.json"
BLOCKS_DIR = "blocks"
PLAN_VERSION = 1
SWEEPER_TARGET = "hydra_plugins.ceasefire_design_sweeper.design_sweeper.DesignSweeper"
"""The ``_target_`` of the design sweeper (how a job knows it runs a block)."""
FIGURES_KEY = "sim.figures"  # per-point figures: off in a sweep unless the command sets this


@dataclass
class Point:
    """One design point.

    Attributes:
        overrides: The point's own overrides (what differs between points), as text.
        values: Those that set a model parameter: ``{dotted key: value}``.
        compose: Those that need Hydra to compose the config (config groups, appends).
    """

    overrides: list[str]
    values: dict[str, Any] = field(default_factory=dict)
    compose: list[str] = field(default_factory=list)


@dataclass
class Plan:
    """A sweep's points and blocks.

    Attributes:
        common: Overrides shared by every point (the command line's and the preset's).
        points: The points, in order (point ``i`` is ``points[i]``).
        blocks: ``[start, stop)`` point ranges, one per job, in job order.
        design: The design (:meth:`DesignSpec.to_mapping`), or ``None`` for swept overrides.
        workers: Processes that run a job's points, or ``None`` for the job's ``sim.n_jobs``
            (how the work is spread; the results do not depend on it).
    """

    common: list[str]
    points: list[Point]
    blocks: list[tuple[int, int]]
    design: dict[str, Any] | None = None
    workers: int | None = None

    def overrides(self, i: int) -> list[str]:
        """Every override of point ``i`` (common first): what its manifest records."""
        return [*self.common, *self.points[i].overrides]

    def block_of(self, i: int) -> int:
        """The block (job number) that runs point ``i``."""
        for k, (start, stop) in enumerate(self.blocks):
            if start <= i < stop:
                return k
        raise IndexError(f"point {i} is in no block")

    def to_mapping(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"version": PLAN_VERSION, "common": self.common,
                "blocks": [list(b) for b in self.blocks], "design": self.design,
                "workers": self.workers,
                "points": [{"overrides": p.overrides, "values": p.values, "compose": p.compose}
                           for p in self.points]}

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Plan:
        """Inverse of :meth:`to_mapping`."""
        if data.get("version") != PLAN_VERSION:
            raise ValueError(f"{PLAN_FILE} version {data.get('version')!r}: this version of "
                             f"ceasefire-sim reads version {PLAN_VERSION}")
        return cls(list(data["common"]),
                   [Point(list(p["overrides"]), dict(p["values"]), list(p["compose"]))
                    for p in data["points"]],
                   [(int(a), int(b)) for a, b in data["blocks"]], data.get("design"),
                   data.get("workers"))


def split(n_points: int, per_job: int) -> list[tuple[int, int]]:
    """Consecutive ``[start, stop)`` blocks of at most ``per_job`` points, sizes within one."""
    if n_points <= 0:
        return []
    n_blocks = math.ceil(n_points / max(1, per_job))
    edges = [round(k * n_points / n_blocks) for k in range(n_blocks + 1)]
    return [(edges[k], edges[k + 1]) for k in range(n_blocks)]


def write(sweep_dir: Path, plan: Plan) -> Path:
    """Write ``plan.json`` at the sweep root (atomically; one line per point)."""
    from sim.output import atomic_write

    path = Path(sweep_dir) / PLAN_FILE
    data = plan.to_mapping()
    pts = data.pop("points")
    head = json.dumps(data, indent=1)[:-2]  # without the closing brace: points follow
    lines = ",\n  ".join(json.dumps(p, ensure_ascii=False) for p in pts)
    atomic_write(path, f'{head},\n "points": [\n  {lines}\n ]\n}}\n')
    return path


def read(sweep_dir: Path) -> Plan | None:
    """The plan of a sweep directory, or ``None`` if it has none (e.g. Hydra's basic sweeper)."""
    path = Path(sweep_dir) / PLAN_FILE
    if not path.is_file():
        return None
    return Plan.from_mapping(json.loads(path.read_text(encoding="utf-8")))


def point_dir(sweep_dir: Path, i: int) -> Path:
    """The results folder of point ``i``."""
    return Path(sweep_dir) / str(i)


def block_subdir(k: int) -> str:
    """Block ``k``'s Hydra subdir, relative to the sweep directory."""
    return f"{BLOCKS_DIR}/{k}"


def strip_prefix(key: str) -> str:
    """An override key without Hydra's ``+``/``++``/``~`` prefix."""
    return key.lstrip("+~")


def override_keys(overrides: Sequence[str]) -> list[str]:
    """The keys the overrides set, in order."""
    return [strip_prefix(o.split("=", 1)[0]) for o in overrides]
