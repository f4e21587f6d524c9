"""Scenario discovery on a sampled sweep: where in the design escalation or collapse is likely.

For each of :data:`~sim.sweeps.analysis.DISCOVERY_OUTCOMES` a point is *prone* when its outcome
exceeds a quantile over the points (or a fixed threshold); PRIM (:mod:`sim.sweeps.prim`) then finds
boxes of the design's parameters where the prone points concentrate. :func:`write_discovery` writes
``prim_<outcome>.csv``/``.md`` at the sweep root (the aggregate does so for Latin hypercubes);
``ceasefire-sim-discover SWEEP_DIR`` (:func:`discover_main`) runs it again on any finished sampled
sweep, with other settings.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.sweeps.analysis import (
    DISCOVERY_OUTCOMES,
    SWEEP_CSV,
    SWEEP_OUTCOMES,
    describe_sweep,
    match_design,
    parameters_md,
    write_text,
)
from sim.sweeps.designs import DesignSpec
from sim.sweeps.prim import BOX_COLUMNS, prim_available, prim_boxes

PRIM_COLUMNS = ["outcome", *BOX_COLUMNS, "n_prone", "n_points", "threshold", "rule"]
DEFAULT_QUANTILE = 0.75
DEFAULT_MIN_DENSITY = 0.8
DEFAULT_MASS_MIN = 0.1  # a box holds at least a tenth of the points: fewer is weak evidence
DEFAULT_MAX_BOXES = 3


def discover(results: pd.DataFrame, keys: Sequence[str], outcome: str, *,
             quantile: float = DEFAULT_QUANTILE, threshold: float | None = None,
             min_density: float = DEFAULT_MIN_DENSITY, mass_min: float = DEFAULT_MASS_MIN,
             max_boxes: int = DEFAULT_MAX_BOXES) -> tuple[pd.DataFrame, str]:
    """PRIM boxes of the points where one outcome is high.

    A point is prone when its outcome exceeds ``threshold`` (if given) or else the ``quantile``
    of the outcome over the points; points where the outcome is undefined are left out.

    Returns:
        ``(boxes, rule)``: the boxes (:data:`PRIM_COLUMNS`; empty if no point, or every point,
        is prone) and the rule in words.
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
    boxes = prim_boxes(valid, prone, list(keys), min_density=min_density, mass_min=mass_min,
                       max_boxes=max_boxes)
    boxes.insert(0, "outcome", outcome)
    boxes["n_prone"] = int(prone.sum())
    boxes["n_points"] = len(y)
    boxes["threshold"] = thr
    boxes["rule"] = rule
    return boxes[PRIM_COLUMNS], rule


def _report(spec: DesignSpec, head: list[str], boxes: pd.DataFrame, rule: str, kind: str,
            label: str, n_valid: int, n_results: int) -> str:
    text = head + [f"A point is **{kind}** when {rule}.", ""]
    if n_valid < n_results:
        text += [f"{n_results - n_valid} points are left out: {label} is undefined there.", ""]
    if boxes.empty:
        text += [f"No boxes: no point, or every point, is {kind}.", ""]
    else:
        text += [(f"{int(boxes['n_prone'].iloc[0])} of {n_valid} points are {kind}. PRIM's "
                  f"boxes (coverage: share of the {kind} points inside the box; density: share "
                  f"of the box's points that are {kind}; a later box is searched among the "
                  "points the earlier ones leave, and its coverage and density refer to those):"),
                 ""]
        named: list[str] = []
        for b in boxes.itertuples(index=False):
            where = "" if b.box == 1 else "among the points the earlier boxes leave: "
            text += [(f"{b.box}. **{b.conditions}** — {where}coverage {b.coverage:.2f}, "
                      f"density {b.density:.2f}. Over all points the box holds {b.n_in_box}, "
                      f"{b.n_prone_in_box} of them {kind}."), ""]
            named += [k for k in spec.keys if k in str(b.conditions) and k not in named]
        if named:
            text += ["Parameters in the boxes and their provenance:", "",
                     parameters_md(spec, named), ""]
    return "\n".join(text + ["Design space:", "", parameters_md(spec), ""])


