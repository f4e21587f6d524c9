"""Figures for ceasefire-sim results.

Every function builds and returns a :class:`matplotlib.figure.Figure` created
directly (not through pyplot), so no backend, display or global pyplot state is
involved and nothing is ever shown. Every figure has a title, labelled axes
with units, a legend (a colour bar for the heatmap) and a caption line at the
bottom naming the scenario, the number of replications and the seed (build it
with :func:`caption`). Colours come from the colour-blind-safe Okabe-Ito
palette and are fixed per outcome and per phase across all figures.

Use :func:`save_figure` to write a PNG atomically and byte-reproducibly.
"""

from __future__ import annotations

import contextlib
import os
import textwrap
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.metrics import OUTCOMES, PHASES

# --------------------------------------------------------------------------- #
# Style constants
# --------------------------------------------------------------------------- #
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
"""The Okabe-Ito colour-blind-safe palette."""

OUTCOME_COLOURS: dict[str, str] = {
    "settlement": OKABE_ITO["bluish_green"],
    "ceasefire_holding": OKABE_ITO["sky_blue"],
    "war": OKABE_ITO["orange"],
    "escalation": OKABE_ITO["vermillion"],
}
"""Fixed colour per outcome."""

PHASE_COLOURS: dict[str, str] = {
    "war": OUTCOME_COLOURS["war"],
    "ceasefire": OUTCOME_COLOURS["ceasefire_holding"],
    "settlement": OUTCOME_COLOURS["settlement"],
    "escalation": OUTCOME_COLOURS["escalation"],
}
"""Fixed colour per phase (matching the corresponding outcome)."""

SERIES_COLOURS: tuple[str, ...] = (
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["yellow"],
    OKABE_ITO["black"],
)
"""Cycle for series without a fixed colour (scenarios, lever levels)."""

OUTCOME_LABELS: dict[str, str] = {
    "settlement": "settlement",
    "ceasefire_holding": "ceasefire holding",
    "war": "war",
    "escalation": "escalation",
}
"""Human-readable outcome names."""

PATH_PANELS: tuple[tuple[str, str, float], ...] = (
    ("territory", "Russian-held share of Ukraine (fraction)", 1.0),
    ("threat", "Russia's threat perception (index)", 1.0),
    ("troops_deployed", "troops deployed (thousands)", 1e-3),
    ("members_remaining", "coalition members remaining (count)", 1.0),
)
"""(indicator, y label with unit, scale factor) of the 2x2 panels of
:func:`plot_paths`; troops are divided by 1000."""

FIGSIZE: tuple[float, float] = (8.0, 5.0)
"""Default figure size in inches."""

PATHS_FIGSIZE: tuple[float, float] = (10.0, 7.0)
"""Size of the 2x2 path figure in inches."""

DEFAULT_DPI = 120
"""Default resolution of saved PNGs."""

CAPTION_FONTSIZE = 8
CAPTION_X = 0.01
CAPTION_Y = 0.01
CAPTION_BAND = 0.05
"""Fraction of the figure height kept free at the bottom for the caption."""

PATHS_BOTTOM_BAND = 0.1
"""Bottom band of the path figure: room for the shared legend and the caption."""

PATHS_LEGEND_Y = 0.03
"""Height (figure fraction) of the bottom of the shared legend in the path figure."""

BAND_ALPHA = 0.25
OVERLAY_BAND_ALPHA = 0.15
AREA_ALPHA = 0.9
ERRORBAR_CAPSIZE = 4.0
BAR_GROUP_WIDTH = 0.8
"""Fraction of one x slot filled by a group of bars."""

PROBABILITY_LIMITS: tuple[float, float] = (0.0, 1.0)
PROBABILITY_HEADROOM = 1.05
"""Upper y limit of probability axes (room above 1 for error caps)."""

HEATMAP_CMAP = "cividis"
"""Perceptually uniform, colour-blind-safe colour map for heatmaps."""

HEATMAP_TEXT_DECIMALS = 2
LUMINANCE_WEIGHTS: tuple[float, float, float] = (0.2126, 0.7152, 0.0722)
"""Rec. 709 weights to pick black or white annotation text."""

