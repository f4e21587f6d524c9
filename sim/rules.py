"""The stance rules: small pure functions, each tied to the article's quotes.

Every function here is registered with :func:`rule`, which records the actor, the quote IDs it rests
on (``seeds/quotes.yaml``), the config keys it reads and, where the article is silent, the assumption
it makes. The rulebook (``ceasefire-sim-rules``) prints this registry; a test checks every quote ID
exists and is verbatim in the article.

All functions accept numpy arrays as well as scalars and are elementwise, so the Mesa engine (one
replication, agent objects) and the batched engine (arrays over replications) call the very same
functions and get the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, TypeVar

import numpy as np
from scipy.special import expit

F = TypeVar("F", bound=Callable[..., Any])


class Phase(IntEnum):
    """Model phases (DESIGN §2). Legal moves: WAR→CEASEFIRE→SETTLEMENT, CEASEFIRE→WAR, any→ESCALATION."""

    WAR = 0
    CEASEFIRE = 1
    SETTLEMENT = 2
    ESCALATION = 3


class Cause(IntEnum):
    """Why a phase transition happened (0 = no transition)."""

    NONE = 0
    CEASEFIRE_AGREED = 1
    COLLAPSE = 2
    SETTLEMENT = 3
    ESCALATION = 4


LEGAL_TRANSITIONS = {
    (Phase.WAR, Phase.CEASEFIRE),
    (Phase.CEASEFIRE, Phase.SETTLEMENT),
    (Phase.CEASEFIRE, Phase.WAR),
    (Phase.WAR, Phase.ESCALATION),
    (Phase.CEASEFIRE, Phase.ESCALATION),
    (Phase.SETTLEMENT, Phase.ESCALATION),
}

TROOP_UNIT = 10_000.0  # troops are counted in units of 10,000 in threat and exposure terms
WEEKS_PER_YEAR = 52.0
PP = 0.01  # one percentage point of territory


@dataclass(frozen=True)
class RuleInfo:
    """Registry entry of one rule function."""

    name: str
    title: str
    actor: str
    quotes: tuple[str, ...]
    params: tuple[str, ...]
    assumption: str | None
    func: Callable[..., Any]

    @property
    def doc(self) -> str:
        """First line of the function's docstring."""
        return (self.func.__doc__ or "").strip().splitlines()[0]


RULES: dict[str, RuleInfo] = {}


def rule(
    title: str,
    actor: str,
    quotes: tuple[str, ...] = (),
    params: tuple[str, ...] = (),
    assumption: str | None = None,
) -> Callable[[F], F]:
    """Register a rule function with its actor, quotes, config keys and assumption."""

    def deco(func: F) -> F:
        RULES[func.__name__] = RuleInfo(
            func.__name__, title, actor, quotes, params, assumption, func
        )
        return func

    return deco


def logistic(x: Any) -> Any:
    """The logistic function 1 / (1 + e^−x), without overflow for large |x|."""
    return expit(x)


# --- The United States ---------------------------------------------------------------------------


@rule(
    "Air support, probably; no ground forces",
    "UnitedStates",
    quotes=("Q06", "Q07", "Q21"),
    params=("us.role", "us.strength_intelligence", "us.strength_air_support", "us.strength_ground"),
    assumption="roles are ranked by a deterrent strength; 'ground' is a counterfactual",
)
def us_role_strength(role: str, intelligence: float, air_support: float, ground: float) -> float:
    """Deterrent strength of the US role (0 for no role; air support = 1 by default)."""
    return {"none": 0.0, "intelligence": intelligence, "air_support": air_support,
            "ground": ground}[role]


@rule(
    "Air support, probably",
    "UnitedStates",
    quotes=("Q07",),
    params=("us.backing_prob",),
)
def us_backing_delivered(u: Any, backing_prob: float) -> Any:
    """Whether the stated US role is delivered ("probably"): drawn once per replication."""
    return u < backing_prob


@rule(
    "Mediation fades",
    "UnitedStates",
    quotes=("Q15",),
    params=("us.mediation_boost", "us.mediation_half_life_weeks"),
    assumption="the Alaska effect decays exponentially",
)
def mediation_effect(week: Any, boost: float, half_life: float) -> Any:
    """Extra weekly chance of talks from US mediation, halving every ``half_life`` weeks."""
    return boost * np.exp2(-week / half_life)