def write_discovery(sweep_dir: Path, spec: DesignSpec, table: pd.DataFrame, *,
                    quantile: float = DEFAULT_QUANTILE,
                    thresholds: Mapping[str, float] | None = None,
                    min_density: float = DEFAULT_MIN_DENSITY, mass_min: float = DEFAULT_MASS_MIN,
                    max_boxes: int = DEFAULT_MAX_BOXES) -> list[Path]:
    """Write ``prim_<outcome>.csv`` and ``.md`` for each of the discovery outcomes.

    PRIM needs no complete design: missing points are left out and counted in the report.
    Without ``ema_workbench`` only the ``.md`` files are written, saying how to install it.

    Raises:
        ValueError: on a threshold for an unknown outcome.
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
                describe_sweep(spec, table, len(results)), ""]
        if len(missing):
            head += [(f"{len(missing)} design points have no finished results and are left out "
                      "(see `failed_points.csv`)."), ""]
        md = sweep_dir / f"prim_{outcome}.md"
        if not prim_available():
            files.append(write_text(md, "\n".join(head + [
                ("**Not run:** PRIM needs `ema_workbench` (the `analysis` extra): "
                 "`pip install \"ceasefire-sim[analysis]\"`, then "
                 f"`ceasefire-sim-discover {sweep_dir}`."), ""])))
            continue
        boxes, rule = discover(results, spec.keys, outcome, quantile=quantile,
                               threshold=thresholds.get(outcome), min_density=min_density,
                               mass_min=mass_min, max_boxes=max_boxes)
        files.append(write_text(sweep_dir / f"prim_{outcome}.csv",
                                boxes.to_csv(index=False, lineterminator="\n")))
        n_valid = int(results[outcome].notna().sum())
        files.append(write_text(md, _report(spec, head, boxes, rule, kind, label, n_valid,
                                            len(results))))
    return files


def load_sweep(sweep_dir: Path) -> tuple[DesignSpec, pd.DataFrame]:
    """The design (from ``plan.json``) and the table of an aggregated sweep.

    The table is read from ``sweep.parquet`` (full precision) when present, else ``sweep.csv``.

    Raises:
        FileNotFoundError: if ``sweep.csv`` is missing (the aggregate has not run).
        ValueError: if the sweep has no sampled design.
    """
    from sim.sweeps import plan as plan_mod

    sweep_dir = Path(sweep_dir)
    csv = sweep_dir / SWEEP_CSV
    if not csv.is_file():
        raise FileNotFoundError(f"{csv} does not exist: is {sweep_dir} a finished sweep?")
    plan = plan_mod.read(sweep_dir)
    if plan is None or plan.design is None or plan.design["method"] == "grid":
        raise ValueError(f"{sweep_dir} is not a sampled design (+experiment=lhs, sobol or "
                         "morris): PRIM needs sampled points")
    parquet = sweep_dir / "sweep.parquet"
    try:
        table = pd.read_parquet(parquet) if parquet.is_file() else pd.read_csv(csv)
    except Exception as err:  # noqa: BLE001 (an empty or damaged file: say which)
        raise ValueError(f"{parquet if parquet.is_file() else csv} cannot be read "
                         f"({type(err).__name__}): rerun the sweep command to aggregate it "
                         "again") from None
    if "status" not in table or not (table["status"] == "ok").any():
        raise ValueError(f"{sweep_dir} has no finished points (its sweep table lists none): "
                         "rerun the sweep command to finish them")
    return DesignSpec.from_mapping(plan.design), table


def _threshold_arg(text: str) -> tuple[str, float]:
    key, sep, value = text.partition("=")
    if not sep or key not in SWEEP_OUTCOMES:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected OUTCOME=VALUE with OUTCOME one of {', '.join(SWEEP_OUTCOMES)}")
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"{text!r}: the threshold must be a finite number")
    return key, number


def _in_range(name: str, lo: float, hi: float, *, lo_open: bool, hi_open: bool,
              whole: bool = False) -> Callable[[str], float]:
    """An argparse type: a number in a range (bounds open or closed), named in its message."""
    left, right = "(" if lo_open else "[", ")" if hi_open else "]"
    allowed = (f"a whole number ≥ {lo:g}" if whole and math.isinf(hi)
               else f"a number in {left}{lo:g}, {hi:g}{right}")

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name}={text!r}: expected {allowed}") from None
        bad = (not math.isfinite(value) or (value <= lo if lo_open else value < lo)
               or (value >= hi if hi_open else value > hi) or (whole and not value.is_integer()))
        if bad:
            raise argparse.ArgumentTypeError(f"{name}={text!r}: expected {allowed}")
        return int(value) if whole else value

    return parse


def discover_main(argv: Sequence[str] | None = None) -> int:
    """``ceasefire-sim-discover SWEEP_DIR``: scenario discovery (PRIM) on a sampled sweep.

    Returns:
        The exit code: 0, or 2 with a one-line message on a bad argument or folder.
    """
    from sim.cliutil import OneLineParser

    parser = OneLineParser(
        prog="ceasefire-sim-discover",
        description="Scenario discovery (PRIM) on a finished sampled sweep (lhs, sobol or "
                    "morris): which parameter ranges make escalation or ceasefire collapse "
                    "likely. Writes prim_<outcome>.csv and .md into the sweep folder.")
    parser.add_argument("sweep_dir", type=Path, help="the sweep folder (hydra.sweep.dir)")
    parser.add_argument("--quantile", type=_in_range("--quantile", 0, 1, lo_open=True,
                                                     hi_open=True),
                        default=DEFAULT_QUANTILE,
                        help="a point is prone when its outcome exceeds this quantile over "
                             "the points (default %(default)s)")
    parser.add_argument("--threshold", type=_threshold_arg, action="append", default=[],
                        metavar="OUTCOME=VALUE",
                        help="a fixed threshold instead, e.g. p_escalation=0.1 (repeatable)")
    parser.add_argument("--min-density", type=_in_range("--min-density", 0, 1, lo_open=True,
                                                        hi_open=False),
                        default=DEFAULT_MIN_DENSITY,
                        help="density wanted of each box (default %(default)s)")
    parser.add_argument("--mass-min", type=_in_range("--mass-min", 0, 1, lo_open=True,
                                                     hi_open=True),
                        default=DEFAULT_MASS_MIN,
                        help="smallest share of the points a box may hold (default %(default)s)")
    parser.add_argument("--max-boxes", type=_in_range("--max-boxes", 1, math.inf, lo_open=False,
                                                      hi_open=True, whole=True),
                        default=DEFAULT_MAX_BOXES,
                        help="largest number of boxes per outcome (default %(default)s)")
    args = parser.parse_args(argv)
    if not args.sweep_dir.is_dir():
        print(f"error: {args.sweep_dir} is not a folder: give a finished sweep's folder "
              "(its hydra.sweep.dir)", file=sys.stderr)
        return 2
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
