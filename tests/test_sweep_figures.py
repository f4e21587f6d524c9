"""The sweep figures: readable labels that never collide, levels in schema order, a correct
caption, and the paired-difference forest plot.

One real sweep runs once, in a subprocess: ``+experiment=timing_x_us_role`` (5 deployment
timings × 4 US roles = 20 points, 200 replications over 52 weeks each, the default seed, the
sweep's own figures off). The figures are then drawn in process from its points, as the aggregate
draws them:

- the 20-point sweep itself;
- a 4-point sweep: the aggregate of its 2 × 2 sub-grid (timing never / immediate × role none /
  air support), i.e. the table a sweep of exactly those points gets;
- a sampled design: the 20 points with a third varying factor added to the table, so points are
  labelled by number;
- a large grid (no sweep behind it): a made-up table of 12 × 13 numeric levels, too many cells
  to write the values in, so the heatmaps get vertical column labels and a colour bar per panel.

Every figure is saved with :func:`sim.plots.save_figure` (one draw, as in a sweep), then drawn
again on an Agg canvas at the saved resolution to measure where every piece of text landed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from sim import plots
from sim.config import TIMINGS, US_ROLES
from sim.sweeps import aggregate
from sim.sweeps.table import build_table, find_points

SMALL = ["sim.replications=200", "sim.weeks=52", "sim.progress=off"]
REFERENCE = "deployment.timing=immediate us.role=air_support"
SEED = 20250904  # the default sim.seed: every point shares it (common random numbers)
TIMING, ROLE = "deployment.timing", "us.role"
PROCESS_TIMEOUT = 300  # seconds; a hung sweep fails the test instead of blocking the suite
TOLERANCE = 0.5  # pixels: boxes that merely touch do not overlap
FIGURES = {"heatmaps", "outcomes", "forest", "survival"}
CASES = ["20 points", "4 points", "sampled design", "large grid"]
GRID_X, GRID_Y = "russia.strike_propensity", "coalition.members"


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 5 × 4 sweep, run once through the command line (no figures of its own)."""
    sweep = tmp_path_factory.mktemp("figures") / "sweep"
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "-m", "+experiment=timing_x_us_role", *SMALL,
         "hydra.callbacks.aggregate.figures=false", f"hydra.sweep.dir={sweep}"],
        cwd=sweep.parent, env=env, capture_output=True, text=True, timeout=PROCESS_TIMEOUT,
        check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return sweep


@pytest.fixture(scope="module")
def cases(sweep_dir: Path) -> dict[str, tuple[pd.DataFrame, list[str], list[Any]]]:
    """Table, levers and points of each case (see the module docstring)."""
    points = find_points(sweep_dir)
    table, levers, _ = build_table(points, REFERENCE)
    sub = [p for p in points if p.params[TIMING] in ("never", "immediate")
           and p.params[ROLE] in ("none", "air_support")]
    small, small_levers, _ = build_table(sub, REFERENCE)
    sampled = table.assign(**{GRID_X: np.linspace(0.0, 0.3, len(table))})
    return {"20 points": (table, levers, points), "4 points": (small, small_levers, sub),
            "sampled design": (sampled, [*levers, GRID_X], points),
            "large grid": (large_grid(), [GRID_X, GRID_Y], [])}


def large_grid() -> pd.DataFrame:
    """A made-up sweep table of 12 × 13 points (outcome probabilities only, no reference)."""
    rng = np.random.default_rng(7)
    rows = []
    cells = [(x, y) for x in np.round(np.linspace(0.0, 0.3, 12), 4) for y in range(2, 27, 2)]
    for i, (x, y) in enumerate(cells):
        p = dict(zip(["settlement", "ceasefire_holding", "war", "escalation"],
                     rng.dirichlet([1.0, 1.0, 1.0, 0.05]), strict=True))
        p["war_or_escalation"] = p["war"] + p["escalation"]
        row = {"point": i, "status": "ok", GRID_X: float(x), GRID_Y: y, "replications": 200,
               "seed": SEED}
        for name, value in p.items():
            row |= {f"p_{name}": value, f"p_{name}_lo": max(0.0, value - 0.02),
                    f"p_{name}_hi": min(1.0, value + 0.02)}
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def drawn(cases: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
          ) -> dict[str, dict[str, Figure]]:
    """Every case's figures, saved as the aggregate saves them, by case and file stem."""
    out = tmp_path_factory.mktemp("drawn")
    result = {}
    for name, (table, levers, points) in cases.items():
        figs = aggregate.sweep_figures(table, levers, points)
        for stem, fig in figs.items():
            path = plots.save_figure(fig, out / name.replace(" ", "_") / f"{stem}.png")
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        result[name] = figs
    return result