# --- Talks ---------------------------------------------------------------------------------------


@rule(
    "Dialogue without progress",
    "Russia",
    quotes=("Q11", "Q28"),
    params=("talks.base_prob",),
)
def talk_probability(base_prob: float, mediation: Any) -> Any:
    """Weekly probability that a round of talks is proposed: a baseline plus US mediation."""
    return np.minimum(base_prob + mediation, 1.0)


@rule(
    "Moscow venue",
    "Russia/Ukraine",
    quotes=("Q13", "Q14"),
    params=("talks.moscow_share",),
)
def round_not_lost_to_venue(u: Any, moscow_share: float) -> Any:
    """A proposed round goes ahead unless it is set in Moscow, which Ukraine refuses."""
    return u >= moscow_share


@rule(
    "Dialogue without progress",
    "Russia",
    quotes=("Q11", "Q12"),
    params=("russia.concession_per_round",),
    assumption="concessions accumulate linearly in rounds held",
)
def concessions(rounds_held: Any, per_round: float) -> Any:
    """Russia's acceptance logit gained from the small concessions of past rounds."""
    return per_round * rounds_held


# --- Russia --------------------------------------------------------------------------------------


@rule(
    "Any deployment threatens Russia",
    "Russia",
    quotes=("Q09", "Q10", "Q17"),
    params=(
        "russia.threat_base", "russia.threat_per_10k_pledged", "russia.threat_per_10k_deployed",
    ),
)
def threat_perception(
    pledged: Any, deployed: Any, narrative: Any, base: float, per_pledged: float,
    per_deployed: float,
) -> Any:
    """Russia's threat perception: a base plus troops pledged and deployed, whatever the flag."""
    return (base + per_pledged * (pledged / TROOP_UNIT) + per_deployed * (deployed / TROOP_UNIT)
            + narrative)


@rule(
    "Committing now feeds the narrative",
    "Coalition",
    quotes=("Q22",),
    params=("russia.narrative_boost",),
)
def narrative_threat(committed_before_ceasefire: Any, boost: float) -> Any:
    """Threat added while troops are committed on the ground before any ceasefire."""
    return boost * committed_before_ceasefire


@rule(
    "Immediate deployment rejected",
    "Russia",
    quotes=("Q01", "Q09"),
    params=("russia.immediate_penalty",),
)
def immediate_deployment_penalty(timing: str, penalty: float) -> float:
    """Acceptance logit lost when the force would be in Ukraine at the ceasefire (deployed right
    after it, or already committed before it)."""
    return penalty if timing in ("immediate", "commit_now") else 0.0


@rule(
    "Stalling while pushing",
    "Russia",
    quotes=("Q18",),
    params=("russia.stalling",),
)
def stalling_penalty(momentum: Any, stalling: float) -> Any:
    """Acceptance logit lost while battlefield momentum favours Russia."""
    return stalling * np.maximum(momentum, 0.0)


@rule(
    "US trusted, Europe blamed",
    "Russia",
    quotes=("Q15", "Q16", "Q17"),
    params=(
        "russia.accept_intercept", "russia.mediation_weight", "russia.threat_weight",
        "russia.weariness_weight",
    ),
    assumption="logistic acceptance; the threat term carries Europe's troop commitments",
)
def russia_acceptance(
    intercept: float, mediation: Any, mediation_weight: float, threat: Any, threat_weight: float,
    weariness: Any, weariness_weight: float, concession: Any, stalling: Any, immediate: float,
) -> Any:
    """Probability that Russia accepts a ceasefire in a round of talks."""
    x = (intercept + mediation_weight * mediation - threat_weight * threat
         + weariness_weight * weariness + concession - stalling - immediate)
    return logistic(x)


@rule(
    "Backed by Asian allies",
    "Russia",
    quotes=("Q19", "Q26"),
    params=("russia.weariness_rate", "russia.external_support"),
)
def russia_weariness_growth(rate: float, external_support: float) -> float:
    """Weekly growth of Russia's war weariness, slowed by external support."""
    return rate * (1.0 - external_support)


