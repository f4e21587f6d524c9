"""The two engines agree replication by replication, and results do not depend on ``n_jobs``.

The Mesa engine (``CeasefireModel``, one replication of agent objects) and the batched engine
(``run_batch``, arrays over replications) must give, for the same base seed and replication index,
the same outcome class, event weeks and counts (exactly), the same continuous outcomes and weekly
paths (within 1e-9). Checked over 200 replications of every named scenario and of a few random
valid configurations (seeded, so the same configurations every run).
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest

from sim import experiment
from sim.api import compose_config
from sim.batched import run_batch
from sim.config import GERMANY_CONDITIONS, RECOGNITION, TIMINGS, US_ROLES, Config
from sim.model import CeasefireModel
from sim.resources import conf_dir

N_SEEDS = 200  # replications compared per configuration
TOL = 1e-9  # absolute tolerance for continuous values and weekly paths
RANDOM_CONFIG_SEED = 20250904
N_RANDOM_CONFIGS = 6
# Record fields that are event weeks or counts: compared exactly (NaN = the event never happened).
EXACT = ("final_phase", "week_first_ceasefire", "week_first_collapse", "week_settlement",
         "week_escalation", "week_first_strike", "peace_duration", "peace_failed",
         "n_ceasefires", "n_collapses", "n_breakdowns", "n_strikes", "n_violations",
         "n_referendums", "referendum_passed", "ceasefire_weeks", "ceasefire_failures",
         "escalation_from", "members_remaining", "us_form", "peak_troops_deployed")

SCENARIOS = sorted(p.stem for p in (conf_dir() / "scenario").glob("*.yaml"))


def _random_overrides(rng: np.random.Generator) -> list[str]:
    """A random valid configuration, as Hydra overrides (every lever drawn)."""
    timing = str(rng.choice(TIMINGS))
    force_stays = True if timing == "after_settlement" else bool(rng.integers(0, 2))
    return [
        f"deployment.timing={timing}",
        f"us.role={rng.choice(US_ROLES)}",
        f"deployment.posture={rng.choice(['rear', 'tripwire'])}",
        f"deployment.troops_total={float(rng.uniform(0, 60000))!r}",
        f"coalition.members={int(rng.integers(0, 27))}",
        f"coalition.germany_condition={rng.choice(GERMANY_CONDITIONS)}",
        f"coalition.respect_russian_veto={str(bool(rng.integers(0, 2))).lower()}",
        f"russia.force_consent={str(bool(rng.integers(0, 2))).lower()}",
        f"russia.strike_propensity={float(rng.uniform(0, 0.05))!r}",
        f"russia.escalation_prob={float(rng.uniform(0, 0.5))!r}",
        f"russia.accept_intercept={float(rng.uniform(-2, 1))!r}",
        f"us.air_support_prob={float(rng.uniform(0, 1))!r}",
        f"terms.recognise={rng.choice(RECOGNITION)}",
        f"terms.force_stays={str(force_stays).lower()}",
        f"force.withdraw_on_collapse={str(bool(rng.integers(0, 2))).lower()}",
        f"ukraine.referendum_required={str(bool(rng.integers(0, 2))).lower()}",
        f"sim.seed={int(rng.integers(0, 2**40))}",
        f"sim.weeks={int(rng.integers(20, 313))}",
    ]


_rng = np.random.default_rng(RANDOM_CONFIG_SEED)
RANDOM_CONFIGS = [_random_overrides(_rng) for _ in range(N_RANDOM_CONFIGS)]


def _mesa_run(cfg: Config, n: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Records and weekly paths of replications ``0..n-1`` on the Mesa engine, as arrays."""
    records: list[dict] = []
    paths: dict[str, list] = {}
    for rep in range(n):
        model = CeasefireModel(config=copy.deepcopy(cfg), rng=cfg.sim.seed, replication=rep)
        while model.running:
            model.step()
        records.append(model.record())
        for key, series in model.paths().items():
            paths.setdefault(key, []).append(np.asarray(series, dtype=np.float64))
    columns = {key: np.array([r[key] for r in records], dtype=np.float64) for key in records[0]}
    return columns, {key: np.stack(v) for key, v in paths.items()}


