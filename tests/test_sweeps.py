"""Hydra multiruns: grids, presets, sampled designs, failures, resume, joblib and submitit_local.

CLI tests run ``python -m sim`` in a subprocess with ``cwd=tmp_path`` and a fixed
``hydra.sweep.dir``; every job uses 200 replications over 52 weeks on the default seed. Most of
their time is process start-up and each job's figures (about 1 s per job on an idle machine).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim import callbacks, designs, metrics, output
from sim.config import ConfigError, register_configs
from sim.derived import OUTCOMES
from sim.resources import conf_dir

SMALL = ["sim.replications=200", "sim.weeks=52", "sim.progress=off"]
GRID = ["deployment.timing=never,immediate", "us.role=none,air_support"]
# Hydra's product order: the last lever varies fastest.
GRID_JOBS = [("never", "none"), ("never", "air_support"), ("immediate", "none"),
             ("immediate", "air_support")]
REFERENCE = "deployment.timing=immediate us.role=air_support"
PROCESS_TIMEOUT = 300  # seconds; a hung launcher fails the test instead of blocking the suite


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m sim ARGS`` in ``cwd`` (Hydra's full-error mode off, as a user would run it)."""
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=PROCESS_TIMEOUT, check=False)


def run_sweep(sweep_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A multirun into ``sweep_dir``; asserts it exited normally."""
    proc = run_cli(["-m", *args, *SMALL, f"hydra.sweep.dir={sweep_dir}"], sweep_dir.parent)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def job_dirs(sweep_dir: Path) -> list[Path]:
    return sorted((p for p in sweep_dir.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))


@pytest.fixture(scope="module")
def grid(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2 × 2 grid on the basic launcher with a named reference job."""
    sweep_dir = tmp_path_factory.mktemp("grid") / "sweep"
    run_sweep(sweep_dir, *GRID, f"hydra.callbacks.aggregate.reference='{REFERENCE}'")
    return sweep_dir


# --------------------------------------------------------------------------- #
# Grid sweep and aggregation, file by file
# --------------------------------------------------------------------------- #
def test_grid_writes_a_complete_results_folder_per_job(grid: Path) -> None:
    dirs = job_dirs(grid)
    assert [d.name for d in dirs] == ["0", "1", "2", "3"]
    for d, (timing, role) in zip(dirs, GRID_JOBS, strict=True):
        assert output.is_complete(d)
        config = yaml.safe_load((d / "config.yaml").read_text(encoding="utf-8"))
        assert (config["deployment"]["timing"], config["us"]["role"]) == (timing, role)
        assert config["sim"]["replications"] == 200
        assert not (d / callbacks.ERROR_FILE).exists()
    assert (grid / "multirun.yaml").is_file()


def test_sweep_table_has_a_row_per_job_with_overrides_and_summaries(grid: Path) -> None:
    table = pd.read_csv(grid / callbacks.SWEEP_CSV)
    assert list(table["job"]) == [0, 1, 2, 3]
    assert list(table["status"]) == ["ok"] * 4
    assert list(zip(table["deployment.timing"], table["us.role"], strict=True)) == GRID_JOBS
    assert set(table["sim.replications"]) == {200}
    for row, d in zip(table.itertuples(index=False), job_dirs(grid), strict=True):
        summary = json.loads((d / "summary.json").read_text(encoding="utf-8"))
        records = pd.read_csv(d / "records.csv")
        row = row._asdict()
        for name in OUTCOMES:
            p, lo, hi = metrics.wilson_interval(int((records["outcome"] == name).sum()),
                                                len(records))
            assert row[f"p_{name}"] == pytest.approx(summary["outcomes"][name]["p"])
            assert row[f"p_{name}"] == pytest.approx(p)
            assert (row[f"p_{name}_lo"], row[f"p_{name}_hi"]) == pytest.approx((lo, hi))
        assert sum(row[f"p_{name}"] for name in OUTCOMES) == pytest.approx(1.0)
        assert row["mean_strikes"] == pytest.approx(records["n_strikes"].mean())
        assert row["mean_members_remaining"] == pytest.approx(
            records["members_remaining"].mean())
        assert str(row["path"]) == d.name


def test_parquet_matches_csv(grid: Path) -> None:
    csv = pd.read_csv(grid / callbacks.SWEEP_CSV)
    parquet = pd.read_parquet(grid / callbacks.SWEEP_PARQUET)
    assert list(parquet.columns) == list(csv.columns)
    for col in csv.columns:
        if pd.api.types.is_numeric_dtype(csv[col]):
            np.testing.assert_allclose(parquet[col].astype(float), csv[col].astype(float),
                                       rtol=1e-12, equal_nan=True, err_msg=col)
        else:
            assert list(parquet[col].astype(str)) == list(csv[col].astype(str)), col


def test_paired_differences_against_the_named_reference(grid: Path) -> None:
    table = pd.read_csv(grid / callbacks.SWEEP_CSV)
    dirs = job_dirs(grid)
    assert set(table["reference_job"]) == {3}  # immediate × air_support
    assert set(table["diff_vs_reference_method"]) == {"paired (common random numbers)"}
    assert all("deployment.timing=immediate" in s and "us.role=air_support" in s
               for s in table["reference_overrides"])
    ref = pd.read_csv(dirs[3] / "records.csv", dtype={"seed": "uint64"})
    for job in (0, 2):
        records = pd.read_csv(dirs[job] / "records.csv", dtype={"seed": "uint64"})
        assert records["seed"].equals(ref["seed"])  # common random numbers
        for name in OUTCOMES:
            d = metrics.paired_difference(records, ref, metrics.outcome_indicator(name))
            row = table.loc[table["job"] == job].iloc[0]
            assert row[f"diff_p_{name}"] == pytest.approx(d["diff"], abs=1e-12)
            assert row[f"diff_p_{name}_lo"] == pytest.approx(d["lo"], abs=1e-12)
            assert row[f"diff_p_{name}"] == pytest.approx(
                row[f"p_{name}"] - table.loc[3, f"p_{name}"], abs=1e-12)
    ref_row = table.loc[table["job"] == 3].iloc[0]
    assert all(ref_row[f"diff_p_{name}"] == 0 for name in OUTCOMES)
    # No force at all changes the escalation risk relative to the article's deployment.
    never_none = table.loc[table["job"] == 0].iloc[0]
    assert never_none["diff_mean_strikes"] < 0


def test_failed_jobs_file_is_empty_and_figures_exist(grid: Path) -> None:
    failed = pd.read_csv(grid / callbacks.FAILED_CSV)
    assert failed.empty and "message" in failed.columns
    figures = {p.name for p in (grid / "figures").glob("*.png")}
    assert figures == {*(f"heatmap_{n}.png" for n in OUTCOMES), "outcomes.png", "survival.png"}
    for name in figures:
        assert (grid / "figures" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------- #
# Presets
# --------------------------------------------------------------------------- #
def _preset(name: str) -> tuple[dict, list[str]]:
    """The hydra node of a preset and its sweep overrides (as the basic sweeper builds them)."""
    from hydra import compose, initialize_config_dir

    register_configs()
    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"+experiment={name}"],
                      return_hydra_config=True)
    hydra_node = cfg.hydra
    params = [f"{k}={v}" for k, v in hydra_node.sweeper.params.items()]
    return hydra_node, params


