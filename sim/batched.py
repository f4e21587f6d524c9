"""The batched engine: many replications at once as numpy arrays.

It runs the same weekly mechanism as the Mesa engine (:mod:`sim.model`), step for step and in the
same named sub-steps — deploy, talks, decide, apply, record — calling the same rule functions from
:mod:`sim.rules` on arrays over replications (and over the 26 member slots) and drawing from the same
counter-based streams (:mod:`sim.streams`). For the same seeds both engines give the same outcome,
event weeks, counts and weekly paths, replication by replication; a test holds them together.

Rules are evaluated only in the rows where their result is used (they are elementwise, so this
changes no number): the rows are split by phase once a week (:class:`Phases`), each decision is kept
as the rows where it was taken, and what depends only on the deployed force (the troops, the threat
and credibility perceived, the force's exposure, deterrent presence and monitoring) is recomputed
only in the rows where the force changed. The engine runs on a *vector config*
(:mod:`sim.stacking`): a parameter is a scalar shared by every row or an array with one value per
row, so a block of design points can run as one batch (:func:`run_points`) with exactly the numbers
each point gives alone (:func:`run_batch`). The weekly paths are either kept per replication or
reduced week by week, touching only the rows whose values changed
(:class:`sim.pathstats.RunningReduction`), into :class:`sim.pathstats.PathStats`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim import rules, streams
from sim.config import Config
from sim.derived import GERMANY, N_SLOTS, PATH_INDICATORS
from sim.pathstats import PathStats, PointView, RunningReduction, WeeklySummary, specs
from sim.rules import Cause, Phase
from sim.stacking import at, col, stack_configs, stack_derived, week_value

VCfg = Any  # a vector config (sim.stacking.stack_configs)
VDer = Any  # vector derived constants (sim.stacking.stack_derived)

_ALL_SLOTS = np.arange(N_SLOTS)
_NOT_GERMANY = _ALL_SLOTS != GERMANY

WEEKLY_DRAWS = (  # (process, index) columns drawn every week, in this order
    (streams.TALKS, 0), (streams.TALKS, 1), (streams.ACCEPTANCE, 0), (streams.ACCEPTANCE, 1),
    (streams.ACCEPTANCE, 2), (streams.CEASEFIRE, 0), (streams.STRIKES, 0), (streams.STRIKES, 1),
    (streams.VIOLATIONS, 0), (streams.BATTLEFIELD, 0), (streams.BATTLEFIELD, 1),
    (streams.REFERENDUM, 0),
)
(_TALK, _VENUE, _ACC_R, _ACC_U, _TERMS, _RENEW, _STRIKE, _ESCALATE, _VIOL, _Z_MOM, _Z_TERR,
 _VOTE) = range(len(WEEKLY_DRAWS))

EVENTS = ("week_first_ceasefire", "week_first_collapse", "week_settlement", "week_escalation",
          "week_first_strike", "week_first_failure")
TALLIES = ("n_ceasefires", "n_collapses", "n_breakdowns", "n_strikes", "n_violations",
           "n_referendums", "ceasefire_weeks", "ceasefire_failures")


@dataclass
class BatchResult:
    """Raw results of a batch: per-replication arrays, and weekly paths or their statistics."""

    replications: NDArray[np.int64]
    keys: NDArray[np.uint64]
    columns: dict[str, NDArray]
    paths: dict[str, NDArray] | None
    stats: PathStats | PointView | None = None


@dataclass
class State:
    """The state of ``n`` replications at the start of a week (arrays over replications)."""

    phase: NDArray[np.int8]
    weeks_in_cf: NDArray[np.int64]  # weeks since the current ceasefire began (settlement too)
    in_claim: NDArray[np.float64]  # held share inside Russia's claim
    outside: NDArray[np.float64]  # held share outside the claim
    momentum: NDArray[np.float64]
    momentum_at_start: NDArray[np.float64]  # momentum when the current ceasefire began
    weary_r: NDArray[np.float64]
    weary_u: NDArray[np.float64]
    vote_week: NDArray[np.int64]  # week of a scheduled referendum, -1 if none
    cooldown_until: NDArray[np.int64]  # terms are not offered before this week
    failed_vote: NDArray[np.bool_]  # a referendum failed during the current peace
    # The 26 member slots (rows × slots) and the aggregates the members keep up to date.
    pledge: NDArray[np.float64]
    land: NDArray[np.float64]
    sea: NDArray[np.float64]
    air: NDArray[np.float64]
    resolve: NDArray[np.float64]  # resolve at the start of the current deployment (or now)
    in_coalition: NDArray[np.bool_]
    deployed: NDArray[np.bool_]
    since: NDArray[np.int64]  # a deployed member has eroded (week - since) weeks by week's end
    leave_week: NDArray[np.int64]  # week a deployed member's eroded resolve falls below threshold
    next_leave: NDArray[np.int64]  # earliest leave_week of the row's deployed members
    land_d: NDArray[np.float64]
    sea_d: NDArray[np.float64]
    air_d: NDArray[np.float64]
    troops: NDArray[np.float64]  # land_d + sea_d + air_d, recomputed in the rows where they change
    flags_d: NDArray[np.int64]
    members_in: NDArray[np.int64]
    pledged: NDArray[np.float64]
    us_form: NDArray[np.int64]
    us_strength: NDArray[np.float64]
    # This week's perceptions (recorded), what the deployed force offers, and the running tallies.
    threat: NDArray[np.float64]
    credibility: NDArray[np.float64]
    exposure: NDArray[np.float64]  # the force's exposure to strikes
    presence: NDArray[np.float64]  # its deterrent presence
    watched: NDArray[np.float64]  # its monitoring capacity
    changed: NDArray[np.bool_]  # rows whose troops or pledges changed since the last perceive
    perceived: NDArray[np.int64]  # the rows the last perceive recomputed
    violations: NDArray[np.int64]
    referendum_passed: NDArray[np.bool_]
    escalation_from: NDArray[np.int64]
    peak_troops: NDArray[np.float64]
    tallies: dict[str, NDArray[np.int64]] = field(default_factory=dict)
    events: dict[str, NDArray[np.float64]] = field(default_factory=dict)

    def update_troops(self, rows: NDArray[np.int64]) -> None:
        """Recompute the troops deployed in the given rows (after their domains changed)."""
        self.troops[rows] = self.land_d[rows] + self.sea_d[rows] + self.air_d[rows]


@dataclass
class Phases:
    """The rows in each phase at the start of a week, as ascending row indices.

    The phase changes only at the end of the week (:func:`apply`), so the deploy, decide and apply
    sub-steps share these; most rows are usually at war, and the other subsets are small.
    """

    at_war: NDArray[np.bool_]
    war: NDArray[np.int64]
    ceasefire: NDArray[np.int64]
    peace: NDArray[np.int64]  # ceasefire or settlement

    @classmethod
    def of(cls, phase: NDArray[np.int8]) -> Phases:
        """Split the rows by phase."""
        at_war = phase == Phase.WAR
        other = np.flatnonzero(~at_war)
        code = phase[other]
        in_cf = code == Phase.CEASEFIRE
        return cls(at_war, np.flatnonzero(at_war), other[in_cf],
                   other[in_cf | (code == Phase.SETTLEMENT)])


@dataclass
class Decisions:
    """What the actors decided this week: the rows where each decision was taken (ascending),
    and, for the decisions the phase transition reads, the same as masks over replications."""

    strike: NDArray[np.bool_]
    escalate: NDArray[np.bool_]
    agreed: NDArray[np.bool_]
    collapse: NDArray[np.bool_]
    settle: NDArray[np.bool_]
    struck_rows: NDArray[np.int64]
    agreed_rows: NDArray[np.int64]
    collapse_rows: NDArray[np.int64]
    settle_rows: NDArray[np.int64]
    terms_rows: NDArray[np.int64]  # Russia accepted the terms
    vote_rows: NDArray[np.int64]  # a referendum was held
    failed_rows: NDArray[np.int64]  # ... and failed


_NO_ROWS = np.zeros(0, dtype=np.int64)


def _mask(n: int, rows: NDArray[np.int64]) -> NDArray[np.bool_]:
    out = np.zeros(n, dtype=bool)
    out[rows] = True
    return out


def _pairs(mask: NDArray[np.bool_]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """``np.nonzero`` of a rows × slots mask (the same pairs, in the same order, faster)."""
    return np.divmod(np.flatnonzero(mask), N_SLOTS)


def _union(*parts: NDArray[np.int64]) -> NDArray[np.int64]:
    """Ascending union of a few small ascending row arrays."""
    rows = np.concatenate(parts)
    if rows.size < 2:
        return rows
    rows.sort()
    return rows[np.concatenate(([True], rows[1:] != rows[:-1]))]


def _gap(s: State, claim: Any, rows: NDArray[np.int64] | slice = slice(None)) -> NDArray:
    return rules.claim_gap(s.in_claim[rows], at(claim, rows))


def initial_state(cfg: VCfg, d: VDer, keys: NDArray[np.uint64]) -> State:
    """Week 0: pledges, resolve and the form of US backing drawn once per replication."""
    dep, coa = cfg.deployment, cfg.coalition
    n = len(keys)
    pledge = rules.member_pledges(
        streams.uniforms(keys, streams.PLEDGES, [0], _ALL_SLOTS)[:, 0, :],
        col(dep.troops_total), col(dep.lead_share), col(dep.germany_share),
        col(dep.pledge_spread))
    land, sea, air = rules.domain_split(pledge, col(dep.land_share), col(dep.sea_share))
    resolve = rules.initial_resolve(
        streams.uniforms(keys, streams.RESOLVE, [0], _ALL_SLOTS)[:, 0, :],
        col(coa.uk_resolve), col(coa.france_resolve), col(coa.resolve_low),
        col(coa.resolve_high))
    # A member whose resolve starts below its threshold never joins.
    in_coalition = (_ALL_SLOTS < col(d.members)) & rules.stays_in(resolve, col(coa.threshold))
    form = rules.us_form(streams.uniforms(keys, streams.US_FORM, [0], [0])[:, 0, 0],
                         cfg.us.role, cfg.us.air_support_prob)
    us = cfg.us

    def full(x: Any, dtype: Any = np.float64) -> NDArray:
        return np.array(np.broadcast_to(x, (n,)), dtype=dtype)

    zeros = np.zeros(n)
    s = State(
        phase=np.full(n, Phase.WAR, dtype=np.int8), weeks_in_cf=np.zeros(n, dtype=np.int64),
        in_claim=full(d.initial_inside), outside=full(d.initial_outside),
        momentum=full(d.momentum_mean), momentum_at_start=zeros.copy(),
        weary_r=full(cfg.russia.weariness_initial),
        weary_u=full(cfg.ukraine.weariness_initial),
        vote_week=np.full(n, -1, dtype=np.int64), cooldown_until=np.zeros(n, dtype=np.int64),
        failed_vote=np.zeros(n, dtype=bool),
        pledge=pledge, land=land, sea=sea, air=air, resolve=resolve, in_coalition=in_coalition,
        deployed=np.zeros((n, N_SLOTS), dtype=bool),
        since=np.zeros((n, N_SLOTS), dtype=np.int64),
        leave_week=np.full((n, N_SLOTS), rules.NEVER, dtype=np.int64),
        next_leave=np.full(n, rules.NEVER, dtype=np.int64),
        land_d=zeros.copy(), sea_d=zeros.copy(), air_d=zeros.copy(), troops=zeros.copy(),
        flags_d=np.zeros(n, dtype=np.int64), members_in=in_coalition.sum(axis=1),
        pledged=(pledge * in_coalition).sum(axis=1) * d.pledging,
        us_form=form,
        us_strength=rules.us_strength(form, us.strength_intelligence, us.strength_air_support,
                                      us.strength_ground),
        threat=zeros.copy(), credibility=zeros.copy(), exposure=zeros.copy(),
        presence=zeros.copy(), watched=zeros.copy(), changed=np.ones(n, dtype=bool),
        perceived=_NO_ROWS,
        violations=np.zeros(n, dtype=np.int64),
        referendum_passed=np.zeros(n, dtype=bool), escalation_from=np.full(n, -1, dtype=np.int64),
        peak_troops=zeros.copy(),
    )
    s.tallies = {k: np.zeros(n, dtype=np.int64) for k in TALLIES}
    s.events = {k: np.full(n, np.nan) for k in EVENTS}
    if cfg.sim.start_in_ceasefire:  # a controlled spell: a ceasefire agreed at week 0
        s.phase[:] = Phase.CEASEFIRE
        s.momentum_at_start[:] = s.momentum
        s.tallies["n_ceasefires"][:] = 1
        s.events["week_first_ceasefire"][:] = 0.0
    perceive(s, cfg, d)
    return s


def perceive(s: State, cfg: VCfg, d: VDer) -> None:
    """Russia's threat perception and the guarantee's credibility as Ukraine sees it, and the
    deployed force's exposure to strikes, deterrent presence and monitoring capacity.

    All depend only on the troops deployed and pledged (and on the US backing, drawn once), so
    they are recomputed only in the rows where those changed.
    """
    rows = s.perceived = np.flatnonzero(s.changed)
    if not rows.size:
        return
    rus, ukr, dep, frc = cfg.russia, cfg.ukraine, cfg.deployment, cfg.force
    troops = s.troops[rows]
    s.threat[rows] = (
        rules.deployment_threat(troops, at(rus.threat_per_10k, rows), rus.force_consent)
        + rules.narrative_threat(at(d.named_units, rows) & (troops == 0),
                                 at(rus.narrative_boost, rows), rus.force_consent))
    s.credibility[rows] = rules.guarantee_credibility(
        s.pledged[rows], at(d.us_expected, rows), at(ukr.credibility_scale, rows),
        at(ukr.credibility_us_floor, rows), at(d.credibility_discount, rows))
    air, us = s.air_d[rows], s.us_strength[rows]
    s.exposure[rows] = rules.force_exposure(s.land_d[rows], s.sea_d[rows], air,
                                            at(dep.exposure_sea, rows), at(dep.exposure_air, rows),
                                            at(d.posture_mult, rows))
    s.presence[rows] = rules.deterrent_presence(troops, s.flags_d[rows], us,
                                                at(frc.troops_need, rows),
                                                at(frc.flag_weight, rows), at(frc.us_share, rows))
    s.watched[rows] = rules.monitoring(troops, air, us, at(frc.air_need, rows),
                                       at(frc.us_isr, rows))
    s.changed[rows] = False


def deploy(s: State, cfg: VCfg, d: VDer, week: int, ph: Phases) -> None:
    """1. Coalition members deploy when the schedule (and, for Germany, its condition) says so.

    The schedule calls for troops only in a ceasefire or after a settlement, so only those rows
    are looked at.
    """
    dep, coa = cfg.deployment, cfg.coalition
    p = ph.peace
    if not p.size:
        return
    due = rules.deployment_due(d.timing, s.phase[p], s.weeks_in_cf[p], at(dep.hold_weeks, p),
                               coa.respect_russian_veto, cfg.terms.force_stays)
    rows = p[due & (s.flags_d[p] < s.members_in[p])]
    if not rows.size:
        return
    germany = rules.germany_ready(coa.germany_condition, s.phase[rows], s.weeks_in_cf[rows],
                                  at(coa.germany_hold_weeks, rows))
    ready = _NOT_GERMANY | (_ALL_SLOTS == GERMANY) & germany[:, None]
    newly = s.in_coalition[rows] & ~s.deployed[rows] & ready
    s.deployed[rows] |= newly
    s.land_d[rows] += (s.land[rows] * newly).sum(axis=1)
    s.sea_d[rows] += (s.sea[rows] * newly).sum(axis=1)
    s.air_d[rows] += (s.air[rows] * newly).sum(axis=1)
    s.update_troops(rows)
    s.flags_d[rows] += newly.sum(axis=1)
    s.changed[rows] = True
    # Erosion starts this week: the member leaves in the week its eroded resolve crosses.
    since = week - 1
    leave = since + rules.weeks_until_withdrawal(s.resolve[rows], col(at(coa.threshold, rows)),
                                                 col(at(coa.erosion_per_year, rows)))
    s.since[rows] = np.where(newly, since, s.since[rows])
    s.leave_week[rows] = np.where(newly, leave, s.leave_week[rows])
    s.next_leave[rows] = s.leave_week[rows].min(axis=1)


def decide(s: State, cfg: VCfg, d: VDer, week: int, ph: Phases, draw) -> Decisions:
    """2–4. Talks, then Russia's and Ukraine's decisions from the state at the start of the week."""
    rus, ukr, cf, frc = cfg.russia, cfg.ukraine, cfg.ceasefire, cfg.force
    claim = cfg.battlefield.claim
    n = len(s.phase)

    # Talks: in war, and in a ceasefire with terms on the table.
    offer = c = ph.ceasefire  # terms are on the table only in a ceasefire
    if c.size:
        offer = c[rules.terms_on_offer(s.phase[c], s.weeks_in_cf[c], s.vote_week[c] >= 0,
                                       week >= s.cooldown_until[c], ukr.referendum_required,
                                       at(ukr.martial_law_lift_weeks, c))]
    war_talks = terms_talks = _NO_ROWS
    rows = np.concatenate((ph.war, offer))  # war rows first, then the rows offered terms
    if rows.size:
        talks = (draw(_TALK, rows) < week_value(d.talk_prob, week, rows)) & (
            rules.round_not_lost_to_venue(draw(_VENUE, rows), at(cfg.talks.moscow_share, rows)))
        n_war = len(ph.war)  # (``compress``: a boolean index, much faster at these densities)
        war_talks, terms_talks = ph.war.compress(talks[:n_war]), offer.compress(talks[n_war:])

    perceive(s, cfg, d)

    # Russia: a strike on the deployed force.
    struck = escalated = _NO_ROWS
    rows = np.flatnonzero((s.troops > 0) & (s.phase != Phase.ESCALATION))
    if rows.size:
        p = rules.strike_probability(
            s.exposure[rows], s.us_strength[rows], s.flags_d[rows], s.phase[rows] == Phase.SETTLEMENT,
            at(rus.strike_propensity, rows), at(rus.deterrence_us, rows),
            at(rus.deterrence_flags, rows), at(rus.settlement_hostility, rows),
            rus.force_consent)
        struck = rows[draw(_STRIKE, rows) < p]
        if struck.size:
            escalated = struck[rules.strike_escalates(draw(_ESCALATE, struck),
                                                      at(rus.escalation_prob, struck))]

    # A ceasefire: both sides accept in a round of talks.
    agreed = _NO_ROWS
    rows = war_talks
    if rows.size:
        p_r = rules.russia_ceasefire_acceptance(
            at(rus.accept_intercept, rows), week_value(d.mediation, week, rows),
            at(rus.mediation_weight, rows),
            rules.gap_penalty(_gap(s, claim, rows), at(rus.gap_weight, rows)),
            at(d.resistance, rows), s.threat[rows], at(rus.threat_weight, rows),
            rules.stalling_penalty(s.momentum[rows], at(rus.stalling, rows)),
            s.weary_r[rows], at(rus.weariness_weight, rows))
        p_u = rules.ukraine_ceasefire_acceptance(
            at(ukr.accept_intercept, rows), s.credibility[rows], at(ukr.guarantee_weight, rows),
            s.weary_u[rows], at(ukr.weariness_weight, rows))
        agreed = rows[rules.ceasefire_agreed(True, draw(_ACC_R, rows), p_r, draw(_ACC_U, rows),
                                             p_u)]

    # Terms: Russia accepts or not; a vote is then scheduled (or, with no referendum, signed).
    terms = _NO_ROWS
    rows = terms_talks
    if rows.size:
        p_pass = _pass_probability(s, cfg, d, rows)
        risk = 1.0 - p_pass if ukr.referendum_required else 0.0 * p_pass
        gap = _gap(s, claim, rows)
        p_t = rules.russia_terms_acceptance(
            at(rus.terms_intercept, rows),
            rules.gap_penalty(gap * (not d.recognise_claim), at(rus.gap_weight, rows)),
            rules.force_resistance(at(d.force_in_terms, rows) * 1.0, False,
                                   at(rus.force_aversion, rows), at(rus.immediate_extra, rows),
                                   rus.force_consent),
            risk, at(rus.referendum_discount, rows), week_value(d.mediation, week, rows),
            at(rus.mediation_weight, rows), s.weary_r[rows], at(rus.weariness_weight, rows))
        terms = rows[draw(_TERMS, rows) < p_t]

    # Ukraine's voters: the referendum scheduled for this week (held only in a ceasefire).
    settle = voted = failed = _NO_ROWS
    if c.size:
        voted = c[s.vote_week[c] == week]
    if voted.size:
        passed = draw(_VOTE, voted) < _pass_probability(s, cfg, d, voted)
        settle, failed = voted[passed], voted[~passed]
    if not ukr.referendum_required:
        settle = _union(settle, terms)

    # Russia's decision to renew the war, during a ceasefire or after a settlement.
    collapse = _NO_ROWS
    s.violations = np.zeros(n, dtype=np.int64)
    rows = ph.peace
    if rows.size:
        if c.size:
            s.violations[c] = _violations(draw(_VIOL, c), d, c)
        kappa = at(frc.kappa, rows)
        log_risk = rules.renewal_log_risk(
            _gap(s, claim, rows), s.momentum_at_start[rows], s.threat[rows],
            s.failed_vote[rows], s.presence[rows], s.phase[rows] == Phase.SETTLEMENT,
            at(cf.gap_hazard, rows), at(cf.momentum_hazard, rows), at(cf.threat_hazard, rows),
            at(cf.failed_referendum_hazard, rows), kappa, at(frc.cost_weight, rows),
            at(cf.settlement_factor, rows))
        viol = rules.violations_factor(s.violations[rows], at(cf.violation_hazard, rows),
                                       s.watched[rows], kappa, at(frc.monitoring_weight, rows))
        hazard = rules.collapse_hazard(s.weeks_in_cf[rows], at(cf.hazard_initial, rows),
                                       at(cf.hazard_floor, rows),
                                       at(cf.hazard_decay_weeks, rows), log_risk, viol,
                                       cf.strategic_feedbacks)
        collapse = rows[draw(_RENEW, rows) < hazard]
    return Decisions(_mask(n, struck), _mask(n, escalated), _mask(n, agreed),
                     _mask(n, collapse), _mask(n, settle), struck, agreed, collapse, settle,
                     terms, voted, failed)


def _violations(u: NDArray[np.float64], d: VDer, rows: NDArray[np.int64]) -> NDArray[np.int64]:
    """Poisson counts of violations, inverting each row's own table (one per distinct rate)."""
    index = d.poisson_index
    if not isinstance(index, np.ndarray):
        return streams.poisson_from_table(u, d.poisson_tables[index])
    out = np.empty(len(rows), dtype=np.int64)
    which = index[rows]
    for k in np.unique(which):
        mask = which == k
        out[mask] = streams.poisson_from_table(u[mask], d.poisson_tables[k])
    return out


