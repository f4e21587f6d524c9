"""Summary statistics for ceasefire-sim replication results.

Pure functions (numpy / pandas / scipy only) that turn the per-replication
``records`` frame and the weekly ``paths`` arrays produced by the engines into
interval estimates, Kaplan-Meier survival curves of the peace, tidy path
summaries, a JSON-serialisable scenario summary and a terminal table.

All intervals are two-sided at ``level`` (95 % by default):

* proportions use the Wilson score interval;
* means use the Student-t interval;
* survival uses Greenwood's variance on the log(-log) scale
  ("exponential Greenwood" band).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from sim.derived import OUTCOMES  # the end-of-horizon outcome classes, defined once
from sim.rules import Phase

PHASES: tuple[str, ...] = tuple(p.name.lower() for p in Phase)
"""Weekly phases; the integer code of a phase is its index in this tuple."""

DEFAULT_LEVEL = 0.95
"""Default two-sided confidence level of every interval."""

CEASEFIRE_WINDOWS: tuple[int, ...] = (13, 52)
"""Weeks k for which P(first ceasefire by week k) is reported (plus the horizon)."""

PATH_QUANTILES: tuple[float, float] = (0.05, 0.95)
"""Lower and upper quantiles of the band reported by :func:`path_summary`."""

QUANTILE_BLOCK_COLUMNS = 16
"""Weeks processed per block in :func:`path_summary` (bounds temporary memory)."""

SURVIVAL_MEDIAN = 0.5
"""Survival level defining the Kaplan-Meier median."""

PHASE_PATH_KEY = "phase"
"""Key of the integer phase array in ``paths``."""

PATH_NDIM = 2
"""Path arrays are (replications, weeks + 1)."""

MIN_VARIANCE_SAMPLE = 2
"""Smallest sample for which a sample variance (ddof=1) exists."""

REQUIRED_RECORD_COLUMNS: tuple[str, ...] = (
    "replication",
    "seed",
    "outcome",
    "week_first_ceasefire",
    "peace_duration",
    "peace_failed",
    "ceasefire_weeks",
    "ceasefire_failures",
    "escalation_from",
    "n_referendums",
    "referendum_passed",
    "n_strikes",
    "members_remaining",
    "final_territory",
    "final_claim_gap",
)
"""Columns of ``records`` that :func:`summarise` reads."""

_TABLE_LABEL_WIDTH = 46
_TABLE_VALUE_WIDTH = 9
_TABLE_DECIMALS = 3
_COUNT_SUFFIX = "(count)"


# --------------------------------------------------------------------------- #
# Intervals
# --------------------------------------------------------------------------- #
def _z(level: float) -> float:
    """Return the two-sided standard-normal critical value for ``level``.

    Args:
        level: Confidence level in (0, 1).

    Returns:
        The (1 + level) / 2 quantile of N(0, 1).

    Raises:
        ValueError: If ``level`` is not strictly between 0 and 1.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    return NormalDist().inv_cdf(0.5 + level / 2.0)


T_SERIES_MIN_DF = 30
"""From this many degrees of freedom the Student-t quantile uses the Cornish–Fisher series;
below it, scipy (imported only then)."""


def t_quantile(p: float, df: int) -> float:
    """The p-quantile of Student's t with ``df`` degrees of freedom.

    For ``df >= 30`` it uses the expansion of Abramowitz & Stegun (1964), 26.7.5, around the normal
    quantile z: t = z + g1/ν + g2/ν² + g3/ν³ + g4/ν⁴, within a relative 2e-5 of the exact quantile
    up to p = 0.995 (tested) and better for larger samples; smaller samples fall back to scipy, so
    it is not imported in normal runs.
    """
    if df < T_SERIES_MIN_DF:
        from scipy import stats

        return float(stats.t.ppf(p, df=df))
    z = NormalDist().inv_cdf(p)
    nu = float(df)
    g1 = (z**3 + z) / 4.0
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96.0
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384.0
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160.0
    return z + g1 / nu + g2 / nu**2 + g3 / nu**3 + g4 / nu**4


def wilson_interval(
    successes: ArrayLike, n: ArrayLike, level: float = DEFAULT_LEVEL
) -> tuple[Any, Any, Any]:
    """Wilson score interval for a binomial proportion.

    Works element-wise on arrays (broadcasting ``successes`` against ``n``);
    scalar inputs give plain Python floats.

    Args:
        successes: Number of successes (0 <= successes <= n).
        n: Number of trials. Entries with ``n == 0`` give NaN for all three
            outputs.
        level: Two-sided confidence level.

    Returns:
        ``(p, lo, hi)``: the observed proportion and the interval bounds,
        clipped to [0, 1] (``lo`` is exactly 0 when there are no successes and
        ``hi`` exactly 1 when all trials succeed).

    Raises:
        ValueError: If ``successes`` is negative or exceeds ``n``.
    """
    z = _z(level)
    s_arr = np.asarray(successes, dtype=np.float64)
    n_arr = np.asarray(n, dtype=np.float64)
    if np.any(s_arr < 0) or np.any(s_arr > n_arr):
        raise ValueError("successes must satisfy 0 <= successes <= n")
    z2 = z * z
    with np.errstate(divide="ignore", invalid="ignore"):
        valid = n_arr > 0
        p = np.where(valid, s_arr / n_arr, np.nan)
        denom = 1.0 + z2 / n_arr
        centre = (p + z2 / (2.0 * n_arr)) / denom
        half = z * np.sqrt(p * (1.0 - p) / n_arr + z2 / (4.0 * n_arr * n_arr)) / denom
        lo = np.where(valid, np.clip(centre - half, 0.0, 1.0), np.nan)
        hi = np.where(valid, np.clip(centre + half, 0.0, 1.0), np.nan)
    lo = np.where(valid & (s_arr == 0), 0.0, lo)
    hi = np.where(valid & (s_arr == n_arr), 1.0, hi)
    if p.ndim == 0:
        return float(p), float(lo), float(hi)
    return p, lo, hi


