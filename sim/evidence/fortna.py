"""Survival of post-Cold-War civil-war ceasefires with and without peacekeepers (Fortna 2008).

Fortna's data on 96 ceasefires, followed up to the end of 2004, are distributed with the examples
of Gelman, Hill & Vehtari (2020), *Regression and Other Stories*, as ``Peacekeeping/minidata.csv``
in the repository ``avehtari/ROS-Examples``. The file has no licence, so the project ships only
the numbers derived here (``seeds/evidence/fortna_ceasefires.yaml``); the user fetches the CSV
and runs::

    python -m sim.evidence.fortna PATH/TO/minidata.csv [--out FILE]

Nothing is downloaded at run time.

Method:

* Time origin: the ceasefire date (``cfdate``). A spell lasts ``faildate - cfdate`` days; it is a
  failure unless ``censored?`` is 1 (the ceasefire still held on 2004-12-31, day 12783).
* Kaplan-Meier: ``S(t) = prod_{t_j <= t} (1 - d_j / n_j)`` over the distinct failure times,
  with ``n_j`` the spells lasting at least ``t_j`` days. A spell censored at exactly ``t`` is
  still at risk at ``t`` and leaves after the failures of day ``t`` (failures before censoring),
  so it counts in the number at risk at ``t`` but never as a failure. The 95% interval uses
  Greenwood's variance on the log(-log S) scale: with ``v = sum d_j / (n_j (n_j - d_j))`` and
  ``c = z sqrt(v) / |log S|`` it is ``[S**exp(c), S**exp(-c)]``.
* Cox model: one covariate (peacekeepers present, 0/1), the partial likelihood maximised by
  Newton-Raphson with numpy, tied failure times handled by Efron's method (the default of R's
  ``coxph``) and, for comparison, Breslow's. The 95% interval is Wald's on the log scale,
  ``exp(beta +- z / sqrt(I(beta)))`` with ``I`` the observed information.

Call :func:`load_points` to read the shipped table without the CSV.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import math
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
import yaml
from numpy.typing import ArrayLike, NDArray

from sim.resources import seeds_dir

HEADER: tuple[str, ...] = (
    "",
    "cfdate",
    "faildate",
    "peacekeepers?",
    "badness",
    "delay",
    "censored?",
)
"""The expected CSV header, in order."""

CENSOR_DAY = 12783
"""2004-12-31 in days since 1970-01-01: the end of follow-up."""

POINT_DAYS: tuple[int, ...] = (91, 182, 364, 728)
"""Days at which the survival is reported: 13, 26, 52 and 104 weeks."""

LEVEL = 0.95
"""Two-sided confidence level of every interval."""

DECIMALS = 4
"""Decimals kept in the YAML file, so that it is stable."""

Ties = Literal["efron", "breslow"]

CITATION = (
    "Fortna, V. P. (2008). Does Peacekeeping Work? Shaping Belligerents' Choices after Civil War. "
    "Princeton University Press."
)
DISTRIBUTION = (
    "Data as distributed with Gelman, A., Hill, J. & Vehtari, A. (2020). Regression and Other "
    "Stories. Cambridge University Press."
)
REPOSITORY = "avehtari/ROS-Examples"
REPOSITORY_PATH = "Peacekeeping/minidata.csv"
COMMIT = "45bdef72f9e9ba3f4ae35700f742b5fb01173ad1"

SHIPPED_NAME = "fortna_ceasefires.yaml"
"""File name of the derived table inside ``seeds/evidence/``."""

_MAX_ITER = 50
_TOL = 1e-12
_YAML_WIDTH = 1000  # one line per value: no folded strings, simple diffs
_YAML_HEAD = (
    "# Derived from Fortna's ceasefire data by `python -m sim.evidence.fortna`; do not edit.\n"
)


class EvidenceError(Exception):
    """The input file is missing, malformed or cannot be used."""


# --------------------------------------------------------------------------- #
# Reading
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class Spells:
    """Ceasefire spells read from the CSV.

    Attributes:
        durations: Days from the ceasefire to its failure or to the end of follow-up.
        events: True where the ceasefire failed, False where it was censored.
        peacekeepers: True where peacekeepers were deployed.
        sha256: SHA-256 of the file's bytes.
    """

    durations: NDArray[np.int64]
    events: NDArray[np.bool_]
    peacekeepers: NDArray[np.bool_]
    sha256: str


def _int(text: str, line: int, column: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise EvidenceError(f"line {line}: {column} {text!r} is not an integer") from None


def _flag(text: str, line: int, column: str) -> bool:
    if text not in ("0", "1"):
        raise EvidenceError(f"line {line}: {column} {text!r} is not 0 or 1")
    return text == "1"


def _number_or_na(text: str, line: int, column: str) -> None:
    if text == "NA":
        return
    try:
        float(text)
    except ValueError:
        raise EvidenceError(f"line {line}: {column} {text!r} is neither a number nor NA") from None


def read_spells(path: str | os.PathLike[str]) -> Spells:
    """Read and check Fortna's ceasefire CSV.

    Args:
        path: The ``minidata.csv`` file.

    Returns:
        The spells and the file's SHA-256.

    Raises:
        EvidenceError: If the file is missing or unreadable, its header differs from
            :data:`HEADER`, a value does not parse, a spell ends before it starts or after the
            end of follow-up, or there are no rows.
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise EvidenceError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EvidenceError(f"{path} is not UTF-8 text") from None
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, None)
    if header is None or tuple(header) != HEADER:
        raise EvidenceError(f"{path}: header {header!r} is not {list(HEADER)!r}")
    durations: list[int] = []
    events: list[bool] = []
    keepers: list[bool] = []
    for line, row in enumerate(rows, start=2):
        if len(row) != len(HEADER):
            raise EvidenceError(f"line {line}: {len(row)} fields, expected {len(HEADER)}")
        _, cf, fail, pk, badness, delay, censored = row
        start = _int(cf, line, "cfdate")
        end = _int(fail, line, "faildate")
        _number_or_na(badness, line, "badness")
        _number_or_na(delay, line, "delay")
        if not start <= end <= CENSOR_DAY:
            raise EvidenceError(
                f"line {line}: need cfdate <= faildate <= {CENSOR_DAY}, got {start}, {end}"
            )
        durations.append(end - start)
        keepers.append(_flag(pk, line, "peacekeepers?"))
        events.append(not _flag(censored, line, "censored?"))
    if not durations:
        raise EvidenceError(f"{path} has no data rows")
    return Spells(
        durations=np.array(durations, dtype=np.int64),
        events=np.array(events, dtype=np.bool_),
        peacekeepers=np.array(keepers, dtype=np.bool_),
        sha256=hashlib.sha256(raw).hexdigest(),
    )


