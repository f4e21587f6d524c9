"""The command-line app: ``ceasefire-sim [scenario=NAME] [key=value ...]`` (a Hydra app).

It composes ``conf/``, validates the config before any simulation, runs the replications, prints
the summary table and writes the results folder (:mod:`sim.output`) into Hydra's output directory.
It computes no model logic itself.

In a multirun of the design sweeper (``hydra/sweeper=design``, which the experiment presets
select) each Hydra job runs a *block* of points (:mod:`sim.sweeps.block`), each point writing its
own folder ``<sweep dir>/<point>/``. Under Hydra's basic sweeper each job is one point: it writes
its folder, or ``error.json`` if it fails, and is skipped if its folder already holds complete
results of the same overrides (resume). Either way the sweep is aggregated at the end
(:class:`sim.sweeps.callback.SweepAggregator`).

``design.<key>=value`` on the command line is short for ``hydra.sweeper.design.<key>=value``
(e.g. ``ceasefire-sim +experiment=sobol design.n=64``).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from sim import output
from sim.config import ConfigError, config_from_omegaconf, register_configs
from sim.overrides import check_overrides, flags_first
from sim.resources import conf_dir
from sim.sweeps import folders
from sim.sweeps.designs import FIELDS as DESIGN_FIELDS
from sim.sweeps.plan import FIGURES_KEY, SWEEPER_TARGET, override_keys

log = logging.getLogger(__name__)
EXIT_BAD_CONFIG = 2
EXIT_SWEEP_FAILED = 1
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
DESIGN_PREFIX = "design."
SWEEPER_DESIGN = "hydra.sweeper.design."
SWEEPER_GROUP = "hydra/sweeper="

register_configs()


def design_args(argv: Sequence[str]) -> list[str]:
    """Expand the shorthand ``design.<key>=value`` to ``hydra.sweeper.design.<key>=value``.

    ``design.space.<group>.<name>=...`` adds or replaces a factor (``++``), ``~design.space...``
    removes one; a leading ``+`` (the old ``+design.*`` syntax) is accepted. Other arguments pass
    through unchanged. With a design argument and no sweeper chosen, ``hydra/sweeper=design`` is
    added (the design belongs to that sweeper).

    Raises:
        ConfigError: on an unknown design key (e.g. the old ``design.index``).
    """
    out = []
    for arg in argv:
        body = arg.lstrip("+~")
        if not body.startswith(DESIGN_PREFIX):
            out.append(arg)
            continue
        key = body.split("=", 1)[0][len(DESIGN_PREFIX):]
        top = key.split(".", 1)[0]
        if top not in DESIGN_FIELDS:
            raise ConfigError(f"design.{key}: unknown design setting; allowed "
                              f"{', '.join(DESIGN_FIELDS)} (the sweeper runs every point: no "
                              "index range is needed)")
        if arg.startswith("~"):
            out.append(f"~{SWEEPER_DESIGN}{body[len(DESIGN_PREFIX):]}")
        elif top == "space":
            out.append(f"++{SWEEPER_DESIGN}{body[len(DESIGN_PREFIX):]}")
        else:
            out.append(f"{SWEEPER_DESIGN}{body[len(DESIGN_PREFIX):]}")
    if out != list(argv) and not any(a.startswith(SWEEPER_GROUP) for a in out):
        out.append(f"{SWEEPER_GROUP}design")
    return out


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
    """Validate, run and write one job; return its summary (``None`` if skipped or failed).

    A block job of the design sweeper returns the counts of its points instead.
    """
    hc = HydraConfig.get()
    multirun = hc.mode == RunMode.MULTIRUN
    if multirun and hc.sweeper.get("_target_") == SWEEPER_TARGET:
        from sim.sweeps.block import run_block_job

        return run_block_job(dcfg, hc)
    outdir = Path(hc.runtime.output_dir)
    overrides = list(hc.overrides.task)
    job = int(hc.job.num) if multirun else 0
    if not multirun:
        from sim.sweeps.callback import LAST

        LAST["run_dir"] = str(outdir)
    def failed(err: BaseException) -> None:
        """A sweep records the job's failure and goes on; a single run refuses in one line."""
        if multirun:
            folders.record_failure(outdir, job, overrides, err)
            return
        _discard_run_dir(outdir)
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_CONFIG) from None

    try:
        cfg = config_from_omegaconf(dcfg)
    except ConfigError as err:
        return failed(err)
    if multirun and FIGURES_KEY not in override_keys(overrides):
        cfg.sim.figures = False  # per-job figures only when asked for; the sweep draws its own
    if multirun and folders.already_done(outdir, overrides):
        log.info("job %d: complete results already in %s, skipped", job, outdir)
        print(f"skipped (complete): {outdir}")
        return None
    log.info("scenario %s: %d replications × %d weeks, seed %d, engine %s", cfg.name,
             cfg.sim.replications, cfg.sim.weeks, cfg.sim.seed, cfg.sim.engine)
    if cfg.sim.task == "dilemma_map":
        return _dilemma_map(cfg, outdir, overrides)
    try:
        from sim import experiment  # numpy-heavy modules load only when a job runs

        results = experiment.run(cfg)
        output.write_results(results, outdir, overrides=overrides)
    except (ConfigError, OSError) as err:
        return failed(err)
    except Exception as err:
        if not multirun:
            raise
        folders.record_failure(outdir, job, overrides, err)
        return None
    folders.clear_failure(outdir)
    if not multirun:
        from sim.sweeps.callback import LAST

        LAST.pop("run_dir", None)
    from sim import metrics

    print(metrics.format_summary(results.summary))
    print(f"results: {outdir}")
    return results.summary


