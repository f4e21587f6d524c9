"""The sweep table: one tidy row per point with its overrides, outcomes and paired differences.

Points come from the sweep plan (:mod:`sim.sweeps.plan`; every planned point gets a row, run or
not) or, for a multirun of Hydra's basic sweeper, from the numbered job folders. Each finished
point contributes its summary (``summary.json``: outcome probabilities with Wilson intervals,
P(war or escalation), the collapse hazard per 100 ceasefire-weeks with its interval, key means)
and, against a reference point, paired differences computed replication by replication from its
records: every point of a sweep shares ``sim.seed``, so replication *i* draws the same numbers
everywhere (common random numbers) and the pairing removes most of the noise.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim import metrics, output
from sim.derived import OUTCOMES
from sim.sweeps import plan as plan_mod
from sim.sweeps.folders import ERROR_FILE, read_json

log = logging.getLogger(__name__)

PAIRED_METHOD = "paired (common random numbers)"
WAR_OR_ESCALATION = ("war", "escalation")
# Means per point: (summary key, column stem, records column for the paired difference).
MEANS = (
    ("strikes", "mean_strikes", "n_strikes"),
    ("members_remaining", "mean_members_remaining", "members_remaining"),
    ("final_territory", "mean_final_territory", "final_territory"),
    ("final_claim_gap", "mean_final_claim_gap", "final_claim_gap"),
)
RECORD_COLUMNS = ("replication", "seed", "outcome", "week_first_ceasefire", "ceasefire_weeks",
                  "ceasefire_failures", *(m[2] for m in MEANS))
STATUSES = ("ok", "failed", "incomplete", "not run")
STALE = ("the folder holds results of other overrides (an earlier sweep); run the sweep again to "
         "compute this point")
KILLED = ("no manifest and no error.json: the job was killed, is still running, or crashed "
          "outside the simulation")


@dataclass
class PointRun:
    """What a sweep directory holds for one point."""

    point: int
    path: Path
    status: str  # one of STATUSES
    overrides: list[str]
    block: int | None = None
    error_type: str = ""
    message: str = ""
    summary: dict[str, Any] = field(default_factory=dict)
    rel_path: str = ""

    @property
    def params(self) -> dict[str, str]:
        """Overrides as ``{key: value}`` (prefixes ``+``/``++`` dropped)."""
        return parse_overrides(self.overrides)


def parse_overrides(overrides: Sequence[str]) -> dict[str, str]:
    """``["+a.b=1", "c=x"]`` → ``{"a.b": "1", "c": "x"}`` (deletions ``~key`` are skipped)."""
    out: dict[str, str] = {}
    for item in overrides:
        if item.startswith("~") or "=" not in item:
            continue
        key, value = item.split("=", 1)
        out[key.lstrip("+")] = value
    return out


def _state(folder: Path, overrides: list[str] | None) -> tuple[str, list[str], str, str, dict]:
    """``(status, overrides, error_type, message, summary)`` of one folder."""
    manifest = read_json(folder / output.MANIFEST)
    if manifest is not None and output.is_complete(folder):
        ran = list(manifest.get("overrides", overrides or []))
        if overrides is not None and ran != overrides:
            return "incomplete", overrides, "Stale", STALE, {}
        return "ok", ran, "", "", read_json(folder / "summary.json") or {}
    error = read_json(folder / ERROR_FILE)
    if error is not None and (overrides is None or error.get("overrides") == overrides):
        return ("failed", list(error.get("overrides", overrides or [])),
                str(error.get("error_type", "")), str(error.get("message", "")), {})
    if not folder.is_dir():
        return "not run", overrides or [], "NotRun", "no job ran this point", {}
    return "incomplete", overrides or [], "Incomplete", KILLED, {}


def find_points(sweep_dir: Path) -> list[PointRun]:
    """Every point of a sweep directory, in point order."""
    sweep_dir = Path(sweep_dir)
    plan = plan_mod.read(sweep_dir)
    runs = []
    if plan is not None:
        for i in range(len(plan.points)):
            folder = plan_mod.point_dir(sweep_dir, i)
            status, ovr, etype, msg, summary = _state(folder, plan.overrides(i))
            runs.append(PointRun(i, folder, status, ovr, plan.block_of(i), etype, msg, summary))
    else:  # Hydra's basic sweeper: one job folder per point
        for folder in sorted((p for p in sweep_dir.iterdir() if p.name.isdigit()),
                             key=lambda p: int(p.name)):
            task = folder / ".hydra" / "overrides.yaml"
            hydra_overrides = (yaml.safe_load(task.read_text(encoding="utf-8")) or []
                               if task.is_file() else [])
            status, ovr, etype, msg, summary = _state(folder, None)
            runs.append(PointRun(int(folder.name), folder, status, ovr or list(hydra_overrides),
                                 None, etype, msg, summary))
    for run in runs:
        run.rel_path = run.path.relative_to(sweep_dir).as_posix()
    return runs


def summary_row(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The table columns of one point's summary (see :func:`sim.metrics.summarise`)."""
    row: dict[str, Any] = {key: summary.get(key) for key in
                           ("scenario", "replications", "seed", "weeks", "engine")}

    def triple(stem: str, entry: Mapping[str, Any] | None, key: str = "p") -> None:
        entry = entry or {}
        row[stem], row[f"{stem}_lo"], row[f"{stem}_hi"] = (entry.get(key), entry.get("lo"),
                                                           entry.get("hi"))

    for name in OUTCOMES:
        triple(f"p_{name}", summary["outcomes"][name])
    triple("p_war_or_escalation", summary["war_or_escalation"])
    triple("p_ceasefire_by_horizon", summary["ceasefire_within"].get(str(summary["weeks"])))
    hazard = summary["collapse_hazard"]
    triple("collapse_hazard", hazard, key="rate")
    row["collapse_failures"] = hazard.get("failures")
    row["ceasefire_weeks"] = hazard.get("weeks")
    row["median_week_first_ceasefire"] = summary.get("median_week_first_ceasefire")
    row["median_peace_weeks_km"] = (summary.get("peace_duration") or {}).get("median_weeks")
    for key, stem, _ in MEANS:
        triple(stem, summary[key], key="mean")
    return row