def _pass_probability(s: State, cfg: VCfg, d: VDer, rows: NDArray[np.int64]) -> NDArray:
    """The voters' chance of passing the terms on the table, in the given rows."""
    ukr = cfg.ukraine
    ceded = _gap(s, cfg.battlefield.claim, rows) * d.recognise_claim
    return rules.referendum_pass_probability(
        at(ukr.referendum_intercept, rows), ceded, at(ukr.referendum_per_pp, rows),
        s.credibility[rows], at(ukr.guarantee_weight, rows), at(d.voters_force_factor, rows))


def _withdraw_force(s: State, cfg: VCfg, rows: NDArray[np.int64], week: int) -> None:
    """The whole force goes home (members stay in the coalition, with the resolve they kept)."""
    dep = s.deployed[rows]
    eroded = rules.resolve_erosion(s.resolve[rows], week - s.since[rows],
                                   col(at(cfg.coalition.erosion_per_year, rows)))
    s.resolve[rows] = np.where(dep, eroded, s.resolve[rows])
    s.deployed[rows] = False
    s.leave_week[rows] = rules.NEVER
    s.next_leave[rows] = rules.NEVER
    s.land_d[rows] = s.sea_d[rows] = s.air_d[rows] = s.troops[rows] = 0.0
    s.flags_d[rows] = 0
    s.changed[rows] = True


