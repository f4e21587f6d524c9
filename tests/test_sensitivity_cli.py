"""Sensitivity analysis and scenario discovery from the command line, through the sweeps.

Three small sweeps run ``python -m sim +experiment=...`` in a subprocess (``cwd`` a temporary
folder, a fixed ``hydra.sweep.dir``, the default simulation seed 20250904 and design seed
20250904), each job with 200 replications over 104 weeks and no per-job figures:

- Morris: 2 trajectories over the preset's 16 parameters (34 jobs);
- Sobol: Saltelli base sample 4 over the preset's 8 parameters (40 jobs);
- LHS: 24 points over the preset's 8 parameters plus ``deployment.timing`` (24 jobs), for PRIM.

The whole chain is deterministic given those seeds, so the checks on the results are exact
statements about this configuration, not tolerances. The estimators themselves are checked
against known answers in ``tests/test_sensitivity.py``; the synthetic tests here check the
matching of design points to jobs and the handling of missing points and degenerate outcomes.
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import callbacks, designs, sensitivity
from sim.config import ConfigError, iter_params

SMALL = ["sim.replications=200", "sim.weeks=104", "sim.progress=off"]
MORRIS = ["+experiment=morris", "+design.n=2", "+design.index=range(0,34)"]
SOBOL = ["+experiment=sobol", "+design.n=4", "+design.index=range(0,40)"]
TIMINGS = ["never", "commit_now", "immediate", "after_settlement"]
LHS = ["+experiment=lhs", "+design.n=24", "+design.index=range(0,24)",
       f"+design.space.deployment.timing=[{','.join(TIMINGS)}]"]
PROCESS_TIMEOUT = 300  # seconds; a hung sweep fails the test instead of blocking the suite
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CONTROL = "battlefield.territory_noise"  # moves only the front line: no outcome depends on it
needs_prim = pytest.mark.skipif(importlib.util.find_spec("ema_workbench") is None,
                                reason="PRIM needs the optional ema_workbench package")


def run_sweep(sweep_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m sim ARGS`` as a multirun into ``sweep_dir``; asserts it exited normally."""
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    proc = subprocess.run([sys.executable, "-m", "sim", *args, *SMALL,
                           f"hydra.sweep.dir={sweep_dir}"], cwd=sweep_dir.parent, env=env,
                          capture_output=True, text=True, timeout=PROCESS_TIMEOUT, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def spec_of(sweep_dir: Path) -> designs.DesignSpec:
    spec = callbacks.design_spec(callbacks.find_jobs(sweep_dir))
    assert spec is not None
    return spec


@pytest.fixture(scope="module")
def morris_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sweep_dir = tmp_path_factory.mktemp("morris") / "sweep"
    proc = run_sweep(sweep_dir, *MORRIS)
    assert "sensitivity.md" in proc.stdout
    return sweep_dir


@pytest.fixture(scope="module")
def sobol_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sweep_dir = tmp_path_factory.mktemp("sobol") / "sweep"
    run_sweep(sweep_dir, *SOBOL)
    return sweep_dir


@pytest.fixture(scope="module")
def lhs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sweep_dir = tmp_path_factory.mktemp("lhs") / "sweep"
    run_sweep(sweep_dir, *LHS)
    return sweep_dir


def _check_index_table(sweep_dir: Path, method: str, indices: set[str]) -> pd.DataFrame:
    """Shared checks of ``sensitivity.csv`` and the figures; returns the table."""
    spec = spec_of(sweep_dir)
    table = pd.read_csv(sweep_dir / sensitivity.SENSITIVITY_CSV)
    assert list(table.columns) == sensitivity.INDEX_COLUMNS
    assert set(table["method"]) == {method}
    report = (sweep_dir / sensitivity.SENSITIVITY_MD).read_text(encoding="utf-8")
    present = set(table["outcome"])
    for outcome in sensitivity.SWEEP_OUTCOMES:  # every outcome analysed, or said why not
        assert outcome in present or f"({outcome}): left out" in report
    assert {"p_escalation", "p_collapse_given_ceasefire", "mean_strikes"} <= present
    meta = {key: f.metadata for key, f, _ in iter_params()}
    for outcome, part in table.groupby("outcome"):
        assert set(part["index"]) == indices
        for index, rows in part.groupby("index"):
            assert sorted(rows["parameter"]) == sorted(spec.keys), (outcome, index)
        assert np.isfinite(part["value"]).all(), outcome
        with_conf = part[part["index"].isin(["mu_star", "S1", "ST"])]
        assert np.isfinite(with_conf["confidence"]).all() and (with_conf["confidence"] >= 0).all()
        png = sweep_dir / "figures" / f"sensitivity_{outcome}.png"
        assert png.read_bytes()[:8] == PNG_MAGIC
    for row in table.drop_duplicates("parameter").itertuples():
        assert row.provenance == meta[row.parameter]["prov"]
        quotes = re.findall(r"\bQ\d\d\b", row.provenance)
        assert row.label.startswith(row.parameter + " (")
        assert all(q in row.label for q in quotes)
        assert meta[row.parameter]["lo"] <= row.lo <= row.hi <= meta[row.parameter]["hi"]
    return table


# --------------------------------------------------------------------------- #
# Morris
# --------------------------------------------------------------------------- #
def test_morris_sweep_writes_indices_and_figures(morris_dir: Path) -> None:
    table = _check_index_table(morris_dir, "morris", {"mu_star", "mu", "sigma"})
    wide = table.pivot_table(index=["outcome", "parameter"], columns="index", values="value")
    assert (wide["mu_star"] >= 0).all() and (wide["sigma"] >= 0).all()
    assert (wide["mu_star"] >= wide["mu"].abs() - 1e-12).all()  # |mean| ≤ mean of |.|
    assert len(spec_of(morris_dir).keys) == 16


def test_morris_ranks_a_driver_of_escalation_above_the_control(morris_dir: Path) -> None:
    table = pd.read_csv(morris_dir / sensitivity.SENSITIVITY_CSV)
    mu_star = table[table["index"] == "mu_star"].set_index(["outcome", "parameter"])["value"]
    # The control moves nothing the outcomes depend on; with common random numbers its
    # elementary effects are exactly zero. A point matched to the wrong job would break this.
    assert (mu_star.xs(CONTROL, level="parameter") == 0.0).all()
    esc = mu_star.xs("p_escalation")
    for driver in ("russia.escalation_prob", "russia.strike_propensity"):
        assert esc[driver] > esc[CONTROL]
    assert esc.rank(ascending=False)["russia.escalation_prob"] <= 3
    report = (morris_dir / sensitivity.SENSITIVITY_MD).read_text(encoding="utf-8")
    assert "## P(escalation) (`p_escalation`)" in report
    assert "russia.escalation_prob (Q01, Q10)" in report


def test_missing_points_skip_the_indices_with_a_message(morris_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "sweep"
    shutil.copytree(morris_dir, copy)
    (copy / "5" / "manifest.json").unlink()  # job 5 now looks killed half-way
    (copy / "7").rename(tmp_path / "gone")  # job 7 never ran
    result = callbacks.aggregate(copy, make_figures=False)
    assert set(result.failed["job"]) == {5}
    assert not (copy / sensitivity.SENSITIVITY_CSV).exists()
    assert not list((copy / "figures").glob("sensitivity_*.png"))  # stale figures removed
    report = (copy / sensitivity.SENSITIVITY_MD).read_text(encoding="utf-8")
    assert "Not computed: 2 of 34 design points" in report
    assert re.search(r"^\| 5 \| 5 \| incomplete \|", report, re.MULTILINE)
    assert re.search(r"^\| 7 \| — \| not run \| no job ran this point \|$", report, re.MULTILINE)
    assert (copy / callbacks.SWEEP_CSV).is_file()  # the sweep table is still there


# --------------------------------------------------------------------------- #
# Sobol
# --------------------------------------------------------------------------- #
def test_sobol_sweep_writes_indices_and_figures(sobol_dir: Path) -> None:
    table = _check_index_table(sobol_dir, "sobol", {"S1", "ST"})
    st = table[table["index"] == "ST"].set_index(["outcome", "parameter"])["value"]
    assert (st >= 0).all()
    # The collapse hazard's long-run floor never touches the strikes that escalate, the red line
    # does: ST of the red line exceeds that of the floor for P(escalation).
    esc = st.xs("p_escalation")
    assert esc["russia.strike_propensity"] > esc["ceasefire.hazard_floor"]
    assert len(table.drop_duplicates(["outcome", "parameter"])) == 8 * table["outcome"].nunique()


# --------------------------------------------------------------------------- #
# Scenario discovery (PRIM)
# --------------------------------------------------------------------------- #
CONDITION = re.compile(r"^(?P<key>[a-z_]+\.[a-z_]+) (?:(?P<op>>=|<=) (?P<num>-?[0-9.e+-]+)"
                       r"|in \{(?P<set>[^}]*)\})$")


def _inside(values: pd.DataFrame, conditions: str) -> np.ndarray:
    """Evaluate a box's readable conditions on the design's values."""
    inside = np.ones(len(values), dtype=bool)
    for part in conditions.split(" and "):
        m = CONDITION.match(part)
        assert m is not None, part
        column = values[m["key"]]
        if m["set"] is not None:
            allowed = {s.strip().strip("'") for s in m["set"].split(",")}
            inside &= column.astype(str).isin(allowed).to_numpy()
        elif m["op"] == ">=":
            inside &= (column >= float(m["num"])).to_numpy()
        else:
            inside &= (column <= float(m["num"])).to_numpy()
    return inside


@needs_prim
def test_lhs_sweep_finds_readable_boxes(lhs_dir: Path) -> None:
    spec = spec_of(lhs_dir)
    assert "deployment.timing" in spec.keys
    design = pd.read_csv(lhs_dir / callbacks.DESIGN_CSV)
    sweep = pd.read_csv(lhs_dir / callbacks.SWEEP_CSV)
    n_boxes = 0
    for outcome, kind in sensitivity.DISCOVERY_OUTCOMES.items():
        boxes = pd.read_csv(lhs_dir / f"prim_{outcome}.csv")
        report = (lhs_dir / f"prim_{outcome}.md").read_text(encoding="utf-8")
        assert list(boxes.columns) == sensitivity.PRIM_COLUMNS
        assert f"A point is **{kind}** when" in report
        y = sweep.set_index("design.index").loc[design["design.index"], outcome].to_numpy()
        for box in boxes.itertuples():
            n_boxes += 1
            assert box.conditions in report
            inside = _inside(design, box.conditions)
            prone = y > box.threshold
            assert (box.n_in_box, box.n_prone_in_box) == (inside.sum(), (inside & prone).sum())
            assert box.n_prone == prone.sum() and box.n_points == len(design) == 24
            assert 0 < box.coverage <= 1 and 0 < box.density <= 1 and 0 < box.mass <= 1
        if len(boxes):
            # The quantile rule: a quarter of the points (ties aside) is prone.
            assert boxes["n_prone"].iloc[0] <= 24 * 0.25 + 1
    assert n_boxes >= 1


@needs_prim
def test_discover_command_reruns_with_a_fixed_threshold(lhs_dir: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    copy = tmp_path / "sweep"
    shutil.copytree(lhs_dir, copy)
    code = sensitivity.discover_main([str(copy), "--threshold", "p_escalation=0.05",
                                      "--max-boxes", "1"])
    assert code == 0
    assert str(copy / "prim_p_escalation.csv") in capsys.readouterr().out
    boxes = pd.read_csv(copy / "prim_p_escalation.csv")
    assert len(boxes) <= 1 and set(boxes["threshold"]) <= {0.05}
    sweep = pd.read_csv(copy / callbacks.SWEEP_CSV)
    assert set(boxes["n_prone"]) <= {int((sweep["p_escalation"] > 0.05).sum())}
    assert "P(escalation) > 0.05 (a fixed threshold)" in (
        copy / "prim_p_escalation.md").read_text(encoding="utf-8")

    assert sensitivity.discover_main([str(tmp_path / "nothing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        sensitivity.discover_main([str(copy), "--threshold", "p_war=0.1"])
    assert exit_info.value.code == 2


# --------------------------------------------------------------------------- #
# Designs, presets and the matching of points to jobs (no simulation)
# --------------------------------------------------------------------------- #
SPACE = {"russia": {"strike_propensity": [0.0, 0.1], "escalation_prob": [0.05, 0.3]},
         "coalition": {"strike_shock": [0.1, 0.3]}}


def test_morris_design_is_a_grid_of_trajectories() -> None:
    spec = designs.spec_from_mapping({"method": "morris", "n": 5, "seed": 3, "space": SPACE})
    assert spec.size == 5 * (3 + 1) and spec.levels == 4
    u = designs.unit_sample(spec)
    np.testing.assert_array_equal(u, designs.unit_sample(spec))
    assert set(np.round(u.ravel() * 3, 9)) <= {0.0, 1.0, 2.0, 3.0}  # 4 levels
    for t in range(5):  # each step of a trajectory moves exactly one parameter
        steps = np.diff(u[t * 4:(t + 1) * 4], axis=0)
        assert ((np.abs(steps) > 1e-12).sum(axis=1) == 1).all()
    table = designs.generate(spec)
    assert table["russia.strike_propensity"].between(0.0, 0.1).all()
    for bad in (3, 0, "4"):
        with pytest.raises(ConfigError, match="even number of grid levels"):
            designs.spec_from_mapping({"method": "morris", "n": 2, "levels": bad, "space": SPACE})


def _preset_design(name: str) -> tuple[dict, list[int]]:
    import yaml
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from sim.resources import conf_dir

    data = yaml.safe_load((conf_dir() / "experiment" / f"{name}.yaml").read_text("utf-8"))
    node: dict = {}
    index: list[int] = []
    parser = OverridesParser.create()
    for key, value in data["hydra"]["sweeper"]["params"].items():
        override = parser.parse_overrides([f"{key}={value}"])[0]
        values = (list(override.sweep_iterator()) if override.is_sweep_override()
                  else [override.value()])
        if key == "+design.index":
            index = values
            continue
        target = node
        parts = key.lstrip("+").split(".")[1:]
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = values[0]
    assert data["sim"]["figures"] is False
    return node, index


@pytest.mark.parametrize("name", ["morris", "sobol", "lhs"])
def test_presets_cover_their_design_and_each_range_contains_the_default(name: str) -> None:
    node, index = _preset_design(name)
    spec = designs.spec_from_mapping(node)
    assert index == list(range(spec.size))
    defaults = {key: value for key, _, value in iter_params()}
    for dim in spec.dims:
        assert dim.lo <= defaults[dim.key] <= dim.hi, dim.key
    if name == "morris":
        assert spec.method == "morris" and CONTROL in spec.keys and len(spec.keys) == 16


def _fake_sweep(spec: designs.DesignSpec, outcomes: dict[str, np.ndarray],
                order: np.ndarray) -> pd.DataFrame:
    """A sweep table as the aggregate writes it: one ok job per point, jobs in ``order``."""
    points = designs.generate(spec)
    table = points.assign(status="ok", replications=100, seed=1, weeks=52,
                          scenario="article_baseline", **outcomes)
    table = table.iloc[order].reset_index(drop=True)
    return table.assign(job=np.arange(len(table)))


def test_indices_use_the_design_order_not_the_job_order() -> None:
    """y = 0.5·strike_propensity/0.1 + 0·escalation_prob + 2·strike_shock/0.2 (unit-scaled)."""
    spec = designs.spec_from_mapping({"method": "morris", "n": 6, "seed": 1, "space": SPACE})
    u = designs.unit_sample(spec)
    y = 0.5 * u[:, 2] + 2.0 * u[:, 0]  # columns in sorted key order (asserted below)
    assert spec.keys == ["coalition.strike_shock", "russia.escalation_prob",
                         "russia.strike_propensity"]
    outcomes = {"p_settlement": y, "p_escalation": y, "mean_strikes": y,
                "p_collapse_given_ceasefire": np.full(spec.size, 0.25)}
    order = np.random.default_rng(0).permutation(spec.size)
    results, missing = sensitivity.match_design(spec, _fake_sweep(spec, outcomes, order))
    assert missing.empty and list(results["design.index"]) == list(range(spec.size))
    indices, notes = sensitivity.sweep_indices(spec, results)
    mu_star = indices[(indices["index"] == "mu_star") & (indices["outcome"] == "p_escalation")]
    assert mu_star.set_index("parameter")["value"].to_dict() == pytest.approx(
        {"coalition.strike_shock": 2.0, "russia.escalation_prob": 0.0,
         "russia.strike_propensity": 0.5}, abs=1e-9)
    assert set(indices["outcome"]) == {"p_settlement", "p_escalation", "mean_strikes"}
    assert notes == [("P(collapse | ceasefire) (p_collapse_given_ceasefire): left out, 0.25 at "
                     "every point (nothing to attribute; a longer horizon or more replications "
                     "may help)")]

    outcomes["p_collapse_given_ceasefire"] = np.where(np.arange(spec.size) == 3, np.nan, y)
    _, notes = sensitivity.sweep_indices(
        spec, sensitivity.match_design(spec, _fake_sweep(spec, outcomes, order))[0])
    assert notes and "undefined at 1 points" in notes[0]


def test_a_job_that_ran_other_values_counts_as_missing() -> None:
    spec = designs.spec_from_mapping({"method": "saltelli", "n": 4, "seed": 1, "space": SPACE})
    y = np.linspace(0.0, 1.0, spec.size)
    table = _fake_sweep(spec, dict.fromkeys(sensitivity.SWEEP_OUTCOMES, y),
                        np.arange(spec.size))
    table.loc[2, "russia.strike_propensity"] += 0.01
    table.loc[4, "status"] = "failed"
    table.loc[4, "error"] = "ConfigError: boom"
    results, missing = sensitivity.match_design(spec, table)
    assert len(results) == spec.size - 2
    assert list(missing["design.index"]) == [2, 4]
    assert "russia.strike_propensity" in missing.loc[0, "reason"]
    assert missing.loc[1, "reason"] == "ConfigError: boom"
    with pytest.raises(ValueError, match="2 of 20 design points are missing"):
        sensitivity.sweep_indices(spec, results)
    assert math.isfinite(results["p_escalation"].sum())
