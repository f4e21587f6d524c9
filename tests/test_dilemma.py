"""The dilemma map: the force against no force over the declared grid of the two unpinned weights."""

from __future__ import annotations

import numpy as np
import pytest

from sim.api import compose_config
from sim.config import field_of
from sim.evidence import dilemma


def test_the_grid_is_declared_and_spans_the_plausible_ranges():
    g = dilemma.grid()
    assert set(g) == set(dilemma.AXES) and all(len(v) >= 5 for v in g.values())
    for key, values in g.items():
        lo, hi = field_of(key).metadata["plausible"]
        assert values[0] == lo and values[-1] == hi and np.all(np.diff(values) > 0)
        assert np.any(np.isclose(values, field_of(key).default)), f"{key}: assumed point off grid"


@pytest.mark.parametrize(("entry", "sign", "expected"), [
    ({"diff": -0.1, "lo": -0.15, "hi": -0.05}, -1, "helps"),
    ({"diff": -0.1, "lo": -0.15, "hi": -0.05}, +1, "hurts"),
    ({"diff": 0.1, "lo": 0.05, "hi": 0.15}, -1, "hurts"),
    ({"diff": 0.01, "lo": -0.02, "hi": 0.04}, -1, "neutral"),
])
def test_verdicts(entry, sign, expected):
    assert dilemma.verdict(entry, sign) == expected


def test_the_corners_of_the_map_disagree_about_the_force(tmp_path):
    """2,000 replications per cell on seed 20250904, 2 × 2 grid (the plausible corners). Where
    Russia does not mind the force and Ukraine values it most, the force lowers P(war or
    escalation); where Russia minds it most and Ukraine values it least, it raises it: the sign of
    the comparison rests on the two assumptions, which is what the map is for."""
    cfg = compose_config("article_baseline", ["sim.replications=2000"])
    table = dilemma.dilemma_map(cfg, points=2)
    assert len(table) == 4
    corner = table.set_index(["force_aversion", "guarantee_weight"])
    lo_a, hi_a = field_of("russia.force_aversion").metadata["plausible"]
    lo_w, hi_w = field_of("ukraine.guarantee_weight").metadata["plausible"]
    assert corner.loc[(lo_a, hi_w), "p_war_or_escalation_verdict"] == "helps"
    assert corner.loc[(hi_a, lo_w), "p_war_or_escalation_verdict"] == "hurts"
    fig = dilemma.figure(table, cfg, "caption")
    from sim.plots import save_figure

    assert save_figure(fig, tmp_path / "d.png").stat().st_size > 10_000
    assert any("assumed" in line for line in dilemma.summary_lines(table, cfg))


def test_a_world_without_a_force_has_no_dilemma_to_map():
    with pytest.raises(ValueError, match="choose a scenario with a force"):
        dilemma.dilemma_map(compose_config("no_force", ["sim.replications=10"]))


def test_the_experiment_preset_draws_the_map_from_the_command_line(tmp_path):
    import json
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "sim", "+experiment=dilemma",
                           "sim.replications=60", "sim.weeks=40", "hydra.run.dir=out"],
                          cwd=tmp_path, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out"
    for name in ("dilemma.csv", "dilemma.txt", "figures/dilemma.png", "config.yaml"):
        assert (out / name).is_file(), name
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["task"] == "dilemma_map" and manifest["complete"]
    assert "at the assumed point (1, 2)" in proc.stdout
    import pandas as pd

    table = pd.read_csv(out / "dilemma.csv")
    assert len(table) == 7 * 8  # the declared grid
    assert set(table["p_war_or_escalation_verdict"]) <= {"helps", "hurts", "neutral"}


def test_the_preset_refuses_a_world_without_a_force(tmp_path):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "sim", "+experiment=dilemma", "scenario=no_force",
                           "sim.replications=20", "hydra.run.dir=out"], cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the dilemma map compares")
    assert not (tmp_path / "out").exists()
