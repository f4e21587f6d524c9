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
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

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
# Sweep figures: laid out from their measured labels, so nothing overlaps
# --------------------------------------------------------------------------- #
# These figures are placed by hand (no layout engine): every label is measured first and the
# figure is sized around its labels, so each label has room of its own, and the figure is drawn
# once when saved (cheaper than a constrained layout). All lengths below are in inches.
SWEEP_FONTSIZE = 8
"""Font size (points) of tick labels, annotations and legends in the sweep figures."""

SWEEP_TITLE_FONTSIZE = 9
"""Font size of panel titles and axis labels in the sweep figures."""

SUPTITLE_FONTSIZE = 12
"""Font size of a figure title (matplotlib's default, "large")."""

LINE_SPACING = 1.2
"""Height of one text line in font sizes (matplotlib's default line spacing)."""

TEXT_PAD = 0.12
"""Room kept around measured text (rendering differs slightly from the measure)."""

TICK_GAP = 0.1
"""From an axes edge to its tick labels (tick length, padding and a margin)."""

LABEL_GAP = 0.08
"""From tick labels to the axis label, and from an axes to its title."""

MARGIN = 0.15
"""Free border around a sweep figure's content."""

CAPTION_HEIGHT = 0.3
"""Room at the bottom of a sweep figure for the caption line."""

LEGEND_ROW_HEIGHT = 0.22
"""Room per row of a figure legend placed above the caption line."""

SUPTITLE_HEIGHT = 0.42
"""Room at the top of a sweep figure for its title."""

TITLE_TOP = 0.08
CAPTION_BOTTOM = 0.08
"""Distance of the title from the top edge and of the caption from the bottom edge."""

MAX_FIGURE_WIDTH = 14.0
"""Widest sweep figure: beyond it, heatmap panels wrap onto more rows."""

HEATMAP_MAX_ANNOTATED_CELLS = 150
"""Above this many cells per panel the values are not written in the cells (a colour bar per
panel gives the scale instead)."""

HEATMAP_MAX_PANEL_WIDTH = 5.0
"""Columns wider than this in total get vertical column labels instead of wrapped ones."""

HEATMAP_MARK_COLOUR = OKABE_ITO["reddish_purple"]
"""Outline of the marked (reference) cell."""

COLUMN_LABEL_WRAP = 12
"""Characters per line of a heatmap column label."""

HEATMAP_ROW_LABEL_WRAP = 18
"""Characters per line of a heatmap row label."""

ROW_LABEL_WRAP = 36
"""Characters per line of a row label (outcome bars, forest plot)."""

ROW_PANEL_WIDTH = 1.9
"""Width of one outcome panel of :func:`plot_outcome_rows`."""

FOREST_PANEL_WIDTH = 3.0
"""Width of one panel of the side-by-side forest plot."""

PANEL_GAP = 0.25
"""Horizontal gap between panels that share their row labels."""

FOREST_HIGHER = OKABE_ITO["vermillion"]
FOREST_LOWER = OKABE_ITO["blue"]
FOREST_UNCLEAR = "#7f7f7f"
"""Forest rows: interval above 0, below 0, or including 0 (grey)."""

SURVIVAL_PANEL_SIZE: tuple[float, float] = (3.2, 2.0)
"""Size of the plotting area of one small-multiple panel of survival curves."""

SURVIVAL_SINGLE_SIZE: tuple[float, float] = (6.0, 3.4)
"""Size of the plotting area when there is a single panel."""

SURVIVAL_MAX_COLUMNS = 3
SURVIVAL_Y_TICKS = (0.0, 0.5, 1.0)