# --------------------------------------------------------------------------- #
# Kaplan-Meier
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class SurvivalPoint:
    """The Kaplan-Meier estimate at one time.

    Attributes:
        time: The time (same unit as the durations).
        survival: Estimated probability of lasting beyond ``time``.
        lo: Lower bound of the interval.
        hi: Upper bound of the interval.
        at_risk: Spells lasting at least ``time``.
    """

    time: float
    survival: float
    lo: float
    hi: float
    at_risk: int


def _z(level: float) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2.0)


def kaplan_meier_at(
    durations: ArrayLike,
    events: ArrayLike,
    times: Sequence[float],
    level: float = LEVEL,
) -> list[SurvivalPoint]:
    """Kaplan-Meier survival with a log(-log) Greenwood interval at given times.

    A spell censored at exactly ``t`` is at risk at ``t`` but leaves after the failures at ``t``.
    Where S is 1 the interval is [1, 1]; once S is 0 it is [0, 0].

    Args:
        durations: Spell lengths (non-negative).
        events: True where the spell ended in failure, False where it was censored.
        times: Times at which to evaluate the curve.
        level: Two-sided confidence level.

    Returns:
        One point per entry of ``times``, in the same order.

    Raises:
        ValueError: On mismatched lengths, no spells, or negative durations.
    """
    dur = np.asarray(durations, dtype=np.float64).ravel()
    ev = np.asarray(events, dtype=np.bool_).ravel()
    if dur.shape != ev.shape:
        raise ValueError("durations and events must have the same length")
    if dur.size == 0:
        raise ValueError("no spells")
    if np.any(dur < 0):
        raise ValueError("durations must be non-negative")
    z = _z(level)
    event_times = np.unique(dur[ev])
    n = np.array([np.sum(dur >= t) for t in event_times], dtype=np.float64)
    d = np.array([np.sum(ev & (dur == t)) for t in event_times], dtype=np.float64)
    factors = 1.0 - d / n
    with np.errstate(divide="ignore"):
        greenwood_terms = np.where(n > d, d / (n * (n - d)), 0.0)
    points = []
    for t in times:
        upto = event_times <= t
        s = float(np.prod(factors[upto]))
        if s >= 1.0:
            lo = hi = 1.0
        elif s <= 0.0:
            lo = hi = 0.0
        else:
            c = z * math.sqrt(float(np.sum(greenwood_terms[upto]))) / abs(math.log(s))
            lo, hi = s ** math.exp(c), s ** math.exp(-c)
        points.append(SurvivalPoint(float(t), s, lo, hi, int(np.sum(dur >= t))))
    return points