def _cohesion(s: State, cfg: VCfg, d: VDer, hit: NDArray[np.int64], week: int,
              shares: Any) -> None:
    """Strikes and the cost of staying wear resolve down; members below threshold leave.

    Erosion is linear while deployed, so a deployed member's week of leaving is known when it
    deploys (:func:`sim.rules.weeks_until_withdrawal`); only rows with a strike (``hit``) or a
    member due to leave this week are touched. ``shares(hit, week)`` draws the members' shares of
    the shock.
    """
    coa = cfg.coalition
    if hit.size:  # every member still in absorbs the shock; a deployed one restarts its erosion
        u = shares(hit, week)
        dep, inn = s.deployed[hit], s.in_coalition[hit]
        erosion, threshold = col(at(coa.erosion_per_year, hit)), col(at(coa.threshold, hit))
        base = np.where(dep, rules.resolve_erosion(s.resolve[hit], week - 1 - s.since[hit],
                                                   erosion), s.resolve[hit])
        shocked = rules.resolve_after_strike(base, u, col(at(coa.strike_shock, hit)),
                                             col(at(coa.us_cushion, hit)),
                                             s.us_strength[hit, None])
        s.resolve[hit] = np.where(inn, shocked, s.resolve[hit])
        s.since[hit] = np.where(dep, week - 1, s.since[hit])
        s.leave_week[hit] = np.where(
            dep & inn, week - 1 + rules.weeks_until_withdrawal(shocked, threshold, erosion),
            rules.NEVER)
        s.next_leave[hit] = s.leave_week[hit].min(axis=1)
        # Members not deployed leave at once if the shock took them below the threshold.
        out = inn & ~dep & ~rules.stays_in(s.resolve[hit], threshold)
        if out.any():
            _leave(s, d, hit, *_pairs(out))
    rows = np.flatnonzero(s.next_leave == week)
    if rows.size:  # leave_week is NEVER for members not deployed or gone
        ri, si = _pairs(s.leave_week[rows] == week)
        rr = rows[ri]
        s.resolve[rr, si] = rules.resolve_erosion(s.resolve[rr, si], week - s.since[rr, si],
                                                  at(coa.erosion_per_year, rr))
        _leave(s, d, rows, ri, si)