def mean_interval(
    x: ArrayLike, level: float = DEFAULT_LEVEL
) -> tuple[float, float, float]:
    """Mean with a Student-t confidence interval.

    NaN entries are dropped first.

    Args:
        x: Sample (bool values are treated as 0/1).
        level: Two-sided confidence level.

    Returns:
        ``(mean, lo, hi)`` as floats. With no finite values all three are NaN;
        with a single value the bounds are NaN.
    """
    _z(level)  # validates level
    arr = np.asarray(x, dtype=np.float64).ravel()
    arr = arr[~np.isnan(arr)]
    n = arr.size
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(arr.mean())
    if n < MIN_VARIANCE_SAMPLE:
        return mean, math.nan, math.nan
    se = float(arr.std(ddof=1)) / math.sqrt(n)
    half = t_quantile(0.5 + level / 2.0, n - 1) * se
    return mean, mean - half, mean + half


# --------------------------------------------------------------------------- #
# Survival
# --------------------------------------------------------------------------- #
def kaplan_meier(
    durations: ArrayLike,
    events: ArrayLike,
    horizon: int,
    level: float = DEFAULT_LEVEL,
) -> pd.DataFrame:
    """Kaplan-Meier survival curve on an integer week grid.

    A spell with ``duration == t`` is at risk at week t; if it failed it counts
    as an event at t, otherwise it is censored at t (censoring is taken to
    happen after the events of that week, the usual convention). Pairs whose
    duration is NaN (no ceasefire) are dropped.

    The confidence band uses Greenwood's variance on the log(-log S) scale:
    with ``v(t) = sum_{s<=t} d_s / (n_s (n_s - d_s))`` and
    ``c = z * sqrt(v) / |log S|``, the band is ``[S**exp(c), S**exp(-c)]``.
    Where S is 1 the band is [1, 1]; once S reaches 0 it is [0, 0].

    Args:
        durations: Spell lengths in whole weeks (non-negative, integer-valued).
        events: True where the spell ended in failure (collapse/escalation),
            False where it was censored.
        horizon: Last week of the grid.
        level: Two-sided confidence level of the band.

    Returns:
        DataFrame with one row per week 0..horizon and columns ``week``,
        ``at_risk``, ``events``, ``censored``, ``survival``, ``lo``, ``hi``.
        Survival at week 0 is 1 unless some spells fail at duration 0.

    Raises:
        ValueError: On mismatched lengths, negative or non-integer durations,
            or a negative horizon.
    """
    z = _z(level)
    if horizon < 0:
        raise ValueError(f"horizon must be >= 0, got {horizon}")
    dur = np.asarray(durations, dtype=np.float64).ravel()
    ev = np.asarray(events).ravel()
    if dur.shape != ev.shape:
        raise ValueError("durations and events must have the same length")
    keep = ~np.isnan(dur)
    dur = dur[keep]
    ev = ev[keep].astype(bool)
    if np.any(dur < 0):
        raise ValueError("durations must be non-negative")
    if not np.array_equal(dur, np.round(dur)):
        raise ValueError("durations must be whole weeks")
    d_int = dur.astype(np.int64)

    n_bins = horizon + 1
    # Spells longer than the grid are pooled in one spill bin past the horizon.
    clipped = np.minimum(d_int, n_bins)
    ended_at = np.bincount(clipped, minlength=n_bins + 1)
    events_at = np.bincount(d_int[ev & (d_int <= horizon)], minlength=n_bins)
    censored_at = ended_at[:n_bins] - events_at
    left_before = np.concatenate(([0], np.cumsum(ended_at[:n_bins])[:-1]))
    at_risk = d_int.size - left_before

    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1.0 - events_at / at_risk, 1.0)
        survival = np.cumprod(factor)
        gw_terms = np.where(
            (events_at > 0) & (at_risk > events_at),
            events_at / (at_risk * (at_risk - events_at)),
            0.0,
        )
        greenwood = np.cumsum(gw_terms)
        log_s = np.log(survival)
        c = z * np.sqrt(greenwood) / np.abs(log_s)
        lo = survival ** np.exp(c)
        hi = survival ** np.exp(-c)
    at_one = survival >= 1.0
    at_zero = survival <= 0.0
    lo = np.where(at_one, 1.0, np.where(at_zero, 0.0, lo))
    hi = np.where(at_one, 1.0, np.where(at_zero, 0.0, hi))

    return pd.DataFrame(
        {
            "week": np.arange(n_bins, dtype=np.int64),
            "at_risk": at_risk.astype(np.int64),
            "events": events_at.astype(np.int64),
            "censored": censored_at.astype(np.int64),
            "survival": survival,
            "lo": lo,
            "hi": hi,
        }
    )