DARK_LUMINANCE = 0.5

PNG_METADATA: dict[str, str | None] = {"Software": None}
"""PNG metadata for byte-reproducible files: drop the matplotlib version stamp
(PNG output carries no date; the Agg renderer is otherwise deterministic)."""


# --------------------------------------------------------------------------- #
# Helpers
# --------------------------------------------------------------------------- #
def caption(scenario: str, replications: int, seed: int, extra: str = "") -> str:
    """Build the caption line printed under every figure.

    Args:
        scenario: Scenario name.
        replications: Number of replications.
        seed: Master seed.
        extra: Optional additional note appended at the end.

    Returns:
        E.g. ``"Scenario: baseline | 10,000 replications | seed 42"``.
    """
    text = f"Scenario: {scenario} | {replications:,} replications | seed {seed}"
    return f"{text} | {extra}" if extra else text


def _new_figure(
    figsize: tuple[float, float] = FIGSIZE, bottom: float = CAPTION_BAND
) -> Figure:
    """Create a pyplot-free figure with constrained layout and a caption band.

    Args:
        figsize: Size in inches.
        bottom: Fraction of the figure height kept free at the bottom.

    Returns:
        Empty figure.
    """
    fig = Figure(figsize=figsize, layout="constrained")
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.set(rect=(0.0, bottom, 1.0, 1.0 - bottom))
    return fig


def _finish(fig: Figure, title: str, caption_text: str) -> Figure:
    """Add the title and the caption line, then lay out once and freeze.

    The figure is laid out and drawn once, when it is saved (constrained
    layout runs as part of that one draw): a figure rebuilt from the same data
    and saved gives the same bytes. Saving the same figure object a second
    time may nudge the layout, so each figure is saved once.

    Args:
        fig: Figure to decorate.
        title: Figure title.
        caption_text: Caption (see :func:`caption`).

    Returns:
        The same figure.
    """
    fig.suptitle(title)
    fig.text(
        CAPTION_X,
        CAPTION_Y,
        caption_text,
        ha="left",
        va="bottom",
        fontsize=CAPTION_FONTSIZE,
        color=OKABE_ITO["black"],
    )
    return fig


