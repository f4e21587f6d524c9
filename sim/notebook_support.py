"""Small presentation helpers for the teaching notebooks in ``notebooks/``.

Nothing here computes model logic: the helpers format the rulebook (:mod:`sim.rulebook`: rules
with their quotes by role) and the parameters' provenance (:mod:`sim.config` field metadata) as
tables or Markdown, and draw figures from numbers the notebooks already computed with the model,
:mod:`sim.metrics` or SALib. Figures are built without pyplot and returned, like :mod:`sim.plots`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.config import Config, iter_params
from sim.metrics import HEADLINES, PHASES
from sim.plots import OKABE_ITO, PHASE_COLOURS, SERIES_COLOURS
from sim.rulebook import rows

__all__ = [
    "ROLES",
    "actors",
    "headline_figure",
    "headline_table",
    "history_figure",
    "interval_comparison_figure",
    "param_table",
    "rule_cards",
    "rule_table",
    "sobol_figure",
]

ROLES: dict[str, str] = {
    "supports": "the words state the stance the rule encodes",
    "constrains": "the words limit what the rule may do",
    "counterfactual": "a lever value departs from the words",
}
"""The three roles in which a rule cites a quote, in the rulebook's order, with their meaning."""

PARAM_COLUMNS = ["key", "value", "class", "source", "quotes", "plausible", "meaning"]
"""Columns of :func:`param_table`."""

PP = 100.0
"""Percentage points per unit share (for labels in percentage points)."""

THOUSAND = 1000.0
"""Troops are drawn in thousands."""


def _fmt_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return f"{value:g}" if isinstance(value, float) else str(value)


def _fmt_range(plausible: Sequence[Any] | None) -> str:
    return "—" if plausible is None else f"{_fmt_value(plausible[0])} – {_fmt_value(plausible[1])}"


def param_table(cfg: Config, keys: Iterable[str] | None = None) -> pd.DataFrame:
    """Parameters with their value, provenance class, source and plausible range.

    Args:
        cfg: A composed config.
        keys: Dotted keys to include (in this order); all parameters if ``None``.

    Returns:
        DataFrame with the columns of :data:`PARAM_COLUMNS`: ``class`` is the field's one
        provenance class (``quote``, ``cited``, ``calibrated``, ``assumption``, ``lever`` or
        ``run``) and ``source`` what the schema records for it (quote IDs, citation, target,
        reason, or which lever values follow or bend the article).

    Raises:
        KeyError: If a key is not a parameter of the config.
    """
    index = {key: (f, value) for key, f, value in iter_params(cfg)}
    wanted = list(index) if keys is None else list(keys)
    records = []
    for key in wanted:
        f, value = index[key]
        meta = f.metadata
        records.append({
            "key": key,
            "value": value,
            "class": meta["kind"],
            "source": meta["source"],
            "quotes": ", ".join(meta["quotes"]),
            "plausible": _fmt_range(meta["plausible"]),
            "meaning": meta["doc"],
        })
    table = pd.DataFrame(records, columns=PARAM_COLUMNS)
    # Keep each value as the schema holds it (26 members stay an int, flags stay booleans).
    table["value"] = pd.Series([r["value"] for r in records], dtype=object)
    return table


def actors(cfg: Config | None = None) -> list[str]:
    """The actors that own rules, in the order the rulebook lists them."""
    return list(dict.fromkeys(r["actor"] for r in rows(cfg)))


def _quote_ids(quotes: Iterable[Mapping[str, str]], role: str) -> list[str]:
    return [q["id"] for q in quotes if q["role"] == role]