def _dilemma_map(cfg: Any, outdir: Path, overrides: list[str]) -> None:
    """``+experiment=dilemma``: the scenario against no force over the declared grid."""
    from sim.evidence import dilemma

    try:
        table, _ = dilemma.write_map(cfg, outdir, overrides)
    except (ValueError, OSError) as err:
        _discard_run_dir(outdir)
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_CONFIG) from None
    print("\n".join(dilemma.summary_lines(table, cfg)))
    print(f"results: {outdir}")


@hydra.main(version_base="1.3", config_path=str(conf_dir()), config_name="config")
def _hydra_main(dcfg: DictConfig) -> dict | None:
    return run_job(dcfg)


class _HydraInputError(Exception):
    """A Hydra or OmegaConf error about the command line, as one line."""


def hydra_error_line(err: BaseException) -> str:
    """One line from a Hydra/OmegaConf error about the command line (no traceback)."""
    from hydra.errors import MissingConfigException

    text = str(err).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    first = lines[0] if lines else type(err).__name__
    ambiguous = re.match(r"Ambiguous value for argument '([^=']+)=(.*)'", first)
    if ambiguous:
        key, value = ambiguous.groups()
        return (f"{key}={value} lists several values, but this is a single run: to sweep them, "
                f"add -m (ceasefire-sim -m {key}={value}); to run one, give one value")
    if isinstance(err, MissingConfigException):
        missing = re.search(r"Could not (?:find|load) '([^']+)'", first)
        options = list(err.options or [])
        if missing and "/" in missing.group(1):
            group, _, name = missing.group(1).rpartition("/")
            allowed = f"choose one of {', '.join(options)}" if options else "see --hydra-help"
            return f"{group}={name} is not a {group} option: {allowed}"
    if "Key '" in text and "is not in struct" in text:
        key = re.search(r"full_key: (\S+)", text) or re.search(r"Key '([^']+)'", text)
        name = key.group(1) if key else "?"
        return (f"unknown key {name!r}: it is not a setting of this configuration (see "
                "ceasefire-sim --help; design settings are design.<key>=...)")
    detail = " ".join(ln for ln in lines[1:] if not ln.startswith(("See https://", "Set the env",
                                                                   "full_key", "object_type",
                                                                   "reference_type")))
    return f"{first}: {detail}" if detail and len(detail) < 300 else first