def _sweep_values(param: str) -> list:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    override = OverridesParser.create().parse_overrides([param])[0]
    return list(override.sweep_iterator()) if override.is_sweep_override() else [override.value()]


@pytest.mark.parametrize(("name", "key", "expected"), [
    ("troops", "deployment.troops_total", list(range(0, 50001, 5000))),
    ("coalition_size", "coalition.members", list(range(0, 27, 2))),
    ("red_line", "russia.strike_propensity", [0, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5, 1]),
])
def test_one_lever_presets_span_their_range(name: str, key: str, expected: list) -> None:
    hydra_node, params = _preset(name)
    assert hydra_node.mode.name == "MULTIRUN"
    (param,) = params
    assert param.startswith(f"{key}=")
    values = _sweep_values(param)
    assert values == expected
    assert min(values) == expected[0] and max(values) == expected[-1]
    ref = callbacks.parse_overrides(hydra_node.callbacks.aggregate.reference.split())
    assert float(ref[key]) in [float(v) for v in values]


def test_timing_x_us_role_preset_is_the_full_product() -> None:
    from sim.config import TIMINGS, US_ROLES

    hydra_node, params = _preset("timing_x_us_role")
    swept = {p.split("=", 1)[0]: _sweep_values(p) for p in params}
    assert sorted(swept["deployment.timing"]) == sorted(TIMINGS)
    assert sorted(swept["us.role"]) == sorted(US_ROLES)
    ref = callbacks.parse_overrides(hydra_node.callbacks.aggregate.reference.split())
    assert ref == {"deployment.timing": "immediate", "us.role": "air_support"}


