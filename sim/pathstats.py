"""Streaming summaries of the weekly paths: exact counts, exact sums and fixed-bin histograms.

Holding every replication's weekly path costs about 4 KB per replication; a run of ten million
would need 40 GB. Instead the engine reduces each week, as it runs, into per-point histograms over
fixed bins and exact integer sums of the values quantised to a fixed resolution, plus the phase
counts. Everything accumulated is an integer, so the summary does not depend on how the
replications were split into chunks, workers or blocks of design points: the same config and seed
give the same bytes, and a point summarised inside a block equals the point run alone.

What the summary reports, and its error bounds:

- ``mean``: the mean of the values rounded to the indicator's resolution (``range / 2**32`` for
  continuous indicators; whole numbers exactly), so within half a resolution step of the exact
  mean;
- ``p05`` / ``p95``: read off the histogram by linear interpolation inside the bin that holds the
  quantile, so within one bin width of the sample quantile (``range / 1000`` for continuous
  indicators; whole-number indicators are binned exactly and reported as the value reached);
- phase shares: exact counts, with Wilson intervals (computed in :mod:`sim.metrics`).

The bins are fixed by each point's config (e.g. troops up to the largest possible force), never by
the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

BINS = 1000
"""Bins of a continuous indicator's histogram (the quantiles' resolution: range / 1000)."""

RESOLUTION_BITS = 32
"""A continuous value is summed as a whole number of steps of ``range / 2**32``."""

MAX_EXACT_BINS = 1024
"""A whole-number indicator with more possible values than this is binned like a continuous one."""

QUANTILES = (0.05, 0.95)
N_PHASES = 4


@dataclass(frozen=True)
class Spec:
    """The fixed range ``[0, hi]`` of one indicator, per design point (``hi`` over points).

    Every indicator is non-negative. Whole-number indicators with ``integer_bins`` values
    (0..integer_bins − 1) are binned and summed exactly; the others use :data:`BINS` bins and sum
    whole numbers of ``hi / 2**32``.
    """

    hi: NDArray[np.float64]
    integer_bins: int = 0

    @property
    def bins(self) -> int:
        """Number of histogram bins."""
        return self.integer_bins or BINS

    def step(self) -> NDArray[np.float64]:
        """Resolution of the exact sum, per point (1 for whole numbers)."""
        if self.integer_bins:
            return np.ones_like(self.hi)
        return self.hi / 2.0**RESOLUTION_BITS

    def reduce(self, values: NDArray, point: NDArray[np.int64] | None, n_points: int
               ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Histogram (points × bins) and exact sums (points) of one week's values."""
        bins = self.bins
        if self.integer_bins:  # whole numbers within the range: the value is its bin
            b = np.asarray(values).astype(np.int64)
            q = b.astype(np.float64)
        else:
            v = np.asarray(values, dtype=np.float64)
            hi = self.hi[0] if point is None else self.hi[point]
            b = (v * (bins / hi)).astype(np.int64)
            np.minimum(b, bins - 1, out=b)
            q = np.rint(v * (2.0**RESOLUTION_BITS / hi))
        if point is None:
            return np.bincount(b, minlength=bins)[None, :], np.array([q.sum()])
        counts = np.bincount(point * bins + b, minlength=n_points * bins)
        return counts.reshape(n_points, bins), np.bincount(point, weights=q,
                                                           minlength=n_points)


def specs(cfgs: Sequence[Any]) -> dict[str, Spec]:
    """The fixed ranges of the path indicators, one per design point."""

    def per(fn: Any) -> NDArray[np.float64]:
        return np.array([float(fn(c)) for c in cfgs])

    def most(c: Any) -> float:
        dep = c.deployment
        return dep.troops_total * (1.0 + dep.pledge_spread) + 26.0

    def threat(c: Any) -> float:
        return c.russia.threat_per_10k * most(c) / 1e4 + c.russia.narrative_boost

    def strongest(c: Any) -> float:
        us = c.us
        return max(1.0, us.strength_intelligence, us.strength_air_support, us.strength_ground)

    def violations(c: Any) -> float:
        lam = c.ceasefire.violation_rate
        return lam + 12.0 * np.sqrt(lam) + 31.0

    ones = np.ones(len(cfgs))
    weeks = int(cfgs[0].sim.weeks)
    return {
        "territory": Spec(ones),
        "claim_gap": Spec(ones),
        "threat": Spec(np.maximum(per(threat), 1e-9)),
        "troops_deployed": Spec(np.maximum(per(most), 1.0)),
        "members_remaining": Spec(ones * 26, integer_bins=27),
        "credibility": Spec(per(strongest)),
        # Counted exactly up to MAX_EXACT_BINS values; beyond, like a continuous indicator.
        "strikes_cum": Spec(ones * weeks, integer_bins=weeks + 1 if weeks < MAX_EXACT_BINS
                            else 0),
        "violations": Spec(per(violations)),
        "martial_law": Spec(ones, integer_bins=2),
    }


