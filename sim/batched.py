"""The batched engine: many replications at once as numpy arrays.

It runs the same weekly mechanism as the Mesa engine (:mod:`sim.model`), step for step, calling the
same rule functions from :mod:`sim.rules` on arrays over replications (and over the 26 member slots)
and drawing from the same counter-based streams (:mod:`sim.streams`). For the same seeds both engines
give the same outcome, event weeks, counts and weekly paths, replication by replication; a test
holds them together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim import rules, streams
from sim.config import Config
from sim.derived import GERMANY, N_SLOTS, PATH_INDICATORS, Derived
from sim.rules import Cause, Phase

_ALL_SLOTS = np.arange(N_SLOTS)


@dataclass
class BatchResult:
    """Raw results of a batch: per-replication arrays and weekly paths."""

    replications: NDArray[np.int64]
    keys: NDArray[np.uint64]
    columns: dict[str, NDArray]
    paths: dict[str, NDArray]


def _first(event_week: NDArray[np.float64], happened: NDArray[np.bool_], week: int) -> None:
    """Record ``week`` as the first occurrence where ``happened`` and nothing was recorded yet."""
    event_week[happened & np.isnan(event_week)] = week


_WEEKLY = (  # (process, index) columns drawn every week, in this order
    (streams.TALKS, 0), (streams.TALKS, 1), (streams.ACCEPTANCE, 0), (streams.ACCEPTANCE, 1),
    (streams.CEASEFIRE, 0), (streams.CEASEFIRE, 1), (streams.STRIKES, 0), (streams.STRIKES, 1),
    (streams.VIOLATIONS, 0), (streams.BATTLEFIELD, 0), (streams.BATTLEFIELD, 1),
)
(_TALK, _VENUE, _ACC_R, _ACC_U, _COLLAPSE, _SETTLE, _STRIKE, _ESCALATE, _VIOL, _Z_MOM,
 _Z_TERR) = range(len(_WEEKLY))


def run_batch(cfg: Config, replications: NDArray[np.int64],
              path_dtype: type = np.float64) -> BatchResult:
    """Run the given replication indices of a validated config; return raw arrays.

    Member-level totals (troops deployed by domain, troops pledged, members in) are updated only
    in the rows where a member deploys or withdraws, the way the Mesa members update the model's
    totals; all troop numbers are whole, so the totals are exact in both engines.

    Args:
        cfg: A validated configuration.
        replications: 0-based replication indices; their keys derive from ``cfg.sim.seed``.
        path_dtype: Float type the weekly paths are stored in (``numpy.float32`` halves their
            memory when only their summaries are needed; the state itself is always float64).
    """
    d = Derived.from_config(cfg)
    dep, rus, ukr, coa, cf = cfg.deployment, cfg.russia, cfg.ukraine, cfg.coalition, cfg.ceasefire
    bf = cfg.battlefield
    n, weeks = len(replications), d.weeks
    keys = streams.replication_keys(cfg.sim.seed, replications)
    pc, ic = streams.columns(*zip(*_WEEKLY, strict=True))
    kp_week = np.ascontiguousarray(streams.keyed(keys, pc).T)  # (column, replication)
    ic = ic.tolist()

    def draw(col: int, rows: NDArray[np.int64]) -> NDArray[np.float64]:
        """This week's uniforms of one column, for the rows that use them."""
        return streams.at(kp_week[col, rows], week, ic[col])

    pc_coh, ic_coh = streams.columns([streams.COHESION] * N_SLOTS, _ALL_SLOTS)
    kp_coh = streams.keyed(keys, pc_coh)

    # --- initial state -------------------------------------------------------------------------
    pledge = rules.member_pledges(
        streams.uniforms(keys, streams.PLEDGES, [0], _ALL_SLOTS)[:, 0, :],
        dep.troops_total, dep.lead_share, dep.pledge_spread,
    )
    land, sea, air = rules.domain_split(pledge, dep.land_share, dep.sea_share)
    resolve = rules.initial_resolve(
        streams.uniforms(keys, streams.RESOLVE, [0], _ALL_SLOTS)[:, 0, :],
        coa.uk_resolve, coa.france_resolve, coa.resolve_low, coa.resolve_high,
    )
    active = _ALL_SLOTS < d.members
    in_coalition = np.broadcast_to(active, (n, N_SLOTS)).copy()
    deployed = np.zeros((n, N_SLOTS), dtype=bool)
    main_deployed = np.zeros(n, dtype=bool)
    germany_deployed = np.zeros(n, dtype=bool)
    not_germany = _ALL_SLOTS != GERMANY
    us_backing = rules.us_backing_delivered(
        streams.uniforms(keys, streams.US_BACKING, [0], [0])[:, 0, 0], cfg.us.backing_prob
    )
    us_support = d.us_strength * us_backing

    phase = np.full(n, Phase.WAR, dtype=np.int8)
    weeks_in_cf = np.zeros(n, dtype=np.int64)
    rounds_held = np.zeros(n, dtype=np.int64)
    territory = np.full(n, bf.initial_territory)
    momentum = np.full(n, d.momentum_mean)
    weary_r = np.zeros(n)
    weary_u = np.zeros(n)
    strikes = np.zeros(n, dtype=np.int64)
    violations_total = np.zeros(n, dtype=np.int64)
    n_ceasefires = np.zeros(n, dtype=np.int64)
    n_collapses = np.zeros(n, dtype=np.int64)
    peak_troops = np.zeros(n)
    members_in = np.full(n, int(active.sum()), dtype=np.int64)
    pledged = (pledge * in_coalition).sum(axis=1) if d.pledging else np.zeros(n)
    land_d, sea_d, air_d = np.zeros(n), np.zeros(n), np.zeros(n)
    ev = {k: np.full(n, np.nan) for k in (
        "week_first_ceasefire", "week_first_collapse", "week_settlement", "week_escalation",
        "week_first_strike", "week_first_failure")}

    # Paths are filled week by week, so they are stored week-major and transposed at the end.
    paths = {k: np.empty((weeks + 1, n), dtype=path_dtype) for k in PATH_INDICATORS}
    paths["phase"] = np.empty((weeks + 1, n), dtype=np.int8)

    threat = rules.threat_perception(
        pledged, 0.0, 0.0, rus.threat_base, rus.threat_per_10k_pledged, rus.threat_per_10k_deployed
    )
    credibility = rules.guarantee_credibility(
        pledged, d.us_expected, ukr.credibility_scale, ukr.credibility_floor
    )
    _record(paths, 0, phase, territory, threat, np.zeros(n), members_in, credibility, strikes,
            np.zeros(n, dtype=np.int64))

    for week in range(1, weeks + 1):
        # 1. Coalition members decide whether their troops deploy this week.
        due = rules.deployment_due(d.timing, phase, weeks_in_cf, dep.hold_weeks,
                                   coa.respect_russian_veto)
        rows = np.flatnonzero(due & ~main_deployed)
        if rows.size:
            newly = in_coalition[rows] & not_germany
            deployed[rows] |= newly
            land_d[rows] += (land[rows] * newly).sum(axis=1)
            sea_d[rows] += (sea[rows] * newly).sum(axis=1)
            air_d[rows] += (air[rows] * newly).sum(axis=1)
            main_deployed[rows] = True
        if d.members > GERMANY:
            germany = rules.germany_ready(coa.germany_condition, phase, weeks_in_cf,
                                          coa.germany_hold_weeks)
            rows = np.flatnonzero(due & germany & ~germany_deployed & in_coalition[:, GERMANY])
            if rows.size:
                deployed[rows, GERMANY] = True
                land_d[rows] += land[rows, GERMANY]
                sea_d[rows] += sea[rows, GERMANY]
                air_d[rows] += air[rows, GERMANY]
                germany_deployed[rows] = True
        troops = land_d + sea_d + air_d

        # 2. Talks (a round proposed and not lost to the venue); US mediation this week.
        at_war = phase == Phase.WAR
        war_rows = np.flatnonzero(at_war)
        talks = np.zeros(n, dtype=bool)
        talks[war_rows] = (draw(_TALK, war_rows) < d.talk_prob[week]) & (
            rules.round_not_lost_to_venue(draw(_VENUE, war_rows), cfg.talks.moscow_share))
        mediation = d.mediation[week]

        # 3. Russia: threat, strike, acceptance. Rules are evaluated only in the rows where
        # their result is used (elementwise, so this changes no number).
        narrative = rules.narrative_threat(
            (d.timing == "commit_now") & at_war & (troops > 0), rus.narrative_boost
        )
        threat = rules.threat_perception(
            pledged, troops, narrative, rus.threat_base, rus.threat_per_10k_pledged,
            rus.threat_per_10k_deployed,
        )
        strike = np.zeros(n, dtype=bool)
        exposed = np.flatnonzero((troops > 0) & (phase != Phase.ESCALATION))
        if exposed.size:
            exposure = rules.force_exposure(land_d[exposed], sea_d[exposed], air_d[exposed],
                                            dep.exposure_land, dep.exposure_sea,
                                            dep.exposure_air, d.posture_mult)
            deterrence = rules.strike_deterrence(us_support[exposed], members_in[exposed],
                                                 rus.deterrence_us, rus.deterrence_size)
            p_strike = rules.strike_probability(
                exposure, rus.strike_propensity, deterrence,
                rules.strike_phase_factor(phase[exposed], rus.settlement_hostility),
            )
            strike[exposed] = draw(_STRIKE, exposed) < p_strike
        escalate = np.zeros(n, dtype=bool)
        struck = np.flatnonzero(strike)
        if struck.size:
            escalate[struck] = rules.strike_escalates(draw(_ESCALATE, struck),
                                                      rus.escalation_prob)

        # 4. Ukraine: credibility of the guarantee, settlement conditions.
        credibility = rules.guarantee_credibility(
            pledged, d.us_expected, ukr.credibility_scale, ukr.credibility_floor
        )
        possible = rules.settlement_possible(
            phase, weeks_in_cf, ukr.referendum_required, ukr.martial_law_lift_weeks,
            ukr.referendum_weeks,
        )

        # 5. Both sides' acceptance in a round of talks; violations, collapse, settlement.
        agreed = np.zeros(n, dtype=bool)
        table_rows = np.flatnonzero(at_war & talks)
        if table_rows.size:
            r = table_rows
            p_russia = rules.russia_acceptance(
                rus.accept_intercept, mediation, rus.mediation_weight, threat[r],
                rus.threat_weight, weary_r[r], rus.weariness_weight,
                rules.concessions(rounds_held[r], rus.concession_per_round),
                rules.stalling_penalty(momentum[r], rus.stalling), d.immediate_penalty,
            )
            p_ukraine = rules.ukraine_acceptance(
                ukr.accept_intercept, credibility[r], ukr.credibility_weight, ukr.distrust,
                weary_u[r], ukr.weariness_weight,
            )
            agreed[r] = rules.ceasefire_agreed(phase[r], talks[r], draw(_ACC_R, r), p_russia,
                                               draw(_ACC_U, r), p_ukraine)
        in_cf = phase == Phase.CEASEFIRE
        violations = np.zeros(n, dtype=np.int64)
        collapse = np.zeros(n, dtype=bool)
        settle = np.zeros(n, dtype=bool)
        cf_rows = np.flatnonzero(in_cf)
        if cf_rows.size:
            violations[cf_rows] = streams.poisson(draw(_VIOL, cf_rows),
                                                  rules.violation_rate(cf.violation_rate))
            hazard = rules.collapse_hazard(
                weeks_in_cf[cf_rows], cf.hazard_initial, cf.hazard_floor, cf.hazard_decay_weeks,
                rules.force_hazard_multiplier(troops[cf_rows], us_support[cf_rows],
                                              cf.force_deterrence, cf.us_deterrence_share,
                                              cf.force_full_troops),
                threat[cf_rows] - rus.threat_base, cf.threat_hazard, violations[cf_rows],
                cf.violation_hazard, cf.strategic_feedbacks,
            )
            collapse[cf_rows] = draw(_COLLAPSE, cf_rows) < hazard
            settle[cf_rows] = rules.settles(draw(_SETTLE, cf_rows), possible[cf_rows],
                                            cf.settle_prob)

        # 6. The model applies the decisions.
        rows = np.flatnonzero(strike)
        if rows.size:
            u_coh = streams.table(kp_coh[rows], [week], ic_coh)[:, 0, :]
            hit = in_coalition[rows]
            res = rules.resolve_after_strike(resolve[rows], u_coh, coa.strike_shock,
                                             coa.us_cushion, us_support[rows, None])
            resolve[rows] = np.where(hit, res, resolve[rows])
            leave = hit & ~rules.stays_in(resolve[rows], coa.threshold)
            gone = leave & deployed[rows]
            land_d[rows] -= (land[rows] * gone).sum(axis=1)
            sea_d[rows] -= (sea[rows] * gone).sum(axis=1)
            air_d[rows] -= (air[rows] * gone).sum(axis=1)
            members_in[rows] -= leave.sum(axis=1)
            if d.pledging:
                pledged[rows] -= (pledge[rows] * leave).sum(axis=1)
            in_coalition[rows] &= ~leave
            deployed[rows] &= ~leave
        new_phase, cause = rules.transition(phase, agreed, collapse, settle, escalate)

        if war_rows.size:
            z_mom, z_terr = streams.normal_pair(draw(_Z_MOM, war_rows), draw(_Z_TERR, war_rows))
            momentum[war_rows] = rules.momentum_update(
                momentum[war_rows], d.momentum_mean, bf.momentum_persistence, bf.momentum_sd,
                z_mom)
            territory[war_rows] = rules.territory_update(
                territory[war_rows], momentum[war_rows], bf.territory_noise, z_terr)
        weary_r = rules.weariness_update(weary_r, at_war, d.russia_growth, cf.weariness_decay)
        weary_u = rules.weariness_update(weary_u, at_war, d.ukraine_growth, cf.weariness_decay)
        rounds_held += talks & at_war

        strikes += strike
        violations_total += violations
        agreed_now = cause == Cause.CEASEFIRE_AGREED
        collapse_now = cause == Cause.COLLAPSE
        n_ceasefires += agreed_now
        n_collapses += collapse_now
        if (cause != Cause.NONE).any() or rows.size:
            _first(ev["week_first_ceasefire"], agreed_now, week)
            _first(ev["week_first_collapse"], collapse_now, week)
            _first(ev["week_settlement"], cause == Cause.SETTLEMENT, week)
            _first(ev["week_escalation"], cause == Cause.ESCALATION, week)
            _first(ev["week_first_strike"], strike, week)
            after_first = ~np.isnan(ev["week_first_ceasefire"]) & ~agreed_now
            _first(ev["week_first_failure"],
                   after_first & (collapse_now | (cause == Cause.ESCALATION)), week)

        weeks_in_cf = np.where(
            agreed_now, 0,
            np.where((new_phase == Phase.CEASEFIRE) | (new_phase == Phase.SETTLEMENT),
                     weeks_in_cf + 1, 0),
        )
        phase = new_phase
        troops_end = land_d + sea_d + air_d
        np.maximum(peak_troops, troops_end, out=peak_troops)
        _record(paths, week, phase, territory, threat, troops_end, members_in, credibility,
                strikes, violations)

    columns = _columns(ev, weeks, phase, n_ceasefires, n_collapses, strikes, violations_total,
                       peak_troops, members_in, territory, threat, us_backing)
    return BatchResult(np.asarray(replications, dtype=np.int64), keys, columns,
                       {k: v.T for k, v in paths.items()})


