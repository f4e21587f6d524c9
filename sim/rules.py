"""The stance rules: small pure functions, each tied to the article's quotes by role.

Every function here is registered with :func:`rule`, which records the actor, the quotes it rests
on and in which role — **supports** (the words state the stance), **constrains** (the words limit
what the rule may do) or **counterfactual** (a lever value departs from the words) — the config
keys it reads and, where the rule goes beyond the words (a functional form, a magnitude), the
assumption it makes. The rulebook (``ceasefire-sim-rules``) prints this registry; tests check that
every quote is verbatim in the article and that every quote ID has a role.

All functions accept numpy arrays as well as scalars and are elementwise, so the Mesa engine (one
replication, agent objects) and the batched engine (arrays over replications) call the very same
functions and get the same numbers. The model is described in ``docs/ODD.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, TypeVar

import numpy as np

F = TypeVar("F", bound=Callable[..., Any])


class Phase(IntEnum):
    """Model phases. Legal moves are listed in :data:`LEGAL_TRANSITIONS`."""

    WAR = 0
    CEASEFIRE = 1
    SETTLEMENT = 2
    ESCALATION = 3


class Cause(IntEnum):
    """Why a phase transition happened (0 = no transition)."""

    NONE = 0
    CEASEFIRE_AGREED = 1
    COLLAPSE = 2  # Russia renews the war during a ceasefire
    SETTLEMENT = 3
    ESCALATION = 4
    STRIKE = 5  # a strike on the force ends a ceasefire or a settlement
    BREAKDOWN = 6  # Russia renews the war after a settlement


class UsForm(IntEnum):
    """The form the US backing takes in a replication."""

    NONE = 0
    INTELLIGENCE = 1
    AIR_SUPPORT = 2
    GROUND = 3


LEGAL_TRANSITIONS = {
    (Phase.WAR, Phase.CEASEFIRE),
    (Phase.CEASEFIRE, Phase.SETTLEMENT),
    (Phase.CEASEFIRE, Phase.WAR),
    (Phase.SETTLEMENT, Phase.WAR),
    (Phase.CEASEFIRE, Phase.ESCALATION),
    (Phase.SETTLEMENT, Phase.ESCALATION),
    (Phase.WAR, Phase.ESCALATION),  # only when a force stays through renewed war (counterfactual)
}

TROOP_UNIT = 10_000.0  # troops are counted in units of 10,000 in threat and exposure terms
WEEKS_PER_YEAR = 52.0
PP = 0.01  # one percentage point of territory
MAX_LOG_RISK = 300.0  # cap on the hazard's log multiplier (exp(300) ≈ 2e130; see collapse_hazard)
FULL_COALITION = 26.0  # Q02: the number of flags that makes the coalition whole


@dataclass(frozen=True)
class RuleInfo:
    """Registry entry of one rule function."""

    name: str
    title: str
    actor: str
    supports: tuple[str, ...]
    constrains: tuple[str, ...]
    counterfactual: tuple[str, ...]
    params: tuple[str, ...]
    assumption: str | None
    func: Callable[..., Any]

    @property
    def quotes(self) -> tuple[str, ...]:
        """Every quote ID of the rule, whatever its role."""
        return (*self.supports, *self.constrains, *self.counterfactual)

    def roles(self) -> list[tuple[str, str]]:
        """``(quote ID, role)`` pairs in the order supports, constrains, counterfactual."""
        return ([(q, "supports") for q in self.supports]
                + [(q, "constrains") for q in self.constrains]
                + [(q, "counterfactual") for q in self.counterfactual])

    @property
    def doc(self) -> str:
        """First line of the function's docstring."""
        return (self.func.__doc__ or "").strip().splitlines()[0]


RULES: dict[str, RuleInfo] = {}


def rule(
    title: str,
    actor: str,
    *,
    supports: tuple[str, ...] = (),
    constrains: tuple[str, ...] = (),
    counterfactual: tuple[str, ...] = (),
    params: tuple[str, ...] = (),
    assumption: str | None = None,
) -> Callable[[F], F]:
    """Register a rule function with its actor, quotes by role, config keys and assumption."""

    def deco(func: F) -> F:
        RULES[func.__name__] = RuleInfo(func.__name__, title, actor, supports, constrains,
                                        counterfactual, params, assumption, func)
        return func

    return deco


# Elementwise helpers that take a plain-Python path for scalars: the Mesa engine calls the rules
# once per agent and week, where numpy's per-call cost dominates. The arithmetic is the same IEEE
# operations either way, so both engines get the same numbers.
def _where(cond: Any, a: Any, b: Any) -> Any:
    if isinstance(cond, (bool, np.bool_)):
        return a if cond else b
    return np.where(cond, a, b)


def _min(a: Any, b: Any) -> Any:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.minimum(a, b)
    return min(a, b)