@pytest.mark.parametrize("name", ["lhs", "sobol"])
def test_design_presets_sweep_exactly_their_design(name: str) -> None:
    _, params = _preset(name)
    node: dict = {}
    index: list = []
    for p in params:
        key, _ = p.split("=", 1)
        values = _sweep_values(p)
        if key == "+design.index":
            index = values
        else:
            parts = key.lstrip("+").split(".")[1:]
            target = node
            for part in parts[:-1]:
                target = target.setdefault(part, {})
            target[parts[-1]] = values[0]
    spec = designs.spec_from_mapping(node)
    assert index == list(range(spec.size))
    assert len(spec.dims) >= 6


# --------------------------------------------------------------------------- #
# Sampled designs
# --------------------------------------------------------------------------- #
SPACE = {"russia": {"strike_propensity": [0.0, 0.1]}, "coalition": {"members": [10, 26]},
         "deployment": {"timing": ["never", "immediate", "after_settlement"]}}


def test_lhs_design_is_deterministic_and_stratified() -> None:
    spec = designs.spec_from_mapping({"method": "lhs", "n": 12, "seed": 7, "space": SPACE})
    a, b = designs.generate(spec), designs.generate(spec)
    pd.testing.assert_frame_equal(a, b)
    other = designs.generate(designs.spec_from_mapping(
        {"method": "lhs", "n": 12, "seed": 8, "space": SPACE}))
    assert not a.equals(other)
    u = designs.unit_sample(spec)
    for j in range(u.shape[1]):  # Latin hypercube: one point in each of the n strata per axis
        assert sorted(np.floor(u[:, j] * 12).astype(int)) == list(range(12))
    assert a["russia.strike_propensity"].between(0.0, 0.1).all()
    assert set(a["coalition.members"]) <= set(range(10, 27))
    assert a["coalition.members"].map(type).eq(int).all()
    assert set(a["deployment.timing"]) <= {"never", "immediate", "after_settlement"}
    assert designs.point(spec, 5) == {k: a.loc[5, k] for k in spec.keys}
    with pytest.raises(ConfigError, match="outside the design"):
        designs.point(spec, 12)


def test_saltelli_design_matches_salib() -> None:
    from SALib.sample import sobol

    spec = designs.spec_from_mapping({"method": "saltelli", "n": 8, "seed": 3, "space": SPACE})
    assert spec.size == 8 * (3 + 2)
    table = designs.generate(spec)
    assert len(table) == spec.size
    unit = sobol.sample({"num_vars": 3, "names": spec.keys, "bounds": [[0, 1]] * 3}, 8,
                        calc_second_order=False, seed=3)
    np.testing.assert_allclose(table["russia.strike_propensity"], unit[:, 2] * 0.1)
    assert designs.spec_from_mapping({"method": "saltelli", "n": 8, "seed": 3, "space": SPACE,
                                      "second_order": True}).size == 8 * (2 * 3 + 2)
    with pytest.raises(ConfigError, match="power of two"):
        designs.spec_from_mapping({"method": "saltelli", "n": 10, "space": SPACE})
    with pytest.raises(ConfigError, match="unknown parameter"):
        designs.spec_from_mapping({"method": "lhs", "n": 4, "space": {"russia": {"x": [0, 1]}}})
    with pytest.raises(ConfigError, match="allowed range"):
        designs.spec_from_mapping({"method": "lhs", "n": 4,
                                   "space": {"russia": {"strike_propensity": [0, 2]}}})


