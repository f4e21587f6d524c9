"""The aggregate of a sweep: tables, figures and analyses written at the sweep root.

:func:`aggregate` reads every point of a sweep directory (whatever the launcher) and writes:

- ``sweep.csv`` and ``sweep.parquet``: one row per point (:mod:`sim.sweeps.table`);
- ``records.parquet``: every finished point's per-replication records in one table, with the
  point number and the levers that vary as leading columns (written point by point, so a sweep
  of millions of replications never holds them all in memory);
- ``failed_points.csv``: the points that failed (``error.json``), never finished or never ran;
- ``design.csv`` for a design: every point's values and status;
- ``figures/`` (each figure drawn once): ``heatmaps.png`` (one panel per outcome, when exactly
  two levers vary), ``outcomes.png`` (the outcome probabilities with intervals, one row per
  point), ``forest.png`` (each point's paired difference from the reference) and
  ``survival.png`` (Kaplan–Meier curves, one panel per level of the first lever);
- for a Morris or Sobol design the sensitivity indices (:mod:`sim.sweeps.indices`), and for a
  Latin hypercube the scenario discovery (:mod:`sim.sweeps.discovery`).
"""

from __future__ import annotations

import io
import logging
import math
import numbers
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import output
from sim.derived import OUTCOMES
from sim.sweeps import plan as plan_mod
from sim.sweeps.analysis import SWEEP_CSV, design_table
from sim.sweeps.designs import DesignSpec
from sim.sweeps.table import PointRun, build_table, find_points, params_table, read_records

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
MAX_FOREST_POINTS = 40
MAX_SURVIVAL_CURVES = 8  # curves in one panel of survival.png
MAX_SURVIVAL_PANELS = 9  # panels (levels of the first lever) in survival.png
MAX_LABEL_LEVERS = 2  # more varying levers (e.g. a sampled design): points are labelled by number
# The panels of heatmaps.png (column, title), the headline measure first.
HEATMAP_PANELS = (("p_war_or_escalation", "P(war or escalation)"),
                  *((f"p_{name}", f"P({name.replace('_', ' ')})") for name in OUTCOMES))
# The panels of forest.png: a paired difference column (with _lo, _hi) and what it measures.
FOREST_MEASURES = (("diff_p_war_or_escalation", "P(war or escalation)"),
                   ("diff_collapse_hazard", "ceasefire failures per 100 ceasefire-weeks"))


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


def _lever_array(values: pd.Series, n: int, value: Any) -> Any:
    """``value`` repeated ``n`` times as an Arrow array, with the sweep table's type for that
    lever (text where the table holds text)."""
    import pyarrow as pa

    if values.dtype == object or str(values.dtype) in ("str", "string"):
        text = (None if value is None or (isinstance(value, float) and math.isnan(value))
                else str(value))
        return pa.array([text], type=pa.large_string()).take(np.zeros(n, dtype=np.int64))
    return pa.array(np.full(n, value, dtype=values.dtype))


