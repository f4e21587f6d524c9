"""PRIM (Friedman & Fisher 1999) through ``ema_workbench``: boxes where an outcome concentrates.

:func:`prim_boxes` peels the input space of a results table towards the cases of interest and
states each box as a readable condition that selects exactly the box's points. Scenario discovery
on a sweep (:mod:`sim.sweeps.discovery`) calls it; ``ema_workbench`` is the optional ``analysis``
extra (:func:`prim_available`).
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

WHOLE_SPACE = "(whole space)"
BOX_COLUMNS = ["box", "conditions", "coverage", "density", "mass", "n_in_box", "n_prone_in_box"]
DENSITY_TOLERANCE = 1e-12  # floating-point slack when comparing a density with its target
MAX_DIGITS = 16  # significant digits tried for the shortest bound between two points


def prim_available() -> bool:
    """Whether ``ema_workbench`` (the ``analysis`` extra) can be imported."""
    return importlib.util.find_spec("ema_workbench") is not None


def _prim_module() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ema_workbench warns about optional extras on import
        from ema_workbench.analysis import prim
    return prim


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _between(a: float, b: float, *, upper: bool = False) -> str:
    """The shortest number c with a < c ≤ b (``upper``: a ≤ c < b), as text."""
    mid = (a + b) / 2.0
    for digits in range(1, MAX_DIGITS + 1):
        text = f"{mid:.{digits}g}"
        c = float(text)
        if (a <= c < b) if upper else (a < c <= b):
            return np.format_float_positional(c, trim="-")
    return repr(b if not upper else a)


def prim_boxes(table: pd.DataFrame, outcome_mask: Sequence[bool] | np.ndarray,
               inputs: Sequence[str], *, min_density: float = 0.8,
               mass_min: float = 0.05, max_boxes: int = 3,
               simplify: bool = True) -> pd.DataFrame:
    """Scenario discovery: boxes of the inputs where the outcome of interest concentrates.

    PRIM (Friedman & Fisher 1999, via ``ema_workbench.analysis.prim``) peels the input space
    towards the cases of interest. For each box the point on its peeling trajectory with the
    largest coverage among those with density ≥ ``min_density`` is chosen (the densest point if
    none reaches it; a later box that does not reach it ends the search). With ``simplify``,
    restrictions the box does not need to keep that density are then dropped one by one
    (peeling leaves many that cut off only a point or two). Later
    boxes are found in the cases the earlier ones leave, and the search stops when a box would
    restrict nothing or hold no case of interest.

    Args:
        table: Results table (one row per sample point); string or categorical columns are
            treated as categories (e.g. ``deployment.timing``).
        outcome_mask: True for the points of interest (e.g. ``table.p_escalation > 0.1``).
        inputs: Columns to search (the design's parameters).
        min_density: Density (share of cases of interest inside the box) wanted.
        mass_min: Smallest share of points a box may hold.
        max_boxes: Largest number of boxes.
        simplify: Drop restrictions not needed for the density (see above).

    Returns:
        One row per box: ``box``, ``conditions`` (readable, e.g.
        ``"russia.strike_propensity >= 0.04 and deployment.timing in {'immediate'}"``),
        ``coverage``, ``density``, ``mass`` (PRIM's, among the points earlier boxes left),
        ``n_in_box`` and ``n_prone_in_box`` (counted over all points).
    """
    prim = _prim_module()
    cols = list(inputs)
    x = table[cols].copy()
    for c in cols:
        if x[c].dtype in (object, bool) or isinstance(x[c].dtype, pd.StringDtype):
            x[c] = pd.Categorical(x[c].astype(str))
    y = np.asarray(outcome_mask, dtype=bool)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas deprecations inside ema_workbench
        finder = prim.Prim(x.reset_index(drop=True), y, mass_min=mass_min)
        for number in range(1, max_boxes + 1):
            if finder.yi_remaining.size == 0 or not y[finder.yi_remaining].any():
                break
            box = finder.find_box()
            if box is None:
                break
            traj = box.peeling_trajectory
            ok = traj[traj["density"] >= min_density]
            index = int(ok["coverage"].idxmax()) if len(ok) else int(traj["density"].idxmax())
            box.select(index)
            if simplify:
                index = _simplify(finder, box, index, x, y, min(min_density, box.density))
            conditions = _conditions(box.box_lims[index], box.box_lims[0], x)
            if box.coverage <= 0 or conditions == WHOLE_SPACE:
                break  # nothing left to find: no restriction, or no case of interest inside
            if number > 1 and box.density < min_density:
                break  # the rest is scattered: a later box must reach the density wanted
            inside = _in_box(x, box.box_lims[index])
            rows.append({"box": number, "conditions": conditions,
                         "coverage": float(box.coverage), "density": float(box.density),
                         "mass": float(box.mass), "n_in_box": int(inside.sum()),
                         "n_prone_in_box": int((inside & y).sum())})
    return pd.DataFrame(rows, columns=BOX_COLUMNS)


def _simplify(finder: Any, box: Any, index: int, x: pd.DataFrame, y: np.ndarray,
              target: float) -> int:
    """Drop a selected box's restrictions while its density stays at or above ``target``.

    Peeling leaves restrictions that cut off a sliver or two of points; each round drops the
    restriction whose removal keeps the box densest, as long as the density (among the points
    PRIM still searches) stays ≥ ``target``. Returns the index of the resulting box.
    """
    remaining = np.asarray(finder.yi_remaining)
    xr, yr = x.iloc[remaining].reset_index(drop=True), y[remaining]
    initial = box.box_lims[0]
    while True:
        lims = box.box_lims[index]
        restricted = [c for c in lims.columns if _restricts(lims[c], initial[c])]
        if len(restricted) <= 1:
            return index
        best: tuple[str, float] | None = None
        for col in restricted:
            trial = lims.copy()
            trial[col] = initial[col]
            inside = _in_box(xr, trial)
            density = float(yr[inside].mean()) if inside.any() else 0.0
            if density >= target - DENSITY_TOLERANCE and (best is None or density > best[1]):
                best = (col, density)
        if best is None:
            return index
        box.drop_restriction(best[0], index)
        index = len(box.peeling_trajectory) - 1


def _restricts(lim: pd.Series, initial: pd.Series) -> bool:
    lo, hi = lim.iloc[0], lim.iloc[1]
    if isinstance(lo, (set, frozenset)):
        return set(lo) != set(initial.iloc[0])
    return bool(lo > initial.iloc[0] or hi < initial.iloc[1])


def _in_box(x: pd.DataFrame, lims: pd.DataFrame) -> np.ndarray:
    """Which rows of ``x`` lie inside the box limits (all points, not only those PRIM left)."""
    inside = np.ones(len(x), dtype=bool)
    for col in lims.columns:
        lo, hi = lims[col].iloc[0], lims[col].iloc[1]
        values = x[col].reset_index(drop=True)
        if isinstance(lo, (set, frozenset)):
            inside &= values.astype(str).isin({str(v) for v in lo}).to_numpy()
        else:
            inside &= ((values >= lo) & (values <= hi)).to_numpy()
    return inside


def _conditions(lims: pd.DataFrame, initial: pd.DataFrame,
                x: pd.DataFrame | None = None) -> str:
    """Readable restrictions of a box relative to the initial (unrestricted) box.

    With the data ``x``, each numeric bound is the shortest number that splits the points
    exactly as the box does (between the last point in and the first point out), so the
    conditions select the same points as the box; without it, bounds are rounded to 4
    significant digits.
    """
    parts = []
    for col in lims.columns:
        lo, hi = lims[col].iloc[0], lims[col].iloc[1]
        lo0, hi0 = initial[col].iloc[0], initial[col].iloc[1]
        if isinstance(lo, (set, frozenset)):
            if set(lo) != set(lo0):
                parts.append(f"{col} in {{{', '.join(repr(v) for v in sorted(lo))}}}")
            continue
        values = None if x is None else x[col].to_numpy(dtype=np.float64)
        if lo > lo0:
            below = None if values is None else values[values < lo]
            bound = (_between(float(below.max()), float(lo)) if below is not None and below.size
                     else _fmt(lo))
            parts.append(f"{col} >= {bound}")
        if hi < hi0:
            above = None if values is None else values[values > hi]
            bound = (_between(float(hi), float(above.min()), upper=True)
                     if above is not None and above.size else _fmt(hi))
            parts.append(f"{col} <= {bound}")
    return " and ".join(parts) if parts else WHOLE_SPACE