def _text_inches(text: str, fontsize: float = SWEEP_FONTSIZE,
                 weight: str = "normal") -> tuple[float, float]:
    """Width and height in inches of a (possibly multi-line) text at ``fontsize`` points.

    Measured with matplotlib's own font metrics (no figure or renderer needed), so a figure
    can be sized from its labels before it is drawn.
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(size=fontsize, weight=weight)
    lines = str(text).split("\n")
    width = max(text_to_path.get_text_width_height_descent(line or " ", prop, ismath=False)[0]
                for line in lines)
    return width / 72.0, len(lines) * fontsize * LINE_SPACING / 72.0


def _line_height(fontsize: float = SWEEP_FONTSIZE) -> float:
    """Height in inches of one line of text."""
    return fontsize * LINE_SPACING / 72.0


def _wrap(text: str, width: int) -> str:
    """``text`` on lines of at most ``width`` characters (words are never broken)."""
    return textwrap.fill(str(text), width, break_long_words=False, break_on_hyphens=False)


def _widest(texts: list[str], fontsize: float = SWEEP_FONTSIZE) -> tuple[float, float]:
    """Largest width and largest height (inches) among ``texts``."""
    sizes = [_text_inches(t, fontsize) for t in texts] or [(0.0, 0.0)]
    return max(w for w, _ in sizes), max(h for _, h in sizes)


def _fixed_figure(width: float, height: float, title: str, caption_text: str) -> Figure:
    """A pyplot-free sweep figure whose axes are placed by hand: no layout engine at all, so
    saving draws it once (a layout engine, even a disabled one, makes ``savefig`` draw the
    figure twice). At least ``width`` x ``height`` inches: wider if its title or caption needs
    it (the content keeps its place from the left edge)."""
    needed = max(_text_inches(title, SUPTITLE_FONTSIZE)[0],
                 _text_inches(caption_text, CAPTION_FONTSIZE)[0])
    return Figure(figsize=(max(width, needed + 2 * MARGIN + 0.1), height))


def _sweep_finish(fig: Figure, title: str, caption_text: str) -> Figure:
    """:func:`_finish`, with the title and the caption at fixed distances from the edges (so
    they stay in the bands kept free for them whatever the figure's height)."""
    _finish(fig, title, caption_text)
    height = fig.get_figheight()
    fig.suptitle(title, y=1.0 - TITLE_TOP / height, va="top", fontsize=SUPTITLE_FONTSIZE)
    for text in fig.texts:
        if text.get_text() == caption_text:
            text.set_y(CAPTION_BOTTOM / height)
    return fig


def _axes_at(fig: Figure, left: float, bottom: float, width: float, height: float) -> Axes:
    """Axes whose plotting area is at ``left``, ``bottom`` with that size (inches)."""
    fw, fh = fig.get_figwidth(), fig.get_figheight()
    return fig.add_axes((left / fw, bottom / fh, width / fw, height / fh))


def _legend_above_caption(fig: Figure, handles: list[Any], labels: list[str], ncols: int,
                          title: str = "") -> None:
    """A figure legend centred in the band kept free between the axes and the caption line."""
    fig.legend(handles, labels, loc="lower center", ncols=ncols, fontsize=SWEEP_FONTSIZE,
               bbox_to_anchor=(0.5, CAPTION_HEIGHT / fig.get_figheight()), frameon=False,
               title=title or None, title_fontsize=SWEEP_FONTSIZE, borderpad=0.2,
               columnspacing=1.5, handlelength=1.5)


def _legend_height(n_rows: int, title: bool = False) -> float:
    """Room for a figure legend of ``n_rows`` rows (and a title row)."""
    return (n_rows + title) * LEGEND_ROW_HEIGHT + 0.1


def _separate(ax: Axes, separators: Any, n_rows: int) -> None:
    """Faint lines between groups of rows (row ``i`` is drawn at ``n_rows - 1 - i``)."""
    if len(separators):
        ax.hlines([n_rows - i - 0.5 for i in separators], 0.0, 1.0,
                  transform=ax.get_yaxis_transform(), colors=OKABE_ITO["black"],
                  linewidth=0.5, alpha=0.3)


def _row_axes(fig: Figure, n_panels: int, left: float, bottom: float, panel_w: float,
              height: float, n_rows: int, labels: list[str], ylabel: str) -> list[Axes]:
    """``n_panels`` axes side by side sharing ``n_rows`` rows, labelled on the first only."""
    axes = []
    y = np.arange(n_rows)[::-1].astype(float)
    for i in range(n_panels):
        ax = _axes_at(fig, left + i * (panel_w + PANEL_GAP), bottom, panel_w, height)
        ax.set_ylim(-0.6, n_rows - 0.4)
        if i == 0:
            ax.set_yticks(y, labels)
            ax.set_ylabel(ylabel, fontsize=SWEEP_TITLE_FONTSIZE)
        else:
            ax.set_yticks([])
        ax.xaxis.set_major_locator(MaxNLocator(3 if panel_w < 2.5 else 5))
        ax.tick_params(labelsize=SWEEP_FONTSIZE, length=2)
        ax.grid(axis="x", alpha=0.3)
        axes.append(ax)
    return axes


def _rows_frame(labels: list[str], panel_titles: list[str], panel_w: float, n_panels: int,
                extra_bottom: float = 0.0, bold: Any = ()
                ) -> tuple[float, float, float, float, float, list[str]]:
    """Sizes of a figure of labelled rows: width, height, left and bottom of the axes, the
    axes' height, and the wrapped row labels (those at the indices ``bold`` set in bold)."""
    wrapped = [_wrap(label, ROW_LABEL_WRAP) for label in labels]
    sizes = [_text_inches(text, weight="bold" if i in bold else "normal")
             for i, text in enumerate(wrapped)]
    label_w, label_h = max(w for w, _ in sizes), max(h for _, h in sizes)
    row_h = max(label_h, _line_height()) + 0.1
    title_h = _widest(panel_titles, SWEEP_TITLE_FONTSIZE)[1]
    left = MARGIN + _line_height(SWEEP_TITLE_FONTSIZE) + LABEL_GAP + label_w + TICK_GAP
    bottom = (CAPTION_HEIGHT + extra_bottom + _line_height(SWEEP_FONTSIZE) + LABEL_GAP
              + _line_height() + TICK_GAP)
    height = len(labels) * row_h
    width = left + n_panels * panel_w + (n_panels - 1) * PANEL_GAP + MARGIN
    total = bottom + height + LABEL_GAP + title_h + SUPTITLE_HEIGHT
    return width, total, left, bottom, height, wrapped


def plot_heatmap_panels(
    df: pd.DataFrame,
    x: str,
    y: str,
    panels: list[tuple[str, str]],
    caption_text: str,
    *,
    x_levels: list[str],
    y_levels: list[str],
    xlabel: str,
    ylabel: str,
    title: str,
    mark: tuple[str, str] | None = None,
) -> Figure:
    """Heatmaps of several quantities over the same two levers, one panel each.

    Each panel has its own colour scale, from 0 (dark) to the largest value of its quantity
    (light), so a rare outcome is not uniformly dark; the values are written in the cells (for
    large grids, where they would not fit, a colour bar per panel gives the scale instead).
    Column labels are wrapped, or turned vertical when the columns would be too wide; the
    figure is sized around its labels.

    Args:
        df: One row per (x, y) combination, ``x`` and ``y`` holding the level labels.
        x: Column of the horizontal lever.
        y: Column of the vertical lever.
        panels: ``(column, panel title)`` per panel, in order.
        caption_text: Caption line.
        x_levels: Column labels in display order (left to right).
        y_levels: Row labels in display order (top to bottom).
        xlabel: Name of the horizontal lever.
        ylabel: Name of the vertical lever.
        title: Figure title.
        mark: ``(x level, y level)`` of a cell to outline (e.g. the reference point).

    Returns:
        The figure.

    Raises:
        ValueError: If an (x, y) combination appears more than once.
    """
    if df.duplicated([x, y]).any():
        raise ValueError(f"each ({x}, {y}) combination must appear once")
    nx, ny = len(x_levels), len(y_levels)
    annotate = nx * ny <= HEATMAP_MAX_ANNOTATED_CELLS
    col_labels = [_wrap(v, COLUMN_LABEL_WRAP) for v in x_levels]
    row_labels = [_wrap(v, HEATMAP_ROW_LABEL_WRAP) for v in y_levels]
    col_w, col_h = _widest(col_labels)
    row_w, row_h = _widest(row_labels)
    ann_w, ann_h = _text_inches("0.000") if annotate else (0.1, 0.1)
    cell_w = max(ann_w, col_w) + TEXT_PAD
    vertical = nx * cell_w > HEATMAP_MAX_PANEL_WIDTH
    if vertical:  # a vertical label is as wide as its lines are tall
        cell_w = max(ann_w, col_h) + TEXT_PAD
        col_h = col_w
    cell_h = max(ann_h, row_h) + TEXT_PAD
    axis_h = _line_height(SWEEP_TITLE_FONTSIZE)
    title_h = _widest([t for _, t in panels], SWEEP_TITLE_FONTSIZE)[1]
    colourbar_w = 0.0 if annotate else 0.12 + 0.08 + _text_inches("0.0000")[0]
    left = axis_h + LABEL_GAP + row_w + TICK_GAP
    below = col_h + TICK_GAP + LABEL_GAP + axis_h
    plot_w, plot_h = nx * cell_w, ny * cell_h
    slot_w = left + plot_w + colourbar_w + 0.35
    slot_h = title_h + LABEL_GAP + plot_h + below + 0.3
    ncols = next((k for k in (3, 2) if k <= len(panels)
                  and 2 * MARGIN + k * slot_w <= MAX_FIGURE_WIDTH), 1)
    nrows = -(-len(panels) // ncols)
    width = 2 * MARGIN + ncols * slot_w
    height = SUPTITLE_HEIGHT + nrows * slot_h + CAPTION_HEIGHT
    fig = _fixed_figure(width, height, title, caption_text)
    keyed = df.set_index([y, x])
    for i, (column, panel_title) in enumerate(panels):
        row, col = divmod(i, ncols)
        ax = _axes_at(fig, MARGIN + col * slot_w + left,
                      height - SUPTITLE_HEIGHT - row * slot_h - title_h - LABEL_GAP - plot_h,
                      plot_w, plot_h)
        values = (keyed[column].unstack(x).reindex(index=y_levels, columns=x_levels)
                  .to_numpy(dtype=float))
        top = float(np.nanmax(values)) if np.isfinite(values).any() else 0.0
        top = top if top > 0 else 1.0
        image = ax.imshow(values, origin="upper", aspect="auto", cmap=HEATMAP_CMAP,
                          vmin=0.0, vmax=top, interpolation="nearest")
        ax.set_xticks(np.arange(nx), col_labels, fontsize=SWEEP_FONTSIZE,
                      rotation=90 if vertical else 0)
        ax.set_yticks(np.arange(ny), row_labels, fontsize=SWEEP_FONTSIZE)
        ax.tick_params(length=2)
        ax.set_xlabel(xlabel, fontsize=SWEEP_TITLE_FONTSIZE)
        ax.set_ylabel(ylabel, fontsize=SWEEP_TITLE_FONTSIZE)
        ax.set_title(panel_title, fontsize=SWEEP_TITLE_FONTSIZE)
        if annotate:
            decimals = HEATMAP_TEXT_DECIMALS if top >= 0.1 else HEATMAP_TEXT_DECIMALS + 1
            for (r, c), cell in np.ndenumerate(values):
                if np.isnan(cell):
                    continue
                rgb = image.cmap(image.norm(cell))[:3]
                dark = float(np.dot(to_rgb(rgb), LUMINANCE_WEIGHTS)) < DARK_LUMINANCE
                ax.text(c, r, f"{cell:.{decimals}f}", ha="center", va="center",
                        fontsize=SWEEP_FONTSIZE, color="white" if dark else OKABE_ITO["black"])
        else:
            bounds = ax.get_position().bounds
            fig_w = fig.get_figwidth()
            cax = fig.add_axes((bounds[0] + bounds[2] + 0.08 / fig_w, bounds[1],
                                0.12 / fig_w, bounds[3]), label="<colorbar>")
            colourbar = fig.colorbar(image, cax=cax)
            colourbar.ax.tick_params(labelsize=SWEEP_FONTSIZE, length=2)
            colourbar.locator = MaxNLocator(4)
        if mark is not None and mark[0] in x_levels and mark[1] in y_levels:
            ax.add_patch(Rectangle((x_levels.index(mark[0]) - 0.5, y_levels.index(mark[1]) - 0.5),
                                   1.0, 1.0, fill=False, edgecolor=HEATMAP_MARK_COLOUR,
                                   linewidth=2.5))
    return _sweep_finish(fig, title, caption_text)


def plot_outcome_rows(
    df: pd.DataFrame,
    labels: list[str],
    caption_text: str,
    *,
    ylabel: str,
    title: str,
    separators: Any = (),
) -> Figure:
    """Outcome probabilities as horizontal bars, one row per item and one panel per outcome.

    Each panel has its own probability scale (a rare outcome stays readable), and the row
    labels sit once, on the first panel's vertical axis, so any number of rows stays legible.

    Args:
        df: One row per item (in order, top to bottom) with ``p_<outcome>``, ``_lo``, ``_hi``.
        labels: Row labels, one per row of ``df``.
        caption_text: Caption line.
        ylabel: What the rows are (e.g. the levers' names).
        title: Figure title.
        separators: Row indices where a new group of rows starts (a faint line above them).

    Returns:
        The figure.
    """
    n = len(df)
    titles = [OUTCOME_LABELS[name] for name in OUTCOMES]
    width, height, left, bottom, axes_h, wrapped = _rows_frame(
        labels, titles, ROW_PANEL_WIDTH, len(OUTCOMES))
    fig = _fixed_figure(width, height, title, caption_text)
    axes = _row_axes(fig, len(OUTCOMES), left, bottom, ROW_PANEL_WIDTH, axes_h, n, wrapped,
                     ylabel)
    y = np.arange(n)[::-1].astype(float)
    for ax, name, panel_title in zip(axes, OUTCOMES, titles, strict=True):
        p = df[f"p_{name}"].to_numpy(dtype=float)
        lo = df[f"p_{name}_lo"].to_numpy(dtype=float)
        hi = df[f"p_{name}_hi"].to_numpy(dtype=float)
        # One collection of bars (far cheaper to draw than a patch per bar).
        ax.add_collection(PolyCollection(
            [((0.0, yi - 0.35), (pi, yi - 0.35), (pi, yi + 0.35), (0.0, yi + 0.35))
             for yi, pi in zip(y, np.nan_to_num(p), strict=True)],
            facecolors=OUTCOME_COLOURS[name], edgecolors="none"), autolim=False)
        ax.errorbar(p, y, xerr=np.vstack([p - lo, hi - p]), fmt="none",
                    ecolor=OKABE_ITO["black"], elinewidth=0.8, capsize=2)
        top = float(np.nanmax(hi)) if np.isfinite(hi).any() else 0.0
        ax.set_xlim(0.0, top * 1.1 if top > 0 else 1.0)
        ax.set_title(panel_title, fontsize=SWEEP_TITLE_FONTSIZE)
        ax.set_xlabel("probability", fontsize=SWEEP_FONTSIZE)
        _separate(ax, separators, n)
    return _sweep_finish(fig, title, caption_text)


def plot_survival_panels(
    panels: Mapping[str, Mapping[str, pd.DataFrame]],
    caption_text: str,
    *,
    title: str,
    legend_title: str = "",
) -> Figure:
    """Kaplan-Meier curves in small multiples: one panel per group, the same colour per curve
    label in every panel, one legend for all.

    Args:
        panels: Panel title -> (curve label -> output of :func:`sim.metrics.kaplan_meier`).
            A single panel with an empty title gives a plain overlay.
        caption_text: Caption line.
        title: Figure title.
        legend_title: Title of the legend (what the curves are).

    Returns:
        The figure.
    """
    curve_labels = list(dict.fromkeys(label for curves in panels.values() for label in curves))
    colours = {label: SERIES_COLOURS[i % len(SERIES_COLOURS)]
               for i, label in enumerate(curve_labels)}
    handles: list[Any] = [Line2D([], [], color=colours[label]) for label in curve_labels]
    labels = [str(label) for label in curve_labels]
    handles += [Patch(color=OKABE_ITO["black"], alpha=OVERLAY_BAND_ALPHA, linewidth=0),
                Line2D([], [], linestyle="none", marker="|", color=OKABE_ITO["black"])]
    labels += ["95% bands (Greenwood, log-log)", "censored: still holding at the horizon"]
    ncols = min(SURVIVAL_MAX_COLUMNS, len(panels))
    nrows = -(-len(panels) // ncols)
    panel_w, panel_h = SURVIVAL_PANEL_SIZE if len(panels) > 1 else SURVIVAL_SINGLE_SIZE
    tick_h, axis_h = _line_height(), _line_height(SWEEP_FONTSIZE)
    title_h = (_line_height(SWEEP_TITLE_FONTSIZE) + LABEL_GAP) if any(panels) else 0.0
    left = MARGIN + axis_h + LABEL_GAP + _text_inches("0.75")[0] + TICK_GAP
    below = tick_h + TICK_GAP + LABEL_GAP + axis_h + 0.15
    gap_w = 0.2
    width = max(left + ncols * panel_w + (ncols - 1) * gap_w + MARGIN, 7.0)
    widths = [_text_inches(label)[0] + 0.5 for label in labels]
    legend_cols = max(1, min(len(labels), int((width - 2 * MARGIN) // max(widths))))
    legend_h = _legend_height(-(-len(labels) // legend_cols), bool(legend_title))
    slot_h = title_h + panel_h + below
    height = SUPTITLE_HEIGHT + nrows * slot_h + legend_h + CAPTION_HEIGHT
    fig = _fixed_figure(width, height, title, caption_text)
    horizon = max((float(km["week"].max()) for curves in panels.values()
                   for km in curves.values()), default=0.0)
    for i, (panel, curves) in enumerate(panels.items()):
        row, col = divmod(i, ncols)
        ax = _axes_at(fig, left + col * (panel_w + gap_w),
                      height - SUPTITLE_HEIGHT - row * slot_h - title_h - panel_h,
                      panel_w, panel_h)
        for label, km_df in curves.items():
            _km_on_axes(ax, km_df, str(label), colours[label], OVERLAY_BAND_ALPHA)
        if panel:
            ax.set_title(panel, fontsize=SWEEP_TITLE_FONTSIZE)
        ax.set_xlim(0, horizon if horizon > 0 else 1.0)
        _probability_axis(ax)
        ax.set_yticks(SURVIVAL_Y_TICKS)
        ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
        ax.tick_params(labelsize=SWEEP_FONTSIZE, length=2, labelleft=col == 0)
        ax.grid(alpha=0.3)
        ax.set_xlabel("weeks since first ceasefire", fontsize=SWEEP_FONTSIZE)
        if col == 0:
            ax.set_ylabel("share still holding", fontsize=SWEEP_FONTSIZE)
    legend_cols = min(legend_cols, len(labels))
    _legend_above_caption(fig, handles, labels, legend_cols, legend_title)
    return _sweep_finish(fig, title, caption_text)


# --------------------------------------------------------------------------- #
# Saving
# --------------------------------------------------------------------------- #
LAYOUT_DECIMALS = 10
"""Axes positions are rounded to this many decimals of the figure (far below a pixel)."""


def _settle_layout(fig: Figure, dpi: int) -> None:
    """Run the figure's layout engine once at the saving resolution, round the axes positions
    and freeze them (layout engine ``none``).

    Matplotlib's constrained layout solves its constraints with kiwisolver, whose floating-point
    result can differ in the last bits from one process to the next (memory addresses order its
    internal tables); a position that differs by 1e-16 of the figure shifts a line's
    anti-aliasing by a few pixels now and then (about one process in twelve here), which broke
    "same config and seed, same bytes". Rounded positions are the same in every process, and the
    frozen layout makes saving the figure again give the same picture.
    """
    engine = fig.get_layout_engine()
    if engine is not None:
        fig.set_dpi(dpi)  # text extents as savefig will measure them
        engine.execute(fig)
        fig.set_layout_engine("none")
    for ax in fig.axes:
        ax.set_position(np.round(ax.get_position().bounds, LAYOUT_DECIMALS).tolist())


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
    _settle_layout(fig, dpi)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as handle:
            fig.savefig(handle, format="png", dpi=dpi, metadata=PNG_METADATA)
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


def plot_forest(table: pd.DataFrame, caption_text: str, *, reference: str | None = None,
                title: str | None = None, xlabel: str | None = None, ylabel: str = "",
                separators: Any = ()) -> Figure:
    """Paired differences against a reference, with their 95% intervals.

    Without ``reference`` (``ceasefire-sim-compare``): each scenario against the first, one
    panel per outcome stacked vertically, a colour per scenario. With ``reference`` (the rows of
    a sweep): one row per scenario or point, including the reference itself (marked, its tick
    label in bold), one panel per outcome side by side sharing the row labels; a row is
    vermillion when its interval lies above 0, blue below 0, grey when it includes 0.

    Args:
        table: Rows with ``outcome`` (a label), ``scenario``, ``diff``, ``lo``, ``hi`` (the
            difference from the reference and its paired 95% interval; NaN: not paired).
        caption_text: Caption line.
        reference: The ``scenario`` label of the reference row (see above).
        title: Figure title (with ``reference``).
        xlabel: X axis label of each panel (with ``reference``), or of the bottom panel.
        ylabel: What the rows are (with ``reference``).
        separators: Row indices where a new group of rows starts (with ``reference``).

    Returns:
        The figure: a point and an interval per row, a line at 0.
    """
    if reference is not None:
        return _forest_columns(table, caption_text, reference, title=title, xlabel=xlabel,
                               ylabel=ylabel, separators=separators)
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
    axes[-1].set_xlabel(xlabel or "difference from the first scenario (paired 95% interval)")
    return _finish(fig, "Each scenario against the first, over common random numbers",
                   caption_text)


def _forest_columns(table: pd.DataFrame, caption_text: str, reference: str, *,
                    title: str | None, xlabel: str | None, ylabel: str,
                    separators: Any) -> Figure:
    """The side-by-side forest plot of :func:`plot_forest` (one row per item)."""
    outcomes = list(dict.fromkeys(table["outcome"]))
    rows = list(dict.fromkeys(table["scenario"]))
    n = len(rows)
    names = [f"{r} (reference)" if r == reference else str(r) for r in rows]
    titles = [_wrap(o, 40) for o in outcomes]
    colour_of = {"higher": FOREST_HIGHER, "lower": FOREST_LOWER, "unclear": FOREST_UNCLEAR}
    legend_labels = ["interval above 0", "interval below 0", "interval includes 0", "reference"]
    legend_h = _legend_height(1)
    title = title if title is not None else "Each row against the reference"
    width, height, left, bottom, axes_h, wrapped = _rows_frame(
        names, titles, FOREST_PANEL_WIDTH, len(outcomes), extra_bottom=legend_h,
        bold=[i for i, r in enumerate(rows) if r == reference])
    fig = _fixed_figure(width, height, title, caption_text)
    axes = _row_axes(fig, len(outcomes), left, bottom, FOREST_PANEL_WIDTH, axes_h, n, wrapped,
                     ylabel)
    y = np.arange(n)[::-1].astype(float)
    is_ref = np.array([r == reference for r in rows])
    for ax, outcome, panel_title in zip(axes, outcomes, titles, strict=True):
        part = table[table["outcome"] == outcome].set_index("scenario").reindex(rows)
        diff = part["diff"].to_numpy(dtype=float)
        lo = part["lo"].to_numpy(dtype=float)
        hi = part["hi"].to_numpy(dtype=float)
        kind = np.where(lo > 0, "higher", np.where(hi < 0, "lower", "unclear"))
        shown = ~is_ref & np.isfinite(diff)
        colours = [colour_of[k] for k in kind[shown]]
        # One collection of intervals and one of points per panel (cheap to draw).
        ax.hlines(y[shown], lo[shown], hi[shown], colors=colours, linewidth=1.2)
        ax.scatter(diff[shown], y[shown], s=16, c=colours, zorder=3)
        ax.plot(np.zeros(int(is_ref.sum())), y[is_ref], "D", color=OKABE_ITO["black"],
                markersize=6, zorder=3)
        ax.axvline(0.0, color=OKABE_ITO["black"], lw=0.8)
        ax.set_title(panel_title, fontsize=SWEEP_TITLE_FONTSIZE)
        ax.set_xlabel(xlabel if xlabel is not None else "difference from the reference",
                      fontsize=SWEEP_FONTSIZE)
        _separate(ax, separators, n)
    for tick_label, ref in zip(axes[0].get_yticklabels(), is_ref, strict=True):
        if ref:
            tick_label.set_fontweight("bold")
    handles: list[Any] = [Line2D([], [], marker="o", markersize=4, color=colour_of[k])
                          for k in ("higher", "lower", "unclear")]
    handles.append(Line2D([], [], marker="D", markersize=6, linestyle="none",
                          color=OKABE_ITO["black"]))
    _legend_above_caption(fig, handles, legend_labels, len(legend_labels))
    return _sweep_finish(fig, title, caption_text)