def test_sampled_design_runs_one_job_per_point(tmp_path: Path) -> None:
    sweep_dir = tmp_path / "lhs"
    run_sweep(sweep_dir, "+experiment=lhs", "+design.n=3", "+design.index=range(0,3)",
              "hydra.callbacks.aggregate.figures=false")
    design = pd.read_csv(sweep_dir / callbacks.DESIGN_CSV)
    table = pd.read_csv(sweep_dir / callbacks.SWEEP_CSV)
    assert list(design["design.index"]) == [0, 1, 2]
    assert list(design["status"]) == ["ok"] * 3
    assert list(table["design.index"]) == [0, 1, 2]
    spec_keys = [c for c in design.columns if c not in ("design.index", "job", "status")]
    assert "russia.strike_propensity" in spec_keys and len(spec_keys) == 8
    for _, row in design.iterrows():
        job = int(row["job"])
        config = yaml.safe_load((sweep_dir / str(job) / "config.yaml").read_text("utf-8"))
        for key in spec_keys:
            group, name = key.split(".")
            assert config[group][name] == pytest.approx(row[key], rel=1e-12), key
            assert table.loc[table["job"] == job, key].item() == pytest.approx(row[key])
    # Different points give different results (the point's values really reach the model).
    assert table["p_war"].nunique() > 1 or table["mean_strikes"].nunique() > 1


# --------------------------------------------------------------------------- #
# Failures and resume
# --------------------------------------------------------------------------- #
def test_a_failing_job_does_not_stop_the_sweep(tmp_path: Path) -> None:
    sweep_dir = tmp_path / "fail"
    proc = run_sweep(sweep_dir, "russia.strike_propensity=0.5,7,0.02",
                     "hydra.callbacks.aggregate.figures=false")
    ok0, bad, ok2 = job_dirs(sweep_dir)
    assert output.is_complete(ok0) and output.is_complete(ok2)
    assert not (bad / output.MANIFEST).exists()
    error = json.loads((bad / callbacks.ERROR_FILE).read_text(encoding="utf-8"))
    assert error["error_type"] == "ConfigError"
    assert "russia.strike_propensity" in error["message"] and "[0, 1]" in error["message"]
    assert "russia.strike_propensity=7" in error["overrides"]
    failed = pd.read_csv(sweep_dir / callbacks.FAILED_CSV)
    assert list(failed["job"]) == [1]
    assert failed["message"].item() == error["message"]
    table = pd.read_csv(sweep_dir / callbacks.SWEEP_CSV)
    assert list(table["status"]) == ["ok", "failed", "ok"]
    assert math.isnan(table.loc[1, "p_war"])
    assert "error: job 1" in proc.stderr

    # Rerun into the same folder with job 1 fixed and job 2 changed: job 0 is skipped, job 1
    # (failed) and job 2 (complete, but for other overrides) are computed afresh.
    proc = run_sweep(sweep_dir, "russia.strike_propensity=0.5,0.3,0.03",
                     "hydra.callbacks.aggregate.figures=false")
    assert proc.stdout.count("skipped (complete)") == 1
    assert all(output.is_complete(d) for d in (ok0, bad, ok2))
    assert not (bad / callbacks.ERROR_FILE).exists()
    config = yaml.safe_load((ok2 / "config.yaml").read_text(encoding="utf-8"))
    assert config["russia"]["strike_propensity"] == 0.03
    assert pd.read_csv(sweep_dir / callbacks.FAILED_CSV).empty
    assert list(pd.read_csv(sweep_dir / callbacks.SWEEP_CSV)["status"]) == ["ok"] * 3


def test_bad_config_in_a_single_run_still_exits_2(tmp_path: Path) -> None:
    proc = run_cli(["russia.strike_propensity=7", *SMALL, "hydra.run.dir=run"], tmp_path)
    assert proc.returncode == 2
    errors = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(errors) == 1 and errors[0].startswith("error: russia.strike_propensity")
    assert not (tmp_path / "run").exists()