def km_median(km: pd.DataFrame) -> float:
    """Median survival time from a :func:`kaplan_meier` table.

    Args:
        km: Output of :func:`kaplan_meier`.

    Returns:
        The first week at which survival is <= 0.5, or NaN if the curve never
        drops that far within the horizon.
    """
    reached = km.loc[km["survival"] <= SURVIVAL_MEDIAN, "week"]
    return float(reached.iloc[0]) if len(reached) else math.nan


# --------------------------------------------------------------------------- #
# Paths
# --------------------------------------------------------------------------- #
def _indicator_summary(arr: NDArray[Any], name: str) -> pd.DataFrame:
    """Mean and 5-95 % quantiles of one continuous indicator, block by block.

    Args:
        arr: Array of shape (n_reps, n_weeks).
        name: Indicator name.

    Returns:
        Long frame with columns ``week, indicator, mean, p05, p95``.
    """
    n_weeks = arr.shape[1]
    mean = np.empty(n_weeks, dtype=np.float64)
    lo = np.empty(n_weeks, dtype=np.float64)
    hi = np.empty(n_weeks, dtype=np.float64)
    for start in range(0, n_weeks, QUANTILE_BLOCK_COLUMNS):
        stop = min(start + QUANTILE_BLOCK_COLUMNS, n_weeks)
        block = arr[:, start:stop]
        if np.isnan(block).any():
            with np.errstate(invalid="ignore"):
                mean[start:stop] = np.nanmean(block, axis=0, dtype=np.float64)
                q = np.nanquantile(block, PATH_QUANTILES, axis=0)
        else:
            mean[start:stop] = block.mean(axis=0, dtype=np.float64)
            q = np.quantile(block, PATH_QUANTILES, axis=0)
        lo[start:stop] = q[0]
        hi[start:stop] = q[1]
    return pd.DataFrame(
        {
            "week": np.arange(n_weeks, dtype=np.int64),
            "indicator": name,
            "mean": mean,
            "p05": lo,
            "p95": hi,
        }
    )


def _phase_summary(phase: NDArray[Any]) -> list[pd.DataFrame]:
    """Per-week share of replications in each phase, with Wilson intervals.

    Args:
        phase: Integer array of shape (n_reps, n_weeks) with codes indexing
            :data:`PHASES`.

    Returns:
        One long frame per phase (indicator ``share_<phase>``).

    Raises:
        ValueError: If the array holds codes outside the valid range.
    """
    if not np.issubdtype(phase.dtype, np.integer):
        raise ValueError("paths['phase'] must be an integer array")
    if phase.size and (phase.min() < 0 or phase.max() >= len(PHASES)):
        raise ValueError(f"phase codes must lie in 0..{len(PHASES) - 1}")
    n_reps, n_weeks = phase.shape
    frames = []
    for code, name in enumerate(PHASES):
        counts = np.count_nonzero(phase == code, axis=0)
        p, lo, hi = wilson_interval(counts, np.full(n_weeks, n_reps))
        frames.append(
            pd.DataFrame(
                {
                    "week": np.arange(n_weeks, dtype=np.int64),
                    "indicator": f"share_{name}",
                    "mean": p,
                    "p05": lo,
                    "p95": hi,
                }
            )
        )
    return frames


def path_summary(paths: Mapping[str, NDArray[Any]], weeks: int) -> pd.DataFrame:
    """Tidy weekly summary of the indicator paths across replications.

    For each continuous indicator, ``mean`` is the across-replication mean and
    ``p05`` / ``p95`` are the 5th and 95th percentiles (numpy's default linear
    interpolation) -- a spread of outcomes, not a confidence interval. NaN
    entries, if any, are ignored.

    The integer ``phase`` array is turned into four indicators
    ``share_war``, ``share_ceasefire``, ``share_settlement``,
    ``share_escalation``: ``mean`` is the share of replications in that phase
    that week and ``p05`` / ``p95`` hold the **Wilson 95 % confidence
    interval** of that share (not quantiles).

    Memory: the input arrays are never converted as a whole; quantiles are
    computed on blocks of :data:`QUANTILE_BLOCK_COLUMNS` weeks, so the extra
    memory is about n_reps x 16 values of the input dtype.

    Args:
        paths: Indicator name -> array of shape (n_reps, weeks + 1).
        weeks: Horizon W.

    Returns:
        Long DataFrame with columns ``week, indicator, mean, p05, p95``,
        ordered by indicator (input order) then week.

    Raises:
        ValueError: If an array does not have shape (n_reps, weeks + 1) or
            arrays disagree on n_reps.
    """
    frames: list[pd.DataFrame] = []
    n_reps: int | None = None
    for name, values in paths.items():
        arr = np.asarray(values)
        if arr.ndim != PATH_NDIM or arr.shape[1] != weeks + 1:
            raise ValueError(
                f"paths[{name!r}] must have shape (n_reps, {weeks + 1}), "
                f"got {arr.shape}"
            )
        if n_reps is None:
            n_reps = arr.shape[0]
        elif arr.shape[0] != n_reps:
            raise ValueError(
                "all path arrays must have the same number of replications"
            )
        if name == PHASE_PATH_KEY:
            frames.extend(_phase_summary(arr))
        else:
            frames.append(_indicator_summary(arr, name))
    if not frames:
        return pd.DataFrame(columns=["week", "indicator", "mean", "p05", "p95"])
    return pd.concat(frames, ignore_index=True)


