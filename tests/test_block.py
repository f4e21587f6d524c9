"""Many design points in one vectorised run give exactly what each point gives alone.

A block of points that share every choice and switch runs as one batch whose rows carry their
point's numbers (:func:`sim.batched.run_points`). Each point's records, weekly paths and streaming
path statistics must equal :func:`sim.batched.run_batch` on that point alone, byte for byte, and
replication *i* of every point must draw the same numbers (common random numbers).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sim.api import compose_config
from sim.batched import run_batch, run_points
from sim.config import validate
from sim.stacking import structural_key

REPS = np.arange(300)


def _points(base: str, changes: list[dict[str, object]], weeks: int = 156):
    cfg = compose_config(base, [f"sim.weeks={weeks}"])
    out = []
    for change in changes:
        c = copy.deepcopy(cfg)
        for key, value in change.items():
            group, name = key.split(".")
            setattr(getattr(c, group), name, value)
        out.append(validate(c))
    return out


DESIGN = [
    {},
    {"russia.strike_propensity": 1.0, "russia.accept_intercept": 1.0},  # certain strikes
    {"coalition.erosion_per_year": 0.0, "coalition.threshold": 0.45},
    {"ceasefire.violation_rate": 7.5, "force.kappa": 0.4, "deployment.hold_weeks": 3},
    {"deployment.troops_total": 35000.0, "deployment.lead_share": 0.3,
     "deployment.germany_share": 0.25, "coalition.members": 7},
    {"us.mediation_boost": 0.3, "us.air_support_prob": 0.2, "talks.base_prob": 0.6},
    {"battlefield.initial_territory": 0.22, "battlefield.claim": 0.23, "sim.seed": 7},
    {"us.strength_air_support": 0.2, "us.strength_intelligence": 0.05},  # per-row US strengths
]


def _equal_results(a, b) -> None:
    assert a.columns.keys() == b.columns.keys()
    for k in a.columns:
        np.testing.assert_array_equal(a.columns[k], b.columns[k], err_msg=k)
    np.testing.assert_array_equal(a.keys, b.keys)


@pytest.mark.parametrize("keep_paths", [True, False])
def test_a_block_equals_its_points_run_one_by_one(keep_paths):
    cfgs = _points("article_baseline", DESIGN)
    block = run_points(cfgs, REPS, keep_paths=keep_paths)
    for cfg, got in zip(cfgs, block, strict=True):
        alone = run_batch(cfg, REPS, keep_paths=keep_paths)
        _equal_results(got, alone)
        if keep_paths:
            for k in alone.paths:
                np.testing.assert_array_equal(got.paths[k], alone.paths[k], err_msg=k)
        else:
            for k in alone.stats.counts:
                for g, w in zip(got.stats.indicator(k), alone.stats.indicator(k), strict=True):
                    np.testing.assert_array_equal(g, w, err_msg=k)
            np.testing.assert_array_equal(got.stats.phase, alone.stats.phase)
    # The design is not vacuous: the points differ.
    outcomes = {tuple(r.columns["final_phase"][:50]) for r in block}
    assert len(outcomes) == len(cfgs)


def test_points_share_their_random_numbers():
    """Common random numbers: two points that differ only after a strike agree before it."""
    cfgs = _points("article_baseline", [{"russia.escalation_prob": 0.0},
                                        {"russia.escalation_prob": 1.0}])
    a, b = run_points(cfgs, REPS)
    first = a.columns["week_first_strike"]
    for i, w in enumerate(first):
        stop = cfgs[0].sim.weeks + 1 if np.isnan(w) else int(w)
        np.testing.assert_array_equal(a.paths["phase"][i, :stop], b.paths["phase"][i, :stop])
    assert np.any(a.columns["final_phase"] != b.columns["final_phase"])


def test_points_must_share_their_choices():
    cfgs = _points("article_baseline", [{}, {"us.role": "none"}])
    assert structural_key(cfgs[0]) != structural_key(cfgs[1])
    with pytest.raises(ValueError, match="share every choice"):
        run_points(cfgs, REPS)


def test_run_block_equals_run_point_by_point():
    """The experiment layer: a block's tidy results (records, weekly summary, summary, survival)
    equal :func:`sim.experiment.run` on each point, including chunked runs of a point."""
    import pandas as pd

    from sim import experiment

    cfgs = _points("article_baseline", DESIGN[:4] + [{"us.role": "none"}], weeks=80)
    for c in cfgs:
        c.sim.replications, c.sim.chunk_size = 400, 1000
    block = experiment.run_block(cfgs)
    for cfg, got in zip(cfgs, block, strict=True):
        chunked = copy.deepcopy(cfg)
        chunked.sim.chunk_size = 150  # the point alone, in three chunks
        alone = experiment.run(chunked, progress=False)
        pd.testing.assert_frame_equal(got.records, alone.records)
        pd.testing.assert_frame_equal(got.paths, alone.paths)
        pd.testing.assert_frame_equal(got.survival, alone.survival)
        assert got.summary == alone.summary