@rule(
    "Land, sea or air",
    "Coalition",
    quotes=("Q02", "Q03"),
    params=(
        "deployment.exposure_land", "deployment.exposure_sea", "deployment.exposure_air",
        "deployment.posture", "deployment.tripwire_multiplier",
    ),
    assumption="exposure weights land > sea > air; a tripwire posture multiplies them",
)
def force_exposure(
    land: Any, sea: Any, air: Any, e_land: float, e_sea: float, e_air: float, posture_mult: float
) -> Any:
    """Strike exposure of the deployed force, in units of 10,000 reference troops."""
    return posture_mult * (e_land * land + e_sea * sea + e_air * air) / TROOP_UNIT


@rule(
    "Troops are targets",
    "Russia",
    quotes=("Q01",),
    params=("russia.deterrence_us", "russia.deterrence_size", "coalition.members"),
    assumption="deterrence adds US backing and coalition size, capped at 1",
)
def strike_deterrence(us_support: Any, members_in: Any, d_us: float, d_size: float) -> Any:
    """Share of strikes deterred by US backing and by the coalition's size."""
    return np.minimum(d_us * np.minimum(us_support, 1.0) + d_size * members_in / 26.0, 1.0)


@rule(
    "Unnecessary if peace",
    "Russia",
    quotes=("Q08",),
    params=("russia.settlement_hostility",),
)
def strike_phase_factor(phase: Any, hostility: float) -> Any:
    """Multiplier on strikes: lower, not zero, after a settlement."""
    return np.where(phase == Phase.SETTLEMENT, hostility, 1.0)


@rule(
    "Troops are targets",
    "Russia",
    quotes=("Q01",),
    params=("russia.strike_propensity",),
    assumption="each 10,000 exposed, undeterred troops face an independent weekly risk",
)
def strike_probability(exposure: Any, propensity: float, deterrence: Any, phase_factor: Any) -> Any:
    """Weekly probability of a Russian strike on the deployed force."""
    return 1.0 - (1.0 - propensity) ** (exposure * (1.0 - deterrence) * phase_factor)


@rule(
    "Troops are targets",
    "Russia",
    quotes=("Q01", "Q10"),
    params=("russia.escalation_prob",),
    assumption="a fixed share of strikes turns into a direct Russia–coalition clash",
)
def strike_escalates(u: Any, escalation_prob: float) -> Any:
    """Whether a strike on the force escalates into a direct clash (absorbing)."""
    return u < escalation_prob


# --- Ukraine -------------------------------------------------------------------------------------


@rule(
    "Guarantees first",
    "Ukraine",
    quotes=("Q04", "Q05", "Q07"),
    params=("ukraine.credibility_scale", "ukraine.credibility_floor", "us.backing_prob"),
    assumption="credibility saturates in troops pledged and scales with expected US backing",
)
def guarantee_credibility(pledged: Any, us_expected: float, scale: float, floor: float) -> Any:
    """Credibility of the guarantee as Ukraine sees it, in [0, 1]."""
    us_part = floor + (1.0 - floor) * min(us_expected, 1.0)
    return (1.0 - np.exp(-pledged / scale)) * us_part


@rule(
    "Guarantees first; no trust in Moscow talks",
    "Ukraine",
    quotes=("Q04", "Q05", "Q14"),
    params=(
        "ukraine.accept_intercept", "ukraine.credibility_weight", "ukraine.distrust",
        "ukraine.weariness_weight",
    ),
    assumption="logistic acceptance",
)
def ukraine_acceptance(
    intercept: float, credibility: Any, credibility_weight: float, distrust: float,
    weariness: Any, weariness_weight: float,
) -> Any:
    """Probability that Ukraine accepts a ceasefire in a round of talks."""
    return logistic(intercept + credibility_weight * credibility - distrust
                    + weariness_weight * weariness)


