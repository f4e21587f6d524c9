"""Tests for sim.plots: every figure is complete, saving is atomic and reproducible."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sim import plots
from sim.metrics import OUTCOMES, kaplan_meier, path_summary, summarise

SEED = 2024
N_REPS = 300
WEEKS = 60
MIN_PNG_BYTES = 10_000
CAPTION = plots.caption("test-scenario", N_REPS, SEED)


@pytest.fixture(autouse=True)
def _agg_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make sure nothing could ever try to open a display."""
    monkeypatch.setenv("MPLBACKEND", "Agg")


def _fake_run() -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Synthetic records and paths (seed 2024, 300 replications, 60 weeks)."""
    rng = np.random.default_rng(SEED)
    start = rng.integers(3, 45, N_REPS)
    has_cf = rng.random(N_REPS) < 0.8
    phase = np.zeros((N_REPS, WEEKS + 1), dtype=np.int8)
    for i in range(N_REPS):
        if has_cf[i]:
            phase[i, start[i] :] = 1
            if i % 4 == 0:
                phase[i, min(start[i] + 10, WEEKS) :] = 0
            elif i % 5 == 0:
                phase[i, min(start[i] + 8, WEEKS) :] = 2
            elif i % 9 == 0:
                phase[i, min(start[i] + 6, WEEKS) :] = 3
    shape = (N_REPS, WEEKS + 1)
    paths = {
        "territory": (0.19 + rng.normal(0, 0.002, shape).cumsum(axis=1)).astype(
            np.float32
        ),
        "threat": rng.random(shape).astype(np.float32),
        "troops_deployed": (rng.random(shape) * 25_000).astype(np.float32),
        "members_remaining": (26 - (rng.random(shape) < 0.01).cumsum(axis=1)).astype(
            np.float32
        ),
        "phase": phase,
    }
    duration = np.minimum(rng.geometric(0.05, N_REPS), WEEKS - start).astype(float)
    records = pd.DataFrame(
        {
            "replication": np.arange(N_REPS),
            "seed": np.arange(N_REPS, dtype=np.uint64),
            "outcome": rng.choice(OUTCOMES, N_REPS, p=[0.15, 0.4, 0.35, 0.1]),
            "week_first_ceasefire": np.where(has_cf, start, np.nan),
            "peace_duration": np.where(has_cf, duration, np.nan),
            "peace_failed": has_cf & (duration < WEEKS - start),
            "n_collapses": rng.integers(0, 3, N_REPS),
            "n_strikes": rng.poisson(1.5, N_REPS),
            "members_remaining": rng.integers(18, 27, N_REPS),
            "final_territory": rng.uniform(0.15, 0.25, N_REPS),
            "final_claim_gap": rng.uniform(0.0, 0.03, N_REPS),
            "ceasefire_weeks": np.where(has_cf, duration, 0),
            "ceasefire_failures": (has_cf & (duration < WEEKS - start)).astype(int),
            "escalation_from": np.full(N_REPS, -1),
            "n_referendums": rng.integers(0, 2, N_REPS),
            "referendum_passed": rng.random(N_REPS) < 0.1,
        }
    )
    return records, paths


def _km(records: pd.DataFrame) -> pd.DataFrame:
    spells = records.dropna(subset=["peace_duration"])
    return kaplan_meier(spells["peace_duration"], spells["peace_failed"], WEEKS)


def _build_all() -> dict[str, Figure]:
    records, paths = _fake_run()
    summary = summarise(records, WEEKS, scenario="test-scenario", seed=SEED)
    path_df = path_summary(paths, WEEKS)
    km = _km(records)
    km_half = _km(records.assign(peace_duration=records["peace_duration"] // 2))
    bars = pd.DataFrame(
        [
            (scenario, name, *summary["outcomes"][name].values())
            for scenario in ("baseline", "no US backing")
            for name in OUTCOMES
        ],
        columns=["scenario", "outcome", "p", "lo", "hi"],
    )
    grid = pd.DataFrame(
        [
            (troops, credibility, (troops / 30 + credibility) / 2)
            for troops in (0, 10, 20, 30)
            for credibility in (0.2, 0.5, 0.8)
        ],
        columns=["troops (thousands)", "US credibility (index)", "P(escalation)"],
    )
    return {
        "outcomes": plots.plot_outcomes(summary, CAPTION),
        "survival": plots.plot_survival(km, CAPTION, label="baseline"),
        "phase_shares": plots.plot_phase_shares(path_df, CAPTION),
        "paths": plots.plot_paths(path_df, CAPTION),
        "overlay": plots.plot_survival_overlay(
            {"baseline": km, "shorter": km_half}, CAPTION
        ),
        "grouped": plots.plot_grouped_bars(
            bars, "scenario", "outcome", "p", "lo", "hi", CAPTION, ylabel="probability"
        ),
        "heatmap": plots.plot_heatmap(
            grid,
            "troops (thousands)",
            "US credibility (index)",
            "P(escalation)",
            CAPTION,
        ),
    }


@pytest.fixture(scope="module")
def figures() -> dict[str, Figure]:
    return _build_all()


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.texts]


def _main_axes(fig: Figure) -> list:
    """Axes that hold data (colour-bar axes excluded)."""
    return [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]


def test_caption_helper() -> None:
    assert plots.caption("baseline", 10_000, 7) == (
        "Scenario: baseline | 10,000 replications | seed 7"
    )
    assert plots.caption("b", 1, 2, extra="W=104").endswith("| W=104")


@pytest.mark.parametrize(
    "name",
    ["outcomes", "survival", "phase_shares", "paths", "overlay", "grouped", "heatmap"],
)
def test_figure_is_complete(figures: dict[str, Figure], name: str) -> None:
    fig = figures[name]
    assert isinstance(fig, Figure)
    assert fig.get_suptitle().strip()
    assert CAPTION in _texts(fig)
    axes = _main_axes(fig)
    assert axes
    for ax in axes:
        assert ax.get_ylabel().strip()
    assert any(ax.get_xlabel().strip() for ax in axes)
    if name == "heatmap":
        colourbars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
        assert colourbars
        assert colourbars[0].get_ylabel() == "probability"
    else:
        legends = list(fig.legends) + [
            ax.get_legend() for ax in axes if ax.get_legend() is not None
        ]
        assert legends
        assert all(len(leg.get_texts()) > 0 for leg in legends)


def test_outcome_axis_and_colours(figures: dict[str, Figure]) -> None:
    ax = figures["outcomes"].axes[0]
    assert ax.get_ylabel() == "probability"
    assert ax.get_ylim()[0] == 0.0
    assert ax.get_ylim()[1] >= 1.0
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "95% Wilson interval" in legend


def test_survival_legend_mentions_censoring(figures: dict[str, Figure]) -> None:
    for name in ("survival", "overlay"):
        ax = figures[name].axes[0]
        legend = " ".join(t.get_text() for t in ax.get_legend().get_texts())
        assert "censored" in legend
        assert ax.get_xlabel() == "weeks since first ceasefire"
        assert ax.get_ylabel() == "probability the peace still holds"


def test_paths_panels_and_units(figures: dict[str, Figure]) -> None:
    fig = figures["paths"]
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert labels == [label for _, label, _ in plots.PATH_PANELS]
    assert len(fig.legends) == 1
    # troops are plotted in thousands: the 25,000 cap must show as <= 25
    troops_ax = fig.axes[2]
    ymax = max(line.get_ydata().max() for line in troops_ax.get_lines())
    assert ymax <= 25


def test_missing_indicator_raises() -> None:
    df = pd.DataFrame(columns=["week", "indicator", "mean", "p05", "p95"])
    with pytest.raises(ValueError, match="not found"):
        plots.plot_phase_shares(df, CAPTION)


def test_heatmap_rejects_duplicates() -> None:
    df = pd.DataFrame({"a": [1, 1], "b": [2, 2], "v": [0.1, 0.2]})
    with pytest.raises(ValueError, match="once"):
        plots.plot_heatmap(df, "a", "b", "v", CAPTION)


@pytest.mark.parametrize("rebuild", [False, True], ids=["same_figure", "rebuilt"])
def test_save_is_deterministic_and_atomic(
    tmp_path: Path, figures: dict[str, Figure], rebuild: bool
) -> None:
    others = _build_all() if rebuild else figures
    for name, fig in figures.items():
        first = plots.save_figure(fig, tmp_path / "a" / f"{name}.png")
        second = plots.save_figure(others[name], tmp_path / "b" / f"{name}.png")
        data = first.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(data) > MIN_PNG_BYTES, name
        assert data == second.read_bytes(), name
        assert b"matplotlib" not in data.lower()
    leftovers = [p.name for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_save_overwrites_in_place(tmp_path: Path, figures: dict[str, Figure]) -> None:
    target = tmp_path / "fig.png"
    target.write_bytes(b"old")
    plots.save_figure(figures["outcomes"], target, dpi=60)
    small = target.read_bytes()
    plots.save_figure(figures["outcomes"], target)
    assert len(target.read_bytes()) > len(small) > len(b"old")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.png"]


def test_an_unwritable_destination_is_one_clear_error(tmp_path: Path,
                                                      figures: dict[str, Figure]) -> None:
    from sim.output import OutputError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match=r"cannot write .*file/sub/f.png"):
        plots.save_figure(figures["outcomes"], blocker / "sub" / "f.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_saved_layout_does_not_depend_on_the_solvers_last_bits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Constrained layout's solver (kiwisolver) can return positions that differ in the last
    bits from one process to another, which moved a line's anti-aliasing in about one process
    in twelve. Saved figures round the positions: the same figure laid out with the solution
    nudged by ±2e-16 of the figure saves with the same positions and the same bytes."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    solve = ConstrainedLayoutEngine.execute
    _, paths = _fake_run()
    frame = path_summary(paths, WEEKS)
    saved = []
    for nudge in (2e-16, -2e-16):
        def nudged(self, fig, nudge=nudge):
            out = solve(self, fig)
            for ax in fig.axes:
                x0, y0, w, h = ax.get_position().bounds
                ax.set_position([x0, y0 + nudge, w, h - nudge])
            return out

        monkeypatch.setattr(ConstrainedLayoutEngine, "execute", nudged)
        fig = plots.plot_paths(frame, "nudged")
        path = plots.save_figure(fig, tmp_path / f"paths{len(saved)}.png")
        saved.append(([ax.get_position().bounds for ax in fig.axes], path.read_bytes()))
    assert saved[0][0] == saved[1][0]
    assert saved[0][1] == saved[1][1]