def write_combined_records(sweep_dir: Path, points: Sequence[PointRun], table: pd.DataFrame,
                           levers: Sequence[str]) -> Path | None:
    """``records.parquet`` at the sweep root: every finished point's records, point by point.

    Columns: ``point``, the levers that vary (typed as in ``sweep.csv``), then the records'
    columns (docs/DATA.md). One row group per point, each read and written as Arrow columns
    (no per-row Python work); the file appears only when complete.

    Args:
        sweep_dir: The sweep folder.
        points: Its points (:func:`sim.sweeps.table.find_points`).
        table: ``point`` and the lever columns, typed as in ``sweep.csv`` (the sweep table, or
            :func:`sim.sweeps.table.params_table`).
        levers: The levers that vary.

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
    names = ["point", *levers]
    schema = None
    with output.atomic_writer(path) as fh:
        writer = None
        try:
            for p in ok:
                stored = Path(p.path) / "records.parquet"
                rec = (output.read_parquet(stored) if stored.is_file() else  # else a basic
                       pa.Table.from_pandas(read_records(p.path, columns=None),  # sweeper's CSV
                                            preserve_index=False))
                n = rec.num_rows
                front = [pa.array(np.full(n, p.point, dtype=np.int64))]
                front += [_lever_array(table[key], n, by_point.at[p.point, key])
                          for key in levers]
                arrow = pa.Table.from_arrays([*front, *rec.columns],
                                             names=[*names, *rec.column_names])
                if schema is None:
                    schema = arrow.schema
                    writer = pq.ParquetWriter(fh, schema,
                                              use_dictionary=output.text_columns(schema))
                writer.write_table(arrow.cast(schema))
        finally:
            if writer is not None:
                writer.close()
    return path


def point_label(row: Mapping[str, Any], levers: Sequence[str]) -> str:
    if not levers or len(levers) > MAX_LABEL_LEVERS:
        return f"point {row['point']}"
    return ", ".join(f"{k.split('.')[-1]}={row[k]}" for k in levers)


def _key(value: Any) -> Any:
    """A lever value as a dictionary key (missing values, NaN included, as ``None``)."""
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def lever_name(key: str, levers: Sequence[str] = ()) -> str:
    """A lever's short readable name: ``deployment.timing`` -> ``timing``, ``us.role`` ->
    ``US role`` (a group of two letters or fewer is an abbreviation, kept in capitals); the
    group is kept when two levers would otherwise share a name."""
    *group, name = key.split(".")
    text = name.replace("_", " ")
    if group and len(group[-1]) <= 2:
        return f"{group[-1].upper()} {text}"
    if group and sum(k.split(".")[-1] == name for k in levers) > 1:
        return f"{group[-1].replace('_', ' ')} {text}"
    return text


def level_text(value: Any) -> str:
    """A lever level as a reader writes it: ``after_ceasefire_holds`` -> ``after ceasefire
    holds``, ``0.25`` -> ``0.25``, ``2.0`` -> ``2``."""
    if _key(value) is None:
        return "unset"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)).lower()
    if isinstance(value, numbers.Real):
        return f"{value:.6g}"
    return str(value).replace("_", " ")


def _level_order(values: pd.Series, key: str) -> list[Any]:
    """A lever's levels in the schema's order: its ``choices`` (``sim.config`` metadata), numbers
    ascending, anything else (e.g. ``scenario``) in the order the points ran."""
    from sim.config import field_of

    seen = list(dict.fromkeys(_key(v) for v in values))
    try:
        choices = tuple(field_of(key).metadata.get("choices") or ())
    except KeyError:  # not a model parameter (experiment, scenario, ...)
        choices = ()
    if choices:
        known = [c for c in choices if c in seen]
        return known + [v for v in seen if v not in known]
    if seen and all(isinstance(v, numbers.Real) for v in seen):
        return sorted(seen)
    return seen


def _level_texts(order: Sequence[Any]) -> dict[Any, str]:
    """Readable text per level; raw text where two levels would read the same."""
    texts = {v: level_text(v) for v in order}
    if len(set(texts.values())) < len(texts):
        texts = {v: str(v) for v in order}
    return texts


def _in_level_order(ok: pd.DataFrame, levers: Sequence[str]) -> pd.DataFrame:
    """Finished points sorted by their levers' levels in schema order (else by number)."""
    keys = []
    frame = ok.copy()
    for i, key in enumerate(levers):
        rank = {v: j for j, v in enumerate(_level_order(frame[key], key))}
        frame[f"_rank{i}"] = [rank.get(_key(v), len(rank)) for v in frame[key]]
        keys.append(f"_rank{i}")
    frame = frame.sort_values([*keys, "point"], kind="stable")
    return frame.drop(columns=keys).reset_index(drop=True)


def figure_label(row: Mapping[str, Any], levers: Sequence[str]) -> str:
    """A point's label in the figures: its levels (``after ceasefire holds, air support``) when
    one or two levers vary, else its number (a sampled design)."""
    if not levers or len(levers) > MAX_LABEL_LEVERS:
        return f"point {row['point']}"
    return ", ".join(level_text(row[k]) for k in levers)


def _figure_labels(ok: pd.DataFrame, levers: Sequence[str]) -> list[str]:
    labels = [figure_label(row, levers) for row in ok.to_dict("records")]
    if len(set(labels)) < len(labels):  # the same levels twice: tell them apart by number
        labels = [f"{label} (point {p})" for label, p in zip(labels, ok["point"], strict=True)]
    return labels


