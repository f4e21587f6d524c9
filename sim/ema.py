"""An EMA Workbench model of the simulator: uncertainties, levers and outcomes by name.

EMA Workbench's vocabulary fits what-if work (Kwakkel 2017, "The Exploratory Modeling Workbench",
Environmental Modelling & Software 96): **uncertainties** are what nobody controls, **levers** the
policy choices, **outcomes** named scalars. :func:`ema_model` builds an ``ema_workbench.Model``
whose uncertainties take their ranges from the schema's *plausible* ranges (the same source as the
sweeps' designs, :mod:`sim.sweeps.space` — never the schema's validity limits), whose levers are
the lever groups' choices, and whose outcomes are the flat summary scalars of
:meth:`sim.experiment.Results.outcomes` (named as the sweep table's columns). Each evaluation runs
one design point through :func:`sim.api.run_scenario` with typed ``params`` on the cached preset,
so no Hydra composition happens per call. Needs the ``analysis`` extra.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

DEFAULT_UNCERTAINTIES = (
    "russia.strike_propensity", "russia.escalation_prob", "russia.force_aversion",
    "ukraine.guarantee_weight", "russia.external_support", "us.air_support_prob",
    "force.kappa", "deployment.troops_total",
)
"""Uncertain parameters by default: Russia's red line and aversion, what the guarantee is worth to
Ukraine, outside support, the US form, the force's strength and size."""

DEFAULT_LEVERS = ("deployment.timing", "us.role", "terms.recognise", "terms.force_stays")
"""Policy levers by default."""

DEFAULT_OUTCOMES = ("p_war_or_escalation", "p_settlement", "p_escalation",
                    "p_ceasefire_by_horizon", "collapse_hazard", "mean_strikes")


def _ema() -> Any:
    with warnings.catch_warnings():  # its optional parallel back-ends announce themselves
        warnings.simplefilter("ignore")
        import ema_workbench
    return ema_workbench


def parameter(key: str, *, lever: bool = False) -> Any:
    """The EMA parameter of one schema key (range or choices from the declarative space)."""
    from sim.sweeps.space import factor

    ew = _ema()
    f = factor(key, "plausible")
    if f.choices:
        return ew.CategoricalParameter(key, list(f.choices))
    if f.integer:
        return ew.IntegerParameter(key, int(f.lo), int(f.hi))
    return ew.RealParameter(key, float(f.lo), float(f.hi))


def ema_model(name: str = "ceasefire", scenario: str = "article_baseline", *,
              replications: int = 1000, weeks: int | None = None, seed: int | None = None,
              uncertainties: Sequence[str] = DEFAULT_UNCERTAINTIES,
              levers: Sequence[str] = DEFAULT_LEVERS,
              outcomes: Sequence[str] = DEFAULT_OUTCOMES) -> Any:
    """An ``ema_workbench.Model`` running ``scenario`` with the given factors.

    Every evaluation uses the same seed, so EMA's experiments share their random numbers (common
    random numbers) and differences between them are the factors', not noise's.

    Raises:
        ConfigError: if a key is not a parameter of the schema, or an outcome name is unknown.
    """
    from sim.api import preset_config, run_scenario
    from sim.config import ConfigError, field_of

    ew = _ema()
    for key in (*uncertainties, *levers):
        try:
            field_of(key)
        except KeyError:
            raise ConfigError(f"unknown parameter {key!r}: give dotted schema keys such as "
                              "'russia.strike_propensity'") from None
    known = set(run_scenario(scenario, replications=2, weeks=2).outcomes())
    unknown = [o for o in outcomes if o not in known]
    if unknown:
        raise ConfigError(f"unknown outcome {unknown[0]!r}: choose from {', '.join(sorted(known))}")
    base_seed = seed if seed is not None else preset_config(scenario).sim.seed

    def evaluate(**values: Any) -> dict[str, float]:
        res = run_scenario(scenario, params=values, replications=replications, weeks=weeks,
                           seed=base_seed)
        flat = res.outcomes()
        return {o: flat[o] for o in outcomes}

    model = ew.Model(name, function=evaluate)
    model.uncertainties = [parameter(k) for k in uncertainties]
    model.levers = [parameter(k, lever=True) for k in levers]
    model.outcomes = [ew.ScalarOutcome(o) for o in outcomes]
    return model
