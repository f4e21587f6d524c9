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

LAST: dict[str, int] = {}
"""Points not finished in the last aggregated sweep of this process (read by the CLI, which then
exits non-zero)."""

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

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Write the sweep table, failed points, design, figures and analyses."""
        from sim.sweeps.aggregate import FAILED_CSV, SWEEP_CSV, aggregate

        sweep_dir = Path(config.hydra.sweep.dir)
        if not sweep_dir.is_dir():
            return
        result = aggregate(sweep_dir, self.reference, self.figures, records=self.records,
                           analysis=self.analysis,
                           discovery=self.discovery, prim_quantile=self.prim_quantile,
                           prim_thresholds=self.prim_thresholds)
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