# --------------------------------------------------------------------------- #
# Where the text landed
# --------------------------------------------------------------------------- #
def _drawn_tick_labels(axis: Any) -> list[Text]:
    """The tick labels an axis draws: ticks inside its view interval, with text."""
    locs = axis.get_majorticklocs()
    lo, hi = sorted(axis.get_view_interval())
    eps = 1e-9 * max(1.0, abs(hi - lo))
    labels = []
    for tick, loc in zip(axis.get_major_ticks(len(locs)), locs, strict=True):
        if lo - eps <= loc <= hi + eps:
            labels += [t for t in (tick.label1, tick.label2) if t.get_visible()]
    return labels


def texts_of(fig: Figure) -> list[tuple[str, Text]]:
    """Every visible, non-empty text of a figure, with where it belongs (for messages)."""
    found: list[tuple[str, Text]] = []
    for i, ax in enumerate(fig.axes):
        where = f"axes {i} ({ax.get_title() or ax.get_label()!r})"
        for axis_name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            found += [(f"{where} {axis_name} tick", t) for t in _drawn_tick_labels(axis)]
            found += [(f"{where} {axis_name} label", axis.label),
                      (f"{where} {axis_name} offset", axis.get_offset_text())]
        found += [(f"{where} title", t) for t in (ax.title, ax._left_title, ax._right_title)]
        found += [(f"{where} annotation", t) for t in ax.texts]
        if ax.get_legend() is not None:
            found += [(f"{where} legend", t) for t in [*ax.get_legend().get_texts(),
                                                       ax.get_legend().get_title()]]
    for legend in fig.legends:
        found += [("figure legend", t) for t in [*legend.get_texts(), legend.get_title()]]
    found += [("figure text", t) for t in fig.texts]
    if fig._suptitle is not None:
        found.append(("figure title", fig._suptitle))
    unique = {id(t): (w, t) for w, t in reversed(found)}  # the title is also a figure text
    return [(w, t) for w, t in reversed(unique.values())
            if t.get_visible() and t.get_text().strip()]


def text_boxes(fig: Figure) -> list[tuple[str, Bbox]]:
    """Each text's box in pixels, as drawn at the saved resolution."""
    canvas = FigureCanvasAgg(fig)
    fig.set_dpi(plots.DEFAULT_DPI)
    canvas.draw()
    renderer = canvas.get_renderer()
    return [(f"{where} {t.get_text()!r}", t.get_window_extent(renderer))
            for where, t in texts_of(fig)]


def collisions(fig: Figure) -> list[str]:
    """Pairs of text boxes that overlap, and boxes that leave the figure."""
    boxes = text_boxes(fig)
    width, height = fig.bbox.width, fig.bbox.height
    problems = [f"{name} leaves the figure: {box.bounds}" for name, box in boxes
                if box.x0 < -TOLERANCE or box.y0 < -TOLERANCE
                or box.x1 > width + TOLERANCE or box.y1 > height + TOLERANCE]
    arr = np.array([[b.x0, b.y0, b.x1, b.y1] for _, b in boxes])
    dx = np.minimum(arr[:, None, 2], arr[None, :, 2]) - np.maximum(arr[:, None, 0],
                                                                    arr[None, :, 0])
    dy = np.minimum(arr[:, None, 3], arr[None, :, 3]) - np.maximum(arr[:, None, 1],
                                                                    arr[None, :, 1])
    for i, j in zip(*np.nonzero(np.triu((dx > TOLERANCE) & (dy > TOLERANCE), k=1)), strict=True):
        problems.append(f"{boxes[i][0]} overlaps {boxes[j][0]}")
    return problems