def _one_line_reporter(func: Any) -> Any:
    """Stand-in for Hydra's ``run_and_report``: command-line mistakes become one line."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    try:
        return func()
    except (HydraException, OmegaConfBaseException) as err:
        raise _HydraInputError(hydra_error_line(err)) from None
    except OSError as err:  # Hydra creating the run or sweep folder
        where = f" {err.filename}" if getattr(err, "filename", None) else ""
        raise _HydraInputError(f"cannot create the output folder{where}: "
                               f"{err.strerror or err}") from None


def version_line() -> str:
    """``ceasefire-sim X.Y.Z`` with the versions of Python, Hydra and Mesa."""
    from importlib.metadata import PackageNotFoundError, version

    from sim import __version__

    def ver(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    return (f"ceasefire-sim {__version__} (Python {sys.version.split()[0]}, hydra-core "
            f"{ver('hydra-core')}, mesa {ver('mesa')})")


def _stop_workers() -> None:
    """Stop joblib's worker processes (they would otherwise finish work nobody waits for)."""
    if "joblib" not in sys.modules:
        return
    try:
        from joblib.externals.loky import reusable_executor

        executor = getattr(reusable_executor, "_executor", None)
        if executor is not None:
            executor.shutdown(wait=False, kill_workers=True)
    except Exception:  # noqa: BLE001, S110 (best effort on the way out)
        pass


class _Terminated(BaseException):
    """SIGTERM, handled like Ctrl-C."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise _Terminated


def _interrupted_line(signal_name: str) -> str:
    from sim.sweeps.callback import LAST

    sweep_dir = LAST.get("sweep_dir")
    if sweep_dir:
        return (f"interrupted ({signal_name}): the sweep in {sweep_dir} was stopped; its finished "
                "points are kept: rerun the same command to resume it")
    run_dir = LAST.get("run_dir")
    if run_dir:
        _discard_run_dir(Path(run_dir))
        return (f"interrupted ({signal_name}): the run was stopped before it finished; no results "
                f"were written ({run_dir} holds no finished run)")
    return f"interrupted ({signal_name}) before a run started; nothing was written"


def main() -> None:
    """Entry point of ``ceasefire-sim`` and ``python -m sim``.

    ``--help`` and ``--version`` answer at once. Command-line overrides are checked against the
    schema first, so a mistake gets one clear line (key, value, what is allowed) and exit code 2
    before Hydra creates any output folder; Hydra's own errors about the command line are turned
    into one line too (``HYDRA_FULL_ERROR=1`` shows them in full). Ctrl-C (or SIGTERM) prints one
    line, stops the worker processes and exits with 130 (143).
    """
    args = sys.argv[1:]
    if "--version" in args:
        print(version_line())
        return
    if "--help" in args or "-h" in args:
        from sim.clihelp import app_help

        print(app_help())
        return
    try:
        sys.argv[1:] = flags_first(check_overrides(design_args(args)))
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_CONFIG) from None
    from sim.sweeps.callback import LAST

    LAST.clear()
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    full_errors = bool(os.environ.get("HYDRA_FULL_ERROR"))
    import hydra._internal.utils as hydra_utils

    original = hydra_utils.run_and_report
    if not full_errors:
        hydra_utils.run_and_report = _one_line_reporter
    try:
        _hydra_main()
    except _HydraInputError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_CONFIG) from None
    except ValueError as err:  # Hydra's own flag checks (e.g. --run with --multirun)
        if full_errors:
            raise
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_CONFIG) from None
    except KeyboardInterrupt:
        _stop_workers()
        print(f"\nerror: {_interrupted_line('Ctrl-C')}", file=sys.stderr)
        raise SystemExit(EXIT_INTERRUPTED) from None
    except _Terminated:
        _stop_workers()
        print(f"error: {_interrupted_line('SIGTERM')}", file=sys.stderr)
        raise SystemExit(EXIT_TERMINATED) from None
    finally:
        hydra_utils.run_and_report = original
        signal.signal(signal.SIGTERM, previous)
    if LAST.get("failed"):  # a sweep with failed points is not a success
        print(f"error: {LAST['failed']} of {LAST['points']} sweep points did not finish; see "
              "failed_points.csv in the sweep folder (rerun the same command to resume)",
              file=sys.stderr)
        raise SystemExit(EXIT_SWEEP_FAILED)


if __name__ == "__main__":
    main()
