"""The actors of the article as Mesa agents. They are thin: each decision calls a rule.

Each week the agents decide from the state at the start of the week; the model then applies all
decisions at once (:meth:`sim.model.CeasefireModel.step`), so the order in which agents act does not
matter and the batched engine can run the same mechanism on arrays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import mesa

from sim import rules, streams
from sim.derived import GERMANY
from sim.rules import Phase

if TYPE_CHECKING:
    from sim.model import CeasefireModel


class UnitedStates(mesa.Agent):
    """The US: a role in the guarantee (delivered "probably") and fading mediation (Q06, Q07, Q15)."""

    model: CeasefireModel

    def __init__(self, model: CeasefireModel) -> None:
        super().__init__(model)
        cfg = model.cfg.us
        self.backing = bool(rules.us_backing_delivered(model.draw(streams.US_BACKING, 0, 0),
                                                       cfg.backing_prob))
        self.support = model.derived.us_strength * self.backing
        self.mediation = 0.0

    def decide(self) -> None:
        """This week's mediation effect (the Alaska effect, fading; see Derived.mediation)."""
        self.mediation = self.model.derived.mediation[self.model.week]


class Russia(mesa.Agent):
    """Russia: red line on foreign troops, acceptance of a ceasefire, stalling (Q01–Q19, Q28)."""

    model: CeasefireModel

    def __init__(self, model: CeasefireModel) -> None:
        super().__init__(model)
        self.weariness = 0.0
        self.rounds_held = 0
        self.threat = 0.0
        self.p_accept = 0.0
        self.strike = False
        self.escalate = False

    def perceive(self, pledged: float, troops: float) -> None:
        """Threat perception from troops pledged and deployed (and committed before a ceasefire)."""
        m, cfg = self.model, self.model.cfg.russia
        committed_now = (m.derived.timing == "commit_now") & (m.phase == Phase.WAR) & (troops > 0)
        self.threat = rules.threat_perception(
            pledged, troops, rules.narrative_threat(committed_now, cfg.narrative_boost),
            cfg.threat_base, cfg.threat_per_10k_pledged, cfg.threat_per_10k_deployed,
        )

    def decide(self, troops: float, land: float, sea: float, air: float, members_in: int,
               mediation: float, us_support: float, talks: bool) -> None:
        """Decide whether to strike the force and, in a round of talks, how willing to accept a
        ceasefire."""
        m, cfg = self.model, self.model.cfg.russia
        self.strike = self.escalate = False
        if troops > 0 and m.phase != Phase.ESCALATION:
            dep = m.cfg.deployment
            exposure = rules.force_exposure(land, sea, air, dep.exposure_land, dep.exposure_sea,
                                            dep.exposure_air, m.derived.posture_mult)
            deterrence = rules.strike_deterrence(us_support, members_in, cfg.deterrence_us,
                                                 cfg.deterrence_size)
            p = rules.strike_probability(
                exposure, cfg.strike_propensity, deterrence,
                rules.strike_phase_factor(m.phase, cfg.settlement_hostility),
            )
            self.strike = bool(m.draw(streams.STRIKES, m.week, 0) < p)
            self.escalate = self.strike and bool(
                rules.strike_escalates(m.draw(streams.STRIKES, m.week, 1), cfg.escalation_prob))
        if talks and m.phase == Phase.WAR:
            self.p_accept = rules.russia_acceptance(
                cfg.accept_intercept, mediation, cfg.mediation_weight, self.threat,
                cfg.threat_weight, self.weariness, cfg.weariness_weight,
                rules.concessions(self.rounds_held, cfg.concession_per_round),
                rules.stalling_penalty(m.momentum, cfg.stalling), m.derived.immediate_penalty,
            )

    def adapt(self, at_war: bool, talks: bool) -> None:
        """Weariness and the tally of rounds held, after the week is applied."""
        self.weariness = float(rules.weariness_update(
            self.weariness, at_war, self.model.derived.russia_growth,
            self.model.cfg.ceasefire.weariness_decay))
        self.rounds_held += bool(talks and at_war)


class Ukraine(mesa.Agent):
    """Ukraine: guarantees first, distrust of Moscow talks, referendum under martial law (Q04, Q05,
    Q14, Q27)."""

    model: CeasefireModel

    def __init__(self, model: CeasefireModel) -> None:
        super().__init__(model)
        self.weariness = 0.0
        self.credibility = 0.0
        self._assessed_pledge: float | None = None
        self.p_accept = 0.0
        self.settlement_possible = False
        self.martial_law = True

    def assess(self, pledged: float) -> None:
        """Credibility of the guarantee on offer (reassessed when the pledges change)."""
        if pledged == self._assessed_pledge:
            return
        self._assessed_pledge = pledged
        cfg = self.model.cfg.ukraine
        self.credibility = rules.guarantee_credibility(
            pledged, self.model.derived.us_expected, cfg.credibility_scale, cfg.credibility_floor
        )

    def decide(self, talks: bool) -> None:
        """Willingness to accept a ceasefire in a round of talks; whether a settlement is possible
        this week."""
        m, cfg = self.model, self.model.cfg.ukraine
        if talks and m.phase == Phase.WAR:
            self.p_accept = rules.ukraine_acceptance(
                cfg.accept_intercept, self.credibility, cfg.credibility_weight, cfg.distrust,
                self.weariness, cfg.weariness_weight,
            )
        self.martial_law = bool(rules.martial_law_in_force(m.phase, m.weeks_in_ceasefire,
                                                           cfg.martial_law_lift_weeks))
        self.settlement_possible = bool(rules.settlement_possible(
            m.phase, m.weeks_in_ceasefire, cfg.referendum_required, cfg.martial_law_lift_weeks,
            cfg.referendum_weeks,
        ))

    def adapt(self, at_war: bool) -> None:
        """Weariness after the week is applied."""
        self.weariness = float(rules.weariness_update(
            self.weariness, at_war, self.model.derived.ukraine_growth,
            self.model.cfg.ceasefire.weariness_decay))


class CoalitionMember(mesa.Agent):
    """One of the 26 pledging countries (slot 0 = UK, 1 = France, 2 = Germany) (Q02, Q20–Q24)."""

    model: CeasefireModel
    NAMES: ClassVar[dict[int, str]] = {0: "United Kingdom", 1: "France", GERMANY: "Germany"}

    def __init__(self, model: CeasefireModel, slot: int, pledge: float, land: float, sea: float,
                 air: float, resolve: float) -> None:
        super().__init__(model)
        self.slot = slot
        self.name = self.NAMES.get(slot, f"member {slot + 1}")
        self.pledge, self.land, self.sea, self.air = pledge, land, sea, air
        self.resolve = resolve
        self.in_coalition = True
        self.deployed = False

    def decide_deployment(self, due: bool, germany_ready: bool) -> None:
        """Deploy when the coalition's schedule says so (Germany: once a ceasefire holds)."""
        if (self.in_coalition and not self.deployed and due
                and (self.slot != GERMANY or germany_ready)):
            self.deployed = True
            self.model.on_deploy(self)

    def absorb_strike(self, us_support: float) -> None:
        """Lose resolve after a strike on the force; withdraw for good below the threshold."""
        if not self.in_coalition:
            return
        m, cfg = self.model, self.model.cfg.coalition
        self.resolve = rules.resolve_after_strike(
            self.resolve, m.draw(streams.COHESION, m.week, self.slot), cfg.strike_shock,
            cfg.us_cushion, us_support,
        )
        if not rules.stays_in(self.resolve, cfg.threshold):
            m.on_withdraw(self)
            self.in_coalition = False
            self.deployed = False