def _series(df: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """Rows of one indicator from a :func:`sim.metrics.path_summary` frame.

    Args:
        df: Long path summary.
        indicator: Indicator name.

    Returns:
        Rows sorted by week.

    Raises:
        ValueError: If the indicator is absent.
    """
    rows = df.loc[df["indicator"] == indicator].sort_values("week")
    if rows.empty:
        raise ValueError(f"indicator {indicator!r} not found in path summary")
    return rows


def _km_on_axes(
    ax: Axes, km_df: pd.DataFrame, label: str, colour: str, alpha: float
) -> None:
    """Draw one Kaplan-Meier curve, its band and censoring marks.

    Args:
        ax: Target axes.
        km_df: Output of :func:`sim.metrics.kaplan_meier`.
        label: Legend label of the curve.
        colour: Line colour.
        alpha: Band opacity.
    """
    weeks = km_df["week"].to_numpy(dtype=float)
    surv = km_df["survival"].to_numpy(dtype=float)
    ax.step(weeks, surv, where="post", color=colour, label=label)
    ax.fill_between(
        weeks,
        km_df["lo"].to_numpy(dtype=float),
        km_df["hi"].to_numpy(dtype=float),
        step="post",
        color=colour,
        alpha=alpha,
        linewidth=0,
    )
    if "censored" in km_df.columns:
        mask = km_df["censored"].to_numpy() > 0
        ax.plot(
            weeks[mask],
            surv[mask],
            linestyle="none",
            marker="|",
            color=colour,
        )


def _probability_axis(ax: Axes) -> None:
    """Set a 0..1 probability y axis with a little headroom.

    Args:
        ax: Target axes.
    """
    ax.set_ylim(PROBABILITY_LIMITS[0], PROBABILITY_HEADROOM)


# --------------------------------------------------------------------------- #
# Single-scenario figures
# --------------------------------------------------------------------------- #
def plot_outcomes(summary: Mapping[str, Any], caption: str) -> Figure:
    """Bar chart of the four outcome probabilities with 95 % Wilson intervals.

    Args:
        summary: Output of :func:`sim.metrics.summarise`.
        caption: Caption line (see :func:`caption`).

    Returns:
        The figure.
    """
    fig = _new_figure()
    ax = fig.subplots()
    x = np.arange(len(OUTCOMES))
    p = np.array([_num(summary["outcomes"][o]["p"]) for o in OUTCOMES])
    lo = np.array([_num(summary["outcomes"][o]["lo"]) for o in OUTCOMES])
    hi = np.array([_num(summary["outcomes"][o]["hi"]) for o in OUTCOMES])
    for i, name in enumerate(OUTCOMES):
        ax.bar(x[i], p[i], color=OUTCOME_COLOURS[name], label=OUTCOME_LABELS[name])
    ax.errorbar(
        x,
        p,
        yerr=np.vstack([p - lo, hi - p]),
        fmt="none",
        ecolor=OKABE_ITO["black"],
        capsize=ERRORBAR_CAPSIZE,
        label="95% Wilson interval",
    )
    ax.set_xticks(x, [OUTCOME_LABELS[o] for o in OUTCOMES])
    ax.set_xlabel("outcome at the horizon")
    ax.set_ylabel("probability")
    _probability_axis(ax)
    ax.legend(loc="upper right")
    return _finish(fig, "Outcome probabilities at the horizon", caption)


def plot_survival(
    km_df: pd.DataFrame, caption: str, label: str = "first ceasefire"
) -> Figure:
    """Kaplan-Meier curve of how long the first peace holds.

    Args:
        km_df: Output of :func:`sim.metrics.kaplan_meier`.
        caption: Caption line (see :func:`caption`).
        label: Name of the curve in the legend.

    Returns:
        The figure.
    """
    fig = _new_figure()
    ax = fig.subplots()
    colour = SERIES_COLOURS[0]
    _km_on_axes(ax, km_df, f"{label} (Kaplan-Meier)", colour, BAND_ALPHA)
    handles, labels = ax.get_legend_handles_labels()
    handles += [
        Patch(color=colour, alpha=BAND_ALPHA, linewidth=0),
        Line2D([], [], linestyle="none", marker="|", color=colour),
    ]
    labels += [
        "95% band (Greenwood, log-log)",
        "censored: still holding at the horizon",
    ]
    ax.legend(handles, labels, loc="lower left")
    ax.set_xlabel("weeks since first ceasefire")
    ax.set_ylabel("probability the peace still holds")
    ax.set_xlim(0, float(km_df["week"].max()))
    _probability_axis(ax)
    return _finish(fig, "How long does the first ceasefire hold?", caption)


def plot_phase_shares(path_df: pd.DataFrame, caption: str) -> Figure:
    """Stacked area of the share of replications in each phase, week by week.

    Args:
        path_df: Output of :func:`sim.metrics.path_summary` (must contain the
            ``share_<phase>`` indicators).
        caption: Caption line (see :func:`caption`).

    Returns:
        The figure.
    """
    fig = _new_figure()
    ax = fig.subplots()
    series = [_series(path_df, f"share_{phase}") for phase in PHASES]
    weeks = series[0]["week"].to_numpy(dtype=float)
    ax.stackplot(
        weeks,
        *[s["mean"].to_numpy(dtype=float) for s in series],
        labels=list(PHASES),
        colors=[PHASE_COLOURS[phase] for phase in PHASES],
        alpha=AREA_ALPHA,
    )
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], loc="center right", title="phase")
    ax.set_xlabel("week")
    ax.set_ylabel("share of replications (fraction)")
    ax.set_xlim(weeks.min(), weeks.max())
    ax.set_ylim(*PROBABILITY_LIMITS)
    return _finish(fig, "Phase of the conflict over time", caption)


