"""Sensitivity analysis and scenario discovery from the command line, through the design sweeper.

Three small sweeps run ``python -m sim +experiment=...`` in a subprocess (``cwd`` a temporary
folder, a fixed ``hydra.sweep.dir``, the default simulation seed 20250904 and design seed
20250904), each point with 200 replications over 104 weeks and no per-point figures:

- Morris: 2 trajectories over the preset's 16 parameters (34 points, blocks of at most 10);
- Sobol: Saltelli base sample 4 over the preset's 8 parameters (40 points in one block);
- LHS: 24 points over the preset's 8 parameters plus ``deployment.timing`` (blocks of 8), for
  PRIM.

The whole chain is deterministic given those seeds, so the checks on the results are exact
statements about this configuration, not tolerances. The estimators themselves are checked
against known answers in ``tests/test_sensitivity.py``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import output
from sim.config import field_of
from sim.sweeps import aggregate, analysis, discovery, indices
from sim.sweeps import plan as plan_mod
from sim.sweeps.designs import DesignSpec

SMALL = ["sim.replications=200", "sim.weeks=104", "sim.progress=off"]
MORRIS = ["+experiment=morris", "design.n=2", "hydra.sweeper.points_per_job=10"]
SOBOL = ["+experiment=sobol", "design.n=4"]
TIMINGS = ["never", "commit_now", "immediate", "after_settlement"]
LHS = ["+experiment=lhs", "design.n=24", f"design.space.deployment.timing=[{','.join(TIMINGS)}]",
       "hydra.sweeper.points_per_job=8"]
PROCESS_TIMEOUT = 300  # seconds; a hung sweep fails the test instead of blocking the suite
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CONTROL = "deployment.tripwire_multiplier"  # acts only under the tripwire posture: inert here
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


def spec_of(sweep_dir: Path) -> DesignSpec:
    plan = plan_mod.read(sweep_dir)
    assert plan is not None and plan.design is not None
    return DesignSpec.from_mapping(plan.design)


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


def _check_index_table(sweep_dir: Path, method: str, names: set[str]) -> pd.DataFrame:
    """Shared checks of ``sensitivity.csv``, its report and figures; returns the table."""
    spec = spec_of(sweep_dir)
    table = pd.read_csv(sweep_dir / indices.SENSITIVITY_CSV)
    assert list(table.columns) == indices.INDEX_COLUMNS
    assert set(table["method"]) == {method}
    report = (sweep_dir / indices.SENSITIVITY_MD).read_text(encoding="utf-8")
    present = set(table["outcome"])
    for outcome in analysis.SWEEP_OUTCOMES:  # every outcome analysed, or said why not
        assert outcome in present or f"({outcome}): left out" in report
    assert {"p_escalation", "p_war_or_escalation", "collapse_hazard", "mean_strikes"} <= present
    for outcome, part in table.groupby("outcome"):
        assert set(part["index"]) == names
        for index, rows in part.groupby("index"):
            assert sorted(rows["parameter"]) == sorted(spec.keys), (outcome, index)
        assert np.isfinite(part["value"]).all(), outcome
        with_conf = part[part["index"].isin(["mu_star", "S1", "ST"])]
        assert np.isfinite(with_conf["confidence"]).all() and (with_conf["confidence"] >= 0).all()
        png = sweep_dir / "figures" / f"sensitivity_{outcome}.png"
        assert png.read_bytes()[:8] == PNG_MAGIC
    for row in table.drop_duplicates("parameter").itertuples():
        meta = field_of(row.parameter).metadata
        assert row.provenance == f"{meta['kind']}: {meta['source']}"
        assert row.label.startswith(row.parameter + " (")
        assert all(q in row.label for q in meta["quotes"])
        assert (row.lo, row.hi) == tuple(float(x) for x in meta["plausible"])  # the one source
    return table


# --------------------------------------------------------------------------- #
# Morris
# --------------------------------------------------------------------------- #
def test_morris_sweep_runs_in_blocks_and_writes_indices(morris_dir: Path) -> None:
    plan = plan_mod.read(morris_dir)
    assert len(plan.points) == 34 and len(plan.blocks) == 4
    assert all(b - a <= 10 for a, b in plan.blocks)
    assert sorted(p.name for p in (morris_dir / plan_mod.BLOCKS_DIR).iterdir()) == [
        "0", "1", "2", "3"]
    table = _check_index_table(morris_dir, "morris", {"mu_star", "mu", "sigma"})
    wide = table.pivot_table(index=["outcome", "parameter"], columns="index", values="value")
    assert (wide["mu_star"] >= 0).all() and (wide["sigma"] >= 0).all()
    assert (wide["mu_star"] >= wide["mu"].abs() - 1e-12).all()  # |mean| ≤ mean of |.|
    assert len(spec_of(morris_dir).keys) == 16


def test_morris_control_is_exactly_zero_and_drivers_rank_above_it(morris_dir: Path) -> None:
    table = pd.read_csv(morris_dir / indices.SENSITIVITY_CSV)
    mu_star = table[table["index"] == "mu_star"].set_index(["outcome", "parameter"])["value"]
    # The control does not act in this scenario; with common random numbers its elementary
    # effects are exactly zero. A point matched to the wrong results would break this.
    assert (mu_star.xs(CONTROL, level="parameter") == 0.0).all()
    # Strikes scale with the red line by construction; Russia's acceptance decides whether the
    # war ends at all. Two trajectories are enough to see both move their outcome.
    assert mu_star[("mean_strikes", "russia.strike_propensity")] > 0.0
    war = mu_star.xs("p_war_or_escalation")
    for driver in ("russia.accept_intercept", "russia.force_aversion"):
        assert war[driver] > war[CONTROL]
    report = (morris_dir / indices.SENSITIVITY_MD).read_text(encoding="utf-8")
    assert "## P(escalation) (`p_escalation`)" in report
    assert "russia.escalation_prob (Q01, Q10)" in report


def test_missing_points_skip_the_indices_with_a_message(morris_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "sweep"
    shutil.copytree(morris_dir, copy)
    (copy / "5" / output.MANIFEST).unlink()  # point 5 now looks killed half-way
    shutil.rmtree(copy / "7")  # point 7 never ran
    result = aggregate.aggregate(copy, make_figures=False)
    assert dict(zip(result.failed["point"], result.failed["status"], strict=True)) == {
        5: "incomplete", 7: "not run"}
    assert len(result.table) == 34  # one row per planned point, run or not
    assert not (copy / indices.SENSITIVITY_CSV).exists()
    assert not list((copy / "figures").glob("sensitivity_*.png"))  # stale figures removed
    report = (copy / indices.SENSITIVITY_MD).read_text(encoding="utf-8")
    assert "Not computed: 2 of 34 design points" in report
    assert re.search(r"^\| 5 \| incomplete \|", report, re.MULTILINE)
    assert re.search(r"^\| 7 \| not run \| NotRun: no job ran this point \|$", report,
                     re.MULTILINE)
    assert (copy / aggregate.SWEEP_CSV).is_file()  # the sweep table is still there


# --------------------------------------------------------------------------- #
# Sobol
# --------------------------------------------------------------------------- #
def test_sobol_sweep_writes_indices_and_figures(sobol_dir: Path) -> None:
    plan = plan_mod.read(sobol_dir)
    assert len(plan.points) == 4 * (8 + 2) and plan.blocks == [(0, 40)]
    table = _check_index_table(sobol_dir, "sobol", {"S1", "ST"})
    st = table[table["index"] == "ST"].set_index(["outcome", "parameter"])["value"]
    assert (st >= 0).all()
    assert len(table.drop_duplicates(["outcome", "parameter"])) == 8 * table["outcome"].nunique()
    design = pd.read_csv(sobol_dir / aggregate.DESIGN_CSV)
    assert list(design["point"]) == list(range(40)) and set(design["status"]) == {"ok"}


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
    assert "deployment.timing" in spec.keys and len(plan_mod.read(lhs_dir).blocks) == 3
    design = pd.read_csv(lhs_dir / aggregate.DESIGN_CSV)
    sweep = pd.read_csv(lhs_dir / aggregate.SWEEP_CSV)
    n_boxes = 0
    for outcome, kind in analysis.DISCOVERY_OUTCOMES.items():
        boxes = pd.read_csv(lhs_dir / f"prim_{outcome}.csv")
        report = (lhs_dir / f"prim_{outcome}.md").read_text(encoding="utf-8")
        assert list(boxes.columns) == discovery.PRIM_COLUMNS
        assert f"A point is **{kind}** when" in report
        y = sweep.set_index("point").loc[design["point"], outcome].to_numpy()
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
    code = discovery.discover_main([str(copy), "--threshold", "p_escalation=0.05",
                                    "--max-boxes", "1"])
    assert code == 0
    assert str(copy / "prim_p_escalation.csv") in capsys.readouterr().out
    boxes = pd.read_csv(copy / "prim_p_escalation.csv")
    assert len(boxes) <= 1 and set(boxes["threshold"]) <= {0.05}
    sweep = pd.read_csv(copy / aggregate.SWEEP_CSV)
    assert set(boxes["n_prone"]) <= {int((sweep["p_escalation"] > 0.05).sum())}
    assert "P(escalation) > 0.05 (a fixed threshold)" in (
        copy / "prim_p_escalation.md").read_text(encoding="utf-8")

    assert discovery.discover_main([str(tmp_path / "nothing")]) == 2
    assert "is not a folder" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        discovery.discover_main([str(copy), "--threshold", "p_war=0.1"])
    assert exit_info.value.code == 2
