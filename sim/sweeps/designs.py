"""Designs over a space of factors: grid, Latin hypercube, Sobol/Saltelli and Morris.

A design is data — the sweeper's ``design`` node (``hydra.sweeper.design``, or ``design.*`` on the
command line)::

    method: sobol          # grid | lhs | sobol | morris
    n: 64                  # lhs: points; sobol: base sample N (a power of two); morris:
                           # trajectories; grid: unused
    seed: 20250904         # fixes the whole design (scrambling, permutations, trajectories)
    levels: 4              # morris: grid levels (even; SALib's default 4); grid: evenly spaced
                           # values per numeric factor, lo to hi (whole numbers ≥ 2; required
                           # when a factor is a number, unused when every factor is a choice)
    second_order: false    # sobol only: also the points for second-order indices
    space: {...}           # the factors (sim.sweeps.space)

and :func:`points` turns it into a list of points deterministically. The sampled methods first
draw points in the unit hypercube and map each coordinate to its factor (:meth:`Factor.map`). The
Sobol rows are in SALib's Saltelli order, so ``SALib.analyze.sobol.analyze(unit_problem(spec), Y)``
works on the outcomes in point order; a Morris design is SALib's trajectories, one after another,
and ``SALib.analyze.morris.analyze(unit_problem(spec), unit_sample(spec), Y)`` gives elementary
effects in outcome units per whole range of each factor. A grid is the product of every factor's
:meth:`Factor.levels`, the last factor (in key order) varying fastest, as in Hydra's sweeps.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.config import ConfigError
from sim.sweeps.space import Factor, factors

METHODS = ("grid", "lhs", "sobol", "morris")
SAMPLED = ("lhs", "sobol", "morris")
FIELDS = ("method", "n", "seed", "levels", "second_order", "space")
"""The keys of a design node (the command line's ``design.<key>=...``)."""
MORRIS_LEVELS = 4  # SALib's default number of grid levels for Morris trajectories


@dataclass(frozen=True)
class DesignSpec:
    """A design: method, size, seed and factors.

    Attributes:
        method: One of :data:`METHODS`.
        n: LHS: points; Sobol: base sample (a power of two); Morris: trajectories; grid: 0.
        seed: Seed of the design (not of the simulation).
        factors: The factors, sorted by key.
        levels: Morris: grid levels per factor; grid: evenly spaced values per numeric factor
            (0: not set, allowed only when every factor is a choice).
        second_order: Sobol only: include the points for second-order indices.

    Raises:
        ConfigError: for a grid with a numeric factor and fewer than 2 levels.
    """

    method: str
    n: int
    seed: int
    factors: tuple[Factor, ...]
    levels: int = MORRIS_LEVELS
    second_order: bool = False

    def __post_init__(self) -> None:
        if self.method == "grid":
            _check_grid_levels(self.levels or None, self.factors)

    @property
    def keys(self) -> list[str]:
        """The factors' keys, in column order."""
        return [f.key for f in self.factors]

    @property
    def size(self) -> int:
        """Number of points."""
        d = len(self.factors)
        if self.method == "grid":
            return int(np.prod([len(f.levels(self.levels)) for f in self.factors]))
        if self.method == "lhs":
            return self.n
        if self.method == "morris":
            return self.n * (d + 1)
        return self.n * (2 * d + 2 if self.second_order else d + 2)

    def to_mapping(self) -> dict[str, Any]:
        """JSON-ready form with the resolved factors (what the sweep plan records)."""
        return {"method": self.method, "n": self.n, "seed": self.seed, "levels": self.levels,
                "second_order": self.second_order,
                "factors": [f.to_mapping() for f in self.factors]}

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> DesignSpec:
        """Inverse of :meth:`to_mapping`."""
        return cls(str(data["method"]), int(data["n"]), int(data["seed"]),
                   tuple(Factor.from_mapping(f) for f in data["factors"]),
                   int(data["levels"]), bool(data["second_order"]))


def _whole(value: Any, name: str, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ConfigError(f"design.{name}={value!r}: expected a whole number ≥ {minimum}")
    return value


def _check_grid_levels(levels: Any, facs: tuple[Factor, ...]) -> None:
    """Check a grid's ``levels`` (``None``: not set) against its numeric factors.

    Raises:
        ConfigError: if a factor is a number and ``levels`` is not a whole number ≥ 2, naming
            those factors, what ``design.levels`` means and how to list values instead.
    """
    numeric = [f for f in facs if not f.choices]
    if not numeric or (isinstance(levels, int) and not isinstance(levels, bool) and levels >= 2):
        return
    head = "design.levels is not set" if levels is None else f"design.levels={levels!r}"
    which = ("the numeric factor " if len(numeric) == 1 else "the numeric factors ") + ", ".join(
        f.key for f in numeric)
    first = numeric[0]
    raise ConfigError(
        f"{head}: a grid over {which} needs design.levels, a whole number ≥ 2 of evenly spaced "
        "values from each numeric factor's lo to its hi (e.g. design.levels=5); to sweep values "
        f"of your own, list them without a design instead, e.g. "
        f"{first.key}={_list_example(first)}")


def _list_example(f: Factor) -> str:
    """``lo,hi`` of a numeric factor as Hydra override text (whole numbers without ``.0``)."""
    ends = (round(f.lo), round(f.hi)) if f.integer else (f.lo, f.hi)
    return ",".join(f"{v:g}" for v in ends)


def spec_from_mapping(node: Mapping[str, Any]) -> DesignSpec | None:
    """Read and check a design node; ``None`` if it names no method.

    Raises:
        ConfigError: on an unknown key or method, a bad size, seed, levels or space.
    """
    unknown = sorted(set(node) - set(FIELDS))
    if unknown:
        raise ConfigError(f"design.{unknown[0]}: unknown design setting; allowed "
                          f"{', '.join(FIELDS)}")
    method = node.get("method")
    if method is None:
        if node.get("space"):
            raise ConfigError("design.space is set but design.method is not: choose one of "
                              f"{', '.join(METHODS)}")
        return None
    if method not in METHODS:
        raise ConfigError(f"design.method={method!r} is not allowed: choose one of "
                          f"{', '.join(METHODS)}")
    seed = _whole(node.get("seed", 0), "seed", 0)
    n = 0
    if method in SAMPLED:
        n = _whole(node.get("n"), "n", 1)
        if method == "sobol" and n & (n - 1):
            raise ConfigError(f"design.n={n}: Sobol/Saltelli samples need a power of two "
                              "(e.g. 64, 128, 256)")
    levels = node.get("levels")
    if method == "morris":
        levels = MORRIS_LEVELS if levels is None else levels
        if _whole(levels, "levels", 2) % 2:
            raise ConfigError(f"design.levels={levels!r}: Morris needs an even number of grid "
                              "levels ≥ 2 (e.g. 4)")
    elif method != "grid":
        levels = MORRIS_LEVELS
    space = node.get("space") or {}
    if not isinstance(space, Mapping):
        raise ConfigError(f"design.space={space!r}: expected parameters with their ranges")
    facs = factors(space)
    if method == "grid":
        _check_grid_levels(levels, facs)  # only needed if a factor is a number
        if levels is None or not isinstance(levels, int) or isinstance(levels, bool):
            levels = 0  # not set (or unused: every factor is a choice)
    second = node.get("second_order", False)
    if not isinstance(second, bool):
        raise ConfigError(f"design.second_order={second!r}: expected true or false")
    return DesignSpec(str(method), n, seed, facs, int(levels), second and method == "sobol")


def unit_problem(spec: DesignSpec) -> dict[str, Any]:
    """The SALib problem of a design in the unit hypercube (what :func:`unit_sample` draws)."""
    d = len(spec.factors)
    return {"num_vars": d, "names": spec.keys, "bounds": [[0.0, 1.0]] * d}


def unit_sample(spec: DesignSpec) -> np.ndarray:
    """A sampled design in the unit hypercube, shape ``(size, factors)``; fixed by the seed.

    Raises:
        ValueError: for a grid (it has no unit sample).
    """
    d = len(spec.factors)
    if spec.method == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=d, rng=np.random.default_rng(spec.seed)).random(spec.n)
    if spec.method == "morris":
        from SALib.sample import morris

        return morris.sample(unit_problem(spec), spec.n, num_levels=spec.levels, seed=spec.seed)
    if spec.method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(unit_problem(spec), spec.n, calc_second_order=spec.second_order,
                            seed=spec.seed)
    raise ValueError(f"a {spec.method} design has no unit sample")


def points(spec: DesignSpec) -> list[dict[str, Any]]:
    """The design's points in order: ``{key: value}`` per point (plain Python values)."""
    if spec.method == "grid":
        axes = [f.levels(spec.levels) for f in spec.factors]
        return [dict(zip(spec.keys, combo, strict=True)) for combo in itertools.product(*axes)]
    u = unit_sample(spec)
    columns = [f.map(u[:, j]) for j, f in enumerate(spec.factors)]
    return [dict(zip(spec.keys, row, strict=True)) for row in zip(*columns, strict=True)]


def format_value(value: Any) -> str:
    """A value as Hydra override text (floats with full precision, booleans lower case)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def format_override(key: str, value: Any) -> str:
    """``key=value`` for a design value (see :func:`format_value`)."""
    return f"{key}={format_value(value)}"