def _assert_engines_agree(cfg: Config) -> None:
    batch = run_batch(cfg, np.arange(N_SEEDS))
    mesa_cols, mesa_paths = _mesa_run(cfg, N_SEEDS)
    assert set(mesa_cols) <= set(batch.columns), set(mesa_cols) - set(batch.columns)
    for key, mesa_values in mesa_cols.items():
        batch_values = np.asarray(batch.columns[key], dtype=np.float64)
        msg = f"{cfg.name}: record field {key} differs (replications 0..{N_SEEDS - 1})"
        if key in EXACT:  # NaN (event never happened) must match NaN
            np.testing.assert_array_equal(mesa_values, batch_values, err_msg=msg)
        else:
            np.testing.assert_allclose(mesa_values, batch_values, rtol=0, atol=TOL, err_msg=msg)
    assert set(mesa_paths) == set(batch.paths)
    for key, mesa_path in mesa_paths.items():
        batch_path = np.asarray(batch.paths[key], dtype=np.float64)
        assert mesa_path.shape == (N_SEEDS, cfg.sim.weeks + 1) == batch_path.shape
        np.testing.assert_allclose(mesa_path, batch_path, rtol=0, atol=TOL,
                                   err_msg=f"{cfg.name}: weekly path {key} differs")


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_engines_agree_in_every_named_scenario(scenario: str) -> None:
    assert len(SCENARIOS) >= 13
    _assert_engines_agree(compose_config(scenario))


@pytest.mark.parametrize("overrides", RANDOM_CONFIGS, ids=[f"random{i}" for i in
                                                           range(N_RANDOM_CONFIGS)])
def test_engines_agree_in_random_configurations(overrides: list[str]) -> None:
    _assert_engines_agree(compose_config("article_baseline", overrides))


def test_engines_differ_when_a_lever_changes() -> None:
    """Guard against a vacuous comparison: the compared quantities do vary across configs."""
    a = run_batch(compose_config("no_force"), np.arange(N_SEEDS))
    b = run_batch(compose_config("commit_now"), np.arange(N_SEEDS))
    assert not np.array_equal(a.paths["threat"], b.paths["threat"])
    assert len(np.unique(a.columns["final_phase"])) > 1


def _with_sim(cfg: Config, **sim: object) -> Config:
    return dataclasses.replace(cfg, sim=dataclasses.replace(cfg.sim, **sim))


def _assert_results_equal(a: experiment.Results, b: experiment.Results) -> None:
    pd.testing.assert_frame_equal(a.records, b.records)
    pd.testing.assert_frame_equal(a.paths, b.paths)
    pd.testing.assert_frame_equal(a.survival, b.survival)
    assert a.summary == b.summary


def test_results_do_not_depend_on_n_jobs_or_chunks() -> None:
    cfg = _with_sim(compose_config("article_baseline"), replications=600, weeks=52,
                    progress="off")
    serial = experiment.run(_with_sim(cfg, n_jobs=1, chunk_size=5000))
    parallel = experiment.run(_with_sim(cfg, n_jobs=2, chunk_size=150))
    _assert_results_equal(serial, parallel)
    assert serial.records["outcome"].nunique() > 1


def test_experiment_run_gives_the_same_records_on_both_engines() -> None:
    cfg = _with_sim(compose_config("commit_now"), replications=120, weeks=60, progress="off")
    batched = experiment.run(_with_sim(cfg, engine="batched"))
    mesa = experiment.run(_with_sim(cfg, engine="mesa"))
    pd.testing.assert_frame_equal(batched.records, mesa.records, check_exact=False, rtol=0,
                                  atol=TOL)
    pd.testing.assert_frame_equal(batched.paths, mesa.paths, check_exact=False, rtol=0,
                                  atol=1e-6)