@rule(
    "Referendum and martial law",
    "Ukraine",
    quotes=("Q27",),
    params=("ukraine.martial_law_lift_weeks",),
)
def martial_law_in_force(phase: Any, weeks_in_ceasefire: Any, lift_weeks: int) -> Any:
    """Martial law holds in war, and in a ceasefire until it has held ``lift_weeks``."""
    lifted = ((phase == Phase.CEASEFIRE) & (weeks_in_ceasefire >= lift_weeks)) | (
        phase == Phase.SETTLEMENT)
    return np.logical_not(lifted)


@rule(
    "Referendum and martial law",
    "Ukraine",
    quotes=("Q27",),
    params=(
        "ukraine.referendum_required", "ukraine.martial_law_lift_weeks",
        "ukraine.referendum_weeks",
    ),
)
def settlement_possible(
    phase: Any, weeks_in_ceasefire: Any, required: bool, lift_weeks: int, referendum_weeks: int
) -> Any:
    """A settlement needs a ceasefire and, if required, a referendum held after martial law."""
    in_ceasefire = phase == Phase.CEASEFIRE
    if not required:
        return in_ceasefire
    return in_ceasefire & (weeks_in_ceasefire >= lift_weeks + referendum_weeks)


# --- The coalition -------------------------------------------------------------------------------


@rule(
    "Land, sea or air",
    "Coalition",
    quotes=("Q02", "Q04", "Q23"),
    params=("deployment.troops_total", "deployment.lead_share", "deployment.pledge_spread"),
    assumption="UK and France split the lead share; the rest is spread around an even share",
)
def member_pledges(u: Any, total: float, lead_share: float, spread: float) -> Any:
    """Whole-troop pledges of the 26 member slots (UK, France, then 24 others) from uniforms ``u``.

    Slot sizes do not depend on how many members take part, so a smaller coalition is the full one
    with its last members missing.
    """
    lead = np.round(total * lead_share / 2.0) * np.ones_like(u[..., :2])
    generic_mean = total * (1.0 - lead_share) / 24.0
    generic = np.round(generic_mean * (1.0 - spread + 2.0 * spread * u[..., 2:]))
    return np.concatenate([lead, generic], axis=-1)


@rule(
    "Land, sea or air",
    "Coalition",
    quotes=("Q02",),
    params=("deployment.land_share", "deployment.sea_share"),
)
def domain_split(pledge: Any, land_share: float, sea_share: float) -> tuple[Any, Any, Any]:
    """Split whole-troop pledges into land, sea and air (whole troops)."""
    land = np.round(pledge * land_share)
    sea = np.round(pledge * sea_share)
    return land, sea, pledge - land - sea


@rule(
    "Unbreakable pledge",
    "UK",
    quotes=("Q23",),
    params=(
        "coalition.uk_resolve", "coalition.france_resolve", "coalition.resolve_low",
        "coalition.resolve_high",
    ),
)
def initial_resolve(u: Any, uk: float, france: float, low: float, high: float) -> Any:
    """Initial resolve of the 26 member slots: UK high, France high, the rest uniform."""
    lead = np.ones_like(u[..., :2]) * np.array([uk, france])
    return np.concatenate([lead, low + (high - low) * u[..., 2:]], axis=-1)


@rule(
    "No veto",
    "Coalition",
    quotes=("Q20", "Q01", "Q02"),
    params=("deployment.timing", "deployment.hold_weeks", "coalition.respect_russian_veto"),
)
def deployment_due(
    timing: str, phase: Any, weeks_in_ceasefire: Any, hold_weeks: int, respect_veto: bool
) -> Any:
    """Whether the coalition's schedule calls for its troops to be deployed this week."""
    if respect_veto or timing == "never":
        return np.zeros(np.shape(phase), dtype=bool)
    if timing == "commit_now":
        return np.ones(np.shape(phase), dtype=bool)
    if timing == "immediate":
        return (phase == Phase.CEASEFIRE) | (phase == Phase.SETTLEMENT)
    if timing == "after_ceasefire_holds":
        return ((phase == Phase.CEASEFIRE) & (weeks_in_ceasefire >= hold_weeks)) | (
            phase == Phase.SETTLEMENT)
    return phase == Phase.SETTLEMENT


