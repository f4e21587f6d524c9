"""Many design points in one vectorised run: per-row parameters for the batched engine.

A block of design points that share their *structural* settings (every choice and switch, the
horizon) can run as one batch whose rows are the points' replications. Each numeric parameter then
becomes a scalar when every row shares it, or an array with one value per row;
:func:`stack_configs` and :func:`stack_derived` build such a "vector config" with the same
attribute layout as :class:`~sim.config.Config` and :class:`~sim.derived.Derived`, and the engine
reads a parameter for some rows with :func:`at` (and :func:`col` for member-level arrays). Every
row goes through the same elementwise arithmetic as a run of its point alone, so the results are
identical to running the points one by one (``tests/test_block.py``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.config import Config, iter_params
from sim.derived import Derived

NON_NUMERIC = (str, bool)


def at(x: Any, rows: Any) -> Any:
    """``x`` for the given rows: itself when shared by every row, else its rows."""
    return x[rows] if isinstance(x, np.ndarray) else x


def col(x: Any) -> Any:
    """``x`` as a column (rows × 1) for member-level (rows × slots) arithmetic."""
    return x[:, None] if isinstance(x, np.ndarray) and x.ndim == 1 else x


def structural_key(cfg: Config) -> tuple:
    """What must be equal for configs to share a batch: every choice, switch and the horizon."""
    out = [cfg.sim.weeks]
    for key, f, value in iter_params(cfg):
        if key.startswith("sim.") or key == "name":
            continue
        if isinstance(value, NON_NUMERIC):
            out.append((key, value))
    return tuple(out)


def _stack(values: Sequence[Any], counts: Sequence[int]) -> Any:
    first = values[0]
    if all(_same(v, first) for v in values[1:]):
        return first
    return np.repeat(np.asarray(values), counts)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(a, b))
    return a == b


def stack_configs(cfgs: Sequence[Config], counts: Sequence[int]) -> Any:
    """A vector config: numeric fields per row (or shared scalars), structural ones shared.

    Raises:
        ValueError: if the configs differ in a structural setting (see :func:`structural_key`).
    """
    keys = {structural_key(c) for c in cfgs}
    if len(keys) != 1:
        raise ValueError("configs in one block must share every choice, switch and the horizon")
    out = SimpleNamespace(name=cfgs[0].name)
    for top in dataclasses.fields(cfgs[0]):
        group0 = getattr(cfgs[0], top.name)
        if not dataclasses.is_dataclass(group0):
            continue
        ns = SimpleNamespace()
        for f in dataclasses.fields(group0):
            values = [getattr(getattr(c, top.name), f.name) for c in cfgs]
            setattr(ns, f.name, _stack(values, counts))
        setattr(out, top.name, ns)
    return out


def stack_derived(cfgs: Sequence[Config], counts: Sequence[int]) -> Any:
    """The derived constants of each point, per row (shared ones stay scalars).

    The weekly series (mediation, talk probability) become ``(weeks + 1) × rows`` arrays when
    they differ (week-major, so one week's values are contiguous); the Poisson tables become a list
    of distinct tables and a per-row index.
    """
    ds = [Derived.from_config(c) for c in cfgs]
    out = SimpleNamespace()
    for f in dataclasses.fields(Derived):
        values = [getattr(d, f.name) for d in ds]
        if f.name in ("mediation", "talk_prob"):
            if all(v == values[0] for v in values[1:]):
                setattr(out, f.name, values[0])
            else:
                setattr(out, f.name, np.repeat(np.asarray(values).T, counts, axis=1))
        elif f.name == "poisson_table":
            tables: list[NDArray] = []
            index = []
            for v in values:
                for i, t in enumerate(tables):
                    if np.array_equal(t, v):
                        index.append(i)
                        break
                else:
                    index.append(len(tables))
                    tables.append(v)
            out.poisson_tables = tables
            out.poisson_index = _stack(index, counts)
        else:
            setattr(out, f.name, _stack(values, counts))
    inside = [d.initial_claim_state(c) for d, c in zip(ds, cfgs, strict=True)]
    out.initial_inside = _stack([a for a, _ in inside], counts)
    out.initial_outside = _stack([b for _, b in inside], counts)
    return out


def week_value(series: Any, week: int, rows: Any) -> Any:
    """A weekly series' value this week for the given rows (a tuple shared by all rows, or a
    weeks × rows array)."""
    if isinstance(series, np.ndarray):
        return series[week][rows]
    return series[week]
