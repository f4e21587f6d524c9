"""The factors of a design: which parameters vary, and over which values.

A design's ``space`` names parameters by their dotted keys, nested by group as in ``conf/``::

    space:
      russia:
        strike_propensity: plausible   # or null: the schema's plausible range
        escalation_prob: [0.1, 0.3]    # a narrower range inside the plausible one
      deployment:
        timing: [never, immediate]     # a lever: some of its choices (null or plausible: all)

The numbers come from one place, the schema's field metadata in :mod:`sim.config`: ``plausible``
for numbers, ``choices`` for string levers (``false``/``true`` for switches). A space may narrow a
range or a set of choices but never leave it, so no second copy of the ranges exists anywhere.
Run settings (``sim.*``) are not factors.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.config import ConfigError, field_of, iter_params, provenance

PLAUSIBLE = "plausible"  # a space entry that takes the schema's range or choices as they are
RUN_KIND = "run"


@dataclass(frozen=True)
class Factor:
    """One parameter of a design.

    Attributes:
        key: Dotted config key, e.g. ``"russia.strike_propensity"``.
        lo: Lower bound (numbers).
        hi: Upper bound (numbers).
        choices: The values of a categorical parameter (empty for numbers).
        integer: Whether the parameter is a whole number.
        narrowed: Whether the space narrowed the schema's range or choices.
    """

    key: str
    lo: float = 0.0
    hi: float = 1.0
    choices: tuple[Any, ...] = ()
    integer: bool = False
    narrowed: bool = False

    def map(self, u: np.ndarray) -> list[Any]:
        """Map unit-interval coordinates to values.

        Numbers: ``lo + u·(hi − lo)``, with ``u = 0`` exactly ``lo`` and ``u = 1`` exactly ``hi``
        (the ends of a Morris grid), never outside ``[lo, hi]``. Choices and whole numbers: the
        unit interval cut into equal bins, one per value (each equally likely under a uniform
        ``u``); ``u = 1`` falls in the last bin.
        """
        u = np.clip(np.asarray(u, dtype=np.float64), 0.0, 1.0)
        if self.choices:
            n = len(self.choices)
            idx = np.minimum(np.floor(u * n).astype(np.int64), n - 1)
            return [self.choices[i] for i in idx]
        if self.integer:
            lo, hi = math.ceil(self.lo), math.floor(self.hi)
            vals = lo + np.floor(u * (hi - lo + 1)).astype(np.int64)
            return [int(v) for v in np.minimum(vals, hi)]
        vals = np.clip(self.lo + u * (self.hi - self.lo), self.lo, self.hi)
        return [float(v) for v in np.where(u == 1.0, self.hi, vals)]

    def levels(self, n: int) -> list[Any]:
        """Grid values: every choice, or ``n`` evenly spaced numbers from ``lo`` to ``hi``."""
        if self.choices:
            return list(self.choices)
        values = np.linspace(self.lo, self.hi, n)
        if self.integer:
            return sorted({round(v) for v in values})
        return [float(v) for v in values]

    def to_mapping(self) -> dict[str, Any]:
        """JSON-ready form (what the sweep plan records)."""
        if self.choices:
            return {"key": self.key, "choices": list(self.choices), "narrowed": self.narrowed}
        return {"key": self.key, "lo": self.lo, "hi": self.hi, "integer": self.integer,
                "narrowed": self.narrowed}

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Factor:
        """Inverse of :meth:`to_mapping` (no check against the schema: the plan is a record)."""
        if "choices" in data:
            return cls(str(data["key"]), choices=tuple(data["choices"]),
                       narrowed=bool(data.get("narrowed", False)))
        return cls(str(data["key"]), float(data["lo"]), float(data["hi"]),
                   integer=bool(data.get("integer", False)),
                   narrowed=bool(data.get("narrowed", False)))


def flatten(space: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"russia": {"a": x}}`` → ``{"russia.a": x}`` (dotted keys pass through)."""
    out: dict[str, Any] = {}
    for k, v in space.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(flatten(v, f"{key}."))
        else:
            out[key] = v
    return out