def stats_summary(stats: Any, indicators: Sequence[str]) -> pd.DataFrame:
    """The tidy weekly summary (``week, indicator, mean, p05, p95``) from streaming path
    statistics (:mod:`sim.pathstats`): the indicators' means and 5–95% bands, then the share of
    replications in each phase with its Wilson interval (in ``p05``/``p95``)."""
    frames = []
    for name in indicators:
        mean, lo, hi = stats.indicator(name)
        frames.append(pd.DataFrame({"week": np.arange(len(mean), dtype=np.int64),
                                    "indicator": name, "mean": mean, "p05": lo, "p95": hi}))
    counts = np.asarray(stats.phase)
    weeks = np.arange(counts.shape[0], dtype=np.int64)
    for code, name in enumerate(PHASES):
        p, lo, hi = wilson_interval(counts[:, code], np.full(len(weeks), stats.n))
        frames.append(pd.DataFrame({"week": weeks, "indicator": f"share_{name}", "mean": p,
                                    "p05": lo, "p95": hi}))
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- #
# Scenario summary
# --------------------------------------------------------------------------- #
def _json_float(x: Any) -> float | None:
    """Convert to a plain float, mapping NaN / inf / None to None.

    Args:
        x: Number-like value.

    Returns:
        A finite Python float, or None.
    """
    if x is None:
        return None
    value = float(x)
    return value if math.isfinite(value) else None


def _interval_dict(
    p: float, lo: float, hi: float, key: str = "p"
) -> dict[str, float | None]:
    """Pack an estimate and interval into a JSON-safe dict.

    Args:
        p: Point estimate.
        lo: Lower bound.
        hi: Upper bound.
        key: Name of the point-estimate key (``p`` or ``mean``).

    Returns:
        ``{key: p, "lo": lo, "hi": hi}`` with NaN mapped to None.
    """
    return {key: _json_float(p), "lo": _json_float(lo), "hi": _json_float(hi)}


def rate_interval(
    events: ArrayLike, exposure: ArrayLike, level: float = DEFAULT_LEVEL, per: float = 100.0
) -> tuple[float, float, float]:
    """An event rate per ``per`` units of exposure, with a delta-method interval.

    The rate is ``sum(events) / sum(exposure)``; its variance treats each replication as an
    independent cluster (``sum((e_i - r w_i)^2) / W^2``), so several events in one replication are
    not taken as independent. With no exposure all three are NaN; with no events the upper bound
    is the rule-of-three bound ``3 / W`` (one-sided 95%).

    Args:
        events: Events per replication.
        exposure: Time at risk per replication (e.g. ceasefire-weeks).
        level: Two-sided confidence level.
        per: Units of exposure the rate is expressed per.

    Returns:
        ``(rate, lo, hi)`` per ``per`` units.
    """
    z = _z(level)
    e = np.asarray(events, dtype=np.float64).ravel()
    w = np.asarray(exposure, dtype=np.float64).ravel()
    total = float(w.sum())
    if total <= 0:
        return math.nan, math.nan, math.nan
    rate = float(e.sum()) / total
    if e.sum() == 0:
        return 0.0, 0.0, per * 3.0 / total
    se = math.sqrt(float(np.sum((e - rate * w) ** 2))) / total
    return per * rate, per * max(rate - z * se, 0.0), per * (rate + z * se)