def _leave(s: State, d: VDer, rows: NDArray[np.int64], ri: NDArray[np.int64],
           si: NDArray[np.int64]) -> None:
    """Members ``si`` of rows ``rows[ri]`` withdraw from the coalition for good.

    Usually only a few members of a row leave at once, so the totals are updated from the
    (row, slot) pairs alone; the troop numbers are whole, so the sums are exact in any order.
    """
    rr = rows[ri]
    gone = s.deployed[rr, si]
    for total, per in ((s.land_d, s.land), (s.sea_d, s.sea), (s.air_d, s.air)):
        np.subtract.at(total, rr, per[rr, si] * gone)
    s.update_troops(rows)
    np.subtract.at(s.flags_d, rr, gone)
    np.subtract.at(s.members_in, rr, 1)
    np.subtract.at(s.pledged, rr, s.pledge[rr, si] * at(d.pledging, rr))
    s.in_coalition[rr, si] = False
    s.deployed[rr, si] = False
    s.changed[rows] = True
    s.leave_week[rr, si] = rules.NEVER
    s.next_leave[rows] = s.leave_week[rows].min(axis=1)


def apply(s: State, cfg: VCfg, d: VDer, week: int, ph: Phases, dec: Decisions, draw,
          shares: Any) -> NDArray[np.int64]:
    """5. The model applies every decision at once; returns the rows where the phase may have
    changed (the only rows where it can)."""
    ukr, bf = cfg.ukraine, cfg.battlefield
    old = s.phase
    _cohesion(s, cfg, d, dec.struck_rows, week, shares)
    # The transition rule is elementwise: apply it only where something happened this week.
    new, cause = old.copy(), np.zeros_like(old)
    moved = _union(dec.agreed_rows, dec.collapse_rows, dec.struck_rows, dec.settle_rows)
    if moved.size:  # (an escalation only follows a strike)
        new[moved], cause[moved] = rules.transition(
            old[moved], dec.agreed[moved], dec.collapse[moved], dec.strike[moved],
            dec.settle[moved], dec.escalate[moved])
    old_m, new_m, cause_m = old[moved], new[moved], cause[moved]

    # The referendum: a vote scheduled after Russia accepts terms; a failed vote cools down.
    if ukr.referendum_required:
        scheduled = dec.terms_rows
        s.vote_week[scheduled] = week + at(ukr.referendum_weeks, scheduled)
    s.vote_week[dec.vote_rows] = -1
    failed = dec.failed_rows
    if failed.size:
        s.cooldown_until[failed] = week + at(ukr.referendum_cooldown_weeks, failed)
        s.failed_vote[failed[new[failed] == Phase.CEASEFIRE]] = True

    # The force goes home where peace collapsed into war (only the moved rows changed phase).
    rows = moved[rules.force_withdraws(new_m, old_m, cfg.force.withdraw_on_collapse)]
    if rows.size:
        _withdraw_force(s, cfg, rows, week)
    settled = moved[cause_m == Cause.SETTLEMENT]
    if settled.size:
        s.failed_vote[settled] = False  # the vote that counted passed
        if d.recognise_claim:
            s.in_claim[settled] = at(bf.claim, settled)
            s.outside[settled] = 0.0
        if not cfg.terms.force_stays:
            _withdraw_force(s, cfg, settled, week)
    ended = moved[(new_m == Phase.WAR) & (old_m != Phase.WAR)]
    started = moved[cause_m == Cause.CEASEFIRE_AGREED]
    for r in (ended, started):
        if r.size:
            s.vote_week[r] = -1
            s.cooldown_until[r] = 0
            s.failed_vote[r] = False
    s.momentum_at_start[started] = s.momentum[started]

    r = ph.war
    if r.size:
        z_mom, z_terr = streams.normal_pair(draw(_Z_MOM, r), draw(_Z_TERR, r))
        momentum = rules.momentum_update(
            s.momentum[r], at(d.momentum_mean, r), at(bf.momentum_persistence, r),
            at(bf.momentum_sd, r), z_mom)
        s.momentum[r] = momentum
        s.in_claim[r], s.outside[r] = rules.territory_update(
            s.in_claim[r], s.outside[r], momentum, at(bf.claim, r), at(bf.slowdown_gap, r),
            at(bf.gains_in_claim, r), at(bf.territory_noise, r), z_terr)
    s.weary_r = rules.weariness_update(s.weary_r, ph.at_war, d.russia_growth,
                                       cfg.ceasefire.weariness_decay)
    s.weary_u = rules.weariness_update(s.weary_u, ph.at_war, d.ukraine_growth,
                                       cfg.ceasefire.weariness_decay)
    # Weeks since the current ceasefire began: zero outside a ceasefire or settlement, so only
    # the rows in peace count on, and the rows that left it (or just entered it) restart.
    s.weeks_in_cf[ph.peace] += 1
    s.weeks_in_cf[moved[(new_m != Phase.CEASEFIRE) & (new_m != Phase.SETTLEMENT)]] = 0
    s.weeks_in_cf[started] = 0
    _tally(s, week, ph, moved, old_m, new_m, cause, dec)
    s.phase = new
    np.maximum(s.peak_troops, s.troops, out=s.peak_troops)
    return moved


