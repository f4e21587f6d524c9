"""Hydra callbacks: aggregate a multirun's job folders into one sweep table and figures.

:class:`SweepAggregator` is registered in ``conf/config.yaml`` under ``hydra.callbacks``; at the end
of every multirun it calls :func:`aggregate`, which reads every job folder under the sweep directory
(whatever the launcher) and writes at the sweep root:

- ``sweep.csv`` and ``sweep.parquet``: one row per job — job number, status, its overrides as
  columns (numbers where they parse), outcome probabilities with Wilson intervals, key means with
  intervals, and paired differences against a reference job over common random numbers;
- ``failed_jobs.csv``: the jobs that failed (``error.json``) or never finished, with their errors;
- ``design.csv`` for a sampled design (:mod:`sim.designs`): every point and the job that ran it;
- for a sampled design, the sensitivity indices and scenario discovery of :mod:`sim.sensitivity`
  (``sensitivity.csv``/``.md`` for Morris and Saltelli designs, ``prim_<outcome>.csv``/``.md``);
- ``figures/``: a heatmap of each outcome probability when exactly two levers vary, grouped bars
  of the outcome probabilities with intervals, and overlaid survival curves.

All jobs of a sweep share ``sim.seed``, so replication *i* has the same random numbers in every job
(common random numbers); the differences against the reference are therefore computed replication
by replication from ``records.csv`` (:func:`sim.metrics.paired_difference`), and the table says so.
"""

from __future__ import annotations

import io
import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from sim import designs, metrics, output
from sim.derived import OUTCOMES

log = logging.getLogger(__name__)

SWEEP_CSV = "sweep.csv"
SWEEP_PARQUET = "sweep.parquet"
FAILED_CSV = "failed_jobs.csv"
DESIGN_CSV = "design.csv"
ERROR_FILE = "error.json"
PAIRED_METHOD = "paired (common random numbers)"
# Figure limits: beyond these a figure is unreadable, so it is left out (the table has it all).
MAX_HEATMAP_LEVELS = 20
MAX_BAR_JOBS = 40
MAX_SURVIVAL_CURVES = 8
MAX_LABEL_LEVERS = 2  # more varying levers (e.g. a sampled design): jobs are labelled by number
# Means reported per job: (summary key, column stem, records column for the paired difference).
MEANS = (
    ("strikes", "mean_strikes", "n_strikes"),
    ("members_remaining", "mean_members_remaining", "members_remaining"),
    ("final_territory", "mean_final_territory", "final_territory"),
)
# Override keys that describe the design rather than a job's parameters.
_DESIGN_SPACE_PREFIX = "design.space."
_SKIPPED_KEYS = ("design.second_order",)


@dataclass
class Job:
    """One job folder of a sweep."""

    num: int
    path: Path
    status: str  # ok | failed | incomplete
    overrides: list[str]
    error_type: str = ""
    message: str = ""
    summary: dict[str, Any] = field(default_factory=dict)
    rel_path: str = ""

    @property
    def params(self) -> dict[str, str]:
        """Overrides as ``{key: value}`` (``+``/``++`` prefixes dropped)."""
        return parse_overrides(self.overrides)


@dataclass
class SweepTables:
    """What :func:`aggregate` produced."""

    table: pd.DataFrame
    failed: pd.DataFrame
    levers: list[str]
    reference: int | None
    files: list[Path]


def parse_overrides(overrides: Sequence[str]) -> dict[str, str]:
    """``["+a.b=1", "c=x"]`` → ``{"a.b": "1", "c": "x"}`` (deletions ``~key`` are skipped)."""
    out: dict[str, str] = {}
    for item in overrides:
        if item.startswith("~") or "=" not in item:
            continue
        key, value = item.split("=", 1)
        out[key.lstrip("+")] = value
    return out


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _job_num(job_dir: Path) -> int | None:
    try:
        hydra_yaml = yaml.load((job_dir / ".hydra" / "hydra.yaml").read_text(encoding="utf-8"),
                               Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        return int(hydra_yaml["hydra"]["job"]["num"])
    except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError):
        return int(job_dir.name) if job_dir.name.isdigit() else None