def _sweep_caption(table: pd.DataFrame, ok: pd.DataFrame) -> str:
    """E.g. ``20 points × 2,000 replications each, seed 20250904, common random numbers``."""
    n = len(ok)
    text = f"{n} point{'s' * (n != 1)}"
    if n < len(table):
        text = f"{n} of {len(table)} points ({len(table) - n} did not finish)"
    reps = sorted({int(r) for r in ok["replications"]})
    if len(reps) == 1:
        text += f" × {reps[0]:,} replications{' each' * (n != 1)}"
    else:
        text += f" × {reps[0]:,} to {reps[-1]:,} replications (replications differ)"
    seeds = sorted({int(s) for s in ok["seed"]})
    if len(seeds) == 1:
        text += f", seed {seeds[0]}" + (", common random numbers" if n > 1 else "")
    else:
        text += f", seeds differ ({seeds[0]} to {seeds[-1]}): no common random numbers"
    return text


def _group_starts(ok: pd.DataFrame, levers: Sequence[str]) -> list[int]:
    """Rows where the first of two levers changes level (``ok`` in level order)."""
    if len(levers) != 2:
        return []
    first = [_key(v) for v in ok[levers[0]]]
    return [i for i in range(1, len(first)) if first[i] != first[i - 1]]


def _survival_groups(ok: pd.DataFrame, levers: Sequence[str]) -> dict[str, pd.DataFrame]:
    """The panels of ``survival.png``: panel title -> its points, each with its curve's label
    in ``curve``. Two levers: a panel per level of the first, a curve per level of the second.
    Otherwise one panel, a curve per point. Empty (no figure) beyond the limits."""
    if len(levers) == 2:
        first, second = levers
        texts = _level_texts(_level_order(ok[first], first))
        groups = {}
        for level, sub in ok.groupby(first, sort=False, dropna=False):
            level = _key(level)
            groups[f"{lever_name(first, levers)}: {texts.get(level, level_text(level))}"] = \
                sub.assign(curve=[level_text(v) for v in sub[second]])
        if (len(groups) > MAX_SURVIVAL_PANELS
                or any(len(sub) > MAX_SURVIVAL_CURVES for sub in groups.values())):
            return {}
        return groups
    if len(ok) <= MAX_SURVIVAL_CURVES:
        return {"": ok.assign(curve=ok["label"])}
    return {}


def _reference_row(ok: pd.DataFrame) -> Mapping[str, Any] | None:
    """The reference point's row among the finished points (``None``: no reference)."""
    if "reference_point" not in ok:
        return None
    refs = pd.to_numeric(ok["reference_point"], errors="coerce").dropna()
    if refs.empty:
        return None
    match = ok[ok["point"] == int(refs.iloc[0])]
    return match.iloc[0].to_dict() if len(match) else None