def _record(paths: dict[str, NDArray], week: int, phase: NDArray, territory: NDArray,
            threat: NDArray, troops: NDArray, members: NDArray, credibility: NDArray,
            strikes: NDArray, violations: NDArray) -> None:
    paths["phase"][week] = phase
    paths["territory"][week] = territory
    paths["threat"][week] = threat
    paths["troops_deployed"][week] = troops
    paths["members_remaining"][week] = members
    paths["credibility"][week] = credibility
    paths["strikes_cum"][week] = strikes
    paths["violations"][week] = violations


def _columns(ev: dict[str, NDArray], weeks: int, phase: NDArray, n_ceasefires: NDArray,
             n_collapses: NDArray, strikes: NDArray, violations: NDArray, peak: NDArray,
             members: NDArray, territory: NDArray, threat: NDArray,
             us_backing: NDArray) -> dict[str, NDArray]:
    start = ev["week_first_ceasefire"]
    failed = ~np.isnan(ev["week_first_failure"])
    end = np.where(failed, ev["week_first_failure"], float(weeks))
    return {
        "final_phase": phase.astype(np.int8),
        "week_first_ceasefire": start,
        "week_first_collapse": ev["week_first_collapse"],
        "week_settlement": ev["week_settlement"],
        "week_escalation": ev["week_escalation"],
        "week_first_strike": ev["week_first_strike"],
        "peace_duration": end - start,
        "peace_failed": failed,
        "n_ceasefires": n_ceasefires,
        "n_collapses": n_collapses,
        "n_strikes": strikes,
        "n_violations": violations,
        "peak_troops_deployed": peak,
        "members_remaining": members.astype(np.int64),
        "final_territory": territory,
        "final_threat": np.asarray(threat, dtype=np.float64) * np.ones(len(phase)),
        "us_backing": np.asarray(us_backing, dtype=bool),
    }
