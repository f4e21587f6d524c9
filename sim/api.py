"""The Python API for notebooks and other tools.

``run_scenario("article_baseline", ["us.role=none"], replications=500)`` composes the same Hydra
config the command line would (``conf/`` through Hydra's compose API), validates it and runs it:
the same numbers the CLI writes for the same seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from omegaconf import OmegaConf

from sim import experiment
from sim.config import Config, ConfigError, from_mapping, register_configs
from sim.experiment import Results
from sim.overrides import check_overrides
from sim.resources import conf_dir


def config_from_omegaconf(dcfg: Any) -> Config:
    """Validate a composed Hydra/OmegaConf config into a :class:`Config`.

    Raises:
        ConfigError: naming the key, the value and what is allowed.
    """
    data = OmegaConf.to_container(dcfg, resolve=True)
    return from_mapping({k: v for k, v in data.items() if k != "hydra"})


def _explain(err: Exception) -> str:
    """One clear line from a Hydra/OmegaConf composition error."""
    msg = str(err).strip()
    cause = err.__cause__
    if cause is not None and str(cause).strip() and str(cause).strip() not in msg:
        msg = f"{msg}: {str(cause).strip()}"
    lines = [ln for ln in msg.splitlines() if ln.strip() and not ln.startswith("    ")]
    detail = [ln.strip() for ln in msg.splitlines() if ln.startswith("    full_key:")]
    text = " ".join(lines)
    return f"{text} ({detail[0]})" if detail else text


def compose_config(scenario: str = "article_baseline", overrides: Sequence[str] = ()) -> Config:
    """Compose ``conf/`` for a scenario plus ``key=value`` overrides, and validate it.

    Raises:
        ConfigError: on an unknown scenario or key, a wrong type or an out-of-range value.
    """
    from hydra import compose, initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    register_configs()
    check_overrides([f"scenario={scenario}", *overrides])
    try:
        with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
            dcfg = compose(config_name="config",
                           overrides=[f"scenario={scenario}", *overrides])
    except (HydraException, OmegaConfBaseException) as err:
        raise ConfigError(_explain(err)) from err
    return config_from_omegaconf(dcfg)


def run_scenario(
    scenario: str = "article_baseline",
    overrides: Sequence[str] = (),
    *,
    replications: int | None = None,
    weeks: int | None = None,
    seed: int | None = None,
    engine: str | None = None,
    n_jobs: int | None = None,
    keep_paths: bool = False,
    progress: bool | None = False,
) -> Results:
    """Run a scenario and return tidy results.

    Args:
        scenario: A preset in ``conf/scenario/`` (e.g. ``"no_force"``).
        overrides: Hydra overrides such as ``"us.role=none"`` or ``"deployment=never"``.
        replications: Shorthand for ``sim.replications``.
        weeks: Shorthand for ``sim.weeks``.
        seed: Shorthand for ``sim.seed``.
        engine: Shorthand for ``sim.engine`` (``"batched"`` or ``"mesa"``).
        n_jobs: Shorthand for ``sim.n_jobs``.
        keep_paths: Keep per-replication weekly arrays in ``Results.raw_paths``.
        progress: Show a progress bar (default off in the API).

    Returns:
        :class:`~sim.experiment.Results` with ``records`` (one row per replication), ``paths``
        (weekly mean and 5–95% band), ``summary`` (dict) and ``survival`` (Kaplan–Meier).
    """
    extra = [f"sim.{k}={v}" for k, v in (("replications", replications), ("weeks", weeks),
                                         ("seed", seed), ("engine", engine), ("n_jobs", n_jobs))
             if v is not None]
    cfg = compose_config(scenario, [*overrides, *extra])
    return experiment.run(cfg, keep_paths=keep_paths, progress=progress)