# --------------------------------------------------------------------------- #
# Cox proportional hazards, one covariate
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class CoxFit:
    """A one-covariate Cox fit.

    Attributes:
        beta: Log hazard ratio per unit of the covariate.
        se: Standard error of ``beta`` (inverse observed information).
        hazard_ratio: ``exp(beta)``.
        lo: Lower Wald bound of the hazard ratio.
        hi: Upper Wald bound of the hazard ratio.
        loglik: Log partial likelihood at ``beta``.
        iterations: Newton-Raphson steps taken.
        ties: Tie method used.
    """

    beta: float
    se: float
    hazard_ratio: float
    lo: float
    hi: float
    loglik: float
    iterations: int
    ties: Ties


def cox_partial_likelihood(
    beta: float,
    durations: ArrayLike,
    events: ArrayLike,
    x: ArrayLike,
    ties: Ties = "efron",
) -> tuple[float, float, float]:
    """Log partial likelihood of a one-covariate Cox model, its score and information.

    At a failure time with ``d`` failures (set D) and risk set R, write ``A_m = sum_R x^m w`` and
    ``B_m = sum_D x^m w`` with ``w = exp(beta x)``. Efron's method replaces the risk set's sums,
    for the k-th of the d failures (k = 0..d-1), by ``A_m - (k/d) B_m``; Breslow's keeps ``A_m``.
    The log likelihood adds ``beta * sum_D x - sum_k log S_0k``. The covariate is centred first,
    which leaves the likelihood unchanged and keeps the exponentials small.

    Args:
        beta: Log hazard ratio.
        durations: Spell lengths.
        events: True where the spell ended in failure.
        x: The covariate.
        ties: ``"efron"`` or ``"breslow"``.

    Returns:
        ``(loglik, score, information)``: the log partial likelihood and its first derivative
        and negative second derivative in ``beta``.

    Raises:
        ValueError: On mismatched lengths or an unknown tie method.
    """
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    dur = np.asarray(durations, dtype=np.float64).ravel()
    ev = np.asarray(events, dtype=np.bool_).ravel()
    cov = np.asarray(x, dtype=np.float64).ravel()
    if not dur.shape == ev.shape == cov.shape:
        raise ValueError("durations, events and x must have the same length")
    cov = cov - cov.mean() if cov.size else cov
    w = np.exp(beta * cov)
    loglik = score = information = 0.0
    for t in np.unique(dur[ev]):
        risk = dur >= t
        failed = ev & (dur == t)
        d = int(failed.sum())
        a = [float(np.sum(w[risk] * cov[risk] ** m)) for m in range(3)]
        b = [float(np.sum(w[failed] * cov[failed] ** m)) for m in range(3)]
        loglik += beta * float(cov[failed].sum())
        score += float(cov[failed].sum())
        for k in range(d):
            f = k / d if ties == "efron" else 0.0
            s0, s1, s2 = (a[m] - f * b[m] for m in range(3))
            loglik -= math.log(s0)
            score -= s1 / s0
            information += s2 / s0 - (s1 / s0) ** 2
    return loglik, score, information


