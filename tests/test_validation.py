"""Validation: does the default calibration behave like the evidence (DESIGN §3, issue 5)?

Each test names its target, its source, the sample (scenario, replications VAL_N, the default seed
so the numbers match the command line) and its tolerance. Scenarios are compared under common
random numbers (same seed). The analysis functions are those of :mod:`sim.validation`, which the
notebook ``notebooks/05_model_against_evidence.ipynb`` uses too.
"""

from __future__ import annotations

from functools import cache

import pytest

from sim import experiment, metrics
from sim import validation as V
from sim.api import compose_config
from sim.config import Config, iter_params
from sim.experiment import Results

VAL_N = 6000  # replications per scenario
SEED = Config().sim.seed  # the default seed: the same runs as `ceasefire-sim scenario=...`


@cache
def _run(scenario: str, *overrides: str, weeks: int = 104, paths: bool = False) -> Results:
    cfg = compose_config(scenario, [*overrides, f"sim.replications={VAL_N}", f"sim.weeks={weeks}",
                                    f"sim.seed={SEED}"])
    return experiment.run(cfg, keep_paths=paths)


def _hr(scenario: str, *overrides: str, control: str = "no_force") -> V.HazardRatio:
    return V.hazard_ratio(V.first_peace(_run(scenario, *overrides).records),
                          V.first_peace(_run(control).records))


def test_every_calibration_target_has_a_validation_check() -> None:
    """The parameters whose metadata records a `target` are exactly those TARGETS maps."""
    with_target = {key for key, f, _ in iter_params() if f.metadata.get("target")}
    assert with_target == set(V.TARGETS)


# 1. The hazard falls with time since the ceasefire ------------------------------------------------
@pytest.mark.parametrize("scenario", ["article_baseline", "no_force"])
def test_collapse_hazard_falls_with_time(scenario: str) -> None:
    """Target: hazard highest right after the ceasefire, then falling (Fortna 2004, Walter 2002).
    Tolerance: Weibull shape's 95% upper bound < 1, and the piecewise hazard falls from stratum to
    stratum (0–4, 4–12, 12–26, 26–52, 52+ weeks)."""
    durations, events = V.first_peace(_run(scenario).records)
    fit = V.fit_weibull(durations, events)
    assert fit.shape_hi < 1.0
    rates = V.piecewise_hazard(durations, events)["rate"].to_numpy()
    assert (rates[1:] < rates[:-1]).all(), rates


# 2. A credible, accepted force lowers the hazard of renewed war -----------------------------------
def test_accepted_force_cuts_the_hazard_by_half_to_three_quarters() -> None:
    """Target: hazard ratio ≈ 0.25–0.55 for a deployed force the parties accept (Fortna 2004/2008;
    DESIGN §3): russia_soft_line vs no_force, stratified Mantel–Haenszel estimate and the crude
    events/at-risk-weeks ratio both in the band; the 95% interval excludes 1."""
    hr = _hr("russia_soft_line")
    assert 0.25 <= hr.ratio <= 0.55
    assert 0.25 <= hr.crude <= 0.55
    assert hr.hi < 1.0


def test_force_without_us_backing_deters_less() -> None:
    """Target: a force without US backing deters less than one with it (Q06, Q07; DESIGN §3).
    Tolerance: the 95% intervals of the hazard ratios vs no_force are ordered without overlap:
    us_no_role > article_baseline (US air support 'probably') > us_air_backstop (certain)."""
    none, probable, certain = (_hr(s) for s in ("us_no_role", "article_baseline",
                                                "us_air_backstop"))
    assert none.lo > probable.hi
    assert probable.lo > certain.hi


def test_strikes_eat_part_of_the_benefit_under_the_firm_red_line() -> None:
    """The article's core trade-off at the default calibration: under Russia's firm red line the
    force still lowers the hazard (interval below 1), but less than the same force without strikes;
    the share of the benefit the strikes eat, (HR_firm − HR_no_strikes) / (1 − HR_no_strikes), lies
    strictly between 0 and 1."""
    firm = _hr("article_baseline")
    unstruck = _hr("article_baseline", "russia.strike_propensity=0")
    assert firm.hi < 1.0
    assert firm.lo > unstruck.hi
    eaten = (firm.ratio - unstruck.ratio) / (1.0 - unstruck.ratio)
    assert 0.05 < eaten < 0.95


