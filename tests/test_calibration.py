"""Calibration: the parameters set to hit a target still hit it, and the code and the fit agree.

These are calibration checks, not validation: each target below is what the named parameters were
set from (``ceasefire-sim-calibrate``, ``seeds/calibration/fit.yaml``). They fail when the model
leaves its band — e.g. ``ceasefire.hazard_initial=0.018`` moves the no-force curve off the data.
Seed 20250904 throughout; the sample size and tolerance are stated in each test.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import field_of
from sim.evidence import calibrate as C
from sim.evidence import checks


def test_schema_defaults_are_the_fitted_values():
    fit = C.load_fit()
    for key, value in fit["hazard"]["values"].items():
        assert field_of(key).default == pytest.approx(value, rel=1e-9), key
        assert field_of(key).metadata["kind"] == "calibrated"
    assert field_of("force.kappa").default == fit["force"]["kappa"]
    assert field_of("force.kappa").metadata["kind"] == "calibrated"


def test_the_force_weights_were_fixed_before_the_fit():
    """The fit records the SHA-256 of conf/force/default.yaml: editing the weights without
    refitting the scale fails here."""
    assert C.load_fit()["force"]["weights_sha256"] == C.force_weights_sha256()


def test_the_fit_residuals_are_recorded_and_small():
    points = C.load_fit()["hazard"]["points"]
    assert [p["weeks"] for p in points] == list(C.POINTS)
    for p in points:
        assert p["residual"] == pytest.approx(p["model"] - p["data"], abs=1e-3)
        assert abs(p["residual"]) <= checks.CURVE_TOLERANCE


def test_the_committed_fit_is_what_the_current_model_gives():
    """The fit's recorded model points, recomputed at its values (12,000 replications, the fit's
    seed): a change to the model since the last `ceasefire-sim-calibrate` shows here (refit)."""
    fit = C.load_fit()["hazard"]
    model = C.hazard_points(fit["values"], fit["replications"])
    assert [C._r(float(m), 4) for m in model] == [p["model"] for p in fit["points"]]


def test_data_points_are_fortnas_no_peacekeeper_curve():
    assert C.data_points() == pytest.approx([0.8065, 0.7097, 0.6129, 0.5484])


def test_no_force_curve_is_within_tolerance_of_the_data():
    """Calibration target (hazard_initial, hazard_floor, hazard_decay_weeks): the natural first
    ceasefires of no_force, followed 104 weeks, within ±0.06 of Fortna's no-peacekeeper
    Kaplan–Meier points at 13/26/52/104 weeks. 6,000 replications."""
    results = checks.no_force_curve(6000, checks.Curves())
    assert len(results) == 4
    for r in results:
        assert r.check.kind == "calibration"
        assert r.passed, f"{r.check.name}: model {r.value:.3f} vs data {r.data:.3f}"


def test_the_consented_force_hazard_ratio_is_in_its_band():
    """Calibration target (force.kappa): controlled spells, russia_soft_line vs no_force, Cox
    hazard ratio in [0.4, 0.5]. 8,000 replications per arm."""
    cal = next(r for r in checks.force_effects(8000, checks.Curves())
               if r.check.name == "hazard ratio, consented force")
    assert cal.check.kind == "calibration" and cal.passed, cal.value
    assert cal.lo < cal.value < cal.hi


def test_the_article_words_bands_hold():
    """Calibration bands (russia.accept_intercept, ukraine.accept_intercept) in article_baseline:
    P(first ceasefire within 13 weeks) ≤ 0.15 (Q29), within 104 weeks in [0.2, 0.8] (Q28).
    4,000 replications."""
    for r in checks.ceasefire_timing(4000):
        assert r.check.kind == "calibration" and r.passed, (r.check.name, r.value)


def test_territory_grows_about_a_point_a_year_in_war():
    """Calibration target (battlefield.momentum_base): 0.5–1.5 pp a year in war weeks. 1,000
    replications of a war without talks."""
    (r,) = checks.territory_growth(1000)
    assert r.passed and r.lo < r.value < r.hi, r.value


def test_bisection_finds_the_scale_that_hits_the_ratio():
    """The kappa method itself: on 3,000 replications per arm the bisection lands on a scale whose
    hazard ratio is 0.45 within the sampling error (±0.05)."""
    fit = C.fit_kappa(replications=3000, tol=0.02)
    assert fit.fit.hazard_ratio == pytest.approx(C.HR_TARGET, abs=0.05)
    assert 0.5 < fit.kappa < 2.5


def test_km_at_reads_the_curve_at_the_points():
    durations = np.array([1, 13, 14, 30, 60, 120])
    events = np.array([True, True, False, True, True, False])
    s = C.km_at(durations, events)
    # events at 1 (6 at risk) and 13 (5); censored at 14; events at 30 (3) and 60 (2)
    assert s == pytest.approx([4 / 6, 4 / 6, 4 / 6 * 2 / 3, 4 / 6 * 2 / 3 * 1 / 2])


def test_every_calibrated_parameter_is_pinned_by_a_declared_check():
    from sim.config import iter_params

    results, _ = checks.run_checks(300)
    pins = " ".join(r.check.pins for r in results if r.check.kind == "calibration")
    for key, f, _ in iter_params():
        if f.metadata["kind"] == "calibrated":
            name = key.split(".")[1]
            assert key in pins or name in pins, f"{key} is calibrated but no check names it"
