"""The design sweeper: the Hydra plugin, sweep plans, designs from the schema, blocks, Ray.

The end-to-end tests run ``python -m sim -m hydra/sweeper=design ...`` in a subprocess with a
fixed ``hydra.sweep.dir``; every point runs 120 replications over 40 weeks on the default seed
20250904, and the results are compared exactly with the same points run in this process
(:func:`sim.sweeps.points.evaluate`): the sweep must give the numbers the engine gives.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim import experiment, output
from sim.api import compose_config
from sim.config import ConfigError, field_of, register_configs
from sim.resources import conf_dir
from sim.sweeps import designs, folders, space
from sim.sweeps import plan as plan_mod
from sim.sweeps.points import evaluate
from sim.sweeps.sweeper import DesignSweeperImpl

SMALL = ["sim.replications=120", "sim.weeks=40", "sim.progress=off"]
PROCESS_TIMEOUT = 300  # seconds; a hung sweep fails the test instead of blocking the suite
ROOT = Path(__file__).resolve().parent.parent


def run_cli(args: list[str], cwd: Path, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    """``python -m sim ARGS`` in ``cwd`` (Hydra's full-error mode off, as a user runs it)."""
    base = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, env={**base, **(env or {})},
                          capture_output=True, text=True, timeout=PROCESS_TIMEOUT, check=False)


def compose_hydra(overrides: list[str]):
    """The composed config with its ``hydra`` node, as the sweeper receives it."""
    from hydra import compose, initialize_config_dir

    register_configs()
    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        return compose(config_name="config", overrides=overrides, return_hydra_config=True)


def sweeper_for(overrides: list[str]) -> DesignSweeperImpl:
    """A sweeper set up as Hydra would (without a launcher), to plan without running."""
    cfg = compose_hydra(["hydra/sweeper=design", *overrides])
    node = cfg.hydra.sweeper
    impl = DesignSweeperImpl(node.params, node.design, node.points_per_job,
                             node.cluster_points_per_job, node.workers_per_job)
    impl.config = cfg
    return impl


# --------------------------------------------------------------------------- #
# The plugin
# --------------------------------------------------------------------------- #
def test_plugin_is_discovered_in_the_hydra_plugins_namespace() -> None:
    from hydra.core.plugins import Plugins
    from hydra.plugins.sweeper import Sweeper

    from hydra_plugins.ceasefire_design_sweeper.config import DesignConf, DesignSweeperConf

    found = [f"{c.__module__}.{c.__name__}" for c in Plugins.instance().discover(Sweeper)]
    assert plan_mod.SWEEPER_TARGET in found
    assert not (ROOT / "hydra_plugins" / "__init__.py").exists()  # a namespace package
    assert DesignSweeperConf._target_ == plan_mod.SWEEPER_TARGET
    assert tuple(f.name for f in dataclasses.fields(DesignConf)) == designs.FIELDS


@pytest.mark.parametrize("name", ["timing_x_us_role", "troops", "coalition_size", "red_line",
                                  "lhs", "sobol", "morris"])
def test_every_preset_runs_through_the_design_sweeper(name: str) -> None:
    cfg = compose_hydra([f"+experiment={name}"])
    assert cfg.hydra.sweeper._target_ == plan_mod.SWEEPER_TARGET
    assert cfg.hydra.mode.name == "MULTIRUN"
    assert cfg.hydra.sweeper.cluster_points_per_job >= 1
    impl = DesignSweeperImpl(cfg.hydra.sweeper.params, cfg.hydra.sweeper.design, None,
                             cfg.hydra.sweeper.cluster_points_per_job)
    impl.config = cfg
    plan = impl.plan([f"+experiment={name}"])
    assert len(plan.blocks) == 1 and plan.blocks[0] == (0, len(plan.points))  # basic launcher
    assert f"{plan_mod.FIGURES_KEY}=false" in plan.common
    for point in plan.points:
        assert point.compose == [] and set(point.values) <= {
            k.split("=", 1)[0] for k in point.overrides}


def test_design_shorthand_on_the_command_line() -> None:
    from sim.cli import design_args

    assert design_args(["+experiment=sobol", "design.n=64"]) == [
        "+experiment=sobol", "hydra.sweeper.design.n=64", "hydra/sweeper=design"]
    assert design_args(["+design.space.russia.gap_weight=[0.2,0.4]", "~design.space.us.role",
                        "hydra/sweeper=design"]) == [
        "++hydra.sweeper.design.space.russia.gap_weight=[0.2,0.4]",
        "~hydra.sweeper.design.space.us.role", "hydra/sweeper=design"]
    assert design_args(["us.role=none", "sim.weeks=52"]) == ["us.role=none", "sim.weeks=52"]
    with pytest.raises(ConfigError, match="design.index: unknown design setting"):
        design_args(["+design.index=range(0,64)"])


