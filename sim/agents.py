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
    """The US: backing 'probably' in the form of air support, and fading mediation (Q06, Q07,
    Q15)."""

    model: CeasefireModel

    def __init__(self, model: CeasefireModel) -> None:
        super().__init__(model)
        cfg = model.cfg.us
        self.form = int(rules.us_form(model.draw(streams.US_FORM, 0, 0), cfg.role,
                                      cfg.air_support_prob))
        self.strength = float(rules.us_strength(self.form, cfg.strength_intelligence,
                                                cfg.strength_air_support, cfg.strength_ground))
        self.mediation = 0.0

    def decide(self) -> None:
        """This week's mediation effect (the Alaska effect, fading; see Derived.mediation)."""
        self.mediation = self.model.derived.mediation[self.model.week]


class Russia(mesa.Agent):
    """Russia: resistance to the force, its claim, strikes and the decision to renew the war
    (Q01, Q08–Q12, Q17–Q19, Q25, Q28–Q33)."""

    model: CeasefireModel

    def __init__(self, model: CeasefireModel) -> None:
        super().__init__(model)
        self.weariness = model.cfg.russia.weariness_initial
        self.threat = 0.0
        self.strike = self.escalate = False
        self.p_accept = 0.0
        self.terms_accepted = False
        self.renews_war = False

    def perceive(self, troops: float) -> None:
        """Threat perception from troops deployed, or from units named but not yet deployed."""
        m, cfg = self.model, self.model.cfg.russia
        self.threat = (rules.deployment_threat(troops, cfg.threat_per_10k, cfg.force_consent)
                       + rules.narrative_threat(m.derived.named_units and troops == 0,
                                                cfg.narrative_boost, cfg.force_consent))

    def decide_strike(self, land: float, sea: float, air: float, flags: int,
                      us_strength: float) -> None:
        """Whether to strike the deployed force, and whether the strike escalates."""
        m, cfg, dep = self.model, self.model.cfg.russia, self.model.cfg.deployment
        exposure = rules.force_exposure(land, sea, air, dep.exposure_sea, dep.exposure_air,
                                        m.derived.posture_mult)
        p = rules.strike_probability(exposure, us_strength, flags, m.phase == Phase.SETTLEMENT,
                                     cfg.strike_propensity, cfg.deterrence_us,
                                     cfg.deterrence_flags, cfg.settlement_hostility,
                                     cfg.force_consent)
        self.strike = bool(m.draw(streams.STRIKES, m.week, 0) < p)
        self.escalate = self.strike and bool(
            rules.strike_escalates(m.draw(streams.STRIKES, m.week, 1), cfg.escalation_prob))

    def ceasefire_acceptance(self, mediation: float) -> float:
        """Probability of accepting a ceasefire in this week's round of talks."""
        m, cfg = self.model, self.model.cfg.russia
        self.p_accept = rules.russia_ceasefire_acceptance(
            cfg.accept_intercept, mediation, cfg.mediation_weight,
            rules.gap_penalty(m.claim_gap(), cfg.gap_weight), m.derived.resistance, self.threat,
            cfg.threat_weight, rules.stalling_penalty(m.momentum, cfg.stalling), self.weariness,
            cfg.weariness_weight)
        return self.p_accept

    def decide_terms(self, mediation: float, pass_prob: float) -> None:
        """Whether to accept the settlement terms on the table."""
        m, cfg = self.model, self.model.cfg.russia
        d = m.derived
        risk = 1.0 - pass_prob if m.cfg.ukraine.referendum_required else 0.0 * pass_prob
        p = rules.russia_terms_acceptance(
            cfg.terms_intercept, rules.gap_penalty(m.claim_gap() * (not d.recognise_claim),
                                                   cfg.gap_weight),
            rules.force_resistance(float(d.force_in_terms), False, cfg.force_aversion,
                                   cfg.immediate_extra, cfg.force_consent),
            risk, cfg.referendum_discount, mediation, cfg.mediation_weight, self.weariness,
            cfg.weariness_weight)
        self.terms_accepted = bool(m.draw(streams.ACCEPTANCE, m.week, 2) < p)

    def decide_renewal(self, troops: float, air: float, flags: int, us_strength: float,
                       violations: int) -> None:
        """Whether to renew the war this week (a collapse, or a breakdown after a settlement)."""
        m, cf, frc = self.model, self.model.cfg.ceasefire, self.model.cfg.force
        presence = rules.deterrent_presence(troops, flags, us_strength, frc.troops_need,
                                            frc.flag_weight, frc.us_share)
        watched = rules.monitoring(troops, air, us_strength, frc.air_need, frc.us_isr)
        log_risk = rules.renewal_log_risk(
            m.claim_gap(), m.momentum_at_start, self.threat, m.failed_vote, presence,
            m.phase == Phase.SETTLEMENT, cf.gap_hazard, cf.momentum_hazard, cf.threat_hazard,
            cf.failed_referendum_hazard, frc.kappa, frc.cost_weight, cf.settlement_factor)
        viol = rules.violations_factor(violations, cf.violation_hazard, watched, frc.kappa,
                                       frc.monitoring_weight)
        hazard = rules.collapse_hazard(m.weeks_in_cf, cf.hazard_initial, cf.hazard_floor,
                                       cf.hazard_decay_weeks, log_risk, viol,
                                       cf.strategic_feedbacks)
        self.renews_war = bool(m.draw(streams.CEASEFIRE, m.week, 0) < hazard)

    def adapt(self, at_war: bool) -> None:
        """Weariness after the week is applied."""
        self.weariness = float(rules.weariness_update(
            self.weariness, at_war, self.model.derived.russia_growth,
            self.model.cfg.ceasefire.weariness_decay))