def summarise(
    records: pd.DataFrame,
    weeks: int,
    *,
    scenario: str,
    seed: int,
    level: float = DEFAULT_LEVEL,
) -> dict[str, Any]:
    """JSON-serialisable summary of one scenario's replications.

    Args:
        records: One row per replication (see module docs for the columns).
        weeks: Horizon W in weeks.
        scenario: Scenario name.
        seed: Master seed of the run.
        level: Confidence level of all intervals.

    Returns:
        Nested dict with keys ``scenario``, ``replications``, ``seed``, ``weeks``, ``level``;
        ``outcomes`` ({outcome: {p, lo, hi}} for the four end-of-horizon outcomes);
        ``war_or_escalation`` ({p, lo, hi}: the replications that end at war or in a direct
        clash); ``ceasefire_within`` ({"13"|"52"|str(weeks): {p, lo, hi}}: P(first ceasefire in
        week <= k)); ``median_week_first_ceasefire`` (among replications with a ceasefire) and
        ``n_with_ceasefire``; ``collapse_hazard`` ({rate, lo, hi, failures, weeks}: ceasefire
        failures — collapses, strikes ending a ceasefire, escalations — per 100 weeks spent in a
        ceasefire, the measure adjusted for time at risk); ``escalation_from`` ({phase: {p, lo,
        hi}}: P(escalation that started in that phase)); ``referendum`` ({held, passed}:
        P(at least one vote), P(a vote passed)); ``peace_duration`` ({median_weeks, n_spells,
        n_failed}: Kaplan-Meier median of the first peace); ``strikes``, ``members_remaining``,
        ``final_territory``, ``final_claim_gap`` ({mean, lo, hi}). NaN values are written as
        None; all numbers are plain Python types.

    Raises:
        ValueError: If required columns are missing or an outcome label is unknown.
    """
    missing = [c for c in REQUIRED_RECORD_COLUMNS if c not in records.columns]
    if missing:
        raise ValueError(f"records is missing columns: {missing}")
    unknown = sorted(set(records["outcome"].unique()) - set(OUTCOMES))
    if unknown:
        raise ValueError(f"unknown outcome labels: {unknown}")

    n = len(records)

    def prop(mask: Any) -> dict[str, float | None]:
        return _interval_dict(*wilson_interval(int(np.asarray(mask).sum()), n, level))

    outcomes = {name: prop(records["outcome"] == name) for name in OUTCOMES}
    first_cf = records["week_first_ceasefire"].astype(np.float64)
    windows = sorted({k for k in CEASEFIRE_WINDOWS if k <= weeks} | {weeks})
    ceasefire_within = {str(k): prop(first_cf.le(k)) for k in windows}

    has_cf = first_cf.notna().to_numpy()
    n_cf = int(has_cf.sum())
    median_first = float(np.median(first_cf[has_cf])) if n_cf else math.nan

    spells = records.loc[has_cf, ["peace_duration", "peace_failed"]]
    km = kaplan_meier(
        spells["peace_duration"].astype(np.float64).to_numpy(),
        spells["peace_failed"].fillna(False).astype(bool).to_numpy(),
        weeks,
        level,
    )
    rate, lo, hi = rate_interval(records["ceasefire_failures"], records["ceasefire_weeks"], level)
    esc_from = records["escalation_from"].to_numpy()
    return {
        "scenario": str(scenario),
        "replications": int(n),
        "seed": int(seed),
        "weeks": int(weeks),
        "level": float(level),
        "outcomes": outcomes,
        "war_or_escalation": prop(records["outcome"].isin(("war", "escalation"))),
        "ceasefire_within": ceasefire_within,
        "median_week_first_ceasefire": _json_float(median_first),
        "n_with_ceasefire": n_cf,
        "collapse_hazard": {
            **_interval_dict(rate, lo, hi, key="rate"),
            "failures": int(records["ceasefire_failures"].sum()),
            "weeks": int(records["ceasefire_weeks"].sum()),
        },
        "escalation_from": {name: prop(esc_from == code) for code, name in
                            ((int(Phase.CEASEFIRE), "ceasefire"),
                             (int(Phase.SETTLEMENT), "settlement"), (int(Phase.WAR), "war"))},
        "referendum": {"held": prop(records["n_referendums"] > 0),
                       "passed": prop(records["referendum_passed"].astype(bool))},
        "peace_duration": {
            "median_weeks": _json_float(km_median(km)),
            "n_spells": int(km["events"].sum() + km["censored"].sum()),
            "n_failed": int(km["events"].sum()),
        },
        "strikes": _interval_dict(
            *mean_interval(records["n_strikes"], level), key="mean"
        ),
        "members_remaining": _interval_dict(
            *mean_interval(records["members_remaining"], level), key="mean"
        ),
        "final_territory": _interval_dict(
            *mean_interval(records["final_territory"], level), key="mean"
        ),
        "final_claim_gap": _interval_dict(
            *mean_interval(records["final_claim_gap"], level), key="mean"
        ),
    }


FLAT_MEANS = (("strikes", "mean_strikes"), ("members_remaining", "mean_members_remaining"),
              ("final_territory", "mean_final_territory"),
              ("final_claim_gap", "mean_final_claim_gap"))
"""Summary means and their flat names."""


def flat_outcomes(summary: Mapping[str, Any]) -> dict[str, float]:
    """The summary as flat, named scalars — the names of the sweep table's columns.

    ``p_<outcome>`` (four classes), ``p_war_or_escalation``, ``p_ceasefire_by_horizon`` and
    ``collapse_hazard`` (ceasefire failures per 100 ceasefire-weeks), each with ``_lo``/``_hi``
    (95% intervals); ``collapse_failures``, ``ceasefire_weeks``, ``median_week_first_ceasefire``,
    ``median_peace_weeks_km``, ``p_referendum_held``, ``p_referendum_passed``; the means
    ``mean_strikes``, ``mean_members_remaining``, ``mean_final_territory``,
    ``mean_final_claim_gap`` with ``_lo``/``_hi``. Undefined values are NaN, never None.
    """
    row: dict[str, float] = {}

    def triple(stem: str, entry: Mapping[str, Any] | None, key: str = "p") -> None:
        entry = entry or {}
        for name, k in ((stem, key), (f"{stem}_lo", "lo"), (f"{stem}_hi", "hi")):
            row[name] = _nan_if_none(entry.get(k))

    for name in OUTCOMES:
        triple(f"p_{name}", summary["outcomes"][name])
    triple("p_war_or_escalation", summary["war_or_escalation"])
    triple("p_ceasefire_by_horizon", summary["ceasefire_within"].get(str(summary["weeks"])))
    hazard = summary["collapse_hazard"]
    triple("collapse_hazard", hazard, key="rate")
    row["collapse_failures"] = float(hazard["failures"])
    row["ceasefire_weeks"] = float(hazard["weeks"])
    row["median_week_first_ceasefire"] = _nan_if_none(summary["median_week_first_ceasefire"])
    row["median_peace_weeks_km"] = _nan_if_none(summary["peace_duration"]["median_weeks"])
    row["p_referendum_held"] = _nan_if_none(summary["referendum"]["held"]["p"])
    row["p_referendum_passed"] = _nan_if_none(summary["referendum"]["passed"]["p"])
    for key, stem in FLAT_MEANS:
        triple(stem, summary[key], key="mean")
    return row


