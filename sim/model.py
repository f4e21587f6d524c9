"""``CeasefireModel``: the article's actors as a Mesa model with a weekly step.

Source: one news article (``seeds/article.txt``) on Putin's rejection of a post-ceasefire Western
"reassurance force". The phases, actors and rules follow ``DESIGN.md`` §2; each rule lives in
:mod:`sim.rules` with its quote IDs.

One step is one week: the coalition members decide whether to deploy, the actors decide from the
state at the start of the week, then the model applies every decision at once (strikes and
cohesion, phase transitions, battlefield, weariness) and records the week.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
from mesa.agentset import AgentSet

from sim import rules, streams
from sim.agents import CoalitionMember, Russia, Ukraine, UnitedStates
from sim.config import Config, from_flat
from sim.derived import N_SLOTS, Derived
from sim.rules import Cause, Phase

_SLOTS = np.arange(N_SLOTS)
_PROCESS_WIDTHS = (  # (process, number of indices) drawn each week
    (streams.TALKS, 2), (streams.ACCEPTANCE, 2), (streams.CEASEFIRE, 2), (streams.STRIKES, 2),
    (streams.US_BACKING, 1), (streams.BATTLEFIELD, 2),
    (streams.VIOLATIONS, 1),
)
_COLUMNS = streams.columns(*zip(*[(p, i) for p, n in _PROCESS_WIDTHS for i in range(n)],
                                strict=True))


def phase_of(model: CeasefireModel) -> int:
    """Reporter: the phase code (0 war, 1 ceasefire, 2 settlement, 3 escalation)."""
    return model.phase


def territory_of(model: CeasefireModel) -> float:
    """Reporter: Russian-held share of Ukraine."""
    return model.territory


def threat_of(model: CeasefireModel) -> float:
    """Reporter: Russia's threat perception."""
    return model.russia.threat


def troops_of(model: CeasefireModel) -> float:
    """Reporter: troops deployed at the end of the week."""
    return model.troops_deployed()


def members_of(model: CeasefireModel) -> int:
    """Reporter: coalition members still in."""
    return model.members_in()


def credibility_of(model: CeasefireModel) -> float:
    """Reporter: guarantee credibility as Ukraine sees it."""
    return model.ukraine.credibility


def strikes_of(model: CeasefireModel) -> int:
    """Reporter: cumulative strikes on the force."""
    return model.strikes


def violations_of(model: CeasefireModel) -> int:
    """Reporter: ceasefire violations this week."""
    return model.violations


REPORTERS = {
    "phase": phase_of, "territory": territory_of, "threat": threat_of,
    "troops_deployed": troops_of, "members_remaining": members_of,
    "credibility": credibility_of, "strikes_cum": strikes_of, "violations": violations_of,
}


class WeeklyCollector(mesa.DataCollector):
    """A DataCollector for scalar model reporters.

    Mesa's ``collect`` deep-copies every reported value to guard against later mutation; the
    values here are plain numbers, which cannot change, and the copies cost more than the
    model's own weekly step. Only model reporters given as functions are supported.
    """

    def collect(self, model: mesa.Model) -> None:
        """Append this week's value of every model reporter."""
        if hasattr(self, "_collection_steps"):
            self._collection_steps.append(model.time)
        for var, reporter in self.model_reporters.items():
            self.model_vars[var].append(reporter(model))