def sweep_figures(table: pd.DataFrame, levers: Sequence[str], points: Sequence[PointRun]
                  ) -> dict[str, Any]:
    """The sweep figures by file stem (empty if no point finished).

    - ``heatmaps``: when exactly two levers vary, a panel per outcome probability (P(war or
      escalation) first), each with its own colour scale from 0 to its largest value, the
      reference point outlined;
    - ``outcomes``: the outcome probabilities with their intervals, a row per point, a panel
      per outcome;
    - ``forest``: each point's paired difference from the reference point with its 95%
      interval, a row per point, the reference marked;
    - ``survival``: the first peace's Kaplan-Meier curves, a panel per level of the first lever
      and a curve per level of the second (one panel when one lever varies).

    Levels follow the schema's order (the lever's ``choices``, numbers ascending); points are
    labelled by their levels, or by number in a sampled design. A figure that would be
    unreadable (beyond the ``MAX_*`` limits) is left out.
    """
    from sim import plots

    ok = table[table["status"] == "ok"]
    if ok.empty:
        return {}
    cap = _sweep_caption(table, ok)
    named = list(levers) if 0 < len(levers) <= MAX_LABEL_LEVERS else []
    ok = _in_level_order(ok, named)
    ok["label"] = _figure_labels(ok, levers)
    rows_name = ", ".join(lever_name(k, levers) for k in named) or "design point"
    separators = _group_starts(ok, named)
    ref = _reference_row(ok)
    ref_label = str(ok.loc[ok["point"] == ref["point"], "label"].iloc[0]) if ref else None
    figs: dict[str, Any] = {}
    if len(levers) == 2:
        x, y = levers
        x_order, y_order = _level_order(ok[x], x), _level_order(ok[y], y)
        if (not ok.duplicated([x, y]).any() and len(x_order) <= MAX_HEATMAP_LEVELS
                and len(y_order) <= MAX_HEATMAP_LEVELS):
            x_text, y_text = _level_texts(x_order), _level_texts(y_order)
            cells = ok.assign(**{x: [x_text[_key(v)] for v in ok[x]],
                                 y: [y_text[_key(v)] for v in ok[y]]})
            mark = ((x_text[_key(ref[x])], y_text[_key(ref[y])])
                    if ref and _key(ref[x]) in x_text and _key(ref[y]) in y_text else None)
            panels = [(col, title) for col, title in HEATMAP_PANELS if col in ok]
            note = "each panel's colours run from 0 to its largest value"
            if mark:
                note += "; outlined: the reference point"
            figs["heatmaps"] = plots.plot_heatmap_panels(
                cells, x, y, panels, f"{cap} | {note}", x_levels=list(x_text.values()),
                y_levels=list(y_text.values()), xlabel=lever_name(x, levers),
                ylabel=lever_name(y, levers), mark=mark,
                title=f"Outcome probabilities at the horizon by {lever_name(x, levers)} and "
                      f"{lever_name(y, levers)}")
    if len(ok) <= MAX_BAR_POINTS:
        figs["outcomes"] = plots.plot_outcome_rows(
            ok, list(ok["label"]), f"{cap} | lines: 95% Wilson intervals", ylabel=rows_name,
            title="Outcome probabilities at the horizon, by point", separators=separators)
    measures = [(col, title) for col, title in FOREST_MEASURES
                if all(f"{col}{s}" in ok for s in ("", "_lo", "_hi"))]
    if (ref_label is not None and measures and len(ok) <= MAX_FOREST_POINTS
            and any(ok[col].notna().any() for col, _ in measures)):
        long = pd.concat([pd.DataFrame({"outcome": title, "scenario": ok["label"],
                                        "diff": ok[col], "lo": ok[f"{col}_lo"],
                                        "hi": ok[f"{col}_hi"]}) for col, title in measures],
                         ignore_index=True)
        figs["forest"] = plots.plot_forest(
            long, f"{cap} | reference: {ref_label}", reference=ref_label, ylabel=rows_name,
            xlabel="difference from the reference (paired 95% interval)",
            title="Each point against the reference point (paired, common random numbers)",
            separators=separators)
    groups = _survival_groups(ok, levers)
    if groups:
        by_num = {p.point: p for p in points}
        panels = {title: {row.curve: pd.read_csv(by_num[row.point].path / "survival.csv")
                          for row in rows[["point", "curve"]].itertuples()}
                  for title, rows in groups.items()}
        by = (" and ".join(lever_name(k, levers) for k in named) if named else "design point")
        figs["survival"] = plots.plot_survival_panels(
            panels, cap, title=f"How long does the first ceasefire hold? (by {by})",
            legend_title=lever_name(levers[1], levers) if len(levers) == 2 else rows_name)
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
    # The sweep-wide records file needs only the typed overrides: it is written in a second
    # thread while the table is built (Arrow reads, compresses and writes without the GIL).
    typed, typed_levers = params_table(points)
    with ThreadPoolExecutor(max_workers=1) as pool:
        combined = (pool.submit(write_combined_records, sweep_dir, points, typed, typed_levers)
                    if records else None)
        table, levers, ref = build_table(points, reference)
        keys = [k for k in dict.fromkeys(k for p in points for k in p.params) if k in table]
        output.atomic_write(sweep_dir / SWEEP_CSV,
                            output.csv_text(table, SWEEP_FLOAT_FORMAT, exact=keys))
        output.atomic_write(sweep_dir / SWEEP_PARQUET, _parquet_bytes(table))
        files = [sweep_dir / SWEEP_CSV, sweep_dir / SWEEP_PARQUET]
        if combined is not None and (path := combined.result()) is not None:
            files.append(path)
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
