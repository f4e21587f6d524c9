"""The aggregate of a sweep: tables, figures and analyses written at the sweep root.

:func:`aggregate` reads every point of a sweep directory (whatever the launcher) and writes:

- ``sweep.csv`` and ``sweep.parquet``: one row per point (:mod:`sim.sweeps.table`);
- ``records.parquet``: every finished point's per-replication records in one table, with the
  point number and the levers that vary as leading columns (written point by point, so a sweep
  of millions of replications never holds them all in memory);
- ``failed_points.csv``: the points that failed (``error.json``), never finished or never ran;
- ``design.csv`` for a design: every point's values and status;
- ``figures/``: a heatmap of each outcome probability when exactly two levers vary, grouped bars
  of the outcome probabilities with intervals, overlaid survival curves (each figure drawn once);
- for a Morris or Sobol design the sensitivity indices (:mod:`sim.sweeps.indices`), and for a
  Latin hypercube the scenario discovery (:mod:`sim.sweeps.discovery`).
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim import output
from sim.derived import OUTCOMES
from sim.sweeps import plan as plan_mod
from sim.sweeps.analysis import SWEEP_CSV, design_table
from sim.sweeps.designs import DesignSpec
from sim.sweeps.table import PointRun, build_table, find_points, read_records

log = logging.getLogger(__name__)

SWEEP_PARQUET = "sweep.parquet"
RECORDS_PARQUET = "records.parquet"
SWEEP_FLOAT_FORMAT = "%.6g"  # as the summaries: digits beyond these are sampling noise
FAILED_CSV = "failed_points.csv"
DESIGN_CSV = "design.csv"
FAILED_COLUMNS = ["point", "block", "status", "overrides", "error_type", "message", "path"]
# Figure limits: beyond these a figure is unreadable, so it is left out (the table has it all).
MAX_HEATMAP_LEVELS = 20
MAX_BAR_POINTS = 40
MAX_SURVIVAL_CURVES = 8
MAX_LABEL_LEVERS = 2  # more varying levers (e.g. a sampled design): points are labelled by number


@dataclass
class SweepTables:
    """What :func:`aggregate` produced."""

    table: pd.DataFrame
    failed: pd.DataFrame
    levers: list[str]
    reference: int | None
    files: list[Path]


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame = df.copy()
    for col in frame.columns:  # mixed object columns (e.g. numbers and text) are stored as text
        if frame[col].dtype == object:
            frame[col] = frame[col].map(lambda v: None if v is None or v is pd.NA
                                        or (isinstance(v, float) and math.isnan(v)) else str(v))
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def _lever_column(values: pd.Series, n: int, value: Any) -> pd.Series:
    """``value`` repeated ``n`` times with the sweep table's type for that lever."""
    if values.dtype == object or str(values.dtype) in ("str", "string"):
        return pd.Series([None if value is None or (isinstance(value, float) and math.isnan(value))
                          else str(value)] * n, dtype=object)
    return pd.Series([value] * n, dtype=values.dtype)


