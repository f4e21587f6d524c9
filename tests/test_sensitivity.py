"""Sensitivity indices, matching points to a design, PRIM and in-process designs (sim.sweeps).

The estimators are checked through the project's own functions on test functions with known
answers (SALib's practice): the Ishigami function's Sobol indices and a linear function's Morris
elementary effects, each computed on a design's unit coordinates (the indices do not depend on
the affine map to the parameters' ranges). PRIM is checked on a synthetic table whose box is
known; a small real run checks the plumbing from a design to the engine and a figure.
"""

from __future__ import annotations

import importlib.util
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sim import experiment
from sim.api import compose_config
from sim.sweeps import analysis, designs, discovery, indices, prim
from sim.sweeps.points import apply, evaluate, groups

# Ishigami (a = 7, b = 0.1) on [-π, π]^3: analytic first-order and total indices.
ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)
THREE = {"russia": {"escalation_prob": None, "strike_propensity": None},
         "us": {"air_support_prob": None}}  # sorted keys: escalation, strike, air support


def _results(spec: designs.DesignSpec, y: np.ndarray, others: float = 0.25) -> pd.DataFrame:
    """A results table as :func:`analysis.match_design` returns it, with outcome ``y``."""
    table = analysis.design_table(spec)
    for col in analysis.SWEEP_OUTCOMES:
        table[col] = y if col == "p_escalation" else others
    return table


def test_sobol_indices_of_the_ishigami_function() -> None:
    """N = 2048 Saltelli base samples, design seed 1: indices within 0.05 of the analytic."""
    spec = designs.spec_from_mapping({"method": "sobol", "n": 2048, "seed": 1, "space": THREE})
    x = -math.pi + 2 * math.pi * designs.unit_sample(spec)
    y = np.sin(x[:, 0]) + 7.0 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    table, notes = indices.sweep_indices(spec, _results(spec, y))
    esc = table[table["outcome"] == "p_escalation"]
    s1 = esc[esc["index"] == "S1"].set_index("parameter").loc[spec.keys, "value"]
    st = esc[esc["index"] == "ST"].set_index("parameter").loc[spec.keys, "value"]
    assert s1.to_numpy() == pytest.approx(ISHIGAMI_S1, abs=0.05)
    assert st.to_numpy() == pytest.approx(ISHIGAMI_ST, abs=0.05)
    assert set(table["outcome"]) == {"p_escalation"}  # the constant outcomes are left out
    assert len(notes) == len(analysis.SWEEP_OUTCOMES) - 1
    assert all("at every point" in n for n in notes)


def test_morris_recovers_linear_coefficients_in_units_per_range() -> None:
    """y = 1·u₀ + 2·u₁ + 0·u₂ on the unit coordinates: every elementary effect is exact."""
    spec = designs.spec_from_mapping({"method": "morris", "n": 20, "seed": 3, "space": THREE})
    u = designs.unit_sample(spec)
    table, _ = indices.sweep_indices(spec, _results(spec, 1.0 * u[:, 0] + 2.0 * u[:, 1]))
    esc = table[table["outcome"] == "p_escalation"].pivot_table(
        index="parameter", columns="index", values="value").loc[spec.keys]
    assert esc["mu_star"].to_numpy() == pytest.approx([1.0, 2.0, 0.0], abs=1e-9)
    assert esc["mu"].to_numpy() == pytest.approx([1.0, 2.0, 0.0], abs=1e-9)
    assert esc["sigma"].to_numpy() == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)


def test_indices_follow_the_design_order_not_the_row_order() -> None:
    spec = designs.spec_from_mapping({"method": "morris", "n": 6, "seed": 1, "space": THREE})
    u = designs.unit_sample(spec)
    y = 0.5 * u[:, 1] + 2.0 * u[:, 0]
    sweep = _results(spec, y).assign(status="ok")
    shuffled = sweep.iloc[np.random.default_rng(0).permutation(len(sweep))]
    results, missing = analysis.match_design(spec, shuffled)
    assert missing.empty and list(results["point"]) == list(range(spec.size))
    table, _ = indices.sweep_indices(spec, results)
    mu_star = table[(table["index"] == "mu_star") & (table["outcome"] == "p_escalation")]
    assert mu_star.set_index("parameter")["value"].to_dict() == pytest.approx(
        {"russia.escalation_prob": 2.0, "russia.strike_propensity": 0.5,
         "us.air_support_prob": 0.0}, abs=1e-9)

    sweep.loc[3, "collapse_hazard"] = np.nan  # no ceasefire-weeks at one point
    _, notes = indices.sweep_indices(spec, analysis.match_design(spec, sweep)[0])
    assert any("collapse_hazard): left out, undefined at 1 points" in n for n in notes)