def rule_table(cfg: Config | None = None) -> pd.DataFrame:
    """One row per rule function: actor, title, function and its quote IDs by role.

    Returns:
        DataFrame with columns ``actor, rule, function, supports, constrains, counterfactual,
        parameters, assumption`` (quote IDs comma-separated, ``—`` where a rule has none in a
        role; ``parameters`` is the number of config keys the rule reads).
    """
    records = []
    for r in rows(cfg):
        record = {"actor": r["actor"], "rule": r["rule"],
                  "function": r["function"].rsplit(".", 1)[1]}
        for role in ROLES:
            record[role] = ", ".join(_quote_ids(r["quotes"], role)) or "—"
        record["parameters"] = len(r["params"])
        record["assumption"] = r["assumption"] or "—"
        records.append(record)
    return pd.DataFrame(records, columns=["actor", "rule", "function", *ROLES, "parameters",
                                          "assumption"])


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def rule_cards(cfg: Config, actor: str) -> str:
    """Markdown cards for every rule of one actor: quotes by role, parameters and assumption.

    Args:
        cfg: A composed config (parameter values are taken from it).
        actor: An actor name as in :data:`sim.rules.RULES` (e.g. ``"Russia"``).

    Returns:
        Markdown text: per rule a heading, what it does, the article's quotes verbatim with their
        IDs grouped by role (supports, constrains, counterfactual), its parameters with value,
        provenance class, source and plausible range, and what it assumes beyond the article.
    """
    blocks: list[str] = []
    for r in rows(cfg):
        if r["actor"] != actor:
            continue
        blocks.append(f"#### {r['rule']} — `{r['function']}`")
        blocks.append(f"*What it does:* {r['does']}")
        if not r["quotes"]:
            blocks.append("*From the article:* no quote — the rule rests on research or on its "
                          "assumption.")
        for role, meaning in ROLES.items():
            cited = [q for q in r["quotes"] if q["role"] == role]
            if cited:
                blocks.append(f"*{role.capitalize()}* ({meaning}):")
                blocks.append("\n>\n".join(f"> **{q['id']}** “{q['text']}”" for q in cited))
        if r["params"]:
            table = ["| parameter | value | class | source | plausible |", "|---|---|---|---|---|"]
            for p in r["params"]:
                table.append(f"| `{p['key']}` | {_fmt_value(p['value'])} | {p['kind']} | "
                             f"{_md(p['source'])} | {_fmt_range(p['plausible'])} |")
            blocks.append("\n".join(table))
        assumption = r["assumption"] or "none beyond its parameters (see each one's class)"
        blocks.append(f"*Assumption (not in the article):* {assumption}")
    return "\n\n".join(blocks) + "\n"


def headline_table(comparisons: Mapping[str, Mapping[str, Mapping[str, float]]]) -> pd.DataFrame:
    """Tidy table of paired headline comparisons.

    Args:
        comparisons: Label of the comparison (e.g. ``"after_ceasefire_holds − immediate"``) →
            the result of :func:`sim.metrics.paired_headlines` for it.

    Returns:
        One row per (comparison, headline) with columns ``comparison, headline, a, b, diff, lo,
        hi`` (``headline`` is the readable name from :data:`sim.metrics.HEADLINES`) and
        ``excludes_0`` (whether the paired interval excludes zero).
    """
    records = []
    for label, result in comparisons.items():
        for key, name in HEADLINES.items():
            e = result[key]
            lo, hi = float(e["lo"]), float(e["hi"])
            records.append({"comparison": label, "headline": name, "a": e["a"], "b": e["b"],
                            "diff": e["diff"], "lo": lo, "hi": hi,
                            "excludes_0": bool(np.isfinite(lo) and np.isfinite(hi)
                                               and (lo > 0 or hi < 0))})
    return pd.DataFrame(records, columns=["comparison", "headline", "a", "b", "diff", "lo", "hi",
                                          "excludes_0"])