def write_combined_records(sweep_dir: Path, points: Sequence[PointRun], table: pd.DataFrame,
                           levers: Sequence[str]) -> Path | None:
    """``records.parquet`` at the sweep root: every finished point's records, point by point.

    Columns: ``point``, the levers that vary (typed as in ``sweep.csv``), then the records'
    columns (docs/DATA.md). One row group per point; the file appears only when complete.

    Returns:
        The path written, or ``None`` when no point finished.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    ok = [p for p in points if p.status == "ok"]
    if not ok:
        return None
    path = Path(sweep_dir) / RECORDS_PARQUET
    by_point = table.set_index("point")
    schema = None
    with output.atomic_writer(path) as fh:
        writer = None
        try:
            for p in ok:
                rec = read_records(p.path, columns=None)
                n = len(rec)
                front = {"point": pd.Series([p.point] * n, dtype="int64")}
                for key in levers:
                    front[key] = _lever_column(table[key], n, by_point.at[p.point, key])
                frame = pd.concat([pd.DataFrame(front), rec.reset_index(drop=True)], axis=1)
                arrow = pa.Table.from_pandas(frame, preserve_index=False)
                if schema is None:
                    schema = arrow.schema
                    writer = pq.ParquetWriter(fh, schema)
                writer.write_table(arrow.cast(schema))
        finally:
            if writer is not None:
                writer.close()
    return path


def point_label(row: Mapping[str, Any], levers: Sequence[str]) -> str:
    if not levers or len(levers) > MAX_LABEL_LEVERS:
        return f"point {row['point']}"
    return ", ".join(f"{k.split('.')[-1]}={row[k]}" for k in levers)


def _survival_groups(ok: pd.DataFrame, levers: Sequence[str]) -> dict[str, pd.DataFrame]:
    """Points per survival overlay: all in one if few, else one figure per level of a lever."""
    if len(ok) <= MAX_SURVIVAL_CURVES:
        return {"survival": ok}
    if len(levers) == 2:
        first, second = levers
        groups = {}
        for level, sub in ok.groupby(first, sort=False):
            if len(sub) > MAX_SURVIVAL_CURVES:
                return {}
            sub = sub.assign(label=[point_label(r, [second]) for r in sub.to_dict("records")])
            groups[f"survival_{first.split('.')[-1]}={level}"] = sub
        return groups
    return {}


def sweep_figures(table: pd.DataFrame, levers: Sequence[str], points: Sequence[PointRun]
                  ) -> dict[str, Any]:
    """The sweep figures by file stem (empty if no point finished)."""
    from sim import plots

    ok = table[table["status"] == "ok"].copy()
    if ok.empty:
        return {}
    seeds = sorted({int(s) for s in ok["seed"]})
    reps = sorted({int(r) for r in ok["replications"]})
    notes = ["replications per point" if len(reps) == 1 else "at most; replications differ"]
    if len(seeds) > 1:
        notes.append("seeds differ")
    cap = plots.caption(f"sweep of {len(ok)} points", reps[-1], seeds[0], "; ".join(notes))
    ok["label"] = [point_label(row, levers) for row in ok.to_dict("records")]
    figs: dict[str, Any] = {}
    if len(levers) == 2:
        x, y = levers
        if (not ok.duplicated([x, y]).any() and ok[x].nunique() <= MAX_HEATMAP_LEVELS
                and ok[y].nunique() <= MAX_HEATMAP_LEVELS):
            for name in OUTCOMES:
                figs[f"heatmap_{name}"] = plots.plot_heatmap(
                    ok, x, y, f"p_{name}", cap, title=f"P({name}) by {x} and {y}",
                    value_label=f"P({name})")
    if len(ok) <= MAX_BAR_POINTS:
        long = pd.concat([
            pd.DataFrame({"point": ok["label"], "outcome": name, "p": ok[f"p_{name}"],
                          "lo": ok[f"p_{name}_lo"], "hi": ok[f"p_{name}_hi"]})
            for name in OUTCOMES], ignore_index=True)
        figs["outcomes"] = plots.plot_grouped_bars(
            long, "point", "outcome", "p", "lo", "hi", cap, title="Outcome probabilities by point",
            xlabel=", ".join(levers) if 0 < len(levers) <= MAX_LABEL_LEVERS else "point",
            ylabel="probability")
    by_num = {p.point: p for p in points}
    for stem, rows in _survival_groups(ok, levers).items():
        curves = {row.label: pd.read_csv(by_num[row.point].path / "survival.csv")
                  for row in rows.itertuples()}
        figs[stem] = plots.plot_survival_overlay(curves, cap)
    return figs


def _analyse(sweep_dir: Path, spec: DesignSpec, table: pd.DataFrame, *, make_figures: bool,
             discovery: bool | None, prim_quantile: float,
             prim_thresholds: Mapping[str, float] | None) -> list[Path]:
    """Indices (Morris, Sobol) and scenario discovery; an error is reported, not raised."""
    from sim.sweeps import indices

    files: list[Path] = []
    if spec.method in indices.INDEX_METHODS:
        try:
            files += indices.write_indices(sweep_dir, spec, table, figures=make_figures)
        except Exception as err:  # the sweep table is written: record the error, keep going
            log.exception("sensitivity indices failed")
            output.atomic_write(sweep_dir / indices.SENSITIVITY_MD,
                                f"# Sensitivity analysis failed\n\n{type(err).__name__}: {err}\n")
            files.append(sweep_dir / indices.SENSITIVITY_MD)
    if discovery if discovery is not None else spec.method == "lhs":
        from sim.sweeps.discovery import write_discovery

        try:
            files += write_discovery(sweep_dir, spec, table, quantile=prim_quantile,
                                     thresholds=prim_thresholds)
        except Exception:  # the sweep table is written: log the error, keep going
            log.exception("scenario discovery (PRIM) failed")
    return files


def aggregate(sweep_dir: Path, reference: int | str | None = None, make_figures: bool = True,
              *, records: bool = True, analysis: bool = True, discovery: bool | None = None,
              prim_quantile: float = 0.75,
              prim_thresholds: Mapping[str, float] | None = None) -> SweepTables:
    """Aggregate a sweep directory; write the tables, figures and analyses there.

    Args:
        sweep_dir: The multirun's ``hydra.sweep.dir``.
        reference: The reference point for paired differences: ``None`` (the first finished
            point), a point number, or ``"key=value ..."`` matched against the overrides.
        make_figures: Also write ``figures/*.png``.
        records: Also write ``records.parquet``, every point's records in one table.
        analysis: Analyse a design (indices, scenario discovery).
        discovery: Scenario discovery (PRIM): ``None`` for Latin hypercubes only.
        prim_quantile: A point is escalation- or collapse-prone above this quantile.
        prim_thresholds: Fixed thresholds by outcome column instead.
    """
    from sim import plots

    sweep_dir = Path(sweep_dir)
    points = find_points(sweep_dir)
    table, levers, ref = build_table(points, reference)
    keys = [k for k in dict.fromkeys(k for p in points for k in p.params) if k in table]
    output.atomic_write(sweep_dir / SWEEP_CSV,
                        output.csv_text(table, SWEEP_FLOAT_FORMAT, exact=keys))
    output.atomic_write(sweep_dir / SWEEP_PARQUET, _parquet_bytes(table))
    files = [sweep_dir / SWEEP_CSV, sweep_dir / SWEEP_PARQUET]
    if records:
        combined = write_combined_records(sweep_dir, points, table, levers)
        if combined is not None:
            files.append(combined)
    failed = pd.DataFrame(
        [{"point": p.point, "block": p.block, "status": p.status,
          "overrides": " ".join(p.overrides), "error_type": p.error_type, "message": p.message,
          "path": f"{p.rel_path}/"} for p in points if p.status != "ok"], columns=FAILED_COLUMNS)
    output.atomic_write(sweep_dir / FAILED_CSV, failed.to_csv(index=False, lineterminator="\n"))
    files.append(sweep_dir / FAILED_CSV)

    plan = plan_mod.read(sweep_dir)
    spec = DesignSpec.from_mapping(plan.design) if plan and plan.design else None
    if spec is not None:
        design = design_table(spec)
        status = {p.point: p.status for p in points}
        design["status"] = [status.get(i, "not run") for i in design["point"]]
        output.atomic_write(sweep_dir / DESIGN_CSV, design.to_csv(index=False,
                                                                  lineterminator="\n"))
        files.append(sweep_dir / DESIGN_CSV)
    if make_figures:
        for stem, fig in sweep_figures(table, levers, points).items():
            files.append(plots.save_figure(fig, sweep_dir / "figures" / f"{stem}.png"))
    if spec is not None and analysis:
        files += _analyse(sweep_dir, spec, table, make_figures=make_figures, discovery=discovery,
                          prim_quantile=prim_quantile, prim_thresholds=prim_thresholds)
    if len(failed):
        log.warning("%d of %d points did not finish: see %s", len(failed), len(points),
                    sweep_dir / FAILED_CSV)
    log.info("sweep table: %s (%d points, levers: %s)", sweep_dir / SWEEP_CSV, len(points),
             ", ".join(levers) or "none")
    return SweepTables(table, failed, levers, ref.point if ref is not None else None, files)
