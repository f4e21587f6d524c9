"""Per-scenario constants derived from the config, shared by both engines.

These are computed once per run by calling the rules on config values (not on state), so the
weekly step of each engine only does the state-dependent work.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import rules
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
    "territory", "threat", "troops_deployed", "members_remaining", "credibility", "strikes_cum",
    "violations",
)
RECORD_COLUMNS = (
    "replication", "seed", "outcome", "week_first_ceasefire", "week_first_collapse",
    "week_settlement", "week_escalation", "week_first_strike", "peace_duration", "peace_failed",
    "n_ceasefires", "n_collapses", "n_strikes", "n_violations", "peak_troops_deployed",
    "members_remaining", "final_territory", "final_threat", "us_backing",
)


@dataclass(frozen=True)
class Derived:
    """Scenario constants both engines need each week."""

    weeks: int
    timing: str
    members: int
    us_strength: float
    us_expected: float
    posture_mult: float
    momentum_mean: float
    russia_growth: float
    ukraine_growth: float
    immediate_penalty: float
    pledging: bool
    mediation: tuple[float, ...]
    talk_prob: tuple[float, ...]

    @classmethod
    def from_config(cls, cfg: Config) -> Derived:
        """Derive the constants of a validated config."""
        us, dep = cfg.us, cfg.deployment
        # Functions of the week alone, evaluated once for weeks 0..W (index by week).
        mediation = rules.mediation_effect(np.arange(cfg.sim.weeks + 1), us.mediation_boost,
                                           us.mediation_half_life_weeks)
        talk_prob = rules.talk_probability(cfg.talks.base_prob, mediation)
        strength = rules.us_role_strength(
            us.role, us.strength_intelligence, us.strength_air_support, us.strength_ground
        )
        return cls(
            weeks=cfg.sim.weeks,
            timing=dep.timing,
            members=cfg.coalition.members,
            us_strength=strength,
            us_expected=strength * us.backing_prob,
            posture_mult=dep.tripwire_multiplier if dep.posture == "tripwire" else 1.0,
            momentum_mean=rules.momentum_mean(
                cfg.battlefield.momentum_base, cfg.russia.external_support,
                cfg.battlefield.external_effect, cfg.battlefield.western_aid,
                cfg.battlefield.aid_effect,
            ),
            russia_growth=rules.russia_weariness_growth(
                cfg.russia.weariness_rate, cfg.russia.external_support
            ),
            ukraine_growth=cfg.ukraine.weariness_rate,
            immediate_penalty=rules.immediate_deployment_penalty(
                dep.timing, cfg.russia.immediate_penalty
            ),
            pledging=dep.timing != "never",
            mediation=tuple(mediation.tolist()),
            talk_prob=tuple(talk_prob.tolist()),
        )
