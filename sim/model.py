"""``CeasefireModel``: the article's actors as a Mesa model with a weekly step.

Source: one news article (``seeds/article.txt``) on Putin's rejection of a post-ceasefire Western
"reassurance force". The phases, actors and rules are described in ``docs/ODD.md``; each rule lives
in :mod:`sim.rules` with its quotes and their roles.

One step is one week, in the same named sub-steps as the batched engine (:mod:`sim.batched`): the
coalition members deploy, the actors decide from the state at the start of the week (talks, a
strike, a ceasefire, terms, a vote, renewed war), then the model applies every decision at once
(cohesion, phase transitions, the force's withdrawal, the battlefield, weariness) and records the
week.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
from mesa.agentset import AgentSet

from sim import rules, streams
from sim.agents import CoalitionMember, Russia, Ukraine, UnitedStates
from sim.batched import EVENTS, TALLIES, WEEKLY_DRAWS
from sim.config import Config, field_of, from_flat
from sim.derived import N_SLOTS, PHASE_TO_OUTCOME, Derived
from sim.rules import Cause, Phase

_SLOTS = np.arange(N_SLOTS)
MAX_SEED = int(field_of("sim.seed").metadata["hi"]) + 1
_WEEKLY = WEEKLY_DRAWS  # the same (process, index) columns as the batched engine
_COLUMNS = streams.columns(*zip(*_WEEKLY, strict=True))
(_TALK, _VENUE, _ACC_R, _ACC_U, _VIOL, _Z_MOM, _Z_TERR) = (
    _WEEKLY.index(c) for c in ((streams.TALKS, 0), (streams.TALKS, 1), (streams.ACCEPTANCE, 0),
                               (streams.ACCEPTANCE, 1), (streams.VIOLATIONS, 0),
                               (streams.BATTLEFIELD, 0), (streams.BATTLEFIELD, 1)))


def phase_of(model: CeasefireModel) -> int:
    """Reporter: the phase code (0 war, 1 ceasefire, 2 settlement, 3 escalation)."""
    return model.phase


def territory_of(model: CeasefireModel) -> float:
    """Reporter: Russian-held share of Ukraine."""
    return model.in_claim + model.outside


def claim_gap_of(model: CeasefireModel) -> float:
    """Reporter: the part of Russia's claim it does not hold."""
    return model.claim_gap()


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
    return model.tallies["n_strikes"]


def violations_of(model: CeasefireModel) -> int:
    """Reporter: ceasefire violations this week."""
    return model.violations


def martial_law_of(model: CeasefireModel) -> bool:
    """Reporter: whether martial law is in force."""
    return bool(rules.martial_law_in_force(model.phase, model.weeks_in_cf,
                                           model.cfg.ukraine.martial_law_lift_weeks))


