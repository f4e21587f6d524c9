"""Lever liveness: does moving a parameter across its plausible range change a headline outcome?

For every model parameter the schema (:mod:`sim.config`) declares where it acts (``applies``: a
scenario preset, plus ``setup`` overrides) and its plausible range. :func:`probe` runs that preset
at the two ends of the range (for a lever: at each alternative value against the default) over
common random numbers and returns the paired differences of the headline outcomes
(:data:`sim.metrics.HEADLINES`). A parameter is *live* when at least one difference has a 95%
interval that excludes 0; parameters that cannot be are declared ``inert`` (with a reason) or
``aliased`` (with the parameter they cannot be told apart from) in the schema.

``tests/test_liveness.py`` runs this for every parameter.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from sim import metrics
from sim.config import Config, ConfigError, field_of, iter_params, validate

REPLICATIONS = 4000
"""Replications per side of a probe (the issue's and the README's stated sample size)."""

SEED = 20250904


@dataclass(frozen=True)
class Probe:
    """One comparison: a parameter at value ``a`` against value ``b`` in a preset."""

    key: str
    a: Any
    b: Any
    scenario: str
    setup: tuple[str, ...]

    @property
    def label(self) -> str:
        """A short name for reports and test ids."""
        return f"{self.key}: {self.a} vs {self.b} ({self.scenario})"


def model_parameters() -> Iterator[tuple[str, dataclasses.Field]]:
    """Every parameter of the model (run settings excluded)."""
    for key, f, _ in iter_params():
        if f.metadata["kind"] != "run" and "." in key:
            yield key, f


def _value(f: dataclasses.Field, x: float) -> Any:
    kind = f.type if isinstance(f.type, str) else f.type.__name__
    return round(x) if kind == "int" else float(x)


def probes(key: str) -> list[Probe]:
    """The comparisons that test one parameter."""
    f = field_of(key)
    meta = f.metadata
    scenario, setup = meta["applies"], tuple(meta["setup"])
    kind = f.type if isinstance(f.type, str) else f.type.__name__
    default = f.default
    if kind == "bool":
        return [Probe(key, not default, default, scenario, setup)]
    if meta["choices"]:
        return [Probe(key, c, default, scenario, setup) for c in meta["choices"] if c != default]
    lo, hi = meta["plausible"]
    return [Probe(key, _value(f, hi), _value(f, lo), scenario, setup)]


@cache
def _preset(scenario: str, setup: tuple[str, ...]) -> Config:
    from sim.api import compose_config

    return compose_config(scenario, [*setup, f"sim.replications={REPLICATIONS}",
                                     f"sim.seed={SEED}"])


def configure(scenario: str, setup: tuple[str, ...], key: str, value: Any) -> Config:
    """The preset with ``key`` set to ``value`` (validated)."""
    cfg = copy.deepcopy(_preset(scenario, setup))
    group, name = key.split(".")
    setattr(getattr(cfg, group), name, value)
    return validate(cfg)


def records(cfg: Config) -> pd.DataFrame:
    """Per-replication records of a config on the batched engine."""
    from sim.experiment import run

    return run(cfg, progress=False).records


def probe(p: Probe) -> dict[str, dict[str, float]]:
    """Paired headline differences of value ``a`` against value ``b``.

    Raises:
        ConfigError: if either value is invalid in the preset (a contradictory combination).
    """
    ra = records(configure(p.scenario, p.setup, p.key, p.a))
    rb = records(configure(p.scenario, p.setup, p.key, p.b))
    return metrics.paired_headlines(ra, rb)


def live(result: dict[str, dict[str, float]]) -> list[str]:
    """The headlines whose paired interval excludes 0."""
    return [k for k, v in result.items() if metrics.moves(v)]


def report() -> pd.DataFrame:
    """Every probe of every parameter with its paired differences (for the README and notes)."""
    rows = []
    for key, f in model_parameters():
        for p in probes(key):
            try:
                res = probe(p)
            except ConfigError as err:
                rows.append({"probe": p.label, "declared": f.metadata["liveness"] or "live",
                             "moves": f"invalid: {err}"})
                continue
            rows.append({"probe": p.label, "declared": f.metadata["liveness"] or "live",
                         "moves": ", ".join(live(res)) or "—",
                         **{f"{k}_diff": round(v["diff"], 4) for k, v in res.items()}})
    return pd.DataFrame(rows)


if __name__ == "__main__":  # pragma: no cover - a report for the developer
    with pd.option_context("display.max_rows", None, "display.width", 200,
                           "display.max_colwidth", 80):
        print(report().to_string(index=False))
    np.seterr(all="raise")