def _nan_if_none(x: float | None) -> float:
    """Map None to NaN.

    Args:
        x: Optional float.

    Returns:
        ``x`` or NaN.
    """
    return math.nan if x is None else float(x)


def summary_table(summary: Mapping[str, Any]) -> pd.DataFrame:
    """Flatten a :func:`summarise` dict into a readable table.

    Args:
        summary: Output of :func:`summarise`.

    Returns:
        DataFrame with columns ``name`` (the flat name, as in the sweep table's columns and
        :func:`flat_outcomes`), ``quantity`` (a readable label), ``estimate``, ``lo``, ``hi``
        (the interval at the summary's level, 95 % by default; NaN where none applies, e.g.
        medians and counts).
    """
    rows: list[tuple[str, str, float, float, float]] = []

    def add(name: str, label: str, entry: Mapping[str, Any], key: str = "p") -> None:
        rows.append((name, label, _nan_if_none(entry[key]), _nan_if_none(entry["lo"]),
                     _nan_if_none(entry["hi"])))

    def value(name: str, label: str, x: Any) -> None:
        rows.append((name, label, _nan_if_none(x), math.nan, math.nan))

    for name in OUTCOMES:
        add(f"p_{name}", f"P({name})", summary["outcomes"][name])
    add("p_war_or_escalation", "P(war or escalation)", summary["war_or_escalation"])
    for k, entry in summary["ceasefire_within"].items():
        add(f"p_first_ceasefire_by_{k}", f"P(first ceasefire by week {k})", entry)
    value("n_with_ceasefire", "replications with a ceasefire (count)",
          summary["n_with_ceasefire"])
    value("median_week_first_ceasefire", "median week of first ceasefire (if any)",
          summary["median_week_first_ceasefire"])
    add("collapse_hazard", "ceasefire failures per 100 ceasefire-weeks",
        summary["collapse_hazard"], key="rate")
    peace = summary.get("peace_duration")
    if peace is not None:
        value("median_peace_weeks_km", "median peace duration (weeks, KM)",
              peace["median_weeks"])
    for phase, entry in summary["escalation_from"].items():
        if phase != "war" or (entry["p"] or 0) > 0:
            add(f"p_escalation_from_{phase}", f"P(escalation from a {phase})", entry)
    add("p_referendum_held", "P(referendum held)", summary["referendum"]["held"])
    add("p_referendum_passed", "P(referendum passed)", summary["referendum"]["passed"])
    add("mean_strikes", "mean strikes on coalition", summary["strikes"], key="mean")
    add("mean_members_remaining", "mean coalition members remaining",
        summary["members_remaining"], key="mean")
    add("mean_final_territory", "mean final Russian-held territory", summary["final_territory"],
        key="mean")
    add("mean_final_claim_gap", "mean final claim gap (share of Ukraine)",
        summary["final_claim_gap"], key="mean")
    return pd.DataFrame(rows, columns=["name", "quantity", "estimate", "lo", "hi"])


def _fmt(x: float) -> str:
    """Format a number for the terminal table.

    Args:
        x: Value (NaN allowed).

    Returns:
        Fixed-decimal string, or ``n/a`` for NaN.
    """
    return "n/a" if math.isnan(x) else f"{x:.{_TABLE_DECIMALS}f}"


def format_summary(summary: Mapping[str, Any]) -> str:
    """Render a :func:`summarise` dict as a fixed-width text table.

    Args:
        summary: Output of :func:`summarise`.

    Returns:
        Multi-line string: a header naming scenario, replications, seed and
        weeks, then one line per quantity, e.g.
        ``P(settlement)      0.123  [0.103, 0.145]``.
    """
    level_pct = round(100 * float(summary.get("level", DEFAULT_LEVEL)))
    header = (
        f"Scenario: {summary['scenario']} | replications: {summary['replications']} | "
        f"seed: {summary['seed']} | weeks: {summary['weeks']}"
    )
    column_head = (
        f"{'quantity':<{_TABLE_LABEL_WIDTH}}{'estimate':>{_TABLE_VALUE_WIDTH}}"
        f"  {level_pct}% interval"
    )
    lines = [header, "-" * len(header), column_head]
    for row in summary_table(summary).itertuples(index=False):
        label = f"{row.quantity:<{_TABLE_LABEL_WIDTH}}"
        if row.quantity.endswith(_COUNT_SUFFIX):
            value = f"{row.estimate:.0f}"
        elif row.quantity.startswith("median peace") and math.isnan(row.estimate):
            value = f"> {summary['weeks']}"  # the survival curve never falls to one half
        else:
            value = _fmt(row.estimate)
        line = label + f"{value:>{_TABLE_VALUE_WIDTH}}"
        if not (math.isnan(row.lo) and math.isnan(row.hi)):
            line += f"  [{_fmt(row.lo)}, {_fmt(row.hi)}]"
        lines.append(line)
    return "\n".join(lines)