REPORTERS = {
    "phase": phase_of, "territory": territory_of, "claim_gap": claim_gap_of, "threat": threat_of,
    "troops_deployed": troops_of, "members_remaining": members_of,
    "credibility": credibility_of, "strikes_cum": strikes_of, "violations": violations_of,
    "martial_law": martial_law_of,
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
        if not hasattr(self, "_series"):
            self._series = [(self.model_vars[var], reporter)
                            for var, reporter in self.model_reporters.items()]
        for series, reporter in self._series:
            series.append(reporter(model))
        if self.agent_reporters:
            self._agent_records[model.time] = list(self._record_agents(model))


class OutcomeField:
    """Model reporter of one field of the replication's outcome record (as it stands this week;
    at the last week it is the record the batched engine and the CLI write)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, model: CeasefireModel) -> Any:
        return model.record_now[self.name]


def outcome_of(model: CeasefireModel) -> str:
    """Reporter: the outcome class of the replication so far (as in ``records.csv``)."""
    return PHASE_TO_OUTCOME[Phase(model.phase)]


def member_resolve(agent: mesa.Agent) -> float | None:
    """Agent reporter: a coalition member's resolve now (None for the other actors)."""
    return agent.current_resolve if isinstance(agent, CoalitionMember) else None


def member_deployed(agent: mesa.Agent) -> bool | None:
    """Agent reporter: whether a coalition member's troops are in Ukraine."""
    return agent.deployed if isinstance(agent, CoalitionMember) else None


def member_troops(agent: mesa.Agent) -> float | None:
    """Agent reporter: a coalition member's troops deployed."""
    if not isinstance(agent, CoalitionMember):
        return None
    return agent.pledge if agent.deployed else 0.0


def member_in_coalition(agent: mesa.Agent) -> bool | None:
    """Agent reporter: whether a member is still in the coalition."""
    return agent.in_coalition if isinstance(agent, CoalitionMember) else None


MEMBER_REPORTERS = {"resolve": member_resolve, "deployed": member_deployed,
                    "troops": member_troops, "in_coalition": member_in_coalition}


class CeasefireModel(mesa.Model):
    """One replication of the ceasefire and security-guarantee model.

    Replication ``r`` under seed ``s`` draws exactly the numbers replication ``r`` of a CLI run
    with ``sim.seed=s`` draws, so ``mesa.batch_run(CeasefireModel, parameters={"replication":
    range(1000), ...}, rng=[s], iterations=1)`` reproduces the CLI's records (README, "Mesa").

    Args:
        weeks: Horizon; the model stops running after this many steps.
        replication: Replication index; with the seed it fixes every random number.
        rng: Base seed (an int) of the common random numbers; ``None`` (Mesa's convention) draws a
            fresh seed from the operating system's entropy, kept in :attr:`seed`.
        config: A validated :class:`~sim.config.Config` (overrides the keyword parameters).
        collect_outcomes: Also report every field of the outcome record each week (model
            reporters named as the record's columns, e.g. ``outcome``, ``peace_duration``).
        collect_members: Also report each coalition member's ``resolve``, ``deployed``,
            ``troops`` and ``in_coalition`` each week (agent reporters; for
            ``get_agent_vars_dataframe``). Both are off by default, which keeps the Mesa engine
            at its speed.
        **params: Flat model parameters ``group_field``, e.g. ``deployment_timing="never"``,
            ``us_role="none"``, ``coalition_members=12`` (see :func:`sim.config.flat_model_params`).
    """

    def __init__(self, weeks: int = 104, replication: int = 0, rng: int | None = None,
                 config: Config | None = None, collect_outcomes: bool = False,
                 collect_members: bool = False, **params: Any) -> None:
        if rng is None:  # fresh entropy, as in Mesa; the seed drawn is recorded
            rng = int(np.random.SeedSequence().entropy % MAX_SEED)
        seed = int(rng)
        super().__init__(rng=seed)
        self.seed = seed
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
        self.weeks_in_cf = 0
        self._set_territory(*self.derived.initial_claim_state(self.cfg))
        self.momentum = self.derived.momentum_mean
        self.momentum_at_start = 0.0
        self.vote_week = -1
        self.cooldown_until = 0
        self.failed_vote = False
        self.violations = 0
        self.referendum_passed = False
        self.escalation_from = -1
        self.peak_troops = 0.0
        self.tallies = dict.fromkeys(TALLIES, 0)
        self.events: dict[str, float] = dict.fromkeys(EVENTS, np.nan)
        self.transitions: list[dict[str, Any]] = []
        if self.cfg.sim.start_in_ceasefire:  # a controlled spell: a ceasefire agreed at week 0
            self.phase = int(Phase.CEASEFIRE)
            self.momentum_at_start = self.momentum
            self.tallies["n_ceasefires"] = 1
            self.events["week_first_ceasefire"] = 0.0

        self.us = UnitedStates(self)
        self.russia = Russia(self)
        self.ukraine = Ukraine(self)
        self._add_members()
        self.russia.perceive(0.0)
        self.ukraine.assess(self.pledged())
        reporters = dict(REPORTERS)
        self.collect_outcomes = collect_outcomes
        if collect_outcomes:
            self.record_now = self.record()
            reporters.update({name: OutcomeField(name) for name in self.record_now})
            reporters["outcome"] = outcome_of
        self.datacollector = WeeklyCollector(
            model_reporters=reporters,
            agent_reporters=MEMBER_REPORTERS if collect_members else None)
        self.datacollector.collect(self)

    # --- set-up ---------------------------------------------------------------------------------

    def _pregenerate(self) -> list[list[float]]:
        """This replication's weekly uniforms (week × column): the same numbers the batched
        engine draws week by week, computed here in one vectorised call. The battlefield columns
        are turned into standard normals here, on contiguous arrays as in the batched engine."""
        pc, ic = _COLUMNS
        u = streams.table(streams.keyed(self.key, pc), np.arange(self.weeks + 1), ic)[0]
        z_mom, z_terr = streams.normal_pair(np.ascontiguousarray(u[:, _Z_MOM]),
                                            np.ascontiguousarray(u[:, _Z_TERR]))
        u[:, _Z_MOM], u[:, _Z_TERR] = z_mom, z_terr
        return u.tolist()

    def draw(self, process: int, week: int, index: int) -> float:
        """The uniform of ``process`` at ``week`` and ``index``."""
        if process == streams.COHESION:  # drawn only in weeks with a strike
            return self.cohesion_draws(week)[index]
        if process == streams.US_FORM:
            return float(streams.uniforms(self.key, process, [week], [index])[0, 0, 0])
        return self._draws[week][_WEEKLY.index((process, index))]

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
            dep.troops_total, dep.lead_share, dep.germany_share, dep.pledge_spread)
        land, sea, air = rules.domain_split(pledge, dep.land_share, dep.sea_share)
        resolve = rules.initial_resolve(
            streams.uniforms(self.key, streams.RESOLVE, [0], _SLOTS)[0, 0],
            coa.uk_resolve, coa.france_resolve, coa.resolve_low, coa.resolve_high)
        for slot in range(self.derived.members):
            CoalitionMember(self, slot, float(pledge[slot]), float(land[slot]), float(sea[slot]),
                            float(air[slot]), float(resolve[slot]))
        self.members = self.agents_by_type.get(CoalitionMember, AgentSet([], random=self.random))
        # Members still in the coalition, in slot order.
        self._roster = [a for a in self.members if a.in_coalition]
        self._members_in = len(self._roster)
        self._pledged = sum(a.pledge for a in self._roster) if self.derived.pledging else 0.0
        self._deployed = [0.0, 0.0, 0.0]
        self._flags = 0
        self._next_leave = rules.NEVER

    # --- aggregates over the member agents ------------------------------------------------------
    # Totals are kept up to date by the members themselves (on_deploy / on_withdraw) rather than
    # summed over the AgentSet every week; all troop numbers are whole, so the totals are exact.

    def on_deploy(self, member: CoalitionMember) -> None:
        """A member has deployed its troops."""
        self._next_leave = min(self._next_leave, member.leave_week)
        self._flags += 1
        self._deployed[0] += member.land
        self._deployed[1] += member.sea
        self._deployed[2] += member.air

    def on_withdraw(self, member: CoalitionMember) -> None:
        """A member leaves the coalition (and takes its troops home)."""
        self._members_in -= 1
        self._roster.remove(member)
        if self.derived.pledging:
            self._pledged -= member.pledge
        if member.deployed:
            self._flags -= 1
            self._deployed[0] -= member.land
            self._deployed[1] -= member.sea
            self._deployed[2] -= member.air

    def withdraw_force(self) -> None:
        """The whole force goes home; the members stay in the coalition."""
        for member in self._roster:
            if member.deployed:
                member.stand_down()
        self._deployed = [0.0, 0.0, 0.0]
        self._flags = 0
        self._next_leave = rules.NEVER

    def _update_next_leave(self) -> None:
        self._next_leave = min((m.leave_week for m in self._roster if m.deployed),
                               default=rules.NEVER)

    def members_in(self) -> int:
        """Members still in the coalition."""
        return self._members_in

    def pledged(self) -> float:
        """Troops pledged by members still in (none when no force is planned)."""
        return self._pledged

    def troops_deployed(self) -> float:
        """Troops deployed."""
        land, sea, air = self._deployed
        return land + sea + air

    def claim_gap(self) -> float:
        """The part of Russia's claim it does not hold."""
        return self._gap

    def _set_territory(self, inside: float, outside: float) -> None:
        self.in_claim, self.outside = float(inside), float(outside)
        self._gap = float(rules.claim_gap(self.in_claim, self.cfg.battlefield.claim))

    # --- the weekly step ------------------------------------------------------------------------

    def step(self) -> None:
        """One week: members deploy, actors decide, the model applies, data is collected."""
        self.week += 1
        self._deploy()
        self._decide()
        self._apply()
        if self.collect_outcomes:
            self.record_now = self.record()
        self.datacollector.collect(self)
        if self.week >= self.weeks:
            self.running = False

    def _deploy(self) -> None:
        cfg, dep, coa = self.cfg, self.cfg.deployment, self.cfg.coalition
        due = bool(rules.deployment_due(self.derived.timing, self.phase, self.weeks_in_cf,
                                        dep.hold_weeks, coa.respect_russian_veto,
                                        cfg.terms.force_stays))
        if due and self._flags < self._members_in:
            germany = bool(rules.germany_ready(coa.germany_condition, self.phase,
                                               self.weeks_in_cf, coa.germany_hold_weeks))
            self.members.do("decide_deployment", germany)

    def _decide(self) -> None:
        week, ukr, phase = self.week, self.cfg.ukraine, self.phase
        d, russia, ukraine = self.derived, self.russia, self.ukraine
        offer = bool(rules.terms_on_offer(phase, self.weeks_in_cf, self.vote_week >= 0,
                                          week >= self.cooldown_until, ukr.referendum_required,
                                          ukr.martial_law_lift_weeks))
        talks = False
        if phase == Phase.WAR or offer:
            u = self._draws[week]
            talks = bool(u[_TALK] < d.talk_prob[week]) and bool(
                rules.round_not_lost_to_venue(u[_VENUE], self.cfg.talks.moscow_share))
        self.us.decide()
        land, sea, air = self._deployed
        troops = land + sea + air
        russia.perceive(troops)
        ukraine.assess(self._pledged)
        russia.strike = russia.escalate = False
        if troops > 0 and phase != Phase.ESCALATION:
            russia.decide_strike(land, sea, air, self._flags, self.us.strength)
        self.agreed = False
        if phase == Phase.WAR and talks:
            u = self._draws[week]
            self.agreed = bool(rules.ceasefire_agreed(
                True, u[_ACC_R], russia.ceasefire_acceptance(self.us.mediation), u[_ACC_U],
                ukraine.ceasefire_acceptance()))
        russia.terms_accepted = False
        if offer and talks:
            russia.decide_terms(self.us.mediation, ukraine.pass_probability())
        self.vote_held = phase == Phase.CEASEFIRE and self.vote_week == week
        self.settle = self.vote_failed = False
        if self.vote_held:
            self.settle = ukraine.vote()
            self.vote_failed = not self.settle
        if not ukr.referendum_required:
            self.settle = self.settle or russia.terms_accepted
        self.violations = 0
        russia.renews_war = False
        if phase in (Phase.CEASEFIRE, Phase.SETTLEMENT):
            if phase == Phase.CEASEFIRE:
                self.violations = int(streams.poisson_from_table(
                    self._draws[week][_VIOL], d.poisson_table))
            russia.decide_renewal(troops, air, self._flags, self.us.strength, self.violations)

    def _apply(self) -> None:
        week, cfg, old = self.week, self.cfg, self.phase
        ukr, bf, d, russia = cfg.ukraine, cfg.battlefield, self.derived, self.russia
        strike = russia.strike
        if strike:  # every member still in absorbs the shock
            u = self.cohesion_draws(week)
            for member in list(self._roster):
                member.absorb_strike(u[member.slot], self.us.strength)
            self._update_next_leave()
        if self._next_leave == week:  # erosion takes deployed members below their threshold
            for member in list(self._roster):
                if member.deployed and member.leave_week == week:
                    member.erode_out()
            self._update_next_leave()
        new, cause = old, int(Cause.NONE)
        if self.agreed or russia.renews_war or strike or self.settle or russia.escalate:
            n, c = rules.transition(old, self.agreed, russia.renews_war, strike, self.settle,
                                    russia.escalate)
            new, cause = int(n), int(c)

        if russia.terms_accepted and ukr.referendum_required:
            self.vote_week = week + ukr.referendum_weeks
        if self.vote_held:
            self.vote_week = -1
        if self.vote_failed:
            self.cooldown_until = week + ukr.referendum_cooldown_weeks
            self.failed_vote = self.failed_vote or new == Phase.CEASEFIRE
        if rules.force_withdraws(new, old, cfg.force.withdraw_on_collapse):
            self.withdraw_force()
        if cause == Cause.SETTLEMENT:
            self.failed_vote = False  # the vote that counted passed
            if d.recognise_claim:
                self._set_territory(bf.claim, 0.0)
            if not cfg.terms.force_stays:
                self.withdraw_force()
        if (new == Phase.WAR and old != Phase.WAR) or cause == Cause.CEASEFIRE_AGREED:
            self.vote_week, self.cooldown_until, self.failed_vote = -1, 0, False
        if cause == Cause.CEASEFIRE_AGREED:
            self.momentum_at_start = self.momentum

        at_war = old == Phase.WAR
        if at_war:
            z = self._draws[week]  # the battlefield columns hold standard normals
            self.momentum = float(rules.momentum_update(
                self.momentum, d.momentum_mean, bf.momentum_persistence, bf.momentum_sd,
                z[_Z_MOM]))
            self._set_territory(*rules.territory_update(
                self.in_claim, self.outside, self.momentum, bf.claim, bf.slowdown_gap,
                bf.gains_in_claim, bf.territory_noise, z[_Z_TERR]))
        russia.adapt(at_war)
        self.ukraine.adapt(at_war)
        if cause == Cause.CEASEFIRE_AGREED:
            self.weeks_in_cf = 0
        elif new in (Phase.CEASEFIRE, Phase.SETTLEMENT):
            self.weeks_in_cf += 1
        else:
            self.weeks_in_cf = 0
        self._tally(old, new, cause, strike)
        self.phase = new
        self.peak_troops = max(self.peak_troops, self.troops_deployed())

    def _tally(self, old: int, new: int, cause: int, strike: bool) -> None:
        t, ev, week = self.tallies, self.events, self.week
        agreed = cause == Cause.CEASEFIRE_AGREED
        from_cf = old == Phase.CEASEFIRE
        to_war = new == Phase.WAR
        escalated = cause == Cause.ESCALATION
        collapse = from_cf and to_war
        breakdown = old == Phase.SETTLEMENT and to_war
        t["n_ceasefires"] += agreed
        t["n_collapses"] += collapse
        t["n_breakdowns"] += breakdown
        t["n_strikes"] += strike
        t["n_violations"] += self.violations
        t["n_referendums"] += self.vote_held
        t["ceasefire_weeks"] += from_cf
        t["ceasefire_failures"] += from_cf and (to_war or escalated)
        self.referendum_passed |= self.vote_held and cause == Cause.SETTLEMENT
        if escalated:
            self.escalation_from = old
        for name, happened in (("week_first_ceasefire", agreed),
                               ("week_first_collapse", collapse),
                               ("week_settlement", cause == Cause.SETTLEMENT),
                               ("week_escalation", escalated), ("week_first_strike", strike)):
            if happened and np.isnan(ev[name]):
                ev[name] = float(week)
        if (not np.isnan(ev["week_first_ceasefire"]) and not agreed
                and (collapse or breakdown or escalated) and np.isnan(ev["week_first_failure"])):
            ev["week_first_failure"] = float(week)
        if cause != Cause.NONE:
            self.transitions.append({
                "week": week, "from": Phase(old).name.lower(), "to": Phase(new).name.lower(),
                "cause": Cause(cause).name.lower(),
            })

    # --- results --------------------------------------------------------------------------------

    def record(self) -> dict[str, Any]:
        """This replication's outcome record (same fields as the batched engine's columns)."""
        ev = self.events
        start = ev["week_first_ceasefire"]
        failed = not np.isnan(ev["week_first_failure"])
        end = ev["week_first_failure"] if failed else float(self.weeks)
        return {
            "final_phase": self.phase,
            "week_first_ceasefire": start,
            "week_first_collapse": ev["week_first_collapse"],
            "week_settlement": ev["week_settlement"],
            "week_escalation": ev["week_escalation"],
            "week_first_strike": ev["week_first_strike"],
            "peace_duration": end - start,
            "peace_failed": failed,
            **self.tallies,
            "referendum_passed": self.referendum_passed,
            "escalation_from": self.escalation_from,
            "peak_troops_deployed": self.peak_troops,
            "members_remaining": self.members_in(),
            "final_territory": self.in_claim + self.outside,
            "final_claim_gap": self.claim_gap(),
            "final_threat": float(self.russia.threat),
            "us_form": self.us.form,
        }

    def paths(self) -> dict[str, list]:
        """Weekly values of every reporter, week 0 to the current week."""
        return self.datacollector.model_vars
