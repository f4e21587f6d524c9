"""The Mesa engine: agents, legal transitions, records, determinism and mesa.batch_run."""

from __future__ import annotations

import itertools

import mesa
import numpy as np
import pytest

from sim.agents import CoalitionMember, Russia, Ukraine, UnitedStates
from sim.config import Config
from sim.model import CeasefireModel
from sim.rules import LEGAL_TRANSITIONS, Phase


def run_model(**kwargs) -> CeasefireModel:
    model = CeasefireModel(**kwargs)
    while model.running:
        model.step()
    return model


def test_actors_are_agents_and_the_coalition_emerges_from_members():
    model = CeasefireModel(rng=1)
    assert len(model.agents_by_type[Russia]) == len(model.agents_by_type[Ukraine]) == 1
    assert len(model.agents_by_type[UnitedStates]) == 1
    members = model.agents_by_type[CoalitionMember]
    assert len(members) == 26
    assert [m.name for m in sorted(members, key=lambda m: m.slot)[:3]] == [
        "United Kingdom", "France", "Germany"]
    assert model.pledged() == sum(m.pledge for m in members)
    assert model.members_in() == 26


def test_model_runs_its_horizon_and_records_every_week():
    model = run_model(weeks=40, rng=3)
    assert model.week == 40 and not model.running
    df = model.datacollector.get_model_vars_dataframe()
    assert len(df) == 41
    assert set(df.columns) >= {"phase", "territory", "threat", "troops_deployed",
                               "members_remaining", "strikes_cum"}


@pytest.mark.parametrize("timing", ["never", "commit_now", "immediate", "after_ceasefire_holds",
                                    "after_settlement"])
def test_only_legal_transitions_each_with_week_and_cause(timing):
    for rep in range(40):
        model = run_model(weeks=104, rng=11, replication=rep, deployment_timing=timing,
                          russia_strike_propensity=0.2, ukraine_referendum_required=False)
        phases = model.paths()["phase"]
        for a, b in itertools.pairwise(phases):
            assert a == b or (Phase(a), Phase(b)) in LEGAL_TRANSITIONS
        moves = [(Phase(a), Phase(b)) for a, b in itertools.pairwise(phases) if a != b]
        assert len(moves) == len(model.transitions)
        for t, (a, b) in zip(model.transitions, moves, strict=True):
            assert (t["from"], t["to"]) == (a.name.lower(), b.name.lower())
            assert t["cause"] in ("ceasefire_agreed", "collapse", "settlement", "escalation")
            assert phases[t["week"]] == b and phases[t["week"] - 1] == a


def test_escalation_is_absorbing_and_members_never_rejoin():
    seen_escalation = False
    for rep in range(60):
        model = run_model(weeks=80, rng=5, replication=rep, deployment_timing="commit_now",
                          russia_strike_propensity=0.3)
        phases = np.array(model.paths()["phase"])
        esc = np.flatnonzero(phases == Phase.ESCALATION)
        if esc.size:
            seen_escalation = True
            assert np.all(phases[esc[0]:] == Phase.ESCALATION)
        members = np.array(model.paths()["members_remaining"])
        assert np.all(np.diff(members) <= 0)
    assert seen_escalation


def test_same_seed_same_run_different_replication_differs():
    a = run_model(weeks=60, rng=42, replication=3).record()
    b = run_model(weeks=60, rng=42, replication=3).record()
    assert a.keys() == b.keys()
    for k in a:
        assert (a[k] == b[k]) or (np.isnan(a[k]) and np.isnan(b[k]))
    paths = [run_model(weeks=60, rng=42, replication=r).paths()["territory"] for r in range(5)]
    assert len({tuple(p) for p in paths}) == 5


def test_config_instance_and_keywords_agree():
    cfg = Config()
    cfg.sim.weeks = 30
    cfg.us.role = "none"
    a = run_model(config=cfg, rng=7, replication=2).paths()
    b = run_model(weeks=30, rng=7, replication=2, us_role="none").paths()
    assert a == b


def test_mesa_batch_run_works_on_the_model():
    results = mesa.batch_run(
        CeasefireModel,
        parameters={"deployment_timing": ["never", "immediate"], "weeks": 20},
        rng=[1, 2],
        max_steps=20,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    assert len(results) == 4
    assert {r["deployment_timing"] for r in results} == {"never", "immediate"}
    for r in results:
        assert r["Step"] == 20 or r.get("time", 20) == 20
        assert 0 <= r["territory"] <= 1
        if r["deployment_timing"] == "never":
            assert r["troops_deployed"] == 0 and r["strikes_cum"] == 0
