"""What the analyses of a sampled sweep share: its outcomes, matching points to the design, reports.

The sensitivity indices (:mod:`sim.sweeps.indices`) and the scenario discovery
(:mod:`sim.sweeps.discovery`) both read the sweep table, pair each design point with the row that
ran it (:func:`match_design`) and describe the design in Markdown with each parameter's range and
provenance (the schema's metadata).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.sweeps.designs import DesignSpec, points
from sim.sweeps.space import provenance_of

SWEEP_OUTCOMES: dict[str, str] = {
    "p_settlement": "P(settlement)",
    "p_escalation": "P(escalation)",
    "p_war_or_escalation": "P(war or escalation)",
    "collapse_hazard": "ceasefire failures per 100 ceasefire-weeks",
    "mean_strikes": "expected strikes on the force",
}
"""The outcomes analysed in a sweep: ``sweep.csv`` column → label."""

DISCOVERY_OUTCOMES: dict[str, str] = {
    "p_escalation": "escalation-prone",
    "collapse_hazard": "collapse-prone",
}
"""The outcomes scenario discovery looks for: ``sweep.csv`` column → name of the class."""

POINT = "point"
SWEEP_CSV = "sweep.csv"  # the sweep table at the sweep root (written by sim.sweeps.aggregate)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return str(a).lower() == str(b).lower()
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    except (TypeError, ValueError):
        return str(a) == str(b)


def design_table(spec: DesignSpec) -> pd.DataFrame:
    """The design's points: ``point`` then one column per factor."""
    rows = [{POINT: i, **values} for i, values in enumerate(points(spec))]
    return pd.DataFrame(rows, columns=[POINT, *spec.keys])


def match_design(spec: DesignSpec, table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pair every design point with the finished row of the sweep table that ran it.

    A point counts as run only if its row has ``status == "ok"`` and exactly the point's values
    (so results of another design in the same folder cannot pass unnoticed).

    Args:
        spec: The design.
        table: A sweep table: ``point``, ``status`` (``ok``, or why not), the factors' values
            and the outcome columns, with ``error`` for rows that are not ``ok`` — what the
            aggregate writes to ``sweep.csv`` and :func:`sim.sweeps.points.evaluate` returns.

    Returns:
        ``(results, missing)``: ``results`` has one row per point that ran, in design order —
        ``point``, the factors and the :data:`SWEEP_OUTCOMES`; ``missing`` has ``point``,
        ``status`` and ``reason`` for every other point.
    """
    design = design_table(spec)
    by_point = {int(r[POINT]): r for r in table.to_dict("records")} if len(table) else {}
    rows, missing = [], []
    for point in design.to_dict("records"):
        i = int(point[POINT])
        row = by_point.get(i)
        if row is None:
            missing.append({POINT: i, "status": "not run", "reason": "no job ran this point"})
            continue
        if row["status"] != "ok":
            error = row.get("error", "")
            missing.append({POINT: i, "status": row["status"],
                            "reason": "" if pd.isna(error) else str(error)})
            continue
        bad = [k for k in spec.keys if k not in row or not _same(row[k], point[k])]
        if bad:
            missing.append({POINT: i, "status": "ok",
                            "reason": f"ran other values of {', '.join(bad)} than the design "
                                      "(another design in the same folder?)"})
            continue
        rows.append({**point, **{col: row.get(col, np.nan) for col in SWEEP_OUTCOMES}})
    results = pd.DataFrame(rows, columns=[POINT, *spec.keys, *SWEEP_OUTCOMES])
    for col in SWEEP_OUTCOMES:
        results[col] = pd.to_numeric(results[col], errors="coerce").astype(float)
    return results, pd.DataFrame(missing, columns=[POINT, "status", "reason"])


def md_table(df: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table (floats to 3 significant digits)."""
    cols = list(df.columns)
    lines = ["| " + " | ".join(map(str, cols)) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        cells = [f"{v:.3g}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def _values(table: pd.DataFrame, column: str) -> str:
    ok = table[table["status"] == "ok"] if "status" in table else table
    series = ok.get(column, pd.Series(dtype=float)).dropna()
    return "/".join(str(int(v)) for v in sorted(set(series))) or "?"


def describe_sweep(spec: DesignSpec, table: pd.DataFrame, n_run: int) -> str:
    """One paragraph: the design, its size, and each point's replications, horizon and seed."""
    extra = {"morris": f", {spec.n} trajectories on {spec.levels} levels",
             "sobol": f", base sample {spec.n}", "lhs": "", "grid": ""}[spec.method]
    return (f"Design: {spec.method}{extra}, design seed {spec.seed}, {len(spec.factors)} "
            f"parameters, {spec.size} points ({n_run} finished). Each point: "
            f"{_values(table, 'replications')} replications over {_values(table, 'weeks')} "
            f"weeks, simulation seed {_values(table, 'seed')} (common random numbers across "
            "points).")


def parameters_md(spec: DesignSpec, keys: Sequence[str] | None = None) -> str:
    """The design's parameters with their range (and whether narrowed) and provenance."""
    rows = []
    for f in spec.factors:
        if keys is not None and f.key not in keys:
            continue
        what = ", ".join(map(str, f.choices)) if f.choices else f"[{f.lo:g}, {f.hi:g}]"
        rows.append({"parameter": f.key,
                     "range": what + (" (narrowed)" if f.narrowed else " (plausible)"),
                     "provenance": provenance_of(f.key)})
    return md_table(pd.DataFrame(rows, columns=["parameter", "range", "provenance"]))


def write_text(path: Path, text: str) -> Path:
    """Write a report atomically; return its path."""
    from sim.output import atomic_write

    atomic_write(Path(path), text)
    return Path(path)
