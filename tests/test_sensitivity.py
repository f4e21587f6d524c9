"""Sensitivity analysis and scenario discovery (:mod:`sim.sensitivity`).

The estimators are checked through the module's own functions on test functions with known
answers (SALib's practice): the Ishigami function's Sobol indices and a linear model's Morris
elementary effects; PRIM on a synthetic table whose box is known. A small real run checks the
plumbing from configuration to indices and figure.
"""

from __future__ import annotations

import importlib.util
import math
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sim import sensitivity as S
from sim.api import compose_config
from sim.config import iter_params

# Ishigami (a = 7, b = 0.1) on [-π, π]^3: analytic first-order and total indices.
ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)


def _ishigami(x: pd.DataFrame) -> np.ndarray:
    x1, x2, x3 = (x[c].to_numpy() for c in ("x1", "x2", "x3"))
    return np.sin(x1) + 7.0 * np.sin(x2) ** 2 + 0.1 * x3**4 * np.sin(x1)


def test_sobol_indices_of_the_ishigami_function() -> None:
    """N = 2048 Saltelli base samples, seed 1: indices within 0.05 of the analytic values."""
    prob = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    table = S.sample_sobol(prob, 2048, seed=1)
    table["y"] = _ishigami(table)
    idx = S.sobol_indices(table, prob, outcomes=["y"], seed=1).set_index("parameter")
    assert idx["S1"].to_numpy() == pytest.approx(ISHIGAMI_S1, abs=0.05)
    assert idx["ST"].to_numpy() == pytest.approx(ISHIGAMI_ST, abs=0.05)


def test_morris_recovers_linear_coefficients() -> None:
    """For y = 1·a + 2·b + 0·c every elementary effect equals the coefficient (× range)."""
    prob = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1], [0, 2], [0, 1]]}
    table = S.sample_morris(prob, trajectories=20, seed=3)
    table["y"] = 1.0 * table["a"] + 2.0 * table["b"] + 0.0 * table["c"]
    idx = S.morris_indices(table, prob, outcomes=["y"], seed=3).set_index("parameter")
    # SALib scales effects to the unit range: mu* = coefficient × (hi − lo)
    assert idx["mu_star"].to_numpy() == pytest.approx([1.0, 4.0, 0.0], abs=1e-9)
    assert idx["sigma"].to_numpy() == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)


@pytest.mark.skipif(importlib.util.find_spec("ema_workbench") is None,
                    reason="PRIM needs the optional ema_workbench package")
def test_prim_finds_a_known_box_and_states_it_readably() -> None:
    rng = np.random.default_rng(0)
    n = 1000
    table = pd.DataFrame({
        "russia.strike_propensity": rng.uniform(0.0, 0.1, n),
        "us.backing_prob": rng.uniform(0.5, 0.9, n),
        "deployment.timing": rng.choice(["immediate", "commit_now", "after_settlement"], n),
    })
    interest = (table["russia.strike_propensity"] > 0.06) & table["deployment.timing"].isin(
        ["immediate", "commit_now"])
    boxes = S.prim_boxes(table, interest.to_numpy(), min_density=0.9)
    first = boxes.iloc[0]
    bound = re.search(r"russia\.strike_propensity >= ([0-9.]+)", first["conditions"])
    assert bound is not None and 0.05 <= float(bound.group(1)) <= 0.065
    assert "deployment.timing in {'commit_now', 'immediate'}" in first["conditions"]
    assert "us.backing_prob" not in first["conditions"]
    assert first["density"] >= 0.9 and first["coverage"] >= 0.8


def test_factors_lie_within_the_allowed_ranges() -> None:
    meta = {key: f.metadata for key, f, _ in iter_params()}
    for factor in S.FACTORS:
        assert factor.key in meta
        assert meta[factor.key]["lo"] <= factor.lo < factor.hi <= meta[factor.key]["hi"]
        assert factor.basis
    assert S.problem()["names"] == [f.key for f in S.FACTORS]


def test_small_real_run_from_design_to_figure() -> None:
    """2 Morris trajectories over 3 factors, 60 replications of 40 weeks per point."""
    factors = [f for f in S.FACTORS if f.key in ("russia.strike_propensity",
                                                 "russia.escalation_prob", "us.backing_prob")]
    prob = S.problem(factors)
    design = S.sample_morris(prob, trajectories=2, seed=5)
    base = compose_config("article_baseline", ["sim.replications=60", "sim.weeks=40"])
    table = S.evaluate(design, base)
    assert len(table) == 2 * (len(factors) + 1)
    assert list(table.columns) == [*prob["names"], *S.OUTCOMES]
    for col in ("p_settlement", "p_escalation"):
        assert table[col].between(0, 1).all()
    assert (table["mean_strikes"] >= 0).all()
    # common random numbers: the same point gives the same outcomes
    again = S.evaluate(design.iloc[:1], base)
    pd.testing.assert_frame_equal(again, table.iloc[:1])

    idx = S.morris_indices(table, prob)
    assert set(idx["outcome"]) == set(S.OUTCOMES) and len(idx) == 4 * len(factors)
    fig = S.plot_indices(idx, "mu_star", "mu_star_conf", caption="test")
    assert isinstance(fig, Figure) and len(fig.axes) == len(S.OUTCOMES)