class CeasefireModel(mesa.Model):
    """One replication of the ceasefire and security-guarantee model.

    Args:
        weeks: Horizon; the model stops running after this many steps.
        replication: Replication index; with the seed it fixes every random number.
        rng: Base seed (an int) of the common random numbers.
        config: A validated :class:`~sim.config.Config` (overrides the keyword parameters).
        **params: Flat model parameters ``group_field``, e.g. ``deployment_timing="never"``,
            ``us_role="none"``, ``coalition_members=12`` (see :func:`sim.config.flat_model_params`).
    """

    def __init__(self, weeks: int = 104, replication: int = 0, rng: int | None = 0,
                 config: Config | None = None, **params: Any) -> None:
        seed = 0 if rng is None else int(rng)
        super().__init__(rng=seed)
        self.cfg = config if config is not None else from_flat(weeks=weeks, **params)
        self.cfg.sim.seed = seed
        self.derived = Derived.from_config(self.cfg)
        self.weeks = self.derived.weeks
        self.replication = replication
        self.key = streams.replication_keys(seed, [replication])
        self._draws = self._pregenerate()
        self._cohesion: dict[int, list[float]] = {}

        self.week = 0
        self.phase = int(Phase.WAR)
        self.weeks_in_ceasefire = 0
        self.territory = self.cfg.battlefield.initial_territory
        self.momentum = self.derived.momentum_mean
        self.strikes = 0
        self.violations = 0
        self.violations_total = 0
        self.n_ceasefires = 0
        self.n_collapses = 0
        self.peak_troops = 0.0
        self.transitions: list[dict[str, Any]] = []
        self.first_strike_week: int | None = None
        self.first_failure_week: int | None = None

        self.us = UnitedStates(self)
        self.russia = Russia(self)
        self.ukraine = Ukraine(self)
        self._add_members()

        pledged = self.pledged()
        self.russia.perceive(pledged, 0.0)
        self.ukraine.assess(pledged)
        self.datacollector = WeeklyCollector(model_reporters=REPORTERS)
        self.datacollector.collect(self)

    # --- set-up ---------------------------------------------------------------------------------

    def _pregenerate(self) -> dict[int, list]:
        """This replication's draws for every process and week: the same numbers the batched
        engine draws week by week, computed here in one vectorised call."""
        pc, ic = _COLUMNS
        u = streams.table(streams.keyed(self.key, pc), np.arange(self.weeks + 1), ic)[0]
        draws, start = {}, 0
        for process, width in _PROCESS_WIDTHS:
            block = u[:, start:start + width]
            start += width
            if process == streams.BATTLEFIELD:
                z_mom, z_terr = streams.normal_pair(np.ascontiguousarray(block[:, 0]),
                                                    np.ascontiguousarray(block[:, 1]))
                block = np.stack([z_mom, z_terr], axis=-1)
            elif process == streams.VIOLATIONS:
                block = streams.poisson(block, rules.violation_rate(
                    self.cfg.ceasefire.violation_rate))
            draws[process] = block.tolist()
        return draws

    def draw(self, process: int, week: int, index: int) -> float:
        """The uniform (or pre-transformed number) of ``process`` at ``week`` and ``index``."""
        if process == streams.COHESION:  # drawn only in weeks with a strike
            return self.cohesion_draws(week)[index]
        return self._draws[process][week][index]

    def cohesion_draws(self, week: int) -> list[float]:
        """The members' cohesion uniforms of ``week`` (all slots), computed once when needed."""
        if week not in self._cohesion:
            self._cohesion[week] = streams.uniforms(self.key, streams.COHESION, [week],
                                                    _SLOTS)[0, 0].tolist()
        return self._cohesion[week]

    def _add_members(self) -> None:
        dep, coa = self.cfg.deployment, self.cfg.coalition
        pledge = rules.member_pledges(
            streams.uniforms(self.key, streams.PLEDGES, [0], _SLOTS)[0, 0],
            dep.troops_total, dep.lead_share, dep.pledge_spread)
        land, sea, air = rules.domain_split(pledge, dep.land_share, dep.sea_share)
        resolve = rules.initial_resolve(
            streams.uniforms(self.key, streams.RESOLVE, [0], _SLOTS)[0, 0],
            coa.uk_resolve, coa.france_resolve, coa.resolve_low, coa.resolve_high)
        for slot in range(self.derived.members):
            CoalitionMember(self, slot, float(pledge[slot]), float(land[slot]), float(sea[slot]),
                            float(air[slot]), float(resolve[slot]))
        self.members = self.agents_by_type.get(CoalitionMember, AgentSet([], random=self.random))
        self._init_totals()

    # --- aggregates over the member agents ------------------------------------------------------
    # Totals are kept up to date by the members themselves (on_deploy / on_withdraw) rather than
    # summed over the AgentSet every week; all troop numbers are whole, so the totals are exact.

    def _init_totals(self) -> None:
        self._members_in = len(self.members)
        self._pledged = sum(a.pledge for a in self.members) if self.derived.pledging else 0.0
        self._deployed = [0.0, 0.0, 0.0]
        self._undeployed = len(self.members)  # members in the coalition not yet deployed

    def on_deploy(self, member: CoalitionMember) -> None:
        """A member has deployed its troops."""
        self._undeployed -= 1
        self._deployed[0] += member.land
        self._deployed[1] += member.sea
        self._deployed[2] += member.air

    def on_withdraw(self, member: CoalitionMember) -> None:
        """A member leaves the coalition (and takes its troops home)."""
        self._members_in -= 1
        if not member.deployed:
            self._undeployed -= 1
        if self.derived.pledging:
            self._pledged -= member.pledge
        if member.deployed:
            self._deployed[0] -= member.land
            self._deployed[1] -= member.sea
            self._deployed[2] -= member.air

    def members_in(self) -> int:
        """Members still in the coalition."""
        return self._members_in

    def pledged(self) -> float:
        """Troops pledged by members still in (none when no force is planned)."""
        return self._pledged

    def deployed_by_domain(self) -> tuple[float, float, float]:
        """Land, sea and air troops deployed."""
        land, sea, air = self._deployed
        return land, sea, air

    def troops_deployed(self) -> float:
        """Troops deployed."""
        land, sea, air = self._deployed
        return land + sea + air

    # --- the weekly step ------------------------------------------------------------------------

    def step(self) -> None:
        """One week: members deploy, actors decide, the model applies, data is collected."""
        self.week += 1
        week, cfg, phase = self.week, self.cfg, self.phase
        dep, coa = cfg.deployment, cfg.coalition

        due = bool(rules.deployment_due(self.derived.timing, phase, self.weeks_in_ceasefire,
                                        dep.hold_weeks, coa.respect_russian_veto))
        germany = bool(rules.germany_ready(coa.germany_condition, phase, self.weeks_in_ceasefire,
                                           coa.germany_hold_weeks))
        if due and self._undeployed:
            self.members.do("decide_deployment", due, germany)

        pledged = self.pledged()
        land, sea, air = self.deployed_by_domain()
        troops = land + sea + air
        talks = self._round_of_talks()
        self.us.decide()
        self.russia.perceive(pledged, troops)
        self.russia.decide(troops, land, sea, air, self.members_in(), self.us.mediation,
                           self.us.support, talks)
        self.ukraine.assess(pledged)
        self.ukraine.decide(talks)
        self._apply(troops, talks)
        self.datacollector.collect(self)
        if week >= self.weeks:
            self.running = False

    def _round_of_talks(self) -> bool:
        """Whether a round of talks is held this week (proposed, and not lost to the venue)."""
        u_talk = self._draws[streams.TALKS][self.week]
        return bool(u_talk[0] < self.derived.talk_prob[self.week]) and bool(
            rules.round_not_lost_to_venue(u_talk[1], self.cfg.talks.moscow_share))

    def _apply(self, troops: float, talks: bool) -> None:
        week, cfg, phase = self.week, self.cfg, self.phase
        cf, russia = cfg.ceasefire, self.russia

        agreed = collapse = settle = False
        self.violations = 0
        if talks and phase == Phase.WAR:
            u_acc = self._draws[streams.ACCEPTANCE][week]
            agreed = bool(rules.ceasefire_agreed(phase, talks, u_acc[0], russia.p_accept,
                                                 u_acc[1], self.ukraine.p_accept))
        elif phase == Phase.CEASEFIRE:
            self.violations = self._draws[streams.VIOLATIONS][week][0]
            hazard = rules.collapse_hazard(
                self.weeks_in_ceasefire, cf.hazard_initial, cf.hazard_floor,
                cf.hazard_decay_weeks,
                rules.force_hazard_multiplier(troops, self.us.support, cf.force_deterrence,
                                              cf.us_deterrence_share, cf.force_full_troops),
                russia.threat - cfg.russia.threat_base, cf.threat_hazard, self.violations,
                cf.violation_hazard, cf.strategic_feedbacks,
            )
            u_cf = self._draws[streams.CEASEFIRE][week]
            collapse = bool(u_cf[0] < hazard)
            settle = bool(rules.settles(u_cf[1], self.ukraine.settlement_possible,
                                        cf.settle_prob))

        if russia.strike:
            self.members.do("absorb_strike", self.us.support)
        new_phase, cause = phase, int(Cause.NONE)
        if agreed or collapse or settle or russia.escalate:
            new, why = rules.transition(phase, agreed, collapse, settle, russia.escalate)
            new_phase, cause = int(new), int(why)

        at_war = phase == Phase.WAR
        if at_war:
            z = self._draws[streams.BATTLEFIELD][week]
            bf = cfg.battlefield
            self.momentum = float(rules.momentum_update(
                self.momentum, self.derived.momentum_mean, bf.momentum_persistence,
                bf.momentum_sd, z[0]))
            self.territory = float(rules.territory_update(self.territory, self.momentum,
                                                          bf.territory_noise, z[1]))
        russia.adapt(at_war, talks)
        self.ukraine.adapt(at_war)

        self.strikes += russia.strike
        if russia.strike and self.first_strike_week is None:
            self.first_strike_week = week
        self.violations_total += self.violations
        if cause != Cause.NONE:
            self._log(phase, new_phase, cause)
        if self.n_ceasefires and cause in (Cause.COLLAPSE, Cause.ESCALATION) \
                and self.first_failure_week is None:
            self.first_failure_week = week
        self.n_ceasefires += cause == Cause.CEASEFIRE_AGREED
        self.n_collapses += cause == Cause.COLLAPSE
        if cause == Cause.CEASEFIRE_AGREED:
            self.weeks_in_ceasefire = 0
        elif new_phase in (Phase.CEASEFIRE, Phase.SETTLEMENT):
            self.weeks_in_ceasefire += 1
        else:
            self.weeks_in_ceasefire = 0
        self.phase = new_phase
        self.peak_troops = max(self.peak_troops, self.troops_deployed())

    def _log(self, old: int, new: int, cause: int) -> None:
        self.transitions.append({
            "week": self.week, "from": Phase(old).name.lower(), "to": Phase(new).name.lower(),
            "cause": Cause(cause).name.lower(),
        })

    # --- results --------------------------------------------------------------------------------

    def first_week(self, cause: Cause) -> float:
        """Week of the first transition with ``cause`` (NaN if none)."""
        name = cause.name.lower()
        return next((float(t["week"]) for t in self.transitions if t["cause"] == name), np.nan)

    def record(self) -> dict[str, Any]:
        """This replication's outcome record (same fields as the batched engine's columns)."""
        start = self.first_week(Cause.CEASEFIRE_AGREED)
        failed = self.first_failure_week is not None
        end = float(self.first_failure_week) if failed else float(self.weeks)
        return {
            "final_phase": self.phase,
            "week_first_ceasefire": start,
            "week_first_collapse": self.first_week(Cause.COLLAPSE),
            "week_settlement": self.first_week(Cause.SETTLEMENT),
            "week_escalation": self.first_week(Cause.ESCALATION),
            "week_first_strike": (np.nan if self.first_strike_week is None
                                  else float(self.first_strike_week)),
            "peace_duration": end - start,
            "peace_failed": failed,
            "n_ceasefires": self.n_ceasefires,
            "n_collapses": self.n_collapses,
            "n_strikes": self.strikes,
            "n_violations": self.violations_total,
            "peak_troops_deployed": self.peak_troops,
            "members_remaining": self.members_in(),
            "final_territory": self.territory,
            "final_threat": float(self.russia.threat),
            "us_backing": self.us.backing,
        }

    def paths(self) -> dict[str, list]:
        """Weekly values of every reporter, week 0 to the current week."""
        return self.datacollector.model_vars