def headline_figure(table: pd.DataFrame, caption: str, *, title: str) -> Figure:
    """Forest plot of paired headline differences: one panel per headline, one row per comparison.

    A difference whose paired interval excludes zero is drawn in blue, one that includes it in
    black (the title says so).

    Args:
        table: Output of :func:`headline_table`.
        caption: Caption line (see :func:`sim.plots.caption`).
        title: Figure title.

    Returns:
        The figure.
    """
    labels = list(dict.fromkeys(table["comparison"]))
    names = list(dict.fromkeys(table["headline"]))
    fig = Figure(figsize=(11.0, 2.2 + 1.0 * len(labels)), layout="constrained")
    axes = np.atleast_1d(fig.subplots(2, (len(names) + 1) // 2, sharey=True)).ravel()
    y = np.arange(len(labels), dtype=float)[::-1]
    for ax, name in zip(axes, names, strict=False):
        part = table[table["headline"] == name].set_index("comparison").loc[labels]
        diff = part["diff"].to_numpy(dtype=float)
        low = np.nan_to_num(diff - part["lo"].to_numpy(dtype=float))
        high = np.nan_to_num(part["hi"].to_numpy(dtype=float) - diff)
        colours = [OKABE_ITO["blue"] if ex else OKABE_ITO["black"] for ex in part["excludes_0"]]
        for yi, d, lo, hi, c in zip(y, diff, low, high, colours, strict=True):
            ax.errorbar([d], [yi], xerr=[[lo], [hi]], fmt="o", color=c, capsize=3)
        ax.axvline(0.0, color=OKABE_ITO["black"], linewidth=0.8)
        ax.set_yticks(y, labels)
        if ax.get_subplotspec().colspan.start > 0:  # labels on the left column only
            ax.tick_params(labelleft=False)
        unit = "per 100 ceasefire-weeks" if "per 100" in name else "probability"
        ax.set_xlabel(f"difference A − B ({unit})")
        ax.set_title(name, fontsize="medium")
    for ax in axes[len(names):]:
        ax.set_visible(False)
    fig.suptitle(f"{title}\n(blue: the paired 95% interval excludes 0; black: it includes 0)")
    fig.supxlabel(caption, fontsize="small")
    return fig


def history_figure(raw_paths: Mapping[str, np.ndarray], replication: int, caption: str) -> Figure:
    """One simulated history: its phases, Russian-held territory, the claim gap and the troops.

    Args:
        raw_paths: Per-replication weekly arrays (``Results.raw_paths`` of a run with
            ``keep_paths=True``): ``phase``, ``territory``, ``claim_gap``, ``troops_deployed``.
        replication: Row of the arrays to draw.
        caption: Caption line (see :func:`sim.plots.caption`).

    Returns:
        The figure: four panels sharing the week axis, the phases shaded behind each.
    """
    phase = np.asarray(raw_paths["phase"][replication], dtype=int)
    weeks = np.arange(phase.size)
    fig = Figure(figsize=(9.0, 7.5), layout="constrained")
    axes = fig.subplots(4, 1, sharex=True, height_ratios=(0.35, 1, 1, 1))
    starts = np.flatnonzero(np.r_[True, phase[1:] != phase[:-1]])
    stops = np.r_[starts[1:], phase.size]
    for ax in axes:
        for a, b in zip(starts, stops, strict=True):
            ax.axvspan(a - 0.5, b - 0.5, color=PHASE_COLOURS[PHASES[phase[a]]],
                       alpha=1.0 if ax is axes[0] else 0.18, linewidth=0)
    axes[0].set_yticks([])
    axes[0].set_title(f"Replication {replication}: phase week by week")
    series = (("territory", PP, "Russian-held share\nof Ukraine (%)"),
              ("claim_gap", PP, "claim gap (pp of Ukraine)"),
              ("troops_deployed", 1.0 / THOUSAND, "troops deployed\n(thousands)"))
    for ax, (key, scale, label), colour in zip(axes[1:], series, SERIES_COLOURS, strict=False):
        ax.plot(weeks, np.asarray(raw_paths[key][replication], dtype=float) * scale,
                color=colour, drawstyle="steps-post" if key == "troops_deployed" else "default")
        ax.set_ylabel(label)
    axes[-1].set_xlabel("week")
    axes[-1].set_xlim(-0.5, phase.size - 0.5)
    seen = [PHASES[p] for p in sorted(set(phase.tolist()))]
    fig.legend(handles=[Patch(color=PHASE_COLOURS[p], label=p) for p in seen],
               loc="outside upper center", ncols=len(seen), frameon=False)
    fig.supxlabel(caption, fontsize="small")
    return fig


def interval_comparison_figure(
    comparisons: pd.DataFrame, caption: str, *, title: str = "Paired vs unpaired 95% intervals"
) -> Figure:
    """Forest plot: each difference with its paired and its unpaired interval.

    Args:
        comparisons: One row per comparison with columns ``label``, ``diff``, ``lo``, ``hi``,
            ``lo_unpaired``, ``hi_unpaired`` (as returned by
            :func:`sim.metrics.paired_difference`, plus a label).
        caption: Caption line (see :func:`sim.plots.caption`).
        title: Figure title.

    Returns:
        The figure.
    """
    n = len(comparisons)
    fig = Figure(figsize=(8.0, 1.0 + 0.55 * n), layout="constrained")
    ax = fig.subplots()
    y = np.arange(n, dtype=float)[::-1]
    diff = comparisons["diff"].to_numpy(dtype=float)
    for offset, (lo, hi, colour, label) in zip(
        (0.15, -0.15),
        (("lo", "hi", OKABE_ITO["blue"], "paired (common random numbers)"),
         ("lo_unpaired", "hi_unpaired", OKABE_ITO["orange"], "unpaired (as if independent)")),
        strict=True,
    ):
        low = comparisons[lo].to_numpy(dtype=float)
        high = comparisons[hi].to_numpy(dtype=float)
        ax.errorbar(diff, y + offset, xerr=np.vstack([diff - low, high - diff]), fmt="o",
                    color=colour, capsize=3, label=label)
    ax.axvline(0.0, color=OKABE_ITO["black"], linewidth=0.8)
    ax.set_yticks(y, list(comparisons["label"]))
    ax.set_xlabel("difference A − B (probability or count per replication)")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, frameon=False)
    fig.suptitle(title)
    fig.text(0.0, 0.0, caption, fontsize="small", ha="left", va="bottom")
    fig.get_layout_engine().set(rect=(0, 0.04, 1, 0.96))
    return fig


def sobol_figure(
    indices: Mapping[str, Sequence[float]], names: Sequence[str], caption: str, *, output: str
) -> Figure:
    """Bar chart of first-order and total Sobol indices with their confidence intervals.

    Args:
        indices: SALib's result (keys ``S1``, ``S1_conf``, ``ST``, ``ST_conf``).
        names: Parameter names in the order of the SALib problem.
        caption: Caption line (see :func:`sim.plots.caption`).
        output: Name of the analysed output (used in the title).

    Returns:
        The figure.
    """
    fig = Figure(figsize=(8.0, 4.0), layout="constrained")
    ax = fig.subplots()
    x = np.arange(len(names), dtype=float)
    width = 0.38
    for shift, key, colour, label in ((-width / 2, "S1", OKABE_ITO["sky_blue"], "first order S1"),
                                      (width / 2, "ST", OKABE_ITO["blue"], "total ST")):
        values = np.asarray(indices[key], dtype=float)
        conf = np.asarray(indices[f"{key}_conf"], dtype=float)
        ax.bar(x + shift, values, width=width, color=colour, label=label)
        ax.errorbar(x + shift, values, yerr=conf, fmt="none", ecolor=OKABE_ITO["black"],
                    capsize=3)
    ax.axhline(0.0, color=OKABE_ITO["black"], linewidth=0.8)
    ax.set_xticks(x, list(names))
    ax.set_ylabel("share of output variance")
    ax.legend(title="Sobol index (± 95% bootstrap)", loc="best")
    ax.set_title(f"Sensitivity of {output}")
    fig.text(0.0, 0.0, caption, fontsize="small", ha="left", va="bottom")
    fig.get_layout_engine().set(rect=(0, 0.05, 1, 0.95))
    return fig