@rule(
    "Ceasefire first",
    "Germany",
    quotes=("Q24",),
    params=("coalition.germany_condition", "coalition.germany_hold_weeks"),
)
def germany_ready(condition: str, phase: Any, weeks_in_ceasefire: Any, hold_weeks: int) -> Any:
    """Germany deploys only once a ceasefire holds (or only after a settlement)."""
    settled = phase == Phase.SETTLEMENT
    if condition == "settlement":
        return settled
    return ((phase == Phase.CEASEFIRE) & (weeks_in_ceasefire >= hold_weeks)) | settled


@rule(
    "Cohesion under fire",
    "Coalition",
    quotes=("Q23",),
    params=("coalition.strike_shock", "coalition.us_cushion"),
    assumption="each strike costs resolve, shared unevenly (U(0.5, 1.5) × shock), cushioned by US",
)
def resolve_after_strike(resolve: Any, u: Any, shock: float, cushion: float, us_support: Any) -> Any:
    """A member's resolve after a strike on the force."""
    return resolve - shock * (0.5 + u) * (1.0 - cushion * np.minimum(us_support, 1.0))


@rule(
    "Cohesion under fire",
    "Coalition",
    quotes=("Q23",),
    params=("coalition.threshold",),
    assumption="a member withdraws for good once its resolve is below the threshold",
)
def stays_in(resolve: Any, threshold: float) -> Any:
    """Whether a member stays in the coalition."""
    return resolve >= threshold


# --- Ceasefire dynamics --------------------------------------------------------------------------


@rule(
    "Land, sea or air (deters new aggression)",
    "Coalition",
    quotes=("Q03", "Q07"),
    params=(
        "ceasefire.force_deterrence", "ceasefire.us_deterrence_share",
        "ceasefire.force_full_troops",
    ),
    assumption="cite Fortna 2004/2008: peacekeepers cut the hazard of renewed war by half to "
    "three quarters; part of the effect needs US backing",
)
def force_hazard_multiplier(
    deployed: Any, us_support: Any, max_cut: float, us_share: float, full_troops: float
) -> Any:
    """Multiplier (≤ 1) on the collapse hazard from a deployed, backed force."""
    presence = np.minimum(deployed / full_troops, 1.0)
    backing = (1.0 - us_share) + us_share * np.minimum(us_support, 1.0)
    return 1.0 - max_cut * presence * backing


@rule(
    "Ceasefire collapse hazard",
    "Russia/Ukraine",
    quotes=("Q18",),
    params=(
        "ceasefire.hazard_initial", "ceasefire.hazard_floor", "ceasefire.hazard_decay_weeks",
        "ceasefire.threat_hazard", "ceasefire.violation_hazard", "ceasefire.strategic_feedbacks",
    ),
    assumption="cite Fortna 2004: the hazard is highest right after a ceasefire and falls; "
    "threat and violations raise it",
)
def collapse_hazard(
    weeks_in_ceasefire: Any, initial: float, floor: float, decay_weeks: float, force_mult: Any,
    threat_excess: Any, threat_weight: float, violations: Any, violation_weight: float,
    feedbacks: bool,
) -> Any:
    """Weekly probability that a ceasefire collapses back into war."""
    base = floor + (initial - floor) * np.exp(-weeks_in_ceasefire / decay_weeks)
    if not feedbacks:
        return base
    raised = base * force_mult * (1.0 + threat_weight * np.maximum(threat_excess, 0.0)) * (
        1.0 + violation_weight * violations)
    return np.minimum(raised, 1.0)


@rule(
    "Violations are not collapse",
    "Russia/Ukraine",
    quotes=(),
    params=("ceasefire.violation_rate",),
    assumption="cite Fortna 2004: violations are common even in ceasefires that hold; Poisson",
)
def violation_rate(rate: float) -> float:
    """Mean number of ceasefire violations a week (counts are Poisson)."""
    return rate


@rule(
    "Settlement",
    "Russia/Ukraine",
    quotes=("Q11", "Q12", "Q27"),
    params=("ceasefire.settle_prob",),
    assumption="once possible, terms are agreed with a small constant weekly probability",
)
def settles(u: Any, possible: Any, settle_prob: float) -> Any:
    """Whether a settlement is signed this week."""
    return possible & (u < settle_prob)