# --------------------------------------------------------------------------- #
# Common-random-numbers comparison
# --------------------------------------------------------------------------- #
def outcome_indicator(outcome: str) -> Callable[[pd.DataFrame], pd.Series]:
    """Build a 0/1 indicator function for use with :func:`paired_difference`.

    Args:
        outcome: One of :data:`OUTCOMES`.

    Returns:
        Function mapping a records frame to a float Series, 1.0 where the
        replication ended in ``outcome``.

    Raises:
        ValueError: If ``outcome`` is not a known outcome.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; expected one of {OUTCOMES}")

    def indicator(records: pd.DataFrame) -> pd.Series:
        return (records["outcome"] == outcome).astype(np.float64)

    return indicator


def _values(
    records: pd.DataFrame, column_or_fn: str | Callable[[pd.DataFrame], ArrayLike]
) -> NDArray[np.float64]:
    """Extract the compared quantity as a float array.

    Args:
        records: Records frame (already sorted by replication).
        column_or_fn: Column name or function of the frame.

    Returns:
        Float array, one value per row.
    """
    raw = (
        records[column_or_fn]
        if isinstance(column_or_fn, str)
        else column_or_fn(records)
    )
    return np.asarray(raw, dtype=np.float64).ravel()


def paired_difference(
    records_a: pd.DataFrame,
    records_b: pd.DataFrame,
    column_or_fn: str | Callable[[pd.DataFrame], ArrayLike],
    level: float = DEFAULT_LEVEL,
) -> dict[str, float | int]:
    """Mean difference A - B under common random numbers, with a paired t-interval.

    The two frames must hold the same replications with the same seeds
    (matched on ``replication`` after sorting). Pairs where either value is
    NaN are dropped.

    Args:
        records_a: Records of scenario A.
        records_b: Records of scenario B (same replications / seeds).
        column_or_fn: Column name (bool columns become 0/1) or a function
            records -> values, e.g. ``outcome_indicator("escalation")``.
        level: Two-sided confidence level.

    Returns:
        Dict with ``diff`` (mean of A - B), ``lo`` / ``hi`` (paired t-interval),
        ``se_paired``, ``se_unpaired`` (standard error if the samples were
        independent, sqrt(var_a / n + var_b / n)), ``lo_unpaired`` /
        ``hi_unpaired`` (the corresponding t-interval, for comparison),
        ``mean_a``, ``mean_b`` and ``n`` (pairs used).

    Raises:
        ValueError: If the replications or seeds of the two frames differ.
    """
    _z(level)
    a = records_a.sort_values("replication", kind="stable")
    b = records_b.sort_values("replication", kind="stable")
    if not np.array_equal(a["replication"].to_numpy(), b["replication"].to_numpy()):
        raise ValueError("records_a and records_b must contain the same replications")
    if not np.array_equal(a["seed"].to_numpy(), b["seed"].to_numpy()):
        raise ValueError(
            "records_a and records_b must use the same seed per replication"
        )
    return paired_values(_values(a, column_or_fn), _values(b, column_or_fn), level)


def paired_values(va: NDArray[np.float64], vb: NDArray[np.float64],
                  level: float = DEFAULT_LEVEL) -> dict[str, float | int]:
    """:func:`paired_difference` of two value arrays already matched replication by
    replication."""
    ok = ~(np.isnan(va) | np.isnan(vb))
    va, vb = va[ok], vb[ok]
    n = int(va.size)
    diff, lo, hi = mean_interval(va - vb, level)
    if n >= MIN_VARIANCE_SAMPLE:
        se_paired = float(np.std(va - vb, ddof=1)) / math.sqrt(n)
        se_unpaired = math.sqrt((np.var(va, ddof=1) + np.var(vb, ddof=1)) / n)
        t_crit = t_quantile(0.5 + level / 2.0, n - 1)
    else:
        se_paired = se_unpaired = t_crit = math.nan
    return {
        "diff": diff,
        "lo": lo,
        "hi": hi,
        "se_paired": se_paired,
        "se_unpaired": se_unpaired,
        "lo_unpaired": diff - t_crit * se_unpaired,
        "hi_unpaired": diff + t_crit * se_unpaired,
        "mean_a": float(va.mean()) if n else math.nan,
        "mean_b": float(vb.mean()) if n else math.nan,
        "n": n,
    }


# --------------------------------------------------------------------------- #
# Headline outcomes and their paired differences
# --------------------------------------------------------------------------- #
HEADLINES: dict[str, str] = {
    "p_first_ceasefire": "P(first ceasefire by the horizon)",
    "p_settlement": "P(settlement)",
    "p_war_or_escalation": "P(war or escalation)",
    "collapse_hazard": "ceasefire failures per 100 ceasefire-weeks",
}
"""The headline outcomes: what the liveness test, comparisons and the dilemma map report."""

HAZARD_PER = 100.0
"""Ceasefire-weeks per which the collapse hazard is expressed."""


def headline_values(records: pd.DataFrame) -> dict[str, NDArray[np.float64]]:
    """Per-replication values whose means are the headline proportions (hazard excluded)."""
    return {
        "p_first_ceasefire": records["week_first_ceasefire"].notna().to_numpy(np.float64),
        "p_settlement": (records["outcome"] == "settlement").to_numpy(np.float64),
        "p_war_or_escalation": records["outcome"].isin(("war", "escalation")).to_numpy(
            np.float64),
    }


def _hazard_influence(records: pd.DataFrame) -> tuple[float, NDArray[np.float64]]:
    """The pooled hazard per 100 ceasefire-weeks and each replication's linearised influence."""
    return hazard_influence(records["ceasefire_failures"].to_numpy(np.float64),
                            records["ceasefire_weeks"].to_numpy(np.float64))