def find_jobs(sweep_dir: Path) -> list[Job]:
    """Every job folder under ``sweep_dir`` (those with ``.hydra/overrides.yaml``), by number."""
    jobs = []
    for marker in sorted(Path(sweep_dir).rglob(".hydra/overrides.yaml")):
        job_dir = marker.parent.parent
        num = _job_num(job_dir)
        task = yaml.safe_load(marker.read_text(encoding="utf-8")) or []
        manifest = _read_json(job_dir / output.MANIFEST)
        error = _read_json(job_dir / ERROR_FILE)
        if manifest is not None and output.is_complete(job_dir):
            summary = _read_json(job_dir / "summary.json") or {}
            jobs.append(Job(num if num is not None else -1, job_dir, "ok",
                            list(manifest.get("overrides", task)), summary=summary))
        elif error is not None:
            jobs.append(Job(num if num is not None else -1, job_dir, "failed",
                            list(error.get("overrides", task)), error.get("error_type", ""),
                            error.get("message", "")))
        else:
            jobs.append(Job(num if num is not None else -1, job_dir, "incomplete", list(task),
                            "Incomplete", "no manifest and no error.json: the job was killed, "
                            "is still running, or crashed outside the simulation"))
    for job in jobs:
        job.rel_path = job.path.relative_to(sweep_dir).as_posix()
    return sorted(jobs, key=lambda j: (j.num, str(j.path)))


def _numeric(series: pd.Series) -> pd.Series:
    converted = pd.to_numeric(series, errors="coerce")
    return converted if converted.notna().sum() == series.notna().sum() else series


