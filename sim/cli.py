"""The command-line app: ``ceasefire-sim [scenario=NAME] [key=value ...]`` (a Hydra app).

It composes ``conf/``, validates the config before any simulation, runs the replications, prints
the summary table and writes the results folder (:mod:`sim.output`) into Hydra's output directory.
It computes no model logic itself.

In a multirun (``-m``, or an ``+experiment=`` preset) every job writes its folder into the sweep
directory; a job that fails writes ``error.json`` there instead of stopping the sweep, a job whose
folder already holds complete results of the same overrides is skipped (resume), and a sampled
design's job sets its point's values (:mod:`sim.designs`). The sweep is aggregated at the end by
:class:`sim.callbacks.SweepAggregator`.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import traceback
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from sim import designs, experiment, metrics, output
from sim.api import config_from_omegaconf
from sim.config import ConfigError, register_configs
from sim.overrides import check_overrides
from sim.resources import conf_dir

log = logging.getLogger(__name__)
EXIT_BAD_CONFIG = 2
ERROR_FILE = "error.json"  # a failed multirun job's record (it has no manifest)

register_configs()


def _discard_run_dir(outdir: Path) -> None:
    """Remove what Hydra wrote for a run that never started (its .hydra folder and job log)."""
    shutil.rmtree(outdir / ".hydra", ignore_errors=True)
    for logfile in outdir.glob("*.log"):
        logfile.unlink(missing_ok=True)
    try:
        outdir.rmdir()
    except OSError:
        pass  # not empty: it held something else, leave it


def _record_failure(outdir: Path, job: int, overrides: list[str], err: BaseException) -> None:
    """Write ``error.json`` for a multirun job that failed, so the sweep can go on."""
    record = {
        "job": job,
        "overrides": overrides,
        "error_type": type(err).__name__,
        "message": str(err),
        "traceback": "".join(traceback.format_exception(err)),
    }
    (outdir / output.MANIFEST).unlink(missing_ok=True)  # stale results of other overrides
    output.atomic_write(outdir / ERROR_FILE, json.dumps(record, indent=2) + "\n")
    print(f"error: job {job} ({outdir}): {err}", file=sys.stderr)
    log.error("job %d failed (%s): %s", job, type(err).__name__, err)


def _already_done(outdir: Path, overrides: list[str]) -> bool:
    """Whether ``outdir`` holds complete results of these same overrides (resume)."""
    if not output.is_complete(outdir):
        return False
    manifest = json.loads((outdir / output.MANIFEST).read_text(encoding="utf-8"))
    return manifest.get("overrides") == overrides


def run_job(dcfg: DictConfig) -> dict | None:
    """Validate, run and write one job; return the summary (``None`` if skipped or failed).

    In a multirun, a job whose folder already holds complete results of the same overrides is
    skipped (resume), and a job that fails writes ``error.json`` instead of stopping the sweep.
    """
    hc = HydraConfig.get()
    outdir = Path(hc.runtime.output_dir)
    overrides = list(hc.overrides.task)
    multirun = hc.mode == RunMode.MULTIRUN
    job = int(hc.job.num) if multirun else 0
    try:
        dcfg, point = designs.apply_design(dcfg)
        overrides += [designs.format_override(k, v) for k, v in point.items()]
        cfg = config_from_omegaconf(dcfg)
    except ConfigError as err:
        if multirun:
            _record_failure(outdir, job, overrides, err)
            return None
        _discard_run_dir(outdir)
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_CONFIG) from None
    if multirun and _already_done(outdir, overrides):
        log.info("job %d: complete results already in %s, skipped", job, outdir)
        print(f"skipped (complete): {outdir}")
        return None
    log.info("scenario %s: %d replications × %d weeks, seed %d, engine %s", cfg.name,
             cfg.sim.replications, cfg.sim.weeks, cfg.sim.seed, cfg.sim.engine)
    try:
        results = experiment.run(cfg)
        output.write_results(results, outdir, overrides=overrides)
    except Exception as err:
        if not multirun:
            raise
        _record_failure(outdir, job, overrides, err)
        return None
    (outdir / ERROR_FILE).unlink(missing_ok=True)
    print(metrics.format_summary(results.summary))
    print(f"results: {outdir}")
    return results.summary


@hydra.main(version_base="1.3", config_path=str(conf_dir()), config_name="config")
def _hydra_main(dcfg: DictConfig) -> None:
    run_job(dcfg)


def main() -> None:
    """Entry point of ``ceasefire-sim`` and ``python -m sim``.

    Command-line overrides are checked against the schema first, so a mistake gets one clear line
    (key, value, what is allowed) and exit code 2 before Hydra creates any output folder.
    """
    try:
        check_overrides(sys.argv[1:])
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_CONFIG) from None
    _hydra_main()