def _tally(s: State, week: int, ph: Phases, moved: NDArray[np.int64], old: NDArray,
           new: NDArray, cause: NDArray, dec: Decisions) -> None:
    """Counts and first-event weeks. The weeks in a ceasefire and the violations count in the
    ceasefire rows, the strikes and votes in their rows; the rest only in the rows where a
    transition happened (``old`` and ``new`` are the phases of the ``moved`` rows, ``cause`` is
    over all rows)."""
    t, ev = s.tallies, s.events
    t["ceasefire_weeks"][ph.ceasefire] += 1
    t["n_violations"][ph.ceasefire] += s.violations[ph.ceasefire]
    struck = dec.struck_rows
    if struck.size:
        t["n_strikes"][struck] += 1
        _first_rows(ev["week_first_strike"], struck, week)
    voted = dec.vote_rows
    if voted.size:
        t["n_referendums"][voted] += 1
        s.referendum_passed[voted] |= cause[voted] == Cause.SETTLEMENT
    c = cause[moved]
    happened = c != Cause.NONE
    if not happened.any():
        return
    rows, c, o, w = moved[happened], c[happened], old[happened], new[happened]
    agreed = c == Cause.CEASEFIRE_AGREED
    escalated = c == Cause.ESCALATION
    collapse = (o == Phase.CEASEFIRE) & (w == Phase.WAR)
    breakdown = (o == Phase.SETTLEMENT) & (w == Phase.WAR)
    t["n_ceasefires"][rows[agreed]] += 1
    t["n_collapses"][rows[collapse]] += 1
    t["n_breakdowns"][rows[breakdown]] += 1
    t["ceasefire_failures"][rows[(o == Phase.CEASEFIRE) & (collapse | escalated)]] += 1
    s.escalation_from[rows[escalated]] = o[escalated]
    for name, event in (("week_first_ceasefire", agreed), ("week_first_collapse", collapse),
                        ("week_settlement", c == Cause.SETTLEMENT),
                        ("week_escalation", escalated)):
        _first_rows(ev[name], rows[event], week)
    had_peace = ~np.isnan(ev["week_first_ceasefire"][rows]) & ~agreed
    _first_rows(ev["week_first_failure"], rows[had_peace & (collapse | breakdown | escalated)],
                week)


