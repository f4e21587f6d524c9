"""Global sensitivity analysis (Morris, Sobol) and scenario discovery (PRIM) of the main outcomes.

Analysis only. The pieces are separate so that either path can feed them:

- :data:`FACTORS` / :func:`problem` describe the uncertain parameters (bounds with provenance) as a
  SALib problem;
- :func:`sample_morris` / :func:`sample_sobol` draw the design (one row per sample point);
- :func:`evaluate` runs :func:`sim.experiment.run` at every point (batched engine, the same seed at
  every point, so all points share their random numbers) and returns a **results table**: one row
  per sample point with the parameter values and the outcomes (:data:`OUTCOMES`). A Hydra multirun
  sweep that writes one summary per job can build the same table instead;
- :func:`morris_indices` / :func:`sobol_indices` turn a results table into a tidy indices table;
  :func:`plot_indices` draws it as a tornado-style bar figure;
- :func:`prim_boxes` finds readable conditions under which an outcome of interest occurs (PRIM,
  ``ema_workbench.analysis.prim``).

The same analyses run on a Hydra sweep of a sampled design (:mod:`sim.designs`, presets
``+experiment=morris``, ``sobol``, ``lhs``): :func:`match_design` pairs each design point with the
job that ran it (from ``sweep.csv``), :func:`write_indices` writes ``sensitivity.csv``/``.md`` and
``figures/sensitivity_<outcome>.png`` for a Morris or Saltelli design (only when every point
finished: both estimators need the complete design), and :func:`write_discovery` writes
``prim_<outcome>.csv``/``.md`` — the boxes of the design space where escalation or ceasefire
collapse is likely. :class:`sim.callbacks.SweepAggregator` calls them at the end of the multirun
(discovery for Latin hypercubes); ``ceasefire-sim-discover SWEEP_DIR`` (:func:`discover_main`)
runs the discovery on any finished sampled sweep, with other thresholds if wanted.

A Sobol table must keep the rows in the order :func:`sample_sobol` produced them (SALib's estimator
reads the Saltelli blocks by position).
"""

from __future__ import annotations

import argparse
import copy
import logging
import math
import re
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim import designs, experiment
from sim.config import Config, iter_params, validate
from sim.experiment import Results

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Factor:
    """One uncertain parameter of the analysis.

    Attributes:
        key: Dotted config key.
        lo: Lower bound of the range explored.
        hi: Upper bound.
        basis: Why this range (quote IDs, citation or assumption).
    """

    key: str
    lo: float
    hi: float
    basis: str


FACTORS: tuple[Factor, ...] = (
    Factor("russia.strike_propensity", 0.005, 0.1,
           "Q01 ('legitimate targets'); assumption: from rare incidents to a strike every few months"),
    Factor("russia.escalation_prob", 0.02, 0.4,
           "Q01, Q10; assumption: from contained incidents to frequent escalation"),
    Factor("russia.threat_weight", 0.4, 1.2, "Q09, Q17; assumption: ±50% around the default"),
    Factor("russia.immediate_penalty", 0.0, 2.0, "Q01, Q09; assumption: none to two logit units"),
    Factor("russia.accept_intercept", -2.0, -0.5, "Q28, Q29; assumption: around the calibration"),
    Factor("ukraine.accept_intercept", -2.0, 0.0, "Q04, Q05, Q14; assumption: around the calibration"),
    Factor("ukraine.credibility_weight", 1.0, 4.0, "Q04, Q05; assumption"),
    Factor("us.backing_prob", 0.55, 0.8,
           "Q07; cite: ODNI ICD 203 maps 'probably' to 55–80%"),
    Factor("deployment.troops_total", 10_000.0, 30_000.0,
           "Q04; cite: 2025 press reports of a 10,000–30,000-strong force (DESIGN §3)"),
    Factor("ceasefire.force_deterrence", 0.4, 0.8,
           "cite: Fortna 2004/2008, peacekeeping cuts the hazard by roughly half to three quarters"),
    Factor("ceasefire.hazard_initial", 0.015, 0.06,
           "cite: Fortna 2004; assumption: half to double the 0.03 default"),
    Factor("ceasefire.hazard_floor", 0.001, 0.004,
           "cite: Fortna 2004; assumption: half to double the 0.002 default (as the sweep presets)"),
    Factor("ceasefire.settle_prob", 0.02, 0.08, "Q11, Q12; assumption: range"),
    Factor("coalition.strike_shock", 0.1, 0.3, "Q23; assumption: ±50% around the default"),
)
"""The uncertain parameters and the ranges explored (levers such as deployment timing and the US
role are fixed by the scenario the analysis runs)."""

OUTCOMES: tuple[str, ...] = ("p_settlement", "p_escalation", "p_collapse", "mean_strikes")
"""Outcomes per sample point: P(settlement), P(escalation) and P(collapse | ceasefire) at the
horizon, and the expected number of strikes on the force."""

OUTCOME_LABELS = {
    "p_settlement": "P(settlement)", "p_escalation": "P(escalation)",
    "p_collapse": "P(collapse | ceasefire)", "mean_strikes": "expected strikes on the force",
}


