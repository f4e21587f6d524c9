"""Validated configs of design points, and running a design in-process.

A point's parameter values are set on a plain copy of the composed configuration and validated
(:func:`sim.config.from_mapping`), so a block job composes its configuration once, however many
points it runs, and a bad point fails alone with the usual one-line :class:`ConfigError`.
:func:`evaluate` runs a whole design in the current process (no Hydra, no folders) and returns one
row per point in the sweep table's layout (``point``, ``status``, the factors, the outcome columns),
so the analyses of a sweep (:mod:`sim.sweeps.indices`, :mod:`sim.sweeps.discovery`) take it as
they take ``sweep.csv`` — what notebooks and other tools need.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any

import pandas as pd

from sim import experiment
from sim.config import Config, ConfigError, field_of, from_mapping, iter_params, validate
from sim.sweeps.designs import DesignSpec, points
from sim.sweeps.table import summary_row

SIM_KEYS_PER_RUN = ("weeks", "replications", "seed", "engine", "start_in_ceasefire")
"""Run settings that a block's points must share to run in one call of the engine."""


@cache
def leaf_keys() -> frozenset[str]:
    """Every dotted parameter key of the schema (what a point may set without composing)."""
    return frozenset(k for k, _, _ in iter_params() if "." in k)


def base_mapping(dcfg: Any) -> dict[str, Any]:
    """A composed Hydra config as a plain nested dict, without the ``hydra`` node."""
    from omegaconf import OmegaConf

    data = OmegaConf.to_container(dcfg, resolve=True)
    assert isinstance(data, dict)
    return {k: v for k, v in data.items() if k != "hydra"}


def _coerce(key: str, value: Any) -> Any:
    """A whole number given for a float parameter becomes a float (as Hydra would store it)."""
    f = field_of(key)
    kind = f.type if isinstance(f.type, str) else f.type.__name__
    if kind == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def build(base: Mapping[str, Any], values: Mapping[str, Any]) -> Config:
    """The validated config of a point: ``base`` with ``values`` (``{dotted key: value}``) set.

    Raises:
        ConfigError: naming the key, the value and what is allowed.
    """
    data = {k: dict(v) if isinstance(v, Mapping) else v for k, v in base.items()}
    for key, value in values.items():
        group, _, name = key.partition(".")
        if key not in leaf_keys():
            raise ConfigError(f"unknown key {key!r}")
        data.setdefault(group, {})[name] = _coerce(key, value)
    return from_mapping(data)


def apply(base: Config, values: Mapping[str, Any]) -> Config:
    """A validated copy of ``base`` with ``values`` set (for in-process designs)."""
    cfg = copy.deepcopy(base)
    for key, value in values.items():
        if key not in leaf_keys():
            raise ConfigError(f"unknown key {key!r}")
        group, _, name = key.partition(".")
        setattr(getattr(cfg, group), name, _coerce(key, value))
    return validate(cfg)


def run_signature(cfg: Config) -> tuple[Any, ...]:
    """The run settings that points run together in one engine call must share."""
    return tuple(getattr(cfg.sim, k) for k in SIM_KEYS_PER_RUN)


def groups(cfgs: list[Config], budget: int) -> list[tuple[int, int]]:
    """Consecutive ``[start, stop)`` groups of points to hand the engine in one call.

    A group holds points with the same run settings and at most ``budget`` replications in all
    (at least one point), so a block of thousands of points never holds all their results at
    once.
    """
    out: list[tuple[int, int]] = []
    start, reps = 0, 0
    for i, cfg in enumerate(cfgs):
        if i > start and (run_signature(cfg) != run_signature(cfgs[start])
                          or reps + cfg.sim.replications > budget):
            out.append((start, i))
            start, reps = i, 0
        reps += cfg.sim.replications
    if cfgs:
        out.append((start, len(cfgs)))
    return out


def evaluate(spec: DesignSpec, base: Config,
             progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Run every point of a design in this process; one row per point.

    Every point runs ``base.sim.replications`` replications with ``base.sim.seed`` (common random
    numbers), in groups of at most ``base.sim.chunk_size`` replications per engine call.

    Args:
        spec: The design.
        base: The validated configuration the points modify.
        progress: Optional callback ``(done, total)`` after each group.

    Returns:
        One row per point, in design order, with the sweep table's columns: ``point``,
        ``status`` (``"ok"``: every point ran; a point that cannot run raises instead), the
        factors' values, then the outcome columns (:func:`sim.sweeps.table.summary_row`). It is
        a sweep table as :func:`sim.sweeps.analysis.match_design`,
        :func:`sim.sweeps.indices.write_indices` and
        :func:`sim.sweeps.discovery.write_discovery` read it.
    """
    values = points(spec)
    cfgs = [apply(base, v) for v in values]
    rows: list[dict[str, Any]] = []
    for start, stop in groups(cfgs, base.sim.chunk_size):
        for i, res in zip(range(start, stop), experiment.run_block(cfgs[start:stop],
                                                                   progress=False), strict=True):
            rows.append({"point": i, "status": "ok", **values[i], **summary_row(res.summary)})
        if progress is not None:
            progress(stop, len(cfgs))
    return pd.DataFrame(rows)


def split_values(overrides: Iterable[tuple[str, str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """Split parsed overrides ``(text, key, value)`` into parameter values and the rest.

    An override sets a parameter (and is applied without composing) when it is a plain
    ``key=value`` of a schema parameter with a scalar value; anything else (a config group,
    ``+``/``++``/``~``, a list or dict value) is left for Hydra to compose.
    """
    values: dict[str, Any] = {}
    compose: list[str] = []
    for text, key, value in overrides:
        plain = not text.startswith(("+", "~")) and key in leaf_keys()
        if plain and (value is None or isinstance(value, (bool, int, float, str))):
            values[key] = value
        else:
            compose.append(text)
    return values, compose