def _max(a: Any, b: Any) -> Any:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.maximum(a, b)
    return max(a, b)


def _not(a: Any) -> Any:
    return (not a) if isinstance(a, (bool, np.bool_)) else np.logical_not(a)


def logistic(x: Any) -> Any:
    """The logistic function 1 / (1 + e^−x), without overflow for large |x|."""
    e = np.exp(-np.abs(x))
    return np.where(np.asarray(x) >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


# --- The United States ---------------------------------------------------------------------------


@rule(
    "Air support, probably", "UnitedStates",
    supports=("Q06", "Q07"), counterfactual=("Q21",),
    params=("us.role", "us.air_support_prob"),
    assumption="'probably' qualifies the form: an 'air_support' role comes as air support with "
    "Kent's 'probable' (75%), otherwise as intelligence; 'ground' departs from Q21",
)
def us_form(u: Any, role: str, air_support_prob: float) -> Any:
    """The form the US backing takes in a replication (drawn once), as a :class:`UsForm` code."""
    if role == "air_support":
        return np.where(u < air_support_prob, UsForm.AIR_SUPPORT, UsForm.INTELLIGENCE)
    code = {"none": UsForm.NONE, "intelligence": UsForm.INTELLIGENCE, "ground": UsForm.GROUND}
    return np.full(np.shape(u), int(code[role]), dtype=np.int64)


@rule(
    "Air support, probably", "UnitedStates",
    supports=("Q07", "Q23"), counterfactual=("Q21",),
    params=("us.strength_intelligence", "us.strength_air_support", "us.strength_ground"),
    assumption="the forms are ranked by a strength (air support = 1); nothing caps it",
)
def us_strength(form: Any, intelligence: float, air_support: float, ground: float) -> Any:
    """Strength of the US backing for a :class:`UsForm` code (0 for no role)."""
    # np.choose broadcasts: the strengths may be per-row arrays (a block of design points).
    return np.choose(np.asarray(form, dtype=np.int64),
                     [0.0, intelligence, air_support, ground]).astype(np.float64)


@rule(
    "Mediation fades", "UnitedStates",
    supports=("Q15", "Q16"),
    params=("us.mediation_boost", "us.mediation_half_life_weeks", "us.weeks_since_summit"),
    assumption="the Alaska effect decays exponentially from the summit, weeks before week 0",
)
def mediation_effect(week: Any, boost: float, half_life: float, since_summit: float) -> Any:
    """Extra weekly chance of talks from US mediation, halving every ``half_life`` weeks."""
    return boost * np.exp2(-(week + since_summit) / half_life)


# --- Talks ---------------------------------------------------------------------------------------


@rule(
    "Doubted progress, holding firm", "Russia",
    supports=("Q11", "Q28"), constrains=("Q29", "Q32"),
    params=("talks.base_prob",),
    assumption="rounds of talks come at a constant weekly rate plus US mediation; no Russian "
    "softening grows with the rounds held",
)
def talk_probability(base_prob: float, mediation: Any) -> Any:
    """Weekly probability that a round of talks is proposed: a baseline plus US mediation."""
    return _min(base_prob + mediation, 1.0)


@rule(
    "Moscow venue", "Russia/Ukraine",
    supports=("Q13", "Q14"),
    params=("talks.moscow_share",),
    assumption="a fixed share of proposed rounds is set in Moscow; aliased with the talks rate",
)
def round_not_lost_to_venue(u: Any, moscow_share: float) -> Any:
    """A proposed round goes ahead unless it is set in Moscow, which Ukraine refuses."""
    return u >= moscow_share


# --- Territory and the claim ---------------------------------------------------------------------


@rule(
    "Russia's claim", "Russia",
    supports=("Q25",), constrains=("Q12",),
    params=("battlefield.claim", "battlefield.held_outside_claim"),
    assumption="the claim is Crimea plus the four annexed regions in full (public area figures); "
    "land held outside it does not close the gap",
)
def claim_gap(held_in_claim: Any, claim: float) -> Any:
    """The part of Russia's claim it does not hold (share of Ukraine)."""
    return _max(claim - held_in_claim, 0.0)


@rule(
    "Battlefield", "Russia/Ukraine",
    supports=("Q18", "Q19"),
    params=("battlefield.momentum_base", "battlefield.external_effect",
            "russia.external_support"),
    assumption="the mean momentum adds external support to a base rate",
)
def momentum_mean(base: float, external_support: float, external_effect: float) -> float:
    """Long-run momentum (pp of Ukraine a year; positive favours Russia)."""
    return base + external_effect * external_support


@rule(
    "Battlefield", "Russia/Ukraine",
    supports=("Q18",),
    params=("battlefield.momentum_persistence", "battlefield.momentum_sd"),
    assumption="momentum is an AR(1) process around its mean",
)
def momentum_update(momentum: Any, mean: float, persistence: float, sd: float, z: Any) -> Any:
    """Next week's momentum (pp a year; positive favours Russia)."""
    return persistence * momentum + (1.0 - persistence) * mean + sd * z


@rule(
    "Battlefield", "Russia/Ukraine",
    supports=("Q25",),
    params=("battlefield.claim", "battlefield.slowdown_gap", "battlefield.gains_in_claim",
            "battlefield.territory_noise"),
    assumption="territory moves with momentum plus noise; Russian advances slow linearly once "
    "the claim gap is below slowdown_gap; a fixed share of any change falls inside the claim; "
    "each part stays within its bounds (the claim, the rest of Ukraine)",
)
def territory_update(
    held_in_claim: Any, held_outside: Any, momentum: Any, claim: float, slowdown_gap: float,
    gains_in_claim: float, noise_sd: float, z: Any,
) -> tuple[Any, Any]:
    """Next week's held share inside and outside the claim during war."""
    gap = claim_gap(held_in_claim, claim)
    slow = _where(momentum > 0.0, _min(gap / slowdown_gap, 1.0), 1.0)
    change = momentum * slow * PP / WEEKS_PER_YEAR + noise_sd * z
    inside = _min(_max(held_in_claim + gains_in_claim * change, 0.0), claim)
    outside = _min(_max(held_outside + (1.0 - gains_in_claim) * change, 0.0), 1.0 - claim)
    return inside, outside


@rule(
    "Bounded weariness", "Russia/Ukraine",
    supports=("Q26",), constrains=("Q19",),
    params=("russia.weariness_rate", "ukraine.weariness_rate", "ceasefire.weariness_decay",
            "russia.external_support"),
    assumption="weariness approaches a plateau of 1 in war (Russia's slowed by external support) "
    "and eases in peace; it never leaves [0, 1]",
)
def weariness_update(weariness: Any, at_war: Any, growth: float, decay: float) -> Any:
    """Next week's war weariness."""
    return _where(at_war, weariness + growth * (1.0 - weariness), weariness * (1.0 - decay))


# --- Russia --------------------------------------------------------------------------------------


@rule(
    "Any deployment threatens Russia", "Russia",
    supports=("Q09", "Q10"), counterfactual=("Q01",),
    params=("russia.threat_per_10k", "russia.force_consent"),
    assumption="threat grows linearly with the troops deployed; a consented force (counterfactual "
    "to Q01) threatens nothing",
)
def deployment_threat(deployed: Any, per_10k: float, consent: bool) -> Any:
    """Threat perception from troops deployed in Ukraine, whatever the flag."""
    return 0.0 * deployed if consent else per_10k * deployed / TROOP_UNIT


@rule(
    "Committing now feeds the narrative", "Coalition",
    supports=("Q22",),
    params=("russia.narrative_boost", "deployment.timing", "russia.force_consent"),
    assumption="units named before a ceasefire ('commit_now') add a fixed amount of threat "
    "whenever they are named but not deployed; counted once, in the threat perception only",
)
def narrative_threat(named_not_deployed: Any, boost: float, consent: bool) -> Any:
    """Threat added while the force's units are named but not yet deployed ('commit_now')."""
    return 0.0 * named_not_deployed if consent else boost * named_not_deployed


@rule(
    "Resistance to the force", "Russia",
    supports=("Q01", "Q09", "Q31", "Q33"), constrains=("Q08", "Q30"),
    params=("russia.force_aversion", "russia.immediate_extra", "russia.force_consent"),
    assumption="a planned force costs a fixed logit (finite: Putin calls it pointless, not a "
    "deal-breaker); a force arriving right after the ceasefire costs more; none if Russia consents",
)
def force_resistance(planned: Any, immediate: bool, aversion: float, extra: float,
                     consent: bool) -> Any:
    """Acceptance logit Russia loses to a force that is planned (or in the terms)."""
    if consent:
        return 0.0 * planned
    return planned * (aversion + (extra if immediate else 0.0))


@rule(
    "Stalling for time", "Russia",
    constrains=("Q18",),
    params=("russia.stalling",),
    assumption="a Western suspicion, not a stated stance: acceptance falls linearly with "
    "positive momentum, at an assumed weight",
)
def stalling_penalty(momentum: Any, stalling: float) -> Any:
    """Ceasefire-acceptance logit lost while battlefield momentum favours Russia."""
    return stalling * _max(momentum, 0.0)


@rule(
    "Holding out for the claim", "Russia",
    constrains=("Q12", "Q25", "Q28"),
    params=("russia.gap_weight",),
    assumption="acceptance falls linearly (in logits) with the claim left unrecognised",
)
def gap_penalty(unrecognised_gap: Any, weight: float) -> Any:
    """Acceptance logit lost to the part of Russia's claim a ceasefire or terms leave open."""
    return weight * unrecognised_gap / PP


@rule(
    "US trusted, Europe blamed", "Russia",
    supports=("Q15", "Q16", "Q28"), constrains=("Q29", "Q32"),
    params=("russia.accept_intercept", "russia.mediation_weight", "russia.threat_weight",
            "russia.weariness_weight"),
    assumption="logistic acceptance adding US mediation and weariness, less the claim gap, the "
    "resistance to the force, threat and stalling",
)
def russia_ceasefire_acceptance(
    intercept: float, mediation: Any, mediation_weight: float, gap_pen: Any, resistance: Any,
    threat: Any, threat_weight: float, stalling: Any, weariness: Any, weariness_weight: float,
) -> Any:
    """Probability that Russia accepts a ceasefire in a round of talks."""
    return logistic(intercept + mediation_weight * mediation - gap_pen - resistance
                    - threat_weight * threat - stalling + weariness_weight * weariness)


@rule(
    "Recognition terms", "Russia",
    supports=("Q17",), constrains=("Q12", "Q25", "Q27", "Q28"),
    params=("russia.terms_intercept", "russia.referendum_discount"),
    assumption="Russia weighs terms by the claim left unrecognised, a force in the terms "
    "(Europe's force, Q17), and the referendum's risk of failing (Putnam 1988)",
)
def russia_terms_acceptance(
    intercept: float, gap_pen: Any, resistance: Any, fail_risk: Any, discount: float,
    mediation: Any, mediation_weight: float, weariness: Any, weariness_weight: float,
) -> Any:
    """Probability that Russia accepts the settlement terms offered in a round of talks."""
    return logistic(intercept - gap_pen - resistance - discount * fail_risk
                    + mediation_weight * mediation + weariness_weight * weariness)


@rule(
    "Troops are targets", "Russia",
    supports=("Q01", "Q02"), counterfactual=("Q03",),
    params=("deployment.exposure_sea", "deployment.exposure_air", "deployment.posture",
            "deployment.tripwire_multiplier"),
    assumption="exposure weights land (1) > sea > air; the counterfactual front-line posture "
    "multiplies it",
)
def force_exposure(land: Any, sea: Any, air: Any, e_sea: float, e_air: float,
                   posture_mult: float) -> Any:
    """Strike exposure of the deployed force, in units of 10,000 soldiers on land."""
    return posture_mult * (land + e_sea * sea + e_air * air) / TROOP_UNIT


@rule(
    "Troops are targets", "Russia",
    supports=("Q01",), constrains=("Q08", "Q30"), counterfactual=("Q01",),
    params=("russia.strike_propensity", "russia.deterrence_us", "russia.deterrence_flags",
            "russia.settlement_hostility", "russia.force_consent"),
    assumption="each 10,000 exposed, undeterred troops face an independent weekly risk; US "
    "strength and flags cut it log-linearly; after a settlement it is lower (the article is "
    "silent); a consented force is never struck",
)
def strike_probability(
    exposure: Any, us_strength: Any, flags: Any, settled: Any, propensity: float, d_us: float,
    d_flags: float, hostility: float, consent: bool,
) -> Any:
    """Weekly probability of a Russian strike on the deployed force."""
    if consent:
        return 0.0 * exposure
    rate = exposure * np.exp(-d_us * us_strength - d_flags * flags / FULL_COALITION)
    rate = rate * np.where(settled, hostility, 1.0)
    # 1 − (1 − p)^rate, through ufuncs so that arrays and scalars take the same code path; a
    # propensity of 1 is certain for any exposure.
    certain = np.asarray(propensity) >= 1.0
    safe = np.where(certain, 0.0, propensity)
    p = -np.expm1(rate * np.log1p(-safe))
    return _where(certain, np.where(rate > 0.0, 1.0, 0.0), p) if np.any(certain) else p


@rule(
    "Troops are targets", "Russia",
    supports=("Q01", "Q10"),
    params=("russia.escalation_prob",),
    assumption="a fixed share of strikes turns into a direct Russia–coalition clash",
)
def strike_escalates(u: Any, escalation_prob: float) -> Any:
    """Whether a strike on the force escalates into a direct clash (absorbing)."""
    return u < escalation_prob


# --- The force's deterrent -----------------------------------------------------------------------


@rule(
    "Once hostilities end: deterring new aggression", "Coalition",
    supports=("Q02", "Q03"),
    params=("force.troops_need", "force.flag_weight", "force.us_share"),
    assumption="presence grows with troops against a reference need (no cap at the two leads) "
    "and with the flags deployed, and scales with US strength",
)
def deterrent_presence(troops: Any, flags: Any, us_strength: Any, need: float,
                       flag_weight: float, us_share: float) -> Any:
    """The force's deterrent presence (0 with no troops deployed)."""
    size = 1.0 - np.exp(-troops / need)
    flags_part = (1.0 - flag_weight) + flag_weight * flags / FULL_COALITION
    backing = (1.0 - us_share) + us_share * us_strength
    return size * flags_part * backing


@rule(
    "Once hostilities end: watching by air", "Coalition",
    supports=("Q02", "Q07"), constrains=("Q03",),
    params=("force.air_need", "force.us_isr"),
    assumption="air units and US surveillance monitor the ceasefire; monitoring saturates; "
    "there is none without a deployed force (it does not interpose)",
)
def monitoring(troops: Any, air: Any, us_strength: Any, air_need: float, us_isr: float) -> Any:
    """The force's monitoring capacity in [0, 1)."""
    return np.where(troops > 0, 1.0 - np.exp(-(air / air_need + us_isr * us_strength)), 0.0)


# --- Collapse and breakdown: Russia's decision ---------------------------------------------------


@rule(
    "Collapse and breakdown", "Russia",
    constrains=("Q28", "Q29"),
    params=("ceasefire.gap_hazard", "ceasefire.momentum_hazard", "ceasefire.threat_hazard",
            "ceasefire.failed_referendum_hazard", "force.kappa", "force.cost_weight",
            "ceasefire.settlement_factor"),
    assumption="proportional hazards (Powell's commitment logic for the form): Russia's gain (the "
    "unresolved gap, momentum when the ceasefire began, threat, a failed vote) raises the log "
    "hazard and the force's deterrent presence lowers it; a settlement multiplies it down",
)
def renewal_log_risk(
    gap: Any, momentum_at_start: Any, threat: Any, failed_vote: Any, presence: Any,
    settled: Any, gap_w: float, momentum_w: float, threat_w: float, failed_w: float,
    kappa: float, cost_w: float, settlement_factor: float,
) -> Any:
    """Log of the multiplier on the baseline hazard from Russia's gain and cost."""
    lp = (gap_w * gap / PP + momentum_w * _max(momentum_at_start, 0.0) + threat_w * threat
          + failed_w * failed_vote - kappa * cost_w * presence)
    return lp + np.where(settled, np.log(np.maximum(settlement_factor, 1e-300)), 0.0)


@rule(
    "Violations", "Russia/Ukraine",
    params=("ceasefire.violation_rate", "ceasefire.violation_hazard", "force.kappa",
            "force.monitoring_weight"),
    assumption="violations are common even in ceasefires that hold (Fortna 2004): Poisson counts "
    "that raise the hazard less when the force monitors",
)
def violations_factor(violations: Any, per_violation: float, monitored: Any, kappa: float,
                      monitoring_w: float) -> Any:
    """Multiplier on the hazard from this week's violations, damped by monitoring."""
    return 1.0 + per_violation * violations * np.exp(-kappa * monitoring_w * monitored)


@rule(
    "Collapse and breakdown", "Russia",
    constrains=("Q28",),
    params=("ceasefire.hazard_initial", "ceasefire.hazard_floor", "ceasefire.hazard_decay_weeks",
            "ceasefire.strategic_feedbacks"),
    assumption="the baseline hazard is highest right after a ceasefire and falls to a floor "
    "(calibrated to Fortna's civil-war ceasefire data)",
)
def collapse_hazard(weeks_since_start: Any, initial: float, floor: float, decay_weeks: float,
                    log_risk: Any, viol_factor: Any, feedbacks: bool) -> Any:
    """Weekly probability that Russia renews the war (from a ceasefire or a settlement).

    The log multiplier is capped at ``MAX_LOG_RISK`` before it is exponentiated: at the ends of
    the parameter ranges (e.g. the largest ``ceasefire.gap_hazard`` with the whole claim unheld)
    it can reach several hundred, where ``exp`` overflows; any base hazard above 1e-130 already
    gives a weekly probability of 1 at the cap, so the cap changes no result below it.
    """
    base = floor + (initial - floor) * np.exp(-weeks_since_start / decay_weeks)
    if not feedbacks:
        return base
    return np.minimum(base * np.exp(np.minimum(log_risk, MAX_LOG_RISK)) * viol_factor, 1.0)


# --- Ukraine -------------------------------------------------------------------------------------


@rule(
    "Guarantee credibility", "Ukraine",
    supports=("Q04", "Q06", "Q23", "Q34"),
    params=("ukraine.credibility_scale", "ukraine.credibility_us_floor"),
    assumption="credibility saturates in the troops pledged and scales with the expected US "
    "strength (Ukraine does not know which form the backing will take)",
)
def guarantee_credibility(pledged: Any, us_expected: float, scale: float, us_floor: float,
                          discount: float) -> Any:
    """Credibility of the guarantee as Ukraine sees it (about 1 = a full force, air support)."""
    return ((1.0 - np.exp(-pledged / scale)) * (us_floor + (1.0 - us_floor) * us_expected)
            * discount)


@rule(
    "Guarantee credibility", "Ukraine",
    supports=("Q05",), constrains=("Q20",), counterfactual=("Q20",),
    params=("ukraine.credibility_delay_weeks", "ukraine.details_factor",
            "ukraine.veto_credibility", "deployment.timing", "deployment.hold_weeks",
            "ukraine.martial_law_lift_weeks", "ukraine.referendum_weeks",
            "coalition.respect_russian_veto"),
    assumption="a force that would arrive later protects less (Walter 2002: risk is highest "
    "during implementation): exp(−expected delay / delay_weeks); open details (Q05) and a "
    "respected Russian veto discount it",
)
def credibility_discount(timing: str, hold_weeks: int, lift_weeks: int, referendum_weeks: int,
                         delay_weeks: float, details: float, respect_veto: bool,
                         veto: float) -> float:
    """The factor on credibility from when the force would arrive and how firm the plan is."""
    delay = {"never": 0.0, "commit_now": 0.0, "immediate": 0.0,
             "after_ceasefire_holds": float(hold_weeks),
             "after_settlement": float(lift_weeks + referendum_weeks)}[timing]
    named = 1.0 if timing == "commit_now" else details
    return float(np.exp(-delay / delay_weeks)) * named * (veto if respect_veto else 1.0)


@rule(
    "Ceasefire without cession", "Ukraine",
    constrains=("Q12", "Q14"),
    params=("ukraine.accept_intercept", "ukraine.guarantee_weight", "ukraine.weariness_weight"),
    assumption="Ukraine accepts a ceasefire that recognises nothing more readily when the "
    "guarantee is credible (Walter 2002); logistic",
)
def ukraine_ceasefire_acceptance(intercept: float, credibility: Any, guarantee_weight: float,
                                 weariness: Any, weariness_weight: float) -> Any:
    """Probability that Ukraine accepts a ceasefire in a round of talks."""
    return logistic(intercept + guarantee_weight * credibility + weariness_weight * weariness)


@rule(
    "The referendum can fail", "Ukraine",
    constrains=("Q27",),
    params=("ukraine.referendum_intercept", "ukraine.referendum_per_pp",
            "ukraine.guarantee_weight", "ukraine.without_force_credibility", "terms.recognise",
            "terms.force_stays"),
    assumption="voters pass terms with a logit falling in the land ceded beyond the line held and "
    "rising with the guarantee's credibility, discounted if the terms send the force home",
)
def referendum_pass_probability(intercept: float, ceded: Any, per_pp: float, credibility: Any,
                                guarantee_weight: float, force_factor: float) -> Any:
    """Probability that voters approve the terms in the referendum."""
    return logistic(intercept - per_pp * ceded / PP
                    + guarantee_weight * credibility * force_factor)


@rule(
    "Referendum and martial law", "Ukraine",
    supports=("Q27",),
    params=("ukraine.referendum_required", "ukraine.martial_law_lift_weeks",
            "ukraine.referendum_cooldown_weeks"),
    assumption="martial law holds in war and lifts once a ceasefire has held lift_weeks; terms "
    "are offered only then, with no vote pending and no cooldown after a failed vote",
)
def terms_on_offer(phase: Any, weeks_in_ceasefire: Any, vote_pending: Any, cooldown_over: Any,
                   required: bool, lift_weeks: int) -> Any:
    """Whether settlement terms are on the table this week."""
    open_ = (phase == Phase.CEASEFIRE) & _not(vote_pending) & cooldown_over
    if not required:
        return open_
    return open_ & (weeks_in_ceasefire >= lift_weeks)


@rule(
    "Referendum and martial law", "Ukraine",
    supports=("Q27",),
    params=("ukraine.martial_law_lift_weeks",),
)
def martial_law_in_force(phase: Any, weeks_in_ceasefire: Any, lift_weeks: int) -> Any:
    """Martial law holds in war, and in a ceasefire until it has held ``lift_weeks``."""
    lifted = ((phase == Phase.CEASEFIRE) & (weeks_in_ceasefire >= lift_weeks)) | (
        phase == Phase.SETTLEMENT)
    return _not(lifted)


# --- The coalition -------------------------------------------------------------------------------


@rule(
    "Land, sea or air", "Coalition",
    supports=("Q02", "Q04"), constrains=("Q23", "Q24"),
    params=("deployment.troops_total", "deployment.lead_share", "deployment.germany_share",
            "deployment.pledge_spread"),
    assumption="the UK and France split the lead share, Germany brings a material share, the "
    "rest is spread around an even share",
)
def member_pledges(u: Any, total: float, lead_share: float, germany_share: float,
                   spread: float) -> Any:
    """Whole-troop pledges of the 26 member slots (UK, France, Germany, 23 others) from ``u``.

    Slot sizes do not depend on how many members take part, so a smaller coalition is the full one
    with its last members missing.
    """
    lead = np.round(total * lead_share / 2.0) * np.ones_like(u[..., :2])
    germany = np.round(total * germany_share) * np.ones_like(u[..., 2:3])
    # (with per-row parameters, each is a column: rows × 1)
    generic_mean = total * (1.0 - lead_share - germany_share) / 23.0
    generic = np.round(generic_mean * (1.0 - spread + 2.0 * spread * u[..., 3:]))
    return np.concatenate([lead, germany, generic], axis=-1)


@rule(
    "Land, sea or air", "Coalition",
    supports=("Q02",),
    params=("deployment.land_share", "deployment.sea_share"),
    assumption="every pledge has the same land/sea/air mix",
)
def domain_split(pledge: Any, land_share: float, sea_share: float) -> tuple[Any, Any, Any]:
    """Split whole-troop pledges into land, sea and air (whole troops)."""
    land = np.round(pledge * land_share)
    sea = np.round(pledge * sea_share)
    return land, sea, pledge - land - sea


@rule(
    "Allies' pledge", "Coalition",
    supports=("Q23",),
    params=("coalition.uk_resolve", "coalition.france_resolve", "coalition.resolve_low",
            "coalition.resolve_high"),
    assumption="the leads' high resolve is assumed (Q23 is the allies' pledge as a whole); the "
    "others' is uniform",
)
def initial_resolve(u: Any, uk: float, france: float, low: float, high: float) -> Any:
    """Initial resolve of the 26 member slots: UK and France high, the rest uniform."""
    ones = np.ones_like(u[..., :1])
    lead = np.concatenate([ones * uk, ones * france], axis=-1)
    return np.concatenate([lead, low + (high - low) * u[..., 2:]], axis=-1)


@rule(
    "Once hostilities end", "Coalition",
    supports=("Q02", "Q20", "Q24"), counterfactual=("Q20",),
    params=("deployment.timing", "deployment.hold_weeks", "coalition.respect_russian_veto",
            "terms.force_stays"),
    assumption="the force deploys only after hostilities end, by timing; with a respected veto it "
    "never deploys; it leaves at a settlement whose terms send it home",
)
def deployment_due(timing: str, phase: Any, weeks_in_ceasefire: Any, hold_weeks: int,
                   respect_veto: bool, force_stays: bool) -> Any:
    """Whether the coalition's schedule calls for its troops to be deployed this week."""
    in_cf = phase == Phase.CEASEFIRE
    settled = (phase == Phase.SETTLEMENT) & force_stays
    if respect_veto or timing == "never":
        return np.zeros(np.shape(phase), dtype=bool)
    if timing in ("immediate", "commit_now"):
        return in_cf | settled
    if timing == "after_ceasefire_holds":
        return (in_cf & (weeks_in_ceasefire >= hold_weeks)) | settled
    return settled


@rule(
    "Ceasefire first", "Germany",
    supports=("Q24",),
    params=("coalition.germany_condition", "coalition.germany_hold_weeks"),
    assumption="read literally, Germany deploys once a ceasefire is secured; waiting until it "
    "has held germany_hold_weeks, or until a settlement, are stricter readings",
)
def germany_ready(condition: str, phase: Any, weeks_in_ceasefire: Any, hold_weeks: int) -> Any:
    """Whether Germany's own condition for deploying is met."""
    settled = phase == Phase.SETTLEMENT
    if condition == "settlement":
        return settled
    if condition == "ceasefire_holds":
        return ((phase == Phase.CEASEFIRE) & (weeks_in_ceasefire >= hold_weeks)) | settled
    return (phase == Phase.CEASEFIRE) | settled


@rule(
    "Not a combatant", "Coalition",
    supports=("Q02", "Q03"), counterfactual=("Q03",),
    params=("force.withdraw_on_collapse",),
    assumption="when a ceasefire or settlement collapses into war the force goes home; a force "
    "that stays is a counterfactual",
)
def force_withdraws(new_phase: Any, old_phase: Any, withdraw: bool) -> Any:
    """Whether the force withdraws this week (peace has collapsed into war)."""
    ended = (new_phase == Phase.WAR) & (old_phase != Phase.WAR)
    return ended & withdraw


@rule(
    "Cohesion", "Coalition",
    supports=("Q23",),
    params=("coalition.strike_shock", "coalition.us_cushion"),
    assumption="each strike costs resolve, shared unevenly (U(0.5, 1.5) × shock), cushioned by "
    "US strength",
)
def resolve_after_strike(resolve: Any, u: Any, shock: float, cushion: float,
                         us_strength: Any) -> Any:
    """A member's resolve after a strike on the force."""
    return resolve - shock * (0.5 + u) * (1.0 - np.minimum(cushion * us_strength, 1.0))


NEVER = 2**62
"""A week that never comes (a member that does not erode never withdraws by erosion)."""


@rule(
    "Cohesion", "Coalition",
    params=("coalition.erosion_per_year",),
    assumption="staying deployed wears resolve down linearly, erosion_per_year / 52 a week",
)
def resolve_erosion(resolve: Any, weeks_deployed: Any, per_year: float) -> Any:
    """A member's resolve after ``weeks_deployed`` weeks deployed."""
    return resolve - weeks_deployed * (per_year / WEEKS_PER_YEAR)


@rule(
    "Cohesion", "Coalition",
    params=("coalition.threshold", "coalition.erosion_per_year"),
    assumption="a deployed member leaves in the first week its eroded resolve is below the "
    "threshold",
)
def weeks_until_withdrawal(resolve: Any, threshold: float, per_year: float) -> Any:
    """Weeks deployed (at least 1) after which the eroded resolve is first below the threshold.

    The smallest k ≥ 1 with ``resolve_erosion(resolve, k) < threshold`` (:data:`NEVER` without
    erosion); the closed form is checked against the exact comparison one week either side.
    """
    weekly = np.asarray(per_year) / WEEKS_PER_YEAR
    erodes = weekly > 0.0  # a rate so small its weekly share is 0.0 erodes nothing, as above
    r = np.where(erodes, weekly, 1.0)  # (1.0: a placeholder, never used)
    with np.errstate(over="ignore"):  # a subnormal weekly rate: the quotient is ±inf, clipped
        steps = np.clip(np.floor((resolve - threshold) / r), -1.0, float(NEVER // 2))
    k = np.maximum(steps.astype(np.int64) + 1, 1)
    k = np.where((k > 1) & (resolve_erosion(resolve, k - 1, per_year) < threshold), k - 1, k)
    k = np.where(resolve_erosion(resolve, k, per_year) >= threshold, k + 1, k)
    # A weekly step too small to change the resolve in floating point never takes it below.
    k = np.where(resolve_erosion(resolve, k, per_year) < threshold, k, NEVER)
    return np.where(erodes, k, np.where(resolve < threshold, 1, NEVER))


@rule(
    "Cohesion", "Coalition",
    params=("coalition.threshold",),
    assumption="a member withdraws for good once its resolve is below the threshold",
)
def stays_in(resolve: Any, threshold: float) -> Any:
    """Whether a member stays in the coalition."""
    return resolve >= threshold


# --- Agreement and transitions -------------------------------------------------------------------


@rule(
    "Light at the end of the tunnel", "Russia/Ukraine",
    supports=("Q28",), constrains=("Q29",),
    assumption="a ceasefire needs a round of talks and both sides accepting in it",
)
def ceasefire_agreed(talks: Any, u_russia: Any, p_russia: Any, u_ukraine: Any,
                     p_ukraine: Any) -> Any:
    """Whether a ceasefire is agreed this week: small but never zero while talks go on."""
    return talks & (u_russia < p_russia) & (u_ukraine < p_ukraine)


def transition(phase: Any, agreed: Any, collapse: Any, struck: Any, settle: Any,
               escalate: Any) -> tuple[Any, Any]:
    """Apply this week's decisions to the phase; return ``(new_phase, cause)``.

    Precedence: an escalation overrides everything; then a strike on the force ends a ceasefire or
    settlement; then Russia's decision to renew the war (a collapse from a ceasefire, a breakdown
    from a settlement); then a settlement; a war can become a ceasefire. Only the arrows in
    :data:`LEGAL_TRANSITIONS` can result.
    """
    phase = np.asarray(phase, dtype=np.int8)
    agreed, collapse, struck, settle, escalate = (
        np.asarray(x, dtype=bool) for x in (agreed, collapse, struck, settle, escalate))
    in_cf = phase == Phase.CEASEFIRE
    in_peace = in_cf | (phase == Phase.SETTLEMENT)
    new, cause = phase.copy(), np.zeros_like(phase)
    # Later assignments win.
    for mask, to, why in (
        ((phase == Phase.WAR) & agreed, Phase.CEASEFIRE, Cause.CEASEFIRE_AGREED),
        (in_cf & settle, Phase.SETTLEMENT, Cause.SETTLEMENT),
        (in_cf & collapse, Phase.WAR, Cause.COLLAPSE),
        ((phase == Phase.SETTLEMENT) & collapse, Phase.WAR, Cause.BREAKDOWN),
        (in_peace & struck, Phase.WAR, Cause.STRIKE),
        (escalate & (phase != Phase.ESCALATION), Phase.ESCALATION, Cause.ESCALATION),
    ):
        np.copyto(new, np.int8(to), where=mask)
        np.copyto(cause, np.int8(why), where=mask)
    return new, cause