def test_resume_recomputes_only_unfinished_jobs(tmp_path: Path) -> None:
    sweep_dir = tmp_path / "resume"
    args = ["us.role=none,air_support,ground", "hydra.callbacks.aggregate.figures=false"]
    run_sweep(sweep_dir, *args)
    dirs = job_dirs(sweep_dir)
    before = {d.name: (d / output.MANIFEST).stat().st_mtime_ns for d in dirs}
    records_1 = (dirs[1] / "records.csv").read_bytes()
    # Interrupt job 1 half-way: no manifest, a truncated table.
    (dirs[1] / output.MANIFEST).unlink()
    (dirs[1] / "records.csv").write_bytes(records_1[: len(records_1) // 2])
    proc = run_sweep(sweep_dir, *args)
    assert proc.stdout.count("skipped (complete)") == 2
    after = {d.name: (d / output.MANIFEST).stat().st_mtime_ns for d in dirs}
    assert after["0"] == before["0"] and after["2"] == before["2"]
    assert output.is_complete(dirs[1])
    assert (dirs[1] / "records.csv").read_bytes() == records_1
    assert list(pd.read_csv(sweep_dir / callbacks.SWEEP_CSV)["status"]) == ["ok"] * 3


# --------------------------------------------------------------------------- #
# Launchers
# --------------------------------------------------------------------------- #
def _assert_same_results_as_grid(sweep_dir: Path, grid: Path) -> None:
    """Jobs (immediate × none, immediate × air_support) equal grid jobs 2 and 3 byte for byte."""
    dirs = job_dirs(sweep_dir)
    assert len(dirs) == 2
    for d, g in zip(dirs, job_dirs(grid)[2:], strict=True):
        assert output.is_complete(d)
        assert (d / "records.csv").read_bytes() == (g / "records.csv").read_bytes()
    table = pd.read_csv(sweep_dir / callbacks.SWEEP_CSV)
    assert list(table["us.role"]) == ["none", "air_support"]


def test_joblib_launcher(grid: Path, tmp_path: Path) -> None:
    sweep_dir = tmp_path / "joblib"
    run_sweep(sweep_dir, "deployment.timing=immediate", "us.role=none,air_support",
              "hydra/launcher=joblib", "hydra.launcher.n_jobs=2",
              "hydra.callbacks.aggregate.figures=false")
    _assert_same_results_as_grid(sweep_dir, grid)


def test_submitit_local_launcher(grid: Path, tmp_path: Path) -> None:
    sweep_dir = tmp_path / "submitit"
    run_sweep(sweep_dir, "deployment.timing=immediate", "us.role=none,air_support",
              "hydra/launcher=submitit_local", "hydra.launcher.timeout_min=10",
              "hydra.callbacks.aggregate.figures=false")
    _assert_same_results_as_grid(sweep_dir, grid)
    assert (sweep_dir / ".submitit").is_dir()  # the jobs really went through submitit


# --------------------------------------------------------------------------- #
# Aggregation helpers
# --------------------------------------------------------------------------- #
def test_parse_overrides_and_reference_choice(tmp_path: Path) -> None:
    assert callbacks.parse_overrides(["+a.b=1", "c=x=y", "~d", "++e=2"]) == {
        "a.b": "1", "c": "x=y", "e": "2"}
    jobs = [callbacks.Job(0, tmp_path, "failed", ["x=1"]),
            callbacks.Job(1, tmp_path, "ok", ["x=2", "y=a"]),
            callbacks.Job(2, tmp_path, "ok", ["x=3.0", "y=b"])]
    assert callbacks.choose_reference(jobs, None).num == 1  # first finished job
    assert callbacks.choose_reference(jobs, 2).num == 2
    assert callbacks.choose_reference(jobs, "x=3").num == 2  # numbers compare as numbers
    assert callbacks.choose_reference(jobs, "y=b x=3").num == 2
    assert callbacks.choose_reference(jobs, "y=zzz").num == 1  # no match: first finished