def fit_cox(
    durations: ArrayLike,
    events: ArrayLike,
    x: ArrayLike,
    ties: Ties = "efron",
    level: float = LEVEL,
) -> CoxFit:
    """Fit a one-covariate Cox model by Newton-Raphson from ``beta = 0``.

    A step that lowers the likelihood is halved until it does not.

    Args:
        durations: Spell lengths.
        events: True where the spell ended in failure.
        x: The covariate.
        ties: ``"efron"`` or ``"breslow"``.
        level: Two-sided confidence level of the Wald interval.

    Returns:
        The fit.

    Raises:
        ValueError: If the information vanishes or the iterations do not converge (for example
            when the maximum is at infinity because one group has all the early failures).
    """
    beta = 0.0
    loglik, score, info = cox_partial_likelihood(beta, durations, events, x, ties)
    for iteration in range(1, _MAX_ITER + 1):
        if not info > 0.0:
            raise ValueError("the partial likelihood is flat: the maximum may be at infinity")
        step = score / info
        while True:
            new = cox_partial_likelihood(beta + step, durations, events, x, ties)
            if new[0] >= loglik - _TOL * max(1.0, abs(loglik)) or abs(step) < _TOL:
                break
            step /= 2.0
        beta += step
        loglik, score, info = new
        if abs(step) < 1e-10 * max(1.0, abs(beta)):
            break
    else:
        raise ValueError(
            f"Newton-Raphson did not converge in {_MAX_ITER} steps: the maximum may be at infinity"
        )
    if not info > 0.0:
        raise ValueError("the partial likelihood has no curvature at the maximum")
    se = 1.0 / math.sqrt(info)
    half = _z(level) * se
    return CoxFit(
        beta=beta,
        se=se,
        hazard_ratio=math.exp(beta),
        lo=math.exp(beta - half),
        hi=math.exp(beta + half),
        loglik=loglik,
        iterations=iteration,
        ties=ties,
    )


# --------------------------------------------------------------------------- #
# The evidence table
# --------------------------------------------------------------------------- #
def _r(value: float) -> float:
    return round(float(value), DECIMALS)


def _km_rows(durations: NDArray[np.int64], events: NDArray[np.bool_]) -> list[dict[str, Any]]:
    return [
        {
            "days": int(p.time),
            "weeks": round(p.time / 7),
            "survival": _r(p.survival),
            "lo": _r(p.lo),
            "hi": _r(p.hi),
            "at_risk": p.at_risk,
        }
        for p in kaplan_meier_at(durations, events, POINT_DAYS)
    ]


def _hr(fit: CoxFit) -> dict[str, Any]:
    return {
        "estimate": _r(fit.hazard_ratio),
        "lo": _r(fit.lo),
        "hi": _r(fit.hi),
        "log_hr": _r(fit.beta),
        "se": _r(fit.se),
    }


