"""The Python API for other tools: typed params, flat outcomes, validation, Hydra's compose API
from any folder, and an EMA Workbench model."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
import warnings

import pytest

from sim import experiment
from sim.api import compose_config, preset_config, run_scenario
from sim.config import ConfigError


def test_params_are_typed_and_equal_the_override_route():
    a = run_scenario(params={"us.role": "none", "coalition.members": 12.0}, replications=300)
    b = run_scenario("article_baseline", ["us.role=none", "coalition.members=12"],
                     replications=300)
    assert a.outcomes() == b.outcomes() or all(
        (math.isnan(x) and math.isnan(y)) or x == y
        for x, y in zip(a.outcomes().values(), b.outcomes().values(), strict=True))
    assert a.config.coalition.members == 12 and isinstance(a.config.coalition.members, int)


def test_outcomes_are_flat_named_scalars():
    out = run_scenario(replications=200).outcomes()
    for name in ("p_escalation", "p_war_or_escalation", "p_war_or_escalation_lo",
                 "collapse_hazard", "collapse_hazard_hi", "mean_strikes", "p_ceasefire_by_horizon"):
        assert isinstance(out[name], float), name
    assert all(isinstance(v, float) for v in out.values())  # never None
    assert out["p_war_or_escalation_lo"] <= out["p_war_or_escalation"] <= out[
        "p_war_or_escalation_hi"]


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"params": {"russia.strike_propensity": 7}}, "russia.strike_propensity=7.0 is out of range"),
    ({"params": {"us.rol": "none"}}, "unknown key 'us.rol'"),
    ({"params": {"coalition.members": 12.5}}, "coalition.members=12.5: expected a whole number"),
    ({"params": {"coalition.members": None}}, "coalition.members=None: expected a whole number"),
    ({"params": ["us.role=none"]}, "params=['us.role=none']: expected a mapping"),
    ({"overrides": "us.role=none"}, "expected a list of 'key=value' strings"),
    ({"overrides": ["scenario=no_force"]}, "the scenario is the first argument"),
])
def test_bad_api_input_raises_one_clear_config_error(kwargs, fragment):
    with pytest.raises(ConfigError) as err:
        run_scenario("article_baseline", replications=10, **kwargs)
    assert fragment in str(err.value) and "\n" not in str(err.value)


def test_experiment_run_validates_its_config():
    cfg = preset_config()
    cfg.russia.strike_propensity = 7.0
    with pytest.raises(ConfigError, match="russia.strike_propensity=7.0 is out of range"):
        experiment.run(cfg)


def test_the_preset_is_composed_once_and_copied():
    a, b = preset_config("no_force"), preset_config("no_force")
    assert a == b and a is not b
    a.us.role = "none"
    assert preset_config("no_force").us.role == "air_support"


def test_whole_numbers_as_floats_are_accepted_on_the_override_route():
    cfg = compose_config("article_baseline", ["coalition.members=12.0", "sim.replications=1e3"])
    assert (cfg.coalition.members, cfg.sim.replications) == (12, 1000)


COMPOSE = textwrap.dedent("""
    import os, tempfile
    os.chdir(tempfile.mkdtemp())
    from hydra import compose, initialize_config_dir
    import sim
    from sim.config import config_from_omegaconf
    with initialize_config_dir(config_dir=str(sim.conf_dir()), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["scenario=no_force", "sim.weeks=52"])
    print(config_from_omegaconf(cfg).name, cfg.deployment.timing, cfg.sim.weeks)
""")


def test_hydra_compose_works_from_any_folder_after_an_editable_install():
    out = subprocess.run([sys.executable, "-c", COMPOSE], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["no_force", "never", "52"]


def test_hydra_compose_works_from_a_plain_wheel_install(tmp_path):
    """Build the wheel, install it (without dependencies) into a folder and import it from there
    instead of the source tree: the config folder ships inside the package."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    wheels = tmp_path / "wheel"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                            str(wheels), str(root)], capture_output=True, text=True, check=False)
    assert build.returncode == 0, build.stderr[-2000:]
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(target), *map(str, wheels.glob("*.whl"))], check=True,
                   capture_output=True)
    probe = "import sim, sys; print(sim.__file__)\n" + COMPOSE
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-I", "-c",
                          f"import sys; sys.path.insert(0, {str(target)!r})\n" + probe],
                         capture_output=True, text=True, check=False, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.split("\n")
    assert lines[0].startswith(str(target))  # the wheel's copy, not the source tree
    assert lines[1].split() == ["no_force", "never", "52"]


def test_an_ema_workbench_model_runs_experiments():
    pytest.importorskip("ema_workbench")
    from sim.ema import ema_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import perform_experiments

        model = ema_model(replications=150, weeks=52,
                          uncertainties=("russia.strike_propensity", "ukraine.guarantee_weight"),
                          levers=("deployment.timing",),
                          outcomes=("p_war_or_escalation", "collapse_hazard"))
        experiments, outcomes = perform_experiments(model, scenarios=3, policies=2)
    assert len(experiments) == 6
    assert set(outcomes) == {"p_war_or_escalation", "collapse_hazard"}
    assert len(set(outcomes["p_war_or_escalation"])) > 1
    lo, hi = 0.0, 0.012  # the plausible range of the strike propensity, not [0, 1]
    assert experiments["russia.strike_propensity"].between(lo, hi).all()


def test_ema_model_rejects_unknown_keys():
    pytest.importorskip("ema_workbench")
    from sim.ema import ema_model

    with pytest.raises(ConfigError, match="unknown parameter 'russia.nope'"):
        ema_model(uncertainties=("russia.nope",))
