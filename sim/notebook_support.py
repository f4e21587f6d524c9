"""Small presentation helpers for the teaching notebooks in ``notebooks/``.

Nothing here computes model logic: the helpers format the rulebook (:mod:`sim.rulebook`) and
parameter provenance (:mod:`sim.config` field metadata) as Markdown or tables, and draw two
comparison figures from numbers the notebooks already computed with :mod:`sim.metrics` and SALib.
Figures are built without pyplot and returned, like :mod:`sim.plots`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.config import Config, iter_params
from sim.plots import OKABE_ITO
from sim.rulebook import rows

__all__ = [
    "actors",
    "interval_comparison_figure",
    "param_table",
    "provenance_kind",
    "rule_cards",
    "sobol_figure",
]

_QUOTE_ID = re.compile(r"\bQ\d{2}\b")
RUN_SETTING = "run setting"
"""Prefix of the provenance of parameters that are run settings, not model assumptions."""
SCENARIO_NAME = "scenario name"
"""Provenance of the ``name`` field: a label, not a model parameter."""


def provenance_kind(prov: str) -> str:
    """Classify a provenance string as article, research, assumption or a mix.

    Args:
        prov: The ``prov`` metadata of a config field, e.g. ``"Q07; cite: ODNI ..."``.

    Returns:
        ``"article"``, ``"research"``, ``"assumption"`` or a combination joined by ``" + "``
        (in that order); ``"run setting"`` for run settings and the scenario's name;
        ``"unstated"`` if none applies.
    """
    text = prov.strip()
    if text.startswith((RUN_SETTING, SCENARIO_NAME)):
        return RUN_SETTING
    kinds = []
    if _QUOTE_ID.search(text):
        kinds.append("article")
    if "cite:" in text:
        kinds.append("research")
    if "assumption" in text:
        kinds.append("assumption")
    return " + ".join(kinds) if kinds else "unstated"


def param_table(cfg: Config, keys: Iterable[str] | None = None) -> pd.DataFrame:
    """Parameters with value, basis (article / research / assumption) and provenance.

    Args:
        cfg: A composed config.
        keys: Dotted keys to include (in this order); all parameters if ``None``.

    Returns:
        DataFrame with columns ``key, value, basis, provenance, meaning``.

    Raises:
        KeyError: If a key is not a parameter of the config.
    """
    index = {key: (f, value) for key, f, value in iter_params(cfg)}
    wanted = list(index) if keys is None else list(keys)
    records = []
    for key in wanted:
        f, value = index[key]
        prov = str(f.metadata.get("prov", ""))
        records.append({
            "key": key,
            "value": value,
            "basis": provenance_kind(prov),
            "provenance": prov,
            "meaning": f.metadata.get("doc", ""),
        })
    return pd.DataFrame(records, columns=["key", "value", "basis", "provenance", "meaning"])


def actors(cfg: Config | None = None) -> list[str]:
    """The actors that own rules, in the order the rulebook lists them."""
    return list(dict.fromkeys(r["actor"] for r in rows(cfg)))


def _fmt_value(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def rule_cards(cfg: Config, actor: str) -> str:
    """Markdown cards for every rule of one actor: quotes, parameters and assumption.

    Args:
        cfg: A composed config (parameter values are taken from it).
        actor: An actor name as in :data:`sim.rules.RULES` (e.g. ``"Russia"``).

    Returns:
        Markdown text: per rule a heading, what it does, the article's quotes (verbatim, with
        IDs), its parameters with value and basis, and what it assumes beyond the article.
    """
    blocks: list[str] = []
    for r in rows(cfg):
        if r["actor"] != actor:
            continue
        blocks.append(f"#### {r['rule']} — `{r['function']}`")
        blocks.append(f"*What it does:* {r['does']}")
        if r["quotes"]:
            blocks.append("*From the article:*")
            blocks.append("\n>\n".join(f"> **{q['id']}** “{q['text']}”" for q in r["quotes"]))
        else:
            blocks.append("*From the article:* no quote — this rule rests on research or "
                          "assumption.")
        if r["params"]:
            table = ["| parameter | value | basis | provenance |", "|---|---|---|---|"]
            for p in r["params"]:
                prov = str(p["provenance"]).replace("|", "\\|")
                table.append(f"| `{p['key']}` | {_fmt_value(p['value'])} | "
                             f"{provenance_kind(prov)} | {prov} |")
            blocks.append("\n".join(table))
        assumption = r["assumption"] or "none in the rule's form (see each parameter's basis)"
        blocks.append(f"*Assumption (not in the article):* {assumption}")
    return "\n\n".join(blocks) + "\n"


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