def test_points_that_ran_other_values_or_failed_count_as_missing() -> None:
    spec = designs.spec_from_mapping({"method": "sobol", "n": 4, "seed": 1, "space": THREE})
    sweep = _results(spec, np.linspace(0.0, 1.0, spec.size)).assign(status="ok", error="")
    sweep.loc[2, "russia.strike_propensity"] += 0.001
    sweep.loc[4, ["status", "error"]] = ["failed", "ConfigError: boom"]
    sweep = sweep.drop(index=7)
    results, missing = analysis.match_design(spec, sweep)
    assert len(results) == spec.size - 3
    assert list(missing["point"]) == [2, 4, 7]
    assert "russia.strike_propensity" in missing.loc[0, "reason"]
    assert missing.loc[1, "reason"] == "ConfigError: boom"
    assert missing.loc[2, "status"] == "not run"
    with pytest.raises(ValueError, match="3 of 20 design points are missing"):
        indices.sweep_indices(spec, results)


@pytest.mark.skipif(importlib.util.find_spec("ema_workbench") is None,
                    reason="PRIM needs the optional ema_workbench package")
def test_prim_finds_a_known_box_and_states_it_readably() -> None:
    """1,000 uniform points, seed 0; the box is strike_propensity > 0.006 and two timings."""
    rng = np.random.default_rng(0)
    n = 1000
    table = pd.DataFrame({
        "russia.strike_propensity": rng.uniform(0.0, 0.012, n),
        "us.air_support_prob": rng.uniform(0.63, 0.87, n),
        "deployment.timing": rng.choice(["immediate", "commit_now", "after_settlement"], n),
    })
    interest = (table["russia.strike_propensity"] > 0.006) & table["deployment.timing"].isin(
        ["immediate", "commit_now"])
    boxes = prim.prim_boxes(table, interest.to_numpy(), list(table.columns), min_density=0.9)
    first = boxes.iloc[0]
    bound = re.search(r"russia\.strike_propensity >= ([0-9.]+)", first["conditions"])
    assert bound is not None and 0.005 <= float(bound.group(1)) <= 0.0065
    assert "deployment.timing in {'commit_now', 'immediate'}" in first["conditions"]
    assert "us.air_support_prob" not in first["conditions"]
    assert first["density"] >= 0.9 and first["coverage"] >= 0.8


def test_engine_groups_respect_the_budget_and_run_settings() -> None:
    cfgs = [compose_config("article_baseline", [f"sim.replications={r}"])
            for r in (100, 100, 100, 300, 50)]
    assert groups(cfgs, 250) == [(0, 2), (2, 3), (3, 4), (4, 5)]
    weeks = compose_config("article_baseline", ["sim.replications=100", "sim.weeks=52"])
    assert groups([cfgs[0], weeks, cfgs[1]], 10_000) == [(0, 1), (1, 2), (2, 3)]


def test_small_real_design_from_points_to_figure() -> None:
    """2 Morris trajectories over 3 factors, 60 replications of 40 weeks per point, seed
    20250904: every point runs; the same point again gives the same numbers (common random
    numbers); the indices table and its figure are built."""
    spec = designs.spec_from_mapping({"method": "morris", "n": 2, "seed": 5, "space": THREE})
    base = compose_config("article_baseline", ["sim.replications=60", "sim.weeks=40",
                                               "sim.chunk_size=150"])
    table = evaluate(spec, base)
    assert list(table["point"]) == list(range(spec.size)) == list(range(8))
    assert table[["p_settlement", "p_escalation", "p_war_or_escalation"]].stack().between(
        0, 1).all()
    assert (table["mean_strikes"] >= 0).all()
    alone = experiment.run(apply(base, designs.points(spec)[3]), progress=False).summary
    assert alone["war_or_escalation"]["p"] == table.loc[3, "p_war_or_escalation"]
    assert alone["collapse_hazard"]["rate"] == table.loc[3, "collapse_hazard"]
    idx, _ = indices.sweep_indices(spec, table)
    fig = indices.plot_sweep_indices(idx, str(idx["outcome"].iloc[0]), "test caption")
    assert isinstance(fig, Figure) and len(fig.axes) == 1


