"""Per-scenario constants derived from the config, shared by both engines.

These are computed once per run by calling the rules on config values (not on state), so the
weekly step of each engine only does the state-dependent work. The names of the outcome classes,
the weekly path indicators and the record columns are defined here once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim import rules, streams
from sim.config import Config

N_SLOTS = 26  # member slots: 0 = UK, 1 = France, 2 = Germany, 3.. = the other members
UK, FRANCE, GERMANY = 0, 1, 2

OUTCOMES = ("settlement", "ceasefire_holding", "war", "escalation")
PHASE_TO_OUTCOME = {
    rules.Phase.SETTLEMENT: "settlement",
    rules.Phase.CEASEFIRE: "ceasefire_holding",
    rules.Phase.WAR: "war",
    rules.Phase.ESCALATION: "escalation",
}
PATH_INDICATORS = (
    "territory", "claim_gap", "threat", "troops_deployed", "members_remaining", "credibility",
    "strikes_cum", "violations", "martial_law",
)
RECORD_COLUMNS = (
    "replication", "seed", "outcome", "week_first_ceasefire", "week_first_collapse",
    "week_settlement", "week_escalation", "week_first_strike", "peace_duration", "peace_failed",
    "n_ceasefires", "n_collapses", "n_breakdowns", "n_strikes", "n_violations", "n_referendums",
    "referendum_passed", "ceasefire_weeks", "ceasefire_failures", "escalation_from",
    "peak_troops_deployed", "members_remaining", "final_territory", "final_claim_gap",
    "final_threat", "us_form",
)


@dataclass(frozen=True)
class Derived:
    """Scenario constants both engines need each week."""

    weeks: int
    timing: str
    members: int
    pledging: bool
    planned: bool
    immediate: bool
    named_units: bool
    resistance: float
    us_expected: float
    credibility_discount: float
    voters_force_factor: float
    force_in_terms: bool
    posture_mult: float
    momentum_mean: float
    russia_growth: float
    ukraine_growth: float
    recognise_claim: bool
    mediation: tuple[float, ...]
    talk_prob: tuple[float, ...]
    poisson_table: NDArray[np.float64]

    @classmethod
    def from_config(cls, cfg: Config) -> Derived:
        """Derive the constants of a validated config."""
        us, dep, rus, ukr, coa = cfg.us, cfg.deployment, cfg.russia, cfg.ukraine, cfg.coalition
        bf = cfg.battlefield
        # Functions of the week alone, evaluated once for weeks 0..W (index by week).
        mediation = rules.mediation_effect(np.arange(cfg.sim.weeks + 1), us.mediation_boost,
                                           us.mediation_half_life_weeks, us.weeks_since_summit)
        talk_prob = rules.talk_probability(cfg.talks.base_prob, mediation)
        # Ukraine weighs the US role by the chance of each form (it does not know the draw).
        strengths = [float(rules.us_strength(f, us.strength_intelligence,
                                             us.strength_air_support, us.strength_ground))
                     for f in rules.UsForm]
        if us.role == "air_support":
            us_expected = (us.air_support_prob * strengths[rules.UsForm.AIR_SUPPORT]
                           + (1.0 - us.air_support_prob) * strengths[rules.UsForm.INTELLIGENCE])
        else:
            us_expected = strengths[int(rules.us_form(0.0, us.role, 0.0))]
        pledging = dep.timing != "never" and coa.members > 0 and dep.troops_total > 0
        planned = pledging and not coa.respect_russian_veto
        immediate = dep.timing in ("immediate", "commit_now")
        return cls(
            weeks=cfg.sim.weeks,
            timing=dep.timing,
            members=coa.members,
            pledging=pledging,
            planned=planned,
            immediate=immediate,
            named_units=planned and dep.timing == "commit_now",
            resistance=float(rules.force_resistance(float(planned), immediate, rus.force_aversion,
                                                    rus.immediate_extra, rus.force_consent)),
            us_expected=us_expected,
            credibility_discount=rules.credibility_discount(
                dep.timing, dep.hold_weeks, ukr.martial_law_lift_weeks, ukr.referendum_weeks,
                ukr.credibility_delay_weeks, ukr.details_factor, coa.respect_russian_veto,
                ukr.veto_credibility),
            voters_force_factor=1.0 if cfg.terms.force_stays else ukr.without_force_credibility,
            force_in_terms=planned and cfg.terms.force_stays,
            posture_mult=dep.tripwire_multiplier if dep.posture == "tripwire" else 1.0,
            momentum_mean=rules.momentum_mean(bf.momentum_base, rus.external_support,
                                              bf.external_effect),
            russia_growth=rus.weariness_rate * (1.0 - rus.external_support),
            ukraine_growth=ukr.weariness_rate,
            recognise_claim=cfg.terms.recognise == "russia_claim",
            mediation=tuple(mediation.tolist()),
            talk_prob=tuple(talk_prob.tolist()),
            poisson_table=streams.poisson_cdf(cfg.ceasefire.violation_rate),
        )

    def initial_claim_state(self, cfg: Config) -> tuple[float, float]:
        """The held share inside and outside the claim at week 0."""
        bf = cfg.battlefield
        inside = min(bf.initial_territory - bf.held_outside_claim, bf.claim)
        return inside, bf.initial_territory - inside
