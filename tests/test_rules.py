"""Each rule's direction, bounds and closed forms, and that arrays and scalars give the same numbers."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from sim import rules
from sim.config import Config
from sim.rules import LEGAL_TRANSITIONS, Cause, Phase, UsForm

CFG = Config()


def test_logistic_is_stable_and_symmetric():
    x = np.array([-800.0, -3.0, 0.0, 3.0, 800.0])
    p = rules.logistic(x)
    assert p[0] == 0.0 and p[-1] == 1.0 and p[2] == 0.5
    assert p[1] + p[3] == pytest.approx(1.0)
    assert float(rules.logistic(1.0)) == pytest.approx(1 / (1 + math.exp(-1)))


def test_us_form_air_support_is_probable_not_certain():
    u = np.linspace(0.001, 0.999, 999)
    form = rules.us_form(u, "air_support", 0.75)
    share_air = np.mean(form == UsForm.AIR_SUPPORT)
    assert share_air == pytest.approx(0.75, abs=0.002)
    assert set(np.unique(form)) == {UsForm.INTELLIGENCE, UsForm.AIR_SUPPORT}
    assert np.all(rules.us_form(u, "none", 0.75) == UsForm.NONE)
    assert np.all(rules.us_form(u, "ground", 0.75) == UsForm.GROUND)


def test_us_strength_ranks_forms_without_a_cap():
    s = rules.us_strength(np.array([0, 1, 2, 3]), 0.25, 1.0, 1.5)
    assert s.tolist() == [0.0, 0.25, 1.0, 1.5]
    assert rules.us_strength(3, 0.25, 1.0, 4.0) == 4.0  # ground strength is not capped


def test_mediation_starts_partly_faded_and_halves_each_half_life():
    m = rules.mediation_effect(np.array([0.0, 8.0, 16.0]), 0.2, 8.0, 3.0)
    assert m[0] == pytest.approx(0.2 * 2 ** (-3 / 8))  # the summit was three weeks earlier
    assert m[1] / m[0] == pytest.approx(0.5) and m[2] / m[1] == pytest.approx(0.5)


def test_talks_and_the_moscow_venue():
    assert rules.talk_probability(0.9, 0.5) == 1.0
    u = np.linspace(0.0005, 0.9995, 1000)
    assert np.mean(rules.round_not_lost_to_venue(u, 0.2)) == pytest.approx(0.8, abs=0.002)


def test_claim_gap_ignores_land_held_outside_the_claim():
    assert rules.claim_gap(0.191, 0.2252) == pytest.approx(0.0342)
    assert rules.claim_gap(0.25, 0.2252) == 0.0


def test_territory_drift_slows_near_the_claim_and_never_passes_it():
    bf = CFG.battlefield
    far, _ = rules.territory_update(0.15, 0.0, 1.0, bf.claim, 0.02, 1.0, 0.0, 0.0)
    near, _ = rules.territory_update(bf.claim - 0.005, 0.0, 1.0, bf.claim, 0.02, 1.0, 0.0, 0.0)
    assert far - 0.15 == pytest.approx(0.01 / 52)  # full speed: 1 pp a year
    assert near - (bf.claim - 0.005) == pytest.approx(0.01 / 52 * 0.25)  # a quarter of the gap
    inside, outside = bf.claim, 0.0
    for _ in range(5000):  # a long war at high momentum approaches the claim, never exceeds it
        inside, outside = rules.territory_update(inside - 1e-4, outside, 5.0, bf.claim, 0.02,
                                                 0.8, 0.0, 0.0)
    assert inside <= bf.claim
    back, _ = rules.territory_update(0.2, 0.0, -1.0, bf.claim, 0.02, 1.0, 0.0, 0.0)
    assert back < 0.2  # Ukrainian gains are not slowed


def test_weariness_is_bounded_and_eases_in_peace():
    w = 0.8
    for _ in range(10_000):
        w = float(rules.weariness_update(w, True, 0.05, 0.01))
    assert 0.99 < w <= 1.0
    assert rules.weariness_update(0.5, False, 0.05, 0.1) == pytest.approx(0.45)


def test_threat_from_deployment_and_named_units_none_with_consent():
    assert rules.deployment_threat(20000, 0.5, False) == 1.0
    assert rules.deployment_threat(20000, 0.5, True) == 0.0
    assert rules.narrative_threat(True, 0.5, False) == 0.5
    assert rules.narrative_threat(False, 0.5, False) == 0.0
    assert rules.narrative_threat(True, 0.5, True) == 0.0


def test_force_resistance_planned_immediate_and_consent():
    assert rules.force_resistance(1.0, False, 1.0, 0.5, False) == 1.0
    assert rules.force_resistance(1.0, True, 1.0, 0.5, False) == 1.5
    assert rules.force_resistance(0.0, True, 1.0, 0.5, False) == 0.0
    assert rules.force_resistance(1.0, True, 1.0, 0.5, True) == 0.0


def test_russia_ceasefire_acceptance_directions():
    def p(**kw):
        args = {"intercept": -1.0, "mediation": 0.0, "mediation_weight": 4.0, "gap_pen": 0.0,
                "resistance": 0.0, "threat": 0.0, "threat_weight": 0.8, "stalling": 0.0,
                "weariness": 0.5, "weariness_weight": 1.0}
        args.update(kw)
        return float(rules.russia_ceasefire_acceptance(**args))

    base = p()
    assert p(mediation=0.1) > base and p(weariness=0.9) > base
    assert p(gap_pen=1.0) < base and p(resistance=1.0) < base and p(threat=1.0) < base
    assert p(stalling=rules.stalling_penalty(1.0, 0.5)) < base
    assert rules.stalling_penalty(-1.0, 0.5) == 0.0
    assert rules.gap_penalty(0.034, 0.3) == pytest.approx(1.02)


def test_russia_terms_acceptance_falls_with_gap_force_and_referendum_risk():
    def p(gap=0.0, res=0.0, risk=0.0):
        return float(rules.russia_terms_acceptance(0.0, gap, res, risk, 1.0, 0.0, 4.0, 0.8, 1.0))

    assert p(gap=1.0) < p() and p(res=1.0) < p() and p(risk=0.5) < p()


def test_strike_probability_closed_form_and_deterrence():
    p = rules.strike_probability(2.0, 0.0, 0.0, False, 0.01, 0.5, 0.3, 0.25, False)
    assert p == pytest.approx(1 - 0.99 ** 2)
    backed = rules.strike_probability(2.0, 1.0, 26, False, 0.01, 0.5, 0.3, 0.25, False)
    assert backed == pytest.approx(1 - 0.99 ** (2 * math.exp(-0.5 - 0.3)))
    settled = rules.strike_probability(2.0, 0.0, 0.0, True, 0.01, 0.5, 0.3, 0.25, False)
    assert settled == pytest.approx(1 - 0.99 ** 0.5)
    assert rules.strike_probability(2.0, 0.0, 0.0, False, 0.01, 0.5, 0.3, 0.25, True) == 0.0
    ground = rules.strike_probability(2.0, 3.0, 26, False, 0.01, 0.5, 0.3, 0.25, False)
    assert ground < backed  # more US strength always deters more


def test_exposure_land_over_sea_over_air_and_tripwire():
    d = CFG.deployment
    per = [rules.force_exposure(*t, d.exposure_sea, d.exposure_air, 1.0)
           for t in ((1000, 0, 0), (0, 1000, 0), (0, 0, 1000))]
    assert per[0] > per[1] > per[2] > 0
    rear = rules.force_exposure(6000, 2000, 2000, 0.4, 0.2, 1.0)
    assert rules.force_exposure(6000, 2000, 2000, 0.4, 0.2, d.tripwire_multiplier) == (
        pytest.approx(rear * d.tripwire_multiplier))


def test_deterrent_presence_grows_with_troops_flags_and_us_strength_without_saturating():
    f = CFG.force
    def pres(troops, flags=26, us=1.0):
        return float(rules.deterrent_presence(troops, flags, us, f.troops_need, f.flag_weight,
                                              f.us_share))
    assert pres(0) == 0.0
    assert pres(10000) < pres(20000) < pres(40000)  # no cap at the leads' 10,000
    assert pres(20000, flags=2) < pres(20000, flags=26)
    assert pres(20000, us=0.0) < pres(20000, us=1.0) < pres(20000, us=1.5)


def test_monitoring_needs_a_deployed_force():
    assert rules.monitoring(0.0, 0.0, 1.0, 5000, 1.0) == 0.0
    assert 0 < rules.monitoring(20000, 4000, 0.0, 5000, 1.0) < rules.monitoring(20000, 4000,
                                                                                 1.0, 5000, 1.0)


def test_collapse_hazard_closed_form_feedbacks_and_bounds():
    cf = CFG.ceasefire
    t = np.arange(0, 200)
    base = rules.collapse_hazard(t, 0.02, 0.001, 10.0, 0.0, 1.0, False)
    assert base[0] == pytest.approx(0.02) and np.all(np.diff(base) < 0)
    assert base[-1] == pytest.approx(0.001, rel=1e-6)
    raised = rules.collapse_hazard(t, 0.02, 0.001, 10.0, 0.5, 1.2, True)
    assert raised == pytest.approx(np.minimum(base * math.exp(0.5) * 1.2, 1.0))
    assert np.all(rules.collapse_hazard(t, 0.9, 0.9, 10.0, 5.0, 3.0, True) <= 1.0)
    lr = rules.renewal_log_risk(0.03, 1.0, 1.0, True, 0.5, False, cf.gap_hazard,
                                cf.momentum_hazard, cf.threat_hazard, cf.failed_referendum_hazard,
                                1.2, 1.0, cf.settlement_factor)
    expected = (cf.gap_hazard * 3 + cf.momentum_hazard + cf.threat_hazard
                + cf.failed_referendum_hazard - 1.2 * 0.5)
    assert lr == pytest.approx(expected)
    settled = rules.renewal_log_risk(0.03, 1.0, 1.0, True, 0.5, True, cf.gap_hazard,
                                     cf.momentum_hazard, cf.threat_hazard,
                                     cf.failed_referendum_hazard, 1.2, 1.0, 0.3)
    assert settled == pytest.approx(expected + math.log(0.3))


def test_collapse_hazard_at_the_end_of_the_ranges_does_not_overflow():
    # The largest gap weight with the whole claim unheld gives a log multiplier of 800 (a
    # hypothesis example found it): exp(800) overflows, which pytest turns into an error.
    # Capped, a positive base gives certainty and a zero base stays zero (no 0 * inf = nan).
    log_risk = np.array([800.0, 800.0, -800.0])
    hazard = rules.collapse_hazard(np.array([0, 0, 0]), np.array([0.01, 0.0, 0.01]), 0.0, 1.0,
                                   log_risk, 1.0, True)
    assert hazard.tolist() == [1.0, 0.0, 0.0]
    assert rules.collapse_hazard(0, 1e-6, 1e-6, 1.0, 20.0, 1.0, True) == pytest.approx(
        min(1e-6 * math.exp(20.0), 1.0))  # below the cap nothing changes


def test_violations_raise_the_hazard_less_when_monitored():
    assert rules.violations_factor(3, 0.1, 0.0, 1.0, 1.0) == pytest.approx(1.3)
    assert 1.0 < rules.violations_factor(3, 0.1, 0.8, 1.0, 1.0) < 1.3


def test_guarantee_credibility_and_its_discount():
    u = CFG.ukraine
    c = rules.guarantee_credibility(np.array([0.0, 10000.0, 40000.0]), 1.0, 10000.0, 0.4, 1.0)
    assert c[0] == 0.0 and c[1] == pytest.approx(1 - math.exp(-1)) and c[2] > c[1]
    assert rules.guarantee_credibility(20000.0, 0.0, 10000.0, 0.4, 1.0) == pytest.approx(
        0.4 * (1 - math.exp(-2)))
    disc = {t: rules.credibility_discount(t, 12, 26, 12, u.credibility_delay_weeks, 0.8, False,
                                          0.3)
            for t in ("commit_now", "immediate", "after_ceasefire_holds", "after_settlement")}
    assert disc["commit_now"] == 1.0 and disc["immediate"] == 0.8  # details not yet fixed (Q05)
    assert disc["immediate"] > disc["after_ceasefire_holds"] > disc["after_settlement"] > 0
    assert rules.credibility_discount("immediate", 12, 26, 12, 26.0, 0.8, True, 0.3) == (
        pytest.approx(0.24))


def test_referendum_pass_falls_with_land_ceded_and_rises_with_a_staying_guarantee():
    def p(ceded=0.0, cred=0.5, factor=1.0):
        return float(rules.referendum_pass_probability(-0.3, ceded, 0.3, cred, 2.0, factor))

    assert p(ceded=0.03) < p() and p(cred=0.8) > p() and p(factor=0.3) < p()
    assert p(cred=0.0) == pytest.approx(1 / (1 + math.exp(0.3)))


def test_terms_are_offered_only_after_martial_law_and_without_a_pending_vote():
    cf = Phase.CEASEFIRE
    assert not rules.terms_on_offer(cf, 10, False, True, True, 26)
    assert rules.terms_on_offer(cf, 26, False, True, True, 26)
    assert not rules.terms_on_offer(cf, 30, True, True, True, 26)  # a vote is scheduled
    assert not rules.terms_on_offer(cf, 30, False, False, True, 26)  # cooling down
    assert not rules.terms_on_offer(Phase.WAR, 30, False, True, True, 26)
    assert rules.terms_on_offer(cf, 0, False, True, False, 26)  # no referendum required
    ml = rules.martial_law_in_force(np.array([Phase.WAR, cf, cf, Phase.SETTLEMENT]),
                                    np.array([0, 5, 26, 1]), 26)
    assert ml.tolist() == [True, True, False, False]


def test_member_pledges_leads_germany_and_whole_troops():
    u = np.full(26, 0.5)
    p = rules.member_pledges(u, 20000.0, 0.5, 0.15, 0.5)
    assert p[0] == p[1] == 5000 and p[2] == 3000
    assert np.all(p == np.round(p)) and p.sum() == pytest.approx(20000, abs=12)
    land, sea, air = rules.domain_split(p, 0.6, 0.2)
    assert np.all(land + sea + air == p)


def test_initial_resolve_leads_fixed_others_in_range():
    r = rules.initial_resolve(np.linspace(0, 1, 26), 0.95, 0.85, 0.35, 0.9)
    assert r[0] == 0.95 and r[1] == 0.85 and r[2:].min() >= 0.35 and r[2:].max() <= 0.9


@pytest.mark.parametrize("timing", ["never", "commit_now", "immediate", "after_ceasefire_holds",
                                    "after_settlement"])
def test_deployment_only_after_hostilities_end(timing):
    phases = np.array([Phase.WAR, Phase.CEASEFIRE, Phase.CEASEFIRE, Phase.SETTLEMENT])
    weeks = np.array([0, 1, 20, 40])
    due = rules.deployment_due(timing, phases, weeks, 12, False, True)
    expected = {"never": [0, 0, 0, 0], "commit_now": [0, 1, 1, 1], "immediate": [0, 1, 1, 1],
                "after_ceasefire_holds": [0, 0, 1, 1], "after_settlement": [0, 0, 0, 1]}
    assert due.astype(int).tolist() == expected[timing]
    assert not rules.deployment_due(timing, phases, weeks, 12, True, True).any()  # veto
    leaves = rules.deployment_due(timing, phases, weeks, 12, False, False)
    assert not leaves[3]  # terms that send the force home


def test_germany_condition_readings():
    phases = np.array([Phase.WAR, Phase.CEASEFIRE, Phase.CEASEFIRE, Phase.SETTLEMENT])
    weeks = np.array([0, 1, 30, 40])
    assert rules.germany_ready("ceasefire", phases, weeks, 26).astype(int).tolist() == [0, 1, 1, 1]
    assert rules.germany_ready("ceasefire_holds", phases, weeks, 26).astype(int).tolist() == [
        0, 0, 1, 1]
    assert rules.germany_ready("settlement", phases, weeks, 26).astype(int).tolist() == [0, 0, 0, 1]


def test_force_withdraws_when_peace_collapses_unless_it_stays():
    old = np.array([Phase.CEASEFIRE, Phase.SETTLEMENT, Phase.WAR, Phase.CEASEFIRE])
    new = np.array([Phase.WAR, Phase.WAR, Phase.WAR, Phase.SETTLEMENT])
    assert rules.force_withdraws(new, old, True).tolist() == [True, True, False, False]
    assert not rules.force_withdraws(new, old, False).any()


def test_cohesion_strikes_and_the_cost_of_staying():
    hit = rules.resolve_after_strike(0.6, 0.5, 0.2, 0.5, np.array([0.0, 1.0, 3.0]))
    assert hit[0] == pytest.approx(0.4) and hit[0] < hit[1] < hit[2] == pytest.approx(0.6)
    assert rules.resolve_erosion(0.6, True, 0.52) == pytest.approx(0.59)
    assert rules.resolve_erosion(0.6, False, 0.52) == 0.6
    assert rules.stays_in(0.3, 0.3) and not rules.stays_in(0.29, 0.3)


def test_ceasefire_needs_talks_and_both_sides():
    assert rules.ceasefire_agreed(True, 0.1, 0.2, 0.1, 0.2)
    assert not rules.ceasefire_agreed(False, 0.1, 0.2, 0.1, 0.2)
    assert not rules.ceasefire_agreed(True, 0.3, 0.2, 0.1, 0.2)
    assert not rules.ceasefire_agreed(True, 0.1, 0.2, 0.3, 0.2)


def test_transition_precedence_and_legal_arrows():
    flags = list(itertools.product([False, True], repeat=5))
    for phase in Phase:
        for agreed, collapse, struck, settle, escalate in flags:
            new, cause = rules.transition(phase, agreed, collapse, struck, settle, escalate)
            new, cause = Phase(int(new)), Cause(int(cause))
            assert new == phase or (phase, new) in LEGAL_TRANSITIONS
            if phase == Phase.ESCALATION:
                assert new == Phase.ESCALATION and cause == Cause.NONE
            elif escalate:
                assert new == Phase.ESCALATION
            elif struck and phase in (Phase.CEASEFIRE, Phase.SETTLEMENT):
                assert (new, cause) == (Phase.WAR, Cause.STRIKE)
            elif collapse and phase == Phase.SETTLEMENT:
                assert (new, cause) == (Phase.WAR, Cause.BREAKDOWN)
            elif collapse and phase == Phase.CEASEFIRE:
                assert (new, cause) == (Phase.WAR, Cause.COLLAPSE)
            elif settle and phase == Phase.CEASEFIRE:
                assert (new, cause) == (Phase.SETTLEMENT, Cause.SETTLEMENT)
            elif agreed and phase == Phase.WAR:
                assert (new, cause) == (Phase.CEASEFIRE, Cause.CEASEFIRE_AGREED)
            else:
                assert new == phase and cause == Cause.NONE


def test_rules_give_the_same_numbers_on_arrays_and_scalars():
    rng = np.random.default_rng(20250904)
    x = rng.uniform(0, 1, 50)
    cases = [
        lambda v: rules.logistic(4 * v - 2),
        lambda v: rules.collapse_hazard(100 * v, 0.02, 0.001, 21.0, v - 0.5, 1 + v, True),
        lambda v: rules.strike_probability(3 * v, v, 26 * v, v > 0.5, 0.01, 0.5, 0.3, 0.25,
                                           False),
        lambda v: rules.deterrent_presence(40000 * v, 26 * v, 2 * v, 25000, 0.5, 0.5),
        lambda v: rules.monitoring(20000 * v, 5000 * v, v, 5000, 1.0),
        lambda v: rules.referendum_pass_probability(-0.3, 0.03 * v, 0.3, v, 2.0, 0.3),
        lambda v: rules.territory_update(0.2 * v, 0.004, 2 * v - 0.5, 0.2252, 0.02, 0.8,
                                         0.0005, v - 0.5)[0],
        lambda v: rules.weariness_update(v, v > 0.3, 0.01, 0.01),
    ]
    for f in cases:
        arr = np.asarray(f(x), dtype=np.float64)
        scal = np.array([float(f(float(v))) for v in x])
        np.testing.assert_array_equal(arr, scal)


def test_weeks_until_withdrawal_is_the_first_week_below_the_threshold():
    # Against a brute-force search week by week (resolve 0..1, thresholds, erosion rates).
    rng = np.random.default_rng(7)
    resolve = rng.uniform(0.0, 1.0, 400)
    for threshold in (0.0, 0.3, 0.55):
        for per_year in (0.05, 0.4, 1.3):
            got = rules.weeks_until_withdrawal(resolve, threshold, per_year)
            for r, k in zip(resolve, got, strict=True):
                want = next(w for w in range(1, 10_000)
                            if rules.resolve_erosion(r, w, per_year) < threshold)
                assert k == want, (r, threshold, per_year)


def test_weeks_until_withdrawal_without_erosion_and_at_a_subnormal_rate():
    # Rates at the bottom of the float range (hypothesis examples): a weekly share of 0.0 erodes
    # nothing, and a subnormal one is too small to move a resolve of this size; so a member
    # leaves at once if already below the threshold, else never, and the closed form neither
    # divides 0 by 0 nor overflows (warnings, errors under pytest).
    resolve = np.array([0.2, 0.8, 0.5])
    for per_year in (0.0, 5e-324, 2.2250738585072014e-308):  # 0, and 0.0 or subnormal a week
        got = rules.weeks_until_withdrawal(resolve, 0.5, per_year)
        assert got.tolist() == [1, rules.NEVER, rules.NEVER], per_year
