"""Each rule's direction and bounds, and that arrays and scalars give the same numbers."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim import rules
from sim.config import Config
from sim.rules import LEGAL_TRANSITIONS, Cause, Phase

CFG = Config()
GRID = np.linspace(0.0, 1.0, 11)


def test_strike_probability_bounds_and_direction():
    p = rules.strike_probability(np.array([0.0, 0.5, 1.0, 3.0]), 0.05, 0.0, 1.0)
    assert p[0] == 0.0 and np.all(np.diff(p) > 0) and np.all((p >= 0) & (p <= 1))
    deterred = rules.strike_probability(1.0, 0.05, np.array([0.0, 0.5, 1.0]), 1.0)
    assert deterred[0] > deterred[1] > deterred[2] == 0.0
    assert rules.strike_probability(2.0, 0.0, 0.0, 1.0) == 0.0
    assert rules.strike_probability(1.0, 1.0, 0.0, 1.0) == 1.0


def test_exposure_land_over_sea_over_air_and_tripwire():
    d = CFG.deployment
    per = [rules.force_exposure(*t, d.exposure_land, d.exposure_sea, d.exposure_air, 1.0)
           for t in ((1000, 0, 0), (0, 1000, 0), (0, 0, 1000))]
    assert per[0] > per[1] > per[2] > 0
    rear = rules.force_exposure(6000, 2000, 2000, 1, 0.4, 0.2, 1.0)
    assert rules.force_exposure(6000, 2000, 2000, 1, 0.4, 0.2, d.tripwire_multiplier) > rear


def test_deterrence_grows_with_us_support_and_members_capped_at_one():
    d = rules.strike_deterrence(np.array([0.0, 0.5, 1.0, 1.5]), 26, 0.35, 0.25)
    assert np.all(np.diff(d[:3]) > 0) and d[3] == d[2]
    m = rules.strike_deterrence(1.0, np.array([0, 13, 26]), 0.35, 0.25)
    assert np.all(np.diff(m) > 0)
    assert rules.strike_deterrence(5.0, 26, 0.9, 0.9) == 1.0


def test_settlement_lowers_but_does_not_remove_hostility():
    f = rules.strike_phase_factor(np.array([Phase.WAR, Phase.CEASEFIRE, Phase.SETTLEMENT]), 0.25)
    assert f[0] == f[1] == 1.0 and 0 < f[2] < 1


def test_threat_rises_with_troops_pledged_deployed_and_narrative():
    t0 = rules.threat_perception(0, 0, 0, 1.0, 0.4, 0.6)
    assert rules.threat_perception(10000, 0, 0, 1.0, 0.4, 0.6) > t0
    assert rules.threat_perception(10000, 10000, 0, 1.0, 0.4, 0.6) > rules.threat_perception(
        10000, 0, 0, 1.0, 0.4, 0.6)
    assert rules.narrative_threat(True, 1.0) > rules.narrative_threat(False, 1.0) == 0


def test_immediate_deployment_penalty_only_for_early_deployment():
    assert rules.immediate_deployment_penalty("immediate", 1.0) == 1.0
    assert rules.immediate_deployment_penalty("commit_now", 1.0) == 1.0
    for t in ("never", "after_ceasefire_holds", "after_settlement"):
        assert rules.immediate_deployment_penalty(t, 1.0) == 0.0


def test_stalling_only_while_momentum_favours_russia():
    s = rules.stalling_penalty(np.array([-2.0, 0.0, 1.0, 2.0]), 0.5)
    assert s[0] == s[1] == 0 and 0 < s[2] < s[3]


def _russia(**kw):
    base = {"intercept": -1.0, "mediation": 0.0, "mediation_weight": 4.0, "threat": 1.0,
                "threat_weight": 0.8, "weariness": 0.0, "weariness_weight": 1.0, "concession": 0.0,
                "stalling": 0.0, "immediate": 0.0}
    base.update(kw)
    return rules.russia_acceptance(**base)


def test_russia_acceptance_direction():
    p = _russia()
    assert 0 < p < 1
    assert _russia(mediation=0.2) > p and _russia(weariness=1.0) > p and _russia(concession=0.5) > p
    assert _russia(threat=3.0) < p and _russia(stalling=1.0) < p and _russia(immediate=1.0) < p


def test_external_support_slows_weariness():
    g = [rules.russia_weariness_growth(0.02, e) for e in (0.0, 0.5, 1.0)]
    assert g[0] > g[1] > g[2] == 0


def test_guarantee_credibility_bounds_and_direction():
    c = rules.guarantee_credibility(np.array([0.0, 5000, 20000, 1e6]), 0.675, 10000, 0.4)
    assert c[0] == 0 and np.all(np.diff(c) > 0) and c[-1] <= 1
    assert rules.guarantee_credibility(20000, 1.0, 10000, 0.4) > rules.guarantee_credibility(
        20000, 0.0, 10000, 0.4) > 0


def test_ukraine_acceptance_direction():
    args = {"intercept": -1.0, "credibility_weight": 2.5, "distrust": 1.0, "weariness": 0.0,
                "weariness_weight": 1.0}
    low, high = (rules.ukraine_acceptance(credibility=c, **args) for c in (0.0, 1.0))
    assert 0 < low < high < 1
    args["distrust"] = 2.0
    assert rules.ukraine_acceptance(credibility=0.0, **args) < low


def test_us_roles_are_ordered_and_backing_is_probable():
    s = [rules.us_role_strength(r, 0.25, 1.0, 1.5) for r in
         ("none", "intelligence", "air_support", "ground")]
    assert s == sorted(s) and s[0] == 0
    u = np.linspace(0.001, 0.999, 999)
    assert abs(rules.us_backing_delivered(u, 0.675).mean() - 0.675) < 0.01


def test_mediation_fades_by_half_each_half_life():
    m = rules.mediation_effect(np.array([0, 8, 16]), 0.2, 8.0)
    assert m[0] == pytest.approx(0.2) and m[1] == pytest.approx(0.1) and m[2] == pytest.approx(0.05)
    assert rules.talk_probability(0.95, 0.2) == 1.0


def test_moscow_venue_loses_its_share_of_rounds():
    u = np.linspace(0.0005, 0.9995, 1000)
    assert rules.round_not_lost_to_venue(u, 0.2).mean() == pytest.approx(0.8, abs=0.002)
    assert not rules.round_not_lost_to_venue(u, 1.0).any()


def test_referendum_and_martial_law():
    cf = Phase.CEASEFIRE
    assert rules.martial_law_in_force(Phase.WAR, 100, 26)
    assert rules.martial_law_in_force(cf, 25, 26) and not rules.martial_law_in_force(cf, 26, 26)
    # no settlement while martial law holds, nor before the referendum is organised
    assert not rules.settlement_possible(cf, 25, True, 26, 12)
    assert not rules.settlement_possible(cf, 37, True, 26, 12)
    assert rules.settlement_possible(cf, 38, True, 26, 12)
    assert rules.settlement_possible(cf, 0, False, 26, 12)
    assert not rules.settlement_possible(Phase.WAR, 100, False, 26, 12)


def test_member_pledges_whole_troops_lead_members_and_fixed_slots():
    u = np.random.default_rng(1).random((500, 26))
    p = rules.member_pledges(u, 20000, 0.5, 0.5)
    assert np.all(p == np.round(p)) and np.all(p >= 0)
    assert np.all(p[:, 0] == 5000) and np.all(p[:, 1] == 5000)
    assert abs(p.sum(axis=1).mean() - 20000) < 100
    land, sea, air = rules.domain_split(p, 0.6, 0.2)
    assert np.array_equal(land + sea + air, p) and np.all(air >= 0)


def test_initial_resolve_uk_highest_range_respected():
    u = np.random.default_rng(2).random((100, 26))
    r = rules.initial_resolve(u, 0.95, 0.85, 0.35, 0.9)
    assert np.all(r[:, 0] == 0.95) and np.all((r[:, 2:] >= 0.35) & (r[:, 2:] <= 0.9))


@pytest.mark.parametrize("timing", ["never", "commit_now", "immediate", "after_ceasefire_holds",
                                    "after_settlement"])
def test_deployment_due_by_timing(timing):
    phases = np.array([Phase.WAR, Phase.CEASEFIRE, Phase.CEASEFIRE, Phase.SETTLEMENT])
    weeks = np.array([0, 0, 20, 0])
    due = rules.deployment_due(timing, phases, weeks, 12, False)
    expected = {
        "never": [0, 0, 0, 0], "commit_now": [1, 1, 1, 1], "immediate": [0, 1, 1, 1],
        "after_ceasefire_holds": [0, 0, 1, 1], "after_settlement": [0, 0, 0, 1],
    }[timing]
    assert due.tolist() == [bool(x) for x in expected]
    assert not rules.deployment_due(timing, phases, weeks, 12, True).any()


def test_germany_waits_for_a_holding_ceasefire():
    assert not rules.germany_ready("ceasefire_holds", Phase.CEASEFIRE, 5, 12)
    assert rules.germany_ready("ceasefire_holds", Phase.CEASEFIRE, 12, 12)
    assert not rules.germany_ready("settlement", Phase.CEASEFIRE, 100, 12)
    assert rules.germany_ready("settlement", Phase.SETTLEMENT, 0, 12)


def test_cohesion_strikes_cost_resolve_less_with_us_backing():
    without = rules.resolve_after_strike(0.6, 0.5, 0.2, 0.5, 0.0)
    with_us = rules.resolve_after_strike(0.6, 0.5, 0.2, 0.5, 1.0)
    assert without < with_us < 0.6
    assert rules.stays_in(0.31, 0.3) and not rules.stays_in(0.29, 0.3)


def test_force_cuts_hazard_more_with_us_backing():
    m = rules.force_hazard_multiplier(np.array([0.0, 5000, 10000, 40000]), 1.0, 0.65, 0.5, 10000)
    assert m[0] == 1 and np.all(np.diff(m[:3]) < 0) and m[3] == m[2] == pytest.approx(0.35)
    assert rules.force_hazard_multiplier(10000, 0.0, 0.65, 0.5, 10000) > m[2]


def test_collapse_hazard_falls_with_time_and_stays_a_probability():
    args = {"initial": 0.05, "floor": 0.008, "decay_weeks": 12.0, "force_mult": 1.0, "threat_excess": 0.0,
                "threat_weight": 0.1, "violations": 0, "violation_weight": 0.02, "feedbacks": True}
    h = rules.collapse_hazard(np.arange(0, 100), **args)
    assert h[0] == pytest.approx(0.05) and np.all(np.diff(h) < 0) and h[-1] > 0.008
    args.update(threat_excess=100.0, violations=1000)
    assert rules.collapse_hazard(0, **args) == 1.0
    args.update(feedbacks=False)
    assert rules.collapse_hazard(0, **args) == pytest.approx(0.05)


def test_violations_and_settlement():
    assert rules.violation_rate(3.0) == 3.0
    assert rules.settles(0.01, True, 0.04) and not rules.settles(0.01, False, 0.04)
    assert not rules.settles(0.5, True, 0.04)


def test_ceasefire_needs_talks_and_both_sides():
    w = Phase.WAR
    assert rules.ceasefire_agreed(w, True, 0.1, 0.2, 0.1, 0.2)
    assert not rules.ceasefire_agreed(w, False, 0.1, 0.2, 0.1, 0.2)
    assert not rules.ceasefire_agreed(w, True, 0.3, 0.2, 0.1, 0.2)
    assert not rules.ceasefire_agreed(w, True, 0.1, 0.2, 0.3, 0.2)
    assert not rules.ceasefire_agreed(Phase.CEASEFIRE, True, 0.1, 0.2, 0.1, 0.2)


def test_battlefield_momentum_and_territory():
    assert rules.momentum_mean(1.0, 0.5, 0.5, 0.5, 0.5) == pytest.approx(1.0)
    assert rules.momentum_mean(1.0, 1.0, 0.5, 0.0, 0.5) > rules.momentum_mean(1.0, 0.0, 0.5, 0.0, 0.5)
    m = rules.momentum_update(np.zeros(3), 1.0, 0.9, 0.5, np.array([-1.0, 0.0, 1.0]))
    assert m[0] < m[1] < m[2]
    # one year at 1 pp/yr momentum without noise gains one percentage point
    t = 0.195
    for _ in range(52):
        t = rules.territory_update(t, 1.0, 0.0, 0.0)
    assert t == pytest.approx(0.205)
    assert rules.territory_update(0.999, 1000.0, 0.0, 0.0) == 1.0
    assert rules.territory_update(0.0, -1000.0, 0.0, 0.0) == 0.0


def test_weariness_grows_in_war_and_eases_in_ceasefire():
    assert rules.weariness_update(1.0, True, 0.02, 0.05) == pytest.approx(1.02)
    assert rules.weariness_update(1.0, False, 0.02, 0.05) == pytest.approx(0.95)
    assert rules.weariness_update(0.01, False, 0.02, 0.05) == 0.0


def test_transition_only_moves_along_legal_arrows():
    phases = list(Phase)
    for phase, agreed, collapse, settle, esc in itertools.product(phases, *[[False, True]] * 4):
        new, cause = rules.transition(phase, agreed, collapse, settle, esc)
        new, cause = Phase(int(new)), Cause(int(cause))
        if new == phase:
            assert cause == Cause.NONE
        else:
            assert (phase, new) in LEGAL_TRANSITIONS
            assert cause != Cause.NONE
    # escalation overrides; collapse beats settlement in the same week
    assert Phase(int(rules.transition(Phase.WAR, True, False, False, True)[0])) == Phase.ESCALATION
    assert Phase(int(rules.transition(Phase.CEASEFIRE, False, True, True, False)[0])) == Phase.WAR


def test_rules_give_the_same_numbers_on_arrays_and_scalars():
    xs = np.linspace(0.0, 3.0, 7)
    for x in xs:
        assert rules.strike_probability(x, 0.03, 0.4, 1.0) == rules.strike_probability(
            xs, 0.03, 0.4, 1.0)[list(xs).index(x)]
        assert rules.russia_acceptance(-1.0, x, 4.0, x, 0.8, x, 1.0, 0.1, 0.2, 1.0) == \
            rules.russia_acceptance(-1.0, xs, 4.0, xs, 0.8, xs, 1.0, 0.1, 0.2, 1.0)[list(xs).index(x)]
        assert rules.guarantee_credibility(x * 1e4, 0.675, 1e4, 0.4) == \
            rules.guarantee_credibility(xs * 1e4, 0.675, 1e4, 0.4)[list(xs).index(x)]
