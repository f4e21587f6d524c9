"""Sensitivity indices of a Morris or Sobol sweep: ``sensitivity.csv``/``.md`` and figures.

Morris (SALib's elementary effects): ``mu_star`` (the mean absolute change in the outcome when a
parameter moves, in outcome units per its whole range, with a bootstrap 95% half-width), ``mu``
(signed: positive if the parameter raises the outcome) and ``sigma`` (the spread of the effects:
interactions or non-linearity). Sobol (Saltelli's estimator): ``S1`` (first order) and ``ST``
(total), ``S2`` for pairs when the design has the second-order points. Both estimators need every
point of the design; with points missing, ``sensitivity.md`` lists them instead.
"""

from __future__ import annotations

import logging
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.sweeps.analysis import (
    SWEEP_OUTCOMES,
    describe_sweep,
    match_design,
    md_table,
    parameters_md,
    write_text,
)
from sim.sweeps.designs import DesignSpec, unit_problem, unit_sample
from sim.sweeps.space import parameter_label, provenance_of

log = logging.getLogger(__name__)

SENSITIVITY_CSV = "sensitivity.csv"
SENSITIVITY_MD = "sensitivity.md"
INDEX_METHODS = ("morris", "sobol")
INDEX_COLUMNS = ["method", "outcome", "outcome_label", "parameter", "label", "provenance", "lo",
                 "hi", "index", "value", "confidence"]
CONF_LEVEL = 0.95
PAIR = " × "
MORRIS_DIRECTION = 0.5  # |mu| ≥ this × mu* counts as "mostly raises/lowers" in the figure
REPORT_DIGITS = 3  # significant digits of the largest number in each table of sensitivity.md
MAX_DECIMALS = 10  # at most this many decimals (a table of tiny numbers)


def _analyze(spec: DesignSpec, y: np.ndarray) -> Any:
    """SALib's Morris or Sobol estimator on the outcomes ``y`` of a complete design."""
    prob = unit_problem(spec)
    if spec.method == "morris":
        from SALib.analyze import morris

        return morris.analyze(prob, unit_sample(spec), y, num_levels=spec.levels,
                              conf_level=CONF_LEVEL, seed=spec.seed)
    from SALib.analyze import sobol

    with np.errstate(divide="ignore", invalid="ignore"):
        return sobol.analyze(prob, y, calc_second_order=spec.second_order,
                             conf_level=CONF_LEVEL, seed=spec.seed)


def _parts(spec: DesignSpec, res: Any) -> list[tuple[str, list[str], np.ndarray, np.ndarray]]:
    keys = spec.keys
    if spec.method == "morris":
        nan = np.full(len(keys), np.nan)
        return [("mu_star", keys, np.asarray(res["mu_star"]), np.asarray(res["mu_star_conf"])),
                ("mu", keys, np.asarray(res["mu"]), nan),
                ("sigma", keys, np.asarray(res["sigma"]), nan)]
    parts = [("S1", keys, np.asarray(res["S1"]), np.asarray(res["S1_conf"])),
             ("ST", keys, np.asarray(res["ST"]), np.asarray(res["ST_conf"]))]
    if spec.second_order:
        ij = [(i, j) for i in range(len(keys)) for j in range(i + 1, len(keys))]
        parts.append(("S2", [f"{keys[i]}{PAIR}{keys[j]}" for i, j in ij],
                      np.array([res["S2"][i, j] for i, j in ij]),
                      np.array([res["S2_conf"][i, j] for i, j in ij])))
    return parts