def _kind(key: str) -> str:
    f = field_of(key)
    return f.type if isinstance(f.type, str) else f.type.__name__


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def factor(key: str, entry: Any) -> Factor:
    """The factor of one space entry, checked against the schema.

    Args:
        key: Dotted config key.
        entry: ``None`` or ``"plausible"`` (the schema's range or choices), ``[lo, hi]`` (a
            narrower range) or a list of choices (some of the allowed ones).

    Raises:
        ConfigError: naming the key, the entry and what is allowed.
    """
    name = f"design.space.{key}"
    try:
        f = field_of(key)
    except KeyError:
        raise ConfigError(f"{name}: unknown parameter {key!r}") from None
    meta = f.metadata
    if meta["kind"] == RUN_KIND:
        raise ConfigError(f"{name}: {key} is a run setting, not a model parameter; set it for "
                          "every point instead (e.g. sim.replications=2000)")
    kind = _kind(key)
    whole = entry is None or entry == PLAUSIBLE
    if kind in ("str", "bool"):
        allowed: tuple[Any, ...] = tuple(meta["choices"] or ()) if kind == "str" else (False, True)
        if whole:
            return Factor(key, choices=allowed)
        if not isinstance(entry, (list, tuple)) or not entry:
            raise ConfigError(f"{name}={entry!r}: expected a list of choices from "
                              f"{', '.join(map(str, allowed))}")
        bad = [v for v in entry if v not in allowed or type(v) is not type(allowed[0])]
        if bad:
            raise ConfigError(f"{name}={list(entry)!r}: {bad[0]!r} is not allowed: choose from "
                              f"{', '.join(map(str, allowed))}")
        choices = tuple(dict.fromkeys(entry))
        return Factor(key, choices=choices, narrowed=set(choices) != set(allowed))
    plausible = meta["plausible"]
    integer = kind == "int"
    if whole:
        if plausible is None:
            raise ConfigError(f"{name}: {key} has no plausible range in the schema; give "
                              "[lo, hi] within its limits")
        return Factor(key, float(plausible[0]), float(plausible[1]), integer=integer)
    if not isinstance(entry, (list, tuple)) or len(entry) != 2 or not all(map(_number, entry)):
        raise ConfigError(f"{name}={entry!r}: expected [lo, hi] numbers, or plausible")
    lo, hi = float(entry[0]), float(entry[1])
    if not lo <= hi:
        raise ConfigError(f"{name}=[{lo:g}, {hi:g}]: lo must be ≤ hi")
    outer = plausible if plausible is not None else (meta["lo"], meta["hi"])
    what = "plausible range" if plausible is not None else "allowed range"
    if (outer[0] is not None and lo < outer[0]) or (outer[1] is not None and hi > outer[1]):
        raise ConfigError(f"{name}=[{lo:g}, {hi:g}] leaves the {what} "
                          f"[{_fmt(outer[0])}, {_fmt(outer[1])}] (sim/config.py)")
    narrowed = plausible is None or (lo, hi) != (float(plausible[0]), float(plausible[1]))
    return Factor(key, lo, hi, integer=integer, narrowed=narrowed)


def _fmt(x: float | None) -> str:
    return "∞" if x is None else f"{x:g}"


def factors(space: Mapping[str, Any]) -> tuple[Factor, ...]:
    """The factors of a space, sorted by key.

    Raises:
        ConfigError: on an empty space or a bad entry.
    """
    flat = flatten(space)
    if not flat:
        raise ConfigError("design.space: name at least one parameter, e.g. "
                          "design.space.russia.strike_propensity=plausible")
    return tuple(factor(k, v) for k, v in sorted(flat.items()))


def provenance_of(key: str) -> str:
    """A parameter's provenance as one line (``class: source``)."""
    return provenance(field_of(key))


def parameter_label(key: str) -> str:
    """``"russia.strike_propensity (Q01)"``: the key with its quote IDs, or its class."""
    meta = field_of(key).metadata
    quotes = list(dict.fromkeys(meta.get("quotes") or ()))
    return f"{key} ({', '.join(quotes)})" if quotes else f"{key} ({meta['kind']})"


def plausible_keys() -> list[str]:
    """Every model parameter with a plausible range (the candidates for a sampled design)."""
    return [k for k, f, _ in iter_params() if f.metadata.get("plausible") is not None]
