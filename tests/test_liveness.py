"""No dead levers: every parameter can move a headline outcome, or is declared inert or aliased.

For each model parameter the schema names the preset where it acts and its plausible range
(:mod:`sim.config`). The test runs that preset at the two ends of the range — for a lever, at each
alternative value against the default — with 4,000 replications on seed 20250904 and common random
numbers, and asserts that at least one headline outcome (P(first ceasefire by the horizon),
P(settlement), P(war or escalation), ceasefire failures per 100 ceasefire-weeks) moves with a
paired 95% interval that excludes 0 (:func:`sim.metrics.paired_headlines`). A parameter declared
``inert`` is not probed; one declared ``aliased`` must name a live partner. A second test checks
that every registered rule is evaluated in at least one preset.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from sim import liveness, rules
from sim.config import field_of
from sim.resources import conf_dir

PARAMS = [key for key, _ in liveness.model_parameters()]


@pytest.mark.parametrize("key", PARAMS)
def test_parameter_moves_a_headline_outcome_or_is_declared(key: str) -> None:
    declared = field_of(key).metadata["liveness"]
    if declared.startswith("inert: "):
        assert len(declared) > len("inert: ") + 20, f"{key}: say why it is inert"
        return
    if declared.startswith("aliased: "):
        partner = declared.split()[1]
        assert field_of(partner).metadata["liveness"] == "", f"{key}: its alias must be live"
        return
    moved = {}
    for p in liveness.probes(key):
        moved[p.label] = liveness.live(liveness.probe(p))
    assert any(moved.values()), f"{key} moves no headline outcome: {moved}"


def test_every_rule_is_evaluated_in_some_preset(monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.api import compose_config
    from sim.batched import run_batch

    called: set[str] = set()

    def spy(name, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            out = func(*args, **kwargs)
            if np.size(out if not isinstance(out, tuple) else out[0]):
                called.add(name)
            return out
        return wrapper

    for name, info in rules.RULES.items():
        monkeypatch.setattr(rules, name, spy(name, info.func))
    presets = sorted(p.stem for p in (conf_dir() / "scenario").glob("*.yaml"))
    extra = {"article_baseline": ["deployment.posture=tripwire", "ukraine.referendum_required=false"]}
    for preset in presets:
        for overrides in ([], extra.get(preset, [])):
            cfg = compose_config(preset, ["sim.weeks=208", *overrides])
            run_batch(cfg, np.arange(500))
    assert set(rules.RULES) - called == set(), "rules never evaluated in any preset"
