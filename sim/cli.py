"""The command-line app: ``ceasefire-sim [scenario=NAME] [key=value ...]`` (a Hydra app).

It composes ``conf/``, validates the config before any simulation, runs the replications, prints
the summary table and writes the results folder (:mod:`sim.output`) into Hydra's output directory.
It computes no model logic itself.
"""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim import experiment, metrics, output
from sim.api import config_from_omegaconf
from sim.config import ConfigError, register_configs
from sim.overrides import check_overrides
from sim.resources import conf_dir

log = logging.getLogger(__name__)
EXIT_BAD_CONFIG = 2

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


def run_job(dcfg: DictConfig) -> dict | None:
    """Validate, run and write one job; return the summary (``None`` if already complete)."""
    hc = HydraConfig.get()
    outdir = Path(hc.runtime.output_dir)
    try:
        cfg = config_from_omegaconf(dcfg)
    except ConfigError as err:
        _discard_run_dir(outdir)
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_CONFIG) from None
    log.info("scenario %s: %d replications × %d weeks, seed %d, engine %s", cfg.name,
             cfg.sim.replications, cfg.sim.weeks, cfg.sim.seed, cfg.sim.engine)
    results = experiment.run(cfg)
    output.write_results(results, outdir, overrides=list(hc.overrides.task))
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