def reduce_week(spec_map: dict[str, Spec], values: dict[str, NDArray], phase: NDArray,
                point: NDArray[np.int64] | None, n_points: int
                ) -> tuple[dict[str, NDArray[np.int64]], dict[str, NDArray[np.float64]],
                           NDArray[np.int64]]:
    """One week of many rows reduced per point (``point`` None: all rows are one point):
    histograms (points × bins), exact sums (points) and phase counts (points × 4)."""
    counts, sums = {}, {}
    for k, spec in spec_map.items():
        counts[k], sums[k] = spec.reduce(values[k], point, n_points)
    codes = np.asarray(phase, dtype=np.int64)
    if point is None:
        phases = np.bincount(codes, minlength=N_PHASES)[None, :]
    else:
        phases = np.bincount(point * N_PHASES + codes,
                             minlength=n_points * N_PHASES).reshape(n_points, N_PHASES)
    return counts, sums, phases


class _Running:
    """One indicator over a batch's rows, week after week: each row's bin and quantised value and
    the histograms, updated only in the rows whose value changed since the last week.

    The bins and quantised values are computed as :meth:`Spec.reduce` computes them, and the
    histograms are counts, so they are exactly what :meth:`Spec.reduce` gives on the whole batch.
    An indicator that changes in most rows (territory, in war) is recomputed in full instead,
    without looking for the changed rows for :attr:`DENSE_WEEKS` weeks.
    """

    DENSE_WEEKS = 8

    def __init__(self, spec: Spec, point: NDArray[np.int64] | None, n_points: int) -> None:
        self.spec, self.point, self.n_points = spec, point, n_points
        self.last: NDArray | None = None
        self.dense = 0  # weeks left to recompute in full without looking for changed rows
        self.touched: NDArray[np.int64] | None = None  # points changed by the last update (all)
        if spec.integer_bins:
            return
        hi = spec.hi[0] if point is None else spec.hi[point]
        self.to_bin, self.to_step = spec.bins / hi, 2.0**RESOLUTION_BITS / hi

    def _full(self, values: NDArray) -> None:
        spec, bins = self.spec, self.spec.bins
        if spec.integer_bins:  # whole numbers within the range: the value is its bin
            b = np.asarray(values).astype(np.int64)
        else:
            v = np.asarray(values, dtype=np.float64)
            self.q = np.multiply(v, self.to_bin)
            b = self.b = self.q.astype(np.int64)
            np.minimum(b, bins - 1, out=b)
            np.multiply(v, self.to_step, out=self.q)
            np.rint(self.q, out=self.q)
        # The histograms, points × bins, are a view of one flat array (which updates go through).
        if self.point is None:
            self.flat = np.bincount(b, minlength=bins)
        else:
            self.flat = np.bincount(self.point * bins + b, minlength=self.n_points * bins)
        self.hist = self.flat.reshape(self.n_points, bins)

    def _sparse(self, values: NDArray, rows: NDArray[np.int64]) -> None:
        """Move the given rows from their old bins to their new ones."""
        v = values[rows]
        bins = self.spec.bins
        at = 0 if self.point is None else self.point[rows] * bins
        if self.spec.integer_bins:
            old, new = self.last[rows].astype(np.int64), v.astype(np.int64)
        else:
            x = np.asarray(v, dtype=np.float64)
            if self.point is None:
                to_bin, to_step = self.to_bin, self.to_step
            else:
                to_bin, to_step = self.to_bin[rows], self.to_step[rows]
            old, new = self.b[rows], (x * to_bin).astype(np.int64)
            np.minimum(new, bins - 1, out=new)
            self.b[rows] = new
            self.q[rows] = np.rint(x * to_step)
        np.subtract.at(self.flat, old + at, 1)
        np.add.at(self.flat, new + at, 1)
        self.last[rows] = v

    def update(self, values: NDArray, rows: NDArray[np.int64] | None = None
               ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Take this week's values; return the histograms (points × bins) and the sums
        (points), valid until the next update. ``rows``, if given, holds (once each) every row
        whose value may have changed since the last update; otherwise all rows are compared."""
        self.touched = None
        if self.last is None:
            self._full(values)
            self.last = np.array(values)
        elif self.dense:  # recompute in full; keep the values only for the week the search resumes
            self.dense -= 1
            self._full(values)
            if not self.dense:
                np.copyto(self.last, values)
        else:
            if rows is None:
                changed = np.not_equal(values, self.last).nonzero()[0]
            else:
                changed = rows.compress(values[rows] != self.last[rows])
            if not changed.size:  # nothing changed: last week's histograms and sums stand
                self.touched = changed
                return self.hist, self.sum
            if changed.size > len(values) // 3:
                self.dense = self.DENSE_WEEKS
                self._full(values)
            else:
                self._sparse(values, changed)
                if self.point is not None:
                    self.touched = np.unique(self.point[changed])
        self.sum = self._sums()
        return self.hist, self.sum

    def _sums(self) -> NDArray[np.float64]:
        """Exact sums of the quantised values per point, as :meth:`Spec.reduce` gives them."""
        if self.spec.integer_bins:  # whole numbers: the values are the bins, summed exactly
            return (self.hist @ np.arange(self.spec.bins)).astype(np.float64)
        if self.point is None:
            return np.array([self.q.sum()])
        return np.bincount(self.point, weights=self.q, minlength=self.n_points)


class RunningReduction:
    """:func:`reduce_week` for the same rows week after week, touching only the rows whose values
    changed: in a typical week only a few replications deploy, strike, vote or change phase, so
    most indicators (troops, threat, members, strikes, martial law) change in a few rows.

    Calling it with a week's values returns exactly what :func:`reduce_week` returns for them (the
    histograms may be reused: they are valid until the next call); :attr:`changed` then names, per
    indicator, the points whose histograms changed (``None``: any may have).
    """

    def __init__(self, spec_map: dict[str, Spec], point: NDArray[np.int64] | None,
                 n_points: int) -> None:
        self.indicators = {k: _Running(spec, point, n_points) for k, spec in spec_map.items()}
        self.phases = _Running(Spec(np.full(n_points, float(N_PHASES)), integer_bins=N_PHASES),
                               point, n_points)

    def __call__(self, values: dict[str, NDArray], phase: NDArray,
                 rows: dict[str, NDArray[np.int64]] | None = None
                 ) -> tuple[dict[str, NDArray[np.int64]], dict[str, NDArray[np.float64]],
                            NDArray[np.int64]]:
        """Reduce one week. ``rows`` may give, for some indicators (and ``"phase"``), the rows
        where their values may have changed since the last call (each row once); the other
        indicators are compared row by row."""
        rows = rows or {}
        counts, sums = {}, {}
        for k, running in self.indicators.items():
            counts[k], sums[k] = running.update(values[k], rows.get(k))
        self.changed = {k: running.touched for k, running in self.indicators.items()}
        return counts, sums, self.phases.update(phase, rows.get("phase"))[0]


def summarise_rows(spec: Spec, points: NDArray[np.int64] | int, counts: NDArray,
                   sums: Any, n: int) -> tuple[NDArray[np.float64], ...]:
    """Mean and the two quantiles from histograms, one row per histogram.

    Used both week by week for one point (``points`` an int, ``counts`` weeks × bins) and point
    by point for one week (``points`` the point of each row): the arithmetic is elementwise, so the
    two give the same numbers.

    Args:
        spec: The indicator's ranges.
        points: The point whose range each row uses.
        counts: Histograms, rows × bins.
        sums: Exact sums of the quantised values, per row.
        n: Replications per point.
    """
    rows = np.arange(counts.shape[0])
    pts = np.broadcast_to(np.asarray(points), rows.shape)
    hi, step = spec.hi[pts], spec.step()[pts]
    lo = np.zeros_like(hi)
    total = np.array([float(x) for x in sums])
    out = [lo + total * step / n]
    cum = np.cumsum(counts, axis=1)
    for q in QUANTILES:
        target = q * n
        idx = np.argmax(cum >= target, axis=1)
        if spec.integer_bins:  # bin k holds the value k exactly
            out.append(idx.astype(np.float64))
            continue
        below = np.where(idx > 0, cum[rows, np.maximum(idx - 1, 0)], 0)
        inside = counts[rows, idx]
        frac = np.clip((target - below) / np.maximum(inside, 1), 0.0, 1.0)
        out.append(lo + (idx + frac) * ((hi - lo) / spec.bins))
    return tuple(out)


class PathStats:
    """Histograms, exact sums and phase counts of one point's replications, mergeable by adding.

    Args:
        spec_map: The point's indicator ranges (from :func:`specs` of a one-point list).
        weeks: The horizon.
    """

    def __init__(self, spec_map: dict[str, Spec], weeks: int) -> None:
        self.specs = spec_map
        self.weeks = weeks
        self.n = 0
        self.counts = {k: np.zeros((weeks + 1, s.bins), dtype=np.int64)
                       for k, s in spec_map.items()}
        self.sums: dict[str, list[int]] = {k: [0] * (weeks + 1) for k in spec_map}
        self.phase = np.zeros((weeks + 1, N_PHASES), dtype=np.int64)

    def add(self, week: int, counts: dict[str, NDArray], sums: dict[str, NDArray],
            phases: NDArray, point: int = 0) -> None:
        """Add one week of a reduced batch (row ``point`` of :func:`reduce_week`'s output)."""
        for k in self.specs:
            self.counts[k][week] += counts[k][point]
            self.sums[k][week] += int(sums[k][point])
        self.phase[week] += phases[point]

    def merge(self, other: PathStats) -> None:
        """Add another set of replications of the same point."""
        self.n += other.n
        for k in self.specs:
            self.counts[k] += other.counts[k]
            self.sums[k] = [a + b for a, b in zip(self.sums[k], other.sums[k], strict=True)]
        self.phase += other.phase

    def indicator(self, key: str) -> tuple[NDArray[np.float64], ...]:
        """``(mean, p05, p95)`` week by week."""
        return summarise_rows(self.specs[key], 0, self.counts[key], self.sums[key], self.n)


class WeeklySummary:
    """Mean, p05 and p95 of every indicator and the phase counts, per point and week.

    Filled week by week from :func:`reduce_week` when every replication of the points is in the
    batch (a block of design points): nothing but the results is kept.
    """

    def __init__(self, spec_map: dict[str, Spec], weeks: int, n_points: int, n: int) -> None:
        self.specs, self.n = spec_map, n
        self.values = {k: np.zeros((3, n_points, weeks + 1)) for k in spec_map}
        self.phase = np.zeros((n_points, weeks + 1, N_PHASES), dtype=np.int64)
        self.last_week = -1

    def add(self, week: int, counts: dict[str, NDArray], sums: dict[str, NDArray],
            phases: NDArray, changed: dict[str, NDArray[np.int64] | None] | None = None) -> None:
        """Summarise one week of every point.

        ``changed`` may name, per indicator, the only points whose histograms and sums changed
        since the previous week (``None``: any may have): the others keep the previous week's
        summary, which is what the same histograms give again (the summary is row by row).
        """
        points = np.arange(phases.shape[0])
        follows = changed is not None and self.last_week == week - 1
        for k, spec in self.specs.items():
            pts = changed.get(k) if follows else None
            if pts is None:
                pts = points
            else:
                self.values[k][:, :, week] = self.values[k][:, :, week - 1]
            if pts.size:
                mean, p05, p95 = summarise_rows(spec, pts, counts[k][pts], sums[k][pts], self.n)
                self.values[k][:, pts, week] = (mean, p05, p95)
        self.phase[:, week] = phases
        self.last_week = week

    def indicator(self, key: str, point: int) -> tuple[NDArray[np.float64], ...]:
        """``(mean, p05, p95)`` week by week for one point."""
        v = self.values[key]
        return v[0, point], v[1, point], v[2, point]


class PointView:
    """One point of a :class:`WeeklySummary`, with the interface of :class:`PathStats`."""

    def __init__(self, summary: WeeklySummary, point: int) -> None:
        self.summary, self.point = summary, point
        self.n = summary.n
        self.phase = summary.phase[point]

    def indicator(self, key: str) -> tuple[NDArray[np.float64], ...]:
        """``(mean, p05, p95)`` week by week."""
        return self.summary.indicator(key, self.point)


def stats_from_paths(cfg: Any, paths: dict[str, NDArray]) -> PathStats:
    """The statistics of per-replication paths (replications × weeks), e.g. from the Mesa engine:
    the same numbers the batched engine reduces week by week."""
    weeks = int(cfg.sim.weeks)
    spec_map = specs([cfg])
    n = len(paths["phase"])
    stats = PathStats(spec_map, weeks)
    stats.n = n
    for week in range(weeks + 1):
        values = {k: np.asarray(paths[k], dtype=np.float64)[:, week] for k in spec_map}
        stats.add(week, *reduce_week(spec_map, values, np.asarray(paths["phase"])[:, week],
                                     None, 1))
    return stats
