"""The command line end to end, in a subprocess, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import api, output

FIGURES = ("outcomes", "survival", "phase_shares", "paths")
RESULT_FILES = ("config.yaml", "summary.json", "summary.csv", "summary.txt", "records.csv",
                "paths.csv", "survival.csv", "rulebook.md", "manifest.json")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SMALL = ["sim.replications=300", "sim.weeks=60"]


def cli(args, cwd, module=True):
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    cmd = [sys.executable, "-m", "sim", *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
                          check=False)


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    proc = cli([*SMALL, "hydra.run.dir=run1"], cwd=root)
    assert proc.returncode == 0, proc.stderr
    return root, root / "run1", proc


def test_cli_prints_the_summary_table(baseline_run):
    _, _, proc = baseline_run
    for label in ("P(settlement)", "P(ceasefire_holding)", "P(war)", "P(escalation)",
                  "P(war or escalation)", "P(first ceasefire by week 13)",
                  "P(first ceasefire by week 52)", "median week of first ceasefire",
                  "ceasefire failures per 100 ceasefire-weeks", "P(referendum held)",
                  "mean strikes on coalition", "mean coalition members remaining",
                  "mean final Russian-held territory"):
        assert label in proc.stdout, label
    assert "replications: 300" in proc.stdout and "seed: 20250904" in proc.stdout


def test_cli_writes_every_file_non_trivially(baseline_run):
    _, run, _ = baseline_run
    for name in RESULT_FILES:
        assert (run / name).stat().st_size > 100, name
    for fig in FIGURES:
        data = (run / "figures" / f"{fig}.png").read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000, fig
    assert (run / ".hydra" / "config.yaml").is_file()
    summary = json.loads((run / "summary.json").read_text())
    probs = [summary["outcomes"][k]["p"] for k in ("settlement", "ceasefire_holding", "war",
                                                   "escalation")]
    assert abs(sum(probs) - 1) < 1e-9
    for k in ("settlement", "war"):
        o = summary["outcomes"][k]
        assert o["lo"] <= o["p"] <= o["hi"]
    assert set(summary["ceasefire_within"]) >= {"13", "52", "60"}
    assert summary["collapse_hazard"]["weeks"] > 0
    records = pd.read_csv(run / "records.csv")
    assert len(records) == 300 and list(records["replication"]) == list(range(300))
    assert records["seed"].nunique() == 300
    assert set(records["outcome"]) <= {"settlement", "ceasefire_holding", "war", "escalation"}
    paths = pd.read_csv(run / "paths.csv")
    assert set(paths["indicator"]) >= {"territory", "claim_gap", "threat", "troops_deployed",
                                       "members_remaining", "share_war", "share_ceasefire"}
    assert paths["week"].max() == 60
    assert "legitimate targets" in (run / "rulebook.md").read_text()
    assert output.is_complete(run)
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["seed"] == 20250904 and len(manifest["article_sha256"]) == 64
    assert set(manifest["files"]) >= {"summary.json", "records.csv", "figures/paths.png"}


def test_same_config_and_seed_give_identical_bytes(baseline_run):
    root, run1, _ = baseline_run
    proc = cli([*SMALL, "hydra.run.dir=run2", "sim.n_jobs=2", "sim.chunk_size=70"], cwd=root)
    assert proc.returncode == 0, proc.stderr
    run2 = root / "run2"
    for name in RESULT_FILES[:-2] + tuple(f"figures/{f}.png" for f in FIGURES):
        if name == "config.yaml":
            continue  # records n_jobs and chunk_size, which differ on purpose
        assert (run1 / name).read_bytes() == (run2 / name).read_bytes(), name


def test_api_returns_the_numbers_the_cli_wrote(baseline_run):
    _, run, _ = baseline_run
    res = api.run_scenario("article_baseline", replications=300, weeks=60)
    assert json.loads((run / "summary.json").read_text()) == json.loads(
        json.dumps(res.summary))
    # The CSV holds 10 significant digits, and reads back with the records' own types.
    written = pd.read_csv(run / "records.csv", dtype={"seed": "uint64"})
    pd.testing.assert_frame_equal(written, res.records, check_exact=False, rtol=1e-9)


def test_scenario_and_lever_overrides(tmp_path):
    proc = cli(["scenario=no_force", "us.role=none", *SMALL, "hydra.run.dir=r"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    config = (tmp_path / "r" / "config.yaml").read_text()
    assert "name: no_force" in config and "timing: never" in config and "role: none" in config
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["strikes"]["mean"] == 0 and summary["outcomes"]["escalation"]["p"] == 0


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["scenario=bogus"], "scenario='bogus' is not a scenario option"),
        (["russia.foo=1"], "unknown key 'russia.foo'"),
        (["sim.weeks=abc"], "sim.weeks='abc': expected a whole number in [1, 5,200]"),
        (["russia.strike_propensity=1.5"], "russia.strike_propensity=1.5 is out of range: allowed [0, 1]"),
        (["deployment.troops_total=-5"], "deployment.troops_total=-5.0 is out of range"),
        (["sim.replications=0"], "sim.replications=0 is out of range"),
        (["sim.weeks=0"], "sim.weeks=0 is out of range"),
        (["coalition.members=27"], "coalition.members=27 is out of range: allowed [0, 26]"),
        (["coalition.members=-1"], "coalition.members=-1 is out of range"),
        (["deployment.timing=sometimes"], "deployment.timing='sometimes' is not allowed"),
        (["us.role=navy"], "us.role='navy' is not allowed: choose one of none"),
        (["deployment.land_share=0.9"], "deployment.land_share + deployment.sea_share"),
    ],
)
def test_bad_input_stops_before_simulating_with_one_clear_line(tmp_path, args, fragment):
    proc = cli([*args, "hydra.run.dir=bad"], cwd=tmp_path)
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert lines[-1].startswith("error: ") and fragment in lines[-1], proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "bad").exists() or not any((tmp_path / "bad").rglob("*.json"))
    assert not list(Path(tmp_path).rglob("manifest.json"))


def test_rulebook_command_prints_rules_with_quotes():
    proc = subprocess.run([sys.executable, "-m", "sim.rulebook", "scenario=us_no_role"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "Troops are targets" in proc.stdout and "legitimate targets" in proc.stdout
    assert "us.role = none" in proc.stdout and "assumption" in proc.stdout
    bad = subprocess.run([sys.executable, "-m", "sim.rulebook", "us.role=navy"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2 and "us.role='navy'" in bad.stderr


def test_slurm_launcher_preset_composes(tmp_path):
    proc = cli(["hydra/launcher=slurm", "--cfg", "hydra"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "SlurmLauncher" in proc.stdout and "array_parallelism: 100" in proc.stdout
