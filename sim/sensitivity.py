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

A Sobol table must keep the rows in the order :func:`sample_sobol` produced them (SALib's estimator
reads the Saltelli blocks by position).
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim import experiment
from sim.config import Config, iter_params, validate
from sim.experiment import Results


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
    Factor("ceasefire.hazard_initial", 0.02, 0.08, "cite: Fortna 2004; assumption: range"),
    Factor("ceasefire.hazard_floor", 0.002, 0.012, "cite: Fortna 2004; assumption: range"),
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


def _prim_module() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ema_workbench warns about optional extras on import
        from ema_workbench.analysis import prim
    return prim


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def prim_boxes(table: pd.DataFrame, outcome_mask: Sequence[bool] | np.ndarray,
               inputs: Sequence[str] | None = None, *, min_density: float = 0.8,
               mass_min: float = 0.05, max_boxes: int = 3) -> pd.DataFrame:
    """Scenario discovery: boxes of the inputs where the outcome of interest concentrates.

    PRIM (Friedman & Fisher 1999, via ``ema_workbench.analysis.prim``) peels the input space
    towards the cases of interest. For each box the point on its peeling trajectory with the
    largest coverage among those with density ≥ ``min_density`` is chosen (the densest point if
    none reaches it); later boxes are found in the cases the earlier ones leave.

    Args:
        table: Results table (one row per sample point); string or categorical columns are
            treated as categories (e.g. ``deployment.timing``).
        outcome_mask: True for the points of interest (e.g. ``table.p_escalation > 0.1``).
        inputs: Columns to search (default: every column that is not an outcome).
        min_density: Density (share of cases of interest inside the box) wanted.
        mass_min: Smallest share of points a box may hold.
        max_boxes: Largest number of boxes.

    Returns:
        One row per box: ``box``, ``conditions`` (readable, e.g.
        ``"russia.strike_propensity >= 0.04 and deployment.timing in {'immediate'}"``),
        ``coverage``, ``density``, ``mass``.
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
            rows.append({"box": number,
                         "conditions": _conditions(box.box_lims[index], box.box_lims[0]),
                         "coverage": float(box.coverage), "density": float(box.density),
                         "mass": float(box.mass)})
    return pd.DataFrame(rows, columns=["box", "conditions", "coverage", "density", "mass"])


def _conditions(lims: pd.DataFrame, initial: pd.DataFrame) -> str:
    """Readable restrictions of a box relative to the initial (unrestricted) box."""
    parts = []
    for col in lims.columns:
        lo, hi = lims[col].iloc[0], lims[col].iloc[1]
        lo0, hi0 = initial[col].iloc[0], initial[col].iloc[1]
        if isinstance(lo, (set, frozenset)):
            if set(lo) != set(lo0):
                parts.append(f"{col} in {{{', '.join(repr(v) for v in sorted(lo))}}}")
            continue
        if lo > lo0:
            parts.append(f"{col} >= {_fmt(lo)}")
        if hi < hi0:
            parts.append(f"{col} <= {_fmt(hi)}")
    return " and ".join(parts) if parts else "(whole space)"
