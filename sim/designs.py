"""Sampled experimental designs (Latin hypercube, Saltelli/Sobol, Morris) over uncertain parameters.

A design is described as data — a ``design`` config node — and turned into a table of sample
points deterministically from its seed, so every Hydra job can look up its own point without any
shared file::

    design:
      method: lhs            # lhs | saltelli | morris
      n: 64                  # lhs: points; saltelli: base sample N (a power of two);
                             # morris: trajectories
      seed: 20250904         # fixes the whole design
      second_order: false    # saltelli only: also the points for second-order indices
      levels: 4              # morris only: grid levels per parameter (even)
      index: 7               # this job's point (swept: range(0, size))
      space:                 # parameter -> [lo, hi] (numbers) or [a, b, c] (choices)
        russia:
          strike_propensity: [0.0, 0.1]
        deployment:
          timing: [never, immediate, after_settlement]

The experiment presets (``conf/experiment/lhs.yaml``, ``sobol.yaml``, ``morris.yaml``) add this
node with ``+design.*`` entries in ``hydra.sweeper.params`` (the schema has no ``design`` group,
so the keys are appended), and sweep ``+design.index=range(0, size)``: one Hydra job per point,
each running
``sim.replications`` replications into its normal results folder. :func:`apply_design` removes the
node from the composed config and sets the point's values before validation.

Both methods first draw points in the unit hypercube and then map each coordinate to its parameter:
numbers uniformly on ``[lo, hi]`` (whole numbers for integer parameters, each equally likely),
choices to one of the listed values, each equally likely. The Saltelli rows are in SALib's order,
so ``SALib.analyze.sobol.analyze(problem(spec), Y)`` works on outcomes sorted by ``design.index``.
A Morris design is SALib's trajectories on a ``levels``-point grid of the unit hypercube
(``n × (parameters + 1)`` points, one trajectory after another);
``SALib.analyze.morris.analyze(unit_problem(spec), unit_sample(spec), Y)`` gives elementary
effects in outcome units per whole range of each parameter.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.config import ConfigError, iter_params

METHODS = ("lhs", "saltelli", "morris")
MORRIS_LEVELS = 4  # SALib's default grid
DESIGN_KEY = "design"
INDEX_COLUMN = "design.index"


@dataclass(frozen=True)
class Dimension:
    """One sampled parameter.

    Attributes:
        key: Dotted config key, e.g. ``"russia.strike_propensity"``.
        lo: Lower bound (numbers).
        hi: Upper bound (numbers).
        choices: Allowed values (categorical parameters); empty for numbers.
        integer: Whether the parameter is a whole number.
    """

    key: str
    lo: float = 0.0
    hi: float = 1.0
    choices: tuple[Any, ...] = ()
    integer: bool = False

    def map(self, u: np.ndarray) -> list[Any]:
        """Map unit-interval coordinates to parameter values."""
        u = np.clip(np.asarray(u, dtype=np.float64), 0.0, np.nextafter(1.0, 0.0))
        if self.choices:
            idx = np.floor(u * len(self.choices)).astype(np.int64)
            return [self.choices[i] for i in idx]
        if self.integer:
            lo, hi = math.ceil(self.lo), math.floor(self.hi)
            vals = lo + np.floor(u * (hi - lo + 1)).astype(np.int64)
            return [int(v) for v in np.minimum(vals, hi)]
        return [float(v) for v in self.lo + u * (self.hi - self.lo)]


@dataclass(frozen=True)
class DesignSpec:
    """A sampled design: method, size, seed and the parameter space.

    Attributes:
        method: ``"lhs"`` (Latin hypercube, scipy), ``"saltelli"`` (SALib's Sobol sequence
            with Saltelli's cross-sampling) or ``"morris"`` (SALib's Morris trajectories).
        n: LHS: number of points; Saltelli: base sample size (a power of two); Morris: number
            of trajectories.
        seed: Seed of the design (the sampler's scrambling), not of the simulation.
        dims: The sampled parameters, in a fixed (sorted) order.
        second_order: Saltelli only: include the points needed for second-order indices.
        levels: Morris only: number of grid levels per parameter (even, ≥ 2).
    """

    method: str
    n: int
    seed: int
    dims: tuple[Dimension, ...]
    second_order: bool = False
    levels: int = MORRIS_LEVELS

    @property
    def size(self) -> int:
        """Number of points (jobs) in the design."""
        d = len(self.dims)
        if self.method == "lhs":
            return self.n
        if self.method == "morris":
            return self.n * (d + 1)
        return self.n * (2 * d + 2 if self.second_order else d + 2)

    @property
    def keys(self) -> list[str]:
        """The sampled config keys, in column order."""
        return [dim.key for dim in self.dims]


def _flatten(space: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in space.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flatten(v, f"{key}."))
        else:
            out[key] = v
    return out


def _dimension(key: str, value: Any, fields: dict[str, Any]) -> Dimension:
    if key not in fields:
        raise ConfigError(f"design.space.{key}: unknown parameter {key!r}")
    f = fields[key]
    kind = f.type if isinstance(f.type, str) else f.type.__name__
    if not isinstance(value, (list, tuple)) or len(value) < 2:
        raise ConfigError(f"design.space.{key}={value!r}: expected [lo, hi] or a list of choices")
    if kind == "str" or kind == "bool":
        return Dimension(key, choices=tuple(value))
    if len(value) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                  for v in value):
        raise ConfigError(f"design.space.{key}={list(value)!r}: expected [lo, hi] numbers")
    lo, hi = float(value[0]), float(value[1])
    if not lo <= hi:
        raise ConfigError(f"design.space.{key}=[{lo:g}, {hi:g}]: lo must be ≤ hi")
    meta_lo, meta_hi = f.metadata.get("lo"), f.metadata.get("hi")
    if (meta_lo is not None and lo < meta_lo) or (meta_hi is not None and hi > meta_hi):
        raise ConfigError(f"design.space.{key}=[{lo:g}, {hi:g}] leaves the allowed range "
                          f"[{meta_lo:g}, {meta_hi:g}]")
    return Dimension(key, lo, hi, integer=kind == "int")


def spec_from_mapping(node: Mapping[str, Any]) -> DesignSpec:
    """Read and check a ``design`` node (without ``index``).

    Raises:
        ConfigError: on an unknown method or parameter, a bad range or size.
    """
    method = node.get("method")
    if method not in METHODS:
        raise ConfigError(f"design.method={method!r} is not allowed: choose one of "
                          f"{', '.join(METHODS)}")
    n = node.get("n")
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ConfigError(f"design.n={n!r}: expected a whole number ≥ 1")
    if method == "saltelli" and n & (n - 1):
        raise ConfigError(f"design.n={n}: Saltelli/Sobol samples need a power of two "
                          "(e.g. 64, 128, 256)")
    seed = node.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ConfigError(f"design.seed={seed!r}: expected a whole number ≥ 0")
    space = node.get("space") or {}
    if not isinstance(space, Mapping) or not space:
        raise ConfigError("design.space: name at least one parameter, e.g. "
                          "+design.space.russia.strike_propensity=[0,0.1]")
    levels = node.get("levels", MORRIS_LEVELS)
    if method == "morris" and (not isinstance(levels, int) or isinstance(levels, bool)
                               or levels < 2 or levels % 2):
        raise ConfigError(f"design.levels={levels!r}: Morris needs an even number of grid "
                          "levels ≥ 2 (e.g. 4)")
    fields = {key: f for key, f, _ in iter_params()}
    dims = tuple(_dimension(k, v, fields) for k, v in sorted(_flatten(space).items()))
    return DesignSpec(str(method), n, seed, dims, bool(node.get("second_order", False)),
                      int(levels) if method == "morris" else MORRIS_LEVELS)


def unit_sample(spec: DesignSpec) -> np.ndarray:
    """The design in the unit hypercube, shape ``(size, len(dims))``; deterministic in the seed."""
    d = len(spec.dims)
    if spec.method == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=d, rng=np.random.default_rng(spec.seed)).random(spec.n)
    if spec.method == "morris":
        from SALib.sample import morris

        return morris.sample(unit_problem(spec), spec.n, num_levels=spec.levels, seed=spec.seed)
    from SALib.sample import sobol

    return sobol.sample(unit_problem(spec), spec.n, calc_second_order=spec.second_order,
                        seed=spec.seed)


def unit_problem(spec: DesignSpec) -> dict[str, Any]:
    """The SALib problem of a design in the unit hypercube (what :func:`unit_sample` draws)."""
    d = len(spec.dims)
    return {"num_vars": d, "names": spec.keys, "bounds": [[0.0, 1.0]] * d}


def generate(spec: DesignSpec) -> pd.DataFrame:
    """The design table: ``design.index`` then one column per parameter (its values)."""
    u = unit_sample(spec)
    data: dict[str, Any] = {INDEX_COLUMN: np.arange(len(u), dtype=np.int64)}
    for j, dim in enumerate(spec.dims):
        data[dim.key] = dim.map(u[:, j])
    return pd.DataFrame(data)


def point(spec: DesignSpec, index: int) -> dict[str, Any]:
    """The parameter values of design point ``index``.

    Raises:
        ConfigError: if ``index`` is outside the design.
    """
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < spec.size:
        raise ConfigError(
            f"design.index={index!r} is outside the design: {spec.size} points ({spec.method}, "
            f"n={spec.n}, {len(spec.dims)} parameters); sweep +design.index=range(0,{spec.size})"
        )
    row = generate(spec).iloc[index]
    return {key: _plain(row[key]) for key in spec.keys}


def _plain(x: Any) -> Any:
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    return x


def problem(spec: DesignSpec) -> dict[str, Any]:
    """The SALib problem of a design (names and bounds; choices as their index range)."""
    bounds = [[0.0, float(len(d.choices))] if d.choices else [d.lo, d.hi] for d in spec.dims]
    return {"num_vars": len(spec.dims), "names": spec.keys, "bounds": bounds}


def format_override(key: str, value: Any) -> str:
    """A Hydra override string for a sampled value (floats with full precision)."""
    return f"{key}={value!r}" if isinstance(value, float) else f"{key}={value}"


def apply_design(dcfg: Any) -> tuple[Any, dict[str, Any]]:
    """Take the ``design`` node out of a composed config and set its point's values.

    Args:
        dcfg: The composed Hydra config (a DictConfig).

    Returns:
        ``(config without the design node, {key: value} of the point)``; the config is returned
        unchanged with an empty point if it has no design node.

    Raises:
        ConfigError: on a bad design or an index outside it.
    """
    from omegaconf import OmegaConf, open_dict

    if DESIGN_KEY not in dcfg:
        return dcfg, {}
    node = OmegaConf.to_container(dcfg[DESIGN_KEY], resolve=True)
    if not isinstance(node, dict):
        raise ConfigError(f"design={node!r}: expected a group of settings")
    spec = spec_from_mapping(node)
    if "index" not in node:
        raise ConfigError(f"design.index is missing: sweep +design.index=range(0,{spec.size})")
    values = point(spec, node["index"])
    out = dcfg.copy()
    with open_dict(out):
        del out[DESIGN_KEY]
        for key, value in values.items():
            OmegaConf.update(out, key, value, merge=False)
    return out, values