def read_records(folder: Path, columns: Sequence[str] | None = RECORD_COLUMNS) -> pd.DataFrame:
    """A point's records (``records.parquet``, or ``records.csv`` from Hydra's basic sweeper).

    Args:
        folder: The point's results folder.
        columns: The columns to read (default: those the paired differences need); ``None``
            for all of them.
    """
    cols = list(columns) if columns is not None else None
    parquet = Path(folder) / "records.parquet"
    if parquet.is_file():  # what pd.read_parquet gives, about 1 ms sooner
        return output.read_parquet(parquet, cols).to_pandas()
    return pd.read_csv(Path(folder) / "records.csv", usecols=cols, dtype={"seed": "uint64"})


def _take(frame: pd.DataFrame, idx: Any, name: str, dtype: Any = None) -> np.ndarray:
    """Column ``name`` as an array, in the row order ``idx`` (``None``: as stored)."""
    values = frame[name].to_numpy(dtype)
    return values if idx is None else values[idx]


def _matched(records: pd.DataFrame, ref: pd.DataFrame) -> tuple[Any, Any]:
    """Both frames' rows in replication order (indices, or ``None`` when already in order),
    after checking they hold the same replications with the same seeds."""
    def order(frame: pd.DataFrame) -> Any:
        rep = frame["replication"].to_numpy()
        return None if len(rep) < 2 or bool((rep[1:] > rep[:-1]).all()) else np.argsort(
            rep, kind="stable")

    oa, ob = order(records), order(ref)
    if not np.array_equal(_take(records, oa, "replication"), _take(ref, ob, "replication")):
        raise ValueError("records_a and records_b must contain the same replications")
    if not np.array_equal(_take(records, oa, "seed"), _take(ref, ob, "seed")):
        raise ValueError("records_a and records_b must use the same seed per replication")
    return oa, ob