def sweep_indices(spec: DesignSpec, results: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Morris or Sobol indices of the :data:`SWEEP_OUTCOMES` over a complete design.

    Args:
        spec: A ``morris`` or ``sobol`` design.
        results: :func:`match_design`'s results with every point, in design order.

    Returns:
        ``(indices, notes)``: tidy indices (:data:`INDEX_COLUMNS`) and notes on outcomes left out
        (undefined at some points, or constant), SALib's warnings and undefined indices.

    Raises:
        ValueError: if the design is not Morris or Sobol, or points are missing.
    """
    if spec.method not in INDEX_METHODS:
        raise ValueError(f"{spec.method} designs give no sensitivity indices; use morris or sobol")
    if len(results) != spec.size:
        raise ValueError(f"{spec.size - len(results)} of {spec.size} design points are missing")
    ranges = {f.key: ((f"{{{', '.join(map(str, f.choices))}}}", "") if f.choices
                      else (f.lo, f.hi)) for f in spec.factors}
    frames, notes = [], []
    for col, label in SWEEP_OUTCOMES.items():
        y = results[col].to_numpy(dtype=np.float64)
        if np.isnan(y).any():
            notes.append(f"{label} ({col}): left out, undefined at {int(np.isnan(y).sum())} "
                         "points (no ceasefire in any replication there)")
            continue
        if np.ptp(y) == 0.0:
            notes.append(f"{label} ({col}): left out, {y[0]:g} at every point (nothing to "
                         "attribute; a longer horizon or more replications may help)")
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = _analyze(spec, y)
        notes += [f"{label} ({col}): SALib warns: {m}"
                  for m in dict.fromkeys(str(w.message) for w in caught)]
        parts = _parts(spec, res)
        if not all(np.isfinite(v.astype(float)).all() for _, _, v, _ in parts):
            notes.append(f"{label} ({col}): some indices are undefined (NaN): too few points "
                         "for the estimator; raise design.n")
        for index, names, values, conf in parts:
            frames.append(pd.DataFrame({
                "method": spec.method, "outcome": col, "outcome_label": label,
                "parameter": names,
                "label": [PAIR.join(parameter_label(k) for k in n.split(PAIR)) for n in names],
                "provenance": [" | ".join(provenance_of(k) for k in n.split(PAIR))
                               for n in names],
                "lo": [ranges.get(n, ("", ""))[0] for n in names],
                "hi": [ranges.get(n, ("", ""))[1] for n in names],
                "index": index, "value": values.astype(float), "confidence": conf.astype(float),
            }))
    table = (pd.concat(frames, ignore_index=True) if frames
             else pd.DataFrame(columns=INDEX_COLUMNS))
    return table[INDEX_COLUMNS], notes


def plot_sweep_indices(indices: pd.DataFrame, outcome: str, caption: str) -> Any:
    """Tornado figure of one outcome's indices (drawn once, when it is saved).

    Morris: bars of μ* (± 95% conf.), coloured by the direction μ, with σ as a marker. Sobol:
    total (ST) and first-order (S1) bars with 95% intervals. Parameters sorted by μ* or ST and
    labelled with their quote IDs.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from sim.plots import CAPTION_FONTSIZE, CAPTION_X, CAPTION_Y, OKABE_ITO, _new_figure

    part = indices[indices["outcome"] == outcome]
    method = str(part["method"].iloc[0])
    label = str(part["outcome_label"].iloc[0])
    wide = part.pivot_table(index="label", columns="index", values="value", sort=False)
    conf = part.pivot_table(index="label", columns="index", values="confidence", sort=False,
                            dropna=False)
    key = "mu_star" if method == "morris" else "ST"
    wide = wide.dropna(subset=[key]).sort_values(key)
    fig = _new_figure(figsize=(9.0, 0.38 * len(wide) + 2.4))
    ax = fig.add_subplot()
    y = np.arange(len(wide))
    if method == "morris":
        grey = "#999999"
        colours = [OKABE_ITO["vermillion"] if mu >= MORRIS_DIRECTION * ms > 0 else
                   OKABE_ITO["blue"] if mu <= -MORRIS_DIRECTION * ms < 0 else grey
                   for mu, ms in zip(wide["mu"], wide["mu_star"], strict=True)]
        ax.barh(y, wide["mu_star"], xerr=conf.loc[wide.index, "mu_star"], color=colours,
                capsize=3, error_kw={"elinewidth": 1})
        ax.plot(wide["sigma"], y, "D", color=OKABE_ITO["black"], markersize=4)
        ax.set_xlabel(f"μ*: mean |change in {label}| across each range (± 95% conf.)")
        ax.legend(handles=[Patch(color=OKABE_ITO["vermillion"], label="mostly raises it (μ ≥ μ*/2)"),
                           Patch(color=OKABE_ITO["blue"], label="mostly lowers it (μ ≤ −μ*/2)"),
                           Patch(color=grey, label="either way"),
                           Line2D([], [], marker="D", linestyle="", color=OKABE_ITO["black"],
                                  label="σ (interactions, non-linearity)")],
                  loc="lower right", fontsize=8)
        title = f"What drives {label}: Morris screening"
    else:
        h = 0.38
        ax.barh(y + h / 2, wide["ST"], height=h, xerr=conf.loc[wide.index, "ST"],
                color=OKABE_ITO["sky_blue"], capsize=3, label="total (ST)",
                error_kw={"elinewidth": 1})
        ax.barh(y - h / 2, wide["S1"], height=h, xerr=conf.loc[wide.index, "S1"],
                color=OKABE_ITO["blue"], capsize=3, label="first order (S1)",
                error_kw={"elinewidth": 1})
        ax.set_xlabel(f"share of the variance of {label} (± 95% conf.)")
        ax.legend(loc="lower right", fontsize=8)
        title = f"What drives {label}: Sobol indices"
    ax.axvline(0.0, color=OKABE_ITO["black"], linewidth=0.8)
    ax.set_yticks(y, list(wide.index))
    fig.suptitle(title)
    fig.text(CAPTION_X, CAPTION_Y, caption, ha="left", va="bottom", fontsize=CAPTION_FONTSIZE,
             color=OKABE_ITO["black"])
    return fig  # laid out (constrained) and rendered once, by savefig


def _missing_report(head: list[str], missing: pd.DataFrame, size: int) -> str:
    shown = missing.assign(reason=missing["reason"].str.slice(0, 200))
    return "\n".join(head + [
        (f"**Not computed: {len(missing)} of {size} design points have no finished results.** "
         "Morris and Sobol indices need every point of the design. Run the same command into the "
         "same `hydra.sweep.dir` to compute the missing points (finished ones are skipped), or "
         "see `failed_points.csv` for why they failed."), "",
        "Missing points:", "", md_table(shown), ""])


def report_decimals(numbers: Any) -> int:
    """Decimals for one table of the report: :data:`REPORT_DIGITS` significant digits of its
    largest finite entry in absolute value (2 if there is none, or it is 0)."""
    arr = np.abs(np.asarray(numbers, dtype=np.float64))
    top = float(arr[np.isfinite(arr)].max(initial=0.0))
    if top == 0.0:
        return 2
    return min(max(REPORT_DIGITS - 1 - math.floor(math.log10(top)), 0), MAX_DECIMALS)


def _fixed(x: float, decimals: int) -> str:
    """``x`` to ``decimals`` decimals, without the sign of a number that rounds to zero."""
    text = f"{x:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0.0 else text


def _ranking(indices: pd.DataFrame, method: str) -> list[str]:
    """One Markdown table per outcome, parameters ranked by μ* or ST; each index with a bootstrap
    interval as ``value ± half-width``; every number of a table to the same decimals."""
    key = "mu_star" if method == "morris" else "ST"
    names = ({"mu_star": "μ*", "mu": "μ", "sigma": "σ"} if method == "morris"
             else {"ST": "ST", "S1": "S1"})
    text: list[str] = []
    for outcome, part in indices.groupby("outcome", sort=False):
        wide = part.pivot_table(index="label", columns="index", values="value", sort=False)
        cw = part.pivot_table(index="label", columns="index", values="confidence", sort=False,
                              dropna=False).reindex(index=wide.index, columns=list(names))
        wide = wide.sort_values(key, ascending=False)
        cw = cw.loc[wide.index]
        d = report_decimals(np.concatenate([wide[list(names)].to_numpy().ravel(),
                                            cw.to_numpy().ravel()]))
        shown = pd.DataFrame({"parameter": wide.index})
        for index, name in names.items():
            if cw[index].notna().any():
                shown[name] = [f"{_fixed(v, d)} ± {_fixed(c, d)}" for v, c in
                               zip(wide[index], cw[index], strict=True)]
            else:
                shown[name] = [_fixed(v, d) for v in wide[index]]
        text += [f"## {part['outcome_label'].iloc[0]} (`{outcome}`)", "", md_table(shown), ""]
    return text


def write_indices(sweep_dir: Path, spec: DesignSpec, table: pd.DataFrame, *,
                  figures: bool = True) -> list[Path]:
    """Write ``sensitivity.csv``/``.md`` (and figures) of a Morris or Sobol sweep.

    With design points missing, only ``sensitivity.md`` is written, listing them, and stale
    ``sensitivity.csv`` and figures from an earlier aggregate are removed.

    Returns:
        The files written.
    """
    from sim import plots

    sweep_dir = Path(sweep_dir)
    results, missing = match_design(spec, table)
    stale = [sweep_dir / SENSITIVITY_CSV,
             *sorted((sweep_dir / "figures").glob("sensitivity_*.png"))]
    head = [f"# Sensitivity analysis ({spec.method})", "",
            describe_sweep(spec, table, len(results)), ""]
    if len(missing):
        for path in stale:
            path.unlink(missing_ok=True)
        log.warning("sensitivity indices not computed: %d design points missing", len(missing))
        return [write_text(sweep_dir / SENSITIVITY_MD, _missing_report(head, missing, spec.size))]
    indices, notes = sweep_indices(spec, results)
    files = [write_text(sweep_dir / SENSITIVITY_CSV,
                        indices.to_csv(index=False, lineterminator="\n"))]
    for path in stale[1:]:
        path.unlink(missing_ok=True)
    if figures and len(indices):
        ok = table[table["status"] == "ok"]
        cap = plots.caption(str(ok["scenario"].iloc[0]), int(ok["replications"].max()),
                            int(ok["seed"].iloc[0]),
                            f"{int(ok['weeks'].max())} weeks | {spec.method} design of "
                            f"{spec.size} points, common random numbers")
        for outcome in dict.fromkeys(indices["outcome"]):
            files.append(Path(plots.save_figure(plot_sweep_indices(indices, outcome, cap),
                                                sweep_dir / "figures"
                                                / f"sensitivity_{outcome}.png")))
    text = head + [
        "Which of the article's stances drive the answers: parameters ranked by "
        + ("μ* (the mean absolute change in the outcome when the parameter moves, in outcome "
           "units per its whole range; μ gives the direction, σ the interactions)"
           if spec.method == "morris" else
           "the total Sobol index ST (share of the outcome's variance due to the parameter, "
           "with its interactions; S1 without them)")
        + ". ± is the half-width of the 95% bootstrap interval"
        + (" (μ* only: SALib gives none for μ and σ)" if spec.method == "morris" else "")
        + "; the numbers of a table share one precision, three significant digits of its "
        "largest. Quote IDs refer to `seeds/quotes.yaml`. All values, at full precision: "
        "`sensitivity.csv`.", ""]
    text += _ranking(indices, spec.method)
    if notes:
        text += ["## Notes", "", *[f"- {n}" for n in notes], ""]
    text += ["## Parameters", "", parameters_md(spec), ""]
    files.append(write_text(sweep_dir / SENSITIVITY_MD, "\n".join(text)))
    return files