def plot_paths(path_df: pd.DataFrame, caption: str) -> Figure:
    """2x2 panels of key indicators: mean with 5-95 % band across replications.

    Panels: Russian-held territory share, Russia's threat perception, troops
    deployed (thousands), coalition members remaining.

    Args:
        path_df: Output of :func:`sim.metrics.path_summary`.
        caption: Caption line (see :func:`caption`).

    Returns:
        The figure.
    """
    fig = _new_figure(PATHS_FIGSIZE, bottom=PATHS_BOTTOM_BAND)
    axes = fig.subplots(2, 2, sharex=True)
    colour = SERIES_COLOURS[0]
    for ax, (indicator, ylabel, scale) in zip(axes.flat, PATH_PANELS, strict=True):
        rows = _series(path_df, indicator)
        weeks = rows["week"].to_numpy(dtype=float)
        ax.fill_between(
            weeks,
            rows["p05"].to_numpy(dtype=float) * scale,
            rows["p95"].to_numpy(dtype=float) * scale,
            color=colour,
            alpha=BAND_ALPHA,
            linewidth=0,
        )
        ax.plot(weeks, rows["mean"].to_numpy(dtype=float) * scale, color=colour)
        ax.set_ylabel(ylabel)
        ax.set_xlim(weeks.min(), weeks.max())
    for ax in axes[-1]:
        ax.set_xlabel("week")
    fig.legend(
        [
            Line2D([], [], color=colour),
            Patch(color=colour, alpha=BAND_ALPHA, linewidth=0),
        ],
        ["mean over replications", "5th-95th percentile of replications"],
        loc="lower center",
        bbox_to_anchor=(0.5, PATHS_LEGEND_Y),
        ncols=2,
    )
    return _finish(fig, "Indicator paths", caption)


# --------------------------------------------------------------------------- #
# Multi-scenario figures
# --------------------------------------------------------------------------- #
def plot_survival_overlay(
    km_by_label: Mapping[str, pd.DataFrame], caption: str
) -> Figure:
    """Overlay Kaplan-Meier curves of several scenarios.

    Args:
        km_by_label: Legend label -> output of :func:`sim.metrics.kaplan_meier`.
        caption: Caption line (see :func:`caption`).

    Returns:
        The figure.
    """
    fig = _new_figure()
    ax = fig.subplots()
    horizon = 0.0
    for i, (label, km_df) in enumerate(km_by_label.items()):
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        _km_on_axes(ax, km_df, str(label), colour, OVERLAY_BAND_ALPHA)
        horizon = max(horizon, float(km_df["week"].max()))
    handles, labels = ax.get_legend_handles_labels()
    handles += [
        Patch(color=OKABE_ITO["black"], alpha=OVERLAY_BAND_ALPHA, linewidth=0),
        Line2D([], [], linestyle="none", marker="|", color=OKABE_ITO["black"]),
    ]
    labels += ["95% bands (Greenwood, log-log)", "censored: still holding at horizon"]
    ax.legend(handles, labels, loc="lower left")
    ax.set_xlabel("weeks since first ceasefire")
    ax.set_ylabel("probability the peace still holds")
    ax.set_xlim(0, horizon)
    _probability_axis(ax)
    return _finish(
        fig, "How long does the first ceasefire hold? (by scenario)", caption
    )