@rule(
    "Light at the end of the tunnel",
    "Russia/Ukraine",
    quotes=("Q28", "Q29"),
    params=(),
    assumption="a ceasefire needs a round of talks and both sides accepting in it",
)
def ceasefire_agreed(
    phase: Any, talks: Any, u_russia: Any, p_russia: Any, u_ukraine: Any, p_ukraine: Any
) -> Any:
    """Whether a ceasefire is agreed this week: small but never zero while talks go on."""
    return (phase == Phase.WAR) & talks & (u_russia < p_russia) & (u_ukraine < p_ukraine)


# --- Battlefield ---------------------------------------------------------------------------------


@rule(
    "Battlefield",
    "Russia/Ukraine",
    quotes=("Q18", "Q19"),
    params=(
        "battlefield.momentum_base", "battlefield.external_effect", "battlefield.western_aid",
        "battlefield.aid_effect", "russia.external_support",
    ),
)
def momentum_mean(base: float, external_support: float, external_effect: float, aid: float,
                  aid_effect: float) -> float:
    """Long-run momentum (pp of territory a year) from external support and Western aid."""
    return base + external_effect * external_support - aid_effect * aid


@rule(
    "Battlefield",
    "Russia/Ukraine",
    quotes=("Q18",),
    params=("battlefield.momentum_persistence", "battlefield.momentum_sd"),
    assumption="momentum is an AR(1) process around its mean",
)
def momentum_update(momentum: Any, mean: float, persistence: float, sd: float, z: Any) -> Any:
    """Next week's momentum (pp a year; positive favours Russia)."""
    return persistence * momentum + (1.0 - persistence) * mean + sd * z


@rule(
    "Battlefield",
    "Russia/Ukraine",
    quotes=("Q25",),
    params=("battlefield.territory_noise",),
    assumption="territory moves with momentum plus noise, within [0, 1]",
)
def territory_update(territory: Any, momentum: Any, noise_sd: float, z: Any) -> Any:
    """Next week's Russian-held share of Ukraine during war."""
    change = momentum * PP / WEEKS_PER_YEAR + noise_sd * z
    return np.minimum(np.maximum(territory + change, 0.0), 1.0)


@rule(
    "Battlefield",
    "Russia/Ukraine",
    quotes=("Q26",),
    params=("ceasefire.weariness_decay",),
    assumption="weariness grows in war and eases in a ceasefire",
)
def weariness_update(weariness: Any, at_war: Any, growth: float, decay: float) -> Any:
    """Next week's war weariness."""
    return at_war * (weariness + growth) + (1 - at_war) * np.maximum(weariness - decay, 0.0)


# --- Phase transitions ---------------------------------------------------------------------------


def transition(
    phase: Any, agreed: Any, collapse: Any, settle: Any, escalate: Any
) -> tuple[Any, Any]:
    """Apply this week's decisions to the phase; return ``(new_phase, cause)``.

    Escalation overrides everything; otherwise a war can become a ceasefire, and a ceasefire can
    collapse into war or become a settlement (collapse checked first). Only the arrows in
    :data:`LEGAL_TRANSITIONS` can result.
    """
    phase = np.asarray(phase, dtype=np.int8)
    agreed, collapse, settle, escalate = (
        np.asarray(x, dtype=bool) for x in (agreed, collapse, settle, escalate))
    in_ceasefire = phase == Phase.CEASEFIRE
    new, cause = phase.copy(), np.zeros_like(phase)
    # Later assignments win: escalation overrides everything, collapse beats settlement.
    for mask, to, why in (
        (in_ceasefire & settle, Phase.SETTLEMENT, Cause.SETTLEMENT),
        (in_ceasefire & collapse, Phase.WAR, Cause.COLLAPSE),
        ((phase == Phase.WAR) & agreed, Phase.CEASEFIRE, Cause.CEASEFIRE_AGREED),
        (escalate & (phase != Phase.ESCALATION), Phase.ESCALATION, Cause.ESCALATION),
    ):
        np.copyto(new, np.int8(to), where=mask)
        np.copyto(cause, np.int8(why), where=mask)
    return new, cause