def evidence(spells: Spells) -> dict[str, Any]:
    """Compute the derived table that is written to YAML.

    Args:
        spells: The ceasefire spells.

    Returns:
        A YAML-ready mapping (snake_case keys, floats rounded to :data:`DECIMALS`).
    """
    dur, ev, pk = spells.durations, spells.events, spells.peacekeepers
    groups = {"all": np.ones_like(pk), "peacekeepers": pk, "no_peacekeepers": ~pk}
    efron = fit_cox(dur, ev, pk, ties="efron")
    breslow = fit_cox(dur, ev, pk, ties="breslow")
    n_tied = sum(int(np.sum(ev & (dur == t))) > 1 for t in np.unique(dur[ev]))
    return {
        "source": {
            "citation": CITATION,
            "distribution": DISTRIBUTION,
            "repository": REPOSITORY,
            "path": REPOSITORY_PATH,
            "commit": COMMIT,
            "sha256": spells.sha256,
        },
        "rows": {
            name: {
                "spells": int(mask.sum()),
                "failed": int((ev & mask).sum()),
                "censored": int((~ev & mask).sum()),
            }
            for name, mask in groups.items()
        },
        "method": {
            "time_origin": "ceasefire date (cfdate); durations in days = faildate - cfdate",
            "censoring": (
                f"censored? = 1 means the ceasefire still held at the end of follow-up, "
                f"2004-12-31 (day {CENSOR_DAY} since 1970-01-01); a spell censored at t is at "
                f"risk at t and leaves after the failures at t"
            ),
            "kaplan_meier_interval": (
                f"{LEVEL:.0%} Greenwood interval on the log(-log S) scale: "
                "S**exp(+-z*sqrt(sum d/(n(n-d)))/|log S|)"
            ),
            "cox_model": (
                "unadjusted Cox proportional hazards, covariate peacekeepers (0/1), partial "
                "likelihood maximised by Newton-Raphson"
            ),
            "ties": (
                "Efron (R coxph default); Breslow for comparison; "
                f"{n_tied} failure times are tied in these data"
            ),
            "hazard_ratio_interval": f"{LEVEL:.0%} Wald interval exp(beta +- z*se) on the log scale",
            "decimals": DECIMALS,
        },
        "kaplan_meier": {name: _km_rows(dur[mask], ev[mask]) for name, mask in groups.items()},
        "hazard_ratio": {
            "covariate": "peacekeepers",
            "reference": "no_peacekeepers",
            "events": {
                "peacekeepers": int((ev & pk).sum()),
                "no_peacekeepers": int((ev & ~pk).sum()),
            },
            "method": "cox_efron",
            "estimate": _r(efron.hazard_ratio),
            "lo": _r(efron.lo),
            "hi": _r(efron.hi),
            "efron": _hr(efron),
            "breslow": _hr(breslow),
        },
    }


def to_yaml(data: dict[str, Any]) -> str:
    """Render the table as stable YAML text (fixed key order, one line per value, a header comment).

    Args:
        data: The mapping from :func:`evidence`.

    Returns:
        The file's text.
    """
    body = yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=_YAML_WIDTH)
    return _YAML_HEAD + body


def write_atomic(text: str, out: Path) -> None:
    """Write ``text`` to ``out`` through a temporary file in the same folder and ``os.replace``.

    Args:
        text: File contents.
        out: Destination; its folder is created if needed.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def shipped_path() -> Path:
    """Where the derived table lives: ``seeds/evidence/fortna_ceasefires.yaml``."""
    return seeds_dir() / "evidence" / SHIPPED_NAME


def load_points(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Read the derived table (no CSV needed).

    Args:
        path: A YAML file written by this module; the shipped one by default.

    Returns:
        The mapping written by :func:`evidence`: ``source``, ``rows``, ``method``,
        ``kaplan_meier`` (per group, a list of points) and ``hazard_ratio``.

    Raises:
        EvidenceError: If the file does not hold a mapping.
    """
    target = Path(path) if path is not None else shipped_path()
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise EvidenceError(f"{target} does not hold a mapping")
    return data


# --------------------------------------------------------------------------- #
# Command line
# --------------------------------------------------------------------------- #
def main(argv: Sequence[str] | None = None) -> int:
    """Compute the table from the CSV and write it as YAML.

    Args:
        argv: Command-line arguments (defaults to ``sys.argv[1:]``).

    Returns:
        0 on success, 2 on an unusable input or an unwritable output (after one ``error:`` line
        on stderr; nothing is written).
    """
    parser = argparse.ArgumentParser(
        prog="python -m sim.evidence.fortna",
        description="Derive ceasefire survival and the peacekeeping hazard ratio from "
        "Fortna's minidata.csv.",
    )
    parser.add_argument("csv", type=Path, help="the minidata.csv file (downloaded by you)")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"output YAML (default: seeds/evidence/{SHIPPED_NAME})",
    )
    args = parser.parse_args(argv)
    out: Path = args.out if args.out is not None else shipped_path()
    try:
        text = to_yaml(evidence(read_spells(args.csv)))
        write_atomic(text, out)
    except EvidenceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: cannot fit the data: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