def tick_texts(labels: list[Text]) -> list[str]:
    """Tick label texts with wrapped lines joined."""
    return [t.get_text().replace("\n", " ") for t in labels]


# --------------------------------------------------------------------------- #
# Tests
# --------------------------------------------------------------------------- #
def test_figure_files(drawn: dict[str, dict[str, Figure]]) -> None:
    assert set(drawn["20 points"]) == FIGURES
    assert set(drawn["4 points"]) == FIGURES
    # a sampled design has no two-lever grid: no heatmaps, points labelled by number
    assert set(drawn["sampled design"]) == {"outcomes", "forest"}
    # 156 points: too many rows for bars or a forest plot, too many panels of survival curves
    assert set(drawn["large grid"]) == {"heatmaps"}
    for figs in drawn.values():
        assert all("=" not in stem for stem in figs)


@pytest.mark.parametrize("case", CASES)
def test_no_text_overlaps_or_leaves_the_figure(drawn: dict[str, dict[str, Figure]],
                                               case: str) -> None:
    for stem, fig in drawn[case].items():
        problems = collisions(fig)
        assert not problems, f"{case}, {stem}.png:\n" + "\n".join(problems[:10])


def test_levels_follow_the_schema_order(drawn: dict[str, dict[str, Figure]]) -> None:
    heat = drawn["20 points"]["heatmaps"].axes
    assert tick_texts(heat[0].get_xticklabels()) == [t.replace("_", " ") for t in TIMINGS]
    assert tick_texts(heat[0].get_yticklabels()) == [r.replace("_", " ") for r in US_ROLES]
    assert heat[0].get_xlabel() == "timing" and heat[0].get_ylabel() == "US role"
    rows = tick_texts(drawn["20 points"]["outcomes"].axes[0].get_yticklabels())
    assert rows == [f"{t}, {r}".replace("_", " ") for t in TIMINGS for r in US_ROLES]
    small = drawn["4 points"]["heatmaps"].axes[0]
    assert tick_texts(small.get_xticklabels()) == ["never", "immediate"]
    assert tick_texts(small.get_yticklabels()) == ["none", "air support"]
    labels = [t for ax in heat for t in tick_texts(ax.get_xticklabels() + ax.get_yticklabels())]
    assert not any("=" in t or "." in t or "_" in t for t in labels)


def test_heatmap_panels_and_colour_scales(drawn: dict[str, dict[str, Figure]],
                                          cases: dict[str, Any]) -> None:
    fig = drawn["20 points"]["heatmaps"]
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["P(war or escalation)", "P(settlement)", "P(ceasefire holding)", "P(war)",
                      "P(escalation)"]
    table = cases["20 points"][0]
    for ax, column in zip(fig.axes, ["p_war_or_escalation", "p_settlement",
                                     "p_ceasefire_holding", "p_war", "p_escalation"],
                          strict=True):
        image = ax.get_images()[0]
        top = table[column].max()  # an outcome that never happens: a scale from 0 to 1
        assert image.get_clim() == (0.0, pytest.approx(top if top > 0 else 1.0))
        assert len(ax.texts) == 20  # every value written in its cell
        assert len(ax.patches) == 1  # the reference cell outlined


def test_large_grid_numbers_ascend_with_vertical_labels_and_colour_bars(
        drawn: dict[str, dict[str, Figure]]) -> None:
    fig = drawn["large grid"]["heatmaps"]
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(panels) == 5 and len(fig.axes) == 10  # a colour bar per panel
    first = panels[0]
    assert tick_texts(first.get_xticklabels()) == [f"{v:.6g}" for v in
                                                  np.round(np.linspace(0.0, 0.3, 12), 4)]
    assert tick_texts(first.get_yticklabels()) == [str(v) for v in range(2, 27, 2)]
    assert all(t.get_rotation() == 90 for t in first.get_xticklabels())
    assert not first.texts  # no values written in 156 cells
    assert first.get_xlabel() == "strike propensity" and first.get_ylabel() == "members"