def problem(factors: Sequence[Factor] = FACTORS) -> dict[str, Any]:
    """The SALib problem definition (``num_vars``, ``names``, ``bounds``) of the factors."""
    return {"num_vars": len(factors), "names": [f.key for f in factors],
            "bounds": [[f.lo, f.hi] for f in factors]}


def factor_table(factors: Sequence[Factor] = FACTORS) -> pd.DataFrame:
    """The factors with their ranges and the basis of each range."""
    return pd.DataFrame([{"parameter": f.key, "lo": f.lo, "hi": f.hi, "basis": f.basis}
                         for f in factors])


def sample_morris(prob: dict[str, Any], trajectories: int, levels: int = 4,
                  seed: int = 0) -> pd.DataFrame:
    """Morris elementary-effects design: ``trajectories × (num_vars + 1)`` rows."""
    x = morris_sample.sample(prob, trajectories, num_levels=levels, seed=seed)
    return pd.DataFrame(x, columns=prob["names"])


def sample_sobol(prob: dict[str, Any], n: int, seed: int = 0,
                 second_order: bool = False) -> pd.DataFrame:
    """Saltelli/Sobol design: ``n × (num_vars + 2)`` rows (``n`` a power of two)."""
    x = sobol_sample.sample(prob, n, calc_second_order=second_order, scramble=True, seed=seed)
    return pd.DataFrame(x, columns=prob["names"])


def outcomes_of(results: Results) -> dict[str, float]:
    """The :data:`OUTCOMES` of one run."""
    s = results.summary
    collapse = s["collapse_after_ceasefire"]["p"]
    return {
        "p_settlement": s["outcomes"]["settlement"]["p"],
        "p_escalation": s["outcomes"]["escalation"]["p"],
        "p_collapse": np.nan if collapse is None else float(collapse),
        "mean_strikes": float(results.records["n_strikes"].mean()),
    }


def _apply(base: Config, values: dict[str, float]) -> Config:
    cfg = copy.deepcopy(base)
    kinds = {key: f.type if isinstance(f.type, str) else f.type.__name__
             for key, f, _ in iter_params(cfg)}
    for key, value in values.items():
        group, name = key.split(".")
        setattr(getattr(cfg, group), name, round(value) if kinds[key] == "int"
                else float(value))
    return validate(cfg)