def plot_grouped_bars(
    df: pd.DataFrame,
    x: str,
    hue: str,
    value: str,
    lo: str,
    hi: str,
    caption: str,
    *,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
) -> Figure:
    """Grouped bars with interval error bars (e.g. outcome probability by scenario).

    Groups follow the first-appearance order of ``df[x]``; bars within a group
    follow that of ``df[hue]``. If the hue values are outcomes or phases their
    fixed colours are used.

    Args:
        df: Long frame, one row per (x, hue).
        x: Column defining the groups on the x axis.
        hue: Column defining the bars within a group.
        value: Column with the bar height.
        lo: Column with the lower interval bound.
        hi: Column with the upper interval bound.
        caption: Caption line (see :func:`caption`).
        title: Figure title (default ``"<value> by <x> and <hue>"``).
        xlabel: X axis label (default: the ``x`` column name).
        ylabel: Y axis label (default: the ``value`` column name).

    Returns:
        The figure.
    """
    fig = _new_figure()
    ax = fig.subplots()
    groups = list(pd.unique(df[x]))
    hues = list(pd.unique(df[hue]))
    width = BAR_GROUP_WIDTH / max(len(hues), 1)
    centres = np.arange(len(groups), dtype=float)
    for j, level in enumerate(hues):
        sub = df.loc[df[hue] == level].set_index(x).reindex(groups)
        heights = sub[value].to_numpy(dtype=float)
        lower = sub[lo].to_numpy(dtype=float)
        upper = sub[hi].to_numpy(dtype=float)
        pos = centres - BAR_GROUP_WIDTH / 2 + (j + 0.5) * width
        colour = _fixed_colour(level, SERIES_COLOURS[j % len(SERIES_COLOURS)])
        ax.bar(pos, heights, width=width, color=colour, label=_pretty(level))
        ax.errorbar(
            pos,
            heights,
            yerr=np.vstack([heights - lower, upper - heights]),
            fmt="none",
            ecolor=OKABE_ITO["black"],
            capsize=ERRORBAR_CAPSIZE,
        )
    ax.set_xticks(centres, [str(g) for g in groups])
    ax.set_xlabel(xlabel if xlabel is not None else x)
    ax.set_ylabel(ylabel if ylabel is not None else value)
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color=OKABE_ITO["black"], marker="_"))
    labels.append("95% interval")
    ax.legend(handles, labels, title=hue, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _finish(
        fig, title if title is not None else f"{value} by {x} and {hue}", caption
    )


def plot_heatmap(
    df: pd.DataFrame,
    x: str,
    y: str,
    value: str,
    caption: str,
    *,
    title: str | None = None,
    value_label: str = "probability",
    vmin: float = PROBABILITY_LIMITS[0],
    vmax: float = PROBABILITY_LIMITS[1],
) -> Figure:
    """Annotated heatmap of a quantity (by default a probability) over two levers.

    The colour bar plays the role of the legend.

    Args:
        df: Long frame with one row per (x, y) combination.
        x: Lever on the horizontal axis.
        y: Lever on the vertical axis.
        value: Column with the cell value.
        caption: Caption line (see :func:`caption`).
        title: Figure title (default ``"<value> by <x> and <y>"``).
        value_label: Colour-bar label (with unit).
        vmin: Lower end of the colour scale.
        vmax: Upper end of the colour scale.

    Returns:
        The figure.

    Raises:
        ValueError: If an (x, y) combination appears more than once.
    """
    if df.duplicated([x, y]).any():
        raise ValueError(f"each ({x}, {y}) combination must appear once")
    grid = df.pivot_table(
        index=y, columns=x, values=value, aggfunc="first", dropna=False, sort=True
    )
    values = grid.to_numpy(dtype=float)
    fig = _new_figure()
    ax = fig.subplots()
    image = ax.imshow(
        values,
        origin="lower",
        aspect="auto",
        cmap=HEATMAP_CMAP,
        vmin=vmin,
        vmax=vmax,
    )
    ax.set_xticks(np.arange(grid.shape[1]), [str(c) for c in grid.columns])
    ax.set_yticks(np.arange(grid.shape[0]), [str(r) for r in grid.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    for (row, col), cell in np.ndenumerate(values):
        if np.isnan(cell):
            continue
        rgb = image.cmap(image.norm(cell))[:3]
        dark = float(np.dot(to_rgb(rgb), LUMINANCE_WEIGHTS)) < DARK_LUMINANCE
        ax.text(
            col,
            row,
            f"{cell:.{HEATMAP_TEXT_DECIMALS}f}",
            ha="center",
            va="center",
            color="white" if dark else OKABE_ITO["black"],
        )
    colourbar = fig.colorbar(image, ax=ax)
    colourbar.set_label(value_label)
    return _finish(
        fig, title if title is not None else f"{value} by {x} and {y}", caption
    )


# --------------------------------------------------------------------------- #
# Saving
# --------------------------------------------------------------------------- #
def save_figure(
    fig: Figure, path: str | os.PathLike[str], dpi: int = DEFAULT_DPI
) -> Path:
    """Write ``fig`` as a PNG atomically and byte-reproducibly.

    The image is rendered to a temporary file in the destination folder and
    moved into place with :func:`os.replace`, so readers never see a partial
    file. The matplotlib version stamp is dropped from the PNG metadata; PNG
    output has no timestamp, so the same figure saved twice (or rebuilt from
    the same data with the same matplotlib and fonts) gives identical bytes.
    Parent folders are created if needed.

    Args:
        fig: Figure to save.
        path: Destination (``.png``).
        dpi: Resolution in dots per inch.

    Returns:
        The destination path.
    """
    from sim.output import OutputError

    dest = Path(path)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex}.tmp")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as handle:
            fig.savefig(handle, format="png", dpi=dpi, metadata=PNG_METADATA)
        # The layout was computed during that one draw; freeze it, so saving the figure again
        # gives the same picture.
        fig.set_layout_engine("none")
        os.replace(tmp, dest)
    except OSError as err:
        raise OutputError(err.errno, f"cannot write {dest}: {err.strerror or err}") from err
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return dest


# --------------------------------------------------------------------------- #
# Small utilities
# --------------------------------------------------------------------------- #
def _num(x: float | None) -> float:
    """Map None (JSON null) to NaN.

    Args:
        x: Optional number.

    Returns:
        Float.
    """
    return float("nan") if x is None else float(x)


def _pretty(level: Any) -> str:
    """Human-readable legend label for a hue level.

    Args:
        level: Hue value.

    Returns:
        Outcome label if ``level`` is an outcome, else ``str(level)``.
    """
    return OUTCOME_LABELS.get(str(level), str(level))


def _fixed_colour(level: Any, default: str) -> str:
    """Fixed outcome / phase colour for a hue level, if it has one.

    Args:
        level: Hue value.
        default: Colour to use otherwise.

    Returns:
        Hex colour.
    """
    key = str(level)
    return OUTCOME_COLOURS.get(key, PHASE_COLOURS.get(key, default))


def plot_forest(table: pd.DataFrame, caption_text: str) -> Figure:
    """Paired differences against the first scenario, one panel per outcome.

    Args:
        table: Rows with ``outcome`` (a label), ``scenario``, ``diff``, ``lo``, ``hi`` (the
            difference from the first scenario and its paired 95% interval).
        caption_text: Caption line.

    Returns:
        The figure: a point and an interval per scenario, a line at 0.
    """
    outcomes = list(dict.fromkeys(table["outcome"]))
    scenarios = list(dict.fromkeys(table["scenario"]))
    height = 1.2 + 0.45 * len(scenarios) * len(outcomes)
    fig = _new_figure(figsize=(8.0, max(3.0, height)))
    axes = fig.subplots(len(outcomes), 1, squeeze=False)[:, 0]
    colours = list(OKABE_ITO.values())[1:]
    for ax, outcome in zip(axes, outcomes, strict=True):
        rows = table[table["outcome"] == outcome]
        y = np.arange(len(rows))[::-1]
        for yi, (_, r), colour in zip(y, rows.iterrows(), colours * 10, strict=False):
            ax.errorbar(r["diff"], yi, xerr=[[r["diff"] - r["lo"]], [r["hi"] - r["diff"]]],
                        fmt="o", color=colour, capsize=4)
        ax.axvline(0.0, color=OKABE_ITO["black"], lw=0.8)
        ax.set_yticks(y, [textwrap.fill(str(s), 40) for s in rows["scenario"]])
        ax.set_title(outcome, fontsize=10, loc="left")
        ax.grid(axis="x", alpha=0.3)
    axes[-1].set_xlabel(f"difference from {scenarios[0] if len(scenarios) == 1 else 'the first'} "
                        "scenario (paired 95% interval)")
    return _finish(fig, "Each scenario against the first, over common random numbers",
                   caption_text)
