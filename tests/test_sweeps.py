"""Multiruns: grids in blocks, the aggregate, failures, resume, launchers.

CLI tests run ``python -m sim`` in a subprocess with ``cwd=tmp_path`` and a fixed
``hydra.sweep.dir``; every point runs 200 replications over 52 weeks on the default seed. The
grid runs through the design sweeper (``hydra/sweeper=design``, which the experiment presets
select) in blocks of two points unless a test says otherwise.
"""

from __future__ import annotations

import json
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
import yaml

from sim import metrics, output
from sim.derived import OUTCOMES
from sim.sweeps import aggregate, folders, table
from sim.sweeps import plan as plan_mod

SMALL = ["sim.replications=200", "sim.weeks=52", "sim.progress=off"]
DESIGN_SWEEPER = ["hydra/sweeper=design"]
GRID = ["deployment.timing=never,immediate", "us.role=none,air_support"]
# Hydra's product order: the last lever varies fastest.
GRID_POINTS = [("never", "none"), ("never", "air_support"), ("immediate", "none"),
               ("immediate", "air_support")]
REFERENCE = "deployment.timing=immediate us.role=air_support"
NO_FIGURES = "hydra.callbacks.aggregate.figures=false"
PROCESS_TIMEOUT = 300  # seconds; a hung launcher fails the test instead of blocking the suite


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m sim ARGS`` in ``cwd`` (Hydra's full-error mode off, as a user would run it)."""
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=PROCESS_TIMEOUT, check=False)