class Ukraine(mesa.Agent):
    """Ukraine: the guarantee's credibility, ceasefire without cession, the referendum under
    martial law (Q04–Q06, Q12, Q14, Q23, Q27, Q34)."""

    model: CeasefireModel

    def __init__(self, model: CeasefireModel) -> None:
        super().__init__(model)
        self.weariness = model.cfg.ukraine.weariness_initial
        self.credibility = 0.0
        self.p_accept = 0.0

    def assess(self, pledged: float) -> None:
        """Credibility of the guarantee on offer."""
        m, cfg = self.model, self.model.cfg.ukraine
        self.credibility = rules.guarantee_credibility(
            pledged, m.derived.us_expected, cfg.credibility_scale, cfg.credibility_us_floor,
            m.derived.credibility_discount)

    def ceasefire_acceptance(self) -> float:
        """Probability of accepting a ceasefire in this week's round of talks."""
        cfg = self.model.cfg.ukraine
        self.p_accept = rules.ukraine_ceasefire_acceptance(
            cfg.accept_intercept, self.credibility, cfg.guarantee_weight, self.weariness,
            cfg.weariness_weight)
        return self.p_accept

    def pass_probability(self) -> float:
        """The voters' chance of passing the terms on the table."""
        m, cfg = self.model, self.model.cfg.ukraine
        ceded = m.claim_gap() * m.derived.recognise_claim
        return rules.referendum_pass_probability(
            cfg.referendum_intercept, ceded, cfg.referendum_per_pp, self.credibility,
            cfg.guarantee_weight, m.derived.voters_force_factor)

    def vote(self) -> bool:
        """The referendum on the terms: whether the voters pass them."""
        m = self.model
        return bool(m.draw(streams.REFERENDUM, m.week, 0) < self.pass_probability())

    def adapt(self, at_war: bool) -> None:
        """Weariness after the week is applied."""
        self.weariness = float(rules.weariness_update(
            self.weariness, at_war, self.model.derived.ukraine_growth,
            self.model.cfg.ceasefire.weariness_decay))


class CoalitionMember(mesa.Agent):
    """One of the 26 pledging countries (slot 0 = UK, 1 = France, 2 = Germany) (Q02, Q20–Q24).

    While deployed its resolve erodes linearly, so the week it will leave is known when it deploys
    (``leave_week``); a strike shocks the resolve of every member still in.
    """

    model: CeasefireModel
    NAMES: ClassVar[dict[int, str]] = {0: "United Kingdom", 1: "France", GERMANY: "Germany"}

    def __init__(self, model: CeasefireModel, slot: int, pledge: float, land: float, sea: float,
                 air: float, resolve: float) -> None:
        super().__init__(model)
        self.slot = slot
        self.name = self.NAMES.get(slot, f"member {slot + 1}")
        self.pledge, self.land, self.sea, self.air = pledge, land, sea, air
        self.resolve = resolve  # at the start of the current deployment, or now if not deployed
        self.since = 0
        self.leave_week = rules.NEVER
        # A member whose resolve starts below its threshold never joins.
        self.in_coalition = bool(rules.stays_in(resolve, model.cfg.coalition.threshold))
        self.deployed = False

    @property
    def current_resolve(self) -> float:
        """Resolve now, erosion included."""
        if not self.deployed:
            return self.resolve
        return float(rules.resolve_erosion(self.resolve, self.model.week - self.since,
                                           self.model.cfg.coalition.erosion_per_year))

    def decide_deployment(self, germany_ready: bool) -> None:
        """Deploy when the coalition's schedule says so (Germany: when its condition is met)."""
        if self.in_coalition and not self.deployed and (self.slot != GERMANY or germany_ready):
            cfg = self.model.cfg.coalition
            self.deployed = True
            self.since = self.model.week - 1
            self.leave_week = self.since + int(rules.weeks_until_withdrawal(
                self.resolve, cfg.threshold, cfg.erosion_per_year))
            self.model.on_deploy(self)

    def absorb_strike(self, u: float, us_strength: float) -> None:
        """Lose resolve to a strike on the force; a member not deployed leaves below threshold."""
        m, cfg = self.model, self.model.cfg.coalition
        base = self.resolve
        if self.deployed:
            base = rules.resolve_erosion(base, m.week - 1 - self.since, cfg.erosion_per_year)
        self.resolve = float(rules.resolve_after_strike(base, u, cfg.strike_shock,
                                                        cfg.us_cushion, us_strength))
        if self.deployed:
            self.since = m.week - 1
            self.leave_week = self.since + int(rules.weeks_until_withdrawal(
                self.resolve, cfg.threshold, cfg.erosion_per_year))
        elif not rules.stays_in(self.resolve, cfg.threshold):
            self.leave()

    def erode_out(self) -> None:
        """Leave: the cost of staying has worn resolve below the threshold this week."""
        self.resolve = self.current_resolve
        self.leave()

    def stand_down(self) -> None:
        """Go home with the force (staying in the coalition)."""
        self.resolve = self.current_resolve
        self.deployed = False
        self.leave_week = rules.NEVER

    def leave(self) -> None:
        """Withdraw from the coalition for good."""
        self.model.on_withdraw(self)
        self.in_coalition = False
        self.deployed = False
        self.leave_week = rules.NEVER
