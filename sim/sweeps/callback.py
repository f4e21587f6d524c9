"""The Hydra callback that aggregates a sweep at the end of every multirun.

Registered in ``conf/config.yaml`` under ``hydra.callbacks.aggregate``; it calls
:func:`sim.sweeps.aggregate.aggregate` on the sweep directory, whatever sweeper and launcher ran it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

LAST: dict[str, Any] = {}
"""What the CLI reports at the end: ``failed`` and ``points`` of the last aggregated sweep of this
process (it then exits non-zero), and ``sweep_dir`` of the sweep under way (named when the user
interrupts it)."""

# Overrides that say how a sweep runs, not what it computes: a sweep folder may be resumed with
# other values of these.
HOW_IT_RUNS = ("hydra.launcher", "hydra/launcher", "hydra.sweeper.points_per_job",
               "hydra.sweeper.workers_per_job", "hydra.sweeper.cluster_points_per_job",
               "hydra.sweep.", "hydra.run.", "hydra.job.chdir", "hydra.callbacks",
               "hydra.verbose", "hydra.job_logging", "hydra/job_logging", "hydra.hydra_logging",
               "hydra/hydra_logging", "hydra.mode", "hydra.output_subdir", "sim.n_jobs",
               "sim.chunk_size", "sim.progress")


def _counts(override: str) -> bool:
    key = override.lstrip("+~").split("=", 1)[0]
    for prefix in HOW_IT_RUNS:
        stem = prefix.rstrip(".")
        if key == stem or key.startswith(f"{stem}."):
            return False
    return True


def sweep_command(config: Any) -> list[str]:
    """The overrides that decide what a sweep computes (its launcher and workers left out)."""
    overrides = config.hydra.overrides
    return [str(o) for o in [*overrides.hydra, *overrides.task] if _counts(str(o))]


def check_sweep_folder(config: Any) -> None:
    """Refuse a sweep into a folder that holds another command's sweep.

    A sweep folder holds one command's points: rerunning the same command resumes it (launcher
    and worker settings may change), but other overrides would mix two sweeps in one table.

    Raises:
        ConfigError: naming the folder, the command it holds and what to do.
    """
    from omegaconf import OmegaConf

    from sim.config import ConfigError

    sweep_dir = Path(str(config.hydra.sweep.dir))
    previous = sweep_dir / "multirun.yaml"
    if not previous.is_file():
        return
    try:
        before = sweep_command(OmegaConf.load(previous))
    except Exception as err:  # noqa: BLE001 (any unreadable file: refuse, do not guess)
        raise ConfigError(f"hydra.sweep.dir={sweep_dir} holds a multirun.yaml that cannot be "
                          f"read ({type(err).__name__}): give another hydra.sweep.dir") from None
    now = sweep_command(config)
    if before != now:
        held = " ".join(before) or "no overrides"
        given = " ".join(now) or "no overrides"
        raise ConfigError(f"hydra.sweep.dir={sweep_dir} holds another sweep ({held}), not this "
                          f"one ({given}): give another hydra.sweep.dir, or rerun that command "
                          "to resume it")


SUMMARY_ROWS = 25


def paired_summary(table: Any, reference: int | None, levers: Any = ()) -> str:
    """A short paired table: each point's P(war or escalation) and failure rate, and its
    difference from the reference point with the paired 95% interval."""
    import math

    from sim.sweeps.aggregate import point_label

    if reference is None or not len(table):
        return "sweep: no finished point to compare"
    ok = table[table["status"] == "ok"]
    head = (f"Paired against point {reference} (common random numbers): P(war or escalation) "
            "and ceasefire failures per 100 ceasefire-weeks")
    lines = [head]
    for _, row in ok.head(SUMMARY_ROWS).iterrows():
        label = point_label(row.to_dict(), levers) if levers else f"point {int(row['point'])}"
        line = f"  {str(label)[:48]:<48} {row['p_war_or_escalation']:.3f}"
        if int(row["point"]) == reference:
            line += "   (reference)"
        else:
            d, lo, hi = (row.get(k) for k in ("diff_p_war_or_escalation",
                                              "diff_p_war_or_escalation_lo",
                                              "diff_p_war_or_escalation_hi"))
            line += f"  {d:+.3f} [{lo:+.3f}, {hi:+.3f}]"
            hr = row.get("hazard_ratio")
            if hr is not None and not math.isnan(hr):
                line += (f"   rate {row['collapse_hazard']:.2f}, ratio {hr:.2f} "
                         f"[{row['hazard_ratio_lo']:.2f}, {row['hazard_ratio_hi']:.2f}]")
        lines.append(line)
    if len(ok) > SUMMARY_ROWS:
        lines.append(f"  ... {len(ok) - SUMMARY_ROWS} more points in sweep.csv")
    return "\n".join(lines)


class SweepAggregator(Callback):
    """Aggregate the sweep directory at the end of every multirun.

    Args:
        reference: The reference point for paired differences (``None``: the first finished
            point; a point number; or ``"key=value ..."``).
        figures: Also write the sweep figures.
        records: Also write ``records.parquet``, every point's records in one table.
        analysis: Analyse a design: sensitivity indices and scenario discovery.
        discovery: Scenario discovery (PRIM): ``None`` for Latin hypercubes only, or always /
            never.
        prim_quantile: A design point is escalation- or collapse-prone when its outcome exceeds
            this quantile over the points...
        prim_thresholds: ...or these fixed thresholds by outcome column.
    """

    def __init__(self, reference: int | str | None = None, figures: bool = True,
                 records: bool = True, analysis: bool = True, discovery: bool | None = None,
                 prim_quantile: float = 0.75,
                 prim_thresholds: Mapping[str, float] | None = None) -> None:
        self.reference = reference
        self.figures = figures
        self.records = bool(records)
        self.analysis = analysis
        self.discovery = discovery
        self.prim_quantile = float(prim_quantile)
        self.prim_thresholds = {str(k): float(v) for k, v in (prim_thresholds or {}).items()}

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Refuse a sweep folder that holds another command's sweep (one line, exit 2)."""
        import sys

        from sim.config import ConfigError

        LAST["sweep_dir"] = str(config.hydra.sweep.dir)
        try:
            check_sweep_folder(config)
        except ConfigError as err:
            LAST.pop("sweep_dir", None)
            print(f"error: {err}", file=sys.stderr)
            raise SystemExit(2) from None

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Write the sweep table, failed points, design, figures and analyses."""
        import sys

        from sim.sweeps.aggregate import FAILED_CSV, SWEEP_CSV, aggregate

        sweep_dir = Path(config.hydra.sweep.dir)
        LAST.pop("sweep_dir", None)
        if not sweep_dir.is_dir():
            return
        try:
            result = aggregate(sweep_dir, self.reference, self.figures, records=self.records,
                               analysis=self.analysis, discovery=self.discovery,
                               prim_quantile=self.prim_quantile,
                               prim_thresholds=self.prim_thresholds)
        except OSError as err:  # a full disk, a read-only folder: say which path and why
            print(f"error: the sweep's points are written, but its aggregate is not: {err}",
                  file=sys.stderr)
            raise SystemExit(2) from None
        n_ok = int((result.table["status"] == "ok").sum()) if len(result.table) else 0
        print(paired_summary(result.table, result.reference, result.levers))
        print(f"sweep: {n_ok} of {len(result.table)} points finished; table "
              f"{sweep_dir / SWEEP_CSV}")
        if len(result.failed):
            print(f"sweep: points not finished: {len(result.failed)}; see "
                  f"{sweep_dir / FAILED_CSV}")
            LAST["failed"] = len(result.failed)
            LAST["points"] = len(result.table)
        for path in result.files:
            if path.suffix == ".md":  # the analysis reports of a design
                print(f"sweep: {path.stem.replace('_', ' ')}: {path}")