def test_evaluate_gives_a_sweep_table_every_analysis_reads(tmp_path: Path) -> None:
    """:func:`evaluate`'s frame has the sweep table's ``status``, so matching it to the design,
    the sensitivity report and scenario discovery all read it as they read ``sweep.csv``.
    2 Morris trajectories over 3 factors, 40 replications of 30 weeks per point."""
    spec = designs.spec_from_mapping({"method": "morris", "n": 2, "seed": 5, "space": THREE})
    table = evaluate(spec, compose_config("article_baseline", ["sim.replications=40",
                                                               "sim.weeks=30"]))
    results, missing = analysis.match_design(spec, table)
    assert missing.empty and list(results["point"]) == list(range(spec.size))
    files = indices.write_indices(tmp_path, spec, table, figures=False)
    assert tmp_path / indices.SENSITIVITY_MD in files
    assert "40 replications over 30 weeks" in (tmp_path / indices.SENSITIVITY_MD).read_text(
        encoding="utf-8")
    files = discovery.write_discovery(tmp_path, spec, table)
    for outcome in analysis.DISCOVERY_OUTCOMES:
        assert tmp_path / f"prim_{outcome}.md" in files
    assert list(table.columns[:2]) == ["point", "status"] and set(table["status"]) == {"ok"}


CELL = re.compile(r"^-?\d+\.(\d+) ± (\d+)\.(\d+)$")


def _report_tables(text: str) -> dict[str, pd.DataFrame]:
    """The ranking tables of ``sensitivity.md``: section title → cells as text."""
    out: dict[str, pd.DataFrame] = {}
    for block in text.split("\n## ")[1:]:
        title, *lines = block.splitlines()
        rows = [[c.strip() for c in ln.strip().strip("|").split(" | ")]
                for ln in lines if ln.startswith("|") and not ln.startswith("|---")]
        if rows and title != "Parameters":
            out[title] = pd.DataFrame(rows[1:], columns=rows[0])
    return out


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_the_report_gives_every_interval_at_the_values_precision(method: str,
                                                                  tmp_path: Path) -> None:
    """Each index with a bootstrap interval (S1 and ST; μ*) is printed as ``value ± half-width``
    with both to the same decimals, the same for every cell of a table (no "0.07 ± 1")."""
    n = 16 if method == "sobol" else 6
    spec = designs.spec_from_mapping({"method": method, "n": n, "seed": 2, "space": THREE})
    u = designs.unit_sample(spec)
    noise = np.random.default_rng(0).normal(0.0, 0.3, spec.size)  # wide intervals on purpose
    y = 0.07 * u[:, 0] + 1.3 * u[:, 1] ** 2 + noise
    sweep = _results(spec, y, others=0.25).assign(status="ok")
    sweep["mean_strikes"] = 40.0 * u[:, 2] + 3.0 * u[:, 0]  # another scale: other decimals
    indices.write_indices(tmp_path, spec, sweep, figures=False)
    tables = _report_tables((tmp_path / indices.SENSITIVITY_MD).read_text(encoding="utf-8"))
    assert {"P(escalation) (`p_escalation`)", "expected strikes on the force (`mean_strikes`)"
            } <= set(tables)
    with_interval = ["ST", "S1"] if method == "sobol" else ["μ*"]
    without = [] if method == "sobol" else ["μ", "σ"]
    csv = pd.read_csv(tmp_path / indices.SENSITIVITY_CSV)
    for title, shown in tables.items():
        assert list(shown.columns) == ["parameter", *with_interval, *without], title
        decimals = set()
        for col in with_interval:
            for cell in shown[col]:
                m = CELL.match(cell)
                assert m is not None, (title, col, cell)
                assert len(m[1]) == len(m[3]), (title, col, cell)  # value and ± alike
                decimals.add(len(m[1]))
        for col in without:
            decimals |= {len(c.split(".")[1]) for c in shown[col]}
        assert len(decimals) == 1, (title, decimals)  # one precision per table
        d = decimals.pop()
        outcome = title.rsplit("`", 2)[1]
        part = csv[(csv["outcome"] == outcome)]
        top = part[["value", "confidence"]].abs().max().max()
        assert len(f"{top:.{d}f}".replace("-", "").replace(".", "").lstrip("0")) >= 3, (
            title, top, d)  # at least 3 significant digits of it
        st = part[part["index"] == ("ST" if method == "sobol" else "mu_star")]
        for row in st.itertuples():  # the numbers are the CSV's, rounded
            cell = shown.loc[shown["parameter"] == row.label, with_interval[0]].iloc[0]
            assert cell == f"{row.value:.{d}f} ± {row.confidence:.{d}f}", (title, cell)