def _first_rows(event_week: NDArray[np.float64], rows: NDArray[np.int64], week: int) -> None:
    """Record ``week`` in the given rows where nothing was recorded yet."""
    if rows.size:
        event_week[rows[np.isnan(event_week[rows])]] = week


def path_values(s: State, cfg: VCfg) -> dict[str, NDArray]:
    """6. The week's values of the path indicators (the state at the end of the week)."""
    return {
        "territory": s.in_claim + s.outside,
        "claim_gap": _gap(s, cfg.battlefield.claim),
        "threat": s.threat,
        "troops_deployed": s.troops,
        "members_remaining": s.members_in,
        "credibility": s.credibility,
        "strikes_cum": s.tallies["n_strikes"],
        "violations": s.violations,
        "martial_law": rules.martial_law_in_force(s.phase, s.weeks_in_cf,
                                                  cfg.ukraine.martial_law_lift_weeks),
    }


def _changed_rows(s: State, dec: Decisions, moved: NDArray[np.int64]) -> dict[str, NDArray]:
    """The only rows (each once) where some path indicators can have changed this week, from who
    writes them: the threat and credibility only in :func:`perceive`; the troops and members only
    where the force changed (deployments are perceived the same week, the later changes are still
    flagged in ``changed``); the strikes only where a strike hit; the phase only in the moved rows.
    A new writer of these must keep this true (the other indicators are compared row by row)."""
    force = _union(s.perceived, np.flatnonzero(s.changed))
    return {"threat": s.perceived, "credibility": s.perceived, "troops_deployed": force,
            "members_remaining": force, "strikes_cum": dec.struck_rows, "phase": moved}