def test_either_side_can_win_depending_on_the_parameters() -> None:
    """With strikes likely and escalation frequent the force *raises* the hazard of renewed war
    (interval above 1); at the defaults it lowers it (interval below 1)."""
    hawkish = _hr("article_baseline", "russia.strike_propensity=0.2", "russia.escalation_prob=0.6")
    assert hawkish.lo > 1.0
    assert _hr("article_baseline").hi < 1.0


# 3. Violations are not collapse -------------------------------------------------------------------
def test_ceasefires_absorb_many_violations_without_collapsing() -> None:
    """Target: violations are common even in ceasefires that hold (Fortna 2004). Tolerance: in first
    peaces that held ≥ 52 weeks the median count is ≥ 52 (one a week or more); in every class of
    weekly violation counts the collapse probability stays below 5%, and the busiest class's hazard
    is less than 1.5× the quietest's (the relation exists but is weak)."""
    res = _run("article_baseline", paths=True)
    held = V.violations_in_held_ceasefires(res.records, min_weeks=52)
    assert len(held) > 100
    assert held["n_violations"].median() >= 52
    table = V.hazard_by_violations(V.ceasefire_weeks(res.raw_paths), edges=(0, 3, 6))
    assert (table["weeks"] > 1000).all()
    assert (table["hazard"] < 0.05).all()
    assert table["hazard"].iloc[-1] < 1.5 * table["hazard"].iloc[0]


# 4. Territory -------------------------------------------------------------------------------------
@pytest.mark.parametrize("scenario", ["no_force", "article_baseline"])
def test_territory_grows_about_one_point_a_year_in_war(scenario: str) -> None:
    """Target: the Russian-held share is ≈0.19–0.20 and grows ≈1 pp a year while the war goes on
    (DeepStateMap/ISW, via battlefield.initial_territory and battlefield.momentum_base provenance).
    Tolerance: initial share in [0.19, 0.20]; growth in war weeks in [0.8, 1.2] pp/yr."""
    growth = V.territory_growth(_run(scenario, paths=True).raw_paths)
    assert 0.19 <= growth.initial <= 0.20
    assert 0.8 <= growth.pp_per_year <= 1.2


# Targets recorded in the config metadata ----------------------------------------------------------
def test_ceasefire_timing_matches_its_target() -> None:
    """Target (russia/ukraine.accept_intercept): P(ceasefire within 12 weeks) ≤ 0.06 (Q29 'slim')
    and within 104 weeks in [0.4, 0.65] (Q28), article_baseline, point estimates."""
    summary = _run("article_baseline").summary
    assert summary["ceasefire_within"]["12"]["p"] <= 0.06
    assert 0.4 <= summary["ceasefire_within"]["104"]["p"] <= 0.65


def test_full_backed_force_target_of_force_deterrence() -> None:
    """Target (ceasefire.force_deterrence): hazard ratio ≈ 0.35 with a full, US-backed force the
    parties accept — russia_soft_line with certain US air support vs no_force. Tolerance ±0.1."""
    hr = _hr("russia_soft_line", "us=air_backstop")
    assert hr.ratio == pytest.approx(0.35, abs=0.1)


def test_undeterred_ceasefires_collapse_about_forty_percent_in_two_years() -> None:
    """Target (ceasefire.hazard_floor): about 40% of undeterred ceasefires collapse within two years.
    no_force, run 312 weeks so every peace can be followed two years (Kaplan–Meier);
    tolerance: 1 − S(104) in [0.3, 0.5]."""
    res = _run("no_force", weeks=312)
    km = metrics.kaplan_meier(*V.first_peace(res.records), 312)
    assert 0.3 <= 1.0 - km["survival"].iloc[104] <= 0.5


def test_validation_runs_are_the_default_calibration() -> None:
    """Guard: the runs above use the schema defaults for every model parameter the scenarios do
    not set (no stray override)."""
    base = _run("article_baseline").config
    defaults = Config()
    for group in ("ceasefire", "battlefield", "talks"):
        assert getattr(base, group) == getattr(defaults, group)