def outcome_index(outcomes: pd.Series) -> np.ndarray:
    """Each outcome's position in ``OUTCOMES`` (-1 for anything else, a missing value included),
    as ``pd.Categorical(outcomes, categories=OUTCOMES).codes`` gives it; matched by Arrow, about
    ten times faster on a point's 15,625 records."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = pa.array(outcomes.array)
    if pa.types.is_null(values.type):  # no text at all (e.g. an empty object column)
        values = values.cast(pa.string())
    found = pc.index_in(values, value_set=pa.array(OUTCOMES, values.type))
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int8)


def paired_row(records: pd.DataFrame, ref: pd.DataFrame) -> dict[str, Any]:
    """Paired differences (point − reference) with 95% intervals, replication by replication.

    The same numbers as :func:`sim.metrics.paired_difference` (each outcome's indicator, P(war or
    escalation), the means), :func:`sim.metrics.paired_headlines` (the collapse hazard) and
    :func:`sim.metrics.rate_ratio`, computed on arrays taken from each frame once (a sweep calls
    this for every point).
    """
    oa, ob = _matched(records, ref)

    def values(frame: pd.DataFrame, idx: Any, name: str) -> np.ndarray:
        return _take(frame, idx, name, np.float64)

    def outcome_codes(frame: pd.DataFrame, idx: Any) -> np.ndarray:
        codes = outcome_index(frame["outcome"])
        return codes if idx is None else codes[idx]

    ca, cb = outcome_codes(records, oa), outcome_codes(ref, ob)
    war_or_esc = [f"diff_p_{name}" for name in WAR_OR_ESCALATION]
    pairs: list[tuple[str, np.ndarray, np.ndarray]] = [
        (f"diff_p_{name}", (ca == i).astype(np.float64), (cb == i).astype(np.float64))
        for i, name in enumerate(OUTCOMES)]
    # The outcomes exclude each other: war-or-escalation's indicator is the sum of the two.
    pairs.append(("diff_p_war_or_escalation",
                  sum(pair[1] for pair in pairs if pair[0] in war_or_esc),
                  sum(pair[2] for pair in pairs if pair[0] in war_or_esc)))
    pairs += [(f"diff_{stem}", values(records, oa, column), values(ref, ob, column))
              for _, stem, column in MEANS]
    row: dict[str, Any] = {}
    for stem, va, vb in pairs:
        row[stem], row[f"{stem}_lo"], row[f"{stem}_hi"] = metrics.mean_interval(va - vb)
    # The collapse hazard (failures per 100 ceasefire-weeks): its paired difference, and the
    # ratio of the two failure rates (a piecewise-exponential hazard ratio) with its interval.
    ha = metrics.hazard_influence(values(records, oa, "ceasefire_failures"),
                                  values(records, oa, "ceasefire_weeks"))
    hb = metrics.hazard_influence(values(ref, ob, "ceasefire_failures"),
                                  values(ref, ob, "ceasefire_weeks"))
    hazard = metrics.paired_hazard(ha, hb)
    row["diff_collapse_hazard"] = hazard["diff"]
    row["diff_collapse_hazard_lo"], row["diff_collapse_hazard_hi"] = hazard["lo"], hazard["hi"]
    ratio = metrics.paired_rate_ratio(ha, hb)
    row["hazard_ratio"], row["hazard_ratio_lo"], row["hazard_ratio_hi"] = (
        ratio["ratio"], ratio["lo"], ratio["hi"])
    return row


def _match(params: Mapping[str, str], wanted: Mapping[str, str]) -> bool:
    for key, value in wanted.items():
        have = params.get(key)
        if have is None:
            return False
        try:
            if not math.isclose(float(have), float(value)):
                return False
        except ValueError:
            if have != value:
                return False
    return True


def choose_reference(points: Sequence[PointRun], reference: int | str | None
                     ) -> PointRun | None:
    """The reference point: by number, by ``"key=value ..."``, or the first finished point."""
    ok = [p for p in points if p.status == "ok"]
    if not ok:
        return None
    if reference is None or reference == "":
        return ok[0]
    if isinstance(reference, int) or str(reference).strip().isdigit():
        found = [p for p in ok if p.point == int(reference)]
    else:
        wanted = parse_overrides(str(reference).split())
        found = [p for p in ok if _match(p.params, wanted)]
    if not found:
        log.warning("reference %r matches no finished point; using point %d", reference,
                    ok[0].point)
        return ok[0]
    return found[0]


def _numeric(series: pd.Series) -> pd.Series:
    """Override values (text) as numbers or booleans when all of them are, so ``sweep.csv``
    and ``sweep.parquet`` read back with the same types."""
    text = series.dropna().astype(str).str.lower()
    if len(text) and text.isin(("true", "false")).all() and series.notna().all():
        return series.astype(str).str.lower() == "true"
    converted = pd.to_numeric(series, errors="coerce")
    return converted if converted.notna().sum() == series.notna().sum() else series


def params_table(points: Sequence[PointRun]) -> tuple[pd.DataFrame, list[str]]:
    """Every point's overrides, typed as the sweep table types them (``point`` first, one column
    per key), and the levers: the keys whose values vary among the finished points."""
    keys = list(dict.fromkeys(k for p in points for k in p.params))
    frame = pd.DataFrame([{"point": p.point, **{key: p.params.get(key) for key in keys}}
                          for p in points], columns=["point", *keys])
    for key in keys:
        frame[key] = _numeric(frame[key])
    ok = frame.loc[np.array([p.status == "ok" for p in points], dtype=bool)]
    levers = [k for k in keys if ok[k].nunique(dropna=False) > 1]
    return frame, levers


def build_table(points: Sequence[PointRun], reference: int | str | None = None
                ) -> tuple[pd.DataFrame, list[str], PointRun | None]:
    """The sweep table (one row per point), the levers that vary, and the reference point."""
    typed, levers = params_table(points)
    keys = list(typed.columns[1:])
    ref = choose_reference(points, reference)
    ref_records = read_records(ref.path) if ref is not None else None
    ref_overrides = " ".join(ref.overrides) if ref is not None else ""
    rows = []
    for p in points:
        row: dict[str, Any] = {"point": p.point, "block": p.block, "status": p.status}
        params = p.params
        row.update({key: params.get(key) for key in keys})
        if p.status == "ok":
            row.update(summary_row(p.summary))
            row["reference_point"] = ref.point if ref is not None else None
            row["reference_overrides"] = ref_overrides
            try:
                row.update(paired_row(read_records(p.path), ref_records))
                row["diff_vs_reference_method"] = PAIRED_METHOD
            except ValueError as err:  # other replications or seeds: no pairing possible
                row["diff_vs_reference_method"] = f"not computed: {err}"
        else:
            row["error"] = f"{p.error_type}: {p.message}"
        row["path"] = f"{p.rel_path}/"  # a folder (and text, not a number, when read back)
        rows.append(row)
    table = pd.DataFrame(rows)
    for key in keys:
        table[key] = typed[key]  # (both indexed 0, 1, ... in point order)
    return table, levers, ref