class _Recorder:
    """Reduces the weekly paths week by week, and keeps them per replication if asked.

    With one point the reduction is a mergeable :class:`PathStats` (chunks of a run add up);
    with several, each week is summarised per point at once (:class:`WeeklySummary`), so a block
    of design points keeps only its results.
    """

    def __init__(self, cfgs: Sequence[Config], n: int, weeks: int, keep: bool,
                 path_dtype: type) -> None:
        self.n_points = len(cfgs)
        self.paths = self.stats = self.summary = None
        if keep:  # filled week by week: stored week-major, transposed at the end
            self.paths = {k: np.empty((weeks + 1, n), dtype=path_dtype) for k in PATH_INDICATORS}
            self.paths["phase"] = np.empty((weeks + 1, n), dtype=np.int8)
        self.specs = specs(cfgs)
        self.point = (None if self.n_points == 1
                      else np.repeat(np.arange(self.n_points), n // self.n_points))
        self.reduce = RunningReduction(self.specs, self.point, self.n_points)
        if self.n_points == 1:
            self.stats = PathStats(self.specs, weeks)
            self.stats.n = n
        else:
            self.summary = WeeklySummary(self.specs, weeks, self.n_points, n // self.n_points)

    def __call__(self, week: int, s: State, cfg: VCfg, changed: dict | None = None) -> None:
        """Record the state at the end of ``week``; ``changed`` may give, for some indicators, the
        only rows where their values can have changed this week (see :func:`_changed_rows`)."""
        values = path_values(s, cfg)
        if self.paths is not None:
            for k, v in values.items():
                self.paths[k][week] = v
            self.paths["phase"][week] = s.phase
        reduced = self.reduce(values, s.phase, changed)
        if self.stats is not None:
            self.stats.add(week, *reduced)
        else:
            self.summary.add(week, *reduced, changed=self.reduce.changed)

    def result(self, point: int, part: slice) -> tuple[dict[str, NDArray] | None, Any]:
        """The paths (if kept) and the path statistics of one point."""
        paths = None if self.paths is None else {k: v[:, part].T for k, v in self.paths.items()}
        return paths, self.stats if self.stats is not None else PointView(self.summary, point)


def _simulate(cfgs: Sequence[Config], cfg: VCfg, d: VDer, keys: NDArray[np.uint64],
              keep_paths: bool, path_dtype: type) -> tuple[State, _Recorder]:
    """The week loop over ``len(keys)`` rows."""
    n, weeks = len(keys), int(cfgs[0].sim.weeks)
    pc, ic = streams.columns(*zip(*WEEKLY_DRAWS, strict=True))
    kp_week = list(np.ascontiguousarray(streams.keyed(keys, pc).T))  # one array per column
    ic_list = ic.tolist()
    pc_coh, ic_coh = streams.columns([streams.COHESION] * N_SLOTS, _ALL_SLOTS)
    week = 0

    def draw(column: int, rows: NDArray[np.int64]) -> NDArray[np.float64]:
        """This week's uniforms of one column, for the rows that use them."""
        return streams.at(kp_week[column].take(rows), week, ic_list[column])

    def shares(rows: NDArray[np.int64], week: int) -> NDArray[np.float64]:
        """The members' shares of a strike's shock (rows × slots), keyed only where needed."""
        return streams.table(streams.keyed(keys[rows], pc_coh), [week], ic_coh)[:, 0, :]

    s = initial_state(cfg, d, keys)
    recorder = _Recorder(cfgs, n, weeks, keep_paths, path_dtype)
    recorder(0, s, cfg)
    for week in range(1, weeks + 1):
        ph = Phases.of(s.phase)
        deploy(s, cfg, d, week, ph)
        dec = decide(s, cfg, d, week, ph, draw)
        moved = apply(s, cfg, d, week, ph, dec, draw, shares)
        recorder(week, s, cfg, _changed_rows(s, dec, moved))
    return s, recorder


def run_batch(cfg: Config, replications: NDArray[np.int64], path_dtype: type = np.float64,
              keep_paths: bool = True) -> BatchResult:
    """Run the given replication indices of a validated config; return raw arrays.

    Args:
        cfg: A validated configuration.
        replications: 0-based replication indices; their keys derive from ``cfg.sim.seed``.
        path_dtype: Float type the weekly paths are stored in (``numpy.float32`` halves their
            memory; the state itself is always float64).
        keep_paths: Keep every replication's weekly paths; if false, only their streaming
            statistics (:class:`sim.pathstats.PathStats`).
    """
    return run_points([cfg], replications, path_dtype=path_dtype, keep_paths=keep_paths)[0]


def run_points(cfgs: Sequence[Config], replications: NDArray[np.int64],
               path_dtype: type = np.float64, keep_paths: bool = True) -> list[BatchResult]:
    """Run the same replication indices of several design points in one vectorised batch.

    The points must share every choice, switch and the horizon (group them by
    :func:`sim.stacking.structural_key`); their numbers may differ. Replication *i* of every point
    draws the same numbers when the points share a seed (common random numbers), and each point's
    result equals :func:`run_batch` on that point alone.
    """
    reps = np.asarray(replications, dtype=np.int64)
    counts = [len(reps)] * len(cfgs)
    vcfg, vd = stack_configs(cfgs, counts), stack_derived(cfgs, counts)
    keys = np.concatenate([streams.replication_keys(c.sim.seed, reps) for c in cfgs])
    s, recorder = _simulate(cfgs, vcfg, vd, keys, keep_paths, path_dtype)
    columns = _columns(s, vcfg, cfgs[0].sim.weeks)
    out = []
    for i in range(len(cfgs)):
        part = slice(i * len(reps), (i + 1) * len(reps))
        paths, stats = recorder.result(i, part)
        out.append(BatchResult(reps, keys[part], {k: v[part] for k, v in columns.items()},
                               paths, stats))
    return out


def _columns(s: State, cfg: VCfg, weeks: int) -> dict[str, NDArray]:
    ev = s.events
    start = ev["week_first_ceasefire"]
    failed = ~np.isnan(ev["week_first_failure"])
    end = np.where(failed, ev["week_first_failure"], float(weeks))
    return {
        "final_phase": s.phase.astype(np.int8),
        "week_first_ceasefire": start,
        "week_first_collapse": ev["week_first_collapse"],
        "week_settlement": ev["week_settlement"],
        "week_escalation": ev["week_escalation"],
        "week_first_strike": ev["week_first_strike"],
        "peace_duration": end - start,
        "peace_failed": failed,
        **{k: v.copy() for k, v in s.tallies.items()},
        "referendum_passed": s.referendum_passed.copy(),
        "escalation_from": s.escalation_from.copy(),
        "peak_troops_deployed": s.peak_troops.copy(),
        "members_remaining": s.members_in.astype(np.int64),
        "final_territory": s.in_claim + s.outside,
        "final_claim_gap": _gap(s, cfg.battlefield.claim),
        "final_threat": np.asarray(s.threat, dtype=np.float64).copy(),
        "us_form": s.us_form.astype(np.int64),
    }