def evaluate(samples: pd.DataFrame, base: Config,
             progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Run the model at every sample point; return the results table.

    Every point runs ``base.sim.replications`` replications with ``base.sim.seed`` on the
    configured engine, so all points share their random numbers (common random numbers).

    Args:
        samples: One row per point, one column per dotted config key.
        base: The validated configuration the points modify (scenario, horizon, replications,
            seed).
        progress: Optional callback ``(done, total)`` after each point.

    Returns:
        ``samples`` with the :data:`OUTCOMES` columns appended (same row order).
    """
    rows = []
    for i, values in enumerate(samples.to_dict("records")):
        rows.append(outcomes_of(experiment.run(_apply(base, values), progress=False)))
        if progress is not None:
            progress(i + 1, len(samples))
    return pd.concat([samples.reset_index(drop=True), pd.DataFrame(rows)], axis=1)


def morris_indices(table: pd.DataFrame, prob: dict[str, Any],
                   outcomes: Sequence[str] = OUTCOMES, levels: int = 4,
                   seed: int = 0) -> pd.DataFrame:
    """Morris screening indices from a results table of a :func:`sample_morris` design.

    Returns:
        Tidy: ``outcome, parameter, mu, mu_star, mu_star_conf, sigma``.
    """
    x = table[prob["names"]].to_numpy(dtype=np.float64)
    frames = []
    for outcome in outcomes:
        y = np.nan_to_num(table[outcome].to_numpy(dtype=np.float64))
        res = morris_analyze.analyze(prob, x, y, num_levels=levels, seed=seed)
        frames.append(pd.DataFrame({
            "outcome": outcome, "parameter": prob["names"], "mu": res["mu"],
            "mu_star": res["mu_star"], "mu_star_conf": res["mu_star_conf"],
            "sigma": res["sigma"],
        }))
    return pd.concat(frames, ignore_index=True)


def sobol_indices(table: pd.DataFrame, prob: dict[str, Any],
                  outcomes: Sequence[str] = OUTCOMES, second_order: bool = False,
                  seed: int = 0) -> pd.DataFrame:
    """First-order and total Sobol indices from a results table of a :func:`sample_sobol` design.

    Returns:
        Tidy: ``outcome, parameter, S1, S1_conf, ST, ST_conf``.
    """
    frames = []
    for outcome in outcomes:
        y = np.nan_to_num(table[outcome].to_numpy(dtype=np.float64))
        with np.errstate(divide="ignore", invalid="ignore"):
            res = sobol_analyze.analyze(prob, y, calc_second_order=second_order, seed=seed)
        frames.append(pd.DataFrame({
            "outcome": outcome, "parameter": prob["names"], "S1": res["S1"],
            "S1_conf": res["S1_conf"], "ST": res["ST"], "ST_conf": res["ST_conf"],
        }))
    return pd.concat(frames, ignore_index=True)


def plot_indices(indices: pd.DataFrame, value: str, conf: str, caption: str, *,
                 title: str | None = None, top: int | None = None) -> Figure:
    """Tornado-style bars: one panel per outcome, parameters sorted by ``value``.

    Args:
        indices: Output of :func:`morris_indices` or :func:`sobol_indices`.
        value: Column to plot (e.g. ``"ST"`` or ``"mu_star"``).
        conf: Column with its confidence half-width.
        caption: Caption line (see :func:`sim.plots.caption`).
        title: Figure title.
        top: Show only the ``top`` most influential parameters per outcome.
    """
    from sim.plots import OKABE_ITO

    outcomes = list(dict.fromkeys(indices["outcome"]))
    fig = Figure(figsize=(5.0 * len(outcomes), 0.35 * indices["parameter"].nunique() + 2.0),
                 layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(outcomes), sharey=False))
    for ax, outcome in zip(axes, outcomes, strict=True):
        part = indices[indices["outcome"] == outcome].sort_values(value)
        if top is not None:
            part = part.tail(top)
        y = np.arange(len(part))
        ax.barh(y, part[value], xerr=part[conf], color=OKABE_ITO["blue"], capsize=3,
                error_kw={"elinewidth": 1})
        ax.set_yticks(y, part["parameter"])
        ax.set_xlabel(f"{value} (± 95% conf.)")
        ax.set_title(OUTCOME_LABELS.get(outcome, outcome))
        ax.axvline(0.0, color="black", linewidth=0.8)
    fig.suptitle(title or f"Sensitivity of the main outcomes ({value})")
    fig.text(0.01, 0.0, caption, fontsize=8, va="bottom")
    return fig


WHOLE_SPACE = "(whole space)"


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
    for digits in range(1, 17):
        text = f"{mid:.{digits}g}"
        c = float(text)
        if (a <= c < b) if upper else (a < c <= b):
            return np.format_float_positional(c, trim="-")
    return repr(b if not upper else a)


def prim_boxes(table: pd.DataFrame, outcome_mask: Sequence[bool] | np.ndarray,
               inputs: Sequence[str] | None = None, *, min_density: float = 0.8,
               mass_min: float = 0.05, max_boxes: int = 3,
               simplify: bool = True) -> pd.DataFrame:
    """Scenario discovery: boxes of the inputs where the outcome of interest concentrates.

    PRIM (Friedman & Fisher 1999, via ``ema_workbench.analysis.prim``) peels the input space
    towards the cases of interest. For each box the point on its peeling trajectory with the
    largest coverage among those with density ≥ ``min_density`` is chosen (the densest point if
    none reaches it; a later box that does not reach it ends the search). With ``simplify``, restrictions the box does not need to keep that density
    are then dropped one by one (peeling leaves many that cut off only a point or two). Later
    boxes are found in the cases the earlier ones leave, and the search stops when a box would
    restrict nothing or hold no case of interest.

    Args:
        table: Results table (one row per sample point); string or categorical columns are
            treated as categories (e.g. ``deployment.timing``).
        outcome_mask: True for the points of interest (e.g. ``table.p_escalation > 0.1``).
        inputs: Columns to search (default: every column that is not an outcome).
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
    cols = list(inputs) if inputs is not None else [c for c in table.columns
                                                     if c not in OUTCOMES]
    x = table[cols].copy()
    for c in cols:
        if x[c].dtype == object or isinstance(x[c].dtype, pd.StringDtype):
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
    return pd.DataFrame(rows, columns=["box", "conditions", "coverage", "density", "mass",
                                       "n_in_box", "n_prone_in_box"])


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
            if density >= target - 1e-12 and (best is None or density > best[1]):
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


# --------------------------------------------------------------------------- #
# Sweep analysis: indices and scenario discovery from a Hydra sweep's table
# --------------------------------------------------------------------------- #
SWEEP_OUTCOMES: dict[str, str] = {
    "p_settlement": "P(settlement)",
    "p_escalation": "P(escalation)",
    "p_collapse_given_ceasefire": "P(collapse | ceasefire)",
    "mean_strikes": "expected strikes on the force",
}
"""The outcomes analysed in a sweep: ``sweep.csv`` column → label."""

DISCOVERY_OUTCOMES: dict[str, str] = {
    "p_escalation": "escalation-prone",
    "p_collapse_given_ceasefire": "collapse-prone",
}
"""The outcomes scenario discovery looks for: ``sweep.csv`` column → name of the class."""

SENSITIVITY_CSV = "sensitivity.csv"
SENSITIVITY_MD = "sensitivity.md"
INDEX_METHODS = {"morris": "morris", "saltelli": "sobol"}
INDEX_COLUMNS = ["method", "outcome", "outcome_label", "parameter", "label", "provenance", "lo",
                 "hi", "index", "value", "confidence"]
PRIM_COLUMNS = ["outcome", "box", "conditions", "coverage", "density", "mass", "n_in_box",
                "n_prone_in_box", "n_prone", "n_points", "threshold", "rule"]
DEFAULT_QUANTILE = 0.75
DEFAULT_MASS_MIN = 0.1  # a box holds at least a tenth of the points: fewer is weak evidence
CONF_LEVEL = 0.95
_QUOTE_ID = re.compile(r"\bQ\d\d\b")


def provenance(key: str) -> str:
    """The provenance of a config parameter, from the schema's field metadata."""
    for name, f, _ in iter_params():
        if name == key:
            return str(f.metadata.get("prov", ""))
    raise KeyError(key)


def parameter_label(key: str) -> str:
    """``"russia.strike_propensity (Q01)"``: the key and its quote IDs (or cite/assumption)."""
    prov = provenance(key)
    quotes = list(dict.fromkeys(_QUOTE_ID.findall(prov)))
    if quotes:
        return f"{key} ({', '.join(quotes)})"
    return f"{key} ({'cite' if 'cite:' in prov else 'assumption'})"


def _same(a: Any, b: Any) -> bool:
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    except (TypeError, ValueError):
        return str(a) == str(b)


def match_design(spec: designs.DesignSpec, table: pd.DataFrame
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pair every design point with the finished job that ran it.

    A point counts as run only if a job with ``status == "ok"`` has its ``design.index`` and ran
    exactly the point's values (so a folder mixing two designs cannot pass unnoticed).

    Args:
        spec: The sweep's design.
        table: The sweep table (``sweep.csv``: ``job``, ``status``, ``design.index``, the sampled
            values and the outcome columns).

    Returns:
        ``(results, missing)``: ``results`` has one row per point that ran, in design order —
        ``design.index``, ``job``, the parameters and the :data:`SWEEP_OUTCOMES`; ``missing``
        has ``design.index``, ``job``, ``status`` and ``reason`` for every other point.
    """
    points = designs.generate(spec)
    index = (pd.to_numeric(table[designs.INDEX_COLUMN], errors="coerce")
             if designs.INDEX_COLUMN in table else pd.Series(np.nan, index=table.index))
    rows, missing = [], []
    for point in points.to_dict("records"):
        i = int(point[designs.INDEX_COLUMN])
        jobs = table[index == i]
        ok = jobs[jobs["status"] == "ok"]
        if ok.empty:
            if jobs.empty:
                missing.append({designs.INDEX_COLUMN: i, "job": None, "status": "not run",
                                "reason": "no job ran this point"})
            else:
                job = jobs.iloc[0]
                error = job.get("error", "")
                missing.append({designs.INDEX_COLUMN: i, "job": int(job["job"]),
                                "status": job["status"],
                                "reason": "" if pd.isna(error) else str(error)})
            continue
        job = ok.iloc[0]
        bad = [k for k in spec.keys if k not in job or not _same(job[k], point[k])]
        if bad:
            missing.append({designs.INDEX_COLUMN: i, "job": int(job["job"]), "status": "ok",
                            "reason": f"ran other values of {', '.join(bad)} than the design "
                                      "(another design in the same folder?)"})
            continue
        rows.append({**point, "job": int(job["job"]),
                     **{col: job.get(col, np.nan) for col in SWEEP_OUTCOMES}})
    results = pd.DataFrame(rows, columns=[designs.INDEX_COLUMN, *spec.keys, "job",
                                          *SWEEP_OUTCOMES])
    for col in SWEEP_OUTCOMES:
        results[col] = pd.to_numeric(results[col], errors="coerce").astype(float)
    return results, pd.DataFrame(missing, columns=[designs.INDEX_COLUMN, "job", "status",
                                                   "reason"])


def sweep_indices(spec: designs.DesignSpec, results: pd.DataFrame
                  ) -> tuple[pd.DataFrame, list[str]]:
    """Morris or Sobol indices of the :data:`SWEEP_OUTCOMES` over a complete design.

    Morris: ``mu_star`` (mean absolute elementary effect, with its bootstrap 95% half-width),
    ``mu`` (signed: positive means the parameter raises the outcome) and ``sigma`` (spread of
    the effects: interactions or non-linearity), in outcome units per whole range of the
    parameter. Sobol: ``S1`` (first order) and ``ST`` (total), ``S2`` for pairs if the design
    has the second-order points, each with its bootstrap 95% half-width.

    Args:
        spec: A ``morris`` or ``saltelli`` design.
        results: :func:`match_design`'s results with every point, in design order.

    Returns:
        ``(indices, notes)``: tidy indices (:data:`INDEX_COLUMNS`) and notes: outcomes left out
        (undefined at some points, or constant over the design), SALib's warnings, undefined
        indices.

    Raises:
        ValueError: if the design is not Morris or Saltelli, or points are missing.
    """
    if spec.method not in INDEX_METHODS:
        raise ValueError(f"{spec.method} designs give no sensitivity indices; use morris or "
                         "saltelli")
    if len(results) != spec.size:
        raise ValueError(f"{spec.size - len(results)} of {spec.size} design points are missing")
    method = INDEX_METHODS[spec.method]
    prob = designs.unit_problem(spec)
    ranges = {d.key: ((f"{{{', '.join(map(str, d.choices))}}}", "") if d.choices
                      else (d.lo, d.hi)) for d in spec.dims}
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
        parts: list[tuple[str, list[str], np.ndarray, np.ndarray]] = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = _analyze(spec, prob, y)
        for message in dict.fromkeys(str(w.message) for w in caught):
            notes.append(f"{label} ({col}): SALib warns: {message}")
        if method == "morris":
            nan = np.full(len(spec.keys), np.nan)
            parts += [("mu_star", spec.keys, np.asarray(res["mu_star"]),
                       np.asarray(res["mu_star_conf"])),
                      ("mu", spec.keys, np.asarray(res["mu"]), nan),
                      ("sigma", spec.keys, np.asarray(res["sigma"]), nan)]
        else:
            parts += [("S1", spec.keys, res["S1"], res["S1_conf"]),
                      ("ST", spec.keys, res["ST"], res["ST_conf"])]
            if spec.second_order:
                pairs = [(a, b) for i, a in enumerate(spec.keys) for b in spec.keys[i + 1:]]
                ij = [(i, j) for i in range(len(spec.keys)) for j in range(i + 1, len(spec.keys))]
                parts.append(("S2", [f"{a} × {b}" for a, b in pairs],
                              np.array([res["S2"][i, j] for i, j in ij]),
                              np.array([res["S2_conf"][i, j] for i, j in ij])))
        if not all(np.isfinite(np.asarray(v, dtype=float)).all() for _, _, v, _ in parts):
            notes.append(f"{label} ({col}): some indices are undefined (NaN): too few points "
                         "for the estimator; raise design.n")
        for index, names, values, conf in parts:
            frames.append(pd.DataFrame({
                "method": method, "outcome": col, "outcome_label": label, "parameter": names,
                "label": [_pair_label(n) for n in names],
                "provenance": [_pair_prov(n) for n in names],
                "lo": [ranges.get(n, ("", ""))[0] for n in names],
                "hi": [ranges.get(n, ("", ""))[1] for n in names],
                "index": index, "value": np.asarray(values, dtype=float),
                "confidence": np.asarray(conf, dtype=float),
            }))
    table = (pd.concat(frames, ignore_index=True) if frames
             else pd.DataFrame(columns=INDEX_COLUMNS))
    return table[INDEX_COLUMNS], notes


def _analyze(spec: designs.DesignSpec, prob: dict[str, Any], y: np.ndarray) -> Any:
    """SALib's Morris or Sobol estimator on the outcomes ``y`` of a complete design."""
    if spec.method == "morris":
        return morris_analyze.analyze(prob, designs.unit_sample(spec), y,
                                      num_levels=spec.levels, conf_level=CONF_LEVEL,
                                      seed=spec.seed)
    with np.errstate(divide="ignore", invalid="ignore"):
        return sobol_analyze.analyze(prob, y, calc_second_order=spec.second_order,
                                     conf_level=CONF_LEVEL, seed=spec.seed)


def _pair_label(name: str) -> str:
    return " × ".join(parameter_label(k) for k in name.split(" × "))


def _pair_prov(name: str) -> str:
    return " | ".join(provenance(k) for k in name.split(" × "))


def plot_sweep_indices(indices: pd.DataFrame, outcome: str, caption: str) -> Figure:
    """Tornado figure of one outcome's indices from :func:`sweep_indices`.

    Morris: bars of μ* (± 95% conf.), coloured by the direction μ (mostly raises or lowers the
    outcome, or either way when ``|μ| < μ*/2``), with σ as a marker. Sobol: total (ST) and
    first-order (S1) bars with 95% intervals. The
    parameters are sorted by μ* or ST and labelled with their quote IDs.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from sim.plots import OKABE_ITO, _finish, _new_figure

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
        colours = [OKABE_ITO["vermillion"] if mu >= 0.5 * ms > 0 else
                   OKABE_ITO["blue"] if mu <= -0.5 * ms < 0 else grey
                   for mu, ms in zip(wide["mu"], wide["mu_star"], strict=True)]
        ax.barh(y, wide["mu_star"], xerr=conf.loc[wide.index, "mu_star"], color=colours,
                capsize=3, error_kw={"elinewidth": 1})
        ax.plot(wide["sigma"], y, "D", color=OKABE_ITO["black"], markersize=4)
        ax.set_xlabel(f"μ*: mean |change in {label}| across each range (± 95% conf.)")
        ax.legend(handles=[Patch(color=OKABE_ITO["vermillion"],
                                 label="mostly raises it (μ ≥ μ*/2)"),
                           Patch(color=OKABE_ITO["blue"],
                                 label="mostly lowers it (μ ≤ −μ*/2)"),
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
    return _finish(fig, title, caption)


def discover(results: pd.DataFrame, keys: Sequence[str], outcome: str, *,
             quantile: float = DEFAULT_QUANTILE, threshold: float | None = None,
             min_density: float = 0.8, mass_min: float = DEFAULT_MASS_MIN,
             max_boxes: int = 3) -> tuple[pd.DataFrame, str]:
    """Scenario discovery for one outcome: PRIM boxes of the points where it is high.

    A point is "prone" when its outcome exceeds ``threshold`` (if given) or else the
    ``quantile`` of the outcome over the points; points where the outcome is undefined are left
    out.

    Args:
        results: One row per design point: the parameters ``keys`` and the ``outcome`` column.
        keys: The design's parameters (PRIM's inputs).
        outcome: Column of :data:`DISCOVERY_OUTCOMES` (or any outcome column).
        quantile: Quantile that defines "high" when no threshold is given.
        threshold: Fixed threshold instead of the quantile.
        min_density: See :func:`prim_boxes`.
        mass_min: Smallest share of the points a box may hold (see :func:`prim_boxes`).
        max_boxes: See :func:`prim_boxes`.

    Returns:
        ``(boxes, rule)``: the boxes (:data:`PRIM_COLUMNS`; empty if no or every point is
        prone) and the rule in words.
    """
    valid = results[results[outcome].notna()].reset_index(drop=True)
    y = valid[outcome].to_numpy(dtype=np.float64)
    label = SWEEP_OUTCOMES.get(outcome, outcome)
    if threshold is None:
        if not 0.0 < quantile < 1.0:
            raise ValueError(f"quantile={quantile!r}: expected a number between 0 and 1")
        thr = float(np.quantile(y, quantile)) if len(y) else math.nan
        rule = f"{label} > {thr:.4g} (the {quantile:.0%} quantile over {len(y)} points)"
    else:
        thr = float(threshold)
        rule = f"{label} > {thr:.4g} (a fixed threshold)"
    prone = y > thr
    if not prone.any() or prone.all():
        return pd.DataFrame(columns=PRIM_COLUMNS), rule
    boxes = prim_boxes(valid, prone, inputs=list(keys), min_density=min_density,
                       mass_min=mass_min, max_boxes=max_boxes)
    boxes.insert(0, "outcome", outcome)
    boxes["n_prone"] = int(prone.sum())
    boxes["n_points"] = len(y)
    boxes["threshold"] = thr
    boxes["rule"] = rule
    return boxes[PRIM_COLUMNS], rule


def prim_available() -> bool:
    """Whether ``ema_workbench`` (the ``analysis`` extra) can be imported."""
    import importlib.util

    return importlib.util.find_spec("ema_workbench") is not None


def _md_table(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        cells = [f"{v:.3g}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def _describe_sweep(spec: designs.DesignSpec, table: pd.DataFrame, n_run: int) -> str:
    ok = table[table["status"] == "ok"]
    reps = sorted({int(r) for r in ok.get("replications", pd.Series(dtype=float)).dropna()})
    seeds = sorted({int(s) for s in ok.get("seed", pd.Series(dtype=float)).dropna()})
    weeks = sorted({int(w) for w in ok.get("weeks", pd.Series(dtype=float)).dropna()})
    extra = f", {spec.n} trajectories on {spec.levels} levels" if spec.method == "morris" else (
        f", base sample {spec.n}" if spec.method == "saltelli" else "")
    return (f"Design: {spec.method}{extra}, design seed {spec.seed}, {len(spec.dims)} "
            f"parameters, {spec.size} points ({n_run} finished). Each point: "
            f"{'/'.join(map(str, reps)) or '?'} replications over "
            f"{'/'.join(map(str, weeks)) or '?'} weeks, simulation seed "
            f"{'/'.join(map(str, seeds)) or '?'} (common random numbers across points).")


def _parameters_md(spec: designs.DesignSpec, keys: Sequence[str] | None = None) -> str:
    rows = [{"parameter": d.key, "range": (", ".join(map(str, d.choices)) if d.choices
                                           else f"[{d.lo:g}, {d.hi:g}]"),
             "provenance": provenance(d.key)}
            for d in spec.dims if keys is None or d.key in keys]
    return _md_table(pd.DataFrame(rows, columns=["parameter", "range", "provenance"]))


def _write(path: Path, text: str) -> Path:
    from sim import output

    output.atomic_write(path, text)
    return path


def _remove(paths: Sequence[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def write_indices(sweep_dir: Path, spec: designs.DesignSpec, table: pd.DataFrame, *,
                  figures: bool = True) -> list[Path]:
    """Sensitivity indices of a Morris or Saltelli sweep: ``sensitivity.csv``/``.md``, figures.

    If design points are missing (failed or unfinished jobs) the indices are not computed —
    both estimators need the complete design — and ``sensitivity.md`` lists the missing points
    instead; stale ``sensitivity.csv`` and figures from an earlier aggregate are removed.

    Args:
        sweep_dir: The sweep directory.
        spec: Its design (``morris`` or ``saltelli``).
        table: The sweep table.
        figures: Also draw ``figures/sensitivity_<outcome>.png``.

    Returns:
        The files written.
    """
    from sim import plots

    sweep_dir = Path(sweep_dir)
    method = INDEX_METHODS[spec.method]
    results, missing = match_design(spec, table)
    stale = [sweep_dir / SENSITIVITY_CSV,
             *sorted((sweep_dir / "figures").glob("sensitivity_*.png"))]
    head = [f"# Sensitivity analysis ({method})", "", _describe_sweep(spec, table, len(results)),
            ""]
    if len(missing):
        _remove(stale)
        shown = missing.assign(
            job=["—" if pd.isna(j) else str(int(j)) for j in missing["job"]],
            reason=missing["reason"].str.slice(0, 200))
        text = head + [
            (f"**Not computed: {len(missing)} of {spec.size} design points have no finished "
            f"job.** {method.capitalize()} indices need every point of the design. Re-run the "
            "same command into the same `hydra.sweep.dir` to compute the missing jobs (finished "
            "ones are skipped), or see `failed_jobs.csv` for why they failed."), "",
            "Missing points:", "", _md_table(shown), ""]
        path = _write(sweep_dir / SENSITIVITY_MD, "\n".join(text))
        log.warning("sensitivity indices not computed: %d design points missing (see %s)",
                    len(missing), path)
        return [path]
    indices, notes = sweep_indices(spec, results)
    files = [_write(sweep_dir / SENSITIVITY_CSV,
                                      indices.to_csv(index=False, lineterminator="\n"))]
    _remove([p for p in stale[1:]])
    if figures:
        ok = table[table["status"] == "ok"]
        cap = plots.caption(str(ok["scenario"].iloc[0]), int(ok["replications"].max()),
                            int(ok["seed"].iloc[0]),
                            f"{int(ok['weeks'].max())} weeks | {method} design of "
                            f"{spec.size} points, common random numbers")
        for outcome in dict.fromkeys(indices["outcome"]):
            fig = plot_sweep_indices(indices, outcome, cap)
            files.append(Path(plots.save_figure(
                fig, sweep_dir / "figures" / f"sensitivity_{outcome}.png")))
    key, conf = ("mu_star", "μ*") if method == "morris" else ("ST", "ST")
    text = head + [
        "Which of the article's stances drive the answers: parameters ranked by "
        + ("μ* (the mean absolute change in the outcome when the parameter moves, in outcome "
           "units per its whole range; μ gives the direction, σ the interactions)"
           if method == "morris" else
           "the total Sobol index ST (share of the outcome's variance due to the parameter, "
           "with its interactions; S1 without them)")
        + ". Quote IDs refer to `seeds/quotes.yaml`. All values: `sensitivity.csv`.", ""]
    for outcome, part in indices.groupby("outcome", sort=False):
        wide = part.pivot_table(index="label", columns="index", values="value", sort=False)
        cw = part.pivot_table(index="label", columns="index", values="confidence", sort=False,
                              dropna=False)
        wide = wide.sort_values(key, ascending=False)
        shown = pd.DataFrame({"parameter": wide.index,
                              conf: [f"{v:.3g} ± {c:.2g}" for v, c in
                                     zip(wide[key], cw.loc[wide.index, key], strict=True)]})
        extras = {"mu": "μ", "sigma": "σ"} if method == "morris" else {"S1": "S1"}
        for extra, name in extras.items():
            shown[name] = [f"{v:.3g}" for v in wide[extra]]
        text += [f"## {part['outcome_label'].iloc[0]} (`{outcome}`)", "", _md_table(shown), ""]
    if notes:
        text += ["## Notes", "", *[f"- {n}" for n in notes], ""]
    text += ["## Parameters", "", _parameters_md(spec), ""]
    files.append(_write(sweep_dir / SENSITIVITY_MD, "\n".join(text)))
    return files


def write_discovery(sweep_dir: Path, spec: designs.DesignSpec, table: pd.DataFrame, *,
                    quantile: float = DEFAULT_QUANTILE,
                    thresholds: Mapping[str, float] | None = None, min_density: float = 0.8,
                    mass_min: float = DEFAULT_MASS_MIN, max_boxes: int = 3) -> list[Path]:
    """Scenario discovery on a sampled sweep: ``prim_<outcome>.csv`` and ``.md`` per outcome.

    Runs :func:`discover` for each of :data:`DISCOVERY_OUTCOMES` over the finished design points
    (PRIM needs no complete design; missing points are counted in the report). Without
    ``ema_workbench`` only the ``.md`` files are written, saying how to install it.

    Args:
        sweep_dir: The sweep directory.
        spec: Its design.
        table: The sweep table.
        quantile: See :func:`discover`.
        thresholds: Fixed thresholds by outcome column, e.g. ``{"p_escalation": 0.1}``.
        min_density: See :func:`prim_boxes`.
        mass_min: See :func:`discover`.
        max_boxes: See :func:`prim_boxes`.

    Returns:
        The files written.
    """
    sweep_dir = Path(sweep_dir)
    thresholds = dict(thresholds or {})
    unknown = set(thresholds) - set(SWEEP_OUTCOMES)
    if unknown:
        raise ValueError(f"thresholds for unknown outcomes {sorted(unknown)}: choose from "
                         f"{', '.join(SWEEP_OUTCOMES)}")
    results, missing = match_design(spec, table)
    files = []
    for outcome, kind in DISCOVERY_OUTCOMES.items():
        label = SWEEP_OUTCOMES[outcome]
        head = [f"# Scenario discovery: {kind} points ({label}, PRIM)", "",
                _describe_sweep(spec, table, len(results)), ""]
        if len(missing):
            head += [(f"{len(missing)} design points have no finished job and are left out "
                     "(see `design.csv`)."), ""]
        if not prim_available():
            text = head + [("**Not run:** PRIM needs `ema_workbench` (the `analysis` extra): "
                           "`pip install \"ceasefire-sim[analysis]\"`, then "
                           f"`ceasefire-sim-discover {sweep_dir}`."), ""]
            files.append(_write(sweep_dir / f"prim_{outcome}.md",
                                                  "\n".join(text)))
            continue
        boxes, rule = discover(results, spec.keys, outcome, quantile=quantile,
                               threshold=thresholds.get(outcome), min_density=min_density,
                               mass_min=mass_min, max_boxes=max_boxes)
        files.append(_write(sweep_dir / f"prim_{outcome}.csv",
                                              boxes.to_csv(index=False, lineterminator="\n")))
        n_valid = int(results[outcome].notna().sum())
        text = head + [f"A point is **{kind}** when {rule}.", ""]
        if n_valid < len(results):
            text += [f"{len(results) - n_valid} points are left out: {label} is undefined there.",
                     ""]
        if boxes.empty:
            text += ["No boxes: no point, or every point, is " + kind + ".", ""]
        else:
            n_prone = int(boxes["n_prone"].iloc[0])
            text += [(f"{n_prone} of {n_valid} points are {kind}. PRIM's boxes (coverage: "
                     f"share of the {kind} points inside the box; density: share of the box's "
                     f"points that are {kind}; a later box is searched among the points the "
                     "earlier ones leave, and its coverage and density refer to those):"), ""]
            named: list[str] = []
            for b in boxes.itertuples(index=False):
                where = "" if b.box == 1 else "among the points the earlier boxes leave: "
                text += [(f"{b.box}. **{b.conditions}** — {where}coverage {b.coverage:.2f}, "
                         f"density {b.density:.2f}. Over all points the box holds "
                         f"{b.n_in_box}, {b.n_prone_in_box} of them {kind}."), ""]
                named += [k for k in spec.keys if k in str(b.conditions) and k not in named]
            if named:
                text += ["Parameters in the boxes and their provenance:", "",
                         _parameters_md(spec, named), ""]
        text += ["Design space:", "", _parameters_md(spec), ""]
        files.append(_write(sweep_dir / f"prim_{outcome}.md",
                                              "\n".join(text)))
    return files


def load_sweep(sweep_dir: Path) -> tuple[designs.DesignSpec, pd.DataFrame]:
    """The design and the table (``sweep.csv``) of an aggregated sampled sweep.

    Raises:
        FileNotFoundError: if ``sweep.csv`` is missing (the aggregate has not run).
        ValueError: if the sweep has no sampled design.
    """
    from sim import callbacks

    sweep_dir = Path(sweep_dir)
    csv = sweep_dir / callbacks.SWEEP_CSV
    if not csv.is_file():
        raise FileNotFoundError(f"{csv} does not exist: is {sweep_dir} a finished sweep?")
    spec = callbacks.design_spec(callbacks.find_jobs(sweep_dir))
    if spec is None:
        raise ValueError(f"{sweep_dir} is not a sampled design (+experiment=lhs, sobol or "
                         "morris): PRIM needs sampled points")
    return spec, pd.read_csv(csv)


def _threshold_arg(text: str) -> tuple[str, float]:
    key, sep, value = text.partition("=")
    if not sep or key not in SWEEP_OUTCOMES:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected OUTCOME=VALUE with OUTCOME one of {', '.join(SWEEP_OUTCOMES)}")
    try:
        return key, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: {value!r} is not a number") from None


def discover_main(argv: Sequence[str] | None = None) -> int:
    """``ceasefire-sim-discover SWEEP_DIR``: scenario discovery (PRIM) on a sampled sweep.

    Returns:
        The exit code: 0, or 2 with a one-line message on a bad argument or folder.
    """
    parser = argparse.ArgumentParser(
        prog="ceasefire-sim-discover",
        description="Scenario discovery (PRIM) on a finished sampled sweep (lhs, sobol or "
                    "morris): which parameter ranges make escalation or ceasefire collapse "
                    "likely. Writes prim_<outcome>.csv and .md into the sweep folder.")
    parser.add_argument("sweep_dir", type=Path, help="the sweep folder (hydra.sweep.dir)")
    parser.add_argument("--quantile", type=float, default=DEFAULT_QUANTILE,
                        help="a point is prone when its outcome exceeds this quantile over "
                             "the points (default %(default)s)")
    parser.add_argument("--threshold", type=_threshold_arg, action="append", default=[],
                        metavar="OUTCOME=VALUE",
                        help="a fixed threshold instead, e.g. p_escalation=0.1 (repeatable)")
    parser.add_argument("--min-density", type=float, default=0.8,
                        help="density wanted of each box (default %(default)s)")
    parser.add_argument("--mass-min", type=float, default=DEFAULT_MASS_MIN,
                        help="smallest share of the points a box may hold (default %(default)s)")
    parser.add_argument("--max-boxes", type=int, default=3,
                        help="largest number of boxes per outcome (default %(default)s)")
    args = parser.parse_args(argv)
    if not prim_available():
        print("error: PRIM needs ema_workbench: pip install \"ceasefire-sim[analysis]\"",
              file=sys.stderr)
        return 2
    try:
        spec, table = load_sweep(args.sweep_dir)
        files = write_discovery(args.sweep_dir, spec, table, quantile=args.quantile,
                                thresholds=dict(args.threshold), min_density=args.min_density,
                                mass_min=args.mass_min, max_boxes=args.max_boxes)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for path in files:
        print(path)
    return 0


def main() -> None:
    """Entry point of ``ceasefire-sim-discover``."""
    raise SystemExit(discover_main())


if __name__ == "__main__":
    main()