@pytest.mark.parametrize("case", ["20 points", "4 points"])
def test_caption_states_points_replications_and_seed(drawn: dict[str, dict[str, Figure]],
                                                     case: str) -> None:
    n = 20 if case == "20 points" else 4
    expected = f"{n} points × 200 replications each, seed {SEED}, common random numbers"
    for stem, fig in drawn[case].items():
        caption = fig.texts[-1].get_text()
        assert caption.startswith(expected), (stem, caption)
        assert "Scenario" not in caption and "replications per point" not in caption


def test_caption_says_when_replications_or_seeds_differ(cases: dict[str, Any]) -> None:
    table = cases["20 points"][0].copy()
    ok = table[table["status"] == "ok"]
    assert aggregate._sweep_caption(table, ok) == (
        f"20 points × 200 replications each, seed {SEED}, common random numbers")
    table.loc[3, "replications"] = 100
    table.loc[5, "seed"] = 7
    table.loc[7, "status"] = "failed"
    ok = table[table["status"] == "ok"]
    text = aggregate._sweep_caption(table, ok)
    assert text == ("19 of 20 points (1 did not finish) × 100 to 200 replications (replications "
                    f"differ), seeds differ (7 to {SEED}): no common random numbers")


@pytest.mark.parametrize("case", CASES[:3])
def test_forest_has_a_row_per_point_and_marks_the_reference(
        drawn: dict[str, dict[str, Figure]], cases: dict[str, Any], case: str) -> None:
    table = cases[case][0]
    fig = drawn[case]["forest"]
    first = fig.axes[0]
    labels = tick_texts(first.get_yticklabels())
    assert len(labels) == len(table) == len(set(labels))
    marked = [t for t in first.get_yticklabels() if t.get_text().endswith("(reference)")]
    assert len(marked) == 1 and marked[0].get_fontweight() == "bold"
    if case == "sampled design":
        assert marked[0].get_text() == "point 10 (reference)"
    else:
        assert marked[0].get_text() == "immediate, air support (reference)"
    ref_y = marked[0].get_position()[1]
    for ax in fig.axes:  # the reference drawn as a diamond at 0 in every panel
        diamonds = [line for line in ax.get_lines() if line.get_marker() == "D"]
        assert [(list(d.get_xdata()), list(d.get_ydata())) for d in diamonds] == [([0.0],
                                                                                    [ref_y])]
    assert [ax.get_title().replace("\n", " ") for ax in fig.axes] == [
        "P(war or escalation)", "ceasefire failures per 100 ceasefire-weeks"]


def test_survival_small_multiples(drawn: dict[str, dict[str, Figure]]) -> None:
    fig = drawn["20 points"]["survival"]
    assert fig.get_suptitle() == "How long does the first ceasefire hold? (by timing and US role)"
    assert [ax.get_title() for ax in fig.axes] == [
        f"timing: {t.replace('_', ' ')}" for t in TIMINGS]
    assert all(len(ax.get_lines()) >= len(US_ROLES) for ax in fig.axes)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[:4] == [r.replace("_", " ") for r in US_ROLES]
    assert fig.legends[0].get_title().get_text() == "US role"


def test_figures_beyond_the_limits_are_left_out(cases: dict[str, Any],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    table, levers, points = cases["20 points"]
    monkeypatch.setattr(aggregate, "MAX_BAR_POINTS", 19)
    monkeypatch.setattr(aggregate, "MAX_FOREST_POINTS", 19)
    monkeypatch.setattr(aggregate, "MAX_HEATMAP_LEVELS", 4)
    monkeypatch.setattr(aggregate, "MAX_SURVIVAL_PANELS", 4)
    assert aggregate.sweep_figures(table, levers, points) == {}
