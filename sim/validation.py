"""Analysis helpers for verification and validation: hazards, survival fits, effects, rates.

Analysis only — no model logic. The functions turn what the engines produce (the per-replication
``records`` of :func:`sim.experiment.run` and, with ``keep_paths=True``, the weekly ``raw_paths``)
into the statistics that the verification tests (``tests/test_verification.py``), the evidence
checks (:mod:`sim.evidence.checks`) and the notebook ``notebooks/05_model_against_evidence.ipynb``
compare with closed forms and with the evidence (``docs/ODD.md``, section 8).

Time in a spell is discrete. A spell that starts in week ``s`` (the week the ceasefire is agreed)
faces one weekly trial in each following week; a spell that ends in week ``s + d`` has duration
``d`` and was at risk in trials ``1..d``. So a constant weekly hazard ``h`` gives a geometric
duration on ``{1, 2, ...}``; ``P(T > t) = (1 - h)**t``. Spells still running at the horizon are
right-censored at their observed length.

A *peace* spell is the one the records call "the first peace": from the first ceasefire until a
collapse back into war or an escalation (a settlement continues the spell), as in
``records.peace_duration`` / ``records.peace_failed``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, stats

from sim.rules import PP, WEEKS_PER_YEAR, Phase

DEFAULT_CUTS: tuple[int, ...] = (0, 4, 12, 26, 52)
"""Default bounds (weeks since the ceasefire) of the hazard strata: [0,4), [4,12), …, [52, ∞)."""

MIN_EXPECTED = 5.0
"""Smallest expected count per bin of a chi-square goodness-of-fit test (Cochran's rule)."""

LEVEL = 0.95
"""Two-sided level of every interval here."""

# --------------------------------------------------------------------------------------------- #
# Spells
# --------------------------------------------------------------------------------------------- #
def first_peace(records: pd.DataFrame) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Durations and failure flags of the first peace of every replication that had one.

    Args:
        records: ``Results.records`` (columns ``peace_duration``, ``peace_failed``).

    Returns:
        ``(durations, events)``: whole weeks, and True where the peace ended in a collapse or an
        escalation (False: censored at the horizon).
    """
    dur = records["peace_duration"].to_numpy(dtype=np.float64)
    keep = ~np.isnan(dur)
    return dur[keep].astype(np.int64), records["peace_failed"].to_numpy(dtype=bool)[keep]


def first_ceasefire_week(records: pd.DataFrame, weeks: int) -> tuple[NDArray[np.int64],
                                                                    NDArray[np.bool_]]:
    """Week of the first ceasefire as a censored duration from week 0.

    Args:
        records: ``Results.records``.
        weeks: The horizon (replications without a ceasefire are censored there).

    Returns:
        ``(durations, events)``: the week of the first ceasefire (or ``weeks``), and whether one
        happened.
    """
    week = records["week_first_ceasefire"].to_numpy(dtype=np.float64)
    happened = ~np.isnan(week)
    return np.where(happened, week, float(weeks)).astype(np.int64), happened


def peace_spells(phase: ArrayLike, *, end_on: Sequence[int] = (Phase.WAR, Phase.ESCALATION),
                 first_only: bool = False) -> pd.DataFrame:
    """Every peace spell in weekly phase paths.

    A spell starts in a week whose phase is CEASEFIRE after a WAR week, and ends in the first later
    week whose phase is in ``end_on`` (by default a collapse into war or an escalation; a
    settlement continues the spell).

    Args:
        phase: Integer phase codes, shape ``(replications, weeks + 1)`` (``raw_paths['phase']``).
        end_on: Phases that end a spell.
        first_only: Keep only each replication's first spell.

    Returns:
        One row per spell: ``replication``, ``spell`` (0-based order), ``start``, ``duration``,
        ``event`` (ended before the horizon) and ``end_phase`` (the phase that ended it, or -1).
    """
    ph = np.asarray(phase)
    n, width = ph.shape
    weeks = width - 1
    end_codes = np.asarray([int(p) for p in end_on])
    rows: list[tuple[int, int, int, int, bool, int]] = []
    start = np.full(n, -1, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    for t in range(1, width):
        begins = (ph[:, t] == Phase.CEASEFIRE) & (ph[:, t - 1] == Phase.WAR) & (start < 0)
        ends = (start >= 0) & np.isin(ph[:, t], end_codes)
        for r in np.flatnonzero(ends):
            rows.append((int(r), int(count[r]), int(start[r]), int(t - start[r]), True,
                         int(ph[r, t])))
        count[ends] += 1
        start[ends] = -1
        start[begins] = t
    for r in np.flatnonzero(start >= 0):
        rows.append((int(r), int(count[r]), int(start[r]), int(weeks - start[r]), False, -1))
    out = pd.DataFrame(rows, columns=["replication", "spell", "start", "duration", "event",
                                      "end_phase"])
    out = out.sort_values(["replication", "spell"], ignore_index=True)
    if first_only:
        out = out[out["spell"] == 0].reset_index(drop=True)
    return out


# --------------------------------------------------------------------------------------------- #
# Hazards
# --------------------------------------------------------------------------------------------- #
def _check(durations: ArrayLike, events: ArrayLike) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    dur = np.asarray(durations, dtype=np.float64).ravel()
    ev = np.asarray(events, dtype=bool).ravel()
    if dur.shape != ev.shape:
        raise ValueError("durations and events must have the same length")
    if np.any(np.isnan(dur)) or np.any(dur < 0) or not np.array_equal(dur, np.round(dur)):
        raise ValueError("durations must be whole, non-negative numbers of weeks")
    if np.any(ev & (dur < 1)):
        raise ValueError("an event needs a duration of at least one week")
    return dur.astype(np.int64), ev


def discrete_hazard(durations: ArrayLike, events: ArrayLike, max_week: int | None = None
                    ) -> pd.DataFrame:
    """Life table of weekly trials: at risk, events and hazard in week ``k`` of the spell.

    Args:
        durations: Whole weeks per spell.
        events: True where the spell ended in an event.
        max_week: Last week of the table (default: the longest duration).

    Returns:
        Columns ``week`` (1-based week of the spell), ``at_risk``, ``events``, ``hazard``
        (events / at risk, NaN with nobody at risk) and ``survival`` (product of ``1 - hazard``).
    """
    dur, ev = _check(durations, events)
    top = int(dur.max(initial=0)) if max_week is None else int(max_week)
    k = np.arange(1, top + 1)
    reached = np.bincount(np.minimum(dur, top + 1), minlength=top + 2)
    at_risk = dur.size - np.cumsum(reached)[:-1]  # spells with duration >= k
    evts = np.bincount(dur[ev & (dur <= top)], minlength=top + 1)[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(at_risk > 0, evts / at_risk, np.nan)
    return pd.DataFrame({"week": k, "at_risk": at_risk[: top], "events": evts,
                         "hazard": hazard, "survival": np.cumprod(np.nan_to_num(1.0 - hazard,
                                                                                nan=1.0))})


def _strata(cuts: Sequence[int]) -> list[tuple[int, float]]:
    bounds = [int(c) for c in cuts]
    if bounds != sorted(set(bounds)) or bounds[0] != 0:
        raise ValueError("cuts must be increasing whole weeks starting at 0")
    return [(a, float(b)) for a, b in zip(bounds, [*bounds[1:], math.inf], strict=True)]


def _stratum_counts(dur: NDArray[np.int64], ev: NDArray[np.bool_], cuts: Sequence[int]
                    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """At-risk weekly trials and events per stratum of elapsed weeks (trial j has elapsed j-1)."""
    strata = _strata(cuts)
    risk = np.array([np.clip(dur - a, 0, None if math.isinf(b) else b - a).sum()
                     for a, b in strata], dtype=np.float64)
    elapsed = dur[ev] - 1
    evts = np.array([((elapsed >= a) & (elapsed < b)).sum() for a, b in strata],
                    dtype=np.float64)
    return risk, evts


def piecewise_hazard(durations: ArrayLike, events: ArrayLike,
                     cuts: Sequence[int] = DEFAULT_CUTS, level: float = LEVEL) -> pd.DataFrame:
    """Piecewise-constant weekly hazard by weeks since the start of the spell.

    The rate in each stratum is events per at-risk week (the maximum-likelihood estimate of a
    piecewise-exponential model); its interval is the exact Poisson (Garwood) interval.

    Args:
        durations: Whole weeks per spell.
        events: True where the spell ended in an event.
        cuts: Lower bounds of the strata in elapsed weeks, starting at 0.
        level: Two-sided level of the interval.

    Returns:
        Columns ``stratum`` (label), ``start``, ``stop``, ``at_risk_weeks``, ``events``, ``rate``,
        ``lo``, ``hi``.
    """
    dur, ev = _check(durations, events)
    risk, evts = _stratum_counts(dur, ev, cuts)
    alpha = 1.0 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(risk > 0, evts / risk, np.nan)
        lo = np.where((risk > 0) & (evts > 0), stats.chi2.ppf(alpha / 2, 2 * evts) / 2 / risk,
                      0.0)
        hi = np.where(risk > 0, stats.chi2.ppf(1 - alpha / 2, 2 * evts + 2) / 2 / risk, np.nan)
    labels = [f"{a}–{int(b)}" if not math.isinf(b) else f"{a}+" for a, b in _strata(cuts)]
    return pd.DataFrame({
        "stratum": labels, "start": [a for a, _ in _strata(cuts)],
        "stop": [b for _, b in _strata(cuts)], "at_risk_weeks": risk, "events": evts,
        "rate": rate, "lo": lo, "hi": hi,
    })


@dataclass(frozen=True)
class HazardRatio:
    """A stratified hazard (rate) ratio of a treated versus a control group of spells.

    Attributes:
        ratio: Mantel–Haenszel rate ratio, stratified by weeks since the ceasefire.
        lo: Lower bound of its interval (Greenland–Robins variance of the log ratio).
        hi: Upper bound.
        crude: Unstratified ratio of events per at-risk week.
        events: ``(treated, control)`` event counts.
        at_risk_weeks: ``(treated, control)`` at-risk weeks.
        strata: Per-stratum table of both groups' counts and rates.
    """

    ratio: float
    lo: float
    hi: float
    crude: float
    events: tuple[int, int]
    at_risk_weeks: tuple[int, int]
    strata: pd.DataFrame


def hazard_ratio(treated: tuple[ArrayLike, ArrayLike], control: tuple[ArrayLike, ArrayLike],
                 cuts: Sequence[int] = DEFAULT_CUTS, level: float = LEVEL) -> HazardRatio:
    """Hazard ratio of two groups of spells, stratified by time since the ceasefire.

    Within each stratum of elapsed weeks the hazard is taken as constant (a piecewise-exponential,
    Cox-like proportional-hazards comparison); the strata are pooled with the Mantel–Haenszel
    estimator for person-time data, ``Σ a·T0/T / Σ b·T1/T``, and the interval uses the
    Greenland & Robins (1985) variance of its logarithm. That variance assumes independent groups;
    under common random numbers the groups are positively correlated, so the interval is
    conservative.

    Args:
        treated: ``(durations, events)`` of the treated group (e.g. with the force).
        control: ``(durations, events)`` of the control group (e.g. without it).
        cuts: Lower bounds of the strata in elapsed weeks.
        level: Two-sided level of the interval.
    """
    d1, e1 = _check(*treated)
    d0, e0 = _check(*control)
    t1, a = _stratum_counts(d1, e1, cuts)
    t0, b = _stratum_counts(d0, e0, cuts)
    tot = t1 + t0
    with np.errstate(divide="ignore", invalid="ignore"):
        num = np.where(tot > 0, a * t0 / tot, 0.0)
        den = np.where(tot > 0, b * t1 / tot, 0.0)
        var_terms = np.where(tot > 0, t1 * t0 * (a + b) / tot**2, 0.0)
    ratio = num.sum() / den.sum() if den.sum() > 0 else math.nan
    if num.sum() > 0 and den.sum() > 0:
        se = math.sqrt(var_terms.sum() / (num.sum() * den.sum()))
        z = float(stats.norm.ppf(0.5 + level / 2))
        lo, hi = ratio * math.exp(-z * se), ratio * math.exp(z * se)
    else:
        lo = hi = math.nan
    crude = (a.sum() / t1.sum()) / (b.sum() / t0.sum()) if b.sum() and t1.sum() else math.nan
    labels = [f"{s}–{int(e)}" if not math.isinf(e) else f"{s}+" for s, e in _strata(cuts)]
    with np.errstate(divide="ignore", invalid="ignore"):
        table = pd.DataFrame({
            "stratum": labels, "treated_weeks": t1, "treated_events": a,
            "treated_rate": np.where(t1 > 0, a / t1, np.nan), "control_weeks": t0,
            "control_events": b, "control_rate": np.where(t0 > 0, b / t0, np.nan),
        })
        table["ratio"] = table["treated_rate"] / table["control_rate"]
    return HazardRatio(float(ratio), float(lo), float(hi), float(crude),
                       (int(a.sum()), int(b.sum())), (int(t1.sum()), int(t0.sum())), table)


# --------------------------------------------------------------------------------------------- #
# Weibull fit
# --------------------------------------------------------------------------------------------- #
@dataclass(frozen=True)
class WeibullFit:
    """Maximum-likelihood Weibull fit of censored, weekly durations.

    ``S(t) = exp(-(t / scale) ** shape)``; shape < 1 means a hazard that falls with time.

    Attributes:
        shape: Shape parameter k.
        scale: Scale parameter λ in weeks.
        shape_lo: Lower bound of the Wald interval of the shape (on the log scale).
        shape_hi: Upper bound.
        loglik: Maximised log-likelihood.
        n: Number of spells.
        n_events: Number of events.
    """

    shape: float
    scale: float
    shape_lo: float
    shape_hi: float
    loglik: float
    n: int
    n_events: int

    def survival(self, t: ArrayLike) -> NDArray[np.float64]:
        """Fitted survival ``P(T > t)``."""
        return np.exp(-(np.asarray(t, dtype=np.float64) / self.scale) ** self.shape)


def _weibull_negloglik(theta: NDArray[np.float64], t_ev: NDArray[np.float64],
                       n_ev: NDArray[np.float64], t_cen: NDArray[np.float64],
                       n_cen: NDArray[np.float64]) -> float:
    k, lam = math.exp(theta[0]), math.exp(theta[1])
    h_now = (t_ev / lam) ** k
    h_before = ((t_ev - 1.0) / lam) ** k
    # log P(T = t) = log(S(t-1) - S(t)) = -H(t-1) + log(1 - exp(-(H(t) - H(t-1))))
    ll_ev = -h_before + np.log(-np.expm1(-(h_now - h_before)))
    ll_cen = -((t_cen / lam) ** k)
    return float(-(n_ev @ ll_ev + n_cen @ ll_cen))


def fit_weibull(durations: ArrayLike, events: ArrayLike, level: float = LEVEL) -> WeibullFit:
    """Fit a Weibull survival model to weekly, right-censored durations.

    The likelihood is the exact one for weekly data (interval censoring): an event in week ``t``
    contributes ``S(t-1) - S(t)``, a spell censored after ``c`` weeks contributes ``S(c)``. A
    geometric duration (constant weekly hazard) is the special case shape = 1, so the fit returns
    shape ≈ 1 for it. Spells of length 0 (censored at once) carry no information and are dropped.

    Args:
        durations: Whole weeks per spell.
        events: True where the spell ended in an event.
        level: Two-sided level of the shape interval (Wald, on log shape, from the numerical
            Hessian of the log-likelihood).

    Raises:
        ValueError: Without any event (the scale is then not identified).
    """
    dur, ev = _check(durations, events)
    keep = dur > 0
    dur, ev = dur[keep], ev[keep]
    if not ev.any():
        raise ValueError("a Weibull fit needs at least one event")
    t_ev, n_ev = np.unique(dur[ev], return_counts=True)
    t_cen, n_cen = np.unique(dur[~ev], return_counts=True)
    args = (t_ev.astype(np.float64), n_ev.astype(np.float64), t_cen.astype(np.float64),
            n_cen.astype(np.float64))
    mean_t = float(dur.sum()) / float(ev.sum())
    start = np.array([0.0, math.log(max(mean_t, 1.0))])
    res = optimize.minimize(_weibull_negloglik, start, args=args, method="Nelder-Mead",
                            options={"xatol": 1e-9, "fatol": 1e-9, "maxiter": 4000})
    theta = res.x
    hess = _hessian(lambda th: _weibull_negloglik(th, *args), theta)
    cov = np.linalg.inv(hess)
    se = math.sqrt(max(cov[0, 0], 0.0))
    z = float(stats.norm.ppf(0.5 + level / 2))
    return WeibullFit(
        shape=math.exp(theta[0]), scale=math.exp(theta[1]),
        shape_lo=math.exp(theta[0] - z * se), shape_hi=math.exp(theta[0] + z * se),
        loglik=-float(res.fun), n=int(dur.size), n_events=int(ev.sum()),
    )


def _hessian(f: Callable[[NDArray[np.float64]], float], x: NDArray[np.float64],
             step: float = 1e-4) -> NDArray[np.float64]:
    """Central-difference Hessian of a scalar function."""
    m = x.size
    out = np.empty((m, m))
    eye = np.eye(m) * step
    for i in range(m):
        for j in range(i, m):
            val = (f(x + eye[i] + eye[j]) - f(x + eye[i] - eye[j]) - f(x - eye[i] + eye[j])
                   + f(x - eye[i] - eye[j])) / (4 * step * step)
            out[i, j] = out[j, i] = val
    return out


# --------------------------------------------------------------------------------------------- #
# Goodness of fit against a closed form
# --------------------------------------------------------------------------------------------- #
@dataclass(frozen=True)
class GofResult:
    """A chi-square goodness-of-fit test of durations against a known distribution.

    Attributes:
        statistic: Pearson's chi-square statistic.
        dof: Degrees of freedom (bins − 1; no parameter is estimated).
        pvalue: Upper-tail probability of the statistic.
        table: Bins with observed and expected counts.
    """

    statistic: float
    dof: int
    pvalue: float
    table: pd.DataFrame


def geometric_survival(h: float) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
    """``P(T > t) = (1 - h)**t`` of a geometric duration on {1, 2, …} (constant weekly hazard)."""
    return lambda t: (1.0 - h) ** np.asarray(t, dtype=np.float64)


def hazard_survival(hazards: ArrayLike) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
    """``P(T > t) = Π_{j<t} (1 - h_j)`` for weekly hazards ``h_0, h_1, …`` (``h_j``: week j+1)."""
    surv = np.concatenate(([1.0], np.cumprod(1.0 - np.asarray(hazards, dtype=np.float64))))
    return lambda t: surv[np.asarray(t, dtype=np.int64)]


def duration_gof(durations: ArrayLike, events: ArrayLike,
                 survival: Callable[[NDArray[np.float64]], NDArray[np.float64]],
                 horizon: int, min_expected: float = MIN_EXPECTED) -> GofResult:
    """Chi-square test of weekly durations against a distribution given by its survival function.

    The bins are the weeks ``1..horizon`` and a tail bin ``> horizon``; neighbouring week bins are
    merged until each expects at least ``min_expected`` spells. Censoring is handled exactly: every
    censored spell must have been followed for at least ``horizon`` weeks, so it belongs to the tail
    bin whatever its true duration (select such spells before calling, e.g. ceasefires that began
    at least ``horizon`` weeks before the end of the run).

    Args:
        durations: Whole weeks per spell.
        events: True where the spell ended in an event.
        survival: ``P(T > t)`` of the hypothesised distribution for integer arrays ``t``.
        horizon: Last week with its own bin.
        min_expected: Smallest expected count per bin.

    Raises:
        ValueError: If a censored spell was followed for fewer than ``horizon`` weeks.
    """
    dur, ev = _check(durations, events)
    if np.any(~ev & (dur < horizon)):
        raise ValueError(f"censored spells must be followed for at least {horizon} weeks")
    n = dur.size
    t = np.arange(0, horizon + 1)
    s = np.asarray(survival(t), dtype=np.float64)
    probs = np.append(s[:-1] - s[1:], s[-1])  # weeks 1..horizon, then the tail
    observed = np.append(np.bincount(dur[ev & (dur <= horizon)], minlength=horizon + 1)[1:],
                         n - int((ev & (dur <= horizon)).sum())).astype(np.float64)
    bins = [[float(w), o, n * p] for w, o, p in
            zip(range(1, horizon + 2), observed, probs, strict=True)]  # [first week, obs, exp]
    while len(bins) > 1 and min(b[2] for b in bins) < min_expected:
        i = max(j for j, b in enumerate(bins) if b[2] < min_expected)  # the last thin bin
        j = i - 1 if i > 0 else i + 1  # merge it into its earlier neighbour
        lo, hi = min(i, j), max(i, j)
        bins[lo] = [bins[lo][0], bins[lo][1] + bins[hi][1], bins[lo][2] + bins[hi][2]]
        del bins[hi]
    table = pd.DataFrame(bins, columns=["from_week", "observed", "expected"])
    stat = float((((table["observed"] - table["expected"]) ** 2) / table["expected"]).sum())
    dof = len(table) - 1
    return GofResult(stat, dof, float(stats.chi2.sf(stat, dof)), table)


# --------------------------------------------------------------------------------------------- #
# Violations, territory
# --------------------------------------------------------------------------------------------- #
def ceasefire_weeks(raw_paths: Mapping[str, NDArray[Any]]) -> pd.DataFrame:
    """One row per week that began in a ceasefire: its violations and whether it collapsed.

    Args:
        raw_paths: ``Results.raw_paths`` (``phase`` and ``violations``).

    Returns:
        Columns ``replication``, ``week``, ``violations`` (drawn that week) and ``collapse``
        (the week ended in war).
    """
    phase = np.asarray(raw_paths["phase"])
    viol = np.asarray(raw_paths["violations"])
    r, t = np.nonzero(phase[:, :-1] == Phase.CEASEFIRE)
    return pd.DataFrame({
        "replication": r, "week": t + 1, "violations": viol[r, t + 1].astype(np.int64),
        "collapse": phase[r, t + 1] == Phase.WAR,
    })


def hazard_by_violations(weeks: pd.DataFrame, edges: Sequence[int] = (0, 2, 4, 6, 9)
                         ) -> pd.DataFrame:
    """Weekly collapse probability by the number of violations that week.

    Args:
        weeks: Output of :func:`ceasefire_weeks`.
        edges: Lower bounds of the violation-count classes.

    Returns:
        Columns ``violations`` (class label), ``weeks``, ``collapses``, ``hazard``, ``lo``, ``hi``
        (Wilson interval).
    """
    from sim.metrics import wilson_interval

    bounds = [*edges, math.inf]
    rows = []
    for a, b in itertools.pairwise(bounds):
        sel = (weeks["violations"] >= a) & (weeks["violations"] < b)
        n, k = int(sel.sum()), int(weeks.loc[sel, "collapse"].sum())
        p, lo, hi = wilson_interval(k, n) if n else (math.nan, math.nan, math.nan)
        label = f"{a}–{int(b) - 1}" if not math.isinf(b) else f"{a}+"
        rows.append((label, n, k, p, lo, hi))
    return pd.DataFrame(rows, columns=["violations", "weeks", "collapses", "hazard", "lo", "hi"])


def violations_in_held_ceasefires(records: pd.DataFrame, min_weeks: int = 52) -> pd.DataFrame:
    """Violations counted in first peaces that held at least ``min_weeks`` without failing.

    Args:
        records: ``Results.records``.
        min_weeks: Shortest peace counted as one that held.

    Returns:
        The rows of ``records`` for such peaces, with ``violations_per_week`` added (violations
        over the whole run divided by the weeks of peace: a first peace has no earlier ceasefire,
        so all the run's violations fell in it; weeks after a settlement add none).
    """
    held = records[(records["peace_duration"] >= min_weeks) & ~records["peace_failed"]].copy()
    held["violations_per_week"] = held["n_violations"] / held["peace_duration"]
    return held


@dataclass(frozen=True)
class TerritoryGrowth:
    """Growth of the Russian-held share while the war goes on.

    Attributes:
        pp_per_year: Mean weekly change in war weeks × 52, in percentage points.
        lo: Lower bound of the interval (replication-clustered standard error).
        hi: Upper bound.
        war_weeks: Number of war weeks used.
        initial: Mean share at week 0.
    """

    pp_per_year: float
    lo: float
    hi: float
    war_weeks: int
    initial: float


def territory_growth(raw_paths: Mapping[str, NDArray[Any]], level: float = LEVEL
                     ) -> TerritoryGrowth:
    """Annualised territorial change in weeks that began at war.

    Territory only moves in war weeks, so the estimate is the ratio of the summed weekly changes
    to the number of war weeks; its standard error treats replications as independent clusters
    (the ratio estimator's linearisation).

    Args:
        raw_paths: ``Results.raw_paths`` (``phase`` and ``territory``).
        level: Two-sided level of the interval.
    """
    phase = np.asarray(raw_paths["phase"])
    terr = np.asarray(raw_paths["territory"], dtype=np.float64)
    war = phase[:, :-1] == Phase.WAR
    change = np.where(war, np.diff(terr, axis=1), 0.0)
    per_rep_change = change.sum(axis=1)
    per_rep_weeks = war.sum(axis=1).astype(np.float64)
    total_weeks = per_rep_weeks.sum()
    mean = per_rep_change.sum() / total_weeks
    n = phase.shape[0]
    resid = per_rep_change - mean * per_rep_weeks
    se = math.sqrt(n / max(n - 1, 1) * float((resid**2).sum())) / total_weeks
    z = float(stats.norm.ppf(0.5 + level / 2))
    scale = WEEKS_PER_YEAR / PP
    return TerritoryGrowth(mean * scale, (mean - z * se) * scale, (mean + z * se) * scale,
                           int(total_weeks), float(terr[:, 0].mean()))