def run_sweep(sweep_dir: Path, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    """A multirun into ``sweep_dir``; asserts its exit code (1: some points did not finish)."""
    proc = run_cli(["-m", *args, *SMALL, f"hydra.sweep.dir={sweep_dir}"], sweep_dir.parent)
    assert proc.returncode == code, proc.stderr[-3000:]
    return proc


def point_dirs(sweep_dir: Path) -> list[Path]:
    return sorted((p for p in sweep_dir.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))


def records(folder: Path) -> pd.DataFrame:
    """A point's records: ``records.parquet`` (design sweeper) or ``records.csv`` (basic)."""
    if (folder / "records.parquet").exists():
        return pd.read_parquet(folder / "records.parquet")
    return pd.read_csv(folder / "records.csv", dtype={"seed": "uint64"})


def manifest_times(sweep_dir: Path) -> dict[str, int]:
    return {d.name: (d / output.MANIFEST).stat().st_mtime_ns for d in point_dirs(sweep_dir)
            if (d / output.MANIFEST).exists()}


@pytest.fixture(scope="module")
def grid(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2 × 2 grid in two blocks of two points, with a named reference point."""
    sweep_dir = tmp_path_factory.mktemp("grid") / "sweep"
    run_sweep(sweep_dir, *DESIGN_SWEEPER, *GRID, "hydra.sweeper.points_per_job=2",
              f"hydra.callbacks.aggregate.reference='{REFERENCE}'")
    return sweep_dir


# --------------------------------------------------------------------------- #
# A grid in blocks, and its aggregate
# --------------------------------------------------------------------------- #
def test_each_point_has_a_complete_folder_written_by_its_block(grid: Path) -> None:
    plan = plan_mod.read(grid)
    assert plan is not None and plan.blocks == [(0, 2), (2, 4)]
    assert [d.name for d in point_dirs(grid)] == ["0", "1", "2", "3"]
    for i, (d, (timing, role)) in enumerate(zip(point_dirs(grid), GRID_POINTS, strict=True)):
        assert folders.already_done(d, plan.overrides(i))
        config = yaml.safe_load((d / "config.yaml").read_text(encoding="utf-8"))
        assert (config["deployment"]["timing"], config["us"]["role"]) == (timing, role)
        assert config["sim"]["replications"] == 200 and config["sim"]["figures"] is False
        assert not (d / "figures").exists() and not (d / folders.ERROR_FILE).exists()
    for k in (0, 1):  # each block's Hydra files and log, apart from the points' folders
        block = grid / plan_mod.BLOCKS_DIR / str(k)
        assert (block / ".hydra" / "overrides.yaml").is_file() and (block / "cli.log").is_file()
    assert (grid / "multirun.yaml").is_file()


def test_sweep_csv_and_parquet_hold_the_same_columns_types_and_values(grid: Path) -> None:
    """The CSV (6 significant digits) reads back with the Parquet file's types and values."""
    csv = pd.read_csv(grid / aggregate.SWEEP_CSV)
    parquet = pd.read_parquet(grid / aggregate.SWEEP_PARQUET)
    assert list(csv.columns) == list(parquet.columns)
    assert {c: str(csv[c].dtype) for c in csv} == {c: str(parquet[c].dtype) for c in parquet}
    pd.testing.assert_frame_equal(csv, parquet, check_exact=False, rtol=1e-5)
    assert csv["p_war_lo"].map(lambda v: len(f"{v:.12g}".replace(".", "").lstrip("0"))).max() <= 6


def test_every_sweep_column_is_documented(grid: Path) -> None:
    """docs/DATA.md's sweep.csv section names every column (patterns like ``p_<outcome>``)."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "DATA.md").read_text(encoding="utf-8")
    start = text.index("## `sweep.csv`")
    section = text[start:text.find("\n## ", start + 1) if "\n## " in text[start + 1:] else None]
    names = set(re.findall(r"`([^`]+)`", section))
    for column in pd.read_parquet(grid / aggregate.SWEEP_PARQUET).columns:
        stem = re.sub(r"_(lo|hi)$", "", column)
        generic = re.sub(r"^(diff_)?p_(settlement|ceasefire_holding|war|escalation)$",
                         r"\1p_<outcome>", stem)
        generic = re.sub(r"^diff_mean_\w+$", "diff_mean_<measure>", generic)
        assert ({column, stem, generic} & names) or "." in column, column


def test_sweep_records_parquet_holds_every_point_with_its_levers(grid: Path) -> None:
    combined = pd.read_parquet(grid / aggregate.RECORDS_PARQUET)
    assert list(combined.columns[:3]) == ["point", "deployment.timing", "us.role"]
    for point, d in enumerate(point_dirs(grid)):
        part = combined[combined["point"] == point].drop(columns=combined.columns[:3])
        pd.testing.assert_frame_equal(part.reset_index(drop=True), records(d))
        timing, role = GRID_POINTS[point]
        assert set(combined.loc[combined["point"] == point, "us.role"]) == {role}
        assert set(combined.loc[combined["point"] == point, "deployment.timing"]) == {timing}


def test_sweep_table_has_one_row_per_point_with_v2_outcomes(grid: Path) -> None:
    sweep = pd.read_parquet(grid / aggregate.SWEEP_PARQUET)
    assert list(sweep["point"]) == [0, 1, 2, 3] and list(sweep["block"]) == [0, 0, 1, 1]
    assert list(sweep["status"]) == ["ok"] * 4
    assert list(zip(sweep["deployment.timing"], sweep["us.role"], strict=True)) == GRID_POINTS
    assert set(sweep["sim.replications"]) == {200}
    for row, d in zip(sweep.to_dict("records"), point_dirs(grid), strict=True):
        summary = json.loads((d / "summary.json").read_text(encoding="utf-8"))
        recs = records(d)
        for name in OUTCOMES:
            p, lo, hi = metrics.wilson_interval(int((recs["outcome"] == name).sum()), len(recs))
            assert (row[f"p_{name}"], row[f"p_{name}_lo"], row[f"p_{name}_hi"]) == \
                pytest.approx((p, lo, hi))
        p, lo, hi = metrics.wilson_interval(int(recs["outcome"].isin(["war", "escalation"]).sum()),
                                            len(recs))
        assert (row["p_war_or_escalation"], row["p_war_or_escalation_lo"],
                row["p_war_or_escalation_hi"]) == pytest.approx((p, lo, hi))
        rate, lo, hi = metrics.rate_interval(recs["ceasefire_failures"], recs["ceasefire_weeks"])
        assert (row["collapse_hazard"], row["collapse_hazard_lo"], row["collapse_hazard_hi"]) == \
            pytest.approx((rate, lo, hi))
        assert row["collapse_hazard"] == pytest.approx(summary["collapse_hazard"]["rate"])
        assert row["mean_strikes"] == pytest.approx(recs["n_strikes"].mean())
        assert row["path"] == f"{d.name}/"
    assert "p_collapse_given_ceasefire" not in sweep.columns  # v1's misleading measure is gone


def test_paired_differences_use_the_same_replications(grid: Path) -> None:
    """Points 2 and 3 differ only in the US role: the difference is paired replication by
    replication (same seeds), and narrower than an unpaired comparison would be."""
    sweep = pd.read_parquet(grid / aggregate.SWEEP_PARQUET)
    assert set(sweep["reference_point"]) == {3}  # immediate × air_support
    assert set(sweep["diff_vs_reference_method"]) == {table.PAIRED_METHOD}
    ref, other = records(grid / "3"), records(grid / "2")
    assert other["seed"].equals(ref["seed"])  # common random numbers
    row = sweep.loc[sweep["point"] == 2].iloc[0]
    for stem, what in [("p_escalation", metrics.outcome_indicator("escalation")),
                       ("p_war_or_escalation",
                        lambda r: r["outcome"].isin(("war", "escalation")).astype(float)),
                       ("mean_strikes", "n_strikes")]:
        d = metrics.paired_difference(other, ref, what)
        assert (row[f"diff_{stem}"], row[f"diff_{stem}_lo"], row[f"diff_{stem}_hi"]) == \
            pytest.approx((d["diff"], d["lo"], d["hi"]), abs=1e-12)
        assert row[f"diff_{stem}"] == pytest.approx(
            row[stem] - sweep.loc[sweep["point"] == 3, stem].item(), abs=1e-12)
    d = metrics.paired_difference(other, ref, "n_strikes")
    assert d["n"] == 200 and d["se_paired"] < d["se_unpaired"]
    ref_row = sweep.loc[sweep["point"] == 3].iloc[0]
    assert all(ref_row[f"diff_p_{name}"] == 0 for name in OUTCOMES)


def _synthetic_records(seed: int, n: int = 500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "replication": np.arange(n), "seed": np.arange(n, dtype=np.uint64) * 7 + 3,
        "outcome": rng.choice(OUTCOMES, n),
        "week_first_ceasefire": np.where(rng.random(n) < 0.6, rng.integers(0, 104, n), np.nan),
        "ceasefire_failures": rng.poisson(0.4, n), "ceasefire_weeks": rng.integers(0, 80, n),
        "n_strikes": rng.poisson(2.0, n), "members_remaining": rng.integers(0, 27, n),
        "final_territory": rng.random(n),
        "final_claim_gap": np.where(rng.random(n) < 0.1, np.nan, rng.random(n))})
    return frame


def test_paired_row_equals_the_metrics_functions_in_any_row_order() -> None:
    """The sweep's vectorised paired row gives exactly what the metrics functions give (seed 1
    and 2, 500 synthetic replications, one side shuffled), and refuses unmatched seeds."""
    a, ref = _synthetic_records(1), _synthetic_records(2)
    shuffled = a.sample(frac=1.0, random_state=3)
    row = table.paired_row(shuffled, ref)
    measures = [(f"p_{name}", metrics.outcome_indicator(name)) for name in OUTCOMES]
    measures += [("p_war_or_escalation",
                  lambda r: r["outcome"].isin(("war", "escalation")).astype(float))]
    measures += [(stem, column) for _, stem, column in table.MEANS]
    for stem, what in measures:
        d = metrics.paired_difference(a, ref, what)
        assert (row[f"diff_{stem}"], row[f"diff_{stem}_lo"], row[f"diff_{stem}_hi"]) == (
            d["diff"], d["lo"], d["hi"]), stem
    hazard = metrics.paired_headlines(a, ref)["collapse_hazard"]
    assert (row["diff_collapse_hazard"], row["diff_collapse_hazard_lo"],
            row["diff_collapse_hazard_hi"]) == (hazard["diff"], hazard["lo"], hazard["hi"])
    ratio = metrics.rate_ratio(a, ref)
    assert (row["hazard_ratio"], row["hazard_ratio_lo"], row["hazard_ratio_hi"]) == (
        ratio["ratio"], ratio["lo"], ratio["hi"])
    assert not math.isnan(row["hazard_ratio"]) and row["diff_p_war_or_escalation"] != 0
    other_seeds = ref.assign(seed=ref["seed"] + 1)
    with pytest.raises(ValueError, match="same seed"):
        table.paired_row(a, other_seeds)
    with pytest.raises(ValueError, match="same replications"):
        table.paired_row(a.iloc[:-1], ref)


@pytest.mark.parametrize("dtype", ["str", object, "string"])
def test_outcome_index_is_the_categorical_codes(dtype) -> None:
    """Outcome positions by Arrow equal pandas' categorical codes: every outcome, an unknown
    text and a missing value (-1), whatever the column's string type."""
    values = pd.Series([*OUTCOMES, "not an outcome", None, OUTCOMES[0]], dtype=dtype)
    expected = np.array([*range(len(OUTCOMES)), -1, -1, 0], dtype=np.int8)
    assert np.array_equal(table.outcome_index(values), expected)
    assert np.array_equal(table.outcome_index(values.iloc[:0]), expected[:0])


def test_failed_points_file_is_empty_and_sweep_figures_exist(grid: Path) -> None:
    failed = pd.read_csv(grid / aggregate.FAILED_CSV)
    assert failed.empty and list(failed.columns) == aggregate.FAILED_COLUMNS
    figures = {p.name for p in (grid / "figures").glob("*.png")}
    assert figures == {"heatmaps.png", "outcomes.png", "forest.png", "survival.png"}
    for name in figures:
        assert (grid / "figures" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_block_size_does_not_change_the_results(grid: Path, tmp_path: Path) -> None:
    """The same grid one point per job, and under Hydra's basic sweeper: identical records."""
    one = tmp_path / "one"
    run_sweep(one, *DESIGN_SWEEPER, *GRID, "hydra.sweeper.points_per_job=1", NO_FIGURES)
    assert plan_mod.read(one).blocks == [(0, 1), (1, 2), (2, 3), (3, 4)]
    basic = tmp_path / "basic"
    run_sweep(basic, "hydra/sweeper=basic", *GRID, NO_FIGURES)
    assert plan_mod.read(basic) is None  # one Hydra job per point, in its job folder
    for a, b in zip(point_dirs(one), point_dirs(grid), strict=True):
        assert (a / "records.parquet").read_bytes() == (b / "records.parquet").read_bytes()
    for a, b in zip(point_dirs(basic), point_dirs(grid), strict=True):
        assert not (a / "records.parquet").exists()  # a basic multirun writes single-run folders
        pd.testing.assert_frame_equal(records(a), records(b), check_exact=False, rtol=1e-9)
    assert not (basic / "0" / "figures").exists()  # per-job figures off in a multirun
    sweep = pd.read_csv(basic / aggregate.SWEEP_CSV)
    assert list(sweep["status"]) == ["ok"] * 4 and list(sweep["point"]) == [0, 1, 2, 3]


# --------------------------------------------------------------------------- #
# Failures and resume
# --------------------------------------------------------------------------- #
def test_a_bad_point_fails_alone_and_resume_recomputes_only_what_is_missing(tmp_path: Path
                                                                            ) -> None:
    """A point the command-line check cannot see (inside ``choice(...)``) fails on its own."""
    sweep_dir = tmp_path / "fail"
    proc = run_sweep(sweep_dir, *DESIGN_SWEEPER, "russia.strike_propensity=choice(0.005,7,0.002,0.01)",
                     "hydra.sweeper.points_per_job=4", NO_FIGURES, code=1)
    ok0, bad, ok2, ok3 = point_dirs(sweep_dir)
    assert plan_mod.read(sweep_dir).blocks == [(0, 4)]  # one block: the bad point is inside it
    assert all(output.is_complete(d) for d in (ok0, ok2, ok3))
    assert not (bad / output.MANIFEST).exists()
    error = json.loads((bad / folders.ERROR_FILE).read_text(encoding="utf-8"))
    assert error["error_type"] == "ConfigError" and error["point"] == 1 and error["block"] == 0
    assert "russia.strike_propensity" in error["message"] and "[0, 1]" in error["message"]
    assert "russia.strike_propensity=7" in error["overrides"]
    assert "error: point 1" in proc.stderr
    assert proc.stderr.splitlines()[-1].startswith("error: 1 of 4 sweep points did not finish")
    failed = pd.read_csv(sweep_dir / aggregate.FAILED_CSV)
    assert list(failed["point"]) == [1] and failed["message"].item() == error["message"]
    sweep = pd.read_csv(sweep_dir / aggregate.SWEEP_CSV)
    assert list(sweep["status"]) == ["ok", "failed", "ok", "ok"]
    assert math.isnan(sweep.loc[1, "p_war"])

    # Interrupt point 3 half-way (no manifest, a truncated table) and lose point 2's folder, then
    # rerun the same command (other block sizes: how a sweep runs may change): point 0 is skipped,
    # 1 is tried again (and fails again), 2 (missing) and 3 (incomplete) are computed.
    full = (ok3 / "records.parquet").read_bytes()
    (ok3 / output.MANIFEST).unlink()
    (ok3 / "records.parquet").write_bytes(full[: len(full) // 2])
    shutil.rmtree(ok2)
    before = manifest_times(sweep_dir)
    error_before = (bad / folders.ERROR_FILE).stat().st_mtime_ns
    proc = run_sweep(sweep_dir, *DESIGN_SWEEPER, "russia.strike_propensity=choice(0.005,7,0.002,0.01)",
                     "hydra.sweeper.points_per_job=2", NO_FIGURES, code=1)
    assert "block 0: points 0–1 in" in proc.stdout and "1 skipped (complete)" in proc.stdout
    after = manifest_times(sweep_dir)
    assert after["0"] == before["0"] and set(after) == {"0", "2", "3"}
    assert all(output.is_complete(d) for d in (ok0, ok2, ok3))
    assert (bad / folders.ERROR_FILE).stat().st_mtime_ns != error_before
    assert (ok3 / "records.parquet").read_bytes() == full
    config = yaml.safe_load((ok2 / "config.yaml").read_text(encoding="utf-8"))
    assert config["russia"]["strike_propensity"] == 0.002
    assert list(pd.read_csv(sweep_dir / aggregate.FAILED_CSV)["point"]) == [1]
    assert list(pd.read_csv(sweep_dir / aggregate.SWEEP_CSV)["status"]) == ["ok", "failed", "ok",
                                                                            "ok"]
    # Other values into the same folder are another sweep: refused, nothing touched.
    proc = run_cli(["-m", *DESIGN_SWEEPER, "russia.strike_propensity=choice(0.005,0.003,0.002,0.01)",
                    *SMALL, NO_FIGURES, f"hydra.sweep.dir={sweep_dir}"], sweep_dir.parent)
    assert proc.returncode == 2 and "holds another sweep" in proc.stderr
    assert manifest_times(sweep_dir) == after


def test_points_of_a_failed_block_are_recorded(tmp_path: Path) -> None:
    """A block job that dies outside the per-point handling (here: its plan entry is gone)."""
    sweep_dir = tmp_path / "sweep"
    sweep_dir.mkdir()
    plan = plan_mod.Plan(["sim.replications=10"], [plan_mod.Point(["us.role=none"]),
                                                   plan_mod.Point(["us.role=ground"])],
                         [(0, 2)])
    from hydra.core.utils import JobReturn, JobStatus

    from sim.sweeps.sweeper import DesignSweeperImpl

    ret = JobReturn(status=JobStatus.FAILED, _return_value=RuntimeError("node lost"))
    DesignSweeperImpl._record_failed_blocks(plan, [ret], sweep_dir)
    points = table.find_points(sweep_dir)
    assert [(p.point, p.status, p.message) for p in points] == [
        (0, "failed", "node lost"), (1, "failed", "node lost")]


def test_bad_config_in_a_single_run_still_exits_2(tmp_path: Path) -> None:
    proc = run_cli(["russia.strike_propensity=7", *SMALL, "hydra.run.dir=run"], tmp_path)
    assert proc.returncode == 2
    errors = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(errors) == 1 and errors[0].startswith("error: russia.strike_propensity")
    assert not (tmp_path / "run").exists()


# --------------------------------------------------------------------------- #
# Launchers
# --------------------------------------------------------------------------- #
def _assert_same_as_grid(sweep_dir: Path, grid: Path, n_blocks: int) -> None:
    """Points (immediate × none, immediate × air_support) equal grid points 2 and 3 exactly."""
    assert len(plan_mod.read(sweep_dir).blocks) == n_blocks
    dirs = point_dirs(sweep_dir)
    assert len(dirs) == 2
    for d, g in zip(dirs, point_dirs(grid)[2:], strict=True):
        assert output.is_complete(d)
        assert (d / "records.parquet").read_bytes() == (g / "records.parquet").read_bytes()
    assert list(pd.read_csv(sweep_dir / aggregate.SWEEP_CSV)["us.role"]) == ["none",
                                                                            "air_support"]


def test_joblib_launcher_runs_one_block_per_worker(grid: Path, tmp_path: Path) -> None:
    sweep_dir = tmp_path / "joblib"
    run_sweep(sweep_dir, *DESIGN_SWEEPER, "deployment.timing=immediate", "us.role=none,air_support",
              "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", NO_FIGURES)
    _assert_same_as_grid(sweep_dir, grid, n_blocks=2)


def test_submitit_local_launcher(grid: Path, tmp_path: Path) -> None:
    sweep_dir = tmp_path / "submitit"
    run_sweep(sweep_dir, *DESIGN_SWEEPER, "deployment.timing=immediate", "us.role=none,air_support",
              "hydra/launcher=submitit_local", "hydra.launcher.timeout_min=10", NO_FIGURES)
    _assert_same_as_grid(sweep_dir, grid, n_blocks=1)
    assert (sweep_dir / ".submitit").is_dir()  # the block really went through submitit


def test_slurm_preset_composes_with_the_design_sweeper() -> None:
    from hydra import compose, initialize_config_dir

    from sim.config import register_configs
    from sim.resources import conf_dir

    register_configs()
    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["+experiment=sobol",
                                                       "hydra/launcher=slurm"],
                      return_hydra_config=True)
    assert cfg.hydra.launcher._target_.endswith("SlurmLauncher")
    assert cfg.hydra.sweeper._target_ == plan_mod.SWEEPER_TARGET
    assert cfg.hydra.sweeper.cluster_points_per_job > 1


# --------------------------------------------------------------------------- #
# Aggregation helpers
# --------------------------------------------------------------------------- #
def test_parse_overrides_and_reference_choice(tmp_path: Path) -> None:
    assert table.parse_overrides(["+a.b=1", "c=x=y", "~d", "++e=2"]) == {
        "a.b": "1", "c": "x=y", "e": "2"}
    points = [table.PointRun(0, tmp_path, "failed", ["x=1"]),
              table.PointRun(1, tmp_path, "ok", ["x=2", "y=a"]),
              table.PointRun(2, tmp_path, "ok", ["x=3.0", "y=b"])]
    assert table.choose_reference(points, None).point == 1  # first finished point
    assert table.choose_reference(points, 2).point == 2
    assert table.choose_reference(points, "x=3").point == 2  # numbers compare as numbers
    assert table.choose_reference(points, "y=b x=3").point == 2
    assert table.choose_reference(points, "y=zzz").point == 1  # no match: first finished