def hazard_influence(e: NDArray[np.float64], w: NDArray[np.float64]
                     ) -> tuple[float, NDArray[np.float64]]:
    """:func:`_hazard_influence` from the failures ``e`` and ceasefire-weeks ``w`` per
    replication."""
    if w.sum() <= 0:
        return math.nan, np.full(len(e), math.nan)
    rate = e.sum() / w.sum()
    return float(HAZARD_PER * rate), HAZARD_PER * (e - rate * w) / w.mean()


def paired_headlines(
    records_a: pd.DataFrame, records_b: pd.DataFrame, level: float = DEFAULT_LEVEL
) -> dict[str, dict[str, float]]:
    """Headline outcomes of A and B and their paired differences A − B (common random numbers).

    The proportions' differences use the paired t-interval of :func:`paired_difference`. The
    collapse hazard is a ratio (failures over ceasefire-weeks): its difference is linearised per
    replication (delta method; each side's influence ``(e_i − r w_i) / mean(w)``) and the paired
    t-interval is taken over those influences. A side with no ceasefire-weeks gives NaN.

    Returns:
        ``{headline: {a, b, diff, lo, hi, n}}`` for every key of :data:`HEADLINES`.
    """
    a = records_a.sort_values("replication", kind="stable").reset_index(drop=True)
    b = records_b.sort_values("replication", kind="stable").reset_index(drop=True)
    if not np.array_equal(a["seed"].to_numpy(), b["seed"].to_numpy()):
        raise ValueError("records_a and records_b must use the same seed per replication")
    out: dict[str, dict[str, float]] = {}
    va, vb = headline_values(a), headline_values(b)
    for key in ("p_first_ceasefire", "p_settlement", "p_war_or_escalation"):
        diff, lo, hi = mean_interval(va[key] - vb[key], level)
        out[key] = {"a": float(va[key].mean()), "b": float(vb[key].mean()), "diff": diff,
                    "lo": lo, "hi": hi, "n": len(a)}
    out["collapse_hazard"] = paired_hazard(_hazard_influence(a), _hazard_influence(b), level)
    return out


def paired_hazard(a: tuple[float, NDArray[np.float64]], b: tuple[float, NDArray[np.float64]],
                  level: float = DEFAULT_LEVEL) -> dict[str, float]:
    """The collapse hazard's paired difference from each side's :func:`hazard_influence`."""
    (ra, za), (rb, zb) = a, b
    if math.isnan(ra) or math.isnan(rb):
        return {"a": ra, "b": rb, "diff": math.nan, "lo": math.nan, "hi": math.nan,
                "n": len(za)}
    centre, lo, hi = mean_interval(za - zb, level)  # the influences' mean is 0
    return {"a": ra, "b": rb, "diff": ra - rb, "lo": ra - rb + (lo - centre),
            "hi": ra - rb + (hi - centre), "n": len(za)}


def moves(entry: Mapping[str, float]) -> bool:
    """Whether a paired difference's interval excludes 0."""
    lo, hi = entry["lo"], entry["hi"]
    return bool(math.isfinite(lo) and math.isfinite(hi) and (lo > 0 or hi < 0))


def rate_ratio(
    records_a: pd.DataFrame, records_b: pd.DataFrame, level: float = DEFAULT_LEVEL
) -> dict[str, float]:
    """Ratio of A's to B's ceasefire-failure rate (a piecewise-exponential hazard ratio), paired.

    Each side's rate is failures over ceasefire-weeks (a constant hazard per week at risk). Under
    common random numbers the two sides share their replications, so the interval of the log
    ratio uses the paired, per-replication linearised influences (delta method). NaN when either
    side has no failures or no ceasefire-weeks.

    Returns:
        ``{ratio, lo, hi, rate_a, rate_b}`` (rates per 100 ceasefire-weeks).
    """
    a = records_a.sort_values("replication", kind="stable").reset_index(drop=True)
    b = records_b.sort_values("replication", kind="stable").reset_index(drop=True)
    if not np.array_equal(a["seed"].to_numpy(), b["seed"].to_numpy()):
        raise ValueError("records_a and records_b must use the same seed per replication")
    return paired_rate_ratio(_hazard_influence(a), _hazard_influence(b), level)


def paired_rate_ratio(a: tuple[float, NDArray[np.float64]], b: tuple[float, NDArray[np.float64]],
                      level: float = DEFAULT_LEVEL) -> dict[str, float]:
    """:func:`rate_ratio` from each side's :func:`hazard_influence`."""
    (ra, za), (rb, zb) = a, b
    ra, rb = float(ra), float(rb)
    nan = {"ratio": math.nan, "lo": math.nan, "hi": math.nan, "rate_a": ra, "rate_b": rb}
    if not (ra > 0 and rb > 0) or len(za) < MIN_VARIANCE_SAMPLE:
        return nan
    infl = za / ra - zb / rb
    se = float(np.std(infl, ddof=1)) / math.sqrt(len(za))
    z = _z(level)
    log_ratio = math.log(ra / rb)
    return {"ratio": ra / rb, "lo": math.exp(log_ratio - z * se),
            "hi": math.exp(log_ratio + z * se), "rate_a": ra, "rate_b": rb}
