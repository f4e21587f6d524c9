"""``ceasefire-sim-compare``: scenarios side by side over common random numbers."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

CMD = [sys.executable, "-m", "sim.compare"]


def run(args, tmp_path, out="cmp"):
    return subprocess.run([*CMD, *args, "--out", str(tmp_path / out)], capture_output=True,
                          text=True, check=False, cwd=tmp_path)


def test_compare_prints_and_writes_the_paired_table(tmp_path):
    proc = run(["article_baseline", "no_force", "article_baseline us.role=none",
                "sim.replications=600", "sim.weeks=80"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "cmp"
    for name in ("compare.csv", "compare.json", "compare.txt", "figures/compare_forest.png",
                 "manifest.json"):
        assert (out / name).is_file(), name
    df = pd.read_csv(out / "compare.csv")
    assert set(df["scenario"]) == {"article_baseline", "no_force", "article_baseline us.role=none"}
    assert {"P(war or escalation)", "ceasefire failures per 100 ceasefire-weeks"} <= set(
        df["outcome"])
    ref = df[df["scenario"] == "article_baseline"]
    assert (ref["diff"] == 0).all()
    other = df[(df["scenario"] == "no_force") & (df["key"] == "p_war_or_escalation")].iloc[0]
    assert other["lo"] <= other["diff"] <= other["hi"]
    assert other["value"] == pytest.approx(ref[ref["key"] == "p_war_or_escalation"]["value"]
                                           .iloc[0] + other["diff"])
    assert "P(war or escalation)" in proc.stdout and "rate ratio" in proc.stdout
    meta = json.loads((out / "compare.json").read_text())
    assert meta["reference"] == "article_baseline" and meta["replications"] == 600


def test_compare_is_reproducible(tmp_path):
    args = ["no_force", "article_baseline", "sim.replications=300", "sim.weeks=52"]
    assert run(args, tmp_path, "a").returncode == 0
    assert run(args, tmp_path, "b").returncode == 0
    for name in ("compare.csv", "compare.json", "figures/compare_forest.png"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


@pytest.mark.parametrize(("args", "fragment"), [
    (["no_force"], "compare needs at least two"),
    (["no_force", "bogus"], "scenario='bogus' is not a scenario option"),
    (["no_force", "article_baseline us.role=navy"], "us.role='navy' is not allowed"),
    (["no_force", "no_force"], "is given twice"),
    (["no_force", "article_baseline sim.seed=3"], "needs one sim.seed"),
])
def test_bad_input_gets_one_line_and_no_folder(tmp_path, args, fragment):
    proc = run(args, tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], lines
    assert not (tmp_path / "cmp").exists()
