"""The dilemma map: where the force helps, hurts or makes no difference, by the two weights no
evidence pins.

The force makes a compromise more acceptable to Ukraine and its voters (``ukraine.guarantee_weight``)
and less acceptable to Russia (``russia.force_aversion``); how much of each is a pure assumption.
:func:`dilemma_map` therefore compares a scenario (by default ``article_baseline``) with the same
world without a force (``deployment.timing=never``, i.e. ``no_force``) at every point of a declared
grid of those two weights (steps of 0.5 over their plausible ranges, so the assumed defaults lie on
it), under common random numbers, and marks
each point for P(war or escalation) and P(settlement):

- **helps** — the paired 95% interval of (force − no force) excludes 0 in the force's favour
  (fewer wars or escalations; more settlements);
- **hurts** — it excludes 0 the other way;
- **neutral** — the interval contains 0 at the stated replication count.

The point of the assumed defaults is marked "assumed" on the figure. ``ceasefire-sim
+experiment=dilemma`` writes ``dilemma.csv`` and ``figures/dilemma.png``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim import metrics
from sim.config import Config, field_of, validate

AXES = ("russia.force_aversion", "ukraine.guarantee_weight")
"""The two weights no evidence pins: x axis, y axis."""

OUTCOMES = {"p_war_or_escalation": -1, "p_settlement": +1}
"""The outcomes mapped, with the sign of a difference that counts as the force helping."""

STEP = 0.5
"""The declared grid: steps of 0.5 (logit units) over each axis's plausible range — 7 × 8 points,
and the assumed defaults lie on it."""


def grid(points: int | None = None) -> dict[str, np.ndarray]:
    """The declared grid over each axis's plausible range: steps of :data:`STEP`, or ``points``
    evenly spaced values when given (a coarser map, e.g. for a quick look)."""
    out = {}
    for key in AXES:
        lo, hi = field_of(key).metadata["plausible"]
        if points is None:
            out[key] = np.round(np.arange(lo, hi + STEP / 2, STEP), 6)
        else:
            out[key] = np.round(np.linspace(lo, hi, points), 6)
    return out


def _set(cfg: Config, values: dict[str, Any]) -> Config:
    cfg = copy.deepcopy(cfg)
    for key, value in values.items():
        group, name = key.split(".")
        setattr(getattr(cfg, group), name, value)
    return validate(cfg)


def verdict(entry: dict[str, float], sign: int) -> str:
    """helps / hurts / neutral for a paired difference (force − no force)."""
    if not metrics.moves(entry):
        return "neutral"
    return "helps" if entry["diff"] * sign > 0 else "hurts"


def dilemma_map(cfg: Config, points: int | None = None) -> pd.DataFrame:
    """The force against no force at every grid point (``cfg``'s replications, seed and horizon).

    Returns:
        One row per grid point: the two weights, and for each mapped outcome the value with the
        force, without it, the paired difference with its interval and the verdict.
    """
    from sim.experiment import run

    if cfg.deployment.timing == "never":
        raise ValueError("the dilemma map compares a force with none: choose a scenario with a "
                         "force (deployment.timing other than never)")
    g = grid(points)
    rows = []
    for a in g[AXES[0]]:
        for w in g[AXES[1]]:
            values = {AXES[0]: float(a), AXES[1]: float(w)}
            with_force = run(_set(cfg, values), progress=False).records
            without = run(_set(cfg, {**values, "deployment.timing": "never"}),
                          progress=False).records
            res = metrics.paired_headlines(with_force, without)
            row: dict[str, Any] = {"force_aversion": float(a), "guarantee_weight": float(w)}
            for name, sign in OUTCOMES.items():
                e = res[name]
                row.update({f"{name}_force": e["a"], f"{name}_none": e["b"],
                            f"{name}_diff": e["diff"], f"{name}_lo": e["lo"],
                            f"{name}_hi": e["hi"], f"{name}_verdict": verdict(e, sign)})
            rows.append(row)
    return pd.DataFrame(rows)


def assumed_point(cfg: Config) -> tuple[float, float]:
    """The scenario's own (assumed) values of the two weights."""
    return (float(cfg.russia.force_aversion), float(cfg.ukraine.guarantee_weight))


COLOURS = {"helps": "#4daf4a", "hurts": "#e41a1c", "neutral": "#bdbdbd"}


def figure(table: pd.DataFrame, cfg: Config, caption: str):
    """Two panels, one per outcome: each grid cell coloured helps / hurts / neutral, labelled with
    the difference in percentage points, and the assumed point marked."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    fig = Figure(figsize=(11.0, 5.2), dpi=120)
    xs = np.sort(table["force_aversion"].unique())
    ys = np.sort(table["guarantee_weight"].unique())
    titles = {"p_war_or_escalation": "P(war or escalation): force − no force",
              "p_settlement": "P(settlement): force − no force"}
    for i, name in enumerate(OUTCOMES):
        ax = fig.add_subplot(1, 2, i + 1)
        for row in table.itertuples(index=False):
            r = row._asdict()
            xi, yi = int(np.searchsorted(xs, r["force_aversion"])), int(
                np.searchsorted(ys, r["guarantee_weight"]))
            ax.add_patch(_cell(xi, yi, COLOURS[r[f"{name}_verdict"]]))
            ax.text(xi, yi, f"{100 * r[f'{name}_diff']:+.1f}", ha="center", va="center",
                    fontsize=8)
        ax.set_xticks(range(len(xs)), [f"{x:.3g}" for x in xs])
        ax.set_yticks(range(len(ys)), [f"{y:.3g}" for y in ys])
        ax.set_xlim(-0.5, len(xs) - 0.5)
        ax.set_ylim(-0.5, len(ys) - 0.5)
        ax.set_xlabel("Russia's aversion to the force (russia.force_aversion)")
        if i == 0:
            ax.set_ylabel("weight of the guarantee for Ukraine\n(ukraine.guarantee_weight)")
        ax.set_title(titles[name], fontsize=10)
        a, w = assumed_point(cfg)
        px = float(np.interp(a, xs, np.arange(len(xs))))
        py = float(np.interp(w, ys, np.arange(len(ys))))
        from matplotlib.patches import Rectangle

        # The assumed point: a black frame around its cell (or around where it falls).
        ax.add_patch(Rectangle((px - 0.5, py - 0.5), 1.0, 1.0, fill=False, edgecolor="black",
                               lw=2.5, zorder=5))
        ax.text(px, py + 0.32, "assumed", ha="center", va="center", fontsize=7, weight="bold",
                zorder=6)
    fig.legend(handles=[Patch(color=c, label=k) for k, c in COLOURS.items()],
               loc="upper center", ncol=3, frameon=False, fontsize=9,
               title="paired 95% interval of the difference (percentage points in the cells)")
    fig.text(0.01, 0.01, caption, fontsize=7, color="#555555")
    fig.tight_layout(rect=(0, 0.03, 1, 0.88))
    return fig


def _cell(x: int, y: int, colour: str):
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.5, y - 0.5), 1.0, 1.0, facecolor=colour, edgecolor="white", lw=2)


def summary_lines(table: pd.DataFrame, cfg: Config) -> Sequence[str]:
    """A short terminal summary: counts of each verdict, and the verdict at the assumed point."""
    a, w = assumed_point(cfg)
    near = table.iloc[((table["force_aversion"] - a) ** 2
                       + (table["guarantee_weight"] - w) ** 2).argmin()]
    on_grid = bool(np.isclose(near["force_aversion"], a)
                   and np.isclose(near["guarantee_weight"], w))
    where = "at the assumed point" if on_grid else "nearest the assumed point"
    head = (f"Dilemma map: {cfg.name} vs the same world without a force, "
            f"{cfg.sim.replications:,} replications per cell, grid {len(table)} points")
    lines = [head]
    for name in OUTCOMES:
        counts = table[f"{name}_verdict"].value_counts().to_dict()
        lines.append(f"  {name:22s} helps {counts.get('helps', 0):>2}  hurts "
                     f"{counts.get('hurts', 0):>2}  neutral {counts.get('neutral', 0):>2}   "
                     f"{where} ({a:g}, {w:g}): {near[f'{name}_verdict']} "
                     f"({100 * near[f'{name}_diff']:+.1f} pp)")
    return lines


def write_map(cfg: Config, outdir: Any, overrides: Sequence[str] = ()) -> tuple[pd.DataFrame, Any]:
    """Run the map for ``cfg`` and write ``dilemma.csv``, ``dilemma.txt``,
    ``figures/dilemma.png``, ``config.yaml`` and (last) ``manifest.json`` into ``outdir``."""
    import hashlib
    import json
    from pathlib import Path

    import yaml

    from sim.config import to_dict
    from sim.output import MANIFEST, atomic_write, clean_temporary
    from sim.plots import caption, save_figure

    outdir = Path(outdir)
    (outdir / MANIFEST).unlink(missing_ok=True)
    clean_temporary(outdir)
    table = dilemma_map(cfg)
    text = "\n".join(summary_lines(table, cfg))
    written: dict[str, bytes] = {}
    for name, data in (
            ("config.yaml", yaml.safe_dump(to_dict(cfg), sort_keys=False, allow_unicode=True)),
            ("dilemma.csv", table.to_csv(index=False, lineterminator="\n", float_format="%.6g")),
            ("dilemma.txt", text + "\n")):
        atomic_write(outdir / name, data)
        written[name] = data.encode("utf-8")
    cap = caption(cfg.name, cfg.sim.replications, cfg.sim.seed,
                  "assumed point: the scenario's own values")
    png = save_figure(figure(table, cfg, cap), outdir / "figures" / "dilemma.png")
    written["figures/dilemma.png"] = Path(png).read_bytes()
    manifest = {"scenario": cfg.name, "task": "dilemma_map", "seed": cfg.sim.seed,
                "replications": cfg.sim.replications, "weeks": cfg.sim.weeks,
                "overrides": list(overrides),
                "files": {k: hashlib.sha256(v).hexdigest() for k, v in sorted(written.items())},
                "complete": True}
    atomic_write(outdir / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return table, outdir