# --------------------------------------------------------------------------- #
# Plans: points, common overrides, blocks
# --------------------------------------------------------------------------- #
def test_swept_overrides_become_points_in_hydras_order() -> None:
    impl = sweeper_for([])
    plan = impl.plan(["deployment.timing=never,immediate", "us.role=none,air_support",
                      "sim.replications=50", "scenario=article_baseline,no_force"])
    assert plan.common == ["sim.replications=50", "sim.figures=false"]
    assert len(plan.points) == 8
    first, last = plan.points[0], plan.points[-1]
    assert first.overrides == ["deployment.timing=never", "us.role=none",
                               "scenario=article_baseline"]
    assert first.values == {"deployment.timing": "never", "us.role": "none"}
    assert first.compose == ["scenario=article_baseline"]  # a config group: composed
    assert last.values == {"deployment.timing": "immediate", "us.role": "air_support"}
    assert [p.overrides[2] for p in plan.points[:2]] == ["scenario=article_baseline",
                                                         "scenario=no_force"]  # last fastest
    asked = impl.plan(["us.role=none,ground", "sim.figures=true"])
    assert "sim.figures=false" not in asked.common and "sim.figures=true" in asked.common


def test_points_per_job_follows_the_launcher_unless_set() -> None:
    def blocks(overrides: list[str], n: int = 10) -> list[tuple[int, int]]:
        return sweeper_for(overrides).plan([f"coalition.members=range(0,{n})"]).blocks

    assert blocks([]) == [(0, 10)]  # basic launcher: all points in one job
    assert blocks(["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]) == [(0, 5), (5, 10)]
    assert blocks(["hydra/launcher=submitit_local"], 450) == [(0, 150), (150, 300), (300, 450)]
    assert blocks(["hydra.sweeper.points_per_job=4"]) == [(0, 3), (3, 7), (7, 10)]  # ≤ 4 each
    with pytest.raises(ConfigError, match="points_per_job=0"):
        blocks(["hydra.sweeper.points_per_job=0"])


def test_a_design_cannot_be_mixed_with_swept_overrides() -> None:
    impl = sweeper_for(["+experiment=lhs"])
    with pytest.raises(ConfigError, match="put the lever in design.space"):
        impl.plan(["us.role=none,ground"])


# --------------------------------------------------------------------------- #
# The space: ranges come from the schema only
# --------------------------------------------------------------------------- #
def test_factor_ranges_are_the_schemas_plausible_ranges() -> None:
    from omegaconf import OmegaConf

    baseline = compose_config()
    for name in ("lhs", "sobol", "morris"):
        node = compose_hydra([f"+experiment={name}"]).hydra.sweeper.design
        spec = designs.spec_from_mapping(OmegaConf.to_container(node, resolve=True))
        assert spec is not None and spec.method == name
        for f in spec.factors:
            meta = field_of(f.key).metadata
            assert (f.lo, f.hi) == tuple(float(x) for x in meta["plausible"]), f.key
            assert not f.narrowed
            group, name = f.key.split(".")
            assert f.lo <= getattr(getattr(baseline, group), name) <= f.hi, f.key
    preset = (conf_dir() / "experiment" / "sobol.yaml").read_text(encoding="utf-8")
    assert "0.012" not in preset and "30000" not in preset  # no second copy of the numbers


def test_space_entries_may_narrow_but_not_widen() -> None:
    lo, hi = field_of("russia.strike_propensity").metadata["plausible"]
    assert space.factor("russia.strike_propensity", None) == space.Factor(
        "russia.strike_propensity", lo, hi)
    narrow = space.factor("russia.strike_propensity", [0.001, 0.008])
    assert (narrow.lo, narrow.hi, narrow.narrowed) == (0.001, 0.008, True)
    with pytest.raises(ConfigError, match=r"leaves the plausible range \[0, 0.012\]"):
        space.factor("russia.strike_propensity", [0.0, 0.5])
    timing = space.factor("deployment.timing", ["never", "immediate", "never"])
    assert timing.choices == ("never", "immediate") and timing.narrowed
    assert space.factor("deployment.timing", "plausible").choices == field_of(
        "deployment.timing").metadata["choices"]
    assert space.factor("terms.force_stays", None).choices == (False, True)
    members = space.factor("coalition.members", None)
    assert members.integer and set(members.map(np.linspace(0, 1, 200))) == set(range(2, 27))
    for key, entry, message in [
        ("russia.nothing", None, "unknown parameter"),
        ("sim.replications", [1, 5], "run setting"),
        ("deployment.timing", ["sometime"], "not allowed"),
        ("russia.strike_propensity", [0.01, 0.001], "lo must be ≤ hi"),
    ]:
        with pytest.raises(ConfigError, match=message):
            space.factor(key, entry)


# --------------------------------------------------------------------------- #
# Designs
# --------------------------------------------------------------------------- #
SPACE = {"russia": {"strike_propensity": None, "escalation_prob": [0.1, 0.2]},
         "deployment": {"timing": ["never", "immediate", "after_settlement"]},
         "coalition": {"members": None}}


def test_lhs_is_deterministic_and_stratified() -> None:
    spec = designs.spec_from_mapping({"method": "lhs", "n": 12, "seed": 7, "space": SPACE})
    a = designs.points(spec)
    assert a == designs.points(spec)
    assert a != designs.points(dataclasses.replace(spec, seed=8))
    u = designs.unit_sample(spec)
    for j in range(u.shape[1]):  # one point in each of the n strata per axis
        assert sorted(np.floor(u[:, j] * 12).astype(int)) == list(range(12))
    assert all(0.1 <= p["russia.escalation_prob"] <= 0.2 for p in a)
    assert all(isinstance(p["coalition.members"], int) for p in a)
    assert {p["deployment.timing"] for p in a} <= {"never", "immediate", "after_settlement"}


def test_sobol_matches_salib_and_morris_is_trajectories() -> None:
    from SALib.sample import sobol

    spec = designs.spec_from_mapping({"method": "sobol", "n": 8, "seed": 3, "space": SPACE})
    assert spec.size == 8 * (4 + 2) == len(designs.points(spec))
    unit = sobol.sample(designs.unit_problem(spec), 8, calc_second_order=False, seed=3)
    hi = field_of("russia.strike_propensity").metadata["plausible"][1]
    np.testing.assert_allclose([p["russia.strike_propensity"] for p in designs.points(spec)],
                               unit[:, spec.keys.index("russia.strike_propensity")] * hi)
    with pytest.raises(ConfigError, match="power of two"):
        designs.spec_from_mapping({"method": "sobol", "n": 10, "space": SPACE})
    morris = designs.spec_from_mapping({"method": "morris", "n": 3, "seed": 1, "space": SPACE})
    u = designs.unit_sample(morris)
    assert morris.size == 3 * 5 == len(u)
    for t in range(3):  # each step of a trajectory moves exactly one factor
        steps = np.diff(u[t * 5:(t + 1) * 5], axis=0)
        assert ((np.abs(steps) > 1e-12).sum(axis=1) == 1).all()
    with pytest.raises(ConfigError, match="even number of grid levels"):
        designs.spec_from_mapping({"method": "morris", "n": 2, "levels": 3, "space": SPACE})


def test_unit_coordinates_0_and_1_map_exactly_to_lo_and_hi() -> None:
    """Morris puts levels on 0 and 1 of the unit range: they must be the range's ends exactly
    (not one rounding step inside), while whole numbers and choices keep equal bins."""
    from omegaconf import OmegaConf

    node = compose_hydra(["+experiment=morris"]).hydra.sweeper.design
    spec = designs.spec_from_mapping(OmegaConf.to_container(node, resolve=True))
    u = designs.unit_sample(spec)
    values = designs.points(spec)
    for j, f in enumerate(spec.factors):
        assert not f.choices and not f.integer, f.key
        assert (u[:, j] == 0.0).any() and (u[:, j] == 1.0).any(), f.key  # the design's ends
        column = [p[f.key] for p in values]
        assert min(column) == f.lo and max(column) == f.hi, (f.key, min(column), max(column))
        assert {v for v, x in zip(column, u[:, j], strict=True) if x == 1.0} == {f.hi}, f.key
    odd = space.Factor("russia.accept_intercept", -2.9, -0.9)  # -2.9 + 2.0 is not -0.9
    assert odd.map(np.array([0.0, 1.0])) == [-2.9, -0.9]
    assert all(-2.9 <= v <= -0.9 for v in odd.map(np.linspace(0.0, 1.0, 1001)))
    members = space.factor("coalition.members", None)  # 2..26: 25 whole numbers
    bins = (np.arange(25 * 40) + 0.5) / (25 * 40)  # 40 midpoints in each 1/25 of the range
    assert np.bincount(members.map(bins))[2:].tolist() == [40] * 25  # equally likely
    assert members.map(np.array([0.0, 1.0])) == [2, 26]
    timing = space.factor("deployment.timing", ["never", "immediate", "after_settlement"])
    assert timing.map(np.array([0.0, 1.0])) == ["never", "after_settlement"]


def test_grid_is_the_product_of_levels() -> None:
    spec = designs.spec_from_mapping({"method": "grid", "levels": 3, "space": {
        "russia": {"escalation_prob": [0.1, 0.3]},
        "deployment": {"timing": ["never", "immediate"]}}})
    pts = designs.points(spec)
    assert spec.size == len(pts) == 6
    assert [p["deployment.timing"] for p in pts] == ["never"] * 3 + ["immediate"] * 3
    assert [p["russia.escalation_prob"] for p in pts] == pytest.approx([0.1, 0.2, 0.3] * 2)
    with pytest.raises(ConfigError, match="design.levels"):
        designs.spec_from_mapping({"method": "grid", "space": SPACE})
    with pytest.raises(ConfigError, match="unknown design setting"):
        designs.spec_from_mapping({"method": "grid", "index": 3, "space": SPACE})


def test_a_grid_without_levels_names_what_is_missing() -> None:
    """No design.levels on a grid over a number: the message says it is missing, what it means
    and what is allowed, never a value the user did not give; DesignSpec says the same."""
    one = {"russia": {"escalation_prob": "plausible"}}
    with pytest.raises(ConfigError) as err:
        designs.spec_from_mapping({"method": "grid", "space": one})
    message = str(err.value)
    assert message.startswith(
        "design.levels is not set: a grid over the numeric factor russia.escalation_prob needs "
        "design.levels, a whole number ≥ 2"), message
    assert "levels=0" not in message and "levels=None" not in message
    assert "russia.escalation_prob=0.05,0.3" in message  # the way to list values of one's own
    with pytest.raises(ConfigError) as direct:  # the dataclass: levels 0 is "not set" for a grid
        designs.DesignSpec("grid", 0, 0, space.factors(one), levels=0)
    assert str(direct.value) == message
    two = {"russia": {"escalation_prob": None}, "coalition": {"members": None},
           "deployment": {"timing": ["never", "immediate"]}}
    with pytest.raises(ConfigError, match="the numeric factors coalition.members, "
                                          "russia.escalation_prob needs design.levels"):
        designs.spec_from_mapping({"method": "grid", "space": two})
    with pytest.raises(ConfigError, match=r"^design.levels=1: a grid over the numeric factor "):
        designs.spec_from_mapping({"method": "grid", "levels": 1, "space": one})
    choices = designs.spec_from_mapping({"method": "grid", "space": {
        "deployment": {"timing": ["never", "immediate"]}}})  # no numbers: no levels needed
    assert choices.size == 2 and designs.DesignSpec.from_mapping(choices.to_mapping()) == choices


# --------------------------------------------------------------------------- #
# End to end through the command line, one point per job
# --------------------------------------------------------------------------- #
DESIGN_ARGS = {
    "grid": ["design.method=grid", "design.levels=2",
             "design.space.russia.strike_propensity=[0.0,0.012]",
             "design.space.deployment.timing=[never,immediate]"],
    "lhs": ["design.method=lhs", "design.n=3", "design.space.russia.strike_propensity=plausible",
            "design.space.russia.escalation_prob=plausible"],
    "sobol": ["design.method=sobol", "design.n=2",
              "design.space.russia.strike_propensity=plausible",
              "design.space.russia.force_aversion=plausible"],
    "morris": ["design.method=morris", "design.n=2",
               "design.space.russia.strike_propensity=plausible",
               "design.space.us.air_support_prob=plausible"],
}


@pytest.mark.parametrize("method", list(DESIGN_ARGS))
def test_each_design_runs_one_point_per_job_like_the_engine(method: str, tmp_path: Path) -> None:
    sweep_dir = tmp_path / "sweep"
    sweeper = [] if method == "lhs" else ["hydra/sweeper=design"]  # lhs: added by the CLI
    proc = run_cli(["-m", *sweeper, *DESIGN_ARGS[method], *SMALL,
                    "hydra.sweeper.points_per_job=1", "hydra.callbacks.aggregate.figures=false",
                    f"hydra.sweep.dir={sweep_dir}"], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    plan = plan_mod.read(sweep_dir)
    spec = designs.DesignSpec.from_mapping(plan.design)
    assert spec.method == method and len(plan.points) == spec.size
    assert plan.blocks == [(i, i + 1) for i in range(spec.size)]
    assert sorted(int(p.name) for p in (sweep_dir / "blocks").iterdir()) == list(range(spec.size))
    expected = evaluate(spec, compose_config("article_baseline", SMALL))
    table = pd.read_parquet(sweep_dir / "sweep.parquet")  # full precision (the CSV has 6 digits)
    assert list(table["point"]) == list(range(spec.size)) and set(table["status"]) == {"ok"}
    for i, values in enumerate(designs.points(spec)):
        config = yaml.safe_load((sweep_dir / str(i) / "config.yaml").read_text("utf-8"))
        for key, value in values.items():
            group, name = key.split(".")
            assert config[group][name] == value, (i, key)  # exactly: no rounding on the way
        assert not (sweep_dir / str(i) / "figures").exists()  # per-point figures off
    for col in ("p_escalation", "p_war_or_escalation", "collapse_hazard", "mean_strikes"):
        np.testing.assert_allclose(table[col], expected[col], rtol=1e-12, err_msg=col)
    assert table["p_war_or_escalation"].nunique() > 1 or table["mean_strikes"].nunique() > 1


def test_a_bad_design_stops_with_one_line_and_exit_2(tmp_path: Path) -> None:
    for args, message in [
        (["+experiment=sobol", "design.n=10"],
         "error: design.n=10: Sobol/Saltelli samples need a power of two"),
        (["+experiment=lhs", "design.index=range(0,4)"],
         "error: design.index: unknown design setting"),
        (["+experiment=lhs", "design.space.russia.strike_propensity=[0,0.5]"],
         "error: design.space.russia.strike_propensity=[0, 0.5] leaves the plausible range"),
    ]:
        proc = run_cli([*args, *SMALL, f"hydra.sweep.dir={tmp_path / 'never'}"], tmp_path)
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        assert proc.returncode == 2, proc.stderr[-2000:]
        assert lines[-1].startswith(message), lines
        assert not (tmp_path / "never" / plan_mod.PLAN_FILE).exists()


def test_a_grid_without_levels_stops_with_one_error_line(tmp_path: Path) -> None:
    """The command line's contract for a bad design: exit code 2, one ``error:`` line on
    stderr, no traceback, and no sweep folder left behind."""
    sweep_dir = tmp_path / "g1"
    proc = run_cli(["-m", "design.method=grid", "design.space.russia.escalation_prob=plausible",
                    *SMALL, f"hydra.sweep.dir={sweep_dir}"], tmp_path)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr + proc.stdout
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: design.levels is not set: a grid over the numeric factor "
                               "russia.escalation_prob needs design.levels"), lines
    assert not sweep_dir.exists()  # nothing that could pass for a (finished) sweep


# --------------------------------------------------------------------------- #
# Ray
# --------------------------------------------------------------------------- #
HAS_RAY = (importlib.util.find_spec("ray") is not None
           and importlib.util.find_spec("hydra_plugins.hydra_ray_launcher") is not None)


@pytest.mark.skipif(not HAS_RAY, reason="hydra-ray-launcher and ray are the optional `ray` extra "
                    "(pip install -e '.[ray]'); not installed in this environment")
def test_a_two_block_sweep_on_a_local_ray_instance(tmp_path: Path) -> None:
    """Three points in two blocks as two Ray tasks on a local Ray instance (one CPU)."""
    sweep_dir = tmp_path / "ray"
    proc = run_cli(["-m", "hydra/sweeper=design", "hydra/launcher=ray",
                    "us.role=none,air_support,ground", *SMALL, "hydra.sweeper.points_per_job=2",
                    "+hydra.launcher.ray.init.num_cpus=1",
                    "+hydra.launcher.ray.init.include_dashboard=false",
                    "hydra.callbacks.aggregate.figures=false", f"hydra.sweep.dir={sweep_dir}"],
                   tmp_path, env={"RAY_USAGE_STATS_ENABLED": "0"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Ray Launcher is launching 2 jobs" in proc.stdout + proc.stderr
    plan = plan_mod.read(sweep_dir)
    assert plan.blocks == [(0, 2), (2, 3)]
    for k in (0, 1):
        hydra_cfg = yaml.safe_load((sweep_dir / "blocks" / str(k) / ".hydra" / "hydra.yaml")
                                   .read_text("utf-8"))
        assert hydra_cfg["hydra"]["job"]["id"] == f"job_id_for_{k}"  # set by the Ray launcher
    for i, role in enumerate(["none", "air_support", "ground"]):
        assert folders.already_done(sweep_dir / str(i), plan.overrides(i))
        expected = compose_config("article_baseline", [*SMALL, f"us.role={role}"])
        summary = json.loads((sweep_dir / str(i) / "summary.json").read_text("utf-8"))
        assert summary["outcomes"] == experiment.run(expected, progress=False).summary["outcomes"]
    assert output.is_complete(sweep_dir / "2")