def _summary_row(summary: Mapping[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "scenario": summary.get("scenario"),
        "replications": summary.get("replications"),
        "seed": summary.get("seed"),
        "weeks": summary.get("weeks"),
        "engine": summary.get("engine"),
    }
    for name in OUTCOMES:
        entry = summary["outcomes"][name]
        row[f"p_{name}"], row[f"p_{name}_lo"], row[f"p_{name}_hi"] = (
            entry["p"], entry["lo"], entry["hi"])
    horizon = str(summary["weeks"])
    cf = summary["ceasefire_within"].get(horizon, {})
    row["p_ceasefire_by_horizon"] = cf.get("p")
    row["p_ceasefire_by_horizon_lo"] = cf.get("lo")
    row["p_ceasefire_by_horizon_hi"] = cf.get("hi")
    col = summary["collapse_after_ceasefire"]
    row["p_collapse_given_ceasefire"] = col["p"]
    row["p_collapse_given_ceasefire_lo"] = col["lo"]
    row["p_collapse_given_ceasefire_hi"] = col["hi"]
    row["median_week_first_ceasefire"] = summary.get("median_week_first_ceasefire")
    row["median_peace_weeks_km"] = (summary.get("peace_duration") or {}).get("median_weeks")
    for key, stem, _ in MEANS:
        entry = summary[key]
        row[stem], row[f"{stem}_lo"], row[f"{stem}_hi"] = entry["mean"], entry["lo"], entry["hi"]
    return row


def _read_records(job: Job) -> pd.DataFrame:
    return pd.read_csv(job.path / "records.csv", dtype={"seed": "uint64"})


def _paired_row(records: pd.DataFrame, ref: pd.DataFrame) -> dict[str, Any]:
    row: dict[str, Any] = {}
    measures: list[tuple[str, Any]] = [
        (f"diff_p_{name}", metrics.outcome_indicator(name)) for name in OUTCOMES]
    measures += [(f"diff_{stem}", column) for _, stem, column in MEANS]
    for stem, what in measures:
        d = metrics.paired_difference(records, ref, what)
        row[stem], row[f"{stem}_lo"], row[f"{stem}_hi"] = d["diff"], d["lo"], d["hi"]
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


def choose_reference(jobs: Sequence[Job], reference: int | str | None) -> Job | None:
    """The reference job: by number, by ``"key=value ..."`` overrides, or the first finished job."""
    ok = [j for j in jobs if j.status == "ok"]
    if not ok:
        return None
    if reference is None or reference == "":
        return ok[0]
    if isinstance(reference, int) or str(reference).strip().isdigit():
        found = [j for j in ok if j.num == int(reference)]
    else:
        wanted = parse_overrides(str(reference).split())
        found = [j for j in ok if _match(j.params, wanted)]
    if not found:
        log.warning("reference %r matches no finished job; using job %d", reference, ok[0].num)
        return ok[0]
    return found[0]


def _override_columns(jobs: Sequence[Job]) -> list[str]:
    keys: list[str] = []
    for job in jobs:
        for key in job.params:
            if key not in keys and not key.startswith(_DESIGN_SPACE_PREFIX) \
                    and key not in _SKIPPED_KEYS:
                keys.append(key)
    return keys


def build_table(jobs: Sequence[Job], reference: int | str | None = None
                ) -> tuple[pd.DataFrame, list[str], Job | None]:
    """The tidy sweep table (one row per job), the varying levers and the reference job."""
    keys = _override_columns(jobs)
    ref = choose_reference(jobs, reference)
    ref_records = _read_records(ref) if ref is not None else None
    ref_overrides = " ".join(ref.overrides) if ref is not None else ""
    rows = []
    for job in jobs:
        row: dict[str, Any] = {"job": job.num, "status": job.status}
        params = job.params
        row.update({key: params.get(key) for key in keys})
        if job.status == "ok":
            row.update(_summary_row(job.summary))
            row["reference_job"] = ref.num if ref is not None else None
            row["reference_overrides"] = ref_overrides
            try:
                row.update(_paired_row(_read_records(job), ref_records))
                row["diff_vs_reference_method"] = PAIRED_METHOD
            except ValueError as err:  # different replications or seeds: no pairing possible
                row["diff_vs_reference_method"] = f"not computed: {err}"
        else:
            row["error"] = f"{job.error_type}: {job.message}"
        row["path"] = job.rel_path
        rows.append(row)
    table = pd.DataFrame(rows)
    for key in keys:
        table[key] = _numeric(table[key])
    ok = table[table["status"] == "ok"] if len(table) else table
    levers = [k for k in keys if k in ok and ok[k].nunique(dropna=False) > 1]
    return table, levers, ref


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame = df.copy()
    for col in frame.columns:  # mixed object columns (e.g. numbers and text) are stored as text
        if frame[col].dtype == object:
            frame[col] = frame[col].map(lambda v: None if v is None or v is pd.NA
                                        or (isinstance(v, float) and math.isnan(v)) else str(v))
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def _label(job_params: Mapping[str, Any], levers: Sequence[str]) -> str:
    if not levers or len(levers) > MAX_LABEL_LEVERS:
        return f"job {job_params['job']}"
    return ", ".join(f"{k.split('.')[-1]}={job_params[k]}" for k in levers)


def sweep_figures(table: pd.DataFrame, levers: Sequence[str], jobs: Sequence[Job]
                  ) -> dict[str, Any]:
    """The sweep figures by file stem (empty if no job finished)."""
    from sim import plots

    ok = table[table["status"] == "ok"].copy()
    if ok.empty:
        return {}
    seeds = sorted({int(s) for s in ok["seed"]})
    reps = sorted({int(r) for r in ok["replications"]})
    notes = ["replications per job" if len(reps) == 1 else "at most; replications differ"]
    if len(seeds) > 1:
        notes.append("seeds differ")
    cap = plots.caption(f"sweep of {len(ok)} jobs", reps[-1], seeds[0], "; ".join(notes))
    ok["label"] = [_label(row, levers) for row in ok.to_dict("records")]
    figs: dict[str, Any] = {}

    if len(levers) == 2:
        x, y = levers
        if (not ok.duplicated([x, y]).any() and ok[x].nunique() <= MAX_HEATMAP_LEVELS
                and ok[y].nunique() <= MAX_HEATMAP_LEVELS):
            for name in OUTCOMES:
                figs[f"heatmap_{name}"] = plots.plot_heatmap(
                    ok, x, y, f"p_{name}", cap, title=f"P({name}) by {x} and {y}",
                    value_label=f"P({name})")

    if len(ok) <= MAX_BAR_JOBS:
        long = pd.concat([
            pd.DataFrame({"job": ok["label"], "outcome": name, "p": ok[f"p_{name}"],
                          "lo": ok[f"p_{name}_lo"], "hi": ok[f"p_{name}_hi"]})
            for name in OUTCOMES], ignore_index=True)
        figs["outcomes"] = plots.plot_grouped_bars(
            long, "job", "outcome", "p", "lo", "hi", cap, title="Outcome probabilities by job",
            xlabel=", ".join(levers) if 0 < len(levers) <= MAX_LABEL_LEVERS else "job",
            ylabel="probability")

    by_num = {j.num: j for j in jobs}
    groups = _survival_groups(ok, levers)
    for stem, rows in groups.items():
        curves = {}
        for row in rows.itertuples():
            path = by_num[row.job].path / "survival.csv"
            curves[row.label] = pd.read_csv(path)
        figs[stem] = plots.plot_survival_overlay(curves, cap)
    return figs


def _survival_groups(ok: pd.DataFrame, levers: Sequence[str]) -> dict[str, pd.DataFrame]:
    """Jobs per survival overlay: all in one if few, else one figure per level of a lever."""
    if len(ok) <= MAX_SURVIVAL_CURVES:
        return {"survival": ok}
    if len(levers) == 2:
        first, second = levers
        groups = {}
        for level, sub in ok.groupby(first, sort=False):
            if len(sub) > MAX_SURVIVAL_CURVES:
                return {}
            sub = sub.assign(label=[_label(r, [second]) for r in sub.to_dict("records")])
            groups[f"survival_{first.split('.')[-1]}={level}"] = sub
        return groups
    return {}


def design_spec(jobs: Sequence[Job]) -> designs.DesignSpec | None:
    """The sampled design of a sweep (from the first job's composed config), if it has one."""
    for job in jobs:
        try:
            cfg = yaml.safe_load((job.path / ".hydra" / "config.yaml").read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(cfg, dict) and isinstance(cfg.get(designs.DESIGN_KEY), dict):
            try:
                return designs.spec_from_mapping(cfg[designs.DESIGN_KEY])
            except ValueError:
                return None
    return None


def _design_table(jobs: Sequence[Job], spec: designs.DesignSpec | None = None
                  ) -> pd.DataFrame | None:
    """The sampled design (regenerated from its spec) with the job and status of each point."""
    spec = spec if spec is not None else design_spec(jobs)
    if spec is None:
        return None
    table = designs.generate(spec)
    ran = {}
    for j in jobs:
        idx = j.params.get(designs.INDEX_COLUMN)
        if idx is not None and idx.isdigit():
            ran[int(idx)] = (j.num, j.status)
    table["job"] = [ran.get(i, (None, None))[0] for i in table[designs.INDEX_COLUMN]]
    table["status"] = [ran.get(i, (None, "not run"))[1] for i in table[designs.INDEX_COLUMN]]
    return table


def _analyse_design(sweep_dir: Path, spec: designs.DesignSpec, table: pd.DataFrame, *,
                    make_figures: bool, discovery: bool | None, prim_quantile: float,
                    prim_thresholds: Mapping[str, float] | None) -> list[Path]:
    """Sensitivity indices (Morris, Saltelli) and scenario discovery of a sampled sweep.

    The sweep table is already written; an error here is recorded in ``sensitivity.md`` (or
    logged) instead of failing the aggregate.
    """
    from sim import sensitivity

    files: list[Path] = []
    if spec.method in sensitivity.INDEX_METHODS:
        try:
            files += sensitivity.write_indices(sweep_dir, spec, table, figures=make_figures)
        except Exception as err:  # the sweep table is written: record the error, keep going
            log.exception("sensitivity indices failed")
            output.atomic_write(sweep_dir / sensitivity.SENSITIVITY_MD,
                                "# Sensitivity analysis failed\n\n"
                                f"{type(err).__name__}: {err}\n")
            files.append(sweep_dir / sensitivity.SENSITIVITY_MD)
    if discovery if discovery is not None else spec.method == "lhs":
        try:
            files += sensitivity.write_discovery(sweep_dir, spec, table,
                                                 quantile=prim_quantile,
                                                 thresholds=prim_thresholds)
        except Exception:  # the sweep table is written: log the error, keep going
            log.exception("scenario discovery (PRIM) failed")
    return files


def aggregate(sweep_dir: Path, reference: int | str | None = None,
              make_figures: bool = True, *, analysis: bool = True,
              discovery: bool | None = None, prim_quantile: float = 0.75,
              prim_thresholds: Mapping[str, float] | None = None) -> SweepTables:
    """Aggregate a sweep directory; write the table, failed jobs, design and figures there.

    For a sampled design it also writes the sensitivity indices (Morris or Saltelli designs:
    ``sensitivity.csv``/``.md``, ``figures/sensitivity_<outcome>.png``) and the scenario
    discovery (``prim_<outcome>.csv``/``.md``; by default for Latin hypercubes), see
    :mod:`sim.sensitivity`.

    Args:
        sweep_dir: The multirun's ``hydra.sweep.dir``.
        reference: The reference job for paired differences: ``None`` (first finished job), a
            job number, or ``"key=value ..."`` matched against the jobs' overrides.
        make_figures: Also write ``figures/*.png``.
        analysis: Analyse a sampled design (indices, scenario discovery).
        discovery: Run scenario discovery (PRIM): ``None`` for Latin hypercubes only.
        prim_quantile: A point is escalation- or collapse-prone above this quantile.
        prim_thresholds: Fixed thresholds by outcome column instead, e.g.
            ``{"p_escalation": 0.1}``.
    """
    from sim import plots

    sweep_dir = Path(sweep_dir)
    jobs = find_jobs(sweep_dir)
    table, levers, ref = build_table(jobs, reference)
    files = []
    output.atomic_write(sweep_dir / SWEEP_CSV, table.to_csv(index=False, lineterminator="\n"))
    output.atomic_write(sweep_dir / SWEEP_PARQUET, _parquet_bytes(table))
    files += [sweep_dir / SWEEP_CSV, sweep_dir / SWEEP_PARQUET]

    failed = pd.DataFrame(
        [{"job": j.num, "status": j.status, "overrides": " ".join(j.overrides),
          "error_type": j.error_type, "message": j.message, "path": j.rel_path}
         for j in jobs if j.status != "ok"],
        columns=["job", "status", "overrides", "error_type", "message", "path"])
    output.atomic_write(sweep_dir / FAILED_CSV, failed.to_csv(index=False, lineterminator="\n"))
    files.append(sweep_dir / FAILED_CSV)

    spec = design_spec(jobs)
    design = _design_table(jobs, spec)
    if design is not None:
        output.atomic_write(sweep_dir / DESIGN_CSV,
                            design.to_csv(index=False, lineterminator="\n"))
        files.append(sweep_dir / DESIGN_CSV)
        missing = int((design["status"] != "ok").sum())
        if missing:
            log.warning("%d of %d design points have no finished job (see %s)", missing,
                        len(design), DESIGN_CSV)

    if make_figures:
        for stem, fig in sweep_figures(table, levers, jobs).items():
            files.append(plots.save_figure(fig, sweep_dir / "figures" / f"{stem}.png"))
    if spec is not None and analysis:
        files += _analyse_design(sweep_dir, spec, table, make_figures=make_figures,
                                 discovery=discovery, prim_quantile=prim_quantile,
                                 prim_thresholds=prim_thresholds)
    if len(failed):
        log.warning("%d of %d jobs did not finish: see %s", len(failed), len(jobs),
                    sweep_dir / FAILED_CSV)
    log.info("sweep table: %s (%d jobs, levers: %s)", sweep_dir / SWEEP_CSV, len(jobs),
             ", ".join(levers) or "none")
    return SweepTables(table, failed, levers, ref.num if ref is not None else None, files)


class SweepAggregator(Callback):
    """Aggregate the sweep directory at the end of every multirun (see :func:`aggregate`).

    Args:
        reference: The reference job for paired differences (``None``: the first finished job;
            a job number; or ``"key=value ..."``).
        figures: Also write the sweep figures.
        analysis: Analyse a sampled design: sensitivity indices and scenario discovery.
        discovery: Scenario discovery (PRIM): ``None`` for Latin hypercubes only, or always /
            never.
        prim_quantile: A design point is escalation- or collapse-prone when its probability
            exceeds this quantile over the points...
        prim_thresholds: ...or these fixed thresholds by outcome column.
    """

    def __init__(self, reference: int | str | None = None, figures: bool = True,
                 analysis: bool = True, discovery: bool | None = None,
                 prim_quantile: float = 0.75,
                 prim_thresholds: Mapping[str, float] | None = None) -> None:
        self.reference = reference
        self.figures = figures
        self.analysis = analysis
        self.discovery = discovery
        self.prim_quantile = float(prim_quantile)
        self.prim_thresholds = {str(k): float(v) for k, v in (prim_thresholds or {}).items()}

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Write ``sweep.csv``, ``sweep.parquet``, ``failed_jobs.csv`` and figures."""
        sweep_dir = Path(config.hydra.sweep.dir)
        if not sweep_dir.is_dir():
            return
        result = aggregate(sweep_dir, self.reference, self.figures, analysis=self.analysis,
                           discovery=self.discovery, prim_quantile=self.prim_quantile,
                           prim_thresholds=self.prim_thresholds)
        n_ok = int((result.table["status"] == "ok").sum()) if len(result.table) else 0
        print(f"sweep: {n_ok} of {len(result.table)} jobs finished; table {sweep_dir / SWEEP_CSV}")
        if len(result.failed):
            print(f"sweep: jobs not finished: {len(result.failed)}; see {sweep_dir / FAILED_CSV}")
        for path in result.files:
            if path.suffix == ".md":  # the analysis reports of a sampled design
                print(f"sweep: {path.stem.replace('_', ' ')}: {path}")
